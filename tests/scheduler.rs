//! The scheduler through real daemons: fires, overlap and misfire policies,
//! retries, cancellation, a killed daemon's runs becoming lost, two daemons on
//! one database, and a clean SIGTERM.

mod common;

use std::collections::HashMap;

use common::Env;
use nix::sys::signal::Signal;
use serde_json::Value;

fn quick(env: &Env) {
    env.config("[scheduler]\nlease_ttl = \"3s\"\nshutdown_grace = \"1s\"\n");
}

fn statuses(runs: &[Value]) -> Vec<String> {
    runs.iter()
        .map(|r| r["status"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_daemon_fires_jobs_on_schedule_with_their_environment() {
    let env = Env::new();
    quick(&env);
    let out = env.home().join("fired.txt");
    env.ok(&[
        "jobs",
        "add",
        "tick",
        "--cron",
        "* * * * * *",
        "--command",
        &format!("echo \"$JR_JOB $JR_SCHEDULED_FOR\" >> {}", out.display()),
    ]);
    let _d = env.daemon();
    let runs = env.wait_until("three scheduled runs", 15, || {
        let r = env.runs("tick");
        (r.iter().filter(|r| r["status"] == "success").count() >= 3).then_some(r)
    });
    for r in runs.iter().filter(|r| r["status"] == "success") {
        assert_eq!(r["trigger"], "schedule");
        let scheduled =
            chrono::DateTime::parse_from_rfc3339(r["scheduled_for"].as_str().unwrap()).unwrap();
        let started =
            chrono::DateTime::parse_from_rfc3339(r["started_at"].as_str().unwrap()).unwrap();
        assert_eq!(
            scheduled.timestamp_subsec_millis(),
            0,
            "fires on the second"
        );
        let late = (started - scheduled).num_milliseconds();
        assert!(
            (0..1000).contains(&late),
            "started {late} ms after its fire time"
        );
    }
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.lines().all(|l| l.starts_with("tick 20")), "{text}");
}

#[test]
fn run_with_a_daemon_is_queued_and_started_by_it() {
    let env = Env::new();
    quick(&env);
    env.ok(&["jobs", "add", "echoer", "--command", "echo from-daemon"]);
    let d = env.daemon();
    let out = env
        .cmd()
        .args(["run", "echoer", "--wait", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["status"], "success");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("foreground"));
    assert!(
        d.log_text().contains(&format!("run={}", run["id"])),
        "the daemon ran it: {}",
        d.log_text()
    );
    assert_eq!(
        env.ok(&["runs", "logs", &run["id"].to_string()]),
        "from-daemon\n"
    );
}

#[test]
fn overlap_skip_records_skipped_fires() {
    let env = Env::new();
    quick(&env);
    env.ok(&[
        "jobs",
        "add",
        "slow",
        "--cron",
        "* * * * * *",
        "--command",
        "sleep 2.5",
    ]);
    let _d = env.daemon();
    let runs = env.wait_until("skipped fires", 15, || {
        let r = env.runs("slow");
        (r.iter().filter(|r| r["status"] == "skipped").count() >= 2).then_some(r)
    });
    let skipped = runs.iter().find(|r| r["status"] == "skipped").unwrap();
    assert!(
        skipped["error"]
            .as_str()
            .unwrap()
            .contains("overlap policy skip"),
        "{skipped}"
    );
    let running = runs.iter().filter(|r| r["status"] == "running").count();
    assert!(running <= 1, "never two at once: {:?}", statuses(&runs));
}

#[test]
fn overlap_queue_and_allow() {
    let env = Env::new();
    quick(&env);
    env.ok(&[
        "jobs",
        "add",
        "queued",
        "--cron",
        "* * * * * *",
        "--overlap",
        "queue",
        "--command",
        "sleep 2",
    ]);
    env.ok(&[
        "jobs",
        "add",
        "parallel",
        "--cron",
        "* * * * * *",
        "--overlap",
        "allow",
        "--command",
        "sleep 3",
    ]);
    let _d = env.daemon();
    env.wait_until("two parallel runs at once", 15, || {
        let r = env.runs("parallel");
        (r.iter().filter(|r| r["status"] == "running").count() >= 2).then_some(())
    });
    let q = env.wait_until("a queued run waiting behind a running one", 15, || {
        let r = env.runs("queued");
        let running = r.iter().filter(|r| r["status"] == "running").count();
        let waiting = r.iter().filter(|r| r["status"] == "queued").count();
        (running == 1 && waiting >= 1).then_some(r)
    });
    assert!(q.iter().all(|r| r["status"] != "skipped"));
}

#[test]
fn misfire_once_catches_up_the_newest_and_records_the_rest() {
    let env = Env::new();
    quick(&env);
    env.ok(&[
        "jobs",
        "add",
        "hourly",
        "--cron",
        "0 * * * *",
        "--command",
        "echo caught-up",
    ]);
    env.ok(&[
        "jobs",
        "add",
        "hourly-skip",
        "--cron",
        "0 * * * *",
        "--misfire",
        "skip",
        "--command",
        "true",
    ]);
    // Pretend jr was down since half past the hour three hours ago: the
    // fires of the last three hour marks were missed, whatever the minute now
    // (a window of "3 h + 1 min" held four marks just after an hour began).
    // Near the end of an hour, wait for the next one to begin first.
    let hour_ms = 3600 * 1000;
    let mut now = chrono::Utc::now().timestamp_millis();
    if now % hour_ms > hour_ms - 20_000 {
        std::thread::sleep(std::time::Duration::from_millis(
            (hour_ms - now % hour_ms + 1_000) as u64,
        ));
        now = chrono::Utc::now().timestamp_millis();
    }
    let since = now - now % hour_ms - 3 * hour_ms + hour_ms / 2;
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute("UPDATE jobs SET fired_through = ?1", [since])
        .unwrap();
    drop(conn);
    let _d = env.daemon();
    let runs = env.wait_until("the catch-up run to finish", 15, || {
        let r = env.runs("hourly");
        r.iter().any(|r| r["status"] == "success").then_some(r)
    });
    let mut st = statuses(&runs);
    st.sort();
    assert_eq!(st, vec!["missed", "missed", "success"], "{runs:?}");
    let caught = runs.iter().find(|r| r["status"] == "success").unwrap();
    assert_eq!(caught["trigger"], "catchup");
    let missed = runs.iter().find(|r| r["status"] == "missed").unwrap();
    assert!(
        missed["error"]
            .as_str()
            .unwrap()
            .contains("no scheduler was running"),
        "{missed}"
    );
    let skip = env.runs("hourly-skip");
    assert_eq!(statuses(&skip), vec!["missed", "missed", "missed"]);
}

#[test]
fn retries_follow_the_backoff_and_link_to_the_first_attempt() {
    let env = Env::new();
    quick(&env);
    env.ok(&[
        "jobs",
        "add",
        "flaky",
        "--retries",
        "2",
        "--retry-backoff",
        "1s",
        "--command",
        "echo try $JR_ATTEMPT; exit 7",
    ]);
    let _d = env.daemon();
    let first = env.json(&["run", "flaky", "--json"])["id"]
        .as_i64()
        .unwrap();
    let runs = env.wait_until("three failed attempts", 20, || {
        let r = env.runs("flaky");
        (r.len() == 3 && r.iter().all(|r| r["status"] == "failed")).then_some(r)
    });
    let mut by_attempt: Vec<&Value> = runs.iter().collect();
    by_attempt.sort_by_key(|r| r["attempt"].as_i64());
    assert_eq!(by_attempt[0]["id"], first);
    assert_eq!(by_attempt[1]["trigger"], "retry");
    assert_eq!(by_attempt[2]["first_run"], first);
    let gap = |a: &Value, b: &Value| {
        let end = chrono::DateTime::parse_from_rfc3339(a["finished_at"].as_str().unwrap()).unwrap();
        let start =
            chrono::DateTime::parse_from_rfc3339(b["started_at"].as_str().unwrap()).unwrap();
        (start - end).num_milliseconds()
    };
    assert!(
        gap(by_attempt[0], by_attempt[1]) >= 900,
        "first backoff ~1s"
    );
    assert!(
        gap(by_attempt[1], by_attempt[2]) >= 1900,
        "then doubled ~2s"
    );
    assert_eq!(
        env.ok(&["runs", "logs", &by_attempt[2]["id"].to_string()]),
        "try 3\n"
    );
}

#[test]
fn cancelling_a_running_run_stops_it() {
    let env = Env::new();
    quick(&env);
    env.ok(&["jobs", "add", "long", "--command", "sleep 60"]);
    let _d = env.daemon();
    let id = env.json(&["run", "long", "--json"])["id"]
        .as_i64()
        .unwrap()
        .to_string();
    env.wait_until("the run to start", 10, || {
        (env.json(&["runs", "show", &id, "--json"])["status"] == "running").then_some(())
    });
    env.ok(&["runs", "cancel", &id]);
    let run = env.wait_until("the run to end", 10, || {
        let r = env.json(&["runs", "show", &id, "--json"]);
        (r["status"] != "running").then_some(r)
    });
    assert_eq!(run["status"], "cancelled");
    env.fails(&["runs", "cancel", &id], 1);
}

#[test]
fn a_killed_daemon_leaves_lost_runs_that_the_next_one_marks() {
    let env = Env::new();
    quick(&env);
    let marker = format!("sleep 999.{}", std::process::id());
    env.ok(&[
        "jobs",
        "add",
        "long",
        "--command",
        &format!("{marker} & wait"),
    ]);
    let mut d = env.daemon();
    let id = env.json(&["run", "long", "--json"])["id"]
        .as_i64()
        .unwrap()
        .to_string();
    // Running, with its process group written down (right after the spawn):
    // what a successor needs to stop the orphans.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    env.wait_until(
        "the run to start with its process group recorded",
        10,
        || {
            let pgid: Option<i64> = conn
                .query_row(
                    "SELECT pgid FROM runs WHERE id = ?1 AND status = 'running'",
                    [id.parse::<i64>().unwrap()],
                    |r| r.get(0),
                )
                .ok()
                .flatten();
            pgid.map(|_| ())
        },
    );
    d.signal(Signal::SIGKILL);
    d.wait_exit(5);
    assert_eq!(
        env.run_obj(id.parse().unwrap())["status"],
        "running",
        "nobody knows yet"
    );
    let _d2 = env.daemon();
    let run = env.wait_until("the run to be marked lost", 10, || {
        let r = env.run_obj(id.parse().unwrap());
        (r["status"] == "lost").then_some(r)
    });
    assert!(
        run["error"]
            .as_str()
            .unwrap()
            .contains("stopped without finishing"),
        "{run}"
    );
    env.wait_until("the orphaned process group to be stopped", 10, || {
        let left = std::process::Command::new("pgrep")
            .args(["-f", &marker])
            .output()
            .unwrap();
        left.stdout.is_empty().then_some(())
    });
}

#[test]
fn two_daemons_never_run_a_fire_twice() {
    let env = Env::new();
    quick(&env);
    env.ok(&[
        "jobs",
        "add",
        "tick",
        "--cron",
        "* * * * * *",
        "--command",
        "true",
    ]);
    let _a = env.daemon();
    // The second daemon waits for the lease while the first holds it.
    let mut c = env.jr_std();
    let log = env.home().join("second.log");
    c.arg("daemon").stderr(std::fs::File::create(&log).unwrap());
    let mut b = c.spawn().unwrap();
    env.wait_until("six fires", 20, || {
        (env.runs("tick").len() >= 6).then_some(())
    });
    let _ = b.kill();
    let _ = b.wait();
    let mut per_fire: HashMap<String, usize> = HashMap::new();
    for r in env.runs("tick") {
        *per_fire
            .entry(r["scheduled_for"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert!(per_fire.values().all(|n| *n == 1), "{per_fire:?}");
    assert!(
        !std::fs::read_to_string(&log)
            .unwrap()
            .contains("took the scheduler lease")
    );
}

#[test]
fn sigterm_interrupts_running_runs_releases_the_lease_and_exits_0() {
    let env = Env::new();
    quick(&env);
    env.ok(&["jobs", "add", "long", "--command", "sleep 60"]);
    let mut d = env.daemon();
    let id: i64 = env.json(&["run", "long", "--json"])["id"].as_i64().unwrap();
    env.wait_until("the run to start", 10, || {
        (env.run_obj(id)["status"] == "running").then_some(())
    });
    d.signal(Signal::SIGTERM);
    let status = d.wait_exit(15);
    assert_eq!(status.code(), Some(0), "{}", d.log_text());
    let run = env.run_obj(id);
    assert_eq!(run["status"], "interrupted");
    assert!(
        env.json(&["status", "--json"])["scheduler"].is_null(),
        "lease released"
    );
}

/// #13 item 4: a lease holder that is frozen past a fire (SIGSTOP stands in
/// for a scheduler stuck behind a busy database) runs the fires it reaches
/// late; none is blamed on an absent scheduler.
#[test]
fn a_scheduler_that_falls_behind_runs_the_late_fires() {
    let env = Env::new();
    env.config("[scheduler]\nlease_ttl = \"60s\"\nshutdown_grace = \"1s\"\n");
    env.ok(&[
        "jobs",
        "add",
        "every-second",
        "--cron",
        "* * * * * *",
        "--misfire",
        "skip",
        "--overlap",
        "allow",
        "--command",
        "true",
    ]);
    let d = env.daemon();
    env.wait_until("a first run", 15, || {
        let r = env.runs("every-second");
        r.iter().any(|r| r["status"] == "success").then_some(())
    });
    let frozen_at = chrono::Utc::now();
    d.signal(Signal::SIGSTOP);
    std::thread::sleep(std::time::Duration::from_secs(8));
    d.signal(Signal::SIGCONT);
    let thawed = chrono::Utc::now();
    let runs = env.wait_until("the late fires to be dealt with", 20, || {
        let r = env.runs("every-second");
        r.iter()
            .any(|r| {
                r["scheduled_for"]
                    .as_str()
                    .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).unwrap() > thawed)
                    && r["status"] == "success"
            })
            .then_some(r)
    });
    let in_freeze: Vec<&Value> = runs
        .iter()
        .filter(|r| {
            let t =
                chrono::DateTime::parse_from_rfc3339(r["scheduled_for"].as_str().unwrap()).unwrap();
            t > frozen_at + chrono::Duration::seconds(1) && t < thawed
        })
        .collect();
    assert!(in_freeze.len() >= 6, "a row per fire: {in_freeze:?}");
    for r in &runs {
        let err = r["error"].as_str().unwrap_or("");
        assert!(
            !err.contains("no scheduler was running"),
            "blamed on an absent scheduler: {r}"
        );
    }
    let late_ran = in_freeze
        .iter()
        .filter(|r| r["status"] == "success" && r["trigger"] == "schedule")
        .count();
    assert!(late_ran >= 6, "the late fires ran: {:?}", statuses(&runs));
}

/// The lease row: (pid, seconds from heartbeat to expiry).
fn lease_row(env: &Env) -> (i64, i64) {
    let c = rusqlite::Connection::open(env.db()).unwrap();
    c.query_row(
        "SELECT pid, (expires_at - heartbeat_at) / 1000 FROM scheduler_lease",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

/// #14: an idle holder holds a long lease (20 × `lease_ttl`) so it need not
/// wake to renew it every few seconds, and holds a short one again while a
/// run goes. Stopped (SIGSTOP), it is still taken over at once by a daemon
/// waiting on this host, well before its long lease ends; resumed, it sees
/// the lease taken at its next look and stops firing: the new holder runs
/// what is queued.
#[test]
fn an_idle_holder_holds_a_long_lease_and_a_stopped_one_is_taken_over() {
    let env = Env::new();
    quick(&env);
    env.ok(&["jobs", "add", "once", "--command", "sleep 2"]);
    let a = env.daemon();
    env.wait_until("a long idle lease", 10, || {
        (lease_row(&env) == (i64::from(a.pid()), 60)).then_some(())
    });
    let id = env.json(&["run", "once", "--json"])["id"].as_i64().unwrap();
    env.wait_until("a short lease while the run goes", 10, || {
        (lease_row(&env).1 == 3).then_some(())
    });
    env.wait_until("the run to end", 20, || {
        (env.run_obj(id)["status"] == "success").then_some(())
    });
    env.wait_until("a long lease again", 10, || {
        (lease_row(&env).1 == 60).then_some(())
    });

    let b = env.spawn_daemon(&[]);
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(
        lease_row(&env).0,
        i64::from(a.pid()),
        "b waits while a is alive"
    );
    a.signal(Signal::SIGSTOP);
    let t0 = std::time::Instant::now();
    env.wait_until("b to take over", 10, || {
        (lease_row(&env).0 == i64::from(b.pid())).then_some(())
    });
    let took = t0.elapsed();
    assert!(
        took < std::time::Duration::from_secs(5),
        "taken over in {took:?}"
    );
    a.signal(Signal::SIGCONT);
    env.wait_until("a to see the lease taken", 10, || {
        a.log_text()
            .contains("another process took the scheduler lease")
            .then_some(())
    });
    let id = env.json(&["run", "once", "--json"])["id"].as_i64().unwrap();
    env.wait_until("the run to end", 20, || {
        (env.run_obj(id)["status"] == "success").then_some(())
    });
    let started = |log: String| {
        log.lines()
            .any(|l| l.contains("starting") && l.contains(&format!("run={id} ")))
    };
    assert!(started(b.log_text()), "b ran it: {}", b.log_text());
    assert!(!started(a.log_text()), "a did not: {}", a.log_text());
}
