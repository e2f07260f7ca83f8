//! The Chat pane: one running conversation of the gateway, a badge per turn
//! (route · via), a one-line input that takes Korean and pastes
//! (tui-input). Enter sends the message to the worker (router, then the
//! engine); it shows at once and its reply fills in when it comes (a
//! model's or an agent's answer grows as it streams). Esc leaves the input
//! to browse the turns: rate the selected answer 👍/👎 (kept with the turn),
//! jump to the task or run it made, start a new conversation or switch to an
//! earlier one. State and update only; drawing is in `ui::chat`.

mod view;

use ratatui::layout::Rect;

use crate::engine::chat::{ChatSession, ChatTurn};
use crate::tui::action::Action;
use crate::tui::effect::Effect;
use crate::tui::input::TextField;
use crate::tui::keymap::Section;
use crate::tui::pane::{Cx, Pane, PaneId};
use crate::tui::widgets::list::Scroller;
use crate::tui::worker::{Mutation, Payload, Request, Response, Slot};

/// A message sent and waiting for its turn.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub message: String,
    /// The newest turn id known when it was sent: its turn comes after.
    pub after: i64,
}

#[derive(Debug)]
pub struct ChatPane {
    /// The running conversation.
    pub session: String,
    /// Conversations, most recently active first.
    pub sessions: Vec<ChatSession>,
    pub turns: Vec<ChatTurn>,
    /// Sent, waiting for the reply (in order).
    pub pending: Vec<Pending>,
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
            session: String::new(),
            sessions: Vec::new(),
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
        let after = self.turns.iter().map(|t| t.id).max().unwrap_or(0);
        self.pending.push(Pending {
            message: msg.clone(),
            after,
        });
        if self.session.is_empty() {
            self.session = crate::tui::worker::FIRST_SESSION.to_string();
        }
        Self::mutate(
            Mutation::Chat {
                session: self.session.clone(),
                message: msg,
            },
            cx,
        )
    }

    /// Whether stored turn `t` is the reply to pending message `p` (the
    /// stored message is redacted, so a key typed in reads differently).
    fn answers(p: &Pending, t: &ChatTurn) -> bool {
        t.id > p.after
            && (t.message == p.message
                || t.message == crate::domain::context::redact::redact(&p.message).0)
    }

    /// Drop the pending messages whose turns have arrived.
    fn settle(&mut self, turns: &[ChatTurn]) {
        let partial = &mut self.partial;
        self.pending.retain(|p| {
            let done = turns.iter().any(|t| Self::answers(p, t));
            if done {
                partial.remove(&p.message);
            }
            !done
        });
    }

    /// A new conversation: the next messages are stored under a new name.
    fn new_session(&mut self, cx: &mut Cx<'_>) {
        self.session = format!("tui-{}", cx.now.format("%Y%m%d-%H%M%S"));
        self.turns.clear();
        self.pending.clear();
        self.partial.clear();
        self.list.set_len(0);
        self.composing = true;
        cx.info(format!("a new conversation: {}", self.session));
    }

    /// The next earlier conversation (around to the newest after the oldest).
    fn switch_session(&mut self, cx: &mut Cx<'_>) -> Vec<Effect> {
        if self.sessions.is_empty() {
            cx.info("there is no other conversation yet");
            return Vec::new();
        }
        let at = self.sessions.iter().position(|s| s.session == self.session);
        let next = match at {
            Some(i) => (i + 1) % self.sessions.len(),
            None => 0,
        };
        let name = self.sessions[next].session.clone();
        self.pending.clear();
        self.partial.clear();
        vec![
            cx.requests
                .make(Slot::Chat, Request::ChatHistory(Some(name))),
        ]
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
        // Its pending message is settled whether the turn came first through
        // a reload of the history or comes now.
        if let Some(i) = self.pending.iter().position(|p| Self::answers(p, &t)) {
            let p = self.pending.remove(i);
            self.partial.remove(&p.message);
        }
        match self.turns.iter_mut().find(|x| x.id == t.id) {
            Some(x) => *x = t,
            None if t.session == self.session || self.session.is_empty() => {
                self.turns.push(t);
                self.list.set_len(self.turns.len());
                self.list.select(self.turns.len() - 1);
            }
            None => {}
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
            a if self.list.navigate(a) => {}
            Action::RateUp => return self.rate(1, cx),
            Action::RateDown => return self.rate(-1, cx),
            Action::Open => self.jump(cx),
            Action::ChatNew => self.new_session(cx),
            Action::ChatSwitch => return self.switch_session(cx),
            Action::Refresh => return self.reload(cx),
            _ => {}
        }
        Vec::new()
    }

    fn on_response(&mut self, resp: Response, cx: &mut Cx<'_>) -> Vec<Effect> {
        match (resp.slot, resp.payload) {
            (
                _,
                Payload::ChatHistory {
                    session,
                    turns,
                    sessions,
                },
            ) => {
                self.sessions = sessions;
                // A new conversation not stored yet keeps its (empty) turns.
                if !self.session.is_empty()
                    && session != self.session
                    && !self.sessions.iter().any(|s| s.session == self.session)
                    && self.loaded
                {
                    return Vec::new();
                }
                let keep = self.selected().map(|t| t.id);
                self.settle(&turns);
                self.session = session;
                self.turns = turns;
                self.loaded = true;
                self.list.set_len(self.turns.len());
                let at = keep
                    .and_then(|id| self.turns.iter().position(|t| t.id == id))
                    .unwrap_or(self.turns.len().saturating_sub(1));
                self.list.select(at);
            }
            (Slot::Mutation, Payload::Chatted(t)) => self.upsert(*t),
            (Slot::Mutation, Payload::ChatRated(t)) => {
                cx.info(match t.rating {
                    Some(1) => "rated 👍 — kept with the decision",
                    Some(_) => "rated 👎 — kept with the decision",
                    None => "rating taken back",
                });
                self.upsert(*t);
            }
            (Slot::Mutation, Payload::ChatPartial { message, text })
                if self.pending.iter().any(|p| p.message == message) && !text.is_empty() =>
            {
                self.partial.insert(message, text);
            }
            (Slot::Mutation, Payload::Failed(_)) if !self.pending.is_empty() => {
                // The error is shown as a notice; the message is not lost.
                let p = self.pending.remove(0);
                self.partial.remove(&p.message);
                if self.input.value().is_empty() {
                    self.input = TextField::new(&p.message);
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
        let session = (!self.session.is_empty()).then(|| self.session.clone());
        vec![cx.requests.make(Slot::Chat, Request::ChatHistory(session))]
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
                Action::ChatNew,
                Action::ChatSwitch,
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
}
