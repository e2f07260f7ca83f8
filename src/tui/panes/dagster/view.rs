//! Drawing the Dagster pane: the health box (instance, version, daemon
//! heartbeat, code locations and load errors), then one list of jobs,
//! schedules, sensors and recent runs; what to do when no instance is
//! configured or it does not answer; the launch question.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::view_assets::status_style;
use super::{DagsterPane, HEALTH_ROWS, Item, Shown, Sub};
use crate::engine::dagster::views::StatusView;
use crate::tui::pane::{Draw, View};
use crate::tui::text::{self, pad};
use crate::tui::widgets::fmt::when;
use crate::tui::widgets::form::{boxed, confirm};

const CONFIGURE: &str = "Configure one: [dagster.instances.NAME] url = \"http://127.0.0.1:3000\" in config.toml, or set JR_DAGSTER_URL.";
const START: &str = "Start it with `dagster dev` (or check the URL), then press Ctrl-R.";

fn wrapped(s: &str, width: usize, style: Style, out: &mut Vec<Line<'static>>) {
    for l in text::wrap(&text::clean(s), width.saturating_sub(2)) {
        out.push(Line::styled(format!(" {l}"), style));
    }
}

fn age(s: f64) -> String {
    let s = s.max(0.0) as u64;
    match s {
        0..60 => format!("{s}s ago"),
        60..3600 => format!("{}m ago", s / 60),
        _ => format!("{}h ago", s / 3600),
    }
}

fn health_lines(s: &StatusView, width: usize, v: &View<'_>) -> Vec<Line<'static>> {
    let t = v.theme;
    let mut out = Vec::new();
    let mut head = vec![
        Span::styled(format!(" {} ", text::clean(&s.instance)), t.title),
        Span::styled(text::clean(&s.url), t.dim),
    ];
    if let Some(ver) = &s.version {
        head.push(Span::styled(
            format!(" · dagster {}", text::clean(ver)),
            t.dim,
        ));
    }
    out.push(Line::from(head));
    if let Some(err) = &s.error {
        let what = if s.reachable {
            "answers, but not as Dagster should:"
        } else {
            "does not answer:"
        };
        out.push(Line::styled(format!(" {what}"), t.error));
        wrapped(err, width, t.error, &mut out);
        wrapped(START, width, t.text, &mut out);
        return out;
    }
    let (beat, style) = match s.daemon_heartbeat_age_s {
        Some(a) if a < 60.0 => (format!("daemon heartbeat {}", age(a)), t.ok),
        Some(a) => (
            format!(
                "daemon heartbeat {} — runs and schedules wait for it",
                age(a)
            ),
            t.warn,
        ),
        None => (
            "no daemon heartbeat — start `dagster dev` (it runs the daemon)".into(),
            t.warn,
        ),
    };
    out.push(Line::styled(text::fit(&format!(" {beat}"), width), style));
    let locs: Vec<String> = s
        .locations
        .iter()
        .map(|l| {
            format!(
                "{} ({}: {} jobs, {} schedules, {} sensors)",
                l.name, l.status, l.jobs, l.schedules, l.sensors
            )
        })
        .collect();
    out.push(Line::styled(
        text::fit(
            &format!(" locations: {}", text::clean(&locs.join(" · "))),
            width,
        ),
        t.text,
    ));
    for l in s.locations.iter().filter(|l| l.status == "error") {
        let err = l.error.as_deref().unwrap_or("(no error given)");
        let first = err.lines().next().unwrap_or("");
        out.push(Line::styled(
            text::fit(
                &format!(
                    " {} failed to load: {} — fix it, then `jr dagster reload {}`",
                    text::clean(&l.name),
                    text::clean(first),
                    text::clean(&l.name)
                ),
                width,
            ),
            t.error,
        ));
    }
    out
}

fn item_line(it: &Item, width: usize, v: &View<'_>, selected: bool) -> Line<'static> {
    let t = v.theme;
    let name_w = if width >= 120 { 40 } else { 28 };
    let (kind, name, state, state_style, rest) = match it {
        Item::Job(j) => ("job", j.path(), String::new(), t.dim, String::new()),
        Item::Schedule(s) | Item::Sensor(s) => {
            let kind = if matches!(it, Item::Schedule(_)) {
                "schedule"
            } else {
                "sensor"
            };
            let style = if s.state == "RUNNING" { t.ok } else { t.dim };
            let mut rest = s.cron.clone().unwrap_or_default();
            if let Some(tz) = &s.timezone {
                rest.push_str(&format!(" {tz}"));
            }
            if let Some(i) = s.min_interval_s {
                rest.push_str(&format!("every {i}s"));
            }
            if !s.jobs.is_empty() {
                rest.push_str(&format!(" → {}", s.jobs.join(", ")));
            }
            (
                kind,
                format!("{}/{}", s.location, s.name),
                s.state.clone(),
                style,
                rest,
            )
        }
        Item::Run(r) => {
            let mut rest = r.created_at.map(|c| when(c, v)).unwrap_or_default();
            if let Some(d) = r.duration_s {
                rest.push_str(&format!(" · {d}s"));
            }
            if let Some(n) = r.jr_run {
                rest.push_str(&format!(" · jr run #{n}"));
            }
            (
                "run",
                format!("{} {}", &r.run_id[..r.run_id.len().min(8)], r.job),
                r.status.clone(),
                status_style(t, &r.status),
                rest,
            )
        }
    };
    let rest_w = width.saturating_sub(1 + 9 + name_w + 1 + 10);
    Line::from(vec![
        Span::styled(if selected { "▌" } else { " " }, t.accent),
        Span::styled(pad(kind, 9), t.dim),
        Span::styled(pad(&text::clean(&name), name_w) + " ", t.title),
        Span::styled(pad(&state, 10), state_style),
        Span::styled(pad(&text::clean(&rest), rest_w), t.dim),
    ])
}

impl Draw for DagsterPane {
    fn draw(&self, f: &mut Frame<'_>, area: Rect, v: &View<'_>) {
        draw(f, area, self, v);
    }
}

fn draw(f: &mut Frame<'_>, area: Rect, p: &DagsterPane, v: &View<'_>) {
    let t = v.theme;
    let width = area.width as usize;
    let o = match &p.shown {
        Shown::Waiting => {
            f.render_widget(
                Paragraph::new(Line::styled(" asking Dagster…", t.dim)),
                area,
            );
            return;
        }
        Shown::NotConfigured => {
            let mut lines = vec![Line::styled(" No Dagster instance is configured.", t.title)];
            wrapped(CONFIGURE, width, t.text, &mut lines);
            wrapped(
                "Then start Dagster (`dagster dev` serves http://127.0.0.1:3000) and come back: this pane shows its health, jobs (launch), schedules and sensors (start/stop) and recent runs.",
                width,
                t.dim,
                &mut lines,
            );
            if let Some(e) = &p.error {
                wrapped(e, width, t.error, &mut lines);
            }
            f.render_widget(
                Paragraph::new(lines).block(boxed(" Dagster ".into(), v)),
                area,
            );
            return;
        }
        Shown::Loaded(o) => o,
    };
    let inner = width.saturating_sub(2);
    if o.workspace.is_none() {
        // Nothing to list: the whole pane says what is wrong and what to do.
        let mut lines = health_lines(&o.status, inner, v);
        wrapped(
            "Or point jr at another instance: [dagster.instances.NAME] url in config.toml, or JR_DAGSTER_URL.",
            inner,
            t.dim,
            &mut lines,
        );
        f.render_widget(
            Paragraph::new(lines).block(boxed(" Dagster ".into(), v)),
            area,
        );
        return;
    }
    let health = Rect::new(area.x, area.y, area.width, HEALTH_ROWS.min(area.height));
    let title = match p.sub {
        Sub::Jobs => " Dagster ",
        Sub::Assets => " Dagster · assets ",
    };
    f.render_widget(
        Paragraph::new(health_lines(&o.status, inner, v)).block(boxed(title.into(), v)),
        health,
    );
    let rest = Rect::new(
        area.x,
        area.y + health.height,
        area.width,
        area.height.saturating_sub(health.height),
    );
    if rest.height < 2 {
        return;
    }
    if p.sub == Sub::Assets {
        super::view_assets::draw(f, rest, p, v);
        return;
    }
    let name_w = if width >= 120 { 40 } else { 28 };
    let mut lines = vec![Line::styled(
        text::fit(
            &format!(" {}{}{}", pad("kind", 9), pad("name", name_w + 1), "state"),
            width,
        ),
        t.dim,
    )];
    let list_h = rest.height.saturating_sub(2) as usize;
    for (i, it) in p.items.iter().enumerate().skip(p.list.top).take(list_h) {
        lines.push(item_line(it, width, v, i == p.list.selected));
    }
    if p.items.is_empty() && o.workspace.is_some() {
        lines.push(Line::styled(
            " no jobs, schedules, sensors or runs yet — add definitions to a code location",
            t.dim,
        ));
    }
    f.render_widget(Paragraph::new(lines), rest);
    let jobs = p.items.iter().filter(|i| matches!(i, Item::Job(_))).count();
    let runs = p.items.iter().filter(|i| matches!(i, Item::Run(_))).count();
    let mut status = format!(
        " {jobs} jobs · {} schedules/sensors · {runs} recent runs",
        p.items.len() - jobs - runs
    );
    if p.busy {
        status.push_str(" · working…");
    }
    let (status, style) = match &o.runs_error {
        Some(e) => (format!("{status} · runs: {}", text::clean(e)), t.error),
        None => (status, t.dim),
    };
    f.render_widget(
        Paragraph::new(Line::styled(text::fit(&status, width), style)),
        Rect::new(rest.x, rest.y + rest.height - 1, rest.width, 1),
    );
    if let Some(path) = &p.confirm {
        let with = if p.with_config {
            " with its run config"
        } else {
            ""
        };
        let q = format!("Launch the Dagster job {}{with}?", text::clean(path));
        confirm(f, area, "Launch", &q, "launch", "keep", v);
    }
}
