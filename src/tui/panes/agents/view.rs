//! Drawing the Agents pane: the lists as tabs, the current list, the
//! selected item's details under it; each list's empty state names the
//! command that fills it. A run's answer grows in the details box; the
//! prompt input and the remove question go over the pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{AgentsPane, AgentsView, DETAIL_ROWS};
use crate::domain::agent::AgentRunStatus;
use crate::tui::pane::{Draw, View};
use crate::tui::text;
use crate::tui::widgets::fmt::when;
use crate::tui::widgets::form::{confirm, prompt_line};
use crate::tui::worker::AgentsData;

fn opt<T: std::fmt::Display>(x: Option<T>) -> String {
    x.map_or("-".into(), |x| x.to_string())
}

/// Columns: (text, width); the last takes the rest.
fn row(cols: &[(String, usize)], width: usize) -> String {
    let mut out = String::from(" ");
    let fixed: usize = cols[..cols.len() - 1].iter().map(|c| c.1 + 1).sum();
    for (i, (s, w)) in cols.iter().enumerate() {
        let w = if i + 1 == cols.len() {
            width.saturating_sub(fixed + 1)
        } else {
            *w
        };
        out.push_str(&text::pad(&text::clean(s), w));
        out.push(' ');
    }
    out
}

fn header(view: AgentsView) -> Vec<(String, usize)> {
    let names: &[(&str, usize)] = match view {
        AgentsView::Agents => &[
            ("NAME", 16),
            ("MODEL", 26),
            ("TEMP", 5),
            ("MAX", 6),
            ("SKILLS", 0),
        ],
        AgentsView::Runs => &[
            ("RUN", 5),
            ("AGENT", 14),
            ("STATUS", 8),
            ("STARTED", 11),
            ("TOOK", 7),
            ("PROMPT", 0),
        ],
        AgentsView::Skills => &[("NAME", 20), ("SOURCE", 24), ("DESCRIPTION", 0)],
        AgentsView::Mcps => &[("NAME", 16), ("COMMAND / URL", 30), ("DESCRIPTION", 0)],
        AgentsView::Models => &[("MODEL", 32), ("WHERE", 6), ("CONTEXT", 8), ("ABOUT", 0)],
    };
    names.iter().map(|(n, w)| (n.to_string(), *w)).collect()
}

fn rows(d: &AgentsData, view: AgentsView, v: &View<'_>) -> Vec<Vec<(String, usize)>> {
    let widths: Vec<usize> = header(view).iter().map(|c| c.1).collect();
    let cells = |xs: Vec<String>| xs.into_iter().zip(widths.clone()).collect();
    match view {
        AgentsView::Agents => d
            .agents
            .iter()
            .map(|a| {
                cells(vec![
                    a.name.clone(),
                    a.model.clone(),
                    opt(a.temperature),
                    opt(a.max_tokens),
                    a.skills.join(", "),
                ])
            })
            .collect(),
        AgentsView::Runs => d
            .runs
            .iter()
            .map(|r| {
                let took = r
                    .duration_ms
                    .map_or("-".into(), |ms| format!("{:.1}s", ms as f64 / 1000.0));
                cells(vec![
                    format!("#{}", r.id),
                    r.agent.clone(),
                    r.status.to_string(),
                    when(r.started_at, v),
                    took,
                    r.prompt.clone(),
                ])
            })
            .collect(),
        AgentsView::Skills => d
            .skills
            .iter()
            .map(|s| {
                cells(vec![
                    s.name.clone(),
                    s.source.clone().unwrap_or_default(),
                    s.description.clone(),
                ])
            })
            .collect(),
        AgentsView::Mcps => d
            .mcps
            .iter()
            .map(|m| {
                let how = m.command.clone().or(m.url.clone()).unwrap_or_default();
                cells(vec![m.name.clone(), how, m.description.clone()])
            })
            .collect(),
        AgentsView::Models => d
            .models
            .iter()
            .map(|m| {
                cells(vec![
                    format!("{}/{}", m.provider, m.name),
                    if m.local { "local" } else { "remote" }.into(),
                    opt(m.context_size),
                    m.description.clone(),
                ])
            })
            .collect(),
    }
}

fn empty(view: AgentsView) -> [&'static str; 2] {
    match view {
        AgentsView::Agents => [
            " No agents yet. From a shell:",
            "   jr agents add briefer --model ollama/qwen2.5:7b --system \"You brief me.\"",
        ],
        AgentsView::Runs => [
            " No executions yet. Run an agent from a shell:",
            "   jr agents run briefer \"오늘 할일 뭐야?\"",
        ],
        AgentsView::Skills => [
            " No skills yet. Import a folder with a SKILL.md:",
            "   jr skills import ~/.claude/skills/korean",
        ],
        AgentsView::Mcps => [
            " No MCP servers yet. Add one:",
            "   jr mcps add jr --command \"jr mcp\" -d \"jr itself\"",
        ],
        AgentsView::Models => [
            " No models registered. Add one:",
            "   jr models add ollama/qwen2.5:7b",
        ],
    }
}

/// The selected item: a title and its lines; a running agent's answer so far.
fn detail(p: &AgentsPane, d: &AgentsData, v: &View<'_>) -> Option<(String, Vec<String>)> {
    if let Some(r) = &p.running {
        let title = format!("{} › {} — running", r.agent, r.prompt);
        let rows = DETAIL_ROWS.saturating_sub(1) as usize;
        let lines = if r.text.is_empty() {
            vec!["waiting for the model…".to_string()]
        } else {
            let all = text::clean_lines(&r.text);
            let skip = all.len().saturating_sub(rows);
            all.into_iter().skip(skip).collect()
        };
        return Some((title, lines));
    }
    let i = p.list.selected;
    let body =
        |s: &str, n: usize| -> Vec<String> { text::clean_lines(s).into_iter().take(n).collect() };
    Some(match p.view {
        AgentsView::Agents => {
            let a = d.agents.get(i)?;
            let mut l = vec![
                format!(
                    "{} · temperature {} · max_tokens {}",
                    a.model,
                    opt(a.temperature),
                    opt(a.max_tokens)
                ),
                format!(
                    "skills: {} · MCP: {}",
                    if a.skills.is_empty() {
                        "-".into()
                    } else {
                        a.skills.join(", ")
                    },
                    if a.mcps.is_empty() {
                        "-".into()
                    } else {
                        a.mcps.join(", ")
                    }
                ),
            ];
            if !a.description.is_empty() {
                l.push(a.description.clone());
            }
            l.extend(body(&a.system_prompt, 4));
            (a.name.clone(), l)
        }
        AgentsView::Runs => {
            let r = d.runs.get(i)?;
            let mut l = vec![format!(
                "{} · {} · tokens {} in, {} out · config {}",
                r.model,
                when(r.started_at, v),
                opt(r.tokens_in),
                opt(r.tokens_out),
                &r.config_hash[..r.config_hash.len().min(8)]
            )];
            l.extend(body(&r.prompt, 2).into_iter().map(|x| format!("› {x}")));
            if let Some(e) = &r.error {
                l.push(format!("error: {e}"));
            }
            if !r.tool_calls.is_empty() {
                l.push(format!("tools: {} calls", r.tool_calls.len()));
                l.extend(
                    r.tool_calls
                        .iter()
                        .take(3)
                        .map(|c| format!("  {}", c.end_line())),
                );
            }
            l.extend(body(&r.output, 4));
            (format!("#{} {} — {}", r.id, r.agent, r.status), l)
        }
        AgentsView::Skills => {
            let s = d.skills.get(i)?;
            let mut l = vec![s.description.clone()];
            l.extend(body(&s.body, 5));
            (s.name.clone(), l)
        }
        AgentsView::Mcps => {
            let m = d.mcps.get(i)?;
            let how = m.command.clone().or(m.url.clone()).unwrap_or_default();
            (m.name.clone(), vec![how, m.description.clone()])
        }
        AgentsView::Models => {
            let m = d.models.get(i)?;
            let ctx = m.context_size.map_or("context size unknown".into(), |n| {
                format!("context {n} tokens")
            });
            (
                format!("{}/{}", m.provider, m.name),
                vec![ctx, m.description.clone()],
            )
        }
    })
}

impl Draw for AgentsPane {
    fn draw(&self, f: &mut Frame<'_>, area: Rect, v: &View<'_>) {
        draw(f, area, self, v);
    }
}

fn draw(f: &mut Frame<'_>, area: Rect, p: &AgentsPane, v: &View<'_>) {
    let t = v.theme;
    let width = area.width as usize;
    let Some(d) = p.data.or_status(f, area, t) else {
        return;
    };
    let mut tabs = vec![Span::raw(" ")];
    for view in AgentsView::ALL {
        let label = format!(" {} {} ", view.title(), p.len_of(view));
        tabs.push(Span::styled(
            label,
            if view == p.view { t.selected } else { t.dim },
        ));
    }
    tabs.push(Span::styled("  v: next", t.dim));
    f.render_widget(Paragraph::new(Line::from(tabs)), Rect { height: 1, ..area });
    f.render_widget(
        Paragraph::new(Line::styled(row(&header(p.view), width), t.title)),
        Rect::new(area.x, area.y + 1, area.width, 1),
    );
    let list = Rect::new(area.x, area.y + 2, area.width, p.list.height as u16);
    let all = rows(d, p.view, v);
    let lines: Vec<Line> = if all.is_empty() {
        let [a, b] = empty(p.view);
        vec![Line::styled(a, t.text), Line::styled(b, t.key)]
    } else {
        all.iter()
            .enumerate()
            .skip(p.list.top)
            .take(list.height as usize)
            .map(|(i, cols)| {
                let failed = p.view == AgentsView::Runs
                    && d.runs
                        .get(i)
                        .is_some_and(|r| r.status == AgentRunStatus::Failed);
                let style = match (i == p.list.selected, failed) {
                    (true, _) => t.selected,
                    (false, true) => t.error,
                    _ => Style::new(),
                };
                Line::styled(row(cols, width), style)
            })
            .collect()
    };
    f.render_widget(Paragraph::new(lines), list);
    if let Some((title, body)) = detail(p, d, v) {
        let r = Rect::new(
            area.x,
            area.bottom().saturating_sub(DETAIL_ROWS),
            area.width,
            DETAIL_ROWS.min(area.height),
        );
        let block = Block::default()
            .borders(Borders::TOP)
            .border_style(t.dim)
            .title(Span::styled(format!(" {} ", text::clean(&title)), t.title));
        let lines: Vec<Line> = body
            .iter()
            .map(|l| {
                Line::styled(
                    format!(" {}", text::fit(&text::clean(l), width - 2)),
                    t.text,
                )
            })
            .collect();
        f.render_widget(Paragraph::new(lines).block(block), r);
    }
    if let Some((agent, input)) = &p.prompt {
        let title = format!(" run {} — Enter runs · Esc cancels ", text::clean(agent));
        prompt_line(f, area, title, input, v);
    }
    if let Some(name) = &p.confirm {
        let q = format!("Remove agent {}? Its executions stay.", text::clean(name));
        confirm(f, area, "Remove", &q, "remove", "keep", v);
    }
}
