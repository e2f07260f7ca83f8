//! The Agents pane: the configured agents (model, skills, temperature,
//! max_tokens), their recent executions, the skills, the MCP servers and the
//! model registry — one list at a time, `v` for the next, the selected
//! item's details under it. The selected agent runs with a prompt typed in a
//! one-line input (`r`; the answer streams into the detail box, then the
//! execution shows in the list), stopped while it runs (`x`: recorded as
//! cancelled), or removed (`D`, asked first). Agents are added (`a`) and
//! changed (`e`) as YAML in the user's editor — the same YAML as
//! `jr agents import` — and when what was written cannot be saved, the
//! notice says why and the next `a`/`e` opens the text again. Skills, MCP
//! servers and models change through `jr skills`, `jr mcps` and `jr models`.
//! Drawing is in `view.rs`.

mod view;

use ratatui::layout::Rect;

use crate::engine::agents::to_yaml;
use crate::error::Error;
use crate::tui::action::Action;
use crate::tui::editor::EditRequest;
use crate::tui::effect::Effect;
use crate::tui::input::TextField;
use crate::tui::keymap::Section;
use crate::tui::pane::{Cx, Pane, PaneId};
use crate::tui::widgets::list::Scroller;
use crate::tui::widgets::loadable::Loadable;
use crate::tui::worker::{AgentsData, Mutation, Payload, Request, Response, Slot};

/// Rows the selected row's detail box takes under the list.
pub const DETAIL_ROWS: u16 = 8;

/// The pane's lists, in the order `v` walks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AgentsView {
    #[default]
    Agents,
    Runs,
    Skills,
    Mcps,
    Models,
}

impl AgentsView {
    pub const ALL: [AgentsView; 5] = [
        AgentsView::Agents,
        AgentsView::Runs,
        AgentsView::Skills,
        AgentsView::Mcps,
        AgentsView::Models,
    ];

    pub fn title(self) -> &'static str {
        match self {
            AgentsView::Agents => "Agents",
            AgentsView::Runs => "Executions",
            AgentsView::Skills => "Skills",
            AgentsView::Mcps => "MCP servers",
            AgentsView::Models => "Models",
        }
    }

    fn next(self) -> AgentsView {
        let i = AgentsView::ALL.iter().position(|v| *v == self).unwrap_or(0);
        AgentsView::ALL[(i + 1) % AgentsView::ALL.len()]
    }
}

#[derive(Debug, Default)]
pub struct AgentsPane {
    pub data: Loadable<AgentsData>,
    pub view: AgentsView,
    pub list: Scroller,
    pub area: Rect,
    /// Typing a prompt for this agent.
    pub prompt: Option<(String, TextField)>,
    /// Remove this agent?
    pub confirm: Option<String>,
    /// Asked to remove this agent, waiting for the answer.
    removing: Option<String>,
    /// An agent run on its way: its answer so far.
    pub running: Option<Running>,
    /// Text from the editor not saved yet (its key, `agent:` or
    /// `agent:NAME`, and the text): it opens again rather than being lost.
    pub draft: Option<(String, String)>,
    /// In the editor: the key and the text it was given.
    editing: Option<(String, String)>,
    /// A save was asked for (its key).
    saving: Option<String>,
}

/// What `a` opens in the editor.
pub const NEW_AGENT: &str = "# A new agent (the same YAML as `jr agents import`). Save to add it;
# leave the file as it is to cancel.
name: new-agent
description: what it is for
model: ollama/qwen2.5:7b
system_prompt: |
  You are a careful assistant. Answer in the language you are asked in.
skills: []
config:
  temperature: 0.2
";

/// An agent run the pane started.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Running {
    pub agent: String,
    pub prompt: String,
    /// The answer so far.
    pub text: String,
}

/// An error's message and its first hint, for the notice.
fn with_hint(e: &Error) -> String {
    match e.hints.first() {
        Some(h) => format!("{} ({h})", e.message),
        None => e.message.clone(),
    }
}

impl AgentsPane {
    /// Items in a list.
    pub fn len_of(&self, view: AgentsView) -> usize {
        let Some(d) = self.data.as_ref() else {
            return 0;
        };
        match view {
            AgentsView::Agents => d.agents.len(),
            AgentsView::Runs => d.runs.len(),
            AgentsView::Skills => d.skills.len(),
            AgentsView::Mcps => d.mcps.len(),
            AgentsView::Models => d.models.len(),
        }
    }

    /// The selected agent's name, in the agents list.
    pub fn selected_agent(&self) -> Option<&str> {
        if self.view != AgentsView::Agents {
            return None;
        }
        let d = self.data.as_ref()?;
        d.agents.get(self.list.selected).map(|a| a.name.as_str())
    }

    /// Open `text` (or the draft kept for `key`) in the editor.
    fn edit(&mut self, key: String, text: String) -> Vec<Effect> {
        let text = match &self.draft {
            Some((k, t)) if *k == key => t.clone(),
            _ => text,
        };
        self.editing = Some((key.clone(), text.clone()));
        vec![Effect::Edit(EditRequest {
            pane: PaneId::Agents,
            key,
            text,
            suffix: ".yaml",
        })]
    }

    /// The editor's answer: save what changed.
    fn edited(&mut self, key: &str, text: &Result<String, String>, cx: &mut Cx<'_>) -> Vec<Effect> {
        let sent = self
            .editing
            .take()
            .filter(|(k, _)| k == key)
            .map(|(_, t)| t);
        let text = match text {
            Ok(t) => t,
            Err(e) => {
                cx.error(e.clone());
                return Vec::new();
            }
        };
        if sent.as_deref().map(str::trim) == Some(text.trim()) {
            cx.info("nothing changed");
            return Vec::new();
        }
        self.draft = Some((key.to_string(), text.clone()));
        self.saving = Some(key.to_string());
        let old = key.strip_prefix("agent:").filter(|n| !n.is_empty());
        Self::mutate(
            Mutation::SaveAgent {
                old: old.map(String::from),
                yaml: text.clone(),
            },
            cx,
        )
    }

    fn mutate(m: Mutation, cx: &mut Cx<'_>) -> Vec<Effect> {
        vec![cx.requests.make(Slot::Mutation, Request::Mutate(m))]
    }

    /// Keys while the prompt input or the confirmation is open.
    fn update_modal(&mut self, action: &Action, cx: &mut Cx<'_>) -> Option<Vec<Effect>> {
        if let Some(name) = self.confirm.clone() {
            match action {
                Action::Yes => {
                    self.confirm = None;
                    self.removing = Some(name.clone());
                    return Some(Self::mutate(Mutation::RemoveAgent(name), cx));
                }
                Action::No | Action::Back => self.confirm = None,
                _ => {}
            }
            return Some(Vec::new());
        }
        let (agent, input) = self.prompt.as_mut()?;
        match action {
            Action::Text(e) => input.edit(e),
            Action::Back => self.prompt = None,
            Action::Submit => {
                let prompt = input.value().trim().to_string();
                if prompt.is_empty() {
                    return Some(Vec::new());
                }
                if self.running.is_some() {
                    cx.info("an agent is still running: wait for its answer");
                    return Some(Vec::new());
                }
                let agent = agent.clone();
                self.prompt = None;
                self.running = Some(Running {
                    agent: agent.clone(),
                    prompt: prompt.clone(),
                    text: String::new(),
                });
                cx.info(format!("running {agent}…"));
                return Some(Self::mutate(Mutation::RunAgent { agent, prompt }, cx));
            }
            _ => {}
        }
        Some(Vec::new())
    }
}

impl Pane for AgentsPane {
    fn id(&self) -> PaneId {
        PaneId::Agents
    }

    fn slots(&self) -> &'static [Slot] {
        &[Slot::Agents]
    }

    fn sections(&self) -> (Vec<Section>, bool) {
        crate::tui::pane::sections(
            PaneId::Agents,
            self.confirm.is_some(),
            self.prompt.is_some(),
        )
    }

    fn update(&mut self, action: &Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        if let Some(effects) = self.update_modal(action, cx) {
            return effects;
        }
        match action {
            Action::Edited { key, text, .. } => return self.edited(key, text, cx),
            Action::Add => return self.edit("agent:".into(), NEW_AGENT.into()),
            Action::Edit => {
                let agent = self.selected_agent().and_then(|n| {
                    let d = self.data.as_ref()?;
                    d.agents.iter().find(|a| a.name == n)
                });
                match agent.map(|a| (a.name.clone(), to_yaml(&[a.def()]))) {
                    Some((name, Ok(yaml))) => return self.edit(format!("agent:{name}"), yaml),
                    Some((_, Err(e))) => cx.error(e.message),
                    None => cx.info("select an agent in the agents list (v) to edit it"),
                }
            }
            Action::RunNow => match self.selected_agent() {
                Some(name) => self.prompt = Some((name.to_string(), TextField::default())),
                None => cx.info("select an agent in the agents list (v) to run it"),
            },
            Action::Cancel => match &self.running {
                Some(r) => {
                    let agent = r.agent.clone();
                    cx.info(format!("stopping {agent}…"));
                    return Self::mutate(Mutation::StopAgent(agent), cx);
                }
                None => cx.info("no agent is running"),
            },
            Action::Delete => match self.selected_agent() {
                Some(name) => self.confirm = Some(name.to_string()),
                None => cx.info("select an agent in the agents list (v) to remove it"),
            },
            Action::NextView => {
                self.view = self.view.next();
                self.list.set_len(self.len_of(self.view));
                self.list.select(0);
            }
            a if self.list.navigate(a) => {}
            Action::Refresh => return self.reload(cx),
            _ => {}
        }
        Vec::new()
    }

    fn on_response(&mut self, resp: Response, cx: &mut Cx<'_>) -> Vec<Effect> {
        match (resp.slot, resp.payload) {
            (Slot::Mutation, Payload::AgentPartial { agent, text }) => {
                if let Some(r) = self.running.as_mut().filter(|r| r.agent == agent)
                    && !text.is_empty()
                {
                    r.text = text;
                }
            }
            (Slot::Mutation, Payload::AgentRan { run, error }) => {
                self.running = None;
                match error {
                    Some(e) => cx.error(format!("{}: {}", run.agent, with_hint(&e))),
                    None => cx.info(format!(
                        "{}: execution #{} {}",
                        run.agent, run.id, run.status
                    )),
                }
                // The execution shows in its list (newest first).
                self.view = AgentsView::Runs;
                self.list.set_len(self.len_of(self.view));
                self.list.select(0);
            }
            (Slot::Mutation, Payload::Changed { message, .. }) if self.saving.is_some() => {
                self.saving = None;
                self.draft = None;
                cx.info(message);
            }
            (Slot::Mutation, Payload::Failed(e)) if self.saving.is_some() => {
                let key = self.saving.take().unwrap_or_default();
                let again = if key == "agent:" { "a" } else { "e" };
                cx.error(format!("{} — {again} opens your text again", with_hint(&e)));
            }
            (Slot::Mutation, Payload::Changed { message, .. }) if self.removing.is_some() => {
                self.removing = None;
                cx.info(message);
            }
            (Slot::Mutation, Payload::Failed(e))
                if self.running.is_some() || self.removing.is_some() =>
            {
                self.running = None;
                self.removing = None;
                cx.error(with_hint(&e));
            }
            (_, Payload::Agents(d)) => {
                self.data.set(*d);
                self.list.set_len(self.len_of(self.view));
            }
            (Slot::Agents, Payload::Failed(e)) => self.data.fail(e.message),
            _ => {}
        }
        Vec::new()
    }

    fn reload(&mut self, cx: &mut Cx<'_>) -> Vec<Effect> {
        vec![cx.requests.make(Slot::Agents, Request::Agents)]
    }

    fn resize(&mut self, area: Rect) {
        self.area = area;
        let rows = area.height.saturating_sub(2 + DETAIL_ROWS);
        self.list.set_height(rows as usize);
    }

    fn footer(&self) -> Vec<Action> {
        if self.confirm.is_some() {
            return vec![Action::Yes, Action::No];
        }
        if self.prompt.is_some() {
            return vec![Action::Submit, Action::Back];
        }
        if self.running.is_some() {
            return vec![
                Action::Cancel,
                Action::NextView,
                Action::Palette,
                Action::Help,
                Action::Quit,
            ];
        }
        vec![
            Action::NextView,
            Action::RunNow,
            Action::Delete,
            Action::Palette,
            Action::Help,
            Action::Quit,
        ]
    }

    fn unsaved(&self) -> bool {
        self.prompt
            .as_ref()
            .is_some_and(|(_, i)| !i.value().trim().is_empty())
    }

    fn loaded(&self) -> bool {
        self.data.loaded()
    }
}
