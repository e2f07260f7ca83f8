//! Drawing the Assets view under the health box: the list (key, group, last
//! materialization, stale or missing, checks, and the description where
//! there is room, padded by display width so Korean keeps the columns), the
//! selected asset's detail and lineage (a column beside the list on wide
//! screens, a box under it on narrow ones), the status line, the partition
//! form and the materialize question.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::DagsterPane;
use super::assets::{AssetsView, DETAIL_ROWS, Dir, HEAD_NARROW, HEAD_WIDE, SIDE_COLS, WIDE};
use crate::clients::dagster::assets::Asset;
use crate::clients::dagster::types::{Phase, phase};
use crate::tui::pane::View;
use crate::tui::text::{self, pad};
use crate::tui::theme::Theme;
use crate::tui::widgets::fmt::when;
use crate::tui::widgets::form::{boxed, confirm, prompt_line};

/// A Dagster run status's colour (the jobs view's runs use it too).
pub(super) fn status_style(t: &Theme, status: &str) -> Style {
    match phase(status) {
        Phase::Success => t.ok,
        Phase::Failure => t.error,
        Phase::Active => t.accent,
        _ => t.dim,
    }
}

const LAST_W: usize = 19;
const STATE_W: usize = 8;
const CHECKS_W: usize = 10;

/// Key and group column widths for a list this wide.
fn cols(width: usize) -> (usize, usize) {
    if width >= 100 { (28, 12) } else { (22, 9) }
}

fn stale_style(t: &Theme, s: &str) -> Style {
    match s {
        "fresh" => t.ok,
        "stale" => t.warn,
        "missing" => t.error,
        _ => t.dim,
    }
}

/// "11-22 10:00 SUCCESS", or "never".
fn last(a: &Asset, v: &View<'_>) -> (String, Style) {
    match &a.last_materialization {
        None => ("never".into(), v.theme.dim),
        Some(l) => {
            let at = l.time.map(|t| when(t, v)).unwrap_or_default();
            (
                format!("{at} {}", text::clean(&l.status)),
                status_style(v.theme, &l.status),
            )
        }
    }
}

fn checks(a: &Asset, t: &Theme) -> (String, Style) {
    let c = &a.checks;
    if c.items.is_empty() {
        (String::new(), t.dim)
    } else if c.failed > 0 {
        (format!("{} failed", c.failed), t.error)
    } else if c.items.iter().all(|x| x.status.is_none()) {
        (format!("{} not run", c.items.len()), t.dim)
    } else {
        let style = if c.passed == c.items.len() {
            t.ok
        } else {
            t.dim
        };
        (format!("{}/{} passed", c.passed, c.items.len()), style)
    }
}

fn partitions(a: &Asset) -> Option<String> {
    a.partitions.as_ref().map(|p| {
        let mut s = format!("partitions {}/{}", p.materialized, p.count);
        if p.failed > 0 {
            s.push_str(&format!(" ({} failed)", p.failed));
        }
        s
    })
}

fn row(a: &Asset, width: usize, selected: bool, v: &View<'_>) -> Line<'static> {
    let t = v.theme;
    let (kw, gw) = cols(width);
    let (l, ls) = last(a, v);
    let (c, cs) = checks(a, t);
    let mut spans = vec![
        Span::styled(if selected { "▌" } else { " " }, t.accent),
        Span::styled(pad(&text::clean(&a.key), kw) + " ", t.title),
        Span::styled(pad(&text::clean(&a.group), gw) + " ", t.dim),
        Span::styled(pad(&l, LAST_W) + " ", ls),
        Span::styled(pad(&a.stale, STATE_W) + " ", stale_style(t, &a.stale)),
        Span::styled(pad(&c, CHECKS_W), cs),
    ];
    let used = 1 + kw + 1 + gw + 1 + LAST_W + 1 + STATE_W + 1 + CHECKS_W;
    let rest = width.saturating_sub(used + 1);
    if rest >= 10 {
        let d = a.description.as_deref().unwrap_or("");
        spans.push(Span::styled(
            " ".to_string() + &pad(&text::clean(d), rest),
            t.dim,
        ));
    }
    Line::from(spans)
}

fn header(width: usize, t: &Theme) -> Line<'static> {
    let (kw, gw) = cols(width);
    let used = 1 + kw + 1 + gw + 1 + LAST_W + 1 + STATE_W + 1 + CHECKS_W;
    let mut s = format!(
        " {}{}{}{}{}",
        pad("asset", kw + 1),
        pad("group", gw + 1),
        pad("last materialized", LAST_W + 1),
        pad("state", STATE_W + 1),
        pad("checks", CHECKS_W),
    );
    if width.saturating_sub(used + 1) >= 10 {
        s.push_str(" description");
    }
    Line::styled(text::fit(&s, width), t.dim)
}

/// The lines above the lineage: exactly `HEAD_NARROW` or `HEAD_WIDE`.
fn head(a: &Asset, width: usize, wide: bool, v: &View<'_>) -> Vec<Line<'static>> {
    let t = v.theme;
    let fit = |s: String| text::fit(&text::clean(&s), width);
    let kinds = if a.kinds.is_empty() {
        String::new()
    } else {
        format!(" · {}", a.kinds.join(", "))
    };
    let (l, ls) = last(a, v);
    let run = a
        .last_materialization
        .as_ref()
        .map(|m| format!(" · run {}", m.run_id.chars().take(8).collect::<String>()))
        .unwrap_or_default();
    let (c, cs) = checks(a, t);
    let desc = match &a.description {
        Some(d) => Line::styled(fit(format!(" {d}")), t.text),
        None => Line::styled(" no description", t.dim),
    };
    let mut state = vec![Span::styled(
        format!(" {}", a.stale),
        stale_style(t, &a.stale),
    )];
    if let Some(p) = partitions(a) {
        state.push(Span::styled(format!(" · {p}"), t.text));
    }
    if !wide {
        state.push(Span::styled(fit(format!(" · last {l}")), ls));
        if !c.is_empty() {
            state.push(Span::styled(format!(" · checks {c}"), cs));
        }
        return vec![
            Line::from(vec![
                Span::styled(fit(format!(" {}", a.key)), t.title),
                Span::styled(
                    fit(format!(" · {} · {}{kinds}", a.group, a.location)),
                    t.dim,
                ),
            ]),
            Line::from(state),
            desc,
        ];
    }
    let check_names: Vec<String> = a
        .checks
        .items
        .iter()
        .map(|c| {
            let s = c.status.as_deref().unwrap_or("not run").to_lowercase();
            format!("{} {s}", c.name)
        })
        .collect();
    let checks_line = if check_names.is_empty() {
        Line::styled(" no checks", t.dim)
    } else {
        Line::styled(fit(format!(" checks: {}", check_names.join(", "))), cs)
    };
    let mut desc_lines: Vec<Line<'static>> = match &a.description {
        Some(d) => text::wrap(&text::clean(d), width.saturating_sub(2))
            .into_iter()
            .take(2)
            .map(|l| Line::styled(format!(" {l}"), t.text))
            .collect(),
        None => vec![desc],
    };
    desc_lines.resize(2, Line::default());
    let mut out = vec![
        Line::styled(fit(format!(" {}", a.key)), t.title),
        Line::styled(
            fit(format!(
                " group {} · location {}{kinds}",
                a.group, a.location
            )),
            t.dim,
        ),
        Line::styled(fit(format!(" last {l}{run}")), ls),
        Line::from(state),
        checks_line,
    ];
    out.extend(desc_lines);
    debug_assert_eq!(out.len(), HEAD_WIDE);
    out
}

/// The detail box: the head, then the lineage list.
fn detail(f: &mut Frame<'_>, r: Rect, s: &AssetsView, wide: bool, v: &View<'_>) {
    let t = v.theme;
    let title = if s.in_lineage {
        "lineage — Enter goes to the asset · Esc back".to_string()
    } else {
        "asset — Enter: its lineage".to_string()
    };
    let block = boxed(title, v);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let width = inner.width as usize;
    let Some(a) = s.selected() else {
        f.render_widget(Paragraph::new(Line::styled(" no asset", t.dim)), inner);
        return;
    };
    let mut lines = head(a, width, wide, v);
    lines.truncate(if wide { HEAD_WIDE } else { HEAD_NARROW });
    let keys = s.lineage_keys();
    if keys.is_empty() {
        lines.push(Line::styled(" no upstream or downstream assets", t.dim));
    }
    let room = (inner.height as usize).saturating_sub(lines.len());
    for (i, (dir, k)) in keys.iter().enumerate().skip(s.lineage.top).take(room) {
        let on = s.in_lineage && i == s.lineage.selected;
        let (arrow, what) = match dir {
            Dir::Up => ("↑", "upstream"),
            Dir::Down => ("↓", "downstream"),
        };
        lines.push(Line::from(vec![
            Span::styled(if on { "▌" } else { " " }, t.accent),
            Span::styled(format!("{arrow} "), t.accent),
            Span::styled(
                pad(&text::clean(k), width.saturating_sub(14)),
                if on { t.selected } else { t.text },
            ),
            Span::styled(format!(" {what}"), t.dim),
        ]));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

fn status(s: &AssetsView, busy: bool) -> String {
    let a = s.assets();
    let count = |w: &str| a.iter().filter(|x| x.stale == w).count();
    let failed = a.iter().filter(|x| x.checks.failed > 0).count();
    let mut out = format!(
        " {} assets · {} stale · {} missing",
        a.len(),
        count("stale"),
        count("missing")
    );
    if failed > 0 {
        out.push_str(&format!(" · {failed} with failed checks"));
    }
    if busy {
        out.push_str(" · working…");
    }
    out
}

/// The Assets view in `area` (below the health box).
pub fn draw(f: &mut Frame<'_>, area: Rect, p: &DagsterPane, v: &View<'_>) {
    let t = v.theme;
    let s = &p.assets;
    let wide = area.width >= WIDE;
    let (list_r, detail_r) = if wide {
        let lw = area.width - SIDE_COLS;
        (
            Rect::new(area.x, area.y, lw, area.height),
            Rect::new(area.x + lw, area.y, SIDE_COLS, area.height),
        )
    } else {
        let dh = DETAIL_ROWS.min(area.height.saturating_sub(3));
        (
            Rect::new(area.x, area.y, area.width, area.height - dh),
            Rect::new(area.x, area.y + area.height - dh, area.width, dh),
        )
    };
    let width = list_r.width as usize;
    let mut lines = vec![header(width, t)];
    if let Some(l) = s.data.status_line(t) {
        lines.push(l);
    }
    let room = (list_r.height as usize).saturating_sub(1 + lines.len());
    for (i, a) in s.assets().iter().enumerate().skip(s.list.top).take(room) {
        lines.push(row(a, width, i == s.list.selected, v));
    }
    if s.data.is_some() && s.assets().is_empty() {
        lines.push(Line::styled(
            " no assets — define some in a code location, then `jr dagster reload LOCATION`",
            t.dim,
        ));
    }
    f.render_widget(Paragraph::new(lines), list_r);
    if list_r.height >= 2 {
        f.render_widget(
            Paragraph::new(Line::styled(text::fit(&status(s, p.busy), width), t.dim)),
            Rect::new(list_r.x, list_r.bottom() - 1, list_r.width, 1),
        );
    }
    if detail_r.height >= 3 {
        detail(f, detail_r, s, wide, v);
    }
    if let Some((key, input)) = &s.partition {
        let n = s
            .assets()
            .iter()
            .find(|a| &a.key == key)
            .and_then(|a| a.partitions.as_ref())
            .map(|p| format!(" of {}", p.count))
            .unwrap_or_default();
        let title = format!(
            " materialize {}: which partition{n}? Enter · Esc cancels ",
            text::clean(key)
        );
        prompt_line(f, area, title, input, v);
    }
    if let Some(m) = &s.confirm {
        let part = m
            .partition
            .as_deref()
            .map(|p| format!(", partition {}", text::clean(p)))
            .unwrap_or_default();
        let q = format!("Materialize the asset {}{part}?", text::clean(&m.key));
        confirm(f, area, "Materialize", &q, "materialize", "keep", v);
    }
}
