//! The footer line: a notice when there is one, else the keys that matter in
//! the current context, labelled from the keymap (so overrides show).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::action::{self, Action};
use crate::tui::app::{App, Overlay};
use crate::tui::text;

fn label(a: &Action) -> String {
    match a {
        Action::GoPane(p) => p.name().to_string(),
        a => action::name_of(a).unwrap_or_default().replace('_', " "),
    }
}

/// (key, what) pairs for the current context.
pub fn hints(app: &App) -> Vec<(String, String)> {
    let (sections, _) = app.sections();
    let actions = match &app.overlay {
        Some(Overlay::Help { .. }) => vec![Action::Down, Action::Up, Action::Back],
        Some(Overlay::Palette(_)) => vec![Action::Submit, Action::Down, Action::Up, Action::Back],
        Some(Overlay::ConfirmQuit) => vec![Action::Yes, Action::No],
        None => app.pane().footer(),
    };
    actions
        .iter()
        .filter_map(|a| Some((app.keymap.key_label(&sections, a)?, label(a))))
        .collect()
}

pub fn draw(f: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.theme;
    if let Some(n) = &app.notice {
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
    for (key, what) in hints(app) {
        let w = text::width(&key) + text::width(&what) + 3;
        if used + w > area.width as usize {
            break;
        }
        used += w;
        spans.push(Span::styled(key, t.key));
        spans.push(Span::styled(format!(" {what}   "), t.dim));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
