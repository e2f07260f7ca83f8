//! Run rows and their output lines.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::domain::{OutputLine, Run, RunStatus, Trigger, from_millis, to_millis};
use crate::error::Result;

const SELECT: &str = "SELECT id, job, job_id, status, trigger, scheduled_for, queued_at, started_at, \
     finished_at, duration_ms, exit_code, error, result, attempt, first_run, upstream_run, not_before, \
     owner, owner_pid, owner_host, pgid, cancel_requested, output_bytes, output_cut, task_id, \
     notify_error, params FROM runs";

fn row_to_run(r: &Row<'_>) -> rusqlite::Result<Run> {
    let status: String = r.get(3)?;
    let trigger: String = r.get(4)?;
    let ms = |i: usize| -> rusqlite::Result<Option<DateTime<Utc>>> {
        Ok(r.get::<_, Option<i64>>(i)?.map(from_millis))
    };
    Ok(Run {
        id: r.get(0)?,
        job: r.get(1)?,
        job_id: r.get(2)?,
        status: status.parse().unwrap_or(RunStatus::Failed),
        trigger: trigger.parse().unwrap_or(Trigger::Manual),
        scheduled_for: ms(5)?,
        queued_at: from_millis(r.get(6)?),
        started_at: ms(7)?,
        finished_at: ms(8)?,
        duration_ms: r.get(9)?,
        exit_code: r.get(10)?,
        error: r.get(11)?,
        result: r.get(12)?,
        attempt: r.get::<_, i64>(13)?.max(1) as u32,
        first_run: r.get(14)?,
        upstream_run: r.get(15)?,
        not_before: ms(16)?,
        owner: r.get(17)?,
        owner_pid: r.get(18)?,
        owner_host: r.get(19)?,
        pgid: r.get(20)?,
        cancel_requested: r.get(21)?,
        output_bytes: r.get(22)?,
        output_cut: r.get(23)?,
        task_id: r.get(24)?,
        notify_error: r.get(25)?,
        params: r
            .get::<_, Option<String>>(26)?
            .and_then(|p| serde_json::from_str(&p).ok()),
    })
}

/// A run to record.
#[derive(Debug, Clone)]
pub struct NewRun<'a> {
    pub job_id: i64,
    pub job: &'a str,
    pub status: RunStatus,
    pub trigger: Trigger,
    pub scheduled_for: Option<DateTime<Utc>>,
    /// Scheduled fires carry their fire time here; the unique index makes a
    /// second recording of the same fire a no-op.
    pub fire_key: Option<DateTime<Utc>>,
    pub queued_at: DateTime<Utc>,
    pub not_before: Option<DateTime<Utc>>,
    pub error: Option<&'a str>,
    pub attempt: u32,
    pub first_run: Option<i64>,
    pub upstream_run: Option<i64>,
    pub task_id: Option<i64>,
}

impl<'a> NewRun<'a> {
    /// A first attempt of `job` queued at `now`, to start as soon as a slot
    /// frees: the shape of Run Now, chains, hand-offs and retries (which
    /// then set what differs).
    pub fn queued(job_id: i64, job: &'a str, trigger: Trigger, now: DateTime<Utc>) -> Self {
        NewRun {
            job_id,
            job,
            status: RunStatus::Queued,
            trigger,
            scheduled_for: None,
            fire_key: None,
            queued_at: now,
            not_before: None,
            error: None,
            attempt: 1,
            first_run: None,
            upstream_run: None,
            task_id: None,
        }
    }
}

/// Insert a run; `None` when this fire was already recorded (by anyone).
pub fn insert(conn: &Connection, r: &NewRun<'_>) -> Result<Option<i64>> {
    let finished = (!r.status.is_active()).then(|| to_millis(r.queued_at));
    let n = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO runs (job_id, job, status, trigger, scheduled_for, fire_key, queued_at, \
             not_before, error, attempt, first_run, upstream_run, finished_at, task_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )?
        .execute(params![
            r.job_id,
            r.job,
            r.status.as_str(),
            r.trigger.as_str(),
            r.scheduled_for.map(to_millis),
            r.fire_key.map(to_millis),
            to_millis(r.queued_at),
            r.not_before.map(to_millis),
            r.error,
            r.attempt,
            r.first_run,
            r.upstream_run,
            finished,
            r.task_id,
        ])?;
    Ok((n == 1).then(|| conn.last_insert_rowid()))
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Run>> {
    let mut st = conn.prepare_cached(&format!("{SELECT} WHERE id = ?1"))?;
    Ok(st.query_row([id], row_to_run).optional()?)
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunFilter {
    pub job: Option<String>,
    /// Runs of these jobs are left out.
    pub not_jobs: Vec<String>,
    pub statuses: Vec<RunStatus>,
    pub limit: usize,
    /// Only runs with an id below this (paging backwards through history).
    pub before_id: Option<i64>,
    /// Only runs with an id above this, the nearest first (paging forwards:
    /// `list` still returns them newest first).
    pub after_id: Option<i64>,
    /// Only runs working on this task.
    pub task: Option<i64>,
}

/// Newest first. Keyset paging (`before_id`/`after_id`) walks the primary key
/// (or the `(job, id)` / `(status, id)` index), so a page costs the same at
/// the millionth run as at the first.
pub fn list(conn: &Connection, f: &RunFilter) -> Result<Vec<Run>> {
    let mut sql = format!("{SELECT} WHERE 1 = 1");
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(job) = &f.job {
        args.push(job.clone().into());
        sql.push_str(&format!(" AND job = ?{}", args.len()));
    }
    if let Some(t) = f.task {
        args.push(t.into());
        sql.push_str(&format!(" AND task_id = ?{}", args.len()));
    }
    for job in &f.not_jobs {
        args.push(job.clone().into());
        sql.push_str(&format!(" AND job <> ?{}", args.len()));
    }
    if !f.statuses.is_empty() {
        let list: Vec<String> = f
            .statuses
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        sql.push_str(&format!(" AND status IN ({})", list.join(", ")));
    }
    if let Some(b) = f.before_id {
        args.push(b.into());
        sql.push_str(&format!(" AND id < ?{}", args.len()));
    }
    if let Some(a) = f.after_id {
        args.push(a.into());
        sql.push_str(&format!(" AND id > ?{}", args.len()));
    }
    args.push((f.limit as i64).into());
    let order = if f.after_id.is_some() { "ASC" } else { "DESC" };
    sql.push_str(&format!(" ORDER BY id {order} LIMIT ?{}", args.len()));
    let mut st = conn.prepare_cached(&sql)?;
    let rows = st.query_map(rusqlite::params_from_iter(args), row_to_run)?;
    let mut out: Vec<Run> = rows.collect::<rusqlite::Result<_>>()?;
    if f.after_id.is_some() {
        out.reverse();
    }
    Ok(out)
}

/// Queued and running runs, oldest first.
pub fn active(conn: &Connection) -> Result<Vec<Run>> {
    let mut st = conn.prepare_cached(&format!(
        "{SELECT} WHERE status IN ('queued', 'running') ORDER BY id"
    ))?;
    let rows = st.query_map([], row_to_run)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A queued or running run of the job, if any.
pub fn active_for_job(conn: &Connection, job_id: i64) -> Result<Option<Run>> {
    let mut st = conn.prepare_cached(&format!(
        "{SELECT} WHERE job_id = ?1 AND status IN ('queued', 'running') LIMIT 1"
    ))?;
    Ok(st.query_row([job_id], row_to_run).optional()?)
}

/// Take a queued run for execution; false if someone else took or cancelled it.
pub fn claim(
    conn: &Connection,
    id: i64,
    owner: &str,
    pid: u32,
    host: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE runs SET status = 'running', started_at = ?2, owner = ?3, owner_pid = ?4, owner_host = ?5, \
             params = coalesce(params, (SELECT j.params FROM jobs j WHERE j.id = runs.job_id)) \
             WHERE id = ?1 AND status = 'queued'",
        )?
        .execute(params![id, to_millis(now), owner, pid, host])?;
    Ok(n == 1)
}

pub fn set_pgid(conn: &Connection, id: i64, pgid: Option<i64>) -> Result<()> {
    conn.prepare_cached("UPDATE runs SET pgid = ?2 WHERE id = ?1")?
        .execute(params![id, pgid])?;
    Ok(())
}

pub struct Finish<'a> {
    pub status: RunStatus,
    pub exit_code: Option<i32>,
    pub error: Option<&'a str>,
    pub result: Option<&'a str>,
}

/// End a run that is queued or running; false if it had already ended.
pub fn finish(conn: &Connection, id: i64, f: &Finish<'_>, now: DateTime<Utc>) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE runs SET status = ?2, exit_code = ?3, error = ?4, result = coalesce(?5, result), \
             finished_at = ?6, duration_ms = CASE WHEN started_at IS NULL THEN NULL ELSE ?6 - started_at END, \
             pgid = NULL WHERE id = ?1 AND status IN ('queued', 'running')",
        )?
        .execute(params![
            id,
            f.status.as_str(),
            f.exit_code,
            super::redacted_opt(f.error),
            super::redacted_opt(f.result),
            to_millis(now)
        ])?;
    Ok(n == 1)
}

pub fn request_cancel(conn: &Connection, id: i64) -> Result<()> {
    conn.prepare_cached("UPDATE runs SET cancel_requested = 1 WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Running runs whose cancellation was asked for by another process.
pub fn cancel_requested(conn: &Connection, owner: &str) -> Result<Vec<i64>> {
    let mut st = conn.prepare_cached(
        "SELECT id FROM runs WHERE status = 'running' AND cancel_requested = 1 AND owner = ?1",
    )?;
    let rows = st.query_map([owner], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn set_output_size(conn: &Connection, id: i64, bytes: i64, cut: i64) -> Result<()> {
    conn.prepare_cached("UPDATE runs SET output_bytes = ?2, output_cut = ?3 WHERE id = ?1")?
        .execute(params![id, bytes, cut])?;
    Ok(())
}

/// Store output lines (a line with a stored seq replaces it), `ROWS` to a
/// statement: a noisy run stores thousands of short lines at its end, and
/// one statement per row spent more on the statement than on the row.
pub fn append_output(conn: &Connection, id: i64, lines: &[OutputLine]) -> Result<()> {
    const ROWS: usize = 16;
    let mut groups = lines.chunks_exact(ROWS);
    if groups.len() > 0 {
        static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        // Placeholders only: every value is bound.
        let sql = SQL.get_or_init(|| {
            let rows: Vec<String> = (0..ROWS)
                .map(|k| {
                    let b = 2 + 4 * k;
                    format!("(?1, ?{}, ?{}, ?{}, ?{})", b, b + 1, b + 2, b + 3)
                })
                .collect();
            format!(
                "INSERT OR REPLACE INTO run_output (run_id, seq, at, stream, line) VALUES {}",
                rows.join(", ")
            )
        });
        let mut st = conn.prepare_cached(sql)?;
        for group in &mut groups {
            st.raw_bind_parameter(1, id)?;
            for (k, l) in group.iter().enumerate() {
                let b = 2 + 4 * k;
                st.raw_bind_parameter(b, l.seq)?;
                st.raw_bind_parameter(b + 1, to_millis(l.at))?;
                st.raw_bind_parameter(b + 2, &l.stream)?;
                st.raw_bind_parameter(b + 3, &l.line)?;
            }
            st.raw_execute()?;
        }
    }
    let mut st = conn.prepare_cached(
        "INSERT OR REPLACE INTO run_output (run_id, seq, at, stream, line) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for l in groups.remainder() {
        st.execute(params![id, l.seq, to_millis(l.at), l.stream, l.line])?;
    }
    Ok(())
}

/// Drop at most `limit` stored lines with `from <= seq < to` (the oldest
/// first); returns how many went.
pub fn delete_output_range(
    conn: &Connection,
    id: i64,
    from: i64,
    to: i64,
    limit: usize,
) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "DELETE FROM run_output WHERE run_id = ?1 AND seq IN \
             (SELECT seq FROM run_output WHERE run_id = ?1 AND seq >= ?2 AND seq < ?3 ORDER BY seq LIMIT ?4)",
        )?
        .execute(params![id, from, to, limit as i64])?)
}

/// Output lines with seq > `after`, in order, at most `limit`.
pub fn output(conn: &Connection, id: i64, after: i64, limit: usize) -> Result<Vec<OutputLine>> {
    let mut st = conn.prepare_cached(
        "SELECT seq, at, stream, line FROM run_output WHERE run_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
    )?;
    let rows = st.query_map(params![id, after, limit as i64], |r| {
        Ok(OutputLine {
            seq: r.get(0)?,
            at: from_millis(r.get(1)?),
            stream: r.get(2)?,
            line: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The last `n` output lines.
pub fn output_tail(conn: &Connection, id: i64, n: usize) -> Result<Vec<OutputLine>> {
    let mut st = conn.prepare_cached(
        "SELECT seq, at, stream, line FROM run_output WHERE run_id = ?1 ORDER BY seq DESC LIMIT ?2",
    )?;
    let rows = st.query_map(params![id, n as i64], |r| {
        Ok(OutputLine {
            seq: r.get(0)?,
            at: from_millis(r.get(1)?),
            stream: r.get(2)?,
            line: r.get(3)?,
        })
    })?;
    let mut v: Vec<OutputLine> = rows.collect::<rusqlite::Result<_>>()?;
    v.reverse();
    Ok(v)
}

/// Runs per (status) since `since`.
pub fn outcome_counts(conn: &Connection, since: DateTime<Utc>) -> Result<Vec<(RunStatus, i64)>> {
    let mut st = conn.prepare_cached(
        "SELECT status, count(*) FROM runs WHERE queued_at >= ?1 GROUP BY status ORDER BY count(*) DESC",
    )?;
    let rows = st.query_map([to_millis(since)], |r| {
        let s: String = r.get(0)?;
        Ok((s.parse().unwrap_or(RunStatus::Failed), r.get(1)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Runs since `start` counted per hour after it: (hour, successes, failures).
/// Grouped in SQLite through the `queued_at` index; no run row is returned.
pub fn hourly_outcomes(conn: &Connection, start: DateTime<Utc>) -> Result<Vec<(i64, i64, i64)>> {
    let mut st = conn.prepare_cached(
        "SELECT (queued_at - ?1) / 3600000 AS h, \
                sum(status = 'success'), \
                sum(status IN ('failed', 'timeout', 'lost', 'interrupted')) \
         FROM runs WHERE queued_at >= ?1 GROUP BY h ORDER BY h",
    )?;
    let rows = st.query_map([to_millis(start)], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The newest run of each job (for "last status" columns).
pub fn last_per_job(conn: &Connection) -> Result<Vec<Run>> {
    let mut st = conn.prepare_cached(&format!(
        "{SELECT} WHERE id IN (SELECT max(id) FROM runs WHERE job_id IS NOT NULL \
         AND status NOT IN ('skipped', 'missed') GROUP BY job_id)"
    ))?;
    let rows = st.query_map([], row_to_run)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Delete runs beyond `keep` per job and those older than `before`; returns how many.
/// Delete at most `batch` old runs (with their output) of each kind: the
/// caller loops, one short transaction per batch, so pruning never holds
/// the write lock for long.
pub fn prune(conn: &Connection, keep: usize, before: DateTime<Utc>, batch: usize) -> Result<usize> {
    let old = conn
        .prepare_cached(
            "DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE queued_at < ?1 \
             AND status NOT IN ('queued', 'running') LIMIT ?2)",
        )?
        .execute(params![to_millis(before), batch as i64])?;
    let extra = conn
        .prepare_cached(
            "DELETE FROM runs WHERE id IN (SELECT id FROM ( \
               SELECT id, status, row_number() OVER (PARTITION BY job_id ORDER BY id DESC) AS n \
               FROM runs) WHERE n > ?1 AND status NOT IN ('queued', 'running') LIMIT ?2)",
        )?
        .execute(params![keep as i64, batch as i64])?;
    Ok(old + extra)
}

/// Record which task a run works on (a worker's claim).
pub fn set_task(conn: &Connection, id: i64, task_id: i64) -> Result<()> {
    conn.prepare_cached("UPDATE runs SET task_id = ?2 WHERE id = ?1")?
        .execute(params![id, task_id])?;
    Ok(())
}

/// A queued or running run working on the task, if any.
pub fn active_for_task(conn: &Connection, task_id: i64) -> Result<Option<Run>> {
    let mut st = conn.prepare_cached(&format!(
        "{SELECT} WHERE task_id = ?1 AND status IN ('queued', 'running') LIMIT 1"
    ))?;
    Ok(st.query_row([task_id], row_to_run).optional()?)
}

/// Queued runs that may start now, oldest first, at most `limit`: their
/// backoff has passed and their job has fewer running runs than it may
/// (one, or `per_job` when the job allows overlap). Walks the `(status, id)`
/// index of active runs and counts each job's running runs through the
/// `runs_job_active` index, so a pass costs what it returns, not the whole
/// queue. Runs whose job is gone are included (the caller fails them).
pub fn startable(
    conn: &Connection,
    now: DateTime<Utc>,
    limit: usize,
    per_job: usize,
) -> Result<Vec<Run>> {
    let mut st = conn.prepare_cached(&format!(
        "{SELECT} WHERE status = 'queued' AND (not_before IS NULL OR not_before <= ?1) \
         AND coalesce((SELECT CASE WHEN j.overlap = 'allow' THEN ?2 ELSE 1 END \
                       FROM jobs j WHERE j.id = runs.job_id), 1) \
             > (SELECT count(*) FROM runs x WHERE x.job_id = runs.job_id AND x.status = 'running') \
         ORDER BY id"
    ))?;
    // No `LIMIT ?`: SQLite re-prepares a statement whose LIMIT parameter
    // changed (it plans with the value), and the number of free slots
    // changes at every claim. The index gives the rows in order, so
    // stepping stops after `limit` of them just the same.
    let rows = st.query_map(params![to_millis(now), per_job as i64], row_to_run)?;
    Ok(rows.take(limit).collect::<rusqlite::Result<_>>()?)
}

/// The earliest backoff of a queued run still ahead of `now`.
pub fn next_backoff(conn: &Connection, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
    let t: Option<i64> = conn
        .prepare_cached(
            "SELECT min(not_before) FROM runs WHERE status = 'queued' AND not_before > ?1",
        )?
        .query_row([to_millis(now)], |r| r.get(0))?;
    Ok(t.map(from_millis))
}

/// Running runs per job (for the per-job limit within one batch).
pub fn running_of_job(conn: &Connection, job_id: i64) -> Result<usize> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM runs WHERE job_id = ?1 AND status = 'running'")?
        .query_row([job_id], |r| r.get(0))?;
    Ok(n.max(0) as usize)
}

/// Running runs, oldest first (not the queue: a burst's queued runs are
/// not read at every heartbeat).
pub fn running(conn: &Connection) -> Result<Vec<Run>> {
    let mut st = conn.prepare_cached(&format!("{SELECT} WHERE status = 'running' ORDER BY id"))?;
    let rows = st.query_map([], row_to_run)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Record the parameters a run is to run with (run parameters, issue 18).
pub fn set_params(
    conn: &Connection,
    id: i64,
    params: Option<&crate::domain::params::Params>,
) -> Result<()> {
    let text = params.map(|p| serde_json::to_string(p).unwrap_or_else(|_| "{}".into()));
    conn.prepare_cached("UPDATE runs SET params = ?2 WHERE id = ?1")?
        .execute(params![id, text])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_lines_are_stored_in_groups_and_the_rest_one_by_one() {
        let store = crate::store::Store::open_in_memory().unwrap();
        let c = store.conn();
        c.execute(
            "INSERT INTO runs (id, job, status, trigger, queued_at) VALUES (7, 'j', 'running', 'manual', 0)",
            [],
        )
        .unwrap();
        let at = from_millis(1_700_000_000_123);
        let line = |seq: i64, text: &str| OutputLine {
            seq,
            at,
            stream: if seq % 3 == 0 { "err" } else { "out" }.into(),
            line: text.into(),
        };
        // 37 lines: two groups of 16 and 5 alone; Korean and an empty line.
        let first: Vec<OutputLine> = (1..=37)
            .map(|i| {
                line(
                    i,
                    &if i == 5 {
                        String::new()
                    } else {
                        format!("줄 {i}")
                    },
                )
            })
            .collect();
        append_output(c, 7, &first).unwrap();
        let stored = output(c, 7, 0, 100).unwrap();
        assert_eq!(stored.len(), 37);
        for (a, b) in stored.iter().zip(&first) {
            assert_eq!(
                (a.seq, a.at, &a.stream, &a.line),
                (b.seq, b.at, &b.stream, &b.line)
            );
        }
        // A line with a stored seq replaces it (a rewritten tail).
        let again: Vec<OutputLine> = (30..=50).map(|i| line(i, &format!("new {i}"))).collect();
        append_output(c, 7, &again).unwrap();
        let stored = output(c, 7, 0, 100).unwrap();
        assert_eq!(stored.len(), 50);
        assert_eq!(stored[28].line, "줄 29");
        assert_eq!(stored[29].line, "new 30");
        assert_eq!(stored[49].line, "new 50");
    }
}
