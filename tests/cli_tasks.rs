//! The task manager through the real binary: Korean round trips, the status
//! flow, claims, errors and their exit codes, and database set-up.

mod common;

use common::Env;
use serde_json::Value;

fn add(env: &Env, args: &[&str]) -> i64 {
    let mut full = vec!["tasks", "add"];
    full.extend_from_slice(args);
    full.push("--json");
    env.json(&full)["id"].as_i64().unwrap()
}

fn status(env: &Env, id: i64) -> String {
    env.json(&["tasks", "show", &id.to_string(), "--json"])["status"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn korean_round_trips_through_add_list_show_export_import() {
    let env = Env::new();
    let id = add(
        &env,
        &[
            "스케줄러 버그 고치기",
            "--body",
            "로그를 먼저 볼 것",
            "--tag",
            "집안일",
            "--due",
            "2026-12-01",
            "-p",
            "p1",
        ],
    );
    add(&env, &["write the weekly report", "--tag", "work"]);

    let list = env.ok(&["tasks", "list"]);
    assert!(list.contains("스케줄러 버그 고치기"), "{list}");
    // Columns stay aligned: TAGS starts at the same display column on every row.
    let lines: Vec<&str> = list.lines().collect();
    let col = |l: &str, needle: &str| {
        unicode_width::UnicodeWidthStr::width(&l[..l.find(needle).unwrap()])
    };
    assert_eq!(col(lines[1], "집안일"), col(lines[2], "work"), "{list}");

    let shown = env.json(&["tasks", "show", &id.to_string(), "--json"]);
    assert_eq!(shown["title"], "스케줄러 버그 고치기");
    assert_eq!(shown["body"], "로그를 먼저 볼 것");
    assert_eq!(shown["tags"], serde_json::json!(["집안일"]));
    assert_eq!(shown["priority"], "p1");
    assert_eq!(shown["due"], "2026-12-01T23:59:59+09:00");
    assert_eq!(shown["status"], "pending");
    assert!(shown["events"].as_array().unwrap().len() == 1);

    env.ok(&["tasks", "start", &id.to_string()]);
    let export = env.ok(&["tasks", "export", "--all"]);
    let file = env.home().join("tasks.jsonl");
    std::fs::write(&file, &export).unwrap();

    let other = Env::new();
    let out = other.ok(&["tasks", "import", file.to_str().unwrap()]);
    assert!(out.contains("imported 2 tasks"), "{out}");
    assert_eq!(
        other.ok(&["tasks", "export", "--all"]),
        export,
        "a round trip loses nothing"
    );
    // Importing the same file again recognises the duplicates.
    let again = other.json(&["tasks", "import", file.to_str().unwrap(), "--json"]);
    assert_eq!(again["imported"], 0);
    assert_eq!(again["skipped_duplicates"], 2);
}

#[test]
fn json_list_shape_is_the_contract() {
    let env = Env::new();
    let a = add(&env, &["a"]);
    add(
        &env,
        &["b", "--depends", &a.to_string(), "--parent", &a.to_string()],
    );
    let list = env.json(&["tasks", "list", "--json"]);
    let arr = list.as_array().unwrap();
    assert_eq!(arr.len(), 2);
    let b = &arr[1];
    for key in [
        "id",
        "title",
        "body",
        "status",
        "priority",
        "due",
        "tags",
        "parent",
        "depends_on",
        "claimed_by",
        "created_at",
        "updated_at",
    ] {
        assert!(b.get(key).is_some(), "missing {key} in {b}");
    }
    assert_eq!(b["parent"], a);
    assert_eq!(b["depends_on"], serde_json::json!([a]));
    assert_eq!(b["due"], Value::Null);
    assert_eq!(b["claimed_by"], Value::Null);
}

#[test]
fn the_status_flow_and_its_rules() {
    let env = Env::new();
    let id = add(&env, &["flow"]);
    let s = id.to_string();
    env.fails(&["tasks", "review", &s], 1); // pending → review is not a step
    env.ok(&["tasks", "start", &s]);
    assert_eq!(status(&env, id), "in_progress");
    env.fails(&["tasks", "start", &s], 1);
    env.ok(&["tasks", "review", &s]);
    env.ok(&["tasks", "start", &s]); // review sends it back to work
    env.ok(&["tasks", "review", &s]);
    env.ok(&["tasks", "done", &s]);
    assert_eq!(status(&env, id), "done");
    let shown = env.json(&["tasks", "show", &s, "--json"]);
    assert!(shown["closed_at"].is_string());
    env.fails(&["tasks", "cancel", &s], 1);
    env.ok(&["tasks", "reopen", &s]);
    assert_eq!(status(&env, id), "pending");
    let shown = env.json(&["tasks", "show", &s, "--json"]);
    assert!(shown["closed_at"].is_null());
    env.ok(&["tasks", "cancel", &s]);
    env.fails(&["tasks", "reopen", "999"], 1);
    env.ok(&["tasks", "reopen", &s]);
    let events = shown["events"].as_array().unwrap().len();
    assert_eq!(events, 7, "created + six moves are recorded");
}

#[test]
fn blocked_and_forced() {
    let env = Env::new();
    let dep = add(&env, &["먼저 할 일"]);
    let task = add(&env, &["나중 일", "--depends", &dep.to_string()]);
    let err = env.fails(&["tasks", "start", &task.to_string()], 1);
    assert!(
        err.contains(&format!("blocked by #{dep}")) && err.contains("먼저 할 일"),
        "{err}"
    );
    env.fails(&["tasks", "done", &task.to_string()], 1);
    let ready: Vec<i64> = env
        .json(&["tasks", "ready", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ready, vec![dep]);
    env.ok(&["tasks", "done", &dep.to_string()]);
    env.ok(&["tasks", "start", &task.to_string()]);

    let parent = add(&env, &["parent"]);
    env.ok(&["tasks", "split", &parent.to_string(), "sub one", "sub two"]);
    let err = env.fails(&["tasks", "done", &parent.to_string()], 1);
    assert!(err.contains("open sub-tasks"), "{err}");
    env.ok(&["tasks", "done", &parent.to_string(), "--force"]);
    assert_eq!(status(&env, parent), "done");
    let subs = env.json(&["tasks", "list", "--parent", &parent.to_string(), "--json"]);
    assert_eq!(subs.as_array().unwrap().len(), 2);
}

#[test]
fn ready_is_ordered_and_respects_claims() {
    let env = Env::new();
    let low = add(&env, &["low", "-p", "p3"]);
    let later = add(&env, &["p1 later", "-p", "p1", "--due", "2027-01-02"]);
    let sooner = add(&env, &["p1 sooner", "-p", "p1", "--due", "2027-01-01"]);
    let claimed = add(&env, &["p0 claimed", "-p", "p0"]);
    env.ok(&["tasks", "claim", &claimed.to_string(), "--as", "alice"]);
    let ids = |v: Value| -> Vec<i64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(
        ids(env.json(&["tasks", "ready", "--json"])),
        vec![sooner, later, low]
    );
    assert_eq!(
        ids(env.json(&["tasks", "ready", "--as", "alice", "--json"])),
        vec![claimed, sooner, later, low]
    );
    assert_eq!(
        ids(env.json(&["tasks", "ready", "--limit", "1", "--json"])),
        vec![sooner]
    );
}

#[test]
fn claim_race_has_one_winner() {
    let env = Env::new();
    let id = add(&env, &["contended"]).to_string();
    let mut children: Vec<_> = (0..6)
        .map(|i| {
            let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("jr"));
            c.env_clear()
                .env("HOME", env.home())
                .env("JR_DB", env.db())
                .args(["tasks", "claim", &id, "--as", &format!("agent{i}")])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            c.spawn().unwrap()
        })
        .collect();
    let wins = children
        .iter_mut()
        .map(|c| c.wait().unwrap().success())
        .filter(|ok| *ok)
        .count();
    assert_eq!(wins, 1);
    let shown = env.json(&["tasks", "show", &id, "--json"]);
    assert!(shown["claimed_by"].as_str().unwrap().starts_with("agent"));
    env.ok(&["tasks", "release", &id]);
    env.ok(&["tasks", "claim", &id, "--as", "someone"]);
}

#[test]
fn errors_exit_with_their_code_and_change_nothing() {
    let env = Env::new();
    let id = add(&env, &["keep me"]);
    let before = env.ok(&["tasks", "export", "--all"]);
    let s = id.to_string();
    for (args, code) in [
        (vec!["tasks", "show", "42"], 1),
        (vec!["tasks", "start", "42"], 1),
        (vec!["tasks", "add", "x", "--due", "someday"], 1),
        (vec!["tasks", "add", "  "], 1),
        (vec!["tasks", "add", "x", "--parent", "42"], 1),
        (vec!["tasks", "add", "x", "--depends", "42"], 1),
        (vec!["tasks", "add", "x", "--tag", "two words"], 1),
        (vec!["tasks", "edit", &s, "--depends", &s], 1),
        (vec!["tasks", "review", &s], 1),
        (vec!["tasks", "rm", &s], 1), // no --yes and no terminal to ask on
        (vec!["tasks", "split", "42", "a"], 1),
    ] {
        env.fails(&args, code);
    }
    // clap's usage errors keep their own code.
    let out = env.run(&["tasks", "add", "x", "--priority", "p9"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(env.ok(&["tasks", "export", "--all"]), before);
}

#[test]
fn dependency_cycles_are_refused() {
    let env = Env::new();
    let a = add(&env, &["a"]);
    let b = add(&env, &["b", "--depends", &a.to_string()]);
    let err = env.fails(
        &["tasks", "edit", &a.to_string(), "--depends", &b.to_string()],
        1,
    );
    assert!(err.contains("cycle"), "{err}");
}

#[test]
fn edit_records_events_and_rm_removes() {
    let env = Env::new();
    let id = add(&env, &["old title", "--tag", "a"]);
    let s = id.to_string();
    let t = env.json(&[
        "tasks",
        "edit",
        &s,
        "--title",
        "새 제목",
        "--priority",
        "p0",
        "--tag",
        "b",
        "--untag",
        "a",
        "--due",
        "+3d",
        "--json",
    ]);
    assert_eq!(t["title"], "새 제목");
    assert_eq!(t["tags"], serde_json::json!(["b"]));
    let fields: Vec<String> = env.json(&["tasks", "show", &s, "--json"])["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        fields,
        ["created", "title", "priority", "due", "tag", "tag"]
    );
    env.ok(&["tasks", "rm", &s, "--yes"]);
    env.fails(&["tasks", "show", &s], 1);
}

#[test]
fn taskwarrior_export_imports() {
    let env = Env::new();
    let file = env.home().join("tw.json");
    std::fs::write(
        &file,
        r#"[{"id":1,"description":"보일러 점검","entry":"20261101T090000Z","modified":"20261101T090000Z","status":"pending","uuid":"a-1","priority":"H","tags":["home"],"due":"20261201T000000Z"},
{"id":0,"description":"old thing","entry":"20261001T090000Z","end":"20261002T090000Z","status":"completed","uuid":"b-2"},
{"id":2,"description":"after","entry":"20261101T090000Z","status":"pending","uuid":"c-3","depends":"a-1"}]"#,
    )
    .unwrap();
    env.ok(&["tasks", "import", file.to_str().unwrap()]);
    let all = env.json(&["tasks", "list", "--all", "--json"]);
    let by_title = |t: &str| {
        all.as_array()
            .unwrap()
            .iter()
            .find(|x| x["title"] == t)
            .unwrap()
            .clone()
    };
    assert_eq!(by_title("보일러 점검")["priority"], "p1");
    assert_eq!(by_title("old thing")["status"], "done");
    assert_eq!(
        by_title("after")["depends_on"],
        serde_json::json!([by_title("보일러 점검")["id"]])
    );
}

#[test]
fn database_location_permissions_and_migration() {
    let env = Env::new();
    // Default path under XDG_DATA_HOME, directories created, file 0600.
    let data = env.home().join("data");
    let out = env
        .cmd()
        .env_remove("JR_DB")
        .env("XDG_DATA_HOME", &data)
        .args(["tasks", "add", "x"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let path = data.join("jr/jr.db");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // --db beats JR_DB.
    let other = env.home().join("other.db");
    env.ok(&["--db", other.to_str().unwrap(), "tasks", "add", "y"]);
    assert!(other.exists());
    // An empty file is migrated from nothing.
    let empty = env.home().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    env.ok(&["--db", empty.to_str().unwrap(), "tasks", "list"]);
    let conn = rusqlite::Connection::open(&empty).unwrap();
    let v: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert!(v >= 1);
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn newer_or_foreign_databases_are_refused_with_code_3() {
    let env = Env::new();
    env.ok(&["tasks", "add", "x"]);
    rusqlite::Connection::open(env.db())
        .unwrap()
        .pragma_update(None, "user_version", 999)
        .unwrap();
    let err = env.fails(&["tasks", "list"], 3);
    assert!(
        err.contains("schema version 999") && err.contains("upgrade jr"),
        "{err}"
    );

    let junk = env.home().join("junk.db");
    std::fs::write(
        &junk,
        b"this is not a database, just text that is long enough to matter",
    )
    .unwrap();
    env.fails(&["--db", junk.to_str().unwrap(), "tasks", "list"], 3);
}

#[test]
fn broken_config_names_file_line_and_key() {
    let env = Env::new();
    let cfg = env.home().join("config.toml");
    std::fs::write(
        &cfg,
        "timezone = \"Asia/Seoul\"\n[scheduler]\nconcurrency = \"lots\"\n",
    )
    .unwrap();
    let out = env
        .cmd()
        .env("JR_CONFIG", &cfg)
        .args(["tasks", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(cfg.to_str().unwrap())
            && err.contains("line 3")
            && err.contains("concurrency"),
        "{err}"
    );
    // A missing config file means defaults.
    env.cmd()
        .env("JR_CONFIG", env.home().join("nope.toml"))
        .args(["tasks", "list"])
        .assert()
        .success();
}

#[test]
fn output_has_no_colour_when_piped() {
    let env = Env::new();
    add(&env, &["plain"]);
    let out = env
        .cmd()
        .env_remove("NO_COLOR")
        .args(["tasks", "list"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
}

/// A list longer than the rows held for layout streams: every open task
/// printed once, in list order, columns aligned by display width (Korean
/// titles and claim names included), `--json` one valid array, `--limit`
/// and filters still applied.
#[test]
fn long_lists_stream_aligned_and_as_one_json_array() {
    let env = Env::new();
    let n = 450;
    let mut lines = String::new();
    for i in 1..=n {
        let status = if i % 9 == 0 { "done" } else { "pending" };
        let title = if i % 2 == 0 {
            format!("보고서 작성 {i}")
        } else {
            format!("write report {i}")
        };
        let claim = if i == 400 {
            r#","claimed_by":"김철수-에이전트""#
        } else {
            ""
        };
        lines.push_str(&format!(
            r#"{{"id":{i},"title":"{title}","status":"{status}","priority":"p{}","tags":["t{}"],"created_at":"2026-11-01T00:00:00Z"{claim}}}"#,
            i % 4,
            i % 3
        ));
        lines.push('\n');
    }
    let file = env.home().join("many.jsonl");
    std::fs::write(&file, lines).unwrap();
    env.ok(&["tasks", "import", file.to_str().unwrap()]);
    let open = n - n / 9;

    let out = env.ok(&["tasks", "list"]);
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows.len(), open + 1, "a header and every open task");
    use unicode_width::UnicodeWidthStr;
    let title_col = |l: &str| {
        let at = l
            .find("보고서")
            .or_else(|| l.find("write"))
            .or_else(|| l.find("TITLE"))
            .unwrap();
        l[..at].width()
    };
    let first = title_col(rows[0]);
    assert!(rows.iter().all(|l| title_col(l) == first), "aligned");
    assert!(out.contains("김철수-에이전트"));
    // List order: priority, then id (no due dates here).
    let ids: Vec<i64> = rows[1..]
        .iter()
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    let mut want: Vec<(i64, i64)> = (1..=n as i64)
        .filter(|i| i % 9 != 0)
        .map(|i| (i % 4, i))
        .collect();
    want.sort();
    assert_eq!(ids, want.iter().map(|w| w.1).collect::<Vec<_>>());

    let all = env.json(&["tasks", "list", "--json"]);
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), open);
    assert_eq!(all[0]["id"], ids[0]);
    assert_eq!(
        env.json(&["tasks", "list", "--json", "--all"])
            .as_array()
            .unwrap()
            .len(),
        n
    );
    assert_eq!(
        env.json(&["tasks", "list", "--json", "-n", "300"])
            .as_array()
            .unwrap()
            .len(),
        300
    );
    assert_eq!(env.ok(&["tasks", "list", "-n", "300"]).lines().count(), 301);
    let tagged = env.json(&["tasks", "list", "--json", "--tag", "t1"]);
    assert!(
        tagged
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["tags"][0] == "t1")
    );
}
