//! Job operations: add, edit, enable/disable, remove, list with next fires,
//! export and import. Every cron expression and time zone is checked before
//! anything is written.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::Engine;
pub use super::job_def::{JobDef, close_names};
use crate::domain::job::{check_name, format_duration, parse_duration};
use crate::domain::{Job, JobSpec, Misfire, Overlap, Run, ShellSpec};
use crate::error::{Error, Result};
use crate::schedule::{CronSchedule, parse_tz};
use crate::store::{jobs as repo, runs};

/// The most retries a job may ask for.
pub const MAX_RETRIES: u32 = 100;

/// The export file: `[[job]]` tables.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct JobFile {
    #[serde(default, rename = "job")]
    pub jobs: Vec<JobDef>,
}

/// A job as `--json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct JobOut {
    pub name: String,
    pub kind: String,
    pub schedule: Option<String>,
    pub tz: String,
    pub enabled: bool,
    pub next_fire: Option<String>,
    pub overlap: Overlap,
    pub misfire: Misfire,
    pub timeout: Option<String>,
    pub retries: u32,
    pub retry_backoff: String,
    pub description: String,
    pub command: String,
    pub cwd: Option<String>,
    pub env: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dagster_job: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dagster_instance: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dagster_assets: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dagster_partition: Option<String>,
    pub last_run: Option<LastRun>,
    // agents: the agent kind's settings and the chains.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub collect: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_file: Option<String>,
    pub on_success: Vec<String>,
    pub on_failure: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ambient: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub takes_tasks: Option<String>,
    /// The job's own notification targets; null: the config's default.
    pub notify: Option<Vec<String>>,
    /// Declared run parameters with their defaults.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LastRun {
    pub id: i64,
    pub status: String,
    #[serde(with = "crate::domain::rfc3339::option")]
    pub finished_at: Option<DateTime<Utc>>,
}

/// Validate a cron expression into a user error that points at the field.
pub fn check_cron(expr: &str) -> Result<CronSchedule> {
    CronSchedule::parse(expr).map_err(|e| {
        Error::user(e.to_string()).hint("fields: minute hour day-of-month month day-of-week; try `jr cron EXPR` to see the next fires")
    })
}

pub fn check_tz(name: &str) -> Result<Tz> {
    parse_tz(name).map_err(Error::user)
}

impl Engine {
    /// The zone a job fires in.
    pub fn job_tz(&self, job: &Job) -> Tz {
        job.tz
            .as_deref()
            .and_then(|z| parse_tz(z).ok())
            .unwrap_or(self.tz)
    }

    /// Enabled jobs with a schedule, each with its parsed cron and zone: what
    /// the scheduler watches and what status/plan look ahead over.
    pub fn scheduled_jobs(&self) -> Result<Vec<(Job, CronSchedule, Tz)>> {
        Ok(repo::scheduled(self.store.conn())?
            .into_iter()
            .filter_map(|j| {
                let cron = CronSchedule::parse(j.schedule.as_deref()?).ok()?;
                let tz = self.job_tz(&j);
                Some((j, cron, tz))
            })
            .collect())
    }

    pub fn next_fire(&self, job: &Job, after: DateTime<Utc>) -> Option<DateTime<Tz>> {
        if !job.enabled {
            return None;
        }
        let sched = CronSchedule::parse(job.schedule.as_deref()?).ok()?;
        sched.next_after(after.max(job.fired_through), self.job_tz(job))
    }

    /// Turn a definition into a job, checking everything. `existing` keeps id and times.
    fn build_job(&self, def: &JobDef, existing: Option<&Job>) -> Result<Job> {
        check_name(&def.name).map_err(Error::user)?;
        let spec = spec_of(def)?;
        // agents: an agent job's agent must exist.
        if let JobSpec::Agent(a) = &spec {
            self.get_agent(&a.agent)?;
        }
        if let Some(s) = &def.schedule {
            check_cron(s)?;
        }
        if let Some(z) = &def.tz {
            check_tz(z)?;
        }
        let timeout = def
            .timeout
            .as_deref()
            .map(parse_duration)
            .transpose()
            .map_err(Error::user)?;
        if timeout.is_some_and(|d| d.is_zero()) {
            return Err(Error::user(
                "a timeout of zero would kill every run at once; leave it out for none",
            ));
        }
        let backoff = def
            .retry_backoff
            .as_deref()
            .map(parse_duration)
            .transpose()
            .map_err(Error::user)?
            .unwrap_or(Duration::from_secs(30));
        let takes_tasks = check_takes_tasks(def, &spec)?;
        let notify = self.check_job_notify(def, existing)?;
        crate::domain::params::check_declared(&def.params)
            .map_err(|e| Error::user(format!("job {}: {e}", def.name)))?;
        if def.retries > MAX_RETRIES {
            return Err(Error::user(format!(
                "{} retries is too many; at most {MAX_RETRIES}",
                def.retries
            )));
        }
        let now = self.now();
        let schedule = def
            .schedule
            .as_deref()
            .map(|s| check_cron(s).map(|c| c.expr().to_string()))
            .transpose()?;
        // Fires before now are not owed when a job is new, or its timing or
        // enabled state changed: history starts here.
        let fired_through = match existing {
            Some(j) if j.schedule == schedule && j.tz == def.tz && j.enabled == def.enabled => {
                j.fired_through
            }
            _ => now,
        };
        Ok(Job {
            id: existing.map(|j| j.id).unwrap_or(0),
            name: def.name.clone(),
            spec,
            schedule,
            tz: def.tz.clone(),
            enabled: def.enabled,
            description: def.description.clone(),
            timeout,
            retries: def.retries,
            retry_backoff: backoff,
            overlap: def.overlap,
            misfire: def.misfire,
            created_at: existing.map(|j| j.created_at).unwrap_or(now),
            updated_at: now,
            fired_through,
            on_success: def.on_success.clone(),
            on_failure: def.on_failure.clone(),
            takes_tasks,
            notify,
            params: def.params.clone(),
        })
    }

    pub fn add_job(&self, def: &JobDef) -> Result<Job> {
        let job = self.build_job(def, None)?;
        self.store.write(|tx| {
            if repo::get(tx, &job.name)?.is_some() {
                return Err(
                    Error::user(format!("a job named {} already exists", job.name))
                        .hint(format!("change it with `jr jobs edit {}`", job.name)),
                );
            }
            let id = repo::upsert(tx, &job)?;
            super::chains::save(tx, id, &job)?;
            super::chains::check_cycles(tx)?;
            Ok(())
        })?;
        self.get_job(&def.name)
    }

    /// Replace a job's definition (the CLI merges flags into `def_of` first).
    pub fn update_job(&self, name: &str, def: &JobDef) -> Result<Job> {
        let old = self.get_job(name)?;
        let mut job = self.build_job(def, Some(&old))?;
        job.id = old.id;
        self.store.write(|tx| {
            if def.name != name && repo::get(tx, &def.name)?.is_some() {
                return Err(Error::user(format!(
                    "a job named {} already exists",
                    def.name
                )));
            }
            repo::update(tx, &job)?;
            super::chains::save(tx, job.id, &job)?;
            super::chains::check_cycles(tx)?;
            Ok(())
        })?;
        self.get_job(&def.name)
    }

    pub fn set_job_enabled(&self, name: &str, enabled: bool) -> Result<Job> {
        let mut def = def_of(&self.get_job(name)?);
        def.enabled = enabled;
        self.update_job(name, &def)
    }

    pub fn remove_job(&self, name: &str) -> Result<Job> {
        let job = self.get_job(name)?;
        self.store.write(|tx| repo::delete(tx, job.id))?;
        Ok(job)
    }

    /// A job by name; an unknown name lists the close ones.
    pub fn get_job(&self, name: &str) -> Result<Job> {
        if let Some(j) = repo::get(self.store.conn(), name)? {
            return Ok(j);
        }
        let names = repo::names(self.store.conn())?;
        let close = close_names(name, &names);
        let err = Error::user(format!("no job named {name:?}"));
        Err(if close.is_empty() {
            err.hint("`jr jobs list` shows every job")
        } else {
            err.hint(format!("did you mean {}?", close.join(", ")))
        })
    }

    pub fn list_jobs(&self) -> Result<Vec<Job>> {
        repo::list(self.store.conn())
    }

    pub fn job_counts(&self) -> Result<(i64, i64)> {
        repo::counts(self.store.conn())
    }

    /// The JSON view of jobs, with next fire and last run.
    pub fn job_views(&self, jobs: &[Job]) -> Result<Vec<JobOut>> {
        let last: BTreeMap<i64, Run> = runs::last_per_job(self.store.conn())?
            .into_iter()
            .filter_map(|r| Some((r.job_id?, r)))
            .collect();
        let now = self.now();
        Ok(jobs
            .iter()
            .map(|j| {
                let d = def_of(j);
                JobOut {
                    name: j.name.clone(),
                    kind: j.spec.kind().into(),
                    schedule: j.schedule.clone(),
                    tz: self.job_tz(j).name().to_string(),
                    enabled: j.enabled,
                    next_fire: self.next_fire(j, now).map(|t| t.to_rfc3339()),
                    overlap: j.overlap,
                    misfire: j.misfire,
                    timeout: d.timeout,
                    retries: j.retries,
                    retry_backoff: format_duration(j.retry_backoff),
                    description: j.description.clone(),
                    command: d.command,
                    cwd: d.cwd,
                    env: d.env,
                    dagster_job: d.dagster_job,
                    dagster_instance: d.dagster_instance,
                    dagster_assets: d.dagster_assets,
                    dagster_partition: d.dagster_partition,
                    last_run: last.get(&j.id).map(|r| LastRun {
                        id: r.id,
                        status: r.status.to_string(),
                        finished_at: r.finished_at,
                    }),
                    agent: d.agent,
                    prompt: d.prompt,
                    collect: d.collect,
                    output_file: d.output_file,
                    on_success: d.on_success,
                    on_failure: d.on_failure,
                    ambient: d.ambient,
                    model: d.model,
                    takes_tasks: d.takes_tasks,
                    notify: d.notify,
                    params: d.params,
                }
            })
            .collect())
    }

    pub fn export_jobs(&self) -> Result<JobFile> {
        Ok(JobFile {
            jobs: self.list_jobs()?.iter().map(def_of).collect(),
        })
    }

    /// Import definitions in one transaction: new names are added, existing
    /// ones replaced. Everything is checked before anything is written.
    pub fn import_jobs(&self, file: &JobFile) -> Result<(usize, usize)> {
        let conn = self.store.conn();
        let mut seen = std::collections::HashSet::new();
        let mut built = Vec::with_capacity(file.jobs.len());
        for (i, def) in file.jobs.iter().enumerate() {
            if !seen.insert(def.name.as_str()) {
                return Err(Error::user(format!(
                    "job {} appears twice in the file",
                    def.name
                )));
            }
            let existing = repo::get(conn, &def.name)?;
            let job = self.build_job(def, existing.as_ref()).map_err(|e| Error {
                message: format!("job #{} ({}): {}", i + 1, def.name, e.message),
                ..e
            })?;
            built.push((job, existing.is_some()));
        }
        self.store.write(|tx| {
            let (mut added, mut replaced) = (0, 0);
            let mut ids = Vec::with_capacity(built.len());
            for (job, exists) in &built {
                ids.push(repo::upsert(tx, job)?);
                if *exists { replaced += 1 } else { added += 1 }
            }
            // agents: chains once every job of the file exists.
            for ((job, _), id) in built.iter().zip(ids) {
                super::chains::save(tx, id, job)?;
            }
            super::chains::check_cycles(tx)?;
            Ok((added, replaced))
        })
    }
}

/// The kind-specific settings of a definition, checked. Each job kind adds
/// its arm here, its fields to `JobDef`, and its arm to `def_of`.
fn spec_of(def: &JobDef) -> Result<JobSpec> {
    match def.kind.as_str() {
        "shell" => {
            if def.command.trim().is_empty() {
                return Err(Error::user(format!(
                    "job {} needs a command (--command CMD)",
                    def.name
                )));
            }
            for k in def.env.keys() {
                if k.is_empty() || k.contains('=') || k.contains('\0') {
                    return Err(Error::user(format!("environment name {k:?} is not valid")));
                }
            }
            Ok(JobSpec::Shell(ShellSpec {
                command: def.command.clone(),
                cwd: def.cwd.clone(),
                env: def.env.clone(),
            }))
        }
        // agents
        "agent" => super::agent_jobs::spec_of_agent(def),
        "ambient" => {
            let task = def.ambient.clone().unwrap_or_default();
            if !crate::domain::job::AMBIENT_TASKS.contains(&task.as_str()) {
                return Err(Error::user(format!(
                    "unknown ambient task {task:?}; jr has: {}",
                    crate::domain::job::AMBIENT_TASKS.join(", ")
                )));
            }
            let model = def.model.clone().unwrap_or_default();
            crate::clients::llm::ModelRef::parse(&model)
                .map_err(|e| Error::user(format!("--model: {e}")))?;
            Ok(JobSpec::Ambient(crate::domain::AmbientSpec {
                task,
                model,
                max_cards: def.max_cards.unwrap_or(10).max(1),
                channels: names(&def.channels, "channel")?,
                clients: names(&def.clients, "client")?,
            }))
        }
        "dagster" => dagster_spec(def),
        other => Err(Error::user(format!(
            "unknown job kind {other:?}; this jr runs: shell, agent, ambient, dagster"
        ))),
    }
}

/// ambient `--channel` / `--client` names, checked as the registry checks them.
fn names(list: &[String], what: &str) -> Result<Vec<String>> {
    list.iter()
        .map(|n| crate::domain::context::check_name(what, n).map_err(Error::user))
        .collect()
}

/// `--takes-tasks`: a clean tag, for kinds that can work on a task.
fn check_takes_tasks(def: &JobDef, spec: &JobSpec) -> Result<Option<String>> {
    let Some(tag) = def.takes_tasks.as_deref().filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    if matches!(spec, JobSpec::Ambient(_)) {
        return Err(Error::user(format!(
            "job {}: an ambient job does its own work and cannot take tasks",
            def.name
        ))
        .hint("--takes-tasks works with shell, agent and dagster jobs"));
    }
    Ok(Some(
        crate::domain::task::normalize_tag(tag).map_err(Error::user)?,
    ))
}

/// The definition a job was made from (for edit, export and JSON).
pub fn def_of(j: &Job) -> JobDef {
    let mut def = JobDef {
        name: j.name.clone(),
        kind: j.spec.kind().into(),
        schedule: j.schedule.clone(),
        tz: j.tz.clone(),
        enabled: j.enabled,
        description: j.description.clone(),
        timeout: j.timeout.map(format_duration),
        retries: j.retries,
        retry_backoff: (j.retry_backoff != Duration::from_secs(30))
            .then(|| format_duration(j.retry_backoff)),
        overlap: j.overlap,
        misfire: j.misfire,
        on_success: j.on_success.clone(),
        on_failure: j.on_failure.clone(),
        takes_tasks: j.takes_tasks.clone(),
        notify: j.notify.clone(),
        params: j.params.clone(),
        ..Default::default()
    };
    match &j.spec {
        JobSpec::Shell(s) => {
            def.command = s.command.clone();
            def.cwd = s.cwd.clone();
            def.env = s.env.clone();
        }
        // agents
        JobSpec::Agent(a) => super::agent_jobs::fill_def(&mut def, a),
        JobSpec::Ambient(a) => {
            def.ambient = Some(a.task.clone());
            def.model = Some(a.model.clone());
            def.max_cards = Some(a.max_cards);
            def.channels = a.channels.clone();
            def.clients = a.clients.clone();
        }
        JobSpec::Dagster(d) => {
            def.dagster_job = Some(d.job.clone()).filter(|j| !j.is_empty());
            def.dagster_assets = d.assets.clone();
            def.dagster_partition = d.partition.clone();
            def.dagster_config = d.config.clone();
            def.dagster_instance = d.instance.clone();
        }
    }
    def
}

/// The `dagster` kind: a Dagster job to launch, its run config and instance.
fn dagster_spec(def: &JobDef) -> Result<JobSpec> {
    let job = def.dagster_job.as_deref().map(str::trim).unwrap_or("");
    let assets: Vec<String> = def
        .dagster_assets
        .iter()
        .map(|k| k.trim().trim_matches('/').to_string())
        .filter(|k| !k.is_empty())
        .collect();
    match (job.is_empty(), assets.is_empty()) {
        (true, true) => {
            return Err(Error::user(format!(
                "job {} needs a Dagster job (--dagster JOB) or assets (--dagster-asset KEY)",
                def.name
            )));
        }
        (false, false) => {
            return Err(Error::user(format!(
                "job {} names both a Dagster job and assets: give one of --dagster and --dagster-asset",
                def.name
            )));
        }
        _ => {}
    }
    if def.dagster_partition.is_some() && assets.is_empty() {
        return Err(Error::user(format!(
            "job {}: --dagster-partition goes with --dagster-asset (a job's partition is run config)",
            def.name
        )));
    }
    if !def.command.is_empty() || def.cwd.is_some() || !def.env.is_empty() {
        return Err(Error::user(format!(
            "job {} launches a Dagster job; --command, --cwd and --env belong to shell jobs",
            def.name
        )));
    }
    if let Some(c) = &def.dagster_config {
        let config = super::dagster::run_config(c)?;
        // Its `{{params.KEY}}` placeholders name declared parameters.
        if let Some(v) = &config {
            super::dagster::fill_params(v, &def.params)
                .map_err(|e| Error::user(format!("job {}: the run config: {e}", def.name)))?;
        }
    }
    Ok(JobSpec::Dagster(crate::domain::job::DagsterSpec {
        job: job.to_string(),
        assets,
        partition: def
            .dagster_partition
            .clone()
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty()),
        config: def.dagster_config.clone().filter(|c| !c.trim().is_empty()),
        instance: def.dagster_instance.clone(),
    }))
}
