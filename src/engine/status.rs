//! `status` and `plan`: the compact overviews a person (or an agent with a
//! small context) reads first. Both stay small on big databases: counts,
//! short lists, and frequent fires summed up instead of listed.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::Engine;
use super::lease::lease_is_live;
use crate::domain::{Task, TaskStatus, rfc3339};
use crate::error::Result;

#[derive(Debug, Serialize)]
pub struct Status {
    #[serde(with = "rfc3339")]
    pub now: DateTime<Utc>,
    pub tasks: BTreeMap<&'static str, i64>,
    pub jobs: JobCounts,
    pub runs_24h: BTreeMap<&'static str, i64>,
    pub running: Vec<RunningNow>,
    pub next_fires: Vec<Fire>,
    pub scheduler: Option<SchedulerState>,
    pub db_bytes: u64,
}

#[derive(Debug, Serialize)]
pub struct JobCounts {
    pub enabled: i64,
    pub paused: i64,
}

#[derive(Debug, Serialize)]
pub struct RunningNow {
    pub id: i64,
    pub job: String,
    pub status: &'static str,
    #[serde(with = "rfc3339::option")]
    pub started_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Fire {
    pub job: String,
    pub at: String,
}

#[derive(Debug, Serialize)]
pub struct SchedulerState {
    pub role: String,
    pub pid: i64,
    pub host: String,
    pub heartbeat_age_s: i64,
    /// False when the lease has expired or its process is gone.
    pub alive: bool,
}

#[derive(Debug, Serialize)]
pub struct TaskBrief {
    pub id: i64,
    pub title: String,
    pub status: TaskStatus,
    pub priority: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
}

impl TaskBrief {
    fn of(t: &Task, e: &Engine) -> TaskBrief {
        TaskBrief {
            id: t.id,
            title: t.title.clone(),
            status: t.status,
            priority: t.priority.to_string(),
            due: t.due.map(|d| d.to_rfc3339(e.tz)),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Plan {
    #[serde(with = "rfc3339")]
    pub now: DateTime<Utc>,
    pub hours: u32,
    pub overdue: Vec<TaskBrief>,
    pub ready: Vec<TaskBrief>,
    /// Jobs firing a few times in the window, each fire listed, in time order.
    pub fires: Vec<Fire>,
    /// Jobs firing often, summed up: (job, count, first, every).
    pub frequent: Vec<Frequent>,
    /// Fires and frequent jobs left out to keep the plan short.
    pub more_fires: usize,
    pub more_frequent: usize,
}

#[derive(Debug, Serialize)]
pub struct Frequent {
    pub job: String,
    pub count: usize,
    pub first: String,
    pub schedule: String,
}

/// Runs of one day in the user's zone: those that succeeded and those that
/// ended badly (failed, timeout, lost, interrupted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayRuns {
    pub day: chrono::NaiveDate,
    pub success: i64,
    pub failure: i64,
}

/// The furthest `plan` looks ahead: a year.
pub const MAX_PLAN_HOURS: u32 = 8_760;
/// A plan stays well under 2,000 tokens: this many tasks of each kind,
/// fires and frequent jobs at most (the rest are counted).
const PLAN_TASKS: usize = 8;
const PLAN_FIRES: usize = 20;
const PLAN_FREQUENT: usize = 8;

/// Fires listed one by one per job in a plan; more are summed up.
const LIST_FIRES_UP_TO: usize = 4;

impl Engine {
    pub fn status(&self, my_host: &str) -> Result<Status> {
        let now = self.now();
        let conn = self.store.conn();
        let tasks = self
            .task_counts()?
            .into_iter()
            .map(|(s, n)| (s.as_str(), n))
            .collect();
        let (enabled, paused) = self.job_counts()?;
        let runs_24h = crate::store::runs::outcome_counts(conn, now - Duration::hours(24))?
            .into_iter()
            .map(|(s, n)| (s.as_str(), n))
            .collect();
        let running = self
            .active_runs()?
            .into_iter()
            .take(10)
            .map(|r| RunningNow {
                id: r.id,
                job: r.job,
                status: r.status.as_str(),
                started_at: r.started_at,
            })
            .collect();
        let scheduler = self.lease()?.map(|l| SchedulerState {
            alive: lease_is_live(&l, now, my_host),
            heartbeat_age_s: (now - l.heartbeat_at).num_seconds(),
            role: l.role,
            pid: l.pid,
            host: l.host,
        });
        Ok(Status {
            now,
            tasks,
            jobs: JobCounts { enabled, paused },
            runs_24h,
            running,
            next_fires: self.next_fires(5)?,
            scheduler,
            db_bytes: self.db_size(),
        })
    }

    /// The next `n` fires across all enabled jobs, in time order.
    pub fn next_fires(&self, n: usize) -> Result<Vec<Fire>> {
        let now = self.now();
        let mut all: Vec<(DateTime<Utc>, String, String)> = Vec::new();
        for (job, cron, tz) in self.scheduled_jobs()? {
            for t in cron.upcoming(now.max(job.fired_through), tz, n) {
                all.push((t.with_timezone(&Utc), t.to_rfc3339(), job.name.clone()));
            }
        }
        all.sort();
        Ok(all
            .into_iter()
            .take(n)
            .map(|(_, at, job)| Fire { job, at })
            .collect())
    }

    /// Runs per day for the last `days` days (today last): the quarter-hour
    /// counts the triggers keep (`store::counts`), folded into local days
    /// here, so days follow the user's zone across DST and a year of runs
    /// costs what a day does.
    pub fn runs_per_day(&self, days: u32) -> Result<Vec<DayRuns>> {
        let days = days.max(1);
        let today = self.now().with_timezone(&self.tz).date_naive();
        let first = today - chrono::Days::new(days as u64 - 1);
        let start = first
            .and_hms_opt(0, 0, 0)
            .and_then(|m| m.and_local_timezone(self.tz).earliest())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| self.now() - Duration::days(days as i64));
        let mut out: Vec<DayRuns> = (0..days as u64)
            .map(|i| DayRuns {
                day: first + chrono::Days::new(i),
                success: 0,
                failure: 0,
            })
            .collect();
        for (at, ok, bad) in crate::store::counts::runs_since(self.store.conn(), start)? {
            let day = crate::domain::from_millis(at)
                .with_timezone(&self.tz)
                .date_naive();
            if let Some(d) = out.iter_mut().find(|d| d.day == day) {
                d.success += ok;
                d.failure += bad;
            }
        }
        Ok(out)
    }

    /// The newest runs that ended badly, newest first: one short query per
    /// failure status through the `(status, id)` index, merged.
    pub fn recent_failures(&self, n: usize) -> Result<Vec<crate::domain::Run>> {
        use crate::domain::RunStatus;
        let mut all = Vec::new();
        for s in [
            RunStatus::Failed,
            RunStatus::Timeout,
            RunStatus::Lost,
            RunStatus::Interrupted,
        ] {
            all.extend(self.list_runs(&crate::store::runs::RunFilter {
                statuses: vec![s],
                limit: n,
                ..Default::default()
            })?);
        }
        all.sort_by_key(|r| std::cmp::Reverse(r.id));
        all.truncate(n);
        Ok(all)
    }

    pub fn plan(&self, hours: u32) -> Result<Plan> {
        if !(1..=MAX_PLAN_HOURS).contains(&hours) {
            return Err(crate::error::Error::user(format!(
                "cannot plan {hours} hours ahead: --hours (hours over MCP) is 1 to {MAX_PLAN_HOURS} (a year)"
            )));
        }
        let now = self.now();
        let end = Duration::try_hours(i64::from(hours))
            .and_then(|d| now.checked_add_signed(d))
            .unwrap_or(now);
        let overdue = self.overdue_tasks(PLAN_TASKS)?;
        let ready = self.ready_tasks(None, PLAN_TASKS)?;
        let mut fires: Vec<(DateTime<Utc>, Fire)> = Vec::new();
        let mut frequent = Vec::new();
        for (job, cron, tz) in self.scheduled_jobs()? {
            let times = cron.fires_between(now.max(job.fired_through), end, tz, 100_000);
            if times.len() > LIST_FIRES_UP_TO {
                frequent.push(Frequent {
                    job: job.name.clone(),
                    count: times.len(),
                    first: times[0].to_rfc3339(),
                    schedule: crate::schedule::words::describe_schedule(
                        &cron,
                        &crate::schedule::words::tz_label(tz, now),
                    ),
                });
            } else {
                for t in times {
                    fires.push((
                        t.with_timezone(&Utc),
                        Fire {
                            job: job.name.clone(),
                            at: t.to_rfc3339(),
                        },
                    ));
                }
            }
        }
        fires.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.job.cmp(&b.1.job)));
        frequent.sort_by_key(|f| std::cmp::Reverse(f.count));
        Ok(Plan {
            now,
            hours,
            overdue: overdue.iter().map(|t| TaskBrief::of(t, self)).collect(),
            ready: ready.iter().map(|t| TaskBrief::of(t, self)).collect(),
            more_fires: fires.len().saturating_sub(PLAN_FIRES),
            more_frequent: frequent.len().saturating_sub(PLAN_FREQUENT),
            fires: fires.into_iter().map(|(_, f)| f).take(PLAN_FIRES).collect(),
            frequent: frequent.into_iter().take(PLAN_FREQUENT).collect(),
        })
    }
}
