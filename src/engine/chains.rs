//! Job–Agent collaboration: a job names jobs to queue when its run ends
//! well (`on_success`) or badly (`on_failure`: failed or timed out), after
//! its last attempt. A chained run has trigger `chain` and `upstream_run`
//! set; its executor gets the upstream's status, result and log tail.
//! Cycles are refused when jobs are saved, inside the saving transaction.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::Connection;
use serde::Serialize;

use super::Engine;
use crate::domain::{Job, Run, RunStatus, Trigger};
use crate::error::{Error, Result};
use crate::store::runs::{self as runs_repo, NewRun};
use crate::store::{chains, jobs as jobs_repo};

/// Write a job's chains (targets by name; each must exist).
pub fn save(conn: &Connection, job_id: i64, job: &Job) -> Result<()> {
    let resolve = |names: &[String]| -> Result<Vec<i64>> {
        names
            .iter()
            .map(|n| match jobs_repo::get(conn, n)? {
                Some(t) => Ok(t.id),
                None => Err(Error::user(format!(
                    "job {} chains to {n:?}, which is not a job",
                    job.name
                ))
                .hint("add that job first, or leave it out of --on-success / --on-failure")),
            })
            .collect()
    };
    let ok = resolve(&job.on_success)?;
    let bad = resolve(&job.on_failure)?;
    chains::set(conn, job_id, &ok, &bad)
}

/// Refuse any cycle among chains, naming it: `a → b → a`.
pub fn check_cycles(conn: &Connection) -> Result<()> {
    match find_cycle(&chains::edges(conn)?) {
        None => Ok(()),
        Some(cycle) => Err(Error::user(format!(
            "job chains would form a cycle: {}",
            cycle.join(" → ")
        ))
        .hint("a chain must end; remove one of these links (nothing was saved)")),
    }
}

/// A cycle in the graph as its path (first node repeated at the end).
pub fn find_cycle(edges: &[(String, String)]) -> Option<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges {
        next.entry(a).or_default().push(b);
    }
    let mut done: BTreeSet<&str> = BTreeSet::new();
    for start in next.keys() {
        let mut path: Vec<&str> = Vec::new();
        if let Some(c) = dfs(start, &next, &mut path, &mut done) {
            return Some(c);
        }
    }
    None
}

fn dfs<'a>(
    node: &'a str,
    next: &BTreeMap<&'a str, Vec<&'a str>>,
    path: &mut Vec<&'a str>,
    done: &mut BTreeSet<&'a str>,
) -> Option<Vec<String>> {
    if let Some(i) = path.iter().position(|n| *n == node) {
        let mut c: Vec<String> = path[i..].iter().map(|s| s.to_string()).collect();
        c.push(node.to_string());
        return Some(c);
    }
    if done.contains(node) {
        return None;
    }
    path.push(node);
    for n in next.get(node).into_iter().flatten() {
        if let Some(c) = dfs(n, next, path, done) {
            return Some(c);
        }
    }
    path.pop();
    done.insert(node);
    None
}

/// What a chained run knows of the run that triggered it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Upstream {
    pub run: i64,
    pub job: String,
    pub status: String,
    pub result: String,
    pub error: String,
    /// The last lines of its output.
    pub log_tail: String,
}

/// Lines of the upstream's output handed on.
const TAIL_LINES: usize = 50;

impl Engine {
    /// Queue the jobs chained to `run`'s end; returns the new run ids.
    /// Called by the runner once the run's last attempt has ended.
    pub fn queue_chained(&self, run_id: i64) -> Result<Vec<i64>> {
        let run = self.get_run(run_id)?;
        let Some(job) = run
            .job_id
            .map(|id| jobs_repo::get_by_id(self.store.conn(), id))
            .transpose()?
            .flatten()
        else {
            return Ok(Vec::new());
        };
        let targets = match run.status {
            RunStatus::Success => &job.on_success,
            RunStatus::Failed | RunStatus::Timeout => &job.on_failure,
            _ => return Ok(Vec::new()),
        };
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.now();
        self.store.write(|tx| {
            let mut ids = Vec::new();
            for name in targets {
                let Some(t) = jobs_repo::get(tx, name)? else {
                    continue;
                };
                if let Some(id) = runs_repo::insert(
                    tx,
                    &NewRun {
                        upstream_run: Some(run.id),
                        ..NewRun::queued(t.id, &t.name, Trigger::Chain, now)
                    },
                )? {
                    ids.push(id);
                }
            }
            Ok(ids)
        })
    }

    /// The upstream of a chained run, for its executor.
    pub fn upstream_of(&self, run: &Run) -> Result<Option<Upstream>> {
        let Some(up) = run.upstream_run else {
            return Ok(None);
        };
        let Some(u) = runs_repo::get(self.store.conn(), up)? else {
            return Ok(None);
        };
        let tail = self
            .run_output_tail(up, TAIL_LINES)?
            .into_iter()
            .map(|l| l.line)
            .collect::<Vec<_>>()
            .join("\n");
        Ok(Some(Upstream {
            run: u.id,
            job: u.job,
            status: u.status.to_string(),
            result: u.result.unwrap_or_default(),
            error: u.error.unwrap_or_default(),
            log_tail: tail,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn cycles_are_found_and_named() {
        type Case<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>);
        let table: &[Case] = &[
            (&[], None),
            (&[("a", "b"), ("b", "c")], None),
            (&[("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")], None),
            (&[("a", "a")], Some("a → a")),
            (&[("a", "b"), ("b", "a")], Some("a → b → a")),
            (
                &[("x", "a"), ("a", "b"), ("b", "c"), ("c", "a")],
                Some("a → b → c → a"),
            ),
        ];
        for (edges, want) in table {
            let got = find_cycle(&e(edges)).map(|c| c.join(" → "));
            assert_eq!(got.as_deref(), *want, "{edges:?}");
        }
    }
}
