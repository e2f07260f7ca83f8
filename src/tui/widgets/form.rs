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

pub fn boxed<'a>(title: String, v: &View<'_>) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(v.theme.accent)
        .title(Span::styled(format!(" {title} "), v.theme.title))
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
