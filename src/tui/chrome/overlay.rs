//! Drawing what floats over every pane: help (generated from the keymap, with
//! the keymap's warnings), the command palette, the quit question.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{Chrome, Overlay};
use crate::tui::filter::FIELDS;
use crate::tui::keymap::Section;
use crate::tui::layout::centered;
use crate::tui::pane::PaneId;
use crate::tui::text;

fn boxed<'a>(title: &str, app: &Chrome<'_>) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.accent)
        .title(Span::styled(format!(" {title} "), app.theme.title))
}

/// The help text for the current pane: its keys, then the global ones, then forms.
pub fn help_lines(app: &Chrome<'_>, width: usize) -> Vec<Line<'static>> {
    let t = app.theme;
    let mut out = Vec::new();
    // Problems with the user's keymap first: they explain surprises below.
    for w in &app.keymap.warnings {
        for l in text::wrap(&text::clean(w), width.saturating_sub(4)) {
            out.push(Line::styled(format!(" {l}"), t.error));
        }
    }
    if !app.keymap.warnings.is_empty() {
        out.push(Line::raw(""));
    }
    let pane = Section::Pane(app.pane);
    let compose =
        (app.pane == PaneId::Chat).then(|| (Section::Compose, "Typing a message".to_string()));
    let groups = [
        (pane, format!("{} pane", app.pane.title())),
        (Section::Global, "Everywhere".to_string()),
        (Section::Form, "Forms, filter and prompts".to_string()),
        (Section::Palette, "Command palette".to_string()),
    ];
    for (section, title) in compose.into_iter().chain(groups) {
        let entries = app.keymap.entries(section);
        if entries.is_empty() {
            continue;
        }
        out.push(Line::styled(format!(" {title}"), t.title));
        for e in entries {
            let keys: Vec<String> = e.keys.iter().map(|k| k.label()).collect();
            let keys = text::pad(&keys.join(" "), 18);
            out.push(Line::from(vec![
                Span::styled(format!("   {keys} "), t.key),
                Span::styled(
                    text::fit(&text::clean(&e.desc), width.saturating_sub(23)),
                    t.text,
                ),
            ]));
        }
        out.push(Line::raw(""));
    }
    if app.pane == PaneId::Tasks {
        out.push(Line::styled(" Filter (/)", t.title));
        for l in [
            "words match titles fuzzily (letters in order): 보고서, rprt".to_string(),
            format!("fields: {FIELDS}  (e.g. status:review tag:work pri:p1)"),
            "claim:me claim:none due:late due:none status:all; ! negates: !tag:home".into(),
        ] {
            out.push(Line::styled(
                format!("   {}", text::fit(&l, width.saturating_sub(4))),
                t.text,
            ));
        }
        out.push(Line::raw(""));
    }
    out.push(Line::styled(
        format!(" Keymap file: {}", text::clean(app.keymap_path)),
        t.dim,
    ));
    out
}

pub fn draw(f: &mut Frame<'_>, area: Rect, app: &Chrome<'_>) {
    let t = app.theme;
    match app.overlay {
        None => {}
        Some(Overlay::Help { scroll }) => {
            let r = centered(
                area,
                area.width.saturating_sub(4).min(100),
                area.height.saturating_sub(2),
            );
            let block = boxed("Help — Esc closes", app);
            let inner = block.inner(r);
            let lines = help_lines(app, inner.width as usize);
            let max = lines.len().saturating_sub(inner.height as usize);
            let shown: Vec<Line> = lines.into_iter().skip((*scroll).min(max)).collect();
            f.render_widget(Clear, r);
            f.render_widget(Paragraph::new(shown).block(block), r);
        }
        Some(Overlay::ConfirmQuit) => {
            let r = centered(area, 52, 4);
            f.render_widget(Clear, r);
            let lines = vec![
                Line::styled(" Quit and lose the text typed in the form?", t.text),
                Line::from(vec![
                    Span::styled(" y", t.key),
                    Span::styled(" quit   ", t.dim),
                    Span::styled("n", t.key),
                    Span::styled(" go back", t.dim),
                ]),
            ];
            f.render_widget(Paragraph::new(lines).block(boxed("Quit?", app)), r);
        }
        Some(Overlay::Palette(p)) => {
            let w = area.width.saturating_sub(8).min(90);
            let h = area.height.saturating_sub(4).min(18);
            let r = Rect::new(area.x + (area.width - w) / 2, area.y + 2, w, h);
            let block = boxed("Command palette", app);
            let inner = block.inner(r);
            f.render_widget(Clear, r);
            f.render_widget(block, r);
            let iw = inner.width as usize;
            let scroll = p.input.scroll(iw.saturating_sub(3));
            let mut skipped = 0;
            let shown: String = p
                .input
                .value()
                .chars()
                .skip_while(|c| {
                    let s = skipped < scroll;
                    skipped += unicode_width::UnicodeWidthChar::width(*c).unwrap_or(0);
                    s
                })
                .collect();
            f.render_widget(
                Paragraph::new(Line::from(vec![
                    Span::styled(" : ", t.key),
                    Span::styled(text::clean(&shown), t.text),
                ])),
                Rect { height: 1, ..inner },
            );
            f.set_cursor_position(Position::new(
                inner.x + 3 + (p.input.cursor_col() - scroll) as u16,
                inner.y,
            ));
            let rows = inner.height.saturating_sub(1) as usize;
            let top = p.selected.saturating_sub(rows.saturating_sub(1));
            let label_w = (iw / 2).max(12);
            let lines: Vec<Line> = p
                .items
                .iter()
                .enumerate()
                .skip(top)
                .take(rows)
                .map(|(i, it)| {
                    let line = Line::from(vec![
                        Span::styled(
                            format!(" {} ", text::pad(&text::clean(&it.label), label_w)),
                            t.text,
                        ),
                        Span::styled(text::fit(&it.detail, iw.saturating_sub(label_w + 3)), t.dim),
                    ]);
                    if i == p.selected {
                        line.style(t.selected)
                    } else {
                        line
                    }
                })
                .collect();
            let lines = if lines.is_empty() {
                vec![Line::styled(" no match", t.dim)]
            } else {
                lines
            };
            f.render_widget(
                Paragraph::new(lines),
                Rect::new(
                    inner.x,
                    inner.y + 1,
                    inner.width,
                    inner.height.saturating_sub(1),
                ),
            );
        }
    }
}
