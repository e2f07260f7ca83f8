//! `job_run(job, params)` over the real `jr mcp` (JSON-RPC on stdin/stdout):
//! the run records the parameters over the job's defaults; an undeclared
//! key is a tool error naming the declared ones, and nothing is queued.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::mpsc::channel;
use std::time::Duration;

use common::Env;
use serde_json::{Value, json};

#[test]
fn job_run_takes_parameters() {
    let env = Env::new();
    env.ok(&[
        "jobs",
        "add",
        "backup",
        "--command",
        "echo $JR_PARAM_TARGET",
        "--param-default",
        "target=local",
        "--param-default",
        "mode=full",
    ]);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("jr"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", env.home())
        .env("JR_DB", env.db())
        .env("JR_CONFIG", env.config_path())
        .arg("mcp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = channel::<Value>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let v: Value = serde_json::from_str(&line).expect("stdout carries JSON only");
            if tx.send(v).is_err() {
                break;
            }
        }
    });
    let mut request = |id: i64, method: &str, params: Value| -> Value {
        let line = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
        loop {
            let v = rx.recv_timeout(Duration::from_secs(20)).expect("a reply");
            if v["id"] == id {
                return v;
            }
        }
    };
    request(
        0,
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {},
               "clientInfo": {"name": "params-test", "version": "1"}}),
    );
    let tools = request(1, "tools/list", json!({}));
    let job_run = tools["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "job_run")
        .cloned()
        .unwrap();
    assert_eq!(
        job_run["inputSchema"]["properties"]["params"]["type"], "object",
        "{job_run}"
    );

    let r = request(
        2,
        "tools/call",
        json!({"name": "job_run", "arguments": {"job": "backup", "params": {"target": "나스"}}}),
    );
    assert_eq!(r["result"]["isError"], false, "{r}");
    let run = &r["result"]["structuredContent"];
    assert_eq!(run["trigger"], "mcp");
    assert_eq!(
        run["params"],
        json!({"target": "나스", "mode": "full"}),
        "{run}"
    );
    let id = run["id"].as_i64().unwrap();
    assert_eq!(env.run_obj(id)["params"]["target"], "나스");

    let r = request(
        3,
        "tools/call",
        json!({"name": "job_run", "arguments": {"job": "backup", "params": {"where": "x"}}}),
    );
    assert_eq!(r["result"]["isError"], true, "{r}");
    let text = r["result"]["content"][0]["text"].as_str().unwrap();
    assert!(
        text.contains("no parameter where; it declares: mode, target"),
        "{text}"
    );
    assert_eq!(env.runs("backup").len(), 1, "the refused run was queued");
    drop(stdin);
    let _ = child.wait();
}
