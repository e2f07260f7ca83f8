//! The TUI as the scheduler when no daemon is: the engine's `Scheduler` on a
//! small tokio runtime on its own thread. It takes the lease only if nobody
//! holds it, and reports through `on_holding` whenever that changes (the
//! header says "this TUI"). Stopping it is the daemon's clean shutdown: no new
//! fires, running runs get the grace period, the rest end `interrupted`, the
//! lease is given back. It logs through `tracing` only — the front end routes
//! that to a file, never to the terminal the TUI draws on.

use std::sync::mpsc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::drive::{Holding, Scheduler, Settings};
use crate::engine::Engine;
use crate::engine::lease::Me;
use crate::engine::shared::Shared;

/// What the scheduler thread needs: its own engine (its own connection), the
/// settings (role "tui") and who this process is.
pub struct SchedulerSetup {
    pub engine: Engine,
    pub settings: Settings,
    pub me: Me,
}

/// The running scheduler; `stop` shuts it down cleanly.
pub struct SchedulerHandle {
    shutdown: CancellationToken,
    done: mpsc::Receiver<()>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Start the scheduler thread. `on_holding(true)` once this process holds
/// the lease, `on_holding(false)` when it loses it.
pub fn start(
    setup: SchedulerSetup,
    on_holding: impl Fn(bool) + Send + 'static,
) -> std::io::Result<SchedulerHandle> {
    let shutdown = CancellationToken::new();
    let token = shutdown.clone();
    let (done_tx, done) = mpsc::channel();
    let rt = tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(4)
        .thread_name("jr-sched-db")
        .enable_all()
        .build()?;
    let thread = std::thread::Builder::new()
        .name("jr-scheduler".into())
        .spawn(move || {
            rt.block_on(async move {
                let (tx, mut rx) = tokio::sync::watch::channel(Holding::No);
                let reporter = tokio::spawn(async move {
                    while rx.changed().await.is_ok() {
                        let yes = *rx.borrow_and_update() == Holding::Yes;
                        on_holding(yes);
                    }
                });
                let db = Shared::new(setup.engine);
                let sched = Scheduler::new(db, setup.settings, setup.me);
                if let Err(e) = sched.run(token, Some(tx)).await {
                    tracing::error!("the TUI's scheduler stopped: {e}");
                }
                let _ = reporter.await;
            });
            let _ = done_tx.send(());
        })?;
    Ok(SchedulerHandle {
        shutdown,
        done,
        thread: Some(thread),
    })
}

impl SchedulerHandle {
    /// Stop and wait. `slow` is called once if stopping takes longer than a
    /// moment (runs still running get their grace period), so the caller can
    /// say why it is waiting.
    pub fn stop(mut self, slow: impl FnOnce()) {
        self.shutdown.cancel();
        if self.done.recv_timeout(Duration::from_millis(300)).is_err() {
            slow();
            let _ = self.done.recv();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
