//! Chat turns: a message, the gateway's reply and decision, the rating.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use crate::domain::{from_millis, to_millis};
use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatTurn {
    pub id: i64,
    pub message: String,
    pub reply: String,
    pub route: String,
    pub intent: String,
    pub via: String,
    pub reason: String,
    pub task_id: Option<i64>,
    pub run_id: Option<i64>,
    /// 1 (👍), -1 (👎) or None.
    pub rating: Option<i8>,
    #[serde(with = "crate::domain::rfc3339")]
    pub created_at: DateTime<Utc>,
}

/// A turn to record (everything but the id and the rating).
pub struct NewTurn<'a> {
    pub message: &'a str,
    pub reply: &'a str,
    pub route: &'a str,
    pub intent: &'a str,
    pub via: &'a str,
    pub reason: &'a str,
    pub task_id: Option<i64>,
    pub run_id: Option<i64>,
    pub at: DateTime<Utc>,
}

const SELECT: &str = "SELECT id, message, reply, route, intent, via, reason, task_id, run_id, \
     rating, created_at FROM chat_turns";

fn row(r: &Row<'_>) -> rusqlite::Result<ChatTurn> {
    Ok(ChatTurn {
        id: r.get(0)?,
        message: r.get(1)?,
        reply: r.get(2)?,
        route: r.get(3)?,
        intent: r.get(4)?,
        via: r.get(5)?,
        reason: r.get(6)?,
        task_id: r.get(7)?,
        run_id: r.get(8)?,
        rating: r.get(9)?,
        created_at: from_millis(r.get(10)?),
    })
}

pub fn insert(conn: &Connection, t: &NewTurn<'_>) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO chat_turns (message, reply, route, intent, via, reason, task_id, run_id, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        t.message,
        t.reply,
        t.route,
        t.intent,
        t.via,
        t.reason,
        t.task_id,
        t.run_id,
        to_millis(t.at)
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<ChatTurn>> {
    let mut st = conn.prepare_cached(&format!("{SELECT} WHERE id = ?1"))?;
    Ok(st.query_row([id], row).optional()?)
}

/// The newest `limit` turns before `before_id` (all when None), oldest first.
pub fn recent(conn: &Connection, before_id: Option<i64>, limit: usize) -> Result<Vec<ChatTurn>> {
    let mut st =
        conn.prepare_cached(&format!("{SELECT} WHERE id < ?1 ORDER BY id DESC LIMIT ?2"))?;
    let rows = st.query_map(params![before_id.unwrap_or(i64::MAX), limit as i64], row)?;
    let mut out: Vec<ChatTurn> = rows.collect::<rusqlite::Result<_>>()?;
    out.reverse();
    Ok(out)
}

/// Set or clear the rating; false when there is no such turn.
pub fn rate(conn: &Connection, id: i64, rating: Option<i8>) -> Result<bool> {
    let n = conn
        .prepare_cached("UPDATE chat_turns SET rating = ?2 WHERE id = ?1")?
        .execute(params![id, rating])?;
    Ok(n == 1)
}
