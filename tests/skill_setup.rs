//! The Agent Skills are exact: every `$ jr ...` line in each SKILL.md runs,
//! in order, against the real binary — the main skill with a wire-protocol
//! model server for its agents and cards, the Dagster skill against a real
//! `dagster dev`. `jr setup` installs both and registers `jr mcp` (a
//! stand-in `claude` on PATH records what it was asked); `jr completions`
//! prints scripts for each shell.

mod common;
mod fake_llm;

use common::Env;

const SKILL: &str = include_str!("../assets/skill/jr/SKILL.md");
const DAGSTER_SKILL: &str = include_str!("../assets/skill/jr-dagster/SKILL.md");

/// Run every `$ jr` line of a skill; the number run. Model names the skill
/// shows are swapped for the test server's.
fn run_skill(env: &Env, skill: &str) -> usize {
    let mut count = 0;
    for line in skill.lines().filter_map(|l| l.strip_prefix("$ jr ")) {
        let cmd = line.split("  #").next().unwrap().trim();
        let cmd = cmd
            .replace("ollama/qwen2.5-coder:7b", "ollama/echo:1b")
            .replace("ollama/qwen2.5:7b", "ollama/cards:1b");
        let args = words(&cmd);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = env.ok(&argv);
        if argv.contains(&"--json") {
            serde_json::from_str::<serde_json::Value>(&out)
                .unwrap_or_else(|e| panic!("jr {cmd}: not JSON ({e}): {out}"));
        }
        count += 1;
    }
    count
}

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
    let server = fake_llm::FakeLlm::start();
    let env = Env::new();
    env.config(&format!(
        "[llm]\nollama_url = \"{}\"\nread_timeout = \"5s\"\n",
        server.url
    ));
    env.ok(&["jobs", "add", "backup", "--command", "echo backed up"]);
    // Codex has written a session on this machine.
    let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/codex-sessions/2026/11/20");
    let to = env.home().join(".codex/sessions/2026/11/20");
    std::fs::create_dir_all(&to).unwrap();
    for f in std::fs::read_dir(&from).unwrap().flatten() {
        std::fs::copy(f.path(), to.join(f.file_name())).unwrap();
    }
    let count = run_skill(&env, SKILL);
    assert!(count >= 35, "only {count} commands found in SKILL.md");
    assert_eq!(
        env.json(&["agents", "runs", "--json"])[0]["status"],
        "success"
    );
    // The worked example ends where it says it does.
    let t = env.json(&["tasks", "show", "1", "--json"]);
    assert_eq!(t["status"], "review");
    assert_eq!(t["claimed_by"], serde_json::Value::Null);
}

#[test]
fn every_command_in_the_dagster_skill_runs_against_a_real_dagster() {
    let d = common::dagster::shared();
    let server = fake_llm::FakeLlm::start();
    let env = Env::new();
    env.config(&d.jr_config(&format!("\n[llm]\nollama_url = \"{}\"\n", server.url)));
    let count = run_skill(&env, DAGSTER_SKILL);
    assert!(
        count >= 10,
        "only {count} commands found in jr-dagster/SKILL.md"
    );
    // The scheduled Dagster job ran and links its Dagster run.
    let runs = env.json(&["runs", "list", "--job", "nightly-hello", "--json"]);
    assert_eq!(runs[0]["status"], "success", "{runs}");
}

#[test]
fn the_skill_front_matter() {
    for (folder, skill) in [("jr", SKILL), ("jr-dagster", DAGSTER_SKILL)] {
        let front = skill.split("---").nth(1).unwrap();
        let field = |k: &str| {
            front
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{k}: ")))
                .unwrap_or_else(|| panic!("no {k} in the front matter"))
        };
        assert_eq!(field("name"), folder);
        let d = field("description");
        assert!(d.len() <= 1024 && d.contains("Use it when"), "{d}");
        assert_eq!(field("allowed-tools"), "Bash(jr *)");
        assert!(skill.lines().count() < 500);
    }
}

#[test]
fn setup_installs_the_skill_and_prints_or_runs_the_registration() {
    let env = Env::new();
    let out = env.ok(&["setup", "claude"]);
    let installed = env.home().join(".claude/skills/jr/SKILL.md");
    assert_eq!(std::fs::read_to_string(&installed).unwrap(), SKILL);
    let dagster = env.home().join(".claude/skills/jr-dagster/SKILL.md");
    assert_eq!(std::fs::read_to_string(&dagster).unwrap(), DAGSTER_SKILL);
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
    assert!(
        env.home()
            .join(".gemini/skills/jr-dagster/SKILL.md")
            .exists()
    );
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
