//! Drawing an opened run: its fields on top, then the log viewer — wrapped
//! or cut lines, the search highlighted, the current match marked, stderr
//! and jr's own notes told apart — and the search line or the log's state.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::VIEW_HEAD;
use super::log::LogView;
use crate::tui::pane::View;
use crate::tui::text;
use crate::tui::widgets::fmt::{run_style, took, when};
use crate::tui::widgets::form::{confirm, field_view};

fn head_lines(lv: &LogView, width: usize, v: &View<'_>) -> Vec<Line<'static>> {
    let t = v.theme;
    let r = &lv.run;
    let mut first = vec![
        Span::styled(format!(" #{} ", r.id), t.dim),
        Span::styled(text::clean(&r.job), t.title),
        Span::styled(" · ", t.dim),
        Span::styled(r.status.to_string(), run_style(t, r.status)),
        Span::styled(format!(" · {}", r.trigger), t.dim),
    ];
    if r.attempt > 1 {
        first.push(Span::styled(format!(" · attempt {}", r.attempt), t.dim));
    }
    if let Some(task) = r.task_id {
        first.push(Span::styled(format!(" · for task #{task}"), t.accent));
    }
    let mut times = vec![format!("queued {}", when(r.queued_at, v))];
    if let Some(s) = r.started_at {
        times.push(format!("started {}", when(s, v)));
    }
    let took = took(r, v.now);
    if !took.is_empty() {
        times.push(format!("took {took}"));
    }
    if let Some(c) = r.exit_code {
        times.push(format!("exit {c}"));
    }
    let mut out_note = format!("output {} B", r.output_bytes);
    if r.output_cut > 0 {
        out_note.push_str(&format!(" ({} B cut from the middle)", r.output_cut));
    }
    times.push(out_note);
    let third = match (&lv.external, &r.error) {
        (Some(x), err) => {
            let mut spans = vec![
                Span::styled(
                    format!(" {} run {} ", text::clean(&x.system), text::clean(&x.id)),
                    t.dim,
                ),
                Span::styled(
                    text::clean(x.status.as_deref().unwrap_or("?")),
                    if x.unreachable_since.is_some() {
                        t.warn
                    } else {
                        t.accent
                    },
                ),
                Span::styled(format!(" · {}", text::clean(&x.url)), t.dim),
            ];
            if x.unreachable_since.is_some() {
                spans.push(Span::styled(" · unreachable", t.warn));
            }
            if let Some(e) = err {
                spans.push(Span::styled(format!(" · {}", text::clean(e)), t.error));
            }
            Line::from(spans)
        }
        (None, Some(e)) => Line::styled(text::fit(&format!(" {}", text::clean(e)), width), t.error),
        // A result (a shell job's JR_RESULT): its link when it has one.
        (None, None) => match (&lv.link(), &r.result) {
            (Some(l), _) => Line::styled(
                text::fit(&format!(" → {}", text::clean(l)), width),
                t.accent,
            ),
            (None, Some(res)) => Line::styled(
                text::fit(&format!(" → {}", text::clean(res)), width),
                t.text,
            ),
            (None, None) => Line::raw(""),
        },
    };
    // A notification that could not be delivered is said where the run is.
    let third = match &r.notify_error {
        Some(n) => {
            let mut spans = third.spans;
            spans.push(Span::styled(
                format!(" · notify failed: {}", text::clean(n)),
                t.warn,
            ));
            Line::from(spans).style(third.style)
        }
        None => third,
    };
    vec![
        Line::from(first),
        Line::styled(text::fit(&format!(" {}", times.join(" · ")), width), t.dim),
        third,
    ]
}

fn stream_style(stream: &str, v: &View<'_>) -> Style {
    match stream {
        "err" => v.theme.warn,
        "jr" | "cut" => v.theme.dim,
        _ => v.theme.text,
    }
}

/// One log line as screen rows: wrapped or cut, the search highlighted.
fn rows_of(lv: &LogView, i: usize, width: usize, v: &View<'_>) -> Vec<Line<'static>> {
    let l = &lv.lines[i];
    let base = stream_style(&l.stream, v);
    let hl = v.theme.selected.add_modifier(Modifier::UNDERLINED);
    let current = lv.current == Some(i);
    let mark = if current { "▶" } else { " " };
    let pieces: Vec<String> = if lv.wrap {
        text::wrap(&l.text, width.saturating_sub(1).max(1))
    } else {
        vec![text::fit(
            &text::skip_cols(&l.text, lv.left),
            width.saturating_sub(1),
        )]
    };
    let ranges = lv.ranges(i);
    // Walk the pieces in step with the byte offsets of the original text.
    let mut offset = 0;
    let mut out = Vec::with_capacity(pieces.len());
    for (n, piece) in pieces.into_iter().enumerate() {
        let start = l.text[offset..]
            .find(piece.trim_end_matches('…'))
            .map(|p| offset + p)
            .unwrap_or(offset);
        let mut spans = vec![Span::styled(
            if n == 0 { mark } else { " " },
            v.theme.accent,
        )];
        let mut at = 0;
        for (a, b) in &ranges {
            let (a, b) = (a.saturating_sub(start), b.saturating_sub(start));
            let (a, b) = (a.min(piece.len()), b.min(piece.len()));
            if b <= at || !piece.is_char_boundary(a.max(at)) || !piece.is_char_boundary(b) {
                continue;
            }
            let a = a.max(at);
            spans.push(Span::styled(piece[at..a].to_string(), base));
            spans.push(Span::styled(piece[a..b].to_string(), hl));
            at = b;
        }
        spans.push(Span::styled(piece[at..].to_string(), base));
        offset = start + piece.trim_end_matches('…').len();
        out.push(Line::from(spans));
    }
    out
}

pub(super) fn draw(f: &mut Frame<'_>, area: Rect, lv: &LogView, v: &View<'_>) {
    let t = v.theme;
    let width = area.width as usize;
    f.render_widget(
        Paragraph::new(head_lines(lv, width, v)),
        Rect::new(area.x, area.y, area.width, VIEW_HEAD - 1),
    );
    let state = match (lv.run.status.is_active(), lv.follow) {
        (true, true) => "following",
        (true, false) => "paused",
        (false, _) => "ended",
    };
    let mut title = format!(
        " output — {state} · {} · {} lines",
        match (lv.wrap, lv.left) {
            (true, _) => "wrap".to_string(),
            (false, 0) => "no wrap".to_string(),
            (false, n) => format!("no wrap, from column {}", n + 1),
        },
        lv.lines.len()
    );
    if let Some(q) = &lv.search {
        title.push_str(&format!(
            " · /{} {} matching",
            text::clean(q),
            lv.match_count()
        ));
        if lv.only_matches {
            title.push_str(" (only these shown)");
        }
    }
    if !lv.complete {
        title.push_str(" · loading…");
    }
    let sep = Rect::new(area.x, area.y + VIEW_HEAD - 1, area.width, 1);
    f.render_widget(
        Block::default()
            .borders(Borders::TOP)
            .border_style(t.dim)
            .title(Span::styled(
                text::fit(&title, width.saturating_sub(4)) + " ",
                t.title,
            )),
        sep,
    );
    let log = Rect::new(
        area.x,
        area.y + VIEW_HEAD,
        area.width,
        area.height.saturating_sub(VIEW_HEAD + 1),
    );
    let h = log.height as usize;
    let shown = lv.shown();
    let mut lines: Vec<Line> = Vec::new();
    if shown.is_empty() {
        let msg = if lv.only_matches {
            " no line matches the search"
        } else if lv.run.status.is_active() {
            " no output yet — new lines appear as they are written"
        } else {
            " this run printed nothing"
        };
        lines.push(Line::styled(msg, t.dim));
    } else if lv.follow || (lv.at_bottom() && lv.top > 0) {
        // Fill from the bottom up, so wrapped lines end at the last row.
        for i in shown.iter().rev() {
            let mut rows = rows_of(lv, *i, width, v);
            rows.append(&mut lines);
            lines = rows;
            if lines.len() >= h {
                break;
            }
        }
        let extra = lines.len().saturating_sub(h);
        lines.drain(..extra);
    } else {
        for i in shown.iter().skip(lv.top) {
            lines.extend(rows_of(lv, *i, width, v));
            if lines.len() >= h {
                break;
            }
        }
        lines.truncate(h);
    }
    f.render_widget(Paragraph::new(lines), log);
    let bottom = Rect::new(area.x, area.bottom() - 1, area.width, 1);
    if let Some(input) = &lv.search_input {
        let lead = " search: ";
        let (shown, cur) = field_view(input, width.saturating_sub(lead.len() + 1));
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(lead, t.key),
                Span::styled(shown, t.text),
            ])),
            bottom,
        );
        f.set_cursor_position(Position::new(bottom.x + lead.len() as u16 + cur, bottom.y));
    } else {
        let pos = format!(
            " line {}–{} of {}",
            (lv.top + 1).min(shown.len()),
            (lv.top + h).min(shown.len()),
            shown.len()
        );
        f.render_widget(Paragraph::new(Line::styled(pos, t.dim)), bottom);
    }
    if lv.confirm_cancel {
        let q = format!("Cancel run #{}? It is stopped.", lv.run.id);
        confirm(f, area, "Cancel", &q, "cancel it", "keep it", v);
    }
}
