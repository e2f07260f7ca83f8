//! Session files of other AI clients read into context messages, beside
//! Claude Code's (engine/claude_code.rs):
//!
//! - **Codex CLI**: `~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`,
//!   one `{timestamp, type, payload}` object a line. `session_meta` gives the
//!   session id and working directory; `response_item` lines whose payload is
//!   a `message` (role user or assistant, `content` a list of `input_text` /
//!   `output_text` blocks) are the conversation. Kept: what the user typed and
//!   what the assistant answered; skipped: reasoning, tool calls and outputs,
//!   events, and the instructions and environment Codex injects as user text.
//!   The duplicate key is the session id and the line's place in the file (a
//!   rollout is only ever appended to).
//! - **Gemini CLI**: `~/.gemini/tmp/<project>/chats/session-<time>-<id>.json`
//!   (older: one `ConversationRecord` object, `{sessionId, messages: [...]}`)
//!   or `.jsonl` (newer: an append-only log — a metadata line, message
//!   records keyed by `id` that a later line may rewrite in full, `{"$set":
//!   {...}}` patches, and `{"$rewindTo": id}` which drops that message and the
//!   ones after it). Messages of type `user` and `gemini` are kept, their
//!   `content` a string or a list of parts with `text`; `info`, `error` and
//!   `warning` are not conversation. The duplicate key is the message id.
//!
//! Each import is idempotent: the same file read twice adds nothing.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::Engine;
use super::claude_code::{self, Parsed};
use super::context::ContextImport;
use crate::domain::context::NewMessage;
use crate::error::{Error, Result};

/// The clients jr imports from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    ClaudeCode,
    Codex,
    Gemini,
}

impl Source {
    pub fn client(self) -> &'static str {
        match self {
            Source::ClaudeCode => claude_code::CLIENT,
            Source::Codex => "codex-cli",
            Source::Gemini => "gemini-cli",
        }
    }

    /// Where the client keeps its sessions, under the home folder.
    pub fn default_dir(self, home: &Path) -> PathBuf {
        match self {
            Source::ClaudeCode => home.join(".claude").join("projects"),
            Source::Codex => home.join(".codex").join("sessions"),
            Source::Gemini => home.join(".gemini").join("tmp"),
        }
    }

    fn is_session_file(self, p: &Path) -> bool {
        let ext = p.extension().and_then(|x| x.to_str()).unwrap_or("");
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        match self {
            Source::ClaudeCode => ext == "jsonl",
            Source::Codex => ext == "jsonl",
            Source::Gemini => (ext == "json" || ext == "jsonl") && name.starts_with("session-"),
        }
    }

    pub fn parse(self, text: &str, file: &Path, channel: Option<&str>) -> Parsed {
        match self {
            Source::ClaudeCode => claude_code::parse(text, file, channel),
            Source::Codex => parse_codex(text, file, channel),
            Source::Gemini => parse_gemini(text, file, channel),
        }
    }

    /// Every session file under `path` (or `path` itself), sorted.
    pub fn files(self, path: &Path) -> Result<Vec<PathBuf>> {
        let hint = format!(
            "{} keeps sessions under {}; pass another PATH",
            self.client(),
            self.default_dir(Path::new("~")).display()
        );
        claude_code::files_under(path, &hint, |p| self.is_session_file(p))
    }
}

fn time_of(v: Option<&Value>) -> Option<DateTime<Utc>> {
    v.and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn folder_name(p: &Path) -> Option<String> {
    p.file_name().and_then(|n| n.to_str()).map(String::from)
}

/// Text Codex puts in the user's turn that the user did not type.
fn injected(text: &str) -> bool {
    let t = text.trim_start();
    [
        "<environment_context>",
        "<user_instructions>",
        "# AGENTS.md instructions",
        "<permissions",
    ]
    .iter()
    .any(|p| t.starts_with(p))
}

/// Parse one Codex rollout file. `channel` overrides the project name.
pub fn parse_codex(text: &str, file: &Path, channel: Option<&str>) -> Parsed {
    let mut out = Parsed::default();
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("session");
    let mut session = stem.to_string();
    let mut cwd: Option<String> = None;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            out.skipped += 1;
            continue;
        };
        let payload = v.get("payload").unwrap_or(&Value::Null);
        match v.get("type").and_then(Value::as_str) {
            Some("session_meta") => {
                if let Some(id) = payload.get("id").and_then(Value::as_str) {
                    session = id.to_string();
                }
                cwd = payload.get("cwd").and_then(Value::as_str).map(String::from);
                continue;
            }
            Some("response_item") => {}
            _ => {
                out.skipped += 1;
                continue;
            }
        }
        let role = payload.get("role").and_then(Value::as_str);
        let (Some("message"), Some(role @ ("user" | "assistant"))) =
            (payload.get("type").and_then(Value::as_str), role)
        else {
            out.skipped += 1;
            continue;
        };
        let parts: Vec<&str> = payload
            .get("content")
            .and_then(Value::as_array)
            .map(|blocks| {
                blocks
                    .iter()
                    .filter_map(|b| b.get("text").and_then(Value::as_str))
                    .collect()
            })
            .unwrap_or_default();
        let content = parts.join("\n\n");
        if content.trim().is_empty() || (role == "user" && injected(&content)) {
            out.skipped += 1;
            continue;
        }
        let channel = channel.map(String::from).unwrap_or_else(|| {
            cwd.as_deref()
                .and_then(|c| folder_name(Path::new(c)))
                .unwrap_or_else(|| Source::Codex.client().to_string())
        });
        let mut meta = serde_json::Map::new();
        if let Some(c) = &cwd {
            meta.insert("cwd".into(), json!(c));
        }
        out.messages.push(NewMessage {
            channel,
            session: session.clone(),
            client: Source::Codex.client().into(),
            role: role.into(),
            content,
            created_at: time_of(v.get("timestamp")),
            metadata: Some(Value::Object(meta)),
            external_id: Some(format!("{session}#{n}")),
        });
    }
    out
}

/// A Gemini `content` (PartListUnion): a string, a part, or a list of them.
fn gemini_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .map(gemini_text)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n"),
        Value::Object(o) => o
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        _ => String::new(),
    }
}

/// The messages a Gemini session file holds once its log is replayed, and
/// its metadata (sessionId, summary, ...).
fn gemini_replay(text: &str, skipped: &mut usize) -> (serde_json::Map<String, Value>, Vec<Value>) {
    let mut meta = serde_json::Map::new();
    let mut messages: Vec<Value> = Vec::new();
    let add = |messages: &mut Vec<Value>, m: &Value| {
        let id = m.get("id").and_then(Value::as_str);
        match messages
            .iter()
            .position(|x| id.is_some() && x.get("id").and_then(Value::as_str) == id)
        {
            Some(i) => messages[i] = m.clone(),
            None => messages.push(m.clone()),
        }
    };
    // The older shape: one object holding every message.
    if let Ok(Value::Object(whole)) = serde_json::from_str::<Value>(text) {
        for (k, v) in &whole {
            if k == "messages" {
                for m in v.as_array().into_iter().flatten() {
                    add(&mut messages, m);
                }
            } else {
                meta.insert(k.clone(), v.clone());
            }
        }
        return (meta, messages);
    }
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(Value::Object(rec)) = serde_json::from_str::<Value>(line) else {
            *skipped += 1;
            continue;
        };
        if let Some(to) = rec.get("$rewindTo") {
            let at = messages
                .iter()
                .position(|m| m.get("id") == Some(to))
                .unwrap_or(0);
            messages.truncate(at);
        } else if rec.get("id").and_then(Value::as_str).is_some() && rec.contains_key("type") {
            add(&mut messages, &Value::Object(rec));
        } else {
            let patch = match rec.get("$set") {
                Some(Value::Object(p)) => p.clone(),
                _ => rec,
            };
            for (k, v) in patch {
                if k == "messages" {
                    messages.clear();
                    for m in v.as_array().into_iter().flatten() {
                        add(&mut messages, m);
                    }
                } else {
                    meta.insert(k, v);
                }
            }
        }
    }
    (meta, messages)
}

/// Parse one Gemini CLI session file (either shape).
pub fn parse_gemini(text: &str, file: &Path, channel: Option<&str>) -> Parsed {
    let mut out = Parsed::default();
    let (meta, messages) = gemini_replay(text, &mut out.skipped);
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("session");
    let session = meta
        .get("sessionId")
        .and_then(Value::as_str)
        .unwrap_or(stem)
        .to_string();
    // The project: the folder holding `chats/`, unless named.
    let channel = channel.map(String::from).unwrap_or_else(|| {
        file.parent()
            .filter(|p| p.file_name().is_some_and(|n| n == "chats"))
            .and_then(Path::parent)
            .and_then(folder_name)
            .unwrap_or_else(|| Source::Gemini.client().to_string())
    });
    for m in &messages {
        let role = match m.get("type").and_then(Value::as_str) {
            Some("user") => "user",
            Some("gemini") => "assistant",
            _ => {
                out.skipped += 1;
                continue;
            }
        };
        let mut content = gemini_text(m.get("content").unwrap_or(&Value::Null));
        let mut tools = Vec::new();
        for call in m
            .get("toolCalls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = call.get("name").and_then(Value::as_str) {
                tools.push(name.to_string());
                let detail = call
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let detail: String = detail.chars().take(200).collect();
                let line = format!("[{name}] {detail}").trim_end().to_string();
                content = if content.is_empty() {
                    line
                } else {
                    format!("{content}\n\n{line}")
                };
            }
        }
        if content.trim().is_empty() {
            out.skipped += 1;
            continue;
        }
        let mut md = serde_json::Map::new();
        if let Some(model) = m.get("model").and_then(Value::as_str) {
            md.insert("model".into(), json!(model));
        }
        if !tools.is_empty() {
            md.insert("tools".into(), json!(tools));
        }
        out.messages.push(NewMessage {
            channel: channel.clone(),
            session: session.clone(),
            client: Source::Gemini.client().into(),
            role: role.into(),
            content,
            created_at: time_of(m.get("timestamp")),
            metadata: Some(Value::Object(md)),
            external_id: m
                .get("id")
                .and_then(Value::as_str)
                .map(|id| format!("{session}#{id}")),
        });
    }
    if let Some(t) = meta.get("summary").and_then(Value::as_str)
        && !t.trim().is_empty()
    {
        out.titles.push((channel, session, t.to_string()));
    }
    out
}

impl Engine {
    /// Import one client's session files from a file or a folder (recursively).
    pub fn import_sessions(
        &self,
        source: Source,
        path: &Path,
        channel: Option<&str>,
    ) -> Result<ContextImport> {
        let files = source.files(path)?;
        let mut total = ContextImport::default();
        for f in &files {
            let r = self.import_session_file(source, f, channel)?;
            total.files += 1;
            total.imported += r.imported;
            total.skipped_duplicates += r.skipped_duplicates;
            total.redactions += r.redactions;
            total.sessions += r.sessions;
            total.skipped_lines += r.skipped_lines;
        }
        Ok(total)
    }

    /// Import one session file (again: only what is new is added).
    pub fn import_session_file(
        &self,
        source: Source,
        file: &Path,
        channel: Option<&str>,
    ) -> Result<ContextImport> {
        let bytes = std::fs::read(file)
            .map_err(|e| Error::user(format!("cannot read {}: {e}", file.display())))?;
        let text = String::from_utf8_lossy(&bytes);
        let parsed = source.parse(&text, file, channel);
        let mut r = self.log_messages(parsed.messages, &parsed.titles)?;
        r.skipped_lines = parsed.skipped;
        Ok(r)
    }
}
