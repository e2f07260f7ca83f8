//! `jr jobs ...`: add, list, show, edit, enable, disable, rm, export, import.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::Ctx;
use super::output::{self, Table, fit, one_line, paint, styled};
pub use super::run_style::run_status_style;
use crate::domain::{Job, Misfire, Overlap};
use crate::engine::Engine;
use crate::engine::jobs::{JobDef, JobFile, JobOut, def_of};
use crate::error::{Error, Result};
use crate::schedule::words;

#[derive(Debug, Subcommand)]
pub enum JobsCmd {
    /// Add a job (a shell command, on a cron schedule or on demand).
    Add(AddArgs),
    /// All jobs with their schedule in words, next fire and last status.
    #[command(alias = "ls")]
    List(JsonArgs),
    /// One job: its settings, next fires and recent runs.
    Show(NameArgs),
    /// Change a job's settings.
    Edit(EditArgs),
    /// Let a job fire on its schedule again (missed fires while disabled are not owed).
    Enable(NameArgs),
    /// Stop a job from firing (Run Now still works).
    Disable(NameArgs),
    /// Remove a job (its run history stays).
    Rm(RmArgs),
    /// Print all jobs as TOML ([[job]] tables) for `import`.
    Export,
    /// Add or replace jobs from a TOML file made by `export` (all or nothing).
    Import(ImportArgs),
}

/// Settings shared by add and edit.
#[derive(Debug, Args, Default)]
pub struct JobFlags {
    /// Cron expression: 5 fields (min hour dom month dow), 6 with leading seconds, or @daily etc.
    #[arg(long = "cron", value_name = "EXPR")]
    pub cron: Option<String>,
    /// IANA time zone the schedule is in (default: config `timezone`, else the system's).
    #[arg(long)]
    pub tz: Option<String>,
    /// Shell command, run by `sh -c`.
    #[arg(long, short = 'c')]
    pub command: Option<String>,
    /// Working directory.
    #[arg(long)]
    pub cwd: Option<String>,
    /// Extra environment, K=V (repeatable).
    #[arg(long = "env", value_name = "K=V")]
    pub env: Vec<String>,
    /// Kill the run after this long (e.g. 30s, 10m).
    #[arg(long)]
    pub timeout: Option<String>,
    /// Attempts after a failure.
    #[arg(long)]
    pub retries: Option<u32>,
    /// Wait before the first retry, doubling each time (default 30s).
    #[arg(long, value_name = "D")]
    pub retry_backoff: Option<String>,
    /// skip | queue | allow: a fire while the last run still runs.
    #[arg(long)]
    pub overlap: Option<Overlap>,
    /// once | skip | all: fires missed while no scheduler ran.
    #[arg(long)]
    pub misfire: Option<Misfire>,
    #[arg(long, short = 'd')]
    pub description: Option<String>,
    // agents: the agent kind, and chains for every kind.
    #[command(flatten)]
    pub agent: super::agent_jobs::AgentJobFlags,
    /// A Dagster job to launch instead of a command (name, or location/job).
    #[arg(long, value_name = "JOB", conflicts_with = "command")]
    pub dagster: Option<String>,
    /// Dagster assets to materialize instead of a command (key, parts joined
    /// by `/`; repeatable; all in one code location).
    #[arg(long = "dagster-asset", value_name = "KEY", conflicts_with_all = ["command", "dagster"])]
    pub dagster_assets: Vec<String>,
    /// The partition for --dagster-asset (partitioned assets).
    #[arg(long, value_name = "KEY")]
    pub dagster_partition: Option<String>,
    /// Run config for --dagster or --dagster-asset: a file, or the JSON or YAML text.
    #[arg(long, value_name = "FILE|JSON|YAML")]
    pub dagster_config: Option<String>,
    /// The [dagster.instances.NAME] for --dagster (default: the configured default).
    #[arg(long, value_name = "NAME")]
    pub instance: Option<String>,
    /// Notify a [[notify]] target after the run's last attempt:
    /// NAME[:on-failure|on-success|on-change] (default on-failure; repeatable;
    /// replaces the job's list). `none`: never; `default`: the config's default.
    #[arg(long = "notify", value_name = "NAME[:WHEN]")]
    pub notify: Vec<String>,
    /// Declare a run parameter and its default (repeatable; `KEY=` for an
    /// empty default). `jr run JOB --param KEY=VALUE` overrides it; shell jobs
    /// see JR_PARAM_KEY, agent prompts {{params.KEY}}.
    #[arg(long = "param-default", value_name = "KEY=VALUE")]
    pub param_defaults: Vec<String>,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// A slug: lower-case letters, digits, - _ .
    pub name: String,
    #[command(flatten)]
    pub flags: JobFlags,
    /// Add it disabled.
    #[arg(long)]
    pub disabled: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    pub name: String,
    #[command(flatten)]
    pub flags: JobFlags,
    /// Rename the job.
    #[arg(long)]
    pub rename: Option<String>,
    /// Remove the schedule: run on demand only.
    #[arg(long, conflicts_with = "cron")]
    pub no_cron: bool,
    /// Remove the timeout.
    #[arg(long, conflicts_with = "timeout")]
    pub no_timeout: bool,
    /// Remove an environment variable.
    #[arg(long = "unset-env", value_name = "K")]
    pub unset_env: Vec<String>,
    /// agents: remove every --on-success and --on-failure link.
    #[arg(long, conflicts_with_all = ["on_success", "on_failure"])]
    pub no_chains: bool,
    /// Stop taking tasks (undo --takes-tasks).
    #[arg(long, conflicts_with = "takes_tasks")]
    pub no_takes_tasks: bool,
    /// Remove a declared run parameter (repeatable).
    #[arg(long = "unset-param", value_name = "KEY")]
    pub unset_params: Vec<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct JsonArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct NameArgs {
    pub name: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    pub name: String,
    /// Do not ask.
    #[arg(long, short)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub file: PathBuf,
}

fn apply(def: &mut JobDef, f: JobFlags) -> Result<()> {
    if let Some(c) = f.cron {
        def.schedule = Some(c);
    }
    if let Some(t) = f.tz {
        def.tz = Some(t);
    }
    if let Some(c) = f.command {
        def.command = c;
    }
    if let Some(c) = f.cwd {
        def.cwd = Some(c);
    }
    for kv in f.env {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| Error::user(format!("--env {kv:?} must be K=V")))?;
        def.env.insert(k.to_string(), v.to_string());
    }
    if let Some(t) = f.timeout {
        def.timeout = Some(t);
    }
    if let Some(r) = f.retries {
        def.retries = r;
    }
    if let Some(b) = f.retry_backoff {
        def.retry_backoff = Some(b);
    }
    if let Some(o) = f.overlap {
        def.overlap = o;
    }
    if let Some(m) = f.misfire {
        def.misfire = m;
    }
    if let Some(d) = f.description {
        def.description = d;
    }
    // agents
    super::agent_jobs::apply_job_flags(def, f.agent);
    if let Some(j) = f.dagster {
        def.kind = "dagster".into();
        def.dagster_job = Some(j);
        def.dagster_assets.clear();
        def.dagster_partition = None;
    }
    if !f.dagster_assets.is_empty() {
        def.kind = "dagster".into();
        def.dagster_job = None;
        def.dagster_assets = f.dagster_assets;
    }
    if let Some(p) = f.dagster_partition {
        def.dagster_partition = Some(p).filter(|p| !p.trim().is_empty());
    }
    if let Some(c) = f.dagster_config {
        def.dagster_config = Some(super::dagster_launch::file_or_text(&c)?);
    }
    if let Some(i) = f.instance {
        def.dagster_instance = Some(i);
    }
    for kv in &f.param_defaults {
        let (k, v) = crate::domain::params::parse_pair(kv)
            .map_err(|e| Error::user(format!("--param-default: {e}")))?;
        def.params.insert(k, v);
    }
    apply_notify(def, f.notify)
}

/// `--notify`: the list replaces the job's; `none` clears it, `default`
/// goes back to the config's default.
fn apply_notify(def: &mut JobDef, list: Vec<String>) -> Result<()> {
    if list.is_empty() {
        return Ok(());
    }
    let special = |w: &str| list.iter().any(|s| s.trim() == w);
    if (special("none") || special("default")) && list.len() > 1 {
        return Err(Error::user(
            "--notify none and --notify default stand alone; drop the other --notify flags",
        ));
    }
    def.notify = if special("default") {
        None
    } else if special("none") {
        Some(Vec::new())
    } else {
        Some(list)
    };
    Ok(())
}

pub fn run(ctx: &Ctx, cmd: JobsCmd) -> Result<i32> {
    let engine = ctx.engine()?;
    let e = &engine;
    match cmd {
        JobsCmd::Add(a) => {
            let mut def = JobDef {
                name: a.name,
                kind: "shell".into(),
                enabled: !a.disabled,
                ..Default::default()
            };
            apply(&mut def, a.flags)?;
            let job = e.add_job(&def)?;
            print_job_line(e, &job, a.json, "added")
        }
        JobsCmd::List(a) => {
            let jobs = e.list_jobs()?;
            let views = e.job_views(&jobs)?;
            if a.json {
                output::json(&views)?;
            } else if views.is_empty() {
                output::out(
                    "no jobs yet; add one with `jr jobs add NAME --cron \"0 7 * * *\" --command CMD`\n",
                )?;
            } else {
                output::out(&job_table(e, &jobs, &views).render())?;
            }
            Ok(0)
        }
        JobsCmd::Show(a) => {
            let job = e.get_job(&a.name)?;
            let view = e.job_views(std::slice::from_ref(&job))?.remove(0);
            let runs = e.list_runs(&crate::store::runs::RunFilter {
                job: Some(job.name.clone()),
                limit: 10,
                ..Default::default()
            })?;
            if a.json {
                #[derive(serde::Serialize)]
                struct Shown<'a> {
                    #[serde(flatten)]
                    job: &'a JobOut,
                    upcoming: Vec<String>,
                    recent_runs: &'a [crate::domain::Run],
                }
                let upcoming = upcoming(e, &job, 5)
                    .iter()
                    .map(|t| t.to_rfc3339())
                    .collect();
                output::json(&Shown {
                    job: &view,
                    upcoming,
                    recent_runs: &runs,
                })?;
            } else {
                output::out(&render_job(e, &job, &view, &runs))?;
            }
            Ok(0)
        }
        JobsCmd::Edit(a) => {
            let old = e.get_job(&a.name)?;
            let mut def = def_of(&old);
            for k in &a.unset_params {
                if def.params.remove(k).is_none() {
                    return Err(Error::user(format!(
                        "job {} has no parameter {k:?} to unset",
                        old.name
                    )));
                }
            }
            apply(&mut def, a.flags)?;
            if a.no_cron {
                def.schedule = None;
            }
            if a.no_timeout {
                def.timeout = None;
            }
            for k in &a.unset_env {
                def.env.remove(k);
            }
            if a.no_chains {
                def.on_success.clear();
                def.on_failure.clear();
            }
            if a.no_takes_tasks {
                def.takes_tasks = None;
            }
            if let Some(n) = a.rename {
                def.name = n;
            }
            let job = e.update_job(&a.name, &def)?;
            print_job_line(e, &job, a.json, "updated")
        }
        JobsCmd::Enable(a) => {
            let job = e.set_job_enabled(&a.name, true)?;
            print_job_line(e, &job, a.json, "enabled")
        }
        JobsCmd::Disable(a) => {
            let job = e.set_job_enabled(&a.name, false)?;
            print_job_line(e, &job, a.json, "disabled")
        }
        JobsCmd::Rm(a) => {
            let job = e.get_job(&a.name)?;
            if !a.yes {
                super::confirm(&format!("remove job {}?", job.name))?;
            }
            e.remove_job(&job.name)?;
            output::out(&format!(
                "removed job {} (its runs stay in the history)\n",
                job.name
            ))?;
            Ok(0)
        }
        JobsCmd::Export => {
            let text =
                toml::to_string(&e.export_jobs()?).map_err(|err| Error::user(err.to_string()))?;
            output::out(&text)?;
            Ok(0)
        }
        JobsCmd::Import(a) => {
            let text = std::fs::read_to_string(&a.file)
                .map_err(|err| Error::user(format!("cannot read {}: {err}", a.file.display())))?;
            let file: JobFile = toml::from_str(&text).map_err(|err| {
                let line = err
                    .span()
                    .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
                Error::user(format!(
                    "{}{}: {}",
                    a.file.display(),
                    line.map(|l| format!(", line {l}")).unwrap_or_default(),
                    err.message()
                ))
            })?;
            let (added, replaced) = e.import_jobs(&file)?;
            output::out(&format!(
                "imported {} jobs: {added} added, {replaced} replaced\n",
                added + replaced
            ))?;
            Ok(0)
        }
    }
}

pub fn upcoming(e: &Engine, job: &Job, n: usize) -> Vec<chrono::DateTime<chrono_tz::Tz>> {
    let Some(expr) = &job.schedule else {
        return Vec::new();
    };
    let Ok(cron) = crate::schedule::CronSchedule::parse(expr) else {
        return Vec::new();
    };
    if !job.enabled {
        return Vec::new();
    }
    cron.upcoming(e.now().max(job.fired_through), e.job_tz(job), n)
}

/// "weekdays at 07:00 KST", or "on demand".
pub fn schedule_words(e: &Engine, job: &Job) -> String {
    match &job.schedule {
        None => "on demand".into(),
        Some(expr) => words::describe(expr, &words::tz_label(e.job_tz(job), e.now())),
    }
}

fn print_job_line(e: &Engine, job: &Job, json: bool, verb: &str) -> Result<i32> {
    if json {
        output::json(&e.job_views(std::slice::from_ref(job))?.remove(0))?;
        return Ok(0);
    }
    let next = e
        .next_fire(job, e.now())
        .map(|t| format!("; next {}", t.format("%Y-%m-%d %H:%M %Z")))
        .unwrap_or_default();
    output::out(&format!(
        "{verb} job {} ({}{next})\n",
        job.name,
        schedule_words(e, job)
    ))?;
    Ok(0)
}

fn job_table(e: &Engine, jobs: &[Job], views: &[JobOut]) -> Table {
    let mut t = Table::new(&["NAME", "SCHEDULE", "NEXT", "LAST", "COMMAND"]);
    for (j, v) in jobs.iter().zip(views) {
        let next = e
            .next_fire(j, e.now())
            .map(|t| crate::domain::due::relative(t.with_timezone(&chrono::Utc), e.now()))
            .unwrap_or_else(|| {
                if j.enabled {
                    "-".into()
                } else {
                    "disabled".into()
                }
            });
        let last = v
            .last_run
            .as_ref()
            .map(|r| r.status.clone())
            .unwrap_or_default();
        t.row(vec![
            styled(
                j.name.clone(),
                if j.enabled { output::BOLD } else { output::DIM },
            ),
            schedule_words(e, j).into(),
            next.into(),
            styled(last.clone(), run_status_style(&last)),
            styled(fit(&one_line(&what_it_runs(v)), 50), output::DIM),
        ]);
    }
    t
}

fn render_job(e: &Engine, job: &Job, v: &JobOut, runs: &[crate::domain::Run]) -> String {
    let mut s = format!(
        "{}  {}\n",
        paint(output::BOLD, &job.name),
        paint(output::DIM, &v.kind)
    );
    let mut field = |k: &str, val: String| {
        s.push_str(&format!(
            "  {}{val}\n",
            paint(output::DIM, &format!("{k:<13}"))
        ))
    };
    if !job.description.is_empty() {
        field("description", job.description.clone());
    }
    field(
        "schedule",
        match &job.schedule {
            Some(expr) => format!("{expr}  ({})", schedule_words(e, job)),
            None => "on demand".into(),
        },
    );
    field("time zone", v.tz.clone());
    field(
        "enabled",
        if job.enabled {
            "yes".into()
        } else {
            "no".into()
        },
    );
    if !v.command.is_empty() {
        field("command", v.command.clone());
    }
    // agents
    for (k, val) in super::agent_jobs::job_fields(v) {
        field(k, val);
    }
    if let Some(dj) = &v.dagster_job {
        field("dagster job", dj.clone());
    }
    if !v.dagster_assets.is_empty() {
        field("dagster assets", v.dagster_assets.join(", "));
    }
    if let Some(p) = &v.dagster_partition {
        field("partition", p.clone());
    }
    if let Some(i) = &v.dagster_instance {
        field("instance", i.clone());
    }
    if let Some(c) = &v.cwd {
        field("cwd", c.clone());
    }
    let env: BTreeMap<_, _> = v.env.iter().collect();
    for (k, val) in env {
        field("env", format!("{k}={val}"));
    }
    field(
        "timeout",
        v.timeout.clone().unwrap_or_else(|| "none".into()),
    );
    field(
        "retries",
        format!("{} (backoff {}, doubling)", v.retries, v.retry_backoff),
    );
    field(
        "notify",
        match &v.notify {
            None => "the config's default".into(),
            Some(l) if l.is_empty() => "none".into(),
            Some(l) => l.join(", "),
        },
    );
    for (k, val) in &v.params {
        let val = crate::text::visible(val, false);
        field("param", format!("{k}={}  (default)", one_line(&val)));
    }
    field("overlap", v.overlap.to_string());
    field("misfire", v.misfire.to_string());
    let next = upcoming(e, job, 5);
    if !next.is_empty() {
        s.push_str(&format!("\n{}\n", paint(output::BOLD, "next fires")));
        for t in next {
            s.push_str(&format!("  {}\n", t.format("%Y-%m-%d %a %H:%M:%S %Z")));
        }
    }
    if !runs.is_empty() {
        s.push_str(&format!("\n{}\n", paint(output::BOLD, "recent runs")));
        s.push_str(&super::runs::run_table(e, runs).render());
    }
    s
}

/// The command, or the Dagster job a dagster job launches.
fn what_it_runs(v: &JobOut) -> String {
    match (&v.dagster_job, &v.agent, &v.ambient) {
        (Some(j), _, _) => format!("dagster: {j}"),
        _ if !v.dagster_assets.is_empty() => {
            format!("dagster assets: {}", v.dagster_assets.join(", "))
        }
        (_, Some(a), _) => format!("agent {a}"),
        (_, _, Some(t)) => format!("ambient {t}"),
        _ => v.command.clone(),
    }
}
