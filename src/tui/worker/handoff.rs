//! The worker's side of handing a task on from the Tasks pane: the names it
//! can go to (`agent:NAME`, `job:NAME`), and the hand-off itself. A job's run
//! is queued (the scheduler — this TUI's or the daemon — starts it); an agent
//! runs off the worker (worker/background.rs) and the task moves on when it ends,
//! told by a `Changed` answer.

use tokio_util::sync::CancellationToken;

use super::{Payload, WorkerState};
use crate::clients::llm::Chunk;
use crate::domain::{JobSpec, Source};
use crate::engine::agent_run::Invocation;
use crate::engine::handoff::Assignee;
use crate::engine::handoff_run::work_on;
use crate::engine::shared::Shared;
use crate::error::Result;

impl WorkerState {
    /// Every agent and every job that can take a task, as the picker shows them.
    pub(super) fn assign_targets(&self) -> Result<Payload> {
        let mut out: Vec<String> = self
            .engine
            .list_agents()?
            .into_iter()
            .map(|a| Assignee::Agent(a.name).claim())
            .collect();
        out.extend(
            self.engine
                .list_jobs()?
                .into_iter()
                .filter(|j| !matches!(j.spec, JobSpec::Ambient(_)))
                .map(|j| Assignee::Job(j.name).claim()),
        );
        Ok(Payload::AssignTargets(out))
    }

    pub(super) fn assign(&mut self, id: i64, to: Assignee) -> Result<Payload> {
        let name = match to {
            Assignee::Job(job) => {
                let (t, run) = self.engine.assign_task_to_job(id, &job, Source::Tui)?;
                return Ok(Payload::Changed {
                    message: format!("#{} handed to job {job}: run #{} queued", t.id, run.id),
                    task: Some(t.id),
                });
            }
            Assignee::Agent(name) => name,
        };
        let (t, inv) = self.engine.assign_task_to_agent(id, &name, Source::Tui)?;
        let (rt, db) = match self.background_db("running an agent") {
            Ok(x) => x,
            Err(e) => {
                // Claimed but nothing can run it: give the task back.
                self.engine
                    .abandon_agent_handoff(id, &inv.agent, &e.message)?;
                return Err(e);
            }
        };
        let now = Payload::Changed {
            message: format!("#{} handed to agent {name}; it is working on it", t.id),
            task: Some(t.id),
        };
        self.later("jr-handoff", now, move |_| run_handoff(&rt, &db, id, inv))
    }
}

/// Run the hand-off to its end; the answer says how the task stands.
fn run_handoff(rt: &tokio::runtime::Handle, db: &Shared, id: i64, inv: Invocation) -> Payload {
    let agent = inv.agent.clone();
    let mut ignore = |_: Chunk| {};
    match rt.block_on(work_on(db, id, inv, CancellationToken::new(), &mut ignore)) {
        Ok((t, f)) => Payload::Changed {
            message: format!(
                "agent {agent} ended {} on #{}; the task is {}",
                f.run.status, t.id, t.status
            ),
            task: Some(t.id),
        },
        Err(e) => Payload::Failed(e),
    }
}
