//! The notification outbox: one row per (run, target) owed, and the
//! delivery errors recorded on runs. Only names and ids are stored.

use rusqlite::{Connection, OptionalExtension, params};

use crate::domain::{from_millis, to_millis};
use crate::error::Result;
use chrono::{DateTime, Utc};

/// A notification owed.
#[derive(Debug, Clone, PartialEq)]
pub struct Owed {
    pub id: i64,
    pub run_id: i64,
    pub target: String,
    /// failed | succeeded | recovered
    pub event: String,
    pub created_at: DateTime<Utc>,
}

/// Owe `target` a notification about `run_id`; a second one for the same
/// pair is ignored.
pub fn owe(
    conn: &Connection,
    run_id: i64,
    target: &str,
    event: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO notify_outbox (run_id, target, event, created_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![run_id, target, event, to_millis(now)])?;
    Ok(n == 1)
}

/// What `target` is owed, oldest first.
pub fn owed(conn: &Connection, target: &str, limit: usize) -> Result<Vec<Owed>> {
    let mut st = conn.prepare_cached(
        "SELECT id, run_id, target, event, created_at FROM notify_outbox WHERE target = ?1 ORDER BY id LIMIT ?2",
    )?;
    let rows = st.query_map(params![target, limit as i64], |r| {
        Ok(Owed {
            id: r.get(0)?,
            run_id: r.get(1)?,
            target: r.get(2)?,
            event: r.get(3)?,
            created_at: from_millis(r.get(4)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The targets anything is owed to.
pub fn owed_targets(conn: &Connection) -> Result<Vec<String>> {
    let mut st = conn.prepare_cached("SELECT DISTINCT target FROM notify_outbox")?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Delivered or given up: no longer owed.
pub fn settle(conn: &Connection, ids: &[i64]) -> Result<()> {
    let mut st = conn.prepare_cached("DELETE FROM notify_outbox WHERE id = ?1")?;
    for id in ids {
        st.execute([id])?;
    }
    Ok(())
}

/// Record (or, with `None`, clear) why a notification about the run failed.
pub fn set_error(conn: &Connection, run_id: i64, error: Option<&str>) -> Result<()> {
    conn.prepare_cached("UPDATE runs SET notify_error = ?2 WHERE id = ?1")?
        .execute(params![run_id, super::redacted_opt(error)])?;
    Ok(())
}

/// Set (or, with `None`, clear) one target's part of the run's
/// `notify_error` ("TARGET: reason", parts joined by " | "), keeping the
/// other targets' parts.
pub fn set_target_error(
    conn: &Connection,
    run_id: i64,
    target: &str,
    error: Option<&str>,
) -> Result<()> {
    let old: Option<String> = conn
        .prepare_cached("SELECT notify_error FROM runs WHERE id = ?1")?
        .query_row([run_id], |r| r.get(0))
        .optional()?
        .flatten();
    let new = merge(old.as_deref(), target, error);
    set_error(conn, run_id, new.as_deref())
}

/// One target's part replaced in a joined `notify_error` (pure).
pub fn merge(old: Option<&str>, target: &str, error: Option<&str>) -> Option<String> {
    const MAX: usize = 2000;
    let prefix = format!("{target}: ");
    let mut parts: Vec<String> = old
        .unwrap_or("")
        .split(" | ")
        .filter(|p| !p.is_empty() && !p.starts_with(&prefix))
        .map(str::to_string)
        .collect();
    if let Some(e) = error {
        let e = if e.starts_with(&prefix) {
            e.to_string()
        } else {
            format!("{prefix}{e}")
        };
        parts.push(e);
    }
    let mut joined = parts.join(" | ");
    if joined.len() > MAX {
        let mut end = MAX;
        while !joined.is_char_boundary(end) {
            end -= 1;
        }
        joined.truncate(end);
    }
    (!joined.is_empty()).then_some(joined)
}

#[cfg(test)]
mod tests {
    use super::merge;

    #[test]
    fn each_target_has_its_part() {
        let a = merge(None, "hook", Some("hook: HTTP 500"));
        assert_eq!(a.as_deref(), Some("hook: HTTP 500"));
        let b = merge(a.as_deref(), "phone", Some("timed out"));
        assert_eq!(b.as_deref(), Some("hook: HTTP 500 | phone: timed out"));
        let c = merge(b.as_deref(), "hook", Some("hook: HTTP 502"));
        assert_eq!(c.as_deref(), Some("phone: timed out | hook: HTTP 502"));
        let d = merge(c.as_deref(), "phone", None);
        assert_eq!(d.as_deref(), Some("hook: HTTP 502"));
        assert_eq!(merge(d.as_deref(), "hook", None), None);
    }
}

/// The status of the job's previous concluded run before `before_id` (not
/// of the same attempt chain `chain`): success or a failure, or none.
pub fn previous_outcome(
    conn: &Connection,
    job_id: i64,
    before_id: i64,
    chain: i64,
) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT status FROM runs WHERE job_id = ?1 AND id < ?2 AND coalesce(first_run, id) <> ?3 \
             AND status IN ('success', 'failed', 'timeout', 'lost', 'interrupted') \
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![job_id, before_id, chain], |r| r.get(0))
        .optional()?)
}

/// Notifications that failed: how many runs, and the newest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Failures {
    pub runs: i64,
    /// (run id, job, error) of the newest.
    pub newest: Option<(i64, String, String)>,
}

/// Runs whose notification failed since `since`. Reads the partial index
/// of such runs only.
pub fn failures_since(conn: &Connection, since: DateTime<Utc>) -> Result<Failures> {
    let mut st = conn.prepare_cached(
        "SELECT id, job, notify_error FROM runs WHERE notify_error IS NOT NULL \
         AND coalesce(finished_at, queued_at) >= ?1 ORDER BY id DESC LIMIT 1000",
    )?;
    let rows: Vec<(i64, String, String)> = st
        .query_map([to_millis(since)], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Failures {
        runs: rows.len() as i64,
        newest: rows.into_iter().next(),
    })
}
