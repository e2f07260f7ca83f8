//! The Context pane: the context registry searched as you type (each key
//! sends a search; answers to older keys are dropped by request id), the
//! sessions when the search box is empty, and a session's messages — read a
//! page at a time — opened from a hit (scrolled to it) or from a session.
//! State and update only; drawing is in `ui::context`.

mod view;

use ratatui::layout::Rect;

use crate::domain::context::Message;
use crate::engine::SessionRow;
use crate::tui::action::Action;
use crate::tui::effect::Effect;
use crate::tui::input::TextField;
use crate::tui::keymap::Section;
use crate::tui::pane::{Cx, Pane, PaneId};
use crate::tui::text;
use crate::tui::widgets::list::Scroller;
use crate::tui::widgets::list::{Step, step};
use crate::tui::worker::{Hits, Payload, Request, Response, Slot};

/// An open session: its messages so far and where the screen is.
#[derive(Debug, Clone, Default)]
pub struct SessionState {
    pub channel: String,
    pub session: String,
    pub row: Option<SessionRow>,
    pub messages: Vec<Message>,
    /// A full page came last: more may follow.
    pub more: bool,
    pub loading: bool,
    /// The first line on screen.
    pub top: usize,
    /// The hit to scroll to once its page is read.
    pub target: Option<i64>,
}

#[derive(Debug, Default)]
pub struct ContextPane {
    pub input: TextField,
    pub typing: bool,
    /// The answer for the query in the box (None while it is empty).
    pub hits: Option<Hits>,
    pub sessions: Vec<SessionRow>,
    /// Over the hits while searching, else over the sessions.
    pub list: Scroller,
    /// Why the last search found nothing to search for.
    pub error: Option<String>,
    pub loaded: bool,
    pub open: Option<SessionState>,
    pub area: Rect,
}

impl ContextPane {
    pub fn query(&self) -> &str {
        self.input.value().trim()
    }

    pub fn searching(&self) -> bool {
        !self.query().is_empty()
    }

    /// Rows a list line takes: a hit is two (where, then the snippet).
    pub fn row_height(&self) -> usize {
        if self.searching() { 2 } else { 1 }
    }

    fn list_len(&self) -> usize {
        match (&self.hits, self.searching()) {
            (Some(h), true) => h.hits.len(),
            (None, true) => 0,
            (_, false) => self.sessions.len(),
        }
    }

    /// The list's length and rows changed: the search box emptied or filled.
    fn relist(&mut self) {
        let rows = (self.area.height as usize).saturating_sub(2) / self.row_height();
        self.list.set_height(rows);
        self.list.set_len(self.list_len());
    }

    fn search(&mut self, cx: &mut Cx<'_>) -> Vec<Effect> {
        self.error = None;
        self.list.select(0);
        if !self.searching() {
            self.hits = None;
            self.relist();
            return Vec::new();
        }
        self.relist();
        let q = self.query().to_string();
        vec![
            cx.requests
                .make(Slot::ContextHits, Request::ContextSearch(q)),
        ]
    }

    fn open_selected(&mut self, cx: &mut Cx<'_>) -> Vec<Effect> {
        let i = self.list.selected;
        let (channel, session, target) = if self.searching() {
            match self.hits.as_ref().and_then(|h| h.hits.get(i)) {
                Some(h) => (h.channel.clone(), h.session.clone(), Some(h.id)),
                None => return Vec::new(),
            }
        } else {
            match self.sessions.get(i) {
                Some(s) => (s.channel.clone(), s.session.clone(), None),
                None => return Vec::new(),
            }
        };
        self.open = Some(SessionState {
            channel,
            session,
            target,
            ..SessionState::default()
        });
        self.page(0, cx)
    }

    fn page(&mut self, after: i64, cx: &mut Cx<'_>) -> Vec<Effect> {
        let Some(s) = &mut self.open else {
            return Vec::new();
        };
        s.loading = true;
        let req = Request::ContextSession {
            channel: s.channel.clone(),
            session: s.session.clone(),
            after,
        };
        vec![cx.requests.make(Slot::ContextSession, req)]
    }

    /// Message rows on screen in the session view (a title line above).
    fn view_height(&self) -> usize {
        (self.area.height as usize).saturating_sub(1).max(1)
    }

    /// The first line of each message, and the total.
    pub fn starts(&self, s: &SessionState) -> (Vec<usize>, usize) {
        let w = self.area.width as usize;
        let mut at = 0;
        let starts = s
            .messages
            .iter()
            .map(|m| {
                let here = at;
                at += message_height(m, w);
                here
            })
            .collect();
        (starts, at)
    }

    fn scroll(&mut self, delta: isize, cx: &mut Cx<'_>) -> Vec<Effect> {
        let h = self.view_height();
        let Some(s) = &self.open else {
            return Vec::new();
        };
        let (_, total) = self.starts(s);
        let max = total.saturating_sub(h);
        let top = (s.top as isize + delta).clamp(0, max as isize) as usize;
        let at_end = top >= max;
        let next = s.messages.last().map(|m| m.id);
        let Some(s) = &mut self.open else {
            return Vec::new();
        };
        s.top = top;
        match next {
            Some(after) if at_end && s.more && !s.loading => self.page(after, cx),
            _ => Vec::new(),
        }
    }

    fn on_page(&mut self, page: crate::tui::worker::SessionPage, cx: &mut Cx<'_>) -> Vec<Effect> {
        let Some(s) = &mut self.open else {
            return Vec::new();
        };
        if s.channel != page.view.session.channel || s.session != page.view.session.session {
            return Vec::new();
        }
        if page.after == 0 {
            s.messages = page.view.messages;
            s.top = 0;
        } else if s.messages.last().map(|m| m.id) == Some(page.after) {
            s.messages.extend(page.view.messages);
        }
        s.row = Some(page.view.session);
        s.more = page.more;
        s.loading = false;
        let Some(target) = s.target else {
            return Vec::new();
        };
        let s = s.clone();
        match s.messages.iter().position(|m| m.id == target) {
            Some(i) => {
                let (starts, total) = self.starts(&s);
                let top = starts[i].min(total.saturating_sub(self.view_height()));
                if let Some(o) = &mut self.open {
                    o.top = top;
                    o.target = None;
                }
                Vec::new()
            }
            // Not on this page: read on until it is (a session is finite).
            None if s.more => self.page(s.messages.last().map_or(0, |m| m.id), cx),
            None => {
                if let Some(o) = &mut self.open {
                    o.target = None;
                }
                Vec::new()
            }
        }
    }
}

impl Pane for ContextPane {
    fn id(&self) -> PaneId {
        PaneId::Context
    }

    fn slots(&self) -> &'static [Slot] {
        &[
            Slot::ContextHits,
            Slot::ContextSessions,
            Slot::ContextSession,
        ]
    }

    fn sections(&self) -> (Vec<Section>, bool) {
        if self.typing {
            (vec![Section::Form], true)
        } else {
            (vec![Section::Pane(PaneId::Context), Section::Global], false)
        }
    }

    fn update(&mut self, action: &Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        if self.typing {
            match action {
                Action::Text(e) => {
                    let before = self.query().to_string();
                    self.input.edit(e);
                    if self.query() != before {
                        return self.search(cx);
                    }
                }
                Action::Submit | Action::NextField => self.typing = false,
                Action::Back => {
                    self.typing = false;
                    self.input = TextField::default();
                    return self.search(cx);
                }
                _ => {}
            }
            return Vec::new();
        }
        if self.open.is_some() {
            let page = self.view_height() as isize;
            return match (step(action, page), action) {
                (Some(Step::By(n)), _) => self.scroll(n, cx),
                (Some(Step::Top), _) => self.scroll(isize::MIN / 2, cx),
                (Some(Step::Bottom), _) => self.scroll(isize::MAX / 2, cx),
                (_, Action::Back | Action::Collapse) => {
                    self.open = None;
                    Vec::new()
                }
                (_, Action::Filter) => {
                    self.open = None;
                    self.typing = true;
                    Vec::new()
                }
                (_, Action::Refresh) => self.page(0, cx),
                _ => Vec::new(),
            };
        }
        match action {
            Action::Filter => self.typing = true,
            a if self.list.navigate(a) => {}
            Action::Open => return self.open_selected(cx),
            Action::Back if self.searching() => {
                self.input = TextField::default();
                return self.search(cx);
            }
            Action::Refresh => return self.reload(cx),
            _ => {}
        }
        Vec::new()
    }

    fn on_response(&mut self, resp: Response, cx: &mut Cx<'_>) -> Vec<Effect> {
        match (resp.slot, resp.payload) {
            // An answer for a query since emptied is of no use.
            (_, Payload::ContextHits(h)) if h.query.trim() == self.query() => {
                self.hits = Some(*h);
                self.error = None;
                self.relist();
            }
            (_, Payload::ContextSessions(rows)) => {
                self.sessions = rows;
                self.loaded = true;
                self.relist();
            }
            (_, Payload::ContextSession(page)) => return self.on_page(*page, cx),
            (Slot::ContextHits, Payload::Failed(e)) => {
                self.hits = None;
                self.error = Some(e.message);
                self.relist();
            }
            (Slot::ContextSessions, Payload::Failed(e)) => {
                self.loaded = true;
                self.error = Some(e.message);
            }
            (Slot::ContextSession, Payload::Failed(e)) => {
                if let Some(s) = &mut self.open {
                    s.loading = false;
                    s.target = None;
                }
                cx.error(e.message);
            }
            _ => {}
        }
        Vec::new()
    }

    fn reload(&mut self, cx: &mut Cx<'_>) -> Vec<Effect> {
        let mut out = vec![
            cx.requests
                .make(Slot::ContextSessions, Request::ContextSessions),
        ];
        if self.searching() {
            let q = self.query().to_string();
            out.push(
                cx.requests
                    .make(Slot::ContextHits, Request::ContextSearch(q)),
            );
        }
        out
    }

    fn resize(&mut self, area: Rect) {
        self.area = area;
        self.relist();
    }

    fn footer(&self) -> Vec<Action> {
        if self.typing {
            vec![Action::Submit, Action::Back]
        } else if self.open.is_some() {
            vec![
                Action::Collapse,
                Action::PageDown,
                Action::Filter,
                Action::Help,
                Action::Quit,
            ]
        } else {
            vec![
                Action::Filter,
                Action::Open,
                Action::Palette,
                Action::Help,
                Action::Quit,
            ]
        }
    }

    fn loaded(&self) -> bool {
        self.loaded
    }
}

/// A message's text wrapped to the pane (`width` columns, indented by 3).
pub fn message_body(m: &Message, width: usize) -> Vec<String> {
    text::clean_lines(&m.content)
        .iter()
        .flat_map(|l| text::wrap(l, width.saturating_sub(4)))
        .collect()
}

/// Lines a message takes: its heading, its text, a blank.
pub fn message_height(m: &Message, width: usize) -> usize {
    message_body(m, width).len() + 2
}
