//! Configured agents with their skill and MCP links, and graph agents.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::domain::agent::{Agent, GraphAgent};
use crate::domain::{from_millis, to_millis};
use crate::error::Result;

const SELECT: &str = "SELECT id, name, description, model, system_prompt, temperature, max_tokens, \
     created_at, updated_at, \
     (SELECT json_group_array(name) FROM (SELECT s.name FROM agent_skills l JOIN skills s ON s.id = l.skill_id \
        WHERE l.agent_id = agents.id ORDER BY l.pos)), \
     (SELECT json_group_array(name) FROM (SELECT m.name FROM agent_mcps l JOIN mcp_servers m ON m.id = l.mcp_id \
        WHERE l.agent_id = agents.id ORDER BY l.pos)), \
     allow_tools \
     FROM agents";

fn names(json: String) -> Vec<String> {
    serde_json::from_str(&json).unwrap_or_default()
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Agent> {
    Ok(Agent {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        model: r.get(3)?,
        system_prompt: r.get(4)?,
        temperature: r.get::<_, Option<f64>>(5)?.map(|t| t as f32),
        max_tokens: r.get::<_, Option<i64>>(6)?.map(|n| n.max(0) as u32),
        created_at: from_millis(r.get(7)?),
        updated_at: from_millis(r.get(8)?),
        skills: names(r.get(9)?),
        mcps: names(r.get(10)?),
        allow_tools: names(r.get(11)?),
    })
}

pub fn get(conn: &Connection, name: &str) -> Result<Option<Agent>> {
    let mut st = conn.prepare_cached(&format!("{SELECT} WHERE name = ?1"))?;
    Ok(st.query_row([name], row).optional()?)
}

pub fn list(conn: &Connection) -> Result<Vec<Agent>> {
    let mut st = conn.prepare_cached(&format!("{SELECT} ORDER BY name"))?;
    let rows = st.query_map([], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn names_all(conn: &Connection) -> Result<Vec<String>> {
    let mut st = conn.prepare_cached("SELECT name FROM agents ORDER BY name")?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Insert, or replace the agent with id `a.id` (0 = new); skills and MCP
/// servers are linked by their ids, in order. Returns the id.
pub fn save(
    conn: &Connection,
    a: &Agent,
    skill_ids: &[i64],
    mcp_ids: &[i64],
    now: DateTime<Utc>,
) -> Result<i64> {
    let allow = serde_json::to_string(&a.allow_tools).unwrap_or_else(|_| "[]".into());
    let id = if a.id == 0 {
        conn.prepare_cached(
            "INSERT INTO agents (name, description, model, system_prompt, temperature, max_tokens, created_at, updated_at, allow_tools) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8) RETURNING id",
        )?
        .query_row(
            params![a.name, a.description, a.model, a.system_prompt, a.temperature.map(f64::from),
                a.max_tokens, to_millis(now), allow],
            |r| r.get(0),
        )?
    } else {
        conn.prepare_cached(
            "UPDATE agents SET name = ?2, description = ?3, model = ?4, system_prompt = ?5, temperature = ?6, \
             max_tokens = ?7, updated_at = ?8, allow_tools = ?9 WHERE id = ?1",
        )?
        .execute(params![a.id, a.name, a.description, a.model, a.system_prompt,
            a.temperature.map(f64::from), a.max_tokens, to_millis(now), allow])?;
        a.id
    };
    conn.prepare_cached("DELETE FROM agent_skills WHERE agent_id = ?1")?
        .execute([id])?;
    conn.prepare_cached("DELETE FROM agent_mcps WHERE agent_id = ?1")?
        .execute([id])?;
    for (pos, s) in skill_ids.iter().enumerate() {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO agent_skills (agent_id, skill_id, pos) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![id, s, pos as i64])?;
    }
    for (pos, m) in mcp_ids.iter().enumerate() {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO agent_mcps (agent_id, mcp_id, pos) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![id, m, pos as i64])?;
    }
    Ok(id)
}

pub fn delete(conn: &Connection, id: i64) -> Result<()> {
    conn.prepare_cached("DELETE FROM agents WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

pub fn graph_agents(conn: &Connection) -> Result<Vec<GraphAgent>> {
    let mut st = conn
        .prepare_cached("SELECT name, description, dagster_job FROM graph_agents ORDER BY name")?;
    let rows = st.query_map([], |r| {
        Ok(GraphAgent {
            name: r.get(0)?,
            description: r.get(1)?,
            dagster_job: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn put_graph_agent(conn: &Connection, g: &GraphAgent, now: DateTime<Utc>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO graph_agents (name, description, dagster_job, created_at) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (name) DO UPDATE SET description = excluded.description, dagster_job = excluded.dagster_job",
    )?
    .execute(params![g.name, g.description, g.dagster_job, to_millis(now)])?;
    Ok(())
}

pub fn delete_graph_agent(conn: &Connection, name: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM graph_agents WHERE name = ?1")?
        .execute([name])?
        > 0)
}
