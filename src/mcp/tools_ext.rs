//! MCP tools for agents (list, run with streamed progress, executions) and
//! Dagster (status, jobs, runs, launch, logs, terminate), through the same
//! engine calls as `jr agents` and `jr dagster`.

use std::collections::BTreeMap;
use std::sync::Arc;

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{ProgressNotificationParam, RequestMetaObject};
use rmcp::{Peer, RoleServer, tool, tool_router};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::params::{AgentRunP, AgentRunsP, DagsterLaunchP, DagsterP, DagsterRunP, DagsterRunsP};
use super::tools::{JrServer, Out, to_value, tool_error};
use crate::clients::dagster::api::{Cursors, RunsFilter};
use crate::clients::llm::Chunk;
use crate::engine::dagster::{Dagster, run_config, views::run_view};
use crate::error::{Error, Result};

/// One streamed piece of an agent run, as a line a client can show.
fn chunk_line(c: &Chunk) -> Option<String> {
    match c {
        Chunk::Loading { model } => Some(format!("loading model {model}…")),
        Chunk::Delta(d) => Some(d.clone()),
        Chunk::ToolCall {
            server,
            tool,
            arguments,
        } => Some(crate::domain::agent::tool_start_line(
            server, tool, arguments,
        )),
        Chunk::ToolDone(r) => Some(r.end_line()),
        Chunk::Done(_) => None,
    }
}

impl JrServer {
    async fn dagster(&self) -> Result<Arc<Dagster>> {
        self.db().call(|e| Ok(e.dagster())).await
    }

    /// A Dagster call's outcome as a tool result.
    async fn dg<F, Fut>(&self, f: F) -> Out
    where
        F: FnOnce(Arc<Dagster>) -> Fut,
        Fut: std::future::Future<Output = Result<Value>>,
    {
        let out = match self.dagster().await {
            Ok(dg) => f(dg).await,
            Err(e) => Err(e),
        };
        Ok(match out {
            Ok(v) => rmcp::model::CallToolResult::structured(v),
            Err(e) => tool_error(&e),
        })
    }

    /// A Dagster run id from a whole id, its 8-character prefix, or a jr run id.
    async fn dagster_run_id(&self, dg: &Dagster, inst: Option<&str>, id: &str) -> Result<String> {
        if !id.is_empty() && id.len() < 8 && id.bytes().all(|b| b.is_ascii_digit()) {
            let n: i64 = id.parse().map_err(|_| Error::user("bad run id"))?;
            let x = self.db().call(move |e| e.run_external(n)).await?;
            return x
                .map(|x| x.id)
                .ok_or_else(|| Error::user(format!("jr run {n} does not follow a Dagster run")));
        }
        dg.find_run(inst, id).await
    }
}

#[tool_router(router = agents_router, vis = "pub(super)")]
impl JrServer {
    #[tool(
        description = "Configured agents: name, model, system prompt, skills, MCP servers.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn agents_list(&self) -> Out {
        self.call(|e| Ok(json!({ "agents": e.list_agents()? })))
            .await
    }

    #[tool(
        description = "Run a configured agent on a prompt; its answer streams as progress notifications (send a progressToken), and the execution is recorded.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn agent_run(
        &self,
        peer: Peer<RoleServer>,
        meta: RequestMetaObject,
        cancel: CancellationToken,
        Parameters(p): Parameters<AgentRunP>,
    ) -> Out {
        let (name, prompt) = (p.name, p.prompt);
        let inv = match self
            .db()
            .call(move |e| e.prepare_agent(&name, &prompt))
            .await
        {
            Ok(i) => i,
            Err(e) => return Ok(tool_error(&e)),
        };
        let token = meta.get_progress_token();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        // Notifications leave in order from one task; the result waits for them.
        let forward = tokio::spawn(async move {
            let mut n = 0u32;
            while let Some(line) = rx.recv().await {
                n += 1;
                // Logging notifications are deprecated (SEP-2577): progress
                // is how a client asks to see a long call as it goes.
                if let Some(t) = &token {
                    let mut param = ProgressNotificationParam::new(t.clone(), f64::from(n));
                    param.message = Some(line);
                    let _ = peer.notify_progress(param).await;
                }
            }
        });
        let mut on = move |c: Chunk| {
            if let Some(line) = chunk_line(&c) {
                let _ = tx.send(line);
            }
        };
        let finished =
            crate::engine::agent_run::run_agent(self.db(), inv, None, cancel, &mut on).await;
        drop(on);
        let _ = forward.await;
        Ok(match finished {
            Err(e) => tool_error(&e),
            Ok(f) => match f.error {
                Some(e) => {
                    tool_error(&e.hint(format!("execution {} is recorded (agent_runs)", f.run.id)))
                }
                None => rmcp::model::CallToolResult::structured(
                    to_value(&f.run).unwrap_or_else(|e| json!({ "error": e.message })),
                ),
            },
        })
    }

    #[tool(
        description = "Agent executions, newest first: status, tokens, tool calls, output.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn agent_runs(&self, Parameters(p): Parameters<AgentRunsP>) -> Out {
        self.call(move |e| {
            let runs = e.agent_runs(p.agent.as_deref(), p.limit.unwrap_or(20).min(500) as usize)?;
            Ok(json!({ "executions": runs }))
        })
        .await
    }
}

#[tool_router(router = dagster_router, vis = "pub(super)")]
impl JrServer {
    #[tool(
        description = "Dagster reachable? Version, daemons, code locations and load errors.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn dagster_status(&self, Parameters(p): Parameters<DagsterP>) -> Out {
        self.dg(|dg| async move { to_value(&dg.status(p.instance.as_deref()).await?) })
            .await
    }

    #[tool(
        description = "Dagster jobs by code location and repository.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn dagster_jobs(&self, Parameters(p): Parameters<DagsterP>) -> Out {
        self.dg(|dg| async move {
            let ws = dg.client(p.instance.as_deref())?.workspace().await?;
            let jobs: Vec<_> = ws.jobs().collect();
            Ok(json!({ "jobs": jobs }))
        })
        .await
    }

    #[tool(
        description = "Recent Dagster runs, newest first.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn dagster_runs(&self, Parameters(p): Parameters<DagsterRunsP>) -> Out {
        self.dg(|dg| async move {
            let f = RunsFilter {
                job: p.job,
                statuses: p.status.iter().map(|s| s.trim().to_uppercase()).collect(),
                tags: BTreeMap::new(),
                limit: p.limit.unwrap_or(20).clamp(1, 500) as usize,
            };
            Ok(json!({ "runs": dg.runs(p.instance.as_deref(), &f).await? }))
        })
        .await
    }

    #[tool(
        description = "Launch a Dagster job; returns the run (follow it with dagster_logs).",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn dagster_launch(&self, Parameters(p): Parameters<DagsterLaunchP>) -> Out {
        self.dg(|dg| async move {
            let config = match &p.run_config {
                Some(c) => run_config(c)?,
                None => None,
            };
            let mut tags = BTreeMap::new();
            for kv in p.tags.unwrap_or_default() {
                let (k, v) = kv
                    .split_once('=')
                    .filter(|(k, _)| !k.trim().is_empty())
                    .ok_or_else(|| Error::user(format!("tag {kv:?} must be K=V")))?;
                tags.insert(k.trim().to_string(), v.to_string());
            }
            let c = dg.client(p.instance.as_deref())?;
            let (job, _) = dg.find_job(&c, &p.job).await?;
            let id = c.launch(&job, config.as_ref(), &tags).await?;
            let url = c.run_url(&id);
            to_value(&run_view(c.run(&id).await?, url))
        })
        .await
    }

    #[tool(
        description = "A Dagster run's status and the last events of its log.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn dagster_logs(&self, Parameters(p): Parameters<DagsterRunP>) -> Out {
        self.dg(|dg| async move {
            let inst = p.instance.as_deref();
            let id = self.dagster_run_id(&dg, inst, &p.run_id).await?;
            let c = dg.client(inst)?;
            let tail = p.tail.unwrap_or(50).clamp(1, 1000) as usize;
            let mut cursors = Cursors::default();
            let mut events = std::collections::VecDeque::new();
            let mut pages = 0;
            let run = loop {
                let pr = c.progress(&id, &cursors).await?;
                for ev in pr.events {
                    if events.len() == tail {
                        events.pop_front();
                    }
                    events.push_back(ev);
                }
                cursors.events = pr.cursor.clone().or(cursors.events);
                pages += 1;
                if !pr.has_more || pages >= 50 {
                    break pr.run;
                }
            };
            let url = c.run_url(&id);
            Ok(json!({ "run": run_view(run, url), "events": events }))
        })
        .await
    }

    #[tool(
        description = "Stop a Dagster run (force: mark it canceled at once).",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn dagster_terminate(&self, Parameters(p): Parameters<DagsterRunP>) -> Out {
        self.dg(|dg| async move {
            let inst = p.instance.as_deref();
            let id = self.dagster_run_id(&dg, inst, &p.run_id).await?;
            let force = p.force.unwrap_or(false);
            let before = dg.client(inst)?.terminate(&id, force).await?;
            Ok(json!({ "run_id": id, "was": before, "forced": force }))
        })
        .await
    }
}
