//! Where things go on the screen, shared by drawing and by clicks: the
//! pane's area, the header's tabs, a centred box. Pure arithmetic.

use ratatui::layout::Rect;

use super::pane::PaneId;
use super::text;

/// Below this the screen says so instead of drawing a squashed UI.
pub const MIN_SIZE: (u16, u16) = (60, 15);

const LEAD: &str = " jr ";

/// Room the header's right side (scheduler, clock) keeps at least.
const RIGHT_MIN: usize = 28;

/// The header's lead text (drawn before the tabs).
pub fn lead() -> &'static str {
    LEAD
}

/// The pane's area for a terminal of `size`: all but the header and footer rows.
pub fn pane_area(size: (u16, u16)) -> Rect {
    Rect::new(0, 1, size.0, size.1.saturating_sub(2))
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

/// Each tab's label and its first column; shared by drawing and clicking.
/// When the names do not all fit in `width`, the tabs other than the active
/// one show their number only.
pub fn tabs(width: u16, active: usize) -> Vec<(u16, String)> {
    let full = |_: usize| true;
    let only_active = |i: usize| i == active;
    let lay = |named: &dyn Fn(usize) -> bool| -> Vec<(u16, String)> {
        let mut col = text::width(LEAD) as u16 + 1;
        PaneId::ALL
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let label = if named(i) {
                    format!(" {} {} ", i + 1, p.title())
                } else {
                    format!(" {} ", i + 1)
                };
                let start = col;
                col += text::width(&label) as u16;
                (start, label)
            })
            .collect()
    };
    let wide = lay(&full);
    let end = wide.last().map_or(0, |(s, l)| *s as usize + text::width(l));
    if end + RIGHT_MIN <= width as usize {
        wide
    } else {
        lay(&only_active)
    }
}

/// The pane whose tab is at column `col` (the header `width` wide, `active` shown).
pub fn tab_at(col: u16, width: u16, active: usize) -> Option<usize> {
    tabs(width, active)
        .iter()
        .position(|(start, label)| col >= *start && col < start + text::width(label) as u16)
}
