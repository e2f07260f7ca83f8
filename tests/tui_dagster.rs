//! The Dagster pane's Assets view against a real `dagster dev`
//! (tests/dagster/defs.py: raw_events → cleaned_events → daily_report, a
//! check on cleaned_events, the partitioned region_files, the failing
//! broken_asset, and the `broken` location that fails to import), driven
//! through the headless app as a user would: `9`, `v`, the list and the
//! lineage, `m` to materialize (a partition asked for, a wrong one refused),
//! and snapshots at 80×24 and 160×48 of the list before anything ran (times,
//! the port and the heartbeat's age filtered out). This binary starts its
//! own Dagster, so nothing else has materialized anything yet.

mod common;

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use common::dagster::{Dagster, shared};
use jr::clients::dagster::settings::{DagsterConfig, InstanceConfig, Settings};
use jr::clock::Clock;
use jr::engine::Engine;
use jr::store::Store;
use jr::tui::action::Action;
use jr::tui::headless::Headless;
use jr::tui::panes::dagster::DagsterPane;

fn engine_at(url: &str) -> Engine {
    let tz: chrono_tz::Tz = "Asia/Seoul".parse().unwrap();
    let mut cfg = DagsterConfig::default();
    cfg.instances.insert(
        "test".into(),
        InstanceConfig {
            url: url.into(),
            headers: Default::default(),
        },
    );
    // A frozen clock for the header; Dagster's own times are filtered.
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap();
    Engine::new(Store::open_in_memory().unwrap(), Clock::Fixed(now), tz)
        .with_dagster(Settings::resolve(&cfg, None, |_| None))
}

fn pane(h: &Headless) -> &DagsterPane {
    h.app.pane_state().unwrap()
}

/// What changes from run to run: the port, the heartbeat's age, times.
fn steady(screen: &str, d: &Dagster) -> String {
    let s = screen.replace(&d.url, "http://127.0.0.1:PORT");
    // The age, and the warning a slow heartbeat on a loaded machine adds.
    let age = regex::Regex::new(r"(?m)daemon heartbeat [^│]*│$").unwrap();
    let at = regex::Regex::new(r"\d\d-\d\d \d\d:\d\d").unwrap();
    let s = age.replace_all(&s, "daemon heartbeat (its age) │");
    at.replace_all(&s, "MM-DD hh:mm").into_owned()
}

/// Ctrl-R until `done` holds for the screen (bounded).
fn until(h: &mut Headless, what: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        h.send(Action::Refresh);
        let s = h.screen();
        if done(&s) {
            return s;
        }
        assert!(Instant::now() < deadline, "{what} never showed:\n{s}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Select the asset with this key in the list.
fn select(h: &mut Headless, key: &str) {
    h.key("g");
    for _ in 0..20 {
        if pane(h).assets.selected().map(|a| a.key.as_str()) == Some(key) {
            return;
        }
        h.key("j");
    }
    panic!("no asset {key}:\n{}", h.screen());
}

fn the_row<'a>(screen: &'a str, key: &str) -> &'a str {
    screen
        .lines()
        .find(|l| {
            l.trim_start_matches(['▌', ' '])
                .starts_with(&format!("{key} "))
        })
        .unwrap_or_else(|| panic!("no row {key}:\n{screen}"))
}

#[test]
fn assets_are_listed_with_lineage_and_materialized_from_the_pane() {
    let d = shared();
    // The list before anything ran, at both sizes.
    for size in [(80, 24), (160, 48)] {
        let mut h = Headless::new(engine_at(&d.url), size);
        h.key("9");
        h.key("v");
        let s = until(&mut h, "the daemon's heartbeat and the assets", |s| {
            s.contains("daemon heartbeat")
                && !s.contains("no daemon heartbeat")
                && s.contains("region_files")
        });
        assert!(s.contains("broken failed to load"), "{s}");
        insta::assert_snapshot!(
            format!("dagster_assets_{}x{}", size.0, size.1),
            steady(&s, d)
        );
    }
    let mut h = Headless::new(engine_at(&d.url), (160, 48));
    h.key("9");
    h.key("v");
    // The Korean description keeps the columns after it.
    let s = h.screen();
    let raw = the_row(&s, "raw_events");
    assert!(raw.contains("원본 이벤트"), "{raw}");
    // The detail column's border comes at the same column after it as after
    // an English description.
    let border = |l: &str| {
        let at = l.find('│').unwrap_or_else(|| panic!("no border in {l}"));
        unicode_width::UnicodeWidthStr::width(&l[..at])
    };
    let plain = the_row(&s, "cleaned_events");
    assert_eq!(border(raw), border(plain), "{raw}\n{plain}");
    assert_eq!(border(raw), 160 - 48, "{raw}");
    // Lineage: Enter steps in, j moves, Enter goes to that asset.
    select(&mut h, "cleaned_events");
    let s = h.screen();
    assert!(
        s.contains("↑ raw_events") && s.contains("↓ daily_report"),
        "{s}"
    );
    assert!(s.contains("cleaned_events_non_negative"), "{s}");
    h.key("<Enter>");
    assert!(pane(&h).assets.in_lineage);
    h.key("j");
    h.key("<Enter>");
    assert_eq!(
        pane(&h).assets.selected().map(|a| a.key.as_str()),
        Some("daily_report")
    );
    assert!(!pane(&h).assets.in_lineage);
    h.key("<Enter>");
    h.key("<Esc>");
    assert!(!pane(&h).assets.in_lineage);
    // Materialize raw_events: asked first, then launched and followed to
    // its end by reloading.
    select(&mut h, "raw_events");
    h.key("m");
    assert!(
        h.screen().contains("Materialize the asset raw_events?"),
        "{}",
        h.screen()
    );
    // Headless, the pane's follow of the run is answered when it ends.
    h.key("y");
    let n = h.app.notice.clone().expect("a notice");
    assert!(
        !n.error
            && n.text
                .starts_with("materialized raw_events in jr_tests (Dagster run "),
        "{n:?}"
    );
    // Dagster may report the run's success a moment before the asset's
    // staleness catches up: wait for both.
    until(&mut h, "raw_events materialized and fresh", |s| {
        let row = the_row(s, "raw_events");
        row.contains("SUCCESS") && row.contains("fresh")
    });
    // A materialization that fails is an error notice with the run's link.
    select(&mut h, "broken_asset");
    h.key("m");
    h.key("y");
    let n = h.app.notice.clone().expect("a notice");
    assert!(
        n.error
            && n.text
                .starts_with("materializing broken_asset in jr_tests ended FAILURE")
            && n.text.contains(&format!("its log: {}/runs/", d.url)),
        "{n:?}"
    );
    until(&mut h, "broken_asset failed", |s| {
        the_row(s, "broken_asset").contains("FAILURE")
    });
    // A partitioned asset asks which partition; a wrong one is refused
    // with the ones it has, a right one goes.
    select(&mut h, "region_files");
    h.key("m");
    assert!(
        h.screen().contains("which partition of 3?"),
        "{}",
        h.screen()
    );
    h.type_text("화성");
    h.key("<Enter>");
    h.key("y");
    let n = h.app.notice.clone().expect("a notice");
    assert!(
        n.error && n.text.contains("has no partition \"화성\"") && n.text.contains("kr"),
        "{n:?}"
    );
    h.key("m");
    h.type_text("kr");
    h.key("<Enter>");
    assert!(
        h.screen()
            .contains("Materialize the asset region_files, partition kr?"),
        "{}",
        h.screen()
    );
    h.key("y");
    let n = h.app.notice.clone().expect("a notice");
    assert!(
        !n.error && n.text.contains("region_files in jr_tests (partition kr)"),
        "{n:?}"
    );
    until(&mut h, "one partition of region_files", |s| {
        s.contains("partitions 1/3")
    });
    // `y` copies the asset's Dagster link.
    h.key("y");
    assert!(
        matches!(h.effects.last(), Some(jr::tui::effect::Effect::Copy(u))
            if u == &format!("{}/assets/region_files", d.url)),
        "{:?}",
        h.effects
    );
    // Back to the jobs and again: the list is kept.
    h.key("v");
    assert!(h.screen().contains("hello"), "{}", h.screen());
    h.key("v");
    assert_eq!(
        pane(&h).assets.selected().map(|a| a.key.as_str()),
        Some("region_files")
    );
}

#[test]
fn an_unreachable_dagster_is_the_panes_error_and_the_tui_keeps_running() {
    let quiet = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", quiet.local_addr().unwrap());
    drop(quiet);
    let mut h = Headless::new(engine_at(&url), (80, 24));
    h.key("9");
    h.key("v");
    let s = h.screen();
    assert!(s.contains("does not answer"), "{s}");
    h.key("m");
    h.key("<Enter>");
    h.send(Action::Refresh);
    h.key("2");
    assert!(h.screen().contains("Tasks"), "{}", h.screen());
}
