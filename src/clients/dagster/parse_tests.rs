//! Parsing recorded answers of a real Dagster 1.13.27 (data/fixtures/dagster/,
//! made by `record_fixtures` below against `dagster dev` on tests/dagster/).

use super::*;
use crate::clients::dagster::api;

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/data/fixtures/dagster/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str::<Value>(&text).unwrap()["data"].clone()
}

fn job(name: &str) -> JobRef {
    JobRef {
        location: "jr_tests".into(),
        repository: "__repository__".into(),
        job: name.into(),
    }
}

#[test]
fn workspace_with_a_broken_location() {
    let ws = workspace(&fixture("workspace"), 1.0e10).unwrap();
    assert_eq!(ws.version, "1.13.27");
    let names: Vec<(&str, &str)> = ws
        .locations
        .iter()
        .map(|l| (l.name.as_str(), l.status.as_str()))
        .collect();
    assert_eq!(names, vec![("jr_tests", "loaded"), ("broken", "error")]);
    let jobs: Vec<String> = ws.jobs().map(|j| j.at.path()).collect();
    assert_eq!(
        jobs,
        [
            "jr_tests/broken",
            "jr_tests/hello",
            "jr_tests/needs_config",
            "jr_tests/slow"
        ]
    );
    let err = ws.locations[1].error.as_deref().unwrap();
    assert!(
        err.contains("RuntimeError: this code location is broken on purpose"),
        "{err}"
    );
    let sched = &ws.locations[0].schedules[0];
    assert_eq!(
        (sched.name.as_str(), sched.state.as_str()),
        ("hello_hourly", "stopped")
    );
    assert!(!sched.state_id.is_empty());
    assert_eq!(ws.locations[0].sensors[0].jobs, vec!["hello".to_string()]);
    assert!(!ws.daemons.is_empty());
    assert!(ws.daemons.iter().all(|d| d.heartbeat_age_s.is_some()));
}

#[test]
fn launch_answers() {
    let e = launch(
        &fixture("launch_invalid")["launchRun"],
        &job("needs_config"),
    )
    .unwrap_err();
    assert_eq!(e.kind, Kind::InvalidConfig);
    for want in [
        "at ops.greet.config: Received unexpected config entry \"tims\"",
        "at ops.greet.config.name: Invalid scalar",
        "3 errors",
    ] {
        assert!(e.message.contains(want), "{want}: {}", e.message);
    }
    let e = launch(&fixture("launch_not_found")["launchRun"], &job("nope")).unwrap_err();
    assert_eq!(e.kind, Kind::NotFound);
    let e = launch(&fixture("launch_read_only")["launchRun"], &job("hello")).unwrap_err();
    assert_eq!(e.kind, Kind::Unauthorized);
    assert!(e.message.contains("read-only"), "{}", e.message);
    let id = launch(&fixture("launch_ok")["launchRun"], &job("hello")).unwrap();
    assert_eq!(id.len(), 36);
}

#[test]
fn following_a_failed_run() {
    let data = fixture("follow_failure");
    let keys: Vec<String> = data["_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    let p = progress(&data, "x", &keys).unwrap();
    assert_eq!(p.run.status, "FAILURE");
    assert_eq!(p.run.tags.get("jr/run").map(String::as_str), Some("7"));
    let mut f = crate::clients::dagster::follow::Follower::default();
    f.absorb(&p, true);
    assert_eq!(
        f.failure(),
        "step explode: ValueError: boom: the step failed on purpose"
    );
    let c = &p.captured[&keys[0]];
    assert!(c.stderr.contains("Stack Trace"), "{}", c.stderr);
    assert!(c.cursor.is_some());
    assert!(p.cursor.is_some() && !p.has_more);
    let kinds: Vec<&str> = p.events.iter().map(|e| e.kind.as_str()).collect();
    assert!(kinds.contains(&"LOGS_CAPTURED") && kinds.contains(&"RUN_FAILURE"));
}

#[test]
fn other_answers() {
    let e = run_or_error(&fixture("run_not_found")["runOrError"], "nope").unwrap_err();
    assert_eq!(e.kind, Kind::NotFound);
    let e = terminate(&fixture("terminate_ended")["terminateRun"], "x").unwrap_err();
    assert!(
        e.message.contains("could not be terminated"),
        "{}",
        e.message
    );
    let rs = runs(&fixture("runs")["runsOrError"]).unwrap();
    assert!(!rs.is_empty() && rs.iter().all(|r| !r.run_id.is_empty()));
    let loc = reload(
        &fixture("reload_broken")["reloadRepositoryLocation"],
        "broken",
    )
    .unwrap();
    assert_eq!(loc.status, "error");
    assert!(loc.error.unwrap().contains("broken on purpose"));
    let e = instigation(&fixture("start_schedule_missing")["r"], "start").unwrap_err();
    assert_eq!(e.kind, Kind::NotFound);
}

/// Records the fixtures from a live `dagster dev -w tests/dagster/workspace.yaml`
/// (JR_DAGSTER_RECORD=http://127.0.0.1:PORT) and a read-only webserver
/// (JR_DAGSTER_RECORD_RO=...), with the very queries jr sends.
#[test]
#[ignore = "needs a live Dagster; run by hand to refresh data/fixtures/dagster"]
fn record_fixtures() {
    let url = std::env::var("JR_DAGSTER_RECORD").expect("JR_DAGSTER_RECORD=URL");
    let ro = std::env::var("JR_DAGSTER_RECORD_RO").ok();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = format!("{}/data/fixtures/dagster", env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(&dir).unwrap();
    let http = reqwest::Client::new();
    let post = |base: &str, name: &str, q: String, vars: Value| -> Value {
        let body = rt.block_on(async {
            let r = http
                .post(format!("{base}/graphql"))
                .json(&serde_json::json!({"query": q, "variables": vars}))
                .send()
                .await
                .unwrap();
            r.text().await.unwrap()
        });
        let v: Value = serde_json::from_str(&body).unwrap();
        if !name.is_empty() {
            let text = serde_json::to_string_pretty(&v).unwrap();
            std::fs::write(format!("{dir}/{name}.json"), text + "\n").unwrap();
        }
        v
    };
    let sel = |j: &str| {
        serde_json::json!({"selector": {"repositoryLocationName": "jr_tests",
            "repositoryName": "__repository__", "jobName": j},
            "executionMetadata": {"tags": [{"key": "jr/run", "value": "7"}]}})
    };
    post(
        &url,
        "workspace",
        api::workspace_query(),
        serde_json::json!({}),
    );
    let mut bad = sel("needs_config");
    bad["runConfigData"] =
        serde_json::json!({"ops": {"greet": {"config": {"name": 3, "tims": 2}}}});
    post(
        &url,
        "launch_invalid",
        api::launch_query(),
        serde_json::json!({"params": bad}),
    );
    post(
        &url,
        "launch_not_found",
        api::launch_query(),
        serde_json::json!({"params": sel("nope")}),
    );
    if let Some(ro) = &ro {
        post(
            ro,
            "launch_read_only",
            api::launch_query(),
            serde_json::json!({"params": sel("hello")}),
        );
    }
    post(
        &url,
        "launch_ok",
        api::launch_query(),
        serde_json::json!({"params": sel("hello")}),
    );
    let v = post(
        &url,
        "",
        api::launch_query(),
        serde_json::json!({"params": sel("broken")}),
    );
    let id = v["data"]["launchRun"]["run"]["runId"]
        .as_str()
        .unwrap()
        .to_string();
    let follow = |keys: &[String]| {
        let mut vars = serde_json::json!({"id": id, "after": null});
        for (i, k) in keys.iter().enumerate() {
            vars[format!("k{i}")] = serde_json::json!([id, "compute_logs", k]);
            vars[format!("p{i}")] = Value::Null;
        }
        post(&url, "", api::follow_query(keys.len()), vars)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let keys = loop {
        let v = follow(&[]);
        if v["data"]["runOrError"]["status"] == "FAILURE" {
            break v["data"]["logsForRun"]["events"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|e| e["fileKey"].as_str().map(str::to_string))
                .collect::<Vec<_>>();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the run did not fail in time"
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    };
    let mut v = follow(&keys);
    v["data"]["_keys"] = serde_json::json!(keys);
    std::fs::write(
        format!("{dir}/follow_failure.json"),
        serde_json::to_string_pretty(&v).unwrap() + "\n",
    )
    .unwrap();
    let run_q = "query R($id: ID!) { runOrError(runId: $id) { __typename ... on RunNotFoundError { message } } }";
    post(
        &url,
        "run_not_found",
        run_q.into(),
        serde_json::json!({"id": "nope"}),
    );
    post(
        &url,
        "terminate_ended",
        api::terminate_query(),
        serde_json::json!({"id": id, "policy": "SAFE_TERMINATE"}),
    );
    post(
        &url,
        "runs",
        api::runs_query(),
        serde_json::json!({"filter": {}, "limit": 3}),
    );
    post(
        &url,
        "reload_broken",
        api::reload_query(),
        serde_json::json!({"name": "broken"}),
    );
    let missing = serde_json::json!({"arg": {"repositoryLocationName": "jr_tests",
        "repositoryName": "__repository__", "scheduleName": "nope"}});
    post(
        &url,
        "start_schedule_missing",
        api::instigation_query("startSchedule", "scheduleSelector", "ScheduleSelector!"),
        missing,
    );
}
