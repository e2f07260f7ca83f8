//! `jr mcp` driven by the official Python MCP SDK (tests/mcp_sdk/drive.py,
//! over stdio, one `jr mcp` process per client): every tool of every group is
//! called, a conversation logged from one client is read back whole from
//! another through MCP alone, resources and prompts answer, an agent's answer
//! streams as progress notifications, and Dagster tools work against a real
//! `dagster dev` and fail clearly when it is away.

mod common;
mod fake_llm;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::Env;
use fake_llm::FakeLlm;
use serde_json::{Value, json};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run the steps through the SDK against `jr mcp ARGS`; (init by client, results).
fn drive(env: &Env, args: &[&str], steps: &[Value]) -> (Value, Vec<Value>) {
    let mut python = Command::new(common::mcp_venv().join("bin/python"));
    let mut child = env
        .isolate(&mut python)
        .arg(root().join("tests/mcp_sdk/drive.py"))
        .env("JR_BIN", assert_cmd::cargo::cargo_bin("jr"))
        .env("JR_MCP_ARGS", json!(args).to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(json!(steps).to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the SDK driver failed: {stderr}");
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("driver output is not JSON ({e}): {stderr}"));
    let results = v["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), steps.len());
    (v["init"].clone(), results)
}

fn call(client: &str, tool: &str, args: Value) -> Value {
    json!({"client": client, "op": "call", "tool": tool, "args": args})
}

/// A successful call's structured result.
fn ok(r: &Value) -> &Value {
    assert_eq!(r["isError"], false, "the call failed: {r}");
    &r["structuredContent"]
}

/// A failed call's text.
fn err(r: &Value) -> String {
    assert_eq!(r["isError"], true, "the call should fail: {r}");
    r["content"][0]["text"].as_str().unwrap().to_string()
}

fn env_with(server: &FakeLlm, dagster_url: &str) -> Env {
    let env = Env::new();
    env.config(&format!(
        "[llm]\nollama_url = \"{}\"\nread_timeout = \"5s\"\n\n\
         [dagster]\npoll = \"250ms\"\n[dagster.instances.test]\nurl = \"{dagster_url}\"\n",
        server.url
    ));
    env
}

/// Every tool the server lists under `--tools all` is called here.
#[test]
fn every_tool_through_the_python_sdk() {
    let server = FakeLlm::start();
    // A port nothing listens on: Dagster is away.
    let away = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}", l.local_addr().unwrap().port())
    };
    let env = env_with(&server, &away);
    env.ok(&["jobs", "add", "hello", "--command", "echo 안녕"]);
    env.ok(&["agents", "add", "echoer", "--model", "ollama/echo:1b"]);
    let done_run = env.json(&["run", "hello", "--json"])["id"]
        .as_i64()
        .unwrap();
    for text in [
        "restic는 스냅샷을 중복 제거해서 저장한다",
        "croner treats 0 and 7 as Sunday",
    ] {
        env.ok(&["context", "log", "-c", "notes", "-s", "n1", text]);
    }
    env.ok(&[
        "jobs",
        "add",
        "cards",
        "--ambient",
        "knowledge-cards",
        "--model",
        "ollama/cards:1b",
    ]);
    assert_eq!(env.json(&["run", "cards", "--json"])["status"], "success");
    let task = env.json(&["tasks", "add", "문서 정리", "--json"])["id"]
        .as_i64()
        .unwrap();

    let c = "claude-code";
    let steps = vec![
        json!({"client": c, "op": "list_tools"}),
        call(c, "status", json!({})),
        call(c, "plan", json!({"hours": 6})),
        call(c, "tasks_list", json!({})),
        call(c, "tasks_ready", json!({"as": "claude"})),
        call(c, "task_get", json!({"id": task})),
        call(c, "task_add", json!({"title": "새 작업", "priority": "p1"})),
        call(
            c,
            "task_update",
            json!({"id": task, "claim_as": "claude", "status": "in_progress"}),
        ),
        call(c, "task_split", json!({"id": task, "titles": ["a", "b"]})),
        call(c, "task_assign", json!({"id": task + 1, "job": "hello"})),
        call(c, "jobs_list", json!({})),
        call(c, "job_run", json!({"job": "hello"})),
        // 12: the job tools, validated as the CLI validates.
        call(
            c,
            "job_add",
            json!({"name": "backup", "command": "echo 백업", "cron": "0 3 * * *", "tz": "Asia/Seoul", "overlap": "queue"}),
        ),
        call(
            c,
            "job_add",
            json!({"name": "bad", "command": "true", "cron": "61 * * * *"}),
        ),
        call(
            c,
            "job_add",
            json!({"name": "bad", "command": "true", "overlap": "sometimes"}),
        ),
        call(
            c,
            "job_edit",
            json!({"name": "backup", "cron": "", "timeout": "10m", "rename": "backup2"}),
        ),
        call(c, "job_pause", json!({"name": "backup2"})),
        call(c, "job_resume", json!({"name": "backup2"})),
        call(c, "job_remove", json!({"name": "backup2"})),
        call(c, "job_remove", json!({"name": "backup2"})),
        // 20
        call(c, "runs_list", json!({"job": "hello"})),
        call(c, "run_get", json!({"id": done_run})),
        call(
            c,
            "conversation_log",
            json!({"channel": "notes", "session": "n1", "client": c, "role": "assistant", "content": "기록했습니다"}),
        ),
        call(c, "extract", json!({"query": "스냅샷"})),
        call(c, "context_stats", json!({})),
        call(c, "session_get", json!({"session": "n1", "limit": 2})),
        call(c, "message_get", json!({"id": 1})),
        call(c, "channels_list", json!({})),
        call(c, "sessions_list", json!({"channel": "notes"})),
        call(c, "cards_due", json!({})),
        // 30
        call(c, "card_grade", json!({"id": 1, "grade": "good"})),
        call(c, "card_grade", json!({"id": 2, "grade": "superb"})),
        call(c, "agents_list", json!({})),
        json!({"client": c, "op": "call", "tool": "agent_run", "progress": true,
               "args": {"name": "echoer", "prompt": "안녕하세요 jr"}}),
        call(c, "agent_runs", json!({"agent": "echoer"})),
        call(c, "agent_run", json!({"name": "nobody", "prompt": "x"})),
        // 36: Dagster away.
        call(c, "dagster_status", json!({})),
        call(c, "dagster_jobs", json!({})),
        call(c, "dagster_runs", json!({})),
        call(c, "dagster_launch", json!({"job": "hello"})),
        // 40
        call(c, "dagster_logs", json!({"run_id": "0123abcd"})),
        call(c, "dagster_terminate", json!({"run_id": "0123abcd"})),
        call(c, "dagster_logs", json!({"run_id": "1"})),
    ];
    let (init, r) = drive(&env, &["mcp", "--tools", "all"], &steps);
    let caps = &init[c]["capabilities"];
    assert!(
        caps["tools"].is_object() && caps["resources"].is_object() && caps["prompts"].is_object()
    );

    let listed: BTreeSet<String> = r[0]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    let called: BTreeSet<String> = steps
        .iter()
        .filter_map(|s| s["tool"].as_str().map(String::from))
        .collect();
    assert_eq!(
        listed, called,
        "every listed tool is called, and only those"
    );
    assert_eq!(listed.len(), 36);
    for t in r[0]["tools"].as_array().unwrap() {
        let destructive = t["annotations"]["destructiveHint"] == true;
        let name = t["name"].as_str().unwrap();
        assert_eq!(
            destructive,
            ["job_edit", "job_remove", "dagster_terminate"].contains(&name),
            "{name}: destructive hint {destructive}"
        );
    }

    assert_eq!(ok(&r[1])["tasks"]["pending"], 1);
    assert_eq!(ok(&r[2])["hours"], 6);
    assert_eq!(ok(&r[3])["tasks"][0]["id"], task);
    assert_eq!(ok(&r[4])["tasks"][0]["id"], task);
    assert_eq!(ok(&r[5])["title"], "문서 정리");
    assert_eq!(ok(&r[6])["priority"], "p1");
    assert_eq!(ok(&r[7])["claimed_by"], "claude");
    assert_eq!(ok(&r[8])["tasks"].as_array().unwrap().len(), 2);
    assert_eq!(ok(&r[9])["run"]["trigger"], "mcp");
    assert!(ok(&r[10])["jobs"].as_array().unwrap().len() >= 2);
    assert_eq!(ok(&r[11])["status"], "queued");

    let added = ok(&r[12]);
    assert_eq!(
        (added["schedule"].as_str(), added["overlap"].as_str()),
        (Some("0 3 * * *"), Some("queue"))
    );
    assert!(added["next_fire"].is_string(), "{added}");
    // The CLI's own validation, word for word.
    let cli = env.fails(
        &[
            "jobs",
            "add",
            "bad",
            "--command",
            "true",
            "--cron",
            "61 * * * *",
        ],
        1,
    );
    let mcp = err(&r[13]);
    let first = |s: &str| s.lines().next().unwrap_or_default().to_string();
    assert_eq!(first(&mcp), first(&cli), "same message as the CLI");
    assert!(err(&r[14]).contains("skip, queue, allow"));
    let edited = ok(&r[15]);
    assert_eq!(
        (
            edited["name"].as_str(),
            edited["schedule"].as_str(),
            edited["timeout"].as_str()
        ),
        (Some("backup2"), None, Some("10m"))
    );
    assert_eq!(ok(&r[16])["enabled"], false);
    assert_eq!(ok(&r[17])["enabled"], true);
    assert_eq!(ok(&r[18])["removed"], "backup2");
    assert!(err(&r[19]).contains("backup2"));
    assert!(
        env.fails(&["jobs", "show", "backup2"], 1)
            .contains("backup2")
    );

    assert_eq!(ok(&r[20])["runs"][0]["job"], "hello");
    assert_eq!(ok(&r[21])["log_tail"], json!(["안녕"]));
    assert_eq!(ok(&r[22])["duplicate"], false);
    assert!(
        ok(&r[23])["hits"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains("[스냅샷]")
    );
    assert_eq!(ok(&r[24])["messages"], 3);
    let page = ok(&r[25]);
    assert_eq!(page["messages"].as_array().unwrap().len(), 2);
    assert!(page["next_after"].is_i64(), "{page}");
    assert_eq!(ok(&r[26])["id"], 1);
    assert_eq!(ok(&r[27])["channels"][0]["channel"], "notes");
    assert_eq!(ok(&r[28])["sessions"][0]["messages"], 3);
    assert_eq!(ok(&r[29])["cards"].as_array().unwrap().len(), 2);
    assert_eq!(ok(&r[30])["repetitions"], 1);
    assert!(err(&r[31]).contains("superb"));
    assert_eq!(ok(&r[32])["agents"][0]["name"], "echoer");
    let run = ok(&r[33]);
    assert_eq!(run["status"], "success", "{run}");
    let streamed: String = r[33]["progress"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m.as_str())
        .collect();
    assert!(!streamed.is_empty(), "no progress notifications arrived");
    assert!(
        run["output"].as_str().unwrap().contains(streamed.trim())
            || streamed.contains(run["output"].as_str().unwrap()),
        "the progress carried the answer: {streamed:?} vs {run}"
    );
    assert_eq!(ok(&r[34])["executions"][0]["id"], run["id"]);
    assert!(err(&r[35]).contains("nobody"));

    // Dagster away: a status that says so, and errors that name the address.
    let st = ok(&r[36]);
    assert!(st["error"].is_string(), "{st}");
    for (i, step) in r.iter().enumerate().take(42).skip(37) {
        let e = err(step);
        assert!(
            e.contains("127.0.0.1") || e.to_lowercase().contains("reach"),
            "step {i}: {e}"
        );
    }
    assert!(err(&r[42]).contains("does not follow a Dagster run"));
}

#[test]
fn a_conversation_logged_from_one_client_is_read_whole_from_another() {
    let server = FakeLlm::start();
    let env = env_with(&server, "http://127.0.0.1:9");
    let turns: Vec<(&str, String)> = (0..7)
        .map(|i| {
            let role = if i % 2 == 0 { "user" } else { "assistant" };
            (
                role,
                format!("{i}번째 말: 배포 전에 마이그레이션 0011을 확인 ({i})"),
            )
        })
        .collect();
    // Cursor logs the conversation, retrying one call as clients do.
    let mut steps: Vec<Value> = turns
        .iter()
        .enumerate()
        .map(|(i, (role, text))| {
            call(
                "cursor",
                "conversation_log",
                json!({"channel": "jr", "session": "cur-42",
                "client": "cursor", "role": role, "content": text, "message_id": format!("m{i}")}),
            )
        })
        .collect();
    steps.push(call(
        "cursor",
        "conversation_log",
        json!({"channel": "jr", "session": "cur-42",
        "client": "cursor", "role": "user", "content": turns[0].1, "message_id": "m0"}),
    ));
    // Claude Desktop, another process, finds it and reads it all, page by page.
    let d = "claude-desktop";
    steps.push(call(d, "sessions_list", json!({})));
    steps.push(call(
        d,
        "extract",
        json!({"query": "마이그레이션", "limit": 1}),
    ));
    steps.push(call(
        d,
        "session_get",
        json!({"session": "cur-42", "limit": 3}),
    ));
    let (_, r) = drive(&env, &["mcp"], &steps);
    let dup = ok(&r[7]);
    assert_eq!(
        (dup["duplicate"].as_bool(), dup["by"].as_str()),
        (Some(true), Some("message_id"))
    );
    assert_eq!(ok(&r[8])["sessions"][0]["session"], "cur-42");
    assert_eq!(ok(&r[9])["hits"][0]["session"], "cur-42");

    let mut read: Vec<(String, String)> = Vec::new();
    let mut page = ok(&r[10]).clone();
    let mut after = Value::Null;
    for _ in 0..5 {
        for m in page["messages"].as_array().unwrap() {
            read.push((
                m["role"].as_str().unwrap().into(),
                m["content"].as_str().unwrap().into(),
            ));
        }
        after = page["next_after"].clone();
        if after.is_null() {
            break;
        }
        let (_, r) = drive(
            &env,
            &["mcp"],
            &[call(
                d,
                "session_get",
                json!({"session": "cur-42", "limit": 3, "after": after}),
            )],
        );
        page = ok(&r[0]).clone();
    }
    assert!(after.is_null(), "paging ended");
    let want: Vec<(String, String)> = turns
        .iter()
        .map(|(r, t)| (r.to_string(), t.clone()))
        .collect();
    assert_eq!(read, want, "the whole conversation, in order, once");
}

#[test]
fn resources_and_prompts() {
    let server = FakeLlm::start();
    let env = env_with(&server, "http://127.0.0.1:9");
    env.ok(&["tasks", "add", "오늘 할 일 정리", "--due", "today"]);
    let c = "claude-code";
    let steps = vec![
        json!({"client": c, "op": "list_resources"}),
        json!({"client": c, "op": "read_resource", "uri": "jr://skill/jr"}),
        json!({"client": c, "op": "read_resource", "uri": "jr://skill/jr-dagster"}),
        json!({"client": c, "op": "read_resource", "uri": "jr://status"}),
        json!({"client": c, "op": "read_resource", "uri": "jr://nothing"}),
        json!({"client": c, "op": "list_prompts"}),
        json!({"client": c, "op": "get_prompt", "name": "plan", "args": {"hours": "12"}}),
        json!({"client": c, "op": "get_prompt", "name": "review-tasks"}),
        json!({"client": c, "op": "get_prompt", "name": "plan", "args": {"hours": "lots"}}),
        json!({"client": c, "op": "list_tools"}),
    ];
    let (_, r) = drive(&env, &["mcp"], &steps);
    let uris: Vec<&str> = r[0]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["uri"].as_str().unwrap())
        .collect();
    assert_eq!(
        uris,
        ["jr://skill/jr", "jr://skill/jr-dagster", "jr://status"]
    );
    assert!(
        r[1]["contents"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("---\nname: jr\n")
    );
    assert!(
        r[2]["contents"][0]["text"]
            .as_str()
            .unwrap()
            .contains("name: jr-dagster")
    );
    let status: Value =
        serde_json::from_str(r[3]["contents"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(status["tasks"]["pending"], 1);
    assert!(
        r[4]["error"].as_str().unwrap().contains("jr://nothing"),
        "{}",
        r[4]
    );
    let names: Vec<&str> = r[5]["prompts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["plan", "review-tasks"]);
    let plan = r[6]["messages"][0]["content"]["text"].as_str().unwrap();
    assert!(
        plan.contains("next 12 hours") && plan.contains("오늘 할 일 정리"),
        "{plan}"
    );
    let review = r[7]["messages"][0]["content"]["text"].as_str().unwrap();
    assert!(review.contains("Review my todo list") && review.contains("오늘 할 일 정리"));
    assert!(
        r[8]["error"].as_str().unwrap().contains("hours"),
        "{}",
        r[8]
    );
    // The default groups: no cards, agents or Dagster tools, and under budget.
    let names: Vec<&str> = r[9]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"job_add") && names.contains(&"session_get"));
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("dagster_") || n.starts_with("agent"))
    );
}

#[test]
fn tool_groups_come_from_config_and_an_unknown_one_is_refused() {
    let env = Env::new();
    env.config("[mcp]\ntools = [\"tasks\", \"dagster\"]\n");
    let out = env.ok(&["mcp", "--print-tools"]);
    assert!(
        out.contains("dagster_launch") && out.contains("task_add"),
        "{out}"
    );
    assert!(!out.contains("\"job_add\""), "{out}");
    let count = env.ok(&["mcp", "--print-tools", "--count"]);
    assert!(count.contains("served groups: tasks, dagster"), "{count}");
    assert!(count.contains("cl100k_base"), "{count}");
    env.config("[mcp]\ntools = [\"tasks\", \"nope\"]\n");
    let e = env.fails(&["mcp"], 3);
    assert!(
        e.contains("unknown group \"nope\"") && e.contains("dagster"),
        "{e}"
    );
    // The default set stays under 3,000 tokens.
    let env = Env::new();
    let count = env.ok(&["mcp", "--print-tools", "--count"]);
    let tokens: usize = count
        .lines()
        .nth(1)
        .and_then(|l| l.split(": ").nth(1))
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{count}"));
    assert!((1000..3000).contains(&tokens), "{count}");
}

#[test]
fn dagster_tools_against_a_real_dagster() {
    let d = common::dagster::shared();
    let server = FakeLlm::start();
    let env = env_with(&server, &d.url);
    let c = "claude-code";
    let args = ["mcp", "--tools", "dagster"];
    let (_, r) = drive(
        &env,
        &args,
        &[
            call(c, "dagster_status", json!({})),
            call(c, "dagster_jobs", json!({})),
            call(
                c,
                "dagster_launch",
                json!({"job": "hello", "tags": ["by=mcp"]}),
            ),
            call(
                c,
                "dagster_launch",
                json!({"job": "slow", "run_config": "{\"ops\": {\"nap\": {\"config\": {\"seconds\": 120}}}}"}),
            ),
            call(c, "dagster_launch", json!({"job": "no_such_job"})),
        ],
    );
    let st = ok(&r[0]);
    assert_eq!(st["reachable"], true, "{st}");
    let jobs: Vec<&str> = ok(&r[1])["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|j| j["job"].as_str())
        .collect();
    assert!(
        jobs.contains(&"hello") && jobs.contains(&"slow"),
        "{jobs:?}"
    );
    let hello = ok(&r[2])["run_id"].as_str().unwrap().to_string();
    let slow = ok(&r[3])["run_id"].as_str().unwrap().to_string();
    assert!(err(&r[4]).contains("no_such_job"));

    // Follow hello to its end through dagster_logs; stop slow.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(240);
    let logs = loop {
        let (_, r) = drive(
            &env,
            &args,
            &[call(
                c,
                "dagster_logs",
                json!({"run_id": &hello[..8], "tail": 200}),
            )],
        );
        let v = ok(&r[0]).clone();
        if v["run"]["status"] == "SUCCESS" {
            break v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "hello did not finish: {v}"
        );
        std::thread::sleep(std::time::Duration::from_secs(2));
    };
    assert!(
        logs["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "RUN_SUCCESS"),
        "{logs}"
    );
    let (_, r) = drive(
        &env,
        &args,
        &[
            call(
                c,
                "dagster_terminate",
                json!({"run_id": slow, "force": true}),
            ),
            call(c, "dagster_runs", json!({"limit": 10})),
        ],
    );
    assert_eq!(ok(&r[0])["forced"], true);
    let ids: Vec<&str> = ok(&r[1])["runs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["run_id"].as_str())
        .collect();
    assert!(
        ids.contains(&hello.as_str()) && ids.contains(&slow.as_str()),
        "{ids:?}"
    );
}
