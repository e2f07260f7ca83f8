//! Turning Dagster's GraphQL answers into jr's types. Pure: every function
//! takes the `data` object (or part of it) and tells outcomes apart by
//! `__typename`; unknown type names are errors, never guessed at.

use std::collections::BTreeMap;

use serde_json::Value;

use super::error::{DagsterError, Kind, python_message};
use super::types::*;

fn s(v: &Value) -> String {
    v.as_str().unwrap_or("").to_string()
}

fn opt_s(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// The `__typename` of a result union, with errors jr always handles.
pub fn typed<'a>(v: &'a Value, what: &str) -> Result<&'a str, DagsterError> {
    let t = v["__typename"].as_str().unwrap_or("");
    match t {
        "PythonError" => Err(DagsterError::new(
            Kind::Python,
            format!("Dagster failed to {what}: {}", python_message(v)),
        )),
        "UnauthorizedError" => Err(DagsterError::new(
            Kind::Unauthorized,
            format!(
                "Dagster refused to {what}: {} (the webserver is read-only, or the token may not do this)",
                v["message"].as_str().unwrap_or("unauthorized")
            ),
        )
        .hint("start the webserver without --read-only, or use a token with launch/edit rights")),
        "" => Err(DagsterError::new(
            Kind::Unexpected,
            format!("Dagster gave no answer to {what}"),
        )),
        t => Ok(t),
    }
}

fn unexpected(t: &str, what: &str, v: &Value) -> DagsterError {
    let msg = v["message"].as_str().unwrap_or("");
    DagsterError::new(
        Kind::Unexpected,
        format!(
            "Dagster answered {t} to {what}{}",
            if msg.is_empty() {
                String::new()
            } else {
                format!(": {msg}")
            }
        ),
    )
}

/// `version`, `workspaceOrError` and `instance.daemonHealth`, read at `now` (Unix seconds).
pub fn workspace(data: &Value, now: f64) -> Result<Workspace, DagsterError> {
    let ws = &data["workspaceOrError"];
    match typed(ws, "list its workspace")? {
        "Workspace" => {}
        t => return Err(unexpected(t, "the workspace query", ws)),
    }
    let mut locations = Vec::new();
    for entry in ws["locationEntries"].as_array().into_iter().flatten() {
        let name = s(&entry["name"]);
        let loc = &entry["locationOrLoadError"];
        let mut l = Location {
            name: name.clone(),
            status: "loading".into(),
            error: None,
            jobs: Vec::new(),
            schedules: Vec::new(),
            sensors: Vec::new(),
        };
        match loc["__typename"].as_str() {
            Some("RepositoryLocation") => {
                l.status = "loaded".into();
                for repo in loc["repositories"].as_array().into_iter().flatten() {
                    read_repository(&name, repo, &mut l);
                }
            }
            Some("PythonError") => {
                l.status = "error".into();
                l.error = Some(python_message(loc));
            }
            _ => {}
        }
        locations.push(l);
    }
    let daemons = data["instance"]["daemonHealth"]["allDaemonStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            let last = d["lastHeartbeatTime"].as_f64();
            Daemon {
                kind: s(&d["daemonType"]),
                required: d["required"].as_bool().unwrap_or(true),
                heartbeat_age_s: last.map(|t| ((now - t).max(0.0) * 10.0).round() / 10.0),
                last_heartbeat: last,
            }
        })
        .collect();
    Ok(Workspace {
        version: s(&data["version"]),
        locations,
        daemons,
    })
}

fn read_repository(location: &str, repo: &Value, l: &mut Location) {
    let repository = s(&repo["name"]);
    for j in repo["jobs"].as_array().into_iter().flatten() {
        let job = s(&j["name"]);
        if job.starts_with("__") {
            continue;
        }
        l.jobs.push(JobInfo {
            at: JobRef {
                location: location.to_string(),
                repository: repository.clone(),
                job,
            },
            description: opt_s(&j["description"]).filter(|d| !d.trim().is_empty()),
        });
    }
    for sc in repo["schedules"].as_array().into_iter().flatten() {
        l.schedules.push(Instigator {
            location: location.to_string(),
            repository: repository.clone(),
            name: s(&sc["name"]),
            jobs: opt_s(&sc["pipelineName"]).into_iter().collect(),
            state: s(&sc["scheduleState"]["status"]).to_lowercase(),
            cron: opt_s(&sc["cronSchedule"]),
            timezone: opt_s(&sc["executionTimezone"]),
            min_interval_s: None,
            state_id: s(&sc["scheduleState"]["id"]),
        });
    }
    for se in repo["sensors"].as_array().into_iter().flatten() {
        l.sensors.push(Instigator {
            location: location.to_string(),
            repository: repository.clone(),
            name: s(&se["name"]),
            jobs: se["targets"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| opt_s(&t["pipelineName"]))
                .collect(),
            state: s(&se["sensorState"]["status"]).to_lowercase(),
            cron: None,
            timezone: None,
            min_interval_s: se["minIntervalSeconds"].as_i64(),
            state_id: s(&se["sensorState"]["id"]),
        });
    }
}

/// A `Run` object.
pub fn run_info(v: &Value) -> RunInfo {
    RunInfo {
        run_id: s(&v["runId"]),
        job: s(&v["jobName"]),
        status: s(&v["status"]),
        can_terminate: v["canTerminate"].as_bool().unwrap_or(false),
        created: v["creationTime"].as_f64(),
        started: v["startTime"].as_f64(),
        ended: v["endTime"].as_f64(),
        tags: v["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| (s(&t["key"]), s(&t["value"])))
            .collect(),
    }
}

/// `runOrError`.
pub fn run_or_error(v: &Value, id: &str) -> Result<RunInfo, DagsterError> {
    match typed(v, &format!("read run {id}"))? {
        "Run" => Ok(run_info(v)),
        "RunNotFoundError" => Err(DagsterError::new(
            Kind::NotFound,
            format!("Dagster has no run {id}"),
        )
        .hint("`jr dagster runs` lists recent runs")),
        t => Err(unexpected(t, "a run query", v)),
    }
}

/// `runsOrError`.
pub fn runs(v: &Value) -> Result<Vec<RunInfo>, DagsterError> {
    match typed(v, "list runs")? {
        "Runs" => Ok(v["results"]
            .as_array()
            .into_iter()
            .flatten()
            .map(run_info)
            .collect()),
        "InvalidPipelineRunsFilterError" => Err(DagsterError::new(
            Kind::NotFound,
            format!("Dagster refused the run filter: {}", s(&v["message"])),
        )),
        t => Err(unexpected(t, "a runs query", v)),
    }
}

/// One event of `logsForRun`.
pub fn event(v: &Value) -> LogEvent {
    let typename = v["__typename"].as_str().unwrap_or("");
    let kind = opt_s(&v["eventType"]).unwrap_or_else(|| {
        if typename == "LogMessageEvent" {
            "LOG".into()
        } else {
            typename.trim_end_matches("Event").to_uppercase()
        }
    });
    let error = v.get("error").filter(|e| e.is_object()).map(python_message);
    LogEvent {
        timestamp: v["timestamp"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0),
        level: s(&v["level"]),
        step: opt_s(&v["stepKey"]),
        kind,
        message: s(&v["message"]),
        error,
        file_key: opt_s(&v["fileKey"]),
        step_keys: v["stepKeys"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|k| k.as_str().map(str::to_string))
            .collect(),
    }
}

/// The follow query: `runOrError`, `logsForRun` and `cN: capturedLogs` per file key.
pub fn progress(data: &Value, id: &str, file_keys: &[String]) -> Result<Progress, DagsterError> {
    let run = run_or_error(&data["runOrError"], id)?;
    let logs = &data["logsForRun"];
    let (events, cursor, has_more) = match typed(logs, &format!("read the event log of run {id}"))?
    {
        "EventConnection" => (
            logs["events"]
                .as_array()
                .into_iter()
                .flatten()
                .map(event)
                .collect(),
            opt_s(&logs["cursor"]),
            logs["hasMore"].as_bool().unwrap_or(false),
        ),
        "RunNotFoundError" => (Vec::new(), None, false),
        t => return Err(unexpected(t, "an event log query", logs)),
    };
    let mut captured = BTreeMap::new();
    for (i, key) in file_keys.iter().enumerate() {
        let c = &data[format!("c{i}")];
        if c.is_object() {
            captured.insert(
                key.clone(),
                Captured {
                    stdout: s(&c["stdout"]),
                    stderr: s(&c["stderr"]),
                    cursor: opt_s(&c["cursor"]),
                },
            );
        }
    }
    Ok(Progress {
        run,
        events,
        cursor,
        has_more,
        captured,
    })
}

/// `launchRun`: the new run's id, or why it was refused.
pub fn launch(v: &Value, job: &JobRef) -> Result<String, DagsterError> {
    let what = format!("launch {}", job.path());
    match typed(v, &what)? {
        "LaunchRunSuccess" => Ok(s(&v["run"]["runId"])),
        "RunConfigValidationInvalid" => {
            let errs = config_errors(v);
            let lines: Vec<String> = errs
                .iter()
                .map(|e| format!("  at {}: {}", e.path, e.message))
                .collect();
            Err(DagsterError::new(
                Kind::InvalidConfig,
                format!(
                    "the run config does not fit {} ({} error{}):\n{}",
                    job.path(),
                    errs.len(),
                    if errs.len() == 1 { "" } else { "s" },
                    lines.join("\n")
                ),
            )
            .hint("give the run config with `jr dagster launch --run-config` or `jr jobs add --dagster-config` (FILE, JSON or YAML); Dagster's Launchpad shows its schema"))
        }
        "PipelineNotFoundError" => Err(DagsterError::new(
            Kind::NotFound,
            format!(
                "Dagster cannot find the job {}: {}",
                job.path(),
                s(&v["message"])
            ),
        )),
        "RunConflict"
        | "InvalidStepError"
        | "InvalidOutputError"
        | "InvalidSubsetError"
        | "PresetNotFoundError"
        | "ConflictingExecutionParamsError"
        | "NoModeProvidedError" => Err(DagsterError::new(
            Kind::Unexpected,
            format!("Dagster refused to {what}: {}", s(&v["message"])),
        )),
        t => Err(unexpected(t, "a launch", v)),
    }
}

/// The errors of a `RunConfigValidationInvalid`, each with its path.
pub fn config_errors(v: &Value) -> Vec<ConfigError> {
    v["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let parts: Vec<String> = e["stack"]["entries"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| match p["__typename"].as_str() {
                    Some("EvaluationStackPathEntry") => opt_s(&p["fieldName"]),
                    Some("EvaluationStackListItemEntry") => {
                        p["listIndex"].as_i64().map(|i| format!("[{i}]"))
                    }
                    Some("EvaluationStackMapKeyEntry" | "EvaluationStackMapValueEntry") => {
                        p["mapKey"].as_str().map(|k| format!("[{k:?}]"))
                    }
                    _ => None,
                })
                .collect();
            let path = if parts.is_empty() {
                "root".to_string()
            } else {
                parts.join(".").replace(".[", "[")
            };
            ConfigError {
                path,
                reason: s(&e["reason"]),
                message: s(&e["message"]),
            }
        })
        .collect()
}

/// `terminateRun`: the status the run had before it was told to stop.
pub fn terminate(v: &Value, id: &str) -> Result<String, DagsterError> {
    match typed(v, &format!("terminate run {id}"))? {
        "TerminateRunSuccess" => Ok(s(&v["run"]["status"])),
        "TerminateRunFailure" => Err(DagsterError::new(Kind::Unexpected, s(&v["message"]))),
        "RunNotFoundError" => Err(DagsterError::new(
            Kind::NotFound,
            format!("Dagster has no run {id}"),
        )),
        t => Err(unexpected(t, "terminate", v)),
    }
}

/// start/stop of a schedule or sensor: its new state (`running`/`stopped`).
pub fn instigation(v: &Value, what: &str) -> Result<String, DagsterError> {
    match typed(v, what)? {
        "ScheduleStateResult" => Ok(s(&v["scheduleState"]["status"]).to_lowercase()),
        "Sensor" => Ok(s(&v["sensorState"]["status"]).to_lowercase()),
        "StopSensorMutationResult" => Ok(s(&v["instigationState"]["status"]).to_lowercase()),
        "ScheduleNotFoundError" | "SensorNotFoundError" => {
            Err(DagsterError::new(Kind::NotFound, s(&v["message"])))
        }
        t => Err(unexpected(t, what, v)),
    }
}

/// `reloadRepositoryLocation`: the location as it is after the reload.
pub fn reload(v: &Value, name: &str) -> Result<Location, DagsterError> {
    match typed(v, &format!("reload the code location {name}"))? {
        "WorkspaceLocationEntry" => {
            let loc = &v["locationOrLoadError"];
            let (status, error) = match loc["__typename"].as_str() {
                Some("RepositoryLocation") => ("loaded", None),
                Some("PythonError") => ("error", Some(python_message(loc))),
                _ => ("loading", None),
            };
            Ok(Location {
                name: s(&v["name"]),
                status: status.into(),
                error,
                jobs: Vec::new(),
                schedules: Vec::new(),
                sensors: Vec::new(),
            })
        }
        "RepositoryLocationNotFound" => Err(DagsterError::new(
            Kind::NotFound,
            format!("Dagster has no code location {name:?}"),
        )
        .hint("`jr dagster status` lists the code locations")),
        "ReloadNotSupported" => Err(DagsterError::new(
            Kind::Unexpected,
            format!(
                "the code location {name} cannot be reloaded: {}",
                s(&v["message"])
            ),
        )),
        t => Err(unexpected(t, "a reload", v)),
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
