//! The context registry's tables: `ctx_messages`, the per-session rollup
//! `ctx_sessions`, and the contentless FTS5 index `ctx_fts` (rowid = message
//! id). The text given to FTS5 is prepared by `domain::context::text`.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::domain::context::Message;
use crate::domain::context::text::{index_text, name_token};
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
    conn.prepare_cached(
        "INSERT INTO ctx_fts (rowid, body, channel, client) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        id,
        m.index_text,
        name_token(m.channel),
        name_token(m.client)
    ])?;
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

/// The migration that puts channel and client into the index (its hook, `reindex`, refills it).
pub const REINDEX_MIGRATION: &str = include_str!("../../data/migrations/0013_context_names.sql");

/// Fill the (new, empty) index from every stored message: its prepared text
/// and its channel and client tokens. Run once, inside the migration.
pub fn reindex(tx: &rusqlite::Transaction<'_>) -> rusqlite_migration::HookResult {
    let mut read = tx.prepare("SELECT id, channel, client, content FROM ctx_messages")?;
    let mut write =
        tx.prepare("INSERT INTO ctx_fts (rowid, body, channel, client) VALUES (?1, ?2, ?3, ?4)")?;
    let mut rows = read.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let channel: String = r.get(1)?;
        let client: String = r.get(2)?;
        let content: String = r.get(3)?;
        write.execute(params![
            id,
            index_text(&content),
            name_token(&channel),
            name_token(&client)
        ])?;
    }
    Ok(())
}

/// Filters a search may carry; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    pub channel: Option<String>,
    pub client: Option<String>,
    pub session: Option<String>,
    pub since: Option<DateTime<Utc>>,
}

/// The MATCH text: the user's words in `body`, and the channel and client
/// tokens ANDed in (FTS5 intersects the lists itself).
fn match_text(fts: &str, f: &SearchFilter) -> String {
    let mut q = format!("body : ({fts})");
    if let Some(c) = &f.channel {
        q.push_str(&format!(" AND channel : \"{}\"", name_token(c)));
    }
    if let Some(c) = &f.client {
        q.push_str(&format!(" AND client : \"{}\"", name_token(c)));
    }
    q
}

/// How many of the newest matches of a phrase are read to estimate how
/// common it is (`phrase_hits`).
const SAMPLE: usize = 256;

/// Each phrase's document frequency for `jr_rank` (see `context_rank`), as
/// its blob: the exact count for a phrase with fewer than `SAMPLE` matches,
/// else the share of rows its newest `SAMPLE` matches span (their count over
/// the ids from the oldest of them to the newest message), a lazy walk of
/// `SAMPLE` entries instead of bm25's count of the phrase's whole list.
/// `fts` is `parse_query`'s text: phrases joined by ` AND ` (a token is
/// quoted and never holds a space, so the separator is unambiguous).
fn phrase_hits(conn: &Connection, fts: &str) -> Result<Vec<u8>> {
    let newest: i64 = conn
        .prepare_cached("SELECT coalesce(max(id), 0) FROM ctx_messages")?
        .query_row([], |r| r.get(0))?;
    let mut st = conn.prepare_cached(
        "SELECT rowid FROM ctx_fts WHERE ctx_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2",
    )?;
    let mut blob = Vec::new();
    for phrase in fts.split(" AND ") {
        let ids: Vec<i64> = st
            .query_map(params![format!("body : ({phrase})"), SAMPLE as i64], |r| {
                r.get(0)
            })?
            .collect::<rusqlite::Result<_>>()?;
        let v = match ids.last() {
            Some(&oldest) if ids.len() == SAMPLE => {
                let span = (newest - oldest + 1).max(SAMPLE as i64);
                -(SAMPLE as f64 / span as f64)
            }
            _ => ids.len() as f64,
        };
        blob.extend_from_slice(&v.to_le_bytes());
    }
    Ok(blob)
}

/// A page of matches, best bm25 first (ties: newest), ranked among the
/// `candidates` newest matches; true when more matched than were ranked.
/// One pass over the index, newest first, that stops after the candidates:
/// only ids and scores are sorted, and the page's messages are read after.
/// The score is bm25 over `body` with each phrase's frequency estimated
/// (`phrase_hits`, `context_rank`): FTS5's `bm25()` would count every
/// match of every phrase first.
/// Session and time filters (not in the index) check each match's row.
pub fn search(
    conn: &Connection,
    fts: &str,
    f: &SearchFilter,
    candidates: usize,
    limit: usize,
    offset: usize,
) -> Result<(Vec<(Message, f64)>, bool)> {
    let q = match_text(fts, f);
    let hits = phrase_hits(conn, fts)?;
    // Only `body` counts toward the score: the name tokens are filters.
    let take = candidates as i64 + 1;
    let mut ranked: Vec<(i64, f64)> = if f.session.is_none() && f.since.is_none() {
        let mut st = conn.prepare_cached(
            "SELECT rowid, jr_rank(ctx_fts, ?2) FROM ctx_fts \
             WHERE ctx_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?3",
        )?;
        let rows = st.query_map(params![q, hits, take], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    } else {
        let mut st = conn.prepare_cached(
            "SELECT f.rowid, jr_rank(ctx_fts, ?5) \
             FROM ctx_fts f JOIN ctx_messages m ON m.id = f.rowid \
             WHERE ctx_fts MATCH ?1 AND (?2 IS NULL OR m.session = ?2) \
             AND (?3 IS NULL OR m.created_at >= ?3) ORDER BY f.rowid DESC LIMIT ?4",
        )?;
        let since = f.since.map(to_millis);
        let rows = st.query_map(params![q, f.session, since, take, hits], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let more = ranked.len() > candidates;
    ranked.truncate(candidates);
    ranked.sort_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
    let mut out = Vec::with_capacity(limit.min(ranked.len()));
    for (id, score) in ranked.into_iter().skip(offset).take(limit) {
        if let Some(m) = get(conn, id)? {
            out.push((m, score));
        }
    }
    Ok((out, more))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::context::text::parse_query;
    use rusqlite_migration::{M, Migrations};

    /// One user message in session "s" of channel "jr", at `at_ms`.
    fn user_message(
        conn: &Connection,
        text: &str,
        at_ms: i64,
        hash: &[u8; 16],
    ) -> Result<Option<i64>> {
        insert(
            conn,
            &InsertMessage {
                channel: "jr",
                session: "s",
                client: "cli",
                role: "user",
                content: text,
                created_at: from_millis(at_ms),
                metadata: None,
                hash,
                index_text: &index_text(text),
                title: None,
            },
        )
    }

    /// A database written before the names went into the index (the index
    /// held only the message text) is searchable by channel and client once
    /// migrated: the migration's hook refills the index.
    #[test]
    fn the_index_is_rebuilt_for_older_databases() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::context_rank::register(&conn).unwrap();
        let all = super::super::MIGRATIONS;
        let at = all.iter().position(|m| *m == REINDEX_MIGRATION).unwrap();
        Migrations::new(all[..at].iter().map(|s| M::up(s)).collect())
            .to_latest(&mut conn)
            .unwrap();
        let msgs = [
            ("jr", "claude-code", "스케줄러에서 backup failed"),
            ("블로그", "cursor", "스케줄러 backup"),
            ("jr", "cursor", "nothing to see"),
        ];
        for (i, (channel, client, text)) in msgs.iter().enumerate() {
            conn.execute(
                "INSERT INTO ctx_messages (channel, session, client, role, content, created_at, hash) \
                 VALUES (?1, 's', ?2, 'user', ?3, ?4, ?5)",
                params![channel, client, text, i as i64, vec![i as u8; 16]],
            )
            .unwrap();
            // As the code before 0012 wrote it: the text alone.
            conn.execute(
                "INSERT INTO ctx_fts (rowid, body) VALUES (?1, ?2)",
                params![conn.last_insert_rowid(), index_text(text)],
            )
            .unwrap();
        }
        super::super::migrations().to_latest(&mut conn).unwrap();

        let find = |q: &str, f: SearchFilter| -> Vec<String> {
            let q = parse_query(q).unwrap();
            let (hits, _) = search(&conn, &q.fts, &f, 100, 10, 0).unwrap();
            hits.into_iter().map(|(m, _)| m.content).collect()
        };
        let channel = |c: &str| SearchFilter {
            channel: Some(c.into()),
            ..SearchFilter::default()
        };
        let client = |c: &str| SearchFilter {
            client: Some(c.into()),
            ..SearchFilter::default()
        };
        assert_eq!(find("스케줄러", SearchFilter::default()).len(), 2);
        assert_eq!(find("스케줄러", channel("블로그")), vec![msgs[1].2]);
        assert_eq!(find("backup", channel("jr")), vec![msgs[0].2]);
        assert_eq!(find("backup", client("cursor")), vec![msgs[1].2]);
        assert!(find("nothing", channel("블로그")).is_empty());
        assert_eq!(find("nothing", client("cursor")), vec![msgs[2].2]);
    }

    /// Only the newest `candidates` matches are ranked, and the caller is told.
    #[test]
    fn only_the_newest_candidates_are_ranked() {
        let store = crate::store::Store::open_in_memory().unwrap();
        let conn = store.conn();
        for i in 0..3u8 {
            let text = format!("backup {}", "backup ".repeat(usize::from(i)));
            user_message(conn, &text, i64::from(i), &[i; 16]).unwrap();
        }
        let q = parse_query("backup").unwrap();
        let f = SearchFilter::default();
        let (all, more) = search(conn, &q.fts, &f, 3, 10, 0).unwrap();
        assert!(!more);
        assert_eq!(all.len(), 3);
        let (newest, more) = search(conn, &q.fts, &f, 2, 10, 0).unwrap();
        assert!(more);
        let mut ids: Vec<i64> = newest.iter().map(|(m, _)| m.id).collect();
        ids.sort();
        assert_eq!(ids, vec![2, 3]);
        // Best first: more occurrences score higher (bm25 is negative).
        assert!(all.windows(2).all(|w| w[0].1 <= w[1].1));
    }

    /// `jr_rank` given exact phrase counts is FTS5's `bm25()` over `body`, row
    /// for row; the search's scores (exact counts below `SAMPLE` matches) too.
    #[test]
    fn jr_rank_is_bm25_given_the_counts() {
        let store = crate::store::Store::open_in_memory().unwrap();
        let conn = store.conn();
        let texts = [
            "스케줄러에서 backup failed again",
            "backup backup 스케줄러",
            "the scheduler failed, backup later",
            "스케줄러 스케줄러 스케줄러 failed",
            "nothing here at all but words words words",
            "failed failed failed backups 스케줄러를",
        ];
        for (i, text) in texts.iter().enumerate() {
            let channel = if i % 2 == 0 { "jr" } else { "블로그" };
            insert(
                conn,
                &InsertMessage {
                    channel,
                    session: "s",
                    client: "cli",
                    role: "user",
                    content: text,
                    created_at: from_millis(i as i64),
                    metadata: None,
                    hash: &[i as u8; 16],
                    index_text: &index_text(text),
                    title: None,
                },
            )
            .unwrap();
        }
        for query in [
            "스케줄러",
            "backup failed",
            "스케줄러 failed",
            "\"backup failed\"",
            "fail*",
        ] {
            let q = parse_query(query).unwrap();
            for f in [
                SearchFilter::default(),
                SearchFilter {
                    channel: Some("jr".into()),
                    ..SearchFilter::default()
                },
            ] {
                let text = match_text(&q.fts, &f);
                let hits = phrase_hits(conn, &q.fts).unwrap();
                let mut st = conn
                    .prepare(
                        "SELECT rowid, bm25(ctx_fts, 1.0, 0.0, 0.0), jr_rank(ctx_fts, ?2) \
                         FROM ctx_fts WHERE ctx_fts MATCH ?1",
                    )
                    .unwrap();
                let rows: Vec<(i64, f64, f64)> = st
                    .query_map(params![text, hits], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    })
                    .unwrap()
                    .collect::<rusqlite::Result<_>>()
                    .unwrap();
                assert!(!rows.is_empty(), "{query}");
                for (id, bm25, ours) in rows {
                    assert!(
                        (bm25 - ours).abs() < 1e-9,
                        "{query} row {id}: bm25 {bm25}, jr_rank {ours}"
                    );
                }
                let (found, _) = search(conn, &q.fts, &f, 100, 10, 0).unwrap();
                assert!(found.iter().all(|(_, s)| *s < 0.0), "{query}: {found:?}");
            }
        }
    }

    /// A common phrase's frequency is estimated from its newest matches: the
    /// share of ids they span.
    #[test]
    fn common_phrases_are_estimated_from_their_newest_matches() {
        let store = crate::store::Store::open_in_memory().unwrap();
        let conn = store.conn();
        for i in 0..(SAMPLE * 4) {
            // "backup" in every other message, "스케줄러" in every eighth.
            let text = match i % 8 {
                0 => "backup 스케줄러",
                2 | 4 | 6 => "backup",
                _ => "other",
            };
            user_message(conn, text, i as i64, &(i as u128).to_be_bytes()).unwrap();
        }
        let q = parse_query("backup 스케줄러 zeppelin").unwrap();
        let blob = phrase_hits(conn, &q.fts).unwrap();
        let v: Vec<f64> = blob
            .chunks(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(v.len(), 3);
        assert!((v[0] + 0.5).abs() < 0.01, "{v:?}");
        assert_eq!(v[1], (SAMPLE / 2) as f64, "{v:?}");
        assert_eq!(v[2], 0.0);
    }
}
