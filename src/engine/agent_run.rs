//! Running a configured agent: resolve it (model, system prompt = its own
//! plus its skills' bodies, options, the config hash), record the execution,
//! stream the answer through the LLM clients, record the end. Used by
//! `jr agents run`, the `agent` job executor and (later) the TUI and chat.
//! Pieces of the answer go to a callback; nothing here prints. An agent
//! with MCP servers runs through the tool loop (`tool_loop.rs`).

use tokio_util::sync::CancellationToken;

use super::Engine;
use super::shared::Shared;
use crate::clients::llm::{Chunk, LlmConfig, Message, ModelRef, Options, Request};
use crate::clients::mcp::Spec as McpSpec;
use crate::domain::agent::{AgentRun, AgentRunStatus, ToolCallRecord, config_hash, system_prompt};
use crate::error::{Error, Result};
use crate::store::agent_runs::{self as repo, AgentFinish, NewAgentRun};
use crate::store::hub;

/// Everything needed to call the model, resolved from the database.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub agent_id: Option<i64>,
    pub agent: String,
    pub model: ModelRef,
    pub system: String,
    pub prompt: String,
    pub options: Options,
    pub config_hash: String,
    pub llm: LlmConfig,
    /// The task this execution works on (a hand-off); recorded with it.
    pub task_id: Option<i64>,
    /// The agent's MCP servers, in its order; their tools go to the model.
    pub mcps: Vec<McpSpec>,
    /// Destructive tools the agent may call.
    pub allow_tools: Vec<String>,
}

impl Invocation {
    pub fn request(&self) -> Request {
        let mut messages = Vec::new();
        if !self.system.trim().is_empty() {
            messages.push(Message::system(&self.system));
        }
        messages.push(Message::user(&self.prompt));
        Request {
            model: self.model.clone(),
            messages,
            options: self.options.clone(),
            schema: None,
            tools: Vec::new(),
        }
    }
}

/// How an agent execution ended: the record, and the error with its hints.
#[derive(Debug)]
pub struct Finished {
    pub run: AgentRun,
    pub error: Option<Error>,
}

impl Engine {
    /// Resolve agent `name` for `prompt`.
    pub fn prepare_agent(&self, name: &str, prompt: &str) -> Result<Invocation> {
        let a = self.get_agent(name)?;
        let model = ModelRef::parse(&a.model).map_err(Error::user)?;
        let mut skills = Vec::new();
        for s in &a.skills {
            skills.push(
                hub::skill(self.store.conn(), s)?
                    .ok_or_else(|| Error::user(format!("agent {}: skill {s} is gone", a.name)))?,
            );
        }
        let system = system_prompt(&a.system_prompt, &skills);
        let mut mcps = Vec::new();
        for m in &a.mcps {
            let s = hub::mcp(self.store.conn(), m)?
                .ok_or_else(|| Error::user(format!("agent {}: MCP server {m} is gone", a.name)))?;
            let mut env = s.env.clone();
            // `jr mcp` as a server works on the same database as this jr.
            if let Some(p) = self.store.path()
                && s.command.is_some()
            {
                env.entry("JR_DB".into())
                    .or_insert_with(|| p.display().to_string());
            }
            mcps.push(McpSpec {
                name: s.name,
                command: s.command,
                url: s.url,
                env,
            });
        }
        Ok(Invocation {
            agent_id: Some(a.id),
            config_hash: config_hash(&a.model, &system, prompt, a.temperature, a.max_tokens),
            agent: a.name,
            model,
            system,
            prompt: prompt.to_string(),
            options: Options {
                temperature: a.temperature,
                max_tokens: a.max_tokens,
                ..Default::default()
            },
            llm: self.llm.clone(),
            task_id: None,
            mcps,
            allow_tools: a.allow_tools.clone(),
        })
    }

    /// Record one tool call of agent execution `id` as it ends.
    pub fn add_tool_call(
        &self,
        id: i64,
        c: &ToolCallRecord,
        started_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        self.store
            .write(|tx| repo::add_tool_call(tx, id, c, started_at))
    }

    pub fn start_agent_run(&self, inv: &Invocation, run_id: Option<i64>) -> Result<i64> {
        let now = self.now();
        let model = inv.model.to_string();
        self.store.write(|tx| {
            repo::start(
                tx,
                &NewAgentRun {
                    agent_id: inv.agent_id,
                    agent: &inv.agent,
                    model: &model,
                    prompt: &inv.prompt,
                    run_id,
                    config_hash: &inv.config_hash,
                    task_id: inv.task_id,
                },
                now,
            )
        })
    }

    pub fn finish_agent_run(&self, id: i64, f: &AgentFinish<'_>) -> Result<AgentRun> {
        let now = self.now();
        self.store.write(|tx| repo::finish(tx, id, f, now))?;
        self.get_agent_run(id)
    }

    pub fn get_agent_run(&self, id: i64) -> Result<AgentRun> {
        repo::get(self.store.conn(), id)?.ok_or_else(|| {
            Error::user(format!("no agent run with id {id}")).hint("`jr agents runs` lists them")
        })
    }

    pub fn agent_runs(&self, agent: Option<&str>, limit: usize) -> Result<Vec<AgentRun>> {
        if let Some(a) = agent
            && repo::list(self.store.conn(), Some(a), 1)?.is_empty()
        {
            self.get_agent(a)?;
        }
        repo::list(self.store.conn(), agent, limit)
    }

    /// The agent executions of a jr run.
    pub fn agent_runs_of(&self, run_id: i64) -> Result<Vec<AgentRun>> {
        repo::for_run(self.store.conn(), run_id)
    }
}

/// Run `inv`, recorded; pieces go to `on_chunk`. `stop` ends it as `stopped`.
pub async fn run_agent(
    db: &Shared,
    inv: Invocation,
    run_id: Option<i64>,
    stop: CancellationToken,
    on_chunk: &mut (dyn FnMut(Chunk) + Send),
) -> Result<Finished> {
    let i2 = inv.clone();
    let id = db.call(move |e| e.start_agent_run(&i2, run_id)).await?;
    let mut output = String::new();
    let outcome = {
        let mut on = |c: Chunk| {
            if let Chunk::Delta(d) = &c {
                output.push_str(d);
            }
            on_chunk(c);
        };
        let llm = crate::clients::llm::Llm::new(inv.llm.clone());
        match llm {
            Err(e) => Some(Err(Error::from(e))),
            Ok(llm) if !inv.mcps.is_empty() => {
                super::tool_loop::run_with_tools(
                    db,
                    id,
                    &inv.agent,
                    &llm,
                    inv.request(),
                    &inv.mcps,
                    &inv.allow_tools,
                    &inv.llm.tools,
                    &stop,
                    &mut on,
                )
                .await
            }
            Ok(llm) => {
                let req = inv.request();
                tokio::select! {
                    r = llm.complete(&req, &mut on) => Some(r.map_err(Error::from)),
                    _ = stop.cancelled() => None,
                }
            }
        }
    };
    let (status, tokens, error): (AgentRunStatus, (Option<u64>, Option<u64>), Option<Error>) =
        match outcome {
            None => (AgentRunStatus::Stopped, (None, None), None),
            Some(Ok(c)) => {
                output = c.content;
                (AgentRunStatus::Success, (c.tokens_in, c.tokens_out), None)
            }
            Some(Err(e)) => (AgentRunStatus::Failed, (None, None), Some(e)),
        };
    let err_text = match (&error, status) {
        (Some(e), _) => Some(full(e)),
        (None, AgentRunStatus::Stopped) => {
            Some("stopped before the answer was complete".to_string())
        }
        _ => None,
    };
    let out2 = output.clone();
    let run = db
        .call(move |e| {
            e.finish_agent_run(
                id,
                &AgentFinish {
                    status,
                    output: &out2,
                    tokens_in: tokens.0,
                    tokens_out: tokens.1,
                    error: err_text.as_deref(),
                },
            )
        })
        .await?;
    Ok(Finished { run, error })
}

/// Message and hints in one line, for the execution's `error` column.
fn full(e: &Error) -> String {
    std::iter::once(e.message.as_str())
        .chain(e.hints.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("; ")
}
