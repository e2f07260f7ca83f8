//! Tasks handed to jobs and agents, end to end with the real binary: through
//! a daemon, through `jr run` / `jr tasks assign` in the foreground, an agent
//! against the fake model server, workers taking tasks by tag — and 100
//! workers racing for one tag, as real concurrent processes, never taking
//! one task twice.

mod common;
mod fake_llm;

use std::collections::{BTreeMap, BTreeSet};

use common::Env;
use fake_llm::FakeLlm;
use serde_json::Value;

fn quick(env: &Env) {
    env.config("[scheduler]\nlease_ttl = \"3s\"\nshutdown_grace = \"1s\"\nconcurrency = 8\n");
}

fn add_task(env: &Env, args: &[&str]) -> i64 {
    let mut a = vec!["tasks", "add"];
    a.extend_from_slice(args);
    a.push("--json");
    env.json(&a)["id"].as_i64().unwrap()
}

fn show(env: &Env, id: i64) -> Value {
    env.json(&["tasks", "show", &id.to_string(), "--json"])
}

/// The notes of a task, oldest first.
fn notes(t: &Value) -> Vec<String> {
    t["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["field"] == "note")
        .map(|e| e["new"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_job_hand_off_through_the_daemon_moves_the_task_to_review_with_its_result() {
    let env = Env::new();
    quick(&env);
    let seen = env.home().join("seen.txt");
    let cmd = format!(
        "printf '%s|%s|%s\\n' \"$JR_TASK_ID\" \"$JR_TASK_TITLE\" \"$JR_TASK_BODY\" > {}; \
         echo '보고서: https://reports.example/r/7?x=1'",
        seen.display()
    );
    env.ok(&["jobs", "add", "reporter", "--command", &cmd]);
    let id = add_task(
        &env,
        &[
            "주간 보고서 쓰기",
            "--body",
            "지난주 실패한 런 요약",
            "-t",
            "ops",
        ],
    );
    let _d = env.daemon();
    let out = env.json(&[
        "tasks",
        "assign",
        &id.to_string(),
        "--job",
        "reporter",
        "--wait",
        "--json",
    ]);
    assert_eq!(out["run"]["status"], "success", "{out}");
    assert_eq!(out["run"]["task_id"], id);
    assert_eq!(out["task"]["status"], "review");
    assert_eq!(out["task"]["claimed_by"], Value::Null);
    assert_eq!(
        std::fs::read_to_string(&seen).unwrap(),
        format!("{id}|주간 보고서 쓰기|지난주 실패한 런 요약\n")
    );
    let t = show(&env, id);
    let run_id = out["run"]["id"].as_i64().unwrap();
    let work = t["work"].as_array().unwrap();
    assert_eq!(work.len(), 1, "{t}");
    assert_eq!(work[0]["kind"], "run");
    assert_eq!(work[0]["id"], run_id);
    assert_eq!(work[0]["job"], "reporter");
    assert_eq!(work[0]["status"], "success");
    assert!(work[0]["started_at"].is_string() && work[0]["finished_at"].is_string());
    let n = notes(&t);
    assert_eq!(n[0], format!("handed to job reporter (run #{run_id})"));
    assert!(
        n[1].starts_with(&format!("run #{run_id} of job reporter succeeded\n")),
        "{n:?}"
    );
    assert!(n[1].contains("https://reports.example/r/7?x=1"), "{n:?}");
    // The history says who moved it.
    let moves: Vec<(String, String)> = t["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["field"] == "status")
        .map(|e| {
            (
                e["source"].as_str().unwrap().to_string(),
                e["new"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        vec![
            ("cli".to_string(), "in_progress".to_string()),
            ("job".to_string(), "review".to_string())
        ]
    );
    // One ledger: the runs of the task, and the run names its task.
    let runs = env.json(&["runs", "list", "--task", &id.to_string(), "--json"]);
    assert_eq!(runs.as_array().unwrap().len(), 1);
    assert_eq!(runs[0]["id"], run_id);
    let text = env.ok(&["tasks", "show", &id.to_string()]);
    assert!(
        text.contains("    보고서: https://reports.example/r/7?x=1\n"),
        "the link is printed whole: {text}"
    );
    env.fails(&["runs", "list", "--task", "999"], 1);
}

#[test]
fn failures_send_the_task_back_after_the_last_attempt_and_cancel_releases_it() {
    let env = Env::new();
    quick(&env);
    env.ok(&[
        "jobs",
        "add",
        "flaky",
        "--retries",
        "1",
        "--retry-backoff",
        "1s",
        "--command",
        "echo \"try $JR_ATTEMPT on $JR_TASK_ID\"; exit 4",
    ]);
    env.ok(&["jobs", "add", "slow", "--command", "sleep 30"]);
    env.ok(&[
        "jobs",
        "add",
        "late",
        "--timeout",
        "1s",
        "--command",
        "sleep 30",
    ]);
    let a = add_task(&env, &["고장 난 작업"]);
    let b = add_task(&env, &["취소될 작업"]);
    let c = add_task(&env, &["늦는 작업"]);
    let _d = env.daemon();

    // Failure, with a retry in between: the task waits for the last attempt.
    let out = env.run(&[
        "tasks",
        "assign",
        &a.to_string(),
        "--job",
        "flaky",
        "--wait",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["run"]["attempt"], 2, "--wait follows the retry: {v}");
    let t = show(&env, a);
    assert_eq!(t["status"], "pending");
    assert_eq!(t["claimed_by"], Value::Null);
    assert_eq!(t["work"].as_array().unwrap().len(), 2, "both attempts: {t}");
    let n = notes(&t);
    assert_eq!(n.len(), 2, "one note for the whole attempt chain: {n:?}");
    assert!(
        n[1].contains("failed: exited with status 4") && n[1].contains(&format!("try 2 on {a}")),
        "{n:?}"
    );

    // Cancelled: released where it stands.
    let v = env.json(&["tasks", "assign", &b.to_string(), "--job", "slow", "--json"]);
    let run = v["run"]["id"].as_i64().unwrap().to_string();
    assert_eq!(v["task"]["status"], "in_progress");
    assert_eq!(v["task"]["claimed_by"], "job:slow");
    env.wait_until("the run to start", 10, || {
        (env.run_obj(run.parse().unwrap())["status"] == "running").then_some(())
    });
    // Someone else cannot take it while the job works on it.
    let err = env.fails(&["tasks", "assign", &b.to_string(), "--job", "flaky"], 1);
    assert!(err.contains("claimed by job:slow"), "{err}");
    let err = env.fails(&["tasks", "assign", &b.to_string(), "--job", "slow"], 1);
    assert!(
        err.contains(&format!("already being worked on by run #{run}")),
        "{err}"
    );
    env.ok(&["runs", "cancel", &run]);
    let t = env.wait_until("the task to be released", 10, || {
        let t = show(&env, b);
        (t["claimed_by"].is_null()).then_some(t)
    });
    assert_eq!(t["status"], "in_progress", "cancelled: no move");
    assert!(notes(&t)[1].contains("was stopped"), "{t}");

    // Timeout: back to pending.
    let out = env.run(&["tasks", "assign", &c.to_string(), "--job", "late", "--wait"]);
    assert_eq!(out.status.code(), Some(1));
    let t = show(&env, c);
    assert_eq!(t["status"], "pending");
    assert!(notes(&t)[1].contains("timed out after 1s"), "{t}");
}

#[test]
fn without_a_scheduler_the_hand_off_runs_in_the_foreground_and_refusals_say_why() {
    let env = Env::new();
    env.ok(&["jobs", "add", "ok", "--command", "echo done $JR_TASK_ID"]);
    env.ok(&[
        "jobs",
        "add",
        "cards",
        "--ambient",
        "knowledge-cards",
        "--model",
        "ollama/cards:1b",
    ]);
    let a = add_task(&env, &["첫째"]);
    let out = env.run(&["tasks", "assign", &a.to_string(), "--job", "ok"]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in the foreground"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("done {a}")));
    assert_eq!(show(&env, a)["status"], "review");

    // Refused: done, claimed by someone else, blocked, an ambient job, unknown names.
    let done = add_task(&env, &["끝난 일"]);
    env.ok(&["tasks", "done", &done.to_string()]);
    let err = env.fails(&["tasks", "assign", &done.to_string(), "--job", "ok"], 1);
    assert!(err.contains("is done") && err.contains("reopen"), "{err}");
    let held = add_task(&env, &["남의 일"]);
    env.ok(&["tasks", "claim", &held.to_string(), "--as", "claude"]);
    let err = env.fails(&["tasks", "assign", &held.to_string(), "--job", "ok"], 1);
    assert!(err.contains("claimed by claude"), "{err}");
    let blocked = add_task(&env, &["막힌 일", "--depends", &held.to_string()]);
    let err = env.fails(&["tasks", "assign", &blocked.to_string(), "--job", "ok"], 1);
    assert!(err.contains("blocked by"), "{err}");
    let free = add_task(&env, &["자유"]);
    let err = env.fails(&["tasks", "assign", &free.to_string(), "--job", "cards"], 1);
    assert!(err.contains("ambient"), "{err}");
    let err = env.fails(&["tasks", "assign", &free.to_string(), "--job", "okk"], 1);
    assert!(err.contains("no job named") && err.contains("ok"), "{err}");
    let err = env.fails(
        &["tasks", "assign", &free.to_string(), "--agent", "nobody"],
        1,
    );
    assert!(err.contains("nobody"), "{err}");
    env.fails(&["tasks", "assign", "999", "--job", "ok"], 1);
    // Nothing was claimed by the refusals.
    for id in [done, blocked, free] {
        assert_eq!(show(&env, id)["claimed_by"], Value::Null, "#{id}");
    }
    let out = env.run(&["tasks", "assign", &free.to_string()]);
    assert_eq!(out.status.code(), Some(2), "neither --agent nor --job");
    let out = env.run(&[
        "tasks",
        "assign",
        &free.to_string(),
        "--job",
        "ok",
        "--agent",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(2), "both");
}

#[test]
fn a_worker_takes_the_top_ready_task_with_its_tag_or_is_skipped() {
    let env = Env::new();
    let claims = env.home().join("claims.txt");
    env.ok(&[
        "jobs",
        "add",
        "sweeper",
        "--takes-tasks",
        "Cleanup",
        "--command",
        &format!(
            "echo \"$JR_TASK_ID $JR_TASK_TITLE\" >> {}",
            claims.display()
        ),
    ]);
    let shown = env.json(&["jobs", "show", "sweeper", "--json"]);
    assert_eq!(shown["takes_tasks"], "cleanup", "tags fold case: {shown}");
    let low = add_task(&env, &["나중에", "-t", "cleanup", "-p", "p3"]);
    let high = add_task(&env, &["먼저", "-t", "cleanup", "-p", "p0"]);
    let other = add_task(&env, &["다른 태그", "-t", "infra", "-p", "p0"]);
    let dep = add_task(
        &env,
        &[
            "기다림",
            "-t",
            "cleanup",
            "-p",
            "p0",
            "--depends",
            &other.to_string(),
        ],
    );
    for want in [high, low] {
        let run = env.json(&["run", "sweeper", "--json"]);
        assert_eq!(run["status"], "success", "{run}");
        assert_eq!(run["task_id"], want);
        assert_eq!(show(&env, want)["status"], "review");
    }
    let run = env.run(&["run", "sweeper", "--json"]);
    assert_eq!(run.status.code(), Some(1));
    let run: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(run["status"], "skipped");
    assert_eq!(run["error"], "no ready task tagged cleanup");
    assert_eq!(run["task_id"], Value::Null);
    assert_eq!(
        std::fs::read_to_string(&claims).unwrap(),
        format!("{high} 먼저\n{low} 나중에\n")
    );
    assert_eq!(show(&env, dep)["status"], "pending", "blocked tasks wait");
    assert_eq!(
        show(&env, other)["status"],
        "pending",
        "other tags are not taken"
    );
    env.ok(&["jobs", "edit", "sweeper", "--no-takes-tasks"]);
    assert_eq!(
        env.json(&["jobs", "show", "sweeper", "--json"])["takes_tasks"],
        Value::Null
    );
    let err = env.fails(
        &[
            "jobs",
            "add",
            "bad",
            "--takes-tasks",
            "two words",
            "--command",
            "true",
        ],
        1,
    );
    assert!(err.contains("one word"), "{err}");
}

/// Make `n` worker jobs on `tag`, each appending the task it got to `claims`.
fn workers(env: &Env, n: usize, tag: &str, claims: &std::path::Path) -> Vec<String> {
    let mut file = String::new();
    let names: Vec<String> = (0..n).map(|i| format!("w{i:03}")).collect();
    for name in &names {
        file.push_str(&format!(
            "[[job]]\nname = \"{name}\"\ncommand = \"echo $JR_TASK_ID >> {}\"\ntakes_tasks = \"{tag}\"\noverlap = \"allow\"\n\n",
            claims.display()
        ));
    }
    let path = env.home().join("workers.toml");
    std::fs::write(&path, file).unwrap();
    env.ok(&["jobs", "import", path.to_str().unwrap()]);
    names
}

/// Every task taken exactly once: by the workers' own record, the runs and
/// the tasks' histories.
fn check_no_double_claim(env: &Env, tasks: &[i64], claims: &std::path::Path, runs: usize) {
    let lines = std::fs::read_to_string(claims).unwrap();
    let mut got: BTreeMap<i64, usize> = BTreeMap::new();
    for l in lines.lines() {
        *got.entry(l.trim().parse().unwrap()).or_default() += 1;
    }
    let twice: Vec<_> = got.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "tasks worked on twice: {twice:?}");
    assert_eq!(
        got.keys().copied().collect::<BTreeSet<_>>(),
        tasks.iter().copied().collect::<BTreeSet<_>>()
    );
    let all = env.json(&["runs", "list", "--limit", "1000", "--json"]);
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), runs);
    let with_task: Vec<i64> = all.iter().filter_map(|r| r["task_id"].as_i64()).collect();
    assert_eq!(with_task.len(), tasks.len(), "one run per task");
    assert_eq!(with_task.iter().collect::<BTreeSet<_>>().len(), tasks.len());
    let skipped = all.iter().filter(|r| r["status"] == "skipped").count();
    assert_eq!(skipped, runs - tasks.len());
    for id in tasks {
        let t = show(env, *id);
        assert_eq!(t["status"], "review", "#{id}");
        let claims: Vec<&Value> = t["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["field"] == "claimed_by" && e["new"].is_string())
            .collect();
        assert_eq!(claims.len(), 1, "#{id} claimed once: {t}");
    }
}

#[test]
fn a_hundred_workers_in_a_hundred_processes_never_take_one_task_twice() {
    let env = Env::new();
    let claims = env.home().join("claims.txt");
    let names = workers(&env, 100, "pile", &claims);
    let tasks: Vec<i64> = (0..60)
        .map(|i| add_task(&env, &[&format!("더미 {i}"), "-t", "pile"]))
        .collect();
    // No scheduler: each `jr run` executes its run itself, all at once.
    let children: Vec<std::process::Child> = names
        .iter()
        .map(|n| {
            let mut c = env.jr_std();
            c.args(["run", n, "--json"])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            c.spawn().unwrap()
        })
        .collect();
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    for ch in children {
        let out = ch.wait_with_output().unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        *statuses
            .entry(v["status"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert_eq!(
        statuses,
        BTreeMap::from([("skipped".to_string(), 40), ("success".to_string(), 60)])
    );
    check_no_double_claim(&env, &tasks, &claims, 100);
}

#[test]
fn a_hundred_workers_under_one_daemon_never_take_one_task_twice() {
    let env = Env::new();
    env.config("[scheduler]\nlease_ttl = \"3s\"\nshutdown_grace = \"1s\"\nconcurrency = 32\n");
    let claims = env.home().join("claims.txt");
    let names = workers(&env, 100, "pile", &claims);
    let tasks: Vec<i64> = (0..60)
        .map(|i| add_task(&env, &[&format!("더미 {i}"), "-t", "pile"]))
        .collect();
    let _d = env.daemon();
    for n in &names {
        env.ok(&["run", n, "--json"]);
    }
    env.wait_until("every worker's run to end", 60, || {
        let all = env.json(&["runs", "list", "--limit", "1000", "--json"]);
        let all = all.as_array().unwrap().clone();
        (all.len() == 100
            && all
                .iter()
                .all(|r| r["status"] != "queued" && r["status"] != "running"))
        .then_some(())
    });
    check_no_double_claim(&env, &tasks, &claims, 100);
}

fn with_llm(env: &Env, server: &FakeLlm) {
    env.config(&format!(
        "[llm]\nollama_url = \"{}\"\nread_timeout = \"5s\"\nload_timeout = \"5s\"\n",
        server.url
    ));
}

#[test]
fn an_agent_gets_the_task_in_its_prompt_and_its_answer_goes_to_review() {
    let server = FakeLlm::start();
    let env = Env::new();
    with_llm(&env, &server);
    env.ok(&[
        "agents",
        "add",
        "echoer",
        "--model",
        "ollama/echo:1b",
        "--system",
        "너는 도우미다.",
    ]);
    env.ok(&["agents", "add", "breaker", "--model", "ollama/broken:1b"]);
    let before = add_task(&env, &["스키마 정하기"]);
    env.ok(&["tasks", "done", &before.to_string()]);
    let id = add_task(
        &env,
        &[
            "마이그레이션 검토",
            "--body",
            "0010 파일을 읽고 위험을 적어라",
            "--depends",
            &before.to_string(),
        ],
    );
    env.ok(&["tasks", "split", &id.to_string(), "인덱스 확인"]);
    env.ok(&["tasks", "note", &id.to_string(), "지난번엔 락이 문제였다"]);

    let out = env.json(&[
        "tasks",
        "assign",
        &id.to_string(),
        "--agent",
        "echoer",
        "--json",
    ]);
    let x = &out["execution"];
    assert_eq!(x["status"], "success", "{out}");
    assert_eq!(x["task_id"], id);
    assert_eq!(out["task"]["status"], "review");
    assert_eq!(out["task"]["claimed_by"], Value::Null);
    // The model got title, body, notes, sub-tasks and dependencies.
    let prompt = x["prompt"].as_str().unwrap();
    for want in [
        format!("Task #{id}: 마이그레이션 검토"),
        "0010 파일을 읽고 위험을 적어라".to_string(),
        "지난번엔 락이 문제였다".to_string(),
        "인덱스 확인".to_string(),
        format!("#{before} [done] 스키마 정하기"),
    ] {
        assert!(prompt.contains(&want), "{want:?} not in {prompt}");
    }
    let asked = server.chats();
    let body = asked.last().unwrap().body.to_string();
    assert!(
        body.contains("마이그레이션 검토") && body.contains("너는 도우미다."),
        "{body}"
    );
    let t = show(&env, id);
    let work = t["work"].as_array().unwrap();
    assert_eq!(work.len(), 1);
    assert_eq!(work[0]["kind"], "execution");
    assert_eq!(work[0]["agent"], "echoer");
    assert_eq!(work[0]["status"], "success");
    let n = notes(&t);
    let last = n.last().unwrap();
    assert!(
        last.starts_with(&format!(
            "execution #{} of agent echoer succeeded\n",
            x["id"]
        )),
        "{last}"
    );
    assert!(
        last.contains("마이그레이션 검토"),
        "the answer is kept: {last}"
    );
    let runs = env.json(&["agents", "runs", "--json"]);
    assert_eq!(runs[0]["task_id"], id);

    // A model that fails mid-answer: back to pending with the error.
    env.ok(&["tasks", "start", &id.to_string()]);
    let out = env.run(&["tasks", "assign", &id.to_string(), "--agent", "breaker"]);
    assert_eq!(out.status.code(), Some(4), "a service error");
    let t = show(&env, id);
    assert_eq!(t["status"], "pending");
    assert_eq!(t["claimed_by"], Value::Null);
    assert!(notes(&t).last().unwrap().contains("failed"), "{t}");
}

#[test]
fn an_agent_job_worker_renders_the_task_into_its_template() {
    let server = FakeLlm::start();
    let env = Env::new();
    with_llm(&env, &server);
    env.ok(&["agents", "add", "echoer", "--model", "ollama/echo:1b"]);
    env.ok(&[
        "jobs",
        "add",
        "triage",
        "--agent",
        "echoer",
        "--prompt",
        "할 일 #{{task.id}}: {{task.title}} — {{task.body}}",
        "--takes-tasks",
        "inbox",
    ]);
    env.ok(&[
        "jobs",
        "add",
        "plain",
        "--agent",
        "echoer",
        "--prompt",
        "오늘은 {{date}}",
    ]);
    let id = add_task(
        &env,
        &["메일 분류", "--body", "스팸 걸러내기", "-t", "inbox"],
    );
    let run = env.json(&["run", "triage", "--json"]);
    assert_eq!(run["status"], "success", "{run}");
    assert_eq!(run["task_id"], id);
    let x = &env.json(&["agents", "runs", "--json"])[0];
    assert_eq!(
        x["prompt"],
        format!("할 일 #{id}: 메일 분류 — 스팸 걸러내기")
    );
    assert_eq!(x["run_id"], run["id"]);
    let t = show(&env, id);
    assert_eq!(t["status"], "review");
    // The run is the work; its execution is not listed a second time.
    assert_eq!(t["work"].as_array().unwrap().len(), 1);
    assert_eq!(t["work"][0]["kind"], "run");

    // A template that does not name its task still hands it on.
    let other = add_task(&env, &["로그 보기"]);
    let v = env.json(&[
        "tasks",
        "assign",
        &other.to_string(),
        "--job",
        "plain",
        "--json",
    ]);
    assert_eq!(v["run"]["status"], "success", "{v}");
    let x = &env.json(&["agents", "runs", "--json"])[0];
    let p = x["prompt"].as_str().unwrap();
    assert!(
        p.starts_with("오늘은 ") && p.contains(&format!("Task #{other}: 로그 보기")),
        "{p}"
    );
}
