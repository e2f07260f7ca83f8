//! Configured agents (add, edit, remove, YAML import/export in the design's
//! shape) and graph agents (a reference to the Dagster job implementing them).

use super::Engine;
use super::jobs::close_names;
use crate::clients::llm::ModelRef;
use crate::domain::JobSpec;
use crate::domain::agent::{Agent, AgentDef, GraphAgent, check_slug};
use crate::error::{Error, Result};
use crate::store::{agents as repo, hub};

/// Read agents from YAML: one mapping, a list of them, or several `---` documents.
pub fn parse_yaml(text: &str) -> std::result::Result<Vec<AgentDef>, String> {
    use serde::Deserialize;
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Doc {
        One(AgentDef),
        Many(Vec<AgentDef>),
    }
    let mut out = Vec::new();
    for doc in serde_yaml_ng::Deserializer::from_str(text) {
        let value = serde_yaml_ng::Value::deserialize(doc).map_err(|e| e.to_string())?;
        if value.is_null() {
            continue;
        }
        // Untagged enums hide the field at fault: try the single shape first for its message.
        match serde_yaml_ng::from_value::<Doc>(value.clone()) {
            Ok(Doc::One(d)) => out.push(d),
            Ok(Doc::Many(v)) => out.extend(v),
            Err(_) => {
                let err = if value.is_sequence() {
                    serde_yaml_ng::from_value::<Vec<AgentDef>>(value).err()
                } else {
                    serde_yaml_ng::from_value::<AgentDef>(value).err()
                };
                return Err(err
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| "not an agent".into()));
            }
        }
    }
    Ok(out)
}

/// Agents as YAML documents separated by `---`.
pub fn to_yaml(defs: &[AgentDef]) -> Result<String> {
    let mut out = String::new();
    for (i, d) in defs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&serde_yaml_ng::to_string(d).map_err(|e| Error::user(e.to_string()))?);
    }
    Ok(out)
}

impl Engine {
    pub fn list_agents(&self) -> Result<Vec<Agent>> {
        repo::list(self.store.conn())
    }

    pub fn get_agent(&self, name: &str) -> Result<Agent> {
        if let Some(a) = repo::get(self.store.conn(), name)? {
            return Ok(a);
        }
        let close = close_names(name, &repo::names_all(self.store.conn())?);
        let err = Error::user(format!("no agent named {name:?}"));
        Err(if close.is_empty() {
            err.hint("`jr agents list` shows every agent; `jr agents add` or `jr agents import FILE.yaml` adds one")
        } else {
            err.hint(format!("did you mean {}?", close.join(", ")))
        })
    }

    /// Check a definition: names, model reference and provider, options.
    fn check_agent(&self, d: &AgentDef) -> Result<()> {
        check_slug("agent", &d.name).map_err(Error::user)?;
        let m = ModelRef::parse(&d.model).map_err(Error::user)?;
        if m.provider != "ollama"
            && !self
                .llm
                .all_providers()
                .iter()
                .any(|p| p.name == m.provider)
        {
            return Err(Error::user(format!(
                "agent {}: unknown model provider {:?}",
                d.name, m.provider
            ))
            .hint("use ollama/MODEL, openai/MODEL, or add the provider as [[llm.providers]] in config.toml"));
        }
        if let Some(t) = d.config.temperature
            && !(0.0..=2.0).contains(&t)
        {
            return Err(Error::user(format!(
                "agent {}: temperature {t} is outside 0..2",
                d.name
            )));
        }
        if d.config.max_tokens == Some(0) {
            return Err(Error::user(format!(
                "agent {}: max_tokens must be at least 1",
                d.name
            )));
        }
        Ok(())
    }

    /// Write one agent inside a transaction; skills and MCP servers must exist.
    fn save_agent(&self, tx: &rusqlite::Connection, d: &AgentDef, id: i64) -> Result<i64> {
        let mut skill_ids = Vec::new();
        let mut missing = Vec::new();
        for s in &d.skills {
            match hub::skill(tx, s)? {
                Some(sk) => skill_ids.push(sk.id),
                None => missing.push(s.clone()),
            }
        }
        if !missing.is_empty() {
            return Err(Error::user(format!(
                "agent {} uses skills that are not registered: {}",
                d.name,
                missing.join(", ")
            ))
            .hint("add them with `jr skills add NAME --body TEXT` or `jr skills import DIR` (a folder with SKILL.md)"));
        }
        let mut mcp_ids = Vec::new();
        for m in &d.mcps {
            match hub::mcp(tx, m)? {
                Some(s) => mcp_ids.push(s.id),
                None => {
                    return Err(Error::user(format!(
                        "agent {} uses MCP server {m:?}, which is not registered",
                        d.name
                    ))
                    .hint("add it with `jr mcps add NAME --command CMD` (or --url URL)"));
                }
            }
        }
        let now = self.now();
        let a = Agent {
            id,
            name: d.name.clone(),
            description: d.description.clone(),
            model: d.model.trim().to_string(),
            system_prompt: d.system_prompt.clone(),
            skills: d.skills.clone(),
            mcps: d.mcps.clone(),
            allow_tools: d.allow_tools.clone(),
            temperature: d.config.temperature,
            max_tokens: d.config.max_tokens,
            created_at: now,
            updated_at: now,
        };
        repo::save(tx, &a, &skill_ids, &mcp_ids, now)
    }

    pub fn add_agent(&self, d: &AgentDef) -> Result<Agent> {
        self.check_agent(d)?;
        self.store.write(|tx| {
            if repo::get(tx, &d.name)?.is_some() {
                return Err(
                    Error::user(format!("an agent named {} already exists", d.name))
                        .hint(format!("change it with `jr agents edit {}`", d.name)),
                );
            }
            self.save_agent(tx, d, 0)
        })?;
        self.get_agent(&d.name)
    }

    /// Replace agent `name` with `d` (which may rename it).
    pub fn update_agent(&self, name: &str, d: &AgentDef) -> Result<Agent> {
        let old = self.get_agent(name)?;
        self.check_agent(d)?;
        self.store.write(|tx| {
            if d.name != name && repo::get(tx, &d.name)?.is_some() {
                return Err(Error::user(format!(
                    "an agent named {} already exists",
                    d.name
                )));
            }
            self.save_agent(tx, d, old.id)
        })?;
        self.get_agent(&d.name)
    }

    /// Remove an agent; refused while an agent job runs it.
    pub fn remove_agent(&self, name: &str) -> Result<Agent> {
        let a = self.get_agent(name)?;
        let users: Vec<String> = self
            .list_jobs()?
            .into_iter()
            .filter(|j| matches!(&j.spec, JobSpec::Agent(s) if s.agent == a.name))
            .map(|j| j.name)
            .collect();
        if !users.is_empty() {
            return Err(Error::user(format!(
                "agent {} is run by jobs: {}",
                a.name,
                users.join(", ")
            ))
            .hint("remove those jobs or point them at another agent first"));
        }
        self.store.write(|tx| repo::delete(tx, a.id))?;
        Ok(a)
    }

    /// Add or replace agents, all or nothing. Returns (added, replaced).
    pub fn import_agents(&self, defs: &[AgentDef]) -> Result<(usize, usize)> {
        let mut seen = std::collections::HashSet::new();
        for (i, d) in defs.iter().enumerate() {
            self.check_agent(d).map_err(|e| Error {
                message: format!("agent #{} ({}): {}", i + 1, d.name, e.message),
                ..e
            })?;
            if !seen.insert(d.name.as_str()) {
                return Err(Error::user(format!(
                    "agent {} appears twice in the file",
                    d.name
                )));
            }
        }
        self.store.write(|tx| {
            let (mut added, mut replaced) = (0, 0);
            for d in defs {
                let id = match repo::get(tx, &d.name)? {
                    Some(a) => {
                        replaced += 1;
                        a.id
                    }
                    None => {
                        added += 1;
                        0
                    }
                };
                self.save_agent(tx, d, id)?;
            }
            Ok((added, replaced))
        })
    }

    /// Definitions of the named agents (all when `names` is empty).
    pub fn export_agents(&self, names: &[String]) -> Result<Vec<AgentDef>> {
        if names.is_empty() {
            return Ok(self.list_agents()?.iter().map(Agent::def).collect());
        }
        names.iter().map(|n| Ok(self.get_agent(n)?.def())).collect()
    }

    pub fn list_graph_agents(&self) -> Result<Vec<GraphAgent>> {
        repo::graph_agents(self.store.conn())
    }

    pub fn put_graph_agent(&self, g: &GraphAgent) -> Result<()> {
        check_slug("graph agent", &g.name).map_err(Error::user)?;
        if g.dagster_job.trim().is_empty() {
            return Err(Error::user(
                "a graph agent needs the Dagster job that implements it (--dagster-job NAME)",
            ));
        }
        let now = self.now();
        self.store.write(|tx| repo::put_graph_agent(tx, g, now))
    }

    pub fn remove_graph_agent(&self, name: &str) -> Result<()> {
        if !self.store.write(|tx| repo::delete_graph_agent(tx, name))? {
            return Err(Error::user(format!("no graph agent named {name:?}"))
                .hint("`jr agents graph list` shows them"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_documents_lists_and_errors() {
        let one = "name: a\nmodel: ollama/x\n";
        assert_eq!(parse_yaml(one).unwrap().len(), 1);
        let many = "- name: a\n  model: ollama/x\n- name: b\n  model: ollama/y\n";
        assert_eq!(parse_yaml(many).unwrap().len(), 2);
        let docs = "name: a\nmodel: ollama/x\n---\nname: b\nmodel: ollama/y\n";
        let d = parse_yaml(docs).unwrap();
        assert_eq!(d[1].name, "b");
        assert_eq!(parse_yaml(&to_yaml(&d).unwrap()).unwrap(), d);
        let e = parse_yaml("name: a\nmodel: ollama/x\nconfig:\n  temprature: 1\n").unwrap_err();
        assert!(e.contains("temprature"), "{e}");
    }
}
