//! The worker's side of the Dagster pane and the header's health line. The
//! calls are async HTTP and never take the database lock: in the worker
//! thread they run on the worker's background runtime (worker/background.rs) and answer later through
//! the worker's channel (tagged with their request id like every answer),
//! so a slow or absent Dagster never holds up the other panes. Headless
//! tests run them in-line. Nothing touches the network when no instance is
//! configured.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::{Msg, Payload, Response, Slot, WorkerState};
use crate::clients::dagster::api::RunsFilter;
use crate::clients::dagster::types::{Instigator, Phase, Workspace, phase};
use crate::engine::dagster::Dagster;
use crate::engine::dagster::views::{RunView, StatusView, status_view};
use crate::error::{Error, Result};

/// How often the header's health line asks (only while the TUI runs).
pub const HEALTH_EVERY: Duration = Duration::from_secs(10);
/// Recent Dagster runs shown in the pane.
pub const RECENT_RUNS: usize = 30;

#[derive(Debug, Clone)]
pub enum DagsterAsk {
    /// The cheap status query for the header.
    Health,
    /// Health, jobs, schedules, sensors and recent runs for the pane.
    Overview,
    /// Launch a job (`location/repository/job`) with its run config (YAML
    /// or a JSON object), as `jr dagster launch --run-config` does.
    Launch {
        path: String,
        config: Option<String>,
    },
    /// Start (`true`) or stop a schedule or sensor.
    SetRunning {
        it: Box<Instigator>,
        sensor: bool,
        on: bool,
    },
    /// Every asset with its health and lineage, as `jr dagster assets`.
    Assets,
    /// Materialize assets (one partition for partitioned ones), as
    /// `jr dagster materialize KEY… [--partition P]`: the selection is
    /// checked first (keys, one location, the partition).
    Materialize {
        keys: Vec<String>,
        partition: Option<String>,
    },
    /// Wait for a run the pane launched to end (polled every second, for
    /// at most `FOLLOW_FOR`): how it ended, `what` naming it.
    Follow { run: String, what: String },
}

/// How long the pane follows a materialization it started.
pub const FOLLOW_FOR: Duration = Duration::from_secs(3600);

/// What the Dagster pane shows.
#[derive(Debug, Clone)]
pub struct DagsterOverview {
    pub status: StatusView,
    /// None when the instance did not answer.
    pub workspace: Option<Workspace>,
    pub runs: Vec<RunView>,
    /// Why the runs could not be read (the rest may still be there).
    pub runs_error: Option<String>,
}

/// The answer when no instance is configured: no network at all.
pub fn unconfigured(ask: &DagsterAsk) -> Payload {
    match ask {
        DagsterAsk::Health => Payload::DagsterHealth(None),
        DagsterAsk::Overview => Payload::DagsterOverview(None),
        DagsterAsk::Assets => Payload::DagsterAssets(None),
        _ => Payload::Failed(Error::config("no Dagster instance is configured").hint(
            "add [dagster.instances.NAME] url = \"...\" to config.toml, or set JR_DAGSTER_URL",
        )),
    }
}

/// One call, start to answer.
pub async fn answer(dg: Arc<Dagster>, ask: DagsterAsk) -> Payload {
    if !dg.settings().configured {
        return unconfigured(&ask);
    }
    let out = match ask {
        DagsterAsk::Health => dg
            .status(None)
            .await
            .map(|s| Payload::DagsterHealth(Some(Box::new(s)))),
        DagsterAsk::Overview => overview(&dg)
            .await
            .map(|o| Payload::DagsterOverview(Some(Box::new(o)))),
        DagsterAsk::Launch { path, config } => launch(&dg, &path, config.as_deref())
            .await
            .map(Payload::DagsterDone),
        DagsterAsk::SetRunning { it, sensor, on } => {
            async {
                let c = dg.client(None)?;
                let state = c.set_running(&it, sensor, on).await?;
                let what = if sensor { "sensor" } else { "schedule" };
                Ok(Payload::DagsterDone(format!(
                    "{what} {}/{} is now {state}",
                    it.location, it.name
                )))
            }
            .await
        }
        DagsterAsk::Assets => assets(&dg).await.map(|a| Payload::DagsterAssets(Some(a))),
        DagsterAsk::Materialize { keys, partition } => {
            materialize(&dg, &keys, partition.as_deref()).await
        }
        DagsterAsk::Follow { run, what } => follow(&dg, &run, &what).await,
    };
    out.unwrap_or_else(Payload::Failed)
}

/// The same call as `jr dagster assets`.
async fn assets(dg: &Dagster) -> Result<Vec<crate::clients::dagster::assets::Asset>> {
    Ok(dg.client(None)?.assets().await?)
}

/// The same calls as `jr dagster materialize KEY… [--partition P]` (no run
/// config, no tags); the pane follows the run with `Follow`.
async fn materialize(dg: &Dagster, keys: &[String], partition: Option<&str>) -> Result<Payload> {
    let c = dg.client(None)?;
    let sel = c.selection(keys, partition).await?;
    let id = c
        .materialize(&sel, partition, None, &std::collections::BTreeMap::new())
        .await?;
    let what = match partition {
        Some(p) => format!("{} (partition {p})", sel.describe()),
        None => sel.describe(),
    };
    Ok(Payload::DagsterLaunched {
        message: format!(
            "materializing {what}: Dagster run {}",
            &id[..id.len().min(8)]
        ),
        run: id,
        what,
    })
}

/// Poll the run until it ends: success is news, anything else an error
/// with the run's link.
async fn follow(dg: &Dagster, run: &str, what: &str) -> Result<Payload> {
    let c = dg.client(None)?;
    let short = &run[..run.len().min(8)];
    let until = std::time::Instant::now() + FOLLOW_FOR;
    loop {
        let r = c.run(run).await?;
        match phase(&r.status) {
            Phase::Success => {
                return Ok(Payload::DagsterDone(format!(
                    "materialized {what} (Dagster run {short})"
                )));
            }
            Phase::Active => {}
            _ => {
                return Err(Error::service(format!(
                    "materializing {what} ended {} (Dagster run {short})",
                    r.status
                ))
                .hint(format!("its log: {}", c.run_url(run))));
            }
        }
        if std::time::Instant::now() > until {
            return Ok(Payload::DagsterDone(format!(
                "{what}: Dagster run {short} is still {} after an hour; Ctrl-R shows it",
                r.status
            )));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn overview(dg: &Dagster) -> Result<DagsterOverview> {
    let c = dg.client(None)?;
    let ws = match c.workspace().await {
        Ok(ws) => ws,
        Err(e) => {
            let status = StatusView {
                instance: c.name().to_string(),
                url: c.base_url().to_string(),
                reachable: !e.is_unreachable(),
                version: None,
                daemon_heartbeat_age_s: None,
                daemons: Vec::new(),
                locations: Vec::new(),
                error: Some(Error::from(e).message),
            };
            return Ok(DagsterOverview {
                status,
                workspace: None,
                runs: Vec::new(),
                runs_error: None,
            });
        }
    };
    let status = status_view(c.name(), c.base_url(), &ws);
    let f = RunsFilter {
        limit: RECENT_RUNS,
        ..Default::default()
    };
    let (runs, runs_error) = match dg.runs(None, &f).await {
        Ok(r) => (r, None),
        Err(e) => (Vec::new(), Some(e.message)),
    };
    Ok(DagsterOverview {
        status,
        workspace: Some(ws),
        runs,
        runs_error,
    })
}

/// The same calls as `jr dagster launch JOB [--run-config TEXT]` (no tags).
async fn launch(dg: &Dagster, path: &str, config: Option<&str>) -> Result<String> {
    let config = match config {
        Some(t) => crate::engine::dagster::run_config(t)?,
        None => None,
    };
    let c = dg.client(None)?;
    let (job, _) = dg.find_job(&c, path).await?;
    let id = c
        .launch(&job, config.as_ref(), &std::collections::BTreeMap::new())
        .await?;
    Ok(format!(
        "launched Dagster run {} of {}",
        &id[..id.len().min(8)],
        job.path()
    ))
}

impl WorkerState {
    /// Whether an instance is configured (else the health poll stays off).
    pub fn dagster_configured(&self) -> bool {
        self.engine.dagster().settings().configured
    }

    /// Answer in-line (headless tests, and the rare caller without a loopback).
    pub(super) fn dagster_now(&mut self, ask: DagsterAsk) -> Payload {
        let dg = self.engine.dagster();
        if !dg.settings().configured {
            return unconfigured(&ask);
        }
        match self.background() {
            Ok(b) => b.block_on(answer(dg, ask)),
            Err(e) => Payload::Failed(e),
        }
    }

    /// Start the call on the runtime; its answer comes back through `back`.
    /// A health poll is skipped while the previous one is still out.
    pub(super) fn dagster_spawn(
        &mut self,
        id: u64,
        slot: Slot,
        ask: DagsterAsk,
        back: std::sync::mpsc::Sender<Msg>,
    ) -> Option<Payload> {
        let dg = self.engine.dagster();
        if !dg.settings().configured {
            return Some(unconfigured(&ask));
        }
        let health = matches!(ask, DagsterAsk::Health);
        let d = match self.background() {
            Ok(d) => d,
            Err(e) => return Some(Payload::Failed(e)),
        };
        let busy = d.health_busy.clone();
        if health && busy.swap(true, Ordering::SeqCst) {
            return None;
        }
        d.handle().spawn(async move {
            let payload = answer(dg, ask).await;
            if health {
                busy.store(false, Ordering::SeqCst);
            }
            let _ = back.send(Msg::Answer(Response { id, slot, payload }));
        });
        None
    }
}
