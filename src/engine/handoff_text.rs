//! The words of a hand-off, pure: what the work is told about its task (the
//! brief an agent's prompt carries, `{{task.*}}`, `JR_TASK_*`), and the note a
//! task gets when the work ends (the result kept whole up to a bound, its
//! links always whole so they stay clickable).

use chrono_tz::Tz;

use super::TaskDetail;
use crate::domain::Task;

/// The task as the work sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskBrief {
    pub id: i64,
    pub title: String,
    pub body: String,
    /// Title, status, body, notes, sub-tasks and dependencies as plain text.
    pub context: String,
}

/// Characters of a result kept in a task's note.
pub const NOTE_RESULT_MAX: usize = 2000;

impl TaskBrief {
    pub fn new(d: &TaskDetail, deps: &[Task], tz: Tz) -> TaskBrief {
        let t = &d.task;
        let mut s = format!("Task #{}: {}\n", t.id, t.title);
        let mut facts = vec![
            format!("status {}", t.status),
            format!("priority {}", t.priority),
        ];
        if let Some(due) = t.due {
            facts.push(format!("due {}", due.to_rfc3339(tz)));
        }
        if !t.tags.is_empty() {
            facts.push(format!("tags {}", t.tags.join(", ")));
        }
        if let Some(p) = t.parent {
            facts.push(format!("sub-task of #{p}"));
        }
        s.push_str(&facts.join(" · "));
        s.push('\n');
        if !t.body.trim().is_empty() {
            s.push_str(&format!("\n{}\n", t.body.trim_end()));
        }
        let notes: Vec<String> = d
            .events
            .iter()
            .filter(|e| e.field == "note")
            .filter_map(|e| {
                let at = e.at.with_timezone(&tz).format("%Y-%m-%d %H:%M");
                e.new
                    .as_ref()
                    .map(|n| format!("- {at} ({}): {n}", e.source))
            })
            .collect();
        if !notes.is_empty() {
            s.push_str(&format!("\nNotes:\n{}\n", notes.join("\n")));
        }
        if !d.subtasks.is_empty() {
            let lines: Vec<String> = d
                .subtasks
                .iter()
                .map(|c| format!("- #{} [{}] {}", c.id, c.status, c.title))
                .collect();
            s.push_str(&format!("\nSub-tasks:\n{}\n", lines.join("\n")));
        }
        if !deps.is_empty() {
            let lines: Vec<String> = deps
                .iter()
                .map(|c| format!("- #{} [{}] {}", c.id, c.status, c.title))
                .collect();
            s.push_str(&format!("\nDepends on:\n{}\n", lines.join("\n")));
        }
        TaskBrief {
            id: t.id,
            title: t.title.clone(),
            body: t.body.clone(),
            context: s,
        }
    }
}

/// The prompt a configured agent gets when a task is handed to it.
pub fn agent_prompt(b: &TaskBrief) -> String {
    format!(
        "A task from jr's task list has been handed to you. Work on it and answer \
         with the result; your answer is attached to the task for review.\n\n{}",
        b.context
    )
}

/// The note a task gets when work on it ends: what ended, how, and its
/// result (up to `NOTE_RESULT_MAX` characters; links past the cut are added
/// whole) or its error.
pub fn note_for(what: &str, status: &str, result: Option<&str>, error: Option<&str>) -> String {
    let mut s = format!("{what} {}", verb(status));
    if let Some(e) = error.map(str::trim).filter(|e| !e.is_empty()) {
        s.push_str(&format!(": {e}"));
    }
    if let Some(r) = result.map(str::trim).filter(|r| !r.is_empty()) {
        let kept: String = r.chars().take(NOTE_RESULT_MAX).collect();
        s.push_str(&format!("\n{kept}"));
        if kept.len() < r.len() {
            s.push_str("\n[…]");
            let rest = &r[kept.len()..];
            for url in urls(rest) {
                if !kept.contains(url) {
                    s.push_str(&format!("\n{url}"));
                }
            }
        }
    }
    s
}

fn verb(status: &str) -> &str {
    match status {
        "success" => "succeeded",
        "failed" => "failed",
        "timeout" => "timed out",
        "cancelled" | "stopped" => "was stopped",
        "lost" => "was lost",
        "interrupted" => "was interrupted",
        other => other,
    }
}

/// `http://` and `https://` links in `text`, whole.
pub fn urls(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("http") {
        let tail = &rest[i..];
        if tail.starts_with("https://") || tail.starts_with("http://") {
            let end = tail
                .find(|c: char| c.is_whitespace() || matches!(c, '"' | '<' | '>' | ')' | ']'))
                .unwrap_or(tail.len());
            out.push(tail[..end].trim_end_matches(['.', ',', ';', ':', '!', '?']));
            rest = &tail[end..];
        } else {
            rest = &tail[4..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_keep_results_and_whole_links() {
        let table = [
            (
                (
                    "run #4 of job backup",
                    "success",
                    Some("https://dagster.local/runs/abc"),
                    None,
                ),
                "run #4 of job backup succeeded\nhttps://dagster.local/runs/abc",
            ),
            (
                (
                    "run #5 of job backup",
                    "failed",
                    None,
                    Some("exited with status 2"),
                ),
                "run #5 of job backup failed: exited with status 2",
            ),
            (
                (
                    "run #6 of job backup",
                    "timeout",
                    None,
                    Some("timed out after 1s"),
                ),
                "run #6 of job backup timed out: timed out after 1s",
            ),
            (
                ("execution #2 of agent 리뷰어", "stopped", None, None),
                "execution #2 of agent 리뷰어 was stopped",
            ),
        ];
        for ((what, st, r, e), want) in table {
            assert_eq!(note_for(what, st, r, e), want);
        }
        let long = format!(
            "{} see https://example.com/a?b=1 and http://x.y/z.",
            "가".repeat(3000)
        );
        let n = note_for("run #1 of job j", "success", Some(&long), None);
        assert!(n.contains("[…]"), "{n}");
        assert!(
            n.ends_with("\nhttps://example.com/a?b=1\nhttp://x.y/z"),
            "{n}"
        );
        assert!(n.chars().count() < NOTE_RESULT_MAX + 200);
    }

    #[test]
    fn urls_are_found_whole() {
        assert_eq!(
            urls("(see https://a.b/c) and <http://d.e> httpx"),
            vec!["https://a.b/c", "http://d.e"]
        );
    }
}
