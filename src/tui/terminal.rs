//! Taking the terminal and giving it back on every way out: a guard for
//! normal returns and errors, a panic hook that restores first and then
//! writes a readable report (to a log file, named on stderr), and the mouse
//! capture toggle.

use std::io::{Write, stdout};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Term = Terminal<CrosstermBackend<std::io::Stdout>>;

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Gives the terminal back when dropped.
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

pub fn enter(mouse: bool) -> std::io::Result<(Term, Guard)> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let guard = Guard;
    execute!(stdout(), EnterAlternateScreen, EnableBracketedPaste)?;
    if mouse {
        execute!(stdout(), EnableMouseCapture)?;
    }
    let mut term = Terminal::new(CrosstermBackend::new(stdout()))?;
    term.clear()?;
    Ok((term, guard))
}

pub fn set_mouse(on: bool) -> std::io::Result<()> {
    if on {
        execute!(stdout(), EnableMouseCapture)
    } else {
        execute!(stdout(), DisableMouseCapture)
    }
}

/// Leave raw mode and the alternate screen; safe to call twice.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = execute!(
            stdout(),
            DisableMouseCapture,
            DisableBracketedPaste,
            LeaveAlternateScreen,
            crossterm::cursor::Show
        );
        let _ = disable_raw_mode();
        let _ = stdout().flush();
    }
}

/// On a panic (in any thread): restore the terminal, write the report to
/// `dir/tui-panic.log` (or stderr if that fails), say where, and exit 101 —
/// a half-dead TUI with a restored terminal helps nobody.
pub fn install_panic_hook(dir: PathBuf) {
    static PANICKED: AtomicBool = AtomicBool::new(false);
    std::panic::set_hook(Box::new(move |info| {
        if PANICKED.swap(true, Ordering::SeqCst) {
            // Another thread is already reporting and exiting; `exit` from two
            // threads at once is not safe, so this one waits for it.
            loop {
                std::thread::park();
            }
        }
        restore();
        let report = format!(
            "jr {} panicked at {}\n{}\n\nbacktrace:\n{}\n",
            env!("CARGO_PKG_VERSION"),
            chrono::Utc::now().to_rfc3339(),
            info,
            std::backtrace::Backtrace::force_capture()
        );
        match write_report(&dir, &report) {
            Ok(path) => eprintln!(
                "jr: the TUI crashed: {info}\njr: the full report is in {}",
                path.display()
            ),
            Err(_) => eprintln!("{report}"),
        }
        std::process::exit(101);
    }));
}

fn write_report(dir: &Path, report: &str) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("tui-panic.log");
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)?;
    f.write_all(report.as_bytes())?;
    Ok(path)
}
