//! Run parameters end to end through the real binary: a job declares them
//! with defaults, `jr run --param` overrides them, the shell job sees
//! `JR_PARAM_*`, an agent job's prompt `{{params.*}}`, the run records them,
//! unknown keys are refused with nothing run; the daemon's fires use the
//! defaults and a retry keeps its attempt's values; chat runs a job with the
//! message's `KEY=VALUE`s.

mod common;
mod fake_llm;

use common::Env;
use serde_json::{Value, json};

fn backup(env: &Env) {
    env.ok(&[
        "jobs",
        "add",
        "backup",
        "--command",
        "echo \"to=$JR_PARAM_TARGET mode=[$JR_PARAM_MODE]\"",
        "--param-default",
        "target=local",
        "--param-default",
        "mode=",
    ]);
}

fn log_of(env: &Env, id: i64) -> String {
    env.ok(&["runs", "logs", &id.to_string()])
}

#[test]
fn a_shell_job_gets_its_parameters_and_the_run_records_them() {
    let env = Env::new();
    backup(&env);
    let job = env.json(&["jobs", "show", "backup", "--json"]);
    assert_eq!(
        job["params"],
        json!({"target": "local", "mode": ""}),
        "{job}"
    );
    let shown = env.ok(&["jobs", "show", "backup"]);
    assert!(shown.contains("target=local  (default)"), "{shown}");

    // Given values go over the defaults; Korean and `=` in a value pass whole.
    let run = env.json(&[
        "run",
        "backup",
        "--param",
        "target=나스/백업",
        "-p",
        "mode=a=b",
        "--wait",
        "--json",
    ]);
    assert_eq!(run["status"], "success", "{run}");
    assert_eq!(run["params"], json!({"target": "나스/백업", "mode": "a=b"}));
    let id = run["id"].as_i64().unwrap();
    assert!(
        log_of(&env, id).contains("to=나스/백업 mode=[a=b]"),
        "{}",
        log_of(&env, id)
    );
    let text = env.ok(&["runs", "show", &id.to_string()]);
    assert!(text.contains("mode=a=b, target=나스/백업"), "{text}");
    assert_eq!(env.run_obj(id)["params"]["target"], "나스/백업");

    // No --param: the defaults, recorded.
    let run = env.json(&["run", "backup", "--wait", "--json"]);
    assert_eq!(run["params"], json!({"target": "local", "mode": ""}));
    let id = run["id"].as_i64().unwrap();
    assert!(log_of(&env, id).contains("to=local mode=[]"));
}

#[test]
fn unknown_or_malformed_parameters_are_refused_and_nothing_runs() {
    let env = Env::new();
    backup(&env);
    env.ok(&["jobs", "add", "plain", "--command", "true"]);
    let err = env.fails(&["run", "backup", "--param", "tgt=nas"], 1);
    assert!(
        err.contains("job backup has no parameter tgt; it declares: mode, target"),
        "{err}"
    );
    assert!(
        err.contains("jr jobs edit backup --param-default tgt=VALUE"),
        "{err}"
    );
    let err = env.fails(&["run", "plain", "--param", "x=1"], 1);
    assert!(err.contains("job plain takes no parameters"), "{err}");
    for (bad, why) in [
        ("target", "KEY=VALUE"),
        ("1x=y", "not valid"),
        ("타겟=나스", "not valid"),
        ("$(rm -rf ~)=x", "not valid"),
    ] {
        let err = env.fails(&["run", "backup", "--param", bad], 1);
        assert!(err.contains(why), "{bad}: {err}");
    }
    let err = env.fails(
        &[
            "run", "backup", "--param", "target=a", "--param", "target=b",
        ],
        1,
    );
    assert!(err.contains("given twice"), "{err}");
    let big = format!("target={}", "x".repeat(5000));
    assert!(
        env.fails(&["run", "backup", "--param", &big], 1)
            .contains("at most 4096")
    );
    let err = env.fails(
        &[
            "run",
            "backup",
            "--param",
            "target=ghp_abcdefghijklmnopqrstuvwxyz0123456789AB",
        ],
        1,
    );
    assert!(
        err.contains("looks like a secret") && !err.contains("ghp_"),
        "{err}"
    );
    assert!(env.runs("backup").is_empty(), "a refused run was recorded");
    assert!(env.runs("plain").is_empty());

    // Declarations are checked too.
    let err = env.fails(
        &[
            "jobs",
            "add",
            "x",
            "--command",
            "true",
            "--param-default",
            "a-b=1",
        ],
        1,
    );
    assert!(
        err.contains("--param-default") && err.contains("not valid"),
        "{err}"
    );
    let err = env.fails(
        &[
            "jobs",
            "add",
            "x",
            "--command",
            "true",
            "--param-default",
            "target=1",
            "--param-default",
            "TARGET=2",
        ],
        1,
    );
    assert!(err.contains("differ only in case"), "{err}");
}

#[test]
fn edit_export_and_import_keep_the_declarations() {
    let env = Env::new();
    backup(&env);
    env.ok(&[
        "jobs",
        "edit",
        "backup",
        "--param-default",
        "target=nas",
        "--unset-param",
        "mode",
    ]);
    let job = env.json(&["jobs", "show", "backup", "--json"]);
    assert_eq!(job["params"], json!({"target": "nas"}));
    let err = env.fails(&["jobs", "edit", "backup", "--unset-param", "nope"], 1);
    assert!(err.contains("no parameter \"nope\""), "{err}");
    let toml = env.ok(&["jobs", "export"]);
    assert!(
        toml.contains("[job.params]") && toml.contains("target = \"nas\""),
        "{toml}"
    );
    let other = Env::new();
    let file = other.home().join("jobs.toml");
    std::fs::write(&file, toml).unwrap();
    other.ok(&["jobs", "import", file.to_str().unwrap()]);
    let job = other.json(&["jobs", "show", "backup", "--json"]);
    assert_eq!(job["params"], json!({"target": "nas"}));
}

#[test]
fn fires_use_the_defaults_and_a_retry_keeps_its_values() {
    let env = Env::new();
    env.config("[scheduler]\nlease_ttl = \"3s\"\nshutdown_grace = \"1s\"\n");
    env.ok(&[
        "jobs",
        "add",
        "tick",
        "--cron",
        "* * * * * *",
        "--command",
        "echo \"tick $JR_PARAM_WHERE\"",
        "--param-default",
        "where=기본값",
    ]);
    env.ok(&[
        "jobs",
        "add",
        "flaky",
        "--command",
        "echo \"try $JR_ATTEMPT $JR_PARAM_TARGET\"; exit 1",
        "--param-default",
        "target=local",
        "--retries",
        "1",
        "--retry-backoff",
        "1s",
    ]);
    let _d = env.daemon();
    let fired = env.wait_until("a finished fire of tick", 30, || {
        env.runs("tick")
            .into_iter()
            .find(|r| r["status"] == "success")
    });
    assert_eq!(fired["trigger"], "schedule");
    assert_eq!(fired["params"], json!({"where": "기본값"}), "{fired}");
    let id = fired["id"].as_i64().unwrap();
    assert!(log_of(&env, id).contains("tick 기본값"));
    env.ok(&["jobs", "disable", "tick"]);

    let first = env.json(&["run", "flaky", "--param", "target=nas", "--json"]);
    let runs = env.wait_until("two finished attempts of flaky", 30, || {
        let r = env.runs("flaky");
        (r.len() == 2 && r.iter().all(|r| r["status"] == "failed")).then_some(r)
    });
    for r in &runs {
        assert_eq!(r["params"], json!({"target": "nas"}), "{r}");
    }
    let retry = runs.iter().find(|r| r["attempt"] == 2).unwrap();
    assert_eq!(retry["first_run"], first["id"]);
    let id = retry["id"].as_i64().unwrap();
    assert!(
        log_of(&env, id).contains("try 2 nas"),
        "{}",
        log_of(&env, id)
    );
}

#[test]
fn an_agent_prompt_gets_its_parameters() {
    let server = fake_llm::FakeLlm::start();
    let env = Env::new();
    env.config(&format!(
        "[llm]\nollama_url = \"{}\"\nread_timeout = \"5s\"\nload_timeout = \"5s\"\n",
        server.url
    ));
    env.ok(&["agents", "add", "echo", "--model", "ollama/echo:1b"]);
    let err = env.fails(
        &[
            "jobs",
            "add",
            "brief",
            "--agent",
            "echo",
            "--prompt",
            "{{params.topic}} 요약",
        ],
        1,
    );
    assert!(err.contains("params.KEY"), "{err}");
    env.ok(&[
        "jobs",
        "add",
        "brief",
        "--agent",
        "echo",
        "--prompt",
        "{{params.topic}} 요약해줘",
        "--param-default",
        "topic=날씨",
    ]);
    let run = env.json(&["run", "brief", "--param", "topic=주식", "--wait", "--json"]);
    assert_eq!(run["status"], "success", "{run}");
    let result = run["result"].as_str().unwrap();
    assert!(result.contains("[user] 주식 요약해줘"), "{result}");
    let run = env.json(&["run", "brief", "--wait", "--json"]);
    assert!(
        run["result"]
            .as_str()
            .unwrap()
            .contains("[user] 날씨 요약해줘")
    );
}

#[test]
fn chat_runs_a_job_with_the_messages_parameters() {
    let env = Env::new();
    backup(&env);
    let dry = env.json(&["chat", "backup 돌려줘 target=nas", "--dry-run", "--json"]);
    assert_eq!(
        (dry["route"].as_str(), dry["intent"].as_str()),
        (Some("act"), Some("run_job")),
        "{dry}"
    );
    assert_eq!(dry["target"], json!({"kind": "job", "name": "backup"}));
    assert_eq!(dry["params"], json!({"target": "nas", "mode": ""}), "{dry}");
    assert!(env.runs("backup").is_empty());

    let done = env.json(&["chat", "run backup with target=nas mode=full", "--json"]);
    assert_eq!(done["handled"], "acted", "{done}");
    let id = done["run_id"].as_i64().unwrap();
    assert_eq!(
        env.run_obj(id)["params"],
        json!({"target": "nas", "mode": "full"})
    );
    assert_eq!(env.run_obj(id)["trigger"], "chat");

    // An undeclared key: said so, nothing queued.
    let before = env.runs("backup").len();
    let out = env
        .cmd()
        .args(["chat", "backup 돌려줘 where=nas", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["handled"], "failed", "{v}");
    assert!(
        v["reply"].as_str().unwrap().contains("no parameter where"),
        "{v}"
    );
    assert_eq!(env.runs("backup").len(), before);

    // A follow-up takes parameters too.
    env.json(&["chat", "잡 목록 보여줘", "--json"]);
    let v = env.json(&["chat", "첫번째 거 돌려줘 target=usb", "--json"]);
    let id = v["run_id"].as_i64().unwrap_or_else(|| panic!("{v}"));
    assert_eq!(env.run_obj(id)["params"]["target"], "usb");

    // Autonomy unchanged: a forbidden request with pairs is still deferred.
    let v = env.json(&[
        "chat",
        "delete the backup job target=nas",
        "--dry-run",
        "--json",
    ]);
    assert_eq!(v["route"], "defer", "{v}");
}
