//! The chat gateway's memory: every turn (message, reply, decision) kept with
//! the task or run it made and the person's 👍/👎, for calibrating the router.

use super::Engine;
use super::gateway::ChatReply;
use crate::error::{Error, Result};
pub use crate::store::chat::ChatTurn;
use crate::store::chat::{self as repo, NewTurn};

impl Engine {
    /// Keep one carried-out turn.
    pub fn record_chat_turn(&self, message: &str, r: &ChatReply) -> Result<ChatTurn> {
        let via = serde_json::to_value(r.via)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let at = self.now();
        let id = self.store.write(|tx| {
            repo::insert(
                tx,
                &NewTurn {
                    message,
                    reply: &r.reply,
                    route: r.route.as_str(),
                    intent: r.intent,
                    via: &via,
                    reason: &r.reason,
                    task_id: r.task_id,
                    run_id: r.run_id,
                    at,
                },
            )
        })?;
        self.chat_turn(id)
    }

    pub fn chat_turn(&self, id: i64) -> Result<ChatTurn> {
        repo::get(self.store.conn(), id)?
            .ok_or_else(|| Error::user(format!("no chat turn with id {id}")))
    }

    /// The newest `limit` turns before `before_id`, oldest first.
    pub fn chat_turns(&self, before_id: Option<i64>, limit: usize) -> Result<Vec<ChatTurn>> {
        repo::recent(self.store.conn(), before_id, limit)
    }

    /// 👍 (1), 👎 (-1) or no rating (None).
    pub fn rate_chat_turn(&self, id: i64, rating: Option<i8>) -> Result<ChatTurn> {
        if rating.is_some_and(|r| r != 1 && r != -1) {
            return Err(Error::user("a rating is 1 (👍) or -1 (👎)"));
        }
        if !self.store.write(|tx| repo::rate(tx, id, rating))? {
            return Err(Error::user(format!("no chat turn with id {id}")));
        }
        self.chat_turn(id)
    }
}
