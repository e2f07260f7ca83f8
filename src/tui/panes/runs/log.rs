//! One run opened: its fields and its output as a log viewer that follows a
//! running run (new lines as they are written), pauses, searches with
//! highlight, filters to matching lines, wraps or not. Lines are made safe
//! for the screen (escapes and control characters removed) as they arrive.
//! Pure state; the pane asks the worker for lines after the last one held.

use crate::domain::{OutputLine, Run};
use crate::tui::input::TextField;
use crate::tui::text;

#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    pub seq: i64,
    pub stream: String,
    /// Cleaned: no escape sequences, no control characters.
    pub text: String,
    /// `text` lower-cased (ASCII only, so byte offsets match) for search.
    lower: String,
}

#[derive(Debug, Clone)]
pub struct LogView {
    pub run: Run,
    pub lines: Vec<LogLine>,
    /// The run's output_cut when the lines were read: a change means reload.
    pub cut: i64,
    /// Everything written so far is held (no chunk pending).
    pub complete: bool,
    pub follow: bool,
    pub wrap: bool,
    /// Columns scrolled sideways (with wrap off).
    pub left: usize,
    /// The search applied (highlighted); None: no search.
    pub search: Option<String>,
    /// The search line while it is typed.
    pub search_input: Option<TextField>,
    pub only_matches: bool,
    /// First shown line, as an index into `shown()`.
    pub top: usize,
    /// The match `n`/`N` last went to (index into `lines`).
    pub current: Option<usize>,
    pub height: usize,
    /// Cancel this run? (asked with y/n)
    pub confirm_cancel: bool,
    /// The Dagster run it follows, if it does (id, status, link).
    pub external: Option<crate::domain::external::External>,
}

impl LogView {
    /// The run's link: its result's first web address, else the external run's.
    pub fn link(&self) -> Option<String> {
        crate::engine::notify::message::run_link(
            &self.run,
            self.external.as_ref().map(|x| x.url.as_str()),
        )
    }

    pub fn new(run: Run) -> LogView {
        LogView {
            follow: run.status.is_active(),
            run,
            lines: Vec::new(),
            cut: 0,
            complete: false,
            wrap: true,
            left: 0,
            search: None,
            search_input: None,
            only_matches: false,
            top: 0,
            current: None,
            height: 10,
            confirm_cancel: false,
            external: None,
        }
    }

    /// Scroll sideways by `cols` (negative: back), within the widest line;
    /// false (nothing moves) while lines wrap.
    pub fn scroll_sideways(&mut self, cols: isize) -> bool {
        if self.wrap {
            return false;
        }
        let widest = self
            .lines
            .iter()
            .map(|l| text::width(&l.text))
            .max()
            .unwrap_or(0);
        let to = (self.left as isize + cols).clamp(0, widest.saturating_sub(1) as isize);
        self.left = to as usize;
        true
    }

    pub fn last_seq(&self) -> i64 {
        self.lines.last().map(|l| l.seq).unwrap_or(0)
    }

    /// Take a chunk of lines in (from the start when `reset`).
    pub fn add(&mut self, run: Run, lines: Vec<OutputLine>, reset: bool, more: bool) {
        if reset {
            self.lines.clear();
            self.top = 0;
            self.current = None;
        }
        self.cut = run.output_cut;
        if !run.status.is_active() && self.run.status.is_active() && self.follow {
            // It ended while followed: stay at the bottom, stop following.
            self.follow = false;
            self.to_bottom();
        }
        self.run = run;
        self.complete = !more;
        self.lines.extend(lines.into_iter().map(|l| {
            let text = text::clean(&l.line.replace('\t', "    "));
            LogLine {
                seq: l.seq,
                lower: text.to_ascii_lowercase(),
                stream: l.stream,
                text,
            }
        }));
        if self.follow {
            self.to_bottom();
        }
    }

    pub fn matches(&self, i: usize) -> bool {
        match &self.search {
            Some(q) => self.lines[i].lower.contains(q.as_str()),
            None => true,
        }
    }

    /// Byte ranges of the search in line `i`, for the highlight.
    pub fn ranges(&self, i: usize) -> Vec<(usize, usize)> {
        let Some(q) = self.search.as_deref().filter(|q| !q.is_empty()) else {
            return Vec::new();
        };
        let hay = &self.lines[i].lower;
        let mut out = Vec::new();
        let mut from = 0;
        while let Some(at) = hay[from..].find(q) {
            let start = from + at;
            out.push((start, start + q.len()));
            from = start + q.len();
        }
        out
    }

    /// Indices into `lines` of the lines on offer (all, or the matching).
    pub fn shown(&self) -> Vec<usize> {
        (0..self.lines.len())
            .filter(|i| !self.only_matches || self.matches(*i))
            .collect()
    }

    /// Go to the last screenful (an estimate in wrap mode: one row a line,
    /// which the drawing corrects by filling from the bottom).
    pub fn to_bottom(&mut self) {
        self.top = self.shown().len().saturating_sub(self.height.max(1));
    }

    pub fn at_bottom(&self) -> bool {
        self.top + self.height >= self.shown().len()
    }

    pub fn scroll(&mut self, delta: isize) {
        let n = self.shown().len();
        self.top = (self.top as isize + delta).clamp(0, n.saturating_sub(1) as isize) as usize;
        // Scrolling up pauses following; reaching the bottom resumes it.
        if delta < 0 {
            self.follow = false;
        } else if self.run.status.is_active() && self.at_bottom() {
            self.follow = true;
        }
    }

    pub fn set_search(&mut self, q: &str) {
        let q = q.trim().to_ascii_lowercase();
        self.search = (!q.is_empty()).then_some(q);
        self.current = None;
        if self.only_matches {
            self.top = 0;
        }
    }

    /// Show only the matching lines, or all again.
    pub fn toggle_only_matches(&mut self) {
        self.only_matches = !self.only_matches;
        self.top = 0;
        if self.follow {
            self.to_bottom();
        }
    }

    /// Go to the next (or previous) matching line; false when there is none.
    pub fn jump(&mut self, forward: bool) -> bool {
        if self.search.is_none() {
            return false;
        }
        let shown = self.shown();
        let cur = self
            .current
            .and_then(|c| shown.iter().position(|i| *i == c));
        let hit = if forward {
            let start = cur.map(|p| p + 1).unwrap_or(self.top);
            (start..shown.len()).find(|p| self.matches(shown[*p]))
        } else {
            let end = cur.unwrap_or(self.top).min(shown.len());
            (0..end).rev().find(|p| self.matches(shown[*p]))
        };
        match hit {
            Some(pos) => {
                self.current = Some(shown[pos]);
                self.follow = false;
                self.top = pos.saturating_sub(self.height / 3);
                true
            }
            None => false,
        }
    }

    pub fn match_count(&self) -> usize {
        (0..self.lines.len()).filter(|i| self.matches(*i)).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{RunStatus, Trigger};

    fn line(seq: i64, s: &str) -> OutputLine {
        OutputLine {
            seq,
            at: chrono::DateTime::default(),
            stream: "out".into(),
            line: s.into(),
        }
    }

    fn run(status: RunStatus, cut: i64) -> Run {
        let mut r = crate::tui::panes::runs::list::test_run(7);
        r.status = status;
        r.trigger = Trigger::Manual;
        r.output_cut = cut;
        r
    }

    #[test]
    fn follow_search_filter_and_escapes() {
        let mut v = LogView::new(run(RunStatus::Running, 0));
        v.height = 3;
        assert!(v.follow);
        v.add(
            run(RunStatus::Running, 0),
            (1..=10)
                .map(|i| line(i, &format!("줄 {i} \u{1b}[31mERROR\u{1b}[0m")))
                .collect(),
            false,
            false,
        );
        assert_eq!(v.lines[0].text, "줄 1 ERROR");
        assert_eq!(v.top, 7, "following: at the bottom");
        v.scroll(-2);
        assert!(!v.follow, "scrolling up pauses");
        v.add(
            run(RunStatus::Running, 0),
            vec![line(11, "new")],
            false,
            false,
        );
        assert_eq!(v.top, 5, "paused: stays put");
        v.scroll(10);
        assert!(v.follow, "back at the bottom: follows again");
        v.set_search("줄 1");
        assert_eq!(v.match_count(), 2);
        assert_eq!(v.ranges(9), vec![(0, 5)], "bytes: 줄 is three");
        v.toggle_only_matches();
        assert_eq!(v.shown(), vec![0, 9]);
        assert!(v.jump(true));
        assert_eq!(v.current, Some(0));
        assert!(v.jump(true));
        assert_eq!(v.current, Some(9));
        assert!(!v.jump(true));
        assert!(v.jump(false));
        assert_eq!(v.current, Some(0));
        // The cap rewrote the tail: start over.
        v.add(
            run(RunStatus::Success, 100),
            vec![line(1, "a")],
            true,
            false,
        );
        assert_eq!(v.lines.len(), 1);
        assert_eq!(v.cut, 100);
    }
}
