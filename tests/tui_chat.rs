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
use jr::tui::pane::PaneId;
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

/// The Chat pane bugs seen with a model, reproduced: the turn runs on its
/// own thread, which answers `ChatPartial` at once and stores the turn; the
/// file watch reloads the history (the turn is in it) before `Chatted`
/// arrives. The message showed twice (the pending copy never resolved) and
/// the footer said "rating taken back" without any rating.
#[test]
fn a_reply_that_arrives_after_a_reload_shows_once_and_says_nothing_of_ratings() {
    use jr::tui::action::Action;
    use jr::tui::worker::{Payload, Response, Slot};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jr.db");
    let mut h = Headless::new(engine(&path), (100, 30));
    h.key("5");
    h.hold = true;
    let msg = "오늘 뭐 해야 해?";
    h.type_text(msg);
    h.key("<Enter>");
    // The worker stored the turn; hold its `Chatted` back, and answer first
    // as the threaded worker does.
    let chatted = h.held.remove(0);
    assert!(matches!(chatted.payload, Payload::Chatted(_)));
    h.hold = false;
    h.send(Action::Worker(Response {
        id: chatted.id,
        slot: Slot::Mutation,
        payload: Payload::ChatPartial {
            message: msg.into(),
            text: String::new(),
        },
    }));
    // The reload the file watch causes: the stored turn comes in the history.
    h.key("<Esc>");
    h.send(Action::Refresh);
    h.send(Action::Worker(chatted));
    let s = h.screen();
    assert_eq!(s.matches(msg).count(), 1, "the message shows once:\n{s}");
    assert!(chat(&h).pending.is_empty(), "{:?}", chat(&h).pending);
    assert!(
        h.app
            .notice
            .as_ref()
            .is_none_or(|n| !n.text.contains("rating")),
        "{:?}",
        h.app.notice
    );
}

/// The pane keeps one running conversation; `n` starts a new one, `s`
/// switches to an earlier one, and a follow-up resolves within it.
#[test]
fn conversations_start_switch_and_remember_what_they_showed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jr.db");
    let e = engine(&path);
    for t in ["세금 신고하기", "보고서 쓰기"] {
        e.add_task(
            NewTask {
                title: t.into(),
                ..NewTask::default()
            },
            Source::Cli,
        )
        .unwrap();
    }
    let mut h = Headless::new(engine(&path), (100, 30));
    h.key("5");
    h.type_text("오늘 뭐 해야 해?");
    h.key("<Enter>");
    let first = chat(&h).session.clone();
    h.type_text("두번째 거 시작해줘");
    h.key("<Enter>");
    assert_eq!(e.get_task(2).unwrap().status.as_str(), "in_progress");
    // A new conversation has not seen the list.
    h.key("<Esc>");
    h.key("n");
    assert_ne!(chat(&h).session, first);
    assert!(chat(&h).turns.is_empty());
    h.type_text("첫번째 거 시작해줘");
    h.key("<Enter>");
    assert_eq!(e.get_task(1).unwrap().status.as_str(), "pending");
    assert_eq!(chat(&h).turns.last().unwrap().intent, "unresolved");
    // Back to the first conversation: its turns, and its list again.
    h.key("<Esc>");
    h.key("s");
    assert_eq!(chat(&h).session, first);
    assert_eq!(chat(&h).turns.len(), 2);
    h.key("i");
    h.type_text("첫번째 거 시작해줘");
    h.key("<Enter>");
    assert_eq!(e.get_task(1).unwrap().status.as_str(), "in_progress");
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

mod fake_llm;

/// With a cloud model for escalations, the worker answers at once, the
/// model's reply arrives piece by piece (`ChatPartial`), and the stored turn
/// follows (`Chatted`): the worker is never held by the model.
#[test]
fn an_escalated_reply_streams_in_from_its_own_thread() {
    use jr::tui::worker::{self, Msg, Mutation, Payload, Request, Slot, WorkerState};
    let server = fake_llm::FakeLlm::start();
    let dir = tempfile::tempdir().unwrap();
    let mut llm = jr::clients::llm::LlmConfig {
        ollama_url: server.url.clone(),
        ..Default::default()
    };
    llm.providers.push(jr::clients::llm::ProviderConfig {
        name: "cloud".into(),
        base_url: format!("{}/v1", server.url),
        api_key_env: Some("CLOUD_KEY".into()),
    });
    llm.keys.insert("CLOUD_KEY", fake_llm::API_KEY.into());
    let e = engine(&dir.path().join("jr.db")).with_llm(llm);
    let gateway = jr::config::GatewayConfig {
        escalate_model: Some("cloud/gpt-test".into()),
        ..Default::default()
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let to_worker = worker::spawn(WorkerState::new(e).with_gateway(gateway), move |r| {
        tx.send(r).is_ok()
    });
    let msg = "지금 당장 장애 원인 분석해줘, 고객이 기다려";
    to_worker
        .send(Msg::Request(
            1,
            Slot::Mutation,
            Request::Mutate(Mutation::Chat {
                session: "tui".into(),
                message: msg.into(),
            }),
        ))
        .unwrap();
    let mut partials = Vec::new();
    let turn = loop {
        let r = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("an answer");
        match r.payload {
            Payload::ChatPartial { text, .. } => partials.push(text),
            Payload::Chatted(t) => break t,
            Payload::Failed(e) => panic!("{}", e.message),
            _ => {}
        }
    };
    assert_eq!(turn.route, "escalate");
    assert_eq!(turn.reply, fake_llm::KOREAN);
    let grown: Vec<&String> = partials.iter().filter(|p| !p.is_empty()).collect();
    assert!(grown.len() > 3, "the reply arrived in pieces: {partials:?}");
    assert!(
        grown.windows(2).all(|w| w[1].starts_with(w[0].as_str())),
        "each piece extends the last"
    );
    to_worker.send(Msg::Stop).unwrap();
}

/// The Agents pane's run: the worker answers at once, the agent's answer
/// arrives piece by piece (`AgentPartial`) from its own thread, and the
/// recorded execution follows (`AgentRan`).
#[test]
fn an_agent_run_streams_in_from_its_own_thread() {
    use jr::domain::agent::{AgentDef, AgentRunStatus};
    use jr::tui::worker::{self, Msg, Mutation, Payload, Request, Slot, WorkerState};
    let server = fake_llm::FakeLlm::start();
    let dir = tempfile::tempdir().unwrap();
    let llm = jr::clients::llm::LlmConfig {
        ollama_url: server.url.clone(),
        ..Default::default()
    };
    let e = engine(&dir.path().join("jr.db")).with_llm(llm);
    e.add_agent(&AgentDef {
        name: "coder".into(),
        model: "ollama/qwen2.5-coder:7b".into(),
        system_prompt: "한국어로 답하세요.".into(),
        ..Default::default()
    })
    .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let to_worker = worker::spawn(WorkerState::new(e), move |r| tx.send(r).is_ok());
    let m = Mutation::RunAgent {
        agent: "coder".into(),
        prompt: "오늘 할일 정리해줘".into(),
    };
    to_worker
        .send(Msg::Request(1, Slot::Mutation, Request::Mutate(m)))
        .unwrap();
    let mut partials = Vec::new();
    let (run, error) = loop {
        let r = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("an answer");
        match r.payload {
            Payload::AgentPartial { agent, text } => {
                assert_eq!(agent, "coder");
                partials.push(text);
            }
            Payload::AgentRan { run, error } => break (run, error),
            Payload::Failed(e) => panic!("{}", e.message),
            _ => {}
        }
    };
    assert!(error.is_none(), "{error:?}");
    assert_eq!(run.status, AgentRunStatus::Success);
    assert_eq!(run.output, fake_llm::KOREAN);
    assert_eq!(run.run_id, None);
    let grown: Vec<&String> = partials.iter().filter(|p| !p.is_empty()).collect();
    assert!(
        grown.len() > 3,
        "the answer arrived in pieces: {partials:?}"
    );
    assert!(
        grown.windows(2).all(|w| w[1].starts_with(w[0].as_str())),
        "each piece extends the last"
    );
    assert_eq!(grown.last().map(|s| s.as_str()), Some(fake_llm::KOREAN));
    to_worker.send(Msg::Stop).unwrap();
}

/// In the pane (headless: the run is answered in line): `r`, a Korean
/// prompt, Enter; the execution shows in its list. With Ollama down the
/// notice says so with its hint, and the pane goes on.
#[test]
fn the_agents_pane_runs_the_selected_agent() {
    use jr::domain::agent::{AgentDef, AgentRunStatus};
    use jr::tui::panes::agents::{AgentsPane, AgentsView};
    let server = fake_llm::FakeLlm::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jr.db");
    let with = |url: &str| {
        engine(&path).with_llm(jr::clients::llm::LlmConfig {
            ollama_url: url.into(),
            ..Default::default()
        })
    };
    with(&server.url)
        .add_agent(&AgentDef {
            name: "coder".into(),
            model: "ollama/qwen2.5-coder:7b".into(),
            ..Default::default()
        })
        .unwrap();
    let mut h = Headless::new(with(&server.url), (100, 30));
    h.key("8");
    h.key("r");
    assert!(h.screen().contains("run coder"), "{}", h.screen());
    h.type_text("오늘 할일 정리해줘");
    h.key("<Enter>");
    let p: &AgentsPane = h.app.pane_state().unwrap();
    assert!(p.prompt.is_none() && p.running.is_none());
    assert_eq!(p.view, AgentsView::Runs);
    let d = p.data.as_ref().unwrap();
    assert_eq!(d.runs.len(), 1);
    assert_eq!(d.runs[0].status, AgentRunStatus::Success);
    assert_eq!(d.runs[0].output, fake_llm::KOREAN);

    let mut down = Headless::new(with("http://127.0.0.1:9"), (100, 30));
    down.key("8");
    down.key("r");
    down.type_text("안녕");
    down.key("<Enter>");
    let n = down.app.notice.clone().expect("a notice");
    assert!(n.error, "{}", n.text);
    assert!(n.text.starts_with("coder: "), "{}", n.text);
    assert!(n.text.contains('('), "with its hint: {}", n.text);
    let p: &AgentsPane = down.app.pane_state().unwrap();
    assert_eq!(
        p.data.as_ref().unwrap().runs[0].status,
        AgentRunStatus::Failed
    );
    down.key("v");
    assert!(down.screen().contains("Skills"));
}

/// A run going on is stopped (`x` in the Agents pane sends `StopAgent`): the
/// model never answers (a socket that accepts and stays silent), the stop
/// ends the run at once, recorded as stopped; a second run of the same agent
/// while one goes on is refused with a hint, and stopping one not running
/// says so.
#[test]
fn a_running_agent_is_stopped() {
    use jr::domain::agent::{AgentDef, AgentRunStatus};
    use jr::tui::worker::{self, Msg, Mutation, Payload, Request, Slot, WorkerState};
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let llm = jr::clients::llm::LlmConfig {
        ollama_url: format!("http://{}", silent.local_addr().unwrap()),
        ..Default::default()
    };
    let e = engine(&dir.path().join("jr.db")).with_llm(llm);
    e.add_agent(&AgentDef {
        name: "coder".into(),
        model: "ollama/qwen2.5-coder:7b".into(),
        ..Default::default()
    })
    .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let to_worker = worker::spawn(WorkerState::new(e), move |r| tx.send(r).is_ok());
    let send = |id: u64, m: Mutation| {
        to_worker
            .send(Msg::Request(id, Slot::Mutation, Request::Mutate(m)))
            .unwrap()
    };
    // The answers, without the data-change notices the worker sends when
    // another connection (here the agent run's own) writes.
    let next = || loop {
        let a = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("an answer");
        if !matches!(a.payload, Payload::DataChanged) {
            break a;
        }
    };
    send(9, Mutation::StopAgent("coder".into()));
    match next().payload {
        Payload::Failed(e) => assert!(e.message.contains("not running"), "{}", e.message),
        p => panic!("{p:?}"),
    }
    let run = || Mutation::RunAgent {
        agent: "coder".into(),
        prompt: "오래 걸리는 일".into(),
    };
    send(1, run());
    assert!(matches!(next().payload, Payload::AgentPartial { .. }));
    send(2, run());
    match next().payload {
        Payload::Failed(e) => {
            assert!(e.message.contains("running already"), "{}", e.message);
            assert!(!e.hints.is_empty());
        }
        p => panic!("{p:?}"),
    }
    let asked = std::time::Instant::now();
    send(3, Mutation::StopAgent("coder".into()));
    let run = loop {
        match next().payload {
            Payload::AgentRan { run, .. } => break run,
            Payload::Failed(e) => panic!("{}", e.message),
            _ => {}
        }
    };
    assert_eq!(run.status, AgentRunStatus::Stopped);
    assert!(asked.elapsed() < std::time::Duration::from_secs(5));
    to_worker.send(Msg::Stop).unwrap();
    drop(silent);
}
