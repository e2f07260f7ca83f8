//! `jr daemon` (also `jr --daemon`): the headless scheduler for a home
//! server. Logs go to stderr, one line per event without colour (and without
//! timestamps under systemd, which adds its own), and to a file when configured.
//! SIGTERM or SIGINT: stop firing, let running runs finish within the grace
//! period, interrupt the rest, release the lease, exit 0.

pub mod telegram;

use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::drive::{Scheduler, Settings};
use crate::engine::Engine;
use crate::engine::lease::Me;
use crate::engine::shared::Shared;
use crate::error::{Error, Result};

pub fn run(engine: Engine, config: &Config) -> Result<()> {
    // Two malloc arenas, not one per thread: the blocking pool's threads
    // each grew their own heap, which is most of the RSS after a burst.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator; called before any thread starts.
    unsafe {
        nix::libc::mallopt(nix::libc::M_ARENA_MAX, 2);
    }
    let rt = crate::runtime::multi_thread(2, Some(8))?;
    rt.block_on(async {
        let me = Me::this_process();
        let db = Shared::new(engine);
        let settings = Settings::from_config(config, "daemon");
        tracing::info!(pid = me.pid, host = %me.host, concurrency = settings.concurrency, "jr daemon starting");
        let shutdown = CancellationToken::new();
        // The gateway on Telegram, when configured: polls while this
        // process holds the scheduler lease.
        // Its own connection: the scheduler notices another connection's
        // writes (a run queued from a chat) at once, its own only later.
        let tg = match telegram::setup(config) {
            Some(s) => {
                let own = db.call(|e| e.reopen()).await?.map(Shared::new);
                let tdb = own.unwrap_or_else(|| db.clone());
                Some(tokio::spawn(telegram::serve(tdb, s, me.clone(), shutdown.clone())))
            }
            None => None,
        };
        let mut sched = tokio::spawn(Scheduler::new(db, settings, me).run(shutdown.clone(), None));
        // The scheduler ends on its own only when it cannot go on (a
        // read-only database): then the daemon exits non-zero with the reason.
        tokio::select! {
            r = wait_for_signal() => r?,
            ended = &mut sched => {
                ended.map_err(|e| Error::config(format!("scheduler task failed: {e}")))??;
                return Err(Error::config("the scheduler stopped on its own"));
            }
        }
        tracing::info!("stopping: no new fires; waiting for running runs");
        shutdown.cancel();
        sched.await.map_err(|e| Error::config(format!("scheduler task failed: {e}")))??;
        if let Some(t) = tg {
            let _ = t.await;
        }
        tracing::info!("jr daemon stopped");
        Ok(())
    })
}

async fn wait_for_signal() -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())
        .map_err(|e| Error::config(format!("signal handler: {e}")))?;
    let mut int = signal(SignalKind::interrupt())
        .map_err(|e| Error::config(format!("signal handler: {e}")))?;
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM"),
        _ = int.recv() => tracing::info!("SIGINT"),
    }
    Ok(())
}

/// What `JR_LOG` lets through: a level (`debug`) or per-target levels
/// (`warn,jr=debug`); `default` when it is unset or not that syntax.
/// tracing-subscriber's `Targets` rather than `EnvFilter`, whose span-field
/// regexes would put the regex engine in the binary a second time (issue 14).
pub fn log_filter(default: tracing::Level) -> tracing_subscriber::filter::Targets {
    std::env::var("JR_LOG")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| tracing_subscriber::filter::Targets::new().with_default(default))
}

/// Logging for headless use: stderr, plus `log_file` when given. Under
/// systemd (JOURNAL_STREAM set) no timestamps (journald adds them).
pub fn init_logging(log_file: Option<&std::path::Path>) -> Result<()> {
    use tracing_subscriber::fmt;
    use tracing_subscriber::prelude::*;
    let filter = log_filter(tracing::Level::INFO);
    let journald = std::env::var_os("JOURNAL_STREAM").is_some();
    let stderr = fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(false);
    let file = match log_file {
        Some(p) => {
            let f = crate::files::private_append(p).map_err(|e| {
                Error::config(format!("cannot open the log file {}: {e}", p.display()))
            })?;
            Some(
                fmt::layer()
                    .with_writer(std::sync::Mutex::new(f))
                    .with_target(false)
                    .with_ansi(false),
            )
        }
        None => None,
    };
    let registry = tracing_subscriber::registry().with(filter).with(file);
    if journald {
        registry.with(stderr.without_time()).init();
    } else {
        registry.with(stderr).init();
    }
    Ok(())
}
