//! Dagster assets from jr against a real `dagster dev` (tests/dagster/defs.py:
//! raw_events → cleaned_events → daily_report, a check on cleaned_events,
//! the partitioned region_files, the failing broken_asset): listing with
//! health, one asset's lineage and materializations, materializing (with a
//! partition, refused clearly when wrong), the `--dagster-asset` job kind
//! through jr's scheduler, a reload making a new asset appear, and graph
//! agents run as recorded executions. This binary starts its own Dagster,
//! since the reload test changes its code location.

mod common;

use common::Env;
use common::dagster::{Dagster, shared};
use serde_json::Value;

const RUN_SECS: u64 = 240;

/// The reload test re-imports the code location; the others hold it still.
static LOCATION: std::sync::RwLock<()> = std::sync::RwLock::new(());

fn hold() -> std::sync::RwLockReadGuard<'static, ()> {
    LOCATION.read().unwrap_or_else(|p| p.into_inner())
}

/// POST a GraphQL document to the real Dagster: the parsed answer.
fn graphql(d: &Dagster, query: &str, variables: Value) -> Value {
    use std::io::{Read, Write};
    let body = serde_json::json!({"query": query, "variables": variables}).to_string();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", d.port())).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    write!(
        s,
        "POST /graphql HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let json = out.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn env_with(d: &Dagster) -> Env {
    let env = Env::new();
    env.config(&d.jr_config(""));
    env
}

fn assets(env: &Env) -> Vec<Value> {
    env.json(&["dagster", "assets", "--json"])
        .as_array()
        .unwrap()
        .clone()
}

fn asset<'a>(all: &'a [Value], key: &str) -> &'a Value {
    all.iter()
        .find(|a| a["key"] == key)
        .unwrap_or_else(|| panic!("no asset {key} in {all:?}"))
}

#[test]
fn every_asset_document_validates_against_dagsters_schema() {
    use jr::clients::dagster::{assets, materialize, outcome};
    let d = shared();
    let _g = hold();
    let key = serde_json::json!([{"path": ["raw_events"]}]);
    let docs = [
        (assets::nodes_query(), serde_json::json!({})),
        (materialize::keys_query(), serde_json::json!({})),
        (assets::latest_query(), serde_json::json!({"keys": key})),
        (
            assets::detail_query(),
            serde_json::json!({"keys": key, "limit": 2}),
        ),
        (
            materialize::partition_keys_query(),
            serde_json::json!({"keys": key}),
        ),
        (
            outcome::outcome_query(),
            serde_json::json!({"id": "no-such-run"}),
        ),
        (
            outcome::log_page_query(),
            serde_json::json!({"id": "no-such-run", "after": null}),
        ),
    ];
    for (q, vars) in docs {
        let v = graphql(d, &q, vars);
        assert!(v.get("errors").is_none(), "{q}\n→ {v}");
        assert!(v["data"].is_object(), "{q}\n→ {v}");
    }
    // The mutation, with a selection Dagster refuses by name, not by schema.
    let params = serde_json::json!({"params": {"selector": {
        "repositoryLocationName": "jr_tests", "repositoryName": "__repository__",
        "jobName": materialize::ASSET_JOB, "assetSelection": [{"path": ["no_such_asset"]}]}}});
    let v = graphql(d, &materialize::materialize_query(), params);
    assert_eq!(
        v["data"]["launchRun"]["__typename"], "InvalidSubsetError",
        "{v}"
    );
}

#[test]
fn assets_are_listed_with_group_location_lineage_partitions_and_checks() {
    let d = shared();
    let _g = hold();
    let env = env_with(d);
    let all = assets(&env);
    for k in [
        "raw_events",
        "cleaned_events",
        "daily_report",
        "region_files",
        "broken_asset",
    ] {
        let a = asset(&all, k);
        assert_eq!(a["location"], "jr_tests", "{a}");
        for field in [
            "group",
            "description",
            "last_materialization",
            "stale",
            "partitions",
            "checks",
        ] {
            assert!(a.get(field).is_some(), "{k} lacks {field}: {a}");
        }
    }
    assert_eq!(asset(&all, "raw_events")["group"], "etl");
    assert_eq!(
        asset(&all, "raw_events")["description"],
        "Raw events, 원본 이벤트."
    );
    assert_eq!(asset(&all, "region_files")["partitions"]["count"], 3);
    assert!(asset(&all, "raw_events")["partitions"].is_null());
    let checks = &asset(&all, "cleaned_events")["checks"]["items"];
    assert_eq!(checks[0]["name"], "cleaned_events_non_negative");
    // Groups filter.
    let regions = env.json(&["dagster", "assets", "--group", "regions", "--json"]);
    assert_eq!(regions.as_array().unwrap().len(), 1, "{regions}");
    // Lineage of the middle of the chain.
    let one = env.json(&["dagster", "asset", "cleaned_events", "--json"]);
    assert_eq!(one["upstream"], serde_json::json!(["raw_events"]));
    assert_eq!(one["downstream"], serde_json::json!(["daily_report"]));
    assert!(one["materializations"].is_array());
    // The table for people names every asset and its state.
    let text = env.ok(&["dagster", "assets"]);
    for k in ["raw_events", "region_files", "broken_asset", "STATE"] {
        assert!(text.contains(k), "{text}");
    }
    let text = env.ok(&["dagster", "asset", "cleaned_events"]);
    assert!(text.contains("upstream   raw_events"), "{text}");
    assert!(text.contains("downstream daily_report"), "{text}");
}

#[test]
fn materializing_the_chain_records_metadata_checks_and_freshness() {
    let d = shared();
    let _g = hold();
    let env = env_with(d);
    let out = env.ok(&[
        "dagster",
        "materialize",
        "raw_events",
        "cleaned_events",
        "daily_report",
        "--wait",
    ]);
    assert!(out.contains("SUCCESS"), "{out}");
    let all = assets(&env);
    for k in ["raw_events", "cleaned_events", "daily_report"] {
        let a = asset(&all, k);
        assert_eq!(a["last_materialization"]["status"], "SUCCESS", "{a}");
        assert!(a["last_materialization"]["time"].is_string(), "{a}");
        assert_eq!(a["stale"], "fresh", "{a}");
    }
    let c = &asset(&all, "cleaned_events")["checks"];
    assert_eq!(
        (c["passed"].as_u64(), c["failed"].as_u64()),
        (Some(1), Some(0)),
        "{c}"
    );
    let report = env.json(&["dagster", "asset", "daily_report", "--json"]);
    let m = &report["materializations"][0];
    assert_eq!(m["metadata"]["rows"], 3, "{report}");
    assert_eq!(
        m["metadata"]["url"], "http://reports.local/daily",
        "{report}"
    );
    assert_eq!(
        m["run_id"], report["last_materialization"]["run_id"],
        "{report}"
    );
}

#[test]
fn a_failing_asset_shows_the_failed_run_and_exits_non_zero() {
    let d = shared();
    let _g = hold();
    let env = env_with(d);
    let out = env.run(&["dagster", "materialize", "broken_asset", "--wait"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FAILURE"), "{text}");
    assert!(text.contains("boom: the asset failed on purpose"), "{text}");
    let a = env.json(&["dagster", "asset", "broken_asset", "--json"]);
    assert_eq!(a["last_materialization"]["status"], "FAILURE", "{a}");
    assert_eq!(a["stale"], "missing", "{a}");
}

#[test]
fn partitions_are_checked_before_anything_is_launched() {
    let d = shared();
    let _g = hold();
    let env = env_with(d);
    let err = env.fails(&["dagster", "materialize", "region_files"], 1);
    assert!(
        err.contains("partitioned") && err.contains("--partition"),
        "{err}"
    );
    let err = env.fails(&["dagster", "materialize", "region_files", "-p", "mars"], 1);
    assert!(
        err.contains("no partition \"mars\"") && err.contains("kr"),
        "{err}"
    );
    let err = env.fails(&["dagster", "materialize", "raw_events", "-p", "kr"], 1);
    assert!(err.contains("not partitioned"), "{err}");
    let err = env.fails(&["dagster", "materialize", "raw_event"], 1);
    assert!(
        err.contains("no asset") && err.contains("raw_events"),
        "{err}"
    );
    // --wait --json: one JSON object on stdout, the ended run.
    let r = env.json(&[
        "dagster",
        "materialize",
        "region_files",
        "-p",
        "kr",
        "--wait",
        "--json",
    ]);
    assert_eq!(r["status"], "SUCCESS", "{r}");
    assert!(r["url"].as_str().unwrap().contains("/runs/"), "{r}");
    let a = env.json(&["dagster", "asset", "region_files", "--json"]);
    assert!(
        a["partitions"]["materialized"].as_i64().unwrap() >= 1,
        "{a}"
    );
    assert!(
        a["materializations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["partition"] == "kr"),
        "{a}"
    );
}

#[test]
fn an_asset_job_runs_through_the_scheduler_like_a_dagster_job() {
    let d = shared();
    let _g = hold();
    let env = env_with(d);
    env.ok(&[
        "jobs",
        "add",
        "regions-us",
        "--dagster-asset",
        "region_files",
        "--dagster-partition",
        "us",
    ]);
    let show = env.json(&["jobs", "show", "regions-us", "--json"]);
    assert_eq!(show["kind"], "dagster", "{show}");
    assert_eq!(show["dagster_assets"], serde_json::json!(["region_files"]));
    let daemon = env.daemon();
    let id = env.json(&["run", "regions-us", "--json"])["id"]
        .as_i64()
        .unwrap();
    let r = env.wait_until("the asset run to end", RUN_SECS, || {
        let r = env.run_obj(id);
        (r["status"] != "queued" && r["status"] != "running").then_some(r)
    });
    assert_eq!(r["status"], "success", "{r}");
    assert!(
        r["external"]["url"].as_str().unwrap().contains("/runs/"),
        "{r}"
    );
    let logs = env.ok(&["runs", "logs", &id.to_string()]);
    assert!(logs.contains("region us"), "{logs}");
    // A job naming an asset that is gone fails with the reason and a hint.
    env.ok(&["jobs", "add", "gone", "--dagster-asset", "raw_event"]);
    let id = env.json(&["run", "gone", "--json"])["id"].as_i64().unwrap();
    let r = env.wait_until("the bad asset run to end", RUN_SECS, || {
        let r = env.run_obj(id);
        (r["status"] != "queued" && r["status"] != "running").then_some(r)
    });
    assert_eq!(r["status"], "failed", "{r}");
    let err = r["error"].as_str().unwrap();
    assert!(
        err.contains("no asset") && err.contains("raw_events"),
        "{err}"
    );
    drop(daemon);
    // Both a job and assets is refused.
    env.fails(
        &[
            "jobs",
            "add",
            "both",
            "--dagster",
            "hello",
            "--dagster-asset",
            "raw_events",
        ],
        2,
    );
}

#[test]
fn a_reload_makes_a_new_asset_appear() {
    let d = shared();
    let _g = LOCATION.write().unwrap_or_else(|p| p.into_inner());
    let env = env_with(d);
    assert!(
        !assets(&env).iter().any(|a| a["key"] == "late_asset"),
        "late_asset is there before it was written"
    );
    std::fs::write(
        d.home.path().join("extra_assets.py"),
        "from dagster import asset\n\n\n@asset(group_name=\"late\", description=\"added while running\")\ndef late_asset():\n    return 1\n\n\nASSETS = [late_asset]\n",
    )
    .unwrap();
    let out = env.ok(&["dagster", "reload", "jr_tests"]);
    assert!(out.contains("reloaded"), "{out}");
    let all = assets(&env);
    assert_eq!(asset(&all, "late_asset")["group"], "late");
    assert_eq!(asset(&all, "late_asset")["stale"], "missing");
}

#[test]
fn a_graph_agent_runs_as_a_recorded_execution_linked_to_its_dagster_run() {
    let d = shared();
    let _g = hold();
    let env = env_with(d);
    env.ok(&[
        "agents",
        "graph",
        "add",
        "reporter",
        "--dagster-asset",
        "summary_graph",
    ]);
    env.ok(&[
        "agents",
        "graph",
        "add",
        "greeter",
        "--dagster-job",
        "needs_config",
    ]);
    // An asset, followed to its end: the result is its metadata.
    let r = env.json(&["agents", "graph", "run", "reporter", "--wait", "--json"]);
    assert_eq!(r["status"], "success", "{r}");
    assert_eq!(r["model"], "dagster", "{r}");
    let output = r["output"].as_str().unwrap();
    assert!(output.contains("summary_graph: "), "{r}");
    assert!(output.contains("answer=3 open tasks, 요약 완료"), "{r}");
    assert!(r["dagster_run"].is_string(), "{r}");
    assert!(r["duration_ms"].as_i64().unwrap() > 0, "{r}");
    // A job with input as run config, not waited for: settled by the listing.
    let l = env.json(&[
        "agents",
        "graph",
        "run",
        "greeter",
        "--input",
        r#"{"ops": {"greet": {"config": {"name": "민수", "times": 2}}}}"#,
        "--json",
    ]);
    let exec = l["execution"].as_i64().unwrap();
    let done = env.wait_until("the graph execution to settle", RUN_SECS, || {
        let runs = env.json(&["agents", "runs", "--json"]);
        runs.as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == exec && r["status"] != "running")
            .cloned()
    });
    assert_eq!(done["status"], "success", "{done}");
    assert_eq!(done["agent"], "greeter");
    assert!(
        done["output"].as_str().unwrap().contains("greetings, 민수"),
        "{done}"
    );
    assert_eq!(done["dagster_run"], l["dagster_run"]);
    // Bad run config is Dagster's refusal, recorded as a failed execution.
    let err = env.fails(&["agents", "graph", "run", "greeter", "--input", "{}"], 1);
    assert!(err.contains("run config"), "{err}");
    let runs = env.json(&["agents", "runs", "--json"]);
    assert!(
        runs.as_array()
            .unwrap()
            .iter()
            .any(|r| r["agent"] == "greeter" && r["status"] == "failed"),
        "{runs}"
    );
    let err = env.fails(&["agents", "graph", "run", "greeter", "--input", "[1]"], 1);
    assert!(err.contains("JSON object"), "{err}");
}
