//! The Runs pane's `/` filter: `status:failed job:backup`, `!` negates
//! (`!status:success`, `!job:backup`), a bare word is a job name;
//! `status:failures` means every way of ending badly, `status:active` queued
//! and running. Pure; the query runs in SQLite a page at a time.

use crate::domain::RunStatus;
use crate::engine::RunFilter;

const ALL: [RunStatus; 10] = [
    RunStatus::Queued,
    RunStatus::Running,
    RunStatus::Success,
    RunStatus::Failed,
    RunStatus::Timeout,
    RunStatus::Cancelled,
    RunStatus::Skipped,
    RunStatus::Missed,
    RunStatus::Lost,
    RunStatus::Interrupted,
];

fn statuses(value: &str) -> Result<Vec<RunStatus>, String> {
    Ok(match value {
        "failures" | "failure" | "bad" => ALL.into_iter().filter(|s| s.is_failure()).collect(),
        "active" => vec![RunStatus::Queued, RunStatus::Running],
        v => vec![v.parse::<RunStatus>()?],
    })
}

/// Parse the filter line into the part of a `RunFilter` it sets.
pub fn parse(text: &str) -> Result<RunFilter, String> {
    let mut f = RunFilter::default();
    let mut only: Option<Vec<RunStatus>> = None;
    let mut never: Vec<RunStatus> = Vec::new();
    for token in text.split_whitespace() {
        let (neg, tok) = match token.strip_prefix('!') {
            Some("") => continue,
            Some(rest) => (true, rest),
            None => (false, token),
        };
        let (field, value) = match tok.split_once(':') {
            Some((k, v)) => (k.to_lowercase(), v.trim()),
            None => ("job".to_string(), tok),
        };
        if value.is_empty() {
            return Err(format!("`{field}:` needs a value"));
        }
        match field.as_str() {
            "status" | "s" | "is" => {
                let set = statuses(&value.to_lowercase())?;
                if neg {
                    never.extend(set);
                } else {
                    only.get_or_insert_with(Vec::new).extend(set);
                }
            }
            "job" | "j" => {
                if neg {
                    f.not_jobs.push(value.to_string());
                } else if f.job.as_deref().is_some_and(|j| j != value) {
                    return Err(
                        "one job at a time (job:NAME); use !job: to leave others out".into(),
                    );
                } else {
                    f.job = Some(value.to_string());
                }
            }
            other => return Err(format!("{other}:? the fields are status: and job:")),
        }
    }
    if only.is_some() || !never.is_empty() {
        let base = only.unwrap_or_else(|| ALL.to_vec());
        f.statuses = base.into_iter().filter(|s| !never.contains(s)).collect();
        if f.statuses.is_empty() {
            return Err("no status is left by that filter".into());
        }
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runs_filter_language() {
        let f = parse("status:failed job:backup").unwrap();
        assert_eq!(f.job.as_deref(), Some("backup"));
        assert_eq!(f.statuses, vec![RunStatus::Failed]);
        let f = parse("!status:success !job:noisy daily-briefing").unwrap();
        assert_eq!(f.statuses.len(), 9);
        assert!(!f.statuses.contains(&RunStatus::Success));
        assert_eq!(f.not_jobs, vec!["noisy"]);
        assert_eq!(f.job.as_deref(), Some("daily-briefing"));
        let f = parse("status:failures !status:lost").unwrap();
        assert_eq!(
            f.statuses,
            vec![
                RunStatus::Failed,
                RunStatus::Timeout,
                RunStatus::Interrupted
            ]
        );
        assert_eq!(parse("").unwrap(), RunFilter::default());
        assert!(parse("status:later").is_err());
        assert!(parse("job:a job:b").is_err());
        assert!(parse("tag:x").is_err());
        assert!(parse("status:success !status:success").is_err());
    }
}
