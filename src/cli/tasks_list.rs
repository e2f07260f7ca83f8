//! `jr tasks list`, streamed: rows are printed as SQLite reads them, in
//! chunks, so 100,000 open tasks cost the memory of a few hundred. `--json`
//! streams one JSON array (`[`, the records, `]`), byte for byte what
//! serialising the whole list at once gives.
//!
//! A table needs its column widths before its first row. A short list (up to
//! `LAYOUT_ROWS`) is held and laid out to its own widths, exactly as before;
//! a longer one takes widths known up front: the largest id, the longest
//! status and claim name (`layout_bounds`), the widest a title cell gets, and
//! the widest due text among the rows held.

use std::io::Write;

use anstream::ColorChoice;
use anstyle::Style;
use clap::Args;
use unicode_width::UnicodeWidthStr;

use super::output::{self, Cell, Table, fit, paint, styled};
use crate::domain::{Task, TaskStatus};
use crate::engine::views::TaskRecord;
use crate::engine::{Cond, Engine, TaskQuery};
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only these statuses (repeatable).
    #[arg(long = "status", short = 's')]
    pub statuses: Vec<TaskStatus>,
    #[arg(long)]
    pub tag: Option<String>,
    /// Only sub-tasks of this task.
    #[arg(long)]
    pub parent: Option<i64>,
    /// Include done and cancelled tasks.
    #[arg(long, short)]
    pub all: bool,
    #[arg(long, short = 'n')]
    pub limit: Option<usize>,
    #[arg(long)]
    pub json: bool,
}

pub fn status_style(s: TaskStatus) -> anstyle::Style {
    match s {
        TaskStatus::Pending => anstyle::Style::new(),
        TaskStatus::InProgress => output::CYAN,
        TaskStatus::Review => output::MAGENTA,
        TaskStatus::Done => output::GREEN,
        TaskStatus::Cancelled => output::DIM,
    }
}

fn due_cell(e: &Engine, t: &Task) -> Cell {
    match t.due {
        None => "".into(),
        Some(d) => {
            let deadline = d.deadline(e.tz());
            let text = crate::domain::due::relative(deadline, e.now());
            let late = deadline < e.now() && !t.status.is_closed();
            styled(
                text,
                if late {
                    output::RED
                } else {
                    anstyle::Style::new()
                },
            )
        }
    }
}

pub const TASK_COLUMNS: [&str; 7] = ["ID", "STATUS", "PRI", "DUE", "CLAIM", "TITLE", "TAGS"];

/// The widest a TITLE cell gets.
pub const TITLE_WIDTH: usize = 60;

/// One task as a row of `TASK_COLUMNS`.
pub fn task_cells(e: &Engine, t: &Task) -> Vec<Cell> {
    let title = title_text(t);
    vec![
        t.id.to_string().into(),
        styled(t.status.as_str(), status_style(t.status)),
        styled(
            t.priority.to_string(),
            if t.priority.0 == 0 {
                output::RED.bold()
            } else {
                anstyle::Style::new()
            },
        ),
        due_cell(e, t),
        t.claimed_by.clone().unwrap_or_default().into(),
        title.into(),
        styled(t.tags.join(","), output::DIM),
    ]
}

/// The TITLE cell: `fit(one_line(title), TITLE_WIDTH)`, with "↳ " before a
/// sub-task's; one allocation and one width count when the title fits (a
/// list of 100,000 makes 100,000 of them).
fn title_text(t: &Task) -> String {
    let prefix = if t.parent.is_some() { "↳ " } else { "" };
    let mut out = String::with_capacity(prefix.len() + t.title.len());
    out.push_str(prefix);
    out.extend(
        t.title
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c }),
    );
    let fits = if out.is_ascii() {
        out.len() <= TITLE_WIDTH
    } else {
        out.width() <= TITLE_WIDTH
    };
    if fits { out } else { fit(&out, TITLE_WIDTH) }
}

/// Rows held before printing starts; a list this short is laid out to its own widths.
const LAYOUT_ROWS: usize = 200;

/// Bytes gathered before a write: one system call per chunk, not per row.
const CHUNK: usize = 64 * 1024;

/// Written to stdout in chunks; false once the reader has gone (`| head`).
/// Every cell is made safe (`text::visible`) as it is added, and colour is
/// decided once (a terminal, no NO_COLOR), so the chunks go out as they are.
struct Sink {
    buf: String,
}

impl Sink {
    fn new() -> Sink {
        Sink {
            buf: String::with_capacity(CHUNK + 4096),
        }
    }

    /// Write out what is gathered once a chunk is full (or `force`).
    fn flush(&mut self, force: bool) -> Result<bool> {
        if !force && self.buf.len() < CHUNK {
            return Ok(true);
        }
        let mut o = std::io::stdout().lock();
        let r = o.write_all(self.buf.as_bytes()).and_then(|_| o.flush());
        self.buf.clear();
        match r {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
            Err(e) => Err(Error::from(e)),
            Ok(()) => Ok(true),
        }
    }
}

fn query(a: &ListArgs) -> TaskQuery {
    let statuses = if !a.statuses.is_empty() {
        a.statuses.clone()
    } else if a.all {
        TaskStatus::ALL.to_vec()
    } else {
        Vec::new()
    };
    let mut conds = Vec::new();
    if let Some(tag) = &a.tag {
        conds.push((false, Cond::Tag(tag.clone())));
    }
    if let Some(p) = a.parent {
        conds.push((false, Cond::Parent(p)));
    }
    TaskQuery {
        statuses,
        conds,
        ..TaskQuery::default()
    }
}

pub fn run(e: &Engine, a: ListArgs) -> Result<i32> {
    let q = query(&a);
    if a.json {
        return json(e, &q, a.limit);
    }
    let mut held: Vec<Task> = Vec::new();
    let mut table: Option<Streamed> = None;
    let mut sink = Sink::new();
    let mut open = true;
    e.stream_tasks(&q, a.limit, false, |t| {
        if let Some(tb) = table.as_mut() {
            tb.row(&task_cells(e, &t), &mut sink.buf);
            open = sink.flush(false)?;
            return Ok(open);
        }
        held.push(t);
        if held.len() <= LAYOUT_ROWS {
            return Ok(true);
        }
        // Longer than a screenful or two: fix the widths and start printing.
        let tb = table.insert(Streamed::new(e, &held)?);
        tb.header(&mut sink.buf);
        for t in held.drain(..) {
            tb.row(&task_cells(e, &t), &mut sink.buf);
        }
        open = sink.flush(false)?;
        Ok(open)
    })?;
    if table.is_some() {
        if open {
            sink.flush(true)?;
        }
        return Ok(0);
    }
    if held.is_empty() {
        output::out("no open tasks; add one with `jr tasks add \"title\"`\n")?;
        return Ok(0);
    }
    let mut t = Table::new(&TASK_COLUMNS);
    for task in &held {
        t.row(task_cells(e, task));
    }
    output::out(&t.render())?;
    Ok(0)
}

/// `[` record `,` record ... `]`, each record as `output::json` writes it.
fn json(e: &Engine, q: &TaskQuery, limit: Option<usize>) -> Result<i32> {
    let mut sink = Sink::new();
    sink.buf.push('[');
    let (mut first, mut open) = (true, true);
    e.stream_tasks(q, limit, true, |t| {
        if !first {
            sink.buf.push(',');
        }
        first = false;
        output::push_json(&mut sink.buf, &TaskRecord::from_task(&t, e.tz(), None))?;
        open = sink.flush(false)?;
        Ok(open)
    })?;
    if open {
        sink.buf.push_str("]\n");
        sink.flush(true)?;
    }
    Ok(0)
}

/// A table printed row by row with widths fixed before the first.
struct Streamed {
    widths: Vec<usize>,
    /// Colour on (a terminal, no NO_COLOR): anstream's own choice.
    color: bool,
}

impl Streamed {
    fn new(e: &Engine, held: &[Task]) -> Result<Streamed> {
        let (max_id, claimers) = e.task_layout_bounds()?;
        let mut widths: Vec<usize> = TASK_COLUMNS.iter().map(|h| h.width()).collect();
        let mut grow = |i: usize, w: usize| widths[i] = widths[i].max(w);
        grow(0, max_id.max(0).to_string().len());
        for s in TaskStatus::ALL {
            grow(1, s.as_str().len());
        }
        grow(2, 2);
        // Due texts are short ("in 3d", "2w late", "just now late"); the
        // rows held give the usual widest, and a wider one later only
        // pushes its own row's remaining columns along.
        for t in held {
            grow(3, task_cells(e, t)[3].text.width());
        }
        for c in &claimers {
            grow(4, crate::text::visible(c, false).width());
        }
        grow(5, TITLE_WIDTH);
        let color = anstream::AutoStream::choice(&std::io::stdout()) != ColorChoice::Never;
        Ok(Streamed { widths, color })
    }

    fn header(&self, out: &mut String) {
        let cells: Vec<Cell> = TASK_COLUMNS
            .iter()
            .map(|h| output::styled(*h, output::DIM))
            .collect();
        self.row(&cells, out);
    }

    /// The same padding as `Table::render`: two spaces after the widest cell.
    fn row(&self, cells: &[Cell], out: &mut String) {
        for (i, c) in cells.iter().enumerate() {
            let text = crate::text::visible(&c.text, false);
            if !self.color || c.style == Style::new() {
                out.push_str(&text);
            } else {
                out.push_str(&paint(c.style, &text));
            }
            if i + 1 < cells.len() {
                // Printable ASCII is one column a byte (most cells: ids, statuses).
                let printable = text.bytes().all(|b| (0x20..0x7f).contains(&b));
                let w = if printable { text.len() } else { text.width() };
                let pad = self.widths[i].saturating_sub(w) + 2;
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
}
