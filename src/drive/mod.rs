//! The scheduler driver: one tokio task per process that wants to fire jobs
//! (the daemon, or the TUI when no daemon runs). It holds the database's
//! lease, sleeps until the next fire across all enabled jobs, records each
//! fire under a unique (job, fire time) key, starts queued runs within the
//! concurrency limit, and notices other processes' changes through an inotify
//! watch on the database, confirmed by SQLite's `data_version` (a poll only
//! where no watch can be had). Fires themselves are never polled for: idle,
//! it sleeps until the next fire, another process's write or the lease's
//! heartbeat.

mod fire;
mod late;
mod lease;
mod pass;
pub mod runner;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::domain::{Job, Run};
use crate::engine::lease::Me;
use crate::engine::runs::Watch;
use crate::engine::shared::Shared;
use crate::error::Result;
use pass::{Pass, one_pass};
pub use runner::{StopReason, Stopper};

/// A run whose work ends within this is cheap (see `free_slots`).
const CHEAP_RUN: Duration = Duration::from_millis(100);
/// How many times `concurrency` cheap runs may go at once. A 1,000-run
/// burst of `true` on 2 cores (concurrency 8 by default), p99 to start:
/// 2x 0.97 s, 3x 0.89 s, 4x 0.89 s, 6x 0.88 s (bench/scheduler.py's burst,
/// means of 2-4 interleaved rounds; each shell born in its cgroup).
const CHEAP_SLOTS: usize = 3;
/// A file event this soon after the scheduler's own write is taken for its
/// echo.
const ECHO: Duration = Duration::from_millis(100);
/// An echo is looked at this long after the last of its wave (passes that
/// go to the database meanwhile look as well).
const ECHO_LOOK: Duration = Duration::from_millis(50);

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
    /// watch (with one, the watch wakes the scheduler, and every heartbeat
    /// looks as well).
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
            poll: Duration::from_millis(250),
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
    /// Where this scheduler's runs send their ends; they are written in
    /// batches, with the claims of the runs taking their slots.
    ender: Option<runner::Ender>,
    end_rx: Option<runner::EndQueue>,
    ends: runner::PendingEnds,
    /// Runs that ended, and whether their end may have queued more (a
    /// retry, chained runs): written by this process's own connection, which
    /// `data_version` does not show, so the queue is looked at again.
    done_tx: mpsc::UnboundedSender<(i64, bool)>,
    done_rx: mpsc::UnboundedReceiver<(i64, bool)>,
    next_heartbeat: Instant,
    next_prune: Instant,
    /// Earliest backoff of a queued retry.
    next_retry: Option<DateTime<Utc>>,
    /// Look at queued runs again on the next pass.
    recheck: bool,
    /// A queued run waited for its job's running one at the last claim:
    /// a run's end written may let it start.
    blocked: bool,
    /// Look whether another process wrote on the next pass (a file event,
    /// a timer, the heartbeat); a wake for this scheduler's own runs does
    /// not need to.
    look: bool,
    /// Wakes the loop when another process writes the database.
    watch: Option<crate::engine::watch::DbWatch>,
    /// Quick re-checks left after a file event: the event comes with the
    /// first WAL write, possibly before the writer's commit is visible.
    burst: u8,
    /// When this scheduler last wrote: the file watch fires on its own
    /// writes too, and such an echo needs a look at once and one more soon
    /// (see `look_by`), not a burst of five.
    own_write: Option<Instant>,
    /// Look whether another process wrote by then at the latest (or with
    /// an earlier pass that goes to the database anyway).
    look_by: Option<Instant>,
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
            end_rx: None,
            ends: runner::PendingEnds::default(),
            done_tx,
            done_rx,
            next_heartbeat: Instant::now(),
            next_prune: Instant::now() + Duration::from_secs(60),
            next_retry: None,
            recheck: true,
            blocked: false,
            look: true,
            watch: None,
            burst: 0,
            own_write: None,
            look_by: None,
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
        let (ender, end_rx) = runner::Ender::channel();
        self.ender = Some(ender);
        self.end_rx = Some(end_rx);
        if self.watch.is_none() {
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
            let was = self.holding;
            if Instant::now() >= self.next_heartbeat
                && let Err(e) = self.heartbeat().await
            {
                // Retrying a read-only database forever looks healthy
                // from outside: stop, and say why.
                tracing::error!("scheduler stopping: {e}");
                self.shutdown().await;
                return Err(e);
            }
            if self.holding
                && let Err(e) = self.tick().await
            {
                tracing::error!("scheduler: {e}");
            }
            // The heartbeat took or lost the lease, or a pass saw another
            // process take it.
            if was != self.holding
                && let Some(h) = &holding
            {
                let _ = h.send(if self.holding {
                    Holding::Yes
                } else {
                    Holding::No
                });
            }
            // Not holding the lease (or the pass failed): the ends still go.
            self.write_ends().await;
            let wake = self.next_wake();
            tokio::select! {
                _ = shutdown.cancelled() => break,
                Some((id, more)) = self.done_rx.recv() => {
                    self.done(id, more);
                    // Every run that ended meanwhile frees its slot before
                    // the next pass: one claim fills them all.
                    while let Ok((id, more)) = self.done_rx.try_recv() {
                        self.done(id, more);
                    }
                }
                // The slot is free, and taken again when the run's end is
                // written (just after): one trip for both.
                Some(id) = self.exited_rx.recv() => {
                    self.exited(id);
                    while let Ok(id) = self.exited_rx.try_recv() {
                        self.exited(id);
                    }
                }
                Some(()) = recv_end(&mut self.end_rx, &mut self.ends) => {
                    while let Ok(id) = self.exited_rx.try_recv() {
                        self.exited(id);
                    }
                    if let Some(q) = self.end_rx.as_mut() {
                        q.drain(&mut self.ends);
                    }
                    self.recheck = true;
                }
                _ = tokio::time::sleep_until(wake) => self.look = true,
                _ = changed.notified() => match self.echo() {
                    // Another process's write, most likely: at once, and
                    // four more times 10 ms apart.
                    false => {
                        self.look = true;
                        self.burst = 5;
                    }
                    // Its own write, most likely. While its runs go, once
                    // after the last of the wave (passes that go to the
                    // database anyway look meanwhile): a look per echo
                    // would double the trips of a burst. Otherwise at once
                    // as well (`jr run` just after a run of this scheduler
                    // ended).
                    true => {
                        self.look |= self.in_flight.is_empty();
                        self.look_by = Some(Instant::now() + ECHO_LOOK);
                    }
                },
            }
        }
        self.shutdown().await;
        Ok(())
    }

    async fn tick(&mut self) -> Result<()> {
        self.burst = self.burst.saturating_sub(1);
        if self.next_retry.is_some_and(|t| t <= Utc::now()) {
            self.recheck = true;
        }
        // One trip to the database per pass: the ends of runs that ended,
        // whether another process wrote (then: job changes, cancel
        // requests) and, when slots are free and there may be work, the
        // queued runs that start now.
        let known = self.data_version;
        let free = self.free_slots();
        let due_look = self.look_by.is_some_and(|t| t <= Instant::now());
        if due_look {
            self.look_by = None;
        }
        let look = std::mem::take(&mut self.look) || due_look || self.watch.is_none();
        let claim = self.recheck && free > 0;
        if !(look || claim || !self.ends.is_empty()) {
            // Woken for this scheduler's own runs, with nothing to claim
            // or write: no trip to the database.
            return self.fire_due().await;
        }
        // Going to the database anyway: a look costs nothing more (the
        // one due after the echoes still follows).
        let look = look || self.look_by.is_some();
        let recheck = std::mem::take(&mut self.recheck);
        let (me, per_job) = (self.me.clone(), self.s.per_job);
        let (rows, acks) = self.ends.take();
        let writes = !rows.is_empty() || (recheck && free > 0);
        let plan = Pass {
            look,
            known,
            free,
            recheck,
            per_job,
        };
        let call = self
            .db
            .call(move |e| Ok(one_pass(e, &rows, &plan, &me)))
            .await;
        if writes {
            self.own_write = Some(Instant::now());
        }
        let pass = match call {
            Ok((written, pass)) => {
                if let Some(w) = written {
                    acks.send(w);
                }
                pass
            }
            Err(e) => {
                acks.send(Err(e.clone()));
                Err(e)
            }
        };
        let (dv, seen, claimed) = match pass {
            Ok(Ok(p)) => p,
            Ok(Err(pass::LeaseLost)) => {
                tracing::warn!("another process took the scheduler lease; no longer firing");
                self.holding = false;
                self.awake_since = None;
                self.next_heartbeat = Instant::now() + self.s.lease_ttl / 3;
                return Ok(());
            }
            Err(e) => {
                self.recheck = recheck;
                self.look = look;
                return Err(e);
            }
        };
        if let Some(dv) = dv {
            self.data_version = Some(dv);
        }
        if let Some((runs, wake, blocked)) = claimed {
            self.next_retry = wake;
            self.blocked = blocked;
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

    /// Write the ends received, apart from a pass (this process does not
    /// hold the lease, or the pass failed).
    async fn write_ends(&mut self) {
        if self.ends.is_empty() {
            return;
        }
        let (rows, acks) = self.ends.take();
        let written = self.db.call(move |e| runner::write_ends(e, &rows)).await;
        self.own_write = Some(Instant::now());
        acks.send(written);
        self.recheck = true;
    }

    async fn start_queued(&mut self) -> Result<()> {
        self.recheck = false;
        let slots = self.free_slots();
        if slots == 0 {
            return Ok(());
        }
        let me = self.me.clone();
        let per_job = self.s.per_job;
        let (runs, wake, blocked) = self
            .db
            .call(move |e| {
                let s = e.claim_startable(&me, slots, per_job)?;
                pass::premake_cgroups(&s.0);
                Ok(s)
            })
            .await?;
        self.next_retry = wake;
        self.blocked = blocked;
        for (run, job) in runs {
            self.spawn_run(run, job);
        }
        Ok(())
    }

    /// A run ended and its end is written: its slot is free if its work's
    /// end did not free it already, a run of the same job that waited for
    /// it may start, and a run its end queued (`more`) may be due.
    fn done(&mut self, id: i64, more: bool) {
        self.in_flight.remove(&id);
        if self.live.remove(&id).is_some() || self.blocked || more {
            self.recheck = true;
        }
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
    /// `CHEAP_SLOTS` times that, as a run still going after `CHEAP_RUN`
    /// counts that many times: a burst of short jobs keeps the cores busy
    /// through each run's start and end (a slot is idle while its process
    /// is made, loaded and reaped), and longer runs are held to
    /// `concurrency` as they age.
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
        (CHEAP_SLOTS * n).saturating_sub(self.live.len() + (CHEAP_SLOTS - 1) * aged)
    }

    fn spawn_run(&mut self, run: Run, job: Job) {
        self.busy();
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
            // A success of a job that chains nothing and works on no task
            // queues nothing.
            let quiet = job.on_success.is_empty()
                && job.on_failure.is_empty()
                && job.takes_tasks.is_none()
                && run.task_id.is_none();
            let status = match &ender {
                Some(ends) => {
                    runner::execute_batched(db, run, job, cap, stopper, ends, exited).await
                }
                None => runner::execute(db, run, job, cap, stopper).await,
            };
            tracing::info!(job = %name, run = id, %status, "finished");
            let more = !(quiet && status == crate::domain::RunStatus::Success);
            let _ = done.send((id, more));
        });
    }

    /// Follow again a run whose jr process is gone (its work runs elsewhere).
    fn spawn_resume(&mut self, run: Run, job: Job, x: crate::domain::external::External) {
        self.busy();
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
            let _ = done.send((id, true));
        });
    }

    /// A run starts: a long idle lease is renewed soon as a short one, so a
    /// holder that hangs while its runs go is taken over within `lease_ttl`.
    fn busy(&mut self) {
        self.next_heartbeat = self
            .next_heartbeat
            .min(Instant::now() + self.s.lease_ttl / 2);
    }

    /// A file event just after this scheduler wrote: most likely its own
    /// write (a look at `data_version` tells).
    fn echo(&self) -> bool {
        self.own_write.is_some_and(|t| t.elapsed() < ECHO)
    }

    fn next_wake(&self) -> Instant {
        let now_utc = Utc::now();
        let now = Instant::now();
        let mut wake = self.next_heartbeat;
        if self.holding {
            // Asleep until the next fire, a file event or the heartbeat;
            // without a file watch, a poll.
            if self.watch.is_none() {
                wake = wake.min(now + self.s.poll);
            }
            if self.burst > 0 {
                wake = wake.min(now + Duration::from_millis(10));
            }
            if let Some(t) = self.look_by {
                wake = wake.min(t);
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
}

/// The next run end for the scheduler's loop (never, before it starts).
async fn recv_end(q: &mut Option<runner::EndQueue>, into: &mut runner::PendingEnds) -> Option<()> {
    match q {
        Some(q) => q.recv(into).await,
        None => std::future::pending().await,
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
