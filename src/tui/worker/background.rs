//! The one runtime behind every answer the worker does not give at once: a
//! chat turn with a model, an agent run, a hand-off to an agent, a Dagster
//! call. Made on first use; one worker thread drives its I/O and timers.
//! Dagster calls are spawned on it; chat turns and agent runs each get a
//! thread of their own that drives its future on the runtime's handle (their
//! futures need not be `Send`) and answers later through the worker's reply.
//! Running agent runs keep their stop token here, so the Agents pane can stop
//! one.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use super::{Payload, WorkerState};
use crate::engine::shared::Shared;
use crate::error::{Error, Result};

/// How work off the worker sends an answer before its last.
pub type SendPartial<'a> = dyn Fn(Payload) + Send + Sync + 'a;

pub struct Background {
    rt: tokio::runtime::Runtime,
    /// A second connection to the database file, for work off the worker.
    db: Option<Shared>,
    /// The header's health poll is out (skip the next while it is).
    pub(super) health_busy: Arc<AtomicBool>,
    /// Agent runs going on, by agent: how to stop each.
    pub(super) running: Arc<Mutex<HashMap<String, CancellationToken>>>,
}

impl Background {
    fn new() -> Result<Background> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("jr-background")
            .enable_all()
            .build()
            .map_err(|e| Error::system(format!("cannot start the TUI's async runtime: {e}")))?;
        Ok(Background {
            rt,
            db: None,
            health_busy: Arc::new(AtomicBool::new(false)),
            running: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    pub(super) fn handle(&self) -> tokio::runtime::Handle {
        self.rt.handle().clone()
    }

    /// Run a future to its end on this thread (headless tests, in line).
    pub(super) fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }
}

impl WorkerState {
    /// The runtime, made on first use.
    pub(super) fn background(&mut self) -> Result<&mut Background> {
        if self.background.is_none() {
            self.background = Some(Background::new()?);
        }
        self.background
            .as_mut()
            .ok_or_else(|| Error::system("the TUI's async runtime is gone"))
    }

    /// The runtime and the database on a second connection, made on first
    /// use; `what` says what needs the file when there is none (in memory).
    pub(super) fn background_db(&mut self, what: &str) -> Result<(tokio::runtime::Handle, Shared)> {
        if self.background.as_ref().is_none_or(|b| b.db.is_none()) {
            let engine = self
                .engine
                .reopen()?
                .ok_or_else(|| Error::config(format!("{what} needs a database file")))?;
            self.background()?.db = Some(Shared::new(engine));
        }
        let b = self.background()?;
        let db =
            b.db.clone()
                .ok_or_else(|| Error::system("the background connection is gone"))?;
        Ok((b.handle(), db))
    }

    /// Do `work` off the worker: with a reply sender on a thread of its own
    /// (named `name`), the worker answering at once with `now`, `work`
    /// sending what it has so far through its argument and its end as its
    /// result; headless, in line, its result the answer (nothing sent before).
    pub(super) fn later(
        &mut self,
        name: &str,
        now: Payload,
        work: impl FnOnce(&SendPartial<'_>) -> Payload + Send + 'static,
    ) -> Result<Payload> {
        let Some(reply) = self.reply.clone() else {
            return Ok(work(&|_| {}));
        };
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let send = |p: Payload| super::send_later(&reply, p);
                let end = work(&send);
                send(end)
            })
            .map_err(|e| Error::system(format!("cannot start a thread ({name}): {e}")))?;
        Ok(now)
    }
}
