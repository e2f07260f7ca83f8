//! Pure drawing: `draw(frame, &App)` reads state and writes cells, nothing
//! else. Header (panes, scheduler, clock), the active pane, the footer (the
//! keys that matter now, or a notice), then any overlay.

pub mod agents;
pub mod cards;
pub mod chat;
pub mod context;
pub mod dagster;
pub mod dashboard;
pub mod detail;
pub mod footer;
pub mod form;
pub mod header;
pub mod jobs;
pub mod overlay;
pub mod run_view;
pub mod runs;
pub mod tasks;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::app::{App, MIN_SIZE};
use super::panes::View;

/// The pane's area for a terminal of `size`: all but the header and footer rows.
pub fn pane_area(size: (u16, u16)) -> Rect {
    Rect::new(0, 1, size.0, size.1.saturating_sub(2))
}

pub fn draw(f: &mut Frame<'_>, app: &App) {
    let area = f.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        let msg = vec![
            Line::from(format!(
                "jr needs at least {}×{}; this terminal is {}×{}.",
                MIN_SIZE.0, MIN_SIZE.1, area.width, area.height
            )),
            Line::from("Make the window larger, or press q to quit."),
        ];
        f.render_widget(
            Paragraph::new(msg).wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    let view = View {
        theme: &app.theme,
        keymap: &app.keymap,
        now: app.now,
        tz: app.tz,
    };
    header::draw(f, Rect::new(0, 0, area.width, 1), app);
    let pane = pane_area((area.width, area.height));
    app.pane().draw(f, pane, &view);
    footer::draw(f, Rect::new(0, area.height - 1, area.width, 1), app);
    overlay::draw(f, area, app);
}

/// A rectangle `w`×`h` centred in `area` (clipped to it).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
