//! The colour of a run's status, shared by `jr jobs`, `jr runs` and `jr tasks`.

use super::output;

/// The style a run status is painted in.
pub fn run_status_style(s: &str) -> anstyle::Style {
    match s {
        "success" => output::GREEN,
        "failed" | "timeout" | "lost" | "interrupted" => output::RED,
        "running" | "queued" => output::CYAN,
        "skipped" | "missed" | "cancelled" => output::YELLOW,
        _ => anstyle::Style::new(),
    }
}
