//! `job_run(job, params)` over the real `jr mcp` (JSON-RPC on stdin/stdout):
//! the run records the parameters over the job's defaults; an undeclared
//! key is a tool error naming the declared ones, and nothing is queued.

mod common;

use common::Env;
use common::mcp::Mcp;
use serde_json::json;

#[test]
fn job_run_takes_parameters() {
    let env = Env::new();
    env.ok(&[
        "jobs",
        "add",
        "backup",
        "--command",
        "echo $JR_PARAM_TARGET",
        "--param-default",
        "target=local",
        "--param-default",
        "mode=full",
    ]);
    let mut m = Mcp::ready(&env);
    let tools = m.request(1, "tools/list", json!({}));
    let job_run = tools["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "job_run")
        .cloned()
        .unwrap();
    assert_eq!(
        job_run["inputSchema"]["properties"]["params"]["type"], "object",
        "{job_run}"
    );

    let run = m.ok(
        2,
        "job_run",
        json!({"job": "backup", "params": {"target": "나스"}}),
    );
    assert_eq!(run["trigger"], "mcp");
    assert_eq!(
        run["params"],
        json!({"target": "나스", "mode": "full"}),
        "{run}"
    );
    let id = run["id"].as_i64().unwrap();
    assert_eq!(env.run_obj(id)["params"]["target"], "나스");

    let text = m.tool_error(
        3,
        "job_run",
        json!({"job": "backup", "params": {"where": "x"}}),
    );
    assert!(
        text.contains("no parameter where; it declares: mode, target"),
        "{text}"
    );
    assert_eq!(env.runs("backup").len(), 1, "the refused run was queued");
    m.close();
}
