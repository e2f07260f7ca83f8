//! The Cards pane: review the knowledge cards that are due — the question,
//! a key shows the answer, a grade (again/hard/good/easy: SM-2's 1/3/4/5)
//! schedules the card and the next one comes up — or list every card. The
//! card shown (under review, or selected in the list) is corrected in place
//! (`e`: question and answer) or deleted (`D`, asked first). State and
//! update only; drawing is in `view.rs`.

mod view;

use ratatui::layout::Rect;

use crate::domain::cards::Card;
use crate::domain::due::relative;
use crate::tui::action::Action;
use crate::tui::editor::EditRequest;
use crate::tui::effect::Effect;
use crate::tui::input::TextField;
use crate::tui::keymap::Section;
use crate::tui::pane::{Cx, Pane, PaneId};
use crate::tui::widgets::form::from_editor;
use crate::tui::widgets::list::Scroller;
use crate::tui::widgets::loadable::Loadable;
use crate::tui::worker::{CardsData, Mutation, Payload, Request, Response, Slot};

/// Rows the selected card's box takes under the list.
pub const DETAIL_ROWS: u16 = 7;

/// The command that sets up the job making cards, shown when there are none.
pub const HOW_TO_ADD: &str =
    "jr jobs add cards --ambient knowledge-cards --model ollama/qwen2.5:7b --cron \"0 3 * * *\"";

#[derive(Debug, Default)]
pub struct CardsPane {
    pub data: Loadable<CardsData>,
    /// Listing every card (true) or reviewing the due ones (false).
    pub listing: bool,
    /// The answer of the card under review is shown.
    pub revealed: bool,
    /// Over every card, in the list.
    pub list: Scroller,
    pub area: Rect,
    /// Correcting a card.
    pub form: Option<CardForm>,
    /// Delete this card (id, question)?
    pub confirm: Option<(i64, String)>,
    /// A change was asked for; its answer closes the form.
    changing: bool,
}

/// The card form: question and answer, Tab between them, Enter saves.
#[derive(Debug, Clone, Default)]
pub struct CardForm {
    pub id: i64,
    pub question: TextField,
    pub answer: TextField,
    /// The answer field has the focus.
    pub on_answer: bool,
    pub error: Option<String>,
    initial: (String, String),
}

impl CardForm {
    fn new(c: &Card) -> CardForm {
        CardForm {
            id: c.id,
            question: TextField::new(&c.question),
            answer: TextField::new(&c.answer),
            on_answer: false,
            error: None,
            initial: (c.question.clone(), c.answer.clone()),
        }
    }

    pub fn dirty(&self) -> bool {
        (self.question.value(), self.answer.value())
            != (self.initial.0.as_str(), self.initial.1.as_str())
    }
}

impl CardsPane {
    /// The card under review: the one due longest.
    pub fn current(&self) -> Option<&Card> {
        self.data.as_ref().and_then(|d| d.due.first())
    }

    pub fn selected(&self) -> Option<&Card> {
        self.data
            .as_ref()
            .and_then(|d| d.all.get(self.list.selected))
    }

    /// The card the keys act on: the selected one in the list, else the one under review.
    fn shown(&self) -> Option<&Card> {
        if self.listing {
            self.selected()
        } else {
            self.current()
        }
    }

    /// Keys while the form or the question is open; None when neither is.
    fn update_modal(&mut self, action: &Action, cx: &mut Cx<'_>) -> Option<Vec<Effect>> {
        if let Some((id, _)) = self.confirm {
            if *action == Action::Yes {
                self.changing = true;
                self.confirm = None;
                let m = Mutation::RemoveCard(id);
                return Some(vec![cx.requests.make(Slot::Mutation, Request::Mutate(m))]);
            }
            if matches!(action, Action::No | Action::Back) {
                self.confirm = None;
            }
            return Some(Vec::new());
        }
        let form = self.form.as_mut()?;
        match action {
            Action::Back => self.form = None,
            Action::NextField | Action::PrevField => form.on_answer = !form.on_answer,
            Action::ExternalEdit => {
                let (key, text) = if form.on_answer {
                    ("answer", form.answer.value())
                } else {
                    ("question", form.question.value())
                };
                return Some(vec![Effect::Edit(EditRequest {
                    pane: PaneId::Cards,
                    key: key.into(),
                    text: text.to_string(),
                    suffix: ".md",
                })]);
            }
            Action::Edited { key, text, .. } => match text {
                Ok(t) if key == "answer" => form.answer = TextField::new(&from_editor(t)),
                Ok(t) => form.question = TextField::new(&from_editor(t)),
                Err(e) => form.error = Some(e.clone()),
            },
            Action::Text(e) => {
                form.error = None;
                if form.on_answer {
                    form.answer.edit(e)
                } else {
                    form.question.edit(e)
                }
            }
            Action::Submit => {
                let (q, a) = (form.question.value().trim(), form.answer.value().trim());
                if q.is_empty() || a.is_empty() {
                    form.error = Some("a card needs a question and an answer".into());
                    return Some(Vec::new());
                }
                let m = Mutation::EditCard {
                    id: form.id,
                    question: q.to_string(),
                    answer: a.to_string(),
                };
                self.changing = true;
                return Some(vec![cx.requests.make(Slot::Mutation, Request::Mutate(m))]);
            }
            _ => {}
        }
        Some(Vec::new())
    }

    fn grade(&mut self, grade: u8, cx: &mut Cx<'_>) -> Vec<Effect> {
        let Some(id) = self.current().map(|c| c.id) else {
            cx.info("no card is due");
            return Vec::new();
        };
        if !self.revealed {
            cx.info("Space shows the answer first; then grade it");
            return Vec::new();
        }
        self.revealed = false;
        vec![
            cx.requests
                .make(Slot::Mutation, Request::Mutate(Mutation::Grade(id, grade))),
        ]
    }
}

impl Pane for CardsPane {
    fn id(&self) -> PaneId {
        PaneId::Cards
    }

    fn slots(&self) -> &'static [Slot] {
        &[Slot::Cards]
    }

    fn sections(&self) -> (Vec<Section>, bool) {
        crate::tui::pane::sections(PaneId::Cards, self.confirm.is_some(), self.form.is_some())
    }

    fn update(&mut self, action: &Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        if let Some(effects) = self.update_modal(action, cx) {
            return effects;
        }
        match action {
            Action::Edit => match self.shown() {
                Some(c) => self.form = Some(CardForm::new(c)),
                None => cx.info("no card to edit here"),
            },
            Action::Delete => match self.shown() {
                Some(c) => self.confirm = Some((c.id, crate::tui::text::clean(&c.question))),
                None => cx.info("no card to delete here"),
            },
            Action::NextView => {
                self.listing = !self.listing;
                self.list.select(0);
            }
            Action::Refresh => return self.reload(cx),
            Action::Reveal if !self.listing => self.revealed = !self.revealed,
            Action::Grade(g) if !self.listing => return self.grade(*g, cx),
            Action::Grade(_) | Action::Reveal => cx.info("v goes back to the review"),
            a if self.list.navigate(a) => {}
            _ => {}
        }
        Vec::new()
    }

    fn on_response(&mut self, resp: Response, cx: &mut Cx<'_>) -> Vec<Effect> {
        match (resp.slot, resp.payload) {
            (_, Payload::Cards(d)) => {
                // A different card on top: its answer starts hidden.
                if self.current().map(|c| c.id) != d.due.first().map(|c| c.id) {
                    self.revealed = false;
                }
                self.list.set_len(d.all.len());
                self.data.set(*d);
            }
            (Slot::Mutation, Payload::CardGraded(c)) => {
                cx.info(format!(
                    "card #{} is due again {}",
                    c.id,
                    relative(c.due_at, cx.now)
                ));
            }
            (Slot::Mutation, Payload::Changed { message, .. }) if self.changing => {
                self.changing = false;
                self.form = None;
                cx.info(message);
            }
            (Slot::Mutation, Payload::Failed(e)) if self.changing => {
                self.changing = false;
                match self.form.as_mut() {
                    Some(f) => f.error = Some(e.message),
                    None => cx.error(e.message),
                }
            }
            (Slot::Cards, Payload::Failed(e)) => self.data.fail(e.message),
            _ => {}
        }
        Vec::new()
    }

    fn reload(&mut self, cx: &mut Cx<'_>) -> Vec<Effect> {
        vec![cx.requests.make(Slot::Cards, Request::Cards)]
    }

    fn resize(&mut self, area: Rect) {
        self.area = area;
        // A header line, and the selected card's box under the list.
        let rows = area.height.saturating_sub(1 + DETAIL_ROWS);
        self.list.set_height(rows as usize);
    }

    fn unsaved(&self) -> bool {
        self.form.as_ref().is_some_and(|f| f.dirty())
    }

    fn footer(&self) -> Vec<Action> {
        if self.confirm.is_some() {
            return vec![Action::Yes, Action::No];
        }
        if self.form.is_some() {
            return vec![Action::Submit, Action::NextField, Action::Back];
        }
        if self.listing {
            vec![
                Action::NextView,
                Action::Palette,
                Action::Help,
                Action::Quit,
            ]
        } else if self.revealed {
            vec![
                Action::Grade(1),
                Action::Grade(3),
                Action::Grade(4),
                Action::Grade(5),
                Action::NextView,
                Action::Help,
            ]
        } else {
            vec![
                Action::Reveal,
                Action::NextView,
                Action::Palette,
                Action::Help,
                Action::Quit,
            ]
        }
    }

    fn loaded(&self) -> bool {
        self.data.loaded()
    }
}
