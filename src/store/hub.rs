//! The hub's simple registries: models, skills and MCP servers.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::domain::agent::{McpServer, Model, Skill};
use crate::domain::to_millis;
use crate::error::Result;

pub fn models(conn: &Connection) -> Result<Vec<Model>> {
    let mut st = conn.prepare_cached(
        "SELECT provider, name, local, context_size, description FROM llm_models ORDER BY provider, name",
    )?;
    let rows = st.query_map([], |r| {
        Ok(Model {
            provider: r.get(0)?,
            name: r.get(1)?,
            local: r.get(2)?,
            context_size: r.get::<_, Option<i64>>(3)?.map(|n| n.max(0) as u64),
            description: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Insert or update by (provider, name).
pub fn put_model(conn: &Connection, m: &Model, now: DateTime<Utc>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO llm_models (provider, name, local, context_size, description, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (provider, name) DO UPDATE SET \
         local = excluded.local, context_size = excluded.context_size, description = excluded.description",
    )?
    .execute(params![
        m.provider,
        m.name,
        m.local,
        m.context_size.map(|n| n as i64),
        m.description,
        to_millis(now)
    ])?;
    Ok(())
}

pub fn delete_model(conn: &Connection, provider: &str, name: &str) -> Result<bool> {
    let n = conn
        .prepare_cached("DELETE FROM llm_models WHERE provider = ?1 AND name = ?2")?
        .execute(params![provider, name])?;
    Ok(n > 0)
}

const SKILL: &str = "SELECT id, name, description, body, source FROM skills";

fn row_skill(r: &rusqlite::Row<'_>) -> rusqlite::Result<Skill> {
    Ok(Skill {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        body: r.get(3)?,
        source: r.get(4)?,
    })
}

pub fn skills(conn: &Connection) -> Result<Vec<Skill>> {
    let mut st = conn.prepare_cached(&format!("{SKILL} ORDER BY name"))?;
    let rows = st.query_map([], row_skill)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn skill(conn: &Connection, name: &str) -> Result<Option<Skill>> {
    let mut st = conn.prepare_cached(&format!("{SKILL} WHERE name = ?1"))?;
    Ok(st.query_row([name], row_skill).optional()?)
}

/// Insert or replace by name; returns whether it existed.
pub fn put_skill(conn: &Connection, s: &Skill, now: DateTime<Utc>) -> Result<bool> {
    let existed = skill(conn, &s.name)?.is_some();
    conn.prepare_cached(
        "INSERT INTO skills (name, description, body, source, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (name) DO UPDATE SET \
         description = excluded.description, body = excluded.body, source = excluded.source, \
         updated_at = excluded.updated_at",
    )?
    .execute(params![
        s.name,
        s.description,
        s.body,
        s.source,
        to_millis(now)
    ])?;
    Ok(existed)
}

pub fn delete_skill(conn: &Connection, id: i64) -> Result<()> {
    conn.prepare_cached("DELETE FROM skills WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

const MCP: &str = "SELECT id, name, command, url, description, env FROM mcp_servers";

fn row_mcp(r: &rusqlite::Row<'_>) -> rusqlite::Result<McpServer> {
    Ok(McpServer {
        id: r.get(0)?,
        name: r.get(1)?,
        command: r.get(2)?,
        url: r.get(3)?,
        description: r.get(4)?,
        env: serde_json::from_str(&r.get::<_, String>(5)?).unwrap_or_default(),
    })
}

pub fn mcps(conn: &Connection) -> Result<Vec<McpServer>> {
    let mut st = conn.prepare_cached(&format!("{MCP} ORDER BY name"))?;
    let rows = st.query_map([], row_mcp)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn mcp(conn: &Connection, name: &str) -> Result<Option<McpServer>> {
    let mut st = conn.prepare_cached(&format!("{MCP} WHERE name = ?1"))?;
    Ok(st.query_row([name], row_mcp).optional()?)
}

pub fn put_mcp(conn: &Connection, m: &McpServer, now: DateTime<Utc>) -> Result<()> {
    let env = serde_json::to_string(&m.env).unwrap_or_else(|_| "{}".into());
    conn.prepare_cached(
        "INSERT INTO mcp_servers (name, command, url, description, created_at, env) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT (name) DO UPDATE SET command = excluded.command, url = excluded.url, \
         description = excluded.description, env = excluded.env",
    )?
    .execute(params![m.name, m.command, m.url, m.description, to_millis(now), env])?;
    Ok(())
}

pub fn delete_mcp(conn: &Connection, id: i64) -> Result<()> {
    conn.prepare_cached("DELETE FROM mcp_servers WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Names of the agents using a skill.
pub fn agents_using_skill(conn: &Connection, skill_id: i64) -> Result<Vec<String>> {
    let mut st = conn.prepare_cached(
        "SELECT a.name FROM agent_skills l JOIN agents a ON a.id = l.agent_id WHERE l.skill_id = ?1 ORDER BY a.name",
    )?;
    let rows = st.query_map([skill_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn agents_using_mcp(conn: &Connection, mcp_id: i64) -> Result<Vec<String>> {
    let mut st = conn.prepare_cached(
        "SELECT a.name FROM agent_mcps l JOIN agents a ON a.id = l.agent_id WHERE l.mcp_id = ?1 ORDER BY a.name",
    )?;
    let rows = st.query_map([mcp_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
