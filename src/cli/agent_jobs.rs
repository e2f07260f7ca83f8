//! The `jr jobs add|edit` flags of the agent kind (`--agent --prompt
//! --collect --output-file`) and of chains (`--on-success --on-failure`),
//! and their lines in `jr jobs show`.

use clap::Args;

use crate::engine::jobs::{JobDef, JobOut};

/// `jr jobs add|edit` flags for the agent kind and for chains.
#[derive(Debug, Args, Default)]
pub struct AgentJobFlags {
    /// Make it an agent job running this configured agent.
    #[arg(long, value_name = "NAME")]
    pub agent: Option<String>,
    /// agent: the prompt template ({{date}}, {{tasks.ready}}, {{collect.NAME}}, {{upstream.result}}, ...).
    #[arg(long, value_name = "TEMPLATE")]
    pub prompt: Option<String>,
    /// agent: a command run first, NAME=CMD (output in {{collect.NAME}}); repeatable, replaces on edit.
    #[arg(long, value_name = "CMD")]
    pub collect: Vec<String>,
    /// agent: also write the answer to this path template (e.g. ~/briefings/{{date}}.md).
    #[arg(long, value_name = "PATH")]
    pub output_file: Option<String>,
    /// Make it an ambient job running this built-in task (knowledge-cards).
    #[arg(long, value_name = "TASK")]
    pub ambient: Option<String>,
    /// ambient: the model it asks, e.g. ollama/qwen2.5:7b.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
    /// ambient: cards per run at most (default 10).
    #[arg(long, value_name = "N")]
    pub max_cards: Option<u32>,
    /// ambient: read only this channel (repeatable, replaces on edit; default: all but gateway).
    #[arg(long = "channel", value_name = "NAME")]
    pub channels: Vec<String>,
    /// ambient: read only this client's messages (repeatable, replaces on edit).
    #[arg(long = "client", value_name = "NAME")]
    pub clients: Vec<String>,
    /// Queue this job when a run succeeds (after its last attempt); repeatable, replaces on edit.
    #[arg(long, value_name = "JOB")]
    pub on_success: Vec<String>,
    /// Queue this job when a run fails or times out (after its last attempt); repeatable.
    #[arg(long, value_name = "JOB")]
    pub on_failure: Vec<String>,
    /// A worker: each run claims the top ready task with this tag and works on it
    /// (none ready: the run is skipped).
    #[arg(long, value_name = "TAG")]
    pub takes_tasks: Option<String>,
}

/// Merge the agent/chain flags into a job definition.
pub fn apply_job_flags(def: &mut JobDef, f: AgentJobFlags) {
    if let Some(a) = f.agent {
        def.kind = "agent".into();
        def.agent = Some(a);
    }
    if let Some(t) = f.ambient {
        def.kind = "ambient".into();
        def.ambient = Some(t);
    }
    if let Some(m) = f.model {
        def.model = Some(m);
    }
    if let Some(n) = f.max_cards {
        def.max_cards = Some(n);
    }
    if !f.channels.is_empty() {
        def.channels = f.channels;
    }
    if !f.clients.is_empty() {
        def.clients = f.clients;
    }
    if let Some(p) = f.prompt {
        def.prompt = Some(p);
    }
    if !f.collect.is_empty() {
        def.collect = f.collect;
    }
    if let Some(o) = f.output_file {
        def.output_file = Some(o);
    }
    if !f.on_success.is_empty() {
        def.on_success = f.on_success;
    }
    if !f.on_failure.is_empty() {
        def.on_failure = f.on_failure;
    }
    if let Some(t) = f.takes_tasks {
        def.takes_tasks = Some(t);
    }
}

/// The agent/chain lines of `jr jobs show`.
pub fn job_fields(v: &JobOut) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let (Some(t), Some(m)) = (&v.ambient, &v.model) {
        out.push(("ambient", format!("{t} with {m}")));
    }
    if let Some(a) = &v.agent {
        out.push(("agent", a.clone()));
        let prompt = v.prompt.clone().unwrap_or_default();
        out.push(("prompt", prompt.trim().replace('\n', "\n               ")));
    }
    for c in &v.collect {
        out.push(("collect", c.clone()));
    }
    if let Some(o) = &v.output_file {
        out.push(("output file", o.clone()));
    }
    if !v.on_success.is_empty() {
        out.push(("on success", v.on_success.join(", ")));
    }
    if !v.on_failure.is_empty() {
        out.push(("on failure", v.on_failure.join(", ")));
    }
    if let Some(t) = &v.takes_tasks {
        out.push(("takes tasks", format!("tagged {t}")));
    }
    out
}
