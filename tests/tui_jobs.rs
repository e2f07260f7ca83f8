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
            settings: jr::drive::Settings::from_config(&jr::config::Config::default(), "tui"),
            me: jr::engine::lease::Me::this_process(),
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
    // The run appears in the Runs pane and finishes there.
    h.key("4");
    until(&mut h, "the run to succeed", |h| {
        runs_pane(h)
            .list
            .rows
            .first()
            .is_some_and(|r| r.status == RunStatus::Success)
    });
    let s = h.screen();
    assert!(s.contains("greet") && s.contains("manual"), "{s}");
    let runs = db.runs();
    assert_eq!(runs[0].status, RunStatus::Success);
    assert_eq!(runs[0].trigger, Trigger::Manual);
    // The Jobs pane shows it as the last run.
    h.key("3");
    assert_eq!(jobs(&h).rows[0].last.map(|l| l.1), Some(RunStatus::Success));
    // Run Now from the palette, by the job's name.
    h.key(":");
    h.type_text("run greet");
    h.key("<Enter>");
    until(&mut h, "the second run to succeed", |_| {
        let runs = db.runs();
        runs.len() == 2 && runs[0].status == RunStatus::Success
    });
    sched.stop(|| {});
}

fn add_job(db: &Db, name: &str, command: &str) {
    db.engine()
        .add_job(&jr::engine::jobs::JobDef {
            name: name.into(),
            kind: "shell".into(),
            enabled: true,
            command: command.into(),
            ..Default::default()
        })
        .unwrap();
}

fn runs_pane(h: &Headless) -> &jr::tui::panes::runs::RunsPane {
    h.app.pane_state().unwrap()
}

#[test]
fn an_opened_run_follows_its_output_and_can_be_cancelled() {
    let db = Db::new();
    add_job(&db, "slow", "for i in 1 2 3; do echo 줄$i; sleep 0.3; done");
    add_job(&db, "forever", "echo started; sleep 30");
    let sched = scheduler(&db);
    let mut h = Headless::new(db.engine(), (100, 30));
    h.key("3");
    h.key("j");
    h.key("r");
    h.key("<Enter>");
    assert_eq!(h.app.pane_id(), jr::tui::pane::PaneId::Runs);
    assert_eq!(runs_pane(&h).filter_text, "job:slow");
    until(&mut h, "the run in the list", |h| {
        !runs_pane(h).list.rows.is_empty()
    });
    h.key("<Enter>");
    until(&mut h, "all three lines, followed", |h| {
        h.screen().contains("줄3")
    });
    until(&mut h, "the run to end", |h| h.screen().contains("success"));
    let s = h.screen();
    assert!(s.contains("줄1") && s.contains("줄2"), "{s}");

    // Cancel a running one: asked first, then stopped by the scheduler.
    h.key("<Esc>");
    h.key("3");
    h.key("k");
    h.key("r");
    h.key("4");
    h.key("<Esc>");
    h.key("/");
    h.type_text("job:forever");
    h.key("<Enter>");
    until(&mut h, "it to run", |h| {
        runs_pane(h)
            .list
            .rows
            .first()
            .is_some_and(|r| r.status == RunStatus::Running)
    });
    h.key("<Enter>");
    until(&mut h, "its first line", |h| h.screen().contains("started"));
    h.key("x");
    assert!(h.screen().contains("Cancel run #"), "{}", h.screen());
    h.key("y");
    until(&mut h, "it to be cancelled", |h| {
        h.screen().contains("cancelled")
    });
    assert_eq!(db.runs()[0].status, RunStatus::Cancelled);
    sched.stop(|| {});
}

#[test]
fn a_long_history_is_paged_never_loaded_whole() {
    let db = Db::new();
    add_job(&db, "many", "true");
    db.engine()
        .store()
        .write(|tx| {
            let mut st = tx.prepare(
                "INSERT INTO runs (job_id, job, status, trigger, queued_at, duration_ms) \
                 VALUES (1, 'many', ?1, 'schedule', ?2, 5)",
            )?;
            for i in 0..20_000i64 {
                st.execute(rusqlite::params![
                    if i % 7 == 0 { "failed" } else { "success" },
                    i * 1000
                ])?;
            }
            Ok(())
        })
        .unwrap();
    let mut h = Headless::new(db.engine(), (80, 24));
    h.key("4");
    let l = &runs_pane(&h).list;
    assert_eq!(l.selected_run().unwrap().id, 20_000);
    h.key("G");
    assert_eq!(runs_pane(&h).list.selected_run().unwrap().id, 1);
    for _ in 0..500 {
        h.key("k");
        assert!(runs_pane(&h).list.rows.len() <= 300);
    }
    assert_eq!(runs_pane(&h).list.selected_run().unwrap().id, 501);
    h.key("/");
    h.type_text("status:failed");
    h.key("<Enter>");
    let l = &runs_pane(&h).list;
    assert!(l.rows.iter().all(|r| r.status == RunStatus::Failed));
    // Run ids start at 1 and every seventh from the first failed: 20,000 did.
    assert_eq!(l.selected_run().unwrap().id, 20_000);
    assert!(h.screen().contains("older below"), "{}", h.screen());
}

#[test]
fn runs_per_day_are_counted_by_local_day_without_loading_runs() {
    use chrono::TimeZone;
    let dir = tempfile::tempdir().unwrap();
    // Sunday 2026-11-22 10:00 in Seoul.
    let now = chrono::Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap();
    let e = Engine::new(
        Store::open(&dir.path().join("jr.db")).unwrap(),
        Clock::Fixed(now),
        "Asia/Seoul".parse().unwrap(),
    );
    let ms = |h: i64| (now + chrono::Duration::hours(h)).timestamp_millis();
    let rows: &[(i64, &str)] = &[
        (-1, "success"),  // today 09:00 KST
        (-9, "failed"),   // today 01:00 KST
        (-11, "success"), // yesterday 23:00 KST
        (-11, "timeout"),
        (-11, "skipped"),      // neither
        (-14 * 24, "success"), // 14 days ago: outside
    ];
    e.store()
        .write(|tx| {
            for (h, status) in rows {
                tx.execute(
                    "INSERT INTO runs (job, status, trigger, queued_at) VALUES ('x', ?1, 'manual', ?2)",
                    rusqlite::params![status, ms(*h)],
                )?;
            }
            Ok(())
        })
        .unwrap();
    let days = e.runs_per_day(14).unwrap();
    assert_eq!(days.len(), 14);
    let today = days.last().unwrap();
    assert_eq!(today.day.to_string(), "2026-11-22");
    assert_eq!((today.success, today.failure), (1, 1));
    let y = &days[12];
    assert_eq!((y.success, y.failure), (1, 1));
    assert_eq!(days.iter().map(|d| d.success + d.failure).sum::<i64>(), 4);
    let fails = e.recent_failures(5).unwrap();
    assert_eq!(
        fails.iter().map(|r| r.status.as_str()).collect::<Vec<_>>(),
        vec!["timeout", "failed"]
    );
}

/// Thousands of jobs: the pane reads a window of them in full (recent runs,
/// next fire) and counts the rest; moving to the end, or selecting a job by
/// name (the palette), brings the window along.
#[test]
fn the_jobs_pane_is_paged_for_thousands_of_jobs() {
    let db = Db::new();
    let e = db.engine();
    for i in 0..450 {
        e.add_job(&jr::engine::jobs::JobDef {
            name: format!("job-{i:04}"),
            kind: "shell".into(),
            enabled: i % 3 != 0,
            command: "true".into(),
            schedule: Some("0 3 * * *".into()),
            ..Default::default()
        })
        .unwrap();
    }
    let mut h = Headless::new(db.engine(), (100, 30));
    h.key("3");
    let p = jobs(&h);
    assert_eq!((p.total, p.enabled), (450, 300));
    assert!(
        p.rows.len() <= jr::tui::worker::JOBS_WINDOW,
        "{}",
        p.rows.len()
    );
    assert!(
        h.screen().contains("450 jobs: 300 enabled, 150 paused"),
        "{}",
        h.screen()
    );
    h.key("G");
    let p = jobs(&h);
    assert_eq!(p.list.selected, 449);
    assert_eq!(p.selected().map(|r| r.job.name.as_str()), Some("job-0449"));
    assert!(h.screen().contains("job-0449"), "{}", h.screen());
    h.send(jr::tui::action::Action::SelectJob("job-0201".into()));
    let p = jobs(&h);
    assert_eq!(p.selected().map(|r| r.job.name.as_str()), Some("job-0201"));
    h.key("g");
    let p = jobs(&h);
    assert_eq!(p.selected().map(|r| r.job.name.as_str()), Some("job-0000"));
    assert!(h.screen().contains("job-0000"), "{}", h.screen());
}
