//! Drawing the dashboard: task counts as bars, overdue and ready tasks, the
//! jobs and runs sections (empty until the scheduler lands), database size.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::domain::due::relative;
use crate::domain::{Task, TaskStatus};
use crate::tui::panes::View;
use crate::tui::panes::dashboard::Dashboard;
use crate::tui::text;

fn block<'a>(title: &'a str, v: &View<'_>) -> Block<'a> {
    Block::default()
        .borders(Borders::TOP)
        .border_style(v.theme.dim)
        .title(Span::styled(format!(" {title} "), v.theme.title))
}

/// One task on a line: `#id title` and, right-aligned, how late or soon.
fn task_line(t: &Task, width: usize, v: &View<'_>) -> Line<'static> {
    let due = t
        .due
        .map(|d| relative(d.deadline(v.tz), v.now))
        .unwrap_or_default();
    let late = t.due.is_some_and(|d| d.deadline(v.tz) < v.now);
    let id = format!(" #{} ", t.id);
    let rest = width.saturating_sub(text::width(&id) + text::width(&due) + 1);
    Line::from(vec![
        Span::styled(id, v.theme.dim),
        Span::styled(text::pad(&text::clean(&t.title), rest), v.theme.text),
        Span::raw(" "),
        Span::styled(due, if late { v.theme.late } else { v.theme.dim }),
    ])
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.0} kB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

pub fn draw(f: &mut Frame<'_>, area: Rect, d: &Dashboard, v: &View<'_>) {
    let t = v.theme;
    let Some(data) = &d.data else {
        let msg = match &d.error {
            Some(e) => Line::styled(format!(" {}", text::clean(e)), t.error),
            None => Line::styled(" loading…", t.dim),
        };
        f.render_widget(Paragraph::new(msg), area);
        return;
    };
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .spacing(1)
            .areas(area);
    let total: i64 = data.counts.iter().map(|(_, n)| n).sum();
    let count = |s: TaskStatus| {
        data.counts
            .iter()
            .find(|(x, _)| *x == s)
            .map_or(0, |(_, n)| *n)
    };
    let w = left.width as usize;

    // Left: tasks by status, then what is late.
    let mut lines: Vec<Line> = Vec::new();
    if total == 0 {
        lines.push(Line::styled(" No tasks yet — a fresh start.", t.text));
        lines.push(Line::styled(" Press a to add one, or from a shell:", t.dim));
        lines.push(Line::styled("   jr tasks add \"첫 번째 할 일\"", t.dim));
    } else {
        let max = TaskStatus::ALL
            .iter()
            .map(|s| count(*s))
            .max()
            .unwrap_or(1)
            .max(1);
        let bar_w = w.saturating_sub(22);
        for s in TaskStatus::ALL {
            let n = count(s);
            let len = ((n as f64 / max as f64) * bar_w as f64).ceil() as usize;
            lines.push(Line::from(vec![
                Span::styled(format!(" {:<12}", s.as_str()), t.status(s)),
                Span::styled(text::pad_left(&n.to_string(), 7), t.text),
                Span::raw(" "),
                Span::styled("█".repeat(len.min(bar_w)), bar_style(t.status(s), t.color)),
            ]));
        }
        lines.push(Line::styled(format!(" {:<12}{:>7}", "total", total), t.dim));
    }
    let late_h = (data.overdue.len() as u16 + 2).max(3);
    let [counts_a, late_a] = Layout::vertical([
        Constraint::Length(lines.len() as u16 + 1),
        Constraint::Min(late_h),
    ])
    .areas(left);
    f.render_widget(Paragraph::new(lines).block(block("Tasks", v)), counts_a);
    let mut late: Vec<Line> = data
        .overdue
        .iter()
        .map(|x| task_line(x, w.saturating_sub(1), v))
        .collect();
    if late.is_empty() {
        late.push(Line::styled(" nothing is late", t.dim));
    } else if data.overdue_total > data.overdue.len() as i64 {
        late.push(Line::styled(
            format!(
                " … and {} more (filter due:late)",
                data.overdue_total - data.overdue.len() as i64
            ),
            t.dim,
        ));
    }
    let title = format!("Overdue ({})", data.overdue_total);
    f.render_widget(Paragraph::new(late).block(block(&title, v)), late_a);

    // Right: ready tasks, jobs, runs, the database.
    let rw = right.width as usize;
    let mut ready: Vec<Line> = data
        .ready
        .iter()
        .map(|x| task_line(x, rw.saturating_sub(1), v))
        .collect();
    if ready.is_empty() {
        ready.push(Line::styled(" nothing is ready to start", t.dim));
    }
    let jobs_msg = " no jobs yet — add one with `jr jobs add`";
    let jobs_h = if text::width(jobs_msg) < rw { 2 } else { 3 };
    let [ready_a, jobs_a, runs_a, db_a] = Layout::vertical([
        Constraint::Length(ready.len() as u16 + 1),
        Constraint::Length(jobs_h),
        Constraint::Length(2),
        Constraint::Min(2),
    ])
    .areas(right);
    f.render_widget(Paragraph::new(ready).block(block("Ready now", v)), ready_a);
    f.render_widget(
        Paragraph::new(Line::styled(jobs_msg, t.dim))
            .wrap(ratatui::widgets::Wrap { trim: false })
            .block(block("Jobs", v)),
        jobs_a,
    );
    f.render_widget(
        Paragraph::new(Line::styled(" no runs yet", t.dim)).block(block("Runs, last 14 days", v)),
        runs_a,
    );
    f.render_widget(
        Paragraph::new(Line::styled(format!(" {}", size(data.db_bytes)), t.text))
            .block(block("Database", v)),
        db_a,
    );
}

fn bar_style(s: Style, color: bool) -> Style {
    if color { s } else { Style::new() }
}
