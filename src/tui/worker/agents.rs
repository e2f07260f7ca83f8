//! The worker's side of the Agents pane's changes: run the selected agent
//! with a prompt off the worker (the answer streams in as `AgentPartial`,
//! the recorded execution follows as `AgentRan`), stop a run going on, and
//! add, edit or remove an agent.

use tokio_util::sync::CancellationToken;

use super::background::SendPartial;
use super::{Payload, WorkerState};
use crate::clients::llm::Chunk;
use crate::domain::agent::tool_start_line;
use crate::engine::agent_run::{Invocation, run_agent};
use crate::engine::agents::parse_yaml;
use crate::engine::shared::Shared;
use crate::error::{Error, Result};

impl WorkerState {
    /// Run agent `name` with `prompt`, off the worker (see
    /// worker/background.rs); the worker answers at once with an empty
    /// partial. One run per agent at a time: its stop token is kept until
    /// it ends.
    pub(super) fn run_agent(&mut self, name: &str, prompt: &str) -> Result<Payload> {
        let inv = self.engine.prepare_agent(name, prompt)?;
        let (rt, db) = self.background_db("running an agent")?;
        let running = self.background()?.running.clone();
        let stop = CancellationToken::new();
        {
            let mut map = running
                .lock()
                .map_err(|_| Error::system("the agent registry is poisoned"))?;
            if map.contains_key(&inv.agent) {
                return Err(
                    Error::user(format!("agent {} is running already", inv.agent))
                        .hint("wait for it to end, or stop it with x"),
                );
            }
            map.insert(inv.agent.clone(), stop.clone());
        }
        let agent = inv.agent.clone();
        let now = Payload::AgentPartial {
            agent: agent.clone(),
            text: String::new(),
        };
        self.later("jr-agent", now, move |send| {
            let end = run(&rt, &db, inv, stop, send);
            if let Ok(mut map) = running.lock() {
                map.remove(&agent);
            }
            end
        })
    }

    /// Stop the run of agent `name` going on (it is recorded as cancelled).
    pub(super) fn stop_agent(&mut self, name: &str) -> Result<Payload> {
        let token = self
            .background
            .as_ref()
            .and_then(|b| b.running.lock().ok()?.get(name).cloned());
        match token {
            Some(t) => {
                t.cancel();
                Ok(Payload::Changed {
                    message: format!("stopping agent {name}…"),
                    task: None,
                })
            }
            None => Err(Error::user(format!("agent {name} is not running"))),
        }
    }

    /// Add or replace an agent from its YAML (exactly one agent).
    pub(super) fn save_agent(&self, old: Option<&str>, yaml: &str) -> Result<Payload> {
        let mut defs = parse_yaml(yaml).map_err(|e| {
            Error::user(format!("the agent's YAML: {e}"))
                .hint("the same YAML as `jr agents import`")
        })?;
        let def = match (defs.pop(), defs.is_empty()) {
            (Some(d), true) => d,
            (None, _) => return Err(Error::user("the YAML holds no agent")),
            (Some(_), false) => return Err(Error::user("the YAML holds more than one agent")),
        };
        let (a, verb) = match old {
            Some(name) => (self.engine.update_agent(name, &def)?, "saved"),
            None => (self.engine.add_agent(&def)?, "added"),
        };
        Ok(Payload::Changed {
            message: format!("{verb} agent {}", a.name),
            task: None,
        })
    }

    pub(super) fn remove_agent(&self, name: &str) -> Result<Payload> {
        let a = self.engine.remove_agent(name)?;
        Ok(Payload::Changed {
            message: format!("removed agent {}", a.name),
            task: None,
        })
    }
}

/// Run the agent to its end, sending the answer as it grows; the recorded
/// execution (or the error) is the result.
fn run(
    rt: &tokio::runtime::Handle,
    db: &Shared,
    inv: Invocation,
    stop: CancellationToken,
    send: &SendPartial<'_>,
) -> Payload {
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
    match rt.block_on(run_agent(db, inv, None, stop, &mut on_chunk)) {
        Ok(f) => Payload::AgentRan {
            run: Box::new(f.run),
            error: f.error,
        },
        Err(e) => Payload::Failed(e),
    }
}
