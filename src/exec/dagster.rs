//! The `dagster` kind: launch a Dagster job (run config, tags naming the jr
//! run), record the Dagster run's id and link, then follow it with one
//! request per poll (status, new events and new captured output together)
//! until it ends, copying its log. Cancel or timeout: `terminateRun`, then
//! wait for it to end (forcing it after a grace). jr shutting down: leave
//! the Dagster run alone; the next lease holder resumes from the stored
//! cursor. An unreachable Dagster is retried with backoff until the
//! configured give-up time, and the run's log and handle say so meanwhile.

use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::{BoxFuture, Event, Events, Executor, Outcome, RunCtx, Stream, note};
use crate::clients::dagster::follow::{Follower, LineKind};
use crate::clients::dagster::types::{Phase, phase};
use crate::clients::dagster::{Client, DagsterError, Kind};
use crate::domain::JobSpec;
use crate::domain::external::External;

mod launch;

use launch::{Waiter, launch, pause};

#[derive(Debug, Clone)]
pub struct DagsterExecutor {
    /// After `terminateRun`, how long the run may take to end before it is
    /// marked canceled at once.
    pub terminate_grace: Duration,
}

impl Default for DagsterExecutor {
    fn default() -> Self {
        DagsterExecutor {
            terminate_grace: Duration::from_secs(20),
        }
    }
}

impl Executor for DagsterExecutor {
    fn execute<'a>(
        &'a self,
        ctx: &'a RunCtx,
        events: Events,
        stop: CancellationToken,
    ) -> BoxFuture<'a, Outcome> {
        Box::pin(self.run(ctx, events, stop))
    }
}

fn failed(error: impl Into<String>, result: Option<&str>) -> Outcome {
    Outcome {
        cancelled: false,
        success: false,
        exit_code: None,
        error: Some(error.into()),
        result: result.map(str::to_string),
    }
}

/// Errors worth retrying: no answer, a proxy's error page, or a Python
/// error inside Dagster (its storage may be busy).
fn transient(e: &DagsterError) -> bool {
    matches!(e.kind, Kind::Unreachable | Kind::NotDagster | Kind::Python)
}

/// One execution: the client, the handle and the log follower.
struct Follow<'a> {
    ctx: &'a RunCtx,
    client: Client,
    events: Events,
    ext: External,
    follower: Follower,
    poll: Duration,
    give_up: Duration,
}

impl DagsterExecutor {
    async fn run(&self, ctx: &RunCtx, events: Events, stop: CancellationToken) -> Outcome {
        let JobSpec::Dagster(spec) = &ctx.job.spec else {
            return failed(format!("job {} is not a dagster job", ctx.job.name), None);
        };
        let instance = ctx
            .resume
            .as_ref()
            .map(|x| x.instance.as_str())
            .or(spec.instance.as_deref());
        let client = match ctx.dagster.client(instance) {
            Ok(c) => c,
            Err(e) => return failed(e.message, None),
        };
        let s = ctx.dagster.settings();
        let (poll, give_up) = (s.poll, s.give_up);
        let (ext, follower) = match &ctx.resume {
            Some(x) => {
                note(
                    &events,
                    format!(
                        "[jr] resuming: following Dagster run {} again after jr restarted: {}",
                        x.id, x.url
                    ),
                )
                .await;
                let cursors = serde_json::from_str(&x.cursor).unwrap_or_default();
                (x.clone(), Follower::from_cursors(cursors))
            }
            None => {
                let mut w = Waiter::new(poll, give_up);
                match launch(ctx, spec, &client, &events, &stop, &mut w).await {
                    Ok(x) => (x, Follower::default()),
                    Err(o) => return o,
                }
            }
        };
        let mut f = Follow {
            ctx,
            client,
            events,
            ext,
            follower,
            poll,
            give_up,
        };
        f.follow(&stop, self.terminate_grace).await
    }
}

impl Follow<'_> {
    async fn publish(&mut self) {
        self.ext.cursor =
            serde_json::to_string(&self.follower.cursors).unwrap_or_else(|_| "{}".into());
        self.ext.status = self.follower.status.clone();
        let _ = self.events.send(Event::External(self.ext.clone())).await;
    }

    /// One request: copy what is new. Ok(true) when the run has ended.
    async fn poll_once(&mut self, last: bool) -> Result<bool, DagsterError> {
        loop {
            let p = self
                .client
                .progress(&self.ext.id, &self.follower.cursors)
                .await?;
            let before = (self.follower.status.clone(), self.follower.cursors.clone());
            for l in self.follower.absorb(&p, last) {
                let stream = match l.kind {
                    LineKind::Out => Stream::Out,
                    LineKind::Err => Stream::Err,
                };
                let _ = self
                    .events
                    .send(Event::Line {
                        stream,
                        text: l.text,
                    })
                    .await;
            }
            let recovered = self.ext.unreachable_since.take().is_some();
            if recovered {
                self.ext.last_error = None;
                note(&self.events, "[jr] Dagster answers again; following on").await;
            }
            if recovered || before != (self.follower.status.clone(), self.follower.cursors.clone())
            {
                self.publish().await;
            }
            if !p.has_more {
                return Ok(phase(&p.run.status) != Phase::Active);
            }
        }
    }

    async fn follow(&mut self, stop: &CancellationToken, grace: Duration) -> Outcome {
        let mut w = Waiter::new(self.poll, self.give_up);
        if let Some(since) = self.ext.unreachable_since {
            w.since = Some(since);
        }
        let mut told = false;
        let mut delay = Duration::ZERO;
        loop {
            if pause(delay, stop).await {
                return self.stopped(grace).await;
            }
            match self.poll_once(false).await {
                Ok(true) => {
                    // Trailing events and captured output come just after the end.
                    let _ = self.poll_once(true).await;
                    self.publish().await;
                    return self.ended();
                }
                Ok(false) => {
                    w.reset();
                    told = false;
                    delay = self.poll;
                }
                Err(e) if transient(&e) => {
                    let first = self.ext.unreachable_since.is_none();
                    let since = *self.ext.unreachable_since.get_or_insert_with(Utc::now);
                    w.since.get_or_insert(since);
                    self.ext.last_error = Some(e.message.clone());
                    if first {
                        self.publish().await;
                    }
                    let Some(d) = w.next() else {
                        let gone = crate::domain::job::format_duration(self.give_up);
                        return failed(
                            format!(
                                "{} — for longer than the give-up time of {gone}; stopped following Dagster run {}, which may still be running: {}",
                                e.message, self.ext.id, self.ext.url
                            ),
                            Some(&self.ext.url),
                        );
                    };
                    if !told {
                        told = true;
                        note(
                            &self.events,
                            format!(
                                "[jr] {}; retrying with backoff, giving up after {}",
                                e.message,
                                crate::domain::job::format_duration(self.give_up)
                            ),
                        )
                        .await;
                    }
                    delay = d;
                }
                Err(e) if e.kind == Kind::NotFound => {
                    return failed(
                        format!(
                            "Dagster no longer has run {} (was it deleted?)",
                            self.ext.id
                        ),
                        Some(&self.ext.url),
                    );
                }
                Err(e) => return failed(e.message, Some(&self.ext.url)),
            }
        }
    }

    fn ended(&self) -> Outcome {
        let status = self.follower.status.clone().unwrap_or_default();
        let (success, error) = match self.follower.phase() {
            Phase::Success => (true, None),
            Phase::Failure => (false, Some(self.follower.failure())),
            Phase::Canceled => (
                false,
                Some(format!(
                    "the Dagster run was canceled outside jr ({status})"
                )),
            ),
            Phase::Active => (
                false,
                Some(format!(
                    "the Dagster run stopped being followed while {status}"
                )),
            ),
        };
        Outcome {
            cancelled: matches!(self.follower.phase(), Phase::Canceled),
            success,
            exit_code: None,
            error,
            result: Some(self.ext.url.clone()),
        }
    }

    /// Ask Dagster to terminate the run (safely); true once it took the ask.
    /// A refusal is noted the first time only (`first`), then retried quietly.
    async fn ask_terminate(&mut self, first: bool) -> bool {
        match self.client.terminate(&self.ext.id, false).await {
            Ok(prev) => {
                note(
                    &self.events,
                    format!(
                        "[jr] asked Dagster to terminate run {} (it was {prev})",
                        self.ext.id
                    ),
                )
                .await;
                true
            }
            Err(e) => {
                if first {
                    note(
                        &self.events,
                        format!(
                            "[jr] could not ask Dagster to terminate run {} yet: {e}; asking again until it ends",
                            self.ext.id
                        ),
                    )
                    .await;
                }
                false
            }
        }
    }

    /// jr stopped the run: on shutdown, leave the Dagster run for the next
    /// jr; on cancel or timeout, terminate it and wait for it to end.
    async fn stopped(&mut self, grace: Duration) -> Outcome {
        let url = self.ext.url.clone();
        if self.ctx.shutdown.is_cancelled() {
            self.publish().await;
            note(&self.events, format!(
                "[jr] jr is stopping; Dagster run {} goes on and the next jr scheduler follows it again",
                self.ext.id
            ))
            .await;
            return failed("jr stopped while following the Dagster run", Some(&url));
        }
        // A run still STARTING cannot be terminated safely yet: the ask is
        // repeated while the run has not ended, until Dagster takes it (or
        // the grace runs out and the run is marked canceled).
        let mut asked = self.ask_terminate(true).await;
        let deadline = tokio::time::Instant::now() + grace;
        let mut forced = false;
        loop {
            if let Ok(true) = self.poll_once(false).await {
                let _ = self.poll_once(true).await;
                break;
            }
            if !asked {
                asked = self.ask_terminate(false).await;
            }
            if tokio::time::Instant::now() >= deadline {
                if forced {
                    break;
                }
                forced = true;
                let r = self.client.terminate(&self.ext.id, true).await;
                note(
                    &self.events,
                    match r {
                        Ok(_) => format!(
                            "[jr] Dagster run {} did not end within {}; marked it canceled",
                            self.ext.id,
                            crate::domain::job::format_duration(grace)
                        ),
                        Err(e) => format!(
                            "[jr] could not mark Dagster run {} canceled: {e}",
                            self.ext.id
                        ),
                    },
                )
                .await;
            }
            tokio::time::sleep(self.poll.min(Duration::from_millis(500))).await;
        }
        self.publish().await;
        let status = self
            .follower
            .status
            .clone()
            .unwrap_or_else(|| "unknown".into());
        failed(
            format!("the Dagster run was told to stop; it is {status}"),
            Some(&url),
        )
    }
}
