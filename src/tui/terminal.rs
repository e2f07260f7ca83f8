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

/// Take the terminal again after `restore` (the user's editor had it).
pub fn resume(mouse: bool) -> std::io::Result<()> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    execute!(stdout(), EnterAlternateScreen, EnableBracketedPaste)?;
    if mouse {
        execute!(stdout(), EnableMouseCapture)?;
    }
    Ok(())
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
    let path = dir.join("tui-panic.log");
    let mut f = crate::files::private_append(&path)?;
    f.write_all(report.as_bytes())?;
    Ok(path)
}

/// The OSC 52 sequence that puts `text` on the terminal's clipboard:
/// `ESC ] 52 ; c ; base64 BEL`. It travels with the output, so it reaches
/// the terminal the person sits at, over ssh too (tmux needs
/// `set-clipboard on`).
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", base64(text.as_bytes()))
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod osc52_tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, want) in cases {
            assert_eq!(base64(plain.as_bytes()), want, "{plain:?}");
        }
        assert_eq!(base64("한글".as_bytes()), "7ZWc6riA");
    }

    #[test]
    fn osc52_wraps_the_link_in_esc_52_c_bel() {
        let link = "http://127.0.0.1:3000/runs/0b1c2d3e";
        let seq = osc52(link);
        assert!(seq.starts_with("\x1b]52;c;"));
        assert!(seq.ends_with('\x07'));
        assert_eq!(&seq[7..seq.len() - 1], base64(link.as_bytes()));
        assert_eq!(
            osc52("http://x/runs/1"),
            "\x1b]52;c;aHR0cDovL3gvcnVucy8x\x07"
        );
    }
}
