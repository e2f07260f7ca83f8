//! Knowledge cards: the ambient job reads new conversations, asks the model
//! (the wire-protocol test server) for cards, stores them linked to their
//! sources; then review with SM-2 through the CLI.

mod common;
mod fake_llm;

use common::Env;
use fake_llm::FakeLlm;

fn env_with(server: &FakeLlm) -> Env {
    let env = Env::new();
    env.config(&format!("[llm]\nollama_url = \"{}\"\n", server.url));
    env
}

#[test]
fn the_ambient_job_makes_cards_from_new_conversations_once() {
    let server = FakeLlm::start();
    let env = env_with(&server);
    for (role, text) in [
        ("user", "restic는 스냅샷을 중복 제거해서 저장한다"),
        ("assistant", "네, 청크 단위로 중복을 제거합니다."),
        ("user", "croner treats 0 and 7 as Sunday"),
    ] {
        env.ok(&[
            "context",
            "log",
            "--channel",
            "claude-code",
            "--session",
            "s1",
            "--client",
            "claude-code",
            "--role",
            role,
            text,
        ]);
    }
    env.ok(&[
        "jobs",
        "add",
        "cards",
        "--ambient",
        "knowledge-cards",
        "--model",
        "ollama/cards:1b",
        "--max-cards",
        "5",
    ]);
    let run: serde_json::Value = serde_json::from_slice(
        &env.cmd()
            .args(["run", "cards", "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(run["status"], "success", "{run}");
    assert_eq!(run["result"], "made 2 cards from 3 messages");
    let cards = env.json(&["cards", "due", "--json"]);
    let cards = cards.as_array().unwrap();
    assert_eq!(cards.len(), 2);
    assert_eq!(
        cards[0]["answer"],
        "restic는 스냅샷을 중복 제거해서 저장한다"
    );
    assert_eq!(cards[0]["sources"], serde_json::json!([1]));
    assert!(
        server.chats().iter().any(|c| c.body["format"].is_object()),
        "structured output was asked for"
    );

    // Nothing new: no second set of cards.
    let again: serde_json::Value = serde_json::from_slice(
        &env.cmd()
            .args(["run", "cards", "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(again["result"], "made 0 cards (no new conversations)");
    assert_eq!(
        env.json(&["cards", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // A review moves the card a day out; it is no longer due.
    let graded = env.json(&["cards", "grade", "1", "good", "--json"]);
    assert_eq!(
        (
            graded["repetitions"].as_i64(),
            graded["interval_days"].as_i64()
        ),
        (Some(1), Some(1))
    );
    let due: Vec<i64> = env
        .json(&["cards", "due", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(due, vec![2]);
    env.fails(&["cards", "grade", "2", "superb"], 1);
    env.fails(&["cards", "grade", "99", "good"], 1);
}

#[test]
fn a_missing_model_fails_the_run_with_what_to_do() {
    let server = FakeLlm::start();
    let env = env_with(&server);
    env.ok(&[
        "context",
        "log",
        "--channel",
        "c",
        "--session",
        "s",
        "--client",
        "cursor",
        "--role",
        "user",
        "hello",
    ]);
    env.ok(&[
        "jobs",
        "add",
        "cards",
        "--ambient",
        "knowledge-cards",
        "--model",
        "ollama/nope:7b",
    ]);
    let out = env.cmd().args(["run", "cards", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        run["error"]
            .as_str()
            .unwrap()
            .contains("ollama pull nope:7b"),
        "{run}"
    );
    // The watermark did not move: the next good run still reads the message.
    env.ok(&["jobs", "edit", "cards", "--model", "ollama/cards:1b"]);
    let run: serde_json::Value = serde_json::from_slice(
        &env.cmd()
            .args(["run", "cards", "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(run["result"], "made 1 card from 1 message");
}

#[test]
fn bad_ambient_definitions_are_refused() {
    let env = Env::new();
    let err = env.fails(
        &[
            "jobs",
            "add",
            "x",
            "--ambient",
            "dreaming",
            "--model",
            "ollama/a:1b",
        ],
        1,
    );
    assert!(err.contains("knowledge-cards"), "{err}");
    let err = env.fails(
        &[
            "jobs",
            "add",
            "x",
            "--ambient",
            "knowledge-cards",
            "--model",
            "nomodel",
        ],
        1,
    );
    assert!(err.contains("PROVIDER/MODEL"), "{err}");
}
