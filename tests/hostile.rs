//! Issue 13's reproductions, each through the real binary: inputs that used
//! to panic, terminal injection, foreign databases, secrets, bounds, a
//! read-only database, and processes that outlive their run.

mod common;

use std::time::Duration;

use common::Env;
use common::mcp::Mcp;
use serde_json::json;

/// Exit code and both streams; never a panic's 101 or its text.
fn no_panic(env: &Env, args: &[&str]) -> (Option<i32>, String, String) {
    let out = env.run(args);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_ne!(
        out.status.code(),
        Some(101),
        "jr {args:?} panicked: {stderr}"
    );
    assert!(
        !stderr.contains("panicked"),
        "jr {args:?} panicked: {stderr}"
    );
    (out.status.code(), stdout, stderr)
}

#[test]
fn huge_numbers_and_dates_are_errors_not_panics() {
    let env = Env::new();
    env.ok(&["tasks", "add", "x"]);
    let cases: &[&[&str]] = &[
        &["tasks", "add", "x", "--due", "+99999999999d"],
        &["tasks", "add", "x", "--due", "+99999999999w"],
        &["tasks", "add", "x", "--due", "+99999999999h"],
        &["tasks", "add", "x", "--due", "+99999999999m"],
        &["tasks", "add", "x", "--due", "+9999999999999999999999d"],
        &["tasks", "add", "x", "--due", "+999999d"],
        &["tasks", "edit", "1", "--due", "+99999999999d"],
        &["plan", "--hours", "4294967295"],
        &["context", "search", "a", "--since", "99999999999d"],
        &["context", "search", "a", "--since", "9223372036854775807m"],
        &["context", "search", "a", "--since", "-99999999999w"],
        &["cron", "* * * * *", "--from", "+262142-12-31T23:59:59Z"],
        &[
            "jobs",
            "add",
            "big",
            "--command",
            "true",
            "--timeout",
            "99999999999y",
        ],
        &[
            "jobs",
            "add",
            "big2",
            "--command",
            "true",
            "--retries",
            "4294967295",
            "--retry-backoff",
            "18446744073709551615s",
        ],
    ];
    for args in cases {
        let (code, _, stderr) = no_panic(&env, args);
        // Either refused with a clear error, or done.
        assert!(
            code == Some(0) || (matches!(code, Some(1 | 2)) && stderr.starts_with("error: ")),
            "jr {args:?}: {code:?} {stderr}"
        );
    }
    // A refused one says what to do.
    let (_, _, stderr) = no_panic(&env, &["tasks", "add", "x", "--due", "+99999999999d"]);
    assert!(stderr.contains("too far"), "{stderr}");
    let (_, _, stderr) = no_panic(&env, &["plan", "--hours", "4294967295"]);
    assert!(stderr.contains("--hours"), "{stderr}");
}

#[test]
fn huge_numbers_over_mcp_are_tool_errors_not_panics() {
    let env = Env::new();
    env.ok(&["tasks", "add", "x"]);
    let mut m = Mcp::ready(&env);
    let cases = [
        ("task_add", json!({"title": "x", "due": "+99999999999d"})),
        ("task_add", json!({"title": "x", "due": "+99999999999h"})),
        ("task_update", json!({"id": 1, "due": "+99999999999w"})),
        ("plan", json!({"hours": 4294967295u32})),
        ("extract", json!({"query": "a", "since": "99999999999d"})),
        (
            "extract",
            json!({"query": "a", "since": "9223372036854775807m"}),
        ),
    ];
    for (i, (tool, args)) in cases.iter().enumerate() {
        let r = m.call(i as i64 + 1, tool, args.clone());
        let text = r.to_string();
        assert!(!text.contains("panicked"), "{tool} {args}: {text}");
        // plan clamps its hours over MCP (at most two weeks), a `since`
        // before the year 1 means everything; a due date too far is refused.
        if tool.starts_with("task_") {
            assert_eq!(r["isError"], true, "{tool} {args}: {text}");
        }
    }
}

/// What a hostile job prints: clear screen, window title, OSC 52 clipboard,
/// cursor moves, DCS, a cursor-position query, `\r`, C1 CSI/OSC, a bidi
/// override, and a colour.
const HOSTILE: &str = r"printf '\033[2J\033[H\033]0;pwned\007\033]52;c;ZWNobyBwd25lZA==\033\\\033[10;10H\033P+q544e\033\\\033[6n\rover\302\2332J\302\2350;t\007\342\200\256dlrow\033[31mred\033[0m\n'";

/// Bytes a terminal would obey: ESC, C1 controls, CR, BEL, bidi overrides.
fn obeyed(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n' && c != '\t')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

#[test]
fn job_output_never_reaches_the_terminal_raw() {
    let env = Env::new();
    env.ok(&["jobs", "add", "evil", "--command", HOSTILE]);
    // No scheduler runs: `jr run --wait` runs it here and prints its output.
    let out = env.run(&["run", "evil", "--wait"]);
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(obeyed(&printed).is_empty(), "jr run printed {printed:?}");
    assert!(printed.contains("␛[2J"), "{printed}");
    let id = env.runs("evil")[0]["id"].as_i64().unwrap().to_string();
    for args in [
        vec!["runs", "logs", &id],
        vec!["runs", "logs", &id, "--timestamps"],
        vec!["runs", "logs", &id, "--follow"],
        vec!["runs", "logs", &id, "--tail", "5"],
        vec!["runs", "show", &id],
    ] {
        let text = env.ok(&args);
        assert!(obeyed(&text).is_empty(), "jr {args:?} printed {text:?}");
        assert!(text.contains("␛]52;c;"), "jr {args:?}: {text}");
        assert!(text.contains("<U+009B>2J"), "jr {args:?}: {text}");
    }
    // --color keeps the job's colour and nothing else.
    let out = env
        .cmd()
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .args(["runs", "logs", &id, "--color"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.contains("\u{1b}[31mred\u{1b}[0m"), "{text:?}");
    assert!(text.contains("␛[2J"), "{text:?}");
    // --raw: the bytes as recorded, for pipes.
    let raw = env.ok(&["runs", "logs", &id, "--raw"]);
    assert!(
        raw.contains("\u{1b}]52;c;ZWNobyBwd25lZA==\u{1b}\\"),
        "{raw:?}"
    );
    assert!(raw.contains("\u{9b}2J"), "{raw:?}");
    // JSON carries the same data, escaped.
    let v = env.json(&["runs", "show", &id, "--json"]);
    let tail = v["log_tail"].to_string();
    assert!(tail.contains("\\u001b]52"), "{tail}");
    let raw_json = env.ok(&["runs", "show", &id, "--json"]);
    assert!(obeyed(&raw_json).is_empty(), "{raw_json:?}");
}

#[test]
fn titles_and_errors_never_reach_the_terminal_raw() {
    let env = Env::new();
    let title = "\u{1b}]0;pwned\u{7}\u{1b}[2J작업\u{9b}6n\u{202e}txt";
    env.ok(&["tasks", "add", title, "--body", title]);
    for args in [
        vec!["tasks", "list"],
        vec!["tasks", "show", "1"],
        vec!["tasks", "ready"],
        vec!["status"],
        vec!["plan"],
    ] {
        let text = env.ok(&args);
        assert!(obeyed(&text).is_empty(), "jr {args:?} printed {text:?}");
    }
    let text = env.ok(&["tasks", "show", "1"]);
    assert!(text.contains("작업"), "{text}");
    let v = env.json(&["tasks", "show", "1", "--json"]);
    assert_eq!(v["title"], title, "JSON keeps the title as stored");
    // An error naming hostile text shows it, not obeys it.
    let err = env.fails(&["run", "\u{1b}]52;c;eA==\u{7}"], 1);
    assert!(obeyed(&err).is_empty(), "{err:?}");
}

fn file_bytes(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn a_foreign_database_is_refused_untouched() {
    let env = Env::new();
    let other = env.home().join("other.db");
    {
        let c = rusqlite::Connection::open(&other).unwrap();
        c.execute_batch("CREATE TABLE tasks (id INTEGER PRIMARY KEY, what TEXT); INSERT INTO tasks (what) VALUES ('mine');")
            .unwrap();
    }
    let before = file_bytes(&other);
    let out = env
        .cmd()
        .args(["--db", other.to_str().unwrap(), "tasks", "list"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("not jr's") && err.contains("1 table (tasks)"),
        "{err}"
    );
    assert!(err.contains("nothing was changed"), "{err}");
    assert!(err.len() < 600, "a short error, not migration SQL: {err}");
    assert_eq!(file_bytes(&other), before, "the file was changed");
    assert!(!env.home().join("other.db-wal").exists());

    // Not SQLite at all: says what it looks like.
    let notes = env.home().join("notes.txt");
    std::fs::write(&notes, "hello, these are my notes\n".repeat(10)).unwrap();
    let out = env
        .cmd()
        .args(["--db", notes.to_str().unwrap(), "status"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("not an SQLite database: 260 bytes of text starting \"hello"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&notes).unwrap(),
        "hello, these are my notes\n".repeat(10)
    );
}

#[test]
fn jr_databases_are_marked_and_old_ones_still_open() {
    let env = Env::new();
    env.ok(&["tasks", "add", "before the mark"]);
    let app_id = |p: &std::path::Path| -> i32 {
        rusqlite::Connection::open(p)
            .unwrap()
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .unwrap()
    };
    assert_eq!(app_id(&env.db()), 0x6a72_6462, "a new database is marked");
    // A database from before the mark: jr's schema, application_id 0.
    {
        let c = rusqlite::Connection::open(env.db()).unwrap();
        c.pragma_update(None, "application_id", 0).unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    }
    assert_eq!(app_id(&env.db()), 0);
    let text = env.ok(&["tasks", "list"]);
    assert!(text.contains("before the mark"), "{text}");
    assert_eq!(
        app_id(&env.db()),
        0x6a72_6462,
        "an old jr database gets the mark"
    );
}

/// jr processes started together on a database that does not exist yet (a
/// watcher and a `jr context stats` beside it, in CI): each one waits for the
/// one creating it and goes on, none says "database is locked". Before the
/// fix about 1 process in 50 failed here.
#[test]
fn processes_opening_a_new_database_together_all_succeed() {
    let env = Env::new();
    for round in 0..30 {
        let db = env.home().join(format!("together-{round}.db"));
        let children: Vec<_> = (0..6)
            .map(|_| {
                env.jr_std()
                    .env("JR_DB", &db)
                    .args(["tasks", "list", "--json"])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { nix::libc::geteuid() == 0 }
}

/// `jr` as a user who may not write what the test made read-only: as root
/// (who may write anything) the command runs as `nobody`.
fn restricted(env: &Env) -> assert_cmd::Command {
    use std::os::unix::fs::PermissionsExt;
    let mut c = env.cmd();
    if is_root() {
        std::fs::set_permissions(env.home(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut std_cmd = env.jr_std();
        use std::os::unix::process::CommandExt;
        std_cmd.uid(65534).gid(65534).env("NO_COLOR", "1");
        c = assert_cmd::Command::from_std(std_cmd);
    }
    c
}

#[test]
fn a_read_only_database_stops_the_daemon_with_the_reason() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    env.ok(&["tasks", "add", "x"]);
    std::fs::set_permissions(env.db(), std::fs::Permissions::from_mode(0o444)).unwrap();
    if !is_root() {
        std::fs::set_permissions(env.home(), std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    let start = std::time::Instant::now();
    let out = restricted(&env)
        .arg("daemon")
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    std::fs::set_permissions(env.home(), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(start.elapsed() < Duration::from_secs(10));
    assert!(err.contains("read-only"), "{err}");
    assert!(err.contains("not writable"), "{err}");
    assert!(!err.contains("is it a jr database"), "{err}");
}

#[test]
fn a_read_only_folder_gets_the_right_hint() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    env.ok(&["tasks", "add", "x"]);
    std::fs::set_permissions(env.db(), std::fs::Permissions::from_mode(0o666)).unwrap();
    if !is_root() {
        std::fs::set_permissions(env.home(), std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    let out = restricted(&env).args(["tasks", "list"]).output().unwrap();
    std::fs::set_permissions(env.home(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("is read-only: jr writes the database's -wal"),
        "{err}"
    );
    assert!(!err.contains("is it a jr database"), "{err}");
}

/// Every text column of the tables people and models write, as stored.
fn stored_text(env: &Env) -> String {
    let c = rusqlite::Connection::open(env.db()).unwrap();
    let mut all = String::new();
    for q in [
        "SELECT title || ' ' || body FROM tasks",
        "SELECT coalesce(old, '') || ' ' || coalesce(new, '') FROM task_events",
        "SELECT prompt || ' ' || coalesce(output, '') || ' ' || coalesce(error, '') FROM agent_runs",
        "SELECT coalesce(error, '') || ' ' || coalesce(result, '') FROM runs",
    ] {
        let mut st = c.prepare(q).unwrap();
        for r in st.query_map([], |r| r.get::<_, String>(0)).unwrap() {
            all.push_str(&r.unwrap());
            all.push('\n');
        }
    }
    all
}

const KEY: &str = "sk-proj-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1";

#[test]
fn secrets_are_not_stored_in_tasks_history_or_agent_runs() {
    let env = Env::new();
    env.ok(&[
        "tasks",
        "add",
        &format!("rotate {KEY}"),
        "--body",
        "db password=hunter2, token github_pat_11ABCDEF",
    ]);
    env.ok(&[
        "tasks",
        "edit",
        "1",
        "--title",
        &format!("rotate {KEY} today"),
    ]);
    env.ok(&["agents", "add", "helper", "--model", "ollama/nothing:1b"]);
    // Ollama is not there: the run fails, and is recorded.
    let _ = env
        .cmd()
        .env("JR_OLLAMA_URL", "http://127.0.0.1:9")
        .args([
            "agents",
            "run",
            "helper",
            &format!("use {KEY} and password: pw1"),
        ])
        .output()
        .unwrap();
    let stored = stored_text(&env);
    for secret in [KEY, "Zx9Yw8", "hunter2", "github_pat_11", "pw1"] {
        assert!(!stored.contains(secret), "{secret} stored in:\n{stored}");
    }
    assert!(stored.contains("[REDACTED:api-key]"), "{stored}");
    assert!(
        stored.contains("use [REDACTED:api-key]"),
        "agent prompt: {stored}"
    );
}

#[test]
fn a_key_where_a_variable_name_belongs_is_refused_unechoed() {
    let env = Env::new();
    env.config(&format!(
        "[[llm.providers]]\nname = \"groq\"\nbase_url = \"https://api.groq.com/openai/v1\"\napi_key_env = \"{KEY}\"\n"
    ));
    let err = env.fails(&["status"], 3);
    assert!(!err.contains("Zx9Yw8"), "{err}");
    assert!(err.contains("api_key_env") && err.contains("NAME"), "{err}");
    env.config(&format!(
        "[dagster.instances.cloud]\nurl = \"https://x.dagster.cloud/prod\"\nheaders = {{ \"Dagster-Cloud-Api-Token\" = \"user:{KEY}\" }}\n"
    ));
    let err = env.fails(&["status"], 3);
    assert!(!err.contains("Zx9Yw8"), "{err}");
    assert!(err.contains("Dagster-Cloud-Api-Token"), "{err}");
}

#[test]
fn log_files_and_folders_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let log = env.home().join("logs/jr/daemon.log");
    env.config(&format!("[daemon]\nlog_file = \"{}\"\n", log.display()));
    let mut d = env.daemon();
    d.signal(nix::sys::signal::Signal::SIGTERM);
    d.wait_exit(20);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&log), 0o600);
    assert_eq!(mode(&env.home().join("logs/jr")), 0o700);
    // The default data folder too.
    let out = env
        .cmd()
        .env_remove("JR_DB")
        .args(["tasks", "add", "x"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(mode(&env.home().join(".local/share/jr")), 0o700);
    assert_eq!(mode(&env.home().join(".local/share/jr/jr.db")), 0o600);
}

#[test]
fn settings_and_sizes_have_bounds() {
    let env = Env::new();
    for (text, key) in [
        ("[scheduler]\nlease_ttl = \"0s\"\n", "scheduler.lease_ttl"),
        (
            "[scheduler]\nlease_ttl = \"100000h\"\n",
            "scheduler.lease_ttl",
        ),
        ("[runs]\noutput_cap = 0\n", "runs.output_cap"),
        ("[runs]\noutput_cap = 99999999999\n", "runs.output_cap"),
        ("[runs]\nkeep_per_job = 0\n", "runs.keep_per_job"),
        (
            "[scheduler]\nconcurrency = 100000\n",
            "scheduler.concurrency",
        ),
    ] {
        env.config(text);
        let err = env.fails(&["status"], 3);
        assert!(
            err.contains(key) && err.contains("out of bounds"),
            "{text}: {err}"
        );
    }
    env.config("");
    // Titles: a clear error from the CLI and over MCP, nothing stored.
    let long = "가".repeat(501);
    let err = env.fails(&["tasks", "add", &long], 1);
    assert!(err.contains("at most 500 characters"), "{err}");
    env.ok(&["tasks", "add", &"가".repeat(500)]);
    let mut m = Mcp::ready(&env);
    let r = m.call(1, "task_add", json!({"title": "x".repeat(3 << 20)}));
    assert_eq!(r["isError"], true, "{r}");
    assert!(r.to_string().contains("at most 500 characters"));
    let r = m.call(2, "task_update", json!({"id": 1, "title": "y".repeat(600)}));
    assert_eq!(r["isError"], true, "{r}");
    drop(m);
    assert_eq!(
        env.json(&["tasks", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // jr cron -n: bounded, refused with the bound.
    let out = env.run(&["cron", "* * * * *", "-n", "100000000"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("1..=1000"));
    assert!(out.stdout.len() < 1000);
}

/// Live (not zombie) processes whose command line is exactly `args`.
fn alive_with_cmdline(args: &[&str]) -> Vec<i32> {
    let want: Vec<u8> = args
        .iter()
        .flat_map(|a| [a.as_bytes(), b"\0"].concat())
        .collect();
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        if cmd == want && !stat.contains(") Z") {
            found.push(pid);
        }
    }
    found
}

fn gone_within(env: &Env, secs: u64, args: &[&str]) {
    env.wait_until(&format!("{args:?} to be gone"), secs, || {
        alive_with_cmdline(args).is_empty().then_some(())
    });
}

#[test]
fn processes_that_leave_the_group_end_with_the_run() {
    let env = Env::new();
    // Ends at once, leaving a detached child: the run is over, and so is it.
    env.ok(&[
        "jobs",
        "add",
        "detach",
        "--command",
        "setsid sleep 37.1 & echo started",
    ]);
    let start = std::time::Instant::now();
    let out = env.run(&["run", "detach", "--wait"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    gone_within(&env, 3, &["sleep", "37.1"]);

    // A timeout kills the detached child too, and the run ends `timeout`.
    env.ok(&[
        "jobs",
        "add",
        "stuck",
        "--timeout",
        "2s",
        "--command",
        "setsid sleep 37.2 & sleep 30",
    ]);
    let out = env.run(&["run", "stuck", "--wait"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(env.runs("stuck")[0]["status"], "timeout");
    gone_within(&env, 5, &["sleep", "37.2"]);
}

#[test]
fn sigterm_and_lost_cleanup_reach_detached_processes() {
    let env = Env::new();
    env.config("[scheduler]\nlease_ttl = \"3s\"\nshutdown_grace = \"1s\"\n");
    env.ok(&[
        "jobs",
        "add",
        "long",
        "--command",
        "setsid sleep 37.3 & sleep 30",
    ]);
    let mut d = env.daemon();
    env.ok(&["run", "long"]);
    env.wait_until("the detached sleep", 10, || {
        (!alive_with_cmdline(&["sleep", "37.3"]).is_empty()).then_some(())
    });
    d.signal(nix::sys::signal::Signal::SIGTERM);
    d.wait_exit(20);
    gone_within(&env, 5, &["sleep", "37.3"]);
    assert_eq!(env.runs("long")[0]["status"], "interrupted");

    // kill -9 of the daemon: the next one marks the run lost and ends its tree.
    env.ok(&[
        "jobs",
        "add",
        "long2",
        "--command",
        "setsid sleep 37.4 & sleep 30",
    ]);
    let d = env.daemon();
    env.ok(&["run", "long2"]);
    env.wait_until("the detached sleep", 10, || {
        (!alive_with_cmdline(&["sleep", "37.4"]).is_empty()).then_some(())
    });
    d.signal(nix::sys::signal::Signal::SIGKILL);
    drop(d);
    let _d2 = env.daemon();
    env.wait_until("the run to be lost", 20, || {
        (env.runs("long2")[0]["status"] == "lost").then_some(())
    });
    gone_within(&env, 8, &["sleep", "37.4"]);
}

#[test]
fn a_noisy_job_is_captured_fast_within_the_cap_in_stored_bytes() {
    let env = Env::new();
    // 40 MB of one-byte lines (20 million lines).
    let cmd = "yes a | head -c 40000000";
    env.ok(&["jobs", "add", "noisy", "--command", cmd]);
    let t = std::time::Instant::now();
    let st = std::process::Command::new("sh")
        .args(["-c", &format!("{cmd} > /dev/null")])
        .status()
        .unwrap();
    assert!(st.success());
    let alone = t.elapsed();
    let t = std::time::Instant::now();
    let out = env.run(&["run", "noisy", "--wait", "--json"]);
    let inside = t.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Generous for a debug build on a shared machine; bench/torture.py
    // measures the release build against the 2x target.
    assert!(
        inside < alone * 4 + Duration::from_secs(8),
        "{inside:?} in jr, {alone:?} alone"
    );
    let c = rusqlite::Connection::open(env.db()).unwrap();
    let (rows, text): (i64, i64) = c
        .query_row(
            "SELECT count(*), coalesce(sum(length(CAST(line AS BLOB))), 0) FROM run_output",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let stored = text + rows * 32;
    assert!(
        stored <= 1024 * 1024 + 4096,
        "stored {stored} bytes in {rows} lines under a 1 MiB cap"
    );
    assert!(rows > 20_000, "{rows}");
    let run = &env.runs("noisy")[0];
    assert_eq!(run["output_bytes"], 40_000_000, "{run}");
    assert!(run["output_cut"].as_i64().unwrap() > 38_000_000, "{run}");
}

/// Names of the daemon's threads.
fn threads(pid: i32) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    dir.filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .map(|c| c.trim().to_string())
        .collect()
}

#[test]
fn a_fast_job_is_read_on_a_thread_of_its_own_that_ends_with_it() {
    let env = Env::new();
    env.ok(&["jobs", "add", "quiet", "--command", "echo hi; sleep 2"]);
    env.ok(&[
        "jobs",
        "add",
        "fast",
        "--command",
        "yes abc | head -c 20000000; echo FAST-END; sleep 2",
    ]);
    let d = env.daemon();
    let readers = || {
        threads(d.pid())
            .into_iter()
            .filter(|t| t == "jr-out" || t == "jr-err")
            .count()
    };
    // A quiet job (most jobs, a burst of `true`) costs no thread.
    env.ok(&["run", "quiet"]);
    env.wait_until("the quiet job's line", 20, || {
        env.ok(&["runs", "logs", "1"]).contains("hi").then_some(())
    });
    assert_eq!(readers(), 0, "{:?}", threads(d.pid()));
    env.wait_until("the quiet run's end", 20, || {
        (env.runs("quiet")[0]["status"] == "success").then_some(())
    });
    // A fast one gets a reader thread while its pipe is open, and only then.
    env.ok(&["run", "fast"]);
    env.wait_until("a reader thread", 20, || (readers() == 1).then_some(()));
    env.wait_until("the fast run's end", 30, || {
        (env.runs("fast")[0]["status"] == "success").then_some(())
    });
    env.wait_until("the reader thread's end", 5, || {
        (readers() == 0).then_some(())
    });
    let run = &env.runs("fast")[0];
    assert_eq!(run["output_bytes"], 20_000_000 + 9, "{run}");
    let logs = env.ok(&["runs", "logs", "2"]);
    assert!(
        logs.trim_end().ends_with("abc\nFAST-END"),
        "{}",
        &logs[logs.len() - 100..]
    );
}

#[test]
fn detached_processes_that_end_early_are_not_left_as_zombies() {
    let env = Env::new();
    env.config("[scheduler]\nlease_ttl = \"3s\"\n");
    env.ok(&[
        "jobs",
        "add",
        "early",
        "--command",
        "setsid sh -c 'exit 0' & sleep 0.5",
    ]);
    let d = env.daemon();
    for _ in 0..3 {
        let id = env.json(&["run", "early", "--json"])["id"]
            .as_i64()
            .unwrap();
        env.wait_until("the run to end", 20, || {
            (env.run_obj(id)["status"] == "success").then_some(())
        });
    }
    // One more run ends the sweep of what the last one left.
    let id = env.json(&["run", "early", "--json"])["id"]
        .as_i64()
        .unwrap();
    env.wait_until("the run to end", 20, || {
        (env.run_obj(id)["status"] == "success").then_some(())
    });
    let zombies = env.wait_until("no more than one zombie", 5, || {
        let z: Vec<String> = std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
            .filter(|st| {
                let rest = &st[st.rfind(')').unwrap() + 2..];
                let f: Vec<&str> = rest.split(' ').collect();
                f[0] == "Z" && f[1] == d.pid().to_string()
            })
            .collect();
        (z.len() <= 1).then_some(z)
    });
    assert!(zombies.len() <= 1, "{zombies:?}");
}

#[test]
fn cancel_and_timeout_under_the_daemon_reach_detached_processes() {
    let env = Env::new();
    env.config("[scheduler]\nlease_ttl = \"3s\"\n");
    env.ok(&[
        "jobs",
        "add",
        "cancelme",
        "--command",
        "setsid sleep 37.5 & sleep 30",
    ]);
    env.ok(&[
        "jobs",
        "add",
        "slowpoke",
        "--timeout",
        "2s",
        "--command",
        "setsid sleep 37.6 & sleep 30",
    ]);
    let _d = env.daemon();
    // `jr runs cancel`: the run ends `cancelled`, and its detached child with it.
    let id = env.json(&["run", "cancelme", "--json"])["id"]
        .as_i64()
        .unwrap();
    env.wait_until("the detached sleep", 10, || {
        (!alive_with_cmdline(&["sleep", "37.5"]).is_empty()).then_some(())
    });
    env.ok(&["runs", "cancel", &id.to_string()]);
    env.wait_until("the run to be cancelled", 15, || {
        (env.run_obj(id)["status"] == "cancelled").then_some(())
    });
    gone_within(&env, 5, &["sleep", "37.5"]);
    // A timeout under the daemon (the foreground one is tested above).
    let id = env.json(&["run", "slowpoke", "--json"])["id"]
        .as_i64()
        .unwrap();
    env.wait_until("the run to time out", 20, || {
        (env.run_obj(id)["status"] == "timeout").then_some(())
    });
    gone_within(&env, 5, &["sleep", "37.6"]);
}

/// The cgroup2 folder this test process is in, if cgroups can be made there
/// (root, or a delegated subtree); None elsewhere (the fallback is then what
/// every other test of this file exercises).
fn writable_cgroup() -> Option<std::path::PathBuf> {
    let info = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let mount = info.lines().find_map(|l| {
        let (pre, post) = l.split_once(" - ")?;
        (post.split(' ').next()? == "cgroup2").then(|| pre.split(' ').nth(4).map(String::from))?
    })?;
    let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let rel = own
        .lines()
        .find_map(|l| l.strip_prefix("0::"))?
        .trim()
        .to_string();
    let dir = std::path::Path::new(&mount).join(rel.trim_start_matches('/'));
    let probe = dir.join(format!("jr-probe-{}", std::process::id()));
    std::fs::create_dir(&probe).ok()?;
    let kill = probe.join("cgroup.kill").exists();
    std::fs::remove_dir(&probe).ok()?;
    kill.then_some(dir)
}

/// The cgroup of run `id` of the jr process `pid`, if there is one.
fn run_cgroup(own: &std::path::Path, pid: i32, id: i64) -> Option<std::path::PathBuf> {
    std::fs::read_dir(own.join(format!("jr-{pid}")))
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("run-{id}-")))
        })
}

/// A daemon-like child: double-forked, in a session of its own, with an
/// empty environment and its streams closed. Neither its group, its
/// environment nor its parent (jr, the subreaper) ties it to its run; only
/// the run's cgroup does.
fn daemonlike(tag: &str) -> String {
    format!("env -i setsid sh -c 'sleep {tag} </dev/null >/dev/null 2>&1 &'")
}

#[test]
fn a_cgroup_per_run_ends_detached_and_double_forked_children() {
    let Some(own) = writable_cgroup() else {
        eprintln!("no writable cgroup2 here: only the fallback is tested");
        return;
    };
    let env = Env::new();
    env.config("[scheduler]\nlease_ttl = \"3s\"\n");
    let cmd = |a: &str, b: &str| format!("{}; setsid sleep {b} & sleep 30", daemonlike(a));
    env.ok(&[
        "jobs",
        "add",
        "t",
        "--timeout",
        "3s",
        "--command",
        &cmd("38.1", "38.2"),
    ]);
    env.ok(&["jobs", "add", "c", "--command", &cmd("38.3", "38.4")]);
    env.ok(&[
        "jobs",
        "add",
        "e",
        "--command",
        &format!("{}; echo done", daemonlike("38.5")),
    ]);
    let d = env.daemon();

    // Timeout: the run's cgroup holds both escapees, and they end with it.
    let id = env.json(&["run", "t", "--json"])["id"].as_i64().unwrap();
    let (a, b) = env.wait_until("both detached sleeps", 10, || {
        let a = alive_with_cmdline(&["sleep", "38.1"]);
        let b = alive_with_cmdline(&["sleep", "38.2"]);
        (!a.is_empty() && !b.is_empty()).then(|| (a[0], b[0]))
    });
    let cg = run_cgroup(&own, d.pid(), id).expect("the run has a cgroup");
    let procs = std::fs::read_to_string(cg.join("cgroup.procs")).unwrap();
    for p in [a, b] {
        assert!(
            procs.split_whitespace().any(|x| x == p.to_string()),
            "{p} not in {procs}"
        );
    }
    env.wait_until("the run to time out", 20, || {
        (env.run_obj(id)["status"] == "timeout").then_some(())
    });
    gone_within(&env, 5, &["sleep", "38.1"]);
    gone_within(&env, 5, &["sleep", "38.2"]);
    env.wait_until("the cgroup to be removed", 5, || {
        (!cg.exists()).then_some(())
    });

    // Cancel.
    let id = env.json(&["run", "c", "--json"])["id"].as_i64().unwrap();
    env.wait_until("the detached sleeps", 10, || {
        (!alive_with_cmdline(&["sleep", "38.3"]).is_empty()
            && !alive_with_cmdline(&["sleep", "38.4"]).is_empty())
        .then_some(())
    });
    env.ok(&["runs", "cancel", &id.to_string()]);
    env.wait_until("the run to be cancelled", 15, || {
        (env.run_obj(id)["status"] == "cancelled").then_some(())
    });
    gone_within(&env, 5, &["sleep", "38.3"]);
    gone_within(&env, 5, &["sleep", "38.4"]);

    // A run that ends on its own: what it left running goes too.
    let id = env.json(&["run", "e", "--json"])["id"].as_i64().unwrap();
    env.wait_until("the run to end", 20, || {
        (env.run_obj(id)["status"] == "success").then_some(())
    });
    gone_within(&env, 5, &["sleep", "38.5"]);
    env.wait_until("no run cgroup left", 5, || {
        let n = std::fs::read_dir(own.join(format!("jr-{}", d.pid())))
            .map(|r| r.flatten().filter(|e| e.path().is_dir()).count())
            .unwrap_or(0);
        (n == 0).then_some(())
    });
}

#[test]
fn with_cgroups_off_the_process_tree_still_ends_detached_children() {
    let own = writable_cgroup();
    let env = Env::new();
    env.config("[scheduler]\nlease_ttl = \"3s\"\ncgroups = false\n");
    env.ok(&[
        "jobs",
        "add",
        "slow",
        "--timeout",
        "2s",
        "--command",
        "setsid sleep 38.6 & sleep 30",
    ]);
    let d = env.daemon();
    let id = env.json(&["run", "slow", "--json"])["id"].as_i64().unwrap();
    env.wait_until("the detached sleep", 10, || {
        (!alive_with_cmdline(&["sleep", "38.6"]).is_empty()).then_some(())
    });
    if let Some(own) = &own {
        assert!(
            run_cgroup(own, d.pid(), id).is_none() && !own.join(format!("jr-{}", d.pid())).exists(),
            "cgroups = false made a cgroup"
        );
    }
    env.wait_until("the run to time out", 20, || {
        (env.run_obj(id)["status"] == "timeout").then_some(())
    });
    gone_within(&env, 5, &["sleep", "38.6"]);
}

/// Where the kernel cannot start a shell in its cgroup (here forced with
/// `JR_CLONE3=0`: an older kernel, a seccomp filter, not x86-64), the shell
/// moves itself in as its first command: it and its child are in the run's
/// cgroup all the same, and the command's output is unchanged.
#[test]
fn without_clone3_the_shell_joins_its_cgroup_itself() {
    let Some(_) = writable_cgroup() else {
        return;
    };
    let env = Env::new();
    let (_d, _, out) = run_where(&env, &[("JR_CLONE3", "0")], "true");
    assert!(
        out.contains("/cgroup.procs'"),
        "the join before the command: {out}"
    );
}

/// Add and run the job `where`: it prints its shell's cgroup, a child's,
/// the shell's argv (`argv: …`), then runs `then`. Run under a daemon
/// with `vars`, it must succeed with the shell and its child in the run's
/// cgroup, and no word of a failed join. The daemon, the run's id and log.
fn run_where(env: &Env, vars: &[(&str, &str)], then: &str) -> (common::Daemon, i64, String) {
    env.config("[scheduler]\nlease_ttl = \"3s\"\nconcurrency = 4\n");
    let command = format!(
        "cat /proc/$$/cgroup; sh -c 'cat /proc/$$/cgroup'; \
         echo \"argv: $(tr '\\0' ' ' </proc/$$/cmdline)\"; {then}"
    );
    env.ok(&["jobs", "add", "where", "--command", &command]);
    let d = env.daemon_with(vars);
    let id = env.json(&["run", "where", "--json"])["id"]
        .as_i64()
        .unwrap();
    env.wait_until("the run to end", 20, || {
        (env.run_obj(id)["status"] == "success").then_some(())
    });
    let out = env.ok(&["runs", "logs", &id.to_string()]);
    let want = format!("/jr-{}/run-{id}-", d.pid());
    assert_eq!(
        out.lines()
            .filter(|l| l.contains(&want) && !l.starts_with("argv:"))
            .count(),
        2,
        "the shell and its child in {want}: {out}"
    );
    assert!(
        !out.lines().any(|l| l.starts_with("[jr] could not join")),
        "{out}"
    );
    (d, id, out)
}

/// The shell is born in its run's cgroup (spawn.rs): the shell and what it
/// starts are in `jr-<pid>/run-<id>-*` from the start, stdin is
/// still /dev/null, and a burst of runs leaves no run cgroup behind while
/// jr's own folder stays until it stops.
#[test]
fn a_runs_shell_is_in_its_cgroup_from_its_first_command() {
    let Some(own) = writable_cgroup() else {
        eprintln!("no writable cgroup2 here: only the fallback is tested");
        return;
    };
    let env = Env::new();
    env.ok(&["jobs", "add", "quick", "--command", "true"]);
    let (mut d, id, out) = run_where(
        &env,
        &[],
        "ls -l /proc/$$/fd/0; yes | head -1; echo \"home=$HOME run=$JR_RUN_ID\"",
    );
    assert!(out.contains("/dev/null"), "stdin is /dev/null: {out}");
    // Born in its cgroup (spawn.rs): the shell runs the command as given,
    // with nothing put before it to move itself; unless this kernel refused
    // the clone (then the daemon said so, and the shell joined it itself).
    if cfg!(target_arch = "x86_64") && !d.log_text().contains("clone3 into a cgroup refused") {
        assert!(out.contains("argv: sh -c cat /proc/$$/cgroup;"), "{out}");
    }
    // SIGPIPE is back to its default: `yes` ends when `head` does.
    assert!(out.lines().any(|l| l == "y"), "{out}");
    // jr's own environment under the run's variables.
    let home = format!("home={} run={id}", env.home().display());
    assert!(out.contains(&home), "{home} in {out}");

    let ids: Vec<i64> = (0..20)
        .map(|_| {
            env.json(&["run", "quick", "--json"])["id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    env.wait_until("the runs to end", 30, || {
        ids.iter()
            .all(|i| env.run_obj(*i)["status"] == "success")
            .then_some(())
    });
    let folder = own.join(format!("jr-{}", d.pid()));
    env.wait_until("no run cgroup left", 5, || {
        let n = std::fs::read_dir(&folder)
            .map(|r| r.flatten().filter(|e| e.path().is_dir()).count())
            .unwrap_or(0);
        (n == 0).then_some(())
    });
    assert!(folder.is_dir(), "jr's folder stays while it runs");
    d.signal(nix::sys::signal::Signal::SIGTERM);
    assert!(d.wait_exit(30).success(), "{}", d.log_text());
    assert!(!folder.exists(), "jr's folder goes when it stops");
}
