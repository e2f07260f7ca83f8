//! The context registry through the real binary: Korean substring and English
//! word search, filters, redaction, duplicates, Claude Code import from a
//! fixture (and re-import skipped), and the error paths.

mod common;

use common::Env;
use serde_json::Value;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/claude-projects"
);

fn log(env: &Env, args: &[&str]) -> Value {
    let mut full = vec!["context", "log"];
    full.extend_from_slice(args);
    full.push("--json");
    env.json(&full)
}

fn hits(env: &Env, args: &[&str]) -> Vec<Value> {
    let mut full = vec!["context", "search"];
    full.extend_from_slice(args);
    full.push("--json");
    env.json(&full)["hits"].as_array().unwrap().clone()
}

fn ids(hits: &[Value]) -> Vec<i64> {
    hits.iter().map(|h| h["id"].as_i64().unwrap()).collect()
}

#[test]
fn korean_by_substring_and_english_by_word() {
    let env = Env::new();
    let a = log(
        &env,
        &["스케줄러에서 오류가 났다", "-c", "gateway", "-s", "s1"],
    )["id"]
        .as_i64()
        .unwrap();
    let b = log(
        &env,
        &["the scheduler fires at seven", "-c", "jr", "-s", "s2"],
    )["id"]
        .as_i64()
        .unwrap();
    let c = log(
        &env,
        &["concatenate the cat pictures", "-c", "jr", "-s", "s2"],
    )["id"]
        .as_i64()
        .unwrap();
    let d = log(
        &env,
        &[
            "배포는 내일",
            "-c",
            "gateway",
            "-s",
            "s1",
            "--client",
            "jr-chat",
        ],
    )["id"]
        .as_i64()
        .unwrap();

    assert_eq!(ids(&hits(&env, &["스케줄러"])), vec![a]);
    assert_eq!(ids(&hits(&env, &["줄러에"])), vec![a], "inside a word");
    assert_eq!(ids(&hits(&env, &["오류"])), vec![a]);
    assert_eq!(ids(&hits(&env, &["배포"])), vec![d]);
    assert_eq!(ids(&hits(&env, &["scheduler"])), vec![b]);
    assert_eq!(
        ids(&hits(&env, &["fire"])),
        vec![b],
        "stemmed: fire finds fires"
    );
    assert_eq!(
        ids(&hits(&env, &["cat"])),
        vec![c],
        "a word, not inside concatenate"
    );
    assert!(
        hits(&env, &["sched"]).is_empty(),
        "English matches whole words"
    );
    assert_eq!(
        ids(&hits(&env, &["sched*"])),
        vec![b],
        "unless asked for a prefix"
    );
    assert_eq!(ids(&hits(&env, &["\"fires at\""])), vec![b]);
    assert!(
        hits(&env, &["\"at fires\""]).is_empty(),
        "a phrase keeps its order"
    );
    assert!(
        hits(&env, &["scheduler", "오류"]).is_empty(),
        "all words must occur"
    );

    // Snippets mark the hit, in the original text.
    let h = hits(&env, &["스케줄러"]);
    assert_eq!(h[0]["snippet"], "[스케줄러]에서 오류가 났다");
    assert_eq!(h[0]["channel"], "gateway");
    assert_eq!(h[0]["session"], "s1");
    assert_eq!(h[0]["role"], "user");

    // Filters.
    assert!(hits(&env, &["스케줄러", "--channel", "jr"]).is_empty());
    assert_eq!(ids(&hits(&env, &["배포", "--client", "jr-chat"])), vec![d]);
    assert!(hits(&env, &["배포", "--client", "cli"]).is_empty());
    assert_eq!(ids(&hits(&env, &["the", "--session", "s2"])).len(), 2);

    // Operators in user text are just words; nothing reaches FTS5 raw.
    assert!(hits(&env, &["NOT", "OR", "NEAR(a"]).is_empty());
    let err = env.fails(&["context", "search", "!!!"], 1);
    assert!(err.contains("nothing to search for"), "{err}");

    // Human output carries the snippet too.
    let out = env.ok(&["context", "search", "배포"]);
    assert!(out.contains("[배포]는 내일"), "{out}");
}

/// Channel and client live inside the full-text index (migration 0012): a
/// filter is a token FTS5 intersects, so it must pick exactly its own
/// messages — Korean and English, names that are prefixes of others, Korean
/// and spaced names, both filters together, and with session and time.
#[test]
fn channel_and_client_filters_inside_the_index() {
    let env = Env::new();
    let id = |v: Value| v["id"].as_i64().unwrap();
    let a = id(log(
        &env,
        &[
            "스케줄러 배포 완료 backup done",
            "-c",
            "jr",
            "-s",
            "s1",
            "--client",
            "claude-code",
        ],
    ));
    let b = id(log(
        &env,
        &[
            "스케줄러에서 backup failed",
            "-c",
            "jr2",
            "-s",
            "s1",
            "--client",
            "claude-code",
        ],
    ));
    let c = id(log(
        &env,
        &[
            "스케줄러를 고쳤다 backup",
            "-c",
            "블로그 글",
            "-s",
            "s9",
            "--client",
            "cursor",
        ],
    ));
    let d = id(log(
        &env,
        &[
            "the backup 스케줄러 again",
            "-c",
            "jr",
            "-s",
            "s2",
            "--client",
            "cursor",
        ],
    ));
    let sorted = |mut v: Vec<i64>| {
        v.sort();
        v
    };
    for q in ["스케줄러", "backup"] {
        assert_eq!(sorted(ids(&hits(&env, &[q]))), vec![a, b, c, d], "{q}");
        assert_eq!(
            sorted(ids(&hits(&env, &[q, "--channel", "jr"]))),
            vec![a, d],
            "{q}"
        );
        assert_eq!(ids(&hits(&env, &[q, "--channel", "jr2"])), vec![b], "{q}");
        assert_eq!(
            ids(&hits(&env, &[q, "--channel", "블로그 글"])),
            vec![c],
            "{q}"
        );
        assert!(hits(&env, &[q, "--channel", "블로그"]).is_empty(), "{q}");
        assert!(
            hits(&env, &[q, "--channel", "j"]).is_empty(),
            "{q}: no prefix"
        );
        assert_eq!(
            sorted(ids(&hits(&env, &[q, "--client", "cursor"]))),
            vec![c, d],
            "{q}"
        );
        assert_eq!(
            ids(&hits(&env, &[q, "--channel", "jr", "--client", "cursor"])),
            vec![d],
            "{q}"
        );
        assert_eq!(
            ids(&hits(&env, &[q, "--channel", "jr", "--session", "s1"])),
            vec![a],
            "{q}"
        );
        assert!(hits(&env, &[q, "--channel", "nowhere"]).is_empty(), "{q}");
    }
    // Words of the other language and of both, under a channel.
    assert_eq!(ids(&hits(&env, &["배포", "--channel", "jr"])), vec![a]);
    assert_eq!(
        ids(&hits(&env, &["failed", "스케줄러", "--channel", "jr2"])),
        vec![b]
    );
    assert!(hits(&env, &["failed", "--channel", "jr"]).is_empty());
    // A name's token is never found as a word, and the filter values as
    // words find nothing either.
    assert!(hits(&env, &["jr"]).is_empty());
    assert!(hits(&env, &["cursor"]).is_empty());
    // Paging under a filter.
    let all = ids(&hits(&env, &["backup", "--channel", "jr"]));
    let second = ids(&hits(
        &env,
        &["backup", "--channel", "jr", "-n", "1", "--offset", "1"],
    ));
    assert_eq!(second, vec![all[1]]);
}

#[test]
fn since_filters_by_time() {
    let env = Env::new();
    log(&env, &["old backup note", "--at", "2026-01-01T00:00:00Z"]);
    let new = log(&env, &["new backup note", "--at", "2026-11-20T00:00:00Z"])["id"]
        .as_i64()
        .unwrap();
    assert_eq!(hits(&env, &["backup"]).len(), 2);
    assert_eq!(
        ids(&hits(&env, &["backup", "--since", "2026-06-01"])),
        vec![new]
    );
    let err = env.fails(&["context", "search", "backup", "--since", "lately"], 1);
    assert!(err.contains("7d"), "{err}");
}

#[test]
fn secrets_are_redacted_before_storage_and_index() {
    let env = Env::new();
    let text = "keys: sk-proj-AbCdEf0123456789AbCdEf0123 ghp_1234567890abcdefghijABCDEFGHIJ123456 \
                AKIAIOSFODNN7EXAMPLE xoxb-123456789012-1234567890123-AbCdEfGhIjKl \
                Authorization: Bearer abcdef0123456789abcdef0123 url?token=9f86d081884c7d659a2feaa0c55ad015";
    let logged = log(&env, &[text, "-s", "secrets"]);
    assert_eq!(logged["redactions"], 6, "{logged}");
    let shown = env.json(&["context", "show", "secrets", "--json"]);
    let content = shown["messages"][0]["content"].as_str().unwrap();
    for secret in [
        "sk-proj-AbCdEf",
        "ghp_1234567890",
        "AKIAIOSFODNN7EXAMPLE",
        "xoxb-1234",
        "abcdef0123456789abcdef0123",
        "9f86d081884c7d659a2feaa0c55ad015",
    ] {
        assert!(!content.contains(secret), "{secret} leaked: {content}");
    }
    assert!(content.contains("[REDACTED:github]"), "{content}");
    assert!(content.contains("Bearer [REDACTED:token]"), "{content}");
    // Not searchable either.
    assert!(hits(&env, &["AKIAIOSFODNN7EXAMPLE"]).is_empty());
    // The database file never saw it.
    let raw = std::fs::read(env.db()).unwrap();
    let wal = std::fs::read(env.home().join("jr.db-wal")).unwrap_or_default();
    for bytes in [raw, wal] {
        assert!(
            !bytes.windows(20).any(|w| w == b"AKIAIOSFODNN7EXAMPLE"),
            "the secret is in the database file"
        );
    }
}

#[test]
fn log_reads_stdin_skips_duplicates_and_refuses_bad_input() {
    let env = Env::new();
    let out = env
        .cmd()
        .args([
            "context",
            "log",
            "-s",
            "x",
            "--at",
            "2026-11-20T00:00:00Z",
            "--json",
        ])
        .write_stdin("회의록: 다음 주 배포\n")
        .output()
        .unwrap();
    assert!(out.status.success());
    let first: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(first["duplicate"], false);
    let again = log(
        &env,
        &[
            "회의록: 다음 주 배포\n",
            "-s",
            "x",
            "--at",
            "2026-11-20T00:00:00Z",
        ],
    );
    assert_eq!(again["duplicate"], true);
    assert_eq!(
        again["id"], first["id"],
        "the duplicate names the stored message"
    );
    assert_eq!(env.json(&["context", "stats", "--json"])["messages"], 1);

    let err = env.fails(&["context", "log", "hi", "--role", "narrator"], 1);
    assert!(err.contains("unknown role"), "{err}");
    let err = env.fails(&["context", "log", "  ", "-s", "x"], 1);
    assert!(err.contains("empty"), "{err}");
    let err = env.fails(&["context", "log", "hi", "--metadata", "[1]"], 1);
    assert!(err.contains("JSON object"), "{err}");
    let out = env
        .cmd()
        .args(["context", "log", "-"])
        .write_stdin("가".repeat(100_000))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("256 KiB"), "{err}");
    let err = env.fails(&["context", "show", "nope"], 1);
    assert!(err.contains("no session"), "{err}");
    assert_eq!(
        env.json(&["context", "stats", "--json"])["messages"],
        1,
        "errors store nothing"
    );
}

#[test]
fn claude_code_import_from_the_fixture_and_reimport_skipped() {
    let env = Env::new();
    let r = env.json(&["context", "import", "claude-code", FIXTURE, "--json"]);
    assert_eq!(r["files"], 2);
    assert_eq!(r["imported"], 8, "{r}");
    assert_eq!(r["sessions"], 2);
    assert_eq!(r["redactions"], 2, "the API key and the password");
    // meta line, tool-result-only line, broken JSON line
    assert_eq!(r["skipped_lines"], 3, "{r}");

    let again = env.json(&["context", "import", "claude-code", FIXTURE, "--json"]);
    assert_eq!(again["imported"], 0);
    assert_eq!(again["skipped_duplicates"], 8);

    // Channels are the projects; sessions carry Claude Code's ids and summary.
    let chans = env.json(&["context", "channels", "--json"]);
    let names: Vec<&str> = chans
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["channel"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["blog", "jr"]);
    let s = env.json(&[
        "context",
        "show",
        "4f1c2b9e-8d3a-4b7e-9c1d-2e3f4a5b6c7d",
        "--json",
    ]);
    assert_eq!(s["session"]["title"], "스케줄러 DST 버그 수정");
    assert_eq!(s["session"]["client"], "claude-code");
    assert_eq!(s["session"]["messages"], 6);
    let msgs = s["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 6);
    assert_eq!(msgs[0]["role"], "user");
    assert!(
        msgs[0]["content"]
            .as_str()
            .unwrap()
            .starts_with("스케줄러에서 DST")
    );
    assert!(
        msgs[0]["content"]
            .as_str()
            .unwrap()
            .contains("[REDACTED:api-key]")
    );
    // Tool calls are one line; thinking and tool results are left out.
    let second = msgs[1]["content"].as_str().unwrap();
    assert!(second.contains("[Grep] next_after"), "{second}");
    assert!(
        !second.contains("duplicate fires"),
        "thinking was stored: {second}"
    );
    assert_eq!(msgs[1]["metadata"]["model"], "claude-sonnet-4-20250514");
    assert_eq!(msgs[1]["metadata"]["git_branch"], "main");

    assert_eq!(ids(&hits(&env, &["스케줄러", "--channel", "jr"])).len(), 1);
    assert!(hits(&env, &["스케줄러", "--channel", "blog"]).is_empty());
    assert_eq!(hits(&env, &["restic", "--client", "claude-code"]).len(), 2);

    let stats = env.json(&["context", "stats", "--json"]);
    assert_eq!(stats["messages"], 8);
    assert_eq!(stats["sessions"], 2);
    assert_eq!(stats["clients"]["claude-code"]["messages"], 8);
    assert!(stats["db_bytes"].as_u64().unwrap() > 0);

    // The default path is ~/.claude/projects.
    let other = Env::new();
    let err = other.fails(&["context", "import", "claude-code"], 1);
    assert!(err.contains(".claude/projects"), "{err}");
}
