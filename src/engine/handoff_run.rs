//! A task handed to a configured agent, run here: claim (in_progress), run
//! the agent with the task in its prompt (`run_agent`, recorded with the
//! task's id), then move the task on by how the execution ended. Every front
//! end (the CLI, the TUI's worker, `jr mcp`) goes through `hand_to_agent`.

use tokio_util::sync::CancellationToken;

use super::agent_run::{Finished, run_agent};
use super::shared::Shared;
use crate::clients::llm::Chunk;
use crate::domain::{Source, Task};
use crate::error::Result;

/// The claim is made before this returns its future's first answer; pieces
/// of the answer go to `on_chunk`; `stop` ends the execution (`stopped`: the
/// task is released where it stands). Returns the task as it ended.
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
    let agent = inv.agent.clone();
    let done = match run_agent(db, inv, None, stop, on_chunk).await {
        Ok(d) => d,
        Err(e) => {
            let (a, why) = (agent.clone(), e.message.clone());
            db.call(move |en| en.abandon_agent_handoff(task_id, &a, &why))
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

/// Claim the task for the agent now and run it on `rt`'s runtime in the
/// background (the MCP server, the TUI): the answer is the claimed task;
/// the end is recorded on the task when the execution ends.
pub async fn hand_to_agent_detached(
    db: &Shared,
    task_id: i64,
    agent: &str,
    source: Source,
) -> Result<Task> {
    let name = agent.to_string();
    let (task, inv) = db
        .call(move |e| e.assign_task_to_agent(task_id, &name, source))
        .await?;
    let db = db.clone();
    tokio::spawn(async move {
        let agent = inv.agent.clone();
        let mut ignore = |_c: Chunk| {};
        match run_agent(&db, inv, None, CancellationToken::new(), &mut ignore).await {
            Ok(done) => {
                let x = done.run;
                if let Err(e) = db.call(move |e| e.settle_execution(&x)).await {
                    tracing::error!(task = task_id, "recording the end of the hand-off: {e}");
                }
            }
            Err(err) => {
                let why = err.message.clone();
                let _ = db
                    .call(move |e| e.abandon_agent_handoff(task_id, &agent, &why))
                    .await;
            }
        }
    });
    Ok(task)
}
