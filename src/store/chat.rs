//! The chat gateway's turns and their ratings.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::domain::{from_millis, to_millis};
use crate::error::Result;

#[derive(Debug, Clone, Serialize)]
pub struct ChatTurn {
    pub id: i64,
    #[serde(with = "crate::domain::rfc3339")]
    pub created_at: DateTime<Utc>,
    pub session: String,
    pub message: String,
    pub reply: String,
    pub route: String,
    pub intent: String,
    pub via: String,
    pub reason: String,
    pub urgent: bool,
    pub task_id: Option<i64>,
    pub run_id: Option<i64>,
    pub model: Option<String>,
    pub tokens_in: Option<i64>,
    pub tokens_out: Option<i64>,
    pub error: Option<String>,
    pub rating: Option<i8>,
}

pub fn insert(conn: &Connection, t: &ChatTurn) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO chat_turns (created_at, session, message, reply, route, intent, via, reason, urgent, \
         task_id, run_id, model, tokens_in, tokens_out, error, rating) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?
    .execute(params![
        to_millis(t.created_at),
        t.session,
        t.message,
        t.reply,
        t.route,
        t.intent,
        t.via,
        t.reason,
        t.urgent,
        t.task_id,
        t.run_id,
        t.model,
        t.tokens_in,
        t.tokens_out,
        t.error,
        t.rating,
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Set or clear (None) the rating of a turn; false when there is no such turn.
pub fn rate(conn: &Connection, id: i64, rating: Option<i8>) -> Result<bool> {
    Ok(conn
        .prepare_cached("UPDATE chat_turns SET rating = ?2 WHERE id = ?1")?
        .execute(params![id, rating])?
        == 1)
}

const SELECT: &str = "SELECT id, created_at, session, message, reply, route, intent, via, reason, urgent, \
     task_id, run_id, model, tokens_in, tokens_out, error, rating FROM chat_turns";

pub fn get(conn: &Connection, id: i64) -> Result<Option<ChatTurn>> {
    let mut st = conn.prepare_cached(&format!("{SELECT} WHERE id = ?1"))?;
    Ok(st.query_row([id], row).optional()?)
}

/// The newest `limit` turns (of one session, and below `before_id` when
/// given), oldest first.
pub fn recent(
    conn: &Connection,
    session: Option<&str>,
    before_id: Option<i64>,
    limit: usize,
) -> Result<Vec<ChatTurn>> {
    let mut st = conn.prepare_cached(&format!(
        "{SELECT} WHERE (?1 IS NULL OR session = ?1) AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3"
    ))?;
    let mut v: Vec<ChatTurn> = st
        .query_map(params![session, before_id, limit as i64], row)?
        .collect::<rusqlite::Result<_>>()?;
    v.reverse();
    Ok(v)
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ChatTurn> {
    Ok(ChatTurn {
        id: r.get(0)?,
        created_at: from_millis(r.get(1)?),
        session: r.get(2)?,
        message: r.get(3)?,
        reply: r.get(4)?,
        route: r.get(5)?,
        intent: r.get(6)?,
        via: r.get(7)?,
        reason: r.get(8)?,
        urgent: r.get(9)?,
        task_id: r.get(10)?,
        run_id: r.get(11)?,
        model: r.get(12)?,
        tokens_in: r.get(13)?,
        tokens_out: r.get(14)?,
        error: r.get(15)?,
        rating: r.get(16)?,
    })
}

/// Escalations sent to the cloud model since `since` (for the daily budget).
pub fn escalations_since(conn: &Connection, since: DateTime<Utc>) -> Result<(i64, i64)> {
    let mut st = conn.prepare_cached(
        "SELECT count(*), coalesce(sum(coalesce(tokens_in, 0) + coalesce(tokens_out, 0)), 0) FROM chat_turns \
         WHERE route = 'escalate' AND model IS NOT NULL AND created_at >= ?1",
    )?;
    Ok(st.query_row([to_millis(since)], |r| Ok((r.get(0)?, r.get(1)?)))?)
}
