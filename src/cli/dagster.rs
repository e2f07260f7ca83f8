//! `jr dagster ...`: the Dagster instance at a glance, its jobs, runs,
//! schedules and sensors; launch, follow, terminate, start/stop, reload.
//! Also where `Ctx` resolves the Dagster settings (config + environment).

use std::collections::BTreeMap;

use clap::{Args, Subcommand};

use super::Ctx;
use super::dagster_assets as assets;
use super::dagster_launch::{after_launch, follow, parse_tags};
use super::dagster_show as show;
use super::output;
use crate::clients::dagster::Settings;
use crate::clients::dagster::api::RunsFilter;
use crate::engine::dagster::Dagster;
use crate::engine::dagster::views::find_instigator;
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct DagsterArgs {
    /// A [dagster.instances.NAME] from config.toml (default: the configured default).
    #[arg(long, global = true, value_name = "NAME")]
    pub instance: Option<String>,
    #[command(subcommand)]
    pub cmd: DagsterCmd,
}

#[derive(Debug, Subcommand)]
pub enum DagsterCmd {
    /// Reachable? Version, daemon heartbeat, code locations (and why one failed to load).
    Status(JsonArgs),
    /// Jobs by location and repository (internal `__` jobs hidden).
    Jobs(JsonArgs),
    /// Recent Dagster runs, newest first.
    Runs(RunsArgs),
    /// Launch a Dagster job (by bare name when unambiguous, or location/job).
    Launch(LaunchArgs),
    /// A run's event log and captured stdout/stderr.
    Logs(LogsArgs),
    /// Ask Dagster to stop a run.
    Terminate(TerminateArgs),
    /// Schedules with their state.
    Schedules(JsonArgs),
    /// Sensors with their state.
    Sensors(JsonArgs),
    /// Start a schedule or sensor (it fires only while Dagster's daemon runs).
    Start(NameArgs),
    /// Stop a schedule or sensor.
    Stop(NameArgs),
    /// Reload a code location (after its code changed or failed to load):
    /// how new assets and jobs appear.
    Reload(ReloadArgs),
    /// Assets with their group, last materialization, state, partitions and checks.
    Assets(assets::AssetsArgs),
    /// One asset: lineage (upstream, downstream), materializations, checks.
    Asset(assets::AssetArgs),
    /// Materialize assets (one code location), followed like a launch.
    Materialize(assets::MaterializeArgs),
}

#[derive(Debug, Args)]
pub struct JsonArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    /// Only runs of this Dagster job.
    #[arg(long)]
    pub job: Option<String>,
    /// Only these statuses (repeatable): queued, started, success, failure, canceled, ...
    #[arg(long = "status", short = 's')]
    pub statuses: Vec<String>,
    #[arg(long, short = 'n', default_value_t = 20)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LaunchArgs {
    pub job: String,
    #[command(flatten)]
    pub flags: super::dagster_launch::LaunchFlags,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// A Dagster run id (or its first 8 characters, or a jr run id).
    pub run_id: String,
    /// Keep printing until the run ends.
    #[arg(long, short)]
    pub follow: bool,
    /// Events as JSON lines.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TerminateArgs {
    pub run_id: String,
    /// Mark it canceled at once instead of asking it to stop.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct NameArgs {
    /// A schedule or sensor (name, or location/name).
    pub name: String,
}

#[derive(Debug, Args)]
pub struct ReloadArgs {
    pub location: String,
}

impl Ctx {
    /// The `[dagster]` config with `JR_DAGSTER_URL` and header values from
    /// the environment (read here, never stored).
    pub fn dagster_settings(&self) -> Settings {
        let url = std::env::var("JR_DAGSTER_URL").ok();
        Settings::resolve(&self.config.dagster, url.as_deref(), |var| {
            std::env::var(var).ok()
        })
    }
}

pub fn run(ctx: &Ctx, a: DagsterArgs) -> Result<i32> {
    let engine = ctx.engine()?;
    let dg = engine.dagster();
    let inst = a.instance.as_deref();
    // A jr run id names the Dagster run it follows.
    let to_dagster_id = |id: &str| -> Result<String> {
        if !id.is_empty() && id.len() < 8 && id.bytes().all(|b| b.is_ascii_digit()) {
            let n: i64 = id.parse().map_err(|_| Error::user("bad run id"))?;
            return match engine.run_external(n)? {
                Some(x) => Ok(x.id),
                None => Err(Error::user(format!(
                    "jr run {n} does not follow a Dagster run"
                ))),
            };
        }
        Ok(id.to_string())
    };
    let rt = crate::runtime::current_thread()?;
    let sensors = matches!(a.cmd, DagsterCmd::Sensors(_));
    let on = matches!(a.cmd, DagsterCmd::Start(_));
    match a.cmd {
        DagsterCmd::Status(j) => {
            let v = rt.block_on(dg.status(inst))?;
            if j.json {
                output::json(&v)?;
            } else {
                output::out(&show::status(&v))?;
            }
            Ok(if v.error.is_some() { 4 } else { 0 })
        }
        DagsterCmd::Jobs(j) => {
            let ws = rt
                .block_on(dg.client(inst)?.workspace())
                .map_err(Error::from)?;
            if j.json {
                let jobs: Vec<_> = ws.jobs().collect();
                output::json(&jobs)?;
            } else {
                output::out(&show::jobs(&ws))?;
            }
            Ok(0)
        }
        DagsterCmd::Runs(r) => {
            let f = RunsFilter {
                job: r.job,
                statuses: r.statuses.iter().map(|s| s.trim().to_uppercase()).collect(),
                tags: BTreeMap::new(),
                limit: r.limit,
            };
            let runs = rt.block_on(dg.runs(inst, &f))?;
            if r.json {
                output::json(&runs)?;
            } else {
                output::out(&show::runs(&runs, engine.tz()))?;
            }
            Ok(0)
        }
        DagsterCmd::Launch(l) => rt.block_on(launch(&dg, inst, l)),
        DagsterCmd::Logs(l) => {
            let id = to_dagster_id(&l.run_id)?;
            rt.block_on(async {
                let id = dg.find_run(inst, &id).await?;
                let c = dg.client(inst)?;
                follow(&c, &id, l.follow, l.json).await.map(|_| 0)
            })
        }
        DagsterCmd::Terminate(t) => {
            let id = to_dagster_id(&t.run_id)?;
            rt.block_on(async {
                let id = dg.find_run(inst, &id).await?;
                let before = dg.client(inst)?.terminate(&id, t.force).await?;
                let how = if t.force {
                    "marked canceled"
                } else {
                    "asked to terminate"
                };
                output::out(&format!("{how} Dagster run {id} (it was {before})\n"))?;
                Ok(0)
            })
        }
        DagsterCmd::Schedules(j) | DagsterCmd::Sensors(j) => {
            let ws = rt
                .block_on(dg.client(inst)?.workspace())
                .map_err(Error::from)?;
            let all: Vec<_> = ws
                .locations
                .iter()
                .flat_map(|l| if sensors { &l.sensors } else { &l.schedules })
                .collect();
            if j.json {
                output::json(&all)?;
            } else {
                output::out(&show::instigators(&all, sensors))?;
            }
            Ok(0)
        }
        DagsterCmd::Start(n) | DagsterCmd::Stop(n) => rt.block_on(async {
            let c = dg.client(inst)?;
            let ws = c.workspace().await?;
            let (it, sensor) = match find_instigator(&ws, &n.name, false) {
                Ok(s) => (s, false),
                Err(e) => match find_instigator(&ws, &n.name, true) {
                    Ok(s) => (s, true),
                    Err(_) => return Err(e.hint("no sensor has that name either")),
                },
            };
            let state = c.set_running(&it, sensor, on).await?;
            let what = if sensor { "sensor" } else { "schedule" };
            output::out(&format!(
                "{what} {}/{} is now {state}\n",
                it.location, it.name
            ))?;
            Ok(0)
        }),
        DagsterCmd::Assets(a) => rt.block_on(assets::list(&dg, inst, a, engine.tz())),
        DagsterCmd::Asset(a) => rt.block_on(assets::one(&dg, inst, a, engine.tz())),
        DagsterCmd::Materialize(m) => rt.block_on(assets::materialize(&dg, inst, m)),
        DagsterCmd::Reload(r) => {
            let loc = rt.block_on(dg.client(inst)?.reload(&r.location))?;
            match (&loc.status[..], &loc.error) {
                ("error", Some(err)) => Err(Error::service(format!(
                    "the code location {} failed to load:\n{err}",
                    loc.name
                ))
                .hint(format!(
                    "fix the code, then `jr dagster reload {}` again",
                    loc.name
                ))),
                _ => {
                    output::out(&format!(
                        "reloaded code location {}: {}\n",
                        loc.name, loc.status
                    ))?;
                    Ok(0)
                }
            }
        }
    }
}

async fn launch(dg: &Dagster, inst: Option<&str>, l: LaunchArgs) -> Result<i32> {
    let f = &l.flags;
    let (config, tags) = (f.config()?, parse_tags(&f.tags)?);
    let c = dg.client(inst)?;
    let (job, _) = dg.find_job(&c, &l.job).await?;
    let id = c.launch(&job, config.as_ref(), &tags).await?;
    after_launch(&c, &id, &job.path(), f.wait, f.json).await
}
