//! Knowledge cards read only the channels and clients their job names; by
//! default every channel but jr's own `gateway` chatter, which is skipped
//! for good (the job's mark moves past it).

mod common;
mod fake_llm;

use common::Env;
use fake_llm::FakeLlm;
use serde_json::Value;

fn log(env: &Env, channel: &str, client: &str, text: &str) {
    env.ok(&[
        "context", "log", "-c", channel, "-s", "s1", "--client", client, text,
    ]);
}

fn run(env: &Env, job: &str) -> Value {
    serde_json::from_slice(
        &env.cmd()
            .args(["run", job, "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
}

/// The conversation text each cards request carried.
fn prompts(server: &FakeLlm) -> Vec<String> {
    server
        .chats()
        .iter()
        .filter(|c| c.body["format"].is_object())
        .map(|c| c.body["messages"].to_string())
        .collect()
}

#[test]
fn cards_skip_the_gateway_by_default_and_read_only_what_the_job_names() {
    let server = FakeLlm::start();
    let env = Env::new();
    env.config(&format!("[llm]\nollama_url = \"{}\"\n", server.url));
    log(&env, "gateway", "jr-chat", "오늘 할일 뭐야?");
    log(
        &env,
        "jr",
        "claude-code",
        "restic는 스냅샷을 중복 제거해서 저장한다",
    );
    log(&env, "gateway", "jr-chat", "백업 잡 지금 돌려줘");
    log(&env, "notes", "cursor", "croner treats 0 and 7 as Sunday");

    env.ok(&[
        "jobs",
        "add",
        "cards",
        "--ambient",
        "knowledge-cards",
        "--model",
        "ollama/cards:1b",
    ]);
    let r = run(&env, "cards");
    assert_eq!(r["result"], "made 2 cards from 2 messages", "{r}");
    let sent = prompts(&server).join("\n");
    assert!(sent.contains("restic") && sent.contains("croner"), "{sent}");
    assert!(
        !sent.contains("오늘 할일") && !sent.contains("백업 잡"),
        "gateway chatter was read: {sent}"
    );
    // Only gateway chatter since: nothing to read, and it is not read later either.
    log(&env, "gateway", "jr-chat", "안녕");
    assert_eq!(
        run(&env, "cards")["result"],
        "made 0 cards (no new conversations)"
    );

    // A job that names its sources reads only those.
    env.ok(&[
        "jobs",
        "add",
        "cursor-cards",
        "--ambient",
        "knowledge-cards",
        "--model",
        "ollama/cards:1b",
        "--channel",
        "notes",
        "--channel",
        "jr",
        "--client",
        "cursor",
    ]);
    let before = prompts(&server).len();
    let r = run(&env, "cursor-cards");
    assert_eq!(r["result"], "made 1 card from 1 message", "{r}");
    let sent = prompts(&server)[before..].join("\n");
    assert!(
        sent.contains("croner") && !sent.contains("restic"),
        "{sent}"
    );
    // The job keeps its sources through an export.
    let toml = env.ok(&["jobs", "export"]);
    assert!(
        toml.contains("channels = [\"notes\", \"jr\"]") && toml.contains("clients = [\"cursor\"]"),
        "{toml}"
    );
    // The gateway, when named, is read like any channel.
    env.ok(&[
        "jobs",
        "add",
        "chat-cards",
        "--ambient",
        "knowledge-cards",
        "--model",
        "ollama/cards:1b",
        "--channel",
        "gateway",
    ]);
    assert_eq!(
        run(&env, "chat-cards")["result"],
        "made 3 cards from 3 messages"
    );
    let e = env.fails(
        &[
            "jobs",
            "add",
            "x",
            "--ambient",
            "knowledge-cards",
            "--model",
            "ollama/cards:1b",
            "--channel",
            " ",
        ],
        1,
    );
    assert!(e.contains("channel"), "{e}");
}
