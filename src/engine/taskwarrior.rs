//! Reading taskwarrior's `task export` JSON into jr task records.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

use super::views::TaskRecord;
use crate::domain::{Priority, TaskStatus};

/// True when a JSON object looks like a taskwarrior task rather than a jr one.
pub fn is_taskwarrior(v: &Value) -> bool {
    v.get("uuid").is_some() && v.get("description").is_some()
}

fn tw_time(v: Option<&Value>) -> Option<DateTime<Utc>> {
    let s = v?.as_str()?;
    NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%SZ")
        .ok()
        .map(|n| n.and_utc())
        .or_else(|| {
            DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|t| t.with_timezone(&Utc))
        })
}

/// Convert taskwarrior tasks. They have no jr ids, so they get negative
/// placeholders that the import replaces; `depends` uuids map onto them.
pub fn convert(items: &[Value], now: DateTime<Utc>) -> Vec<TaskRecord> {
    let ids: HashMap<&str, i64> = items
        .iter()
        .enumerate()
        .filter_map(|(i, v)| Some((v.get("uuid")?.as_str()?, -(i as i64) - 1)))
        .collect();
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let status = match v.get("status").and_then(Value::as_str) {
                Some("completed") => TaskStatus::Done,
                Some("deleted") => TaskStatus::Cancelled,
                _ if v.get("start").is_some() => TaskStatus::InProgress,
                _ => TaskStatus::Pending,
            };
            let priority = match v.get("priority").and_then(Value::as_str) {
                Some("H") => Priority(1),
                Some("L") => Priority(3),
                _ => Priority(2),
            };
            let mut body = String::new();
            if let Some(anns) = v.get("annotations").and_then(Value::as_array) {
                for a in anns {
                    if let Some(d) = a.get("description").and_then(Value::as_str) {
                        body.push_str("- ");
                        body.push_str(d);
                        body.push('\n');
                    }
                }
            }
            let depends: Vec<i64> = match v.get("depends") {
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(|u| ids.get(u.as_str()?).copied())
                    .collect(),
                Some(Value::String(s)) => s
                    .split(',')
                    .filter_map(|u| ids.get(u.trim()).copied())
                    .collect(),
                _ => Vec::new(),
            };
            let mut tags: Vec<String> = v
                .get("tags")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|t| t.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            if let Some(p) = v.get("project").and_then(Value::as_str) {
                tags.push(format!("project:{p}"));
            }
            let created = tw_time(v.get("entry")).unwrap_or(now);
            TaskRecord {
                id: -(i as i64) - 1,
                title: v
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                body,
                status,
                priority,
                due: tw_time(v.get("due")).map(|t| t.to_rfc3339()),
                due_all_day: false,
                tags,
                parent: None,
                depends_on: depends,
                claimed_by: None,
                source: Some("import".into()),
                created_at: created,
                updated_at: tw_time(v.get("modified")),
                closed_at: tw_time(v.get("end")),
                events: None,
            }
        })
        .collect()
}
