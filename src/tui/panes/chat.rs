//! The Chat pane: the gateway's conversation, a badge per turn (route ·
//! via), a one-line input that takes Korean and pastes (tui-input). Enter
//! sends the message to the worker (router, then the engine); it shows at
//! once and its reply fills in when it comes. Esc leaves the input to browse
//! the turns: rate the selected answer 👍/👎 (kept with the turn) and jump to
//! the task or run it made. State and update only; drawing is in `ui::chat`.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::scroll::Scroller;
use super::{Cx, Pane, PaneId, View};
use crate::engine::chat::ChatTurn;
use crate::tui::action::Action;
use crate::tui::effect::Effect;
use crate::tui::input::TextField;
use crate::tui::keymap::Section;
use crate::tui::worker::{Mutation, Payload, Request, Response, Slot};

#[derive(Debug)]
pub struct ChatPane {
    pub turns: Vec<ChatTurn>,
    /// Sent, waiting for the reply (in order).
    pub pending: Vec<String>,
    /// The answer so far of pending messages a model is writing.
    pub partial: std::collections::HashMap<String, String>,
    pub input: TextField,
    /// Typing (true) or browsing the turns (false).
    pub composing: bool,
    /// The selected turn while browsing.
    pub list: Scroller,
    pub loaded: bool,
    pub area: Rect,
}

impl Default for ChatPane {
    fn default() -> ChatPane {
        ChatPane {
            turns: Vec::new(),
            pending: Vec::new(),
            partial: Default::default(),
            input: TextField::default(),
            composing: true,
            list: Scroller::default(),
            loaded: false,
            area: Rect::default(),
        }
    }
}

impl ChatPane {
    pub fn selected(&self) -> Option<&ChatTurn> {
        if self.composing {
            return None;
        }
        self.turns.get(self.list.selected)
    }

    fn mutate(m: Mutation, cx: &mut Cx<'_>) -> Vec<Effect> {
        vec![cx.requests.make(Slot::Mutation, Request::Mutate(m))]
    }

    fn send(&mut self, cx: &mut Cx<'_>) -> Vec<Effect> {
        let msg = self.input.value().trim().to_string();
        if msg.is_empty() {
            return Vec::new();
        }
        self.input = TextField::default();
        self.pending.push(msg.clone());
        Self::mutate(Mutation::Chat(msg), cx)
    }

    fn rate(&self, want: i8, cx: &mut Cx<'_>) -> Vec<Effect> {
        match self.selected() {
            // The same rating again takes it back.
            Some(t) => {
                let r = (t.rating != Some(want)).then_some(want);
                Self::mutate(Mutation::Rate(t.id, r), cx)
            }
            None => Vec::new(),
        }
    }

    fn jump(&self, cx: &mut Cx<'_>) {
        match self.selected() {
            Some(ChatTurn {
                run_id: Some(id), ..
            }) => *cx.goto = Some((PaneId::Runs, Some(Action::OpenRun(*id)))),
            Some(ChatTurn {
                task_id: Some(id), ..
            }) => *cx.goto = Some((PaneId::Tasks, Some(Action::OpenTask(*id)))),
            Some(_) => cx.info("this message made no task or run"),
            None => {}
        }
    }

    fn upsert(&mut self, t: ChatTurn) {
        match self.turns.iter_mut().find(|x| x.id == t.id) {
            Some(x) => *x = t,
            None => {
                if let Some(i) = self.pending.iter().position(|m| *m == t.message) {
                    self.partial.remove(&t.message);
                    self.pending.remove(i);
                }
                self.turns.push(t);
                self.list.set_len(self.turns.len());
                self.list.select(self.turns.len() - 1);
            }
        }
    }
}

impl Pane for ChatPane {
    fn id(&self) -> PaneId {
        PaneId::Chat
    }

    fn slots(&self) -> &'static [Slot] {
        &[Slot::Chat]
    }

    fn sections(&self) -> (Vec<Section>, bool) {
        if self.composing {
            (vec![Section::Compose], true)
        } else {
            (vec![Section::Pane(PaneId::Chat), Section::Global], false)
        }
    }

    fn update(&mut self, action: &Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        if self.composing {
            match action {
                Action::Text(e) => self.input.edit(e),
                Action::Submit => return self.send(cx),
                Action::Back => {
                    self.composing = false;
                    self.list.select(self.turns.len().saturating_sub(1));
                }
                Action::PageUp | Action::Up => {
                    self.composing = false;
                    self.list.select(self.turns.len().saturating_sub(1));
                }
                _ => {}
            }
            return Vec::new();
        }
        match action {
            Action::Compose | Action::Add => self.composing = true,
            Action::Up => self.list.move_by(-1),
            Action::Down => self.list.move_by(1),
            Action::PageUp => self.list.move_by(-self.list.page()),
            Action::PageDown => self.list.move_by(self.list.page()),
            Action::Scroll(n) => self.list.move_by(*n as isize),
            Action::Top => self.list.select(0),
            Action::Bottom => self.list.select(usize::MAX),
            Action::RateUp => return self.rate(1, cx),
            Action::RateDown => return self.rate(-1, cx),
            Action::Open => self.jump(cx),
            Action::Refresh => return self.reload(cx),
            _ => {}
        }
        Vec::new()
    }

    fn on_response(&mut self, resp: Response, cx: &mut Cx<'_>) -> Vec<Effect> {
        match (resp.slot, resp.payload) {
            (_, Payload::ChatHistory(turns)) => {
                let keep = self.selected().map(|t| t.id);
                self.turns = turns;
                self.loaded = true;
                self.list.set_len(self.turns.len());
                let at = keep
                    .and_then(|id| self.turns.iter().position(|t| t.id == id))
                    .unwrap_or(self.turns.len().saturating_sub(1));
                self.list.select(at);
            }
            (Slot::Mutation, Payload::Chatted(t)) => {
                let rated = self.turns.iter().any(|x| x.id == t.id);
                if rated {
                    cx.info(match t.rating {
                        Some(1) => "rated 👍 — kept with the decision",
                        Some(_) => "rated 👎 — kept with the decision",
                        None => "rating taken back",
                    });
                }
                self.upsert(*t);
            }
            (Slot::Mutation, Payload::ChatPartial { message, text })
                if self.pending.contains(&message) && !text.is_empty() =>
            {
                self.partial.insert(message, text);
            }
            (Slot::Mutation, Payload::Failed(_)) if !self.pending.is_empty() => {
                // The error is shown as a notice; the message is not lost.
                let msg = self.pending.remove(0);
                self.partial.remove(&msg);
                if self.input.value().is_empty() {
                    self.input = TextField::new(&msg);
                }
            }
            (Slot::Chat, Payload::Failed(e)) => {
                self.loaded = true;
                cx.error(e.message);
            }
            _ => {}
        }
        Vec::new()
    }

    fn reload(&mut self, cx: &mut Cx<'_>) -> Vec<Effect> {
        vec![cx.requests.make(Slot::Chat, Request::ChatHistory)]
    }

    fn resize(&mut self, area: Rect) {
        self.area = area;
    }

    fn footer(&self) -> Vec<Action> {
        if self.composing {
            vec![Action::Submit, Action::Back, Action::NextPane, Action::Quit]
        } else {
            vec![
                Action::RateUp,
                Action::RateDown,
                Action::Open,
                Action::Compose,
                Action::Palette,
                Action::Help,
            ]
        }
    }

    fn unsaved(&self) -> bool {
        !self.input.value().trim().is_empty()
    }

    fn loaded(&self) -> bool {
        self.loaded
    }

    fn draw(&self, f: &mut Frame<'_>, area: Rect, v: &View<'_>) {
        crate::tui::ui::chat::draw(f, area, self, v);
    }
}
