//! The Agents pane, read-only: the configured agents (model, skills,
//! temperature, max_tokens), their recent executions, the skills, the MCP
//! servers and the model registry — one list at a time, `v` for the next,
//! the selected item's details under it. Changes go through `jr agents`,
//! `jr skills`, `jr mcps` and `jr models`. Drawing is in `ui::agents`.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::scroll::Scroller;
use super::{Cx, Pane, PaneId, View};
use crate::tui::action::Action;
use crate::tui::effect::Effect;
use crate::tui::keymap::Section;
use crate::tui::worker::{AgentsData, Payload, Request, Response, Slot};

/// The pane's lists, in the order `v` walks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AgentsView {
    #[default]
    Agents,
    Runs,
    Skills,
    Mcps,
    Models,
}

impl AgentsView {
    pub const ALL: [AgentsView; 5] = [
        AgentsView::Agents,
        AgentsView::Runs,
        AgentsView::Skills,
        AgentsView::Mcps,
        AgentsView::Models,
    ];

    pub fn title(self) -> &'static str {
        match self {
            AgentsView::Agents => "Agents",
            AgentsView::Runs => "Executions",
            AgentsView::Skills => "Skills",
            AgentsView::Mcps => "MCP servers",
            AgentsView::Models => "Models",
        }
    }

    fn next(self) -> AgentsView {
        let i = AgentsView::ALL.iter().position(|v| *v == self).unwrap_or(0);
        AgentsView::ALL[(i + 1) % AgentsView::ALL.len()]
    }
}

#[derive(Debug, Default)]
pub struct AgentsPane {
    pub data: Option<AgentsData>,
    pub error: Option<String>,
    pub view: AgentsView,
    pub list: Scroller,
    pub area: Rect,
}

impl AgentsPane {
    /// Items in a list.
    pub fn len_of(&self, view: AgentsView) -> usize {
        let Some(d) = &self.data else {
            return 0;
        };
        match view {
            AgentsView::Agents => d.agents.len(),
            AgentsView::Runs => d.runs.len(),
            AgentsView::Skills => d.skills.len(),
            AgentsView::Mcps => d.mcps.len(),
            AgentsView::Models => d.models.len(),
        }
    }
}

impl Pane for AgentsPane {
    fn id(&self) -> PaneId {
        PaneId::Agents
    }

    fn slots(&self) -> &'static [Slot] {
        &[Slot::Agents]
    }

    fn sections(&self) -> (Vec<Section>, bool) {
        (vec![Section::Pane(PaneId::Agents), Section::Global], false)
    }

    fn update(&mut self, action: &Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        match action {
            Action::NextView => {
                self.view = self.view.next();
                self.list.set_len(self.len_of(self.view));
                self.list.select(0);
            }
            Action::Up => self.list.move_by(-1),
            Action::Down => self.list.move_by(1),
            Action::PageUp => self.list.move_by(-self.list.page()),
            Action::PageDown => self.list.move_by(self.list.page()),
            Action::Scroll(n) => self.list.move_by(*n as isize),
            Action::Top => self.list.select(0),
            Action::Bottom => self.list.select(usize::MAX),
            Action::Refresh => return self.reload(cx),
            _ => {}
        }
        Vec::new()
    }

    fn on_response(&mut self, resp: Response, _cx: &mut Cx<'_>) -> Vec<Effect> {
        match (resp.slot, resp.payload) {
            (_, Payload::Agents(d)) => {
                self.data = Some(*d);
                self.error = None;
                self.list.set_len(self.len_of(self.view));
            }
            (Slot::Agents, Payload::Failed(e)) => self.error = Some(e.message),
            _ => {}
        }
        Vec::new()
    }

    fn reload(&mut self, cx: &mut Cx<'_>) -> Vec<Effect> {
        vec![cx.requests.make(Slot::Agents, Request::Agents)]
    }

    fn resize(&mut self, area: Rect) {
        self.area = area;
        let rows = area
            .height
            .saturating_sub(2 + crate::tui::ui::agents::DETAIL_ROWS);
        self.list.set_height(rows as usize);
    }

    fn footer(&self) -> Vec<Action> {
        vec![
            Action::NextView,
            Action::Down,
            Action::Palette,
            Action::Help,
            Action::Quit,
        ]
    }

    fn loaded(&self) -> bool {
        self.data.is_some() || self.error.is_some()
    }

    fn draw(&self, f: &mut Frame<'_>, area: Rect, v: &View<'_>) {
        crate::tui::ui::agents::draw(f, area, self, v);
    }
}
