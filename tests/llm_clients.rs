//! The real LLM client code against a local server speaking Ollama's and
//! OpenAI's wire protocols (tests/fake_llm): streaming with the final
//! metrics line, Korean split across network chunks, structured output,
//! a missing model, a mid-stream error, slow replies, keys.

mod fake_llm;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fake_llm::{API_KEY, FakeLlm, KOREAN};
use jr::clients::llm::{
    Chunk, Llm, LlmConfig, LlmErrorKind, Message, ModelRef, Options, ProviderConfig, Request,
    ollama,
};

fn llm(server: &FakeLlm) -> Llm {
    let mut cfg = LlmConfig {
        ollama_url: server.url.clone(),
        read_timeout: Duration::from_secs(1),
        load_timeout: Duration::from_secs(1),
        keep_alive: Some("10m".into()),
        providers: vec![ProviderConfig {
            name: "cloud".into(),
            base_url: format!("{}/v1", server.url),
            api_key_env: Some("CLOUD_KEY".into()),
        }],
        ..Default::default()
    };
    cfg.keys.insert("CLOUD_KEY", API_KEY.into());
    Llm::new(cfg).unwrap()
}

fn req(model: &str) -> Request {
    Request {
        model: ModelRef::parse(model).unwrap(),
        messages: vec![
            Message::system("간결하게"),
            Message::user("오늘 할일 뭐야?"),
        ],
        options: Options {
            temperature: Some(0.2),
            max_tokens: Some(300),
            ..Default::default()
        },
        schema: None,
        tools: Vec::new(),
    }
}

/// Run a request, collecting the pieces as they came.
async fn run(
    llm: &Llm,
    r: &Request,
) -> (
    Result<jr::clients::llm::Completion, jr::clients::llm::LlmError>,
    Vec<Chunk>,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let mut on = move |c: Chunk| s.lock().unwrap().push(c);
    let res = llm.complete(r, &mut on).await;
    let got = seen.lock().unwrap().clone();
    (res, got)
}

#[tokio::test]
async fn a_korean_answer_streamed_in_tiny_chunks_arrives_whole_with_token_counts() {
    let server = FakeLlm::start();
    let llm = llm(&server);
    let (res, chunks) = run(&llm, &req("ollama/qwen2.5-coder:7b")).await;
    let c = res.unwrap();
    assert_eq!(c.content, KOREAN);
    assert_eq!(c.tokens_in, Some(26));
    assert_eq!(
        c.tokens_out,
        Some(KOREAN.chars().count().div_ceil(2) as u64)
    );
    assert_eq!(c.done_reason.as_deref(), Some("stop"));
    let deltas: String = chunks
        .iter()
        .filter_map(|c| match c {
            Chunk::Delta(d) => Some(d.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(deltas, KOREAN, "every piece arrives, none dropped");
    assert!(chunks.len() > 10, "streamed in pieces: {}", chunks.len());
    assert!(
        !chunks.iter().any(|c| matches!(c, Chunk::Loading { .. })),
        "a loaded model is not 'loading'"
    );
    // What went over the wire is Ollama's request.
    let sent = &server.chats()[0].body;
    assert_eq!(sent["model"], "qwen2.5-coder:7b");
    assert_eq!(sent["stream"], true);
    assert_eq!(sent["keep_alive"], "10m");
    assert_eq!(sent["options"]["num_predict"], 300);
    assert_eq!(sent["messages"][1]["content"], "오늘 할일 뭐야?");
}

#[tokio::test]
async fn a_missing_metric_loses_only_that_metric() {
    let server = FakeLlm::start();
    let (res, _) = run(&llm(&server), &req("ollama/llama3.2:3b")).await;
    let c = res.unwrap();
    assert_eq!(c.content, KOREAN);
    assert_eq!(c.tokens_in, None);
    assert!(c.tokens_out.is_some());
}

#[tokio::test]
async fn structured_output_sends_the_schema_and_parses_the_answer() {
    let server = FakeLlm::start();
    let llm = llm(&server);
    let schema = serde_json::json!({"type": "object", "properties": {"route": {"type": "string",
        "enum": ["answer", "act", "defer", "escalate"]}, "reply": {"type": "string"}}, "required": ["route"]});
    for model in ["ollama/qwen2.5-coder:7b", "cloud/gpt-4o-mini"] {
        let mut r = req(model);
        r.schema = Some(schema.clone());
        let (res, _) = run(&llm, &r).await;
        let v = res.unwrap().json().unwrap();
        assert_eq!(v["route"], "answer", "{model}");
        assert_eq!(v["reply"], "할 일이 3개 있습니다");
    }
    let chats = server.chats();
    assert_eq!(
        chats[0].body["format"]["properties"]["route"]["enum"][3],
        "escalate"
    );
    assert_eq!(
        chats[1].body["response_format"]["json_schema"]["schema"]["required"][0],
        "route"
    );
}

#[tokio::test]
async fn failures_say_which_and_what_to_do() {
    let server = FakeLlm::start();
    let llm = llm(&server);
    let cases: &[(&str, LlmErrorKind, &str)] = &[
        (
            "ollama/nope:7b",
            LlmErrorKind::ModelNotFound,
            "ollama pull nope:7b",
        ),
        (
            "ollama/broken:1b",
            LlmErrorKind::MidStream,
            "CUDA error: out of memory",
        ),
        (
            "ollama/slow:1b",
            LlmErrorKind::Timeout,
            "did not start answering within 1s",
        ),
        (
            "ollama/stall:1b",
            LlmErrorKind::Timeout,
            "went silent for 1s",
        ),
        (
            "cloud/missing",
            LlmErrorKind::ModelNotFound,
            "does not exist",
        ),
        ("cloud/gpt-broken", LlmErrorKind::MidStream, "had an error"),
        (
            "openai/gpt-4o",
            LlmErrorKind::MissingKey,
            "set OPENAI_API_KEY",
        ),
    ];
    for (model, kind, text) in cases {
        let (res, _) = run(&llm, &req(model)).await;
        let e = res.expect_err(model);
        assert_eq!(e.kind, *kind, "{model}: {}", e.full());
        assert!(e.full().contains(text), "{model}: {}", e.full());
    }
    // A mid-stream error comes after the pieces that did arrive.
    let (_, chunks) = run(&llm, &req("ollama/broken:1b")).await;
    assert_eq!(chunks.len(), 2);
}

#[tokio::test]
async fn ollama_down_and_a_refused_key() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let down = Llm::new(LlmConfig {
        ollama_url: url.clone(),
        ..Default::default()
    })
    .unwrap();
    let (res, _) = run(&down, &req("ollama/qwen2.5-coder:7b")).await;
    let e = res.unwrap_err();
    assert_eq!(e.kind, LlmErrorKind::Unreachable);
    assert!(
        e.full().contains(&url) && e.full().contains("ollama serve"),
        "{}",
        e.full()
    );

    let server = FakeLlm::start();
    let mut cfg = LlmConfig {
        ollama_url: server.url.clone(),
        providers: vec![ProviderConfig {
            name: "cloud".into(),
            base_url: format!("{}/v1", server.url),
            api_key_env: Some("CLOUD_KEY".into()),
        }],
        ..Default::default()
    };
    cfg.keys.insert("CLOUD_KEY", "wrong".into());
    let (res, _) = run(&Llm::new(cfg).unwrap(), &req("cloud/gpt-4o-mini")).await;
    assert_eq!(res.unwrap_err().kind, LlmErrorKind::BadKey);
}

#[tokio::test]
async fn the_openai_stream_carries_korean_and_usage() {
    let server = FakeLlm::start();
    let (res, _) = run(&llm(&server), &req("cloud/gpt-4o-mini")).await;
    let c = res.unwrap();
    assert_eq!(c.content, KOREAN);
    assert_eq!((c.tokens_in, c.tokens_out), (Some(31), Some(17)));
    let sent = &server.chats()[0];
    assert_eq!(sent.path, "/v1/chat/completions");
    assert_eq!(sent.body["max_tokens"], 300);
    assert_eq!(sent.body["stream"], true);
}

#[tokio::test]
async fn a_cold_model_is_reported_as_loading_and_health_lists_models() {
    let server = FakeLlm::start();
    let llm = Arc::new(llm(&server));
    let mut rx = llm.stream(req("ollama/cold:1b"));
    let first = rx.recv().await.unwrap().unwrap();
    assert_eq!(
        first,
        Chunk::Loading {
            model: "cold:1b".into()
        }
    );
    let mut last = None;
    while let Some(c) = rx.recv().await {
        last = Some(c.unwrap());
    }
    match last {
        Some(Chunk::Done(c)) => assert_eq!(c.content, KOREAN),
        other => panic!("expected Done, got {other:?}"),
    }
    let h = ollama::health(&llm).await.unwrap();
    assert_eq!(h.version, "0.12.3");
    assert_eq!(h.installed.len(), fake_llm::INSTALLED.len());
    assert!(!h.loaded.iter().any(|m| m.name == "cold:1b"));
    assert!(h.loaded.iter().any(|m| m.name == "qwen2.5-coder:7b"));
}
