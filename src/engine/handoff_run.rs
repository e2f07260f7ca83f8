//! A task handed to a configured agent, run here: claim (in_progress), run
//! the agent with the task in its prompt (`run_agent`, recorded with the
//! task's id), then move the task on by how the execution ended. Every front
//! end (the CLI, the TUI's worker, `jr mcp`) goes through these two.

use tokio_util::sync::CancellationToken;

use super::agent_run::{Finished, Invocation, run_agent};
use super::shared::Shared;
use crate::clients::llm::Chunk;
use crate::domain::{Source, Task};
use crate::error::Result;

/// Claim task `task_id` for `agent` and run it to its end. Pieces of the
/// answer go to `on_chunk`; `stop` ends the execution (`stopped`: the task is
/// released where it stands). Returns the task as it ended.
pub async fn hand_to_agent(
    db: &Shared,
    task_id: i64,
    agent: &str,
    source: Source,
    stop: CancellationToken,
    on_chunk: &mut (dyn FnMut(Chunk) + Send),
) -> Result<(Task, Finished)> {
    let name = agent.to_string();
    let (_, inv) = db
        .call(move |e| e.assign_task_to_agent(task_id, &name, source))
        .await?;
    work_on(db, task_id, inv, stop, on_chunk).await
}

/// Run an invocation made by `Engine::assign_task_to_agent` (the task is
/// claimed already) and settle the task by its end.
pub async fn work_on(
    db: &Shared,
    task_id: i64,
    inv: Invocation,
    stop: CancellationToken,
    on_chunk: &mut (dyn FnMut(Chunk) + Send),
) -> Result<(Task, Finished)> {
    let agent = inv.agent.clone();
    let done = match run_agent(db, inv, None, stop, on_chunk).await {
        Ok(d) => d,
        Err(e) => {
            let why = e.message.clone();
            db.call(move |en| en.abandon_agent_handoff(task_id, &agent, &why))
                .await?;
            return Err(e);
        }
    };
    let x = done.run.clone();
    let task = db
        .call(move |e| {
            e.settle_execution(&x)?;
            e.get_task(task_id)
        })
        .await?;
    Ok((task, done))
}
