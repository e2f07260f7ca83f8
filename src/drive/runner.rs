//! Executing one claimed run: its executor, the output writer under the cap,
//! the timeout, the reason it was stopped, the final row and the retry.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::domain::external::External;
use crate::domain::{Job, Run, RunStatus};
use crate::engine::handoff::TaskBrief;
use crate::engine::output_log::CappedLog;
use crate::engine::shared::Shared;
use crate::exec::{self, Event, RunCtx, Stream};
use crate::store::runs::Finish;

/// Why jr stopped a run before it ended by itself.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StopReason {
    Cancelled,
    Timeout(Duration),
    Shutdown,
}

/// The handle to stop a run from outside, with the reason.
#[derive(Clone, Default)]
pub struct Stopper {
    pub token: CancellationToken,
    /// Cancelled just before `token` when the reason is a shutdown.
    pub shutdown: CancellationToken,
    reason: Arc<Mutex<Option<StopReason>>>,
}

impl Stopper {
    pub fn stop(&self, reason: StopReason) {
        let mut r = self.reason.lock().unwrap_or_else(|p| p.into_inner());
        if r.is_none() {
            *r = Some(reason);
            if reason == StopReason::Shutdown {
                self.shutdown.cancel();
            }
        }
        self.token.cancel();
    }

    fn reason(&self) -> Option<StopReason> {
        *self.reason.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// How often buffered output is written while a run prints.
const FLUSH_EVERY: Duration = Duration::from_millis(250);
/// A rolling tail is rewritten every this many flushes (once a second).
const TAIL_EVERY: u32 = 4;

/// Run `run` of `job` to its end and record it. Returns the final status.
pub async fn execute(
    db: Shared,
    run: Run,
    job: Job,
    output_cap: u64,
    stopper: Stopper,
) -> RunStatus {
    drive(db, run, job, output_cap, stopper, None, None).await
}

/// The same, the run's end recorded by `ends` together with other runs
/// that end at about the same time (the scheduler's runs).
pub async fn execute_batched(
    db: Shared,
    run: Run,
    job: Job,
    output_cap: u64,
    stopper: Stopper,
    ends: &Ender,
    exited: mpsc::UnboundedSender<i64>,
) -> RunStatus {
    drive(
        db,
        run,
        job,
        output_cap,
        stopper,
        None,
        Some((ends, exited)),
    )
    .await
}

/// A run's end, owned, on its way to the database.
pub struct EndRow {
    id: i64,
    status: RunStatus,
    exit_code: Option<i32>,
    error: Option<String>,
    result: Option<String>,
    retry: bool,
}

type Written = tokio::sync::oneshot::Sender<crate::error::Result<bool>>;

/// Where the scheduler's runs send their ends. The scheduler writes them
/// in batches, together with the claim of the runs that take their slots:
/// a burst of short runs costs one trip to the database thread (and one
/// write transaction each for the ends and the claims) per batch, not one
/// per run.
#[derive(Clone)]
pub struct Ender(mpsc::UnboundedSender<(EndRow, Written)>);

/// The scheduler's side of `Ender`.
pub struct EndQueue(mpsc::UnboundedReceiver<(EndRow, Written)>);

/// Ends received, not yet written.
#[derive(Default)]
pub struct PendingEnds {
    rows: Vec<EndRow>,
    acks: Vec<Written>,
}

impl Ender {
    pub fn channel() -> (Ender, EndQueue) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Ender(tx), EndQueue(rx))
    }
}

impl EndQueue {
    /// Wait for a run's end; then take what else has arrived (up to a
    /// batch). None when every `Ender` is gone.
    pub async fn recv(&mut self, into: &mut PendingEnds) -> Option<()> {
        let first = self.0.recv().await?;
        into.push(first);
        self.drain(into);
        Some(())
    }

    /// Take the ends that have arrived, without waiting (up to a batch).
    pub fn drain(&mut self, into: &mut PendingEnds) {
        while into.rows.len() < ENDS_PER_TX {
            match self.0.try_recv() {
                Ok(e) => into.push(e),
                Err(_) => break,
            }
        }
    }
}

impl PendingEnds {
    fn push(&mut self, (row, ack): (EndRow, Written)) {
        self.rows.push(row);
        self.acks.push(ack);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows to write, and their acknowledgements for after.
    pub fn take(&mut self) -> (Vec<EndRow>, EndAcks) {
        (
            std::mem::take(&mut self.rows),
            EndAcks(std::mem::take(&mut self.acks)),
        )
    }
}

/// Tells each run whether its end was written.
pub struct EndAcks(Vec<Written>);

impl EndAcks {
    pub fn send(self, written: crate::error::Result<Vec<bool>>) {
        match written {
            Ok(ended) => {
                for (ack, ok) in self.0.into_iter().zip(ended) {
                    let _ = ack.send(Ok(ok));
                }
            }
            Err(err) => {
                for ack in self.0 {
                    let _ = ack.send(Err(err.clone()));
                }
            }
        }
    }
}

/// Write run ends in one transaction (on the database thread).
pub fn write_ends(e: &crate::engine::Engine, rows: &[EndRow]) -> crate::error::Result<Vec<bool>> {
    e.finish_runs_settling(&end_rows(rows))
}

/// The ends as the engine takes them.
pub fn end_rows(rows: &[EndRow]) -> Vec<(i64, Finish<'_>, Option<bool>)> {
    rows.iter()
        .map(|r| {
            let f = Finish {
                status: r.status,
                exit_code: r.exit_code,
                error: r.error.as_deref(),
                result: r.result.as_deref(),
            };
            (r.id, f, Some(r.retry))
        })
        .collect()
}

/// Most run ends taken in one batch.
const ENDS_PER_TX: usize = 64;

/// Follow again a run whose work runs elsewhere (a Dagster run), after the
/// jr process that followed it stopped: its output continues after what is
/// stored, and its timeout counts from when it started.
pub async fn resume(
    db: Shared,
    run: Run,
    job: Job,
    external: External,
    output_cap: u64,
    stopper: Stopper,
) -> RunStatus {
    drive(db, run, job, output_cap, stopper, Some(external), None).await
}

async fn drive(
    db: Shared,
    mut run: Run,
    job: Job,
    output_cap: u64,
    stopper: Stopper,
    resume: Option<External>,
    batched: Option<(&Ender, mpsc::UnboundedSender<i64>)>,
) -> RunStatus {
    let (ends, exited) = match batched {
        Some((e, x)) => (Some(e), Some(x)),
        None => (None, None),
    };
    // A shell run needs no Dagster settings, only where its result file goes.
    let (dagster, result_dir) = match job.spec {
        crate::domain::JobSpec::Shell(_) => (Default::default(), db.run_files()),
        _ => (db.call(|e| Ok(e.dagster())).await.unwrap_or_default(), None),
    };
    let (start, elapsed) = match &resume {
        Some(_) => {
            let id = run.id;
            let end = db.call(move |e| e.output_end(id)).await.unwrap_or((0, 0));
            let ran = run
                .started_at
                .map(|t| (Utc::now() - t).to_std().unwrap_or_default());
            (end, ran.unwrap_or_default())
        }
        None => ((0, 0), Duration::ZERO),
    };
    // agents: a chained run gets its upstream's status, result and log tail.
    let upstream = match run.upstream_run {
        None => None,
        Some(_) => {
            let r = run.clone();
            db.call(move |e| e.upstream_of(&r))
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(run = run.id, "reading the upstream run: {e}");
                    None
                })
        }
    };
    // A hand-off's run carries its task; a worker's run takes one now.
    let task = match task_of(&db, &run, &job, resume.is_some()).await {
        Ok(t) => t,
        Err(status) => return status,
    };
    // A retry of this run carries the same task.
    run.task_id = task.as_ref().map(|t| t.id).or(run.task_id);
    let ctx = RunCtx {
        task,
        run_id: run.id,
        job: job.clone(),
        scheduled_for: run.scheduled_for,
        attempt: run.attempt,
        upstream,
        dagster,
        resume: resume.clone(),
        shutdown: stopper.shutdown.clone(),
        result_dir,
        // Run parameters: recorded on the run, else (a fire) the job's defaults.
        params: run.params.clone().unwrap_or_else(|| job.params.clone()),
    };
    // Few events in flight: a chunk is up to 128 KiB, so at most ~2 MiB
    // waits here however fast a job prints.
    let (tx, rx) = mpsc::channel::<Event>(16);
    let writer = tokio::spawn(write_output(
        db.clone(),
        run.id,
        output_cap,
        start,
        resume.is_some(),
        rx,
    ));

    let timer = job.timeout.map(|d| {
        let left = d.saturating_sub(elapsed).max(Duration::from_millis(1));
        let s = stopper.clone();
        tokio::spawn(async move {
            tokio::time::sleep(left).await;
            s.stop(StopReason::Timeout(d));
        })
    });
    let executor = exec::for_job(&job, &db);
    let outcome = executor
        .execute(&ctx, tx.clone(), stopper.token.clone())
        .await;
    if let Some(t) = timer {
        t.abort();
    }
    // The work is over: its slot is free while its end is written.
    if let Some(x) = &exited {
        let _ = x.send(run.id);
    }
    // jr is stopping while external work goes on: leave the run running for
    // the next lease holder to resume (see `Engine::adopt_external`).
    if stopper.reason() == Some(StopReason::Shutdown) {
        let (ack, seen) = tokio::sync::oneshot::channel();
        let _ = tx.send(Event::Barrier(ack)).await;
        if seen.await.unwrap_or(false) {
            drop(tx);
            let _ = writer.await;
            return RunStatus::Running;
        }
    }

    let (status, error) = match stopper.reason() {
        Some(StopReason::Timeout(d)) => (
            RunStatus::Timeout,
            format!("timed out after {}", crate::domain::job::format_duration(d)),
        ),
        Some(StopReason::Cancelled) => (RunStatus::Cancelled, "cancelled".to_string()),
        Some(StopReason::Shutdown) => (
            RunStatus::Interrupted,
            "interrupted: jr shut down before the run ended".to_string(),
        ),
        None if outcome.success => (RunStatus::Success, String::new()),
        // Cancelled where the work runs (Dagster's UI): cancelled here too.
        None if outcome.cancelled => (
            RunStatus::Cancelled,
            outcome.error.clone().unwrap_or_else(|| "cancelled".into()),
        ),
        None => (
            RunStatus::Failed,
            outcome.error.clone().unwrap_or_else(|| "failed".into()),
        ),
    };
    if stopper.reason().is_some() {
        let how = match job.spec {
            crate::domain::JobSpec::Shell(_) => {
                "; the process group was sent SIGTERM, then SIGKILL"
            }
            _ => "",
        };
        let _ = tx
            .send(Event::Line {
                stream: Stream::Jr,
                text: format!("[jr] {error}{how}"),
            })
            .await;
    }
    drop(tx);
    let _ = writer.await;

    let error = (!error.is_empty()).then_some(error);
    let result = outcome.result.clone();
    // The same test as the retry below, on the same job: the task it works
    // on moves on with the run's end unless another attempt follows.
    let will_retry =
        matches!(status, RunStatus::Failed | RunStatus::Timeout) && run.attempt <= job.retries;
    let finished = match ends {
        Some(Ender(q)) => {
            let (done, written) = tokio::sync::oneshot::channel();
            let row = EndRow {
                id: run.id,
                status,
                exit_code: outcome.exit_code,
                error,
                result,
                retry: will_retry,
            };
            let sent = q.send((row, done));
            match sent {
                Ok(()) => written.await.unwrap_or_else(|_| {
                    Err(crate::error::Error::config(
                        "internal error: the run's end was not recorded",
                    ))
                }),
                Err(_) => Err(crate::error::Error::config(
                    "internal error: the run's end was not recorded",
                )),
            }
        }
        None => {
            db.call(move |e| {
                e.finish_run_settling(
                    run.id,
                    &Finish {
                        status,
                        exit_code: outcome.exit_code,
                        error: error.as_deref(),
                        result: result.as_deref(),
                    },
                    Some(will_retry),
                )
            })
            .await
        }
    };
    if let Err(e) = &finished {
        tracing::error!(run = run.id, "could not record the end of the run: {e}");
    }
    let mut retried = false;
    if matches!(status, RunStatus::Failed | RunStatus::Timeout) && run.attempt <= job.retries {
        let (r, j) = (run.clone(), job.clone());
        match db.call(move |e| e.queue_retry(&r, &j)).await {
            Ok(Some(id)) => {
                retried = true;
                tracing::info!(job = %job.name, run = run.id, retry = id, "retry queued")
            }
            Ok(None) => {}
            Err(e) => tracing::error!(job = %job.name, "could not queue the retry: {e}"),
        }
    }
    // agents: chains follow the last attempt only. A job that names no
    // chained job (as it stood when the run started) costs no trip to the
    // database here.
    let chains = match status {
        RunStatus::Success => !job.on_success.is_empty(),
        RunStatus::Failed | RunStatus::Timeout => !job.on_failure.is_empty(),
        _ => false,
    };
    if !retried && finished.is_ok() {
        let id = run.id;
        if chains {
            match db.call(move |e| e.queue_chained(id)).await {
                Ok(ids) if !ids.is_empty() => {
                    tracing::info!(job = %job.name, run = run.id, chained = ?ids, "chained runs queued")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(job = %job.name, "could not queue chained runs: {e}"),
            }
        }
        // Notifications follow the last attempt, chains or not.
        notify_after(&db, id).await;
    }
    status
}

/// A run of a dead jr marked lost: its last attempt, as far as anyone knows.
pub async fn notify_lost(db: &Shared, id: i64) {
    notify_after(db, id).await;
}

/// The run's last attempt ended: what its job's notification targets are
/// owed goes to the outbox (the lease holder's delivery loop sends it).
async fn notify_after(db: &Shared, id: i64) {
    if !db.notifies() {
        return;
    }
    if let Err(e) = db.call(move |e| e.queue_notifications(id)).await {
        tracing::error!(run = id, "could not queue notifications: {e}");
    }
}

/// End a run before its executor starts (skipped: nothing to do; failed:
/// the set-up failed), saying why; a failure to record it is logged.
async fn end_early(db: &Shared, id: i64, status: RunStatus, why: String) -> RunStatus {
    let done = db
        .call(move |e| {
            e.finish_run(
                id,
                &Finish {
                    status,
                    exit_code: None,
                    error: Some(&why),
                    result: None,
                },
            )
        })
        .await;
    if let Err(e) = done {
        tracing::error!(run = id, "could not record the run's end ({status}): {e}");
    } else {
        notify_after(db, id).await;
    }
    status
}
/// The task a run works on. A worker's first attempt claims the top ready
/// task with its tag; with none ready the run ends `skipped` (the `Err`).
async fn task_of(
    db: &Shared,
    run: &Run,
    job: &Job,
    resuming: bool,
) -> Result<Option<TaskBrief>, RunStatus> {
    let id = run.id;
    let task_id = match (run.task_id, job.takes_tasks.clone()) {
        (Some(t), _) => Some(t),
        (None, Some(tag)) if !resuming => {
            let j = job.clone();
            match db.call(move |e| e.take_task_for_run(id, &j)).await {
                Ok(Some(t)) => Some(t.id),
                Ok(None) => {
                    let why = format!("no ready task tagged {tag}");
                    return Err(end_early(db, id, RunStatus::Skipped, why).await);
                }
                Err(e) => {
                    let why = format!("could not take a task tagged {tag}: {e}");
                    return Err(end_early(db, id, RunStatus::Failed, why).await);
                }
            }
        }
        _ => None,
    };
    let Some(t) = task_id else { return Ok(None) };
    match db.call(move |e| e.task_brief(t)).await {
        Ok(b) => Ok(Some(b)),
        Err(e) => {
            // Removed since: the work goes on without it.
            tracing::warn!(run = id, task = t, "reading the task: {e}");
            Ok(None)
        }
    }
}

async fn write_output(
    db: Shared,
    run_id: i64,
    cap: u64,
    (last_seq, bytes): (i64, u64),
    mut has_external: bool,
    mut rx: mpsc::Receiver<Event>,
) {
    let mut log = CappedLog::continuing(cap, last_seq, bytes);
    // The newest handle not yet stored; the first one is stored at once.
    let mut external: Option<External> = None;
    // The first flush one period in: a run that ends sooner (most) is
    // written once, at its end.
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + FLUSH_EVERY, FLUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // One write at a time, off this loop: output keeps being absorbed while
    // SQLite works, so a job never waits on the database.
    let mut inflight: Option<tokio::task::JoinHandle<()>> = None;
    let mut ticks = 0u32;
    let mut pending_pgid: Option<i64> = None;
    loop {
        tokio::select! {
            ev = rx.recv() => match ev {
                Some(Event::Line { stream, text }) => log.push(stream.as_str(), text, Utc::now()),
                Some(Event::Chunk { stream, bytes }) => log.push_bytes(stream.as_str(), bytes, Utc::now()),
                Some(Event::Closed(stream)) => log.end_stream(stream.as_str(), Utc::now()),
                // Written with the next flush (a run that ends sooner never
                // needs it: its end clears it); a run orphaned before that is
                // still found by its JR_RUN_ID (exec::tree).
                Some(Event::Spawned { pgid }) => pending_pgid = Some(pgid),
                Some(Event::External(x)) => {
                    external = Some(x);
                    if !has_external {
                        has_external = true;
                        store_external(&db, run_id, external.take()).await;
                    }
                }
                Some(Event::Barrier(ack)) => {
                    let _ = ack.send(has_external);
                }
                None => break,
            },
            _ = tick.tick(), if inflight.is_none() => {
                ticks = ticks.wrapping_add(1);
                // The head every tick; a rolling tail (a rewrite) once a second.
                let f = if ticks.is_multiple_of(TAIL_EVERY) { log.flush_live() } else { log.flush_head() };
                let x = external.take();
                let pgid = pending_pgid.take();
                let work = !f.append.is_empty() || f.tail.is_some();
                if work || x.is_some() || pgid.is_some() {
                    let db = db.clone();
                    inflight = Some(tokio::spawn(async move {
                        if let Some(g) = pgid
                            && let Err(e) = db.call(move |e| e.set_run_pgid(run_id, Some(g))).await
                        {
                            tracing::warn!(run = run_id, "could not store the process group: {e}");
                        }
                        if work && let Err(e) = db.call(move |e| e.write_output(run_id, &f)).await {
                            tracing::warn!(run = run_id, "could not store output: {e}");
                        }
                        // After the output: a crash in between repeats lines, never skips them.
                        store_external(&db, run_id, x).await;
                    }));
                }
            }
            _ = async {
                if let Some(h) = inflight.as_mut() {
                    let _ = h.await;
                }
            }, if inflight.is_some() => inflight = None,
        }
    }
    if let Some(h) = inflight.take() {
        let _ = h.await;
    }
    if log.has_pending() {
        let f = log.flush();
        let _ = db.call(move |e| e.write_output(run_id, &f)).await;
    }
    store_external(&db, run_id, external.take()).await;
}

async fn store_external(db: &Shared, run_id: i64, x: Option<External>) {
    if let Some(x) = x
        && let Err(e) = db.call(move |e| e.record_external(run_id, &x)).await
    {
        tracing::warn!(run = run_id, "could not store the external handle: {e}");
    }
}
