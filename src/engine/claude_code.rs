//! Claude Code's session files (`~/.claude/projects/<project>/<session>.jsonl`,
//! one JSON object per line) read into context messages. Kept: the user's
//! text and the assistant's text, with tool calls as one short line each
//! (`[Bash] cargo test`). Skipped: tool results (file contents, command
//! output), thinking blocks, meta lines. Summary lines title the session.
//! Each line's `uuid` is the duplicate key, so a re-import adds only what is new.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::Engine;
use super::context::ContextImport;
use crate::domain::context::NewMessage;
use crate::error::{Error, Result};

pub const CLIENT: &str = "claude-code";

/// What one file gives: messages, (channel, session, title)s, lines skipped.
#[derive(Debug, Default)]
pub struct Parsed {
    pub messages: Vec<NewMessage>,
    pub titles: Vec<(String, String, String)>,
    pub skipped: usize,
}

fn tool_line(block: &Value) -> Option<String> {
    let name = block.get("name")?.as_str()?;
    let input = block.get("input");
    let detail = [
        "command",
        "file_path",
        "pattern",
        "url",
        "path",
        "description",
        "query",
    ]
    .iter()
    .find_map(|k| input?.get(*k)?.as_str())
    .unwrap_or("");
    let detail: String = detail.chars().take(200).collect();
    Some(format!("[{name}] {detail}").trim_end().to_string())
}

/// The text of a message's `content` (a string or a list of blocks) and the
/// names of the tools it called.
fn text_of(content: &Value) -> (String, Vec<String>) {
    match content {
        Value::String(s) => (s.clone(), Vec::new()),
        Value::Array(blocks) => {
            let mut parts = Vec::new();
            let mut tools = Vec::new();
            for b in blocks {
                match b.get("type").and_then(Value::as_str) {
                    Some("text") => {
                        if let Some(t) = b.get("text").and_then(Value::as_str) {
                            parts.push(t.to_string());
                        }
                    }
                    Some("tool_use") => {
                        if let Some(l) = tool_line(b) {
                            parts.push(l);
                        }
                        if let Some(n) = b.get("name").and_then(Value::as_str) {
                            tools.push(n.to_string());
                        }
                    }
                    _ => {}
                }
            }
            (parts.join("\n\n"), tools)
        }
        _ => (String::new(), Vec::new()),
    }
}

/// The channel for a session: the last part of its working directory (the
/// project), else the project folder's name.
fn channel_of(cwd: Option<&str>, file: &Path) -> String {
    cwd.and_then(|c| Path::new(c).file_name())
        .and_then(|n| n.to_str())
        .map(String::from)
        .or_else(|| {
            file.parent()
                .and_then(|p| p.file_name())
                .and_then(|n| n.to_str())
                .map(String::from)
        })
        .unwrap_or_else(|| CLIENT.to_string())
}

/// Parse one session file's text. `channel` overrides the project name.
pub fn parse(text: &str, file: &Path, channel: Option<&str>) -> Parsed {
    let mut out = Parsed::default();
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("session")
        .to_string();
    let mut summary: Option<String> = None;
    let mut file_session: Option<(String, String)> = None;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            out.skipped += 1;
            continue;
        };
        let kind = v.get("type").and_then(Value::as_str).unwrap_or("");
        if kind == "summary" {
            summary = v.get("summary").and_then(Value::as_str).map(String::from);
            continue;
        }
        let msg = v.get("message");
        let role = msg.and_then(|m| m.get("role")).and_then(Value::as_str);
        let meta_line = v.get("isMeta").and_then(Value::as_bool) == Some(true);
        let (Some(role @ ("user" | "assistant")), false) = (role, meta_line) else {
            out.skipped += 1;
            continue;
        };
        let (content, tools) = text_of(msg.and_then(|m| m.get("content")).unwrap_or(&Value::Null));
        if content.trim().is_empty() {
            out.skipped += 1;
            continue;
        }
        let cwd = v.get("cwd").and_then(Value::as_str);
        let session = v
            .get("sessionId")
            .and_then(Value::as_str)
            .unwrap_or(&stem)
            .to_string();
        let channel = channel
            .map(String::from)
            .unwrap_or_else(|| channel_of(cwd, file));
        if file_session.is_none() || session == stem {
            file_session = Some((channel.clone(), session.clone()));
        }
        let created_at = v
            .get("timestamp")
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc));
        let mut meta = serde_json::Map::new();
        for (key, from) in [
            ("uuid", "uuid"),
            ("cwd", "cwd"),
            ("git_branch", "gitBranch"),
        ] {
            if let Some(s) = v.get(from).and_then(Value::as_str) {
                meta.insert(key.into(), json!(s));
            }
        }
        if let Some(m) = msg.and_then(|m| m.get("model")).and_then(Value::as_str) {
            meta.insert("model".into(), json!(m));
        }
        if v.get("isSidechain").and_then(Value::as_bool) == Some(true) {
            meta.insert("sidechain".into(), json!(true));
        }
        if !tools.is_empty() {
            meta.insert("tools".into(), json!(tools));
        }
        out.messages.push(NewMessage {
            channel,
            session,
            client: CLIENT.into(),
            role: role.into(),
            content,
            created_at,
            metadata: Some(Value::Object(meta)),
            external_id: v.get("uuid").and_then(Value::as_str).map(String::from),
        });
    }
    if let (Some(t), Some((c, s))) = (summary, file_session) {
        out.titles.push((c, s, t));
    }
    out
}

/// Every `.jsonl` file under `path` (or `path` itself), sorted.
pub fn session_files(path: &Path) -> Result<Vec<PathBuf>> {
    files_under(
        path,
        "Claude Code keeps sessions under ~/.claude/projects; pass another PATH",
        |p| p.extension().is_some_and(|x| x == "jsonl"),
    )
}

/// `path` itself when it is a file, else every file under it (recursively)
/// that `keep` takes, sorted; an unreadable `path` says `hint`. Shared by
/// the importers of every client.
pub fn files_under(path: &Path, hint: &str, keep: impl Fn(&Path) -> bool) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(path).map_err(|e| {
        Error::user(format!("cannot read {}: {e}", path.display())).hint(hint.to_string())
    })?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut dirs = vec![path.to_path_buf()];
    while let Some(d) = dirs.pop() {
        let entries = std::fs::read_dir(&d)
            .map_err(|e| Error::user(format!("cannot read {}: {e}", d.display())))?;
        for e in entries.flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => dirs.push(p),
                Ok(t) if t.is_file() && keep(&p) => out.push(p),
                _ => {}
            }
        }
    }
    out.sort();
    Ok(out)
}

impl Engine {
    /// Import Claude Code sessions from a file or a folder (recursively).
    pub fn import_claude_code(&self, path: &Path, channel: Option<&str>) -> Result<ContextImport> {
        let files = session_files(path)?;
        let mut total = ContextImport::default();
        for f in &files {
            let text = std::fs::read_to_string(f)
                .map_err(|e| Error::user(format!("cannot read {}: {e}", f.display())))?;
            let parsed = parse(&text, f, channel);
            let r = self.log_messages(parsed.messages, &parsed.titles)?;
            total.files += 1;
            total.imported += r.imported;
            total.skipped_duplicates += r.skipped_duplicates;
            total.redactions += r.redactions;
            total.sessions += r.sessions;
            total.skipped_lines += parsed.skipped;
        }
        Ok(total)
    }
}
