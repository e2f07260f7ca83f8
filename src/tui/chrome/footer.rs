//! The footer line: a notice when there is one, else the keys that matter in
//! the current context, labelled from the keymap (so overrides show).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Chrome;
use crate::tui::text;

pub fn draw(f: &mut Frame<'_>, area: Rect, app: &Chrome<'_>) {
    let t = app.theme;
    if let Some(n) = app.notice {
        let style = if n.error { t.error } else { t.ok };
        let msg = text::fit(&text::clean(&n.text), area.width.saturating_sub(1) as usize);
        f.render_widget(
            Paragraph::new(Line::from(vec![Span::raw(" "), Span::styled(msg, style)])),
            area,
        );
        return;
    }
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for (key, what) in &app.hints {
        let w = text::width(key) + text::width(what) + 3;
        if used + w > area.width as usize {
            break;
        }
        used += w;
        spans.push(Span::styled(key.clone(), t.key));
        spans.push(Span::styled(format!(" {what}   "), t.dim));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
