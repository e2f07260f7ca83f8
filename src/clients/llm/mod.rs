//! LLM clients: Ollama (request types from ollama-rs, jr's own NDJSON stream
//! reader) and OpenAI-compatible providers (SSE). One entry point for every
//! caller — agent runs, agent jobs, the chat router:
//! `Llm::complete(&Request, on_chunk)` streams `Chunk`s to a callback and
//! returns the whole `Completion` with token counts; `Llm::stream` gives the
//! same as a channel. Nothing here prints: errors and "loading model…" come
//! back as values, so a TUI is never written to behind its back.

pub mod config;
pub mod lines;
pub mod ollama;
pub mod openai;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

pub use config::{LlmConfig, ProviderConfig, ToolLimits};

/// `provider/model`: `ollama/qwen2.5-coder:7b`, `openai/gpt-4o-mini`, `groq/llama3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelRef {
    pub provider: String,
    pub model: String,
}

impl ModelRef {
    pub fn parse(s: &str) -> Result<ModelRef, String> {
        match s.trim().split_once('/') {
            Some((p, m)) if !p.is_empty() && !m.is_empty() && !m.contains(char::is_whitespace) => {
                Ok(ModelRef {
                    provider: p.to_string(),
                    model: m.to_string(),
                })
            }
            _ => Err(format!(
                "model {s:?} is not PROVIDER/MODEL; write e.g. ollama/qwen2.5-coder:7b or openai/gpt-4o-mini"
            )),
        }
    }
}

impl fmt::Display for ModelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.provider, self.model)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// system | user | assistant | tool
    pub role: String,
    pub content: String,
    /// An assistant's requests for tools (empty otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// A `tool` message: the call it answers (OpenAI's `tool_call_id`) and
    /// the tool's name (Ollama's `tool_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_name: Option<String>,
}

impl Message {
    fn plain(role: &str, c: impl Into<String>) -> Message {
        Message {
            role: role.into(),
            content: c.into(),
            tool_calls: Vec::new(),
            tool_call_id: None,
            tool_name: None,
        }
    }
    pub fn system(c: impl Into<String>) -> Message {
        Message::plain("system", c)
    }
    pub fn user(c: impl Into<String>) -> Message {
        Message::plain("user", c)
    }
    /// The model's turn that asked for tools, as it goes back in the history.
    pub fn assistant(c: impl Into<String>, tool_calls: Vec<ToolCall>) -> Message {
        Message {
            tool_calls,
            ..Message::plain("assistant", c)
        }
    }
    /// A tool's result for `call`.
    pub fn tool(call: &ToolCall, content: impl Into<String>) -> Message {
        Message {
            tool_call_id: call.id.clone(),
            tool_name: Some(call.name.clone()),
            ..Message::plain("tool", content)
        }
    }
}

/// A tool offered to the model: a name, what it does, a JSON Schema of its
/// arguments. Both wire formats wrap it as `{"type":"function","function":{...}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    pub parameters: serde_json::Value,
}

impl ToolSpec {
    pub fn wire(&self) -> serde_json::Value {
        serde_json::json!({"type": "function", "function": {
            "name": self.name, "description": self.description, "parameters": self.parameters}})
    }
}

/// The model asks for a tool. `id` is OpenAI's call id (Ollama has none);
/// `arguments` is a JSON object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    pub arguments: serde_json::Value,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Options {
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
    /// Ollama only: the context window.
    pub num_ctx: Option<u64>,
    pub seed: Option<i32>,
}

#[derive(Debug, Clone)]
pub struct Request {
    pub model: ModelRef,
    pub messages: Vec<Message>,
    pub options: Options,
    /// A JSON Schema: the answer is then JSON following it (structured output).
    pub schema: Option<serde_json::Value>,
    /// Tools the model may ask for (none: a plain chat).
    pub tools: Vec<ToolSpec>,
}

/// A piece of an answer as it arrives.
#[derive(Debug, Clone, PartialEq)]
pub enum Chunk {
    /// The model is not loaded yet: a cold load can take minutes.
    Loading {
        model: String,
    },
    Delta(String),
    /// An agent run calls a tool (sent by the tool loop, not by a client).
    ToolCall {
        server: String,
        tool: String,
        arguments: serde_json::Value,
    },
    /// The call ended.
    ToolDone(crate::domain::agent::ToolCallRecord),
    Done(Completion),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Completion {
    pub content: String,
    pub tokens_in: Option<u64>,
    pub tokens_out: Option<u64>,
    /// stop | length | tool_calls | ... as the provider says.
    pub done_reason: Option<String>,
    pub duration_ms: u64,
    /// Tools the model asked for; the answer is not over until they are run.
    pub tool_calls: Vec<ToolCall>,
}

impl Completion {
    /// The answer of a structured-output request, parsed.
    pub fn json(&self) -> Result<serde_json::Value, LlmError> {
        serde_json::from_str(&self.content).map_err(|e| {
            LlmError::new(
                LlmErrorKind::Protocol,
                format!("the answer is not the JSON that was asked for: {e}"),
            )
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LlmErrorKind {
    /// Connection refused / DNS: the service is not running there.
    Unreachable,
    /// The provider does not have the model (Ollama: not pulled).
    ModelNotFound,
    /// The answer started, then the provider reported an error.
    MidStream,
    /// No answer, or a silence longer than the read timeout.
    Timeout,
    /// The provider's key variable is not set.
    MissingKey,
    /// The key was refused (401/403).
    BadKey,
    /// Any other HTTP error status.
    Http,
    /// The reply did not follow the protocol.
    Protocol,
    /// jr's own settings are wrong (unknown provider, bad keep_alive).
    Config,
}

/// What went wrong, and what to do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmError {
    pub kind: LlmErrorKind,
    pub message: String,
    pub hint: Option<String>,
}

impl LlmError {
    pub fn new(kind: LlmErrorKind, message: impl Into<String>) -> LlmError {
        LlmError {
            kind,
            message: message.into(),
            hint: None,
        }
    }

    pub fn hint(mut self, h: impl Into<String>) -> LlmError {
        self.hint = Some(h.into());
        self
    }

    /// Message and hint in one line, for a run's `error` column.
    pub fn full(&self) -> String {
        match &self.hint {
            Some(h) => format!("{}; {h}", self.message),
            None => self.message.clone(),
        }
    }
}

impl fmt::Display for LlmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LlmError {}

impl From<LlmError> for crate::error::Error {
    fn from(e: LlmError) -> crate::error::Error {
        let err = if e.kind == LlmErrorKind::Config {
            crate::error::Error::config(e.message)
        } else {
            crate::error::Error::service(e.message)
        };
        match e.hint {
            Some(h) => err.hint(h),
            None => err,
        }
    }
}

/// Where a model reference goes.
enum Target {
    Ollama,
    OpenAi {
        base_url: String,
        key: Option<String>,
    },
}

/// The clients, built once from the settings (cheap to clone inside an `Arc`).
pub struct Llm {
    cfg: LlmConfig,
    http: reqwest::Client,
}

impl Llm {
    pub fn new(cfg: LlmConfig) -> Result<Llm, LlmError> {
        cfg.check()
            .map_err(|m| LlmError::new(LlmErrorKind::Config, m))?;
        if let Some(k) = &cfg.keep_alive {
            ollama::keep_alive(k)?;
        }
        // A total timeout would cut long answers: connect and per-read only.
        // The read timeout here is the outer bound; each phase has its own.
        let http = crate::clients::http()
            .connect_timeout(cfg.connect_timeout)
            .read_timeout(cfg.read_timeout.max(cfg.load_timeout) + Duration::from_secs(5))
            .build()
            .map_err(|e| LlmError::new(LlmErrorKind::Config, format!("cannot set up HTTP: {e}")))?;
        Ok(Llm { cfg, http })
    }

    pub fn config(&self) -> &LlmConfig {
        &self.cfg
    }

    fn target(&self, m: &ModelRef) -> Result<Target, LlmError> {
        if m.provider == "ollama" {
            return Ok(Target::Ollama);
        }
        let all = self.cfg.all_providers();
        let Some(p) = all.iter().find(|p| p.name == m.provider) else {
            let names: Vec<String> = std::iter::once("ollama".to_string())
                .chain(all.iter().map(|p| p.name.clone()))
                .collect();
            return Err(LlmError::new(
                LlmErrorKind::Config,
                format!("unknown model provider {:?} in {m}", m.provider),
            )
            .hint(format!(
                "known providers: {}; add one as [[llm.providers]] in config.toml",
                names.join(", ")
            )));
        };
        let key = match &p.api_key_env {
            None => None,
            Some(var) => Some(self.cfg.keys.get(var).map(str::to_string).ok_or_else(|| {
                LlmError::new(
                    LlmErrorKind::MissingKey,
                    format!("no API key for {}: {var} is not set", p.name),
                )
                .hint(format!(
                    "set {var} in the environment jr runs in (for the daemon: its systemd unit's Environment=)"
                ))
            })?),
        };
        Ok(Target::OpenAi {
            base_url: p.base_url.trim_end_matches('/').to_string(),
            key,
        })
    }

    /// Send `req`; each piece goes to `on_chunk` as it arrives (never
    /// `Chunk::Done`); the whole answer is returned. Dropping the future
    /// cancels the request.
    pub async fn complete(
        &self,
        req: &Request,
        on_chunk: &mut (dyn FnMut(Chunk) + Send),
    ) -> Result<Completion, LlmError> {
        let started = Instant::now();
        let mut c = match self.target(&req.model)? {
            Target::Ollama => ollama::chat(self, req, on_chunk).await?,
            Target::OpenAi { base_url, key } => {
                let key = key.as_deref().map(|k| (k, req.model.provider.as_str()));
                openai::chat(self, &base_url, key, req, on_chunk).await?
            }
        };
        c.duration_ms = started.elapsed().as_millis() as u64;
        Ok(c)
    }

    /// The same as a channel: pieces, then `Chunk::Done` or one error.
    /// Dropping the receiver cancels the request.
    pub fn stream(self: &Arc<Self>, req: Request) -> mpsc::Receiver<Result<Chunk, LlmError>> {
        let (tx, rx) = mpsc::channel(256);
        let me = self.clone();
        tokio::spawn(async move {
            let pieces = tx.clone();
            let mut on = move |c: Chunk| {
                let _ = pieces.try_send(Ok(c));
            };
            let work = me.complete(&req, &mut on);
            tokio::select! {
                r = work => {
                    let _ = tx.send(r.map(Chunk::Done)).await;
                }
                _ = tx.closed() => {}
            }
        });
        rx
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub(crate) fn read_timeout(&self) -> Duration {
        self.cfg.read_timeout
    }
}

/// A reqwest failure before any answer, as a user-facing error.
pub(crate) fn send_error(e: &reqwest::Error, what: &str, url: &str, hint: &str) -> LlmError {
    if e.is_connect() {
        LlmError::new(
            LlmErrorKind::Unreachable,
            format!("{what} is not reachable at {url} ({})", root_cause(e)),
        )
        .hint(hint.to_string())
    } else if e.is_timeout() {
        LlmError::new(
            LlmErrorKind::Timeout,
            format!("{what} at {url} did not answer in time"),
        )
    } else {
        LlmError::new(
            LlmErrorKind::Protocol,
            format!("talking to {what} at {url}: {}", root_cause(e)),
        )
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// Wait for the next item of a byte stream, failing after `limit` of silence.
pub(crate) async fn next_bytes<S, B>(
    stream: &mut S,
    limit: Duration,
    what: &str,
) -> Result<Option<B>, LlmError>
where
    S: futures_util::Stream<Item = reqwest::Result<B>> + Unpin,
{
    use futures_util::StreamExt;
    match tokio::time::timeout(limit, stream.next()).await {
        Err(_) => Err(LlmError::new(
            LlmErrorKind::Timeout,
            format!(
                "{what} went silent for {} in the middle of the answer",
                humantime::format_duration(limit)
            ),
        )
        .hint("raise llm.read_timeout in config.toml if the model is just slow")),
        Ok(None) => Ok(None),
        Ok(Some(Ok(b))) => Ok(Some(b)),
        Ok(Some(Err(e))) => Err(LlmError::new(
            LlmErrorKind::Protocol,
            format!("{what}: the answer broke off ({})", root_cause(&e)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_refs() {
        let ok: &[(&str, &str, &str)] = &[
            ("ollama/qwen2.5-coder:7b", "ollama", "qwen2.5-coder:7b"),
            ("openai/gpt-4o-mini", "openai", "gpt-4o-mini"),
            (
                "openrouter/meta-llama/llama-3",
                "openrouter",
                "meta-llama/llama-3",
            ),
        ];
        for (s, p, m) in ok {
            let r = ModelRef::parse(s).unwrap();
            assert_eq!((r.provider.as_str(), r.model.as_str()), (*p, *m));
            assert_eq!(r.to_string(), *s);
        }
        for bad in ["qwen2.5", "/x", "ollama/", "", "ollama/a b"] {
            assert!(ModelRef::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn missing_key_and_unknown_provider_say_what_to_do() {
        let llm = Llm::new(LlmConfig::default()).unwrap();
        let Err(e) = llm.target(&ModelRef::parse("openai/gpt-4o").unwrap()) else {
            panic!("no key should fail")
        };
        assert_eq!(e.kind, LlmErrorKind::MissingKey);
        assert!(e.full().contains("set OPENAI_API_KEY"), "{}", e.full());
        let Err(e) = llm.target(&ModelRef::parse("nope/x").unwrap()) else {
            panic!("unknown provider should fail")
        };
        assert!(e.full().contains("ollama, openai"), "{}", e.full());
    }
}
