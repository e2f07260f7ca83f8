//! The scheduler lease: one row that says which process fires jobs. A holder
//! renews it; another process may take it only once it has expired (or, on
//! the same host, once the holder's process is gone).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::domain::{from_millis, to_millis};
use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lease {
    pub holder: String,
    pub pid: i64,
    pub host: String,
    pub role: String,
    #[serde(with = "crate::domain::rfc3339")]
    pub acquired_at: DateTime<Utc>,
    #[serde(with = "crate::domain::rfc3339")]
    pub heartbeat_at: DateTime<Utc>,
    #[serde(with = "crate::domain::rfc3339")]
    pub expires_at: DateTime<Utc>,
}

pub fn get(conn: &Connection) -> Result<Option<Lease>> {
    let mut st = conn.prepare_cached(
        "SELECT holder, pid, host, role, acquired_at, heartbeat_at, expires_at FROM scheduler_lease WHERE id = 1",
    )?;
    Ok(st
        .query_row([], |r| {
            Ok(Lease {
                holder: r.get(0)?,
                pid: r.get(1)?,
                host: r.get(2)?,
                role: r.get(3)?,
                acquired_at: from_millis(r.get(4)?),
                heartbeat_at: from_millis(r.get(5)?),
                expires_at: from_millis(r.get(6)?),
            })
        })
        .optional()?)
}

/// Who wants the lease.
pub struct Claimant<'a> {
    pub holder: &'a str,
    pub pid: u32,
    pub host: &'a str,
    pub role: &'a str,
}

/// Take or renew the lease until `expires`. `holder_gone` says the current
/// holder's process is known to be dead. Returns true when we hold it.
pub fn acquire(
    conn: &Connection,
    me: &Claimant<'_>,
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
    holder_gone: bool,
) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT INTO scheduler_lease (id, holder, pid, host, role, acquired_at, heartbeat_at, expires_at) \
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?5, ?6) \
             ON CONFLICT (id) DO UPDATE SET \
               acquired_at = CASE WHEN holder = excluded.holder THEN acquired_at ELSE excluded.acquired_at END, \
               holder = excluded.holder, pid = excluded.pid, host = excluded.host, role = excluded.role, \
               heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at \
             WHERE holder = excluded.holder OR expires_at < ?5 OR ?7",
        )?
        .execute(params![me.holder, me.pid, me.host, me.role, to_millis(now), to_millis(expires), holder_gone])?;
    Ok(n == 1)
}

pub fn release(conn: &Connection, holder: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM scheduler_lease WHERE holder = ?1")?
        .execute([holder])?;
    Ok(())
}
