//! The one API every front end calls (CLI, TUI, MCP, chat, daemon). It owns the
//! store and the clock; each operation is one short transaction that either
//! fully happens or changes nothing.

pub mod dagster;
pub mod jobs;
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

pub use tasks::{ImportReport, TaskDetail, TaskEdit};

pub struct Engine {
    pub(crate) store: Store,
    pub(crate) clock: Clock,
    /// The user's zone: for day-only due dates and local display.
    pub(crate) tz: Tz,
    /// Dagster instances (HTTP, outside the database lock).
    pub(crate) dagster: std::sync::Arc<dagster::Dagster>,
}

impl Engine {
    pub fn new(store: Store, clock: Clock, tz: Tz) -> Engine {
        Engine {
            store,
            clock,
            tz,
            dagster: Default::default(),
        }
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

    pub fn db_size(&self) -> u64 {
        self.store.size_bytes()
    }
}
