//! The panes, one folder each: `mod.rs` holds the state, its update, the
//! `Pane` impl and the pane's layout constants; `view.rs` draws it (importing
//! only its pane, `widgets`, the theme and ratatui). The contract they share
//! is `tui::pane`; the lists, forms and loading lines they share are
//! `tui::widgets`. See ARCHITECTURE.md, "adding a pane".

pub mod agents;
pub mod cards;
pub mod chat;
pub mod context;
pub mod dagster;
pub mod dashboard;
pub mod jobs;
pub mod runs;
pub mod tasks;

use crate::tui::pane::Pane;

/// Every pane, in tab order (the order of `PaneId::ALL`).
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
