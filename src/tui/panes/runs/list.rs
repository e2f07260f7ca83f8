//! Run history as a window onto SQLite, paged by keyset: pages of `PAGE`
//! runs below (older than) the last one held or above (newer than) the
//! first, at most `MAX_ROWS` held — the far end is dropped as the window
//! moves. Pure: it says which page it needs; the pane asks the worker.

use crate::domain::Run;
use crate::engine::RunFilter;
use crate::tui::widgets::list::top_for;
use crate::tui::worker::RunPage;

/// Runs per page asked of the database.
pub const PAGE: usize = 100;
/// Runs held at once, at most.
pub const MAX_ROWS: usize = 3 * PAGE;

#[derive(Debug, Default)]
pub struct RunList {
    pub rows: Vec<Run>,
    pub selected: usize,
    pub top: usize,
    pub height: usize,
    pub loaded: bool,
    /// A page is on its way; further paging waits for it.
    pub loading: bool,
    /// Older runs exist below the window.
    pub more_older: bool,
    /// Newer runs exist above the window (it is not at the newest).
    pub more_newer: bool,
    /// Select this run id once the page arrives (else keep the selection).
    pub want: Option<i64>,
    /// Select the last row once the page arrives.
    pub want_last: bool,
    /// Select the first row once the page arrives.
    pub want_first: bool,
}

impl RunList {
    pub fn selected_run(&self) -> Option<&Run> {
        self.rows.get(self.selected)
    }

    /// The newest page.
    pub fn first_page(&mut self, base: &RunFilter) -> RunFilter {
        self.loading = true;
        self.want = None;
        self.want_first = true;
        RunFilter {
            limit: PAGE,
            ..base.clone()
        }
    }

    /// The oldest page.
    pub fn last_page(&mut self, base: &RunFilter) -> RunFilter {
        self.loading = true;
        self.want_last = true;
        RunFilter {
            limit: PAGE,
            after_id: Some(0),
            ..base.clone()
        }
    }

    /// The same window again (data changed): from just above its first run,
    /// as many as it holds; at the top, whatever is newest.
    pub fn same_page(&mut self, base: &RunFilter) -> RunFilter {
        self.loading = true;
        if self.want.is_none() {
            self.want = self.selected_run().map(|r| r.id);
        }
        let before_id = match (self.more_newer, self.rows.first()) {
            (true, Some(first)) => Some(first.id + 1),
            _ => None,
        };
        RunFilter {
            limit: self.rows.len().clamp(PAGE, MAX_ROWS),
            before_id,
            ..base.clone()
        }
    }

    /// Take a page in: replace, or extend the window at the end it was read from.
    pub fn apply(&mut self, page: RunPage) {
        let keep = self.want.take().or(self.selected_run().map(|r| r.id));
        let screen_row = self.selected.saturating_sub(self.top);
        let f = &page.filter;
        self.loading = false;
        self.loaded = true;
        let older = f.before_id.is_some() && !self.rows.is_empty() && f.limit == PAGE;
        let newer = f.after_id.is_some_and(|a| a > 0) && !self.rows.is_empty();
        if older && self.rows.last().is_some_and(|l| Some(l.id) == f.before_id) {
            self.rows.extend(page.runs);
            self.more_older = page.more;
            let drop = self.rows.len().saturating_sub(MAX_ROWS);
            if drop > 0 {
                self.rows.drain(..drop);
                self.more_newer = true;
            }
        } else if newer && self.rows.first().is_some_and(|r| Some(r.id) == f.after_id) {
            let n = page.runs.len();
            let mut rows = page.runs;
            rows.append(&mut self.rows);
            self.rows = rows;
            self.more_newer = page.more;
            if self.rows.len() > MAX_ROWS {
                self.rows.truncate(MAX_ROWS);
                self.more_older = true;
            }
            self.selected += n;
            self.top += n;
        } else {
            // A fresh window: the newest, the oldest, or the same range again.
            self.rows = page.runs;
            if f.after_id == Some(0) {
                self.more_newer = page.more;
                self.more_older = false;
            } else {
                self.more_older = page.more;
                self.more_newer = f.before_id.is_some();
            }
        }
        let found = keep.and_then(|id| self.rows.iter().position(|r| r.id == id));
        self.selected = if std::mem::take(&mut self.want_last) {
            self.rows.len().saturating_sub(1)
        } else if std::mem::take(&mut self.want_first) {
            self.top = 0;
            0
        } else {
            found.unwrap_or(self.selected)
        };
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
        if found.is_some() {
            self.top = self.selected.saturating_sub(screen_row);
        }
        self.clamp_top();
    }

    fn clamp_top(&mut self) {
        self.top = top_for(self.selected, self.top, self.height, self.rows.len());
    }

    pub fn set_height(&mut self, h: usize) {
        self.height = h;
        self.clamp_top();
    }

    /// Move the selection; a page to fetch when it nears an edge with more beyond.
    pub fn move_by(&mut self, delta: isize, base: &RunFilter) -> Option<RunFilter> {
        let n = self.rows.len();
        if n == 0 {
            return None;
        }
        self.selected = (self.selected as isize + delta).clamp(0, n as isize - 1) as usize;
        self.clamp_top();
        if self.loading {
            return None;
        }
        let margin = self.height.max(10);
        if delta > 0 && self.more_older && n - 1 - self.selected < margin {
            self.loading = true;
            return Some(RunFilter {
                limit: PAGE,
                before_id: self.rows.last().map(|r| r.id),
                ..base.clone()
            });
        }
        if delta < 0 && self.more_newer && self.selected < margin {
            self.loading = true;
            return Some(RunFilter {
                limit: PAGE,
                after_id: self.rows.first().map(|r| r.id),
                ..base.clone()
            });
        }
        None
    }

    /// Select the row at screen line `line`; true if it was selected already.
    pub fn click(&mut self, line: usize) -> bool {
        let i = self.top + line;
        if i >= self.rows.len() {
            return false;
        }
        let again = i == self.selected;
        self.selected = i;
        again
    }
}

/// A plain finished run, for tests.
#[cfg(test)]
pub fn test_run(id: i64) -> Run {
    Run {
        id,
        job: "백업".into(),
        job_id: Some(1),
        status: crate::domain::RunStatus::Success,
        trigger: crate::domain::Trigger::Schedule,
        scheduled_for: None,
        queued_at: chrono::DateTime::default(),
        started_at: None,
        finished_at: None,
        duration_ms: None,
        exit_code: None,
        error: None,
        result: None,
        attempt: 1,
        first_run: None,
        upstream_run: None,
        task_id: None,
        not_before: None,
        owner: None,
        owner_pid: None,
        owner_host: None,
        pgid: None,
        cancel_requested: false,
        output_bytes: 0,
        output_cut: 0,
        notify_error: None,
        params: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: i64) -> Run {
        test_run(id)
    }

    /// What the database would answer for `f` over runs 1..=total.
    fn answer(f: RunFilter, total: i64) -> RunPage {
        let mut ids: Vec<i64> = match (f.before_id, f.after_id) {
            (_, Some(a)) => (a + 1..=total).take(f.limit + 1).collect(),
            (b, None) => (1..b.unwrap_or(total + 1))
                .rev()
                .take(f.limit + 1)
                .collect(),
        };
        let more = ids.len() > f.limit;
        ids.truncate(f.limit);
        let mut runs: Vec<Run> = ids.into_iter().map(run).collect();
        runs.sort_by_key(|r| std::cmp::Reverse(r.id));
        RunPage {
            filter: f,
            runs,
            more,
        }
    }

    #[test]
    fn the_window_slides_both_ways_and_stays_bounded() {
        let base = RunFilter::default();
        let total = 1_000_000;
        let mut l = RunList {
            height: 20,
            ..RunList::default()
        };
        let f = l.first_page(&base);
        l.apply(answer(f, total));
        assert_eq!(l.selected_run().unwrap().id, total);
        assert!(l.more_older && !l.more_newer);
        // Down through several pages: the window moves, never over MAX_ROWS.
        for _ in 0..1000 {
            if let Some(f) = l.move_by(1, &base) {
                l.apply(answer(f, total));
            }
            assert!(l.rows.len() <= MAX_ROWS);
        }
        assert_eq!(l.selected_run().unwrap().id, total - 1000);
        assert!(l.more_newer, "the newest rows were dropped");
        // And back up again.
        for _ in 0..1000 {
            if let Some(f) = l.move_by(-1, &base) {
                l.apply(answer(f, total));
            }
        }
        assert_eq!(l.selected_run().unwrap().id, total);
        // The oldest page, and the same window again after a change.
        let f = l.last_page(&base);
        l.apply(answer(f, total));
        assert_eq!(l.selected_run().unwrap().id, 1);
        assert!(l.more_newer && !l.more_older);
        for _ in 0..30 {
            if let Some(f) = l.move_by(-1, &base) {
                l.apply(answer(f, total));
            }
        }
        let id = l.selected_run().unwrap().id;
        let f = l.same_page(&base);
        l.apply(answer(f, total));
        assert_eq!(l.selected_run().unwrap().id, id);
    }
}
