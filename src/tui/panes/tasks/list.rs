//! The task list as a window onto SQLite: a page of `WINDOW` roots (with
//! their sub-tasks) around the selection, moved along as the selection nears
//! either edge. Pure: it says which page it needs; the pane asks the worker.

use std::collections::HashSet;

use crate::tui::widgets::list::top_for;
use crate::tui::worker::{TaskPage, TreeRow};

/// Roots (or rows, when flat) per page asked of the database.
pub const WINDOW: usize = 200;

/// What to select once a page arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    Id(i64),
    First,
    Last,
}

#[derive(Debug, Default)]
pub struct ListState {
    pub rows: Vec<TreeRow>,
    /// Query offset of the first root in `rows`.
    pub offset: usize,
    pub total: i64,
    pub collapsed: HashSet<i64>,
    /// Index into `visible()`.
    pub selected: usize,
    /// First visible row on screen.
    pub top: usize,
    pub height: usize,
    pub loaded: bool,
    /// A page is on its way; further paging waits for it.
    pub loading: bool,
    pub want: Option<Want>,
}

impl ListState {
    /// Indices into `rows` of the rows shown (children of folded rows hidden).
    pub fn visible(&self) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.rows.len());
        let mut hide_below: Option<u8> = None;
        for (i, r) in self.rows.iter().enumerate() {
            if let Some(d) = hide_below {
                if r.depth > d {
                    continue;
                }
                hide_below = None;
            }
            out.push(i);
            if r.children > 0 && self.collapsed.contains(&r.task.id) {
                hide_below = Some(r.depth);
            }
        }
        out
    }

    pub fn selected_row(&self) -> Option<&TreeRow> {
        self.visible()
            .get(self.selected)
            .and_then(|i| self.rows.get(*i))
    }

    fn roots(&self) -> usize {
        self.rows.iter().filter(|r| r.depth == 0).count()
    }

    /// Global position (query offset) of the root of the selected row.
    fn selected_root_pos(&self) -> usize {
        let vis = self.visible();
        let upto = vis.get(self.selected).copied().unwrap_or(0);
        let before = self.rows[..=upto.min(self.rows.len().saturating_sub(1))]
            .iter()
            .filter(|r| r.depth == 0)
            .count();
        self.offset + before.saturating_sub(1)
    }

    /// Take a page in; select what was wanted (or keep the position).
    pub fn apply(&mut self, page: TaskPage) {
        let keep = self.selected_row().map(|r| r.task.id);
        let screen_row = self.selected.saturating_sub(self.top);
        self.offset = page.query.offset;
        self.total = page.total;
        self.rows = page.rows;
        self.loaded = true;
        self.loading = false;
        let vis = self.visible();
        let find = |id: i64| vis.iter().position(|i| self.rows[*i].task.id == id);
        self.selected = match self.want.take().or(keep.map(Want::Id)) {
            Some(Want::Id(id)) => find(id).unwrap_or(self.selected),
            Some(Want::First) => 0,
            Some(Want::Last) => vis.len().saturating_sub(1),
            None => 0,
        };
        self.selected = self.selected.min(vis.len().saturating_sub(1));
        self.top = self.selected.saturating_sub(screen_row);
        self.clamp_top();
    }

    fn clamp_top(&mut self) {
        let n = self.visible().len();
        self.top = top_for(self.selected, self.top, self.height, n);
    }

    pub fn set_height(&mut self, h: usize) {
        self.height = h;
        self.clamp_top();
    }

    /// Move the selection; returns the offset of a page to fetch when the
    /// selection nears an edge of the window and more lies beyond it.
    pub fn move_by(&mut self, delta: isize) -> Option<usize> {
        let n = self.visible().len();
        if n == 0 {
            return None;
        }
        let target = (self.selected as isize + delta).clamp(0, n as isize - 1) as usize;
        self.selected = target;
        self.clamp_top();
        if self.loading {
            if matches!(self.want, Some(Want::Id(_))) {
                self.want = self.selected_row().map(|r| Want::Id(r.task.id));
            }
            return None;
        }
        let margin = self.height.max(10);
        let more_below = (self.offset + self.roots()) < self.total as usize;
        let near_end = n - 1 - self.selected < margin;
        let near_start = self.selected < margin;
        if (near_end && more_below && delta > 0) || (near_start && self.offset > 0 && delta < 0) {
            let pos = self.selected_root_pos();
            let new = pos.saturating_sub(WINDOW / 2);
            if new != self.offset {
                self.want = self.selected_row().map(|r| Want::Id(r.task.id));
                self.loading = true;
                return Some(new);
            }
        }
        None
    }

    /// Go to the very top; a page to fetch if the window is not already there.
    pub fn top_of_all(&mut self) -> Option<usize> {
        if self.offset == 0 {
            self.selected = 0;
            self.clamp_top();
            return None;
        }
        self.want = Some(Want::First);
        self.loading = true;
        Some(0)
    }

    pub fn bottom_of_all(&mut self) -> Option<usize> {
        let end = self.total.max(0) as usize;
        if self.offset + self.roots() >= end {
            self.selected = self.visible().len().saturating_sub(1);
            self.clamp_top();
            return None;
        }
        self.want = Some(Want::Last);
        self.loading = true;
        Some(end.saturating_sub(WINDOW))
    }

    /// Fold or unfold the selected row's children.
    pub fn toggle_fold(&mut self) {
        if let Some(r) = self.selected_row().filter(|r| r.children > 0) {
            let id = r.task.id;
            if !self.collapsed.remove(&id) {
                self.collapsed.insert(id);
            }
            self.clamp_top();
        }
    }

    /// Fold the selected row, or go to its parent when it is folded or a leaf.
    pub fn fold_or_parent(&mut self) {
        let Some(r) = self.selected_row() else { return };
        let (id, depth) = (r.task.id, r.depth);
        if r.children > 0 && !self.collapsed.contains(&id) {
            self.collapsed.insert(id);
        } else if depth > 0 {
            let vis = self.visible();
            if let Some(p) = (0..self.selected)
                .rev()
                .find(|i| self.rows[vis[*i]].depth < depth)
            {
                self.selected = p;
            }
        }
        self.clamp_top();
    }

    /// Select the visible row at screen line `line` of the list; true if it was already selected.
    pub fn click(&mut self, line: usize) -> bool {
        let idx = self.top + line;
        if idx >= self.visible().len() {
            return false;
        }
        let again = idx == self.selected;
        self.selected = idx;
        again
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::TaskQuery;
    use crate::tui::worker::flatten;

    fn task(id: i64, parent: Option<i64>) -> crate::domain::Task {
        crate::domain::Task {
            id,
            title: format!("작업 {id}"),
            body: String::new(),
            status: crate::domain::TaskStatus::Pending,
            priority: crate::domain::Priority(2),
            due: None,
            tags: vec![],
            parent,
            depends_on: vec![],
            claimed_by: None,
            source: "cli".into(),
            created_at: chrono::DateTime::default(),
            updated_at: chrono::DateTime::default(),
            closed_at: None,
        }
    }

    fn page(offset: usize, ids: std::ops::Range<i64>, total: i64) -> TaskPage {
        TaskPage {
            query: TaskQuery {
                offset,
                limit: WINDOW,
                ..TaskQuery::default()
            },
            rows: flatten(ids.map(|i| task(i, None)).collect(), vec![]),
            total,
        }
    }

    #[test]
    fn paging_follows_the_selection_and_keeps_it() {
        let mut l = ListState {
            height: 20,
            ..ListState::default()
        };
        l.apply(page(0, 1..201, 1000));
        assert_eq!(l.selected_row().unwrap().task.id, 1);
        assert_eq!(l.move_by(150), None);
        let next = l.move_by(40).expect("near the end: fetch more");
        assert_eq!(next, 190 - WINDOW / 2);
        assert_eq!(l.move_by(1), None, "one page at a time");
        l.apply(page(next, (next as i64 + 1)..(next as i64 + 201), 1000));
        assert_eq!(l.selected_row().unwrap().task.id, 192);
        assert_eq!(l.bottom_of_all(), Some(800));
        l.apply(page(800, 801..1001, 1000));
        assert_eq!(l.selected_row().unwrap().task.id, 1000);
        assert_eq!(l.top_of_all(), Some(0));
    }

    #[test]
    fn folding_hides_children_and_h_climbs_to_the_parent() {
        let mut l = ListState {
            height: 10,
            ..ListState::default()
        };
        let rows = flatten(
            vec![task(1, None), task(4, None)],
            vec![task(2, Some(1)), task(3, Some(2))],
        );
        let depths: Vec<u8> = rows.iter().map(|r| r.depth).collect();
        assert_eq!(depths, vec![0, 1, 2, 0]);
        l.apply(TaskPage {
            query: TaskQuery::default(),
            rows,
            total: 2,
        });
        l.move_by(2);
        assert_eq!(l.selected_row().unwrap().task.id, 3);
        l.fold_or_parent();
        assert_eq!(l.selected_row().unwrap().task.id, 2);
        l.fold_or_parent();
        assert_eq!(l.visible().len(), 3);
        l.fold_or_parent();
        assert_eq!(l.selected_row().unwrap().task.id, 1);
        l.toggle_fold();
        assert_eq!(l.visible().len(), 2);
        assert!(!l.click(1));
        assert_eq!(l.selected_row().unwrap().task.id, 4);
        assert!(l.click(1));
    }
}
