//! `jr context log|search|show|sessions|channels|stats|import`: the context
//! registry of conversations from AI clients.

use std::io::Read;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::Ctx;
use super::output::{self, Table, fit, one_line, paint, styled};
use crate::domain::context::{NewMessage, parse_since};
use crate::engine::Engine;
use crate::engine::context::{ContextImport, ContextQuery};
use crate::engine::importers::Source;
use crate::error::{Error, Result};

#[derive(Debug, Subcommand)]
pub enum ContextCmd {
    /// Store a message (the text, or stdin when it is `-` or missing).
    Log(LogArgs),
    /// Search stored messages: Korean by substring, English by word.
    #[command(alias = "find")]
    Search(SearchArgs),
    /// One session's messages, in order.
    Show(ShowArgs),
    /// Sessions, most recently active first.
    Sessions(SessionsArgs),
    /// Channels with their sessions and messages.
    Channels(JsonArgs),
    /// Messages, sessions, per-client counts and the database size.
    Stats(JsonArgs),
    /// Import conversations from an AI client's files.
    #[command(subcommand)]
    Import(ImportCmd),
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// The message; `-` or nothing reads stdin.
    pub text: Option<String>,
    /// Where the conversation happened (a project, `gateway`, ...).
    #[arg(long, short, default_value = "default")]
    pub channel: String,
    /// The conversation's id (default: today's date).
    #[arg(long, short)]
    pub session: Option<String>,
    /// The AI client: claude-code, cursor, claude-desktop, gemini-cli, jr-chat, cli, ...
    #[arg(long, default_value = "cli")]
    pub client: String,
    /// user, assistant, system or tool.
    #[arg(long, short, default_value = "user")]
    pub role: String,
    /// A JSON object stored with the message.
    #[arg(long)]
    pub metadata: Option<String>,
    /// When it was said (RFC 3339; default now).
    #[arg(long)]
    pub at: Option<String>,
    /// The client's own id for the message: logging it again in the same
    /// session is a no-op. Without one, the same text within 10 minutes is.
    #[arg(long)]
    pub message_id: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words to find (all must occur); "quoted words" as a phrase; word* as a prefix.
    #[arg(required = true)]
    pub query: Vec<String>,
    #[arg(long, short)]
    pub channel: Option<String>,
    #[arg(long)]
    pub client: Option<String>,
    #[arg(long, short)]
    pub session: Option<String>,
    /// Only messages since: 7d, 24h, 2w, today, YYYY-MM-DD or RFC 3339.
    #[arg(long)]
    pub since: Option<String>,
    #[arg(long, short = 'n', default_value_t = 10)]
    pub limit: usize,
    /// Skip this many hits (for paging).
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    pub session: String,
    /// The channel, when the session name is used in several.
    #[arg(long, short)]
    pub channel: Option<String>,
    /// Only messages after this message id (for paging).
    #[arg(long, default_value_t = 0)]
    pub after: i64,
    #[arg(long, short = 'n', default_value_t = 200)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SessionsArgs {
    #[arg(long, short)]
    pub channel: Option<String>,
    #[arg(long)]
    pub client: Option<String>,
    #[arg(long, short = 'n', default_value_t = 20)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct JsonArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ImportCmd {
    /// Claude Code's JSONL session files (default: ~/.claude/projects).
    ClaudeCode(ImportArgs),
    /// Codex CLI's rollout files (default: ~/.codex/sessions).
    Codex(ImportArgs),
    /// Gemini CLI's chat recordings (default: ~/.gemini/tmp, the chats/ folders).
    Gemini(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A session file or a folder of them.
    pub path: Option<PathBuf>,
    /// Put every session in this channel (default: the project's folder name).
    #[arg(long, short)]
    pub channel: Option<String>,
    /// Keep running: import new sessions and new messages as the client
    /// writes them (checked every --poll; Ctrl-C stops).
    #[arg(long)]
    pub watch: bool,
    /// How often --watch looks for changed files.
    #[arg(long, default_value = "2s", value_name = "DURATION")]
    pub poll: String,
    #[arg(long)]
    pub json: bool,
}

fn read_text(text: Option<String>) -> Result<String> {
    match text.as_deref() {
        Some("-") | None => {
            use std::io::IsTerminal;
            if std::io::stdin().is_terminal() {
                return Err(Error::user("give the message as an argument or on stdin"));
            }
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s)?;
            Ok(s)
        }
        Some(t) => Ok(t.to_string()),
    }
}

fn local(e: &Engine, t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&e.tz())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

pub fn run(ctx: &Ctx, cmd: ContextCmd) -> Result<i32> {
    let engine = ctx.engine()?;
    let e = &engine;
    match cmd {
        ContextCmd::Log(a) => {
            let content = read_text(a.text)?;
            let metadata = a
                .metadata
                .as_deref()
                .map(serde_json::from_str::<serde_json::Value>)
                .transpose()
                .map_err(|err| Error::user(format!("--metadata is not valid JSON: {err}")))?;
            let created_at = a
                .at
                .as_deref()
                .map(|s| {
                    chrono::DateTime::parse_from_rfc3339(s)
                        .map(|t| t.with_timezone(&chrono::Utc))
                        .map_err(|err| Error::user(format!("--at {s:?} is not RFC 3339: {err}")))
                })
                .transpose()?;
            let session = a.session.unwrap_or_else(|| {
                e.now()
                    .with_timezone(&e.tz())
                    .format("%Y-%m-%d")
                    .to_string()
            });
            let logged = e.log_message_keyed(
                NewMessage {
                    channel: a.channel,
                    session,
                    client: a.client,
                    role: a.role,
                    content,
                    created_at,
                    metadata,
                    external_id: None,
                },
                a.message_id.as_deref(),
            )?;
            let id = logged.id.unwrap_or_default();
            if a.json {
                output::json(&logged)?;
            } else if logged.duplicate {
                let by = match logged.by {
                    Some("message_id") => "the same message id",
                    _ => "the same text within 10 minutes",
                };
                output::out(&format!(
                    "already stored as message #{id} ({by}); skipped\n"
                ))?;
            } else {
                let note = match logged.redactions {
                    0 => String::new(),
                    n => format!(" ({n} secret(s) redacted)"),
                };
                output::out(&format!("logged message #{id}{note}\n"))?;
            }
            Ok(0)
        }
        ContextCmd::Search(a) => {
            let since = a
                .since
                .as_deref()
                .map(|s| parse_since(s, e.now(), e.tz()))
                .transpose()
                .map_err(Error::user)?;
            let out = e.search_context(&ContextQuery {
                query: a.query.join(" "),
                channel: a.channel,
                client: a.client,
                session: a.session,
                since,
                limit: a.limit,
                offset: a.offset,
            })?;
            if a.json {
                output::json(&out)?;
                return Ok(0);
            }
            if out.hits.is_empty() {
                output::out(&format!("nothing found for {:?}\n", out.query))?;
                return Ok(0);
            }
            let mut s = String::new();
            for h in &out.hits {
                s.push_str(&format!(
                    "{} {}  {}  {} {}\n    {}\n",
                    paint(output::BOLD, &format!("#{}", h.id)),
                    paint(output::DIM, &local(e, h.created_at)),
                    paint(
                        output::CYAN,
                        &format!("{}/{}", h.channel, fit(&h.session, 24))
                    ),
                    h.client,
                    paint(output::DIM, &h.role),
                    h.snippet
                ));
            }
            if let Some(n) = out.ranked_newest {
                s.push_str(&paint(
                    output::DIM,
                    &format!("(many matches: ranked among the newest {n}; narrow with --since or --channel)\n"),
                ));
            }
            output::out(&s)?;
            Ok(0)
        }
        ContextCmd::Show(a) => {
            let v = e.context_session(&a.session, a.channel.as_deref(), a.after, a.limit)?;
            if a.json {
                output::json(&v)?;
                return Ok(0);
            }
            let s = &v.session;
            let mut o = format!(
                "{} {}  {}  {} messages, {} – {}\n",
                paint(output::BOLD, &format!("{}/{}", s.channel, s.session)),
                s.client,
                one_line(&s.title),
                s.messages,
                local(e, s.first_at),
                local(e, s.last_at)
            );
            for m in &v.messages {
                o.push_str(&format!(
                    "\n{} {} {}\n",
                    paint(output::DIM, &format!("#{}", m.id)),
                    paint(output::DIM, &local(e, m.created_at)),
                    paint(output::CYAN.bold(), &m.role)
                ));
                for l in m.content.lines() {
                    o.push_str(&format!("  {}\n", one_line(l)));
                }
            }
            output::out(&o)?;
            Ok(0)
        }
        ContextCmd::Sessions(a) => {
            let rows =
                e.context_sessions(a.channel.as_deref(), a.client.as_deref(), None, a.limit)?;
            if a.json {
                output::json(&rows)?;
                return Ok(0);
            }
            if rows.is_empty() {
                output::out(
                    "no conversations stored yet; `jr context log` or `jr context import claude-code`\n",
                )?;
                return Ok(0);
            }
            let mut t = Table::new(&["LAST", "CHANNEL", "SESSION", "CLIENT", "MSGS", "TITLE"]);
            for r in &rows {
                t.row(vec![
                    styled(local(e, r.last_at), output::DIM),
                    r.channel.clone().into(),
                    fit(&r.session, 24).into(),
                    r.client.clone().into(),
                    r.messages.to_string().into(),
                    fit(&one_line(&r.title), 60).into(),
                ]);
            }
            output::out(&t.render())?;
            Ok(0)
        }
        ContextCmd::Channels(a) => {
            let rows = e.context_channels()?;
            if a.json {
                output::json(&rows)?;
                return Ok(0);
            }
            if rows.is_empty() {
                output::out("no conversations stored yet\n")?;
                return Ok(0);
            }
            let mut t = Table::new(&["CHANNEL", "SESSIONS", "MESSAGES", "LAST"]);
            for r in &rows {
                t.row(vec![
                    r.channel.clone().into(),
                    r.sessions.to_string().into(),
                    r.messages.to_string().into(),
                    styled(local(e, r.last_at), output::DIM),
                ]);
            }
            output::out(&t.render())?;
            Ok(0)
        }
        ContextCmd::Stats(a) => {
            let s = e.context_stats()?;
            if a.json {
                output::json(&s)?;
                return Ok(0);
            }
            let mut o = format!(
                "messages  {}\nsessions  {}\nchannels  {}\n",
                s.messages, s.sessions, s.channels
            );
            if let (Some(f), Some(l)) = (s.first_at, s.last_at) {
                o.push_str(&format!("span      {} – {}\n", local(e, f), local(e, l)));
            }
            for (client, c) in &s.clients {
                o.push_str(&format!(
                    "  {client:<16} {} messages in {} sessions\n",
                    c.messages, c.sessions
                ));
            }
            o.push_str(&format!(
                "database  {:.1} MiB\n",
                s.db_bytes as f64 / 1048576.0
            ));
            output::out(&o)?;
            Ok(0)
        }
        ContextCmd::Import(cmd) => {
            let (source, a) = match cmd {
                ImportCmd::ClaudeCode(a) => (Source::ClaudeCode, a),
                ImportCmd::Codex(a) => (Source::Codex, a),
                ImportCmd::Gemini(a) => (Source::Gemini, a),
            };
            let path = match a.path {
                Some(p) => p,
                None => source.default_dir(&ctx.home_dir()?),
            };
            if a.watch {
                let poll = crate::domain::job::parse_duration(&a.poll)
                    .map_err(|err| Error::user(format!("--poll: {err}")))?;
                return watch_import(e, source, &path, a.channel.as_deref(), poll, a.json);
            }
            let r = e.import_sessions(source, &path, a.channel.as_deref())?;
            print_import(&r, a.json)
        }
    }
}

/// `import --watch`: import everything once, then every `poll` re-import the
/// files whose size or modification time changed (new sessions too), and say
/// what each added. Each file's import is one transaction and idempotent, so
/// stopping at any moment loses nothing and doubles nothing.
fn watch_import(
    e: &Engine,
    source: Source,
    path: &std::path::Path,
    channel: Option<&str>,
    poll: std::time::Duration,
    json: bool,
) -> Result<i32> {
    use std::collections::HashMap;
    let poll = poll.max(std::time::Duration::from_millis(100));
    let mut seen: HashMap<PathBuf, (u64, Option<std::time::SystemTime>)> = HashMap::new();
    let mut first = true;
    let mut total = ContextImport::default();
    loop {
        // A folder that is not there yet (the client never ran) is waited for.
        let files = match source.files(path) {
            Ok(f) => f,
            Err(err) if first && !path.exists() => {
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr(),
                    "waiting for {} ({})",
                    path.display(),
                    err.message
                );
                Vec::new()
            }
            Err(err) => return Err(err),
        };
        for f in files {
            let Ok(meta) = std::fs::metadata(&f) else {
                continue;
            };
            let stamp = (meta.len(), meta.modified().ok());
            if seen.get(&f) == Some(&stamp) {
                continue;
            }
            let r = e.import_session_file(source, &f, channel)?;
            seen.insert(f.clone(), stamp);
            total.imported += r.imported;
            if r.imported > 0 {
                if json {
                    let mut v = serde_json::to_value(&r).unwrap_or_default();
                    v["file"] = serde_json::json!(f.display().to_string());
                    output::json(&v)?;
                } else {
                    output::out(&format!(
                        "{}: imported {} message(s)\n",
                        f.display(),
                        r.imported
                    ))?;
                }
            }
        }
        if first && !json {
            output::out(&format!(
                "watching {} for {} sessions ({} messages so far); Ctrl-C stops\n",
                path.display(),
                source.client(),
                total.imported
            ))?;
        }
        first = false;
        std::thread::sleep(poll);
    }
}

fn print_import(r: &ContextImport, json: bool) -> Result<i32> {
    if json {
        output::json(r)?;
        return Ok(0);
    }
    let mut s = format!(
        "imported {} messages in {} sessions from {} files",
        r.imported, r.sessions, r.files
    );
    if r.skipped_duplicates > 0 {
        s.push_str(&format!(", skipped {} already here", r.skipped_duplicates));
    }
    if r.redactions > 0 {
        s.push_str(&format!(", redacted {} secret(s)", r.redactions));
    }
    s.push('\n');
    output::out(&s)?;
    Ok(0)
}
