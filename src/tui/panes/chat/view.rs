//! Drawing the Chat pane: the turns (the message, then the reply under a
//! route · via badge, the rating and what it made), newest at the bottom,
//! the selected one marked; messages waiting for their reply; the input.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::ChatPane;
use crate::engine::chat::ChatTurn;
use crate::tui::pane::{Draw, View};
use crate::tui::text;
use crate::tui::widgets::form::field_view;

fn wrapped(s: &str, width: usize, style: ratatui::style::Style, mark: &str) -> Vec<Line<'static>> {
    text::clean_lines(s)
        .iter()
        .flat_map(|l| text::wrap(l, width.saturating_sub(4)))
        .map(|l| {
            Line::from(vec![
                Span::raw(mark.to_string()),
                Span::raw("  "),
                Span::styled(l, style),
            ])
        })
        .collect()
}

fn turn_lines(t: &ChatTurn, width: usize, selected: bool, v: &View<'_>) -> Vec<Line<'static>> {
    let th = v.theme;
    let mark = if selected { "▌" } else { " " };
    let when = t
        .created_at
        .with_timezone(&v.tz)
        .format("%H:%M")
        .to_string();
    let mut out = vec![Line::from(vec![
        Span::styled(mark, th.accent),
        Span::styled(format!("you · {when}"), th.dim),
    ])];
    out.extend(wrapped(&t.message, width, th.text, mark));
    let mut head = vec![
        Span::styled(mark, th.accent),
        Span::styled("jr ", th.dim),
        Span::styled(format!("[{} · {}]", t.route, t.via), th.key),
    ];
    match t.rating {
        Some(1) => head.push(Span::raw(" 👍")),
        Some(_) => head.push(Span::raw(" 👎")),
        None => {}
    }
    if let Some(id) = t.run_id {
        head.push(Span::styled(format!(" → run #{id}"), th.accent));
    } else if let Some(id) = t.task_id {
        head.push(Span::styled(format!(" → task #{id}"), th.accent));
    }
    out.push(Line::from(head));
    out.extend(wrapped(&t.reply, width, th.text, mark));
    out.push(Line::raw(""));
    out
}

impl Draw for ChatPane {
    fn draw(&self, f: &mut Frame<'_>, area: Rect, v: &View<'_>) {
        draw(f, area, self, v);
    }
}

fn draw(f: &mut Frame<'_>, area: Rect, p: &ChatPane, v: &View<'_>) {
    if area.height < 5 {
        return;
    }
    let t = v.theme;
    let width = area.width as usize;
    let convo = Rect::new(area.x, area.y, area.width, area.height - 3);
    let h = convo.height as usize;
    let mut lines: Vec<Line> = Vec::new();
    let mut sel = (0, 0);
    for (i, turn) in p.turns.iter().enumerate() {
        let selected = !p.composing && i == p.list.selected;
        let block = turn_lines(turn, width, selected, v);
        if selected {
            sel = (lines.len(), lines.len() + block.len());
        }
        lines.extend(block);
    }
    for m in &p.pending {
        lines.push(Line::styled(" you", t.dim));
        lines.extend(wrapped(&m.message, width, t.text, " "));
        lines.push(Line::styled(" jr …", t.dim));
        if let Some(so_far) = p.partial.get(&m.message) {
            lines.extend(wrapped(so_far, width, t.text, "   "));
        }
        lines.push(Line::raw(""));
    }
    if !p.loaded {
        lines.push(Line::styled(" loading…", t.dim));
    } else if lines.is_empty() {
        lines = vec![
            Line::styled(
                " Ask jr about tasks, jobs and runs, or ask it to act:",
                t.text,
            ),
            Line::styled("   오늘 뭐 해야 해?   ·   backup 잡 언제 다시 돌아?", t.dim),
            Line::styled(
                "   run backup now   ·   start task 4   ·   add a task: 세금 신고",
                t.dim,
            ),
            Line::styled(
                " Anything else is filed as a task for the host agent.",
                t.dim,
            ),
        ];
    }
    // Newest at the bottom; the selected turn kept in view.
    let total = lines.len();
    let mut end = total;
    if !p.composing && total > h {
        end = sel.1.max(h).min(total);
        if sel.0 < end - h {
            // A turn taller than the screen: its start.
            end = sel.0 + h;
        }
    }
    let start = end.saturating_sub(h);
    let shown: Vec<Line> = lines.into_iter().skip(start).take(h).collect();
    f.render_widget(Paragraph::new(shown), convo);

    let input = Rect::new(area.x, area.bottom() - 3, area.width, 3);
    let title = if p.composing {
        let name: String = p
            .session
            .chars()
            .filter(|c| !c.is_control())
            .take(24)
            .collect();
        if name.is_empty() || name == crate::tui::worker::FIRST_SESSION {
            " message — Enter sends · Esc browses the turns ".to_string()
        } else {
            format!(" message · {name} — Enter sends · Esc browses the turns ")
        }
    } else {
        " + 👍  - 👎  Enter: its task or run  i: type  n: new  s: switch ".to_string()
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if p.composing { t.accent } else { t.dim })
        .title(Span::styled(title, t.title));
    let inner = block.inner(input);
    f.render_widget(block, input);
    let (shown, cur) = field_view(&p.input, inner.width.saturating_sub(2) as usize);
    f.render_widget(
        Paragraph::new(Line::styled(format!(" {shown}"), t.text)),
        inner,
    );
    if p.composing {
        f.set_cursor_position(Position::new(inner.x + 1 + cur, inner.y));
    }
}
