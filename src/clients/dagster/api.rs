//! The GraphQL operations jr sends, and `Client` methods for each. Every
//! value travels in `variables`; the only text built here is the list of
//! `capturedLogs` aliases, from fixed names and indexes.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

use super::Client;
use super::error::DagsterError;
use super::parse;
use super::types::*;

pub(super) const PYTHON_ERROR: &str =
    "... on PythonError { message cause { message } errorChain { error { message } } }";

pub fn workspace_query() -> String {
    format!(
        "query JrWorkspace {{ version workspaceOrError {{ __typename ... on Workspace {{ locationEntries {{ \
         name loadStatus locationOrLoadError {{ __typename ... on RepositoryLocation {{ repositories {{ name \
         jobs {{ name description }} \
         schedules {{ name cronSchedule executionTimezone pipelineName scheduleState {{ id status }} }} \
         sensors {{ name minIntervalSeconds targets {{ pipelineName }} sensorState {{ id status }} }} }} }} \
         {PYTHON_ERROR} }} }} }} {PYTHON_ERROR} }} \
         instance {{ daemonHealth {{ allDaemonStatuses {{ daemonType required lastHeartbeatTime }} }} }} }}"
    )
}

const RUN_FIELDS: &str =
    "runId jobName status canTerminate creationTime startTime endTime tags { key value }";

pub fn launch_query() -> String {
    format!(
        "mutation JrLaunch($params: ExecutionParams!) {{ launchRun(executionParams: $params) {{ __typename \
         ... on LaunchRunSuccess {{ run {{ runId status }} }} \
         ... on RunConfigValidationInvalid {{ errors {{ message reason stack {{ entries {{ __typename \
           ... on EvaluationStackPathEntry {{ fieldName }} ... on EvaluationStackListItemEntry {{ listIndex }} \
           ... on EvaluationStackMapKeyEntry {{ mapKey }} ... on EvaluationStackMapValueEntry {{ mapKey }} }} }} }} }} \
         ... on PipelineNotFoundError {{ message }} ... on RunConflict {{ message }} \
         ... on InvalidStepError {{ invalidStepKey }} ... on InvalidOutputError {{ invalidOutputName }} \
         ... on InvalidSubsetError {{ message }} ... on PresetNotFoundError {{ message }} \
         ... on ConflictingExecutionParamsError {{ message }} ... on NoModeProvidedError {{ message }} \
         ... on UnauthorizedError {{ message }} {PYTHON_ERROR} }} }}"
    )
}

/// Status, new events and new captured output of one run, in one request.
pub fn follow_query(captured: usize) -> String {
    let mut vars = String::from("$id: ID!, $after: String");
    let mut fields = String::new();
    for i in 0..captured {
        vars.push_str(&format!(", $k{i}: [String!]!, $p{i}: String"));
        fields.push_str(&format!(
            " c{i}: capturedLogs(logKey: $k{i}, cursor: $p{i}) {{ stdout stderr cursor }}"
        ));
    }
    format!(
        "query JrFollow({vars}) {{ runOrError(runId: $id) {{ __typename ... on Run {{ {RUN_FIELDS} }} \
         ... on RunNotFoundError {{ message }} {PYTHON_ERROR} }} \
         logsForRun(runId: $id, afterCursor: $after, limit: 1000) {{ __typename \
         ... on EventConnection {{ cursor hasMore events {{ __typename \
           ... on MessageEvent {{ message timestamp level stepKey eventType }} \
           ... on LogsCapturedEvent {{ fileKey stepKeys }} \
           ... on ExecutionStepFailureEvent {{ error {{ message cause {{ message }} errorChain {{ error {{ message }} }} }} }} \
           ... on RunFailureEvent {{ error {{ message cause {{ message }} errorChain {{ error {{ message }} }} }} }} }} }} \
         ... on RunNotFoundError {{ message }} {PYTHON_ERROR} }}{fields} }}"
    )
}

pub fn runs_query() -> String {
    format!(
        "query JrRuns($filter: RunsFilter, $limit: Int) {{ runsOrError(filter: $filter, limit: $limit) {{ \
         __typename ... on Runs {{ results {{ {RUN_FIELDS} }} }} \
         ... on InvalidPipelineRunsFilterError {{ message }} {PYTHON_ERROR} }} }}"
    )
}

pub fn terminate_query() -> String {
    format!(
        "mutation JrTerminate($id: String!, $policy: TerminateRunPolicy) {{ \
         terminateRun(runId: $id, terminatePolicy: $policy) {{ __typename \
         ... on TerminateRunSuccess {{ run {{ status }} }} ... on TerminateRunFailure {{ message }} \
         ... on RunNotFoundError {{ message }} ... on UnauthorizedError {{ message }} {PYTHON_ERROR} }} }}"
    )
}

pub fn instigation_query(op: &str, arg: &str, ty: &str) -> String {
    let answers = match op {
        "startSchedule" | "stopRunningSchedule" => {
            "... on ScheduleStateResult { scheduleState { status } } ... on ScheduleNotFoundError { message }"
        }
        "startSensor" => {
            "... on Sensor { sensorState { status } } ... on SensorNotFoundError { message }"
        }
        _ => "... on StopSensorMutationResult { instigationState { status } }",
    };
    format!(
        "mutation JrInstigation($arg: {ty}) {{ r: {op}({arg}: $arg) {{ __typename {answers} \
         ... on UnauthorizedError {{ message }} {PYTHON_ERROR} }} }}"
    )
}

pub fn reload_query() -> String {
    format!(
        "mutation JrReload($name: String!) {{ reloadRepositoryLocation(repositoryLocationName: $name) {{ \
         __typename ... on WorkspaceLocationEntry {{ name loadStatus locationOrLoadError {{ __typename \
         {PYTHON_ERROR} }} }} ... on ReloadNotSupported {{ message }} \
         ... on RepositoryLocationNotFound {{ message }} ... on UnauthorizedError {{ message }} {PYTHON_ERROR} }} }}"
    )
}

/// Filter for `runs`.
#[derive(Debug, Clone, Default)]
pub struct RunsFilter {
    pub job: Option<String>,
    pub statuses: Vec<String>,
    pub tags: BTreeMap<String, String>,
    pub limit: usize,
}

/// Where a followed run's log stands: the event cursor and, per captured
/// file key, its cursor.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Cursors {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub captured: BTreeMap<String, Option<String>>,
}

fn now_s() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl Client {
    /// Version, code locations (with load errors), jobs, schedules, sensors
    /// and daemon heartbeats: one round trip.
    pub async fn workspace(&self) -> Result<Workspace, DagsterError> {
        let data = self.query(&workspace_query(), json!({})).await?;
        parse::workspace(&data, now_s())
    }

    /// Launch `job` with run config (a JSON object or YAML text) and tags.
    pub async fn launch(
        &self,
        job: &JobRef,
        config: Option<&Value>,
        tags: &BTreeMap<String, String>,
    ) -> Result<String, DagsterError> {
        let tags: Vec<Value> = tags
            .iter()
            .map(|(k, v)| json!({"key": k, "value": v}))
            .collect();
        let mut params = json!({
            "selector": {
                "repositoryLocationName": job.location,
                "repositoryName": job.repository,
                "jobName": job.job,
            },
            "executionMetadata": {"tags": tags},
        });
        if let Some(c) = config {
            params["runConfigData"] = c.clone();
        }
        let data = self
            .query(&launch_query(), json!({"params": params}))
            .await?;
        parse::launch(&data["launchRun"], job)
    }

    pub async fn run(&self, id: &str) -> Result<RunInfo, DagsterError> {
        let q = format!(
            "query JrRun($id: ID!) {{ runOrError(runId: $id) {{ __typename ... on Run {{ {RUN_FIELDS} }} \
             ... on RunNotFoundError {{ message }} {PYTHON_ERROR} }} }}"
        );
        let data = self.query(&q, json!({"id": id})).await?;
        parse::run_or_error(&data["runOrError"], id)
    }

    /// One poll of a run: status, events after `cursors.events`, and new
    /// captured output of each file key in `cursors.captured`.
    pub async fn progress(&self, id: &str, cursors: &Cursors) -> Result<Progress, DagsterError> {
        let keys: Vec<String> = cursors.captured.keys().cloned().collect();
        let mut vars = json!({"id": id, "after": cursors.events});
        for (i, k) in keys.iter().enumerate() {
            vars[format!("k{i}")] = json!([id, "compute_logs", k]);
            vars[format!("p{i}")] = json!(cursors.captured[k]);
        }
        let data = self.query(&follow_query(keys.len()), vars).await?;
        parse::progress(&data, id, &keys)
    }

    pub async fn runs(&self, f: &RunsFilter) -> Result<Vec<RunInfo>, DagsterError> {
        let mut filter = json!({});
        if let Some(j) = &f.job {
            filter["pipelineName"] = json!(j);
        }
        if !f.statuses.is_empty() {
            filter["statuses"] = json!(f.statuses);
        }
        if !f.tags.is_empty() {
            let tags: Vec<Value> = f
                .tags
                .iter()
                .map(|(k, v)| json!({"key": k, "value": v}))
                .collect();
            filter["tags"] = json!(tags);
        }
        let vars = json!({"filter": filter, "limit": f.limit.max(1)});
        let data = self.query(&runs_query(), vars).await?;
        parse::runs(&data["runsOrError"])
    }

    /// Ask Dagster to stop a run (`force`: mark it canceled at once).
    pub async fn terminate(&self, id: &str, force: bool) -> Result<String, DagsterError> {
        let policy = if force {
            "MARK_AS_CANCELED_IMMEDIATELY"
        } else {
            "SAFE_TERMINATE"
        };
        let data = self
            .query(&terminate_query(), json!({"id": id, "policy": policy}))
            .await?;
        parse::terminate(&data["terminateRun"], id)
    }

    /// Start or stop a schedule (`sensor` false) or sensor; the new state.
    pub async fn set_running(
        &self,
        it: &Instigator,
        sensor: bool,
        on: bool,
    ) -> Result<String, DagsterError> {
        let (op, arg, ty, value) = match (sensor, on) {
            (false, true) => (
                "startSchedule",
                "scheduleSelector",
                "ScheduleSelector!",
                json!({"repositoryLocationName": it.location, "repositoryName": it.repository, "scheduleName": it.name}),
            ),
            (true, true) => (
                "startSensor",
                "sensorSelector",
                "SensorSelector!",
                json!({"repositoryLocationName": it.location, "repositoryName": it.repository, "sensorName": it.name}),
            ),
            (false, false) => ("stopRunningSchedule", "id", "String!", json!(it.state_id)),
            (true, false) => ("stopSensor", "id", "String!", json!(it.state_id)),
        };
        let what = format!(
            "{} the {} {}",
            if on { "start" } else { "stop" },
            if sensor { "sensor" } else { "schedule" },
            it.name
        );
        let data = self
            .query(&instigation_query(op, arg, ty), json!({"arg": value}))
            .await?;
        parse::instigation(&data["r"], &what)
    }

    /// Reload a code location (blocks while Dagster re-imports it).
    pub async fn reload(&self, name: &str) -> Result<Location, DagsterError> {
        let data = self
            .query_with(
                &reload_query(),
                json!({"name": name}),
                Some(Duration::from_secs(120)),
            )
            .await?;
        parse::reload(&data["reloadRepositoryLocation"], name)
    }
}
