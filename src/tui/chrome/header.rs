//! The header line: the panes as clickable tabs, Dagster's health, who runs
//! the scheduler, the clock.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Chrome;
use crate::engine::dagster::views::StatusView;
use crate::tui::layout::{lead, tabs};
use crate::tui::text;

/// Dagster's health in words, long and short; None when no instance is
/// configured (or no answer came yet): then the header says nothing.
pub fn dagster_label(s: Option<&StatusView>) -> Option<(String, String)> {
    let s = s?;
    Some(if !s.reachable {
        ("dagster: unreachable".into(), "dg: down".into())
    } else if s.error.is_some() {
        ("dagster: error".into(), "dg: error".into())
    } else {
        let n = s.locations.len();
        let broken = s.locations.iter().filter(|l| l.status == "error").count();
        let what = if n == 1 { "location" } else { "locations" };
        if broken > 0 {
            (
                format!("dagster: ok ({n} {what}, {broken} broken)"),
                "dg: broken".into(),
            )
        } else {
            (format!("dagster: ok ({n} {what})"), "dg: ok".into())
        }
    })
}

pub fn draw(f: &mut Frame<'_>, area: Rect, app: &Chrome<'_>) {
    let t = app.theme;
    let mut spans = vec![Span::styled(lead(), t.accent), Span::raw(" ")];
    for (i, (_, label)) in tabs(area.width, app.active).into_iter().enumerate() {
        let style = if i == app.active { t.selected } else { t.dim };
        spans.push(Span::styled(label, style));
    }
    let local = app.now.with_timezone(&app.tz);
    let day = local.format("%a %Y-%m-%d %H:%M %Z").to_string();
    let time = local.format("%H:%M").to_string();
    let who = app.scheduler.clone();
    let mouse = if app.mouse { "" } else { "mouse off · " };
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let room = (area.width as usize).saturating_sub(used + 1);
    let short_who = who.split(" pid ").next().unwrap_or("").to_string();
    // The widest that fits: the clock shrinks first, then the scheduler's
    // words, then Dagster's.
    let right = match dagster_label(app.dagster) {
        None => vec![
            format!("{mouse}scheduler: {who} · {day} "),
            format!("{mouse}scheduler: {who} · {time} "),
            format!("scheduler: {who} "),
            format!("sched: {short_who} "),
        ],
        Some((dg, dg_short)) => vec![
            format!("{dg} · {mouse}scheduler: {who} · {day} "),
            format!("{dg} · {mouse}scheduler: {who} · {time} "),
            format!("{dg} · scheduler: {who} "),
            format!("{dg} · sched: {short_who} "),
            format!("{dg_short} · sched: {short_who} "),
            format!("{dg_short} "),
        ],
    }
    .into_iter()
    .find(|r| text::width(r) <= room);
    if let Some(right) = right {
        let gap = (area.width as usize).saturating_sub(used + text::width(&right));
        spans.push(Span::raw(" ".repeat(gap)));
        spans.push(Span::styled(right, t.dim));
    }
    f.render_widget(Paragraph::new(Line::from(spans)).style(t.bar), area);
}
