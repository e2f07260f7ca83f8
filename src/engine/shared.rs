//! The engine shared with async code: a mutex around it, and every call made
//! on tokio's blocking pool so SQLite never runs on an async worker thread.

use std::sync::{Arc, Mutex};

use super::Engine;
use crate::error::{Error, Result};

#[derive(Clone)]
pub struct Shared(Arc<Mutex<Engine>>);

impl Shared {
    pub fn new(engine: Engine) -> Shared {
        Shared(Arc::new(Mutex::new(engine)))
    }

    pub async fn call<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&Engine) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let inner = self.0.clone();
        tokio::task::spawn_blocking(move || {
            let engine = inner.lock().unwrap_or_else(|p| p.into_inner());
            f(&engine)
        })
        .await
        .map_err(|e| Error::config(format!("internal error in a database call: {e}")))?
    }

    /// For synchronous callers outside the runtime (the CLI after a run).
    pub fn with<T>(&self, f: impl FnOnce(&Engine) -> T) -> T {
        let engine = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(&engine)
    }
}
