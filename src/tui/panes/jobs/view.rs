//! Drawing the Jobs pane: the list (name, schedule in words, next fire, last
//! status, a sparkline of recent durations), the selected job's details, the
//! add/edit form with its live cron check, the delete question.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::form::{CronCheck, JobForm};
use super::run_form::RunForm;
use super::{DETAIL_ROWS, JobsPane};
use crate::domain::due::relative;
use crate::tui::input::TextField;
use crate::tui::pane::{Draw, View};
use crate::tui::text::{self, pad};
use crate::tui::widgets::fmt::{run_style, short_duration};
use crate::tui::widgets::form::{boxed, confirm, fields};
use crate::tui::worker::{JobRow, RECENT};

const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Recent durations as bars, scaled to the longest; at most `width` of the newest.
pub fn sparkline(values: &[u64], width: usize) -> String {
    let shown = &values[values.len().saturating_sub(width)..];
    let max = shown.iter().copied().max().unwrap_or(0).max(1);
    shown
        .iter()
        .map(|v| SPARKS[((*v as f64 / max as f64) * 7.0).round() as usize])
        .collect()
}

/// Column widths: (name, schedule, sparkline).
fn widths(width: usize) -> (usize, usize, usize) {
    let name = if width >= 120 { 24 } else { 16 };
    let spark = if width >= 120 { RECENT } else { 10 };
    // marker 1, next 10, last 12, spaces between.
    let schedule = width.saturating_sub(1 + name + 1 + 10 + 12 + spark + 1);
    (name, schedule, spark)
}

fn row_line(r: &JobRow, width: usize, v: &View<'_>, selected: bool) -> Line<'static> {
    let t = v.theme;
    let (name_w, sched_w, spark_w) = widths(width);
    let (next, next_style) = match (r.job.enabled, r.next) {
        (false, _) => ("paused".to_string(), t.warn),
        (true, Some(at)) => (relative(at, v.now), t.text),
        (true, None) => ("—".to_string(), t.dim),
    };
    let (last, last_style) = match (r.running, r.last) {
        (true, _) => ("running".to_string(), t.accent),
        (false, Some((_, s))) => (s.to_string(), run_style(t, s)),
        (false, None) => ("never ran".to_string(), t.dim),
    };
    let line = Line::from(vec![
        Span::styled(if selected { "▌" } else { " " }, t.accent),
        Span::styled(pad(&text::clean(&r.job.name), name_w) + " ", t.title),
        Span::styled(
            pad(&text::clean(&r.schedule), sched_w) + " ",
            if r.job.enabled { t.text } else { t.dim },
        ),
        Span::styled(pad(&next, 10), next_style),
        Span::styled(pad(&last, 12), last_style),
        Span::styled(pad(&sparkline(&r.durations, spark_w), spark_w), t.accent),
    ]);
    if selected {
        line.style(t.selected)
    } else {
        line
    }
}

fn header_line(width: usize, v: &View<'_>) -> Line<'static> {
    let (name_w, sched_w, spark_w) = widths(width);
    Line::styled(
        format!(
            " {} {} {}{}{}",
            pad("JOB", name_w),
            pad("SCHEDULE", sched_w),
            pad("NEXT", 10),
            pad("LAST", 12),
            pad("RECENT", spark_w)
        ),
        v.theme.dim,
    )
}

fn detail_lines(r: &JobRow, width: usize, v: &View<'_>) -> Vec<Line<'static>> {
    let t = v.theme;
    let j = &r.job;
    let def = crate::engine::jobs::def_of(j);
    let kv = |k: &str, val: String, style: Style| {
        Line::from(vec![
            Span::styled(format!(" {k:<9}"), t.dim),
            Span::styled(
                text::fit(&text::clean(&val), width.saturating_sub(11)),
                style,
            ),
        ])
    };
    let mut out = vec![kv("command", def.command, t.text)];
    let when = match &j.schedule {
        Some(expr) => format!("{expr}  ({})", r.schedule),
        None => "on demand".into(),
    };
    out.push(kv("cron", when, t.text));
    let next = match r.next {
        Some(at) => format!(
            "{} ({})",
            at.with_timezone(&v.tz).format("%a %Y-%m-%d %H:%M"),
            relative(at, v.now)
        ),
        None if !j.enabled => "paused — Space enables it".into(),
        None => "only when run by hand".into(),
    };
    out.push(kv("next", next, t.text));
    let mut policy = format!("overlap {}, misfire {}", j.overlap, j.misfire);
    if let Some(to) = &def.timeout {
        policy.push_str(&format!(", timeout {to}"));
    }
    if j.retries > 0 {
        policy.push_str(&format!(", {} retries", j.retries));
    }
    out.push(kv("policy", policy, t.dim));
    if let Some(cwd) = def.cwd {
        out.push(kv("in dir", cwd, t.dim));
    }
    if !r.durations.is_empty() {
        let avg = r.durations.iter().sum::<u64>() / r.durations.len() as u64;
        let max = r.durations.iter().copied().max().unwrap_or(0);
        out.push(kv(
            "took",
            format!(
                "avg {} · max {} over the last {}",
                short_duration(avg),
                short_duration(max),
                r.durations.len()
            ),
            t.dim,
        ));
    }
    if !j.description.is_empty() {
        out.push(kv("about", j.description.clone(), t.text));
    }
    out
}

impl Draw for JobsPane {
    fn draw(&self, f: &mut Frame<'_>, area: Rect, v: &View<'_>) {
        draw(f, area, self, v);
    }
}

fn draw(f: &mut Frame<'_>, area: Rect, p: &JobsPane, v: &View<'_>) {
    if area.height < 4 {
        return;
    }
    let t = v.theme;
    let width = area.width as usize;
    f.render_widget(
        Paragraph::new(header_line(width, v)),
        Rect { height: 1, ..area },
    );
    let list = Rect::new(area.x, area.y + 1, area.width, p.list.height as u16);
    let lines: Vec<Line> = if !p.loaded {
        vec![Line::styled(" loading…", t.dim)]
    } else if let Some(e) = &p.error {
        vec![Line::styled(format!(" {}", text::clean(e)), t.error)]
    } else if p.total == 0 {
        empty_lines(v)
    } else {
        (p.list.top..p.total.min(p.list.top + list.height as usize))
            .map(|i| match p.row(i) {
                Some(r) => row_line(r, width, v, i == p.list.selected),
                None => Line::styled(" …", t.dim),
            })
            .collect()
    };
    f.render_widget(Paragraph::new(lines), list);
    if JobsPane::shows_detail(area)
        && let Some(r) = p.selected()
    {
        let box_area = Rect::new(
            area.x,
            area.bottom() - 1 - DETAIL_ROWS,
            area.width,
            DETAIL_ROWS,
        );
        let block = Block::default()
            .borders(Borders::TOP)
            .border_style(t.dim)
            .title(Span::styled(
                format!(" {} ", text::clean(&r.job.name)),
                t.title,
            ));
        f.render_widget(
            Paragraph::new(detail_lines(r, width, v)).block(block),
            box_area,
        );
    }
    let status = format!(
        " {} jobs: {} enabled, {} paused",
        p.total,
        p.enabled,
        p.total.saturating_sub(p.enabled)
    );
    f.render_widget(
        Paragraph::new(Line::styled(text::fit(&status, width), t.dim)),
        Rect::new(area.x, area.bottom() - 1, area.width, 1),
    );
    if let Some(form) = &p.form {
        draw_form(f, area, form, v);
    }
    if let Some(rf) = &p.run_form {
        draw_run_form(f, area, rf, v);
    }
    if let Some(name) = &p.confirm {
        let q = format!(
            "Delete job {}? Its runs stay in the history.",
            text::fit(name, 30)
        );
        confirm(f, area, "Delete", &q, "delete", "keep", v);
    }
}

fn empty_lines(v: &View<'_>) -> Vec<Line<'static>> {
    let t = v.theme;
    vec![
        Line::styled(" No jobs yet.", t.text),
        Line::from(vec![
            Span::styled(" Press ", t.dim),
            Span::styled("a", t.key),
            Span::styled(
                " to add one: a name, a cron schedule (0 7 * * 1-5) and a shell command.",
                t.dim,
            ),
        ]),
        Line::styled(
            " Or from a shell: jr jobs add backup --cron \"30 2 * * *\" --command \"restic backup ~/data\"",
            t.dim,
        ),
    ]
}

/// Run Now's parameters: one field a parameter, at its default.
fn draw_run_form(f: &mut Frame<'_>, area: Rect, rf: &RunForm, v: &View<'_>) {
    let t = v.theme;
    let h = (rf.fields.len() as u16 + 4).min(area.height);
    let r = Rect::new(area.x, area.bottom() - h, area.width, h);
    let block = boxed(
        text::fit(&rf.title(), (area.width as usize).saturating_sub(6)),
        v,
    );
    let inner = block.inner(r);
    f.render_widget(Clear, r);
    f.render_widget(block, r);
    // Labels are at most 9 columns wide; keys are ASCII.
    let labels: Vec<String> = rf.fields.iter().map(|(k, _)| text::fit(k, 9)).collect();
    let rows: Vec<(&str, &TextField)> = labels
        .iter()
        .zip(&rf.fields)
        .map(|(l, (_, fld))| (l.as_str(), fld))
        .collect();
    fields(f, inner, &rows, rf.focus, v);
    let w = inner.width as usize;
    let msg = match &rf.error {
        Some(e) => Line::styled(text::fit(&format!(" {}", text::clean(e)), w), t.error),
        None => Line::styled(
            text::fit(" Enter runs with these values · Tab next · Esc cancels", w),
            t.dim,
        ),
    };
    let y = inner.y + rf.fields.len() as u16 + 1;
    if y < inner.bottom() {
        f.render_widget(Paragraph::new(msg), Rect::new(inner.x, y, inner.width, 1));
    }
}

fn draw_form(f: &mut Frame<'_>, area: Rect, form: &JobForm, v: &View<'_>) {
    let t = v.theme;
    let h = (form.fields.len() as u16 + 6).min(area.height);
    let r = Rect::new(area.x, area.bottom() - h, area.width, h);
    let block = boxed(text::fit(&form.title(), area.width as usize - 6), v);
    let inner = block.inner(r);
    f.render_widget(Clear, r);
    f.render_widget(block, r);
    let rows: Vec<(&str, &TextField)> = form.fields.iter().map(|(k, f)| (k.label(), f)).collect();
    fields(f, inner, &rows, form.focus, v);
    let w = inner.width as usize;
    let check = match &form.check {
        CronCheck::OnDemand => {
            Line::styled(" ✓ no schedule: runs only when asked (Run Now)", t.dim)
        }
        CronCheck::Fires { words, next } => Line::from(vec![
            Span::styled(" ✓ ", t.ok),
            Span::styled(text::clean(words), t.text),
            Span::styled(
                text::fit(
                    &format!(" — next: {}", next.join(", ")),
                    w.saturating_sub(4 + text::width(words)),
                ),
                t.dim,
            ),
        ]),
        CronCheck::Bad(e) => Line::styled(text::fit(&format!(" ✗ {}", text::clean(e)), w), t.error),
    };
    let msg = match (&form.error, form.saving) {
        (Some(e), _) => Line::styled(text::fit(&format!(" {}", text::clean(e)), w), t.error),
        (None, true) => Line::styled(" saving…", t.dim),
        (None, false) => Line::styled(
            text::fit(&format!(" {}", form.fields[form.focus].0.hint()), w),
            t.dim,
        ),
    };
    for (i, line) in [check, msg].into_iter().enumerate() {
        let y = inner.y + form.fields.len() as u16 + 1 + i as u16;
        if y < inner.bottom() {
            f.render_widget(Paragraph::new(line), Rect::new(inner.x, y, inner.width, 1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_and_durations() {
        assert_eq!(sparkline(&[1, 2, 4, 8], 10), "▂▃▅█");
        assert_eq!(sparkline(&[5, 5, 5], 2), "██");
        assert_eq!(sparkline(&[], 5), "");
        assert_eq!(short_duration(850), "850ms");
        assert_eq!(short_duration(200_000), "3m 20s");
        assert_eq!(short_duration(3_900_000), "1h 05m");
        for w in [80usize, 160] {
            let (n, s, sp) = widths(w);
            assert_eq!(1 + n + 1 + s + 1 + 10 + 12 + sp, w);
        }
    }
}
