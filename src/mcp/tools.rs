//! The MCP tools. Each is a thin call into the same `Engine` methods the CLI
//! uses (source `mcp`, trigger `mcp`), on tokio's blocking pool. Success is a
//! structured result (a JSON object, the same shapes as `--json`); a refused
//! operation is a tool error whose text is jr's message and hints, so the
//! model can read what was wrong and what to do.

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig};
use rmcp::{ErrorData, ServerHandler, tool, tool_handler, tool_router};
use serde_json::{Value, json};

use super::params::*;
use crate::domain::context::{NewMessage, parse_since};
use crate::domain::task::Transition;
use crate::domain::{Due, NewTask, Priority, RunStatus, Source, TaskStatus, Trigger};
use crate::engine::context::ContextQuery;
use crate::engine::lease::Me;
use crate::engine::shared::Shared;
use crate::engine::views::{TaskDetailOut, TaskRecord};
use crate::engine::{Engine, TaskEdit};
use crate::error::{Error, Result};
use crate::store::runs::RunFilter;
use crate::store::tasks::TaskFilter;

pub(super) type Out = std::result::Result<CallToolResult, ErrorData>;

#[derive(Clone)]
pub struct JrServer {
    db: Shared,
    tool_router: ToolRouter<JrServer>,
}

pub(super) fn to_value<T: serde::Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| Error::user(format!("cannot encode the result: {e}")))
}

fn tasks_out(e: &Engine, tasks: &[crate::domain::Task]) -> Result<Value> {
    let recs: Vec<TaskRecord> = tasks
        .iter()
        .map(|t| TaskRecord::from_task(t, e.tz(), None))
        .collect();
    Ok(json!({ "tasks": recs }))
}

fn parse<T: std::str::FromStr<Err = String>>(v: Option<&str>) -> Result<Option<T>> {
    v.map(|s| s.parse::<T>().map_err(Error::user)).transpose()
}

/// Fewer tokens for the same meaning: no `$schema` line, `"type": "string"`
/// for an optional string (optional is what `required` leaves out), no
/// integer `format`, and annotations only where they differ from the
/// spec's defaults (idempotentHint false is the default).
fn compact(tool: &mut rmcp::model::Tool) {
    let mut schema = (*tool.input_schema).clone();
    schema.remove("$schema");
    schema.remove("additionalProperties");
    if let Some(Value::Object(props)) = schema.get_mut("properties") {
        for prop in props.values_mut() {
            let Value::Object(p) = prop else { continue };
            if let Some(Value::Array(types)) = p.get("type") {
                let not_null: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
                if let [one] = not_null.as_slice() {
                    p.insert("type".into(), one.clone());
                }
            }
            p.remove("format");
            if p.get("minimum") == Some(&json!(0)) {
                p.remove("minimum");
            }
        }
    }
    tool.input_schema = std::sync::Arc::new(schema);
    if let Some(a) = tool.annotations.as_mut()
        && a.idempotent_hint == Some(false)
    {
        a.idempotent_hint = None;
    }
}

/// A tool error the model reads: jr's message, then its hints.
pub(super) fn tool_error(err: &Error) -> CallToolResult {
    let mut text = format!("error: {}", err.message);
    for h in &err.hints {
        text.push_str(&format!("\nhint: {h}"));
    }
    CallToolResult::error(vec![ContentBlock::text(text)])
}

impl JrServer {
    /// The server offering only these tool groups (`[mcp] tools`).
    pub fn with_groups(db: Shared, groups: &[String]) -> Result<JrServer> {
        let keep = super::groups::tools_of(groups)?;
        let mut router = Self::tool_router();
        for r in [
            Self::jobs_router(),
            Self::cards_router(),
            Self::context_router(),
            Self::agents_router(),
            Self::dagster_router(),
        ] {
            router.merge(r);
        }
        let mut served = ToolRouter::new();
        for mut route in router {
            if keep.contains(&route.attr.name.as_ref()) {
                compact(&mut route.attr);
                served.add_route(route);
            }
        }
        Ok(JrServer {
            db,
            tool_router: served,
        })
    }

    pub fn tools(&self) -> Vec<rmcp::model::Tool> {
        self.tool_router.list_all()
    }

    pub(super) fn db(&self) -> &Shared {
        &self.db
    }

    pub(super) async fn call<F>(&self, f: F) -> Out
    where
        F: FnOnce(&Engine) -> Result<Value> + Send + 'static,
    {
        Ok(match self.db.call(f).await {
            Ok(v) => CallToolResult::structured(v),
            Err(e) => tool_error(&e),
        })
    }
}

#[tool_router]
impl JrServer {
    #[tool(
        description = "jr at a glance: task counts, jobs, runs of the last 24h, running runs, next fires, scheduler.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn status(&self) -> Out {
        self.call(|e| to_value(&e.status(&Me::this_process().host)?))
            .await
    }

    #[tool(
        description = "The agenda: overdue and ready tasks and the job fires in the next hours. Start here.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn plan(&self, Parameters(p): Parameters<PlanP>) -> Out {
        self.call(move |e| to_value(&e.plan(p.hours.unwrap_or(24).min(24 * 14))?))
            .await
    }

    #[tool(
        description = "List tasks (open ones by default), by priority then due date.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn tasks_list(&self, Parameters(p): Parameters<TasksListP>) -> Out {
        self.call(move |e| {
            let status: Option<TaskStatus> = parse(p.status.as_deref())?;
            let filter = TaskFilter {
                statuses: status.into_iter().collect(),
                all: p.all.unwrap_or(false),
                tag: p.tag,
                parent: p.parent,
                limit: Some(p.limit.unwrap_or(50).min(500) as usize),
                offset: 0,
            };
            tasks_out(e, &e.list_tasks(&filter)?)
        })
        .await
    }

    #[tool(
        description = "Pending tasks free of open dependencies and claims, in the order to take them.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn tasks_ready(&self, Parameters(p): Parameters<TasksReadyP>) -> Out {
        self.call(move |e| {
            let limit = p.limit.unwrap_or(20).min(500) as usize;
            tasks_out(e, &e.ready_tasks(p.who.as_deref(), limit)?)
        })
        .await
    }

    #[tool(
        description = "One task with its sub-tasks, blockers, dependents and history.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn task_get(&self, Parameters(p): Parameters<IdP>) -> Out {
        self.call(move |e| to_value(&TaskDetailOut::new(&e.task_detail(p.id)?, e.tz())))
            .await
    }

    #[tool(
        description = "Add a task; returns it with its id.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn task_add(&self, Parameters(p): Parameters<TaskAddP>) -> Out {
        self.call(move |e| {
            let due = p
                .due
                .as_deref()
                .map(|d| Due::parse(d, e.now(), e.tz()).map_err(Error::user))
                .transpose()?;
            let task = e.add_task(
                NewTask {
                    title: p.title,
                    body: p.body.unwrap_or_default(),
                    priority: parse::<Priority>(p.priority.as_deref())?.unwrap_or_default(),
                    due,
                    tags: p.tags.unwrap_or_default(),
                    parent: p.parent,
                    depends_on: Vec::new(),
                },
                Source::Mcp,
            )?;
            to_value(&TaskRecord::from_task(&task, e.tz(), None))
        })
        .await
    }

    #[tool(
        description = "Change a task: status (the flow pending→in_progress→review→done, or cancelled; pending reopens), claim_as / release, and edits. Work loop: tasks_ready, then claim_as + status in_progress, then review.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn task_update(&self, Parameters(p): Parameters<TaskUpdateP>) -> Out {
        self.call(move |e| update(e, p)).await
    }

    #[tool(
        description = "Split a task into sub-tasks (they inherit priority, due date and tags).",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn task_split(&self, Parameters(p): Parameters<TaskSplitP>) -> Out {
        self.call(move |e| tasks_out(e, &e.split_task(p.id, &p.titles, Source::Mcp)?))
            .await
    }

    #[tool(
        description = "Jobs with their schedule, next fire and last run.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn jobs_list(&self) -> Out {
        self.call(|e| Ok(json!({ "jobs": e.job_views(&e.list_jobs()?)? })))
            .await
    }

    #[tool(
        description = "Queue a run of an existing job now; the scheduler (jr daemon) starts it. Follow it with run_get.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn job_run(&self, Parameters(p): Parameters<JobRunP>) -> Out {
        self.call(move |e| {
            let run = e.queue_run_params(&p.job, Trigger::Mcp, &p.params)?;
            let live = e.live_lease(&Me::this_process().host)?.is_some();
            let mut v = to_value(&run)?;
            v["scheduler_running"] = json!(live);
            if !live {
                v["note"] = json!(
                    "no scheduler is running: the run waits in the queue until `jr daemon` starts"
                );
            }
            Ok(v)
        })
        .await
    }

    #[tool(
        description = "Hand a task to an agent or a job (one of them): claimed, in_progress; on success it moves to review with the result as a note, on failure back to pending.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn task_assign(&self, Parameters(p): Parameters<TaskAssignP>) -> Out {
        match (p.agent, p.job) {
            (None, Some(job)) => {
                self.call(move |e| {
                    let (task, run) = e.assign_task_to_job(p.id, &job, Source::Mcp)?;
                    let live = e.live_lease(&Me::this_process().host)?.is_some();
                    let mut v = json!({
                        "task": TaskRecord::from_task(&task, e.tz(), None),
                        "run": run,
                        "scheduler_running": live,
                    });
                    if !live {
                        v["note"] = json!(
                            "no scheduler is running: the run waits in the queue until `jr daemon` starts"
                        );
                    }
                    Ok(v)
                })
                .await
            }
            (Some(agent), None) => {
                let mut ignore = |_c: crate::clients::llm::Chunk| {};
                let stop = tokio_util::sync::CancellationToken::new();
                let done = crate::engine::handoff_run::hand_to_agent(
                    &self.db,
                    p.id,
                    &agent,
                    Source::Mcp,
                    stop,
                    &mut ignore,
                )
                .await;
                Ok(match done {
                    Err(e) => tool_error(&e),
                    Ok((task, done)) => {
                        let tz = self.db.call(|e| Ok(e.tz())).await.unwrap_or(chrono_tz::UTC);
                        CallToolResult::structured(json!({
                            "task": TaskRecord::from_task(&task, tz, None),
                            "execution": done.run,
                        }))
                    }
                })
            }
            _ => Ok(tool_error(&Error::user(
                "give exactly one of agent or job",
            ))),
        }
    }

    #[tool(
        description = "Run history, newest first.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn runs_list(&self, Parameters(p): Parameters<RunsListP>) -> Out {
        self.call(move |e| {
            let status: Option<RunStatus> = parse(p.status.as_deref())?;
            let runs = e.list_runs(&RunFilter {
                job: p.job,
                task: p.task,
                statuses: status.into_iter().collect(),
                limit: p.limit.unwrap_or(20).min(500) as usize,
                ..Default::default()
            })?;
            Ok(json!({ "runs": runs }))
        })
        .await
    }

    #[tool(
        description = "One run: status, times, exit code, error, and the tail of its output.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn run_get(&self, Parameters(p): Parameters<RunGetP>) -> Out {
        self.call(move |e| {
            let run = e.get_run(p.id)?;
            let tail = e.run_output_tail(p.id, p.tail.unwrap_or(20).min(500) as usize)?;
            let mut v = to_value(&run)?;
            v["log_tail"] = json!(tail.iter().map(|l| &l.line).collect::<Vec<_>>());
            Ok(v)
        })
        .await
    }

    #[tool(
        description = "Save a conversation message to jr's context registry (secrets are redacted; duplicates skipped).",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn conversation_log(&self, Parameters(p): Parameters<ConversationLogP>) -> Out {
        self.call(move |e| {
            to_value(&e.log_message_keyed(
                NewMessage {
                    channel: p.channel,
                    session: p.session,
                    client: p.client,
                    role: p.role,
                    content: p.content,
                    ..Default::default()
                },
                p.message_id.as_deref(),
            )?)
        })
        .await
    }

    #[tool(
        description = "Search saved conversations by topic or keyword: ranked hits with snippets ([hits] marked).",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn extract(&self, Parameters(p): Parameters<ExtractP>) -> Out {
        self.call(move |e| {
            let since = p
                .since
                .as_deref()
                .map(|s| parse_since(s, e.now(), e.tz()).map_err(Error::user))
                .transpose()?;
            to_value(&e.search_context(&ContextQuery {
                query: p.query,
                channel: p.channel,
                client: p.client,
                session: None,
                since,
                limit: p.limit.unwrap_or(10).min(50) as usize,
                offset: 0,
            })?)
        })
        .await
    }

    #[tool(
        description = "Context registry figures: messages, sessions, channels, per client, database size.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn context_stats(&self) -> Out {
        self.call(|e| to_value(&e.context_stats()?)).await
    }
}

/// task_update: every input is checked first; then claim/release, the status
/// move and the edits, each through the engine. A failure names what was
/// already done.
fn update(e: &Engine, p: TaskUpdateP) -> Result<Value> {
    let status: Option<TaskStatus> = parse(p.status.as_deref())?;
    let priority: Option<Priority> = parse(p.priority.as_deref())?;
    let due = match p.due.as_deref() {
        None => None,
        Some("none") | Some("") => Some(None),
        Some(d) => Some(Some(Due::parse(d, e.now(), e.tz()).map_err(Error::user)?)),
    };
    if p.claim_as.is_some() && p.release == Some(true) {
        return Err(Error::user("give claim_as or release, not both"));
    }
    let mut done: Vec<&str> = Vec::new();
    let note = |done: &[&str], err: Error| -> Error {
        if done.is_empty() {
            err
        } else {
            let mut err = err;
            err.message = format!("{} (already done: {})", err.message, done.join(", "));
            err
        }
    };
    let mut task = e.get_task(p.id)?;
    if let Some(who) = &p.claim_as {
        task = e.claim_task(p.id, who, Source::Mcp)?;
        done.push("claimed");
    }
    if p.release == Some(true) {
        task = e.release_task(p.id, Source::Mcp)?;
        done.push("released");
    }
    if let Some(s) = status
        && s != task.status
    {
        task = e
            .transition(
                p.id,
                Transition::to(s),
                p.force.unwrap_or(false),
                Source::Mcp,
            )
            .map_err(|err| note(&done, err))?;
        done.push("status changed");
    }
    let edit = TaskEdit {
        title: p.title,
        body: p.body,
        priority,
        due,
        ..Default::default()
    };
    if edit.title.is_some() || edit.body.is_some() || edit.priority.is_some() || edit.due.is_some()
    {
        task = e
            .edit_task(p.id, edit, Source::Mcp)
            .map_err(|err| note(&done, err))?;
    }
    to_value(&TaskRecord::from_task(&task, e.tz(), None))
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for JrServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .enable_prompts()
                .build(),
        )
        .with_server_info(Implementation::new("jr", env!("CARGO_PKG_VERSION")))
        .with_instructions(
            "jr: the user's task manager, scheduled jobs, run history and saved AI conversations. \
             Orient with plan; work tasks with tasks_ready → task_update(claim_as, status in_progress) → review. \
             Resources: the Skills (how to use jr) and jr://status.",
        )
    }

    async fn list_resources(
        &self,
        _request: Option<rmcp::model::PaginatedRequestParams>,
        _context: rmcp::service::RequestContext<rmcp::RoleServer>,
    ) -> std::result::Result<rmcp::model::ListResourcesResult, ErrorData> {
        super::extras::list_resources()
    }

    async fn read_resource(
        &self,
        request: rmcp::model::ReadResourceRequestParams,
        _context: rmcp::service::RequestContext<rmcp::RoleServer>,
    ) -> std::result::Result<rmcp::model::ReadResourceResponse, ErrorData> {
        super::extras::read_resource(&self.db, &request.uri).await
    }

    async fn list_prompts(
        &self,
        _request: Option<rmcp::model::PaginatedRequestParams>,
        _context: rmcp::service::RequestContext<rmcp::RoleServer>,
    ) -> std::result::Result<rmcp::model::ListPromptsResult, ErrorData> {
        super::extras::list_prompts()
    }

    async fn get_prompt(
        &self,
        request: rmcp::model::GetPromptRequestParams,
        _context: rmcp::service::RequestContext<rmcp::RoleServer>,
    ) -> std::result::Result<rmcp::model::GetPromptResponse, ErrorData> {
        super::extras::get_prompt(&self.db, &request.name, request.arguments.as_ref()).await
    }
}
