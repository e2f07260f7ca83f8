//! The hub's registries: models, skills (one imported from a SKILL.md
//! folder) and MCP servers. A skill or MCP server in use by an agent cannot
//! be removed; the error names the agents.

use std::path::Path;

use super::Engine;
use crate::clients::llm::ModelRef;
use crate::domain::agent::{McpServer, Model, Skill, check_slug, parse_skill_md};
use crate::error::{Error, Result};
use crate::store::hub as repo;

impl Engine {
    pub fn list_models(&self) -> Result<Vec<Model>> {
        repo::models(self.store.conn())
    }

    /// Register a model by its reference (`ollama/qwen2.5-coder:7b`).
    pub fn add_model(
        &self,
        reference: &str,
        context_size: Option<u64>,
        description: &str,
    ) -> Result<Model> {
        let r = ModelRef::parse(reference).map_err(Error::user)?;
        let m = Model {
            local: r.provider == "ollama",
            provider: r.provider,
            name: r.model,
            context_size,
            description: description.to_string(),
        };
        let now = self.now();
        self.store.write(|tx| repo::put_model(tx, &m, now))?;
        Ok(m)
    }

    pub fn remove_model(&self, reference: &str) -> Result<()> {
        let r = ModelRef::parse(reference).map_err(Error::user)?;
        if !self
            .store
            .write(|tx| repo::delete_model(tx, &r.provider, &r.model))?
        {
            return Err(
                Error::user(format!("model {reference} is not in the registry"))
                    .hint("`jr models list` shows it"),
            );
        }
        Ok(())
    }

    pub fn list_skills(&self) -> Result<Vec<Skill>> {
        repo::skills(self.store.conn())
    }

    pub fn get_skill(&self, name: &str) -> Result<Skill> {
        repo::skill(self.store.conn(), name)?.ok_or_else(|| {
            Error::user(format!("no skill named {name:?}"))
                .hint("`jr skills list` shows every skill")
        })
    }

    /// Add or replace a skill; returns whether it replaced one.
    pub fn put_skill(&self, s: &Skill) -> Result<bool> {
        check_slug("skill", &s.name).map_err(Error::user)?;
        let now = self.now();
        self.store.write(|tx| repo::put_skill(tx, s, now))
    }

    /// Import `DIR/SKILL.md` (its front matter's name must be the folder's).
    pub fn import_skill(&self, dir: &Path) -> Result<(Skill, bool)> {
        let file = if dir.is_dir() {
            dir.join("SKILL.md")
        } else {
            dir.to_path_buf()
        };
        let text = std::fs::read_to_string(&file)
            .map_err(|e| Error::user(format!("cannot read {}: {e}", file.display())))?;
        let f =
            parse_skill_md(&text).map_err(|e| Error::user(format!("{}: {e}", file.display())))?;
        if let Some(folder) = file
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            && dir.is_dir()
            && folder != f.name
        {
            return Err(Error::user(format!(
                "{}: the skill is named {:?} but its folder is {folder:?}",
                file.display(),
                f.name
            ))
            .hint("SKILL.md's `name` must equal its folder's name"));
        }
        let s = Skill {
            id: 0,
            name: f.name,
            description: f.description,
            body: f.body,
            source: Some(dir.display().to_string()),
        };
        let replaced = self.put_skill(&s)?;
        Ok((self.get_skill(&s.name)?, replaced))
    }

    pub fn remove_skill(&self, name: &str) -> Result<Skill> {
        let s = self.get_skill(name)?;
        let users = repo::agents_using_skill(self.store.conn(), s.id)?;
        if !users.is_empty() {
            return Err(Error::user(format!(
                "skill {name} is used by agents: {}",
                users.join(", ")
            ))
            .hint("take it out of those agents first (`jr agents edit NAME --skills ...`)"));
        }
        self.store.write(|tx| repo::delete_skill(tx, s.id))?;
        Ok(s)
    }

    pub fn list_mcps(&self) -> Result<Vec<McpServer>> {
        repo::mcps(self.store.conn())
    }

    pub fn put_mcp(&self, m: &McpServer) -> Result<()> {
        check_slug("MCP server", &m.name).map_err(Error::user)?;
        match (&m.command, &m.url) {
            (Some(_), None) | (None, Some(_)) => {}
            _ => {
                return Err(Error::user(format!(
                    "MCP server {} needs exactly one of --command CMD (stdio) or --url URL (HTTP)",
                    m.name
                )));
            }
        }
        if let Some(u) = &m.url
            && !u.starts_with("http://")
            && !u.starts_with("https://")
        {
            return Err(Error::user(format!(
                "MCP server URL {u:?} must start with http:// or https://"
            )));
        }
        let now = self.now();
        self.store.write(|tx| repo::put_mcp(tx, m, now))
    }

    pub fn remove_mcp(&self, name: &str) -> Result<McpServer> {
        let m = repo::mcp(self.store.conn(), name)?.ok_or_else(|| {
            Error::user(format!("no MCP server named {name:?}")).hint("`jr mcps list` shows them")
        })?;
        let users = repo::agents_using_mcp(self.store.conn(), m.id)?;
        if !users.is_empty() {
            return Err(Error::user(format!(
                "MCP server {name} is used by agents: {}",
                users.join(", ")
            ))
            .hint("take it out of those agents first"));
        }
        self.store.write(|tx| repo::delete_mcp(tx, m.id))?;
        Ok(m)
    }
}
