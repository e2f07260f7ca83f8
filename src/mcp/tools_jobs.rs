//! MCP tools for jobs (add, edit, pause, resume, remove) and knowledge cards.
//! A job's settings become the same `JobDef` `jr jobs add/edit` builds, and
//! the engine checks it (`add_job`, `update_job`): one validation.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use serde_json::{Value, json};

use super::params::{CardGradeP, JobP, LimitP, NameP};
use super::tools::{JrServer, Out, to_value};
use crate::engine::Engine;
use crate::engine::jobs::{JobDef, def_of};
use crate::error::{Error, Result};

/// "" clears an optional setting; anything else sets it.
fn set(slot: &mut Option<String>, v: Option<String>) {
    if let Some(v) = v {
        *slot = (!v.trim().is_empty()).then_some(v);
    }
}

/// overlap / misfire words, read as the job file reads them.
fn word<T: serde::de::DeserializeOwned>(what: &str, v: &str, allowed: &str) -> Result<T> {
    serde_json::from_value(json!(v.trim()))
        .map_err(|_| Error::user(format!("{what} {v:?}: use one of {allowed}")))
}

/// Apply the given fields to a job definition, as `jr jobs add/edit` flags do.
fn apply(def: &mut JobDef, p: JobP) -> Result<()> {
    set(&mut def.schedule, p.cron);
    set(&mut def.tz, p.tz);
    if let Some(c) = p.command {
        def.command = c;
    }
    set(&mut def.cwd, p.cwd);
    for kv in p.env.unwrap_or_default() {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| Error::user(format!("env {kv:?} must be K=V")))?;
        def.env.insert(k.to_string(), v.to_string());
    }
    set(&mut def.timeout, p.timeout);
    if let Some(r) = p.retries {
        def.retries = r;
    }
    if let Some(o) = p.overlap {
        def.overlap = word("overlap", &o, "skip, queue, allow")?;
    }
    if let Some(m) = p.misfire {
        def.misfire = word("misfire", &m, "once, skip, all")?;
    }
    if let Some(d) = p.description {
        def.description = d;
    }
    if let Some(a) = p.agent {
        def.kind = "agent".into();
        def.agent = Some(a);
    }
    set(&mut def.prompt, p.prompt);
    if let Some(j) = p.dagster {
        def.kind = "dagster".into();
        def.dagster_job = Some(j);
    }
    if let Some(e) = p.enabled {
        def.enabled = e;
    }
    if let Some(n) = p.rename {
        def.name = n;
    }
    Ok(())
}

fn job_out(e: &Engine, job: &crate::domain::Job) -> Result<Value> {
    to_value(&e.job_views(std::slice::from_ref(job))?.remove(0))
}

#[tool_router(router = jobs_router, vis = "pub(super)")]
impl JrServer {
    #[tool(
        description = "Add a job: a shell command, agent prompt or Dagster job, on a cron schedule or on demand. Checked as `jr jobs add`.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn job_add(&self, Parameters(p): Parameters<JobP>) -> Out {
        self.call(move |e| {
            if p.rename.is_some() {
                return Err(Error::user("rename is for job_edit"));
            }
            let mut def = JobDef {
                name: p.name.clone(),
                kind: "shell".into(),
                enabled: true,
                ..Default::default()
            };
            apply(&mut def, p)?;
            job_out(e, &e.add_job(&def)?)
        })
        .await
    }

    #[tool(
        description = "Change a job's settings (job_add's fields; omitted ones are kept, \"\" clears). Replaces what it names.",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn job_edit(&self, Parameters(p): Parameters<JobP>) -> Out {
        self.call(move |e| {
            let old = e.get_job(&p.name)?;
            let mut def = def_of(&old);
            if p.enabled.is_some() {
                return Err(Error::user("use job_pause or job_resume to change enabled"));
            }
            apply(&mut def, p)?;
            job_out(e, &e.update_job(&old.name, &def)?)
        })
        .await
    }

    #[tool(
        description = "Stop a job firing on its schedule (job_run still works).",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn job_pause(&self, Parameters(p): Parameters<NameP>) -> Out {
        self.call(move |e| job_out(e, &e.set_job_enabled(&p.name, false)?))
            .await
    }

    #[tool(
        description = "Let a paused job fire on its schedule again.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn job_resume(&self, Parameters(p): Parameters<NameP>) -> Out {
        self.call(move |e| job_out(e, &e.set_job_enabled(&p.name, true)?))
            .await
    }

    #[tool(
        description = "Delete a job (its run history stays). Cannot be undone.",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn job_remove(&self, Parameters(p): Parameters<NameP>) -> Out {
        self.call(move |e| {
            let job = e.remove_job(&p.name)?;
            Ok(json!({ "removed": job.name }))
        })
        .await
    }
}

#[tool_router(router = cards_router, vis = "pub(super)")]
impl JrServer {
    #[tool(
        description = "Knowledge cards due for review (made from past conversations).",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn cards_due(&self, Parameters(p): Parameters<LimitP>) -> Out {
        self.call(move |e| {
            let cards = e.cards_due(p.limit.unwrap_or(20).min(500) as usize)?;
            Ok(json!({ "cards": cards }))
        })
        .await
    }

    #[tool(
        description = "Grade a card after answering it; schedules the next review.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn card_grade(&self, Parameters(p): Parameters<CardGradeP>) -> Out {
        self.call(move |e| {
            let g = crate::domain::cards::parse_grade(&p.grade).map_err(Error::user)?;
            to_value(&e.grade_card(p.id, g)?)
        })
        .await
    }
}
