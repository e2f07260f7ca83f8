//! OpenAI-compatible providers: `POST {base_url}/chat/completions` with
//! `stream: true`, read as server-sent events (`data: {...}` lines, ended by
//! `data: [DONE]`). The key goes only into the Authorization header.

use serde::Deserialize;

use super::lines::{LineBuffer, LineError};
use super::{Chunk, Completion, Llm, LlmError, LlmErrorKind, Request, next_bytes, send_error};

pub fn chat_body(req: &Request) -> serde_json::Value {
    let messages: Vec<serde_json::Value> = req.messages.iter().map(wire_message).collect();
    let mut b = serde_json::json!({
        "model": req.model.model,
        "messages": messages,
        "stream": true,
        "stream_options": {"include_usage": true},
    });
    if let Some(t) = req.options.temperature {
        b["temperature"] = serde_json::json!(t);
    }
    if let Some(n) = req.options.max_tokens {
        b["max_tokens"] = serde_json::json!(n);
    }
    if let Some(s) = req.options.seed {
        b["seed"] = serde_json::json!(s);
    }
    if !req.tools.is_empty() {
        b["tools"] = req.tools.iter().map(super::ToolSpec::wire).collect();
    }
    if let Some(schema) = &req.schema {
        b["response_format"] = serde_json::json!({
            "type": "json_schema",
            "json_schema": {"name": "answer", "schema": schema},
        });
    }
    b
}

/// One message in the chat-completions shape: an assistant's tool calls
/// carry their arguments as a JSON *string*; a tool's result names the call.
fn wire_message(m: &super::Message) -> serde_json::Value {
    let mut v = serde_json::json!({"role": m.role, "content": m.content});
    if !m.tool_calls.is_empty() {
        v["tool_calls"] = m
            .tool_calls
            .iter()
            .enumerate()
            .map(|(i, c)| {
                serde_json::json!({"id": c.id.clone().unwrap_or_else(|| format!("call_{i}")),
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments.to_string()}})
            })
            .collect();
    }
    if m.role == "tool" {
        v["tool_call_id"] = serde_json::json!(m.tool_call_id.clone().unwrap_or_default());
        if let Some(n) = &m.tool_name {
            v["name"] = serde_json::json!(n);
        }
    }
    v
}

#[derive(Debug, Deserialize)]
struct Event {
    #[serde(default)]
    choices: Vec<Choice>,
    usage: Option<Usage>,
    error: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Option<Delta>,
    /// A reply sent whole has `message` instead of `delta`.
    #[serde(default)]
    message: Option<Delta>,
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Delta {
    content: Option<String>,
    #[serde(default)]
    tool_calls: Vec<CallPiece>,
}

/// A piece of a tool call: the first names it, the rest add to its
/// arguments (a JSON string cut anywhere). A whole reply has one piece each.
#[derive(Debug, Deserialize)]
struct CallPiece {
    #[serde(default)]
    index: Option<usize>,
    id: Option<String>,
    function: Option<FnPiece>,
}

#[derive(Debug, Deserialize)]
struct FnPiece {
    name: Option<String>,
    arguments: Option<String>,
}

/// Tool calls being put together from pieces, by index.
#[derive(Debug, Default)]
struct Calls(Vec<(Option<String>, String, String)>);

impl Calls {
    fn add(&mut self, pos: usize, p: CallPiece) {
        let i = p.index.unwrap_or(pos);
        while self.0.len() <= i {
            self.0.push((None, String::new(), String::new()));
        }
        let slot = &mut self.0[i];
        if p.id.is_some() {
            slot.0 = p.id;
        }
        if let Some(f) = p.function {
            if let Some(n) = f.name {
                slot.1.push_str(&n);
            }
            if let Some(a) = f.arguments {
                slot.2.push_str(&a);
            }
        }
    }

    fn finish(self, what: &str) -> Result<Vec<super::ToolCall>, LlmError> {
        self.0
            .into_iter()
            .filter(|(_, name, _)| !name.is_empty())
            .map(|(id, name, args)| {
                let arguments = if args.trim().is_empty() {
                    serde_json::json!({})
                } else {
                    serde_json::from_str(&args).map_err(|e| {
                        LlmError::new(
                            LlmErrorKind::Protocol,
                            format!("{what} asked for tool {name} with arguments that are not JSON ({e})"),
                        )
                    })?
                };
                Ok(super::ToolCall { id, name, arguments })
            })
            .collect()
    }
}

#[derive(Debug, Deserialize)]
struct Usage {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
}

fn error_message(v: &serde_json::Value) -> String {
    v.get("error")
        .unwrap_or(v)
        .get("message")
        .and_then(|m| m.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string().chars().take(300).collect())
}

/// `key` is the key and the provider's name (for messages).
pub async fn chat(
    llm: &Llm,
    base_url: &str,
    key: Option<(&str, &str)>,
    req: &Request,
    on_chunk: &mut (dyn FnMut(Chunk) + Send),
) -> Result<Completion, LlmError> {
    let provider = req.model.provider.clone();
    let what = format!("provider {provider}");
    let mut rb = llm
        .http()
        .post(format!("{base_url}/chat/completions"))
        .json(&chat_body(req));
    if let Some((k, _)) = key {
        rb = rb.bearer_auth(k);
    }
    let res = match tokio::time::timeout(llm.read_timeout(), rb.send()).await {
        Err(_) => {
            return Err(LlmError::new(
                LlmErrorKind::Timeout,
                format!(
                    "{what} did not start answering within {}",
                    humantime::format_duration(llm.read_timeout())
                ),
            ));
        }
        Ok(Err(e)) => {
            return Err(send_error(
                &e,
                &what,
                base_url,
                "check llm.providers base_url and the network",
            ));
        }
        Ok(Ok(r)) => r,
    };
    let status = res.status();
    if !status.is_success() {
        let body = res.text().await.unwrap_or_default();
        let msg = serde_json::from_str::<serde_json::Value>(&body)
            .map(|v| error_message(&v))
            .unwrap_or_else(|_| body.trim().chars().take(300).collect());
        let model = &req.model.model;
        return Err(match status.as_u16() {
            401 | 403 => LlmError::new(
                LlmErrorKind::BadKey,
                format!("{what} refused the key ({status}): {msg}"),
            )
            .hint("check the key in the variable named by api_key_env"),
            404 => LlmError::new(
                LlmErrorKind::ModelNotFound,
                format!("{what} has no model {model} ({msg})"),
            )
            .hint(format!("check the model name; {provider}/MODEL")),
            _ => LlmError::new(
                LlmErrorKind::Http,
                format!("{what} answered {status}: {msg}"),
            ),
        });
    }
    let mut out = Completion::default();
    let mut calls = Calls::default();
    if super::ollama::is_plain_json(&res) {
        // A reply sent whole (`stream` not honoured): one chat.completion.
        let text = tokio::time::timeout(llm.read_timeout(), res.text())
            .await
            .map_err(|_| {
                LlmError::new(
                    LlmErrorKind::Timeout,
                    format!("{what} did not finish its reply"),
                )
            })?
            .map_err(|e| send_error(&e, &what, base_url, "check the network"))?;
        handle_event(text.trim(), &what, &mut out, &mut calls, on_chunk)?;
        out.tool_calls = calls.finish(&what)?;
        return Ok(out);
    }
    let mut stream = res.bytes_stream();
    let mut lines = LineBuffer::default();
    let mut done = false;
    while !done {
        let Some(bytes) = next_bytes(&mut stream, llm.read_timeout(), &what).await? else {
            break;
        };
        for l in lines.push(&bytes).map_err(line_error)? {
            if handle(&l, &what, &mut out, &mut calls, on_chunk)? {
                done = true;
                break;
            }
        }
    }
    if !done && let Some(l) = lines.finish().map_err(line_error)? {
        done = handle(&l, &what, &mut out, &mut calls, on_chunk)?;
    }
    // Some servers end without `[DONE]` after the finish reason.
    if done || out.done_reason.is_some() {
        out.tool_calls = calls.finish(&what)?;
        return Ok(out);
    }
    Err(LlmError::new(
        LlmErrorKind::Protocol,
        format!("{what} closed the answer before it was done"),
    ))
}

fn line_error(e: LineError) -> LlmError {
    LlmError::new(
        LlmErrorKind::Protocol,
        match e {
            LineError::TooLong => "the provider sent a line longer than 16 MiB",
            LineError::NotUtf8 => "the provider sent a line that is not UTF-8",
        },
    )
}

/// Apply one SSE line; true at `[DONE]`.
fn handle(
    line: &str,
    what: &str,
    out: &mut Completion,
    calls: &mut Calls,
    on_chunk: &mut (dyn FnMut(Chunk) + Send),
) -> Result<bool, LlmError> {
    let Some(data) = line.strip_prefix("data:") else {
        return Ok(false); // `event:`, `id:`, `: comment`
    };
    let data = data.trim();
    if data == "[DONE]" {
        return Ok(true);
    }
    handle_event(data, what, out, calls, on_chunk)?;
    Ok(false)
}

/// Apply one event (a streamed chunk, or a whole chat.completion).
fn handle_event(
    data: &str,
    what: &str,
    out: &mut Completion,
    calls: &mut Calls,
    on_chunk: &mut (dyn FnMut(Chunk) + Send),
) -> Result<(), LlmError> {
    let ev: Event = serde_json::from_str(data).map_err(|e| {
        LlmError::new(
            LlmErrorKind::Protocol,
            format!("{what} sent an event that is not a chat chunk ({e})"),
        )
    })?;
    if let Some(err) = ev.error {
        return Err(LlmError::new(
            LlmErrorKind::MidStream,
            format!(
                "{what} failed in the middle of the answer: {}",
                error_message(&err)
            ),
        ));
    }
    for c in ev.choices {
        if let Some(d) = c.delta.or(c.message) {
            if let Some(text) = d.content
                && !text.is_empty()
            {
                out.content.push_str(&text);
                on_chunk(Chunk::Delta(text));
            }
            for (pos, p) in d.tool_calls.into_iter().enumerate() {
                calls.add(pos, p);
            }
        }
        if c.finish_reason.is_some() {
            out.done_reason = c.finish_reason;
        }
    }
    if let Some(u) = ev.usage {
        out.tokens_in = u.prompt_tokens;
        out.tokens_out = u.completion_tokens;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::llm::{Message, ModelRef, Options, ToolCall};

    #[test]
    fn the_tool_loops_history_is_in_the_chat_completions_shape() {
        let call = ToolCall {
            id: Some("call_9".into()),
            name: "echo".into(),
            arguments: serde_json::json!({"text": "안녕"}),
        };
        let req = Request {
            model: ModelRef::parse("openai/gpt-4o-mini").unwrap(),
            messages: vec![
                Message::user("hi"),
                Message::assistant("", vec![call.clone()]),
                Message::tool(&call, "echo: 안녕"),
            ],
            options: Options::default(),
            schema: None,
            tools: Vec::new(),
        };
        let b = chat_body(&req);
        assert!(b.get("tools").is_none(), "no tools, no key");
        let m = &b["messages"];
        assert_eq!(m[0], serde_json::json!({"role": "user", "content": "hi"}));
        assert_eq!(m[1]["tool_calls"][0]["id"], "call_9");
        assert_eq!(
            m[1]["tool_calls"][0]["function"]["arguments"],
            "{\"text\":\"안녕\"}"
        );
        assert_eq!(m[2]["tool_call_id"], "call_9");
    }

    #[test]
    fn streamed_pieces_of_calls_are_put_together_by_index() {
        let mut calls = Calls::default();
        let piece = |v: serde_json::Value| serde_json::from_value::<CallPiece>(v).unwrap();
        calls.add(0, piece(serde_json::json!({"index": 1, "id": "b", "function": {"name": "two", "arguments": ""}})));
        calls.add(0, piece(serde_json::json!({"index": 0, "id": "a", "function": {"name": "one", "arguments": "{\"k\""}})));
        calls.add(
            0,
            piece(serde_json::json!({"index": 0, "function": {"arguments": ": \"한\"}"}})),
        );
        let got = calls.finish("p").unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].name.as_str(), got[0].id.as_deref()),
            ("one", Some("a"))
        );
        assert_eq!(got[0].arguments["k"], "한");
        assert_eq!(got[1].arguments, serde_json::json!({}));
        let mut bad = Calls::default();
        bad.add(
            0,
            piece(serde_json::json!({"function": {"name": "x", "arguments": "{oops"}})),
        );
        assert!(bad.finish("p").unwrap_err().message.contains("not JSON"));
    }
}
