//! Graph agents run: a graph agent is LangGraph code living in Dagster as a
//! job or an asset. Running one launches that job (or materializes that
//! asset) and records an agent execution linked to the Dagster run; the
//! execution is settled — status, duration, result — when the run ends,
//! by whoever looks next (`jr agents runs`, `--wait`).

use std::collections::BTreeMap;

use serde_json::Value;

use super::Engine;
use super::dagster::resolve_job;
use super::jobs::close_names;
use crate::clients::dagster::Kind;
use crate::clients::dagster::materialize::Target;
use crate::clients::dagster::types::Phase;
use crate::domain::agent::{AgentRun, AgentRunStatus, GraphAgent, config_hash};
use crate::error::{Error, Result};
use crate::store::agent_runs::{self as repo, AgentFinish, NewAgentRun};

/// The tag naming the agent execution on the Dagster run.
pub const TAG_AGENT_RUN: &str = "jr/agent_run";

/// A graph agent's execution, just launched.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GraphLaunch {
    pub execution: i64,
    pub agent: String,
    /// The job path, or `assets KEY in LOCATION`.
    pub target: String,
    pub dagster_run: String,
    pub url: String,
}

impl Engine {
    pub fn graph_agent(&self, name: &str) -> Result<GraphAgent> {
        let all = self.list_graph_agents()?;
        if let Some(g) = all.iter().find(|g| g.name == name) {
            return Ok(g.clone());
        }
        let names: Vec<String> = all.into_iter().map(|g| g.name).collect();
        let close = close_names(name, &names);
        let e = Error::user(format!("no graph agent named {name:?}"));
        Err(if close.is_empty() {
            e.hint("`jr agents graph list` shows them; `jr agents graph add NAME --dagster-job JOB` adds one")
        } else {
            e.hint(format!("did you mean {}?", close.join(", ")))
        })
    }

    fn start_graph_execution(&self, g: &GraphAgent, input: &str) -> Result<i64> {
        let now = self.now();
        let hash = config_hash("dagster", &g.dagster_job, input, None, None);
        self.store.write(|tx| {
            repo::start(
                tx,
                &NewAgentRun {
                    agent_id: None,
                    agent: &g.name,
                    model: "dagster",
                    prompt: input,
                    run_id: None,
                    config_hash: &hash,
                    task_id: None,
                },
                now,
            )
        })
    }
}

/// Run config from `--input`: a JSON object (or none).
fn input_config(input: Option<&str>) -> Result<Option<Value>> {
    let Some(text) = input.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    match serde_json::from_str::<Value>(text) {
        Ok(v @ Value::Object(_)) => Ok(Some(v)),
        Ok(_) => Err(Error::user(
            "--input must be a JSON object: the run config of the graph agent's job or asset",
        )),
        Err(e) => Err(Error::user(format!("--input is not JSON: {e}"))
            .hint(r#"e.g. --input '{"ops": {"agent": {"config": {"question": "..."}}}}'"#)),
    }
}

/// Launch graph agent `name` on Dagster (instance `inst`, None: the
/// default), recording its execution.
pub async fn run_graph_agent(
    e: &Engine,
    inst: Option<&str>,
    name: &str,
    input: Option<&str>,
) -> Result<GraphLaunch> {
    let g = e.graph_agent(name)?;
    let config = input_config(input)?;
    let dg = e.dagster();
    let c = dg.client(inst)?;
    // The name is a job when one has it, else an asset key.
    let ws = c.workspace().await?;
    let target = match resolve_job(&ws, &g.dagster_job) {
        Ok(j) => Target::Job(j),
        Err(job_err) => match c
            .selection(std::slice::from_ref(&g.dagster_job), None)
            .await
        {
            Ok(s) => Target::Assets(s),
            Err(_) => {
                return Err(Error::user(format!(
                    "graph agent {}: Dagster has no job or asset {:?} ({})",
                    g.name, g.dagster_job, job_err.message
                ))
                .hint("`jr dagster jobs` and `jr dagster assets` list what there is"));
            }
        },
    };
    let id = e.start_graph_execution(&g, input.unwrap_or("").trim())?;
    let mut tags = BTreeMap::new();
    tags.insert(TAG_AGENT_RUN.to_string(), id.to_string());
    tags.insert("jr/agent".to_string(), g.name.clone());
    let launched = c.launch_target(&target, None, config.as_ref(), &tags).await;
    let run = match launched {
        Ok(r) => r,
        Err(err) => {
            let msg = err.message.clone();
            e.finish_agent_run(
                id,
                &AgentFinish {
                    status: AgentRunStatus::Failed,
                    output: "",
                    tokens_in: None,
                    tokens_out: None,
                    error: Some(&msg),
                },
            )?;
            return Err(err.into());
        }
    };
    e.store
        .write(|tx| repo::link_dagster(tx, id, c.name(), &run))?;
    Ok(GraphLaunch {
        execution: id,
        agent: g.name,
        target: target.describe(),
        url: c.run_url(&run),
        dagster_run: run,
    })
}

/// Settle graph executions whose Dagster run has ended; the ones settled.
/// An instance that does not answer leaves its executions running (the
/// reasons come back as warnings).
pub async fn settle_graph_runs(e: &Engine) -> (Vec<AgentRun>, Vec<String>) {
    let open = match repo::open_dagster(e.store.conn()) {
        Ok(o) => o,
        Err(err) => return (Vec::new(), vec![err.to_string()]),
    };
    let dg = e.dagster();
    let mut done = Vec::new();
    let mut warnings = Vec::new();
    // An instance that did not answer is not asked again in this pass: a
    // listing waits for one timeout, not one per execution.
    let mut silent: Vec<String> = Vec::new();
    for (id, inst, run) in open {
        if silent.contains(&inst) {
            continue;
        }
        let client = match dg.client(Some(&inst).filter(|i| !i.is_empty()).map(|s| s.as_str())) {
            Ok(c) => c,
            Err(err) => {
                warnings.push(format!("agent run {id}: {}", err.message));
                continue;
            }
        };
        let outcome = match client.outcome(&run).await {
            Ok(Some(o)) => o,
            Ok(None) => continue,
            Err(err) => {
                if matches!(
                    err.kind,
                    Kind::Unreachable | Kind::NotDagster | Kind::Unauthorized
                ) {
                    silent.push(inst.clone());
                }
                warnings.push(format!("agent run {id}: {}", err.message));
                continue;
            }
        };
        let (status, error) = match outcome.phase {
            Phase::Success => (AgentRunStatus::Success, None),
            Phase::Canceled => (
                AgentRunStatus::Stopped,
                Some(format!("Dagster run {run} was canceled")),
            ),
            _ => (
                AgentRunStatus::Failed,
                Some(match &outcome.failure {
                    Some(f) => format!("Dagster run {run} ended {}: {f}", outcome.run.status),
                    None => format!("Dagster run {run} ended {}", outcome.run.status),
                }),
            ),
        };
        // Ended when the Dagster run ended, not when jr looked.
        let ended = outcome
            .run
            .ended
            .filter(|t| t.is_finite())
            .and_then(|t| chrono::DateTime::from_timestamp_millis((t * 1000.0) as i64))
            .unwrap_or_else(|| e.now());
        let f = AgentFinish {
            status,
            output: &outcome.output,
            tokens_in: None,
            tokens_out: None,
            error: error.as_deref(),
        };
        let finished = e
            .store
            .write(|tx| repo::finish(tx, id, &f, ended))
            .and_then(|_| e.get_agent_run(id));
        match finished {
            Ok(r) => done.push(r),
            Err(err) => warnings.push(format!("agent run {id}: {err}")),
        }
    }
    (done, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_is_a_json_object_or_nothing() {
        assert!(input_config(None).unwrap().is_none());
        assert!(input_config(Some("  ")).unwrap().is_none());
        assert_eq!(input_config(Some(r#"{"a":1}"#)).unwrap().unwrap()["a"], 1);
        assert!(input_config(Some("[1]")).is_err());
        assert!(input_config(Some("{oops")).is_err());
    }
}
