//! What front ends show of a Dagster instance: its health at a glance, runs
//! with their links and the jr run that launched them, and schedules or
//! sensors found by name. These are the JSON shapes of `jr dagster --json`
//! and what a TUI pane would call.

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;

use super::{Dagster, TAG_RUN};
use crate::clients::dagster::api::RunsFilter;
use crate::clients::dagster::types::{Instigator, RunInfo, Workspace};
use crate::error::{Error, Result};

/// `jr dagster status`.
#[derive(Debug, Clone, Serialize)]
pub struct StatusView {
    pub instance: String,
    pub url: String,
    pub reachable: bool,
    pub version: Option<String>,
    /// Age of the freshest daemon heartbeat; runs start only while it is recent.
    pub daemon_heartbeat_age_s: Option<f64>,
    pub daemons: Vec<crate::clients::dagster::types::Daemon>,
    pub locations: Vec<LocationView>,
    /// Why it is not reachable or not usable.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LocationView {
    pub name: String,
    /// `loaded`, `error` or `loading`.
    pub status: String,
    pub error: Option<String>,
    pub jobs: usize,
    pub schedules: usize,
    pub sensors: usize,
}

/// A Dagster run as `jr dagster runs` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RunView {
    pub run_id: String,
    pub job: String,
    pub status: String,
    #[serde(with = "crate::domain::rfc3339::option")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(with = "crate::domain::rfc3339::option")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(with = "crate::domain::rfc3339::option")]
    pub ended_at: Option<DateTime<Utc>>,
    pub duration_s: Option<f64>,
    pub url: String,
    /// The jr run that launched it (its `jr/run` tag).
    pub jr_run: Option<i64>,
    pub tags: std::collections::BTreeMap<String, String>,
}

fn at(t: Option<f64>) -> Option<DateTime<Utc>> {
    t.and_then(|s| Utc.timestamp_millis_opt((s * 1000.0) as i64).single())
}

pub fn run_view(r: RunInfo, url: String) -> RunView {
    RunView {
        duration_s: match (r.started, r.ended) {
            (Some(s), Some(e)) => Some(((e - s) * 10.0).round() / 10.0),
            _ => None,
        },
        created_at: at(r.created),
        started_at: at(r.started),
        ended_at: at(r.ended),
        jr_run: r.tags.get(TAG_RUN).and_then(|v| v.parse().ok()),
        run_id: r.run_id,
        job: r.job,
        status: r.status,
        url,
        tags: r.tags,
    }
}

pub fn status_view(instance: &str, url: &str, ws: &Workspace) -> StatusView {
    StatusView {
        instance: instance.to_string(),
        url: url.to_string(),
        reachable: true,
        version: Some(ws.version.clone()),
        daemon_heartbeat_age_s: ws
            .daemons
            .iter()
            .filter_map(|d| d.heartbeat_age_s)
            .min_by(|a, b| a.total_cmp(b)),
        daemons: ws.daemons.clone(),
        locations: ws
            .locations
            .iter()
            .map(|l| LocationView {
                name: l.name.clone(),
                status: l.status.clone(),
                error: l.error.clone(),
                jobs: l.jobs.len(),
                schedules: l.schedules.len(),
                sensors: l.sensors.len(),
            })
            .collect(),
        error: None,
    }
}

/// A schedule (or sensor) by name or `location/name`.
pub fn find_instigator(ws: &Workspace, name: &str, sensor: bool) -> Result<Instigator> {
    let what = if sensor { "sensor" } else { "schedule" };
    let (loc, bare) = match name.split_once('/') {
        Some((l, n)) => (Some(l), n),
        None => (None, name),
    };
    let all: Vec<&Instigator> = ws
        .locations
        .iter()
        .flat_map(|l| if sensor { &l.sensors } else { &l.schedules })
        .collect();
    let hits: Vec<&&Instigator> = all
        .iter()
        .filter(|i| i.name == bare && loc.is_none_or(|l| i.location == l))
        .collect();
    match hits.as_slice() {
        [one] => Ok((**one).clone()),
        [] => {
            let names: Vec<String> = all.iter().map(|i| i.name.clone()).collect();
            let close = super::close_names(bare, &names);
            let err = Error::user(format!("no Dagster {what} named {name:?}"));
            Err(if close.is_empty() {
                err.hint(format!("`jr dagster {what}s` lists them"))
            } else {
                err.hint(format!("did you mean {}?", close.join(", ")))
            })
        }
        many => {
            let at: Vec<String> = many
                .iter()
                .map(|i| format!("{}/{}", i.location, i.name))
                .collect();
            Err(Error::user(format!(
                "the {what} name {name:?} is ambiguous: {}",
                at.join(", ")
            ))
            .hint("name it as location/name"))
        }
    }
}

impl Dagster {
    /// Health at a glance; an unreachable instance is a view too (with `error`).
    pub async fn status(&self, instance: Option<&str>) -> Result<StatusView> {
        let c = self.client(instance)?;
        match c.workspace().await {
            Ok(ws) => Ok(status_view(c.name(), c.base_url(), &ws)),
            Err(e) => Ok(StatusView {
                instance: c.name().to_string(),
                url: c.base_url().to_string(),
                reachable: !e.is_unreachable(),
                version: None,
                daemon_heartbeat_age_s: None,
                daemons: Vec::new(),
                locations: Vec::new(),
                error: Some(e.message),
            }),
        }
    }

    /// Recent runs, newest first.
    pub async fn runs(&self, instance: Option<&str>, f: &RunsFilter) -> Result<Vec<RunView>> {
        let c = self.client(instance)?;
        let runs = c.runs(f).await?;
        Ok(runs
            .into_iter()
            .map(|r| {
                let url = c.run_url(&r.run_id);
                run_view(r, url)
            })
            .collect())
    }

    /// A run id as people type it: whole, the 8-character prefix the UI
    /// shows, or a jr run id (which the caller maps first).
    pub async fn find_run(&self, instance: Option<&str>, id: &str) -> Result<String> {
        if id.len() >= 36 {
            return Ok(id.to_string());
        }
        let c = self.client(instance)?;
        let recent = c
            .runs(&RunsFilter {
                limit: 500,
                ..Default::default()
            })
            .await?;
        let hits: Vec<&RunInfo> = recent.iter().filter(|r| r.run_id.starts_with(id)).collect();
        match hits.as_slice() {
            [one] => Ok(one.run_id.clone()),
            [] => Err(
                Error::user(format!("no recent Dagster run id starts with {id:?}"))
                    .hint("`jr dagster runs` lists recent runs"),
            ),
            _ => Err(Error::user(format!(
                "{id:?} starts several Dagster run ids; give more of it"
            ))),
        }
    }
}
