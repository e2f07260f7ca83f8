//! Tasks: the host agent's persistent memory. The status flow and its rules live
//! here as pure functions so every front end gets the same answers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::Due;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Pending,
    InProgress,
    Review,
    Done,
    Cancelled,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 5] = [
        TaskStatus::Pending,
        TaskStatus::InProgress,
        TaskStatus::Review,
        TaskStatus::Done,
        TaskStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Review => "review",
            TaskStatus::Done => "done",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    /// Done and cancelled tasks are closed; everything else is open.
    pub fn is_closed(self) -> bool {
        matches!(self, TaskStatus::Done | TaskStatus::Cancelled)
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TaskStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_lowercase().replace('-', "_").as_str() {
            "pending" | "todo" => Ok(TaskStatus::Pending),
            "in_progress" | "started" | "doing" => Ok(TaskStatus::InProgress),
            "review" => Ok(TaskStatus::Review),
            "done" | "completed" => Ok(TaskStatus::Done),
            "cancelled" | "canceled" => Ok(TaskStatus::Cancelled),
            _ => Err(format!(
                "unknown task status {s:?}; use one of pending, in_progress, review, done, cancelled"
            )),
        }
    }
}

/// The moves a user can make; each maps to the statuses it may start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Start,
    Review,
    Done,
    Cancel,
    Reopen,
}

impl Transition {
    pub fn target(self) -> TaskStatus {
        match self {
            Transition::Start => TaskStatus::InProgress,
            Transition::Review => TaskStatus::Review,
            Transition::Done => TaskStatus::Done,
            Transition::Cancel => TaskStatus::Cancelled,
            Transition::Reopen => TaskStatus::Pending,
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            Transition::Start => "start",
            Transition::Review => "review",
            Transition::Done => "done",
            Transition::Cancel => "cancel",
            Transition::Reopen => "reopen",
        }
    }

    /// The transition that leads to `status`, used when a caller names the target.
    pub fn to(status: TaskStatus) -> Transition {
        match status {
            TaskStatus::Pending => Transition::Reopen,
            TaskStatus::InProgress => Transition::Start,
            TaskStatus::Review => Transition::Review,
            TaskStatus::Done => Transition::Done,
            TaskStatus::Cancelled => Transition::Cancel,
        }
    }

    /// Whether the flow allows this move from `from`. Starting again from review
    /// sends work back; done may skip steps; reopen only brings back closed tasks.
    pub fn allowed_from(self, from: TaskStatus) -> bool {
        use TaskStatus::*;
        match self {
            Transition::Start => matches!(from, Pending | Review),
            Transition::Review => matches!(from, InProgress),
            Transition::Done => matches!(from, Pending | InProgress | Review),
            Transition::Cancel => matches!(from, Pending | InProgress | Review),
            Transition::Reopen => matches!(from, Done | Cancelled),
        }
    }

    /// Moves that a dependency which is not done forbids.
    pub fn needs_dependencies_done(self) -> bool {
        matches!(self, Transition::Start | Transition::Done)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Priority(pub u8);

impl Priority {
    pub const DEFAULT: Priority = Priority(2);
}

impl Default for Priority {
    fn default() -> Self {
        Priority::DEFAULT
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p{}", self.0)
    }
}

impl FromStr for Priority {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().to_lowercase();
        let digits = t.strip_prefix('p').unwrap_or(&t);
        match digits.parse::<u8>() {
            Ok(n) if n <= 3 => Ok(Priority(n)),
            _ => Err(format!(
                "unknown priority {s:?}; use p0 (most urgent), p1, p2 or p3"
            )),
        }
    }
}

impl Serialize for Priority {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Priority {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Which front end made a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Cli,
    Tui,
    Mcp,
    Chat,
    Job,
    Import,
    /// An agent a task was handed to.
    Agent,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Cli => "cli",
            Source::Tui => "tui",
            Source::Mcp => "mcp",
            Source::Chat => "chat",
            Source::Job => "job",
            Source::Import => "import",
            Source::Agent => "agent",
        }
    }
}

impl FromStr for Source {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "cli" => Ok(Source::Cli),
            "tui" => Ok(Source::Tui),
            "mcp" => Ok(Source::Mcp),
            "chat" => Ok(Source::Chat),
            "job" => Ok(Source::Job),
            "import" => Ok(Source::Import),
            "agent" => Ok(Source::Agent),
            _ => Err(format!("unknown source {s:?}")),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub status: TaskStatus,
    pub priority: Priority,
    pub due: Option<Due>,
    pub tags: Vec<String>,
    pub parent: Option<i64>,
    pub depends_on: Vec<i64>,
    pub claimed_by: Option<String>,
    pub source: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// What a caller supplies to create a task; the engine validates it.
#[derive(Debug, Clone, Default)]
pub struct NewTask {
    pub title: String,
    pub body: String,
    pub priority: Priority,
    pub due: Option<Due>,
    pub tags: Vec<String>,
    pub parent: Option<i64>,
    pub depends_on: Vec<i64>,
}

/// One recorded change: `field` went from `old` to `new`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskEvent {
    #[serde(with = "super::rfc3339")]
    pub at: DateTime<Utc>,
    pub source: String,
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Tags are case-folded words without spaces or commas; returns the cleaned tag.
pub fn normalize_tag(tag: &str) -> Result<String, String> {
    let t = tag.trim().trim_start_matches('+').to_lowercase();
    if t.is_empty() || t.chars().any(|c| c.is_whitespace() || c == ',') {
        return Err(format!(
            "tag {tag:?} must be one word without spaces or commas"
        ));
    }
    Ok(t)
}

/// The longest task title, in characters; longer text belongs in the body.
pub const MAX_TITLE_CHARS: usize = 500;
/// The largest task body: 256 KiB (as a context message).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A title trimmed, not empty and at most `MAX_TITLE_CHARS`.
pub fn check_title(title: &str) -> Result<String, String> {
    let t = title.trim();
    if t.is_empty() {
        return Err("a task needs a title that is not empty".into());
    }
    let n = t.chars().count();
    if n > MAX_TITLE_CHARS {
        return Err(format!(
            "a task title is at most {MAX_TITLE_CHARS} characters and this one has {n}; put the rest in the body"
        ));
    }
    Ok(t.to_string())
}

/// A body of at most `MAX_BODY_BYTES`.
pub fn check_body(body: &str) -> Result<(), String> {
    if body.len() > MAX_BODY_BYTES {
        return Err(format!(
            "a task body is at most {} KiB and this one is {} bytes; keep a summary and a link",
            MAX_BODY_BYTES / 1024,
            body.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use TaskStatus::*;

    #[test]
    fn the_flow_table() {
        let cases = [
            (Transition::Start, Pending, true),
            (Transition::Start, Review, true),
            (Transition::Start, InProgress, false),
            (Transition::Start, Done, false),
            (Transition::Review, InProgress, true),
            (Transition::Review, Pending, false),
            (Transition::Done, Pending, true),
            (Transition::Done, Review, true),
            (Transition::Done, Done, false),
            (Transition::Done, Cancelled, false),
            (Transition::Cancel, InProgress, true),
            (Transition::Cancel, Done, false),
            (Transition::Reopen, Done, true),
            (Transition::Reopen, Cancelled, true),
            (Transition::Reopen, Pending, false),
            (Transition::Reopen, Review, false),
        ];
        for (t, from, ok) in cases {
            assert_eq!(t.allowed_from(from), ok, "{t:?} from {from}");
        }
    }

    #[test]
    fn priorities_and_statuses_parse() {
        assert_eq!("p0".parse::<Priority>().unwrap(), Priority(0));
        assert_eq!("3".parse::<Priority>().unwrap(), Priority(3));
        assert!("p4".parse::<Priority>().is_err());
        assert_eq!("in-progress".parse::<TaskStatus>().unwrap(), InProgress);
        assert!("later".parse::<TaskStatus>().is_err());
        assert_eq!(normalize_tag("+Home").unwrap(), "home");
        assert_eq!(normalize_tag("집안일").unwrap(), "집안일");
        assert!(normalize_tag("a b").is_err());
    }
}
