//! What a notification says, pure: the run's link, one run's message, and
//! a burst summed up in one message.

use crate::clients::notify::{Message, RunInfo};
use crate::domain::Run;

/// A run's link: the first web address in its result (a shell job's
/// `JR_RESULT`, an agent's answer), else the external run it follows.
pub fn link_of(result: Option<&str>, external_url: Option<&str>) -> Option<String> {
    result
        .and_then(|r| {
            crate::engine::handoff_text::urls(r)
                .first()
                .map(|u| u.to_string())
        })
        .filter(|u| u.len() > "https://".len())
        .or_else(|| external_url.map(str::to_string))
}

/// The link of a stored run.
pub fn run_link(run: &Run, external_url: Option<&str>) -> Option<String> {
    link_of(run.result.as_deref(), external_url)
}

/// One run as a message part.
pub fn info(run: &Run, event: &str, link: Option<String>) -> RunInfo {
    RunInfo {
        job: run.job.clone(),
        status: run.status.to_string(),
        event: event.to_string(),
        attempt: run.attempt,
        duration_ms: run.duration_ms,
        error: run.error.clone(),
        result: run.result.clone(),
        run_id: run.id,
        url: link,
    }
}

fn took(ms: Option<i64>) -> String {
    match ms {
        None => String::new(),
        Some(ms) if ms < 1000 => format!(", {ms} ms"),
        Some(ms) if ms < 60_000 => format!(", {:.1} s", ms as f64 / 1000.0),
        Some(ms) => format!(", {}m{:02}s", ms / 60_000, (ms / 1000) % 60),
    }
}

fn verb(event: &str, status: &str) -> String {
    match (event, status) {
        ("recovered", _) => "recovered".into(),
        ("succeeded", _) => "succeeded".into(),
        (_, "timeout") => "timed out".into(),
        (_, "lost") => "was lost".into(),
        (_, "interrupted") => "was interrupted".into(),
        _ => "failed".into(),
    }
}

/// At most this much of an error or result goes into a message.
const DETAIL_MAX: usize = 500;

fn short(s: &str) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= DETAIL_MAX {
        one
    } else {
        let mut t: String = one.chars().take(DETAIL_MAX - 1).collect();
        t.push('…');
        t
    }
}

/// The message about `runs` (one, or a burst summed up). Text from jobs is
/// made visible (no control character reaches a phone or a chat).
pub fn compose(runs: &[RunInfo]) -> Message {
    let clean = |s: &str| crate::text::visible(s, false).into_owned();
    let urgent = runs.iter().any(|r| r.event == "failed");
    if let [r] = runs {
        let v = verb(&r.event, &r.status);
        let mut text = format!(
            "{} {v} (attempt {}{})",
            r.job,
            r.attempt,
            took(r.duration_ms)
        );
        let detail = if r.event == "failed" {
            r.error.as_deref().or(r.result.as_deref())
        } else {
            r.result.as_deref()
        };
        if let Some(d) = detail.filter(|d| !d.trim().is_empty()) {
            text.push_str(&format!(": {}", clean(&short(d))));
        }
        if let Some(u) = &r.url
            && !text.contains(u.as_str())
        {
            text.push_str(&format!("\n{}", clean(u)));
        }
        text.push_str(&format!("\njr runs show {}", r.run_id));
        return Message {
            title: format!("jr: {} {v}", r.job),
            text,
            urgent,
            link: r.url.clone(),
            runs: runs.to_vec(),
        };
    }
    let failed: Vec<&RunInfo> = runs.iter().filter(|r| r.event == "failed").collect();
    let good: Vec<&RunInfo> = runs.iter().filter(|r| r.event != "failed").collect();
    let names = |v: &[&RunInfo]| {
        let mut seen: Vec<&str> = Vec::new();
        for r in v {
            if !seen.contains(&r.job.as_str()) {
                seen.push(&r.job);
            }
        }
        let more = seen.len().saturating_sub(8);
        let mut s = seen.into_iter().take(8).collect::<Vec<_>>().join(", ");
        if more > 0 {
            s.push_str(&format!(" and {more} more"));
        }
        s
    };
    let mut parts = Vec::new();
    if !failed.is_empty() {
        parts.push(format!(
            "{} {} failed: {}",
            failed.len(),
            if failed.len() == 1 { "run" } else { "runs" },
            names(&failed)
        ));
    }
    if !good.is_empty() {
        parts.push(format!(
            "{} {} succeeded or recovered: {}",
            good.len(),
            if good.len() == 1 { "run" } else { "runs" },
            names(&good)
        ));
    }
    let title = if failed.is_empty() {
        format!("jr: {} runs ended well", runs.len())
    } else {
        format!("jr: {} runs failed", failed.len())
    };
    let mut text = parts.join("; ");
    for r in runs.iter().take(10) {
        text.push_str(&format!(
            "\n#{} {} {}{}",
            r.run_id,
            r.job,
            verb(&r.event, &r.status),
            r.error
                .as_deref()
                .filter(|_| r.event == "failed")
                .map(|e| format!(
                    ": {}",
                    clean(&short(e).chars().take(120).collect::<String>())
                ))
                .unwrap_or_default()
        ));
    }
    if runs.len() > 10 {
        text.push_str(&format!("\n… and {} more", runs.len() - 10));
    }
    text.push_str("\njr runs list --status failed");
    Message {
        title,
        text,
        urgent,
        link: None,
        runs: runs.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ri(id: i64, job: &str, event: &str) -> RunInfo {
        RunInfo {
            job: job.into(),
            status: if event == "failed" {
                "failed"
            } else {
                "success"
            }
            .into(),
            event: event.into(),
            attempt: 3,
            duration_ms: Some(1500),
            error: (event == "failed").then(|| "exited with status 1\u{1b}[2J".into()),
            result: None,
            run_id: id,
            url: None,
        }
    }

    #[test]
    fn one_run_and_a_burst() {
        let m = compose(&[ri(42, "backup", "failed")]);
        assert_eq!(m.title, "jr: backup failed");
        assert!(
            m.text
                .starts_with("backup failed (attempt 3, 1.5 s): exited with status 1␛[2J"),
            "{}",
            m.text
        );
        assert!(m.text.ends_with("jr runs show 42"));
        assert!(m.urgent);
        let burst: Vec<RunInfo> = (1..=10)
            .map(|i| ri(i, &format!("job{i}"), "failed"))
            .collect();
        let m = compose(&burst);
        assert!(
            m.text.starts_with(
                "10 runs failed: job1, job2, job3, job4, job5, job6, job7, job8 and 2 more"
            ),
            "{}",
            m.text
        );
        assert_eq!(m.title, "jr: 10 runs failed");
        let m = compose(&[ri(1, "a", "recovered")]);
        assert!(!m.urgent && m.title == "jr: a recovered", "{m:?}");
    }

    #[test]
    fn links() {
        assert_eq!(
            link_of(Some("report: https://x.io/r/1."), None).as_deref(),
            Some("https://x.io/r/1")
        );
        assert_eq!(
            link_of(Some("no link"), Some("http://dagster/runs/9")).as_deref(),
            Some("http://dagster/runs/9")
        );
        assert_eq!(link_of(Some("https://"), None), None);
        assert_eq!(link_of(None, None), None);
    }
}
