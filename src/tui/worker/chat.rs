//! The worker's side of the Chat pane: one message through the gateway, the
//! conversation so far, ratings.

use super::{Payload, WorkerState};
use crate::engine::chat::ChatTurn;
use crate::engine::gateway::EscalationBudget;
use crate::error::Result;
use crate::router;

/// Turns shown when the pane opens.
pub const HISTORY: usize = 100;

impl WorkerState {
    /// One message: decided, carried out through the engine (the same path
    /// as `jr chat`), kept as a turn. The one place a message is decided:
    /// the local model's stage joins here, between the rules and the fallback.
    pub(super) fn chat(&self, msg: &str) -> Result<ChatTurn> {
        let e = &self.engine;
        let decision = router::decide_without_model(msg, &e.chat_catalog()?);
        let reply = e.carry_out(msg, &decision, false, EscalationBudget { available: false })?;
        e.record_chat_turn(msg, &reply)
    }

    pub(super) fn chat_history(&self) -> Result<Payload> {
        Ok(Payload::ChatHistory(self.engine.chat_turns(None, HISTORY)?))
    }

    pub(super) fn rate(&self, id: i64, rating: Option<i8>) -> Result<Payload> {
        let t = self.engine.rate_chat_turn(id, rating)?;
        Ok(Payload::Chatted(Box::new(t)))
    }
}
