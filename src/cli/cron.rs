//! `jr cron EXPR`: the next fire times of an expression in a zone — the
//! crontab.guru of the terminal.

use clap::Args;

use super::Ctx;
use super::output;
use crate::engine::jobs::{check_cron, check_tz};
use crate::error::{Error, Result};
use crate::schedule::words;

/// The most fires `jr cron -n` lists.
pub const MAX_COUNT: i64 = 1000;

#[derive(Debug, Args)]
pub struct CronArgs {
    /// 5 fields (min hour dom month dow), 6 with leading seconds, or @daily etc.
    pub expr: String,
    /// IANA time zone (default: config `timezone`, else the system's).
    #[arg(long)]
    pub tz: Option<String>,
    /// Start from this instant (RFC 3339) instead of now.
    #[arg(long)]
    pub from: Option<String>,
    /// How many fires to list, 1 to 1000.
    #[arg(short = 'n', long = "count", default_value_t = 5,
          value_parser = clap::value_parser!(u16).range(1..=MAX_COUNT))]
    pub n: u16,
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, a: CronArgs) -> Result<i32> {
    let cron = check_cron(&a.expr)?;
    let tz = match &a.tz {
        Some(z) => check_tz(z)?,
        None => ctx.tz(),
    };
    let from = match &a.from {
        Some(f) => chrono::DateTime::parse_from_rfc3339(f)
            .map_err(|e| {
                Error::user(format!(
                    "--from {f:?} is not RFC 3339 ({e}); e.g. 2026-11-22T07:00:00+09:00"
                ))
            })?
            .with_timezone(&chrono::Utc),
        None => ctx.clock.now(),
    };
    let fires = cron.upcoming(from, tz, usize::from(a.n));
    if a.json {
        let v: Vec<String> = fires.iter().map(|t| t.to_rfc3339()).collect();
        output::json(&v)?;
        return Ok(0);
    }
    let mut s = format!(
        "{}\n",
        words::describe_schedule(&cron, &words::tz_label(tz, from))
    );
    for t in &fires {
        s.push_str(&format!(
            "  {}\n",
            t.format("%Y-%m-%d %a %H:%M:%S %Z (%:z)")
        ));
    }
    if fires.is_empty() {
        s.push_str("  (no fire time)\n");
    }
    output::out(&s)?;
    Ok(0)
}
