//! Importers beyond Claude Code: Codex CLI rollouts and Gemini CLI chat
//! recordings (both shapes) from fixtures made to their on-disk formats,
//! idempotent on re-import; and `import --watch` following a file the client
//! keeps appending to, and a session that appears while watching.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::Env;
use serde_json::Value;

fn fixture(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(p)
        .display()
        .to_string()
}

fn contents(env: &Env, session: &str) -> Vec<(String, String)> {
    env.json(&["context", "show", session, "--json"])["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap().to_string(),
                m["content"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn codex_rollouts_import_once() {
    let env = Env::new();
    let dir = fixture("codex-sessions");
    let r = env.json(&["context", "import", "codex", &dir, "--json"]);
    assert_eq!(
        (r["files"].as_i64(), r["imported"].as_i64()),
        (Some(1), Some(2)),
        "{r}"
    );
    // injected context, turn_context, event_msg x2, reasoning, tool call and
    // output, the broken line
    assert_eq!(r["skipped_lines"], 8, "{r}");
    let again = env.json(&["context", "import", "codex", &dir, "--json"]);
    assert_eq!(
        (
            again["imported"].as_i64(),
            again["skipped_duplicates"].as_i64()
        ),
        (Some(0), Some(2))
    );

    let s = env.json(&[
        "context",
        "show",
        "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        "--json",
    ]);
    assert_eq!(s["session"]["channel"], "jr", "the project folder");
    assert_eq!(s["session"]["client"], "codex-cli");
    let msgs = contents(&env, "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
    assert_eq!(msgs[0].0, "user");
    assert!(msgs[0].1.starts_with("스케줄러의 DST 버그"), "{msgs:?}");
    assert_eq!(msgs[1].0, "assistant");
    assert!(msgs[1].1.contains("fall back"));
    let hits = env.json(&[
        "context",
        "search",
        "반복되는",
        "--client",
        "codex-cli",
        "--json",
    ]);
    assert_eq!(hits["hits"].as_array().unwrap().len(), 2);
}

#[test]
fn gemini_recordings_import_once_in_both_shapes() {
    let env = Env::new();
    let dir = fixture("gemini-tmp");
    let r = env.json(&["context", "import", "gemini", &dir, "--json"]);
    // logs.json is not a chat recording; two session files.
    assert_eq!(
        (r["files"].as_i64(), r["sessions"].as_i64()),
        (Some(2), Some(2)),
        "{r}"
    );
    // new shape: u1, g1 (rewritten in full), u3 (u2, g2 rewound); old: a, b
    assert_eq!(r["imported"], 5, "{r}");
    let again = env.json(&["context", "import", "gemini", &dir, "--json"]);
    assert_eq!(again["imported"], 0);

    let s = env.json(&[
        "context",
        "show",
        "5d2c8e1a-0b7e-4e59-9a61-2f0f6f3c1d11",
        "--json",
    ]);
    assert_eq!(s["session"]["channel"], "jr-home");
    assert_eq!(s["session"]["title"], "백업 잡 실패 원인");
    let msgs = contents(&env, "5d2c8e1a-0b7e-4e59-9a61-2f0f6f3c1d11");
    let roles: Vec<&str> = msgs.iter().map(|m| m.0.as_str()).collect();
    assert_eq!(roles, ["user", "assistant", "user"]);
    assert_eq!(msgs[0].1, "백업 잡이 왜 실패했는지 봐줘");
    assert!(
        msgs[1].1.contains("restic unlock")
            && msgs[1].1.contains("[run_shell_command] jr runs logs 12"),
        "the final version of g1, with its tool call: {:?}",
        msgs[1]
    );
    assert_eq!(msgs[2].1, "unlock 하고 다시 돌려줘");
    let all: String = msgs.iter().map(|m| m.1.clone()).collect();
    assert!(!all.contains("취소"), "rewound messages are gone: {all}");
    let old = contents(&env, "9e8d7c6b-1111-4222-8333-944455556666");
    assert_eq!(old.len(), 2, "{old:?}");
    assert_eq!(old[1].0, "assistant");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn wait_for(env: &Env, what: &str, mut f: impl FnMut(&Env) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !f(env) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn messages(env: &Env) -> i64 {
    env.json(&["context", "stats", "--json"])["messages"]
        .as_i64()
        .unwrap()
}

#[test]
fn watch_follows_appended_lines_and_new_sessions() {
    let env = Env::new();
    let dir: PathBuf = env.home().join("codex");
    copy_dir(Path::new(&fixture("codex-sessions")), &dir);
    let mut watcher = env
        .jr_std()
        .env("NO_COLOR", "1")
        .args(["context", "import", "codex"])
        .arg(&dir)
        .args(["--watch", "--poll", "200ms"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(&env, "the first import", |e| messages(e) == 2);

    // Codex appends a turn to the open rollout.
    let file = std::fs::read_dir(dir.join("2026/11/20"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .unwrap();
    writeln!(f, r#"{{"timestamp":"2026-11-20T00:01:00.000Z","type":"response_item","payload":{{"type":"message","role":"user","content":[{{"type":"input_text","text":"테스트도 돌려줘"}}]}}}}"#).unwrap();
    drop(f);
    wait_for(&env, "the appended line", |e| messages(e) == 3);

    // A new session starts on another day.
    let day = dir.join("2026/11/21");
    std::fs::create_dir_all(&day).unwrap();
    std::fs::write(
        day.join("rollout-2026-11-21T08-00-00-aaaa.jsonl"),
        concat!(
            r#"{"timestamp":"2026-11-21T08:00:00Z","type":"session_meta","payload":{"id":"aaaa","cwd":"/home/me/blog"}}"#, "\n",
            r#"{"timestamp":"2026-11-21T08:00:01Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"새 글 초안"}]}}"#, "\n",
        ),
    )
    .unwrap();
    wait_for(&env, "the new session", |e| messages(e) == 4);
    assert!(
        watcher.try_wait().unwrap().is_none(),
        "the watcher keeps running"
    );
    watcher.kill().unwrap();
    let out = watcher.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("watching") && text.contains("imported 1 message(s)"),
        "{text}"
    );
    // Nothing doubled by the repeated reads.
    let v: Value = env.json(&["context", "sessions", "--json"]);
    let counts: Vec<i64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["messages"].as_i64().unwrap())
        .collect();
    assert_eq!(counts.iter().sum::<i64>(), 4, "{v}");
}
