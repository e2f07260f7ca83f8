//! The command line: one file per subcommand, each an `Args` struct whose doc
//! comments are the help text and a `run(ctx, args)`. Thin: parsing and
//! printing here, every decision in the engine.

pub mod agent_jobs;
pub mod agents;
pub mod assign;
pub mod cards;
pub mod chat;
pub mod completions;
pub mod context;
pub mod cron;
pub mod dagster;
pub mod dagster_assets;
pub mod dagster_launch;
pub mod dagster_show;
pub mod hub;
pub mod init;
pub mod jobs;
pub mod mcp;
pub mod notify;
pub mod output;
pub mod run_style;
pub mod runs;
pub mod setup;
pub mod status;
pub mod tasks;
pub mod tasks_list;
pub mod tui;

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::clock::Clock;
use crate::config::Config;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::store::Store;

/// jr — the JobRunner control center: tasks, scheduled jobs, run history and a
/// local-LLM gateway in one terminal. Run without a command for the full-screen UI.
#[derive(Debug, Parser)]
#[command(name = "jr", version, propagate_version = true)]
pub struct Cli {
    /// Database file (default: $XDG_DATA_HOME/jr/jr.db).
    #[arg(long, global = true, env = "JR_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Config file (default: $XDG_CONFIG_HOME/jr/config.toml).
    #[arg(long, global = true, env = "JR_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Run headless as the scheduler (same as `jr daemon`).
    #[arg(long)]
    pub daemon: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

// Parsed once per process: the size of its largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The task manager: the host agent's persistent memory.
    #[command(subcommand)]
    Tasks(tasks::TasksCmd),
    /// Scheduled and on-demand jobs.
    #[command(subcommand)]
    Jobs(jobs::JobsCmd),
    /// Run a job now (queued for the scheduler, or here when none runs).
    Run(runs::RunArgs),
    /// Run history and output.
    #[command(subcommand)]
    Runs(runs::RunsCmd),
    /// The next fire times of a cron expression.
    Cron(cron::CronArgs),
    /// Tasks, jobs, runs and the scheduler at a glance.
    Status(status::StatusArgs),
    /// The agenda: overdue and ready tasks, and the fires ahead.
    Plan(status::PlanArgs),
    /// Run headless as the scheduler for this database (for a home server).
    Daemon,
    /// One message to the local gateway: answered, acted on, or filed for the host agent.
    Chat(chat::ChatArgs),
    /// The full-screen UI (also what `jr` alone opens on a terminal).
    Tui(tui::TuiArgs),
    // agents: the agent manager.
    /// Configured agents: add, import YAML, run, recorded executions.
    #[command(subcommand)]
    Agents(agents::AgentsCmd),
    /// LLM models: the registry and what Ollama has installed and loaded.
    #[command(subcommand)]
    Models(hub::ModelsCmd),
    /// Skills (SKILL.md) added to agents' system prompts.
    #[command(subcommand)]
    Skills(hub::SkillsCmd),
    /// MCP servers agents may use.
    #[command(subcommand)]
    Mcps(hub::McpsCmd),
    /// Prepare the database; --examples installs the Daily Briefing.
    Init(init::InitArgs),
    /// The context registry: conversations from AI clients, searchable.
    #[command(subcommand)]
    Context(context::ContextCmd),
    /// The MCP server for host agents, over stdio.
    Mcp(mcp::McpArgs),
    /// Install the Agent Skill and register `jr mcp` with Claude Code or Gemini CLI.
    Setup(setup::SetupArgs),
    /// Print a shell completion script.
    Completions(completions::CompletionsArgs),
    /// Knowledge cards from your conversations, reviewed with spaced repetition.
    #[command(subcommand)]
    Cards(cards::CardsCmd),
    /// Dagster over HTTP: status, jobs, runs, launch, logs, schedules and sensors.
    Dagster(dagster::DagsterArgs),
    /// Notification targets ([[notify]] in config.toml): list them, send a test.
    #[command(subcommand)]
    Notify(notify::NotifyCmd),
}

/// What every subcommand gets: the resolved paths, the config and the engine.
pub struct Ctx {
    pub config: Config,
    pub config_path: PathBuf,
    pub db_path: PathBuf,
    pub clock: Clock,
    /// The user's keymap for the TUI: `$XDG_CONFIG_HOME/jr/keymap.toml`.
    pub keymap_path: PathBuf,
    /// Crash reports and logs: `$XDG_STATE_HOME/jr`.
    pub state_dir: PathBuf,
}

impl Ctx {
    /// Resolve paths from flags and the environment (the only place that reads
    /// `XDG_*`, `HOME` and `JR_NOW`), and load the config.
    pub fn from_cli(cli: &Cli) -> Result<Ctx> {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let xdg = |var: &str, fallback: &str| -> Result<PathBuf> {
            match std::env::var_os(var).filter(|v| !v.is_empty()) {
                Some(v) => Ok(PathBuf::from(v)),
                None => home.as_ref().map(|h| h.join(fallback)).ok_or_else(|| {
                    Error::config(format!("neither {var} nor HOME is set")).hint("pass --db PATH")
                }),
            }
        };
        let db_path = match &cli.db {
            Some(p) => p.clone(),
            None => xdg("XDG_DATA_HOME", ".local/share")?
                .join("jr")
                .join("jr.db"),
        };
        let config_path = match &cli.config {
            Some(p) => p.clone(),
            None => xdg("XDG_CONFIG_HOME", ".config")?
                .join("jr")
                .join("config.toml"),
        };
        // Only the TUI reads these; without HOME they fall back rather than
        // stop commands that were given --db and --config.
        let keymap_path = xdg("XDG_CONFIG_HOME", ".config")
            .map(|d| d.join("jr"))
            .unwrap_or_else(|_| config_path.parent().map(PathBuf::from).unwrap_or_default())
            .join("keymap.toml");
        let state_dir = xdg("XDG_STATE_HOME", ".local/state")
            .unwrap_or_else(|_| std::env::temp_dir())
            .join("jr");
        let mut config = Config::load(&config_path)?;
        resolve_llm(&mut config.llm);
        crate::exec::cgroup::set_enabled(config.scheduler.cgroups);
        let clock = match std::env::var("JR_NOW") {
            Ok(s) if !s.is_empty() => Clock::Fixed(
                chrono::DateTime::parse_from_rfc3339(&s)
                    .map_err(|e| Error::config(format!("JR_NOW={s:?} is not RFC 3339: {e}")))?
                    .with_timezone(&chrono::Utc),
            ),
            _ => Clock::System,
        };
        Ok(Ctx {
            config,
            config_path,
            db_path,
            clock,
            keymap_path,
            state_dir,
        })
    }

    /// The user's home folder (for the files of other programs: ~/.claude, ~/.gemini).
    pub fn home_dir(&self) -> Result<PathBuf> {
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .ok_or_else(|| Error::config("HOME is not set").hint("pass the path explicitly"))
    }

    /// The user's zone: config, then `TZ`, then the system's, then UTC.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.config
            .timezone
            .as_deref()
            .and_then(|z| z.parse().ok())
            .or_else(|| {
                std::env::var("TZ")
                    .ok()
                    .and_then(|z| z.trim_start_matches(':').parse().ok())
            })
            .or_else(|| {
                iana_time_zone::get_timezone()
                    .ok()
                    .and_then(|z| z.parse().ok())
            })
            .unwrap_or(chrono_tz::UTC)
    }

    pub fn engine(&self) -> Result<Engine> {
        let store = Store::open(&self.db_path)?;
        Ok(Engine::new(store, self.clock, self.tz())
            .with_llm(self.config.llm.clone())
            .with_dagster(self.dagster_settings())
            .with_run_files(self.state_dir.join("tmp"))
            .with_notify(self.notifier()))
    }
}

/// `JR_OLLAMA_URL` over the configured URL, and the values of the providers'
/// key variables (held in memory only).
fn resolve_llm(llm: &mut crate::clients::llm::LlmConfig) {
    if let Ok(url) = std::env::var("JR_OLLAMA_URL")
        && !url.is_empty()
    {
        llm.ollama_url = url;
    }
    for p in llm.all_providers() {
        if let Some(var) = &p.api_key_env
            && let Ok(v) = std::env::var(var)
        {
            llm.keys.insert(var, v);
        }
    }
}

/// Run a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> Result<i32> {
    let ctx = Ctx::from_cli(&cli)?;
    match cli.command {
        Some(Command::Daemon) => daemon(&ctx),
        None if cli.daemon => daemon(&ctx),
        Some(Command::Tasks(cmd)) => tasks::run(&ctx, cmd),
        Some(Command::Jobs(cmd)) => jobs::run(&ctx, cmd),
        Some(Command::Run(a)) => runs::run_now(&ctx, a),
        Some(Command::Runs(cmd)) => runs::run(&ctx, cmd),
        Some(Command::Cron(a)) => cron::run(&ctx, a),
        Some(Command::Status(a)) => status::status(&ctx, a),
        Some(Command::Plan(a)) => status::plan(&ctx, a),
        Some(Command::Chat(a)) => chat::run(&ctx, a),
        Some(Command::Tui(args)) => tui::run(&ctx, args),
        None if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() => {
            tui::run(&ctx, tui::TuiArgs::default())
        }
        // agents
        Some(Command::Agents(cmd)) => agents::run(&ctx, cmd),
        Some(Command::Models(cmd)) => hub::models(&ctx, cmd),
        Some(Command::Skills(cmd)) => hub::skills(&ctx, cmd),
        Some(Command::Mcps(cmd)) => hub::mcps(&ctx, cmd),
        Some(Command::Init(a)) => init::run(&ctx, a),
        Some(Command::Context(cmd)) => context::run(&ctx, cmd),
        Some(Command::Mcp(a)) => mcp::run(&ctx, a),
        Some(Command::Setup(a)) => setup::run(&ctx, a),
        Some(Command::Completions(a)) => completions::run(a),
        Some(Command::Cards(cmd)) => cards::run(&ctx, cmd),
        Some(Command::Dagster(a)) => dagster::run(&ctx, a),
        Some(Command::Notify(cmd)) => notify::run(&ctx, cmd),
        None => {
            use clap::CommandFactory;
            output::out(&format!("{}\n", Cli::command().render_help()))?;
            Ok(0)
        }
    }
}

fn daemon(ctx: &Ctx) -> Result<i32> {
    crate::daemon::init_logging(ctx.config.daemon.log_file.as_deref())?;
    let engine = ctx.engine()?;
    tracing::info!(db = %ctx.db_path.display(), "database");
    crate::daemon::run(engine, &ctx.config)?;
    Ok(0)
}

/// Ask on the terminal; without one, refuse and say how to go ahead.
pub fn confirm(question: &str) -> Result<()> {
    use std::io::{BufRead, IsTerminal};
    if !std::io::stdin().is_terminal() {
        return Err(
            Error::user(format!("not going ahead without confirmation: {question}"))
                .hint("pass --yes"),
        );
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(Error::user("not confirmed; nothing was changed"))
    }
}

/// Print an error the way every jr command does: `error: ...` then hints, on stderr.
pub fn report(err: &Error) {
    let red = output::RED.bold();
    let shown = |t: &str| crate::text::visible(t, false).into_owned();
    let mut s = format!("{}: {}\n", output::paint(red, "error"), shown(&err.message));
    for h in &err.hints {
        s.push_str(&format!(
            "  {}: {}\n",
            output::paint(output::CYAN, "hint"),
            shown(h)
        ));
    }
    use std::io::Write;
    let _ = anstream::stderr().write_all(s.as_bytes());
}
