//! The Chat pane driven headless against a real database: messages through
//! the gateway (rules, then the engine), turns kept with their decision,
//! ratings stored, and the task or run a message made one key away.

use chrono::{TimeZone, Utc};
use crossterm::event::Event;
use jr::clock::Clock;
use jr::domain::{NewTask, Source};
use jr::engine::Engine;
use jr::store::Store;
use jr::tui::headless::Headless;
use jr::tui::panes::PaneId;
use jr::tui::panes::chat::ChatPane;
use jr::tui::panes::runs::RunsPane;
use jr::tui::panes::tasks::TasksPane;

fn engine(path: &std::path::Path) -> Engine {
    Engine::new(
        Store::open(path).unwrap(),
        Clock::Fixed(Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap()),
        "Asia/Seoul".parse().unwrap(),
    )
}

fn chat(h: &Headless) -> &ChatPane {
    h.app.pane_state().unwrap()
}

#[test]
fn messages_are_routed_kept_rated_and_lead_to_what_they_made() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jr.db");
    let e = engine(&path);
    e.add_task(
        NewTask {
            title: "세금 신고하기".into(),
            ..NewTask::default()
        },
        Source::Cli,
    )
    .unwrap();
    e.add_job(&jr::engine::jobs::JobDef {
        name: "backup".into(),
        kind: "shell".into(),
        enabled: true,
        command: "true".into(),
        ..Default::default()
    })
    .unwrap();
    let mut h = Headless::new(engine(&path), (100, 30));
    h.key("5");
    assert!(chat(&h).composing);
    // Letters bound elsewhere type text here.
    h.type_text("오늘 뭐 해야 해?");
    h.key("<Enter>");
    let s = h.screen();
    assert!(s.contains("[answer · rules]"), "{s}");
    assert!(s.contains("세금 신고하기"), "{s}");
    assert_eq!(chat(&h).input.value(), "");

    h.type_text("run backup now");
    h.key("<Enter>");
    let turns = e.chat_history(None, None, 10).unwrap();
    assert_eq!(turns.len(), 2);
    assert_eq!(turns[1].route, "act");
    assert_eq!(turns[1].via, "rules");
    let run = turns[1].run_id.expect("the run it queued");
    assert!(h.screen().contains(&format!("→ run #{run}")));

    // Browse: rate the last answer, take it back, rate it down.
    h.key("<Esc>");
    h.key("+");
    assert_eq!(e.chat_turn(turns[1].id).unwrap().rating, Some(1));
    assert!(h.screen().contains("👍"), "{}", h.screen());
    h.key("+");
    assert_eq!(e.chat_turn(turns[1].id).unwrap().rating, None);
    h.key("-");
    assert_eq!(e.chat_turn(turns[1].id).unwrap().rating, Some(-1));
    h.key("k");
    h.key("+");
    assert_eq!(e.chat_turn(turns[0].id).unwrap().rating, Some(1));

    // Enter on the act turn opens its run.
    h.key("j");
    h.key("<Enter>");
    assert_eq!(h.app.pane_id(), PaneId::Runs);
    let runs: &RunsPane = h.app.pane_state().unwrap();
    assert_eq!(runs.view.as_ref().map(|v| v.run.id), Some(run));

    // A deferred request becomes a task; Enter opens it in Tasks.
    h.key("5");
    h.key("i");
    h.type_text("매주 월요일마다 리포트 메일 보내는 잡 하나 짜줘");
    h.key("<Enter>");
    let last = e.chat_history(None, None, 1).unwrap().remove(0);
    assert_eq!(last.route, "defer");
    let task = last.task_id.expect("the task it filed");
    h.key("<Esc>");
    h.key("<Enter>");
    assert_eq!(h.app.pane_id(), PaneId::Tasks);
    let tasks: &TasksPane = h.app.pane_state().unwrap();
    assert_eq!(tasks.detail.as_ref().map(|d| d.id), Some(task));

    // Pasting: one line, Korean intact; the turns come back on a new start.
    h.key("5");
    h.key("i");
    h.event(Event::Paste("붙여넣은\n여러 줄".into()));
    assert_eq!(chat(&h).input.value(), "붙여넣은 여러 줄");
    let mut again = Headless::new(engine(&path), (100, 30));
    again.key("5");
    assert_eq!(chat(&again).turns.len(), 3);
}
