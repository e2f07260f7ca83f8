//! The context registry's tables: `ctx_messages`, the per-session rollup
//! `ctx_sessions`, and the contentless FTS5 index `ctx_fts` (rowid = message
//! id). The text given to FTS5 is prepared by `domain::context::text`.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::domain::context::Message;
use crate::domain::{from_millis, to_millis};
use crate::error::Result;

const SELECT: &str = "SELECT m.id, m.channel, m.session, m.client, m.role, m.content, \
     m.created_at, m.metadata FROM ctx_messages m";

fn row_to_message(r: &Row<'_>) -> rusqlite::Result<Message> {
    let meta: Option<String> = r.get(7)?;
    Ok(Message {
        id: r.get(0)?,
        channel: r.get(1)?,
        session: r.get(2)?,
        client: r.get(3)?,
        role: r.get(4)?,
        content: r.get(5)?,
        created_at: from_millis(r.get(6)?),
        metadata: meta.and_then(|m| serde_json::from_str(&m).ok()),
    })
}

/// A message ready to insert: redacted, with its index text and duplicate key.
pub struct InsertMessage<'a> {
    pub channel: &'a str,
    pub session: &'a str,
    pub client: &'a str,
    pub role: &'a str,
    pub content: &'a str,
    pub created_at: DateTime<Utc>,
    pub metadata: Option<&'a str>,
    pub hash: &'a [u8],
    pub index_text: &'a str,
    /// A title for the session when it has none yet.
    pub title: Option<&'a str>,
}

/// Insert a message, its index entry and its session's rollup; `None` when a
/// message with the same key is already stored (nothing is written then).
pub fn insert(conn: &Connection, m: &InsertMessage<'_>) -> Result<Option<i64>> {
    let at = to_millis(m.created_at);
    let n = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO ctx_messages \
             (channel, session, client, role, content, created_at, metadata, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            m.channel, m.session, m.client, m.role, m.content, at, m.metadata, m.hash
        ])?;
    if n == 0 {
        return Ok(None);
    }
    let id = conn.last_insert_rowid();
    conn.prepare_cached("INSERT INTO ctx_fts (rowid, body) VALUES (?1, ?2)")?
        .execute(params![id, m.index_text])?;
    conn.prepare_cached(
        "INSERT INTO ctx_sessions (channel, session, client, title, messages, first_at, last_at) \
         VALUES (?1, ?2, ?3, coalesce(?5, ''), 1, ?4, ?4) \
         ON CONFLICT (channel, session) DO UPDATE SET \
           messages = messages + 1, \
           first_at = min(first_at, excluded.first_at), \
           last_at = max(last_at, excluded.last_at), \
           title = CASE WHEN title = '' THEN excluded.title ELSE title END",
    )?
    .execute(params![m.channel, m.session, m.client, at, m.title])?;
    Ok(Some(id))
}

/// The id of the message stored under this duplicate key, if any.
pub fn id_by_hash(conn: &Connection, hash: &[u8]) -> Result<Option<i64>> {
    let mut st = conn.prepare_cached("SELECT id FROM ctx_messages WHERE hash = ?1")?;
    Ok(st.query_row([hash], |r| r.get(0)).optional()?)
}

/// The newest message of this session with the same role and content, said
/// between `from` and `to` (ms, inclusive): a repeat of one call within the
/// duplicate window. Uses the (channel, session, created_at) index.
pub fn same_in_window(
    conn: &Connection,
    m: &InsertMessage<'_>,
    from: i64,
    to: i64,
) -> Result<Option<i64>> {
    let mut st = conn.prepare_cached(
        "SELECT id FROM ctx_messages WHERE channel = ?1 AND session = ?2 \
         AND created_at BETWEEN ?3 AND ?4 AND role = ?5 AND client = ?6 AND content = ?7 \
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )?;
    Ok(st
        .query_row(
            params![m.channel, m.session, from, to, m.role, m.client, m.content],
            |r| r.get(0),
        )
        .optional()?)
}

/// Give a session a title (Claude Code's summary lines), replacing any.
pub fn set_title(conn: &Connection, channel: &str, session: &str, title: &str) -> Result<()> {
    conn.prepare_cached("UPDATE ctx_sessions SET title = ?3 WHERE channel = ?1 AND session = ?2")?
        .execute(params![channel, session, title])?;
    Ok(())
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Message>> {
    let mut st = conn.prepare_cached(&format!("{SELECT} WHERE m.id = ?1"))?;
    Ok(st.query_row([id], row_to_message).optional()?)
}

/// Messages of any session with an id above `after_id`, oldest first (what an
/// ambient job has not read yet).
pub fn messages_after(conn: &Connection, after_id: i64, limit: usize) -> Result<Vec<Message>> {
    let mut st =
        conn.prepare_cached(&format!("{SELECT} WHERE m.id > ?1 ORDER BY m.id LIMIT ?2"))?;
    let rows = st.query_map(rusqlite::params![after_id, limit as i64], row_to_message)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Messages above `after_id` and at most `upto`, oldest first, only from
/// `channels` (all when empty) and `clients` (all when empty), never from
/// `skip_channels`: what an ambient job that names its sources reads.
pub fn messages_after_in(
    conn: &Connection,
    after_id: i64,
    upto: i64,
    channels: &[String],
    clients: &[String],
    skip_channels: &[&str],
    limit: usize,
) -> Result<Vec<Message>> {
    let list = |v: &[String]| serde_json::Value::from(v.to_vec()).to_string();
    let skip: Vec<String> = skip_channels.iter().map(|s| s.to_string()).collect();
    let mut st = conn.prepare_cached(&format!(
        "{SELECT} WHERE m.id > ?1 AND m.id <= ?2 \
         AND (?3 = '[]' OR m.channel IN (SELECT value FROM json_each(?3))) \
         AND (?4 = '[]' OR m.client IN (SELECT value FROM json_each(?4))) \
         AND m.channel NOT IN (SELECT value FROM json_each(?5)) \
         ORDER BY m.id LIMIT ?6"
    ))?;
    let rows = st.query_map(
        params![
            after_id,
            upto,
            list(channels),
            list(clients),
            list(&skip),
            limit as i64
        ],
        row_to_message,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The newest message id (0 when none).
pub fn max_id(conn: &Connection) -> Result<i64> {
    Ok(
        conn.query_row("SELECT coalesce(max(id), 0) FROM ctx_messages", [], |r| {
            r.get(0)
        })?,
    )
}

/// Messages of one session in order, a page after `after_id`.
pub fn session_messages(
    conn: &Connection,
    channel: &str,
    session: &str,
    after_id: i64,
    limit: usize,
) -> Result<Vec<Message>> {
    let mut st = conn.prepare_cached(&format!(
        "{SELECT} WHERE m.channel = ?1 AND m.session = ?2 AND m.id > ?3 \
         ORDER BY m.created_at, m.id LIMIT ?4"
    ))?;
    let rows = st.query_map(
        params![channel, session, after_id, limit as i64],
        row_to_message,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A session's rollup row.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SessionRow {
    pub channel: String,
    pub session: String,
    pub client: String,
    pub title: String,
    pub messages: i64,
    #[serde(with = "crate::domain::rfc3339")]
    pub first_at: DateTime<Utc>,
    #[serde(with = "crate::domain::rfc3339")]
    pub last_at: DateTime<Utc>,
}

const SESSION_SELECT: &str =
    "SELECT channel, session, client, title, messages, first_at, last_at FROM ctx_sessions";

fn row_to_session(r: &Row<'_>) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        channel: r.get(0)?,
        session: r.get(1)?,
        client: r.get(2)?,
        title: r.get(3)?,
        messages: r.get(4)?,
        first_at: from_millis(r.get(5)?),
        last_at: from_millis(r.get(6)?),
    })
}

/// Sessions with this name (in any channel, or in one).
pub fn find_sessions(
    conn: &Connection,
    session: &str,
    channel: Option<&str>,
) -> Result<Vec<SessionRow>> {
    let mut st = conn.prepare_cached(&format!(
        "{SESSION_SELECT} WHERE session = ?1 AND (?2 IS NULL OR channel = ?2) ORDER BY last_at DESC"
    ))?;
    let rows = st.query_map(params![session, channel], row_to_session)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Sessions, most recently active first; a page before `before` (last_at ms).
pub fn sessions(
    conn: &Connection,
    channel: Option<&str>,
    client: Option<&str>,
    before: Option<i64>,
    limit: usize,
) -> Result<Vec<SessionRow>> {
    let mut st = conn.prepare_cached(&format!(
        "{SESSION_SELECT} WHERE (?1 IS NULL OR channel = ?1) AND (?2 IS NULL OR client = ?2) \
         AND (?3 IS NULL OR last_at < ?3) ORDER BY last_at DESC, id LIMIT ?4"
    ))?;
    let rows = st.query_map(
        params![channel, client, before, limit as i64],
        row_to_session,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Per channel: sessions, messages, last activity (ms); busiest-recent first.
pub fn channels(conn: &Connection) -> Result<Vec<(String, i64, i64, i64)>> {
    let mut st = conn.prepare_cached(
        "SELECT channel, count(*), sum(messages), max(last_at) FROM ctx_sessions \
         GROUP BY channel ORDER BY max(last_at) DESC",
    )?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Per client: sessions and messages.
pub fn clients(conn: &Connection) -> Result<Vec<(String, i64, i64)>> {
    let mut st = conn.prepare_cached(
        "SELECT client, count(*), sum(messages) FROM ctx_sessions GROUP BY client ORDER BY 3 DESC",
    )?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// (first, last) message times in ms, when there are messages.
pub fn time_span(conn: &Connection) -> Result<Option<(i64, i64)>> {
    let mut st = conn.prepare_cached("SELECT min(first_at), max(last_at) FROM ctx_sessions")?;
    let span: (Option<i64>, Option<i64>) = st.query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(span.0.zip(span.1))
}

/// Filters a search may carry; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    pub channel: Option<String>,
    pub client: Option<String>,
    pub session: Option<String>,
    pub since: Option<DateTime<Utc>>,
}

const FILTERS: &str = "(?2 IS NULL OR m.channel = ?2) AND (?3 IS NULL OR m.client = ?3) \
     AND (?4 IS NULL OR m.session = ?4) AND (?5 IS NULL OR m.created_at >= ?5)";

impl SearchFilter {
    fn is_empty(&self) -> bool {
        self.channel.is_none()
            && self.client.is_none()
            && self.session.is_none()
            && self.since.is_none()
    }
}

/// The id of the `k`th newest message matching `fts` (and the filters), or
/// None when fewer match: walking the index newest first stops after `k`.
pub fn kth_newest_match(
    conn: &Connection,
    fts: &str,
    f: &SearchFilter,
    k: usize,
) -> Result<Option<i64>> {
    let offset = k as i64 - 1;
    if f.is_empty() {
        // No filter: the index alone, no message row read.
        let mut st = conn.prepare_cached(
            "SELECT rowid FROM ctx_fts WHERE ctx_fts MATCH ?1 ORDER BY rowid DESC LIMIT 1 OFFSET ?2",
        )?;
        return Ok(st
            .query_row(params![fts, offset], |r| r.get(0))
            .optional()?);
    }
    let mut st = conn.prepare_cached(&format!(
        "SELECT f.rowid FROM ctx_fts f JOIN ctx_messages m ON m.id = f.rowid \
         WHERE ctx_fts MATCH ?1 AND {FILTERS} ORDER BY f.rowid DESC LIMIT 1 OFFSET ?6"
    ))?;
    let since = f.since.map(to_millis);
    Ok(st
        .query_row(
            params![fts, f.channel, f.client, f.session, since, offset],
            |r| r.get(0),
        )
        .optional()?)
}

/// Matches with id >= `min_id`, best bm25 first (ties: newest), a page of
/// them. Only ids and scores are sorted; the page's messages are read after.
pub fn ranked_matches(
    conn: &Connection,
    fts: &str,
    f: &SearchFilter,
    min_id: i64,
    limit: usize,
    offset: usize,
) -> Result<Vec<(Message, f64)>> {
    let ranked: Vec<(i64, f64)> = if f.is_empty() {
        let mut st = conn.prepare_cached(
            "SELECT rowid, bm25(ctx_fts) AS score FROM ctx_fts \
             WHERE ctx_fts MATCH ?1 AND rowid >= ?2 ORDER BY score, rowid DESC LIMIT ?3 OFFSET ?4",
        )?;
        let rows = st.query_map(params![fts, min_id, limit as i64, offset as i64], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    } else {
        let mut st = conn.prepare_cached(&format!(
            "SELECT f.rowid, bm25(ctx_fts) AS score \
             FROM ctx_fts f JOIN ctx_messages m ON m.id = f.rowid \
             WHERE ctx_fts MATCH ?1 AND f.rowid >= ?6 AND {FILTERS} \
             ORDER BY score, f.rowid DESC LIMIT ?7 OFFSET ?8"
        ))?;
        let since = f.since.map(to_millis);
        let rows = st.query_map(
            params![
                fts,
                f.channel,
                f.client,
                f.session,
                since,
                min_id,
                limit as i64,
                offset as i64
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut out = Vec::with_capacity(ranked.len());
    for (id, score) in ranked {
        if let Some(m) = get(conn, id)? {
            out.push((m, score));
        }
    }
    Ok(out)
}
