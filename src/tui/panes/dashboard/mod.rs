//! The dashboard: what a person wants to see first after `ssh home` — tasks
//! by status, what is late, what is ready, the database's size. Jobs and runs
//! get their sections when the scheduler lands; until then they say so.

mod view;

use ratatui::layout::Rect;

use crate::tui::action::Action;
use crate::tui::effect::Effect;
use crate::tui::keymap::Section;
use crate::tui::pane::{Cx, Pane, PaneId};
use crate::tui::widgets::loadable::Loadable;
use crate::tui::worker::{DashboardData, Payload, Request, Response, Slot};

#[derive(Debug, Default)]
pub struct Dashboard {
    pub data: Loadable<DashboardData>,
}

impl Pane for Dashboard {
    fn id(&self) -> PaneId {
        PaneId::Dashboard
    }

    fn slots(&self) -> &'static [Slot] {
        &[Slot::Dashboard]
    }

    fn sections(&self) -> (Vec<Section>, bool) {
        (
            vec![Section::Pane(PaneId::Dashboard), Section::Global],
            false,
        )
    }

    fn update(&mut self, action: &Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        match action {
            Action::Refresh => self.reload(cx),
            Action::Add => {
                *cx.goto = Some((PaneId::Tasks, Some(Action::Add)));
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn on_response(&mut self, resp: Response, _cx: &mut Cx<'_>) -> Vec<Effect> {
        match resp.payload {
            Payload::Dashboard(d) => {
                self.data.set(*d);
            }
            Payload::Failed(e) if resp.slot == Slot::Dashboard => self.data.fail(e.message),
            _ => {}
        }
        Vec::new()
    }

    fn reload(&mut self, cx: &mut Cx<'_>) -> Vec<Effect> {
        vec![cx.requests.make(Slot::Dashboard, Request::Dashboard)]
    }

    fn resize(&mut self, _area: Rect) {}

    fn footer(&self) -> Vec<Action> {
        vec![
            Action::GoPane(PaneId::Tasks),
            Action::Add,
            Action::Palette,
            Action::Help,
            Action::Quit,
        ]
    }

    fn loaded(&self) -> bool {
        self.data.loaded()
    }
}
