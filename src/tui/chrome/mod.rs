//! What frames every pane: the header (tabs, Dagster's health, who
//! schedules, the clock), the footer (a notice, or the keys that matter
//! now) and the overlays (help, palette, the quit question). They read a
//! small snapshot, `Chrome`, that `draw.rs` takes from the app: never the
//! app itself.

pub mod footer;
pub mod header;
pub mod overlay;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::keymap::Keymap;
use super::palette::Palette;
use super::pane::{Notice, PaneId};
use super::theme::Theme;
use crate::engine::dagster::views::StatusView;

/// What floats over the panes and takes every key while open.
#[derive(Debug, Clone)]
pub enum Overlay {
    Help { scroll: usize },
    Palette(Palette),
    ConfirmQuit,
}

/// What the header, footer and overlays read.
pub struct Chrome<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    /// Where the user's keymap lives (shown in help).
    pub keymap_path: &'a str,
    /// The active pane: its index (tab) and id.
    pub active: usize,
    pub pane: PaneId,
    pub now: DateTime<Utc>,
    pub tz: Tz,
    /// Who fires jobs, in words.
    pub scheduler: String,
    /// Dagster's health; None: not configured (or not known yet).
    pub dagster: Option<&'a StatusView>,
    pub mouse: bool,
    pub notice: Option<&'a Notice>,
    /// (key, what) pairs for the footer, for the current context.
    pub hints: Vec<(String, String)>,
    pub overlay: Option<&'a Overlay>,
}
