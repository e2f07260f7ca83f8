//! The one API every front end calls (CLI, TUI, MCP, chat, daemon). It owns the
//! store and the clock; each operation is one short transaction that either
//! fully happens or changes nothing.

pub mod chat;
pub mod gateway;
pub mod jobs;
pub mod pages;
pub mod runs;
pub mod scheduler;
pub mod shared;
pub mod status;
pub mod tasks;
pub mod taskwarrior;
pub mod views;
pub mod watch;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::clock::Clock;
use crate::store::Store;

pub use crate::store::lease::Lease;
pub use crate::store::runs::RunFilter;
pub use pages::{Cond, TaskQuery};
pub use tasks::{ImportReport, TaskDetail, TaskEdit};

pub struct Engine {
    pub(crate) store: Store,
    pub(crate) clock: Clock,
    /// The user's zone: for day-only due dates and local display.
    pub(crate) tz: Tz,
}

impl Engine {
    pub fn new(store: Store, clock: Clock, tz: Tz) -> Engine {
        Engine { store, clock, tz }
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

    /// The database file (None in memory): what a file watch watches.
    pub fn db_path(&self) -> Option<std::path::PathBuf> {
        self.store.path().map(|p| p.to_path_buf())
    }

    pub fn db_size(&self) -> u64 {
        self.store.size_bytes()
    }
}
