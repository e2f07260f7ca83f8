//! Notifications about runs (issue 18): the targets (resolved by the front
//! end), the rules that say which target hears of which run, and the outbox
//! they wait in. When a run's last attempt ends, `queue_notifications`
//! writes what is owed (one short transaction); the lease holder's
//! `deliver::run` sends it off the scheduler's path, collapsing bursts and
//! retrying with backoff, and records a delivery that failed on the run.

pub mod deliver;
pub mod message;

use std::sync::Arc;
use std::time::Duration;

use super::Engine;
use crate::clients::notify::Target;
use crate::domain::{Job, Run, RunStatus};
use crate::error::{Error, Result};
use crate::store::notify as repo;
pub use crate::store::notify::Failures;

/// When a target hears of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    OnFailure,
    OnSuccess,
    /// A failure after a success, a recovery after a failure.
    OnChange,
}

/// `NAME[:WHEN]`, as written on a job or in `[notifications] default`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub target: String,
    pub when: When,
}

impl Rule {
    pub fn parse(s: &str) -> std::result::Result<Rule, String> {
        let (name, when) = match s.trim().split_once(':') {
            Some((n, w)) => (n.trim(), w.trim()),
            None => (s.trim(), "on-failure"),
        };
        let when = match when {
            "on-failure" | "failure" => When::OnFailure,
            "on-success" | "success" => When::OnSuccess,
            "on-change" | "change" => When::OnChange,
            other => {
                return Err(format!(
                    "--notify {s:?}: unknown {other:?}; write NAME, NAME:on-failure, NAME:on-success or NAME:on-change"
                ));
            }
        };
        if !crate::clients::notify::is_target_name(name) {
            return Err(format!(
                "--notify {s:?}: {name:?} is not a target name (lower-case letters, digits, '-', '_')"
            ));
        }
        Ok(Rule {
            target: name.to_string(),
            when,
        })
    }

    pub fn text(&self) -> String {
        let w = match self.when {
            When::OnFailure => "on-failure",
            When::OnSuccess => "on-success",
            When::OnChange => "on-change",
        };
        format!("{}:{w}", self.target)
    }

    /// The event this rule reports for a run that ended `status`, after a
    /// previous outcome `prev_failed` (none: no earlier run).
    pub fn event(&self, status: RunStatus, prev_failed: Option<bool>) -> Option<&'static str> {
        let failed = status.is_failure();
        let ok = status == RunStatus::Success;
        let was_failed = prev_failed.unwrap_or(false);
        match self.when {
            When::OnFailure if failed => Some("failed"),
            When::OnSuccess if ok && was_failed => Some("recovered"),
            When::OnSuccess if ok => Some("succeeded"),
            When::OnChange if failed && !was_failed => Some("failed"),
            When::OnChange if ok && was_failed => Some("recovered"),
            _ => None,
        }
    }
}

/// How delivery behaves (`[notifications]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub collapse: Duration,
    pub gather: Duration,
    pub retry_backoff: Duration,
    pub tries: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            collapse: Duration::from_secs(60),
            gather: Duration::from_secs(3),
            retry_backoff: Duration::from_secs(3),
            tries: 5,
        }
    }
}

/// The targets, the default rules and the wake-up of the delivery loop;
/// shared (an `Arc`) outside the database lock.
#[derive(Debug)]
pub struct Notifier {
    pub targets: Vec<Target>,
    pub default: Vec<Rule>,
    pub options: Options,
    /// Bumped when something is owed, so the delivery loop looks.
    wake: tokio::sync::watch::Sender<u64>,
}

impl Default for Notifier {
    fn default() -> Self {
        Notifier::new(Vec::new(), Vec::new(), Options::default())
    }
}

impl Notifier {
    pub fn new(targets: Vec<Target>, default: Vec<Rule>, options: Options) -> Notifier {
        Notifier {
            targets,
            default,
            options,
            wake: tokio::sync::watch::channel(0).0,
        }
    }

    pub fn target(&self, name: &str) -> Option<&Target> {
        self.targets.iter().find(|t| t.name == name)
    }

    pub fn wake(&self) {
        self.wake.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.wake.subscribe()
    }

    /// Names on a job, checked against the configured targets.
    pub fn check_rules(&self, rules: &[String]) -> Result<Vec<Rule>> {
        rules
            .iter()
            .map(|s| {
                let r = Rule::parse(s).map_err(Error::user)?;
                if self.target(&r.target).is_none() {
                    let known: Vec<&str> = self.targets.iter().map(|t| t.name.as_str()).collect();
                    return Err(Error::user(format!(
                        "--notify {s:?}: there is no notify target named {:?}",
                        r.target
                    ))
                    .hint(if known.is_empty() {
                        format!(
                            "add a [[notify]] table with name = {:?} to config.toml (assets/config.toml shows how)",
                            r.target
                        )
                    } else {
                        format!("targets in config.toml: {}", known.join(", "))
                    }));
                }
                Ok(r)
            })
            .collect()
    }

    /// The rules that apply to a job: its own, else the default.
    pub fn rules_of(&self, job: &Job) -> Vec<Rule> {
        match &job.notify {
            Some(own) => own.iter().filter_map(|s| Rule::parse(s).ok()).collect(),
            None => self.default.clone(),
        }
    }
}

impl Engine {
    /// Targets, default and options, resolved by the front end.
    pub fn with_notify(mut self, n: Notifier) -> Engine {
        self.notify = Arc::new(n);
        self
    }

    pub fn notifier(&self) -> Arc<Notifier> {
        self.notify.clone()
    }

    /// A definition's `notify`, normalised (`NAME:WHEN`, no repeats). Names
    /// new to the job must be configured targets; ones it already had are
    /// kept even when their target left the config (so other edits work).
    pub(crate) fn check_job_notify(
        &self,
        def: &crate::engine::jobs::JobDef,
        existing: Option<&Job>,
    ) -> Result<Option<Vec<String>>> {
        let Some(list) = &def.notify else {
            return Ok(None);
        };
        let had: &[String] = existing.and_then(|j| j.notify.as_deref()).unwrap_or(&[]);
        let mut out: Vec<String> = Vec::new();
        for s in list {
            let r = Rule::parse(s).map_err(|e| Error::user(format!("job {}: {e}", def.name)))?;
            let text = r.text();
            if !had.contains(&text) {
                self.notify.check_rules(std::slice::from_ref(&text))?;
            }
            if !out.contains(&text) {
                out.push(text);
            }
        }
        Ok(Some(out))
    }

    /// After a run's last attempt: what its job's targets are owed. Returns
    /// how many notifications were queued (and wakes the delivery loop).
    pub fn queue_notifications(&self, run_id: i64) -> Result<usize> {
        // No targets configured: nothing can be owed (and nothing is read).
        if self.notify.targets.is_empty() {
            return Ok(0);
        }
        let conn = self.store.conn();
        let Some(run) = crate::store::runs::get(conn, run_id)? else {
            return Ok(0);
        };
        if run.status.is_active() || !(run.status.is_failure() || run.status == RunStatus::Success)
        {
            return Ok(0);
        }
        let Some(job) = run
            .job_id
            .map(|id| crate::store::jobs::get_by_id(conn, id))
            .transpose()?
            .flatten()
        else {
            return Ok(0);
        };
        let rules = self.notify.rules_of(&job);
        if rules.is_empty() {
            return Ok(0);
        }
        let prev = repo::previous_outcome(conn, job.id, run.id, run.first_run.unwrap_or(run.id))?
            .map(|s| s != "success");
        let now = self.now();
        let n = self.store.write(|tx| {
            let mut n = 0;
            for r in &rules {
                if let Some(ev) = r.event(run.status, prev)
                    && repo::owe(tx, run.id, &r.target, ev, now)?
                {
                    n += 1;
                }
            }
            Ok(n)
        })?;
        if n > 0 {
            self.notify.wake();
        }
        Ok(n)
    }

    /// Up to `limit` notifications owed to `target`, with their runs and links.
    pub fn owed_notifications(
        &self,
        target: &str,
        limit: usize,
    ) -> Result<Vec<(repo::Owed, Run, Option<String>)>> {
        let conn = self.store.conn();
        let mut out = Vec::new();
        for o in repo::owed(conn, target, limit)? {
            if let Some(r) = crate::store::runs::get(conn, o.run_id)? {
                let link = self.run_link(&r);
                out.push((o, r, link));
            }
        }
        Ok(out)
    }

    pub fn owed_targets(&self) -> Result<Vec<String>> {
        repo::owed_targets(self.store.conn())
    }

    /// `target`'s notifications delivered (`error` none) or given up:
    /// settled, and the target's part of each run's `notify_error` set (or
    /// cleared, when an earlier problem was noted).
    pub fn settle_notifications(
        &self,
        target: &str,
        owed: &[(i64, i64)],
        error: Option<&str>,
    ) -> Result<()> {
        self.store.write(|tx| {
            let ids: Vec<i64> = owed.iter().map(|o| o.0).collect();
            repo::settle(tx, &ids)?;
            for (_, run) in owed {
                repo::set_target_error(tx, *run, target, error)?;
            }
            Ok(())
        })
    }

    /// Record a delivery problem on runs while they stay owed to `target`.
    pub fn note_notify_error(&self, target: &str, runs: &[i64], error: &str) -> Result<()> {
        self.store.write(|tx| {
            for r in runs {
                repo::set_target_error(tx, *r, target, Some(error))?;
            }
            Ok(())
        })
    }

    /// Notifications that failed in the last day — for the Dashboard.
    pub fn notify_failures(&self) -> Result<Failures> {
        repo::failures_since(self.store.conn(), self.now() - chrono::Duration::hours(24))
    }

    /// The link of a run: its result's first web address, else the external run's.
    pub fn run_link(&self, run: &Run) -> Option<String> {
        let external = crate::store::external::get(self.store.conn(), run.id)
            .ok()
            .flatten();
        message::run_link(run, external.as_ref().map(|x| x.url.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_and_events() {
        let r = |s: &str| Rule::parse(s).unwrap();
        assert_eq!(r("ops").when, When::OnFailure);
        assert_eq!(r("ops:on-change").text(), "ops:on-change");
        assert!(Rule::parse("ops:sometimes").is_err());
        assert!(Rule::parse("Ops!").is_err());
        use RunStatus::*;
        // (rule, status, previous failed?, event)
        let table = [
            ("a", Failed, None, Some("failed")),
            ("a", Success, Some(true), None),
            ("a:on-success", Success, None, Some("succeeded")),
            ("a:on-success", Success, Some(true), Some("recovered")),
            ("a:on-success", Timeout, None, None),
            ("a:on-change", Failed, None, Some("failed")),
            ("a:on-change", Failed, Some(false), Some("failed")),
            ("a:on-change", Failed, Some(true), None),
            ("a:on-change", Success, Some(true), Some("recovered")),
            ("a:on-change", Success, Some(false), None),
            ("a:on-change", Lost, Some(false), Some("failed")),
        ];
        for (rule, status, prev, want) in table {
            assert_eq!(
                r(rule).event(status, prev),
                want,
                "{rule} {status} {prev:?}"
            );
        }
    }
}
