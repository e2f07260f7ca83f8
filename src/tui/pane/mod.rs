//! What every pane is, and what it may read and touch: the `Pane` contract
//! (state and update) and `Draw` (its view, implemented in the pane's own
//! `view.rs`), the `Cx` an update gets, the `View` drawing reads, the
//! footer's `Notice`. The panes themselves are in `panes/`, one folder each;
//! they import this, never each other.

pub mod id;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::Rect;

pub use self::id::PaneId;
use super::action::Action;
use super::effect::{Effect, Requests};
use super::keymap::{Keymap, Section};
use super::theme::Theme;
use super::worker::{Response, Slot};

/// A message for the user in the footer; it goes at the next key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
}

/// What a pane may read and touch while it updates.
pub struct Cx<'a> {
    pub now: DateTime<Utc>,
    pub tz: Tz,
    pub requests: &'a mut Requests,
    pub notice: &'a mut Option<Notice>,
    /// Set to switch panes after this update (then the action is replayed there).
    pub goto: &'a mut Option<(PaneId, Option<Action>)>,
}

impl Cx<'_> {
    pub fn error(&mut self, text: impl Into<String>) {
        *self.notice = Some(Notice {
            text: text.into(),
            error: true,
        });
    }

    pub fn info(&mut self, text: impl Into<String>) {
        *self.notice = Some(Notice {
            text: text.into(),
            error: false,
        });
    }
}

/// What drawing reads besides the pane: pure inputs only.
pub struct View<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    pub now: DateTime<Utc>,
    pub tz: Tz,
}

/// The keymap sections of a pane that may have a yes/no question or a
/// form (or prompt) open over it, most specific first; `true` when
/// unclaimed keys type text.
pub fn sections(id: PaneId, confirm: bool, form: bool) -> (Vec<Section>, bool) {
    if confirm {
        (vec![Section::Confirm], false)
    } else if form {
        (vec![Section::Form], true)
    } else {
        (vec![Section::Pane(id), Section::Global], false)
    }
}

/// A pane's drawing: pure, from its state and the `View`. Each pane
/// implements it in its `view.rs`, which imports the pane (never the other
/// way round).
pub trait Draw {
    fn draw(&self, f: &mut Frame<'_>, area: Rect, v: &View<'_>);
}

pub trait Pane: Draw + std::any::Any {
    fn id(&self) -> PaneId;
    /// The worker answers this pane reads.
    fn slots(&self) -> &'static [Slot];
    /// Keymap sections for the next key, most specific first; `true` when
    /// unclaimed keys type text.
    fn sections(&self) -> (Vec<Section>, bool);
    fn update(&mut self, action: &Action, cx: &mut Cx<'_>) -> Vec<Effect>;
    /// An answer from the worker for this pane (already known to be current).
    fn on_response(&mut self, resp: Response, cx: &mut Cx<'_>) -> Vec<Effect>;
    /// Ask again for what is on screen (data changed, or the pane came into view).
    fn reload(&mut self, cx: &mut Cx<'_>) -> Vec<Effect>;
    /// The pane's area changed (the terminal was resized).
    fn resize(&mut self, area: Rect);
    /// Actions worth a place in the footer right now.
    fn footer(&self) -> Vec<Action>;
    /// Typed text that quitting would lose.
    fn unsaved(&self) -> bool {
        false
    }
    /// Whether the first load came back (for the benchmark's first complete frame).
    fn loaded(&self) -> bool;
}
