//! Jobs, `jr cron`, `jr run` in the foreground, run history and output,
//! through the real binary (no daemon: see scheduler.rs for those).

mod common;

use common::Env;

#[test]
fn cron_prints_next_fires_in_the_zone() {
    let env = Env::new();
    let v = env.json(&[
        "cron",
        "0 7 * * 1-5",
        "--tz",
        "Asia/Seoul",
        "--from",
        "2026-11-20T00:00:00Z",
        "-n",
        "3",
        "--json",
    ]);
    // Friday 2026-11-20 07:00 KST has passed at 09:00 KST; next are Mon, Tue, Wed.
    assert_eq!(
        v,
        serde_json::json!([
            "2026-11-23T07:00:00+09:00",
            "2026-11-24T07:00:00+09:00",
            "2026-11-25T07:00:00+09:00"
        ])
    );
    let v = env.json(&[
        "cron",
        "0 0 13 * 5",
        "--tz",
        "UTC",
        "--from",
        "2026-11-01T00:00:00Z",
        "-n",
        "3",
        "--json",
    ]);
    assert_eq!(
        v,
        serde_json::json!([
            "2026-11-06T00:00:00+00:00",
            "2026-11-13T00:00:00+00:00",
            "2026-11-20T00:00:00+00:00"
        ])
    );
    let human = env.ok(&[
        "cron",
        "0 7 * * 1-5",
        "--tz",
        "Asia/Seoul",
        "--from",
        "2026-11-20T00:00:00Z",
    ]);
    assert!(human.starts_with("weekdays at 07:00 KST"), "{human}");
    let err = env.fails(&["cron", "0 7 * * 8"], 1);
    assert!(err.contains("day-of-week") && err.contains("0-7"), "{err}");
    let err = env.fails(&["cron", "0 7 * *"], 1);
    assert!(err.contains("5 fields"), "{err}");
    let err = env.fails(&["cron", "@daily", "--tz", "Asia/Seol"], 1);
    assert!(err.contains("Asia/Seoul"), "suggests the close zone: {err}");
}

#[test]
fn job_crud_and_json_shape() {
    let env = Env::new();
    let j = env.json(&[
        "jobs",
        "add",
        "daily-briefing",
        "--cron",
        "0 7 * * *",
        "--tz",
        "Asia/Seoul",
        "--command",
        "echo 브리핑",
        "--timeout",
        "10m",
        "--retries",
        "2",
        "--overlap",
        "queue",
        "--misfire",
        "skip",
        "--description",
        "아침 요약",
        "--json",
    ]);
    for key in [
        "name",
        "kind",
        "schedule",
        "tz",
        "enabled",
        "next_fire",
        "overlap",
        "misfire",
        "timeout",
        "retries",
    ] {
        assert!(j.get(key).is_some(), "missing {key}: {j}");
    }
    assert_eq!(j["kind"], "shell");
    assert_eq!(j["tz"], "Asia/Seoul");
    assert_eq!(j["overlap"], "queue");
    assert_eq!(j["misfire"], "skip");
    assert_eq!(j["timeout"], "10m");
    assert!(
        j["next_fire"].as_str().unwrap().contains("T07:00:00+09:00"),
        "{j}"
    );

    let listed = env.ok(&["jobs", "list"]);
    assert!(listed.contains("daily at 07:00 KST"), "{listed}");

    let j = env.json(&["jobs", "disable", "daily-briefing", "--json"]);
    assert_eq!(j["enabled"], false);
    assert!(j["next_fire"].is_null());
    env.ok(&["jobs", "enable", "daily-briefing"]);
    let j = env.json(&[
        "jobs",
        "edit",
        "daily-briefing",
        "--cron",
        "30 6 * * 1-5",
        "--env",
        "A=1",
        "--json",
    ]);
    assert_eq!(j["schedule"], "30 6 * * 1-5");
    assert_eq!(j["env"]["A"], "1");
    let j = env.json(&[
        "jobs",
        "edit",
        "daily-briefing",
        "--no-cron",
        "--unset-env",
        "A",
        "--json",
    ]);
    assert!(j["schedule"].is_null() && j["next_fire"].is_null());
    assert!(j["env"].as_object().unwrap().is_empty());

    let err = env.fails(&["jobs", "add", "daily-briefing", "--command", "x"], 1);
    assert!(err.contains("already exists"), "{err}");
    let err = env.fails(&["jobs", "show", "daily-brief"], 1);
    assert!(err.contains("did you mean daily-briefing"), "{err}");
    env.ok(&["jobs", "rm", "daily-briefing", "--yes"]);
    env.fails(&["jobs", "show", "daily-briefing"], 1);
}

#[test]
fn bad_input_is_refused_and_nothing_is_written() {
    let env = Env::new();
    env.ok(&["jobs", "add", "keep", "--command", "true"]);
    let before = env.ok(&["jobs", "export"]);
    for (args, needle) in [
        (
            vec![
                "jobs",
                "add",
                "x",
                "--cron",
                "61 * * * *",
                "--command",
                "true",
            ],
            "minute",
        ),
        (
            vec![
                "jobs",
                "add",
                "x",
                "--cron",
                "* * * * * * *",
                "--command",
                "true",
            ],
            "fields",
        ),
        (
            vec![
                "jobs",
                "add",
                "x",
                "--tz",
                "Mars/Olympus",
                "--command",
                "true",
            ],
            "Mars/Olympus",
        ),
        (vec!["jobs", "add", "x", "--command", ""], "command"),
        (vec!["jobs", "add", "Bad Name", "--command", "true"], "slug"),
        (
            vec!["jobs", "add", "x", "--timeout", "soon", "--command", "true"],
            "soon",
        ),
        (
            vec!["jobs", "add", "x", "--cron", "@reboot", "--command", "true"],
            "@reboot",
        ),
        (
            vec!["jobs", "edit", "keep", "--cron", "0 0 31 2 *"],
            "never",
        ),
        (vec!["jobs", "edit", "nope", "--cron", "@daily"], "no job"),
        (vec!["run", "nope"], "no job"),
        (vec!["runs", "show", "99"], "no run"),
        (vec!["runs", "cancel", "99"], "no run"),
    ] {
        let err = env.fails(&args, 1);
        assert!(
            err.to_lowercase().contains(&needle.to_lowercase()),
            "{args:?}: {err}"
        );
    }
    assert_eq!(env.ok(&["jobs", "export"]), before);
    assert!(
        env.json(&["runs", "list", "--json"])
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn run_without_a_daemon_executes_in_the_foreground() {
    let env = Env::new();
    let work = env.home().join("work");
    std::fs::create_dir(&work).unwrap();
    env.ok(&[
        "jobs",
        "add",
        "hello",
        "--cwd",
        work.to_str().unwrap(),
        "--env",
        "GREETING=안녕",
        "--command",
        "echo \"$GREETING $JR_JOB $JR_RUN_ID $(pwd)\"; echo oops >&2; test -t 0 || echo no-tty",
    ]);
    let out = env.cmd().args(["run", "hello"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("foreground"), "says so: {stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("안녕 hello 1 {}", work.display())),
        "{stdout}"
    );
    let run = env.run_obj(1);
    assert_eq!(run["status"], "success");
    assert_eq!(run["trigger"], "manual");
    assert_eq!(run["exit_code"], 0);
    assert!(run["duration_ms"].as_i64().is_some());
    // stdout and stderr come through two pipes: each keeps its order, the
    // interleaving between them is as they arrived.
    let logs = env.ok(&["runs", "logs", "1"]);
    let mut lines: Vec<&str> = logs.lines().collect();
    lines.sort();
    let hello = format!("안녕 hello 1 {}", work.display());
    let mut want = vec![hello.as_str(), "no-tty", "oops"];
    want.sort();
    assert_eq!(lines, want);
    let stamped = env.ok(&["runs", "logs", "1", "--timestamps"]);
    assert!(
        stamped.lines().any(|l| l.contains(" err oops")),
        "{stamped}"
    );

    env.ok(&["jobs", "add", "fails", "--command", "echo bad; exit 3"]);
    let out = env.cmd().args(["run", "fails", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "a failed run exits non-zero");
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["status"], "failed");
    assert_eq!(run["exit_code"], 3);
    assert_eq!(run["error"], "exited with status 3");
}

#[test]
fn timeout_kills_the_whole_process_group() {
    let env = Env::new();
    let marker = format!("sleep 1000.{}", std::process::id());
    env.ok(&[
        "jobs",
        "add",
        "hang",
        "--timeout",
        "1s",
        "--command",
        &format!("{marker} & wait"),
    ]);
    let started = std::time::Instant::now();
    let out = env.cmd().args(["run", "hang", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["status"], "timeout");
    assert!(
        run["error"]
            .as_str()
            .unwrap()
            .contains("timed out after 1s"),
        "{run}"
    );
    let left = std::process::Command::new("pgrep")
        .args(["-f", &marker])
        .output()
        .unwrap();
    assert!(left.stdout.is_empty(), "the grandchild is gone");
}

#[test]
fn output_is_capped_keeping_head_and_tail_with_flat_memory() {
    let env = Env::new();
    env.config("[runs]\noutput_cap = 65536\n");
    // ~200 MB of output in 1 KB lines, numbered so head and tail can be checked.
    env.ok(&[
        "jobs",
        "add",
        "loud",
        "--command",
        "echo FIRST; yes \"$(head -c 1000 /dev/zero | tr '\\0' x)\" | head -n 200000; echo LAST",
    ]);
    let out = std::process::Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg(assert_cmd::cargo::cargo_bin("jr"))
        .args(["run", "loud", "--json"])
        .env("JR_DB", env.db())
        .env("JR_CONFIG", env.config_path())
        .env("HOME", env.home())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peak_kb: u64 = String::from_utf8_lossy(&out.stderr)
        .trim()
        .lines()
        .last()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        peak_kb < 64 * 1024,
        "peak RSS {peak_kb} KB while printing 200 MB"
    );
    let run = env.run_obj(1);
    assert!(run["output_bytes"].as_i64().unwrap() > 200_000_000, "{run}");
    assert!(run["output_cut"].as_i64().unwrap() > 199_000_000, "{run}");
    let logs = env.ok(&["runs", "logs", "1"]);
    assert!(
        logs.len() < 70_000,
        "stored output stays near the cap: {}",
        logs.len()
    );
    assert!(logs.starts_with("FIRST\n"));
    assert!(logs.trim_end().ends_with("LAST"));
    assert!(logs.contains("cut from the middle"));
}

#[test]
fn jobs_export_import_round_trip() {
    let env = Env::new();
    env.ok(&[
        "jobs",
        "add",
        "a",
        "--cron",
        "*/5 * * * *",
        "--command",
        "echo a",
        "--env",
        "K=V",
        "--timeout",
        "30s",
    ]);
    env.ok(&[
        "jobs",
        "add",
        "b",
        "--command",
        "echo 비",
        "--overlap",
        "allow",
        "--disabled",
    ]);
    let exported = env.ok(&["jobs", "export"]);
    assert!(exported.contains("[[job]]"));
    let file = env.home().join("jobs.toml");
    std::fs::write(&file, &exported).unwrap();
    let other = Env::new();
    let out = other.ok(&["jobs", "import", file.to_str().unwrap()]);
    assert!(out.contains("2 added"), "{out}");
    assert_eq!(other.ok(&["jobs", "export"]), exported);
    // A broken file changes nothing and names the line.
    std::fs::write(
        &file,
        format!("{exported}\n[[job]]\nname = \"c\"\ncommand = \"x\"\nschedule = \"99 * * * *\"\n"),
    )
    .unwrap();
    let err = other.fails(&["jobs", "import", file.to_str().unwrap()], 1);
    assert!(
        err.contains("job #3 (c)") && err.contains("minute"),
        "{err}"
    );
    assert_eq!(other.ok(&["jobs", "export"]), exported);
}

#[test]
fn status_and_plan_are_compact_json() {
    let env = Env::new();
    env.ok(&["tasks", "add", "늦은 일", "--due", "2020-01-01"]);
    env.ok(&["tasks", "add", "ready one"]);
    env.ok(&[
        "jobs",
        "add",
        "often",
        "--cron",
        "* * * * *",
        "--command",
        "true",
    ]);
    env.ok(&[
        "jobs",
        "add",
        "daily",
        "--cron",
        "0 7 * * *",
        "--command",
        "true",
    ]);
    let s = env.json(&["status", "--json"]);
    assert_eq!(s["tasks"]["pending"], 2);
    assert_eq!(s["jobs"]["enabled"], 2);
    assert!(s["scheduler"].is_null());
    assert_eq!(s["next_fires"].as_array().unwrap().len(), 5);
    let p = env.json(&["plan", "--json"]);
    assert_eq!(p["overdue"][0]["title"], "늦은 일");
    assert_eq!(p["ready"].as_array().unwrap().len(), 2);
    assert_eq!(
        p["fires"].as_array().unwrap().len(),
        1,
        "the daily fire is listed"
    );
    assert_eq!(p["frequent"][0]["job"], "often");
    assert!(p["frequent"][0]["count"].as_u64().unwrap() >= 1439);
}
