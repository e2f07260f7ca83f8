//! Drawing the Runs pane's list: id, job, status, trigger, when it started,
//! how long it took, its exit code or error; the filter line; the cancel
//! question. The opened run draws in `run_view`.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::RunsPane;
use crate::domain::Run;
use crate::tui::pane::{Draw, View};
use crate::tui::text::{self, pad, pad_left};
use crate::tui::widgets::fmt::{run_style, took, when};
use crate::tui::widgets::form::{confirm, field_view};

/// Column widths: (job, note).
fn widths(width: usize) -> (usize, usize) {
    let job = if width >= 120 { 24 } else { 16 };
    // marker 1, id 8, status 12, trigger 9, started 12, took 10.
    let note = width.saturating_sub(1 + 8 + job + 1 + 12 + 9 + 12 + 10);
    (job, note)
}

fn row_line(r: &Run, width: usize, v: &View<'_>, selected: bool) -> Line<'static> {
    let t = v.theme;
    let (job_w, note_w) = widths(width);
    let mut note = match (&r.error, r.exit_code) {
        (Some(e), _) => text::clean(e),
        (None, Some(c)) => format!("exit {c}"),
        _ => String::new(),
    };
    if let Some(task) = r.task_id {
        // A run started for a task hand-off says which task.
        note = match note.is_empty() {
            true => format!("task #{task}"),
            false => format!("task #{task} · {note}"),
        };
    }
    let started = r.started_at.or(r.scheduled_for).unwrap_or(r.queued_at);
    let line = Line::from(vec![
        Span::styled(if selected { "▌" } else { " " }, t.accent),
        Span::styled(pad_left(&format!("#{}", r.id), 7) + " ", t.dim),
        Span::styled(pad(&text::clean(&r.job), job_w) + " ", t.title),
        Span::styled(pad(r.status.as_str(), 12), run_style(t, r.status)),
        Span::styled(pad(r.trigger.as_str(), 9), t.dim),
        Span::styled(pad(&when(started, v), 12), t.text),
        Span::styled(pad(&took(r, v.now), 10), t.text),
        Span::styled(
            pad(&note, note_w),
            if r.status.is_failure() {
                t.error
            } else {
                t.dim
            },
        ),
    ]);
    if selected {
        line.style(t.selected)
    } else {
        line
    }
}

fn header_line(width: usize, v: &View<'_>) -> Line<'static> {
    let (job_w, note_w) = widths(width);
    Line::styled(
        format!(
            " {}{} {}{}{}{}{}",
            pad_left("RUN", 7) + " ",
            pad("JOB", job_w),
            pad("STATUS", 12),
            pad("TRIGGER", 9),
            pad("STARTED", 12),
            pad("TOOK", 10),
            pad("EXIT / ERROR", note_w)
        ),
        v.theme.dim,
    )
}

fn status_line(p: &RunsPane, f: &mut Frame<'_>, area: Rect, v: &View<'_>) {
    let t = v.theme;
    let width = area.width as usize;
    if let Some(input) = &p.filter_input {
        let lead = " / ";
        let room = width.saturating_sub(lead.len() + 1);
        let (shown, cur) = field_view(input, room);
        let mut spans = vec![Span::styled(lead, t.key), Span::styled(shown, t.text)];
        if let Some(e) = &p.filter_error {
            spans.push(Span::styled(format!("  {}", text::clean(e)), t.error));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), area);
        let x = area.x + lead.len() as u16 + cur;
        f.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
        return;
    }
    let l = &p.list;
    let mut s = match (l.rows.first(), l.rows.last()) {
        (Some(a), Some(b)) => format!(" runs #{}–#{}", a.id, b.id),
        _ => " runs: none".to_string(),
    };
    match (l.more_newer, l.more_older) {
        (true, true) => s.push_str(" · newer above, older below"),
        (true, false) => s.push_str(" · newer above (g: newest)"),
        (false, true) => s.push_str(" · older below (G: oldest)"),
        (false, false) => {}
    }
    if !p.filter_text.is_empty() {
        s.push_str(&format!(" · filter: {}", text::clean(&p.filter_text)));
    }
    if l.loading {
        s.push_str(" · loading…");
    }
    f.render_widget(
        Paragraph::new(Line::styled(text::fit(&s, width), t.dim)),
        area,
    );
}

impl Draw for RunsPane {
    fn draw(&self, f: &mut Frame<'_>, area: Rect, v: &View<'_>) {
        draw(f, area, self, v);
    }
}

fn draw(f: &mut Frame<'_>, area: Rect, p: &RunsPane, v: &View<'_>) {
    if area.height < 4 {
        return;
    }
    if let Some(view) = &p.view {
        super::view_log::draw(f, area, view, v);
        return;
    }
    let t = v.theme;
    let width = area.width as usize;
    f.render_widget(
        Paragraph::new(header_line(width, v)),
        Rect { height: 1, ..area },
    );
    let list = Rect::new(area.x, area.y + 1, area.width, area.height - 2);
    let l = &p.list;
    let lines: Vec<Line> = if !l.loaded {
        vec![Line::styled(" loading…", t.dim)]
    } else if l.rows.is_empty() && !p.filter_text.is_empty() {
        vec![
            Line::styled(" No run matches the filter.", t.text),
            Line::styled(" Esc clears it; / changes it.", t.dim),
        ]
    } else if l.rows.is_empty() {
        vec![
            Line::styled(" No runs yet.", t.text),
            Line::styled(
                " Jobs run on their schedule; in Jobs (3), r runs one now.",
                t.dim,
            ),
        ]
    } else {
        l.rows
            .iter()
            .enumerate()
            .skip(l.top)
            .take(list.height as usize)
            .map(|(i, r)| row_line(r, width, v, i == l.selected))
            .collect()
    };
    f.render_widget(Paragraph::new(lines), list);
    status_line(p, f, Rect::new(area.x, area.bottom() - 1, area.width, 1), v);
    if let Some(id) = p.confirm {
        let q = format!("Cancel run #{id}? A running one is stopped.");
        confirm(f, area, "Cancel", &q, "cancel it", "keep it", v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fill_the_width_exactly() {
        for w in [80usize, 120, 160] {
            let (j, n) = widths(w);
            assert_eq!(1 + 8 + j + 1 + 12 + 9 + 12 + 10 + n, w, "width {w}");
        }
    }
}
