//! What launching a Dagster job and materializing assets share: reading
//! run config and tags from arguments, and following the new run.

use std::collections::BTreeMap;

use super::dagster_show as show;
use super::output;
use crate::clients::dagster::Client;
use crate::clients::dagster::follow::Follower;
use crate::clients::dagster::types::{Phase, phase};
use crate::engine::dagster::run_config;
use crate::engine::dagster::views::run_view;
use crate::error::{Error, Result};

/// Read a value that may name a file.
pub fn file_or_text(arg: &str) -> Result<String> {
    let p = std::path::Path::new(arg);
    if !arg.contains('\n') && !arg.trim_start().starts_with('{') && p.is_file() {
        return std::fs::read_to_string(p)
            .map_err(|e| Error::user(format!("cannot read {arg}: {e}")));
    }
    if !arg.contains('\n') && !arg.contains(':') && !arg.trim_start().starts_with('{') {
        return Err(Error::user(format!(
            "{arg:?} is neither a file nor run config (JSON or YAML)"
        )));
    }
    Ok(arg.to_string())
}

/// What launching a job and materializing assets share on the command line.
#[derive(Debug, clap::Args)]
pub struct LaunchFlags {
    /// Run config: a file, or the JSON or YAML text itself. (Not `--config`:
    /// that global flag names jr's own config file.)
    #[arg(long = "run-config", short = 'C', value_name = "FILE|JSON|YAML")]
    pub run_config: Option<String>,
    /// A tag on the run, K=V (repeatable).
    #[arg(long = "tag", value_name = "K=V")]
    pub tags: Vec<String>,
    /// Follow the run until it ends, printing its log; exit 0 only on SUCCESS.
    #[arg(long, short)]
    pub wait: bool,
    #[arg(long)]
    pub json: bool,
}

impl LaunchFlags {
    /// The run config, read and parsed (None: none given).
    pub fn config(&self) -> Result<Option<serde_json::Value>> {
        match &self.run_config {
            Some(c) => run_config(&file_or_text(c)?),
            None => Ok(None),
        }
    }
}

/// `K=V` tags (repeatable `--tag`), refused when a key is empty.
pub fn parse_tags(kvs: &[String]) -> Result<BTreeMap<String, String>> {
    let mut tags = BTreeMap::new();
    for kv in kvs {
        let (k, v) = kv
            .split_once('=')
            .filter(|(k, _)| !k.trim().is_empty())
            .ok_or_else(|| Error::user(format!("--tag {kv:?} must be K=V")))?;
        tags.insert(k.trim().to_string(), v.to_string());
    }
    Ok(tags)
}

/// After a launch of `what`: print the run and its link, or with `wait`
/// follow it to its end (exit 0 only on SUCCESS).
pub async fn after_launch(c: &Client, id: &str, what: &str, wait: bool, json: bool) -> Result<i32> {
    let url = c.run_url(id);
    if !wait {
        if json {
            let r = c.run(id).await?;
            output::json(&run_view(r, url))?;
        } else {
            output::out(&format!("launched Dagster run {id} of {what}\n  {url}\n"))?;
        }
        return Ok(0);
    }
    let end = if json {
        // Quiet: stdout carries the one JSON object of the ended run.
        loop {
            let r = c.run(id).await?;
            if phase(&r.status) != Phase::Active {
                break None;
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    } else {
        eprintln!("launched Dagster run {id} of {what}: {url}");
        follow(c, id, true, false).await?
    };
    let r = c.run(id).await?;
    let ok = phase(&r.status) == Phase::Success;
    if json {
        output::json(&run_view(r, url))?;
    } else {
        let mut line = format!("Dagster run {id} {}", show::status_word(&r.status));
        if let Some(err) = end.filter(|_| !ok) {
            line.push_str(&format!(": {err}"));
        }
        output::out(&format!("{line}\n"))?;
    }
    Ok(if ok { 0 } else { 1 })
}

/// Print a run's log; with `wait`, until it ends. The failure reason, if any.
pub async fn follow(c: &Client, id: &str, wait: bool, json: bool) -> Result<Option<String>> {
    let mut f = Follower::default();
    let poll = std::time::Duration::from_millis(500);
    loop {
        let p = c.progress(id, &f.cursors).await?;
        let ended = phase(&p.run.status) != Phase::Active;
        let last = ended || !wait;
        if json {
            for e in &p.events {
                output::json(e)?;
            }
            f.absorb(&p, last);
        } else {
            output::out(&show::lines(&f.absorb(&p, last)))?;
        }
        if p.has_more {
            continue;
        }
        if last {
            if ended && wait {
                // What arrives just after the end.
                let p = c.progress(id, &f.cursors).await?;
                let lines = f.absorb(&p, true);
                if !json {
                    output::out(&show::lines(&lines))?;
                }
            }
            return Ok((f.phase() == Phase::Failure).then(|| f.failure()));
        }
        tokio::time::sleep(poll).await;
    }
}
