//! `run_external`: the handle of a jr run on work running elsewhere (a
//! Dagster run), and taking such a run over from a jr process that is gone.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::domain::external::External;
use crate::domain::{from_millis, to_millis};
use crate::error::Result;

const SELECT: &str = "SELECT system, instance, external_id, url, cursor, status, unreachable_since, \
     last_error FROM run_external";

fn row(r: &Row<'_>) -> rusqlite::Result<External> {
    Ok(External {
        system: r.get(0)?,
        instance: r.get(1)?,
        id: r.get(2)?,
        url: r.get(3)?,
        cursor: r.get(4)?,
        status: r.get(5)?,
        unreachable_since: r.get::<_, Option<i64>>(6)?.map(from_millis),
        last_error: r.get(7)?,
    })
}

/// Record or update the handle of `run_id`.
pub fn upsert(conn: &Connection, run_id: i64, x: &External, now: DateTime<Utc>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO run_external (run_id, system, instance, external_id, url, cursor, status, \
         unreachable_since, last_error, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
         ON CONFLICT (run_id) DO UPDATE SET system = excluded.system, instance = excluded.instance, \
         external_id = excluded.external_id, url = excluded.url, cursor = excluded.cursor, \
         status = excluded.status, unreachable_since = excluded.unreachable_since, \
         last_error = excluded.last_error, updated_at = excluded.updated_at",
    )?
    .execute(params![
        run_id,
        x.system,
        x.instance,
        x.id,
        x.url,
        x.cursor,
        x.status,
        x.unreachable_since.map(to_millis),
        x.last_error,
        to_millis(now),
    ])?;
    Ok(())
}

pub fn get(conn: &Connection, run_id: i64) -> Result<Option<External>> {
    let mut st = conn.prepare_cached(&format!("{SELECT} WHERE run_id = ?1"))?;
    Ok(st.query_row([run_id], row).optional()?)
}

/// The jr run following an external id, if any.
pub fn run_of(conn: &Connection, system: &str, id: &str) -> Result<Option<i64>> {
    let mut st = conn
        .prepare_cached("SELECT run_id FROM run_external WHERE system = ?1 AND external_id = ?2")?;
    Ok(st.query_row([system, id], |r| r.get(0)).optional()?)
}

/// Make this process the owner of a running run (resuming it); false if
/// it is no longer running or someone else took it first.
pub fn take_over(
    conn: &Connection,
    run_id: i64,
    old_owner: Option<&str>,
    owner: &str,
    pid: u32,
    host: &str,
) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE runs SET owner = ?3, owner_pid = ?4, owner_host = ?5, pgid = NULL \
             WHERE id = ?1 AND status = 'running' AND owner IS ?2",
        )?
        .execute(params![run_id, old_owner, owner, pid, host])?;
    Ok(n == 1)
}

/// Show the link in the run's `result` while it runs.
pub fn set_result(conn: &Connection, run_id: i64, result: &str) -> Result<()> {
    conn.prepare_cached("UPDATE runs SET result = ?2 WHERE id = ?1")?
        .execute(params![run_id, result])?;
    Ok(())
}
