//! The agent manager through the real binary: registries, YAML round trip,
//! `jr agents run` against a local Ollama-protocol server, failures with
//! their hints, `jr models list`, chains refused when they would cycle,
//! template checks, and `jr init --examples`.

mod common;
mod fake_llm;

use common::Env;
use fake_llm::{FakeLlm, KOREAN};

fn with_llm(env: &Env, server: &FakeLlm) {
    env.config(&format!(
        "[llm]\nollama_url = \"{}\"\nread_timeout = \"5s\"\nload_timeout = \"5s\"\n",
        server.url
    ));
}

const DESIGN_YAML: &str = "name: code-reviewer\nmodel: ollama/qwen2.5-coder:7b\nsystem_prompt: You are a code review assistant...\nskills:\n- code_review\n- git_diff\nconfig:\n  temperature: 0.3\n  max_tokens: 4096\n";

fn skills(env: &Env) {
    env.ok(&[
        "skills",
        "add",
        "code_review",
        "--body",
        "Point at bugs first.",
        "-d",
        "review",
    ]);
    env.ok(&["skills", "add", "git_diff", "--body", "Read unified diffs."]);
}

#[test]
fn the_designs_yaml_round_trips() {
    let env = Env::new();
    let file = env.home().join("agent.yaml");
    std::fs::write(&file, DESIGN_YAML).unwrap();
    // Its skills must be registered first; nothing is written otherwise.
    let err = env.fails(&["agents", "import", file.to_str().unwrap()], 1);
    assert!(
        err.contains("code_review, git_diff") && err.contains("jr skills"),
        "{err}"
    );
    assert_eq!(
        env.json(&["agents", "list", "--json"]),
        serde_json::json!([])
    );
    skills(&env);
    env.ok(&["agents", "import", file.to_str().unwrap()]);
    assert_eq!(env.ok(&["agents", "export"]), DESIGN_YAML);
    assert_eq!(env.ok(&["agents", "export", "code-reviewer"]), DESIGN_YAML);
    let a = env.json(&["agents", "show", "code-reviewer", "--json"]);
    assert_eq!(a["model"], "ollama/qwen2.5-coder:7b");
    assert_eq!(a["max_tokens"], 4096);
    assert_eq!(a["skills"], serde_json::json!(["code_review", "git_diff"]));
    // A skill in use cannot be removed; the error names the agent.
    let err = env.fails(&["skills", "rm", "git_diff"], 1);
    assert!(err.contains("code-reviewer"), "{err}");
    // Edits show in the next export; a typo'd key in a file is refused with its name.
    env.ok(&[
        "agents",
        "edit",
        "code-reviewer",
        "--temperature",
        "0.5",
        "--skill",
        "code_review",
    ]);
    let out = env.ok(&["agents", "export"]);
    assert!(
        out.contains("temperature: 0.5") && !out.contains("git_diff"),
        "{out}"
    );
    std::fs::write(
        &file,
        "name: x\nmodel: ollama/y\nconfig:\n  temprature: 1\n",
    )
    .unwrap();
    let err = env.fails(&["agents", "import", file.to_str().unwrap()], 1);
    assert!(err.contains("temprature"), "{err}");
    let err = env.fails(&["agents", "add", "bad", "--model", "qwen"], 1);
    assert!(err.contains("PROVIDER/MODEL"), "{err}");
}

#[test]
fn a_skill_folder_is_imported() {
    let env = Env::new();
    let dir = env.home().join("korean");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("SKILL.md"),
        "---\nname: korean\ndescription: 한국어로 답하기\n---\n\nAlways answer in Korean (한국어).\n",
    )
    .unwrap();
    env.ok(&["skills", "import", dir.to_str().unwrap()]);
    let s = env.json(&["skills", "show", "korean", "--json"]);
    assert_eq!(s["description"], "한국어로 답하기");
    assert_eq!(s["body"], "Always answer in Korean (한국어).\n");
    let other = env.home().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::copy(dir.join("SKILL.md"), other.join("SKILL.md")).unwrap();
    let err = env.fails(&["skills", "import", other.to_str().unwrap()], 1);
    assert!(err.contains("folder"), "{err}");
}

#[test]
fn agents_run_streams_the_answer_and_records_it() {
    let server = FakeLlm::start();
    let env = Env::new();
    with_llm(&env, &server);
    env.ok(&["skills", "add", "korean", "--body", "한국어로 답하세요."]);
    env.ok(&[
        "agents",
        "add",
        "briefer",
        "--model",
        "ollama/qwen2.5-coder:7b",
        "--system",
        "You brief me.",
        "--skill",
        "korean",
        "--temperature",
        "0.2",
        "--max-tokens",
        "512",
    ]);
    let out = env.ok(&["agents", "run", "briefer", "오늘 할일 뭐야?"]);
    assert_eq!(out, format!("{KOREAN}\n"));
    // The request carried the system prompt with the skill's body and the options.
    let sent = &server.chats()[0].body;
    assert_eq!(
        sent["messages"][0]["content"],
        "You brief me.\n\n# Skill: korean\n\n한국어로 답하세요."
    );
    assert_eq!(sent["messages"][1]["content"], "오늘 할일 뭐야?");
    assert_eq!(sent["options"]["num_predict"], 512);
    let runs = env.json(&["agents", "runs", "--json"]);
    let r = &runs[0];
    assert_eq!(r["status"], "success");
    assert_eq!(r["output"], KOREAN);
    assert_eq!(r["prompt"], "오늘 할일 뭐야?");
    assert_eq!(r["model"], "ollama/qwen2.5-coder:7b");
    assert_eq!(r["tokens_in"], 26);
    assert!(r["tokens_out"].as_u64().unwrap() > 0);
    assert!(r["duration_ms"].is_number());
    assert_eq!(r["run_id"], serde_json::Value::Null);
    // Same configuration, same hash; a changed skill changes it.
    let again = env.json(&["agents", "run", "briefer", "오늘 할일 뭐야?", "--json"]);
    assert_eq!(again["config_hash"], r["config_hash"]);
    env.ok(&["skills", "add", "korean", "--body", "존댓말로 답하세요."]);
    let changed = env.json(&["agents", "run", "briefer", "오늘 할일 뭐야?", "--json"]);
    assert_ne!(changed["config_hash"], r["config_hash"]);
}

#[test]
fn failures_say_which_and_what_to_do() {
    let server = FakeLlm::start();
    let env = Env::new();
    with_llm(&env, &server);
    env.ok(&["agents", "add", "a", "--model", "ollama/nope:7b"]);
    let err = env.fails(&["agents", "run", "a", "hi"], 4);
    assert!(
        err.contains("not installed") && err.contains("ollama pull nope:7b"),
        "{err}"
    );
    env.ok(&["agents", "edit", "a", "--model", "ollama/broken:1b"]);
    let err = env.fails(&["agents", "run", "a", "hi"], 4);
    assert!(err.contains("out of memory"), "{err}");
    env.ok(&["agents", "edit", "a", "--model", "openai/gpt-4o-mini"]);
    let err = env.fails(&["agents", "run", "a", "hi"], 4);
    assert!(err.contains("set OPENAI_API_KEY"), "{err}");
    let runs = env.json(&["agents", "runs", "--agent", "a", "--json"]);
    let statuses: Vec<&str> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["failed", "failed", "failed"]);
    assert!(runs[1]["error"].as_str().unwrap().contains("out of memory"));
    // Ollama not running: JR_OLLAMA_URL points at a closed port.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    env.ok(&["agents", "edit", "a", "--model", "ollama/qwen2.5-coder:7b"]);
    let out = env
        .cmd()
        .args(["agents", "run", "a", "hi"])
        .env("JR_OLLAMA_URL", &url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&url) && err.contains("ollama serve"), "{err}");
}

#[test]
fn models_list_shows_the_registry_and_ollama() {
    let server = FakeLlm::start();
    let env = Env::new();
    with_llm(&env, &server);
    env.ok(&[
        "models",
        "add",
        "ollama/qwen2.5-coder:7b",
        "--context",
        "32768",
    ]);
    env.ok(&["models", "add", "openai/gpt-4o-mini"]);
    let m = env.json(&["models", "list", "--json"]);
    assert_eq!(m["registry"].as_array().unwrap().len(), 2);
    assert_eq!(m["registry"][0]["local"], true);
    assert_eq!(m["ollama"]["reachable"], true);
    assert_eq!(m["ollama"]["version"], "0.12.3");
    assert!(
        m["ollama"]["loaded"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["name"] != "cold:1b")
    );
    let text = env.ok(&["models", "list"]);
    let row = text
        .lines()
        .find(|l| l.starts_with("ollama/qwen2.5-coder:7b"))
        .unwrap();
    assert_eq!(
        row.split_whitespace().collect::<Vec<_>>(),
        ["ollama/qwen2.5-coder:7b", "yes", "yes", "yes"]
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("ollama/cold:1b") && l.ends_with('-')),
        "{text}"
    );
    // Ollama down: the registry still lists, and the line says why.
    let out = env
        .cmd()
        .args(["models", "list", "--json"])
        .env("JR_OLLAMA_URL", "http://127.0.0.1:9")
        .output()
        .unwrap();
    let m: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(m["ollama"]["reachable"], false);
    assert!(
        m["ollama"]["error"]
            .as_str()
            .unwrap()
            .contains("not reachable")
    );
}

#[test]
fn chains_that_would_cycle_are_refused_and_nothing_changes() {
    let env = Env::new();
    for j in ["a", "b", "c"] {
        env.ok(&["jobs", "add", j, "--command", "true"]);
    }
    env.ok(&["jobs", "edit", "a", "--on-success", "b"]);
    env.ok(&["jobs", "edit", "b", "--on-failure", "c"]);
    let err = env.fails(&["jobs", "edit", "c", "--on-success", "a"], 1);
    assert!(err.contains("cycle: a → b → c → a"), "{err}");
    assert_eq!(
        env.json(&["jobs", "show", "c", "--json"])["on_success"],
        serde_json::json!([])
    );
    let err = env.fails(
        &["jobs", "add", "d", "--command", "true", "--on-success", "d"],
        1,
    );
    assert!(err.contains("d → d"), "{err}");
    let err = env.fails(
        &[
            "jobs",
            "add",
            "e",
            "--command",
            "true",
            "--on-failure",
            "nope",
        ],
        1,
    );
    assert!(err.contains("\"nope\", which is not a job"), "{err}");
    assert_eq!(
        env.json(&["jobs", "show", "a", "--json"])["on_success"],
        serde_json::json!(["b"])
    );
    // Chains go through export and import, cycles in a file included.
    let exported = env.ok(&["jobs", "export"]);
    assert!(exported.contains("on_success = [\"b\"]"), "{exported}");
    let f = env.home().join("jobs.toml");
    std::fs::write(
        &f,
        exported.replace("on_failure = [\"c\"]", "on_failure = [\"a\"]"),
    )
    .unwrap();
    let err = env.fails(&["jobs", "import", f.to_str().unwrap()], 1);
    assert!(err.contains("a → b → a"), "{err}");
    assert_eq!(
        env.json(&["jobs", "show", "b", "--json"])["on_failure"],
        serde_json::json!(["c"])
    );
}

#[test]
fn agent_jobs_check_their_agent_and_template_when_saved() {
    let env = Env::new();
    env.ok(&[
        "agents",
        "add",
        "briefer",
        "--model",
        "ollama/qwen2.5-coder:7b",
    ]);
    let err = env.fails(
        &["jobs", "add", "j", "--agent", "nobody", "--prompt", "hi"],
        1,
    );
    assert!(err.contains("no agent named"), "{err}");
    let err = env.fails(
        &[
            "jobs",
            "add",
            "j",
            "--agent",
            "briefer",
            "--prompt",
            "{{task.ready}}",
        ],
        1,
    );
    assert!(
        err.contains("prompt template") && err.contains("tasks.ready"),
        "{err}"
    );
    let err = env.fails(
        &[
            "jobs",
            "add",
            "j",
            "--agent",
            "briefer",
            "--prompt",
            "{{collect.weather}}",
        ],
        1,
    );
    assert!(err.contains("undefined"), "{err}");
    let j = env.json(&[
        "jobs",
        "add",
        "j",
        "--agent",
        "briefer",
        "--prompt",
        "{{date}} {{collect.weather}}",
        "--collect",
        "weather=echo 맑음",
        "--output-file",
        "~/b/{{date}}.md",
        "--json",
    ]);
    assert_eq!(j["kind"], "agent");
    assert_eq!(j["collect"], serde_json::json!(["weather=echo 맑음"]));
    let err = env.fails(&["agents", "rm", "briefer", "--yes"], 1);
    assert!(err.contains("run by jobs: j"), "{err}");
}

#[test]
fn init_examples_installs_the_daily_briefing() {
    let env = Env::new();
    let out = env.ok(&["init", "--examples"]);
    assert!(
        out.contains("daily-briefing") && out.contains("07:00 KST"),
        "{out}"
    );
    let j = env.json(&["jobs", "show", "daily-briefing", "--json"]);
    assert_eq!(
        (j["kind"].as_str(), j["schedule"].as_str(), j["tz"].as_str()),
        (Some("agent"), Some("0 7 * * *"), Some("Asia/Seoul"))
    );
    assert!(j["next_fire"].as_str().unwrap().contains("T07:00:00+09:00"));
    assert_eq!(
        env.json(&["agents", "show", "daily-briefing", "--json"])["model"],
        "ollama/qwen2.5-coder:7b"
    );
    let err = env.fails(&["init", "--examples"], 1);
    assert!(err.contains("--force"), "{err}");
    env.ok(&["init", "--examples", "--force"]);
}

#[test]
fn graph_executions_stay_running_and_listed_while_dagster_does_not_answer() {
    let env = Env::new();
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    env.config(&format!(
        "[dagster]\nconnect_timeout = \"1s\"\n[dagster.instances.home]\nurl = \"http://127.0.0.1:{port}\"\n"
    ));
    env.ok(&["agents", "graph", "add", "g", "--dagster-job", "summarize"]);
    env.ok(&["agents", "list"]); // the database exists
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    for run in ["r1", "r2", "r3"] {
        conn.execute(
            "INSERT INTO agent_runs (agent, model, prompt, started_at, status, config_hash, dagster_run, dagster_instance) \
             VALUES ('g', 'dagster', '', 0, 'running', 'h', ?1, 'home')",
            [run],
        )
        .unwrap();
    }
    drop(conn);
    let t = std::time::Instant::now();
    let out = env.run(&["agents", "runs", "--json"]);
    assert!(out.status.success(), "{out:?}");
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(runs.as_array().unwrap().len(), 3, "{runs}");
    assert!(
        runs.as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "running")
    );
    // Asked once, not once per execution; the reason is on stderr.
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("still shown as running").count(), 1, "{err}");
    assert!(
        t.elapsed() < std::time::Duration::from_secs(15),
        "{:?}",
        t.elapsed()
    );
}
