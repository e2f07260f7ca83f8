//! A job as people write it (CLI flags, the export file, JSON), and the
//! name suggestions shared by jobs, agents and Dagster: apart from
//! `engine::jobs` so the kinds' modules (agent_jobs, dagster) can use them
//! without importing `jobs` back.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::{Misfire, Overlap};

/// A job as people write it (CLI flags, the export file); also the JSON shape.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct JobDef {
    pub name: String,
    #[serde(default = "shell")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// shell: the command, run by `sh -c`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub command: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// dagster: the Dagster job (name, location/job or location/repository/job).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dagster_job: Option<String>,
    /// dagster: run config, JSON or YAML text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dagster_config: Option<String>,
    /// dagster: asset keys to materialize instead of a job.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dagster_assets: Vec<String>,
    /// dagster: the partition of partitioned assets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dagster_partition: Option<String>,
    /// dagster: a [dagster.instances.NAME]; none means the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dagster_instance: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub retries: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_backoff: Option<String>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub overlap: Overlap,
    #[serde(default, skip_serializing_if = "is_default")]
    pub misfire: Misfire,
    // agents: the `agent` kind's settings (see engine/agent_jobs.rs).
    /// agent: the configured agent to run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// agent: the prompt template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// agent: `NAME=COMMAND`s run first; their output is `{{collect.NAME}}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collect: Vec<String>,
    /// agent: also write the answer to this path template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_file: Option<String>,
    // agents: Job–Agent chains, for every kind (see engine/chains.rs).
    /// Jobs queued when a run succeeds (after its last attempt).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on_success: Vec<String>,
    /// Jobs queued when a run fails or times out (after its last attempt).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on_failure: Vec<String>,
    /// ambient: the built-in task (`knowledge-cards`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ambient: Option<String>,
    /// ambient: the model it asks (`ollama/qwen2.5:7b`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// ambient: cards per run at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_cards: Option<u32>,
    /// ambient: read only these channels (default: all but `gateway`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
    /// ambient: read only these clients (default: all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<String>,
    /// A worker: each run claims the top ready task with this tag (see engine/handoff.rs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub takes_tasks: Option<String>,
    /// Notification targets, `NAME[:on-failure|on-success|on-change]`; absent:
    /// the config's default; empty: none (see engine/notify).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<Vec<String>>,
    /// Run parameters with their defaults (`jr run JOB --param KEY=VALUE`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
}

fn shell() -> String {
    "shell".into()
}
fn yes() -> bool {
    true
}
fn is_zero(n: &u32) -> bool {
    *n == 0
}
fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// Names within a small edit distance, or sharing a prefix/substring.
pub fn close_names(name: &str, names: &[String]) -> Vec<String> {
    let mut scored: Vec<(f64, &String)> = names
        .iter()
        .map(|n| (strsim::jaro_winkler(name, n), n))
        .filter(|(s, n)| *s > 0.8 || n.contains(name) || name.contains(n.as_str()))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(3).map(|(_, n)| n.clone()).collect()
}
