//! The whole router with a model: the rules first, the local model's
//! classification (over Ollama's wire protocol, from the test server) for
//! what the rules cannot place, the fallback when the model is down, and
//! escalation to an OpenAI-compatible cloud model within the daily budget.

mod fake_llm;

use std::sync::Arc;

use fake_llm::{API_KEY, FakeLlm};
use jr::clients::llm::{Llm, LlmConfig, ProviderConfig};
use jr::clock::Clock;
use jr::config::GatewayConfig;
use jr::engine::Engine;
use jr::engine::chat::{ChatSetup, turn};
use jr::engine::gateway::Handled;
use jr::engine::jobs::JobDef;
use jr::engine::shared::Shared;
use jr::router::{Route, Via};
use jr::store::Store;

fn engine() -> Shared {
    let e = Engine::new(
        Store::open_in_memory().unwrap(),
        Clock::System,
        chrono_tz::Asia::Seoul,
    );
    for name in [
        "backup",
        "daily-briefing",
        "knowledge-cards",
        "report-mailer",
    ] {
        e.add_job(&JobDef {
            name: name.into(),
            kind: "shell".into(),
            enabled: true,
            command: "true".into(),
            ..Default::default()
        })
        .unwrap();
    }
    for i in 1..=30 {
        e.add_task(
            jr::domain::NewTask {
                title: format!("task {i}"),
                ..Default::default()
            },
            jr::domain::Source::Cli,
        )
        .unwrap();
    }
    Shared::new(e)
}

fn llm(server: &FakeLlm) -> Arc<Llm> {
    let mut cfg = LlmConfig {
        ollama_url: server.url.clone(),
        ..Default::default()
    };
    cfg.providers.push(ProviderConfig {
        name: "cloud".into(),
        base_url: format!("{}/v1", server.url),
        api_key_env: Some("CLOUD_KEY".into()),
    });
    cfg.keys.insert("CLOUD_KEY", API_KEY.into());
    Arc::new(Llm::new(cfg).unwrap())
}

fn setup(server: &FakeLlm, model: Option<&str>, escalate: Option<&str>, per_day: u32) -> ChatSetup {
    ChatSetup {
        llm: Some(llm(server)),
        gateway: GatewayConfig {
            model: model.map(String::from),
            escalate_model: escalate.map(String::from),
            escalate_daily_requests: per_day,
            ..Default::default()
        },
        session: "test".into(),
    }
}

fn labelled() -> Vec<(String, String)> {
    [
        include_str!("fixtures/router_labels.jsonl"),
        include_str!("fixtures/router_heldout.jsonl"),
    ]
    .iter()
    .flat_map(|f| f.lines())
    .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
    .map(|v| {
        (
            v["text"].as_str().unwrap().to_string(),
            v["route"].as_str().unwrap().to_string(),
        )
    })
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_router_with_a_model() {
    let server = FakeLlm::start();
    let db = engine();
    let s = setup(&server, Some("ollama/router:1b"), None, 0);
    let set = labelled();
    let (mut right, mut by_llm) = (0, 0);
    let mut misses = Vec::new();
    for (text, want) in &set {
        // A dry run: each decision without acting, so the database stays as set up.
        let r = turn(&db, &s, text, true).await.unwrap();
        // Escalation is decided, then (with no cloud model) carried out as a p0 deferral.
        let got = if r.urgent && r.route == Route::Defer && r.intent == "complex" {
            "escalate"
        } else {
            r.route.as_str()
        };
        if r.via == Via::Llm {
            by_llm += 1;
        }
        if got == want {
            right += 1
        } else {
            misses.push(format!(
                "  {text:?}: want {want}, got {got} via {:?}",
                r.via
            ))
        }
    }
    let accuracy = right as f64 / set.len() as f64;
    println!(
        "whole router with the test model: {:.1} % of {} messages ({} placed by the model)",
        accuracy * 100.0,
        set.len(),
        by_llm
    );
    for m in &misses {
        println!("{m}");
    }
    assert!(by_llm > 0, "the model placed what the rules could not");
    assert!(accuracy >= 0.95, "{}", misses.join("\n"));
    let chats = server.chats();
    assert!(
        chats.iter().all(|c| c.body["format"].is_object()),
        "classification asks for structured output"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_cannot_make_the_gateway_do_what_it_may_not() {
    let server = FakeLlm::start();
    let db = engine();
    let s = setup(&server, Some("ollama/router:1b"), None, 0);
    // Not in the labelled sets: the model says defer; a forged act for an
    // unknown job would also become a deferral (see from_model).
    let r = turn(
        &db,
        &s,
        "please handle the quarterly thing we talked about",
        false,
    )
    .await
    .unwrap();
    assert_eq!((r.route, r.via), (Route::Defer, Via::Llm));
    assert!(r.task_id.is_some());
    let forged = serde_json::json!({"route": "act", "intent": "run_job", "urgent": false, "complex": false, "title": "x", "job": "rm -rf /"});
    let catalog = jr::router::Catalog {
        jobs: vec!["backup".into()],
        ..Default::default()
    };
    let d = jr::engine::chat::from_model("x", &forged, &catalog).unwrap();
    assert_eq!(d.route, Route::Defer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_model_down_the_fallback_says_so() {
    let server = FakeLlm::start();
    let db = engine();
    // A model the server does not have: Ollama answers 404.
    let s = setup(&server, Some("ollama/missing:7b"), None, 0);
    let r = turn(
        &db,
        &s,
        "refactor the parser for better error messages",
        false,
    )
    .await
    .unwrap();
    assert_eq!((r.route, r.via), (Route::Defer, Via::Fallback));
    assert!(r.reason.contains("missing:7b"), "{}", r.reason);
    assert!(
        r.reply.contains("local model was unavailable"),
        "{}",
        r.reply
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escalation_uses_the_cloud_model_within_the_daily_budget() {
    let server = FakeLlm::start();
    let db = engine();
    let s = setup(&server, None, Some("cloud/gpt-test"), 1);
    let msg = "지금 당장 장애 원인 분석해줘, 고객이 기다려";
    let r = turn(&db, &s, msg, false).await.unwrap();
    assert_eq!(r.route, Route::Escalate, "{}: {}", r.reason, r.reply);
    assert_eq!(r.reply, fake_llm::KOREAN, "the cloud model's answer, whole");
    let sent = server
        .chats()
        .into_iter()
        .find(|c| c.path.ends_with("/chat/completions"))
        .unwrap();
    assert!(sent.body["messages"].to_string().contains("장애 원인"));
    assert_eq!(r.handled, Handled::Escalated);
    // The budget of one is spent: the next urgent message is filed as p0
    // instead; the decision stays escalate and the reply says why.
    let r = turn(&db, &s, "URGENT: production is down, find out why", false)
        .await
        .unwrap();
    assert_eq!(r.route, Route::Escalate);
    assert_eq!(r.handled, Handled::P0BudgetSpent);
    assert!(r.reply.contains("budget is spent"), "{}", r.reply);
    let task = db
        .call(move |e| e.get_task(r.task_id.unwrap()))
        .await
        .unwrap();
    assert_eq!(task.priority.to_string(), "p0");
    let turns = db
        .call(|e| e.chat_history(Some("test"), None, 10))
        .await
        .unwrap();
    assert_eq!(turns.len(), 2);
    assert_eq!(turns[0].model.as_deref(), Some("cloud/gpt-test"));
    // Ratings are kept with the decision.
    let id = turns[0].id;
    db.call(move |e| e.rate_chat_turn(id, Some(1)))
        .await
        .unwrap();
    assert_eq!(
        db.call(|e| e.chat_history(Some("test"), None, 10))
            .await
            .unwrap()[0]
            .rating,
        Some(1)
    );
    assert!(db.call(|e| e.rate_chat_turn(999, Some(-1))).await.is_err());
}

/// A simple question live data does not answer: the model's own words,
/// streamed, grounded on a snapshot of jr's state, with the last turns of
/// the conversation as context. (`echo:1b` answers with what it was sent.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_answers_in_its_own_words_with_the_conversation() {
    let server = FakeLlm::start();
    let db = engine();
    let s = setup(&server, Some("ollama/echo:1b"), None, 0);
    let r = turn(&db, &s, "오늘 뭐 해야 해?", false).await.unwrap();
    assert_eq!(
        r.handled,
        Handled::Answered,
        "live data answers it, model or not"
    );
    let mut pieces = 0;
    let r = jr::engine::chat::turn_streaming(&db, &s, "오늘 날씨 어때?", false, &mut |_| {
        pieces += 1
    })
    .await
    .unwrap();
    assert_eq!(
        (r.route, r.handled),
        (Route::Answer, Handled::Model),
        "{}",
        r.reply
    );
    assert!(pieces > 1, "streamed");
    assert!(r.reply.contains("[user] 오늘 날씨 어때?"), "{}", r.reply);
    assert!(
        r.reply.contains("Jobs: 4 enabled"),
        "grounded on jr's state: {}",
        r.reply
    );
    assert!(
        r.reply.contains("[user] 오늘 뭐 해야 해?") && r.reply.contains("[assistant] 현재 pending"),
        "the last turns go along: {}",
        r.reply
    );
    // A key typed in is not stored in clear, even in a model's turn.
    let key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789";
    let r = turn(&db, &s, &format!("what is {key}?"), false)
        .await
        .unwrap();
    let stored = db
        .call(move |e| e.chat_turn(r.turn_id.unwrap()))
        .await
        .unwrap();
    assert!(
        !stored.message.contains(key) && !stored.reply.contains(key),
        "{stored:?}"
    );
}

/// Delegation: "summarizer한테 이거 정리시켜줘" runs the agent through the
/// same path as `jr agents run` (recorded), with what the conversation
/// showed last as its text, and streams its answer into the turn.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_agent_does_the_work_it_is_handed() {
    let server = FakeLlm::start();
    let e = Engine::new(
        Store::open_in_memory().unwrap(),
        Clock::System,
        chrono_tz::Asia::Seoul,
    )
    .with_llm(LlmConfig {
        ollama_url: server.url.clone(),
        ..Default::default()
    });
    e.add_agent(&jr::domain::agent::AgentDef {
        name: "summarizer".into(),
        description: "Summarizes text into short bullet points".into(),
        model: "ollama/qwen2.5-coder:7b".into(),
        ..Default::default()
    })
    .unwrap();
    e.add_task(
        jr::domain::NewTask {
            title: "세금 신고".into(),
            ..Default::default()
        },
        jr::domain::Source::Cli,
    )
    .unwrap();
    let db = Shared::new(e);
    let s = setup(&server, None, None, 0);
    turn(&db, &s, "오늘 뭐 해야 해?", false).await.unwrap();
    let mut grown = String::new();
    let r = jr::engine::chat::turn_streaming(
        &db,
        &s,
        "summarizer한테 이거 정리시켜줘",
        false,
        &mut |p| grown.push_str(p),
    )
    .await
    .unwrap();
    assert_eq!(
        (r.route, r.handled),
        (Route::Act, Handled::Agent),
        "{}",
        r.reply
    );
    assert_eq!(
        serde_json::to_value(&r.target).unwrap(),
        serde_json::json!({"kind": "agent", "name": "summarizer"})
    );
    assert_eq!(r.reply, fake_llm::KOREAN);
    assert_eq!(grown, fake_llm::KOREAN, "streamed into the turn");
    let run = db
        .call(|e| e.agent_runs(Some("summarizer"), 5))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(Some(run.id), r.agent_run_id);
    assert!(
        run.prompt.contains("세금 신고"),
        "the text it was pointed at: {}",
        run.prompt
    );
    // Unreachable Ollama: the turn says so, nothing else happens.
    let ask = "ask summarizer to summarize this: the NAS moved to the closet";
    let down = Engine::new(
        Store::open_in_memory().unwrap(),
        Clock::System,
        chrono_tz::Asia::Seoul,
    )
    .with_llm(LlmConfig {
        ollama_url: "http://127.0.0.1:9".into(),
        ..Default::default()
    });
    down.add_agent(&jr::domain::agent::AgentDef {
        name: "summarizer".into(),
        model: "ollama/qwen2.5-coder:7b".into(),
        ..Default::default()
    })
    .unwrap();
    let r = turn(&Shared::new(down), &s, ask, false).await.unwrap();
    assert_eq!(r.handled, Handled::Failed);
    assert!(
        r.error.as_deref().unwrap().contains("not reachable"),
        "{:?}",
        r.error
    );
}
