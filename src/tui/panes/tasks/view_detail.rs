//! Drawing one task in full: its fields, notes, dependencies, sub-tasks and
//! history, scrolled as a whole.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::TasksPane;
use crate::domain::due::relative;
use crate::engine::TaskDetail;
use crate::tui::pane::View;
use crate::tui::text;

fn field<'a>(k: &str, v: String, style: ratatui::style::Style, view: &View<'_>) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!(" {k:<11}"), view.theme.dim),
        Span::styled(v, style),
    ])
}

fn lines(
    d: &TaskDetail,
    work_sel: Option<usize>,
    width: usize,
    v: &View<'_>,
) -> Vec<Line<'static>> {
    let t = &d.task;
    let th = v.theme;
    let when = |x: chrono::DateTime<chrono::Utc>| {
        x.with_timezone(&v.tz).format("%Y-%m-%d %H:%M").to_string()
    };
    let mut out = vec![
        field("status", t.status.to_string(), th.status(t.status), v),
        field(
            "priority",
            t.priority.to_string(),
            th.priority(t.priority.0),
            v,
        ),
    ];
    if let Some(due) = t.due {
        let dl = due.deadline(v.tz);
        let late = dl < v.now && !t.status.is_closed();
        let shown = match due {
            crate::domain::Due::Day(day) => day.format("%Y-%m-%d").to_string(),
            crate::domain::Due::At(_) => when(dl),
        };
        out.push(field(
            "due",
            format!("{shown} ({})", relative(dl, v.now)),
            if late { th.late } else { th.text },
            v,
        ));
    }
    if !t.tags.is_empty() {
        out.push(field("tags", text::clean(&t.tags.join(", ")), th.text, v));
    }
    if let Some(p) = t.parent {
        out.push(field("parent", format!("#{p}"), th.text, v));
    }
    if !t.depends_on.is_empty() {
        let ids: Vec<String> = t.depends_on.iter().map(|i| format!("#{i}")).collect();
        out.push(field("depends on", ids.join(", "), th.text, v));
    }
    for (id, title, st) in &d.blocked_by {
        out.push(field(
            "blocked by",
            format!("#{id} {} ({st})", text::clean(title)),
            th.warn,
            v,
        ));
    }
    if !d.dependents.is_empty() {
        let ids: Vec<String> = d.dependents.iter().map(|i| format!("#{i}")).collect();
        out.push(field("blocks", ids.join(", "), th.text, v));
    }
    if let Some(c) = &t.claimed_by {
        out.push(field("claimed by", text::clean(c), th.warn, v));
    }
    out.push(field("source", text::clean(&t.source), th.dim, v));
    out.push(field("created", when(t.created_at), th.dim, v));
    out.push(field("updated", when(t.updated_at), th.dim, v));
    if let Some(c) = t.closed_at {
        out.push(field("closed", when(c), th.dim, v));
    }
    if !t.body.trim().is_empty() {
        out.push(Line::raw(""));
        for l in text::clean_lines(&t.body) {
            for w in text::wrap(&l, width.saturating_sub(2)) {
                out.push(Line::styled(format!(" {w}"), th.text));
            }
        }
    }
    if !d.subtasks.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled(" sub-tasks", th.title));
        for s in &d.subtasks {
            out.push(Line::from(vec![
                Span::styled(format!("  #{:<5} ", s.id), th.dim),
                Span::styled(text::pad(s.status.as_str(), 12), th.status(s.status)),
                Span::styled(
                    text::fit(&text::clean(&s.title), width.saturating_sub(22)),
                    th.text,
                ),
            ]));
        }
    }
    if !d.work.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled(
            " work  ([ ] select · Enter opens the run)",
            th.title,
        ));
        for (i, w) in d.work.iter().enumerate() {
            let sel = work_sel == Some(i);
            let who = w.job.as_deref().or(w.agent.as_deref()).unwrap_or("");
            let started = w.started_at.map(when).unwrap_or_default();
            let line = Line::from(vec![
                Span::styled(if sel { " ▌" } else { "  " }, th.accent),
                Span::styled(format!("{:<9} #{:<5} ", w.kind, w.id), th.dim),
                Span::styled(text::pad(&text::clean(who), 20) + " ", th.text),
                Span::styled(text::pad(&w.status, 10), work_style(th, &w.status)),
                Span::styled(started, th.dim),
            ]);
            out.push(if sel { line.style(th.selected) } else { line });
        }
    }
    let notes: Vec<&crate::domain::TaskEvent> =
        d.events.iter().filter(|e| e.field == "note").collect();
    if !notes.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled(" notes  (y copies the newest link)", th.title));
        for e in notes {
            out.push(Line::from(vec![
                Span::styled(format!("  {} ", when(e.at)), th.dim),
                Span::styled(text::clean(&e.source), th.dim),
            ]));
            for l in text::clean_lines(e.new.as_deref().unwrap_or("")) {
                // A link stays one piece on its own line, never wrapped.
                let links = crate::engine::handoff_text::urls(&l);
                let mut rest = l.clone();
                for u in &links {
                    rest = rest.replace(u, " ");
                }
                if !rest.trim().is_empty() {
                    for w in text::wrap(rest.trim(), width.saturating_sub(4)) {
                        out.push(Line::styled(format!("    {w}"), th.text));
                    }
                }
                for u in links {
                    out.push(Line::styled(format!("    {u}"), th.accent));
                }
            }
        }
    }
    if !d.events.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled(" history", th.title));
        for e in &d.events {
            let one = |s: &Option<String>| {
                s.as_deref()
                    .map(|x| text::fit(&text::clean(x), 30))
                    .unwrap_or_default()
            };
            let change = match (&e.old, &e.new) {
                (None, Some(_)) => format!("{} {}", e.field, one(&e.new)),
                (Some(_), None) => format!("{} removed {}", e.field, one(&e.old)),
                (Some(_), Some(_)) => format!("{}: {} → {}", e.field, one(&e.old), one(&e.new)),
                (None, None) => e.field.clone(),
            };
            out.push(Line::from(vec![
                Span::styled(format!("  {} ", when(e.at)), th.dim),
                Span::styled(format!("{:<6} ", text::clean(&e.source)), th.dim),
                Span::styled(text::fit(&change, width.saturating_sub(26)), th.text),
            ]));
        }
    }
    out
}

fn work_style(th: &crate::tui::theme::Theme, status: &str) -> ratatui::style::Style {
    use crate::domain::RunStatus;
    // Runs' statuses, and an execution's: success, failed, stopped, running.
    match status.parse::<RunStatus>() {
        Ok(RunStatus::Success) => th.ok,
        Ok(RunStatus::Running | RunStatus::Queued) => th.accent,
        Ok(s) if s.is_failure() => th.error,
        Ok(_) => th.dim,
        Err(_) => th.dim,
    }
}

pub(super) fn draw(f: &mut Frame<'_>, area: Rect, p: &TasksPane, v: &View<'_>) {
    let Some(det) = &p.detail else { return };
    let Some(d) = &det.data else {
        f.render_widget(
            Paragraph::new(Line::styled(format!(" #{} loading…", det.id), v.theme.dim)),
            area,
        );
        return;
    };
    let title = format!(" #{} {} ", d.task.id, text::clean(&d.task.title));
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(v.theme.dim)
        .title(Span::styled(
            text::fit(&title, area.width as usize - 2),
            v.theme.title,
        ));
    let inner = block.inner(area);
    let all = lines(d, det.work_selected(), inner.width as usize, v);
    let max = all.len().saturating_sub(inner.height as usize);
    let scroll = det.scroll.min(max);
    let shown: Vec<Line> = all.into_iter().skip(scroll).collect();
    f.render_widget(Paragraph::new(shown).block(block), area);
}
