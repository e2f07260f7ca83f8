//! Knowledge cards: made by the ambient job from conversations, reviewed
//! with SM-2. The model call lives in the executor (exec/ambient.rs); here
//! are the database sides.

use serde::{Deserialize, Serialize};

use super::Engine;
use crate::domain::AmbientSpec;
use crate::domain::cards::{Card, Sm2};
use crate::domain::context::Message;
use crate::error::{Error, Result};
use crate::store::{cards as repo, context};

/// A card as the model proposes it.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ProposedCard {
    pub question: String,
    pub answer: String,
    #[serde(default)]
    pub source_ids: Vec<i64>,
}

/// Channels an ambient job skips unless it names its channels: the chat
/// gateway's own conversation (questions like "오늘 할일 뭐야?" are not
/// knowledge).
pub const DEFAULT_SKIP_CHANNELS: [&str; 1] = ["gateway"];

/// What `unread_messages` found.
#[derive(Debug)]
pub struct Unread {
    pub messages: Vec<Message>,
    /// Where the job had stopped.
    pub mark: i64,
    /// Every message up to this id is read once `messages` are.
    pub through: i64,
}

#[derive(Debug, Serialize)]
pub struct CardCounts {
    pub cards: i64,
    pub due: i64,
}

impl Engine {
    /// Messages an ambient job has not read yet from the channels and
    /// clients it names (by default every channel but jr's own `gateway`
    /// chatter), where it stopped, and the newest message id looked at:
    /// once every message up to it is read, the job's mark can move there,
    /// past the messages it does not read.
    pub fn unread_messages(&self, job: &str, limit: usize, spec: &AmbientSpec) -> Result<Unread> {
        let conn = self.store.conn();
        let mark = repo::mark(conn, job, "context")?;
        let upto = context::max_id(conn)?;
        let skip: &[&str] = if spec.channels.is_empty() {
            &DEFAULT_SKIP_CHANNELS
        } else {
            &[]
        };
        let messages = context::messages_after_in(
            conn,
            mark,
            upto,
            &spec.channels,
            &spec.clients,
            skip,
            limit,
        )?;
        // A full batch may leave more behind: then stop at its last message.
        let through = if messages.len() == limit {
            messages.last().map_or(mark, |m| m.id)
        } else {
            upto.max(mark)
        };
        Ok(Unread {
            messages,
            mark,
            through,
        })
    }

    /// Store proposed cards (dropping empty ones and sources outside `read`)
    /// and move the job's watermark to `through`, in one transaction.
    pub fn save_cards(
        &self,
        job: &str,
        run_id: Option<i64>,
        cards: &[ProposedCard],
        read: &[i64],
        through: i64,
    ) -> Result<usize> {
        let now = self.now();
        self.store.write(|tx| {
            let mut n = 0;
            for c in cards {
                let (q, a) = (c.question.trim(), c.answer.trim());
                if q.is_empty() || a.is_empty() {
                    continue;
                }
                let sources: Vec<i64> = c
                    .source_ids
                    .iter()
                    .copied()
                    .filter(|id| read.contains(id))
                    .collect();
                repo::insert(tx, q, a, &sources, run_id, now)?;
                n += 1;
            }
            repo::set_mark(tx, job, "context", through)?;
            Ok(n)
        })
    }

    pub fn cards_due(&self, limit: usize) -> Result<Vec<Card>> {
        repo::due(self.store.conn(), self.now(), limit)
    }

    pub fn list_cards(&self, limit: usize) -> Result<Vec<Card>> {
        repo::list(self.store.conn(), limit)
    }

    pub fn card_counts(&self) -> Result<CardCounts> {
        let (cards, due) = repo::counts(self.store.conn(), self.now())?;
        Ok(CardCounts { cards, due })
    }

    pub fn get_card(&self, id: i64) -> Result<Card> {
        repo::get(self.store.conn(), id)?.ok_or_else(|| {
            Error::user(format!("no card with id {id}")).hint("`jr cards list` shows the cards")
        })
    }

    /// Record a review: grade 0..=5; returns the card with its next due date.
    pub fn grade_card(&self, id: i64, grade: u8) -> Result<Card> {
        if grade > 5 {
            return Err(Error::user(format!(
                "grade {grade}: use 0-5 (or again, hard, good, easy)"
            )));
        }
        let now = self.now();
        self.store.write(|tx| {
            let c =
                repo::get(tx, id)?.ok_or_else(|| Error::user(format!("no card with id {id}")))?;
            let state = Sm2 {
                ease: c.ease,
                interval_days: c.interval_days,
                repetitions: c.repetitions,
            };
            let (next, due) = state.review(grade, now);
            repo::set_schedule(tx, id, next, due, grade, now)
        })?;
        self.get_card(id)
    }
}

/// A card's question or answer at most (bytes): a card is a flash card.
pub const MAX_CARD_TEXT_BYTES: usize = 16 * 1024;

/// Changing and deleting cards (the Cards pane, `jr cards edit|rm`).
impl Engine {
    /// Replace a card's question and/or answer (None keeps it). The text is
    /// trimmed, must not be empty, is capped, and has its secrets redacted
    /// like everything jr stores; the review schedule is kept.
    pub fn edit_card(&self, id: i64, question: Option<&str>, answer: Option<&str>) -> Result<Card> {
        let old = self.get_card(id)?;
        let check = |what: &str, s: &str| -> Result<String> {
            let s = s.trim();
            if s.is_empty() {
                return Err(Error::user(format!("the {what} is empty"))
                    .hint("a card needs a question and an answer"));
            }
            if s.len() > MAX_CARD_TEXT_BYTES {
                return Err(Error::user(format!(
                    "the {what} is {} bytes; a card's {what} takes {MAX_CARD_TEXT_BYTES} at most",
                    s.len()
                )));
            }
            Ok(crate::domain::context::redact::redact(s).0)
        };
        let q = match question {
            Some(q) => check("question", q)?,
            None => old.question,
        };
        let a = match answer {
            Some(a) => check("answer", a)?,
            None => old.answer,
        };
        self.store.write(|tx| {
            if !repo::set_text(tx, id, &q, &a)? {
                return Err(Error::user(format!("no card with id {id}")));
            }
            Ok(())
        })?;
        self.get_card(id)
    }

    /// Delete a card (its review history goes with it); returns it as it was.
    pub fn remove_card(&self, id: i64) -> Result<Card> {
        let c = self.get_card(id)?;
        self.store.write(|tx| {
            if !repo::delete(tx, id)? {
                return Err(Error::user(format!("no card with id {id}")));
            }
            Ok(())
        })?;
        Ok(c)
    }
}
