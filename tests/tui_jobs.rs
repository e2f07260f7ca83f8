//! Headless flows of the Jobs and Runs panes against a real database file,
//! checked through a second connection; Run Now is carried out by the TUI's
//! own scheduler thread, as in the real binary.

use std::time::{Duration, Instant};

use jr::clock::Clock;
use jr::domain::{RunStatus, Trigger};
use jr::engine::Engine;
use jr::engine::RunFilter;
use jr::store::Store;
use jr::tui::headless::Headless;
use jr::tui::panes::jobs::JobsPane;
use jr::tui::sched::{SchedulerHandle, SchedulerSetup};

struct Db {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl Db {
    fn new() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jr.db");
        Db { _dir: dir, path }
    }

    fn engine(&self) -> Engine {
        Engine::new(
            Store::open(&self.path).unwrap(),
            Clock::System,
            "Asia/Seoul".parse().unwrap(),
        )
    }

    fn runs(&self) -> Vec<jr::domain::Run> {
        self.engine()
            .list_runs(&RunFilter {
                limit: 100,
                ..RunFilter::default()
            })
            .unwrap()
    }
}

fn jobs(h: &Headless) -> &JobsPane {
    h.app.pane_state().unwrap()
}

/// The TUI's scheduler, holding the lease before this returns.
fn scheduler(db: &Db) -> SchedulerHandle {
    let (tx, rx) = std::sync::mpsc::channel();
    let s = jr::tui::sched::start(
        SchedulerSetup {
            engine: db.engine(),
            settings: jr::engine::scheduler::Settings::from_config(
                &jr::config::Config::default(),
                "tui",
            ),
            me: jr::engine::runs::Me::this_process(),
        },
        move |ours| {
            let _ = tx.send(ours);
        },
    )
    .unwrap();
    assert!(rx.recv_timeout(Duration::from_secs(10)).unwrap());
    s
}

/// Poll as the worker does until `pred` holds (at most 20 s).
fn until(h: &mut Headless, what: &str, pred: impl Fn(&Headless) -> bool) {
    let start = Instant::now();
    while !pred(h) {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "waited for {what}; the screen is:\n{}",
            h.screen()
        );
        if !h.poll() {
            std::thread::park_timeout(Duration::from_millis(20));
        }
    }
}

#[test]
fn a_job_added_through_the_form_is_enabled_paused_run_and_deleted() {
    let db = Db::new();
    let e = db.engine();
    let mut h = Headless::new(db.engine(), (80, 24));
    h.key("3");
    assert!(h.screen().contains("No jobs yet"), "{}", h.screen());
    h.key("a");
    h.type_text("hello");
    h.key("<Tab>");
    h.type_text("0 7 * * 1-");
    assert!(h.screen().contains("✗"), "{}", h.screen());
    h.type_text("5");
    assert!(
        h.screen().contains("✓ weekdays at 07:00 KST"),
        "{}",
        h.screen()
    );
    h.key("<Tab>");
    h.key("<Tab>");
    h.type_text("echo 안녕하세요");
    h.key("<Enter>");
    assert!(jobs(&h).form.is_none(), "{}", h.screen());
    let job = e.get_job("hello").unwrap();
    assert_eq!(job.schedule.as_deref(), Some("0 7 * * 1-5"));
    assert!(job.enabled);
    assert!(h.screen().contains("added job hello"));
    assert!(h.screen().contains("weekdays at 07:00 KST"));

    h.key("<Space>");
    assert!(!e.get_job("hello").unwrap().enabled);
    assert!(h.screen().contains("paused"), "{}", h.screen());
    h.key("t");
    assert!(e.get_job("hello").unwrap().enabled);

    // Run Now only queues: with no scheduler it waits, and says so.
    h.key("r");
    let runs = db.runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].trigger, Trigger::Manual);
    assert_eq!(runs[0].status, RunStatus::Queued);
    assert!(h.screen().contains("no scheduler"), "{}", h.screen());

    // Editing keeps the name unless changed; a bad cron cannot be saved.
    h.key("e");
    h.key("<Tab>");
    h.key("<C-u>");
    h.type_text("61 * * * *");
    h.key("<Enter>");
    assert!(jobs(&h).form.is_some());
    h.key("<C-u>");
    h.type_text("@daily");
    h.key("<Enter>");
    assert_eq!(
        e.get_job("hello").unwrap().schedule.as_deref(),
        Some("@daily")
    );

    h.key("D");
    assert!(h.screen().contains("Delete job hello?"));
    h.key("n");
    assert!(e.get_job("hello").is_ok());
    h.key("D");
    h.key("y");
    assert!(e.get_job("hello").is_err());
    assert_eq!(db.runs().len(), 1, "the history stays");
}

#[test]
fn run_now_is_started_by_the_tuis_own_scheduler() {
    let db = Db::new();
    db.engine()
        .add_job(&jr::engine::jobs::JobDef {
            name: "greet".into(),
            kind: "shell".into(),
            enabled: true,
            command: "echo 안녕 && sleep 0.2".into(),
            ..Default::default()
        })
        .unwrap();
    let sched = scheduler(&db);
    let mut h = Headless::new(db.engine(), (80, 24));
    h.send(jr::tui::action::Action::Scheduling(true));
    h.key("3");
    assert!(h.screen().contains("never ran"), "{}", h.screen());
    h.key("r");
    assert!(
        h.screen().contains("the scheduler (tui) starts it"),
        "{}",
        h.screen()
    );
    until(&mut h, "the run to succeed", |h| {
        jobs(h).rows[0]
            .last
            .is_some_and(|(_, s)| s == RunStatus::Success)
    });
    assert!(h.screen().contains("success"), "{}", h.screen());
    let runs = db.runs();
    assert_eq!(runs[0].status, RunStatus::Success);
    assert_eq!(runs[0].trigger, Trigger::Manual);
    sched.stop(|| {});
}
