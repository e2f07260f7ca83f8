//! A selection in a list that is wholly in memory (jobs, chat turns): which
//! row is selected, which row is at the top of the screen; and the one place
//! that says what the navigation keys mean (`step`), which paged lists (runs,
//! tasks) and scrolled views use as well. Pure.

use crate::tui::action::Action;

/// Where a navigation action goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Rows down (negative: up).
    By(isize),
    Top,
    Bottom,
}

/// The navigation a key means, `page` rows to a page; None for any other action.
pub fn step(action: &Action, page: isize) -> Option<Step> {
    Some(match action {
        Action::Up => Step::By(-1),
        Action::Down => Step::By(1),
        Action::PageUp => Step::By(-page.max(1)),
        Action::PageDown => Step::By(page.max(1)),
        Action::Scroll(n) => Step::By(*n as isize),
        Action::Top => Step::Top,
        Action::Bottom => Step::Bottom,
        _ => return None,
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scroller {
    pub selected: usize,
    pub top: usize,
    /// Rows on screen.
    pub height: usize,
    /// Rows in the list.
    pub len: usize,
}

impl Scroller {
    pub fn set_len(&mut self, len: usize) {
        self.len = len;
        self.selected = self.selected.min(len.saturating_sub(1));
        self.clamp();
    }

    pub fn set_height(&mut self, h: usize) {
        self.height = h;
        self.clamp();
    }

    pub fn select(&mut self, i: usize) {
        self.selected = i.min(self.len.saturating_sub(1));
        self.clamp();
    }

    pub fn move_by(&mut self, delta: isize) {
        if self.len == 0 {
            return;
        }
        let to = (self.selected as isize + delta).clamp(0, self.len as isize - 1);
        self.select(to as usize);
    }

    pub fn page(&self) -> isize {
        self.height.max(1) as isize
    }

    /// Move the selection as a navigation action says; false for any other action.
    pub fn navigate(&mut self, action: &Action) -> bool {
        match step(action, self.page()) {
            Some(Step::By(n)) => self.move_by(n),
            Some(Step::Top) => self.select(0),
            Some(Step::Bottom) => self.select(usize::MAX),
            None => return false,
        }
        true
    }

    /// Select the row at screen line `line`; true if it was selected already.
    pub fn click(&mut self, line: usize) -> bool {
        let i = self.top + line;
        if i >= self.len {
            return false;
        }
        let again = i == self.selected;
        self.select(i);
        again
    }

    fn clamp(&mut self) {
        self.top = top_for(self.selected, self.top, self.height, self.len);
    }
}

/// The top row that keeps `selected` on a screen of `height` rows, moving
/// `top` as little as it can and leaving no empty rows below the last of
/// `len` (shared by the Scroller and the database-paged lists).
pub fn top_for(selected: usize, top: usize, height: usize, len: usize) -> usize {
    let h = height.max(1);
    let mut top = top.min(selected);
    if selected >= top + h {
        top = selected + 1 - h;
    }
    top.min(len.saturating_sub(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_selection_stays_on_screen() {
        let mut s = Scroller {
            height: 3,
            ..Scroller::default()
        };
        s.set_len(10);
        s.move_by(5);
        assert_eq!((s.selected, s.top), (5, 3));
        s.move_by(-100);
        assert_eq!((s.selected, s.top), (0, 0));
        s.move_by(100);
        assert_eq!((s.selected, s.top), (9, 7));
        s.set_len(2);
        assert_eq!((s.selected, s.top), (1, 0));
        assert!(!s.click(0));
        assert!(s.click(0));
        assert!(!s.click(5));
    }
}
