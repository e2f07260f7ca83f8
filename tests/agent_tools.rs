//! MCP tools in agent runs, through the real binary: a wire-protocol fake
//! model (tests/fake_llm) that asks for tools — streamed and whole, in
//! Ollama's and OpenAI's shapes — with real MCP servers on the other side:
//! `jr mcp` itself, and a server written with the official Python SDK
//! (tests/mcp_fixture, over stdio and streamable HTTP). Limits, destructive
//! tools, name collisions, servers that will not start or die mid-call.

mod common;
mod fake_llm;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Env;
use fake_llm::{API_KEY, FakeLlm};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture_command() -> String {
    format!(
        "'{}' '{}'",
        common::mcp_venv().join("bin/python").display(),
        root().join("tests/mcp_fixture/server.py").display()
    )
}

/// An env whose config points at the fake model, with `tools` limits.
fn setup(server: &FakeLlm, tools: &str) -> Env {
    let env = Env::new();
    env.config(&format!(
        "[llm]\nollama_url = \"{url}\"\nread_timeout = \"5s\"\nload_timeout = \"5s\"\n\n\
         [llm.tools]\n{tools}\n\n\
         [[llm.providers]]\nname = \"cloud\"\nbase_url = \"{url}/v1\"\napi_key_env = \"CLOUD_KEY\"\n",
        url = server.url
    ));
    env
}

/// `jr ARGS` with the cloud key set; (exit code, stdout, stderr).
fn jr(env: &Env, args: &[&str]) -> (i32, String, String) {
    let out = env
        .cmd()
        .env("CLOUD_KEY", API_KEY)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn agent(env: &Env, name: &str, model: &str, mcps: &[&str], extra: &[&str]) {
    let mut args = vec!["agents", "add", name, "--model", model];
    for m in mcps {
        args.extend(["--mcp", m]);
    }
    args.extend(extra);
    env.ok(&args);
}

/// Run an agent with `--json`: the exit code and the recorded execution.
fn run_json(env: &Env, name: &str, prompt: &str) -> (i32, Value, String) {
    let (code, out, err) = jr(env, &["agents", "run", name, prompt, "--json"]);
    let v: Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {out}\nstderr: {err}"));
    (code, v, err)
}

/// The names of the tools offered in the last chat request.
fn offered(server: &FakeLlm) -> Vec<String> {
    let chats = server.chats();
    let last = chats.last().expect("a chat request");
    last.body["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| t["function"]["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn jr_mcp_is_an_agents_tool_server_reading_and_updating_tasks() {
    let server = FakeLlm::start();
    let env = setup(&server, "");
    env.ok(&["tasks", "add", "스케줄러 버그 고치기", "--priority", "p1"]);
    // Exactly as the issue writes it: the command line is split as a shell would.
    env.ok(&[
        "mcps",
        "add",
        "jr",
        "--command",
        "jr mcp",
        "-d",
        "jr itself",
    ]);
    agent(&env, "helper", "ollama/tools:1b", &["jr"], &[]);
    let (code, out, err) = jr(
        &env,
        &[
            "agents",
            "run",
            "helper",
            "CALL tasks_list {}\nCALL task_update {\"id\": 1, \"status\": \"in_progress\"}",
        ],
    );
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    // The answer is built from the tool's result: the child jr read this database.
    assert!(
        out.starts_with("도구 결과: [tasks_list]") && out.contains("스케줄러 버그 고치기"),
        "{out}"
    );
    // Each call shows as it happens (stderr; stdout stays the answer).
    assert!(err.contains("→ jr.tasks_list {}"), "{err}");
    assert!(err.contains("← jr.task_update ok ("), "{err}");
    // The task moved through jr's own MCP tool.
    let t = env.json(&["tasks", "show", "1", "--json"]);
    assert_eq!(t["status"], "in_progress", "{t}");
    // Recorded with the execution.
    let runs = env.json(&["agents", "runs", "--json"]);
    let calls = &runs[0]["tool_calls"];
    assert_eq!(calls.as_array().unwrap().len(), 2, "{calls}");
    assert_eq!(calls[0]["server"], "jr");
    assert_eq!(calls[0]["tool"], "tasks_list");
    assert_eq!(calls[0]["ok"], true);
    assert!(calls[0]["duration_ms"].is_u64());
    assert_eq!(calls[1]["arguments"]["status"], "in_progress");
    assert_eq!(calls[1]["error"], Value::Null);
    // The model was offered jr's tools under their own names, and got the
    // results back as `tool` messages naming the tool (the fake checks).
    let names = offered(&server);
    assert!(names.contains(&"tasks_list".to_string()), "{names:?}");
    assert_eq!(server.chats().len(), 3);
}

#[test]
fn every_wire_shape_streamed_and_whole_runs_the_python_sdks_server() {
    let server = FakeLlm::start();
    let env = setup(&server, "");
    let cmd = fixture_command();
    env.ok(&["mcps", "add", "fixture", "--command", &cmd]);
    for (i, model) in [
        "ollama/tools:1b",
        "ollama/tools-flat:1b",
        "cloud/gpt-tools",
        "cloud/gpt-tools-flat",
    ]
    .iter()
    .enumerate()
    {
        let name = format!("a{i}");
        agent(&env, &name, model, &["fixture"], &[]);
        // Two calls in one turn, then one more turn.
        let (code, run, err) = run_json(
            &env,
            &name,
            "CALL echo {\"text\": \"안녕 🐛\"} && CALL tasks_list {}\nCALL echo {\"text\": \"둘째\"}",
        );
        assert_eq!(code, 0, "{model}: {run}\n{err}");
        assert_eq!(
            run["output"],
            "도구 결과: [echo] echo: 안녕 🐛 | [tasks_list] fixture task: 물 주기 | [echo] echo: 둘째",
            "{model}"
        );
        let calls = run["tool_calls"].as_array().unwrap();
        assert_eq!(calls.len(), 3, "{model}: {calls:?}");
        assert!(
            calls
                .iter()
                .all(|c| c["ok"] == true && c["server"] == "fixture")
        );
        // Tokens are summed over the three turns.
        assert_eq!(run["tokens_in"], 30, "{model}");
    }
}

#[test]
fn a_destructive_tool_runs_only_when_the_agent_allows_it_by_name() {
    let server = FakeLlm::start();
    let env = setup(&server, "");
    let notes = env.home().join("notes.txt");
    let cmd = fixture_command();
    env.ok(&[
        "mcps",
        "add",
        "fixture",
        "--command",
        &cmd,
        "--env",
        &format!("FIXTURE_NOTES={}", notes.display()),
    ]);
    agent(&env, "careful", "ollama/tools:1b", &["fixture"], &[]);
    let (code, run, _) = run_json(&env, "careful", "CALL add_note {\"text\": \"지우기\"}");
    // Refused: the model reads why and answers; nothing was written.
    assert_eq!(code, 0, "{run}");
    assert!(!offered(&server).contains(&"add_note".to_string()));
    let c = &run["tool_calls"][0];
    assert_eq!(c["ok"], false);
    assert!(
        c["error"]
            .as_str()
            .unwrap()
            .starts_with("refused: add_note is marked destructive"),
        "{c}"
    );
    assert!(
        run["output"].as_str().unwrap().contains("allow_tools"),
        "{run}"
    );
    assert!(!notes.exists() || std::fs::read_to_string(&notes).unwrap().is_empty());
    // Allowed by name (the YAML's allow_tools), it runs.
    env.ok(&["agents", "edit", "careful", "--allow-tool", "add_note"]);
    assert!(
        env.ok(&["agents", "export", "careful"])
            .contains("allow_tools:\n- add_note")
    );
    let (code, run, _) = run_json(&env, "careful", "CALL add_note {\"text\": \"지우기\"}");
    assert_eq!(code, 0, "{run}");
    assert_eq!(run["tool_calls"][0]["ok"], true, "{run}");
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "지우기\n");
    assert!(offered(&server).contains(&"add_note".to_string()));
}

#[test]
fn limits_end_the_run_with_a_message_naming_the_setting() {
    let server = FakeLlm::start();
    let env = setup(
        &server,
        "call_timeout = \"1s\"\nmax_result_bytes = 1000\nmax_calls = 2\ntotal_timeout = \"60s\"",
    );
    let cmd = fixture_command();
    env.ok(&["mcps", "add", "fixture", "--command", &cmd]);
    agent(&env, "lim", "ollama/tools:1b", &["fixture"], &[]);
    // (prompt, the error's start, calls recorded, exit code)
    let table: &[(&str, &str, usize, i32)] = &[
        (
            "CALL slow {\"seconds\": 30}",
            "tool slow of MCP server fixture did not answer within 1s (llm.tools.call_timeout)",
            1,
            4,
        ),
        (
            "CALL huge {\"n\": 5000}",
            "tool huge of MCP server fixture returned 5000 bytes, more than llm.tools.max_result_bytes (1000)",
            1,
            4,
        ),
        (
            "CALL echo {\"text\": \"1\"}\nCALL echo {\"text\": \"2\"}\nCALL echo {\"text\": \"3\"}",
            "agent lim asked for more than 2 tool calls in one run",
            2,
            1,
        ),
    ];
    for (prompt, message, recorded, exit) in table {
        let t = Instant::now();
        let (code, run, err) = run_json(&env, "lim", prompt);
        assert_eq!(code, *exit, "{run}");
        assert_eq!(run["status"], "failed", "{run}");
        let e = run["error"].as_str().unwrap();
        assert!(e.starts_with(message), "{e}");
        assert!(e.contains("raise llm.tools."), "{e}");
        assert!(err.contains(message), "{err}");
        assert_eq!(
            run["tool_calls"].as_array().unwrap().len(),
            *recorded,
            "{run}"
        );
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    }
    // The whole run's bound: five calls of 0.9 s each pass the bound on one
    // call, not the run's 2 s.
    let env2 = setup(
        &server,
        "call_timeout = \"5s\"\nmax_calls = 10\ntotal_timeout = \"2s\"",
    );
    env2.ok(&["mcps", "add", "fixture", "--command", &cmd]);
    agent(&env2, "lim", "ollama/tools:1b", &["fixture"], &[]);
    let t = Instant::now();
    let (_, run, _) = run_json(&env2, "lim", &"CALL slow {\"seconds\": 0.9}\n".repeat(5));
    assert_eq!(run["status"], "failed", "{run}");
    assert!(
        run["error"]
            .as_str()
            .unwrap()
            .starts_with("agent lim ran longer than 2s (llm.tools.total_timeout)"),
        "{run}"
    );
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
}

#[test]
fn a_server_that_dies_or_never_starts_fails_the_run_with_its_stderr() {
    let server = FakeLlm::start();
    let env = setup(&server, "");
    let cmd = fixture_command();
    env.ok(&["mcps", "add", "fixture", "--command", &cmd]);
    agent(&env, "crashy", "ollama/tools:1b", &["fixture"], &[]);
    let t = Instant::now();
    let (code, run, _) = run_json(&env, "crashy", "CALL crash {}");
    assert_eq!(code, 4, "{run}");
    let e = run["error"].as_str().unwrap();
    assert!(
        e.contains("MCP server fixture") && e.contains("crashing on purpose"),
        "{e}"
    );
    assert!(e.contains("exited with status 3"), "{e}");
    assert_eq!(run["tool_calls"][0]["ok"], false);
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "never hangs: {:?}",
        t.elapsed()
    );

    // A server that exits before answering: its stderr tail is the message.
    env.ok(&[
        "mcps",
        "add",
        "broken",
        "--command",
        "sh -c 'echo \"config.yaml: 설정 파일이 없습니다\" >&2; exit 2'",
    ]);
    agent(&env, "b", "ollama/tools:1b", &["broken"], &[]);
    let asked = server.chats().len();
    let (code, run, err) = run_json(&env, "b", "CALL echo {}");
    assert_eq!(code, 4, "{run}");
    let e = run["error"].as_str().unwrap();
    assert!(
        e.contains("설정 파일이 없습니다") && e.contains("status 2"),
        "{e}"
    );
    assert!(err.starts_with("error: MCP server broken"), "{err}");
    assert_eq!(
        server.chats().len(),
        asked,
        "the model is not asked without its tools"
    );
    // A command that does not exist.
    env.ok(&[
        "mcps",
        "add",
        "nothing",
        "--command",
        "/no/such/server --stdio",
    ]);
    agent(&env, "n", "ollama/tools:1b", &["nothing"], &[]);
    let (code, run, err) = run_json(&env, "n", "CALL echo {}");
    assert_eq!(code, 4, "{run}");
    assert!(
        run["error"]
            .as_str()
            .unwrap()
            .starts_with("cannot start MCP server nothing (`/no/such/server --stdio`)"),
        "{run}"
    );
    assert!(err.contains("jr mcps add nothing --command"), "{err}");
    // An HTTP server that is not there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    env.ok(&[
        "mcps",
        "add",
        "gone",
        "--url",
        &format!("http://127.0.0.1:{port}/mcp"),
    ]);
    agent(&env, "g", "ollama/tools:1b", &["gone"], &[]);
    let t = Instant::now();
    let (code, run, _) = run_json(&env, "g", "CALL echo {}");
    assert_eq!(code, 4, "{run}");
    assert!(
        run["error"]
            .as_str()
            .unwrap()
            .starts_with("cannot reach MCP server gone at http://127.0.0.1:"),
        "{run}"
    );
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
}

#[test]
fn a_name_two_servers_share_is_prefixed_with_the_server() {
    let server = FakeLlm::start();
    let env = setup(&server, "");
    env.ok(&["tasks", "add", "jr의 할 일"]);
    env.ok(&["mcps", "add", "jr", "--command", "jr mcp"]);
    let cmd = fixture_command();
    env.ok(&["mcps", "add", "fixture", "--command", &cmd]);
    agent(&env, "both", "cloud/gpt-tools", &["jr", "fixture"], &[]);
    let (code, run, _) = run_json(
        &env,
        "both",
        "CALL jr__tasks_list {} && CALL fixture__tasks_list {} && CALL echo {\"text\": \"x\"}",
    );
    assert_eq!(code, 0, "{run}");
    let names = offered(&server);
    for n in ["jr__tasks_list", "fixture__tasks_list", "echo", "task_add"] {
        assert!(names.contains(&n.to_string()), "{n} in {names:?}");
    }
    assert!(!names.contains(&"tasks_list".to_string()), "{names:?}");
    let out = run["output"].as_str().unwrap();
    assert!(
        out.contains("jr의 할 일") && out.contains("물 주기"),
        "{out}"
    );
    let calls = &run["tool_calls"];
    assert_eq!(
        (calls[0]["server"].as_str(), calls[0]["tool"].as_str()),
        (Some("jr"), Some("tasks_list"))
    );
    assert_eq!(calls[1]["server"], "fixture");
    // A tool the model makes up is an error it reads, not the end of the run.
    let (code, run, _) = run_json(&env, "both", "CALL tasks_list {}");
    assert_eq!(code, 0, "{run}");
    assert_eq!(
        run["tool_calls"][0]["error"],
        "there is no tool named \"tasks_list\""
    );
}

#[test]
fn a_streamable_http_server_and_an_agent_jobs_log() {
    let server = FakeLlm::start();
    let env = setup(&server, "");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(common::mcp_venv().join("bin/python"))
        .arg(root().join("tests/mcp_fixture/server.py"))
        .args(["--http", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the HTTP fixture did not start");
        if let Ok(Some(st)) = child.try_wait() {
            panic!("the HTTP fixture exited: {st}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _guard = Kill(child);
    let url = format!("http://127.0.0.1:{port}/mcp");
    env.ok(&["mcps", "add", "web", "--url", &url]);
    agent(&env, "webby", "ollama/tools:1b", &["web"], &[]);
    let (code, run, err) = run_json(&env, "webby", "CALL echo {\"text\": \"웹에서\"}");
    assert_eq!(code, 0, "{run}\n{err}");
    assert_eq!(run["output"], "도구 결과: [echo] echo: 웹에서");
    assert_eq!(run["tool_calls"][0]["server"], "web");

    // An agent job: each call is a line of the run's log, as it happens.
    env.ok(&[
        "jobs",
        "add",
        "ask",
        "--agent",
        "webby",
        "--prompt",
        "CALL echo {\"text\": \"잡\"}",
    ]);
    let (code, out, err) = jr(&env, &["run", "ask", "--wait"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let runs = env.json(&["runs", "list", "--job", "ask", "--json"]);
    let id = runs[0]["id"].as_i64().unwrap().to_string();
    let log = env.ok(&["runs", "logs", &id]);
    assert!(log.contains("[jr] → web.echo {\"text\":\"잡\"}"), "{log}");
    assert!(log.contains("[jr] ← web.echo ok ("), "{log}");
    assert!(log.contains("도구 결과: [echo] echo: 잡"), "{log}");
}

/// The Agents pane's driver (the TUI worker): each call shows among the
/// answer as it happens (`AgentPartial`), before the execution is recorded.
#[test]
fn the_agents_pane_shows_each_call_as_it_happens() {
    use chrono::{TimeZone, Utc};
    use jr::domain::agent::{AgentDef, AgentRunStatus, McpServer};
    use jr::tui::worker::{self, Msg, Mutation, Payload, Request, Slot, WorkerState};
    let server = FakeLlm::start();
    let dir = tempfile::tempdir().unwrap();
    let e = jr::engine::Engine::new(
        jr::store::Store::open(&dir.path().join("jr.db")).unwrap(),
        jr::clock::Clock::Fixed(Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap()),
        "Asia/Seoul".parse().unwrap(),
    )
    .with_llm(jr::clients::llm::LlmConfig {
        ollama_url: server.url.clone(),
        ..Default::default()
    });
    e.put_mcp(&McpServer {
        id: 0,
        name: "jr".into(),
        command: Some(format!(
            "'{}' mcp",
            assert_cmd::cargo::cargo_bin("jr").display()
        )),
        url: None,
        env: Default::default(),
        description: String::new(),
    })
    .unwrap();
    e.add_agent(&AgentDef {
        name: "pane".into(),
        model: "ollama/tools:1b".into(),
        mcps: vec!["jr".into()],
        ..Default::default()
    })
    .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let to_worker = worker::spawn(WorkerState::new(e), move |r| tx.send(r).is_ok());
    let m = Mutation::RunAgent {
        agent: "pane".into(),
        prompt: "CALL status {}".into(),
    };
    to_worker
        .send(Msg::Request(1, Slot::Mutation, Request::Mutate(m)))
        .unwrap();
    let mut partials = Vec::new();
    let (run, error) = loop {
        let r = rx.recv_timeout(Duration::from_secs(30)).expect("an answer");
        match r.payload {
            Payload::AgentPartial { text, .. } if !text.is_empty() => partials.push(text),
            Payload::AgentRan { run, error } => break (run, error),
            Payload::Failed(e) => panic!("{}", e.message),
            _ => {}
        }
    };
    assert!(error.is_none(), "{error:?}");
    assert_eq!(run.status, AgentRunStatus::Success);
    assert_eq!(run.tool_calls.len(), 1);
    // The call line came first, alone; then its end; then the answer.
    assert_eq!(partials[0], "→ jr.status {}\n", "{partials:?}");
    assert!(
        partials[1].starts_with("→ jr.status {}\n← jr.status ok ("),
        "{partials:?}"
    );
    assert!(
        partials.last().unwrap().contains("도구 결과: [status]"),
        "{partials:?}"
    );
    to_worker.send(Msg::Stop).unwrap();
}
