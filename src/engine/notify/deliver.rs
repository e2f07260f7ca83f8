//! Sending what is owed, off the scheduler's path: one task per target in
//! the process that holds the lease. A target's first notification waits
//! `gather` for others of the same burst; after a message the target is
//! quiet for `collapse`, and what ends meanwhile goes out together, summed
//! up. A failed send is retried (`tries`, the backoff doubling); when every
//! try failed, the error is recorded on the runs and they are no longer
//! owed. What is owed when jr stops stays in the outbox for the next holder.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::Notifier;
use super::message::{compose, info};
use crate::clients::notify::{Target, send};
use crate::engine::shared::Shared;

/// How often owed notifications are looked for without a wake-up (those
/// written by other processes, such as a foreground `jr run`).
const POLL: Duration = Duration::from_secs(30);
/// Notifications read per pass.
const BATCH: usize = 500;

/// Deliver until `stop`, while `holder` holds the scheduler lease.
pub async fn run(db: Shared, holder: String, stop: CancellationToken) {
    let Ok(n) = db.call(|e| Ok(e.notifier())).await else {
        return;
    };
    let client = client();
    let mut tasks = Vec::new();
    for t in n.targets.clone() {
        tasks.push(tokio::spawn(target_loop(
            db.clone(),
            n.clone(),
            t,
            client.clone(),
            holder.clone(),
            stop.clone(),
        )));
    }
    // What is owed to a target no longer in config is given up, saying why.
    let mut wake = n.subscribe();
    loop {
        if !holds_lease(&db, &holder).await {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tokio::time::sleep(POLL) => {}
            }
            continue;
        }
        let names: Vec<String> = n.targets.iter().map(|t| t.name.clone()).collect();
        let gone = db
            .call(move |e| {
                let mut gone = Vec::new();
                for t in e.owed_targets()? {
                    if !names.contains(&t) {
                        let owed = e.owed_notifications(&t, BATCH)?;
                        let pairs: Vec<(i64, i64)> =
                            owed.iter().map(|(o, r, _)| (o.id, r.id)).collect();
                        let why = format!(
                            "there is no notify target named {t:?} in config.toml any more; nothing was sent"
                        );
                        e.settle_notifications(&t, &pairs, Some(&why))?;
                        gone.push(t);
                    }
                }
                Ok(gone)
            })
            .await;
        if let Ok(g) = gone
            && !g.is_empty()
        {
            tracing::warn!(targets = ?g, "notifications owed to targets no longer configured were dropped");
        }
        // With no target configured nothing new can be owed (runs queue
        // nothing): once what an old config left is given up, stop, so an
        // idle daemon does not wake for this.
        if n.targets.is_empty() {
            break;
        }
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = wake.changed() => {}
            _ = tokio::time::sleep(POLL) => {}
        }
    }
    for t in tasks {
        let _ = t.await;
    }
}

fn client() -> reqwest::Client {
    crate::clients::http()
        .connect_timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_default()
}

async fn holds_lease(db: &Shared, holder: &str) -> bool {
    let h = holder.to_string();
    db.call(move |e| Ok(e.lease()?.is_some_and(|l| l.holder == h)))
        .await
        .unwrap_or(false)
}

/// Sleep, or return false when stopped first.
async fn pause(d: Duration, stop: &CancellationToken) -> bool {
    tokio::select! {
        _ = stop.cancelled() => false,
        _ = tokio::time::sleep(d) => true,
    }
}

async fn target_loop(
    db: Shared,
    n: Arc<Notifier>,
    target: Target,
    client: reqwest::Client,
    holder: String,
    stop: CancellationToken,
) {
    let mut wake = n.subscribe();
    let opts = n.options.clone();
    let mut last_sent: Option<Instant> = None;
    loop {
        if stop.is_cancelled() {
            return;
        }
        let name = target.name.clone();
        let owed = db
            .call(move |e| e.owed_notifications(&name, BATCH))
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(target = %target.name, "reading owed notifications: {e}");
                Vec::new()
            });
        if owed.is_empty() {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = wake.changed() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
            continue;
        }
        if !holds_lease(&db, &holder).await {
            if !pause(Duration::from_secs(5), &stop).await {
                return;
            }
            continue;
        }
        // Wait for the rest of a burst, and for the target's quiet time.
        let oldest = owed[0].0.created_at;
        let since = (chrono::Utc::now() - oldest).to_std().unwrap_or_default();
        let gather_left = opts.gather.saturating_sub(since);
        let quiet_left = last_sent
            .map(|t| (t + opts.collapse).saturating_duration_since(Instant::now()))
            .unwrap_or_default();
        let wait = gather_left.max(quiet_left);
        if !wait.is_zero() {
            if !pause(wait, &stop).await {
                return;
            }
            continue;
        }
        let infos: Vec<_> = owed
            .iter()
            .map(|(o, r, link)| info(r, &o.event, link.clone()))
            .collect();
        let msg = compose(&infos);
        let mut delay = opts.retry_backoff;
        let mut error = None;
        for attempt in 1..=opts.tries {
            match send(&client, &target, &msg).await {
                Ok(()) => {
                    error = None;
                    break;
                }
                Err(e) => {
                    tracing::warn!(target = %target.name, attempt, "notification not delivered: {e}");
                    error = Some(e);
                }
            }
            if attempt < opts.tries && !pause(delay, &stop).await {
                return; // still owed: the next lease holder sends it
            }
            delay = delay.saturating_mul(2);
        }
        let pairs: Vec<(i64, i64)> = owed.iter().map(|(o, r, _)| (o.id, r.id)).collect();
        let why = error.map(|e| format!("{e} (after {} tries)", opts.tries));
        let name = target.name.clone();
        let done = db
            .call(move |e| e.settle_notifications(&name, &pairs, why.as_deref()))
            .await;
        if let Err(e) = done {
            tracing::error!(target = %target.name, "recording the notification: {e}");
        }
        tracing::info!(target = %target.name, runs = owed.len(), "notification sent");
        last_sent = Some(Instant::now());
    }
}

/// A foreground run (no scheduler): its notifications are sent now, one
/// try each; what fails stays owed (the error noted on the run) for the
/// next scheduler to retry.
pub async fn deliver_now(db: &Shared, run_id: i64) {
    let Ok(n) = db.call(|e| Ok(e.notifier())).await else {
        return;
    };
    let client = client();
    for t in &n.targets {
        let name = t.name.clone();
        let owed = db
            .call(move |e| e.owed_notifications(&name, BATCH))
            .await
            .unwrap_or_default();
        let Some((o, r, link)) = owed.into_iter().find(|(_, r, _)| r.id == run_id) else {
            continue;
        };
        let msg = compose(&[info(&r, &o.event, link)]);
        let outcome = send(&client, t, &msg).await;
        let name = t.name.clone();
        let _ = db
            .call(move |e| match outcome {
                Ok(()) => e.settle_notifications(&name, &[(o.id, run_id)], None),
                Err(err) => e.note_notify_error(
                    &name,
                    &[run_id],
                    &format!("{err} (not delivered yet; the scheduler retries it when one runs)"),
                ),
            })
            .await;
    }
}

/// `jr notify test NAME`: one message to the target now, saying it is a
/// test. The error says what to fix (an unset variable, an HTTP status).
pub async fn test(n: &Notifier, name: &str) -> crate::error::Result<String> {
    use crate::error::Error;
    let Some(t) = n.target(name) else {
        let known: Vec<&str> = n.targets.iter().map(|t| t.name.as_str()).collect();
        return Err(
            Error::user(format!("there is no notify target named {name:?}")).hint(
                if known.is_empty() {
                    "add a [[notify]] table to config.toml (assets/config.toml shows how)"
                        .to_string()
                } else {
                    format!("targets in config.toml: {}", known.join(", "))
                },
            ),
        );
    };
    let msg = crate::clients::notify::Message {
        title: "jr: test notification".into(),
        text: format!("This is a test from jr to the notify target {name}. 알림 테스트입니다."),
        urgent: false,
        link: None,
        runs: Vec::new(),
    };
    send(&client(), t, &msg).await.map_err(|e| {
        Error::service(format!("notify target {name}: {e}"))
            .hint("check its url, and the variables it names, where jr runs")
    })?;
    Ok(t.describe())
}
