//! The engine shared with async code: a mutex around it, and every call made
//! on tokio's blocking pool so SQLite never runs on an async worker thread.

use std::any::Any;
use std::sync::{Arc, Mutex};

use super::Engine;
use crate::error::{Error, Result};

/// A database call with its answer type erased (see `Shared::call`).
type Job = Box<dyn FnOnce(&Engine) -> Box<dyn Any + Send> + Send>;

#[derive(Clone)]
pub struct Shared(Arc<Mutex<Engine>>, Arc<Fixed>);

/// What an engine is built with and never changes: read by every run
/// without a trip through the mutex (a burst starts thousands).
struct Fixed {
    run_files: Option<std::path::PathBuf>,
    notifies: bool,
}

impl Shared {
    pub fn new(engine: Engine) -> Shared {
        let fixed = Fixed {
            run_files: engine.run_files(),
            notifies: !engine.notify.targets.is_empty(),
        };
        Shared(Arc::new(Mutex::new(engine)), Arc::new(fixed))
    }

    /// Where shell runs' `JR_RESULT` files are made (`Engine::run_files`).
    pub fn run_files(&self) -> Option<std::path::PathBuf> {
        self.1.run_files.clone()
    }

    /// Whether any notification target is configured (none: a run's end
    /// owes nothing, and nothing need be read).
    pub fn notifies(&self) -> bool {
        self.1.notifies
    }

    /// `f` on the blocking pool. The closure and its answer pass through
    /// `run` boxed, so tokio's task code exists once for the hundred call
    /// sites rather than once per closure (issue 14, binary size: ~1 KB of
    /// machine code each); two small allocations next to a thread handoff.
    pub async fn call<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&Engine) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let job: Job = Box::new(move |e: &Engine| -> Box<dyn Any + Send> { Box::new(f(e)) });
        let answer = self.run(job).await?;
        match answer.downcast::<Result<T>>() {
            Ok(r) => *r,
            Err(_) => Err(Error::config(
                "internal error in a database call: wrong answer type",
            )),
        }
    }

    async fn run(&self, job: Job) -> Result<Box<dyn Any + Send>> {
        let inner = self.0.clone();
        tokio::task::spawn_blocking(move || {
            let engine = inner.lock().unwrap_or_else(|p| p.into_inner());
            job(&engine)
        })
        .await
        .map_err(|e| Error::config(format!("internal error in a database call: {e}")))
    }

    /// For synchronous callers outside the runtime (the CLI after a run).
    pub fn with<T>(&self, f: impl FnOnce(&Engine) -> T) -> T {
        let engine = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(&engine)
    }
}
