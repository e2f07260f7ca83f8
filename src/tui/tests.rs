//! Table-style tests of `App::update`: which actions change what, which
//! effects come out, which answers are dropped as stale. No terminal, an
//! in-memory database, a frozen clock.

use chrono::{TimeZone, Utc};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

use super::action::{Action, TextEdit};
use super::app::Overlay;
use super::effect::Effect;
use super::headless::Headless;
use super::pane::PaneId;
use super::worker::Slot;
use crate::clock::Clock;
use crate::domain::{NewTask, Source};
use crate::engine::Engine;
use crate::store::Store;

fn engine() -> Engine {
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap();
    Engine::new(
        Store::open_in_memory().unwrap(),
        Clock::Fixed(now),
        "Asia/Seoul".parse().unwrap(),
    )
}

fn with_tasks(titles: &[&str]) -> Headless {
    let e = engine();
    for t in titles {
        e.add_task(
            NewTask {
                title: t.to_string(),
                ..NewTask::default()
            },
            Source::Cli,
        )
        .unwrap();
    }
    Headless::new(e, (80, 24))
}

fn key(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

#[test]
fn keys_mean_different_things_in_different_places() {
    let mut h = with_tasks(&["하나"]);
    assert_eq!(h.app.event_action(&key('j')), Some(Action::Down));
    assert_eq!(
        h.app.event_action(&key('2')),
        Some(Action::GoPane(PaneId::Tasks))
    );
    h.key("2");
    assert_eq!(h.app.event_action(&key('a')), Some(Action::Add));
    h.key("a");
    // In a form letters type text, even ones bound elsewhere.
    assert_eq!(
        h.app.event_action(&key('j')),
        Some(Action::Text(TextEdit::Insert('j')))
    );
    assert_eq!(
        h.app.event_action(&key('q')),
        Some(Action::Text(TextEdit::Insert('q')))
    );
    assert_eq!(
        h.app.event_action(&Event::Paste("붙여넣기".into())),
        Some(Action::Text(TextEdit::Paste("붙여넣기".into())))
    );
}

#[test]
fn quit_asks_only_when_typed_text_would_be_lost() {
    let mut h = with_tasks(&[]);
    h.send(Action::Quit);
    assert!(matches!(h.effects.last(), Some(Effect::Quit)));

    let mut h = with_tasks(&[]);
    h.key("2");
    h.key("a");
    h.send(Action::Quit);
    assert!(
        matches!(h.effects.last(), Some(Effect::Quit)),
        "an empty form loses nothing"
    );

    let mut h = with_tasks(&[]);
    h.key("2");
    h.key("a");
    h.type_text("반쯤 쓴 제목");
    h.send(Action::Quit);
    assert!(matches!(h.app.overlay, Some(Overlay::ConfirmQuit)));
    assert!(h.effects.is_empty());
    h.send(Action::No);
    assert!(h.app.overlay.is_none());
    h.send(Action::Quit);
    h.send(Action::Yes);
    assert!(matches!(h.effects.last(), Some(Effect::Quit)));
}

#[test]
fn panes_switch_by_number_tab_and_click_and_load_when_first_shown() {
    let mut h = with_tasks(&["하나"]);
    assert_eq!(h.app.pane_id(), PaneId::Dashboard);
    assert!(!h.app.panes[1].loaded());
    h.send(Action::NextPane);
    assert_eq!(h.app.pane_id(), PaneId::Tasks);
    assert!(h.app.panes[1].loaded());
    h.send(Action::PrevPane);
    assert_eq!(h.app.pane_id(), PaneId::Dashboard);
    // The header's second tab.
    let col = (0..80)
        .find(|c| super::layout::tab_at(*c, 80, h.app.active) == Some(1))
        .unwrap();
    h.send(Action::Click { col, row: 0 });
    assert_eq!(h.app.pane_id(), PaneId::Tasks);
}

#[test]
fn stale_answers_are_dropped() {
    let mut h = with_tasks(&["하나", "둘"]);
    h.key("2");
    h.hold = true;
    h.send(Action::Refresh);
    h.key("/");
    h.type_text("둘");
    // Two list answers are held: the refresh, then the filter.
    let pages: Vec<usize> = h
        .held
        .iter()
        .enumerate()
        .filter(|(_, r)| r.slot == Slot::TaskPage)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(pages.len(), 2, "the refresh, then the filter");
    h.hold = false;
    // The newest arrives first; the older ones must not overwrite it.
    let mut order = pages.clone();
    order.reverse();
    h.release(&order);
    let titles: Vec<&str> = h_titles(&h);
    assert_eq!(titles, vec!["둘"]);
}

fn h_titles(h: &Headless) -> Vec<&str> {
    tasks(h)
        .list
        .rows
        .iter()
        .map(|r| r.task.title.as_str())
        .collect()
}

fn tasks(h: &Headless) -> &super::panes::tasks::TasksPane {
    h.app.pane_state().expect("a Tasks pane")
}

#[test]
fn help_and_palette_capture_keys_and_esc_backs_out() {
    let mut h = with_tasks(&["주간 보고서"]);
    h.key("?");
    assert!(matches!(h.app.overlay, Some(Overlay::Help { .. })));
    assert_eq!(h.app.event_action(&key('q')), Some(Action::Back));
    h.key("q");
    assert!(h.app.overlay.is_none());
    h.key(":");
    h.type_text("보고");
    let Some(Overlay::Palette(p)) = &h.app.overlay else {
        panic!()
    };
    assert!(p.items.iter().any(|i| i.label.contains("주간 보고서")));
    h.key("<Enter>");
    assert_eq!(h.app.pane_id(), PaneId::Tasks);
    assert!(tasks(&h).detail.as_ref().is_some_and(|d| d.data.is_some()));
    h.key("<Esc>");
    assert!(tasks(&h).detail.is_none());
}

#[test]
fn data_changed_reloads_the_pane_in_view_only() {
    let mut h = with_tasks(&["하나"]);
    h.hold = true;
    h.send(Action::Worker(super::worker::Response {
        id: 0,
        slot: Slot::Watch,
        payload: super::worker::Payload::DataChanged,
    }));
    let slots: Vec<Slot> = h.held.iter().map(|r| r.slot).collect();
    // The dashboard in view, and the lease for the header; not the Tasks page.
    assert_eq!(slots, vec![Slot::Dashboard, Slot::Lease]);
}

#[test]
fn mouse_toggle_and_wheel() {
    let mut h = with_tasks(&["하나", "둘", "셋"]);
    h.key("M");
    assert!(matches!(h.effects.last(), Some(Effect::Mouse(false))));
    assert!(!h.app.mouse);
    h.key("2");
    h.send(Action::Scroll(3));
    assert_eq!(tasks(&h).list.selected, 2);
    // A click on the first list row (screen row 2: header, column titles) selects it.
    h.send(Action::Click { col: 10, row: 2 });
    assert_eq!(tasks(&h).list.selected, 0);
}

#[test]
fn a_bad_user_keymap_is_visible_and_the_defaults_work() {
    let km = super::keymap::Keymap::load(Some((
        "[[tasks]]\non = [\"a\"]\nrun = \"fly\"\n",
        "/home/u/.config/jr/keymap.toml",
    )));
    let mut h = Headless::with_keymap(engine(), (80, 24), km);
    assert!(h.screen().contains("keymap: 1 problem(s), defaults kept"));
    h.key("2");
    h.key("?");
    let s = h.screen();
    assert!(s.contains("keymap.toml line 1: unknown action"), "{s}");
    h.key("<Esc>");
    h.key("a");
    assert!(tasks(&h).form.is_some(), "the default binding of `a` stays");
}

/// The layering checks: no import cycle, the TUI off the store.
mod imports;

fn dagster_at(url: &str) -> Engine {
    use crate::clients::dagster::{DagsterConfig, Settings, settings::InstanceConfig};
    let mut cfg = DagsterConfig::default();
    cfg.instances.insert(
        "local".into(),
        InstanceConfig {
            url: url.into(),
            headers: Default::default(),
        },
    );
    engine().with_dagster(Settings::resolve(&cfg, None, |_| None))
}

#[test]
fn dagster_health_in_the_header() {
    use super::chrome::header::dagster_label;
    // Not configured: no network, nothing in the header.
    let h = Headless::new(engine(), (160, 24));
    assert!(h.app.dagster.is_none());
    assert!(!h.screen().contains("dagster"));
    // A closed port: unreachable, and said so.
    let h = Headless::new(dagster_at("http://127.0.0.1:9"), (160, 24));
    let s = h.app.dagster.as_ref().expect("a status");
    assert!(!s.reachable);
    let top = h.screen().lines().next().unwrap().to_string();
    assert!(top.contains("dagster: unreachable"), "{top}");
    assert_eq!(
        dagster_label(Some(s)).unwrap().0,
        "dagster: unreachable".to_string()
    );
    // Reachable with locations, one broken.
    let loc = |name: &str, status: &str| crate::engine::dagster::views::LocationView {
        name: name.into(),
        status: status.into(),
        error: None,
        jobs: 1,
        schedules: 0,
        sensors: 0,
    };
    let mut ok = s.clone();
    ok.reachable = true;
    ok.error = None;
    ok.locations = vec![loc("a", "loaded"), loc("b", "loaded")];
    assert_eq!(
        dagster_label(Some(&ok)).unwrap().0,
        "dagster: ok (2 locations)"
    );
    ok.locations.truncate(1);
    assert_eq!(
        dagster_label(Some(&ok)).unwrap().0,
        "dagster: ok (1 location)"
    );
    ok.locations.push(loc("b", "error"));
    assert_eq!(
        dagster_label(Some(&ok)).unwrap().0,
        "dagster: ok (2 locations, 1 broken)"
    );
    ok.error = Some("not Dagster".into());
    assert_eq!(dagster_label(Some(&ok)).unwrap().0, "dagster: error");
    assert_eq!(dagster_label(None), None);
}

#[test]
fn health_answers_are_taken_unasked_and_the_pane_says_what_to_do() {
    let mut h = Headless::new(engine(), (80, 24));
    // The worker's 10 s poll answers with id 0; it is always current.
    assert!(h.app.requests.is_current(Slot::DagsterHealth, 0));
    h.key("9");
    assert_eq!(h.app.pane_id(), PaneId::Dagster);
    let s = h.screen();
    assert!(s.contains("No Dagster instance is configured"), "{s}");
    assert!(s.contains("JR_DAGSTER_URL"), "{s}");
    let mut h = Headless::new(dagster_at("http://127.0.0.1:9"), (80, 24));
    h.key("9");
    let s = h.screen();
    assert!(s.contains("does not answer"), "{s}");
    assert!(s.contains("dagster dev"), "{s}");
    // Launch with nothing selected is an error, not a request.
    h.key("L");
    assert!(h.app.notice.as_ref().is_some_and(|n| n.error));
}

#[test]
fn a_dagster_backed_run_shows_its_link_and_y_copies_it() {
    use crate::domain::Trigger;
    use crate::domain::external::External;
    let e = engine();
    e.add_job(&crate::engine::jobs::JobDef {
        name: "etl".into(),
        kind: "shell".into(),
        command: "true".into(),
        enabled: true,
        ..Default::default()
    })
    .unwrap();
    let r = e.queue_run("etl", Trigger::Manual).unwrap();
    let url = "http://127.0.0.1:3000/runs/0b1c2d3e-aaaa-bbbb-cccc-1234567890ab";
    e.record_external(
        r.id,
        &External {
            system: "dagster".into(),
            instance: "default".into(),
            id: "0b1c2d3e-aaaa-bbbb-cccc-1234567890ab".into(),
            url: url.into(),
            cursor: String::new(),
            status: Some("STARTED".into()),
            unreachable_since: None,
            last_error: None,
        },
    )
    .unwrap();
    let mut h = Headless::new(e, (160, 24));
    h.key("4");
    h.send(Action::OpenRun(r.id));
    let s = h.screen();
    assert!(
        s.contains("dagster run 0b1c2d3e-aaaa-bbbb-cccc-1234567890ab STARTED"),
        "{s}"
    );
    assert!(s.contains(url), "{s}");
    h.key("y");
    assert!(
        matches!(h.effects.last(), Some(Effect::Copy(u)) if u == url),
        "{:?}",
        h.effects
    );
}

/// A Dagster that answered: two jobs, a schedule, a broken location, a run.
fn overview() -> super::worker::dagster::DagsterOverview {
    use crate::clients::dagster::types::{
        Daemon, Instigator, JobInfo, JobRef, Location, RunInfo, Workspace,
    };
    let job = |name: &str| JobInfo {
        at: JobRef {
            location: "etl".into(),
            repository: "__repository__".into(),
            job: name.into(),
        },
        description: None,
    };
    let schedule = Instigator {
        location: "etl".into(),
        repository: "__repository__".into(),
        name: "매일_적재".into(),
        jobs: vec!["load".into()],
        state: "STOPPED".into(),
        cron: Some("0 7 * * *".into()),
        timezone: Some("Asia/Seoul".into()),
        min_interval_s: None,
        state_id: "s1".into(),
    };
    let ws = Workspace {
        version: "1.13.27".into(),
        locations: vec![
            Location {
                name: "etl".into(),
                status: "loaded".into(),
                error: None,
                jobs: vec![job("load"), job("report")],
                schedules: vec![schedule],
                sensors: Vec::new(),
            },
            Location {
                name: "broken".into(),
                status: "error".into(),
                error: Some("RuntimeError: broken on purpose\n  at line 3".into()),
                jobs: Vec::new(),
                schedules: Vec::new(),
                sensors: Vec::new(),
            },
        ],
        daemons: vec![Daemon {
            kind: "SCHEDULER".into(),
            required: true,
            heartbeat_age_s: Some(4.0),
            last_heartbeat: None,
        }],
    };
    let run = RunInfo {
        run_id: "0b1c2d3e-aaaa-bbbb-cccc-1234567890ab".into(),
        job: "load".into(),
        status: "SUCCESS".into(),
        can_terminate: false,
        created: Some(1_795_000_000.0),
        started: Some(1_795_000_001.0),
        ended: Some(1_795_000_013.0),
        tags: [("jr/run".to_string(), "7".to_string())].into(),
    };
    let url = "http://127.0.0.1:3000/runs/0b1c2d3e-aaaa-bbbb-cccc-1234567890ab".to_string();
    super::worker::dagster::DagsterOverview {
        status: crate::engine::dagster::views::status_view("local", "http://127.0.0.1:3000", &ws),
        workspace: Some(ws),
        runs: vec![crate::engine::dagster::views::run_view(run, url)],
        runs_error: None,
    }
}

#[test]
fn the_dagster_pane_lists_launches_toggles_and_copies() {
    use super::panes::dagster::DagsterPane;
    use super::worker::{Payload, Response};
    let mut h = with_tasks(&[]);
    h.app.size = (120, 30);
    h.send(Action::Resize(120, 30));
    h.hold = true;
    h.key("9");
    let asked = h.held.pop().expect("the overview was asked for");
    h.hold = false;
    h.send(Action::Worker(Response {
        id: asked.id,
        slot: asked.slot,
        payload: Payload::DagsterOverview(Some(Box::new(overview()))),
    }));
    let s = h.screen();
    for want in [
        "dagster 1.13.27",
        "daemon heartbeat 4s ago",
        "broken failed to load: RuntimeError: broken on purpose",
        "etl/load",
        "etl/매일_적재",
        "STOPPED",
        "0b1c2d3e load",
        "jr run #7",
    ] {
        assert!(s.contains(want), "{want}\n{s}");
    }
    fn pane(h: &Headless) -> &DagsterPane {
        h.app.pane_state().unwrap()
    }
    // Launch asks first, then goes to the worker.
    h.key("L");
    assert_eq!(pane(&h).confirm.as_deref(), Some("etl/load"));
    assert!(h.screen().contains("Launch the Dagster job etl/load?"));
    h.hold = true;
    h.key("y");
    assert_eq!(h.held.pop().map(|r| r.slot), Some(Slot::DagsterAct));
    assert!(pane(&h).busy);
    h.hold = false;
    // C: the run config opens in the editor. JSON that does not parse is
    // refused and kept (C opens it again); YAML then launches with it.
    use super::editor::EditRequest;
    use super::worker::Request;
    use super::worker::dagster::DagsterAsk;
    let edit = |h: &mut Headless| match &h.app.update(Action::ExternalEdit)[..] {
        [Effect::Edit(r)] => r.clone(),
        other => panic!("{other:?}"),
    };
    let r: EditRequest = edit(&mut h);
    assert_eq!((r.key.as_str(), r.suffix), ("etl/load", ".yaml"));
    assert!(
        r.text.starts_with("# Run config for etl/load"),
        "{}",
        r.text
    );
    let back = |text: &str| Action::Edited {
        pane: PaneId::Dagster,
        key: "etl/load".into(),
        text: Ok(text.into()),
    };
    h.send(back("{\"ops\": "));
    let n = h.app.notice.clone().unwrap();
    assert!(
        n.error && n.text.ends_with("C opens your text again"),
        "{}",
        n.text
    );
    assert!(pane(&h).confirm.is_none());
    assert_eq!(edit(&mut h).text, "{\"ops\": ");
    h.send(back("# 하루치\nops:\n  load:\n    config: {day: 1}\n"));
    assert!(
        h.screen().contains("etl/load with its run config?"),
        "{}",
        h.screen()
    );
    let fx = h.app.update(Action::Yes);
    assert!(
        fx.iter().any(|e| matches!(e,
            Effect::Request { req: Request::Dagster(DagsterAsk::Launch { path, config: Some(c) }), .. }
                if path == "etl/load" && c.contains("day: 1"))),
        "{fx:?}"
    );
    // A plain launch after sends none.
    h.key("L");
    let fx = h.app.update(Action::Yes);
    assert!(
        fx.iter().any(|e| matches!(
            e,
            Effect::Request {
                req: Request::Dagster(DagsterAsk::Launch { config: None, .. }),
                ..
            }
        )),
        "{fx:?}"
    );
    // Start/stop on the schedule.
    h.key("j");
    h.key("j");
    h.hold = true;
    h.key("t");
    assert_eq!(h.held.pop().map(|r| r.slot), Some(Slot::DagsterAct));
    h.hold = false;
    // Copy the run's link.
    h.key("j");
    h.key("y");
    assert!(
        matches!(h.effects.last(), Some(Effect::Copy(u)) if u.ends_with("/runs/0b1c2d3e-aaaa-bbbb-cccc-1234567890ab")),
        "{:?}",
        h.effects
    );
}

#[test]
fn a_dagster_that_hangs_does_not_hold_up_the_worker() {
    use super::worker::dagster::DagsterAsk;
    use super::worker::{Msg, Payload, Request, WorkerState};
    use crate::clients::dagster::{DagsterConfig, Settings, settings::InstanceConfig};
    // Accepts connections (the kernel's backlog) and never answers.
    let quiet = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut cfg = DagsterConfig {
        request_timeout: std::time::Duration::from_secs(1),
        ..DagsterConfig::default()
    };
    cfg.instances.insert(
        "slow".into(),
        InstanceConfig {
            url: format!("http://{}", quiet.local_addr().unwrap()),
            headers: Default::default(),
        },
    );
    let e = engine().with_dagster(Settings::resolve(&cfg, None, |_| None));
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = super::worker::spawn(WorkerState::new(e), move |r| tx.send(r).is_ok());
    let ask = Request::Dagster(DagsterAsk::Overview);
    worker.send(Msg::Request(1, Slot::Dagster, ask)).unwrap();
    worker
        .send(Msg::Request(2, Slot::Lease, Request::Lease))
        .unwrap();
    let wait = std::time::Duration::from_secs(10);
    let first = rx.recv_timeout(wait).unwrap();
    assert_eq!((first.id, first.slot), (2, Slot::Lease), "the lease first");
    let second = rx.recv_timeout(wait).unwrap();
    assert_eq!((second.id, second.slot), (1, Slot::Dagster));
    match second.payload {
        Payload::DagsterOverview(Some(o)) => assert!(o.status.error.is_some()),
        other => panic!("{other:?}"),
    }
    let _ = worker.send(Msg::Stop);
}

#[test]
fn a_task_is_handed_to_a_job_from_the_picker_and_its_work_opens_a_run() {
    use crate::domain::RunStatus;
    use crate::engine::lease::Me;
    use crate::store::runs::Finish;
    let mut h = with_tasks(&["보고서 쓰기"]);
    h.worker
        .engine()
        .add_job(&crate::engine::jobs::JobDef {
            name: "reporter".into(),
            kind: "shell".into(),
            command: "true".into(),
            enabled: true,
            ..Default::default()
        })
        .unwrap();
    h.key("2");
    h.key("w");
    let s = h.screen();
    assert!(s.contains("hand #1 보고서 쓰기 to"), "{s}");
    assert!(s.contains("job:reporter"), "{s}");
    h.type_text("nobody");
    h.key("<Enter>");
    assert!(
        h.screen().contains("nothing matches"),
        "a bad pick stays open"
    );
    for _ in 0..6 {
        h.key("<Backspace>");
    }
    h.type_text("rep");
    h.key("<Enter>");
    let e = h.worker.engine();
    let t = e.get_task(1).unwrap();
    assert_eq!(t.claimed_by.as_deref(), Some("job:reporter"));
    assert_eq!(t.status, crate::domain::TaskStatus::InProgress);
    // The scheduler's part, done here: the run starts and succeeds with a link.
    let (run, _) = e.claim_run(1, &Me::this_process()).unwrap().unwrap();
    assert_eq!(run.task_id, Some(1));
    let link = "https://reports.example/r/1";
    e.finish_run(
        run.id,
        &Finish {
            status: RunStatus::Success,
            exit_code: Some(0),
            error: None,
            result: Some(&format!("보고서 {link} 완료")),
        },
    )
    .unwrap();
    h.send(Action::Refresh);
    h.key("<Enter>");
    let s = h.screen();
    assert!(s.contains("review"), "{s}");
    assert!(s.contains("run       #1     reporter"), "the work: {s}");
    h.key("y");
    assert!(
        matches!(h.effects.last(), Some(Effect::Copy(u)) if u == link),
        "{:?}",
        h.effects
    );
    h.key("<Enter>");
    assert_eq!(h.app.pane_id(), PaneId::Runs);
    assert!(
        h.screen().contains("#1 reporter · success"),
        "{}",
        h.screen()
    );
}

#[test]
fn an_agent_hand_off_that_cannot_start_gives_the_task_back() {
    let mut h = with_tasks(&["검토"]);
    h.worker
        .engine()
        .add_agent(&crate::domain::agent::AgentDef {
            name: "reviewer".into(),
            model: "ollama/qwen2.5-coder:7b".into(),
            ..Default::default()
        })
        .unwrap();
    h.key("2");
    h.key("w");
    assert!(h.screen().contains("agent:reviewer"), "{}", h.screen());
    h.key("<Enter>");
    // In memory there is no second connection for the agent's thread.
    let t = h.worker.engine().get_task(1).unwrap();
    assert_eq!(t.claimed_by, None);
    assert_eq!(t.status, crate::domain::TaskStatus::Pending);
    let d = h.worker.engine().task_detail(1).unwrap();
    let last = d.events.iter().rev().find(|e| e.field == "note").unwrap();
    assert!(
        last.new
            .as_deref()
            .unwrap()
            .contains("the hand-off to agent reviewer failed"),
        "{last:?}"
    );
}
