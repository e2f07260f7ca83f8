//! The worker's side of the Runs pane: pages of history by keyset (never the
//! whole table), one run with its output in chunks after a known line, and
//! cancelling a run.

use super::{LogChunk, Payload, RunPage, WorkerState};
use crate::engine::RunFilter;
use crate::error::Result;

/// Output lines per answer; a longer log comes in several.
pub const LOG_CHUNK: usize = 5000;

impl WorkerState {
    /// `filter.limit` runs and whether there are more beyond them.
    pub(super) fn run_page(&self, filter: RunFilter) -> Result<RunPage> {
        let mut ask = filter.clone();
        ask.limit = filter.limit + 1;
        let mut runs = self.engine.list_runs(&ask)?;
        let more = runs.len() > filter.limit;
        if more {
            // The extra one is the farthest from where the page starts.
            if filter.after_id.is_some() {
                runs.remove(0);
            } else {
                runs.pop();
            }
        }
        Ok(RunPage { filter, runs, more })
    }

    /// The run, and its output after line `after` — from the start when the
    /// output cap rewrote the tail since (`cut` differs).
    pub(super) fn run_log(&self, id: i64, after: i64, cut: i64) -> Result<LogChunk> {
        let run = self.engine.get_run(id)?;
        let reset = run.output_cut != cut;
        let after = if reset { 0 } else { after };
        let lines = self.engine.run_output(id, after, LOG_CHUNK)?;
        let more = lines.len() == LOG_CHUNK;
        let external = self.engine.run_external(id)?;
        Ok(LogChunk {
            external,
            run,
            lines,
            reset,
            more,
        })
    }

    pub(super) fn cancel_run(&self, id: i64) -> Result<Payload> {
        let r = self.engine.cancel_run(id)?;
        let message = if r.status.is_active() {
            format!("asked run #{id} of {} to stop", r.job)
        } else {
            format!("run #{id} of {} is {}", r.job, r.status)
        };
        Ok(Payload::JobChanged {
            message,
            job: None,
            run: Some(id),
        })
    }
}
