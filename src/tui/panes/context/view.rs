//! Drawing the Context pane: the search box, then the hits (where, then the
//! snippet with the matched words highlighted) or the sessions; or one
//! session's messages, each under its role and time.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{ContextPane, SessionState, message_body, message_height};
use crate::engine::context::Hit;
use crate::tui::pane::{Draw, View};
use crate::tui::text;
use crate::tui::widgets::fmt::when;
use crate::tui::widgets::form::field_view;

/// A snippet's `[hit]` marks drawn as highlighted words (the brackets dropped).
pub fn snippet_spans(s: &str, plain: Style, hit: Style) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    let mut rest = text::clean(s);
    while let Some(open) = rest.find('[') {
        let Some(len) = rest[open..].find(']') else {
            break;
        };
        if open > 0 {
            out.push(Span::styled(rest[..open].to_string(), plain));
        }
        out.push(Span::styled(rest[open + 1..open + len].to_string(), hit));
        rest = rest[open + len + 1..].to_string();
    }
    if !rest.is_empty() {
        out.push(Span::styled(rest, plain));
    }
    out
}

fn hit_lines(h: &Hit, width: usize, selected: bool, v: &View<'_>) -> Vec<Line<'static>> {
    let t = v.theme;
    let mark = if selected { "▌" } else { " " };
    let head = format!(
        "{} {} · {}/{} · {}",
        when(h.created_at, v),
        h.client,
        h.channel,
        h.session,
        h.role
    );
    let mut snip = vec![Span::styled(mark, t.accent), Span::raw("  ")];
    snip.extend(snippet_spans(&h.snippet, t.text, t.key));
    vec![
        Line::from(vec![
            Span::styled(mark, t.accent),
            Span::styled(
                text::fit(&text::clean(&head), width.saturating_sub(2)),
                if selected { t.title } else { t.dim },
            ),
        ]),
        Line::from(snip),
    ]
}

fn session_line(
    s: &crate::engine::SessionRow,
    width: usize,
    selected: bool,
    v: &View<'_>,
) -> Line<'static> {
    let t = v.theme;
    let name = if s.title.is_empty() {
        format!("{}/{}", s.channel, s.session)
    } else {
        format!("{} ({}/{})", s.title, s.channel, s.session)
    };
    let count = format!(" {} msgs ", s.messages);
    let head = format!(" {}  {} ", when(s.last_at, v), text::pad(&s.client, 12));
    let rest = width.saturating_sub(text::width(&head) + text::width(&count));
    Line::from(vec![
        Span::styled(head, t.dim),
        Span::styled(text::pad(&text::clean(&name), rest), t.text),
        Span::styled(count, t.dim),
    ])
    .style(if selected { t.selected } else { Style::new() })
}

fn empty_lines(v: &View<'_>) -> Vec<Line<'static>> {
    let t = v.theme;
    vec![
        Line::styled(" The context registry is empty.", t.text),
        Line::styled(" Bring in Claude Code's conversations from a shell:", t.dim),
        Line::styled("   jr context import claude-code", t.dim),
        Line::styled(" or log one message:", t.dim),
        Line::styled(
            "   jr context log -c jr -s 오늘 --client me \"메모\"",
            t.dim,
        ),
    ]
}

impl Draw for ContextPane {
    fn draw(&self, f: &mut Frame<'_>, area: Rect, v: &View<'_>) {
        draw(f, area, self, v);
    }
}

fn draw(f: &mut Frame<'_>, area: Rect, p: &ContextPane, v: &View<'_>) {
    if area.height < 4 {
        return;
    }
    if let Some(s) = &p.open {
        return draw_session(f, area, p, s, v);
    }
    let t = v.theme;
    let width = area.width as usize;
    let label = " Search: ";
    let (shown, cur) = field_view(&p.input, width.saturating_sub(label.len() + 1));
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(label, if p.typing { t.accent } else { t.dim }),
            Span::styled(shown, t.text),
        ])),
        Rect { height: 1, ..area },
    );
    if p.typing {
        f.set_cursor_position(Position::new(area.x + label.len() as u16 + cur, area.y));
    }
    let status = if let Some(e) = &p.error {
        Line::styled(format!(" {}", text::clean(e)), t.error)
    } else if !p.searching() {
        Line::styled(
            format!(
                " {} sessions, most recent first — / to search",
                p.sessions.len()
            ),
            t.dim,
        )
    } else {
        match &p.hits {
            None => Line::styled(" searching…", t.dim),
            Some(h) => {
                let ranked = h
                    .ranked_newest
                    .map(|n| format!(" (ranked among the newest {n} matches)"))
                    .unwrap_or_default();
                Line::styled(format!(" {} hits{ranked}", h.hits.len()), t.dim)
            }
        }
    };
    f.render_widget(
        Paragraph::new(status),
        Rect::new(area.x, area.y + 1, area.width, 1),
    );
    let list = Rect::new(area.x, area.y + 2, area.width, area.height - 2);
    let lines: Vec<Line> = if !p.loaded {
        vec![Line::styled(" loading…", t.dim)]
    } else if p.searching() {
        p.hits
            .iter()
            .flat_map(|h| h.hits.iter().enumerate())
            .skip(p.list.top)
            .take(p.list.height)
            .flat_map(|(i, h)| hit_lines(h, width, i == p.list.selected, v))
            .collect()
    } else if p.sessions.is_empty() {
        empty_lines(v)
    } else {
        p.sessions
            .iter()
            .enumerate()
            .skip(p.list.top)
            .take(p.list.height)
            .map(|(i, s)| session_line(s, width, i == p.list.selected, v))
            .collect()
    };
    f.render_widget(Paragraph::new(lines), list);
}

fn draw_session(f: &mut Frame<'_>, area: Rect, p: &ContextPane, s: &SessionState, v: &View<'_>) {
    let t = v.theme;
    let width = area.width as usize;
    let title = match &s.row {
        Some(r) => {
            let name = if r.title.is_empty() { "" } else { &r.title };
            format!(
                " {}/{} · {} · {} messages {name}",
                r.channel, r.session, r.client, r.messages
            )
        }
        None => format!(" {}/{}", s.channel, s.session),
    };
    f.render_widget(
        Paragraph::new(Line::styled(
            text::fit(&text::clean(&title), width),
            t.title,
        )),
        Rect { height: 1, ..area },
    );
    let body = Rect::new(area.x, area.y + 1, area.width, area.height - 1);
    let h = body.height as usize;
    let (starts, _) = p.starts(s);
    let mut lines: Vec<Line> = Vec::new();
    // Only the messages that reach the screen are laid out.
    for (m, start) in s.messages.iter().zip(&starts) {
        let height = message_height(m, width);
        if start + height <= s.top {
            continue;
        }
        if *start >= s.top + h {
            break;
        }
        let mut block = vec![Line::from(vec![
            Span::styled(format!(" {} ", m.role), t.key),
            Span::styled(format!("· {} · #{}", when(m.created_at, v), m.id), t.dim),
        ])];
        block.extend(
            message_body(m, width)
                .into_iter()
                .map(|l| Line::styled(format!("   {l}"), t.text)),
        );
        block.push(Line::raw(""));
        let skip = s.top.saturating_sub(*start);
        lines.extend(block.into_iter().skip(skip));
    }
    if s.loading {
        lines.push(Line::styled(" loading…", t.dim));
    } else if s.messages.is_empty() {
        lines.push(Line::styled(" no messages", t.dim));
    }
    lines.truncate(h);
    f.render_widget(Paragraph::new(lines), body);
}
