//! Runs: one execution (or a recorded non-execution) of a job.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::job::str_enum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Queued,
    Running,
    Success,
    Failed,
    Timeout,
    Cancelled,
    Skipped,
    Missed,
    Lost,
    Interrupted,
}

str_enum!(RunStatus, Queued => "queued", Running => "running", Success => "success", Failed => "failed",
    Timeout => "timeout", Cancelled => "cancelled", Skipped => "skipped", Missed => "missed",
    Lost => "lost", Interrupted => "interrupted"; "run status");

impl RunStatus {
    pub fn is_active(self) -> bool {
        matches!(self, RunStatus::Queued | RunStatus::Running)
    }

    /// Ended badly: worth a retry and a place among "recent failures".
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            RunStatus::Failed | RunStatus::Timeout | RunStatus::Lost | RunStatus::Interrupted
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    Schedule,
    Manual,
    Retry,
    Catchup,
    Chain,
    Chat,
    Mcp,
}

str_enum!(Trigger, Schedule => "schedule", Manual => "manual", Retry => "retry", Catchup => "catchup",
    Chain => "chain", Chat => "chat", Mcp => "mcp"; "trigger");

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    pub id: i64,
    pub job: String,
    #[serde(skip)]
    pub job_id: Option<i64>,
    pub status: RunStatus,
    pub trigger: Trigger,
    #[serde(with = "super::rfc3339::option")]
    pub scheduled_for: Option<DateTime<Utc>>,
    #[serde(with = "super::rfc3339")]
    pub queued_at: DateTime<Utc>,
    #[serde(with = "super::rfc3339::option")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(with = "super::rfc3339::option")]
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    pub exit_code: Option<i32>,
    pub error: Option<String>,
    pub result: Option<String>,
    pub attempt: u32,
    /// The first attempt of a retried run.
    pub first_run: Option<i64>,
    /// The run whose end triggered this one (chains).
    pub upstream_run: Option<i64>,
    #[serde(skip)]
    pub not_before: Option<DateTime<Utc>>,
    #[serde(skip)]
    pub owner: Option<String>,
    #[serde(skip)]
    pub owner_pid: Option<i64>,
    #[serde(skip)]
    pub owner_host: Option<String>,
    #[serde(skip)]
    pub pgid: Option<i64>,
    #[serde(skip)]
    pub cancel_requested: bool,
    pub output_bytes: i64,
    pub output_cut: i64,
    /// The task this run works on (a hand-off, or a worker's claim).
    pub task_id: Option<i64>,
    /// Why a notification about this run could not be delivered.
    pub notify_error: Option<String>,
    /// The parameters it runs with (its job's defaults under the values it
    /// was given); null only while a run queued without any waits to start.
    pub params: Option<super::params::Params>,
}

/// One line of a run's output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputLine {
    pub seq: i64,
    #[serde(with = "super::rfc3339")]
    pub at: DateTime<Utc>,
    /// `out`, `err`, `jr` (a note from jr) or `cut` (where the cap removed the middle).
    pub stream: String,
    pub line: String,
}
