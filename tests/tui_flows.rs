//! Headless flows: the app driven by key presses against a real database
//! file, checked through a second connection, as another process would see it.

use chrono::{TimeZone, Utc};
use jr::clock::Clock;
use jr::domain::{NewTask, Source, TaskStatus};
use jr::engine::Engine;
use jr::store::Store;
use jr::store::tasks::TaskFilter;
use jr::tui::headless::Headless;
use jr::tui::panes::tasks::TasksPane;

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
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap();
        Engine::new(
            Store::open(&self.path).unwrap(),
            Clock::Fixed(now),
            "Asia/Seoul".parse().unwrap(),
        )
    }

    /// On the real clock: what the scheduler and lease need.
    fn live_engine(&self) -> Engine {
        Engine::new(
            Store::open(&self.path).unwrap(),
            Clock::System,
            "Asia/Seoul".parse().unwrap(),
        )
    }

    fn all(&self) -> Vec<jr::domain::Task> {
        self.engine()
            .list_tasks(&TaskFilter {
                all: true,
                ..TaskFilter::default()
            })
            .unwrap()
    }
}

fn tasks(h: &Headless) -> &TasksPane {
    h.app.pane_state().unwrap()
}

fn add(e: &Engine, title: &str) -> i64 {
    e.add_task(
        NewTask {
            title: title.into(),
            ..NewTask::default()
        },
        Source::Cli,
    )
    .unwrap()
    .id
}

#[test]
fn a_task_added_through_the_form_is_in_the_database() {
    let db = Db::new();
    let mut h = Headless::new(db.engine(), (80, 24));
    h.key("2");
    h.key("a");
    h.type_text("한글 제목으로 할 일");
    h.key("<Tab>");
    h.key("<C-u>");
    h.type_text("p1");
    h.key("<Tab>");
    h.type_text("tomorrow");
    h.key("<Tab>");
    h.type_text("집안일 work");
    h.key("<Enter>");
    assert!(tasks(&h).form.is_none(), "the form closes once saved");
    let all = db.all();
    assert_eq!(all.len(), 1);
    let t = &all[0];
    assert_eq!(t.title, "한글 제목으로 할 일");
    assert_eq!(t.priority.to_string(), "p1");
    assert_eq!(t.tags, vec!["work", "집안일"]);
    assert_eq!(t.source, "tui");
    assert!(t.due.is_some());
    assert!(h.screen().contains("added #1 한글 제목으로 할 일"));
    assert!(h.screen().contains("한글 제목으로 할 일"));
}

#[test]
fn the_status_flow_split_claim_and_delete_from_keys() {
    let db = Db::new();
    let e = db.engine();
    let id = add(&e, "보고서 쓰기");
    let mut h = Headless::new(db.engine(), (80, 24));
    h.key("2");
    h.key("s");
    assert_eq!(e.get_task(id).unwrap().status, TaskStatus::InProgress);
    h.key("r");
    assert_eq!(e.get_task(id).unwrap().status, TaskStatus::Review);
    h.key("c");
    assert_eq!(
        e.get_task(id).unwrap().claimed_by.as_deref(),
        Some("tester")
    );
    h.key("C");
    assert_eq!(e.get_task(id).unwrap().claimed_by, None);
    h.key("S");
    h.type_text("초안; 검토 받기");
    h.key("<Enter>");
    assert_eq!(e.task_detail(id).unwrap().subtasks.len(), 2);
    // A parent with open sub-tasks cannot be done: the engine's error is a notice.
    h.key("g");
    h.key("d");
    assert!(
        h.screen().contains("still has open sub-tasks"),
        "{}",
        h.screen()
    );
    // Delete asks first; n keeps, y deletes.
    h.key("j");
    let child = tasks(&h).list.selected_row().unwrap().task.id;
    h.key("D");
    assert!(h.screen().contains("Delete #"));
    h.key("n");
    assert!(e.get_task(child).is_ok());
    h.key("D");
    h.key("y");
    assert!(e.get_task(child).is_err());
}

#[test]
fn an_edit_through_the_form_changes_only_what_was_changed() {
    let db = Db::new();
    let e = db.engine();
    let id = add(&e, "원래 제목");
    let mut h = Headless::new(db.engine(), (80, 24));
    h.key("2");
    h.key("e");
    h.key("<C-u>");
    h.type_text("바뀐 제목");
    h.key("<Enter>");
    let t = e.get_task(id).unwrap();
    assert_eq!(t.title, "바뀐 제목");
    let fields: Vec<String> = e
        .task_detail(id)
        .unwrap()
        .events
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(fields, vec!["created", "title"]);
}

#[test]
fn writes_by_another_process_show_up_after_a_poll() {
    let db = Db::new();
    let mut h = Headless::new(db.engine(), (80, 24));
    h.key("2");
    assert!(!h.poll(), "nothing changed yet");
    let other = db.engine();
    add(&other, "다른 프로세스가 추가함");
    assert!(h.poll());
    assert!(h.screen().contains("다른 프로세스가 추가함"));
    // Our own writes do not count as outside changes.
    h.key("d");
    assert!(!h.poll());
}

#[test]
fn a_long_list_is_paged_never_loaded_whole() {
    let db = Db::new();
    let e = db.engine();
    e.store()
        .write(|tx| {
            for i in 0..3000 {
                tx.execute(
                    "INSERT INTO tasks (title, created_at, updated_at) VALUES (?1, 0, 0)",
                    [format!("작업 {i}")],
                )?;
            }
            Ok(())
        })
        .unwrap();
    let mut h = Headless::new(db.engine(), (80, 24));
    h.key("2");
    assert!(tasks(&h).list.rows.len() <= 200);
    assert_eq!(tasks(&h).list.total, 3000);
    h.key("G");
    let l = &tasks(&h).list;
    assert!(l.rows.len() <= 200);
    assert_eq!(l.selected_row().unwrap().task.title, "작업 2999");
    assert!(h.screen().contains("of 3000"));
    for _ in 0..300 {
        h.key("k");
    }
    assert_eq!(
        tasks(&h).list.selected_row().unwrap().task.title,
        "작업 2699"
    );
    h.key("g");
    assert_eq!(tasks(&h).list.selected_row().unwrap().task.title, "작업 0");
}

fn settings() -> jr::drive::Settings {
    jr::drive::Settings::from_config(&jr::config::Config::default(), "tui")
}

/// The TUI's scheduler on its own thread, reporting when it holds the lease.
fn tui_scheduler(
    db: &Db,
) -> (
    jr::tui::sched::SchedulerHandle,
    std::sync::mpsc::Receiver<bool>,
) {
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = jr::tui::sched::start(
        jr::tui::sched::SchedulerSetup {
            engine: db.live_engine(),
            settings: settings(),
            me: jr::engine::lease::Me::this_process(),
        },
        move |ours| {
            let _ = tx.send(ours);
        },
    )
    .unwrap();
    (handle, rx)
}

#[test]
fn the_tui_schedules_when_nobody_does_and_gives_the_lease_back() {
    let db = Db::new();
    let (sched, holding) = tui_scheduler(&db);
    let ours = holding
        .recv_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    assert!(ours);
    let lease = db.live_engine().lease().unwrap().expect("a lease row");
    assert_eq!(lease.role, "tui");
    assert_eq!(lease.pid, std::process::id() as i64);
    let mut h = Headless::new(db.live_engine(), (80, 24));
    h.send(jr::tui::action::Action::Scheduling(true));
    assert!(
        h.screen().contains("sched: this TUI") || h.screen().contains("scheduler: this TUI"),
        "{}",
        h.screen()
    );
    sched.stop(|| {});
    assert_eq!(db.live_engine().lease().unwrap(), None, "released on exit");
}

#[test]
fn the_header_names_a_daemon_that_holds_the_lease() {
    let db = Db::new();
    let e = db.live_engine();
    let me = jr::engine::lease::Me {
        holder: "daemon-1".into(),
        pid: std::process::id(),
        host: jr::engine::lease::Me::this_process().host,
    };
    assert!(
        e.acquire_lease(&me, "daemon", chrono::Duration::seconds(60))
            .unwrap()
    );
    let h = Headless::new(db.live_engine(), (160, 48));
    let want = format!("scheduler: daemon pid {} on {}", me.pid, me.host);
    assert!(h.screen().contains(&want), "{}", h.screen());
    // While a daemon holds it, the TUI's scheduler does not take it.
    let (sched, holding) = tui_scheduler(&db);
    assert!(
        holding
            .recv_timeout(std::time::Duration::from_millis(500))
            .is_err()
    );
    sched.stop(|| {});
    assert_eq!(e.lease().unwrap().unwrap().holder, "daemon-1");
}

#[test]
fn the_worker_hears_other_processes_through_the_file_watch() {
    use jr::tui::worker::{self, Payload, WorkerState};
    let db = Db::new();
    let (tx, rx) = std::sync::mpsc::channel();
    let w = worker::spawn(WorkerState::new(db.engine()), move |r| tx.send(r).is_ok());
    // Once it answers, it has taken its first data_version reading.
    let _ = w.send(worker::Msg::Request(
        1,
        worker::Slot::Lease,
        worker::Request::Lease,
    ));
    rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
    let t0 = std::time::Instant::now();
    add(&db.engine(), "다른 프로세스");
    let r = rx.recv_timeout(worker::POLL_WATCHED * 2).unwrap();
    assert!(matches!(r.payload, Payload::DataChanged));
    // Well before the safety-net poll: the watch woke it.
    assert!(
        t0.elapsed() < worker::POLL_WATCHED,
        "took {:?}",
        t0.elapsed()
    );
    let _ = w.send(worker::Msg::Stop);
}

/// A run started for a task hand-off says which task, in the Runs pane's
/// list and in the opened run, as `jr runs show` does.
#[test]
fn a_runs_task_shows_in_the_runs_pane() {
    let db = Db::new();
    let e = db.engine();
    e.add_job(&jr::engine::jobs::JobDef {
        name: "tidy".into(),
        kind: "shell".into(),
        command: "true".into(),
        enabled: true,
        ..Default::default()
    })
    .unwrap();
    let id = add(&e, "보고서 정리");
    let (_, run) = e.assign_task_to_job(id, "tidy", Source::Cli).unwrap();
    let mut h = Headless::new(db.engine(), (100, 30));
    h.key("4");
    let s = h.screen();
    let row = s
        .lines()
        .find(|l| l.contains(&format!("#{} ", run.id)))
        .unwrap_or_else(|| panic!("no run #{}:\n{s}", run.id));
    assert!(row.contains(&format!("task #{id}")), "{row}");
    h.send(jr::tui::action::Action::OpenRun(run.id));
    let s = h.screen();
    assert!(s.contains(&format!("for task #{id}")), "{s}");
}
