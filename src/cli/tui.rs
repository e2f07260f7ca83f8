//! `jr` (no command) and `jr tui`: the full-screen UI on the default database.
//! This file resolves what the TUI needs from the environment (NO_COLOR, USER)
//! so the TUI itself reads none of it.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;

use super::Ctx;
use crate::error::{Error, Result};

#[derive(Debug, Args, Default)]
pub struct TuiArgs {
    /// Exit right after the first complete frame (for bench/tui.py).
    #[arg(long, hide = true)]
    pub bench_first_frame: bool,
    /// Append timings (first frame, key to frame) to this file (for bench/tui.py).
    #[arg(long, hide = true, env = "JR_BENCH_LOG", value_name = "PATH")]
    pub bench_log: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, args: TuiArgs) -> Result<i32> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Error::user("the full-screen UI needs a terminal")
            .hint("use the commands instead, e.g. `jr tasks list`; `jr --help` lists them"));
    }
    let engine = ctx.engine()?;
    init_log(&ctx.state_dir);
    let scheduler = crate::tui::sched::SchedulerSetup {
        engine: ctx.engine()?,
        settings: crate::drive::Settings::from_config(&ctx.config, "tui"),
        me: crate::engine::lease::Me::this_process(),
    };
    let me = std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "me".into());
    crate::tui::run(crate::tui::TuiOptions {
        engine,
        config: ctx.config.clone(),
        clock: ctx.clock,
        tz: ctx.tz(),
        keymap_path: ctx.keymap_path.clone(),
        state_dir: ctx.state_dir.clone(),
        me,
        no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        bench_first_frame: args.bench_first_frame,
        bench_log: args.bench_log,
        crash_test: std::env::var_os("JR_TUI_CRASH_TEST").is_some(),
        scheduler: Some(scheduler),
        editor: ["VISUAL", "EDITOR"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|e| !e.trim().is_empty()))
            .unwrap_or_else(|| "vi".into()),
    })?;
    Ok(0)
}

/// While the TUI owns the terminal, `tracing` (the scheduler's log) goes to
/// `state_dir/tui.log` and never to stderr. `JR_LOG` sets the level.
fn init_log(state_dir: &std::path::Path) {
    let Ok(file) = crate::files::private_append(&state_dir.join("tui.log")) else {
        return;
    };
    use tracing_subscriber::prelude::*;
    let _ = tracing_subscriber::registry()
        .with(crate::daemon::log_filter(tracing::Level::INFO))
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::sync::Mutex::new(file))
                .with_target(false)
                .with_ansi(false),
        )
        .try_init();
}
