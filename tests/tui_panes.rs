//! The Context, Cards and Agents panes: snapshots at 80×24 and 160×48 with
//! Korean fixtures and a frozen clock, and headless flows against the engine
//! (a search as you type finds a Korean message by part of a word; opening a
//! hit shows its session).

use chrono::{Duration, TimeZone, Utc};
use jr::clock::Clock;
use jr::domain::context::NewMessage;
use jr::engine::Engine;
use jr::engine::cards::ProposedCard;
use jr::store::Store;
use jr::tui::action::Action;
use jr::tui::headless::Headless;
use jr::tui::panes::cards::CardsPane;
use jr::tui::panes::context::ContextPane;

fn engine() -> Engine {
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap();
    let tz: chrono_tz::Tz = "Asia/Seoul".parse().unwrap();
    Engine::new(Store::open_in_memory().unwrap(), Clock::Fixed(now), tz)
}

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn snap(name: &str, size: (u16, u16), h: &Headless) {
    let screen: String = h
        .screen()
        .lines()
        .map(|l| match l.find(" kB") {
            // The database's size changes with every migration.
            Some(end) => {
                let start = l[..end].rfind(' ').map_or(0, |i| i + 1);
                format!("{}{}{}", &l[..start], "#".repeat(end - start), &l[end..])
            }
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), screen + "\n");
}

/// Two sessions of Korean and English conversation, from two clients.
fn conversations(e: &Engine) {
    let now = e.now();
    let log = |session: &str, client: &str, role: &str, mins: i64, text: &str| {
        e.log_message(NewMessage {
            channel: "jr".into(),
            session: session.into(),
            client: client.into(),
            role: role.into(),
            content: text.into(),
            created_at: Some(now - Duration::minutes(mins)),
            ..NewMessage::default()
        })
        .unwrap();
    };
    log(
        "버그-수정",
        "claude-code",
        "user",
        300,
        "스케줄러에서 잡이 두 번 실행되는 버그를 찾아줘",
    );
    log(
        "버그-수정",
        "claude-code",
        "assistant",
        299,
        "lease 갱신이 늦으면 두 프로세스가 모두 스케줄러 역할을 맡습니다.\n고치려면 갱신 주기를 줄이고 data_version을 확인하세요.",
    );
    log(
        "버그-수정",
        "claude-code",
        "user",
        298,
        "좋아, 테스트도 추가해줘",
    );
    log(
        "weekly",
        "codex",
        "user",
        60,
        "draft the weekly report from the run history",
    );
    log(
        "weekly",
        "codex",
        "assistant",
        59,
        "Here is the draft: 12 runs, 2 failures (backup).",
    );
}

/// Three cards as the ambient job makes them, all due now.
fn cards(e: &Engine) {
    let card = |q: &str, a: &str| ProposedCard {
        question: q.into(),
        answer: a.into(),
        source_ids: Vec::new(),
    };
    e.save_cards(
        "cards",
        None,
        &[
            card(
                "스케줄러가 두 번 실행되는 원인은?",
                "lease 갱신이 늦어 두 프로세스가 모두 스케줄러 역할을 맡기 때문.",
            ),
            card(
                "What does data_version tell?",
                "That another connection committed.",
            ),
            card("SM-2에서 '4'는?", "good: 기억해냄"),
        ],
        &[],
        0,
    )
    .unwrap();
}

/// An agent with a skill and an MCP server, two models, two executions.
fn agents(e: &Engine) {
    use jr::domain::agent::{AgentConfig, AgentDef, AgentRunStatus, McpServer, Skill};
    e.put_skill(&Skill {
        id: 0,
        name: "korean".into(),
        description: "한국어로 답한다".into(),
        body: "항상 한국어로, 존댓말로 답하세요.".into(),
        source: Some("~/.claude/skills/korean".into()),
    })
    .unwrap();
    e.put_mcp(&McpServer {
        id: 0,
        name: "jr".into(),
        command: Some("jr mcp".into()),
        url: None,
        env: Default::default(),
        description: "jr itself".into(),
    })
    .unwrap();
    e.add_model("ollama/qwen2.5:7b", Some(32768), "로컬 기본 모델")
        .unwrap();
    e.add_model("anthropic/claude-sonnet-4-5", None, "")
        .unwrap();
    e.add_agent(&AgentDef {
        name: "briefer".into(),
        description: "아침 브리핑".into(),
        model: "ollama/qwen2.5:7b".into(),
        system_prompt: "You brief me about today's tasks.".into(),
        skills: vec!["korean".into()],
        mcps: vec!["jr".into()],
        allow_tools: Vec::new(),
        config: AgentConfig {
            temperature: Some(0.3),
            max_tokens: Some(1024),
        },
    })
    .unwrap();
    for (prompt, status, out, err) in [
        (
            "오늘 할일 뭐야?",
            AgentRunStatus::Success,
            "세 가지: 스케줄러 버그, 보고서, 장보기.",
            None,
        ),
        (
            "summarize the week",
            AgentRunStatus::Failed,
            "",
            Some("ollama: connection refused"),
        ),
    ] {
        let inv = e.prepare_agent("briefer", prompt).unwrap();
        let id = e.start_agent_run(&inv, None).unwrap();
        e.finish_agent_run(
            id,
            &jr::store::agent_runs::AgentFinish {
                status,
                output: out,
                tokens_in: Some(120),
                tokens_out: Some(40),
                error: err,
            },
        )
        .unwrap();
    }
}

fn context(h: &Headless) -> &ContextPane {
    h.app.pane_state().unwrap()
}

#[test]
fn context_pane() {
    for size in SIZES {
        let h = Headless::new(engine(), size);
        let mut h = h;
        h.key("6");
        snap("context_empty", size, &h);

        let e = engine();
        conversations(&e);
        cards(&e);
        let mut h = Headless::new(e, size);
        snap("dashboard_context", size, &h);
        h.key("6");
        snap("context_sessions", size, &h);
        h.key("/");
        h.type_text("스케줄러");
        snap("context_search", size, &h);
        h.key("<Enter>");
        h.key("j");
        h.key("<Enter>");
        snap("context_session", size, &h);
    }
}

#[test]
fn searching_as_you_type_finds_korean_by_part_of_a_word_and_opens_its_session() {
    let e = engine();
    conversations(&e);
    let mut h = Headless::new(e, (100, 30));
    h.key("6");
    assert_eq!(context(&h).sessions.len(), 2);
    h.key("/");
    h.type_text("스케줄");
    let hits = &context(&h).hits.as_ref().unwrap().hits;
    assert_eq!(hits.len(), 2, "{hits:?}");
    h.type_text("러");
    let p = context(&h);
    let found = &p.hits.as_ref().unwrap().hits;
    assert!(
        found
            .iter()
            .any(|x| x.snippet.contains("[스케줄러]에서") && x.session == "버그-수정"),
        "{found:?}"
    );
    // Backspace to nothing: the sessions again, no hits.
    for _ in 0.."스케줄러".chars().count() {
        h.key("<Backspace>");
    }
    assert!(context(&h).hits.is_none());
    assert_eq!(context(&h).list.len, 2);
    h.type_text("테스트");
    h.key("<Enter>");
    h.key("<Enter>");
    let open = context(&h).open.as_ref().expect("the session is open");
    assert_eq!(open.session, "버그-수정");
    assert_eq!(open.messages.len(), 3);
    assert!(h.screen().contains("좋아, 테스트도 추가해줘"));
    h.key("<Esc>");
    assert!(context(&h).open.is_none());
    assert!(context(&h).searching());
}

#[test]
fn a_stale_search_answer_is_dropped() {
    let e = engine();
    conversations(&e);
    let mut h = Headless::new(e, (100, 30));
    h.key("6");
    h.key("/");
    h.hold = true;
    h.type_text("draft");
    h.key("<Backspace>");
    h.key("<Backspace>");
    h.key("<Backspace>");
    h.key("<Backspace>");
    h.key("<Backspace>");
    h.type_text("스케줄러");
    let n = h.held.len();
    // The answers come back newest first: only the last query's counts.
    let order: Vec<usize> = (0..n).rev().collect();
    h.hold = false;
    h.release(&order);
    let p = context(&h);
    assert_eq!(p.hits.as_ref().unwrap().query, "스케줄러");
    assert!(
        p.hits
            .as_ref()
            .unwrap()
            .hits
            .iter()
            .all(|x| x.session == "버그-수정")
    );
}

#[test]
fn cards_pane() {
    for size in SIZES {
        let mut h = Headless::new(engine(), size);
        h.key("7");
        snap("cards_empty", size, &h);

        let e = engine();
        cards(&e);
        let mut h = Headless::new(e, size);
        h.key("7");
        snap("cards_question", size, &h);
        h.key("<Space>");
        snap("cards_answer", size, &h);
        h.key("v");
        h.key("j");
        snap("cards_list", size, &h);
    }
}

#[test]
fn grading_a_card_moves_it_off_the_due_list() {
    let e = engine();
    cards(&e);
    let mut h = Headless::new(e, (100, 30));
    h.key("7");
    let p: &CardsPane = h.app.pane_state().unwrap();
    assert_eq!(p.data.as_ref().unwrap().counts, (3, 3));
    let first = p.current().unwrap().id;
    // A grade before the answer is shown does nothing but say so.
    h.key("4");
    let p: &CardsPane = h.app.pane_state().unwrap();
    assert_eq!(p.current().unwrap().id, first);
    h.key("<Space>");
    h.key("4");
    let p: &CardsPane = h.app.pane_state().unwrap();
    let d = p.data.as_ref().unwrap();
    assert_eq!(d.counts, (3, 2));
    assert!(d.due.iter().all(|c| c.id != first), "{:?}", d.due);
    assert!(!p.revealed, "the next card starts with its answer hidden");
    let graded = d.all.iter().find(|c| c.id == first).unwrap();
    assert_eq!((graded.reviews, graded.last_grade), (1, Some(4)));
    assert!(h.screen().contains("is due again in 1d"), "{}", h.screen());
    // Grade the other two: nothing is due.
    h.key("<Space>");
    h.key("5");
    h.key("<Space>");
    h.key("3");
    let p: &CardsPane = h.app.pane_state().unwrap();
    assert_eq!(p.data.as_ref().unwrap().counts, (3, 0));
    assert!(h.screen().contains("Nothing is due"));
    h.send(Action::GoPane(jr::tui::pane::PaneId::Dashboard));
    assert!(
        h.screen().contains("cards: none due of 3"),
        "{}",
        h.screen()
    );
}

#[test]
fn agents_pane() {
    for size in SIZES {
        let mut h = Headless::new(engine(), size);
        h.key("8");
        snap("agents_empty", size, &h);

        let e = engine();
        agents(&e);
        let mut h = Headless::new(e, size);
        h.key("8");
        snap("agents", size, &h);
        h.key("v");
        h.key("j");
        snap("agents_runs", size, &h);
        h.key("v");
        h.key("v");
        h.key("v");
        snap("agents_models", size, &h);
    }
}

#[test]
fn the_agents_pane_walks_its_lists_and_shows_what_is_stored() {
    use jr::tui::panes::agents::{AgentsPane, AgentsView};
    let e = engine();
    agents(&e);
    let mut h = Headless::new(e, (100, 30));
    h.key("8");
    let p: &AgentsPane = h.app.pane_state().unwrap();
    let d = p.data.as_ref().unwrap();
    assert_eq!(
        (
            d.agents.len(),
            d.runs.len(),
            d.skills.len(),
            d.mcps.len(),
            d.models.len()
        ),
        (1, 2, 1, 1, 2)
    );
    assert!(h.screen().contains("briefer"));
    let mut seen = Vec::new();
    for _ in 0..5 {
        h.key("v");
        seen.push(h.app.pane_state::<AgentsPane>().unwrap().view);
    }
    assert_eq!(seen.last(), Some(&AgentsView::Agents));
    // Executions, newest first: the failed one shows its error.
    h.key("v");
    assert!(
        h.screen().contains("error: ollama: connection refused"),
        "{}",
        h.screen()
    );
}

/// `D` asks, `n` keeps the agent, `D` then `y` removes it through the engine;
/// its executions stay.
#[test]
fn the_agents_pane_removes_an_agent_after_asking() {
    use jr::tui::panes::agents::AgentsPane;
    let e = engine();
    agents(&e);
    let mut h = Headless::new(e, (100, 30));
    h.key("8");
    h.key("D");
    assert!(
        h.screen().contains("Remove agent briefer?"),
        "{}",
        h.screen()
    );
    h.key("n");
    assert!(h.app.pane_state::<AgentsPane>().unwrap().confirm.is_none());
    assert_eq!(h.worker.engine().list_agents().unwrap().len(), 1);
    h.key("D");
    h.key("y");
    assert!(h.worker.engine().list_agents().unwrap().is_empty());
    let p: &AgentsPane = h.app.pane_state().unwrap();
    let d = p.data.as_ref().unwrap();
    assert!(d.agents.is_empty());
    assert_eq!(d.runs.len(), 2, "its executions stay");
    assert!(
        h.screen().contains("removed agent briefer"),
        "{}",
        h.screen()
    );
}
