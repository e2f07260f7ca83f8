//! The Agent Skill is exact: every `$ jr ...` line in SKILL.md runs, in
//! order, against the real binary. `jr setup` installs it and registers
//! `jr mcp` (a stand-in `claude` on PATH records what it was asked);
//! `jr completions` prints scripts for each shell.

mod common;

use common::Env;

const SKILL: &str = include_str!("../assets/skill/jr/SKILL.md");

/// Split a command line into words, honouring double quotes.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            _ => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

#[test]
fn every_command_in_the_skill_runs() {
    let env = Env::new();
    env.ok(&["jobs", "add", "backup", "--command", "echo backed up"]);
    let mut count = 0;
    for line in SKILL.lines().filter_map(|l| l.strip_prefix("$ jr ")) {
        let cmd = line.split("  #").next().unwrap().trim();
        let args = words(cmd);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = env.ok(&argv);
        if argv.contains(&"--json") {
            serde_json::from_str::<serde_json::Value>(&out)
                .unwrap_or_else(|e| panic!("jr {cmd}: not JSON ({e}): {out}"));
        }
        count += 1;
    }
    assert!(count >= 25, "only {count} commands found in SKILL.md");
    // The worked example ends where it says it does.
    let t = env.json(&["tasks", "show", "1", "--json"]);
    assert_eq!(t["status"], "review");
    assert_eq!(t["claimed_by"], serde_json::Value::Null);
}

#[test]
fn the_skill_front_matter() {
    let front = SKILL.split("---").nth(1).unwrap();
    let field = |k: &str| {
        front
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{k}: ")))
            .unwrap_or_else(|| panic!("no {k} in the front matter"))
    };
    assert_eq!(field("name"), "jr");
    let d = field("description");
    assert!(d.len() <= 1024 && d.contains("Use it when"), "{d}");
    assert_eq!(field("allowed-tools"), "Bash(jr *)");
    assert!(SKILL.lines().count() < 500);
}

#[test]
fn setup_installs_the_skill_and_prints_or_runs_the_registration() {
    let env = Env::new();
    let out = env.ok(&["setup", "claude"]);
    let installed = env.home().join(".claude/skills/jr/SKILL.md");
    assert_eq!(std::fs::read_to_string(&installed).unwrap(), SKILL);
    assert!(
        out.contains("claude mcp add --scope user -e JR_DB="),
        "{out}"
    );
    assert!(
        out.contains(" jr -- /") && out.trim_end().ends_with("--apply`)"),
        "{out}"
    );

    let out = env.ok(&["setup", "gemini"]);
    assert!(env.home().join(".gemini/skills/jr/SKILL.md").exists());
    assert!(out.contains("gemini mcp add -s user -e JR_DB="), "{out}");

    // --apply runs the host's command; a stand-in records its arguments.
    let bin = env.home().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("claude");
    let record = env.home().join("claude-args");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf '%s\\n' \"$@\" > {}\n", record.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let out = env
        .cmd()
        .env("PATH", &path)
        .args(["setup", "claude", "--apply"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let args = std::fs::read_to_string(&record).unwrap();
    let args: Vec<&str> = args.lines().collect();
    assert_eq!(args[..5], ["mcp", "add", "--scope", "user", "-e"]);
    assert_eq!(args[5], format!("JR_DB={}", env.db().display()));
    assert_eq!(args[6..8], ["jr", "--"]);
    assert!(args[8].ends_with("/jr") && args[9] == "mcp", "{args:?}");

    // Without the host program, --apply fails and says why.
    let err = env.fails(&["setup", "gemini", "--apply"], 1);
    assert!(
        err.contains("cannot run gemini") && err.contains("hint"),
        "{err}"
    );
}

#[test]
fn completions_for_each_shell() {
    let env = Env::new();
    for (shell, marker) in [
        ("bash", "_jr()"),
        ("zsh", "#compdef jr"),
        ("fish", "complete -c jr"),
    ] {
        let out = env.ok(&["completions", shell]);
        assert!(
            out.contains(marker),
            "{shell}: {}",
            &out[..200.min(out.len())]
        );
        assert!(out.contains("context"), "{shell} lacks subcommands");
    }
    env.fails(&["completions", "tcsh"], 2);
}
