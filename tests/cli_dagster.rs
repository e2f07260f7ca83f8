//! `jr dagster` and dagster jobs without a Dagster: unreachable and
//! non-Dagster URLs, a read-only server and settings errors, each with a
//! clear message and the right exit code; dagster job definitions checked,
//! listed, exported and imported. (tests/dagster.rs runs a real Dagster.)

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use common::Env;

/// A loopback server giving these answers (status, body) in turn, one per
/// request, then stopping.
fn fake_server(answers: Vec<(&'static str, &'static str)>) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for ((status, body), s) in answers.into_iter().zip(l.incoming()) {
            let Ok(mut s) = s else { continue };
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut len = 0;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut buf = vec![0; len];
            let _ = std::io::Read::read_exact(&mut r, &mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

fn with_url(env: &Env, url: &str) {
    env.config(&format!("[dagster.instances.home]\nurl = \"{url}\"\n"));
}

#[test]
fn an_unreachable_url_says_so_with_exit_4() {
    let env = Env::new();
    with_url(&env, "http://127.0.0.1:9");
    let err = env.fails(&["dagster", "jobs"], 4);
    assert!(
        err.contains("cannot reach Dagster instance home at http://127.0.0.1:9"),
        "{err}"
    );
    assert!(
        err.contains("hint: is the Dagster webserver running"),
        "{err}"
    );
    // status prints what it knows, and exits 4.
    let out = env.run(&["dagster", "status", "--json"]);
    assert_eq!(out.status.code(), Some(4));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["reachable"], false);
    assert!(v["error"].as_str().unwrap().contains("cannot reach"));
    // JR_DAGSTER_URL overrides the default instance's URL.
    let url = fake_server(vec![(
        "200 OK",
        r#"{"data": {"runsOrError": {"__typename": "Runs", "results": []}}}"#,
    )]);
    let out = env
        .cmd()
        .env("JR_DAGSTER_URL", &url)
        .args(["dagster", "runs", "--json"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
}

#[test]
fn a_url_that_is_not_dagster_is_named() {
    let env = Env::new();
    with_url(
        &env,
        &fake_server(vec![("200 OK", "<html>my router</html>")]),
    );
    let err = env.fails(&["dagster", "jobs"], 4);
    assert!(
        err.contains("but not as Dagster's GraphQL API does"),
        "{err}"
    );
    assert!(err.contains("my router"), "{err}");
    with_url(&env, &fake_server(vec![("404 Not Found", "nothing here")]));
    let err = env.fails(&["dagster", "runs"], 4);
    assert!(err.contains("answered HTTP 404"), "{err}");
}

#[test]
fn a_read_only_server_is_explained() {
    let env = Env::new();
    // The answers of a real `dagster-webserver --read-only` (1.13.27).
    let ws = include_str!("../data/fixtures/dagster/workspace.json");
    let ro = include_str!("../data/fixtures/dagster/launch_read_only.json");
    let url = fake_server(vec![("200 OK", ws), ("200 OK", ro)]);
    with_url(&env, &url);
    let err = env.fails(&["dagster", "launch", "hello"], 4);
    assert!(
        err.contains("Dagster refused to launch jr_tests/hello"),
        "{err}"
    );
    assert!(err.contains("read-only"), "{err}");
}

#[test]
fn settings_errors_are_config_errors() {
    let env = Env::new();
    env.config(
        "[dagster.instances.cloud]\nurl = \"https://x.dagster.cloud/prod\"\nheaders = { \"Dagster-Cloud-Api-Token\" = \"JR_TEST_TOKEN\" }\n",
    );
    let err = env.fails(&["dagster", "jobs"], 3);
    assert!(
        err.contains("header Dagster-Cloud-Api-Token from the environment variable JR_TEST_TOKEN, which is not set"),
        "{err}"
    );
    let err = env.fails(&["dagster", "--instance", "nope", "jobs"], 3);
    assert!(
        err.contains("no Dagster instance named \"nope\"; configured: cloud"),
        "{err}"
    );
    env.config("[dagster]\npoll = \"often\"\n");
    let err = env.fails(&["dagster", "jobs"], 3);
    assert!(err.contains("key `poll`"), "{err}");
}

#[test]
fn dagster_jobs_are_checked_listed_exported_and_imported() {
    let env = Env::new();
    let err = env.fails(&["jobs", "add", "x", "--dagster", " "], 1);
    assert!(err.contains("needs a Dagster job (--dagster JOB)"), "{err}");
    let err = env.fails(&["jobs", "add", "x", "--dagster", "etl", "--env", "A=1"], 1);
    assert!(
        err.contains("--command, --cwd and --env belong to shell jobs"),
        "{err}"
    );
    let err = env.fails(
        &[
            "jobs",
            "add",
            "x",
            "--dagster",
            "etl",
            "--dagster-config",
            "{\"ops\": ",
        ],
        1,
    );
    assert!(err.contains("looks like JSON but does not parse"), "{err}");
    let err = env.fails(
        &[
            "jobs",
            "add",
            "x",
            "--dagster",
            "etl",
            "--dagster-config",
            "missing.yaml",
        ],
        1,
    );
    assert!(err.contains("neither a file nor run config"), "{err}");
    let cfg = env.home().join("etl.yaml");
    std::fs::write(&cfg, "ops:\n  load: {config: {날짜: today}}\n").unwrap();
    let job = env.json(&[
        "jobs",
        "add",
        "etl",
        "--dagster",
        "loc/etl",
        "--dagster-config",
        cfg.to_str().unwrap(),
        "--instance",
        "home",
        "--cron",
        "0 7 * * *",
        "--json",
    ]);
    assert_eq!(job["kind"], "dagster");
    assert_eq!(job["dagster_job"], "loc/etl");
    assert_eq!(job["dagster_instance"], "home");
    assert!(env.ok(&["jobs", "list"]).contains("dagster: loc/etl"));
    let shown = env.ok(&["jobs", "show", "etl"]);
    assert!(
        shown.contains("dagster job") && shown.contains("loc/etl"),
        "{shown}"
    );
    let exported = env.ok(&["jobs", "export"]);
    assert!(
        exported.contains("kind = \"dagster\"") && exported.contains("날짜"),
        "{exported}"
    );
    let other = Env::new();
    let file = other.home().join("jobs.toml");
    std::fs::write(&file, &exported).unwrap();
    other.ok(&["jobs", "import", file.to_str().unwrap()]);
    assert_eq!(
        other.json(&["jobs", "show", "etl", "--json"])["dagster_job"],
        "loc/etl"
    );
    // Edit keeps the kind; the config can change.
    env.ok(&["jobs", "edit", "etl", "--dagster-config", "{\"ops\": {}}"]);
    assert!(
        env.ok(&["jobs", "export"])
            .contains("dagster_config = '{\"ops\": {}}'")
    );
}
