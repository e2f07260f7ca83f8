//! The agent manager's plain data: configured agents (and their YAML shape
//! from the design), skills, MCP servers, models, graph agents, recorded
//! agent executions; how an agent's system prompt is put together and the
//! hash of a resolved configuration. No I/O.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A configured agent as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agent {
    #[serde(skip)]
    pub id: i64,
    pub name: String,
    pub description: String,
    /// provider/model
    pub model: String,
    pub system_prompt: String,
    pub skills: Vec<String>,
    pub mcps: Vec<String>,
    /// Tools its MCP servers mark destructive that it may still call, by name.
    pub allow_tools: Vec<String>,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
    #[serde(with = "super::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "super::rfc3339")]
    pub updated_at: DateTime<Utc>,
}

/// An agent in the design's YAML shape:
/// `name, model, system_prompt, skills, config: {temperature, max_tokens}`
/// (`description` and `mcps` only when set).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentDef {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub model: String,
    #[serde(default)]
    pub system_prompt: String,
    #[serde(default)]
    pub skills: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mcps: Vec<String>,
    /// Destructive MCP tools this agent may call (read-only ones need no entry).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_tools: Vec<String>,
    #[serde(default)]
    pub config: AgentConfig,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
}

impl Agent {
    pub fn def(&self) -> AgentDef {
        AgentDef {
            name: self.name.clone(),
            description: self.description.clone(),
            model: self.model.clone(),
            system_prompt: self.system_prompt.clone(),
            skills: self.skills.clone(),
            mcps: self.mcps.clone(),
            allow_tools: self.allow_tools.clone(),
            config: AgentConfig {
                temperature: self.temperature,
                max_tokens: self.max_tokens,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skill {
    #[serde(skip)]
    pub id: i64,
    pub name: String,
    pub description: String,
    pub body: String,
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McpServer {
    #[serde(skip)]
    pub id: i64,
    pub name: String,
    pub command: Option<String>,
    pub url: Option<String>,
    /// Extra environment of a stdio server (`--env KEY=VALUE`).
    pub env: std::collections::BTreeMap<String, String>,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Model {
    pub provider: String,
    pub name: String,
    pub local: bool,
    pub context_size: Option<u64>,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphAgent {
    pub name: String,
    pub description: String,
    pub dagster_job: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentRunStatus {
    Running,
    Success,
    Failed,
    /// Stopped by jr: the job's timeout, a cancel, Ctrl-C, shutdown.
    Stopped,
}

super::job::str_enum!(AgentRunStatus, Running => "running", Success => "success",
    Failed => "failed", Stopped => "stopped"; "agent run status");

/// One recorded agent execution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentRun {
    pub id: i64,
    pub agent: String,
    pub model: String,
    pub prompt: String,
    pub output: String,
    pub tokens_in: Option<u64>,
    pub tokens_out: Option<u64>,
    #[serde(with = "super::rfc3339")]
    pub started_at: DateTime<Utc>,
    #[serde(with = "super::rfc3339::option")]
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    pub status: AgentRunStatus,
    pub error: Option<String>,
    /// The jr run (of an agent job) it belonged to.
    pub run_id: Option<i64>,
    pub config_hash: String,
    /// The task it worked on (a hand-off).
    pub task_id: Option<i64>,
    /// The MCP tools it called, in order.
    pub tool_calls: Vec<ToolCallRecord>,
    /// A graph agent's execution: the Dagster run it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dagster_run: Option<String>,
}

/// One MCP tool call of an agent execution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolCallRecord {
    /// The MCP server's registered name.
    pub server: String,
    /// The tool's name on that server.
    pub tool: String,
    pub arguments: serde_json::Value,
    pub ok: bool,
    pub duration_ms: u64,
    pub error: Option<String>,
}

/// One line for a log or a screen: `→ jr.tasks_list {"limit":3}` when a
/// call starts. Control characters (the model's or a server's text) are
/// shown escaped, never sent raw; long arguments are cut.
pub fn tool_start_line(server: &str, tool: &str, arguments: &serde_json::Value) -> String {
    let args = arguments.to_string();
    let args: String = if args.chars().count() > 200 {
        args.chars().take(200).chain(std::iter::once('…')).collect()
    } else {
        args
    };
    clean(&format!("→ {server}.{tool} {args}"))
}

impl ToolCallRecord {
    /// `← jr.tasks_list ok (3 ms)` / `← x.y failed (12 ms): why`.
    pub fn end_line(&self) -> String {
        let head = format!("← {}.{}", self.server, self.tool);
        clean(&match (&self.error, self.ok) {
            (_, true) => format!("{head} ok ({} ms)", self.duration_ms),
            (Some(e), false) => format!("{head} failed ({} ms): {e}", self.duration_ms),
            (None, false) => format!("{head} failed ({} ms)", self.duration_ms),
        })
    }
}

fn clean(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let esc: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            esc
        })
        .collect()
}

/// Skill and agent names: `a-z`, digits, `-` and `_`, starting with a letter
/// or digit, at most 64 (SKILL.md's rule, plus `_` as in the design).
pub fn check_slug(what: &str, name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what} name {name:?} is not valid: use a-z, 0-9, '-' and '_' (at most 64), e.g. code-reviewer"
        ))
    }
}

/// The system prompt an agent runs with: its own, then each skill's body
/// under its name.
pub fn system_prompt(own: &str, skills: &[Skill]) -> String {
    let mut s = own.trim_end().to_string();
    for sk in skills {
        if !s.is_empty() {
            s.push_str("\n\n");
        }
        s.push_str(&format!("# Skill: {}\n\n{}", sk.name, sk.body.trim_end()));
    }
    s
}

/// What makes two executions comparable: model, system prompt (with skill
/// bodies), the user prompt and options. Hex SHA-256.
pub fn config_hash(
    model: &str,
    system: &str,
    prompt: &str,
    temperature: Option<f32>,
    max_tokens: Option<u32>,
) -> String {
    let mut h = Sha256::new();
    for part in [
        model,
        system,
        prompt,
        &format!("{temperature:?}"),
        &format!("{max_tokens:?}"),
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A SKILL.md: YAML front matter (`name`, `description`, ...) then the body.
#[derive(Debug, PartialEq)]
pub struct SkillFile {
    pub name: String,
    pub description: String,
    pub body: String,
}

pub fn parse_skill_md(text: &str) -> Result<SkillFile, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
        .ok_or("SKILL.md must start with a `---` line and YAML front matter (name, description)")?;
    let end = rest
        .find("\n---")
        .ok_or("SKILL.md front matter has no closing `---` line")?;
    let front = &rest[..end];
    let body = rest[end + 4..]
        .trim_start_matches(['\r', '\n', '-'])
        .to_string();
    #[derive(Deserialize)]
    struct Front {
        name: Option<String>,
        description: Option<String>,
    }
    let f: Front = serde_yaml_ng::from_str(front)
        .map_err(|e| format!("SKILL.md front matter is not valid YAML: {e}"))?;
    let name = f.name.ok_or("SKILL.md front matter has no `name`")?;
    let description = f.description.unwrap_or_default();
    if description.chars().count() > 1024 {
        return Err("SKILL.md `description` is longer than 1024 characters".into());
    }
    Ok(SkillFile {
        name,
        description,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_lines_never_carry_control_characters() {
        let l = tool_start_line("jr", "echo", &serde_json::json!({"text": "안녕\u{1b}[2J"}));
        assert!(!l.contains('\u{1b}'), "{l}");
        assert!(l.starts_with("→ jr.echo {"), "{l}");
        let r = ToolCallRecord {
            server: "s".into(),
            tool: "t".into(),
            arguments: serde_json::json!({}),
            ok: false,
            duration_ms: 5,
            error: Some("boom\u{1b}]52;c;x\u{7}\nnext".into()),
        };
        let l = r.end_line();
        assert!(!l.chars().any(char::is_control), "{l}");
        assert!(l.starts_with("← s.t failed (5 ms): boom"), "{l}");
    }

    #[test]
    fn slugs() {
        for (n, ok) in [
            ("code-reviewer", true),
            ("code_review", true),
            ("a1", true),
            ("Code", false),
            ("-x", false),
            ("리뷰어", false),
            ("", false),
        ] {
            assert_eq!(check_slug("agent", n).is_ok(), ok, "{n}");
        }
    }

    #[test]
    fn the_design_yaml_reads_and_writes_in_its_own_shape() {
        let yaml = "name: code-reviewer\nmodel: ollama/qwen2.5-coder:7b\nsystem_prompt: You are a code review assistant...\nskills:\n- code_review\n- git_diff\nconfig:\n  temperature: 0.3\n  max_tokens: 4096\n";
        let d: AgentDef = serde_yaml_ng::from_str(yaml).unwrap();
        assert_eq!(d.config.max_tokens, Some(4096));
        assert_eq!(d.skills, ["code_review", "git_diff"]);
        assert_eq!(serde_yaml_ng::to_string(&d).unwrap(), yaml);
        assert!(
            serde_yaml_ng::from_str::<AgentDef>("name: a\nmodel: ollama/x\ntemprature: 1\n")
                .is_err()
        );
    }

    #[test]
    fn system_prompt_and_hash() {
        let sk = Skill {
            id: 1,
            name: "korean".into(),
            description: String::new(),
            body: "Answer in Korean.\n".into(),
            source: None,
        };
        let s = system_prompt("You brief me.", std::slice::from_ref(&sk));
        assert_eq!(s, "You brief me.\n\n# Skill: korean\n\nAnswer in Korean.");
        assert_eq!(
            system_prompt("", &[sk]),
            "# Skill: korean\n\nAnswer in Korean."
        );
        let a = config_hash("ollama/x", "s", "p", Some(0.3), None);
        assert_eq!(a.len(), 64);
        assert_eq!(a, config_hash("ollama/x", "s", "p", Some(0.3), None));
        for other in [
            config_hash("ollama/y", "s", "p", Some(0.3), None),
            config_hash("ollama/x", "s2", "p", Some(0.3), None),
            config_hash("ollama/x", "s", "p", Some(0.4), None),
            config_hash("ollama/x", "sp", "", Some(0.3), None),
        ] {
            assert_ne!(a, other);
        }
    }

    #[test]
    fn skill_md() {
        let f = parse_skill_md("---\nname: korean\ndescription: 한국어로 답하기\n---\n\n# Korean\nAlways answer in Korean.\n").unwrap();
        assert_eq!(f.name, "korean");
        assert_eq!(f.description, "한국어로 답하기");
        assert_eq!(f.body, "# Korean\nAlways answer in Korean.\n");
        for bad in [
            "no front matter",
            "---\nname: x\n",
            "---\ndescription: d\n---\nbody",
        ] {
            assert!(parse_skill_md(bad).is_err(), "{bad}");
        }
    }
}
