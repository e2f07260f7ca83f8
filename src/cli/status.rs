//! `jr status` and `jr plan`: where things stand, and what comes next.

use clap::Args;

use super::Ctx;
use super::output::{self, paint};
use crate::engine::lease::Me;
use crate::error::Result;

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// How far ahead to look, 1 to 8760 hours (a year).
    #[arg(long, default_value_t = 24,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(crate::engine::status::MAX_PLAN_HOURS)))]
    pub hours: u32,
    #[arg(long)]
    pub json: bool,
}

fn local(ctx_tz: chrono_tz::Tz, rfc: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc)
        .map(|t| t.with_timezone(&ctx_tz).format("%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| rfc.to_string())
}

pub fn status(ctx: &Ctx, a: StatusArgs) -> Result<i32> {
    let e = ctx.engine()?;
    let s = e.status(&Me::this_process().host)?;
    if a.json {
        output::json(&s)?;
        return Ok(0);
    }
    let tz = e.tz();
    let mut o = String::new();
    let counts: Vec<String> = s.tasks.iter().map(|(k, v)| format!("{k} {v}")).collect();
    o.push_str(&format!(
        "{}  {}\n",
        paint(output::BOLD, "tasks    "),
        if counts.is_empty() {
            "none".into()
        } else {
            counts.join(", ")
        }
    ));
    o.push_str(&format!(
        "{}  {} enabled, {} paused\n",
        paint(output::BOLD, "jobs     "),
        s.jobs.enabled,
        s.jobs.paused
    ));
    let runs: Vec<String> = s.runs_24h.iter().map(|(k, v)| format!("{k} {v}")).collect();
    o.push_str(&format!(
        "{}  {}\n",
        paint(output::BOLD, "runs 24h "),
        if runs.is_empty() {
            "none".into()
        } else {
            runs.join(", ")
        }
    ));
    o.push_str(&format!(
        "{}  {}\n",
        paint(output::BOLD, "scheduler"),
        match &s.scheduler {
            Some(l) if l.alive => format!(
                "{} pid {} on {} (heartbeat {}s ago)",
                l.role, l.pid, l.host, l.heartbeat_age_s
            ),
            Some(l) => paint(
                output::YELLOW,
                &format!(
                    "nobody (the last holder, {} pid {} on {}, is gone); start `jr daemon`",
                    l.role, l.pid, l.host
                )
            ),
            None => paint(
                output::YELLOW,
                "nobody; jobs fire only while `jr daemon` or the TUI runs"
            ),
        }
    ));
    if !s.running.is_empty() {
        o.push_str(&format!("{}\n", paint(output::BOLD, "running now")));
        for r in &s.running {
            o.push_str(&format!("  #{} {} ({})\n", r.id, r.job, r.status));
        }
    }
    if !s.next_fires.is_empty() {
        o.push_str(&format!("{}\n", paint(output::BOLD, "next fires")));
        for f in &s.next_fires {
            o.push_str(&format!("  {}  {}\n", local(tz, &f.at), f.job));
        }
    }
    o.push_str(&format!(
        "{}  {:.1} MiB\n",
        paint(output::BOLD, "database "),
        s.db_bytes as f64 / 1048576.0
    ));
    output::out(&o)?;
    Ok(0)
}

pub fn plan(ctx: &Ctx, a: PlanArgs) -> Result<i32> {
    let e = ctx.engine()?;
    let p = e.plan(a.hours)?;
    if a.json {
        output::json(&p)?;
        return Ok(0);
    }
    let tz = e.tz();
    let mut o = String::new();
    let task_line = |t: &crate::engine::status::TaskBrief| {
        format!(
            "  #{:<5} {} {}{}\n",
            t.id,
            t.priority,
            output::one_line(&t.title),
            t.due
                .as_deref()
                .map(|d| format!("  (due {})", local(tz, d)))
                .unwrap_or_default()
        )
    };
    if !p.overdue.is_empty() {
        o.push_str(&format!("{}\n", paint(output::RED.bold(), "overdue")));
        p.overdue.iter().for_each(|t| o.push_str(&task_line(t)));
    }
    o.push_str(&format!("{}\n", paint(output::BOLD, "ready")));
    if p.ready.is_empty() {
        o.push_str("  nothing ready\n");
    }
    p.ready.iter().for_each(|t| o.push_str(&task_line(t)));
    o.push_str(&format!(
        "{}\n",
        paint(output::BOLD, &format!("fires in the next {}h", p.hours))
    ));
    if p.fires.is_empty() && p.frequent.is_empty() {
        o.push_str("  none\n");
    }
    for f in &p.fires {
        o.push_str(&format!("  {}  {}\n", local(tz, &f.at), f.job));
    }
    for f in &p.frequent {
        o.push_str(&format!(
            "  {} × {} ({}), first {}\n",
            f.count,
            f.job,
            f.schedule,
            local(tz, &f.first)
        ));
    }
    if p.more_fires + p.more_frequent > 0 {
        o.push_str(&format!(
            "  … and {} more (jr jobs list)\n",
            p.more_fires + p.more_frequent
        ));
    }
    output::out(&o)?;
    Ok(0)
}
