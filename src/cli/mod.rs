//! The command line: one file per subcommand, each an `Args` struct whose doc
//! comments are the help text and a `run(ctx, args)`. Thin: parsing and
//! printing here, every decision in the engine.

pub mod cron;
pub mod dagster;
pub mod dagster_show;
pub mod jobs;
pub mod output;
pub mod runs;
pub mod status;
pub mod tasks;

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
    /// Dagster over HTTP: status, jobs, runs, launch, logs, schedules and sensors.
    Dagster(dagster::DagsterArgs),
}

/// What every subcommand gets: the resolved paths, the config and the engine.
pub struct Ctx {
    pub config: Config,
    pub config_path: PathBuf,
    pub db_path: PathBuf,
    pub clock: Clock,
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
        let config = Config::load(&config_path)?;
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
        })
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
        Ok(Engine::new(store, self.clock, self.tz()).with_dagster(self.dagster_settings()))
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
        Some(Command::Dagster(a)) => dagster::run(&ctx, a),
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
    let mut s = format!("{}: {}\n", output::paint(red, "error"), err.message);
    for h in &err.hints {
        s.push_str(&format!("  {}: {h}\n", output::paint(output::CYAN, "hint")));
    }
    use std::io::Write;
    let _ = anstream::stderr().write_all(s.as_bytes());
}
