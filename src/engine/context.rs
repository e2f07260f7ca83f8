//! The context registry: store conversation messages (redacted, deduplicated,
//! indexed) and search them. What the CLI, the MCP tools (`conversation_log`,
//! `extract`, `context_stats`), the chat gateway (channel `gateway`) and a TUI
//! Context pane call.
//!
//! Search ranks smartly on big registries: bm25 over every match of a common
//! word costs a scan of all its matches, so when a query matches more than
//! `CANDIDATES` messages only the newest `CANDIDATES` of them are ranked (found
//! by walking the index newest first, which stops early), and bm25 orders
//! those. Rare words — the ones where relevance matters most — are ranked
//! over all their matches.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Engine;
use crate::domain::context::{
    MAX_CONTENT_BYTES, Message, NewMessage, check_name, check_role, content_hash, redact::redact,
    text,
};
use crate::domain::{rfc3339, to_millis};
use crate::error::{Error, Result};
use crate::store::context::{self as repo, InsertMessage, SearchFilter, SessionRow};

#[cfg(test)]
#[path = "context_log_tests.rs"]
mod log_tests;

/// How many of the newest matches a search ranks when there are more.
pub const CANDIDATES: usize = 2000;

/// Without a client message id, the same message (channel, session, client,
/// role, content) said again within this many milliseconds of the first is a
/// duplicate: a client that retries a call, or logs a turn twice, stores it
/// once. Ten minutes: longer than any retry, shorter than a person repeating
/// a question on purpose later in the day.
pub const DUPLICATE_WINDOW_MS: i64 = 10 * 60 * 1000;

/// What `log_message` did.
#[derive(Debug, Clone, Serialize)]
pub struct Logged {
    /// The stored message's id: the new one, or the one it duplicates.
    pub id: Option<i64>,
    pub duplicate: bool,
    /// Why it was a duplicate: "message_id" (the client's id was seen in this
    /// session) or "window" (the same text within `DUPLICATE_WINDOW_MS`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<&'static str>,
    /// How many secrets were replaced by `[REDACTED:kind]`.
    pub redactions: usize,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ContextImport {
    pub files: usize,
    pub imported: usize,
    pub skipped_duplicates: usize,
    pub redactions: usize,
    pub sessions: usize,
    /// Lines that were not messages jr keeps (tool results, meta lines, bad JSON).
    pub skipped_lines: usize,
}

/// A search request; the `Option`s are filters.
#[derive(Debug, Clone, Default)]
pub struct ContextQuery {
    pub query: String,
    pub channel: Option<String>,
    pub client: Option<String>,
    pub session: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub limit: usize,
    pub offset: usize,
}

/// One search hit: where the message is, and a snippet with the hits in `[...]`.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: i64,
    pub channel: String,
    pub session: String,
    pub client: String,
    pub role: String,
    #[serde(with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    pub snippet: String,
    /// bm25: higher is better.
    pub score: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchOut {
    pub query: String,
    pub hits: Vec<Hit>,
    /// When the query matched more than this many messages, only the newest
    /// this many were ranked; null when every match was.
    pub ranked_newest: Option<usize>,
}

/// A session with (a page of) its messages.
#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    pub session: SessionRow,
    pub messages: Vec<Message>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChannelOut {
    pub channel: String,
    pub sessions: i64,
    pub messages: i64,
    #[serde(with = "rfc3339")]
    pub last_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClientCount {
    pub sessions: i64,
    pub messages: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContextStats {
    pub messages: i64,
    pub sessions: i64,
    pub channels: usize,
    pub clients: BTreeMap<String, ClientCount>,
    #[serde(with = "rfc3339::option")]
    pub first_at: Option<DateTime<Utc>>,
    #[serde(with = "rfc3339::option")]
    pub last_at: Option<DateTime<Utc>>,
    pub db_bytes: u64,
}

/// A message checked and made ready for the store.
struct Prepared {
    channel: String,
    session: String,
    client: String,
    role: String,
    content: String,
    created_at: DateTime<Utc>,
    metadata: Option<String>,
    hash: Vec<u8>,
    index: String,
    redactions: usize,
}

/// Redact every string inside a JSON value; counts replacements.
fn redact_json(v: &mut serde_json::Value) -> usize {
    match v {
        serde_json::Value::String(s) => {
            let (r, n) = redact(s);
            *s = r;
            n
        }
        serde_json::Value::Array(a) => a.iter_mut().map(redact_json).sum(),
        serde_json::Value::Object(o) => o.values_mut().map(redact_json).sum(),
        _ => 0,
    }
}

/// Cut `s` to at most `max` bytes at a character boundary.
fn cut_to(s: &mut String, max: usize) {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let dropped = s.len() - end;
        s.truncate(end);
        s.push_str(&format!("\n… [cut: {dropped} more bytes]"));
    }
}

fn prepare(m: NewMessage, now: DateTime<Utc>, cut_long: bool) -> Result<Prepared> {
    let channel = check_name("channel", &m.channel).map_err(Error::user)?;
    let session = check_name("session", &m.session).map_err(Error::user)?;
    let client = check_name("client", &m.client).map_err(Error::user)?;
    let role = check_role(&m.role).map_err(Error::user)?;
    // Redacted first, so a cut can never leave half a secret behind.
    let (mut content, mut redactions) = redact(&m.content);
    if content.trim().is_empty() {
        return Err(Error::user("the message is empty; give some text to log"));
    }
    if content.len() > MAX_CONTENT_BYTES {
        if !cut_long {
            return Err(Error::user(format!(
                "the message is {} bytes; the registry keeps messages up to {} KiB",
                content.len(),
                MAX_CONTENT_BYTES / 1024
            ))
            .hint("log a summary, or split it into several messages"));
        }
        cut_to(&mut content, MAX_CONTENT_BYTES);
    }
    let metadata = match m.metadata {
        None | Some(serde_json::Value::Null) => None,
        Some(mut v @ serde_json::Value::Object(_)) => {
            redactions += redact_json(&mut v);
            Some(v.to_string())
        }
        Some(_) => return Err(Error::user("metadata must be a JSON object")),
    };
    let created_at = m.created_at.unwrap_or(now);
    let hash = content_hash(
        &client,
        m.external_id.as_deref(),
        &channel,
        &session,
        &role,
        to_millis(created_at),
        &content,
    );
    Ok(Prepared {
        index: text::index_text(&content),
        channel,
        session,
        client,
        role,
        content,
        created_at,
        metadata,
        hash,
        redactions,
    })
}

fn title_of(p: &Prepared) -> Option<String> {
    (p.role == "user").then(|| {
        let line: String = p
            .content
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(80)
            .collect();
        line
    })
}

fn as_row<'a>(p: &'a Prepared, title: Option<&'a str>) -> InsertMessage<'a> {
    InsertMessage {
        channel: &p.channel,
        session: &p.session,
        client: &p.client,
        role: &p.role,
        content: &p.content,
        created_at: p.created_at,
        metadata: p.metadata.as_deref(),
        hash: &p.hash,
        index_text: &p.index,
        title,
    }
}

fn insert(tx: &rusqlite::Connection, p: &Prepared) -> Result<Option<i64>> {
    let title = title_of(p);
    repo::insert(tx, &as_row(p, title.as_deref()))
}

impl Engine {
    /// Store one message (redacted); a copy of one already stored is skipped.
    pub fn log_message(&self, m: NewMessage) -> Result<Logged> {
        self.log_message_keyed(m, None)
    }

    /// Store one message, idempotent on (client, session, `message_id`) when
    /// the client gives its own message id, else on the same text in the same
    /// session within `DUPLICATE_WINDOW_MS`. The result says which matched.
    /// The message id is kept in the metadata as `message_id`.
    pub fn log_message_keyed(&self, mut m: NewMessage, message_id: Option<&str>) -> Result<Logged> {
        let message_id = message_id
            .map(|id| check_name("message id", id).map_err(Error::user))
            .transpose()?;
        if let Some(id) = &message_id {
            let session = check_name("session", &m.session).map_err(Error::user)?;
            // Unit separator: names have no control characters, so
            // (session, id) pairs never collide.
            m.external_id = Some(format!("{session}\u{1f}{id}"));
            let mut meta = match m.metadata.take() {
                None | Some(serde_json::Value::Null) => serde_json::Map::new(),
                Some(serde_json::Value::Object(o)) => o,
                Some(_) => return Err(Error::user("metadata must be a JSON object")),
            };
            meta.insert("message_id".into(), serde_json::Value::String(id.clone()));
            m.metadata = Some(serde_json::Value::Object(meta));
        }
        let keyed = message_id.is_some();
        let p = prepare(m, self.now(), false)?;
        let (id, by) = self.store.write(|tx| {
            if !keyed {
                let at = to_millis(p.created_at);
                let row = as_row(&p, None);
                if let Some(old) = repo::same_in_window(
                    tx,
                    &row,
                    at - DUPLICATE_WINDOW_MS,
                    at + DUPLICATE_WINDOW_MS,
                )? {
                    return Ok((old, Some("window")));
                }
            }
            Ok(match insert(tx, &p)? {
                Some(id) => (id, None),
                None => {
                    let old = repo::id_by_hash(tx, &p.hash)?.unwrap_or_default();
                    (old, Some(if keyed { "message_id" } else { "window" }))
                }
            })
        })?;
        Ok(Logged {
            id: Some(id),
            duplicate: by.is_some(),
            by,
            redactions: if by.is_some() { 0 } else { p.redactions },
        })
    }

    /// Store many messages in one transaction (imports); over-long ones are cut.
    /// `titles` are (channel, session, title) to set afterwards.
    pub fn log_messages(
        &self,
        messages: Vec<NewMessage>,
        titles: &[(String, String, String)],
    ) -> Result<ContextImport> {
        let now = self.now();
        let prepared = messages
            .into_iter()
            .map(|m| prepare(m, now, true))
            .collect::<Result<Vec<_>>>()?;
        self.store.write(|tx| {
            let mut r = ContextImport::default();
            let mut sessions = std::collections::HashSet::new();
            for p in &prepared {
                match insert(tx, p)? {
                    Some(_) => {
                        r.imported += 1;
                        r.redactions += p.redactions;
                        sessions.insert((p.channel.as_str(), p.session.as_str()));
                    }
                    None => r.skipped_duplicates += 1,
                }
            }
            for (channel, session, title) in titles {
                repo::set_title(tx, channel, session, title)?;
            }
            r.sessions = sessions.len();
            Ok(r)
        })
    }

    pub fn get_message(&self, id: i64) -> Result<Message> {
        repo::get(self.store.conn(), id)?.ok_or_else(|| {
            Error::user(format!("no message with id {id}"))
                .hint("`jr context search WORDS` shows message ids")
        })
    }

    /// Search the registry: ranked hits with snippets.
    pub fn search_context(&self, q: &ContextQuery) -> Result<SearchOut> {
        let Some(parsed) = text::parse_query(&q.query) else {
            return Err(Error::user(format!(
                "nothing to search for in {:?}; give a word",
                q.query
            )));
        };
        let filter = SearchFilter {
            channel: q.channel.clone(),
            client: q.client.clone(),
            session: q.session.clone(),
            since: q.since,
        };
        let limit = q.limit.clamp(1, 500);
        let (rows, more) = repo::search(
            self.store.conn(),
            &parsed.fts,
            &filter,
            CANDIDATES,
            limit,
            q.offset,
        )?;
        let hits = rows
            .into_iter()
            .map(|(m, score)| Hit {
                snippet: text::snippet(&m.content, &parsed.terms, 120),
                id: m.id,
                channel: m.channel,
                session: m.session,
                client: m.client,
                role: m.role,
                created_at: m.created_at,
                score: -score,
            })
            .collect();
        Ok(SearchOut {
            query: q.query.clone(),
            hits,
            ranked_newest: more.then_some(CANDIDATES),
        })
    }

    /// The sessions with this name; `channel` narrows when a name is reused.
    pub fn find_context_sessions(
        &self,
        session: &str,
        channel: Option<&str>,
    ) -> Result<Vec<SessionRow>> {
        repo::find_sessions(self.store.conn(), session, channel)
    }

    /// One session and a page of its messages (after message id `after`).
    pub fn context_session(
        &self,
        session: &str,
        channel: Option<&str>,
        after: i64,
        limit: usize,
    ) -> Result<SessionView> {
        let found = self.find_context_sessions(session, channel)?;
        let s = match found.as_slice() {
            [] => {
                return Err(Error::user(format!("no session {session:?}")).hint(
                    "`jr context search WORDS` and `jr context channels` show what is stored",
                ));
            }
            [one] => one.clone(),
            many => {
                let chans: Vec<&str> = many.iter().map(|s| s.channel.as_str()).collect();
                return Err(Error::user(format!(
                    "session {session:?} is in several channels: {}",
                    chans.join(", ")
                ))
                .hint("pick one with --channel"));
            }
        };
        let messages = repo::session_messages(
            self.store.conn(),
            &s.channel,
            &s.session,
            after,
            limit.max(1),
        )?;
        Ok(SessionView {
            session: s,
            messages,
        })
    }

    /// Sessions, most recently active first; page with `before` = the last row's `last_at`.
    pub fn context_sessions(
        &self,
        channel: Option<&str>,
        client: Option<&str>,
        before: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<SessionRow>> {
        repo::sessions(
            self.store.conn(),
            channel,
            client,
            before.map(to_millis),
            limit,
        )
    }

    pub fn context_channels(&self) -> Result<Vec<ChannelOut>> {
        Ok(repo::channels(self.store.conn())?
            .into_iter()
            .map(|(channel, sessions, messages, last)| ChannelOut {
                channel,
                sessions,
                messages,
                last_at: crate::domain::from_millis(last),
            })
            .collect())
    }

    pub fn context_stats(&self) -> Result<ContextStats> {
        let conn = self.store.conn();
        let clients: BTreeMap<String, ClientCount> = repo::clients(conn)?
            .into_iter()
            .map(|(c, sessions, messages)| (c, ClientCount { sessions, messages }))
            .collect();
        let span = repo::time_span(conn)?;
        Ok(ContextStats {
            messages: clients.values().map(|c| c.messages).sum(),
            sessions: clients.values().map(|c| c.sessions).sum(),
            channels: repo::channels(conn)?.len(),
            clients,
            first_at: span.map(|s| crate::domain::from_millis(s.0)),
            last_at: span.map(|s| crate::domain::from_millis(s.1)),
            db_bytes: self.db_size(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_message_is_redacted_before_it_is_cut() {
        let key = "sk-proj-AbCdEf0123456789AbCdEf0123456789";
        // The key straddles the cut: 13 bytes of it before, too few to
        // look like a key on their own.
        let content = format!(
            "{}{key} and more",
            "가".repeat((MAX_CONTENT_BYTES - 12) / 3)
        );
        let m = NewMessage {
            channel: "gateway".into(),
            session: "s".into(),
            client: "jr-chat".into(),
            role: "user".into(),
            content,
            created_at: None,
            metadata: None,
            external_id: None,
        };
        let p = prepare(m, Utc::now(), true).unwrap();
        assert!(!p.content.contains("sk-proj-"), "a partial key was kept");
        assert!(!p.content.contains("AbCdEf0123"), "a partial key was kept");
        assert!(
            p.content.contains("[REDACTED:"),
            "{}",
            &p.content[p.content.len() - 60..]
        );
        assert_eq!(p.redactions, 1);
    }
}
