//! Run parameters at the engine: queue a run of a job with `KEY=VALUE`s
//! (CLI, MCP, chat, the TUI's Run Now form). The given values go over the
//! job's declared defaults and the whole set is recorded on the run; a key
//! the job does not declare refuses the run before anything is written.

use super::Engine;
use crate::domain::params::{self, Params};
use crate::domain::{Job, Run, Trigger};
use crate::error::{Error, Result};
use crate::store::runs::{self as repo, NewRun};

impl Engine {
    /// The parameters a run of `job` given `given` would run with, or the
    /// user error naming the keys the job does not declare.
    pub fn resolve_params(&self, job: &Job, given: &Params) -> Result<Params> {
        for (k, v) in given {
            params::check_key(k).map_err(Error::user)?;
            params::check_value(k, v).map_err(Error::user)?;
        }
        params::resolve(&job.params, given).map_err(|r| {
            let hint = match &r {
                params::Refused::Unknown { keys, .. } => format!(
                    "declare one with `jr jobs edit {} --param-default {}=VALUE`",
                    job.name,
                    keys.first().map(String::as_str).unwrap_or("KEY")
                ),
            };
            Error::user(r.message(&job.name)).hint(hint)
        })
    }

    /// Queue a run of `name` now with these parameters (over the defaults);
    /// the run records the whole set.
    pub fn queue_run_params(&self, name: &str, trigger: Trigger, given: &Params) -> Result<Run> {
        let job = self.get_job(name)?;
        let all = self.resolve_params(&job, given)?;
        let now = self.now();
        let id = self.store.write(|tx| {
            let id = repo::insert(tx, &NewRun::queued(job.id, &job.name, trigger, now))?
                .ok_or_else(|| Error::user("the run could not be recorded"))?;
            repo::set_params(tx, id, Some(&all))?;
            Ok(id)
        })?;
        self.get_run(id)
    }
}
