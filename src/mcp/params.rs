//! The MCP tools' parameters: flat structs (strings, numbers, booleans and
//! lists of strings only — no nested objects, which some clients mishandle),
//! named like the CLI's flags. Doc comments become the schema descriptions an
//! agent reads, so they are short and say the allowed values.

use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanP {
    /// How far ahead to look, in hours (default 24).
    pub hours: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TasksListP {
    /// Only this status: pending, in_progress, review, done, cancelled. Default: open tasks.
    pub status: Option<String>,
    pub tag: Option<String>,
    /// Only sub-tasks of this task.
    pub parent: Option<i64>,
    /// Include done and cancelled tasks.
    pub all: Option<bool>,
    /// Default 50.
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TasksReadyP {
    /// Your agent name: tasks you claimed count as ready too.
    #[serde(rename = "as")]
    pub who: Option<String>,
    /// Default 20.
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdP {
    pub id: i64,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskAddP {
    pub title: String,
    /// Markdown notes.
    pub body: Option<String>,
    /// p0 (most urgent) to p3; default p2.
    pub priority: Option<String>,
    /// YYYY-MM-DD, RFC 3339, today, tomorrow, +3d, +2w, +4h.
    pub due: Option<String>,
    pub tags: Option<Vec<String>>,
    /// Make it a sub-task of this task id.
    pub parent: Option<i64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskUpdateP {
    pub id: i64,
    /// Move to: pending (reopen), in_progress (start), review, done, cancelled.
    pub status: Option<String>,
    pub title: Option<String>,
    pub body: Option<String>,
    /// p0..p3.
    pub priority: Option<String>,
    /// A due date like task_add's, or "none" to clear it.
    pub due: Option<String>,
    /// Claim the task under this name (fails if someone else holds it).
    pub claim_as: Option<String>,
    /// true: give up the claim.
    pub release: Option<bool>,
    /// true: let a parent become done while sub-tasks are open.
    pub force: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskSplitP {
    pub id: i64,
    /// One title per sub-task.
    pub titles: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JobRunP {
    /// The job's name (see jobs_list).
    pub job: String,
    /// Run parameters the job declares (jobs_list `params`), over its defaults.
    #[serde(default)]
    pub params: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunsListP {
    pub job: Option<String>,
    /// queued, running, success, failed, timeout, cancelled, skipped, missed, lost, interrupted.
    pub status: Option<String>,
    /// Only runs that worked on this task.
    pub task: Option<i64>,
    /// Default 20.
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskAssignP {
    pub id: i64,
    /// A configured agent (runs now; the call returns its answer).
    pub agent: Option<String>,
    /// A jr job (shell, agent or dagster; a run is queued).
    pub job: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunGetP {
    pub id: i64,
    /// Log lines from the end (default 20, at most 500).
    pub tail: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConversationLogP {
    /// Where it happened: a project name, "gateway", ...
    pub channel: String,
    /// The conversation's id.
    pub session: String,
    /// Your client: claude-code, cursor, claude-desktop, gemini-cli, ...
    pub client: String,
    /// user, assistant, system or tool.
    pub role: String,
    pub content: String,
    /// Your id for this message: logging it twice is a no-op. Without it, the same text in the session within 10 min is a duplicate.
    pub message_id: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtractP {
    /// Words (all must occur); "quoted words" for a phrase; word* for a prefix. Korean matches inside words.
    pub query: String,
    pub channel: Option<String>,
    pub client: Option<String>,
    /// 7d, 24h, 2w, today, YYYY-MM-DD or RFC 3339.
    pub since: Option<String>,
    /// Default 10, at most 50.
    pub limit: Option<u32>,
}

/// job_add / job_edit: a job's settings, named like `jr jobs add` flags.
/// On job_edit, an omitted field keeps its value and "" clears an optional one.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JobP {
    /// A slug: a-z 0-9 - _ .
    pub name: String,
    /// job_edit: the new name.
    pub rename: Option<String>,
    /// 5-field cron, 6 with seconds, or @daily; "" = on demand only.
    pub cron: Option<String>,
    /// IANA zone of the schedule.
    pub tz: Option<String>,
    /// Shell command (sh -c).
    pub command: Option<String>,
    pub cwd: Option<String>,
    /// K=V each; on edit they are added.
    pub env: Option<Vec<String>>,
    /// Kill after, e.g. 30s, 10m.
    pub timeout: Option<String>,
    pub retries: Option<u32>,
    /// skip, queue or allow.
    pub overlap: Option<String>,
    /// once, skip or all.
    pub misfire: Option<String>,
    pub description: Option<String>,
    /// Make it an agent job running this agent, with `prompt`.
    pub agent: Option<String>,
    pub prompt: Option<String>,
    /// Make it launch this Dagster job.
    pub dagster: Option<String>,
    /// job_add: false adds it paused.
    pub enabled: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NameP {
    pub name: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionGetP {
    pub session: String,
    /// Needed when the session name is used in several channels.
    pub channel: Option<String>,
    /// Paging: only messages with an id above this (the last page's next_after).
    pub after: Option<i64>,
    /// Default 100, at most 500.
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionsListP {
    pub channel: Option<String>,
    pub client: Option<String>,
    /// Default 20.
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitP {
    /// Default 20.
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CardGradeP {
    pub id: i64,
    /// 0-5, or again, hard, good, easy.
    pub grade: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentRunP {
    /// A configured agent (agents_list).
    pub name: String,
    pub prompt: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentRunsP {
    pub agent: Option<String>,
    /// Default 20.
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DagsterP {
    /// A [dagster.instances] name (default: the configured one).
    pub instance: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DagsterRunsP {
    pub instance: Option<String>,
    pub job: Option<String>,
    /// QUEUED, STARTED, SUCCESS, FAILURE, CANCELED, ...
    pub status: Option<String>,
    /// Default 20.
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DagsterLaunchP {
    pub instance: Option<String>,
    /// Bare name when unambiguous, or location/job.
    pub job: String,
    /// Run config as JSON or YAML text.
    pub run_config: Option<String>,
    /// K=V each.
    pub tags: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DagsterRunP {
    pub instance: Option<String>,
    /// A Dagster run id (or its first 8 characters) or a jr run id.
    pub run_id: String,
    /// dagster_logs: the last N events (default 50). dagster_terminate: ignored.
    pub tail: Option<u32>,
    /// dagster_terminate: mark it canceled at once.
    pub force: Option<bool>,
}
