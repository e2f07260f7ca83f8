//! What forms are drawn with: a text field's visible part and cursor, a
//! titled box, a yes/no question. Every pane's forms and prompts use these.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::tui::input::TextField;
use crate::tui::layout::centered;
use crate::tui::pane::View;
use crate::tui::text;

/// Text back from the editor, as a field takes it: without the one final
/// newline editors add.
pub fn from_editor(text: &str) -> String {
    text.strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text)
        .to_string()
}

/// A field's visible text and the cursor's column within it.
pub fn field_view(field: &TextField, width: usize) -> (String, u16) {
    let scroll = field.scroll(width);
    let mut w = 0;
    let shown: String = field
        .value()
        .chars()
        .skip_while(|c| {
            let skip = w < scroll;
            w += unicode_width::UnicodeWidthChar::width(*c).unwrap_or(0);
            skip
        })
        .collect();
    (
        text::fit(&text::clean(&shown), width),
        (field.cursor_col() - scroll) as u16,
    )
}

/// A one-line prompt boxed at the bottom of `area` (run an agent with a
/// prompt, a partition to materialize): the field with the terminal's
/// cursor in it, so an input method composes Korean in place.
pub fn prompt_line(f: &mut Frame<'_>, area: Rect, title: String, input: &TextField, v: &View<'_>) {
    let t = v.theme;
    let r = Rect::new(
        area.x,
        area.bottom().saturating_sub(3),
        area.width,
        3.min(area.height),
    );
    f.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.accent)
        .title(Span::styled(title, t.title));
    let inner = block.inner(r);
    f.render_widget(block, r);
    let (shown, cur) = field_view(input, inner.width.saturating_sub(2) as usize);
    f.render_widget(
        Paragraph::new(Line::styled(format!(" {shown}"), t.text)),
        inner,
    );
    f.set_cursor_position(ratatui::layout::Position::new(inner.x + 1 + cur, inner.y));
}

pub fn boxed<'a>(title: String, v: &View<'_>) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(v.theme.accent)
        .title(Span::styled(format!(" {title} "), v.theme.title))
}

/// Labelled one-line fields, one a row from the top of `inner` (as many
/// as fit), the focused one highlighted with the terminal's cursor in it (so
/// an input method composes Korean in place).
pub fn fields(
    f: &mut Frame<'_>,
    inner: Rect,
    rows: &[(&str, &TextField)],
    focus: usize,
    v: &View<'_>,
) {
    let t = v.theme;
    let label_w = 10u16;
    let input_w = inner.width.saturating_sub(label_w + 1) as usize;
    for (i, (label, field)) in rows.iter().enumerate() {
        let y = inner.y + i as u16;
        if y >= inner.bottom() {
            break;
        }
        let focused = i == focus;
        let (shown, cur) = field_view(field, input_w);
        let line = Line::from(vec![
            Span::styled(format!(" {label:<9}"), if focused { t.key } else { t.dim }),
            Span::styled(shown, if focused { t.selected } else { t.text }),
        ]);
        f.render_widget(Paragraph::new(line), Rect::new(inner.x, y, inner.width, 1));
        if focused {
            f.set_cursor_position(ratatui::layout::Position::new(inner.x + label_w + cur, y));
        }
    }
}

/// A yes/no question centred in `area`.
pub fn confirm(
    f: &mut Frame<'_>,
    area: Rect,
    title: &str,
    question: &str,
    yes: &str,
    no: &str,
    v: &View<'_>,
) {
    let t = v.theme;
    let w = (text::width(question) as u16 + 4).min(area.width);
    let r = centered(area, w, 4);
    f.render_widget(Clear, r);
    let lines = vec![
        Line::styled(format!(" {question}"), t.text),
        Line::from(vec![
            Span::styled(" y", t.key),
            Span::styled(format!(" {yes}   "), t.dim),
            Span::styled("n", t.key),
            Span::styled(format!(" {no}"), t.dim),
        ]),
    ];
    f.render_widget(Paragraph::new(lines).block(boxed(title.into(), v)), r);
}
