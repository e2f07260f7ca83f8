//! How `jr dagster` prints for people: tables aligned by display width,
//! statuses in colour, copied log lines.

use chrono_tz::Tz;

use super::output::{self, Table, fit, one_line, paint, styled};
use crate::clients::dagster::follow::{Line, LineKind};
use crate::clients::dagster::types::{Instigator, Workspace};
use crate::engine::dagster::views::{RunView, StatusView};

pub fn style_of(s: &str) -> anstyle::Style {
    match s {
        "SUCCESS" | "loaded" | "running" => output::GREEN,
        "FAILURE" | "error" => output::RED,
        "CANCELED" | "CANCELING" | "stopped" => output::YELLOW,
        _ => output::CYAN,
    }
}

pub fn status_word(s: &str) -> String {
    paint(style_of(s), s)
}

pub fn status_cell(s: &str) -> super::output::Cell {
    styled(s, style_of(s))
}

pub fn status(v: &StatusView) -> String {
    let mut s = format!(
        "{}  {}  {}\n",
        paint(output::BOLD, &format!("Dagster {}", v.instance)),
        v.url,
        match (&v.version, &v.error) {
            (Some(ver), _) => format!("version {ver}"),
            (None, Some(_)) => paint(output::RED, "not usable"),
            (None, None) => String::new(),
        }
    );
    if let Some(e) = &v.error {
        s.push_str(&format!("  {}\n", paint(output::RED, e)));
        return s;
    }
    match v.daemon_heartbeat_age_s {
        Some(age) if age <= 60.0 => s.push_str(&format!(
            "  daemon    heartbeat {age:.0}s ago ({} daemons)\n",
            v.daemons.len()
        )),
        Some(age) => s.push_str(&format!(
            "  daemon    {}\n",
            paint(
                output::RED,
                &format!("last heartbeat {age:.0}s ago: launched runs stay queued")
            )
        )),
        None => s.push_str(&format!(
            "  daemon    {}\n",
            paint(
                output::YELLOW,
                "no heartbeat: launched runs stay queued until a daemon runs"
            )
        )),
    }
    let mut t = Table::new(&["LOCATION", "STATUS", "JOBS", "SCHEDULES", "SENSORS"]);
    for l in &v.locations {
        t.row(vec![
            styled(l.name.clone(), output::BOLD),
            status_cell(&l.status),
            l.jobs.to_string().into(),
            l.schedules.to_string().into(),
            l.sensors.to_string().into(),
        ]);
    }
    s.push('\n');
    s.push_str(&t.render());
    for l in v.locations.iter().filter(|l| l.error.is_some()) {
        s.push_str(&format!(
            "\n{} failed to load:\n{}\n",
            paint(output::BOLD, &l.name),
            paint(output::RED, l.error.as_deref().unwrap_or(""))
        ));
    }
    s
}

pub fn jobs(ws: &Workspace) -> String {
    let mut t = Table::new(&["JOB", "LOCATION", "REPOSITORY", "DESCRIPTION"]);
    for j in ws.jobs() {
        t.row(vec![
            styled(j.at.job.clone(), output::BOLD),
            j.at.location.clone().into(),
            styled(j.at.repository.clone(), output::DIM),
            fit(&one_line(j.description.as_deref().unwrap_or("")), 60).into(),
        ]);
    }
    let mut s = if t.is_empty() {
        "no jobs\n".to_string()
    } else {
        t.render()
    };
    for l in ws.locations.iter().filter(|l| l.status == "error") {
        s.push_str(&format!(
            "{}\n",
            paint(
                output::RED,
                &format!(
                    "code location {} failed to load (see `jr dagster status`)",
                    l.name
                )
            )
        ));
    }
    s
}

pub fn runs(runs: &[RunView], tz: Tz) -> String {
    if runs.is_empty() {
        return "no Dagster runs\n".into();
    }
    let mut t = Table::new(&["RUN", "JOB", "STATUS", "CREATED", "TOOK", "JR", "LINK"]);
    for r in runs {
        t.row(vec![
            styled(r.run_id.chars().take(8).collect::<String>(), output::BOLD),
            r.job.clone().into(),
            status_cell(&r.status),
            r.created_at
                .map(|c| c.with_timezone(&tz).format("%m-%d %H:%M:%S").to_string())
                .unwrap_or_default()
                .into(),
            r.duration_s
                .map(|d| format!("{d:.1}s"))
                .unwrap_or_default()
                .into(),
            r.jr_run.map(|n| format!("#{n}")).unwrap_or_default().into(),
            styled(r.url.clone(), output::DIM),
        ]);
    }
    t.render()
}

pub fn instigators(all: &[&Instigator], sensors: bool) -> String {
    if all.is_empty() {
        return if sensors {
            "no sensors\n"
        } else {
            "no schedules\n"
        }
        .into();
    }
    let mut t = Table::new(&["NAME", "STATE", "JOBS", "WHEN", "LOCATION"]);
    for i in all {
        let when = match (&i.cron, i.min_interval_s) {
            (Some(c), _) => format!(
                "{c}{}",
                i.timezone
                    .as_ref()
                    .map(|z| format!(" ({z})"))
                    .unwrap_or_default()
            ),
            (None, Some(s)) => format!("at most every {s}s"),
            _ => String::new(),
        };
        t.row(vec![
            styled(i.name.clone(), output::BOLD),
            status_cell(&i.state),
            i.jobs.join(", ").into(),
            when.into(),
            styled(i.location.clone(), output::DIM),
        ]);
    }
    t.render()
}

pub fn lines(lines: &[Line]) -> String {
    let mut s = String::new();
    for l in lines {
        // Dagster's captured output is a job's: shown, never obeyed.
        let text = crate::text::visible(&l.text, false);
        match l.kind {
            LineKind::Err => s.push_str(&paint(output::RED, &text)),
            LineKind::Out => s.push_str(&text),
        }
        s.push('\n');
    }
    s
}
