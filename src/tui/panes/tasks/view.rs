//! Drawing the Tasks pane: the column header, the rows (a tree, or flat under
//! a filter) aligned by display width, and the status or filter line; the
//! detail view, form and questions draw over it.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::TasksPane;
use crate::domain::due::relative;
use crate::tui::pane::{Draw, View};
use crate::tui::text::{self, pad, pad_left, skip_cols};
use crate::tui::worker::TreeRow;

/// Column widths for a list `width` columns wide: (claim, tags, title).
fn widths(width: usize) -> (usize, usize, usize) {
    // id 6 + status 12 + pri 4 + due 10 = 32 fixed, plus a 1-column margin.
    let rest = width.saturating_sub(33);
    let claim = if width >= 100 { 10 } else { 8 };
    let tags = (rest / 4).clamp(6, 24);
    let title = rest.saturating_sub(claim + tags + 2);
    (claim, tags, title)
}

fn row_line(
    r: &TreeRow,
    p: &TasksPane,
    width: usize,
    v: &View<'_>,
    selected: bool,
) -> Line<'static> {
    let t = v.theme;
    let task = &r.task;
    let (claim_w, tags_w, title_w) = widths(width);
    let (due, late) = match task.due {
        Some(d) => {
            let dl = d.deadline(v.tz);
            (relative(dl, v.now), dl < v.now && !task.status.is_closed())
        }
        None => (String::new(), false),
    };
    let mut prefix = "  ".repeat(r.depth as usize);
    if r.depth > 0 {
        prefix.push_str("└ ");
    } else if task.parent.is_some() && !p.filter.is_plain() {
        prefix.push_str("↳ ");
    }
    if r.children > 0 {
        let folded = p.list.collapsed.contains(&task.id);
        prefix.push_str(&if folded {
            format!("▸{} ", r.children)
        } else {
            "▾ ".into()
        });
    }
    let title = format!("{prefix}{}", text::clean(&task.title));
    let tags = task
        .tags
        .iter()
        .map(|x| text::clean(x))
        .collect::<Vec<_>>()
        .join(" ");
    let claim = task
        .claimed_by
        .as_deref()
        .map(text::clean)
        .unwrap_or_default();
    let spans = vec![
        Span::styled(if selected { "▌" } else { " " }, t.accent),
        Span::styled(pad_left(&task.id.to_string(), 5) + " ", t.dim),
        Span::styled(pad(task.status.as_str(), 12), t.status(task.status)),
        Span::styled(
            pad(&task.priority.to_string(), 4),
            t.priority(task.priority.0),
        ),
        Span::styled(pad(&due, 10), if late { t.late } else { t.dim }),
        Span::styled(pad(&title, title_w) + " ", t.text),
        Span::styled(pad(&tags, tags_w) + " ", t.dim),
        Span::styled(pad(&claim, claim_w), t.warn),
    ];
    let line = Line::from(spans);
    if selected {
        line.style(t.selected)
    } else {
        line
    }
}

fn header_line(width: usize, v: &View<'_>) -> Line<'static> {
    let (claim_w, tags_w, title_w) = widths(width);
    let s = format!(
        " {}{}{}{}{} {} {}",
        pad_left("#", 5) + " ",
        pad("STATUS", 12),
        pad("PRI", 4),
        pad("DUE", 10),
        pad("TITLE", title_w),
        pad("TAGS", tags_w),
        pad("CLAIM", claim_w),
    );
    Line::styled(s, v.theme.dim)
}

fn status_line(p: &TasksPane, width: usize, f: &mut Frame<'_>, area: Rect, v: &View<'_>) {
    let t = v.theme;
    if let Some(input) = &p.filter_input {
        let lead = " / ";
        let room = width.saturating_sub(lead.len() + 1);
        let scroll = input.scroll(room);
        let shown: String = skip_cols(input.value(), scroll);
        let mut spans = vec![
            Span::styled(lead, t.key),
            Span::styled(text::fit(&shown, room), t.text),
        ];
        if let Some(e) = &p.filter_error {
            spans.push(Span::styled(format!("  {}", text::clean(e)), t.error));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), area);
        let x = area.x + (lead.len() + input.cursor_col() - scroll) as u16;
        f.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
        return;
    }
    let what = if p.show_closed {
        "all tasks"
    } else {
        "open tasks"
    };
    let shown = p.list.rows.iter().filter(|r| r.depth == 0).count();
    let range = if p.list.total == 0 {
        "none".to_string()
    } else {
        format!(
            "{}–{} of {}",
            p.list.offset + 1,
            p.list.offset + shown,
            p.list.total
        )
    };
    let unit = if p.filter.is_plain() {
        " (sub-tasks nested)"
    } else {
        ""
    };
    let mut s = format!(" {what}: {range}{unit}");
    if !p.filter_text.is_empty() {
        s.push_str(&format!(" · filter: {}", text::clean(&p.filter_text)));
    }
    if p.list.loading {
        s.push_str(" · loading…");
    }
    f.render_widget(
        Paragraph::new(Line::styled(text::fit(&s, width), t.dim)),
        area,
    );
}

impl Draw for TasksPane {
    fn draw(&self, f: &mut Frame<'_>, area: Rect, v: &View<'_>) {
        draw(f, area, self, v);
    }
}

fn draw(f: &mut Frame<'_>, area: Rect, p: &TasksPane, v: &View<'_>) {
    if area.height < 3 {
        return;
    }
    if p.detail.is_some() {
        super::view_detail::draw(f, area, p, v);
    } else {
        let width = area.width as usize;
        f.render_widget(
            Paragraph::new(header_line(width, v)),
            Rect { height: 1, ..area },
        );
        let list = Rect::new(area.x, area.y + 1, area.width, area.height - 2);
        let vis = p.list.visible();
        let lines: Vec<Line> = if !p.list.loaded {
            vec![Line::styled(" loading…", v.theme.dim)]
        } else if vis.is_empty() {
            empty_lines(p, v)
        } else {
            vis.iter()
                .enumerate()
                .skip(p.list.top)
                .take(list.height as usize)
                .map(|(i, ri)| row_line(&p.list.rows[*ri], p, width, v, i == p.list.selected))
                .collect()
        };
        f.render_widget(Paragraph::new(lines), list);
        let bottom = Rect::new(area.x, area.bottom() - 1, area.width, 1);
        status_line(p, width, f, bottom, v);
    }
    super::view_form::draw(f, area, p, v);
}

fn empty_lines(p: &TasksPane, v: &View<'_>) -> Vec<Line<'static>> {
    let t = v.theme;
    if !p.filter_text.is_empty() {
        return vec![
            Line::styled(" Nothing matches the filter.", t.text),
            Line::styled(" Esc clears it; / changes it.", t.dim),
        ];
    }
    vec![
        Line::styled(
            " No open tasks — nothing to do, or nothing written down yet.",
            t.text,
        ),
        Line::from(vec![
            Span::styled(" Press ", t.dim),
            Span::styled("a", t.key),
            Span::styled(
                " to add one, or from a shell: jr tasks add \"할 일\"",
                t.dim,
            ),
        ]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fill_the_width_exactly() {
        for w in [60usize, 80, 120, 160] {
            let (c, tg, ti) = widths(w);
            assert_eq!(1 + 6 + 12 + 4 + 10 + ti + 1 + tg + 1 + c, w, "width {w}");
        }
        assert_eq!(skip_cols("한글abc", 2), "글abc");
    }
}
