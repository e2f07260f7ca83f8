//! The worker's side of the Chat pane: one message through the gateway (in
//! the pane's conversation), the conversation so far and the list of
//! conversations, ratings.

use std::sync::Arc;

use super::background::SendPartial;
use super::{Payload, WorkerState};
use crate::clients::llm::Llm;
use crate::engine::chat::{ChatSetup, turn_streaming};
use crate::engine::shared::Shared;
use crate::error::{Error, Result};

/// Turns shown when a conversation opens.
pub const HISTORY: usize = 100;

/// Conversations listed for switching.
pub const SESSIONS: usize = 50;

/// The conversation the TUI starts in when there is none yet.
pub const FIRST_SESSION: &str = "tui";

impl WorkerState {
    /// One message: decided (rules, then the local model when configured,
    /// else the fallback), carried out through the engine (the same path as
    /// `jr chat`), stored in `session`. The turn runs off the worker (see
    /// worker/background.rs): the worker answers at once (`ChatPartial`), a
    /// model's or an agent's answer grows as it streams, and `Chatted`
    /// follows when it is stored.
    pub(super) fn chat(&mut self, session: &str, msg: &str) -> Result<Payload> {
        if self.engine.db_path().is_none() {
            // An in-memory database (tests): the rules alone, in line.
            return Ok(Payload::Chatted(Box::new(
                self.engine.chat_without_model(session, msg)?,
            )));
        }
        let (rt, db) = self.background_db("the chat's model stage")?;
        if self.chat_llm.is_none() {
            let llm = Llm::new(self.engine.llm_config().clone())
                .ok()
                .map(Arc::new);
            self.chat_llm = Some(llm);
        }
        let setup = ChatSetup {
            llm: self.chat_llm.clone().flatten(),
            gateway: self.gateway.clone(),
            session: session.to_string(),
        };
        let message = msg.to_string();
        let now = Payload::ChatPartial {
            message: message.clone(),
            text: String::new(),
        };
        self.later("jr-chat", now, move |send| {
            answer(&rt, &db, &setup, &message, send)
        })
    }

    /// A conversation (None: the newest one, or the first when there is none).
    pub(super) fn chat_history(&self, session: Option<&str>) -> Result<Payload> {
        let sessions = self.engine.chat_sessions(SESSIONS)?;
        let session = match session {
            Some(s) => s.to_string(),
            None => sessions
                .first()
                .map(|s| s.session.clone())
                .unwrap_or_else(|| FIRST_SESSION.to_string()),
        };
        Ok(Payload::ChatHistory {
            turns: self.engine.chat_history(Some(&session), None, HISTORY)?,
            session,
            sessions,
        })
    }

    pub(super) fn rate(&self, id: i64, rating: Option<i8>) -> Result<Payload> {
        let t = self.engine.rate_chat_turn(id, rating)?;
        Ok(Payload::ChatRated(Box::new(t)))
    }
}

/// Run a turn, sending the answer as it grows; the stored turn (or the
/// error) is the result.
fn answer(
    rt: &tokio::runtime::Handle,
    db: &Shared,
    setup: &ChatSetup,
    message: &str,
    send: &SendPartial<'_>,
) -> Payload {
    let mut so_far = String::new();
    let mut on_delta = |piece: &str| {
        so_far.push_str(piece);
        send(Payload::ChatPartial {
            message: message.to_string(),
            text: so_far.clone(),
        });
    };
    let done = rt.block_on(async {
        let r = turn_streaming(db, setup, message, false, &mut on_delta).await?;
        let id = r
            .turn_id
            .ok_or_else(|| Error::user("the turn was not stored"))?;
        db.call(move |e| e.chat_turn(id)).await
    });
    match done {
        Ok(t) => Payload::Chatted(Box::new(t)),
        Err(e) => Payload::Failed(e),
    }
}
