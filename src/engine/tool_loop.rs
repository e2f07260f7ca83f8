//! The tool loop of an agent run: connect the agent's MCP servers, offer
//! their tools to the model, run the calls it asks for and send the results
//! back as `tool` messages until it answers — within `[llm.tools]` limits.
//! Each call is reported (`Chunk::ToolCall`, `Chunk::ToolDone`) and recorded
//! with the execution as it ends. Nothing here prints.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::shared::Shared;
use crate::clients::llm::{
    Chunk, Completion, Llm, Message, Request, ToolCall, ToolLimits, ToolSpec,
};
use crate::clients::mcp::{CallError, Server, Spec, ToolInfo};
use crate::domain::agent::ToolCallRecord;
use crate::error::{Error, Result};

/// A tool as the model sees it, and where it really is.
#[derive(Debug, Clone, PartialEq)]
pub struct Offered {
    /// The name given to the model: the server's, or `SERVER__NAME` when
    /// two servers share it.
    pub exposed: String,
    pub server: usize,
    pub info: ToolInfo,
    /// Read-only or not destructive, or destructive and allowed by name.
    pub allowed: bool,
}

/// Name every tool of `servers` (server name, its tools): prefixed only when
/// the name occurs on more than one server. `allow` names destructive tools
/// the agent may call, by exposed name, server name or `SERVER__NAME`.
pub fn name_tools(servers: &[(String, Vec<ToolInfo>)], allow: &[String]) -> Vec<Offered> {
    let mut count = std::collections::HashMap::<&str, usize>::new();
    for (_, tools) in servers {
        for t in tools {
            *count.entry(t.name.as_str()).or_default() += 1;
        }
    }
    let mut out = Vec::new();
    for (i, (server, tools)) in servers.iter().enumerate() {
        for t in tools {
            let full = format!("{server}__{}", t.name);
            let exposed = if count[t.name.as_str()] > 1 {
                full.clone()
            } else {
                t.name.clone()
            };
            let allowed = !t.destructive
                || allow
                    .iter()
                    .any(|a| *a == exposed || *a == full || *a == t.name);
            out.push(Offered {
                exposed,
                server: i,
                info: t.clone(),
                allowed,
            });
        }
    }
    out
}

/// The connected servers of one run and their tools.
pub struct Toolbox {
    servers: Vec<Server>,
    offered: Vec<Offered>,
    agent: String,
}

impl Toolbox {
    /// Start every server (one after the other); the first failure ends it.
    pub async fn open(
        agent: &str,
        specs: &[Spec],
        allow: &[String],
        limits: &ToolLimits,
    ) -> Result<Toolbox> {
        let mut servers: Vec<Server> = Vec::new();
        for s in specs {
            match Server::connect(s, limits.start_timeout).await {
                Ok(srv) => servers.push(srv),
                Err(e) => {
                    for srv in servers {
                        srv.close().await;
                    }
                    let mut err = Error::service(e.message);
                    if let Some(h) = e.hint {
                        err = err.hint(h);
                    }
                    return Err(err);
                }
            }
        }
        let listed: Vec<(String, Vec<ToolInfo>)> = servers
            .iter()
            .map(|s| (s.name.clone(), s.tools.clone()))
            .collect();
        Ok(Toolbox {
            offered: name_tools(&listed, allow),
            servers,
            agent: agent.to_string(),
        })
    }

    /// The tools offered to the model (destructive ones not allowed are left out).
    pub fn specs(&self) -> Vec<ToolSpec> {
        self.offered
            .iter()
            .filter(|o| o.allowed)
            .map(|o| ToolSpec {
                name: o.exposed.clone(),
                description: o.info.description.clone(),
                parameters: o.info.schema.clone(),
            })
            .collect()
    }

    pub async fn close(self) {
        for s in self.servers {
            s.close().await;
        }
    }
}

/// How the loop ended, besides an answer.
pub struct LoopError {
    pub error: Error,
}

impl From<Error> for LoopError {
    fn from(error: Error) -> LoopError {
        LoopError { error }
    }
}

/// Ask the model, run its tool calls, repeat until it answers. Tokens are
/// summed over the turns; the answer is the last turn's text.
pub async fn converse(
    db: &Shared,
    agent_run: i64,
    llm: &Llm,
    mut req: Request,
    tools: &mut Toolbox,
    limits: &ToolLimits,
    on_chunk: &mut (dyn FnMut(Chunk) + Send),
) -> std::result::Result<Completion, LoopError> {
    req.tools = tools.specs();
    let mut calls = 0u32;
    let (mut tin, mut tout) = (None::<u64>, None::<u64>);
    loop {
        let mut c = llm.complete(&req, on_chunk).await.map_err(Error::from)?;
        tin = add(tin, c.tokens_in);
        tout = add(tout, c.tokens_out);
        if c.tool_calls.is_empty() {
            c.tokens_in = tin;
            c.tokens_out = tout;
            return Ok(c);
        }
        req.messages
            .push(Message::assistant(&c.content, c.tool_calls.clone()));
        for call in &c.tool_calls {
            calls += 1;
            if calls > limits.max_calls {
                return Err(Error::user(format!(
                    "agent {} asked for more than {} tool calls in one run; stopped at the limit",
                    tools.agent, limits.max_calls
                ))
                .hint("raise llm.tools.max_calls in config.toml if the work needs more")
                .into());
            }
            let text = run_call(db, agent_run, tools, call, limits, on_chunk).await?;
            req.messages.push(Message::tool(call, text));
        }
    }
}

fn add(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (None, None) => None,
        _ => Some(a.unwrap_or(0) + b.unwrap_or(0)),
    }
}

/// Run one call; the text for the model, or the error that ends the run.
async fn run_call(
    db: &Shared,
    agent_run: i64,
    tools: &mut Toolbox,
    call: &ToolCall,
    limits: &ToolLimits,
    on_chunk: &mut (dyn FnMut(Chunk) + Send),
) -> std::result::Result<String, LoopError> {
    let started_at = chrono::Utc::now();
    let t0 = Instant::now();
    let found = tools
        .offered
        .iter()
        .find(|o| o.exposed == call.name)
        .cloned();
    let server_name = found
        .as_ref()
        .map(|o| tools.servers[o.server].name.clone())
        .unwrap_or_default();
    let tool_name = found
        .as_ref()
        .map(|o| o.info.name.clone())
        .unwrap_or_else(|| call.name.clone());
    on_chunk(Chunk::ToolCall {
        server: server_name.clone(),
        tool: tool_name.clone(),
        arguments: call.arguments.clone(),
    });
    // (text for the model, ok, error recorded, error ending the run)
    let (text, ok, err, fatal): (String, bool, Option<String>, Option<Error>) = match &found {
        None => {
            let m = format!("there is no tool named {:?}", call.name);
            (format!("error: {m}"), false, Some(m), None)
        }
        Some(o) if !o.allowed => {
            let m = format!(
                "refused: {} is marked destructive by MCP server {server_name}, and agent {} does not allow it",
                o.exposed, tools.agent
            );
            let hint = format!(
                "add `allow_tools: [{}]` to the agent's definition to allow it",
                o.exposed
            );
            (format!("error: {m}; {hint}"), false, Some(m), None)
        }
        Some(o) => {
            let srv = &mut tools.servers[o.server];
            match srv
                .call(&o.info.name, call.arguments.clone(), limits.call_timeout)
                .await
            {
                Ok(out) if out.text.len() > limits.max_result_bytes => {
                    let m = format!(
                        "tool {tool_name} of MCP server {server_name} returned {} bytes, more than llm.tools.max_result_bytes ({})",
                        out.text.len(),
                        limits.max_result_bytes
                    );
                    let e = Error::service(m.clone())
                        .hint("raise llm.tools.max_result_bytes in config.toml, or ask for less (a filter, a limit)");
                    (String::new(), false, Some(m), Some(e))
                }
                Ok(out) => {
                    let err = out.is_error.then(|| short(&out.text));
                    (out.text, !out.is_error, err, None)
                }
                Err(CallError::Timeout) => {
                    let m = format!(
                        "tool {tool_name} of MCP server {server_name} did not answer within {} (llm.tools.call_timeout)",
                        humantime::format_duration(limits.call_timeout)
                    );
                    let e = Error::service(m.clone()).hint(
                        "raise llm.tools.call_timeout in config.toml if the tool is just slow",
                    );
                    (String::new(), false, Some(m), Some(e))
                }
                Err(CallError::Died(m)) => {
                    let e = Error::service(m.clone());
                    (String::new(), false, Some(m), Some(e))
                }
            }
        }
    };
    let rec = ToolCallRecord {
        server: server_name,
        tool: tool_name,
        arguments: call.arguments.clone(),
        ok,
        duration_ms: t0.elapsed().as_millis() as u64,
        error: err,
    };
    let r2 = rec.clone();
    db.call(move |e| e.add_tool_call(agent_run, &r2, started_at))
        .await?;
    on_chunk(Chunk::ToolDone(rec));
    match fatal {
        Some(e) => Err(e.into()),
        None => Ok(text),
    }
}

fn short(s: &str) -> String {
    let t: String = s.chars().take(300).collect();
    if t.len() < s.len() {
        format!("{t}…")
    } else {
        t
    }
}

/// Run `req` with the agent's MCP tools, bounded by `limits.total_timeout`
/// and `stop`. `None` when stopped. The servers are closed afterwards,
/// outside the bound, so the error that ended the run is the one reported.
#[allow(clippy::too_many_arguments)]
pub async fn run_with_tools(
    db: &Shared,
    agent_run: i64,
    agent: &str,
    llm: &Llm,
    req: Request,
    specs: &[Spec],
    allow: &[String],
    limits: &ToolLimits,
    stop: &CancellationToken,
    on_chunk: &mut (dyn FnMut(Chunk) + Send),
) -> Option<std::result::Result<Completion, Error>> {
    let total: Duration = limits.total_timeout;
    let deadline = tokio::time::Instant::now() + total;
    let too_long = || {
        Err(Error::service(format!(
            "agent {agent} ran longer than {} (llm.tools.total_timeout) with its tools",
            humantime::format_duration(total)
        ))
        .hint("raise llm.tools.total_timeout in config.toml"))
    };
    let opened = tokio::select! {
        r = tokio::time::timeout_at(deadline, Toolbox::open(agent, specs, allow, limits)) => r,
        _ = stop.cancelled() => return None,
    };
    let mut tools = match opened {
        Err(_) => return Some(too_long()),
        Ok(Err(e)) => return Some(Err(e)),
        Ok(Ok(t)) => t,
    };
    let r = tokio::select! {
        r = tokio::time::timeout_at(deadline, converse(db, agent_run, llm, req, &mut tools, limits, on_chunk)) => Some(r),
        _ = stop.cancelled() => None,
    };
    tools.close().await;
    Some(match r? {
        Err(_) => too_long(),
        Ok(r) => r.map_err(|l| l.error),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str, destructive: bool) -> ToolInfo {
        ToolInfo {
            name: name.into(),
            description: String::new(),
            schema: serde_json::json!({"type": "object"}),
            read_only: !destructive,
            destructive,
        }
    }

    #[test]
    fn names_are_prefixed_only_on_a_collision_and_destructive_needs_allowing() {
        let servers = vec![
            (
                "jr".to_string(),
                vec![t("tasks_list", false), t("task_delete", true)],
            ),
            (
                "notes".to_string(),
                vec![
                    t("tasks_list", false),
                    t("note_wipe", true),
                    t("echo", false),
                ],
            ),
        ];
        let o = name_tools(&servers, &["note_wipe".into()]);
        let names: Vec<(&str, bool)> = o.iter().map(|o| (o.exposed.as_str(), o.allowed)).collect();
        assert_eq!(
            names,
            [
                ("jr__tasks_list", true),
                ("task_delete", false),
                ("notes__tasks_list", true),
                ("note_wipe", true),
                ("echo", true),
            ]
        );
        let o = name_tools(&servers, &["jr__task_delete".into()]);
        assert!(
            o.iter()
                .find(|o| o.exposed == "task_delete")
                .unwrap()
                .allowed
        );
    }
}
