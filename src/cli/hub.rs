//! `jr models ...`, `jr skills ...`, `jr mcps ...`: the hub's registries.
//! `models list` adds what Ollama reports installed and loaded.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::Ctx;
use super::output::{self, Table, fit, one_line, styled};
use crate::clients::llm::{Llm, ollama};
use crate::domain::agent::{McpServer, Model, Skill};
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct JsonArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct NameArg {
    pub name: String,
}

#[derive(Debug, Subcommand)]
pub enum ModelsCmd {
    /// Registered models, and what Ollama has installed and loaded.
    #[command(alias = "ls")]
    List(JsonArgs),
    /// Register a model: provider/model.
    Add(ModelAddArgs),
    Rm(NameArg),
}

#[derive(Debug, Args)]
pub struct ModelAddArgs {
    /// ollama/qwen2.5-coder:7b, openai/gpt-4o-mini, ...
    pub model: String,
    /// Context window in tokens.
    #[arg(long)]
    pub context: Option<u64>,
    #[arg(long, short = 'd', default_value = "")]
    pub description: String,
}

#[derive(Debug, Subcommand)]
pub enum SkillsCmd {
    #[command(alias = "ls")]
    List(JsonArgs),
    Show(ShowArgs),
    /// Add or replace a skill from text or a file.
    Add(SkillAddArgs),
    /// Import a skill folder (DIR/SKILL.md with name and description front matter).
    Import(SkillImportArgs),
    /// Remove a skill (refused while an agent uses it).
    Rm(NameArg),
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    pub name: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SkillAddArgs {
    pub name: String,
    /// The instructions added to an agent's system prompt.
    #[arg(long, conflicts_with = "file")]
    pub body: Option<String>,
    /// Read the body from this file.
    #[arg(long)]
    pub file: Option<PathBuf>,
    #[arg(long, short = 'd', default_value = "")]
    pub description: String,
}

#[derive(Debug, Args)]
pub struct SkillImportArgs {
    pub dirs: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum McpsCmd {
    #[command(alias = "ls")]
    List(JsonArgs),
    /// Add or replace an MCP server: a stdio command or an HTTP URL.
    Add(McpAddArgs),
    Rm(NameArg),
}

#[derive(Debug, Args)]
pub struct McpAddArgs {
    pub name: String,
    /// stdio: the command line, split as a shell would ("jr mcp", "python3 'my server.py'").
    #[arg(long, conflicts_with = "url")]
    pub command: Option<String>,
    /// Streamable HTTP: the endpoint (http://127.0.0.1:8000/mcp).
    #[arg(long)]
    pub url: Option<String>,
    /// KEY=VALUE added to a stdio server's environment (repeatable). It also
    /// inherits jr's own environment, so keep secrets there, not here.
    #[arg(long = "env", value_name = "KEY=VALUE", conflicts_with = "url")]
    pub env: Vec<String>,
    #[arg(long, short = 'd', default_value = "")]
    pub description: String,
}

/// `models list --json`.
#[derive(Debug, Serialize)]
pub struct ModelsOut {
    pub registry: Vec<Model>,
    pub ollama: OllamaOut,
}

#[derive(Debug, Serialize)]
pub struct OllamaOut {
    pub url: String,
    pub reachable: bool,
    pub version: Option<String>,
    pub installed: Vec<ollama::Installed>,
    pub loaded: Vec<ollama::Loaded>,
    pub error: Option<String>,
}

pub fn models(ctx: &Ctx, cmd: ModelsCmd) -> Result<i32> {
    let e = ctx.engine()?;
    match cmd {
        ModelsCmd::List(a) => {
            let registry = e.list_models()?;
            let llm = Llm::new(ctx.config.llm.clone())?;
            let rt = crate::runtime::current_thread()?;
            let url = ctx.config.llm.ollama_url.clone();
            let o = match rt.block_on(ollama::health(&llm)) {
                Ok(h) => OllamaOut {
                    url,
                    reachable: true,
                    version: Some(h.version),
                    installed: h.installed,
                    loaded: h.loaded,
                    error: None,
                },
                Err(err) => OllamaOut {
                    url,
                    reachable: false,
                    version: None,
                    installed: Vec::new(),
                    loaded: Vec::new(),
                    error: Some(err.full()),
                },
            };
            if a.json {
                output::json(&ModelsOut {
                    registry,
                    ollama: o,
                })?;
                return Ok(0);
            }
            output::out(&models_table(&registry, &o))?;
        }
        ModelsCmd::Add(a) => {
            let m = e.add_model(&a.model, a.context, &a.description)?;
            output::out(&format!("registered {}/{}\n", m.provider, m.name))?;
        }
        ModelsCmd::Rm(a) => {
            e.remove_model(&a.name)?;
            output::out(&format!("removed {} from the registry\n", a.name))?;
        }
    }
    Ok(0)
}

fn models_table(registry: &[Model], o: &OllamaOut) -> String {
    let mut rows: Vec<(String, bool, bool, bool)> = registry
        .iter()
        .map(|m| {
            let r = format!("{}/{}", m.provider, m.name);
            let inst = m.provider == "ollama"
                && o.installed
                    .iter()
                    .any(|i| ollama::same_model(&i.name, &m.name));
            let load = m.provider == "ollama"
                && o.loaded
                    .iter()
                    .any(|i| ollama::same_model(&i.name, &m.name));
            (r, true, inst, load)
        })
        .collect();
    for i in &o.installed {
        if !registry
            .iter()
            .any(|m| m.provider == "ollama" && ollama::same_model(&m.name, &i.name))
        {
            let load = o
                .loaded
                .iter()
                .any(|l| ollama::same_model(&l.name, &i.name));
            rows.push((format!("ollama/{}", i.name), false, true, load));
        }
    }
    let yes = |b: bool| if b { "yes" } else { "-" };
    let mut t = Table::new(&["MODEL", "REGISTERED", "INSTALLED", "LOADED"]);
    for (r, reg, inst, load) in rows {
        t.row(vec![
            styled(r, output::BOLD),
            yes(reg).into(),
            yes(inst).into(),
            styled(yes(load), if load { output::GREEN } else { output::DIM }),
        ]);
    }
    let mut s = if t.is_empty() {
        String::new()
    } else {
        t.render()
    };
    match &o.error {
        None => s.push_str(&format!(
            "Ollama {} at {}\n",
            o.version.as_deref().unwrap_or("?"),
            o.url
        )),
        Some(err) => s.push_str(&format!("Ollama: {err}\n")),
    }
    s
}

pub fn skills(ctx: &Ctx, cmd: SkillsCmd) -> Result<i32> {
    let e = ctx.engine()?;
    match cmd {
        SkillsCmd::List(a) => {
            let list = e.list_skills()?;
            if a.json {
                output::json(&list)?;
            } else if list.is_empty() {
                output::out("no skills yet; `jr skills import DIR` reads a SKILL.md folder\n")?;
            } else {
                let mut t = Table::new(&["NAME", "DESCRIPTION"]);
                for s in &list {
                    t.row(vec![
                        styled(s.name.clone(), output::BOLD),
                        fit(&one_line(&s.description), 70).into(),
                    ]);
                }
                output::out(&t.render())?;
            }
        }
        SkillsCmd::Show(a) => {
            let s = e.get_skill(&a.name)?;
            if a.json {
                output::json(&s)?;
            } else {
                output::out(&format!("{}\n{}\n\n{}\n", s.name, s.description, s.body))?;
            }
        }
        SkillsCmd::Add(a) => {
            let body = match (a.body, a.file) {
                (Some(b), _) => b,
                (None, Some(f)) => std::fs::read_to_string(&f)
                    .map_err(|err| Error::user(format!("cannot read {}: {err}", f.display())))?,
                (None, None) => {
                    return Err(Error::user(
                        "a skill needs a body (--body TEXT or --file PATH)",
                    ));
                }
            };
            let replaced = e.put_skill(&Skill {
                id: 0,
                name: a.name.clone(),
                description: a.description,
                body,
                source: None,
            })?;
            output::out(&format!(
                "{} skill {}\n",
                if replaced { "replaced" } else { "added" },
                a.name
            ))?;
        }
        SkillsCmd::Import(a) => {
            if a.dirs.is_empty() {
                return Err(Error::user("name a skill folder (one holding SKILL.md)"));
            }
            for d in &a.dirs {
                let (s, replaced) = e.import_skill(d)?;
                output::out(&format!(
                    "{} skill {}\n",
                    if replaced { "replaced" } else { "imported" },
                    s.name
                ))?;
            }
        }
        SkillsCmd::Rm(a) => {
            e.remove_skill(&a.name)?;
            output::out(&format!("removed skill {}\n", a.name))?;
        }
    }
    Ok(0)
}

pub fn mcps(ctx: &Ctx, cmd: McpsCmd) -> Result<i32> {
    let e = ctx.engine()?;
    match cmd {
        McpsCmd::List(a) => {
            let list = e.list_mcps()?;
            if a.json {
                output::json(&list)?;
            } else {
                let mut t = Table::new(&["NAME", "COMMAND OR URL", "DESCRIPTION"]);
                for m in &list {
                    let how = m.command.clone().or(m.url.clone()).unwrap_or_default();
                    t.row(vec![
                        styled(m.name.clone(), output::BOLD),
                        how.into(),
                        m.description.clone().into(),
                    ]);
                }
                output::out(&t.render())?;
            }
        }
        McpsCmd::Add(a) => {
            let mut env = std::collections::BTreeMap::new();
            for kv in &a.env {
                match kv.split_once('=') {
                    Some((k, v)) if !k.is_empty() => {
                        env.insert(k.to_string(), v.to_string());
                    }
                    _ => {
                        return Err(Error::user(format!("--env {kv:?} is not KEY=VALUE"))
                            .hint("write e.g. --env LOG_LEVEL=debug"));
                    }
                }
            }
            e.put_mcp(&McpServer {
                id: 0,
                name: a.name.clone(),
                command: a.command,
                url: a.url,
                env,
                description: a.description,
            })?;
            output::out(&format!("saved MCP server {}\n", a.name))?;
        }
        McpsCmd::Rm(a) => {
            e.remove_mcp(&a.name)?;
            output::out(&format!("removed MCP server {}\n", a.name))?;
        }
    }
    Ok(0)
}
