//! Issue 13's reproductions, each through the real binary: inputs that used
//! to panic, terminal injection, foreign databases, secrets, bounds, a
//! read-only database, and processes that outlive their run.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use common::Env;
use serde_json::{Value, json};

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

/// A small JSON-RPC client for `jr mcp`.
pub struct Mcp {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl Mcp {
    pub fn start(env: &Env) -> Mcp {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("jr"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", env.home())
            .env("JR_DB", env.db())
            .env("JR_CONFIG", env.config_path())
            .env("TZ", "Asia/Seoul")
            .arg("mcp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut m = Mcp {
            stdin: child.stdin.take(),
            child,
            lines: rx,
        };
        m.request(
            0,
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "hostile", "version": "1"}}),
        );
        m.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
        m
    }

    fn send(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(text.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    pub fn request(&mut self, id: i64, method: &str, params: Value) -> Value {
        self.send(
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string(),
        );
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(20))
                .expect("jr mcp answers");
            let v: Value = serde_json::from_str(&line).expect("JSON on stdout");
            if v["id"] == id {
                return v;
            }
        }
    }

    /// A tool call's result (`isError` true or false).
    pub fn call(&mut self, id: i64, tool: &str, args: Value) -> Value {
        let r = self.request(id, "tools/call", json!({"name": tool, "arguments": args}));
        r["result"].clone()
    }
}

impl Drop for Mcp {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn huge_numbers_over_mcp_are_tool_errors_not_panics() {
    let env = Env::new();
    env.ok(&["tasks", "add", "x"]);
    let mut m = Mcp::start(&env);
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
