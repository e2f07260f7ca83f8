//! Ollama. Requests are built with ollama-rs's types (`ChatMessageRequest`,
//! `ModelOptions`, `FormatType`, `KeepAlive`) and `/api/tags` is read into
//! its `LocalModel`; the streaming reply is read here, because ollama-rs 0.3.6 drops
//! a chunk holding a split multi-byte character, swallows a mid-stream
//! `{"error"}` line (printing it to stderr), loses the token counts when one
//! metric is missing and hides the HTTP status. `/api/version` and `/api/ps`
//! have no helper there.

use std::time::Duration;

use ollama_rs::generation::chat::request::ChatMessageRequest;
use ollama_rs::generation::chat::{ChatMessage, MessageRole};
use ollama_rs::generation::parameters::{FormatType, JsonStructure, KeepAlive};
use ollama_rs::models::{LocalModel, ModelOptions};
use serde::{Deserialize, Serialize};

use super::lines::{LineBuffer, LineError};
use super::{Chunk, Completion, Llm, LlmError, LlmErrorKind, Request, next_bytes, send_error};

const WHAT: &str = "Ollama";
const START_HINT: &str = "start it (`ollama serve`, or `systemctl start ollama`), or point llm.ollama_url / JR_OLLAMA_URL at it";

/// `keep_alive` as people write it: "10m", "30s", "2h", "-1" (forever), "0".
pub fn keep_alive(s: &str) -> Result<KeepAlive, LlmError> {
    match s.trim() {
        "-1" => Ok(KeepAlive::Indefinitely),
        "0" => Ok(KeepAlive::UnloadOnCompletion),
        t => serde_json::from_value(serde_json::Value::String(t.to_string())).map_err(|_| {
            LlmError::new(
                LlmErrorKind::Config,
                format!("llm.keep_alive {s:?} is not valid; write e.g. \"10m\", \"30s\", \"-1\" or \"0\""),
            )
        }),
    }
}

/// The JSON body of `POST /api/chat` for `req`, streaming.
pub fn chat_body(llm: &Llm, req: &Request) -> Result<serde_json::Value, LlmError> {
    let messages = req
        .messages
        .iter()
        .map(|m| {
            let role = match m.role.as_str() {
                "system" => MessageRole::System,
                "assistant" => MessageRole::Assistant,
                "tool" => MessageRole::Tool,
                _ => MessageRole::User,
            };
            ChatMessage::new(role, m.content.clone())
        })
        .collect();
    let mut r = ChatMessageRequest::new(req.model.model.clone(), messages);
    let o = &req.options;
    if o != &super::Options::default() {
        let mut mo = ModelOptions::default();
        if let Some(t) = o.temperature {
            mo = mo.temperature(t);
        }
        if let Some(n) = o.max_tokens {
            mo = mo.num_predict(n.min(i32::MAX as u32) as i32);
        }
        if let Some(n) = o.num_ctx {
            mo = mo.num_ctx(n);
        }
        if let Some(s) = o.seed {
            mo = mo.seed(s);
        }
        r = r.options(mo);
    }
    if let Some(k) = &llm.config().keep_alive {
        r = r.keep_alive(keep_alive(k)?);
    }
    if let Some(schema) = &req.schema {
        let s: JsonStructure = serde_json::from_value(schema.clone()).map_err(|e| {
            LlmError::new(
                LlmErrorKind::Config,
                format!("the JSON schema is not valid: {e}"),
            )
        })?;
        r = r.format(FormatType::StructuredJson(Box::new(s)));
    }
    let mut body = serde_json::to_value(&r).map_err(|e| {
        LlmError::new(
            LlmErrorKind::Config,
            format!("cannot encode the request: {e}"),
        )
    })?;
    body["stream"] = serde_json::Value::Bool(true);
    // ollama-rs 0.3.6's messages have no `tool_name`; the tool loop's
    // history is written here in Ollama's shape.
    if req
        .messages
        .iter()
        .any(|m| m.role == "tool" || !m.tool_calls.is_empty())
    {
        body["messages"] = req.messages.iter().map(wire_message).collect();
    }
    if !req.tools.is_empty() {
        body["tools"] = req.tools.iter().map(super::ToolSpec::wire).collect();
    }
    Ok(body)
}

/// One message in `/api/chat`'s shape: tool calls carry their arguments as
/// an object; a tool's result names the tool.
fn wire_message(m: &super::Message) -> serde_json::Value {
    let mut v = serde_json::json!({"role": m.role, "content": m.content});
    if !m.tool_calls.is_empty() {
        v["tool_calls"] = m
            .tool_calls
            .iter()
            .enumerate()
            .map(|(i, c)| {
                serde_json::json!({"function": {"index": i, "name": c.name, "arguments": c.arguments}})
            })
            .collect();
    }
    if let Some(n) = &m.tool_name {
        v["tool_name"] = serde_json::json!(n);
    }
    v
}

/// One NDJSON line of a chat reply. Every metric is optional (a cached
/// prompt has no `prompt_eval_count`).
#[derive(Debug, Deserialize)]
struct Line {
    #[serde(default)]
    message: Option<LineMessage>,
    #[serde(default)]
    done: bool,
    done_reason: Option<String>,
    prompt_eval_count: Option<u64>,
    eval_count: Option<u64>,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct LineMessage {
    #[serde(default)]
    content: String,
    #[serde(default)]
    tool_calls: Vec<WireCall>,
}

#[derive(Debug, Deserialize)]
struct WireCall {
    function: WireFunction,
}

#[derive(Debug, Deserialize)]
struct WireFunction {
    name: String,
    #[serde(default)]
    arguments: serde_json::Value,
}

fn base(llm: &Llm) -> String {
    llm.config().ollama_url.trim_end_matches('/').to_string()
}

fn error_text(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
        .unwrap_or_else(|| body.trim().chars().take(300).collect())
}

/// `name` and `name:latest` are one model.
pub fn same_model(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        if s.contains(':') {
            s.to_string()
        } else {
            format!("{s}:latest")
        }
    };
    norm(a) == norm(b)
}

pub async fn chat(
    llm: &Llm,
    req: &Request,
    on_chunk: &mut (dyn FnMut(Chunk) + Send),
) -> Result<Completion, LlmError> {
    let url = base(llm);
    let body = chat_body(llm, req)?;
    let model = req.model.model.clone();
    // Is the model loaded? If not, say so: the first piece may take minutes.
    let loading = match loaded(llm).await {
        Ok(models) => !models.iter().any(|m| same_model(&m.name, &model)),
        Err(e) if e.kind == LlmErrorKind::Unreachable => return Err(e),
        Err(_) => false,
    };
    // Not loaded and not installed: say so now rather than "loading".
    if loading
        && let Ok(installed) = installed(llm).await
        && !installed.iter().any(|m| same_model(&m.name, &model))
    {
        return Err(not_found(&model, &url, "not in /api/tags"));
    }
    let first_wait = if loading {
        on_chunk(Chunk::Loading {
            model: model.clone(),
        });
        llm.config().load_timeout
    } else {
        llm.read_timeout()
    };
    let send = llm
        .http()
        .post(format!("{url}/api/chat"))
        .json(&body)
        .send();
    let res = match tokio::time::timeout(first_wait, send).await {
        Err(_) => return Err(first_timeout(&model, first_wait, loading)),
        Ok(Err(e)) => return Err(send_error(&e, WHAT, &url, START_HINT)),
        Ok(Ok(r)) => r,
    };
    let status = res.status();
    if !status.is_success() {
        let text = error_text(&res.text().await.unwrap_or_default());
        return Err(if status.as_u16() == 404 {
            not_found(&model, &url, &text)
        } else {
            LlmError::new(
                LlmErrorKind::Http,
                format!("Ollama at {url} refused the request ({status}): {text}"),
            )
        });
    }
    let mut out = Completion::default();
    if is_plain_json(&res) {
        // A reply sent whole (`stream` ignored, as some versions do with
        // tools): one object, read with the same bound as the first piece.
        let text = match tokio::time::timeout(first_wait, res.text()).await {
            Err(_) => return Err(first_timeout(&model, first_wait, loading)),
            Ok(r) => r.map_err(|e| send_error(&e, WHAT, &url, START_HINT))?,
        };
        if handle(text.trim(), &mut out, on_chunk)? {
            return Ok(out);
        }
        return Err(LlmError::new(
            LlmErrorKind::Protocol,
            "Ollama sent a whole reply that is not done",
        ));
    }
    let mut stream = res.bytes_stream();
    let mut lines = LineBuffer::default();
    let mut wait = first_wait;
    loop {
        let Some(bytes) = next_bytes(&mut stream, wait, WHAT).await? else {
            break;
        };
        wait = llm.read_timeout();
        for l in lines.push(&bytes).map_err(line_error)? {
            if handle(&l, &mut out, on_chunk)? {
                return Ok(out);
            }
        }
    }
    if let Some(l) = lines.finish().map_err(line_error)?
        && handle(&l, &mut out, on_chunk)?
    {
        return Ok(out);
    }
    Err(LlmError::new(
        LlmErrorKind::Protocol,
        "Ollama closed the answer before it was done (the model may have crashed)",
    )
    .hint("see Ollama's log (`journalctl -u ollama`)"))
}

fn not_found(model: &str, url: &str, detail: &str) -> LlmError {
    LlmError::new(
        LlmErrorKind::ModelNotFound,
        format!("model {model} is not installed in Ollama at {url} ({detail})"),
    )
    .hint(format!("run `ollama pull {model}`"))
}

fn first_timeout(model: &str, d: Duration, loading: bool) -> LlmError {
    let d = humantime::format_duration(d);
    if loading {
        LlmError::new(
            LlmErrorKind::Timeout,
            format!("Ollama did not finish loading {model} within {d}"),
        )
        .hint("raise llm.load_timeout in config.toml, or load it first with `ollama run MODEL`")
    } else {
        LlmError::new(
            LlmErrorKind::Timeout,
            format!("Ollama did not start answering within {d}"),
        )
        .hint("raise llm.read_timeout in config.toml if the model is just slow")
    }
}

fn line_error(e: LineError) -> LlmError {
    LlmError::new(
        LlmErrorKind::Protocol,
        match e {
            LineError::TooLong => "Ollama sent a line longer than 16 MiB",
            LineError::NotUtf8 => "Ollama sent a line that is not UTF-8",
        },
    )
}

/// Apply one line; true when the answer is complete.
fn handle(
    line: &str,
    out: &mut Completion,
    on_chunk: &mut (dyn FnMut(Chunk) + Send),
) -> Result<bool, LlmError> {
    let l: Line = serde_json::from_str(line).map_err(|e| {
        LlmError::new(
            LlmErrorKind::Protocol,
            format!(
                "Ollama sent a line that is not a chat chunk ({e}): {}",
                short(line)
            ),
        )
    })?;
    if let Some(err) = l.error {
        return Err(LlmError::new(
            LlmErrorKind::MidStream,
            format!("Ollama failed in the middle of the answer: {err}"),
        )
        .hint("see Ollama's log (`journalctl -u ollama`); the run can be retried"));
    }
    if let Some(m) = l.message {
        if !m.content.is_empty() {
            out.content.push_str(&m.content);
            on_chunk(Chunk::Delta(m.content));
        }
        for c in m.tool_calls {
            out.tool_calls.push(super::ToolCall {
                id: None,
                name: c.function.name,
                arguments: match c.function.arguments {
                    serde_json::Value::Null => serde_json::json!({}),
                    // Some models send the arguments as a JSON string.
                    serde_json::Value::String(s) => {
                        serde_json::from_str(&s).unwrap_or(serde_json::Value::String(s))
                    }
                    v => v,
                },
            });
        }
    }
    if l.done {
        out.tokens_in = l.prompt_eval_count;
        out.tokens_out = l.eval_count;
        out.done_reason = l.done_reason;
    }
    Ok(l.done)
}

/// `application/json` rather than NDJSON or SSE: the reply comes whole.
pub(crate) fn is_plain_json(res: &reqwest::Response) -> bool {
    res.headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.trim_start().starts_with("application/json"))
}

fn short(s: &str) -> String {
    s.chars().take(200).collect()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Installed {
    pub name: String,
    pub size: u64,
    pub modified_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Loaded {
    pub name: String,
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub size_vram: Option<u64>,
}

/// What `jr models list` shows of Ollama.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    pub url: String,
    pub version: String,
    pub installed: Vec<Installed>,
    pub loaded: Vec<Loaded>,
}

async fn get_json(llm: &Llm, path: &str) -> Result<serde_json::Value, LlmError> {
    let url = base(llm);
    let res = tokio::time::timeout(
        llm.read_timeout(),
        llm.http().get(format!("{url}{path}")).send(),
    )
    .await
    .map_err(|_| {
        LlmError::new(
            LlmErrorKind::Timeout,
            format!("Ollama at {url} did not answer {path}"),
        )
    })?
    .map_err(|e| send_error(&e, WHAT, &url, START_HINT))?;
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    if !status.is_success() {
        return Err(LlmError::new(
            LlmErrorKind::Http,
            format!(
                "Ollama at {url} answered {path} with {status}: {}",
                error_text(&text)
            ),
        ));
    }
    serde_json::from_str(&text).map_err(|e| {
        LlmError::new(
            LlmErrorKind::Protocol,
            format!("Ollama at {url} answered {path} with something that is not JSON: {e}"),
        )
    })
}

/// Models in memory now (`/api/ps`).
pub async fn loaded(llm: &Llm) -> Result<Vec<Loaded>, LlmError> {
    let v = get_json(llm, "/api/ps").await?;
    Ok(serde_json::from_value(v.get("models").cloned().unwrap_or_default()).unwrap_or_default())
}

/// Installed models: `/api/tags` on jr's own HTTP client (its timeouts and
/// proxy), read into ollama-rs's `LocalModel`, what its `list_local_models`
/// returns. Not through that client: it is built on reqwest 0.12, and one
/// reqwest (0.13, rmcp's) in the binary is 0.3 MB less (issue 14).
pub async fn installed(llm: &Llm) -> Result<Vec<Installed>, LlmError> {
    let url = base(llm);
    let mut v = get_json(llm, "/api/tags").await?;
    let list: Vec<LocalModel> = serde_json::from_value(v["models"].take()).map_err(|e| {
        LlmError::new(
            LlmErrorKind::Protocol,
            format!("Ollama at {url}: listing models failed: {e}"),
        )
    })?;
    Ok(list
        .into_iter()
        .map(|m| Installed {
            name: m.name,
            size: m.size,
            modified_at: m.modified_at,
        })
        .collect())
}

/// Version, installed models (`/api/tags`) and loaded ones.
pub async fn health(llm: &Llm) -> Result<Health, LlmError> {
    let url = base(llm);
    let version = get_json(llm, "/api/version").await?["version"]
        .as_str()
        .unwrap_or("?")
        .to_string();
    let installed = installed(llm).await?;
    let loaded = loaded(llm).await?;
    Ok(Health {
        url,
        version,
        installed,
        loaded,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::llm::{LlmConfig, Message, ModelRef, Options};

    #[test]
    fn the_request_body_is_ollamas() {
        let llm = Llm::new(LlmConfig {
            keep_alive: Some("10m".into()),
            ..Default::default()
        })
        .unwrap();
        let req = Request {
            model: ModelRef::parse("ollama/qwen2.5-coder:7b").unwrap(),
            messages: vec![Message::system("be brief"), Message::user("안녕")],
            options: Options {
                temperature: Some(0.5),
                max_tokens: Some(256),
                ..Default::default()
            },
            schema: Some(
                serde_json::json!({"type": "object", "properties": {"route": {"type": "string"}}}),
            ),
            tools: Vec::new(),
        };
        let b = chat_body(&llm, &req).unwrap();
        assert_eq!(b["model"], "qwen2.5-coder:7b");
        assert_eq!(b["stream"], true);
        assert_eq!(b["keep_alive"], "10m");
        assert_eq!(b["options"]["temperature"], 0.5);
        assert_eq!(b["options"]["num_predict"], 256);
        assert_eq!(b["messages"][1]["content"], "안녕");
        assert_eq!(b["messages"][0]["role"], "system");
        assert_eq!(b["format"]["properties"]["route"]["type"], "string");
    }

    #[test]
    fn tools_and_the_tool_loops_history_are_in_ollamas_shape() {
        let llm = Llm::new(LlmConfig::default()).unwrap();
        let call = crate::clients::llm::ToolCall {
            id: None,
            name: "tasks_list".into(),
            arguments: serde_json::json!({"limit": 3}),
        };
        let req = Request {
            model: ModelRef::parse("ollama/qwen2.5:7b").unwrap(),
            messages: vec![
                Message::user("할 일?"),
                Message::assistant("", vec![call.clone()]),
                Message::tool(&call, "1. 물 주기"),
            ],
            options: Options::default(),
            schema: None,
            tools: vec![crate::clients::llm::ToolSpec {
                name: "tasks_list".into(),
                description: "List tasks".into(),
                parameters: serde_json::json!({"type": "object"}),
            }],
        };
        let b = chat_body(&llm, &req).unwrap();
        assert_eq!(b["tools"][0]["type"], "function");
        assert_eq!(b["tools"][0]["function"]["name"], "tasks_list");
        let m = &b["messages"];
        assert_eq!(m[1]["tool_calls"][0]["function"]["arguments"]["limit"], 3);
        assert_eq!(m[2]["role"], "tool");
        assert_eq!(m[2]["tool_name"], "tasks_list");
        assert_eq!(m[2]["content"], "1. 물 주기");
    }

    #[test]
    fn tool_calls_are_read_from_a_line() {
        let mut out = Completion::default();
        let mut on = |_c: Chunk| {};
        let line = r#"{"message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"a","arguments":{"x":1}}},{"function":{"name":"b","arguments":"{\"y\":2}"}}]},"done":true}"#;
        assert!(handle(line, &mut out, &mut on).unwrap());
        assert_eq!(out.tool_calls.len(), 2);
        assert_eq!(out.tool_calls[0].arguments["x"], 1);
        assert_eq!(
            out.tool_calls[1].arguments["y"], 2,
            "a string of JSON is read as JSON"
        );
    }

    #[test]
    fn keep_alive_forms() {
        for (s, ok) in [
            ("10m", true),
            ("-1", true),
            ("0", true),
            ("30s", true),
            ("soon", false),
        ] {
            assert_eq!(keep_alive(s).is_ok(), ok, "{s}");
        }
        assert!(same_model("llama3", "llama3:latest"));
        assert!(!same_model("llama3:8b", "llama3:latest"));
    }
}
