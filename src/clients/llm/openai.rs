//! OpenAI-compatible providers: `POST {base_url}/chat/completions` with
//! `stream: true`, read as server-sent events (`data: {...}` lines, ended by
//! `data: [DONE]`). The key goes only into the Authorization header.

use serde::Deserialize;

use super::lines::{LineBuffer, LineError};
use super::{Chunk, Completion, Llm, LlmError, LlmErrorKind, Request, next_bytes, send_error};

pub fn chat_body(req: &Request) -> serde_json::Value {
    let mut b = serde_json::json!({
        "model": req.model.model,
        "messages": req.messages,
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
    if let Some(schema) = &req.schema {
        b["response_format"] = serde_json::json!({
            "type": "json_schema",
            "json_schema": {"name": "answer", "schema": schema},
        });
    }
    b
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
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Delta {
    content: Option<String>,
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
    let mut stream = res.bytes_stream();
    let mut lines = LineBuffer::default();
    let mut out = Completion::default();
    loop {
        let Some(bytes) = next_bytes(&mut stream, llm.read_timeout(), &what).await? else {
            break;
        };
        for l in lines.push(&bytes).map_err(line_error)? {
            if handle(&l, &what, &mut out, on_chunk)? {
                return Ok(out);
            }
        }
    }
    if let Some(l) = lines.finish().map_err(line_error)?
        && handle(&l, &what, &mut out, on_chunk)?
    {
        return Ok(out);
    }
    if out.done_reason.is_some() {
        // Some servers end without `[DONE]` after the finish reason.
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
    on_chunk: &mut (dyn FnMut(Chunk) + Send),
) -> Result<bool, LlmError> {
    let Some(data) = line.strip_prefix("data:") else {
        return Ok(false); // `event:`, `id:`, `: comment`
    };
    let data = data.trim();
    if data == "[DONE]" {
        return Ok(true);
    }
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
        if let Some(text) = c.delta.and_then(|d| d.content)
            && !text.is_empty()
        {
            out.content.push_str(&text);
            on_chunk(Chunk::Delta(text));
        }
        if c.finish_reason.is_some() {
            out.done_reason = c.finish_reason;
        }
    }
    if let Some(u) = ev.usage {
        out.tokens_in = u.prompt_tokens;
        out.tokens_out = u.completion_tokens;
    }
    Ok(false)
}
