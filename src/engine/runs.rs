//! Run operations: queue a run, read history and output, cancel, and the
//! bookkeeping the scheduler does in the database (recording fires, claiming
//! and finishing runs, marking the runs of a dead process lost).

use chrono::{DateTime, Duration, Utc};

use super::Engine;
use super::lease::{Me, orphaned};
use super::output_log::Flush;
use crate::domain::{Job, OutputLine, Run, RunStatus, Trigger};
use crate::error::{Error, Result};
use crate::schedule::CronSchedule;
use crate::schedule::fires::FireAction;
use crate::store::jobs;
use crate::store::runs::{self as repo, Finish, NewRun, RunFilter};

/// Rows of output written or deleted between two looks at the clock.
const ROWS_PER_TX: usize = 64;
/// How long one transaction of output writing may hold the write lock
/// before it commits and lets other writers in.
const WRITE_FOR: std::time::Duration = std::time::Duration::from_millis(5);

/// Runs claimed to start now, and the earliest backoff still ahead.
/// Runs claimed to start now, the earliest backoff of a queued retry, and
/// whether a queued run waited for its job's running one (it may start once
/// that one's end is written).
pub type Startable = (Vec<(Run, Job)>, Option<DateTime<Utc>>, bool);

/// What recording a job's fires needs of it: a few bytes, not the whole
/// job, so a scheduler watching 10,000 jobs keeps 10,000 of these.
#[derive(Debug, Clone)]
pub struct FireJob {
    pub id: i64,
    pub name: String,
    pub overlap: crate::domain::Overlap,
}

impl From<&Job> for FireJob {
    fn from(j: &Job) -> FireJob {
        FireJob {
            id: j.id,
            name: j.name.clone(),
            overlap: j.overlap,
        }
    }
}

/// One scheduled job as the scheduler watches it. Its cron expression is
/// kept as text (shared between jobs that have the same one) and parsed
/// when the job fires: a parsed schedule is ~5 KB (croner keeps a byte per
/// possible year), 50 MB for 10,000 jobs.
#[derive(Debug, Clone)]
pub struct Watch {
    pub job: FireJob,
    pub expr: std::sync::Arc<str>,
    pub tz: chrono_tz::Tz,
    pub misfire: crate::domain::Misfire,
    pub fired_through: DateTime<Utc>,
    /// The first fire after `fired_through`; None: it never fires again.
    pub next: Option<DateTime<Utc>>,
}

/// Parsed schedules by expression, for one pass over many jobs.
#[derive(Default)]
pub struct CronCache(std::collections::HashMap<std::sync::Arc<str>, Option<CronSchedule>>);

impl CronCache {
    /// The expression's schedule (None: it does not parse), and the shared
    /// text to keep.
    pub fn get(&mut self, expr: &str) -> (Option<&CronSchedule>, std::sync::Arc<str>) {
        let key = match self.0.get_key_value(expr) {
            Some((k, _)) => k.clone(),
            None => {
                let k: std::sync::Arc<str> = expr.into();
                self.0.insert(k.clone(), CronSchedule::parse(expr).ok());
                k
            }
        };
        let cron = self.0.get(&key).and_then(Option::as_ref);
        (cron, key)
    }
}

fn run_not_found(id: i64) -> Error {
    Error::user(format!("no run with id {id}")).hint("`jr runs list` shows recent runs")
}

impl Engine {
    /// Queue a run of `job` now. The scheduler (daemon or TUI) starts it.
    pub fn queue_run(&self, name: &str, trigger: Trigger) -> Result<Run> {
        let job = self.get_job(name)?;
        let now = self.now();
        let id = self.store.write(|tx| {
            repo::insert(tx, &NewRun::queued(job.id, &job.name, trigger, now))?
                .ok_or_else(|| Error::user("the run could not be recorded"))
        })?;
        self.get_run(id)
    }

    pub fn get_run(&self, id: i64) -> Result<Run> {
        repo::get(self.store.conn(), id)?.ok_or_else(|| run_not_found(id))
    }

    pub fn list_runs(&self, filter: &RunFilter) -> Result<Vec<Run>> {
        if let Some(j) = &filter.job
            && jobs::get(self.store.conn(), j)?.is_none()
            && repo::list(
                self.store.conn(),
                &RunFilter {
                    job: Some(j.clone()),
                    limit: 1,
                    ..Default::default()
                },
            )?
            .is_empty()
        {
            // Unknown job with no history either: say so rather than print nothing.
            self.get_job(j)?;
        }
        repo::list(self.store.conn(), filter)
    }

    pub fn active_runs(&self) -> Result<Vec<Run>> {
        repo::active(self.store.conn())
    }

    pub fn run_output(&self, id: i64, after_seq: i64, limit: usize) -> Result<Vec<OutputLine>> {
        repo::output(self.store.conn(), id, after_seq, limit)
    }

    pub fn run_output_tail(&self, id: i64, n: usize) -> Result<Vec<OutputLine>> {
        repo::output_tail(self.store.conn(), id, n)
    }

    /// Cancel a run: a queued one ends at once; a running one is stopped by
    /// the process executing it, which notices within a moment.
    pub fn cancel_run(&self, id: i64) -> Result<Run> {
        let now = self.now();
        self.store.write(|tx| {
            let run = repo::get(tx, id)?.ok_or_else(|| run_not_found(id))?;
            match run.status {
                RunStatus::Queued => {
                    repo::finish(
                        tx,
                        id,
                        &Finish {
                            status: RunStatus::Cancelled,
                            exit_code: None,
                            error: Some("cancelled before it started"),
                            result: None,
                        },
                        now,
                    )?;
                    super::handoff::settle_run_in(tx, id, now)?;
                }
                RunStatus::Running => repo::request_cancel(tx, id)?,
                s => return Err(Error::user(format!("run {id} already ended ({s})"))),
            }
            Ok(())
        })?;
        self.get_run(id)
    }

    /// Runs left `running` by a process that is gone become `lost`; returns
    /// them (with the process group they had, so orphans can be stopped).
    pub fn mark_lost(&self, me: &Me, previous_holder: Option<&str>) -> Result<Vec<Run>> {
        let now = self.now();
        let running: Vec<Run> = repo::running(self.store.conn())?
            .into_iter()
            .filter(|r| orphaned(r, me, previous_holder))
            .collect();
        if running.is_empty() {
            return Ok(running);
        }
        self.store.write(|tx| {
            for r in &running {
                let why = format!(
                    "the jr process running it (pid {} on {}) stopped without finishing it",
                    r.owner_pid.unwrap_or(0),
                    r.owner_host.as_deref().unwrap_or("?")
                );
                repo::finish(
                    tx,
                    r.id,
                    &Finish {
                        status: RunStatus::Lost,
                        exit_code: None,
                        error: Some(&why),
                        result: None,
                    },
                    now,
                )?;
                super::handoff::settle_run_in(tx, r.id, now)?;
            }
            Ok(())
        })?;
        Ok(running)
    }

    /// Record the fires the scheduler decided on, in transactions of a few
    /// hundred fires each (a job's fires and its `fired_through` always in
    /// one): a burst of 10,000 never holds the write lock for long. Fires
    /// already recorded (another scheduler got there) are left alone.
    /// Returns the ids of runs queued to start.
    pub fn record_fires(
        &self,
        plans: &[(FireJob, Vec<FireAction>, DateTime<Utc>)],
    ) -> Result<Vec<i64>> {
        const FIRES_PER_TX: usize = 500;
        let mut queued = Vec::new();
        let mut start = 0;
        while start < plans.len() {
            let mut end = start;
            let mut fires = 0;
            while end < plans.len() && (end == start || fires + plans[end].1.len() <= FIRES_PER_TX)
            {
                fires += plans[end].1.len();
                end += 1;
            }
            queued.extend(self.record_fires_in_one(&plans[start..end])?);
            start = end;
        }
        Ok(queued)
    }

    fn record_fires_in_one(
        &self,
        plans: &[(FireJob, Vec<FireAction>, DateTime<Utc>)],
    ) -> Result<Vec<i64>> {
        let now = self.now();
        self.store.write(|tx| {
            let mut queued = Vec::new();
            for (job, actions, through) in plans {
                for a in actions {
                    let (at, status, trigger, error) = match a {
                        FireAction::Run { at, catchup } => (
                            *at,
                            RunStatus::Queued,
                            if *catchup {
                                Trigger::Catchup
                            } else {
                                Trigger::Schedule
                            },
                            None,
                        ),
                        FireAction::Missed { at, reason } => (
                            *at,
                            RunStatus::Missed,
                            Trigger::Schedule,
                            Some(reason.as_str()),
                        ),
                    };
                    let mut status = status;
                    let mut error = error.map(str::to_string);
                    if status == RunStatus::Queued
                        && job.overlap == crate::domain::Overlap::Skip
                        && let Some(prev) = repo::active_for_job(tx, job.id)?
                    {
                        status = RunStatus::Skipped;
                        error = Some(format!(
                            "run #{} was still {} (overlap policy skip)",
                            prev.id, prev.status
                        ));
                    }
                    let new = NewRun {
                        job_id: job.id,
                        job: &job.name,
                        status,
                        trigger,
                        scheduled_for: Some(at),
                        fire_key: Some(at),
                        // The moment this fire is written, for lateness figures.
                        queued_at: if matches!(self.clock, crate::clock::Clock::System) {
                            Utc::now()
                        } else {
                            now
                        },
                        not_before: None,
                        error: error.as_deref(),
                        attempt: 1,
                        first_run: None,
                        upstream_run: None,
                        task_id: None,
                    };
                    if let Some(id) = repo::insert(tx, &new)?
                        && status == RunStatus::Queued
                    {
                        queued.push(id);
                    }
                }
                jobs::set_fired_through(tx, job.id, *through)?;
            }
            Ok(queued)
        })
    }

    /// Enabled jobs with a valid schedule, as the scheduler watches them
    /// (see `Watch`): each distinct expression is parsed once.
    pub fn scheduled_watch(&self) -> Result<Vec<Watch>> {
        let mut cache = CronCache::default();
        let jobs = jobs::scheduled(self.store.conn())?;
        let mut out = Vec::with_capacity(jobs.len());
        for j in jobs {
            let Some(expr) = j.schedule.as_deref() else {
                continue;
            };
            let tz = self.job_tz(&j);
            let (Some(cron), expr) = cache.get(expr) else {
                continue;
            };
            let next = cron
                .next_after(j.fired_through, tz)
                .map(|t| t.with_timezone(&Utc));
            out.push(Watch {
                job: FireJob::from(&j),
                expr,
                tz,
                misfire: j.misfire,
                fired_through: j.fired_through,
                next,
            });
        }
        Ok(out)
    }

    /// Take a queued run for this process; None if it is gone or taken.
    pub fn claim_run(&self, id: i64, me: &Me) -> Result<Option<(Run, Job)>> {
        let now = self.now();
        let claimed = self
            .store
            .write(|tx| repo::claim(tx, id, &me.holder, me.pid, &me.host, now))?;
        if !claimed {
            return Ok(None);
        }
        let run = self.get_run(id)?;
        let job = match run
            .job_id
            .and_then(|j| jobs::get_by_id(self.store.conn(), j).transpose())
        {
            Some(j) => j?,
            None => {
                self.finish_run(
                    id,
                    &Finish {
                        status: RunStatus::Failed,
                        exit_code: None,
                        error: Some("its job was removed"),
                        result: None,
                    },
                )?;
                return Ok(None);
            }
        };
        Ok(Some((run, job)))
    }

    /// Claim the queued runs that may start now, up to `slots`, in one
    /// transaction: their backoff has passed and their job runs fewer than
    /// it may (one at a time unless it allows overlap, then `per_job`).
    /// Taken by an indexed query, oldest first, so a burst of n runs costs
    /// O(n) over all passes. Returns them and, when fewer than `slots` could
    /// start, the earliest `not_before` still ahead.
    pub fn claim_startable(&self, me: &Me, slots: usize, per_job: usize) -> Result<Startable> {
        self.end_and_claim(&[], me, slots, per_job)
            .map(|(_, claimed)| claimed)
    }

    /// Record the ends of runs (as `finish_runs_settling`) and claim the
    /// runs that start in their slots (as `claim_startable`), in one
    /// transaction: a burst of short runs costs one commit per batch.
    /// Returns whether each run was ended, and the claim.
    pub fn end_and_claim(
        &self,
        ends: &[(i64, Finish<'_>, Option<bool>)],
        me: &Me,
        slots: usize,
        per_job: usize,
    ) -> Result<(Vec<bool>, Startable)> {
        if slots == 0 && ends.is_empty() {
            return Ok((Vec::new(), (Vec::new(), None, false)));
        }
        let now = self.now();
        let per_job = per_job.max(1);
        let (ended, out, short, blocked) = self.store.write(|tx| {
            // Ends first: a run of the same job that waited for one of
            // them is claimed below.
            let ended = ends
                .iter()
                .map(|(id, f, retry)| finish_in(tx, *id, f, *retry, now))
                .collect::<Result<Vec<bool>>>()?;
            if slots == 0 {
                return Ok((ended, Vec::new(), false, false));
            }
            let mut blocked = false;
            let candidates = repo::startable(tx, now, slots, per_job)?;
            let short = candidates.len() < slots;
            let mut running: std::collections::HashMap<i64, usize> = Default::default();
            let mut jobs_seen: std::collections::HashMap<i64, Option<Job>> = Default::default();
            let mut out = Vec::with_capacity(candidates.len());
            for mut r in candidates {
                let job = match r.job_id {
                    Some(id) => match jobs_seen.get(&id) {
                        Some(j) => j.clone(),
                        None => {
                            let j = jobs::get_by_id(tx, id)?;
                            jobs_seen.insert(id, j.clone());
                            j
                        }
                    },
                    None => None,
                };
                let Some(job) = job else {
                    repo::finish(
                        tx,
                        r.id,
                        &Finish {
                            status: RunStatus::Failed,
                            exit_code: None,
                            error: Some("its job was removed"),
                            result: None,
                        },
                        now,
                    )?;
                    super::handoff::settle_run_in(tx, r.id, now)?;
                    continue;
                };
                let limit = if job.overlap == crate::domain::Overlap::Allow {
                    per_job
                } else {
                    1
                };
                let n = match running.get(&job.id) {
                    Some(n) => *n,
                    None => repo::running_of_job(tx, job.id)?,
                };
                if n >= limit {
                    blocked = true;
                    continue;
                }
                if !repo::claim(tx, r.id, &me.holder, me.pid, &me.host, now)? {
                    continue;
                }
                running.insert(job.id, n + 1);
                r.status = RunStatus::Running;
                r.started_at = Some(now);
                r.owner = Some(me.holder.clone());
                r.owner_pid = Some(i64::from(me.pid));
                r.owner_host = Some(me.host.clone());
                out.push((r, job));
            }
            Ok((ended, out, short, blocked))
        })?;
        let wake = if short {
            repo::next_backoff(self.store.conn(), now)?
        } else {
            None
        };
        Ok((ended, (out, wake, blocked)))
    }

    pub fn set_run_pgid(&self, id: i64, pgid: Option<i64>) -> Result<()> {
        self.store.write(|tx| repo::set_pgid(tx, id, pgid))
    }

    /// End a run. When no retry follows (as the job stands now, see
    /// `handoff::will_retry`), the task it worked on moves on in the same
    /// transaction.
    pub fn finish_run(&self, id: i64, f: &Finish<'_>) -> Result<bool> {
        self.finish_run_settling(id, f, None)
    }

    /// End a run; `retry` says whether the caller queues another attempt
    /// (the runner decides with the job it started), None: look it up.
    pub fn finish_run_settling(
        &self,
        id: i64,
        f: &Finish<'_>,
        retry: Option<bool>,
    ) -> Result<bool> {
        let now = self.now();
        self.store.write(|tx| finish_in(tx, id, f, retry, now))
    }

    /// End several runs in one transaction (runs that ended together in a
    /// burst): what `finish_run_settling` does for each, one commit for all.
    pub fn finish_runs_settling(
        &self,
        ends: &[(i64, Finish<'_>, Option<bool>)],
    ) -> Result<Vec<bool>> {
        let now = self.now();
        self.store.write(|tx| {
            ends.iter()
                .map(|(id, f, retry)| finish_in(tx, *id, f, *retry, now))
                .collect()
        })
    }

    /// Queue the next attempt of a failed run after its backoff.
    pub fn queue_retry(&self, run: &Run, job: &Job) -> Result<Option<i64>> {
        if run.attempt > job.retries {
            return Ok(None);
        }
        let now = self.now();
        let factor = 2u32.saturating_pow(run.attempt.saturating_sub(1)).min(1024);
        let wait = job.retry_backoff.saturating_mul(factor);
        let not_before = now + Duration::from_std(wait).unwrap_or(Duration::zero());
        self.store.write(|tx| {
            let id = repo::insert(
                tx,
                &NewRun {
                    scheduled_for: run.scheduled_for,
                    not_before: Some(not_before),
                    attempt: run.attempt + 1,
                    first_run: Some(run.first_run.unwrap_or(run.id)),
                    upstream_run: run.upstream_run,
                    task_id: run.task_id,
                    ..NewRun::queued(job.id, &job.name, Trigger::Retry, now)
                },
            )?;
            // A retry runs with the parameters of the attempt it repeats.
            if let (Some(id), Some(p)) = (id, &run.params) {
                repo::set_params(tx, id, Some(p))?;
            }
            Ok(id)
        })
    }

    /// Store a flush of a run's output in short transactions (each stops
    /// taking rows once it has held the write lock `WRITE_FOR`, checked
    /// every `ROWS_PER_TX` rows), so no flush — a whole tail of thousands
    /// of one-byte lines — holds the write lock for long beside other
    /// writers (torture: 200 rows a transaction still took over 50 ms 8
    /// times beside 2,700 writers on two busy cores), while a quiet
    /// database takes a tail in a few transactions instead of one per 64
    /// rows (a run's end waits for its last flush, a whole tail: 16,000
    /// rows for a 1 GB job of one-byte lines, 250 commits before). A tail is rewritten new
    /// lines first (`INSERT OR REPLACE`: a line keeps its seq from one
    /// flush to the next), then the old lines that fell out of it are
    /// deleted, so a reader never sees the tail with lines missing: only,
    /// between the transactions, a few old lines more; a crash between
    /// them keeps what was written.
    pub fn write_output(&self, id: i64, f: &Flush) -> Result<()> {
        self.append_output_in_turns(id, &f.append)?;
        if let Some((from, lines)) = &f.tail {
            self.append_output_in_turns(id, lines)?;
            // Stored lines before the new tail's first (its `cut` line is
            // at `from` itself, replaced above) fell out of it.
            let cut = lines.first().is_some_and(|l| l.seq == *from);
            let start = if cut { from + 1 } else { *from };
            let end = lines
                .iter()
                .find(|l| l.seq >= start)
                .map_or(i64::MAX, |l| l.seq);
            while self.store.write(|tx| {
                let t = std::time::Instant::now();
                loop {
                    let n = repo::delete_output_range(tx, id, start, end, ROWS_PER_TX)?;
                    if n < ROWS_PER_TX {
                        return Ok(false);
                    }
                    if t.elapsed() >= WRITE_FOR {
                        return Ok(true);
                    }
                }
            })? {}
        }
        self.store
            .write(|tx| repo::set_output_size(tx, id, f.total_bytes as i64, f.cut_bytes as i64))
    }

    /// `lines` in as few transactions as `WRITE_FOR` allows.
    fn append_output_in_turns(&self, id: i64, mut lines: &[OutputLine]) -> Result<()> {
        while !lines.is_empty() {
            let n = self.store.write(|tx| {
                let t = std::time::Instant::now();
                let mut n = 0;
                for rows in lines.chunks(ROWS_PER_TX) {
                    repo::append_output(tx, id, rows)?;
                    n += rows.len();
                    if t.elapsed() >= WRITE_FOR {
                        break;
                    }
                }
                Ok(n)
            })?;
            lines = &lines[n..];
        }
        Ok(())
    }

    pub fn cancel_requests(&self, me: &Me) -> Result<Vec<i64>> {
        repo::cancel_requested(self.store.conn(), &me.holder)
    }

    pub fn prune_runs(&self, keep_per_job: usize, keep_days: u32) -> Result<usize> {
        let before = self.now() - Duration::days(i64::from(keep_days));
        let mut total = 0;
        loop {
            let n = self
                .store
                .write(|tx| repo::prune(tx, keep_per_job, before, 20))?;
            total += n;
            if n == 0 {
                return Ok(total);
            }
        }
    }

    pub fn jobs_revision(&self) -> Result<i64> {
        jobs::revision(self.store.conn())
    }

    /// A number that changes whenever another connection commits.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .store
            .conn()
            .pragma_query_value(None, "data_version", |r| r.get(0))?)
    }
}

/// End one run inside `tx`; the task it worked on moves on unless another
/// attempt follows.
fn finish_in(
    tx: &rusqlite::Connection,
    id: i64,
    f: &Finish<'_>,
    retry: Option<bool>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let Some(run) = repo::get(tx, id)? else {
        return Ok(false);
    };
    let retry = match retry {
        Some(r) => r,
        None => super::handoff::will_retry(tx, &run, f.status)?,
    };
    let ended = repo::finish(tx, id, f, now)?;
    if ended && !retry {
        super::handoff::settle_run_in(tx, id, now)?;
    }
    Ok(ended)
}
