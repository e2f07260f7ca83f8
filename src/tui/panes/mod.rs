//! The panes. Each is one module implementing `Pane`: its state, how actions
//! and worker answers change it, what it asks the worker for, and a pure
//! `draw`. Adding a pane (Jobs, Runs, ...) is adding a file here, a `PaneId`
//! variant and a line in `all()`; the header, number keys, palette, help and
//! keymap section follow from `PaneId`.

pub mod agents;
pub mod cards;
pub mod chat;
pub mod context;
pub mod dagster;
pub mod dashboard;
pub mod jobs;
pub mod runs;
pub mod scroll;
pub mod tasks;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::action::Action;
use super::effect::{Effect, Requests};
use super::keymap::{Keymap, Section};
use super::theme::Theme;
use super::worker::{Response, Slot};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PaneId {
    Dashboard,
    Tasks,
    Jobs,
    Runs,
    Chat,
    Context,
    Cards,
    Agents,
    Dagster,
}

impl PaneId {
    pub const ALL: [PaneId; 9] = [
        PaneId::Dashboard,
        PaneId::Tasks,
        PaneId::Jobs,
        PaneId::Runs,
        PaneId::Chat,
        PaneId::Context,
        PaneId::Cards,
        PaneId::Agents,
        PaneId::Dagster,
    ];

    /// The keymap section and the `pane_NAME` action.
    pub fn name(self) -> &'static str {
        match self {
            PaneId::Dashboard => "dashboard",
            PaneId::Tasks => "tasks",
            PaneId::Jobs => "jobs",
            PaneId::Runs => "runs",
            PaneId::Chat => "chat",
            PaneId::Context => "context",
            PaneId::Cards => "cards",
            PaneId::Agents => "agents",
            PaneId::Dagster => "dagster",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            PaneId::Dashboard => "Dashboard",
            PaneId::Tasks => "Tasks",
            PaneId::Jobs => "Jobs",
            PaneId::Runs => "Runs",
            PaneId::Chat => "Chat",
            PaneId::Context => "Context",
            PaneId::Cards => "Cards",
            PaneId::Agents => "Agents",
            PaneId::Dagster => "Dagster",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            PaneId::Dashboard => "Go to the dashboard",
            PaneId::Tasks => "Go to the tasks",
            PaneId::Jobs => "Go to the jobs",
            PaneId::Runs => "Go to the run history",
            PaneId::Chat => "Chat with jr's gateway",
            PaneId::Context => "Search the context registry",
            PaneId::Cards => "Review the knowledge cards",
            PaneId::Agents => "Go to the agents, skills, MCP servers, models",
            PaneId::Dagster => "Dagster: health, jobs, schedules, sensors, runs",
        }
    }
}

/// Every pane, in tab order.
pub fn all(me: &str) -> Vec<Box<dyn Pane>> {
    vec![
        Box::new(dashboard::Dashboard::default()),
        Box::new(tasks::TasksPane::new(me)),
        Box::new(jobs::JobsPane::default()),
        Box::new(runs::RunsPane::default()),
        Box::new(chat::ChatPane::default()),
        Box::new(context::ContextPane::default()),
        Box::new(cards::CardsPane::default()),
        Box::new(agents::AgentsPane::default()),
        Box::new(dagster::DagsterPane::default()),
    ]
}

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

pub trait Pane: std::any::Any {
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
    fn draw(&self, f: &mut Frame<'_>, area: Rect, v: &View<'_>);
}
