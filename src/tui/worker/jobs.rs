//! The worker's side of the Jobs pane: every job with its schedule in words,
//! next fire, last run and recent durations (a few runs per job, through the
//! job's index — never the whole history), and the job changes.

use chrono::{DateTime, Utc};

use super::{JobMutation, JobRow, Payload, WorkerState};
use crate::domain::{Job, Run, RunStatus, Trigger};
use crate::engine::{Engine, RunFilter};
use crate::error::Result;
use crate::schedule::words;

/// Runs read per job for the sparkline and the last status.
pub const RECENT: usize = 20;

/// Jobs read in full at a time (the rest are only counted).
pub const JOBS_WINDOW: usize = 200;

/// "weekdays at 07:00 KST", or "on demand".
pub fn schedule_words(e: &Engine, job: &Job, now: DateTime<Utc>) -> String {
    match &job.schedule {
        None => "on demand".into(),
        Some(expr) => words::describe(expr, &words::tz_label(e.job_tz(job), now)),
    }
}

fn row(e: &Engine, job: Job, recent: &[Run], now: DateTime<Utc>) -> JobRow {
    JobRow {
        schedule: schedule_words(e, &job, now),
        next: e.next_fire(&job, now).map(|t| t.with_timezone(&Utc)),
        last: recent
            .iter()
            .find(|r| !matches!(r.status, RunStatus::Skipped | RunStatus::Missed))
            .map(|r| (r.id, r.status)),
        running: recent.iter().any(|r| r.status == RunStatus::Running),
        durations: recent
            .iter()
            .rev()
            .filter_map(|r| r.duration_ms)
            .map(|d| d.max(0) as u64)
            .collect(),
        job,
    }
}

impl WorkerState {
    /// A window of `JOBS_WINDOW` jobs from `offset` (or around `want`):
    /// every job's row is read (one query), but runs and next fires only for
    /// the window's.
    pub(super) fn jobs(&self, offset: usize, want: Option<&str>) -> Result<super::JobsPage> {
        let e = &self.engine;
        let now = e.now();
        let all = e.list_jobs()?;
        let total = all.len();
        let enabled = all.iter().filter(|j| j.enabled).count();
        let at = want.and_then(|w| all.iter().position(|j| j.name == w));
        let offset = match at {
            Some(i) => i.saturating_sub(JOBS_WINDOW / 2),
            None => offset,
        }
        .min(total.saturating_sub(1));
        let rows = all
            .into_iter()
            .skip(offset)
            .take(JOBS_WINDOW)
            .map(|job| {
                let recent = e.list_runs(&RunFilter {
                    job: Some(job.name.clone()),
                    limit: RECENT,
                    ..RunFilter::default()
                })?;
                Ok(row(e, job, &recent, now))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(super::JobsPage {
            rows,
            offset,
            total,
            enabled,
            want: at,
        })
    }

    pub(super) fn mutate_job(&self, m: JobMutation) -> Result<Payload> {
        let e = &self.engine;
        let (message, job, run) = match m {
            JobMutation::Add(def) => {
                let j = e.add_job(&def)?;
                (format!("added job {}", j.name), Some(j.name), None)
            }
            JobMutation::Update(old, def) => {
                let j = e.update_job(&old, &def)?;
                (format!("saved job {}", j.name), Some(j.name), None)
            }
            JobMutation::Enable(name, on) => {
                let j = e.set_job_enabled(&name, on)?;
                let what = if on { "enabled" } else { "paused" };
                (format!("{} is {what}", j.name), Some(j.name), None)
            }
            JobMutation::Delete(name) => {
                let j = e.remove_job(&name)?;
                (
                    format!("deleted job {} (its runs stay in the history)", j.name),
                    None,
                    None,
                )
            }
            JobMutation::RunNow(name) => self.run_now(name, Default::default())?,
            JobMutation::RunWith(name, given) => self.run_now(name, given)?,
        };
        Ok(Payload::JobChanged { message, job, run })
    }

    /// Queue a run with these parameters over the job's defaults.
    fn run_now(
        &self,
        name: String,
        given: crate::domain::params::Params,
    ) -> Result<(String, Option<String>, Option<i64>)> {
        let e = &self.engine;
        let r = e.queue_run_params(&name, Trigger::Manual, &given)?;
        let who = match e.live_lease(&self.host)? {
            Some(l) => format!("the scheduler ({}) starts it", l.role),
            None => "no scheduler holds the lease; it starts when one does".into(),
        };
        Ok((
            format!("queued run #{} of {name}; {who}", r.id),
            Some(name),
            Some(r.id),
        ))
    }
}
