//! jr against a real Dagster (`dagster dev` from tests/common/dagster.rs,
//! with the jobs of tests/dagster/defs.py): dagster jobs run by jr's
//! scheduler succeed with their log copied, fail with the step's error,
//! refuse bad config and unknown jobs, terminate, resume after jr restarts,
//! and fail clearly once a stopped Dagster stays away past the give-up time.

mod common;

use common::Env;
use common::dagster::{Dagster, shared};
use nix::sys::signal::Signal;
use serde_json::Value;

/// Bounds for waits: Dagster takes ~7 s per run on an idle 2-core machine,
/// much more while other builds run.
const RUN_SECS: u64 = 240;

fn env_with(d: &Dagster, extra: &str) -> Env {
    let env = Env::new();
    env.config(&d.jr_config(extra));
    env
}

fn queue(env: &Env, job: &str) -> i64 {
    env.json(&["run", job, "--json"])["id"].as_i64().unwrap()
}

fn wait_end(env: &Env, id: i64) -> Value {
    env.wait_until(&format!("run {id} to end"), RUN_SECS, || {
        let r = env.run_obj(id);
        (r["status"] != "queued" && r["status"] != "running").then_some(r)
    })
}

/// Wait until the run follows a Dagster run in the given Dagster status.
fn wait_external(env: &Env, id: i64, status: &str) -> Value {
    env.wait_until(
        &format!("run {id} to follow a {status} Dagster run"),
        RUN_SECS,
        || {
            let r = env.run_obj(id);
            (r["external"]["status"] == status).then_some(r)
        },
    )
}

fn logs(env: &Env, id: i64) -> String {
    env.ok(&["runs", "logs", &id.to_string()])
}

#[test]
fn a_dagster_job_succeeds_with_its_log_copied() {
    let d = shared();
    let env = env_with(d, "");
    env.ok(&[
        "jobs",
        "add",
        "greet",
        "--dagster",
        "hello",
        "--description",
        "인사",
    ]);
    let _daemon = env.daemon();
    let id = queue(&env, "greet");
    let run = wait_end(&env, id);
    assert_eq!(run["status"], "success", "{run}\n{}", logs(&env, id));
    let x = &run["external"];
    assert_eq!(x["system"], "dagster");
    assert_eq!(x["status"], "SUCCESS");
    let url = format!("{}/runs/{}", d.url, x["id"].as_str().unwrap());
    assert_eq!(run["result"], url.as_str(), "the link is the result");
    let log = logs(&env, id);
    for want in [
        "[jr] launched Dagster run",
        "LOG            say_hello: hello from dagster 안녕",
        "say_hello | captured stdout line 표준출력",
        "say_hello | captured stderr line",
        "RUN_SUCCESS",
    ] {
        assert!(log.contains(want), "{want:?} missing from:\n{log}");
    }
    assert_eq!(
        log.matches("RUN_SUCCESS").count(),
        1,
        "no line twice:\n{log}"
    );
    // Dagster's side knows which jr run launched it.
    let runs = env.json(&["dagster", "runs", "--job", "hello", "--json"]);
    let mine = runs
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["run_id"] == x["id"])
        .expect("the run in `jr dagster runs`");
    assert_eq!(mine["jr_run"], id);
    assert_eq!(mine["tags"]["jr/job"], "greet");
}

#[test]
fn a_task_handed_to_a_dagster_job_carries_the_jr_task_tag_and_its_link() {
    let d = shared();
    let env = env_with(d, "");
    env.ok(&["jobs", "add", "greet", "--dagster", "hello"]);
    let task = env.json(&["tasks", "add", "대시보드 새로고침", "--json"])["id"]
        .as_i64()
        .unwrap();
    let _daemon = env.daemon();
    let v = env.json(&[
        "tasks",
        "assign",
        &task.to_string(),
        "--job",
        "greet",
        "--json",
    ]);
    let id = v["run"]["id"].as_i64().unwrap();
    let run = wait_end(&env, id);
    assert_eq!(run["status"], "success", "{run}\n{}", logs(&env, id));
    let dagster_id = run["external"]["id"].as_str().unwrap().to_string();
    let runs = env.json(&["dagster", "runs", "--job", "hello", "--json"]);
    let mine = runs
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["run_id"] == dagster_id.as_str())
        .expect("the run in `jr dagster runs`");
    assert_eq!(mine["tags"]["jr/task"], task.to_string());
    let t = env.json(&["tasks", "show", &task.to_string(), "--json"]);
    assert_eq!(t["status"], "review");
    let url = format!("{}/runs/{dagster_id}", d.url);
    let note = t["events"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["field"] == "note")
        .unwrap()["new"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(note.ends_with(&format!("succeeded\n{url}")), "{note}");
}

#[test]
fn a_failing_step_fails_the_run_with_the_steps_error() {
    let env = env_with(shared(), "");
    env.ok(&["jobs", "add", "explode", "--dagster", "jr_tests/broken"]);
    let _daemon = env.daemon();
    let id = queue(&env, "explode");
    let run = wait_end(&env, id);
    assert_eq!(run["status"], "failed");
    assert_eq!(
        run["error"],
        "step explode: ValueError: boom: the step failed on purpose"
    );
    assert_eq!(run["external"]["status"], "FAILURE");
    let log = logs(&env, id);
    assert!(log.contains("STEP_FAILURE   explode"), "{log}");
    assert!(
        log.contains("explode | ValueError: boom"),
        "the captured traceback:\n{log}"
    );
}

#[test]
fn bad_config_and_unknown_jobs_are_refused_clearly() {
    let d = shared();
    let env = env_with(d, "");
    // From the command line: each config error with its path; exit 1.
    let err = env.fails(
        &[
            "dagster",
            "launch",
            "needs_config",
            "--run-config",
            r#"{"ops": {"greet": {"config": {"name": 3}}}}"#,
        ],
        1,
    );
    assert!(
        err.contains("at ops.greet.config: Missing required config entry \"times\""),
        "{err}"
    );
    assert!(
        err.contains("at ops.greet.config.name: Invalid scalar"),
        "{err}"
    );
    let err = env.fails(&["dagster", "launch", "helo"], 1);
    assert!(err.contains("no Dagster job named \"helo\""), "{err}");
    assert!(err.contains("did you mean hello?"), "{err}");

    // As jr jobs: YAML config from a file works; bad config fails the run with the paths.
    let good = env.home().join("greet.yaml");
    std::fs::write(
        &good,
        "ops:\n  greet:\n    config: {name: \"세계\", times: 2}\n",
    )
    .unwrap();
    env.ok(&[
        "jobs",
        "add",
        "greet-ok",
        "--dagster",
        "needs_config",
        "--dagster-config",
        good.to_str().unwrap(),
    ]);
    env.ok(&[
        "jobs",
        "add",
        "greet-bad",
        "--dagster",
        "needs_config",
        "--dagster-config",
        "ops: {greet: {config: {name: x}}}",
    ]);
    env.ok(&["jobs", "add", "typo", "--dagster", "helo"]);
    let _daemon = env.daemon();
    let (ok, bad, typo) = (
        queue(&env, "greet-ok"),
        queue(&env, "greet-bad"),
        queue(&env, "typo"),
    );
    let bad = wait_end(&env, bad);
    assert_eq!(bad["status"], "failed");
    let e = bad["error"].as_str().unwrap();
    assert!(
        e.contains("at ops.greet.config: Missing required config entry \"times\""),
        "{e}"
    );
    assert!(bad["external"].is_null(), "nothing was launched");
    let typo = wait_end(&env, typo);
    assert!(
        typo["error"]
            .as_str()
            .unwrap()
            .contains("did you mean hello?"),
        "{typo}"
    );
    let ok = wait_end(&env, ok);
    assert_eq!(
        ok["status"],
        "success",
        "{}",
        logs(&env, ok["id"].as_i64().unwrap())
    );
    assert_eq!(
        logs(&env, ok["id"].as_i64().unwrap())
            .matches("greetings, 세계")
            .count(),
        2
    );
}

#[test]
fn cancel_and_timeout_terminate_the_dagster_run() {
    let env = env_with(shared(), "");
    env.ok(&["jobs", "add", "nap", "--dagster", "slow"]);
    env.ok(&[
        "jobs",
        "add",
        "short-nap",
        "--dagster",
        "slow",
        "--timeout",
        "20s",
    ]);
    let _daemon = env.daemon();
    let (a, b) = (queue(&env, "nap"), queue(&env, "short-nap"));
    let started = wait_external(&env, a, "STARTED");
    env.ok(&["runs", "cancel", &a.to_string()]);
    let a_run = wait_end(&env, a);
    assert_eq!(a_run["status"], "cancelled", "{}", logs(&env, a));
    let b_run = wait_end(&env, b);
    assert_eq!(b_run["status"], "timeout", "{}", logs(&env, b));
    for (id, r) in [(a, &a_run), (b, &b_run)] {
        let log = logs(&env, id);
        // Asked once Dagster would take it (a STARTING run is asked again),
        // or, if it never left STARTING within the grace, marked canceled.
        assert!(
            log.contains("[jr] asked Dagster to terminate run")
                || log.contains("marked it canceled"),
            "{log}"
        );
        assert_eq!(r["external"]["status"], "CANCELED", "{r}\n{log}");
    }
    let dagster_id = started["external"]["id"].as_str().unwrap();
    let shown = env.json(&["dagster", "runs", "--status", "canceled", "--json"]);
    assert!(
        shown
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["run_id"] == dagster_id)
    );

    // `jr dagster terminate` on a run launched from the command line, by its short id.
    let launched = env.json(&["dagster", "launch", "slow", "--json"]);
    let id = launched["run_id"].as_str().unwrap();
    env.wait_until("the launched run to start", RUN_SECS, || {
        let r = env.json(&["dagster", "runs", "--json", "-n", "50"]);
        r.as_array()
            .unwrap()
            .iter()
            .any(|r| r["run_id"] == id && r["status"] == "STARTED")
            .then_some(())
    });
    let out = env.ok(&["dagster", "terminate", &id[..8]]);
    assert!(
        out.contains(&format!(
            "asked to terminate Dagster run {id} (it was STARTED)"
        )),
        "{out}"
    );
}

#[test]
fn a_restarted_jr_resumes_following_the_dagster_run() {
    let env = env_with(shared(), "");
    env.ok(&[
        "jobs",
        "add",
        "nap8",
        "--dagster",
        "slow",
        "--dagster-config",
        "ops: {nap: {config: {seconds: 8}}}",
    ]);
    let mut first = env.daemon();
    let id = queue(&env, "nap8");
    let run = wait_external(&env, id, "STARTED");
    let dagster_id = run["external"]["id"].as_str().unwrap().to_string();
    // A crash: no chance to say anything.
    first.signal(Signal::SIGKILL);
    first.wait_exit(10);
    assert_eq!(env.run_obj(id)["status"], "running");
    let second = env.daemon();
    let end = wait_end(&env, id);
    assert_eq!(
        end["status"],
        "success",
        "{end}\n{}\n{}",
        logs(&env, id),
        second.log_text()
    );
    assert_eq!(
        end["external"]["id"],
        dagster_id.as_str(),
        "the same Dagster run"
    );
    let log = logs(&env, id);
    assert!(
        log.contains("[jr] resuming: following Dagster run"),
        "{log}"
    );
    assert!(log.contains("LOG            nap: woke up"), "{log}");
    assert_eq!(
        log.matches("[jr] launched").count(),
        1,
        "launched once:\n{log}"
    );
    assert_eq!(
        log.matches("RUN_START ").count(),
        1,
        "no line copied twice:\n{log}"
    );
    assert!(
        second.log_text().contains("resuming"),
        "{}",
        second.log_text()
    );
}

#[test]
fn a_stopped_jr_leaves_the_dagster_run_to_the_next_one() {
    let env = env_with(shared(), "");
    env.ok(&[
        "jobs",
        "add",
        "nap6",
        "--dagster",
        "slow",
        "--dagster-config",
        "ops: {nap: {config: {seconds: 6}}}",
    ]);
    let mut first = env.daemon();
    let id = queue(&env, "nap6");
    wait_external(&env, id, "STARTED");
    first.signal(Signal::SIGTERM);
    assert!(first.wait_exit(30).success(), "{}", first.log_text());
    let left = env.run_obj(id);
    assert_eq!(left["status"], "running", "not interrupted: {left}");
    assert!(logs(&env, id).contains("goes on and the next jr scheduler follows it again"));
    let _second = env.daemon();
    let end = wait_end(&env, id);
    assert_eq!(end["status"], "success", "{}", logs(&env, id));
}

#[test]
fn an_unreachable_dagster_is_retried_then_the_run_fails_with_the_reason() {
    let mut own = Dagster::start();
    // The give-up time must outlast stopping Dagster (up to 10 s under load),
    // or the run has already failed when the test starts looking.
    let env = env_with(&own, "give_up = \"30s\"\n");
    env.ok(&["jobs", "add", "nap", "--dagster", "slow"]);
    let _daemon = env.daemon();
    let id = queue(&env, "nap");
    wait_external(&env, id, "STARTED");
    // Killed, not stopped: a SIGTERM lets the run record FAILURE and the
    // webserver report it before it exits, and jr rightly ends there.
    own.kill();
    // Follow the run to its end; on the way it must show Dagster unreachable
    // (while jr retries), and `runs show` must say so.
    let mut saw_unreachable = None;
    let mut last = serde_json::Value::Null;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(RUN_SECS);
    let end = loop {
        let r = env.run_obj(id);
        if r["status"] == "running"
            && r["external"]["unreachable_since"].is_string()
            && saw_unreachable.is_none()
        {
            saw_unreachable = Some((r.clone(), env.ok(&["runs", "show", &id.to_string()])));
        }
        if r["status"] != "queued" && r["status"] != "running" {
            break r;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "run {id} did not end; last seen: {last}\nlog: {}",
            logs(&env, id)
        );
        last = r;
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let (shown, human) = saw_unreachable.unwrap_or_else(|| {
        panic!(
            "never seen unreachable while running; end: {end}\nlog: {}",
            logs(&env, id)
        )
    });
    assert!(
        shown["external"]["last_error"]
            .as_str()
            .unwrap()
            .contains("cannot reach Dagster instance test"),
        "{shown}"
    );
    assert!(human.contains("unreachable since"), "{human}");
    assert_eq!(end["status"], "failed");
    let e = end["error"].as_str().unwrap();
    assert!(
        e.contains("cannot reach Dagster instance test") && e.contains("give-up time of 30s"),
        "{e}"
    );
    assert!(e.contains("may still be running"), "{e}");
    assert!(
        logs(&env, id).contains("retrying with backoff"),
        "{}",
        logs(&env, id)
    );
}

#[test]
fn status_shows_a_broken_code_location_and_its_python_error() {
    let env = env_with(shared(), "");
    let s = env.json(&["dagster", "status", "--json"]);
    assert_eq!(s["reachable"], true);
    assert_eq!(s["version"], "1.13.27");
    let broken = s["locations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "broken")
        .unwrap();
    assert_eq!(broken["status"], "error");
    assert!(
        broken["error"]
            .as_str()
            .unwrap()
            .contains("RuntimeError: this code location is broken on purpose")
    );
    let jobs = env.json(&["dagster", "jobs", "--json"]);
    let names: Vec<&str> = jobs
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["job"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["broken", "hello", "needs_config", "slow"],
        "no __ jobs"
    );
    let err = env.fails(&["dagster", "launch", "broken/anything"], 4);
    assert!(
        err.contains("the code location broken failed to load")
            && err.contains("broken on purpose"),
        "{err}"
    );
    let err = env.fails(&["dagster", "reload", "broken"], 4);
    assert!(err.contains("broken on purpose"), "{err}");
    let out = env.ok(&["dagster", "reload", "jr_tests"]);
    assert!(
        out.contains("reloaded code location jr_tests: loaded"),
        "{out}"
    );
    // Schedules and sensors start and stop.
    assert!(
        env.ok(&["dagster", "start", "hello_hourly"])
            .contains("is now running")
    );
    let sched = env.json(&["dagster", "schedules", "--json"]);
    assert_eq!(sched[0]["state"], "running");
    assert!(
        env.ok(&["dagster", "stop", "hello_hourly"])
            .contains("is now stopped")
    );
    assert!(
        env.ok(&["dagster", "start", "quiet_sensor"])
            .contains("sensor jr_tests/quiet_sensor is now running")
    );
    assert!(
        env.ok(&["dagster", "stop", "quiet_sensor"])
            .contains("is now stopped")
    );
}
