//! `JR_RESULT` end to end: a real daemon runs real shell jobs that write
//! their result file; the run's `result` (4 KiB at most, whole characters),
//! its link, and the file gone afterwards.

mod common;

use common::Env;

fn state_tmp(env: &Env) -> std::path::PathBuf {
    env.home().join(".local/state/jr/tmp")
}

#[test]
fn a_shell_job_sets_its_result_and_a_url_is_a_link() {
    let env = Env::new();
    env.ok(&[
        "jobs",
        "add",
        "report",
        "--command",
        "ls -l \"$JR_RESULT\" | cut -c1-10; echo 'https://example.com/reports/42' > \"$JR_RESULT\"; echo done",
    ]);
    env.ok(&[
        "jobs",
        "add",
        "big",
        "--command",
        // 3,000 Hangul syllables (9,000 bytes) and a terminal escape.
        "printf '\\033[2J' > \"$JR_RESULT\"; python3 -c \"print('결'*3000)\" >> \"$JR_RESULT\"; exit 3",
    ]);
    let _d = env.daemon();
    let id = env.json(&["run", "report", "--json"])["id"]
        .as_i64()
        .unwrap();
    let big = env.json(&["run", "big", "--json"])["id"].as_i64().unwrap();
    let done = |id: i64| {
        env.wait_until("the run to end", 30, || {
            let r = env.run_obj(id);
            (!matches!(r["status"].as_str(), Some("queued" | "running"))).then_some(r)
        })
    };
    let r = done(id);
    assert_eq!(r["status"], "success", "{r}");
    assert_eq!(r["result"], "https://example.com/reports/42");
    assert_eq!(r["link"], "https://example.com/reports/42");
    // The file was private to the user while the job ran.
    let out = env.ok(&["runs", "logs", &id.to_string()]);
    assert!(out.contains("-rw-------"), "{out}");
    let shown = env.ok(&["runs", "show", &id.to_string()]);
    assert!(shown.contains("https://example.com/reports/42"), "{shown}");

    // A failed run keeps what it wrote: the first 4 KiB, cut at a character.
    let r = done(big);
    assert_eq!(r["status"], "failed");
    let res = r["result"].as_str().unwrap();
    assert!(res.len() <= 4096 && res.len() > 4090, "{}", res.len());
    assert!(res.starts_with("\u{1b}[2J결"), "stored as written: {res:?}");
    assert_eq!(r["link"], serde_json::Value::Null);
    let shown = env.ok(&["runs", "show", &big.to_string()]);
    assert!(
        !shown.contains('\u{1b}'),
        "no raw escape reaches the terminal"
    );
    assert!(shown.contains("␛[2J결결"), "{shown}");

    // Every result file is gone.
    let left: Vec<_> = std::fs::read_dir(state_tmp(&env))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn a_foreground_run_without_a_result_has_none() {
    let env = Env::new();
    env.ok(&[
        "jobs",
        "add",
        "quiet",
        "--command",
        "test -f \"$JR_RESULT\"",
    ]);
    let r = env.json(&["run", "quiet", "--json"]);
    assert_eq!(
        r["status"], "success",
        "JR_RESULT names an existing file: {r}"
    );
    assert_eq!(r["result"], serde_json::Value::Null);
}
