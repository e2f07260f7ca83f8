//! Following a run's log: turns each poll's events and captured output into
//! lines, keeps the cursors (so a follower can stop and resume where it
//! was), buffers half-lines of captured output, and remembers the step error
//! that explains a failure. Pure: the caller does the polling.

use std::collections::{BTreeMap, BTreeSet};

use super::api::Cursors;
use super::types::{LogEvent, Phase, Progress, phase};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// An event or captured stdout.
    Out,
    /// An error event or captured stderr.
    Err,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub kind: LineKind,
    pub text: String,
}

#[derive(Debug, Default)]
pub struct Follower {
    pub cursors: Cursors,
    /// Half a line of captured output, by (file key, is stderr).
    partial: BTreeMap<(String, bool), String>,
    /// Steps whose output each file key captures.
    file_steps: BTreeMap<String, Vec<String>>,
    steps_done: BTreeSet<String>,
    /// Polls of a file key since all its steps ended; dropped after two.
    drained: BTreeMap<String, u8>,
    /// The first step failure: "step explode: ValueError: boom".
    pub step_error: Option<String>,
    pub run_error: Option<String>,
    pub status: Option<String>,
}

/// Dagster writes its own log records to captured stderr too; they are in
/// the event log already. They look like `2026-11-22 00:58:32 +0000 - dagster - DEBUG - ...`.
fn is_dagster_record(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() > 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b' '
        && b[13] == b':'
        && line[..4].bytes().all(|c| c.is_ascii_digit())
        && line.contains(" - dagster - ")
}

fn event_lines(e: &LogEvent) -> Vec<Line> {
    let bad = matches!(e.level.as_str(), "ERROR" | "CRITICAL") || e.kind.ends_with("FAILURE");
    let kind = if bad { LineKind::Err } else { LineKind::Out };
    let mut text = format!("{:<14} ", e.kind);
    if let Some(step) = &e.step {
        text.push_str(step);
        text.push_str(": ");
    }
    text.push_str(e.message.trim_end());
    let mut out = vec![Line {
        kind,
        text: text.trim_end().to_string(),
    }];
    if let Some(err) = &e.error {
        for l in err.lines().filter(|l| !l.trim().is_empty()) {
            out.push(Line {
                kind: LineKind::Err,
                text: format!("    {l}"),
            });
        }
    }
    out
}

impl Follower {
    /// Resume from stored cursors.
    pub fn from_cursors(cursors: Cursors) -> Follower {
        Follower {
            cursors,
            ..Default::default()
        }
    }

    pub fn phase(&self) -> Phase {
        self.status.as_deref().map(phase).unwrap_or(Phase::Active)
    }

    /// Why a failed run failed, as well as jr knows.
    pub fn failure(&self) -> String {
        self.step_error
            .clone()
            .or_else(|| self.run_error.clone())
            .unwrap_or_else(|| "the Dagster run failed".into())
    }

    /// Take in one poll; returns the lines to copy. `last` flushes half-lines.
    pub fn absorb(&mut self, p: &Progress, last: bool) -> Vec<Line> {
        let mut out = Vec::new();
        self.status = Some(p.run.status.clone());
        for e in &p.events {
            out.extend(event_lines(e));
            if let Some(fk) = &e.file_key {
                self.cursors.captured.entry(fk.clone()).or_insert(None);
                self.file_steps.insert(fk.clone(), e.step_keys.clone());
            }
            if let Some(step) = &e.step
                && matches!(
                    e.kind.as_str(),
                    "STEP_SUCCESS" | "STEP_FAILURE" | "STEP_SKIPPED" | "STEP_UP_FOR_RETRY"
                )
            {
                self.steps_done.insert(step.clone());
            }
            if e.kind == "STEP_FAILURE" && self.step_error.is_none() {
                let why = e.error.as_deref().map(last_cause).unwrap_or(&e.message);
                self.step_error = Some(format!(
                    "step {}: {}",
                    e.step.as_deref().unwrap_or("?"),
                    why.trim()
                ));
            }
            if e.kind == "RUN_FAILURE" {
                self.run_error = Some(e.message.trim().to_string());
            }
        }
        if p.cursor.is_some() {
            self.cursors.events = p.cursor.clone();
        }
        for (fk, c) in &p.captured {
            let label = match self.file_steps.get(fk) {
                Some(steps) if !steps.is_empty() => steps.join(","),
                _ => fk.clone(),
            };
            for (text, err) in [(&c.stdout, false), (&c.stderr, true)] {
                let key = (fk.clone(), err);
                let mut buf = self.partial.remove(&key).unwrap_or_default();
                buf.push_str(text);
                let mut rest = buf.as_str();
                while let Some(i) = rest.find('\n') {
                    let line = rest[..i].trim_end_matches('\r');
                    rest = &rest[i + 1..];
                    if err && is_dagster_record(line) {
                        continue;
                    }
                    out.push(Line {
                        kind: if err { LineKind::Err } else { LineKind::Out },
                        text: format!("{label} | {line}"),
                    });
                }
                if last && !rest.is_empty() {
                    if !(err && is_dagster_record(rest)) {
                        out.push(Line {
                            kind: if err { LineKind::Err } else { LineKind::Out },
                            text: format!("{label} | {rest}"),
                        });
                    }
                } else if !rest.is_empty() {
                    self.partial.insert(key, rest.to_string());
                }
            }
            if c.cursor.is_some() {
                self.cursors.captured.insert(fk.clone(), c.cursor.clone());
            }
            let ended = self
                .file_steps
                .get(fk)
                .is_some_and(|s| !s.is_empty() && s.iter().all(|s| self.steps_done.contains(s)));
            if ended {
                let n = self.drained.entry(fk.clone()).or_insert(0);
                *n += 1;
                // Two polls after its steps ended, the file is complete.
                if *n >= 2 && !self.partial.keys().any(|(k, _)| k == fk) {
                    self.cursors.captured.remove(fk);
                }
            }
        }
        out
    }
}

/// The innermost "caused by" of an error text.
fn last_cause(err: &str) -> &str {
    err.rsplit("caused by: ").next().unwrap_or(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::dagster::types::{Captured, RunInfo};

    fn ev(kind: &str, step: Option<&str>, msg: &str) -> LogEvent {
        LogEvent {
            timestamp: 0,
            level: "INFO".into(),
            step: step.map(str::to_string),
            kind: kind.into(),
            message: msg.into(),
            error: None,
            file_key: None,
            step_keys: Vec::new(),
        }
    }

    fn progress(status: &str, events: Vec<LogEvent>, captured: &[(&str, &str, &str)]) -> Progress {
        Progress {
            run: RunInfo {
                run_id: "r".into(),
                job: "j".into(),
                status: status.into(),
                can_terminate: true,
                created: None,
                started: None,
                ended: None,
                tags: Default::default(),
            },
            events,
            cursor: Some("c1".into()),
            has_more: false,
            captured: captured
                .iter()
                .map(|(k, o, e)| {
                    (
                        k.to_string(),
                        Captured {
                            stdout: o.to_string(),
                            stderr: e.to_string(),
                            cursor: Some(format!("{}:{}", o.len(), e.len())),
                        },
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn events_captured_output_and_the_step_error() {
        let mut f = Follower::default();
        let mut captured = ev("LOGS_CAPTURED", None, "Capturing logs");
        captured.file_key = Some("fk".into());
        captured.step_keys = vec!["explode".into()];
        let lines = f.absorb(&progress("STARTED", vec![captured], &[]), false);
        assert_eq!(lines[0].text, "LOGS_CAPTURED  Capturing logs");
        assert_eq!(f.cursors.events.as_deref(), Some("c1"));
        assert!(f.cursors.captured.contains_key("fk"), "a file key to poll");

        let mut fail = ev(
            "STEP_FAILURE",
            Some("explode"),
            "Execution of step \"explode\" failed.",
        );
        fail.error =
            Some("DagsterExecutionStepExecutionError: x\ncaused by: ValueError: boom".into());
        let lines = f.absorb(
            &progress(
                "FAILURE",
                vec![fail],
                &[(
                    "fk",
                    "안녕 out\nhalf",
                    "2026-11-22 00:58:32 +0000 - dagster - DEBUG - x\nreal err\n",
                )],
            ),
            false,
        );
        let texts: Vec<(&str, LineKind)> =
            lines.iter().map(|l| (l.text.as_str(), l.kind)).collect();
        assert_eq!(
            texts,
            vec![
                (
                    "STEP_FAILURE   explode: Execution of step \"explode\" failed.",
                    LineKind::Err
                ),
                ("    DagsterExecutionStepExecutionError: x", LineKind::Err),
                ("    caused by: ValueError: boom", LineKind::Err),
                ("explode | 안녕 out", LineKind::Out),
                ("explode | real err", LineKind::Err),
            ]
        );
        assert_eq!(f.failure(), "step explode: ValueError: boom");
        assert_eq!(f.phase(), Phase::Failure);
        // The half line comes out on the last poll; then the file key is done.
        let lines = f.absorb(&progress("FAILURE", vec![], &[("fk", "", "")]), true);
        assert_eq!(
            lines,
            vec![Line {
                kind: LineKind::Out,
                text: "explode | half".into()
            }]
        );
        assert!(!f.cursors.captured.contains_key("fk"), "drained");
    }

    #[test]
    fn dagster_records_are_recognised() {
        let cases = [
            (
                "2026-11-22 00:58:32 +0000 - dagster - DEBUG - hello - x",
                true,
            ),
            ("captured stderr line", false),
            ("2026-11-22 is a date - dagster - ", false),
            ("", false),
        ];
        for (line, want) in cases {
            assert_eq!(is_dagster_record(line), want, "{line}");
        }
    }
}
