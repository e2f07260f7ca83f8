//! Dagster for every front end: the configured instances (one client each,
//! sharing a connection pool), naming a job by its bare name, run config as
//! JSON or YAML, and jr's own record of the Dagster runs its runs follow.
//! Async (HTTP) and free of the database lock: the CLI, the executor and a
//! TUI pane call these directly; `Engine` keeps one `Arc<Dagster>`.

pub mod runs;
pub mod views;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::Engine;
use super::job_def::close_names;
use crate::clients::dagster::types::{JobRef, Workspace};
use crate::clients::dagster::{Client, Settings};
use crate::error::{Error, Result};

/// The tag that names the jr run on a Dagster run it launched.
pub const TAG_RUN: &str = "jr/run";
pub const TAG_JOB: &str = "jr/job";

#[derive(Debug, Default)]
pub struct Dagster {
    settings: Settings,
    clients: Mutex<BTreeMap<String, Client>>,
}

impl Dagster {
    pub fn new(settings: Settings) -> Dagster {
        Dagster {
            settings,
            clients: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The client of an instance (None: the default one).
    pub fn client(&self, instance: Option<&str>) -> Result<Client> {
        let inst = self.settings.instance(instance).map_err(|m| {
            Error::config(m).hint("instances are [dagster.instances.NAME] tables in config.toml")
        })?;
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = clients.get(&inst.name) {
            return Ok(c.clone());
        }
        let c = Client::new(inst, &self.settings)?;
        clients.insert(inst.name.clone(), c.clone());
        Ok(c)
    }

    /// Find a job by bare name or path, with the workspace it was found in.
    pub async fn find_job(&self, client: &Client, name: &str) -> Result<(JobRef, Workspace)> {
        let ws = client.workspace().await?;
        let job = resolve_job(&ws, name)?;
        Ok((job, ws))
    }
}

impl Engine {
    /// Use these Dagster settings (the front end resolves them from config
    /// and the environment).
    pub fn with_dagster(mut self, settings: Settings) -> Engine {
        self.dagster = Arc::new(Dagster::new(settings));
        self
    }

    pub fn dagster(&self) -> Arc<Dagster> {
        self.dagster.clone()
    }
}

/// A job named `job`, `location/job` or `location/repository/job`. An unknown
/// name lists the close ones, and a location that failed to load shows its
/// Python error (its jobs cannot be found while it is broken).
pub fn resolve_job(ws: &Workspace, name: &str) -> Result<JobRef> {
    let name = name.trim();
    let parts: Vec<&str> = name.split('/').collect();
    let matches: Vec<&JobRef> = ws
        .jobs()
        .map(|j| &j.at)
        .filter(|j| match parts.as_slice() {
            [job] => j.job == *job,
            [loc, job] => j.location == *loc && j.job == *job,
            [loc, repo, job] => j.location == *loc && j.repository == *repo && j.job == *job,
            _ => false,
        })
        .collect();
    match matches.as_slice() {
        [one] => return Ok((*one).clone()),
        [] => {}
        many => {
            let paths: Vec<String> = many.iter().map(|j| j.path()).collect();
            return Err(Error::user(format!(
                "the Dagster job name {name:?} is ambiguous: {}",
                paths.join(", ")
            ))
            .hint("name it as location/job (or location/repository/job)"));
        }
    }
    let broken: Vec<_> = ws
        .locations
        .iter()
        .filter(|l| l.status == "error")
        .filter(|l| parts.len() == 1 || l.name == parts[0])
        .collect();
    let all: Vec<String> = ws.jobs().map(|j| j.at.job.clone()).collect();
    let close = close_names(parts.last().copied().unwrap_or(name), &all);
    if let Some(l) = broken
        .first()
        .filter(|_| close.is_empty() || parts.len() > 1)
    {
        return Err(Error::service(format!(
            "no Dagster job {name:?}: the code location {} failed to load:\n{}",
            l.name,
            l.error.as_deref().unwrap_or("(no error given)")
        ))
        .hint(format!("fix the code, then `jr dagster reload {}`", l.name)));
    }
    let mut err = Error::user(format!("no Dagster job named {name:?}"));
    err = if close.is_empty() {
        err.hint("`jr dagster jobs` lists the jobs")
    } else {
        err.hint(format!("did you mean {}?", close.join(", ")))
    };
    for l in broken {
        err = err.hint(format!(
            "the code location {} failed to load; `jr dagster status` shows why",
            l.name
        ));
    }
    Err(err)
}

/// Run config as given: a JSON object is sent as data, anything else as
/// YAML text (Dagster parses it and names the path of each error).
pub fn run_config(text: &str) -> Result<Option<Value>> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.starts_with('{') {
        return match serde_json::from_str::<Value>(t) {
            Ok(v) if v.is_object() => Ok(Some(v)),
            Ok(_) => Err(Error::user("the run config must be a JSON object")),
            Err(e) => Err(Error::user(format!(
                "the run config looks like JSON but does not parse: {e}"
            ))),
        };
    }
    Ok(Some(Value::String(t.to_string())))
}

/// A run's parameters in its run config: `{{params.KEY}}` in the strings of
/// a JSON config, or in YAML text (as a quoted scalar). The run's tags carry
/// them too (`jr/param/KEY`), whatever the config says.
pub fn fill_params(
    config: &Value,
    params: &crate::domain::params::Params,
) -> std::result::Result<Value, String> {
    use crate::domain::params::{fill_json, fill_yaml};
    match config {
        Value::String(yaml) => fill_yaml(yaml, params).map(Value::String),
        other => fill_json(other, params),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::dagster::types::{JobInfo, Location};

    fn ws() -> Workspace {
        let job = |loc: &str, repo: &str, name: &str| JobInfo {
            at: JobRef {
                location: loc.into(),
                repository: repo.into(),
                job: name.into(),
            },
            description: None,
        };
        let loc = |name: &str, jobs: Vec<JobInfo>| Location {
            name: name.into(),
            status: "loaded".into(),
            error: None,
            jobs,
            schedules: Vec::new(),
            sensors: Vec::new(),
        };
        let mut broken = loc("broken", Vec::new());
        broken.status = "error".into();
        broken.error = Some("RuntimeError: broken on purpose".into());
        Workspace {
            version: "1.13.27".into(),
            locations: vec![
                loc(
                    "a",
                    vec![
                        job("a", "__repository__", "hello"),
                        job("a", "__repository__", "etl"),
                    ],
                ),
                loc("b", vec![job("b", "repo2", "etl")]),
                broken,
            ],
            daemons: Vec::new(),
        }
    }

    #[test]
    fn jobs_by_bare_name_or_path() {
        let w = ws();
        let ok: &[(&str, &str)] = &[
            ("hello", "a/hello"),
            ("a/etl", "a/etl"),
            ("b/etl", "b/repo2/etl"),
            ("b/repo2/etl", "b/repo2/etl"),
        ];
        for (name, path) in ok {
            assert_eq!(resolve_job(&w, name).unwrap().path(), *path, "{name}");
        }
        let bad: &[(&str, &str)] = &[
            ("etl", "ambiguous: a/etl, b/repo2/etl"),
            ("helo", "no Dagster job named \"helo\""),
            ("nothing-like-it", "failed to load"),
            ("broken/x", "RuntimeError: broken on purpose"),
        ];
        for (name, want) in bad {
            let e = resolve_job(&w, name).unwrap_err();
            assert!(e.message.contains(want), "{name}: {}", e.message);
        }
        let e = resolve_job(&w, "helo").unwrap_err();
        assert_eq!(e.hints[0], "did you mean hello?");
        assert!(
            e.hints[1].contains("broken failed to load"),
            "{:?}",
            e.hints
        );
        let mut healthy = ws();
        healthy.locations.pop();
        let e = resolve_job(&healthy, "helo").unwrap_err();
        assert_eq!(e.exit_code(), 1);
        assert_eq!(e.hints, vec!["did you mean hello?".to_string()]);
    }

    #[test]
    fn run_config_is_json_or_yaml() {
        assert_eq!(run_config("  ").unwrap(), None);
        assert_eq!(
            run_config(r#"{"ops": {}}"#).unwrap(),
            Some(serde_json::json!({"ops": {}}))
        );
        assert_eq!(
            run_config("ops:\n  greet: {}\n").unwrap(),
            Some(Value::String("ops:\n  greet: {}".into()))
        );
        assert!(run_config("{bad").is_err());
        assert!(
            run_config("[1]").unwrap().is_some(),
            "YAML text; Dagster judges it"
        );
    }
}
