//! Launching, for the dagster executor: find the job, launch it with its
//! run config and the tags naming the jr run, retrying with backoff while
//! Dagster does not answer (bounded by the give-up time).

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::{failed, note, transient};
use crate::clients::dagster::materialize::Target;
use crate::clients::dagster::{Client, DagsterError};
use crate::domain::external::External;
use crate::domain::job::DagsterSpec;
use crate::engine::dagster::{TAG_JOB, TAG_RUN, resolve_job, run_config};
use crate::exec::{Event, Events, Outcome, RunCtx};

/// Longest wait between two tries while Dagster does not answer.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Backoff while Dagster does not answer, bounded by the give-up time.
pub(super) struct Waiter {
    delay: Duration,
    poll: Duration,
    pub(super) give_up: Duration,
    pub(super) since: Option<chrono::DateTime<Utc>>,
}

impl Waiter {
    pub(super) fn new(poll: Duration, give_up: Duration) -> Waiter {
        Waiter {
            delay: poll,
            poll,
            give_up,
            since: None,
        }
    }

    /// After a failure: how long to wait, or None when it is time to give up.
    pub(super) fn next(&mut self) -> Option<Duration> {
        let since = *self.since.get_or_insert_with(Utc::now);
        if (Utc::now() - since).to_std().unwrap_or_default() >= self.give_up {
            return None;
        }
        let d = self.delay;
        self.delay = (self.delay * 2).min(MAX_BACKOFF);
        Some(d)
    }

    pub(super) fn reset(&mut self) {
        self.delay = self.poll;
        self.since = None;
    }
}

/// Sleep `d` unless `stop` fires first; true when stopped.
pub(super) async fn pause(d: Duration, stop: &CancellationToken) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => false,
        _ = stop.cancelled() => true,
    }
}

/// Find the job (or check the assets) and launch it. A launch whose answer
/// was lost is looked up by its `jr/run` tag before trying again, so it
/// never runs twice.
pub(super) async fn launch(
    ctx: &RunCtx,
    spec: &DagsterSpec,
    client: &Client,
    events: &Events,
    stop: &CancellationToken,
    w: &mut Waiter,
) -> Result<External, Outcome> {
    let config =
        run_config(spec.config.as_deref().unwrap_or("")).map_err(|e| failed(e.message, None))?;
    // Run parameters: into the config's `{{params.KEY}}` places, and as tags.
    let config = config
        .map(|c| crate::engine::dagster::fill_params(&c, &ctx.params))
        .transpose()
        .map_err(|e| failed(format!("the run config: {e}"), None))?;
    let mut tags = BTreeMap::new();
    tags.insert(TAG_RUN.to_string(), ctx.run_id.to_string());
    tags.insert(TAG_JOB.to_string(), ctx.job.name.clone());
    tags.insert("jr/attempt".to_string(), ctx.attempt.to_string());
    if let Some(t) = &ctx.task {
        tags.insert("jr/task".to_string(), t.id.to_string());
    }
    for (k, v) in &ctx.params {
        tags.insert(format!("jr/param/{k}"), v.clone());
    }
    let mut job: Option<Target> = None;
    let mut tried = false;
    let mut told = false;
    loop {
        if stop.is_cancelled() {
            return Err(failed("stopped before the Dagster run was launched", None));
        }
        let step = async {
            let j = match &job {
                Some(j) => j.clone(),
                None if !spec.assets.is_empty() => Target::Assets(
                    client
                        .selection(&spec.assets, spec.partition.as_deref())
                        .await
                        .map_err(Err)?,
                ),
                None => {
                    let ws = client.workspace().await.map_err(Err)?;
                    Target::Job(resolve_job(&ws, &spec.job).map_err(Ok)?)
                }
            };
            job = Some(j.clone());
            if tried {
                let f = crate::clients::dagster::api::RunsFilter {
                    tags: tags.clone(),
                    limit: 1,
                    ..Default::default()
                };
                if let Some(r) = client.runs(&f).await.map_err(Err)?.into_iter().next() {
                    return Ok((j, r.run_id));
                }
            }
            tried = true;
            let id = client
                .launch_target(&j, spec.partition.as_deref(), config.as_ref(), &tags)
                .await
                .map_err(Err)?;
            Ok((j, id))
        };
        // Err(Ok(e)): a jr error (unknown job); Err(Err(e)): from Dagster.
        let res: Result<(Target, String), Result<crate::error::Error, DagsterError>> = step.await;
        match res {
            Ok((j, id)) => {
                let x = External {
                    system: "dagster".into(),
                    instance: client.name().to_string(),
                    url: client.run_url(&id),
                    id,
                    cursor: "{}".into(),
                    status: Some("QUEUED".into()),
                    unreachable_since: None,
                    last_error: None,
                };
                let _ = events.send(Event::External(x.clone())).await;
                note(
                    events,
                    format!(
                        "[jr] launched Dagster run {} of {}: {}",
                        x.id,
                        j.describe(),
                        x.url
                    ),
                )
                .await;
                return Ok(x);
            }
            Err(Ok(e)) => {
                let mut msg = e.message;
                for h in e.hints {
                    msg.push_str(&format!(" ({h})"));
                }
                return Err(failed(msg, None));
            }
            Err(Err(e)) if transient(&e) => {
                let Some(d) = w.next() else {
                    return Err(failed(
                        format!(
                            "{}; gave up launching after {}",
                            e.message,
                            crate::domain::job::format_duration(w.give_up)
                        ),
                        None,
                    ));
                };
                if !told {
                    told = true;
                    note(
                        events,
                        format!(
                            "[jr] {}; retrying with backoff for up to {}",
                            e.message,
                            crate::domain::job::format_duration(w.give_up)
                        ),
                    )
                    .await;
                }
                if pause(d, stop).await {
                    return Err(failed("stopped before the Dagster run was launched", None));
                }
            }
            Err(Err(e)) => {
                let mut msg = e.message;
                for h in e.hints {
                    msg.push_str(&format!(" ({h})"));
                }
                return Err(failed(msg, None));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_ceiling_and_gives_up() {
        let mut w = Waiter::new(Duration::from_secs(1), Duration::from_secs(3600));
        let waits: Vec<u64> = (0..8).map(|_| w.next().unwrap().as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30]);
        w.reset();
        assert_eq!(w.next(), Some(Duration::from_secs(1)));
        let mut w = Waiter::new(Duration::from_secs(1), Duration::ZERO);
        assert_eq!(w.next(), None, "a give-up time of zero gives up at once");
        let mut w = Waiter::new(Duration::from_secs(1), Duration::from_secs(60));
        w.since = Some(Utc::now() - chrono::Duration::seconds(61));
        assert_eq!(w.next(), None, "unreachable since before a restart counts");
    }
}
