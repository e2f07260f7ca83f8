//! Job rows. The kind-specific settings are stored as JSON in `spec`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::domain::{Job, JobSpec, from_millis, to_millis};
use crate::error::{Error, Result};

const SELECT: &str = "SELECT id, name, kind, schedule, tz, enabled, description, spec, timeout_ms, \
     retries, retry_backoff_ms, overlap, misfire, created_at, updated_at, fired_through, \
     (SELECT json_group_array(name) FROM (SELECT t.name FROM job_chains c JOIN jobs t ON t.id = c.target_id \
        WHERE c.job_id = jobs.id AND c.on_status = 'success' ORDER BY c.pos)), \
     (SELECT json_group_array(name) FROM (SELECT t.name FROM job_chains c JOIN jobs t ON t.id = c.target_id \
        WHERE c.job_id = jobs.id AND c.on_status = 'failure' ORDER BY c.pos)), \
     takes_tasks, notify, params FROM jobs";

fn row_to_job(r: &Row<'_>) -> rusqlite::Result<Job> {
    let spec: String = r.get(7)?;
    let overlap: String = r.get(11)?;
    let misfire: String = r.get(12)?;
    let spec: JobSpec = serde_json::from_str(&spec).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(Job {
        id: r.get(0)?,
        name: r.get(1)?,
        spec,
        schedule: r.get(3)?,
        tz: r.get(4)?,
        enabled: r.get(5)?,
        description: r.get(6)?,
        timeout: r
            .get::<_, Option<i64>>(8)?
            .map(|ms| Duration::from_millis(ms.max(0) as u64)),
        retries: r.get::<_, i64>(9)?.max(0) as u32,
        retry_backoff: Duration::from_millis(r.get::<_, i64>(10)?.max(0) as u64),
        overlap: overlap.parse().unwrap_or_default(),
        misfire: misfire.parse().unwrap_or_default(),
        created_at: from_millis(r.get(13)?),
        updated_at: from_millis(r.get(14)?),
        fired_through: from_millis(r.get(15)?),
        on_success: serde_json::from_str(&r.get::<_, String>(16)?).unwrap_or_default(),
        on_failure: serde_json::from_str(&r.get::<_, String>(17)?).unwrap_or_default(),
        takes_tasks: r.get(18)?,
        notify: r
            .get::<_, Option<String>>(19)?
            .and_then(|j| serde_json::from_str(&j).ok()),
        params: serde_json::from_str(&r.get::<_, String>(20)?).unwrap_or_default(),
    })
}

fn spec_json(spec: &JobSpec) -> Result<String> {
    serde_json::to_string(spec)
        .map_err(|e| Error::user(format!("cannot store the job settings: {e}")))
}

pub fn get(conn: &Connection, name: &str) -> Result<Option<Job>> {
    let mut st = conn.prepare_cached(&format!("{SELECT} WHERE name = ?1"))?;
    Ok(st.query_row([name], row_to_job).optional()?)
}

pub fn get_by_id(conn: &Connection, id: i64) -> Result<Option<Job>> {
    let mut st = conn.prepare_cached(&format!("{SELECT} WHERE id = ?1"))?;
    Ok(st.query_row([id], row_to_job).optional()?)
}

pub fn list(conn: &Connection) -> Result<Vec<Job>> {
    let mut st = conn.prepare_cached(&format!("{SELECT} ORDER BY name"))?;
    let rows = st.query_map([], row_to_job)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Enabled jobs with a schedule: what the scheduler watches.
pub fn scheduled(conn: &Connection) -> Result<Vec<Job>> {
    let mut st = conn.prepare_cached(&format!(
        "{SELECT} WHERE enabled = 1 AND schedule IS NOT NULL"
    ))?;
    let rows = st.query_map([], row_to_job)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn names(conn: &Connection) -> Result<Vec<String>> {
    let mut st = conn.prepare_cached("SELECT name FROM jobs ORDER BY name")?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The stored columns of a job, in the order of `COLUMNS`.
const COLUMNS: &str = "name, kind, schedule, tz, enabled, description, spec, timeout_ms, retries, \
     retry_backoff_ms, overlap, misfire, created_at, updated_at, fired_through, takes_tasks, notify, \
     params";

fn values(j: &Job) -> Result<Vec<rusqlite::types::Value>> {
    use rusqlite::types::Value;
    Ok(vec![
        Value::from(j.name.clone()),
        Value::from(j.spec.kind().to_string()),
        Value::from(j.schedule.clone()),
        Value::from(j.tz.clone()),
        Value::from(j.enabled),
        Value::from(j.description.clone()),
        Value::from(spec_json(&j.spec)?),
        Value::from(j.timeout.map(|d| d.as_millis() as i64)),
        Value::from(j.retries as i64),
        Value::from(j.retry_backoff.as_millis() as i64),
        Value::from(j.overlap.as_str().to_string()),
        Value::from(j.misfire.as_str().to_string()),
        Value::from(to_millis(j.created_at)),
        Value::from(to_millis(j.updated_at)),
        Value::from(to_millis(j.fired_through)),
        Value::from(j.takes_tasks.clone()),
        Value::from(
            j.notify
                .as_ref()
                .map(|n| serde_json::to_string(n).unwrap_or_else(|_| "[]".into())),
        ),
        Value::from(serde_json::to_string(&j.params).unwrap_or_else(|_| "{}".into())),
    ])
}

/// Insert a job, or overwrite the one with its name; returns its id.
pub fn upsert(conn: &Connection, j: &Job) -> Result<i64> {
    let mut st = conn.prepare_cached(&format!(
        "INSERT INTO jobs ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) \
         ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, schedule = excluded.schedule, \
         tz = excluded.tz, enabled = excluded.enabled, description = excluded.description, \
         spec = excluded.spec, timeout_ms = excluded.timeout_ms, retries = excluded.retries, \
         retry_backoff_ms = excluded.retry_backoff_ms, overlap = excluded.overlap, \
         misfire = excluded.misfire, updated_at = excluded.updated_at, \
         fired_through = excluded.fired_through, takes_tasks = excluded.takes_tasks, \
         notify = excluded.notify, params = excluded.params RETURNING id"
    ))?;
    Ok(st.query_row(rusqlite::params_from_iter(values(j)?), |r| r.get(0))?)
}

/// Overwrite the job with `j.id` (a rename included).
pub fn update(conn: &Connection, j: &Job) -> Result<()> {
    let mut args = values(j)?;
    args.push(j.id.into());
    conn.prepare_cached(&format!(
        "UPDATE jobs SET ({COLUMNS}) = (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) WHERE id = ?19"
    ))?
    .execute(rusqlite::params_from_iter(args))?;
    Ok(())
}

pub fn set_fired_through(conn: &Connection, id: i64, t: DateTime<Utc>) -> Result<()> {
    conn.prepare_cached("UPDATE jobs SET fired_through = max(fired_through, ?2) WHERE id = ?1")?
        .execute(params![id, to_millis(t)])?;
    Ok(())
}

pub fn delete(conn: &Connection, id: i64) -> Result<()> {
    conn.prepare_cached("DELETE FROM jobs WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Bumped by triggers whenever a job is added, changed or removed.
pub fn revision(conn: &Connection) -> Result<i64> {
    let mut st = conn.prepare_cached("SELECT value FROM counters WHERE name = 'jobs'")?;
    Ok(st.query_row([], |r| r.get(0))?)
}

/// (enabled, paused) job counts.
pub fn counts(conn: &Connection) -> Result<(i64, i64)> {
    let mut st = conn.prepare_cached(
        "SELECT coalesce(sum(enabled), 0), coalesce(sum(1 - enabled), 0) FROM jobs",
    )?;
    Ok(st.query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?)
}
