//! Recorded agent executions.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::domain::agent::{AgentRun, AgentRunStatus, ToolCallRecord};
use crate::domain::{from_millis, to_millis};
use crate::error::Result;

const SELECT: &str = "SELECT id, agent, model, prompt, output, tokens_in, tokens_out, started_at, \
     finished_at, duration_ms, status, error, run_id, config_hash, task_id, \
     (SELECT json_group_array(json_object('server', server, 'tool', tool, 'arguments', json(arguments), \
        'ok', json(CASE ok WHEN 0 THEN 'false' ELSE 'true' END), 'duration_ms', duration_ms, 'error', error)) \
        FROM (SELECT * FROM agent_tool_calls t WHERE t.agent_run_id = agent_runs.id ORDER BY t.id)), \
     dagster_run \
     FROM agent_runs";

/// The recorded tool calls, from the JSON the query put together.
fn tool_calls(json: String) -> Vec<ToolCallRecord> {
    #[derive(serde::Deserialize)]
    struct C {
        server: String,
        tool: String,
        arguments: serde_json::Value,
        ok: bool,
        duration_ms: i64,
        error: Option<String>,
    }
    serde_json::from_str::<Vec<C>>(&json)
        .unwrap_or_default()
        .into_iter()
        .map(|c| ToolCallRecord {
            server: c.server,
            tool: c.tool,
            arguments: c.arguments,
            ok: c.ok,
            duration_ms: c.duration_ms.max(0) as u64,
            error: c.error,
        })
        .collect()
}

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
        task_id: r.get(14)?,
        tool_calls: tool_calls(r.get(15)?),
        dagster_run: r.get(16)?,
    })
}

pub struct NewAgentRun<'a> {
    pub agent_id: Option<i64>,
    pub agent: &'a str,
    pub model: &'a str,
    pub prompt: &'a str,
    pub run_id: Option<i64>,
    pub config_hash: &'a str,
    pub task_id: Option<i64>,
}

pub fn start(conn: &Connection, n: &NewAgentRun<'_>, now: DateTime<Utc>) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO agent_runs (agent_id, agent, model, prompt, started_at, status, run_id, config_hash, task_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7, ?8) RETURNING id",
        )?
        .query_row(
            params![
                n.agent_id,
                n.agent,
                n.model,
                super::redacted(n.prompt),
                to_millis(now),
                n.run_id,
                n.config_hash,
                n.task_id
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

/// Link a graph agent's execution to the Dagster run it launched.
pub fn link_dagster(conn: &Connection, id: i64, instance: &str, run: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE agent_runs SET dagster_run = ?2, dagster_instance = ?3 WHERE id = ?1",
    )?
    .execute(params![id, run, instance])?;
    Ok(())
}

/// Executions still running on a Dagster run: (id, instance, Dagster run id).
pub fn open_dagster(conn: &Connection) -> Result<Vec<(i64, String, String)>> {
    let mut st = conn.prepare_cached(
        "SELECT id, coalesce(dagster_instance, ''), dagster_run FROM agent_runs \
         WHERE status = 'running' AND dagster_run IS NOT NULL ORDER BY id",
    )?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
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

/// The executions that worked on a task, oldest first.
pub fn for_task(conn: &Connection, task_id: i64) -> Result<Vec<AgentRun>> {
    let mut st = conn.prepare_cached(&format!("{SELECT} WHERE task_id = ?1 ORDER BY id"))?;
    let rows = st.query_map([task_id], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A running execution working on the task, if any.
pub fn running_for_task(conn: &Connection, task_id: i64) -> Result<Option<AgentRun>> {
    let mut st = conn.prepare_cached(&format!(
        "{SELECT} WHERE task_id = ?1 AND status = 'running' LIMIT 1"
    ))?;
    Ok(st.query_row([task_id], row).optional()?)
}

/// Record one tool call of execution `agent_run_id` as it ends.
pub fn add_tool_call(
    conn: &Connection,
    agent_run_id: i64,
    c: &ToolCallRecord,
    started_at: DateTime<Utc>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO agent_tool_calls (agent_run_id, server, tool, arguments, ok, duration_ms, error, started_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        agent_run_id,
        c.server,
        c.tool,
        redacted_json(&c.arguments).to_string(),
        c.ok,
        c.duration_ms as i64,
        super::redacted_opt(c.error.as_deref()),
        to_millis(started_at)
    ])?;
    Ok(())
}

/// A tool call's arguments with every string redacted, still valid JSON (the
/// SELECT reads them back with `json()`).
fn redacted_json(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::String(s) => Value::String(super::redacted(s)),
        Value::Array(a) => Value::Array(a.iter().map(redacted_json).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), redacted_json(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}
