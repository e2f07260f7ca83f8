//! The TUI shows what notifications and results add: the Dashboard's line
//! about failed notifications, and an opened run's result link and its
//! delivery failure — with control characters neutralised.

use chrono::{TimeZone, Utc};
use jr::clock::Clock;
use jr::domain::Trigger;
use jr::engine::Engine;
use jr::engine::jobs::JobDef;
use jr::store::Store;
use jr::store::runs::Finish;
use jr::tui::headless::Headless;

fn engine() -> Engine {
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap();
    let tz: chrono_tz::Tz = "Asia/Seoul".parse().unwrap();
    Engine::new(Store::open_in_memory().unwrap(), Clock::Fixed(now), tz)
}

#[test]
fn the_dashboard_and_an_opened_run_show_links_and_failed_notifications() {
    let e = engine();
    e.add_job(&JobDef {
        name: "report".into(),
        kind: "shell".into(),
        command: "true".into(),
        enabled: true,
        ..Default::default()
    })
    .unwrap();
    let run = e.queue_run("report", Trigger::Manual).unwrap();
    e.finish_run(
        run.id,
        &Finish {
            status: jr::domain::RunStatus::Success,
            exit_code: Some(0),
            error: None,
            result: Some("리포트: https://example.com/r/7 \u{1b}[2J"),
        },
    )
    .unwrap();
    e.store()
        .write(|tx| {
            jr::store::notify::set_error(
                tx,
                run.id,
                Some("hook: HTTP 500: 서버 오류\u{1b}]0;pwned\u{7} (after 5 tries)"),
            )
        })
        .unwrap();
    let mut h = Headless::new(e, (100, 30));
    let s = h.screen();
    assert!(
        s.contains("1 notification failed: #1 report: hook: HTTP"),
        "{s}"
    );
    assert!(!s.contains('\u{1b}') && !s.contains('\u{7}'), "{s:?}");
    h.key("4");
    h.key("<Enter>");
    let s = h.screen();
    assert!(s.contains("→ https://example.com/r/7"), "{s}");
    assert!(s.contains("notify failed: hook: HTTP 500"), "{s}");
    assert!(!s.contains('\u{1b}') && !s.contains('\u{7}'), "{s:?}");
}
