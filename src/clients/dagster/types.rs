//! What jr reads from Dagster, as plain data. These are also the JSON shapes
//! of `jr dagster ... --json` (the README documents them as a contract).

use std::collections::BTreeMap;

use serde::Serialize;

/// A job's address: (code location, repository, job).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, PartialOrd, Ord)]
pub struct JobRef {
    pub location: String,
    pub repository: String,
    pub job: String,
}

impl JobRef {
    /// `location/job`, or `location/repository/job` outside `__repository__`.
    pub fn path(&self) -> String {
        if self.repository == "__repository__" {
            format!("{}/{}", self.location, self.job)
        } else {
            format!("{}/{}/{}", self.location, self.repository, self.job)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobInfo {
    #[serde(flatten)]
    pub at: JobRef,
    pub description: Option<String>,
}

/// A schedule or a sensor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Instigator {
    pub location: String,
    pub repository: String,
    pub name: String,
    /// The jobs it starts.
    pub jobs: Vec<String>,
    /// `running` or `stopped` (Dagster's InstigationStatus, lower-cased).
    pub state: String,
    /// Schedules: the cron expression; sensors: none.
    pub cron: Option<String>,
    pub timezone: Option<String>,
    /// Sensors: the least time between evaluations.
    pub min_interval_s: Option<i64>,
    #[serde(skip)]
    pub state_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Location {
    pub name: String,
    /// `loaded`, `error` (the code failed to import) or `loading`.
    pub status: String,
    /// The Python error of a location that failed to load.
    pub error: Option<String>,
    pub jobs: Vec<JobInfo>,
    pub schedules: Vec<Instigator>,
    pub sensors: Vec<Instigator>,
}

/// Everything one workspace query tells.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Workspace {
    pub version: String,
    pub locations: Vec<Location>,
    pub daemons: Vec<Daemon>,
}

impl Workspace {
    /// Visible jobs of loaded locations (internal `__` jobs hidden).
    pub fn jobs(&self) -> impl Iterator<Item = &JobInfo> {
        self.locations.iter().flat_map(|l| l.jobs.iter())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Daemon {
    pub kind: String,
    pub required: bool,
    /// Seconds since its last heartbeat (judge health by this, not `healthy`).
    pub heartbeat_age_s: Option<f64>,
    #[serde(skip)]
    pub last_heartbeat: Option<f64>,
}

/// A Dagster run as listed or followed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunInfo {
    pub run_id: String,
    pub job: String,
    /// Dagster's RunStatus as given: QUEUED, STARTED, SUCCESS, FAILURE, CANCELED, ...
    pub status: String,
    pub can_terminate: bool,
    /// Unix seconds.
    pub created: Option<f64>,
    pub started: Option<f64>,
    pub ended: Option<f64>,
    pub tags: BTreeMap<String, String>,
}

/// How a Dagster run status reads for jr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Active,
    Success,
    Failure,
    Canceled,
}

/// Map Dagster's open set of run statuses; unknown ones count as active
/// (a timeout still ends the jr run).
pub fn phase(status: &str) -> Phase {
    match status {
        "SUCCESS" => Phase::Success,
        "FAILURE" => Phase::Failure,
        "CANCELED" => Phase::Canceled,
        _ => Phase::Active,
    }
}

/// One event of a run's event log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogEvent {
    /// Epoch milliseconds.
    pub timestamp: i64,
    pub level: String,
    pub step: Option<String>,
    /// e.g. STEP_START; `LOG` for messages the job logged itself.
    pub kind: String,
    pub message: String,
    /// A step's or the run's failure, with its cause.
    pub error: Option<String>,
    /// LOGS_CAPTURED: the file key of the captured stdout/stderr.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_key: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub step_keys: Vec<String>,
}

/// New captured output of one file key since a cursor.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Captured {
    pub stdout: String,
    pub stderr: String,
    pub cursor: Option<String>,
}

/// One poll of a followed run: its status, new events and captured output.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub run: RunInfo,
    pub events: Vec<LogEvent>,
    pub cursor: Option<String>,
    pub has_more: bool,
    /// By file key.
    pub captured: BTreeMap<String, Captured>,
}

/// Why a launch was refused, when it is the caller's fault.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigError {
    /// Where in the run config, e.g. `ops.greet.config.name` (`root` for the top).
    pub path: String,
    pub reason: String,
    pub message: String,
}
