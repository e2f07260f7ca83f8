//! Which pane: the tabs, the number keys, the keymap sections and the
//! `pane_NAME` actions all follow from this list. A leaf: it imports nothing
//! of the TUI, so the keymap and the actions can name panes.

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
