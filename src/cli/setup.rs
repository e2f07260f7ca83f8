//! `jr setup claude|gemini [--apply]`: install the Agent Skill (SKILL.md,
//! embedded in the binary) where the host agent looks for skills, and print —
//! or with `--apply` run — the command that registers `jr mcp` with it.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::Ctx;
use super::output;
use crate::error::{Error, Result};

/// The skills, as shipped in assets/skill/*/SKILL.md.
pub use crate::mcp::skills::{SKILL_MD, SKILLS};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Host {
    /// Claude Code (~/.claude/skills, `claude mcp add`).
    Claude,
    /// Gemini CLI (~/.gemini/skills, `gemini mcp add`).
    Gemini,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scope {
    /// For every project of this user.
    User,
    /// For the project in the current directory only.
    Project,
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    pub host: Host,
    /// Run the registration command instead of printing it.
    #[arg(long)]
    pub apply: bool,
    #[arg(long, value_enum, default_value = "user")]
    pub scope: Scope,
}

/// The skill's folder for a host and scope.
fn skill_dir(host: Host, scope: Scope, home: &Path, cwd: &Path) -> PathBuf {
    let base = match scope {
        Scope::User => home.to_path_buf(),
        Scope::Project => cwd.to_path_buf(),
    };
    match host {
        Host::Claude => base.join(".claude").join("skills").join("jr"),
        Host::Gemini => base.join(".gemini").join("skills").join("jr"),
    }
}

/// The registration command as argv.
pub fn register_argv(host: Host, scope: Scope, jr: &Path, db: &Path) -> Vec<String> {
    let jr = jr.display().to_string();
    let db = db.display().to_string();
    let scope = match scope {
        Scope::User => "user",
        Scope::Project => "project",
    };
    let env = format!("JR_DB={db}");
    let argv: Vec<&str> = match host {
        Host::Claude => vec![
            "claude", "mcp", "add", "--scope", scope, "-e", &env, "jr", "--", &jr, "mcp",
        ],
        Host::Gemini => vec![
            "gemini", "mcp", "add", "-s", scope, "-e", &env, "jr", &jr, "mcp",
        ],
    };
    argv.into_iter().map(String::from).collect()
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

pub fn run(ctx: &Ctx, a: SetupArgs) -> Result<i32> {
    let home = ctx.home_dir()?;
    let cwd = std::env::current_dir()?;
    let dir = skill_dir(a.host, a.scope, &home, &cwd);
    // Every skill goes beside the main one: skills/jr, skills/jr-dagster.
    let root = dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dir.clone());
    let mut installed = Vec::new();
    for (name, text) in SKILLS {
        let d = root.join(name);
        std::fs::create_dir_all(&d)
            .and_then(|_| std::fs::write(d.join("SKILL.md"), text))
            .map_err(|e| {
                Error::user(format!("cannot write the skill into {}: {e}", d.display()))
            })?;
        installed.push(d.join("SKILL.md").display().to_string());
    }
    let jr = std::env::current_exe()
        .map_err(|e| Error::config(format!("cannot find jr's own path: {e}")))?;
    let db = std::path::absolute(&ctx.db_path).unwrap_or_else(|_| ctx.db_path.clone());
    let argv = register_argv(a.host, a.scope, &jr, &db);
    let line: Vec<String> = argv.iter().map(|s| shell_quote(s)).collect();
    let line = line.join(" ");
    let mut o = format!("installed the skills: {}\n", installed.join(", "));
    if !a.apply {
        o.push_str(&format!(
            "register the MCP server with:\n  {line}\n(or run `jr setup {} --apply`)\n",
            match a.host {
                Host::Claude => "claude",
                Host::Gemini => "gemini",
            }
        ));
        output::out(&o)?;
        return Ok(0);
    }
    output::out(&o)?;
    let status = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(std::process::Stdio::null())
        .status()
        .map_err(|e| {
            Error::user(format!("cannot run {}: {e}", argv[0])).hint(format!(
                "is {} installed and on PATH? the command was: {line}",
                argv[0]
            ))
        })?;
    if !status.success() {
        return Err(Error::service(format!("`{line}` failed ({status})"))
            .hint("an existing `jr` server may need `mcp remove jr` first"));
    }
    output::out(&format!("registered: {line}\n"))?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_commands() {
        let jr = Path::new("/opt/jr");
        let db = Path::new("/d/jr.db");
        assert_eq!(
            register_argv(Host::Claude, Scope::User, jr, db).join(" "),
            "claude mcp add --scope user -e JR_DB=/d/jr.db jr -- /opt/jr mcp"
        );
        assert_eq!(
            register_argv(Host::Gemini, Scope::Project, jr, db).join(" "),
            "gemini mcp add -s project -e JR_DB=/d/jr.db jr /opt/jr mcp"
        );
        assert_eq!(shell_quote("/a b/jr"), "'/a b/jr'");
    }

    #[test]
    fn the_skill_names_itself_jr() {
        let front = SKILL_MD.split("---").nth(1).unwrap();
        assert!(front.contains("\nname: jr\n"), "{front}");
        assert!(front.contains("\ndescription: "), "{front}");
        assert!(front.contains("allowed-tools:"), "{front}");
        assert!(SKILL_MD.lines().count() < 500);
    }
}
