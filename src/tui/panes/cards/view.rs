//! Drawing the Cards pane: the card under review (question, then the answer
//! once shown, with its schedule), or every card in a list with the selected
//! one's question and answer under it; an empty state that says how to get
//! cards.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{CardForm, CardsPane, DETAIL_ROWS, HOW_TO_ADD};
use crate::domain::cards::Card;
use crate::domain::due::relative;
use crate::tui::pane::{Draw, View};
use crate::tui::text;
use crate::tui::widgets::form::{boxed, confirm, fields};

fn wrapped(s: &str, width: usize, lead: &str, style: Style) -> Vec<Line<'static>> {
    text::clean_lines(s)
        .iter()
        .flat_map(|l| text::wrap(l, width.saturating_sub(lead.len() + 1)))
        .map(|l| Line::styled(format!("{lead}{l}"), style))
        .collect()
}

fn schedule(c: &Card, v: &View<'_>) -> String {
    let due = if c.due_at <= v.now {
        "due now".to_string()
    } else {
        format!("due {}", relative(c.due_at, v.now))
    };
    format!(
        "#{} · {due} · every {}d · ease {:.2} · {} reviews",
        c.id, c.interval_days, c.ease, c.reviews
    )
}

fn empty_lines(width: usize, v: &View<'_>) -> Vec<Line<'static>> {
    let t = v.theme;
    // Too wide for the screen: a shell line continuation, so it still pastes.
    let command: Vec<Line> = if text::width(HOW_TO_ADD) + 3 <= width {
        vec![Line::styled(format!("   {HOW_TO_ADD}"), t.key)]
    } else {
        let cut = HOW_TO_ADD.find(" --model").unwrap_or(HOW_TO_ADD.len());
        vec![
            Line::styled(format!("   {} \\", &HOW_TO_ADD[..cut]), t.key),
            Line::styled(format!("     {}", HOW_TO_ADD[cut..].trim_start()), t.key),
        ]
    };
    let mut out = vec![
        Line::styled(" No knowledge cards yet.", t.text),
        Line::styled(
            " An ambient job makes them from the context registry (6); add it from a shell:",
            t.dim,
        ),
    ];
    out.extend(command);
    out.push(Line::styled(
        " Its cards come here to be reviewed when they are due.",
        t.dim,
    ));
    out
}

impl Draw for CardsPane {
    fn draw(&self, f: &mut Frame<'_>, area: Rect, v: &View<'_>) {
        draw(f, area, self, v);
        if let Some(form) = &self.form {
            draw_form(f, area, form, v);
        }
        if let Some((id, q)) = &self.confirm {
            let q = format!(
                "Delete card #{id} {}? It cannot be undone.",
                text::fit(q, 40)
            );
            confirm(f, area, "Delete", &q, "delete", "keep", v);
        }
    }
}

/// The card form over the bottom of the pane: question, answer, and a line
/// for what is wrong (or how to save). The cursor sits in the focused field.
fn draw_form(f: &mut Frame<'_>, area: Rect, form: &CardForm, v: &View<'_>) {
    let t = v.theme;
    let h = 6.min(area.height);
    let r = Rect::new(area.x, area.bottom().saturating_sub(h), area.width, h);
    let block = boxed(format!("Edit card #{}", form.id), v);
    let inner = block.inner(r);
    f.render_widget(Clear, r);
    f.render_widget(block, r);
    let rows = [("question", &form.question), ("answer", &form.answer)];
    fields(f, inner, &rows, form.on_answer as usize, v);
    let msg = match &form.error {
        Some(e) => Line::styled(format!(" {}", text::clean(e)), t.error),
        None => Line::styled(" Tab: the other field · Enter: save · Esc: cancel", t.dim),
    };
    let y = inner.y + 3;
    if y < inner.bottom() {
        f.render_widget(Paragraph::new(msg), Rect::new(inner.x, y, inner.width, 1));
    }
}

fn draw(f: &mut Frame<'_>, area: Rect, p: &CardsPane, v: &View<'_>) {
    let t = v.theme;
    let width = area.width as usize;
    let Some(d) = p.data.or_status(f, area, t) else {
        return;
    };
    let (total, due) = d.counts;
    let head = if p.listing {
        format!(" All cards: {total} · {due} due — v: review")
    } else {
        format!(" Review: {due} due of {total} cards — v: list all")
    };
    f.render_widget(
        Paragraph::new(Line::styled(head, t.title)),
        Rect { height: 1, ..area },
    );
    let body = Rect::new(
        area.x,
        area.y + 1,
        area.width,
        area.height.saturating_sub(1),
    );
    let lines: Vec<Line> = if total == 0 {
        empty_lines(width, v)
    } else if p.listing {
        return draw_list(f, body, p, v);
    } else if let Some(c) = p.current() {
        let mut l = vec![
            Line::styled(format!(" {}", schedule(c, v)), t.dim),
            Line::raw(""),
            Line::styled(" Question", t.key),
        ];
        l.extend(wrapped(&c.question, width, "   ", t.text));
        l.push(Line::raw(""));
        if p.revealed {
            l.push(Line::styled(" Answer", t.key));
            l.extend(wrapped(&c.answer, width, "   ", t.text));
            l.push(Line::raw(""));
            l.push(Line::styled(
                " How well did you recall it?  1 again · 3 hard · 4 good · 5 easy",
                t.accent,
            ));
        } else {
            l.push(Line::styled(" Space shows the answer.", t.dim));
        }
        l
    } else {
        let next = d
            .all
            .iter()
            .min_by_key(|c| c.due_at)
            .map(|c| {
                format!(
                    " The next, #{}, is due {}.",
                    c.id,
                    relative(c.due_at, v.now)
                )
            })
            .unwrap_or_default();
        vec![
            Line::styled(" Nothing is due — all reviewed.", t.ok),
            Line::styled(next, t.dim),
            Line::styled(" v lists every card.", t.dim),
        ]
    };
    f.render_widget(Paragraph::new(lines), body);
}

fn draw_list(f: &mut Frame<'_>, area: Rect, p: &CardsPane, v: &View<'_>) {
    let t = v.theme;
    let Some(d) = p.data.as_ref() else {
        return;
    };
    let width = area.width as usize;
    let list_h = area.height.saturating_sub(DETAIL_ROWS) as usize;
    let rows: Vec<Line> = d
        .all
        .iter()
        .enumerate()
        .skip(p.list.top)
        .take(list_h)
        .map(|(i, c)| {
            let due = if c.due_at <= v.now {
                "due now".to_string()
            } else {
                relative(c.due_at, v.now)
            };
            let head = format!(
                " #{:<4} {} {:>4}d ",
                c.id,
                text::pad(&due, 9),
                c.interval_days
            );
            let rest = width.saturating_sub(text::width(&head));
            let style = if i == p.list.selected {
                t.selected
            } else {
                Style::new()
            };
            Line::from(vec![
                Span::styled(head, if c.due_at <= v.now { t.warn } else { t.dim }),
                Span::styled(text::pad(&text::clean(&c.question), rest), t.text),
            ])
            .style(style)
        })
        .collect();
    f.render_widget(
        Paragraph::new(rows),
        Rect::new(area.x, area.y, area.width, list_h as u16),
    );
    let Some(c) = p.selected() else {
        return;
    };
    let r = Rect::new(
        area.x,
        area.bottom().saturating_sub(DETAIL_ROWS),
        area.width,
        DETAIL_ROWS.min(area.height),
    );
    let mut l = wrapped(&c.question, width, " Q ", t.text);
    l.extend(wrapped(&c.answer, width, " A ", t.dim));
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(t.dim)
        .title(Span::styled(format!(" {} ", schedule(c, v)), t.title));
    f.render_widget(Paragraph::new(l).block(block), r);
}
