//! Knowledge cards, their sources, and the ambient jobs' watermarks.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::domain::cards::{Card, Sm2};
use crate::domain::{from_millis, to_millis};
use crate::error::Result;

const SELECT: &str = "SELECT c.id, c.question, c.answer, c.created_at, c.run_id, c.ease, c.interval_days, \
     c.repetitions, c.due_at, c.reviewed_at, c.last_grade, c.reviews, \
     (SELECT group_concat(message_id) FROM card_sources s WHERE s.card_id = c.id) FROM cards c";

fn row_to_card(r: &Row<'_>) -> rusqlite::Result<Card> {
    let sources: Option<String> = r.get(12)?;
    Ok(Card {
        id: r.get(0)?,
        question: r.get(1)?,
        answer: r.get(2)?,
        created_at: from_millis(r.get(3)?),
        run_id: r.get(4)?,
        ease: r.get(5)?,
        interval_days: r.get(6)?,
        repetitions: r.get(7)?,
        due_at: from_millis(r.get(8)?),
        reviewed_at: r.get::<_, Option<i64>>(9)?.map(from_millis),
        last_grade: r.get::<_, Option<i64>>(10)?.map(|g| g.clamp(0, 5) as u8),
        reviews: r.get(11)?,
        sources: sources
            .map(|s| s.split(',').filter_map(|x| x.parse().ok()).collect())
            .unwrap_or_default(),
    })
}

pub fn insert(
    conn: &Connection,
    q: &str,
    a: &str,
    sources: &[i64],
    run_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64> {
    conn.prepare_cached("INSERT INTO cards (question, answer, created_at, run_id, due_at) VALUES (?1, ?2, ?3, ?4, ?3)")?
        .execute(params![q, a, to_millis(now), run_id])?;
    let id = conn.last_insert_rowid();
    let mut st = conn.prepare_cached(
        "INSERT OR IGNORE INTO card_sources (card_id, message_id) VALUES (?1, ?2)",
    )?;
    for m in sources {
        st.execute(params![id, m])?;
    }
    Ok(id)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Card>> {
    let mut st = conn.prepare_cached(&format!("{SELECT} WHERE c.id = ?1"))?;
    Ok(st.query_row([id], row_to_card).optional()?)
}

/// Cards due at `now`, the most overdue first.
pub fn due(conn: &Connection, now: DateTime<Utc>, limit: usize) -> Result<Vec<Card>> {
    let mut st = conn.prepare_cached(&format!(
        "{SELECT} WHERE c.suspended = 0 AND c.due_at <= ?1 ORDER BY c.due_at, c.id LIMIT ?2"
    ))?;
    let rows = st.query_map(params![to_millis(now), limit as i64], row_to_card)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Newest first.
pub fn list(conn: &Connection, limit: usize) -> Result<Vec<Card>> {
    let mut st = conn.prepare_cached(&format!("{SELECT} ORDER BY c.id DESC LIMIT ?1"))?;
    let rows = st.query_map([limit as i64], row_to_card)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn counts(conn: &Connection, now: DateTime<Utc>) -> Result<(i64, i64)> {
    let mut st = conn.prepare_cached(
        "SELECT count(*), coalesce(sum(CASE WHEN suspended = 0 AND due_at <= ?1 THEN 1 ELSE 0 END), 0) FROM cards",
    )?;
    Ok(st.query_row([to_millis(now)], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

pub fn set_schedule(
    conn: &Connection,
    id: i64,
    s: Sm2,
    due: DateTime<Utc>,
    grade: u8,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE cards SET ease = ?2, interval_days = ?3, repetitions = ?4, due_at = ?5, last_grade = ?6, \
         reviewed_at = ?7, reviews = reviews + 1 WHERE id = ?1",
    )?
    .execute(params![id, s.ease, s.interval_days, s.repetitions, to_millis(due), grade, to_millis(now)])?;
    Ok(())
}

pub fn mark(conn: &Connection, job: &str, key: &str) -> Result<i64> {
    let mut st =
        conn.prepare_cached("SELECT value FROM ambient_marks WHERE job = ?1 AND key = ?2")?;
    Ok(st
        .query_row(params![job, key], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

pub fn set_mark(conn: &Connection, job: &str, key: &str, value: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO ambient_marks (job, key, value) VALUES (?1, ?2, ?3) \
         ON CONFLICT (job, key) DO UPDATE SET value = max(value, excluded.value)",
    )?
    .execute(params![job, key, value])?;
    Ok(())
}

/// Change a card's question and answer; false when there is no such card.
pub fn set_text(conn: &Connection, id: i64, question: &str, answer: &str) -> Result<bool> {
    let n = conn
        .prepare_cached("UPDATE cards SET question = ?2, answer = ?3 WHERE id = ?1")?
        .execute(params![id, question, answer])?;
    Ok(n > 0)
}

/// Delete a card and its sources; false when there is no such card.
pub fn delete(conn: &Connection, id: i64) -> Result<bool> {
    conn.prepare_cached("DELETE FROM card_sources WHERE card_id = ?1")?
        .execute([id])?;
    let n = conn
        .prepare_cached("DELETE FROM cards WHERE id = ?1")?
        .execute([id])?;
    Ok(n > 0)
}
