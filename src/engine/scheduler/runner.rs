//! Executing one claimed run: its executor, the output writer under the cap,
//! the timeout, the reason it was stopped, the final row and the retry.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::domain::{Job, Run, RunStatus};
use crate::engine::shared::Shared;
use crate::exec::output::CappedLog;
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
    reason: Arc<Mutex<Option<StopReason>>>,
}

impl Stopper {
    pub fn stop(&self, reason: StopReason) {
        let mut r = self.reason.lock().unwrap_or_else(|p| p.into_inner());
        if r.is_none() {
            *r = Some(reason);
        }
        self.token.cancel();
    }

    fn reason(&self) -> Option<StopReason> {
        *self.reason.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// How often buffered output is written while a run prints.
const FLUSH_EVERY: Duration = Duration::from_millis(250);

/// Run `run` of `job` to its end and record it. Returns the final status.
pub async fn execute(
    db: Shared,
    run: Run,
    job: Job,
    output_cap: u64,
    stopper: Stopper,
) -> RunStatus {
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
    let ctx = RunCtx {
        run_id: run.id,
        job: job.clone(),
        scheduled_for: run.scheduled_for,
        attempt: run.attempt,
        upstream,
    };
    let (tx, rx) = mpsc::channel::<Event>(1024);
    let writer = tokio::spawn(write_output(db.clone(), run.id, output_cap, rx));

    let timer = job.timeout.map(|d| {
        let s = stopper.clone();
        tokio::spawn(async move {
            tokio::time::sleep(d).await;
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
        None => (
            RunStatus::Failed,
            outcome.error.clone().unwrap_or_else(|| "failed".into()),
        ),
    };
    if stopper.reason().is_some() {
        let _ = tx
            .send(Event::Line {
                stream: Stream::Jr,
                text: format!("[jr] {error}; the process group was sent SIGTERM, then SIGKILL"),
            })
            .await;
    }
    drop(tx);
    let _ = writer.await;

    let error = (!error.is_empty()).then_some(error);
    let result = outcome.result.clone();
    let finished = db
        .call(move |e| {
            e.finish_run(
                run.id,
                &Finish {
                    status,
                    exit_code: outcome.exit_code,
                    error: error.as_deref(),
                    result: result.as_deref(),
                },
            )
        })
        .await;
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
    // agents: chains follow the last attempt only.
    if !retried && finished.is_ok() {
        let id = run.id;
        match db.call(move |e| e.queue_chained(id)).await {
            Ok(ids) if !ids.is_empty() => {
                tracing::info!(job = %job.name, run = run.id, chained = ?ids, "chained runs queued")
            }
            Ok(_) => {}
            Err(e) => tracing::error!(job = %job.name, "could not queue chained runs: {e}"),
        }
    }
    status
}

async fn write_output(db: Shared, run_id: i64, cap: u64, mut rx: mpsc::Receiver<Event>) {
    let mut log = CappedLog::new(cap);
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            ev = rx.recv() => match ev {
                Some(Event::Line { stream, text }) => log.push(stream.as_str(), text, Utc::now()),
                Some(Event::Spawned { pgid }) => {
                    let _ = db.call(move |e| e.set_run_pgid(run_id, Some(pgid))).await;
                }
                None => break,
            },
            _ = tick.tick() => {
                if log.has_pending() {
                    let f = log.flush();
                    if let Err(e) = db.call(move |e| e.write_output(run_id, &f)).await {
                        tracing::warn!(run = run_id, "could not store output: {e}");
                    }
                }
            }
        }
    }
    if log.has_pending() {
        let f = log.flush();
        let _ = db.call(move |e| e.write_output(run_id, &f)).await;
    }
}
