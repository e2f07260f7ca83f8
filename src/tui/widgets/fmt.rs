//! Small formatting shared by the views: a time in the user's zone, a
//! duration for people, a run status's colour.

use chrono::{DateTime, Utc};
use ratatui::style::Style;

use crate::domain::{Run, RunStatus};
use crate::tui::pane::View;
use crate::tui::theme::Theme;

/// "11-22 10:00" in the user's zone.
pub fn when(t: DateTime<Utc>, v: &View<'_>) -> String {
    t.with_timezone(&v.tz).format("%m-%d %H:%M").to_string()
}

/// How long it took, or has been running.
pub fn took(r: &Run, now: DateTime<Utc>) -> String {
    match (r.duration_ms, r.started_at) {
        (Some(ms), _) => short_duration(ms.max(0) as u64),
        (None, Some(s)) if r.status.is_active() => {
            short_duration((now - s).num_milliseconds().max(0) as u64) + "…"
        }
        _ => String::new(),
    }
}

/// A duration for people: 850ms, 12s, 3m 20s, 1h 05m.
pub fn short_duration(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0 => format!("{ms}ms"),
        1..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
    }
}

pub fn run_style(t: &Theme, s: RunStatus) -> Style {
    match s {
        RunStatus::Success => t.ok,
        RunStatus::Running | RunStatus::Queued => t.accent,
        s if s.is_failure() => t.error,
        _ => t.dim,
    }
}
