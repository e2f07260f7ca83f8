//! The MCP contract: start the real `jr mcp`, speak JSON-RPC over its stdin
//! and stdout (initialize, tools/list, every tool, malformed input), check
//! that every stdout line is JSON, and round-trip with the CLI.

mod common;
mod fake_llm;

use common::Env;
use common::mcp::Mcp;
use serde_json::{Value, json};

/// The default groups (tasks, jobs, runs, context) and status, plan.
const TOOLS: [&str; 25] = [
    "channels_list",
    "context_stats",
    "conversation_log",
    "extract",
    "job_add",
    "job_edit",
    "job_pause",
    "job_remove",
    "job_resume",
    "job_run",
    "jobs_list",
    "message_get",
    "plan",
    "run_get",
    "runs_list",
    "session_get",
    "sessions_list",
    "status",
    "task_add",
    "task_assign",
    "task_get",
    "task_split",
    "task_update",
    "tasks_list",
    "tasks_ready",
];

#[test]
fn the_contract_every_tool_and_malformed_input() {
    let env = Env::new();
    env.ok(&[
        "jobs",
        "add",
        "hello",
        "--command",
        "echo 안녕 from the job",
    ]);
    let run_id = env.json(&["run", "hello", "--json"])["id"]
        .as_i64()
        .unwrap();

    let mut m = Mcp::start(&env);
    let init = m.initialize();
    assert_eq!(init["result"]["serverInfo"]["name"], "jr");
    assert!(init["result"]["capabilities"]["tools"].is_object());

    let list = m.request(1, "tools/list", json!({}));
    let tools = list["result"]["tools"].as_array().unwrap();
    let mut names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names, TOOLS);
    for t in tools {
        let name = &t["name"];
        assert!(t["description"].as_str().unwrap().len() > 20, "{name}");
        let read_only = t["annotations"]["readOnlyHint"].as_bool();
        assert!(read_only.is_some(), "{name} has no read-only annotation");
        if read_only == Some(false) {
            // Destructive: they overwrite or delete what the user made.
            let want = ["job_edit", "job_remove"].contains(&name.as_str().unwrap());
            assert_eq!(t["annotations"]["destructiveHint"], want, "{name}");
        }
        let schema = t["inputSchema"].to_string();
        assert!(
            !schema.contains("$defs") && !schema.contains("$ref"),
            "{name} is not flat: {schema}"
        );
    }
    // The token budget (3,000 cl100k tokens) is checked with the real
    // tokenizer in tests/mcp_sdk.rs; this JSON runs about 4.3 characters a token.
    let chars = list["result"].to_string().chars().count();
    assert!(chars < 13_000, "the tool list is {chars} characters");
    // The parameter names follow the CLI.
    let props = |tool: &str| -> Vec<String> {
        let t = tools.iter().find(|t| t["name"] == tool).unwrap();
        t["inputSchema"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    for (tool, want) in [
        (
            "task_add",
            vec!["body", "due", "parent", "priority", "tags", "title"],
        ),
        (
            "task_update",
            vec![
                "body", "claim_as", "due", "force", "id", "priority", "release", "status", "title",
            ],
        ),
        (
            "conversation_log",
            vec![
                "channel",
                "client",
                "content",
                "message_id",
                "role",
                "session",
            ],
        ),
        (
            "extract",
            vec!["channel", "client", "limit", "query", "since"],
        ),
        ("job_run", vec!["job", "params"]),
        ("run_get", vec!["id", "tail"]),
    ] {
        let mut got = props(tool);
        got.sort();
        assert_eq!(got, want, "{tool}");
    }

    // Every tool, called.
    let added = m.ok(10, "task_add", json!({"title": "스케줄러 버그 고치기", "priority": "p1", "tags": ["infra"], "due": "tomorrow"}));
    let id = added["id"].as_i64().unwrap();
    assert_eq!(added["source"], "mcp");
    assert_eq!(added["tags"], json!(["infra"]));
    let ready = m.ok(11, "tasks_ready", json!({"as": "claude"}));
    assert_eq!(ready["tasks"][0]["id"], id);
    let t = m.ok(
        12,
        "task_update",
        json!({"id": id, "claim_as": "claude", "status": "in_progress"}),
    );
    assert_eq!(
        (t["status"].as_str(), t["claimed_by"].as_str()),
        (Some("in_progress"), Some("claude"))
    );
    let t = m.ok(
        13,
        "task_update",
        json!({"id": id, "status": "review", "body": "PR #12", "release": true}),
    );
    assert_eq!(
        (t["status"].as_str(), t["body"].as_str()),
        (Some("review"), Some("PR #12"))
    );
    assert_eq!(t["claimed_by"], Value::Null);
    let kids = m.ok(
        14,
        "task_split",
        json!({"id": id, "titles": ["테스트 추가", "docs"]}),
    );
    assert_eq!(kids["tasks"].as_array().unwrap().len(), 2);
    let got = m.ok(15, "task_get", json!({"id": id}));
    assert_eq!(got["subtasks"].as_array().unwrap().len(), 2);
    assert!(
        got["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["source"] == "mcp")
    );
    let listed = m.ok(16, "tasks_list", json!({"status": "pending"}));
    assert_eq!(listed["tasks"].as_array().unwrap().len(), 2);
    let st = m.ok(17, "status", json!({}));
    assert_eq!(st["tasks"]["review"], 1);
    let plan = m.ok(18, "plan", json!({"hours": 12}));
    assert_eq!(plan["hours"], 12);
    let jobs = m.ok(19, "jobs_list", json!({}));
    assert_eq!(jobs["jobs"][0]["name"], "hello");
    let runs = m.ok(20, "runs_list", json!({"job": "hello"}));
    assert_eq!(runs["runs"][0]["id"], run_id);
    let run = m.ok(21, "run_get", json!({"id": run_id}));
    assert_eq!(run["status"], "success");
    assert_eq!(run["log_tail"], json!(["안녕 from the job"]));
    let queued = m.ok(22, "job_run", json!({"job": "hello"}));
    assert_eq!(
        (queued["status"].as_str(), queued["trigger"].as_str()),
        (Some("queued"), Some("mcp"))
    );
    assert_eq!(queued["scheduler_running"], false);
    let logged = m.ok(23, "conversation_log", json!({"channel": "cursor-jr", "session": "s1",
        "client": "cursor", "role": "user", "content": "스케줄러에서 DST 버그, token=9f86d081884c7d659a2feaa0c55ad015"}));
    assert_eq!(
        (logged["duplicate"].as_bool(), logged["redactions"].as_u64()),
        (Some(false), Some(1))
    );
    // The same call twice stores one row, and says why.
    let again = m.ok(230, "conversation_log", json!({"channel": "cursor-jr", "session": "s1",
        "client": "cursor", "role": "user", "content": "스케줄러에서 DST 버그, token=9f86d081884c7d659a2feaa0c55ad015"}));
    assert_eq!(
        (again["duplicate"].as_bool(), again["by"].as_str()),
        (Some(true), Some("window"))
    );
    assert_eq!(again["id"], logged["id"]);
    let keyed = json!({"channel": "cursor-jr", "session": "s1", "client": "cursor",
        "role": "assistant", "content": "네", "message_id": "msg-7"});
    assert_eq!(
        m.ok(231, "conversation_log", keyed.clone())["duplicate"],
        false
    );
    let again = m.ok(232, "conversation_log", keyed);
    assert_eq!(
        (again["duplicate"].as_bool(), again["by"].as_str()),
        (Some(true), Some("message_id"))
    );
    let found = m.ok(24, "extract", json!({"query": "스케줄러", "since": "7d"}));
    assert_eq!(
        found["hits"][0]["snippet"],
        "[스케줄러]에서 DST 버그, token=[REDACTED:secret]"
    );
    let stats = m.ok(25, "context_stats", json!({}));
    assert_eq!(stats["clients"]["cursor"]["messages"], 2);

    // Refusals are tool errors the model can read, with jr's hints.
    let e = m.tool_error(30, "task_get", json!({"id": 999}));
    assert!(
        e.contains("no task with id 999") && e.contains("hint:"),
        "{e}"
    );
    let e = m.tool_error(31, "task_update", json!({"id": id, "status": "flying"}));
    assert!(e.contains("unknown task status"), "{e}");
    let e = m.tool_error(32, "job_run", json!({"job": "nope"}));
    assert!(e.contains("nope"), "{e}");
    let e = m.tool_error(33, "task_add", json!({"title": 5}));
    assert!(e.contains("invalid type"), "wrong type: {e}");
    let e = m.tool_error(34, "task_add", json!({"title": "x", "colour": "red"}));
    assert!(e.contains("colour"), "unknown field: {e}");
    let e = m.tool_error(
        35,
        "conversation_log",
        json!({"channel": "c", "session": "s", "client": "x",
        "role": "user", "content": "a".repeat(300_000)}),
    );
    assert!(e.contains("KiB"), "huge content: {e}");
    let e = m.tool_error(36, "extract", json!({"query": "??"}));
    assert!(e.contains("nothing to search"), "{e}");

    // Protocol-level junk gets an error and the server stays up.
    let r = m.request(
        40,
        "tools/call",
        json!({"name": "no_such_tool", "arguments": {}}),
    );
    assert!(r["error"]["code"].is_i64(), "{r}");
    let r = m.request(41, "no/such/method", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    m.send_raw("this is not json {");
    let r = m.next();
    assert_eq!(r["error"]["code"], -32700, "{r}");
    m.send_raw(r#"{"jsonrpc":"2.0","id":42,"method":"tools/call","params":"#);
    assert_eq!(m.next()["error"]["code"], -32700);
    m.send_raw(r#"{"hello":"world"}"#);
    assert_eq!(m.next()["error"]["code"], -32600);
    m.send_raw(&format!(
        r#"{{"jsonrpc":"2.0","id":43,"method":"ping","params":{{"pad":"{}"}}}}"#,
        "x".repeat(5 << 20)
    ));
    let r = m.next();
    assert_eq!(r["error"]["code"], -32600, "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("too large")
    );
    let pong = m.request(44, "ping", json!({}));
    assert!(pong["result"].is_object(), "still up: {pong}");

    let lines = m.close();
    assert!(lines.len() > 30);
    for l in &lines {
        serde_json::from_str::<Value>(l)
            .unwrap_or_else(|e| panic!("non-JSON on stdout ({e}): {l}"));
    }
}

#[test]
fn mcp_and_cli_see_the_same_data() {
    let env = Env::new();
    let cli_id = env.json(&["tasks", "add", "CLI에서 만든 작업", "--json"])["id"]
        .as_i64()
        .unwrap();
    let mut m = Mcp::start(&env);
    m.initialize();
    let mcp_id = m.ok(
        1,
        "task_add",
        json!({"title": "MCP에서 만든 작업", "body": "본문"}),
    )["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        m.ok(2, "task_get", json!({"id": cli_id}))["title"],
        "CLI에서 만든 작업"
    );
    m.ok(
        3,
        "conversation_log",
        json!({"channel": "gateway", "session": "g1", "client": "jr-chat",
        "role": "assistant", "content": "현재 pending 상태인 Task가 2개 있습니다"}),
    );

    // The CLI sees what MCP wrote, while the server is still running.
    let list = env.json(&["tasks", "list", "--json"]);
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == mcp_id)
        .unwrap()
        .clone();
    assert_eq!(
        (row["title"].as_str(), row["source"].as_str()),
        (Some("MCP에서 만든 작업"), Some("mcp"))
    );
    let hits = env.json(&[
        "context",
        "search",
        "pending",
        "--channel",
        "gateway",
        "--json",
    ]);
    assert_eq!(hits["hits"][0]["client"], "jr-chat");

    // And MCP sees the CLI's changes.
    env.ok(&["tasks", "start", &mcp_id.to_string()]);
    let t = m.ok(4, "task_get", json!({"id": mcp_id}));
    assert_eq!(t["status"], "in_progress");
    let e = m.tool_error(
        5,
        "task_update",
        json!({"id": mcp_id, "status": "in_progress", "claim_as": ""}),
    );
    assert!(e.contains("--as NAME") || e.contains("who"), "{e}");
    m.close();

    // A run queued over MCP is a run like any other, trigger mcp.
    env.ok(&["jobs", "add", "noop", "--command", "true"]);
    let mut m = Mcp::start(&env);
    m.initialize();
    let run = m.ok(1, "job_run", json!({"job": "noop"}));
    m.close();
    let runs = env.runs("noop");
    assert_eq!(runs[0]["id"], run["id"]);
    assert_eq!(runs[0]["trigger"], "mcp");
}

#[test]
fn print_tools_reports_the_size() {
    let env = Env::new();
    let out = env.ok(&["mcp", "--print-tools"]);
    assert!(out.contains("25 tools:"), "{out}");
    let tokens: usize = out
        .split("size: ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!((500..3000).contains(&tokens), "{tokens}");
}

#[test]
fn task_assign_hands_a_task_to_a_job_or_an_agent() {
    let server = fake_llm::FakeLlm::start();
    let env = Env::new();
    env.config(&format!(
        "[llm]\nollama_url = \"{}\"\nread_timeout = \"5s\"\n",
        server.url
    ));
    env.ok(&["jobs", "add", "hello", "--command", "echo $JR_TASK_TITLE"]);
    env.ok(&["agents", "add", "echoer", "--model", "ollama/echo:1b"]);
    let a = env.json(&["tasks", "add", "잡에게", "--json"])["id"]
        .as_i64()
        .unwrap();
    let b = env.json(&["tasks", "add", "에이전트에게", "--json"])["id"]
        .as_i64()
        .unwrap();
    let mut m = Mcp::start(&env);
    m.initialize();
    let v = m.ok(1, "task_assign", json!({"id": a, "job": "hello"}));
    assert_eq!(v["task"]["status"], "in_progress");
    assert_eq!(v["task"]["claimed_by"], "job:hello");
    assert_eq!(v["run"]["status"], "queued");
    assert_eq!(v["run"]["trigger"], "mcp");
    assert_eq!(v["run"]["task_id"], a);
    assert_eq!(v["scheduler_running"], false);
    let run_id = v["run"]["id"].clone();
    let e = m.tool_error(2, "task_assign", json!({"id": a, "job": "hello"}));
    assert!(e.contains("already being worked on"), "{e}");
    let e = m.tool_error(3, "task_assign", json!({"id": b}));
    assert!(e.contains("exactly one of agent or job"), "{e}");
    let v = m.ok(4, "task_assign", json!({"id": b, "agent": "echoer"}));
    assert_eq!(v["execution"]["status"], "success", "{v}");
    assert_eq!(v["task"]["status"], "review");
    let runs = m.ok(5, "runs_list", json!({"task": a}));
    assert_eq!(runs["runs"].as_array().unwrap().len(), 1);
    assert_eq!(runs["runs"][0]["id"], run_id);
    m.close();
}
