//! The scheduler driver: one tokio task per process that wants to fire jobs
//! (the daemon, or the TUI when no daemon runs). It holds the database's
//! lease, sleeps until the next fire across all enabled jobs, records each
//! fire under a unique (job, fire time) key, starts queued runs within the
//! concurrency limit, and notices other processes' changes through an inotify
//! watch on the database, confirmed by SQLite's `data_version` (with a slow
//! poll as the fallback). Fires themselves are never polled for.

mod late;
pub mod runner;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::domain::{Job, Run};
use crate::engine::runs::{CronCache, FireJob, Me, Watch};
use crate::engine::shared::Shared;
use crate::error::Result;
use crate::schedule::fires::{self, FireAction};
use late::{behind, stop_orphans};
pub use runner::{StopReason, Stopper};

/// A run whose work ends within this is cheap (see `free_slots`).
const CHEAP_RUN: Duration = Duration::from_millis(100);

#[derive(Debug, Clone)]
pub struct Settings {
    pub role: String,
    pub concurrency: usize,
    /// Runs of one `overlap = "allow"` job at once.
    pub per_job: usize,
    pub lease_ttl: Duration,
    pub shutdown_grace: Duration,
    pub misfire_grace: Duration,
    pub output_cap: u64,
    pub keep_per_job: usize,
    pub keep_days: u32,
    /// How often other processes' changes are looked for without a file
    /// watch (with one, this is only a safety net).
    pub poll: Duration,
}

impl Settings {
    pub fn from_config(cfg: &Config, role: &str) -> Settings {
        Settings {
            role: role.to_string(),
            concurrency: cfg.scheduler.concurrency,
            per_job: cfg.scheduler.per_job,
            lease_ttl: cfg.scheduler.lease_ttl,
            shutdown_grace: cfg.scheduler.shutdown_grace,
            misfire_grace: cfg.scheduler.misfire_grace,
            output_cap: cfg.runs.output_cap,
            keep_per_job: cfg.runs.keep_per_job,
            keep_days: cfg.runs.keep_days,
            poll: Duration::from_secs(10),
        }
    }
}

pub struct Scheduler {
    db: Shared,
    s: Settings,
    me: Me,
    holding: bool,
    jobs: HashMap<i64, Watch>,
    /// The watched jobs by their next fire: a pass looks only at those due,
    /// and the next wake is the first entry (not a walk over every job).
    due: BTreeSet<(DateTime<Utc>, i64)>,
    jobs_rev: Option<i64>,
    data_version: Option<i64>,
    in_flight: HashMap<i64, Stopper>,
    /// Runs whose work has not ended yet, with when they started: these
    /// hold the slots (a run whose process ended frees its slot while its
    /// end is still being written).
    live: HashMap<i64, Instant>,
    exited_tx: mpsc::UnboundedSender<i64>,
    exited_rx: mpsc::UnboundedReceiver<i64>,
    /// Recent runs' time from start to their work's end, smoothed.
    recent_run: Option<Duration>,
    /// Records the ends of this scheduler's runs, in batches.
    ender: Option<runner::Ender>,
    done_tx: mpsc::UnboundedSender<i64>,
    done_rx: mpsc::UnboundedReceiver<i64>,
    next_heartbeat: Instant,
    next_prune: Instant,
    /// Earliest backoff of a queued retry.
    next_retry: Option<DateTime<Utc>>,
    /// Look at queued runs again on the next pass.
    recheck: bool,
    /// Wakes the loop when another process writes the database.
    watch: Option<crate::engine::watch::DbWatch>,
    /// Quick re-checks left after a file event: the event comes with the
    /// first WAL write, possibly before the writer's commit is visible.
    burst: u8,
    /// Since when this process has held the lease without a break: a fire
    /// after it that is reached late was missed by a scheduler that was
    /// behind, not absent.
    awake_since: Option<DateTime<Utc>>,
    /// The wall and monotonic clocks at the last pass: when the wall clock
    /// ran ahead of the monotonic one, the machine was asleep (suspended)
    /// and no scheduler ran meanwhile.
    last_pass: Option<(DateTime<Utc>, Instant)>,
}

/// What a caller can observe about the scheduler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holding {
    Yes,
    No,
}

impl Scheduler {
    pub fn new(db: Shared, s: Settings, me: Me) -> Scheduler {
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        let (exited_tx, exited_rx) = mpsc::unbounded_channel();
        Scheduler {
            db,
            s,
            me,
            holding: false,
            jobs: HashMap::new(),
            due: BTreeSet::new(),
            jobs_rev: None,
            data_version: None,
            in_flight: HashMap::new(),
            live: HashMap::new(),
            exited_tx,
            exited_rx,
            recent_run: None,
            ender: None,
            done_tx,
            done_rx,
            next_heartbeat: Instant::now(),
            next_prune: Instant::now() + Duration::from_secs(60),
            next_retry: None,
            recheck: true,
            watch: None,
            burst: 0,
            awake_since: None,
            last_pass: None,
        }
    }

    /// Run until `shutdown` fires; then stop firing, let running runs finish
    /// within the grace period, interrupt the rest and give the lease back.
    /// `holding` reports whether this process holds the lease, as it changes.
    pub async fn run(
        mut self,
        shutdown: CancellationToken,
        holding: Option<tokio::sync::watch::Sender<Holding>>,
    ) -> Result<()> {
        let path = self
            .db
            .call(|e| Ok(e.store().path().map(|p| p.to_path_buf())))
            .await?;
        self.watch = path.as_deref().and_then(crate::engine::watch::watch);
        self.ender = Some(runner::Ender::start(self.db.clone()));
        if self.watch.is_none() {
            self.s.poll = self.s.poll.min(Duration::from_millis(250));
            tracing::warn!(
                "no file watch on the database; polling every {:?}",
                self.s.poll
            );
        }
        let changed = self
            .watch
            .as_ref()
            .map(|w| w.changed.clone())
            .unwrap_or_default();
        // Notifications go out from their own tasks, while this process holds the lease.
        let notify_stop = shutdown.child_token();
        let _stop_notify = notify_stop.clone().drop_guard();
        tokio::spawn(crate::engine::notify::deliver::run(
            self.db.clone(),
            self.me.holder.clone(),
            notify_stop,
        ));
        loop {
            if Instant::now() >= self.next_heartbeat {
                let was = self.holding;
                if let Err(e) = self.heartbeat().await {
                    // Retrying a read-only database forever looks healthy
                    // from outside: stop, and say why.
                    tracing::error!("scheduler stopping: {e}");
                    self.shutdown().await;
                    return Err(e);
                }
                if was != self.holding
                    && let Some(h) = &holding
                {
                    let _ = h.send(if self.holding {
                        Holding::Yes
                    } else {
                        Holding::No
                    });
                }
            }
            if self.holding
                && let Err(e) = self.tick().await
            {
                tracing::error!("scheduler: {e}");
            }
            let wake = self.next_wake();
            tokio::select! {
                _ = shutdown.cancelled() => break,
                Some(id) = self.done_rx.recv() => {
                    self.in_flight.remove(&id);
                    self.live.remove(&id);
                    // Every run that ended meanwhile frees its slot before
                    // the next pass: one claim fills them all.
                    while let Ok(id) = self.done_rx.try_recv() {
                        self.in_flight.remove(&id);
                        self.live.remove(&id);
                    }
                    self.recheck = true;
                }
                Some(id) = self.exited_rx.recv() => {
                    self.exited(id);
                    while let Ok(id) = self.exited_rx.try_recv() {
                        self.exited(id);
                    }
                    self.recheck = true;
                }
                _ = tokio::time::sleep_until(wake) => {}
                _ = changed.notified() => self.burst = 5,
            }
        }
        self.shutdown().await;
        Ok(())
    }

    /// Renew or take the lease; an error only when the database cannot be
    /// written at all (anything passing is logged and retried).
    async fn heartbeat(&mut self) -> Result<()> {
        self.next_heartbeat = Instant::now() + self.s.lease_ttl / 3;
        let (me, role, ttl) = (
            self.me.clone(),
            self.s.role.clone(),
            chrono::Duration::from_std(self.s.lease_ttl).unwrap_or_default(),
        );
        let before = self.db.call(|e| e.lease()).await.ok().flatten();
        match self
            .db
            .call(move |e| e.acquire_lease(&me, &role, ttl))
            .await
        {
            Ok(true) => {
                if !self.holding {
                    tracing::info!(holder = %self.me.holder, "took the scheduler lease");
                    self.jobs_rev = None;
                    self.recheck = true;
                    self.awake_since = Some(Utc::now());
                    self.last_pass = None;
                }
                self.holding = true;
                let previous = before
                    .filter(|l| l.holder != self.me.holder)
                    .map(|l| l.holder);
                // Runs following a Dagster run are resumed, not lost.
                let (me, prev) = (self.me.clone(), previous.clone());
                match self
                    .db
                    .call(move |e| e.adopt_external(&me, prev.as_deref()))
                    .await
                {
                    Ok(adopted) => {
                        for (run, job, x) in adopted {
                            self.spawn_resume(run, job, x);
                        }
                    }
                    Err(e) => tracing::error!("resuming runs of external work: {e}"),
                }
                let me = self.me.clone();
                match self
                    .db
                    .call(move |e| e.mark_lost(&me, previous.as_deref()))
                    .await
                {
                    Ok(lost) => {
                        stop_orphans(&lost, &self.me);
                        for r in &lost {
                            runner::notify_lost(&self.db, r.id).await;
                        }
                    }
                    Err(e) => tracing::error!("checking for lost runs: {e}"),
                }
            }
            Ok(false) => {
                if self.holding {
                    tracing::warn!("lost the scheduler lease to another process; no longer firing");
                }
                self.holding = false;
                self.awake_since = None;
            }
            Err(e) if e.kind == crate::error::ErrorKind::Unwritable => return Err(e),
            Err(e) => tracing::error!("scheduler lease: {e}"),
        }
        if self.holding && Instant::now() >= self.next_prune {
            self.next_prune = Instant::now() + Duration::from_secs(3600);
            let (keep, days) = (self.s.keep_per_job, self.s.keep_days);
            match self.db.call(move |e| e.prune_runs(keep, days)).await {
                Ok(n) if n > 0 => tracing::info!("pruned {n} old runs"),
                Ok(_) => {}
                Err(e) => tracing::warn!("pruning runs: {e}"),
            }
        }
        Ok(())
    }

    async fn tick(&mut self) -> Result<()> {
        self.burst = self.burst.saturating_sub(1);
        if self.next_retry.is_some_and(|t| t <= Utc::now()) {
            self.recheck = true;
        }
        // One trip to the database per pass: whether another process wrote
        // (then: job changes, cancel requests) and, when slots are free and
        // there may be work, the queued runs that start now.
        let known = self.data_version;
        let free = self.free_slots();
        let recheck = std::mem::take(&mut self.recheck);
        let (me, per_job) = (self.me.clone(), self.s.per_job);
        let pass = self
            .db
            .call(move |e| {
                let dv = e.data_version()?;
                let changed = known != Some(dv);
                let seen = match changed {
                    true => Some((e.jobs_revision()?, e.cancel_requests(&me)?)),
                    false => None,
                };
                let claimed = match free > 0 && (recheck || changed) {
                    true => Some(e.claim_startable(&me, free, per_job)?),
                    false => None,
                };
                Ok((dv, seen, claimed))
            })
            .await;
        let (dv, seen, claimed) = match pass {
            Ok(p) => p,
            Err(e) => {
                self.recheck = recheck;
                return Err(e);
            }
        };
        self.data_version = Some(dv);
        if let Some((runs, wake)) = claimed {
            self.next_retry = wake;
            for (run, job) in runs {
                self.spawn_run(run, job);
            }
        }
        if let Some((rev, cancels)) = seen {
            for id in cancels {
                if let Some(s) = self.in_flight.get(&id) {
                    s.stop(StopReason::Cancelled);
                }
            }
            if self.jobs_rev != Some(rev) {
                self.reload_jobs().await?;
                self.jobs_rev = Some(rev);
            }
        }
        self.fire_due().await?;
        if self.recheck {
            self.start_queued().await?;
        }
        Ok(())
    }

    async fn reload_jobs(&mut self) -> Result<()> {
        let jobs = self.db.call(|e| e.scheduled_watch()).await?;
        self.jobs.clear();
        self.due.clear();
        self.jobs.shrink_to(jobs.len());
        for w in jobs {
            if let Some(t) = w.next {
                self.due.insert((t, w.job.id));
            }
            self.jobs.insert(w.job.id, w);
        }
        tracing::debug!(jobs = self.jobs.len(), "watching scheduled jobs");
        Ok(())
    }

    async fn fire_due(&mut self) -> Result<()> {
        let now = Utc::now();
        let mono = Instant::now();
        // Asleep (suspended) since the last pass: nothing ran meanwhile.
        if let Some((wall, at)) = self.last_pass {
            let wall_gap = now - wall;
            let mono_gap = chrono::Duration::from_std(mono - at).unwrap_or_default();
            if wall_gap - mono_gap > fires::ON_TIME {
                let woke = now - mono_gap;
                self.awake_since = Some(self.awake_since.map_or(woke, |a| a.max(woke)));
            }
        }
        self.last_pass = Some((now, mono));
        let grace = chrono::Duration::from_std(self.s.misfire_grace).unwrap_or_default();
        let awake = self.awake_since;
        let mut plans: Vec<(FireJob, Vec<FireAction>, DateTime<Utc>)> = Vec::new();
        let mut crons = CronCache::default();
        while let Some(&(at, id)) = self.due.first() {
            if at > now {
                break;
            }
            self.due.pop_first();
            let Some(w) = self.jobs.get_mut(&id) else {
                continue;
            };
            let (Some(cron), _) = crons.get(&w.expr) else {
                w.next = None;
                continue;
            };
            let from = w.fired_through;
            let actions = match awake.filter(|a| *a < now) {
                // Part of the span passed while this process held the
                // lease: those fires were reached late, not missed.
                Some(a) if a > from => {
                    let mut v = fires::plan(cron, w.tz, from, a, w.misfire, grace);
                    v.extend(behind(cron, w.tz, a, now, grace));
                    v
                }
                Some(_) => behind(cron, w.tz, from, now, grace),
                None => fires::plan(cron, w.tz, from, now, w.misfire, grace),
            };
            plans.push((w.job.clone(), actions, now));
            w.fired_through = now;
            w.next = cron.next_after(now, w.tz).map(|t| t.with_timezone(&Utc));
            if let Some(t) = w.next {
                self.due.insert((t, id));
            }
        }
        if plans.is_empty() {
            return Ok(());
        }
        let n: usize = plans.iter().map(|p| p.1.len()).sum();
        let queued = self.db.call(move |e| e.record_fires(&plans)).await?;
        tracing::info!(fires = n, queued = queued.len(), "recorded fires");
        self.recheck = true;
        Ok(())
    }

    async fn start_queued(&mut self) -> Result<()> {
        self.recheck = false;
        let slots = self.free_slots();
        if slots == 0 {
            return Ok(());
        }
        let me = self.me.clone();
        let per_job = self.s.per_job;
        let (runs, wake) = self
            .db
            .call(move |e| e.claim_startable(&me, slots, per_job))
            .await?;
        self.next_retry = wake;
        for (run, job) in runs {
            self.spawn_run(run, job);
        }
        Ok(())
    }

    /// A run's work ended: its slot is free, and its time tells how cheap
    /// runs are.
    fn exited(&mut self, id: i64) {
        if let Some(at) = self.live.remove(&id) {
            let took = at.elapsed();
            self.recent_run = Some(match self.recent_run {
                None => took,
                Some(r) => (r * 7 + took) / 8,
            });
        }
    }

    /// Slots free for new runs. `concurrency` runs at once; while the
    /// recent runs were cheap (their work ended within `CHEAP_RUN`), up to
    /// twice that, as a run still going after `CHEAP_RUN` counts twice: a
    /// burst of short jobs keeps the cores busy through each run's start
    /// and end, and longer runs are held to `concurrency` as they age.
    fn free_slots(&self) -> usize {
        let n = self.s.concurrency;
        let cheap = self.recent_run.is_some_and(|d| d < CHEAP_RUN);
        if !cheap {
            return n.saturating_sub(self.live.len());
        }
        let aged = self
            .live
            .values()
            .filter(|at| at.elapsed() >= CHEAP_RUN)
            .count();
        (2 * n).saturating_sub(self.live.len() + aged)
    }

    fn spawn_run(&mut self, run: Run, job: Job) {
        let stopper = Stopper::default();
        self.in_flight.insert(run.id, stopper.clone());
        self.live.insert(run.id, Instant::now());
        let exited = self.exited_tx.clone();
        let (db, done, cap) = (self.db.clone(), self.done_tx.clone(), self.s.output_cap);
        let ender = self.ender.clone();
        tracing::info!(job = %job.name, run = run.id, trigger = %run.trigger, "starting");
        tokio::spawn(async move {
            let id = run.id;
            let name = job.name.clone();
            let status = match &ender {
                Some(ends) => {
                    runner::execute_batched(db, run, job, cap, stopper, ends, exited).await
                }
                None => runner::execute(db, run, job, cap, stopper).await,
            };
            tracing::info!(job = %name, run = id, %status, "finished");
            let _ = done.send(id);
        });
    }

    /// Follow again a run whose jr process is gone (its work runs elsewhere).
    fn spawn_resume(&mut self, run: Run, job: Job, x: crate::domain::external::External) {
        let stopper = Stopper::default();
        self.in_flight.insert(run.id, stopper.clone());
        self.live.insert(run.id, Instant::now());
        let (db, done, cap) = (self.db.clone(), self.done_tx.clone(), self.s.output_cap);
        tracing::info!(job = %job.name, run = run.id, external = %x.id, "resuming");
        tokio::spawn(async move {
            let id = run.id;
            let name = job.name.clone();
            let status = runner::resume(db, run, job, x, cap, stopper).await;
            tracing::info!(job = %name, run = id, %status, "finished");
            let _ = done.send(id);
        });
    }

    fn next_wake(&self) -> Instant {
        let now_utc = Utc::now();
        let now = Instant::now();
        let mut wake = self.next_heartbeat;
        if self.holding {
            wake = wake.min(now + self.s.poll);
            if self.burst > 0 {
                wake = wake.min(now + Duration::from_millis(10));
            }
            let soonest = self
                .due
                .first()
                .map(|(t, _)| *t)
                .into_iter()
                .chain(self.next_retry)
                .min();
            if let Some(t) = soonest {
                let d = (t - now_utc).to_std().unwrap_or(Duration::ZERO);
                wake = wake.min(now + d);
            }
        }
        wake
    }

    async fn shutdown(mut self) {
        if !self.in_flight.is_empty() {
            tracing::info!(running = self.in_flight.len(), grace = ?self.s.shutdown_grace, "waiting for running runs");
            let deadline = Instant::now() + self.s.shutdown_grace;
            while !self.in_flight.is_empty() {
                tokio::select! {
                    Some(id) = self.done_rx.recv() => { self.in_flight.remove(&id); }
                    _ = tokio::time::sleep_until(deadline) => break,
                }
            }
            for s in self.in_flight.values() {
                s.stop(StopReason::Shutdown);
            }
            while !self.in_flight.is_empty() {
                match tokio::time::timeout(Duration::from_secs(10), self.done_rx.recv()).await {
                    Ok(Some(id)) => {
                        self.in_flight.remove(&id);
                    }
                    _ => break,
                }
            }
        }
        let _ = tokio::task::spawn_blocking(crate::exec::tree::sweep_now).await;
        if self.holding {
            let me = self.me.clone();
            if let Err(e) = self.db.call(move |e| e.release_lease(&me)).await {
                tracing::warn!("releasing the lease: {e}");
            } else {
                tracing::info!("released the scheduler lease");
            }
        }
    }
}

/// Execute one queued run in this process (when no scheduler holds the
/// lease). `stop` cancels it (Ctrl-C). Returns the finished run.
pub async fn run_in_foreground(
    db: Shared,
    me: Me,
    run_id: i64,
    output_cap: u64,
    stop: CancellationToken,
) -> Result<Run> {
    let claim_me = me.clone();
    let Some((run, job)) = db.call(move |e| e.claim_run(run_id, &claim_me)).await? else {
        return db.call(move |e| e.get_run(run_id)).await;
    };
    let stopper = Stopper::default();
    let s = stopper.clone();
    let watcher = tokio::spawn(async move {
        stop.cancelled().await;
        s.stop(StopReason::Cancelled);
    });
    runner::execute(db.clone(), run, job, output_cap, stopper).await;
    watcher.abort();
    crate::engine::notify::deliver::deliver_now(&db, run_id).await;
    // This process may exit next: what the run left behind goes now.
    let _ = tokio::task::spawn_blocking(crate::exec::tree::sweep_now).await;
    db.call(move |e| e.get_run(run_id)).await
}
