//! `jr agents ...`: configured agents (list, show, add, edit, rm, import,
//! export), running one (`run NAME "prompt"` streams the answer), their
//! recorded executions (`runs`) and graph agents (`graph`).

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::Ctx;
use super::output::{self, Table, fit, one_line, paint, styled};
use crate::clients::llm::Chunk;
use crate::domain::agent::{AgentDef, AgentRun, AgentRunStatus, GraphAgent};
use crate::engine::Engine;
use crate::engine::agents::{parse_yaml, to_yaml};
use crate::engine::graph_run;
use crate::error::{Error, Result};

#[derive(Debug, Subcommand)]
pub enum AgentsCmd {
    /// Configured agents with their model and skills.
    #[command(alias = "ls")]
    List(JsonArgs),
    /// One agent: its settings and recent executions.
    Show(NameArgs),
    /// Add an agent (model + system prompt + skills + MCP servers + options).
    Add(AddArgs),
    /// Change an agent's settings.
    Edit(EditArgs),
    /// Remove an agent (refused while a job runs it).
    Rm(RmArgs),
    /// Add or replace agents from YAML (name, model, system_prompt, skills, config).
    Import(ImportArgs),
    /// Print agents as YAML (all, or the ones named).
    Export(ExportArgs),
    /// Run an agent on a prompt; the answer streams to the terminal.
    Run(RunArgs),
    /// Recorded agent executions, newest first.
    Runs(RunsArgs),
    /// Graph agents: LangGraph agents living in Dagster (reference only).
    #[command(subcommand)]
    Graph(GraphCmd),
}

#[derive(Debug, Args)]
pub struct JsonArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct NameArgs {
    pub name: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args, Default)]
pub struct AgentFlags {
    /// provider/model: ollama/qwen2.5-coder:7b, openai/gpt-4o-mini, NAME/model.
    #[arg(long, short = 'm')]
    pub model: Option<String>,
    /// The agent's own system prompt (its skills' bodies are added after it).
    #[arg(long = "system", value_name = "TEXT")]
    pub system_prompt: Option<String>,
    /// A registered skill (repeatable; replaces the list on edit).
    #[arg(long = "skill", value_name = "NAME")]
    pub skills: Vec<String>,
    /// A registered MCP server (repeatable; replaces the list on edit).
    #[arg(long = "mcp", value_name = "NAME")]
    pub mcps: Vec<String>,
    /// A destructive MCP tool it may call, by name (repeatable; replaces the
    /// list on edit). Read-only and non-destructive tools need no entry.
    #[arg(long = "allow-tool", value_name = "TOOL")]
    pub allow_tools: Vec<String>,
    #[arg(long)]
    pub temperature: Option<f32>,
    #[arg(long)]
    pub max_tokens: Option<u32>,
    #[arg(long, short = 'd')]
    pub description: Option<String>,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// a-z, 0-9, - and _.
    pub name: String,
    #[command(flatten)]
    pub flags: AgentFlags,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    pub name: String,
    #[command(flatten)]
    pub flags: AgentFlags,
    #[arg(long)]
    pub rename: Option<String>,
    /// Take every skill out.
    #[arg(long, conflicts_with = "skills")]
    pub no_skills: bool,
    /// Take every MCP server out.
    #[arg(long, conflicts_with = "mcps")]
    pub no_mcps: bool,
    /// Allow no destructive tool.
    #[arg(long, conflicts_with = "allow_tools")]
    pub no_allow_tools: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    pub name: String,
    #[arg(long, short)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    pub names: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    pub name: String,
    /// The prompt; `-` reads it from stdin.
    pub prompt: String,
    /// Print the recorded execution as JSON at the end instead of streaming.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    #[arg(long)]
    pub agent: Option<String>,
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum GraphCmd {
    #[command(alias = "ls")]
    List(JsonArgs),
    /// Add or replace a graph agent.
    Add(GraphAddArgs),
    Rm(RmArgs),
    /// Run a graph agent: launch its Dagster job (or materialize its asset),
    /// recorded as an agent execution linked to the Dagster run.
    Run(GraphRunArgs),
}

#[derive(Debug, Args)]
pub struct GraphRunArgs {
    pub name: String,
    /// Run config for its job or asset, a JSON object.
    #[arg(long, value_name = "JSON")]
    pub input: Option<String>,
    /// Follow the run to its end, printing its log; exit 0 only on success.
    #[arg(long, short)]
    pub wait: bool,
    /// A [dagster.instances.NAME] (default: the configured default).
    #[arg(long, value_name = "NAME")]
    pub instance: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct GraphAddArgs {
    pub name: String,
    /// The Dagster job that implements it, or the key of its asset.
    #[arg(long, visible_alias = "dagster-asset")]
    pub dagster_job: String,
    #[arg(long, short = 'd', default_value = "")]
    pub description: String,
}

fn apply(d: &mut AgentDef, f: AgentFlags) {
    if let Some(m) = f.model {
        d.model = m;
    }
    if let Some(s) = f.system_prompt {
        d.system_prompt = s;
    }
    if !f.skills.is_empty() {
        d.skills = f.skills;
    }
    if !f.mcps.is_empty() {
        d.mcps = f.mcps;
    }
    if !f.allow_tools.is_empty() {
        d.allow_tools = f.allow_tools;
    }
    if let Some(t) = f.temperature {
        d.config.temperature = Some(t);
    }
    if let Some(n) = f.max_tokens {
        d.config.max_tokens = Some(n);
    }
    if let Some(x) = f.description {
        d.description = x;
    }
}

pub fn run(ctx: &Ctx, cmd: AgentsCmd) -> Result<i32> {
    let e = ctx.engine()?;
    match cmd {
        AgentsCmd::List(a) => {
            let agents = e.list_agents()?;
            if a.json {
                output::json(&agents)?;
            } else if agents.is_empty() {
                output::out(
                    "no agents yet; add one with `jr agents add NAME --model ollama/qwen2.5-coder:7b` or `jr agents import FILE.yaml`\n",
                )?;
            } else {
                let mut t = Table::new(&["NAME", "MODEL", "SKILLS", "DESCRIPTION"]);
                for a in &agents {
                    t.row(vec![
                        styled(a.name.clone(), output::BOLD),
                        a.model.clone().into(),
                        a.skills.join(", ").into(),
                        styled(fit(&one_line(&a.description), 50), output::DIM),
                    ]);
                }
                output::out(&t.render())?;
            }
        }
        AgentsCmd::Show(a) => {
            let agent = e.get_agent(&a.name)?;
            let runs = e.agent_runs(Some(&agent.name), 5)?;
            if a.json {
                #[derive(serde::Serialize)]
                struct Shown<'a> {
                    #[serde(flatten)]
                    agent: &'a crate::domain::agent::Agent,
                    recent_runs: &'a [AgentRun],
                }
                output::json(&Shown {
                    agent: &agent,
                    recent_runs: &runs,
                })?;
            } else {
                let mut s = format!(
                    "{}  {}\n",
                    paint(output::BOLD, &agent.name),
                    paint(output::DIM, &agent.model)
                );
                if !agent.description.is_empty() {
                    s.push_str(&format!("  {}\n", agent.description));
                }
                s.push_str(&format!("  skills       {}\n", agent.skills.join(", ")));
                s.push_str(&format!("  mcps         {}\n", agent.mcps.join(", ")));
                if !agent.allow_tools.is_empty() {
                    s.push_str(&format!(
                        "  allow_tools  {}\n",
                        agent.allow_tools.join(", ")
                    ));
                }
                let opt = |v: Option<String>| v.unwrap_or_else(|| "model default".into());
                s.push_str(&format!(
                    "  temperature  {}\n",
                    opt(agent.temperature.map(|t| t.to_string()))
                ));
                s.push_str(&format!(
                    "  max_tokens   {}\n",
                    opt(agent.max_tokens.map(|t| t.to_string()))
                ));
                s.push_str(&format!(
                    "\n{}\n{}\n",
                    paint(output::BOLD, "system prompt"),
                    agent.system_prompt
                ));
                if !runs.is_empty() {
                    s.push_str(&format!(
                        "\n{}\n{}",
                        paint(output::BOLD, "recent runs"),
                        runs_table(&runs)
                    ));
                }
                output::out(&s)?;
            }
        }
        AgentsCmd::Add(a) => {
            let mut d = AgentDef {
                name: a.name,
                ..Default::default()
            };
            apply(&mut d, a.flags);
            if d.model.is_empty() {
                return Err(Error::user(
                    "an agent needs a model (--model ollama/qwen2.5-coder:7b)",
                ));
            }
            let agent = e.add_agent(&d)?;
            done(&agent, a.json, "added")?;
        }
        AgentsCmd::Edit(a) => {
            let mut d = e.get_agent(&a.name)?.def();
            apply(&mut d, a.flags);
            if a.no_skills {
                d.skills.clear();
            }
            if a.no_mcps {
                d.mcps.clear();
            }
            if a.no_allow_tools {
                d.allow_tools.clear();
            }
            if let Some(n) = a.rename {
                d.name = n;
            }
            let agent = e.update_agent(&a.name, &d)?;
            done(&agent, a.json, "updated")?;
        }
        AgentsCmd::Rm(a) => {
            let agent = e.get_agent(&a.name)?;
            if !a.yes {
                super::confirm(&format!("remove agent {}?", agent.name))?;
            }
            e.remove_agent(&agent.name)?;
            output::out(&format!(
                "removed agent {} (its recorded runs stay)\n",
                agent.name
            ))?;
        }
        AgentsCmd::Import(a) => {
            let text = std::fs::read_to_string(&a.file)
                .map_err(|err| Error::user(format!("cannot read {}: {err}", a.file.display())))?;
            let defs = parse_yaml(&text)
                .map_err(|err| Error::user(format!("{}: {err}", a.file.display())))?;
            if defs.is_empty() {
                return Err(Error::user(format!("{} holds no agent", a.file.display())));
            }
            let (added, replaced) = e.import_agents(&defs)?;
            output::out(&format!(
                "imported {} agents: {added} added, {replaced} replaced\n",
                added + replaced
            ))?;
        }
        AgentsCmd::Export(a) => output::out(&to_yaml(&e.export_agents(&a.names)?)?)?,
        AgentsCmd::Run(a) => return run_agent(ctx, e, a),
        AgentsCmd::Runs(a) => {
            settle_graph_runs(&e)?;
            let runs = e.agent_runs(a.agent.as_deref(), a.limit)?;
            if a.json {
                output::json(&runs)?;
            } else if runs.is_empty() {
                output::out("no agent runs yet; try `jr agents run NAME \"prompt\"`\n")?;
            } else {
                output::out(&runs_table(&runs))?;
            }
        }
        AgentsCmd::Graph(g) => match g {
            GraphCmd::List(a) => {
                let list = e.list_graph_agents()?;
                if a.json {
                    output::json(&list)?;
                } else {
                    let mut t = Table::new(&["NAME", "DAGSTER JOB", "DESCRIPTION"]);
                    for g in &list {
                        t.row(vec![
                            g.name.clone().into(),
                            g.dagster_job.clone().into(),
                            g.description.clone().into(),
                        ]);
                    }
                    output::out(&t.render())?;
                }
            }
            GraphCmd::Add(a) => {
                e.put_graph_agent(&GraphAgent {
                    name: a.name.clone(),
                    description: a.description,
                    dagster_job: a.dagster_job,
                })?;
                output::out(&format!("graph agent {} saved\n", a.name))?;
            }
            GraphCmd::Run(a) => return run_graph(&e, a),
            GraphCmd::Rm(a) => {
                e.remove_graph_agent(&a.name)?;
                output::out(&format!("removed graph agent {}\n", a.name))?;
            }
        },
    }
    Ok(0)
}

fn done(agent: &crate::domain::agent::Agent, json: bool, verb: &str) -> Result<()> {
    if json {
        return output::json(agent);
    }
    output::out(&format!("{verb} agent {} ({})\n", agent.name, agent.model))
}

fn runs_table(runs: &[AgentRun]) -> String {
    let mut t = Table::new(&["ID", "AGENT", "STATUS", "TOKENS", "TOOLS", "TIME", "PROMPT"]);
    for r in runs {
        let tokens = match (r.tokens_in, r.tokens_out) {
            (None, None) => "-".to_string(),
            (i, o) => format!(
                "{}/{}",
                i.map(|n| n.to_string()).unwrap_or("?".into()),
                o.map(|n| n.to_string()).unwrap_or("?".into())
            ),
        };
        let style = match r.status {
            AgentRunStatus::Success => output::GREEN,
            AgentRunStatus::Failed => output::RED,
            _ => output::YELLOW,
        };
        t.row(vec![
            r.id.to_string().into(),
            r.agent.clone().into(),
            styled(r.status.to_string(), style),
            tokens.into(),
            r.tool_calls.len().to_string().into(),
            r.duration_ms
                .map(|d| format!("{:.1}s", d as f64 / 1000.0))
                .unwrap_or_default()
                .into(),
            styled(fit(&one_line(&r.prompt), 40), output::DIM),
        ]);
    }
    t.render()
}

fn run_agent(_ctx: &Ctx, e: crate::engine::Engine, a: RunArgs) -> Result<i32> {
    let prompt = if a.prompt == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
        s
    } else {
        a.prompt.clone()
    };
    let inv = e.prepare_agent(&a.name, &prompt)?;
    let db = crate::engine::shared::Shared::new(e);
    let rt = crate::runtime::current_thread()?;
    let stream = !a.json;
    let mut ended_with_newline = true;
    let finished = rt.block_on(async {
        let stop = stop_on_ctrl_c();
        let mut on = |c: Chunk| {
            if !stream {
                return;
            }
            print_chunk(c, &mut ended_with_newline);
        };
        crate::engine::agent_run::run_agent(&db, inv, None, stop, &mut on).await
    })?;
    if stream && !ended_with_newline {
        output::out("\n")?;
    }
    if a.json {
        output::json(&finished.run)?;
    }
    if let Some(err) = finished.error {
        return Err(err);
    }
    match finished.run.status {
        AgentRunStatus::Success => Ok(0),
        _ => Err(Error::user(format!(
            "agent run {} was stopped; what arrived is recorded",
            finished.run.id
        ))),
    }
}

/// Print one piece of a streamed agent answer: the answer on stdout, the
/// model's loading and the tool calls on stderr (dim), as they happen.
pub(crate) fn print_chunk(c: Chunk, ended_with_newline: &mut bool) {
    match c {
        Chunk::Loading { model } => {
            let _ = writeln!(
                anstream::stderr(),
                "{}",
                paint(
                    output::DIM,
                    &format!("loading model {model}… (a cold load can take minutes)")
                )
            );
        }
        Chunk::Delta(d) => {
            *ended_with_newline = d.ends_with('\n');
            // A model's answer is shown, never obeyed by the terminal.
            let d = crate::text::visible(&d, false);
            let mut o = anstream::stdout().lock();
            let _ = o.write_all(d.as_bytes()).and_then(|_| o.flush());
        }
        // Tool calls go to stderr, as they happen: stdout stays the answer.
        Chunk::ToolCall {
            server,
            tool,
            arguments,
        } => {
            let line = crate::domain::agent::tool_start_line(&server, &tool, &arguments);
            let _ = writeln!(anstream::stderr(), "{}", paint(output::DIM, &line));
        }
        Chunk::ToolDone(r) => {
            let _ = writeln!(anstream::stderr(), "{}", paint(output::DIM, &r.end_line()));
        }
        Chunk::Done(_) => {}
    }
}

/// A token cancelled by Ctrl-C: a streamed agent stops and what arrived is
/// recorded. Call inside the runtime.
pub(crate) fn stop_on_ctrl_c() -> tokio_util::sync::CancellationToken {
    let stop = tokio_util::sync::CancellationToken::new();
    let s = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            s.cancel();
        }
    });
    stop
}

/// Graph executions whose Dagster run ended get their result before a
/// listing; only when a Dagster instance is configured (no network otherwise).
fn settle_graph_runs(e: &Engine) -> Result<()> {
    if e.dagster().settings().instances.is_empty() {
        return Ok(());
    }
    let rt = crate::runtime::current_thread()?;
    let (_, warnings) = rt.block_on(graph_run::settle_graph_runs(e));
    for w in warnings {
        eprintln!("jr: {w} (still shown as running)");
    }
    Ok(())
}

fn run_graph(e: &Engine, a: GraphRunArgs) -> Result<i32> {
    let rt = crate::runtime::current_thread()?;
    rt.block_on(async {
        let l = graph_run::run_graph_agent(e, a.instance.as_deref(), &a.name, a.input.as_deref())
            .await?;
        if !a.wait {
            if a.json {
                output::json(&l)?;
            } else {
                output::out(&format!(
                    "graph agent {} launched {} as agent run {}\n  Dagster run {}: {}\n  `jr agents runs` shows its result when it ends\n",
                    l.agent, l.target, l.execution, l.dagster_run, l.url
                ))?;
            }
            return Ok(0);
        }
        if !a.json {
            eprintln!(
                "graph agent {} launched {} as agent run {}: {}",
                l.agent, l.target, l.execution, l.url
            );
        }
        if a.json {
            // Quiet: stdout carries one JSON object.
            let mut unanswered = 0;
            loop {
                let (_, warnings) = graph_run::settle_graph_runs(e).await;
                if e.get_agent_run(l.execution)?.status != AgentRunStatus::Running {
                    break;
                }
                // A minute of Dagster not answering ends the wait, not the run.
                unanswered = if warnings.is_empty() { 0 } else { unanswered + 1 };
                if unanswered > 120 {
                    return Err(Error::service(warnings.join("; ")).hint(format!(
                        "the Dagster run goes on; `jr agents runs` settles agent run {} once Dagster answers",
                        l.execution
                    )));
                }
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
        } else {
            let c = e.dagster().client(a.instance.as_deref())?;
            super::dagster_launch::follow(&c, &l.dagster_run, true, false).await?;
            graph_run::settle_graph_runs(e).await;
        }
        let r = e.get_agent_run(l.execution)?;
        if a.json {
            output::json(&r)?;
        } else {
            let mut line = format!("agent run {} {}", r.id, r.status);
            if let Some(err) = &r.error {
                line.push_str(&format!(": {err}"));
            }
            output::out(&format!("{line}\n"))?;
            if !r.output.is_empty() {
                output::out(&format!("{}\n", r.output))?;
            }
        }
        Ok(if r.status == AgentRunStatus::Success { 0 } else { 1 })
    })
}
