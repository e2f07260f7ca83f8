//! The one API every front end calls (CLI, TUI, MCP, chat, daemon). It owns the
//! store and the clock; each operation is one short transaction that either
//! fully happens or changes nothing.

pub mod agent_jobs;
pub mod agent_run;
pub mod agents;
pub mod cards;
pub mod chains;
pub mod chat;
mod chat_answers;
pub mod claude_code;
pub mod context;
pub mod dagster;
pub mod gateway;
mod gateway_limits;
pub mod graph_run;
pub mod handoff;
pub mod handoff_run;
pub mod handoff_text;
pub mod hub;
pub mod importers;
pub mod job_def;
pub mod jobs;
pub mod lease;
pub mod notify;
pub mod output_log;
pub mod output_piece;
pub mod pages;
pub mod run_params;
pub mod runs;
pub mod shared;
pub mod status;
pub mod tasks;
pub mod taskwarrior;
pub mod tool_loop;
pub mod views;
pub mod watch;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::clock::Clock;
use crate::store::Store;

pub use crate::store::context::SessionRow;
pub use crate::store::lease::Lease;
pub use crate::store::runs::RunFilter;
pub use pages::{Cond, TaskQuery};
pub use tasks::{ImportReport, TaskDetail, TaskEdit};

pub struct Engine {
    pub(crate) store: Store,
    pub(crate) clock: Clock,
    /// The user's zone: for day-only due dates and local display.
    pub(crate) tz: Tz,
    /// Where the LLMs are (agents): handed to agent runs, never used for I/O here.
    pub(crate) llm: crate::clients::llm::LlmConfig,
    /// Dagster instances (HTTP, outside the database lock).
    pub(crate) dagster: std::sync::Arc<dagster::Dagster>,
    /// Run scratch files (`JR_RESULT`): a private folder the front end names.
    pub(crate) run_files: Option<std::path::PathBuf>,
    /// Notification targets and the delivery loop's wake-up (outside the lock).
    pub(crate) notify: std::sync::Arc<notify::Notifier>,
}

impl Engine {
    pub fn new(store: Store, clock: Clock, tz: Tz) -> Engine {
        Engine {
            store,
            clock,
            tz,
            llm: Default::default(),
            dagster: Default::default(),
            run_files: None,
            notify: Default::default(),
        }
    }

    /// Where runs' scratch files go (`$XDG_STATE_HOME/jr/tmp`, chosen by the front end).
    pub fn with_run_files(mut self, dir: std::path::PathBuf) -> Engine {
        self.run_files = Some(dir);
        self
    }

    pub fn run_files(&self) -> Option<std::path::PathBuf> {
        self.run_files.clone()
    }

    /// The LLM settings agent runs use (the front end resolves env vars first).
    pub fn with_llm(mut self, llm: crate::clients::llm::LlmConfig) -> Engine {
        self.llm = llm;
        self
    }

    pub fn llm_config(&self) -> &crate::clients::llm::LlmConfig {
        &self.llm
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Another engine on the same database file (a second connection), for
    /// work on another thread; None for an in-memory database.
    pub fn reopen(&self) -> crate::error::Result<Option<Engine>> {
        let Some(path) = self.store.path() else {
            return Ok(None);
        };
        let store = Store::open(path)?;
        Ok(Some(Engine {
            store,
            clock: self.clock,
            tz: self.tz,
            llm: self.llm.clone(),
            dagster: self.dagster.clone(),
            run_files: self.run_files.clone(),
            notify: self.notify.clone(),
        }))
    }

    /// The database file (None in memory): what a file watch watches.
    pub fn db_path(&self) -> Option<std::path::PathBuf> {
        self.store.path().map(|p| p.to_path_buf())
    }

    pub fn db_size(&self) -> u64 {
        self.store.size_bytes()
    }
}
