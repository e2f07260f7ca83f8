//! Run Now in the TUI (headless, a real database file) on a job that
//! declares parameters: a small form prefilled with the defaults; Enter
//! queues the run with the values typed, Esc runs nothing. A job without
//! parameters still runs at once.

use jr::clock::Clock;
use jr::engine::{Engine, RunFilter};
use jr::store::Store;
use jr::tui::headless::Headless;
use jr::tui::panes::jobs::JobsPane;

fn engine(path: &std::path::Path) -> Engine {
    Engine::new(
        Store::open(path).unwrap(),
        Clock::System,
        "Asia/Seoul".parse().unwrap(),
    )
}

fn runs(e: &Engine) -> Vec<jr::domain::Run> {
    e.list_runs(&RunFilter {
        limit: 100,
        ..RunFilter::default()
    })
    .unwrap()
}

#[test]
fn run_now_asks_for_the_parameters_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jr.db");
    let e = engine(&path);
    let mut def = jr::engine::jobs::JobDef {
        name: "backup".into(),
        kind: "shell".into(),
        enabled: true,
        command: "echo $JR_PARAM_TARGET".into(),
        ..Default::default()
    };
    def.params.insert("target".into(), "local".into());
    def.params.insert("mode".into(), "full".into());
    e.add_job(&def).unwrap();
    e.add_job(&jr::engine::jobs::JobDef {
        name: "plain".into(),
        kind: "shell".into(),
        enabled: true,
        command: "true".into(),
        ..Default::default()
    })
    .unwrap();

    let mut h = Headless::new(engine(&path), (80, 24));
    h.key("3");
    assert!(h.screen().contains("backup"), "{}", h.screen());
    // backup is first: Run Now opens the form at the defaults.
    h.key("r");
    let s = h.screen();
    assert!(s.contains("Run backup with"), "{s}");
    assert!(s.contains("mode") && s.contains("full"), "{s}");
    assert!(s.contains("target") && s.contains("local"), "{s}");
    assert!(runs(&e).is_empty(), "nothing runs before Enter");
    // Esc: nothing run.
    h.key("<Esc>");
    let pane: &JobsPane = h.app.pane_state().unwrap();
    assert!(pane.run_form.is_none());
    assert!(runs(&e).is_empty());

    h.key("r");
    h.key("<Tab>");
    h.key("<C-u>");
    h.type_text("나스");
    assert!(h.screen().contains("나스"), "{}", h.screen());
    h.key("<Enter>");
    let pane: &JobsPane = h.app.pane_state().unwrap();
    assert!(pane.run_form.is_none(), "{}", h.screen());
    let all = runs(&e);
    assert_eq!(all.len(), 1);
    let p = all[0].params.clone().unwrap();
    assert_eq!(p["target"], "나스");
    assert_eq!(p["mode"], "full");
    assert!(h.screen().contains("queued run #"), "{}", h.screen());

    // A job without parameters runs at once, as before.
    h.key("j");
    h.key("r");
    let pane: &JobsPane = h.app.pane_state().unwrap();
    assert!(pane.run_form.is_none());
    let all = runs(&e);
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].job, "plain");
}
