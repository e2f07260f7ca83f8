//! jr runs that follow a Dagster run: recording the handle (id, link, log
//! cursor, reachability), and handing such runs to a new lease holder when
//! the jr process that followed them is gone, so it resumes instead of
//! marking them lost.

use super::super::Engine;
use super::super::lease::{Me, orphaned};
use crate::domain::external::External;
use crate::domain::{Job, Run, RunStatus};
use crate::error::Result;
use crate::store::{external as repo, jobs, runs};

/// A run to resume following, with its job and handle.
pub type Resumable = (Run, Job, External);

impl Engine {
    /// Store (or update) the handle of the external work `run_id` follows;
    /// its link becomes the run's `result` at once.
    pub fn record_external(&self, run_id: i64, x: &External) -> Result<()> {
        let now = self.now();
        self.store.write(|tx| {
            repo::upsert(tx, run_id, x, now)?;
            repo::set_result(tx, run_id, &x.url)
        })
    }

    pub fn run_external(&self, run_id: i64) -> Result<Option<External>> {
        repo::get(self.store.conn(), run_id)
    }

    /// The jr run that follows a Dagster run, if any.
    pub fn run_following(&self, dagster_run_id: &str) -> Result<Option<i64>> {
        repo::run_of(self.store.conn(), "dagster", dagster_run_id)
    }

    /// Where a run's stored output ends: the last seq and the bytes so far,
    /// so resumed output continues after it.
    pub fn output_end(&self, run_id: i64) -> Result<(i64, u64)> {
        let last = runs::output_tail(self.store.conn(), run_id, 1)?
            .first()
            .map(|l| l.seq)
            .unwrap_or(0);
        let bytes = self.get_run(run_id)?.output_bytes.max(0) as u64;
        Ok((last, bytes))
    }

    /// Take over the running runs of a gone jr process that follow external
    /// work (the same test `mark_lost` uses), so this process resumes them.
    /// Call it before `mark_lost`: what it takes is no longer lost.
    pub fn adopt_external(&self, me: &Me, previous_holder: Option<&str>) -> Result<Vec<Resumable>> {
        let conn = self.store.conn();
        let mut candidates = Vec::new();
        for r in runs::active(conn)? {
            if r.status != RunStatus::Running || !orphaned(&r, me, previous_holder) {
                continue;
            }
            let (Some(x), Some(job)) = (
                repo::get(conn, r.id)?,
                r.job_id
                    .map(|j| jobs::get_by_id(conn, j))
                    .transpose()?
                    .flatten(),
            ) else {
                continue;
            };
            candidates.push((r, job, x));
        }
        if candidates.is_empty() {
            return Ok(candidates);
        }
        let taken = self.store.write(|tx| {
            let mut taken = Vec::new();
            for (i, (r, _, _)) in candidates.iter().enumerate() {
                if repo::take_over(tx, r.id, r.owner.as_deref(), &me.holder, me.pid, &me.host)? {
                    taken.push(i);
                }
            }
            Ok(taken)
        })?;
        Ok(candidates
            .into_iter()
            .enumerate()
            .filter(|(i, _)| taken.contains(i))
            .map(|(_, (mut r, job, x))| {
                r.owner = Some(me.holder.clone());
                r.owner_pid = Some(me.pid as i64);
                r.owner_host = Some(me.host.clone());
                (r, job, x)
            })
            .collect())
    }
}
