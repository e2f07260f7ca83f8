//! Pure drawing: `draw(frame, &App)` reads state and writes cells, nothing
//! else. Header (panes, scheduler, clock), the active pane, the footer (the
//! keys that matter now, or a notice), then any overlay. The chrome gets a
//! snapshot of the app (`Chrome`), the pane its `View`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::app::App;
use super::chrome::{self, Chrome};
use super::layout::{MIN_SIZE, pane_area};
use super::pane::View;

/// The snapshot the header, footer and overlays read.
pub fn chrome(app: &App) -> Chrome<'_> {
    Chrome {
        theme: &app.theme,
        keymap: &app.keymap,
        keymap_path: &app.keymap_path,
        active: app.active,
        pane: app.pane_id(),
        now: app.now,
        tz: app.tz,
        scheduler: app.scheduler.label(),
        dagster: app.dagster.as_ref(),
        mouse: app.mouse,
        notice: app.notice.as_ref(),
        hints: app.hints(),
        overlay: app.overlay.as_ref(),
    }
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
    let c = chrome(app);
    chrome::header::draw(f, Rect::new(0, 0, area.width, 1), &c);
    let pane = pane_area((area.width, area.height));
    app.pane().draw(f, pane, &view);
    chrome::footer::draw(f, Rect::new(0, area.height - 1, area.width, 1), &c);
    chrome::overlay::draw(f, area, &c);
}
