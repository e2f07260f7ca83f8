//! Tool groups: the server offers the groups `[mcp] tools` names (default:
//! `DEFAULT`), so a host agent pays context only for what it uses. `status`
//! and `plan` are always on.

use crate::error::{Error, Result};

pub const ALWAYS: &[&str] = &["status", "plan"];

pub const GROUPS: &[(&str, &[&str])] = &[
    (
        "tasks",
        &[
            "tasks_list",
            "tasks_ready",
            "task_get",
            "task_add",
            "task_update",
            "task_split",
            "task_assign",
        ],
    ),
    (
        "jobs",
        &[
            "jobs_list",
            "job_run",
            "job_add",
            "job_edit",
            "job_pause",
            "job_resume",
            "job_remove",
        ],
    ),
    ("runs", &["runs_list", "run_get"]),
    (
        "context",
        &[
            "conversation_log",
            "extract",
            "context_stats",
            "session_get",
            "message_get",
            "channels_list",
            "sessions_list",
        ],
    ),
    ("cards", &["cards_due", "card_grade"]),
    ("agents", &["agents_list", "agent_run", "agent_runs"]),
    (
        "dagster",
        &[
            "dagster_status",
            "dagster_jobs",
            "dagster_runs",
            "dagster_launch",
            "dagster_logs",
            "dagster_terminate",
        ],
    ),
];

/// What `jr mcp` serves when `[mcp] tools` is unset.
pub const DEFAULT: &[&str] = &["tasks", "jobs", "runs", "context"];

pub fn all() -> Vec<String> {
    GROUPS.iter().map(|(g, _)| g.to_string()).collect()
}

/// The tool names of these groups (checked), with the always-on ones.
pub fn tools_of(groups: &[String]) -> Result<Vec<&'static str>> {
    let mut out: Vec<&'static str> = ALWAYS.to_vec();
    for g in groups {
        let g = g.trim();
        let Some((_, tools)) = GROUPS.iter().find(|(name, _)| *name == g) else {
            return Err(
                Error::config(format!("[mcp] tools names an unknown group {g:?}"))
                    .hint(format!("groups: {}", all().join(", "))),
            );
        };
        out.extend(tools.iter().copied());
    }
    Ok(out)
}
