//! Human output: tables aligned by display width (Korean and other wide text
//! take two columns), colour only on a terminal and never with NO_COLOR
//! (anstream strips styles otherwise), and JSON for scripts.
//!
//! Every byte of human output passes `text::visible`: no control sequence
//! from job output, a title or a message reaches the terminal to be obeyed;
//! only jr's colours (plain SGR) survive, and anstream drops those off a
//! terminal. `raw` is the one way around it (`jr runs logs --raw`).

use std::io::Write;

use anstyle::{AnsiColor, Style};
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::error::{Error, Result};

pub const DIM: Style = Style::new().dimmed();
pub const BOLD: Style = Style::new().bold();
pub const RED: Style = AnsiColor::Red.on_default();
pub const GREEN: Style = AnsiColor::Green.on_default();
pub const YELLOW: Style = AnsiColor::Yellow.on_default();
pub const CYAN: Style = AnsiColor::Cyan.on_default();
pub const MAGENTA: Style = AnsiColor::Magenta.on_default();

/// Write to stdout with every control sequence but jr's colours made
/// visible; a closed pipe (`jr tasks list | head`) is not an error.
pub fn out(text: &str) -> Result<()> {
    let text = crate::text::visible(text, true);
    let mut o = anstream::stdout().lock();
    done(o.write_all(text.as_bytes()).and_then(|_| o.flush()))
}

/// Write the bytes as they are, past anstream (`--raw`, for pipes).
pub fn raw(bytes: &[u8]) -> Result<()> {
    let mut o = std::io::stdout().lock();
    done(o.write_all(bytes).and_then(|_| o.flush()))
}

fn done(r: std::io::Result<()>) -> Result<()> {
    match r {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::from(e)),
        _ => Ok(()),
    }
}

/// JSON on one line. serde_json escapes C0 controls; C1 controls and
/// bidirectional overrides (which it leaves raw) become `\uXXXX` too, so the
/// line carries the same data and nothing a terminal would obey.
pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    let mut safe = String::new();
    push_json(&mut safe, value)?;
    safe.push('\n');
    let mut o = std::io::stdout().lock();
    done(o.write_all(safe.as_bytes()).and_then(|_| o.flush()))
}

/// Append `value` as JSON made safe as `json` makes it (no newline): for
/// output written piece by piece (a streamed array).
pub fn push_json<T: Serialize + ?Sized>(out: &mut String, value: &T) -> Result<()> {
    let s = serde_json::to_string(value).map_err(|e| Error::user(e.to_string()))?;
    out.reserve(s.len());
    for c in s.chars() {
        if crate::text::is_hostile(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Ok(())
}

pub fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

pub use crate::text::fit;

/// Control characters out, newlines to spaces: one table row stays one line.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

pub struct Cell {
    pub text: String,
    pub style: Style,
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell {
            text,
            style: Style::new(),
        }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell {
            text: text.to_string(),
            style: Style::new(),
        }
    }
}

pub fn styled(text: impl Into<String>, style: Style) -> Cell {
    Cell {
        text: text.into(),
        style,
    }
}

/// A table whose columns are padded by display width. The last column is not padded.
pub struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(headers: &[&'static str]) -> Table {
        Table {
            headers: headers.to_vec(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn render(&self) -> String {
        let n = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.width()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(n) {
                widths[i] = widths[i].max(c.text.width());
            }
        }
        let mut s = String::new();
        let line = |cells: Vec<(&str, Style)>, s: &mut String| {
            for (i, (text, style)) in cells.iter().enumerate() {
                let last = i + 1 == cells.len();
                s.push_str(&paint(*style, text));
                if !last {
                    s.push_str(&" ".repeat(widths[i] - text.width() + 2));
                }
            }
            s.push('\n');
        };
        line(self.headers.iter().map(|h| (*h, DIM)).collect(), &mut s);
        for r in &self.rows {
            line(
                r.iter().map(|c| (c.text.as_str(), c.style)).collect(),
                &mut s,
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_columns_stay_aligned() {
        let mut t = Table::new(&["ID", "TITLE", "TAG"]);
        t.row(vec!["1".into(), "보고서 작성".into(), "work".into()]);
        t.row(vec!["22".into(), "write report".into(), "x".into()]);
        let plain: Vec<String> = t
            .render()
            .lines()
            .map(|l| anstream::adapter::strip_str(l).to_string())
            .collect();
        let col = |l: &str| {
            l.find("work")
                .or_else(|| l.rfind('x'))
                .map(|b| l[..b].width())
        };
        assert_eq!(col(&plain[1]), col(&plain[2]));
    }
}
