//! The worker's side of the Chat pane: one message through the gateway, the
//! conversation so far, ratings.

use std::sync::Arc;

use super::{Payload, WorkerState};
use crate::clients::llm::Llm;
use crate::engine::chat::{ChatSetup, ChatTurn, turn};
use crate::engine::shared::Shared;
use crate::error::{Error, Result};

/// Turns shown when the pane opens.
pub const HISTORY: usize = 100;

/// The session the TUI's turns are stored under.
const SESSION: &str = "tui";

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
    /// `jr chat`), stored. While a model answers, this worker waits for it.
    pub(super) fn chat(&mut self, msg: &str) -> Result<ChatTurn> {
        if self.gateway.model.is_none() && self.gateway.escalate_model.is_none() {
            return self.engine.chat_without_model(SESSION, msg);
        }
        if self.chat_rt.is_none() {
            self.chat_rt = Some(self.driver()?);
        }
        let Some(d) = &self.chat_rt else {
            return self.engine.chat_without_model(SESSION, msg);
        };
        let reply = d.rt.block_on(turn(&d.db, &d.setup, msg, false))?;
        let id = reply
            .turn_id
            .ok_or_else(|| Error::user("the turn was not stored"))?;
        self.engine.chat_turn(id)
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
                session: SESSION.into(),
            },
        })
    }

    pub(super) fn chat_history(&self) -> Result<Payload> {
        Ok(Payload::ChatHistory(
            self.engine.chat_history(None, None, HISTORY)?,
        ))
    }

    pub(super) fn rate(&self, id: i64, rating: Option<i8>) -> Result<Payload> {
        let t = self.engine.rate_chat_turn(id, rating)?;
        Ok(Payload::Chatted(Box::new(t)))
    }
}
