//! The worker's side of the Agents pane's changes: run the selected agent
//! with a prompt on its own thread (the answer streams in as `AgentPartial`,
//! the recorded execution follows as `AgentRan`), and remove an agent.

use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use super::{Payload, WorkerState};
use crate::clients::llm::Chunk;
use crate::domain::agent::tool_start_line;
use crate::engine::agent_run::{Invocation, run_agent};
use crate::engine::shared::Shared;
use crate::error::{Error, Result};

/// What an agent run needs off the worker: a runtime for the HTTP calls and
/// the engine on a second connection to the same database file.
pub struct AgentDriver {
    pub(super) rt: tokio::runtime::Runtime,
    pub(super) db: Shared,
}

impl WorkerState {
    /// Run agent `name` with `prompt`. With a reply sender the run goes on its
    /// own thread and the worker answers at once with an empty partial;
    /// headless, it runs in line.
    pub(super) fn run_agent(&mut self, name: &str, prompt: &str) -> Result<Payload> {
        let inv = self.engine.prepare_agent(name, prompt)?;
        if self.agent_rt.is_none() {
            self.agent_rt = Some(Arc::new(Mutex::new(self.agent_driver()?)));
        }
        let Some(driver) = self.agent_rt.clone() else {
            return Err(Error::config("the agent driver failed before"));
        };
        let Some(reply) = self.reply.clone() else {
            let d = driver
                .lock()
                .map_err(|_| Error::config("the agent driver failed before"))?;
            let mut ignore = |_: Chunk| {};
            let f = d.rt.block_on(run_agent(
                &d.db,
                inv,
                None,
                CancellationToken::new(),
                &mut ignore,
            ))?;
            return Ok(Payload::AgentRan {
                run: Box::new(f.run),
                error: f.error,
            });
        };
        let agent = inv.agent.clone();
        std::thread::Builder::new()
            .name("jr-agent".into())
            .spawn(move || run_later(&driver, &reply, inv))
            .map_err(|e| Error::config(format!("cannot start the agent thread: {e}")))?;
        Ok(Payload::AgentPartial {
            agent,
            text: String::new(),
        })
    }

    pub(super) fn remove_agent(&self, name: &str) -> Result<Payload> {
        let a = self.engine.remove_agent(name)?;
        Ok(Payload::Changed {
            message: format!("removed agent {}", a.name),
            task: None,
        })
    }

    pub(super) fn agent_driver(&self) -> Result<AgentDriver> {
        let engine = self
            .engine
            .reopen()?
            .ok_or_else(|| Error::config("running an agent needs a database file"))?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::config(format!("cannot start the agent's runtime: {e}")))?;
        Ok(AgentDriver {
            rt,
            db: Shared::new(engine),
        })
    }
}

/// Run the agent on this thread, sending the answer as it grows and the
/// recorded execution (or the error) at the end.
fn run_later(driver: &Mutex<AgentDriver>, reply: &super::Reply, inv: Invocation) {
    let send = |payload: Payload| super::send_later(reply, payload);
    let Ok(d) = driver.lock() else {
        send(Payload::Failed(Error::config(
            "the agent driver failed before",
        )));
        return;
    };
    let agent = inv.agent.clone();
    let mut so_far = String::new();
    // Tool calls show as lines of their own among the answer, as they happen.
    let mut on_chunk = |c: Chunk| {
        let line = |so_far: &mut String, l: String| {
            if !so_far.is_empty() && !so_far.ends_with('\n') {
                so_far.push('\n');
            }
            so_far.push_str(&l);
            so_far.push('\n');
        };
        match c {
            Chunk::Delta(piece) => so_far.push_str(&piece),
            Chunk::ToolCall {
                server,
                tool,
                arguments,
            } => line(&mut so_far, tool_start_line(&server, &tool, &arguments)),
            Chunk::ToolDone(r) => line(&mut so_far, r.end_line()),
            _ => return,
        }
        send(Payload::AgentPartial {
            agent: agent.clone(),
            text: so_far.clone(),
        });
    };
    let done = d.rt.block_on(run_agent(
        &d.db,
        inv,
        None,
        CancellationToken::new(),
        &mut on_chunk,
    ));
    match done {
        Ok(f) => send(Payload::AgentRan {
            run: Box::new(f.run),
            error: f.error,
        }),
        Err(e) => send(Payload::Failed(e)),
    }
}
