//! The worker's side of the Chat pane: one message through the gateway (in
//! the pane's conversation), the conversation so far and the list of
//! conversations, ratings.

use std::sync::{Arc, Mutex};

use super::{Payload, WorkerState};
use crate::clients::llm::Llm;
use crate::engine::chat::{ChatSetup, turn, turn_streaming};
use crate::engine::shared::Shared;
use crate::error::{Error, Result};

/// Turns shown when a conversation opens.
pub const HISTORY: usize = 100;

/// Conversations listed for switching.
pub const SESSIONS: usize = 50;

/// The conversation the TUI starts in when there is none yet.
pub const FIRST_SESSION: &str = "tui";

/// What a turn with a model needs: a runtime for the HTTP calls and the
/// engine shared with it (a second connection to the same database file).
pub struct ChatDriver {
    rt: tokio::runtime::Runtime,
    db: Shared,
    setup: ChatSetup,
}

impl WorkerState {
    /// One message: decided (rules, then the local model when configured,
    /// else the fallback), carried out through the engine (the same path as
    /// `jr chat`), stored in `session`. The turn runs on its own thread when
    /// the worker has one to answer from: the worker answers at once
    /// (`ChatPartial`), a model's or an agent's answer grows as it streams,
    /// and `Chatted` follows when it is stored.
    pub(super) fn chat(&mut self, session: &str, msg: &str) -> Result<Payload> {
        if self.engine.db_path().is_none() {
            // An in-memory database (tests): the rules alone, in line.
            return Ok(Payload::Chatted(Box::new(
                self.engine.chat_without_model(session, msg)?,
            )));
        }
        if self.chat_rt.is_none() {
            self.chat_rt = Some(Arc::new(Mutex::new(self.driver()?)));
        }
        let Some(driver) = self.chat_rt.clone() else {
            return Ok(Payload::Chatted(Box::new(
                self.engine.chat_without_model(session, msg)?,
            )));
        };
        let Some(reply) = self.reply.clone() else {
            // Headless: answer in line.
            let d = driver
                .lock()
                .map_err(|_| Error::config("the chat driver failed before"))?;
            let setup = ChatSetup {
                session: session.to_string(),
                ..d.setup.clone()
            };
            let r = d.rt.block_on(turn(&d.db, &setup, msg, false))?;
            let id = r
                .turn_id
                .ok_or_else(|| Error::user("the turn was not stored"))?;
            return Ok(Payload::Chatted(Box::new(self.engine.chat_turn(id)?)));
        };
        let (message, session) = (msg.to_string(), session.to_string());
        std::thread::Builder::new()
            .name("jr-chat".into())
            .spawn(move || answer_later(&driver, &reply, &session, &message))
            .map_err(|e| Error::config(format!("cannot start the chat thread: {e}")))?;
        Ok(Payload::ChatPartial {
            message: msg.to_string(),
            text: String::new(),
        })
    }

    fn driver(&self) -> Result<ChatDriver> {
        let engine = self
            .engine
            .reopen()?
            .ok_or_else(|| Error::config("the chat's model stage needs a database file"))?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::config(format!("cannot start the chat's runtime: {e}")))?;
        let llm = Llm::new(self.engine.llm_config().clone())
            .ok()
            .map(Arc::new);
        Ok(ChatDriver {
            rt,
            db: Shared::new(engine),
            setup: ChatSetup {
                llm,
                gateway: self.gateway.clone(),
                session: FIRST_SESSION.into(),
            },
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

/// Run a turn on this thread, sending the answer as it grows and the stored
/// turn (or the error) at the end.
fn answer_later(driver: &Mutex<ChatDriver>, reply: &super::Reply, session: &str, message: &str) {
    let send = |payload: Payload| super::send_later(reply, payload);
    let Ok(d) = driver.lock() else {
        send(Payload::Failed(Error::config(
            "the chat driver failed before",
        )));
        return;
    };
    let setup = ChatSetup {
        session: session.to_string(),
        ..d.setup.clone()
    };
    let mut so_far = String::new();
    let mut on_delta = |piece: &str| {
        so_far.push_str(piece);
        send(Payload::ChatPartial {
            message: message.to_string(),
            text: so_far.clone(),
        });
    };
    let done = d.rt.block_on(async {
        let r = turn_streaming(&d.db, &setup, message, false, &mut on_delta).await?;
        let id = r
            .turn_id
            .ok_or_else(|| Error::user("the turn was not stored"))?;
        d.db.call(move |e| e.chat_turn(id)).await
    });
    match done {
        Ok(t) => send(Payload::Chatted(Box::new(t))),
        Err(e) => send(Payload::Failed(e)),
    }
}
