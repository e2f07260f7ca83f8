//! The JSON shapes agents and scripts rely on (documented in the README). They
//! are built here once so the CLI and the MCP server print the same objects.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::TaskDetail;
use crate::domain::{Due, Priority, Task, TaskEvent, TaskStatus, rfc3339};

/// A task as JSON; also one line of `jr tasks export` and what `import` reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskRecord {
    pub id: i64,
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default = "pending")]
    pub status: TaskStatus,
    #[serde(default)]
    pub priority: Priority,
    /// RFC 3339; a whole-day due date is the last second of that day.
    #[serde(default)]
    pub due: Option<String>,
    /// True when `due` names a whole day rather than an instant.
    #[serde(default)]
    pub due_all_day: bool,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub parent: Option<i64>,
    #[serde(default)]
    pub depends_on: Vec<i64>,
    #[serde(default)]
    pub claimed_by: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(default, with = "rfc3339::option")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default, with = "rfc3339::option")]
    pub closed_at: Option<DateTime<Utc>>,
    /// Only in export lines: the task's history, so a round trip keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<TaskEvent>>,
}

fn pending() -> TaskStatus {
    TaskStatus::Pending
}

impl TaskRecord {
    pub fn from_task(t: &Task, tz: Tz, events: Option<Vec<TaskEvent>>) -> TaskRecord {
        TaskRecord {
            id: t.id,
            title: t.title.clone(),
            body: t.body.clone(),
            status: t.status,
            priority: t.priority,
            due: t.due.map(|d| d.to_rfc3339(tz)),
            due_all_day: t.due.is_some_and(|d| d.is_day()),
            tags: t.tags.clone(),
            parent: t.parent,
            depends_on: t.depends_on.clone(),
            claimed_by: t.claimed_by.clone(),
            source: Some(t.source.clone()),
            created_at: t.created_at,
            updated_at: Some(t.updated_at),
            closed_at: t.closed_at,
            events,
        }
    }

    /// The due date this record means (a day is read back in the zone it was written in).
    pub fn due_value(&self, tz: Tz) -> Option<Due> {
        let s = self.due.as_deref()?;
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Some(Due::Day(d));
        }
        let t = DateTime::parse_from_rfc3339(s).ok()?;
        if self.due_all_day {
            Some(Due::Day(t.date_naive()))
        } else {
            let _ = tz;
            Some(Due::At(t))
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct BlockerOut {
    pub id: i64,
    pub title: String,
    pub status: TaskStatus,
}

/// `jr tasks show --json`: the task object plus its neighbourhood and history.
#[derive(Debug, Clone, Serialize)]
pub struct TaskDetailOut {
    #[serde(flatten)]
    pub task: TaskRecord,
    pub subtasks: Vec<TaskRecord>,
    pub blocked_by: Vec<BlockerOut>,
    pub dependents: Vec<i64>,
    pub events: Vec<TaskEvent>,
    /// Runs and agent executions that worked on the task, oldest first.
    pub work: Vec<super::handoff::WorkItem>,
}

impl TaskDetailOut {
    pub fn new(d: &TaskDetail, tz: Tz) -> TaskDetailOut {
        TaskDetailOut {
            task: TaskRecord::from_task(&d.task, tz, None),
            subtasks: d
                .subtasks
                .iter()
                .map(|t| TaskRecord::from_task(t, tz, None))
                .collect(),
            blocked_by: d
                .blocked_by
                .iter()
                .map(|(id, title, status)| BlockerOut {
                    id: *id,
                    title: title.clone(),
                    status: *status,
                })
                .collect(),
            dependents: d.dependents.clone(),
            events: d.events.clone(),
            work: d.work.clone(),
        }
    }
}
