//! `jr chat` through the real binary: each route carried out through the
//! engine (and visible to the CLI), the refusals proven, --dry-run inert.

mod common;

use common::Env;
use serde_json::Value;

fn chat(env: &Env, msg: &str) -> Value {
    env.json(&["chat", msg, "--json"])
}

fn setup() -> Env {
    let env = Env::new();
    env.ok(&["tasks", "add", "보고서 작성", "-p", "p1"]);
    env.ok(&["tasks", "add", "backup 스크립트 점검"]);
    env.ok(&["tasks", "add", "write tests"]);
    env.ok(&[
        "jobs",
        "add",
        "backup",
        "--cron",
        "30 2 * * *",
        "--tz",
        "Asia/Seoul",
        "--command",
        "echo ok",
    ]);
    env
}

#[test]
fn answers_come_from_live_data_in_the_users_language() {
    let env = setup();
    let r = chat(&env, "오늘 뭐 해야 해?");
    assert_eq!(
        (r["route"].as_str(), r["via"].as_str(), r["intent"].as_str()),
        (Some("answer"), Some("rules"), Some("tasks_today"))
    );
    let reply = r["reply"].as_str().unwrap();
    assert!(
        reply.starts_with("현재 pending 상태인 Task가 3개 있습니다: 1. #1 보고서 작성"),
        "{reply}"
    );
    assert!(reply.ends_with("어떤 작업을 먼저 처리할까요?"), "{reply}");
    let r = chat(&env, "when does backup run next?");
    assert!(
        r["reply"].as_str().unwrap().contains("backup runs next at")
            && r["reply"].as_str().unwrap().contains("02:30 KST"),
        "{r}"
    );
    let r = chat(&env, "run bakup");
    assert_eq!(r["intent"], "clarify");
    assert!(
        r["reply"]
            .as_str()
            .unwrap()
            .contains("Did you mean backup?")
    );
    assert!(
        env.json(&["runs", "list", "--json"])
            .as_array()
            .unwrap()
            .is_empty(),
        "a close name is not guessed"
    );
}

#[test]
fn actions_go_through_the_engine() {
    let env = setup();
    let r = chat(&env, "start task 2");
    assert_eq!(
        (r["route"].as_str(), r["task_id"].as_i64()),
        (Some("act"), Some(2))
    );
    assert_eq!(
        env.json(&["tasks", "show", "2", "--json"])["status"],
        "in_progress"
    );
    let events = env.json(&["tasks", "show", "2", "--json"])["events"].clone();
    assert_eq!(events.as_array().unwrap().last().unwrap()["source"], "chat");

    let r = chat(&env, "backup 지금 돌려줘");
    assert_eq!(r["route"], "act");
    let run = env.run_obj(r["run_id"].as_i64().unwrap());
    assert_eq!(
        (run["job"].as_str(), run["trigger"].as_str()),
        (Some("backup"), Some("chat"))
    );

    let r = chat(&env, "할일 추가: 우유 사기");
    let t = env.json(&["tasks", "show", &r["task_id"].to_string(), "--json"]);
    assert_eq!(t["title"], "우유 사기");
    assert_eq!(t["source"], "chat");

    // An urgent simple action is still an action.
    let r = chat(&env, "긴급! 지금 당장 backup 돌려");
    assert_eq!(
        (r["route"].as_str(), r["urgent"].as_bool()),
        (Some("act"), Some(true))
    );

    // A failed action says why and exits 1.
    let out = env.run(&["chat", "start task 99", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(r["error"].as_str().unwrap().contains("no task with id 99"));
}

#[test]
fn complex_work_is_deferred_or_escalated_as_a_task() {
    let env = setup();
    let r = chat(&env, "refactor the parser for better error messages");
    assert_eq!(
        (r["route"].as_str(), r["via"].as_str()),
        (Some("defer"), Some("fallback"))
    );
    assert!(
        r["reply"]
            .as_str()
            .unwrap()
            .contains("local model was unavailable"),
        "{r}"
    );
    let t = env.json(&["tasks", "show", &r["task_id"].to_string(), "--json"]);
    assert_eq!(t["tags"], serde_json::json!(["from-chat"]));
    assert_eq!(t["body"], "refactor the parser for better error messages");
    assert_eq!(t["priority"], "p2");

    // Urgent, but no cloud model: deferred as p0, saying why.
    let r = chat(&env, "지금 당장 장애 원인 분석해줘, 고객이 기다려");
    assert_eq!(r["route"], "defer");
    assert_eq!(r["urgent"], true);
    assert!(r["reply"].as_str().unwrap().contains("p0"), "{r}");
    let t = env.json(&["tasks", "show", &r["task_id"].to_string(), "--json"]);
    assert_eq!(t["priority"], "p0");
}

#[test]
fn each_refusal_is_filed_and_nothing_else_happens() {
    let env = setup();
    let marker = env.home().join("should-not-exist");
    let jobs_before = env.ok(&["jobs", "export"]);
    let config_before = std::fs::read(env.config_path()).ok();
    for (msg, intent) in [
        (
            "매주 월요일마다 리포트 메일 보내는 잡 하나 짜줘",
            "refuse_new_job",
        ),
        (
            "create a job that syncs my notes every night",
            "refuse_new_job",
        ),
        ("타임존 설정을 UTC로 바꿔줘", "refuse_settings"),
        ("슬랙이랑 연동해줘", "refuse_integration"),
        (
            &format!("run the command touch {}", marker.display()),
            "refuse_shell",
        ),
        (
            &format!("`touch {}` 실행해줘", marker.display()),
            "refuse_shell",
        ),
    ] {
        let r = chat(&env, msg);
        assert_eq!(
            (r["route"].as_str(), r["intent"].as_str()),
            (Some("defer"), Some(intent)),
            "{msg}: {r}"
        );
        let t = env.json(&["tasks", "show", &r["task_id"].to_string(), "--json"]);
        assert_eq!(
            t["body"].as_str(),
            Some(msg),
            "the message goes to the host agent verbatim"
        );
    }
    assert!(!marker.exists(), "no shell command ran");
    assert_eq!(
        env.ok(&["jobs", "export"]),
        jobs_before,
        "no job was written"
    );
    assert_eq!(
        std::fs::read(env.config_path()).ok(),
        config_before,
        "no setting changed"
    );
}

#[test]
fn dry_run_decides_without_acting() {
    let env = setup();
    let before = env.ok(&["tasks", "export", "--all"]);
    for msg in [
        "start task 1",
        "backup 지금 돌려줘",
        "할일 추가: 우유 사기",
        "refactor everything",
        "슬랙이랑 연동해줘",
    ] {
        let r = env.json(&["chat", msg, "--json", "--dry-run"]);
        assert_eq!(r["dry_run"], true);
        assert!(
            r.get("task_id").is_none() && r.get("run_id").is_none(),
            "{r}"
        );
    }
    assert_eq!(env.ok(&["tasks", "export", "--all"]), before);
    assert!(
        env.json(&["runs", "list", "--json"])
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn every_turn_is_stored_in_the_gateway_channel() {
    let env = setup();
    chat(&env, "오늘 뭐 해야 해?");
    chat(&env, "start task 2");
    let found = env.json(&[
        "context",
        "search",
        "해야",
        "--channel",
        "gateway",
        "--json",
    ]);
    let hit = &found["hits"][0];
    assert_eq!(
        (hit["client"].as_str(), hit["role"].as_str()),
        (Some("jr-chat"), Some("user"))
    );
    let session = env.json(&["context", "show", "cli", "--json"]);
    let text = session.to_string();
    assert!(
        text.contains("현재 pending 상태인 Task가 3개 있습니다"),
        "the reply is stored too: {text}"
    );
    assert!(
        text.contains("\"route\":\"act\""),
        "with the decision: {text}"
    );
    // A dry run is not a turn.
    chat_dry(&env, "status");
    let stats = env.json(&["context", "stats", "--json"]);
    assert_eq!(stats["messages"], 4, "{stats}");
}

fn chat_dry(env: &Env, msg: &str) -> Value {
    env.json(&["chat", msg, "--json", "--dry-run"])
}
