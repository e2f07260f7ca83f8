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
    /// What the turn acted on (JSON, `router::Target`).
    pub target: Option<serde_json::Value>,
    /// What the turn listed, in order (JSON targets).
    pub shown: Vec<serde_json::Value>,
    /// How the decision was carried out (`engine::gateway::Handled`).
    pub handled: Option<String>,
    pub agent_run_id: Option<i64>,
}

/// A conversation: its name, newest turn and size.
#[derive(Debug, Clone, Serialize)]
pub struct ChatSession {
    pub session: String,
    pub turns: i64,
    pub last_id: i64,
    #[serde(with = "crate::domain::rfc3339")]
    pub last_at: DateTime<Utc>,
    /// Its first message (a title).
    pub first: String,
}

pub fn insert(conn: &Connection, t: &ChatTurn) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO chat_turns (created_at, session, message, reply, route, intent, via, reason, urgent, \
         task_id, run_id, model, tokens_in, tokens_out, error, rating, target, shown, handled, agent_run_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
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
        t.target.as_ref().map(|v| v.to_string()),
        serde_json::Value::Array(t.shown.clone()).to_string(),
        t.handled,
        t.agent_run_id,
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
     task_id, run_id, model, tokens_in, tokens_out, error, rating, target, shown, handled, agent_run_id FROM chat_turns";

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
        target: r
            .get::<_, Option<String>>(17)?
            .and_then(|s| serde_json::from_str(&s).ok()),
        shown: serde_json::from_str(&r.get::<_, String>(18)?).unwrap_or_default(),
        handled: r.get(19)?,
        agent_run_id: r.get(20)?,
    })
}

/// Conversations, most recently active first.
pub fn sessions(conn: &Connection, limit: usize) -> Result<Vec<ChatSession>> {
    let mut st = conn.prepare_cached(
        "SELECT session, count(*), max(id), max(created_at), \
         (SELECT message FROM chat_turns f WHERE f.session = t.session ORDER BY id LIMIT 1) \
         FROM chat_turns t GROUP BY session ORDER BY max(id) DESC LIMIT ?1",
    )?;
    let rows = st.query_map([limit as i64], |r| {
        Ok(ChatSession {
            session: r.get(0)?,
            turns: r.get(1)?,
            last_id: r.get(2)?,
            last_at: from_millis(r.get(3)?),
            first: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Escalations sent to the cloud model since `since` (for the daily budget).
pub fn escalations_since(conn: &Connection, since: DateTime<Utc>) -> Result<(i64, i64)> {
    let mut st = conn.prepare_cached(
        "SELECT count(*), coalesce(sum(coalesce(tokens_in, 0) + coalesce(tokens_out, 0)), 0) FROM chat_turns \
         WHERE route = 'escalate' AND created_at >= ?1 \
         AND (handled = 'escalated' OR (handled IS NULL AND model IS NOT NULL))",
    )?;
    Ok(st.query_row([to_millis(since)], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

/// The next Telegram update a bot has yet to take (0: none taken yet). Kept
/// in `counters` under `telegram:<bot id>`, so a daemon that takes over the
/// lease, or starts again after a crash, goes on where the last one stopped.
pub fn telegram_offset(conn: &Connection, bot: &str) -> Result<i64> {
    let mut st = conn.prepare_cached("SELECT value FROM counters WHERE name = ?1")?;
    let v = st
        .query_row([format!("telegram:{bot}")], |r| r.get(0))
        .optional()?;
    Ok(v.unwrap_or(0))
}

/// Record that updates before `next` are taken; false (nothing changed)
/// when they already were, by this process or another.
pub fn take_telegram_updates(conn: &Connection, bot: &str, next: i64) -> Result<bool> {
    let changed = conn
        .prepare_cached(
            "INSERT INTO counters (name, value) VALUES (?1, ?2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value WHERE value < excluded.value",
        )?
        .execute(params![format!("telegram:{bot}"), next])?;
    Ok(changed > 0)
}
