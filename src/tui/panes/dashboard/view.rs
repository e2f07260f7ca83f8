//! Drawing the dashboard: task counts as bars, overdue and ready tasks; jobs
//! enabled/paused with the next fires, runs per day for the last 14 days as
//! stacked columns (success and failure), recent failures, database size with
//! the context registry's figures and the knowledge cards due.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::Dashboard;
use crate::domain::due::relative;
use crate::domain::{Task, TaskStatus};
use crate::engine::status::DayRuns;
use crate::tui::pane::{Draw, View};
use crate::tui::text;
use crate::tui::worker::DashboardData;

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

impl Draw for Dashboard {
    fn draw(&self, f: &mut Frame<'_>, area: Rect, v: &View<'_>) {
        draw(f, area, self, v);
    }
}

fn draw(f: &mut Frame<'_>, area: Rect, d: &Dashboard, v: &View<'_>) {
    let t = v.theme;
    let Some(data) = d.data.or_status(f, area, t) else {
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
    let [counts_a, late_a, ready_a] = Layout::vertical([
        Constraint::Length(lines.len() as u16 + 1),
        Constraint::Length(late_h),
        Constraint::Min(2),
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
    let mut ready: Vec<Line> = data
        .ready
        .iter()
        .map(|x| task_line(x, w.saturating_sub(1), v))
        .collect();
    if ready.is_empty() {
        ready.push(Line::styled(" nothing is ready to start", t.dim));
    }
    f.render_widget(Paragraph::new(ready).block(block("Ready now", v)), ready_a);

    // Right: jobs and the next fires, runs per day, recent failures, the database.
    let rw = right.width as usize;
    let fires: Vec<Line> = jobs_lines(data, rw, v);
    let fails = failure_lines(data, rw, v);
    let db = db_lines(data, rw, v);
    let fixed = fires.len() as u16 + 1 + fails.len() as u16 + 1 + db.len() as u16 + 1;
    let chart_h = right.height.saturating_sub(fixed).clamp(4, 12);
    let [jobs_a, runs_a, fail_a, db_a] = Layout::vertical([
        Constraint::Length(fires.len() as u16 + 1),
        Constraint::Length(chart_h),
        Constraint::Length(fails.len() as u16 + 1),
        Constraint::Min(2),
    ])
    .areas(right);
    let (on, off) = data.jobs;
    let jobs_title = format!(
        "Jobs: {on} enabled, {off} paused, {} running",
        data.active_runs
    );
    f.render_widget(Paragraph::new(fires).block(block(&jobs_title, v)), jobs_a);
    let chart = chart_lines(&data.days, rw, chart_h.saturating_sub(1) as usize, v);
    f.render_widget(
        Paragraph::new(chart).block(block("Runs, last 14 days", v)),
        runs_a,
    );
    f.render_widget(
        Paragraph::new(fails).block(block("Recent failures", v)),
        fail_a,
    );
    f.render_widget(
        Paragraph::new(db).block(block("Database · context · cards", v)),
        db_a,
    );
}

/// The database's size, the context registry's figures, the cards due.
fn db_lines(data: &DashboardData, width: usize, v: &View<'_>) -> Vec<Line<'static>> {
    let t = v.theme;
    let (messages, sessions, clients) = &data.context;
    let head = format!(
        " {} · {messages} messages in {sessions} sessions",
        size(data.db_bytes)
    );
    let per = if clients.is_empty() {
        " no conversations yet: jr context import claude-code".to_string()
    } else {
        let each: Vec<String> = clients.iter().map(|(c, n)| format!("{c} {n}")).collect();
        format!(" {}", each.join(" · "))
    };
    let (cards, due) = data.cards;
    let cards_line = match (cards, due) {
        (0, _) => Line::styled(" no cards yet (see Cards, 7)", t.dim),
        (n, 0) => Line::styled(format!(" cards: none due of {n}"), t.dim),
        (n, d) => Line::from(vec![
            Span::styled(format!(" cards: {d} due"), t.warn),
            Span::styled(format!(" of {n} — review in Cards (7)"), t.dim),
        ]),
    };
    vec![
        Line::styled(text::fit(&head, width), t.text),
        Line::styled(text::fit(&text::clean(&per), width), t.dim),
        cards_line,
    ]
}

fn jobs_lines(data: &DashboardData, width: usize, v: &View<'_>) -> Vec<Line<'static>> {
    let t = v.theme;
    if data.jobs == (0, 0) {
        return vec![
            Line::styled(" No jobs yet — in Jobs (3) press a,", t.dim),
            Line::styled(" or from a shell: jr jobs add", t.dim),
        ];
    }
    if data.next_fires.is_empty() {
        return vec![Line::styled(" nothing is scheduled to fire", t.dim)];
    }
    data.next_fires
        .iter()
        .map(|(job, at)| {
            let when = format!(
                "{} {}",
                relative(*at, v.now),
                at.with_timezone(&v.tz).format("(%a %H:%M)")
            );
            let rest = width.saturating_sub(text::width(&when) + 3);
            Line::from(vec![
                Span::raw(" "),
                Span::styled(text::pad(&text::clean(job), rest), t.title),
                Span::raw(" "),
                Span::styled(when, t.dim),
            ])
        })
        .collect()
}

fn failure_lines(data: &DashboardData, width: usize, v: &View<'_>) -> Vec<Line<'static>> {
    let t = v.theme;
    let mut out = notify_line(data, width, v);
    if data.failures.is_empty() {
        out.push(Line::styled(" none — every run ended well", t.dim));
        return out;
    }
    out.extend(data.failures.iter().take(3).map(|r| {
        let at = r.finished_at.unwrap_or(r.queued_at);
        let head = format!(" #{} ", r.id);
        let tail = format!(" {} {}", r.status, ago(at, v.now));
        let rest = width.saturating_sub(text::width(&head) + text::width(&tail) + 1);
        Line::from(vec![
            Span::styled(head, t.dim),
            Span::styled(text::pad(&text::clean(&r.job), rest), t.title),
            Span::styled(tail, t.error),
        ])
    }));
    out
}

/// "2 notifications failed: #41 backup: hook: HTTP 500 …" when any did in the last day.
fn notify_line(data: &DashboardData, width: usize, v: &View<'_>) -> Vec<Line<'static>> {
    let n = &data.notify_failed;
    let Some((id, job, error)) = &n.newest else {
        return Vec::new();
    };
    let what = if n.runs == 1 {
        "1 notification failed".to_string()
    } else {
        format!("{} notifications failed", n.runs)
    };
    let line = format!(" {what}: #{id} {job}: {error}");
    vec![Line::styled(
        text::fit(&text::clean(&line), width),
        v.theme.warn,
    )]
}

/// Stacked columns, one a day: successes (█) under failures (▒), scaled to
/// the busiest day, the day of the month under each; then the totals.
fn chart_lines(days: &[DayRuns], width: usize, height: usize, v: &View<'_>) -> Vec<Line<'static>> {
    let t = v.theme;
    let ok: i64 = days.iter().map(|d| d.success).sum();
    let bad: i64 = days.iter().map(|d| d.failure).sum();
    if ok + bad == 0 {
        return vec![Line::styled(" no runs in the last 14 days", t.dim)];
    }
    let bars = height.saturating_sub(2).max(1);
    let col = ((width.saturating_sub(2)) / days.len().max(1)).clamp(2, 4);
    let max = days
        .iter()
        .map(|d| d.success + d.failure)
        .max()
        .unwrap_or(1)
        .max(1);
    let cells = |n: i64| -> usize {
        if n == 0 {
            0
        } else {
            ((n as f64 / max as f64) * bars as f64).round().max(1.0) as usize
        }
    };
    let mut out = Vec::new();
    for row in (0..bars).rev() {
        let mut spans = vec![Span::raw(" ")];
        for d in days {
            let (s, f) = (cells(d.success), cells(d.failure));
            let (sym, style) = if row < s {
                ("█", bar_style(t.ok, t.color))
            } else if row < s + f {
                ("▒", bar_style(t.error, t.color))
            } else {
                (" ", t.dim)
            };
            spans.push(Span::styled(sym.repeat(col - 1) + " ", style));
        }
        out.push(Line::from(spans));
    }
    // Narrow columns: a date under every other day, so the numbers stay apart.
    let step = if col < 3 { 2 } else { 1 };
    let labels: String = days
        .iter()
        .step_by(step)
        .map(|d| text::pad(&d.day.format("%d").to_string(), col * step))
        .collect();
    out.push(Line::styled(format!(" {labels}"), t.dim));
    let today = days
        .last()
        .map(|d| (d.success, d.failure))
        .unwrap_or((0, 0));
    let rest = format!(" {bad} failed · today {}/{}", today.0, today.1);
    let used = 4 + text::width(&format!("{ok} ok  "));
    out.push(Line::from(vec![
        Span::styled(" █", bar_style(t.ok, t.color)),
        Span::styled(format!(" {ok} ok  "), t.text),
        Span::styled("▒", bar_style(t.error, t.color)),
        Span::styled(text::fit(&rest, width.saturating_sub(used)), t.text),
    ]));
    out
}

/// "3h ago", "2d ago".
fn ago(at: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> String {
    relative(at, now).replace(" late", " ago")
}

fn bar_style(s: Style, color: bool) -> Style {
    if color { s } else { Style::new() }
}
