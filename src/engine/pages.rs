//! Browsing operations for front ends that show a window of a large list (the
//! TUI): a page, its count, the sub-tasks under it, and a cheap "did anyone
//! else write?" probe. Read-only; each is one short query.

use super::Engine;
use crate::domain::{Task, TaskStatus};
use crate::error::Result;
use crate::store::task_query;
pub use crate::store::task_query::{Cond, TaskQuery};

impl Engine {
    pub fn task_page(&self, q: &TaskQuery) -> Result<Vec<Task>> {
        task_query::page(self.store.conn(), q, self.now())
    }

    pub fn task_count(&self, q: &TaskQuery) -> Result<i64> {
        task_query::count(self.store.conn(), q, self.now())
    }

    /// Sub-tasks at any depth under `roots` with one of `statuses` (empty: open ones).
    pub fn task_subtree(
        &self,
        roots: &[i64],
        statuses: &[TaskStatus],
        cap: usize,
    ) -> Result<Vec<Task>> {
        task_query::subtree(self.store.conn(), roots, statuses, cap)
    }

    /// Every task of `q` in list order (at most `limit`), handed to `each` as
    /// it is read; `each` returns false to stop. For lists of any length;
    /// without `full`, only the fields a table shows are filled (body,
    /// source, times and `depends_on` left empty).
    pub fn stream_tasks(
        &self,
        q: &TaskQuery,
        limit: Option<usize>,
        full: bool,
        each: impl FnMut(Task) -> Result<bool>,
    ) -> Result<()> {
        task_query::stream(self.store.conn(), q, limit, full, self.now(), each)
    }

    /// The largest task id and the names tasks are claimed by: the widths a
    /// streamed table needs before its first row.
    pub fn task_layout_bounds(&self) -> Result<(i64, Vec<String>)> {
        task_query::layout_bounds(self.store.conn())
    }
}
