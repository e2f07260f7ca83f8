//! Recorded agent executions.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::domain::agent::{AgentRun, AgentRunStatus};
use crate::domain::{from_millis, to_millis};
use crate::error::Result;

const SELECT: &str = "SELECT id, agent, model, prompt, output, tokens_in, tokens_out, started_at, \
     finished_at, duration_ms, status, error, run_id, config_hash FROM agent_runs";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AgentRun> {
    let status: String = r.get(10)?;
    Ok(AgentRun {
        id: r.get(0)?,
        agent: r.get(1)?,
        model: r.get(2)?,
        prompt: r.get(3)?,
        output: r.get(4)?,
        tokens_in: r.get::<_, Option<i64>>(5)?.map(|n| n.max(0) as u64),
        tokens_out: r.get::<_, Option<i64>>(6)?.map(|n| n.max(0) as u64),
        started_at: from_millis(r.get(7)?),
        finished_at: r.get::<_, Option<i64>>(8)?.map(from_millis),
        duration_ms: r.get(9)?,
        status: status.parse().unwrap_or(AgentRunStatus::Failed),
        error: r.get(11)?,
        run_id: r.get(12)?,
        config_hash: r.get(13)?,
    })
}

pub struct NewAgentRun<'a> {
    pub agent_id: Option<i64>,
    pub agent: &'a str,
    pub model: &'a str,
    pub prompt: &'a str,
    pub run_id: Option<i64>,
    pub config_hash: &'a str,
}

pub fn start(conn: &Connection, n: &NewAgentRun<'_>, now: DateTime<Utc>) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO agent_runs (agent_id, agent, model, prompt, started_at, status, run_id, config_hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7) RETURNING id",
        )?
        .query_row(
            params![
                n.agent_id,
                n.agent,
                n.model,
                super::redacted(n.prompt),
                to_millis(now),
                n.run_id,
                n.config_hash
            ],
            |r| r.get(0),
        )?)
}

pub struct AgentFinish<'a> {
    pub status: AgentRunStatus,
    pub output: &'a str,
    pub tokens_in: Option<u64>,
    pub tokens_out: Option<u64>,
    pub error: Option<&'a str>,
}

pub fn finish(conn: &Connection, id: i64, f: &AgentFinish<'_>, now: DateTime<Utc>) -> Result<()> {
    conn.prepare_cached(
        "UPDATE agent_runs SET status = ?2, output = ?3, tokens_in = ?4, tokens_out = ?5, error = ?6, \
         finished_at = ?7, duration_ms = max(0, ?7 - started_at) WHERE id = ?1",
    )?
    .execute(params![
        id,
        f.status.as_str(),
        super::redacted(f.output),
        f.tokens_in.map(|n| n as i64),
        f.tokens_out.map(|n| n as i64),
        super::redacted_opt(f.error),
        to_millis(now)
    ])?;
    Ok(())
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<AgentRun>> {
    let mut st = conn.prepare_cached(&format!("{SELECT} WHERE id = ?1"))?;
    Ok(st.query_row([id], row).optional()?)
}

/// Newest first; `agent` filters by name.
pub fn list(conn: &Connection, agent: Option<&str>, limit: usize) -> Result<Vec<AgentRun>> {
    let mut st = conn.prepare_cached(&format!(
        "{SELECT} WHERE (?1 IS NULL OR agent = ?1) ORDER BY id DESC LIMIT ?2"
    ))?;
    let rows = st.query_map(params![agent, limit as i64], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn for_run(conn: &Connection, run_id: i64) -> Result<Vec<AgentRun>> {
    let mut st = conn.prepare_cached(&format!("{SELECT} WHERE run_id = ?1 ORDER BY id"))?;
    let rows = st.query_map([run_id], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
