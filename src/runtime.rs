//! Tokio runtimes for the front ends. Failing to start one is the machine's
//! trouble (threads, file descriptors), not the user's config: a system
//! error (exit code 5).

use tokio::runtime::{Builder, Runtime};

use crate::error::{Error, Result};

fn failed(e: std::io::Error) -> Error {
    Error::system(format!("cannot start the async runtime: {e}"))
        .hint("the machine may be out of threads or file descriptors (ulimit -u / -n)")
}

/// One thread: a CLI command's network calls.
pub fn current_thread() -> Result<Runtime> {
    Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(failed)
}

/// `workers` threads (and at most `blocking` blocking ones, when given):
/// the daemon, the MCP server.
pub fn multi_thread(workers: usize, blocking: Option<usize>) -> Result<Runtime> {
    let mut b = Builder::new_multi_thread();
    b.worker_threads(workers).enable_all();
    if let Some(n) = blocking {
        b.max_blocking_threads(n);
    }
    b.build().map_err(failed)
}
