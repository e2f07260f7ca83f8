//! The whole CLI in-process (`cli::run`, as `main` does) on a temporary
//! database, each command's numeric and date flags fed hostile values from
//! `parsers_fuzz.rs`'s strategies: no argument list panics.

mod fuzz;

use std::panic::{AssertUnwindSafe, catch_unwind};

use clap::Parser;
use fuzz::{date_like, number};
use proptest::prelude::*;

/// Argument lists for the CLI: a command's flag with a hostile value.
fn argv() -> impl Strategy<Value = Vec<String>> {
    let v = || prop_oneof![date_like(), number()];
    let cmds = prop_oneof![
        v().prop_map(|x| vec!["tasks".into(), "add".into(), "x".into(), "--due".into(), x]),
        v().prop_map(|x| vec!["tasks".into(), "edit".into(), "1".into(), "--due".into(), x]),
        v().prop_map(|x| vec!["tasks".into(), "list".into(), "--limit".into(), x]),
        v().prop_map(|x| vec!["tasks".into(), "show".into(), x]),
        v().prop_map(|x| vec!["plan".into(), "--hours".into(), x]),
        v().prop_map(|x| vec!["cron".into(), "* * * * *".into(), "-n".into(), x]),
        v().prop_map(|x| vec!["cron".into(), "0 7 * * *".into(), "--from".into(), x]),
        v().prop_map(|x| vec![
            "context".into(),
            "search".into(),
            "a".into(),
            "--since".into(),
            x
        ]),
        v().prop_map(|x| vec!["runs".into(), "logs".into(), "1".into(), "--tail".into(), x]),
        v().prop_map(|x| vec!["runs".into(), "list".into(), "--limit".into(), x]),
        v().prop_map(|x| vec![
            "jobs".into(),
            "add".into(),
            "j".into(),
            "--command".into(),
            "true".into(),
            "--timeout".into(),
            x
        ]),
        v().prop_map(|x| vec![
            "jobs".into(),
            "add".into(),
            "k".into(),
            "--command".into(),
            "true".into(),
            "--retry-backoff".into(),
            x.clone(),
            "--retries".into(),
            x
        ]),
        v().prop_map(|x| vec!["cards".into(), "grade".into(), "1".into(), x]),
    ];
    cmds.prop_map(|mut a| {
        a.insert(0, "jr".into());
        a
    })
}

#[test]
fn cli_parsers_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("jr.db").display().to_string();
    let config = dir.path().join("config.toml").display().to_string();
    // The commands print; their output is not what this test reads.
    let saved = silence_stdout();
    let run = |args: &[String]| {
        let mut full: Vec<String> = args.to_vec();
        full.extend(["--db".into(), db.clone(), "--config".into(), config.clone()]);
        catch_unwind(AssertUnwindSafe(|| {
            match jr::cli::Cli::try_parse_from(&full) {
                Ok(cli) => {
                    let _ = jr::cli::run(cli);
                }
                Err(e) => {
                    let _ = e.render();
                }
            }
        }))
        .map_err(|_| format!("jr {full:?} panicked"))
    };
    run(&["jr".into(), "tasks".into(), "add".into(), "x".into()]).unwrap();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(400));
    runner
        .run(&argv(), |args| {
            run(&args).map_err(proptest::test_runner::TestCaseError::fail)
        })
        .unwrap();
    restore_stdout(saved);
}

fn restore_stdout(saved: i32) {
    // SAFETY: puts back the fd 1 that silence_stdout saved.
    unsafe {
        nix::libc::dup2(saved, 1);
    }
}

/// Point fd 1 at /dev/null (the harness prints nothing while the one test
/// of this binary runs); returns the saved fd 1.
fn silence_stdout() -> i32 {
    use std::os::fd::AsRawFd;
    let null = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/null")
        .unwrap();
    // SAFETY: fd 1 is duplicated, then replaced by /dev/null, in this test binary only.
    unsafe {
        let saved = nix::libc::dup(1);
        nix::libc::dup2(null.as_raw_fd(), 1);
        saved
    }
}
