//! Agent jobs and Job–Agent chains through a real daemon, against a local
//! Ollama-protocol server: the template gets jr's data and collect output,
//! the answer is the run's result and a file; a failed backup's log goes to
//! an agent after the last retry only; an agent's answer reaches a shell job.

mod common;
mod fake_llm;

use common::Env;
use fake_llm::{FakeLlm, KOREAN};
use serde_json::Value;

fn setup(env: &Env, server: &FakeLlm) {
    env.config(&format!(
        "[scheduler]\nlease_ttl = \"3s\"\nshutdown_grace = \"1s\"\n[llm]\nollama_url = \"{}\"\nread_timeout = \"5s\"\nload_timeout = \"5s\"\n",
        server.url
    ));
}

fn finished(env: &Env, job: &str, n: usize) -> Vec<Value> {
    env.wait_until(&format!("{n} finished runs of {job}"), 30, || {
        let r = env.runs(job);
        (r.iter()
            .filter(|r| !matches!(r["status"].as_str(), Some("queued" | "running")))
            .count()
            >= n)
            .then_some(r)
    })
}

#[test]
fn an_agent_job_renders_its_template_and_its_answer_is_the_result() {
    let server = FakeLlm::start();
    let env = Env::new();
    setup(&env, &server);
    env.ok(&["tasks", "add", "스케줄러 버그 고치기", "--priority", "p1"]);
    env.ok(&[
        "agents",
        "add",
        "echo",
        "--model",
        "ollama/echo:1b",
        "--system",
        "브리핑",
    ]);
    let out = env.home().join("briefings");
    env.ok(&[
        "jobs",
        "add",
        "brief",
        "--agent",
        "echo",
        "--prompt",
        "날짜 {{date}}\n{{tasks.ready}}\n날씨: {{collect.weather}}",
        "--collect",
        "weather=echo 맑음 3°C",
        "--output-file",
        &format!("{}/{{{{date}}}}.md", out.display()),
    ]);
    let _d = env.daemon();
    let run = env.json(&["run", "brief", "--wait", "--json"]);
    assert_eq!(run["status"], "success", "{run}");
    let result = run["result"].as_str().unwrap();
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Seoul)
        .format("%Y-%m-%d")
        .to_string();
    assert!(
        result.starts_with("[system] 브리핑\n[user] 날짜 "),
        "{result}"
    );
    assert!(result.contains(&format!("날짜 {today}")), "{result}");
    assert!(
        result.contains("- #1 [p1] 스케줄러 버그 고치기"),
        "{result}"
    );
    assert!(result.contains("날씨: 맑음 3°C"), "{result}");
    // The file holds the same answer; the log has the streamed lines.
    assert_eq!(
        std::fs::read_to_string(out.join(format!("{today}.md"))).unwrap(),
        result
    );
    let logs = env.ok(&["runs", "logs", &run["id"].to_string()]);
    assert!(
        logs.contains("날씨: 맑음 3°C") && logs.contains("[jr] collect weather"),
        "{logs}"
    );
    // The agent execution is recorded and linked to the run.
    let ar = &env.json(&["agents", "runs", "--json"])[0];
    assert_eq!(ar["run_id"], run["id"]);
    assert_eq!(ar["status"], "success");
    assert_eq!(ar["output"].as_str(), Some(result));
}

#[test]
fn a_missing_model_fails_the_run_with_the_fix_and_retries_follow_the_policy() {
    let server = FakeLlm::start();
    let env = Env::new();
    setup(&env, &server);
    env.ok(&["agents", "add", "a", "--model", "ollama/nope:7b"]);
    env.ok(&[
        "jobs",
        "add",
        "j",
        "--agent",
        "a",
        "--prompt",
        "hi",
        "--retries",
        "1",
        "--retry-backoff",
        "1s",
    ]);
    let _d = env.daemon();
    env.ok(&["run", "j"]);
    let runs = finished(&env, "j", 2);
    assert_eq!(runs.len(), 2);
    for r in &runs {
        assert_eq!(r["status"], "failed");
        assert!(
            r["error"].as_str().unwrap().contains("ollama pull nope:7b"),
            "{r}"
        );
    }
    assert_eq!(runs[0]["trigger"], "retry");
}

#[test]
fn chains_run_after_the_last_attempt_and_hand_on_the_upstream() {
    let server = FakeLlm::start();
    let env = Env::new();
    setup(&env, &server);
    let published = env.home().join("published.txt");
    env.ok(&["agents", "add", "echo", "--model", "ollama/echo:1b"]);
    env.ok(&[
        "agents",
        "add",
        "korean",
        "--model",
        "ollama/qwen2.5-coder:7b",
    ]);
    env.ok(&["jobs", "add", "publish", "--command",
        &format!("printf '%s|%s|%s' \"$JR_UPSTREAM_JOB\" \"$JR_UPSTREAM_STATUS\" \"$JR_UPSTREAM_RESULT\" > {}", published.display())]);
    env.ok(&[
        "jobs",
        "add",
        "summarize",
        "--agent",
        "echo",
        "--prompt",
        "{{upstream.job}} {{upstream.status}}: {{upstream.log_tail}}",
    ]);
    env.ok(&[
        "jobs",
        "add",
        "briefing",
        "--agent",
        "korean",
        "--prompt",
        "브리핑",
        "--on-success",
        "publish",
    ]);
    env.ok(&[
        "jobs",
        "add",
        "backup",
        "--command",
        "echo 'restic: repository is already locked'; exit 2",
        "--retries",
        "1",
        "--retry-backoff",
        "1s",
        "--on-failure",
        "summarize",
    ]);
    let _d = env.daemon();

    env.ok(&["run", "backup"]);
    let sum = finished(&env, "summarize", 1);
    let backups = env.runs("backup");
    assert_eq!(
        backups.len(),
        2,
        "the first attempt did not chain: {backups:?}"
    );
    let last = backups.iter().find(|r| r["attempt"] == 2).unwrap();
    assert_eq!(sum.len(), 1, "one chained run, after the last attempt");
    assert_eq!(sum[0]["trigger"], "chain");
    assert_eq!(sum[0]["upstream_run"], last["id"]);
    assert_eq!(sum[0]["status"], "success");
    let result = sum[0]["result"].as_str().unwrap();
    assert!(
        result.contains("backup failed: restic: repository is already locked"),
        "{result}"
    );

    env.ok(&["run", "briefing"]);
    let pubs = finished(&env, "publish", 1);
    assert_eq!(pubs[0]["trigger"], "chain");
    assert_eq!(pubs[0]["status"], "success");
    let text = std::fs::read_to_string(&published).unwrap();
    assert_eq!(text, format!("briefing|success|{KOREAN}"));
    // A chained run's upstream shows in its history.
    let up = env.run_obj(pubs[0]["upstream_run"].as_i64().unwrap());
    assert_eq!(up["job"], "briefing");
}
