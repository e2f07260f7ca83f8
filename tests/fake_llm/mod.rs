//! A local server speaking Ollama's wire protocol (`/api/version`, `/api/tags`,
//! `/api/ps`, streaming `/api/chat` as chunked NDJSON ending in a metrics
//! line) and an OpenAI-compatible `/v1/chat/completions` (SSE). Replies are
//! written in tiny network chunks, so multi-byte characters are split
//! between chunks, as happens on a real connection. What a model does is
//! chosen by its name:
//!
//! | model | reply |
//! |---|---|
//! | `qwen2.5-coder:7b` | a Korean answer (JSON when `format` is a schema) |
//! | `llama3.2:3b` | the same, but the final line lacks `prompt_eval_count` |
//! | `echo:1b` | the messages it got, `[role] content` per message |
//! | `broken:1b` | two pieces, then a mid-stream `{"error": ...}` line |
//! | `slow:1b` | nothing for 2.5 s (as during a cold load), then an answer |
//! | `stall:1b` | one piece, 2.5 s of silence, then the rest |
//! | `cold:1b` | not in `/api/ps` (not loaded); answers after 200 ms |
//! | `cards:1b` | knowledge cards (structured output): one per user message of the prompt's `[#ID] role (...): text` lines |
//! | `router:1b` | a chat-router classification (structured output) of the last message, as a competent model would give it for the labelled sets in tests/fixtures (see `oracle`) |
//! | `tools:1b` | follows the `CALL` script of the last user message (below): asks for tools, streamed |
//! | `tools-flat:1b` | the same, each reply sent whole (`application/json`, `stream` ignored) |
//! | anything else | 404 `{"error":"model 'x' not found"}` |
//!
//! On `/v1/chat/completions`, `gpt-tools` and `gpt-tools-flat` do the same
//! in OpenAI's shapes (tool-call arguments streamed as string fragments).
//!
//! The `CALL` script: each line `CALL name {json args}` of the last user
//! message is one turn, `&&` joins calls made in one turn. After N turns of
//! calls (counted from the assistant messages that carry `tool_calls`), the
//! model answers `도구 결과: ` followed by every tool message's content
//! (`[tool_name] content`, joined by ` | `). It fails the test's request
//! with a 400 if a tool result does not name its call (`tool_name` for
//! Ollama, a matching `tool_call_id` for OpenAI) or the tools were not sent.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

pub const KOREAN: &str =
    "안녕하세요! 오늘 할 일은 세 가지입니다: 1. 스케줄러 버그 고치기 🐛 2. 문서 쓰기";
pub const INSTALLED: &[&str] = &[
    "qwen2.5-coder:7b",
    "llama3.2:3b",
    "echo:1b",
    "broken:1b",
    "slow:1b",
    "stall:1b",
    "cold:1b",
    "router:1b",
    "cards:1b",
    "tools:1b",
    "tools-flat:1b",
];
pub const API_KEY: &str = "test-key-not-secret";

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

pub struct FakeLlm {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
}

impl FakeLlm {
    pub fn start() -> FakeLlm {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let rec = requests.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let rec = rec.clone();
                std::thread::spawn(move || {
                    let _ = serve(conn, &rec);
                });
            }
        });
        FakeLlm { url, requests }
    }

    /// Chat requests received so far (their JSON bodies).
    pub fn chats(&self) -> Vec<Recorded> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.method == "POST")
            .cloned()
            .collect()
    }
}

fn serve(conn: TcpStream, rec: &Mutex<Vec<Recorded>>) -> std::io::Result<()> {
    conn.set_nodelay(true)?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            let (k, v) = (k.trim().to_lowercase(), v.trim().to_string());
            if k == "content-length" {
                len = v.parse().unwrap_or(0);
            }
            headers.push((k, v));
        }
    }
    let mut body = vec![0u8; len];
    reader.read_exact(&mut body)?;
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    rec.lock().unwrap().push(Recorded {
        method: method.clone(),
        path: path.clone(),
        headers: headers.clone(),
        body: body.clone(),
    });
    let mut w = conn;
    match (method.as_str(), path.as_str()) {
        ("GET", "/api/version") => plain(&mut w, 200, &json!({"version": "0.12.3"})),
        ("GET", "/api/tags") => {
            let models: Vec<Value> = INSTALLED
                .iter()
                .map(|n| {
                    json!({"name": n, "model": n, "modified_at": "2026-11-01T09:00:00+09:00",
                    "size": 4_683_087_332u64, "digest": "abc", "details": {"format": "gguf"}})
                })
                .collect();
            plain(&mut w, 200, &json!({"models": models}))
        }
        ("GET", "/api/ps") => {
            let models: Vec<Value> = INSTALLED
                .iter()
                .filter(|n| **n != "cold:1b")
                .map(|n| {
                    json!({"name": n, "model": n, "size": 1, "size_vram": 1,
                    "expires_at": "2026-11-22T09:05:00+09:00"})
                })
                .collect();
            plain(&mut w, 200, &json!({"models": models}))
        }
        ("POST", "/api/chat") => ollama_chat(&mut w, &body),
        ("POST", "/v1/chat/completions") => openai_chat(&mut w, &headers, &body),
        _ => plain(&mut w, 404, &json!({"error": "404 page not found"})),
    }
}

fn plain(w: &mut TcpStream, status: u16, v: &Value) -> std::io::Result<()> {
    let body = v.to_string();
    write!(
        w,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn start_chunked(w: &mut TcpStream, ctype: &str) -> std::io::Result<()> {
    write!(
        w,
        "HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )?;
    w.flush()
}

/// Write `bytes` as HTTP chunks of `size` bytes each, flushed one by one.
fn trickle(w: &mut TcpStream, bytes: &[u8], size: usize) -> std::io::Result<()> {
    for c in bytes.chunks(size) {
        write!(w, "{:x}\r\n", c.len())?;
        w.write_all(c)?;
        w.write_all(b"\r\n")?;
        w.flush()?;
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(())
}

fn end_chunked(w: &mut TcpStream) -> std::io::Result<()> {
    w.write_all(b"0\r\n\r\n")?;
    w.flush()
}

/// The pieces of an answer: two characters each.
fn pieces(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(2).map(|c| c.iter().collect()).collect()
}

fn answer_for(body: &Value) -> String {
    let model = body["model"].as_str().unwrap_or("");
    if model.starts_with("cards") {
        let last = body["messages"]
            .as_array()
            .and_then(|m| m.last())
            .and_then(|m| m["content"].as_str())
            .unwrap_or("");
        let cards: Vec<Value> = last
            .lines()
            .filter_map(|l| {
                let rest = l.strip_prefix("[#")?;
                let (id, rest) = rest.split_once("] ")?;
                let (head, text) = rest.split_once("): ")?;
                head.starts_with("user").then(|| {
                    json!({"question": format!("Q: {}", text.chars().take(40).collect::<String>()),
                        "answer": text, "source_ids": [id.parse::<i64>().unwrap_or(0)]})
                })
            })
            .collect();
        return json!({"cards": cards}).to_string();
    }
    if model.starts_with("router") {
        let last = body["messages"]
            .as_array()
            .and_then(|m| m.last())
            .and_then(|m| m["content"].as_str())
            .unwrap_or("");
        return oracle(last).to_string();
    }
    if model.starts_with("echo") {
        return body["messages"]
            .as_array()
            .map(|ms| {
                ms.iter()
                    .map(|m| {
                        format!(
                            "[{}] {}",
                            m["role"].as_str().unwrap_or(""),
                            m["content"].as_str().unwrap_or("")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default();
    }
    let schema = body.get("format").or_else(|| body.get("response_format"));
    if schema.is_some_and(|f| f.is_object()) {
        return json!({"route": "answer", "reply": "할 일이 3개 있습니다"}).to_string();
    }
    KOREAN.to_string()
}

fn ollama_chat(w: &mut TcpStream, body: &Value) -> std::io::Result<()> {
    let model = body["model"].as_str().unwrap_or("").to_string();
    if !INSTALLED.contains(&model.as_str()) {
        return plain(
            w,
            404,
            &json!({"error": format!("model '{model}' not found")}),
        );
    }
    if model.starts_with("tools") {
        return ollama_tools(w, &model, body);
    }
    match model.as_str() {
        "slow:1b" => std::thread::sleep(Duration::from_millis(2500)),
        "cold:1b" => std::thread::sleep(Duration::from_millis(200)),
        _ => {}
    }
    start_chunked(w, "application/x-ndjson")?;
    let answer = answer_for(body);
    let line = |content: &str| {
        format!(
            "{}\n",
            json!({"model": model, "created_at": "2026-11-22T00:00:00Z",
                "message": {"role": "assistant", "content": content}, "done": false})
        )
    };
    // The router's classifications come in a few larger pieces: the tests
    // send many of them, and tiny pieces are exercised by the other models.
    let (ps, size) = if model.starts_with("router") || model.starts_with("cards") {
        (
            answer
                .chars()
                .collect::<Vec<_>>()
                .chunks(64)
                .map(|c| c.iter().collect())
                .collect(),
            256,
        )
    } else {
        (pieces(&answer), 3)
    };
    for (i, p) in ps.iter().enumerate() {
        if model == "broken:1b" && i == 2 {
            let err = json!({"error": "an error was encountered while running the model: CUDA error: out of memory"});
            trickle(w, format!("{err}\n").as_bytes(), 5)?;
            return end_chunked(w);
        }
        if model == "stall:1b" && i == 1 {
            std::thread::sleep(Duration::from_millis(2500));
        }
        trickle(w, line(p).as_bytes(), size)?;
    }
    let mut fin = json!({"model": model, "created_at": "2026-11-22T00:00:01Z",
        "message": {"role": "assistant", "content": ""}, "done": true, "done_reason": "stop",
        "total_duration": 4_883_583_458u64, "load_duration": 1_019_500u64,
        "prompt_eval_count": 26, "prompt_eval_duration": 342_546_000u64,
        "eval_count": ps.len(), "eval_duration": 4_535_599_000u64});
    if model == "llama3.2:3b" {
        fin.as_object_mut().unwrap().remove("prompt_eval_count");
    }
    trickle(w, format!("{fin}\n").as_bytes(), 7)?;
    end_chunked(w)
}

fn openai_chat(
    w: &mut TcpStream,
    headers: &[(String, String)],
    body: &Value,
) -> std::io::Result<()> {
    let auth = headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .map(|(_, v)| v.as_str());
    if auth != Some(&format!("Bearer {API_KEY}")) {
        return plain(
            w,
            401,
            &json!({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}),
        );
    }
    let model = body["model"].as_str().unwrap_or("").to_string();
    if model == "missing" {
        return plain(
            w,
            404,
            &json!({"error": {"message": format!("The model `{model}` does not exist"), "code": "model_not_found"}}),
        );
    }
    if model.starts_with("gpt-tools") {
        return openai_tools(w, &model, body);
    }
    start_chunked(w, "text/event-stream")?;
    let answer = answer_for(body);
    for (i, p) in pieces(&answer).iter().enumerate() {
        if model == "gpt-broken" && i == 2 {
            let ev = json!({"error": {"message": "The server had an error while processing your request"}});
            trickle(w, format!("data: {ev}\n\n").as_bytes(), 5)?;
            return end_chunked(w);
        }
        let ev = json!({"id": "c1", "object": "chat.completion.chunk", "model": model,
            "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": null}]});
        trickle(w, format!("data: {ev}\n\n").as_bytes(), 3)?;
    }
    let fin = json!({"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]});
    let usage = json!({"id": "c1", "choices": [], "usage": {"prompt_tokens": 31, "completion_tokens": 17, "total_tokens": 48}});
    trickle(
        w,
        format!(": keep-alive\n\ndata: {fin}\n\ndata: {usage}\n\ndata: [DONE]\n\n").as_bytes(),
        9,
    )?;
    end_chunked(w)
}

/// The classification a competent model gives a message of the labelled
/// sets: the label's route, with the job, task number and status it names.
/// Messages outside the sets get `defer`.
pub fn oracle(msg: &str) -> Value {
    let labels = [
        include_str!("../fixtures/router_labels.jsonl"),
        include_str!("../fixtures/router_heldout.jsonl"),
    ];
    let route = labels
        .iter()
        .flat_map(|f| f.lines())
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["text"] == msg)
        .and_then(|v| v["route"].as_str().map(String::from))
        .unwrap_or_else(|| "defer".into());
    let m = msg.to_lowercase();
    let job = [
        "daily-briefing",
        "knowledge-cards",
        "report-mailer",
        "backup",
    ]
    .iter()
    .find(|j| m.contains(*j))
    .map(|j| j.to_string());
    let task_id: Option<i64> = m
        .split(|c: char| !c.is_ascii_digit())
        .find(|d| !d.is_empty() && d.len() < 6)
        .and_then(|d| d.parse().ok());
    let status = [
        ("reopen", "pending"),
        ("cancel", "cancelled"),
        ("취소", "cancelled"),
        ("review", "review"),
        ("리뷰", "review"),
        ("done", "done"),
        ("완료", "done"),
        ("start", "in_progress"),
        ("시작", "in_progress"),
    ]
    .iter()
    .find(|(k, _)| m.contains(k))
    .map(|(_, s)| s.to_string());
    let intent = match route.as_str() {
        "act" if job.is_some() && task_id.is_none() => "run_job",
        "act" if task_id.is_some() && status.is_some() => "task_move",
        "act" => "task_add",
        "answer" if m.contains("fail") || m.contains("실패") => "runs_failed",
        "answer" if job.is_some() => "job_next",
        "answer" => "status",
        "escalate" | "defer" => "complex",
        _ => "complex",
    };
    json!({"route": route, "intent": intent, "urgent": route == "escalate", "complex": route == "defer" || route == "escalate",
        "title": msg.chars().take(40).collect::<String>(), "job": job, "task_id": task_id, "status": status})
}

/// What a tool-using model does next: the calls of its next turn, or the
/// final answer. `Err` when the request breaks the protocol.
pub enum Turn {
    Calls(Vec<(String, Value)>),
    Answer(String),
}

pub fn next_turn(body: &Value, openai: bool) -> Result<Turn, String> {
    let msgs = body["messages"].as_array().cloned().unwrap_or_default();
    if body["tools"].as_array().is_none_or(|t| t.is_empty()) {
        return Err("no tools were offered".into());
    }
    let last_user = msgs
        .iter()
        .rposition(|m| m["role"] == "user")
        .ok_or("no user message")?;
    let script: Vec<Vec<(String, Value)>> = msgs[last_user]["content"]
        .as_str()
        .unwrap_or("")
        .lines()
        .filter_map(|l| l.trim().strip_prefix("CALL "))
        .map(|l| {
            l.split(" && ")
                .map(|c| {
                    let c = c.trim().trim_start_matches("CALL ").trim();
                    let (name, args) = c.split_once(' ').unwrap_or((c, "{}"));
                    (
                        name.to_string(),
                        serde_json::from_str(args).unwrap_or(json!({})),
                    )
                })
                .collect()
        })
        .collect();
    let after = &msgs[last_user + 1..];
    let mut ids = Vec::new();
    for m in after {
        if m["role"] == "assistant" {
            for c in m["tool_calls"].as_array().into_iter().flatten() {
                if openai {
                    ids.push(c["id"].as_str().unwrap_or("").to_string());
                    if !c["function"]["arguments"].is_string() {
                        return Err("OpenAI tool-call arguments must be a JSON string".into());
                    }
                } else if !c["function"]["arguments"].is_object() {
                    return Err("Ollama tool-call arguments must be an object".into());
                }
            }
        }
        if m["role"] == "tool" {
            if openai {
                let id = m["tool_call_id"].as_str().unwrap_or("");
                if !ids.iter().any(|i| i == id) {
                    return Err(format!("tool message answers an unknown call id {id:?}"));
                }
            } else if m["tool_name"].as_str().is_none_or(str::is_empty) {
                return Err("tool message without tool_name".into());
            }
        }
    }
    let turns = after
        .iter()
        .filter(|m| {
            m["role"] == "assistant" && m["tool_calls"].as_array().is_some_and(|a| !a.is_empty())
        })
        .count();
    if turns < script.len() {
        return Ok(Turn::Calls(script[turns].clone()));
    }
    let results: Vec<String> = after
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(|m| {
            let name = m["tool_name"]
                .as_str()
                .or(m["name"].as_str())
                .unwrap_or("?");
            let c: String = m["content"]
                .as_str()
                .unwrap_or("")
                .chars()
                .take(300)
                .collect();
            format!("[{name}] {c}")
        })
        .collect();
    Ok(Turn::Answer(format!("도구 결과: {}", results.join(" | "))))
}

fn ollama_tools(w: &mut TcpStream, model: &str, body: &Value) -> std::io::Result<()> {
    let turn = match next_turn(body, false) {
        Ok(t) => t,
        Err(e) => return plain(w, 400, &json!({"error": e})),
    };
    let flat = model.contains("flat");
    let done = |msg: Value| {
        json!({"model": model, "created_at": "2026-11-22T00:00:01Z", "message": msg,
            "done": true, "done_reason": "stop", "prompt_eval_count": 10, "eval_count": 5})
    };
    match turn {
        Turn::Calls(calls) => {
            let tc: Vec<Value> = calls
                .iter()
                .enumerate()
                .map(|(i, (n, a))| json!({"function": {"index": i, "name": n, "arguments": a}}))
                .collect();
            let msg = json!({"role": "assistant", "content": "", "tool_calls": tc});
            if flat {
                return plain(w, 200, &done(msg));
            }
            // As Ollama streams it: the calls in one piece, then the end.
            start_chunked(w, "application/x-ndjson")?;
            let piece = json!({"model": model, "created_at": "2026-11-22T00:00:00Z", "message": msg, "done": false});
            trickle(w, format!("{piece}\n").as_bytes(), 16)?;
            let fin = done(json!({"role": "assistant", "content": ""}));
            trickle(w, format!("{fin}\n").as_bytes(), 16)?;
            end_chunked(w)
        }
        Turn::Answer(text) => {
            if flat {
                return plain(w, 200, &done(json!({"role": "assistant", "content": text})));
            }
            start_chunked(w, "application/x-ndjson")?;
            for p in pieces(&text) {
                let l = json!({"model": model, "created_at": "2026-11-22T00:00:00Z",
                    "message": {"role": "assistant", "content": p}, "done": false});
                trickle(w, format!("{l}\n").as_bytes(), 64)?;
            }
            let fin = done(json!({"role": "assistant", "content": ""}));
            trickle(w, format!("{fin}\n").as_bytes(), 64)?;
            end_chunked(w)
        }
    }
}

fn openai_tools(w: &mut TcpStream, model: &str, body: &Value) -> std::io::Result<()> {
    let turn = match next_turn(body, true) {
        Ok(t) => t,
        Err(e) => return plain(w, 400, &json!({"error": {"message": e}})),
    };
    let flat = model.contains("flat");
    let usage = json!({"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15});
    match turn {
        Turn::Calls(calls) => {
            let n = body["messages"].as_array().map_or(0, |m| m.len());
            let id = |i: usize| format!("call_{n}_{i}");
            if flat {
                let tc: Vec<Value> = calls
                    .iter()
                    .enumerate()
                    .map(|(i, (name, a))| {
                        json!({"id": id(i), "type": "function",
                        "function": {"name": name, "arguments": a.to_string()}})
                    })
                    .collect();
                return plain(
                    w,
                    200,
                    &json!({"id": "c1", "object": "chat.completion", "model": model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": null, "tool_calls": tc},
                    "finish_reason": "tool_calls"}], "usage": usage}),
                );
            }
            start_chunked(w, "text/event-stream")?;
            for (i, (name, a)) in calls.iter().enumerate() {
                let head = json!({"id": "c1", "choices": [{"index": 0, "delta": {"tool_calls": [
                    {"index": i, "id": id(i), "type": "function", "function": {"name": name, "arguments": ""}}]}}]});
                trickle(w, format!("data: {head}\n\n").as_bytes(), 11)?;
                // The arguments arrive as fragments of a JSON string.
                let args = a.to_string();
                let chars: Vec<char> = args.chars().collect();
                for frag in chars.chunks(4) {
                    let frag: String = frag.iter().collect();
                    let ev = json!({"id": "c1", "choices": [{"index": 0, "delta": {"tool_calls": [
                        {"index": i, "function": {"arguments": frag}}]}}]});
                    trickle(w, format!("data: {ev}\n\n").as_bytes(), 11)?;
                }
            }
            let fin = json!({"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}], "usage": usage});
            trickle(w, format!("data: {fin}\n\ndata: [DONE]\n\n").as_bytes(), 11)?;
            end_chunked(w)
        }
        Turn::Answer(text) => {
            if flat {
                return plain(
                    w,
                    200,
                    &json!({"id": "c1", "object": "chat.completion", "model": model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop"}], "usage": usage}),
                );
            }
            start_chunked(w, "text/event-stream")?;
            for p in pieces(&text) {
                let ev = json!({"id": "c1", "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": null}]});
                trickle(w, format!("data: {ev}\n\n").as_bytes(), 64)?;
            }
            let fin = json!({"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": usage});
            trickle(w, format!("data: {fin}\n\ndata: [DONE]\n\n").as_bytes(), 64)?;
            end_chunked(w)
        }
    }
}
