//! Run parameters reach a real Dagster (`dagster dev`, tests/dagster/defs.py):
//! `{{params.KEY}}` in a dagster job's run config is filled with the run's
//! value (JSON here; the op logs it), and every parameter is a `jr/param/KEY`
//! tag on the Dagster run. A placeholder naming an undeclared parameter is
//! refused when the job is saved.

mod common;

use common::Env;
use common::dagster::shared;
use serde_json::Value;

#[test]
fn a_dagster_run_gets_its_parameters_in_run_config_and_tags() {
    let d = shared();
    let env = Env::new();
    env.config(&d.jr_config(""));
    let config = r#"{"ops": {"greet": {"config": {"name": "{{params.who}}", "times": 1}}}}"#;
    let err = env.fails(
        &[
            "jobs",
            "add",
            "hi",
            "--dagster",
            "needs_config",
            "--dagster-config",
            config,
        ],
        1,
    );
    assert!(
        err.contains("{{params.who}} names a parameter the job does not declare"),
        "{err}"
    );
    env.ok(&[
        "jobs",
        "add",
        "hi",
        "--dagster",
        "needs_config",
        "--dagster-config",
        config,
        "--param-default",
        "who=world",
    ]);
    let _daemon = env.daemon();
    let id = env.json(&["run", "hi", "--param", "who=나스 \"q\"", "--json"])["id"]
        .as_i64()
        .unwrap();
    let run = env.wait_until("the dagster run to end", 240, || {
        let r = env.run_obj(id);
        (r["status"] != "queued" && r["status"] != "running").then_some(r)
    });
    let log = env.ok(&["runs", "logs", &id.to_string()]);
    assert_eq!(run["status"], "success", "{run}\n{log}");
    assert!(log.contains("greetings, 나스 \"q\""), "{log}");
    let x = run["external"]["id"].clone();
    let runs = env.json(&["dagster", "runs", "--job", "needs_config", "--json"]);
    let mine: &Value = runs
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["run_id"] == x)
        .expect("the run in `jr dagster runs`");
    assert_eq!(mine["tags"]["jr/param/who"], "나스 \"q\"", "{mine}");
}
