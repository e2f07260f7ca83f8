//! The app's state and its one `update`: an action in, state changed,
//! effects out (requests for the worker, quit, mouse). No I/O, no terminal:
//! tests drive it with actions and read state and effects.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::engine::Lease;
use crossterm::event::{Event, KeyEventKind, MouseButton, MouseEventKind};

use super::action::{self, Action};
pub use super::chrome::Overlay;
use super::effect::{Effect, Requests};
use super::input;
use super::keymap::{Keymap, Section};
use super::keys::Key;
use super::palette::{Command, Palette, Target};
use super::pane::{Cx, Notice, Pane, PaneId};
use super::panes;
use super::text;
use super::theme::Theme;
use super::worker::dagster::DagsterAsk;
use super::worker::{JobMutation, Mutation, Payload, Request, Response, Slot};
use crate::engine::dagster::views::StatusView;

/// Who fires jobs: this TUI's own scheduler (it says so when it takes the
/// lease), or the live lease holder the database names, or nobody.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchedulerView {
    pub ours: bool,
    pub lease: Option<Lease>,
}

impl SchedulerView {
    pub fn label(&self) -> String {
        match &self.lease {
            _ if self.ours => "this TUI".into(),
            Some(l) => format!("{} pid {} on {}", l.role, l.pid, text::clean(&l.host)),
            None => "nobody".into(),
        }
    }
}

pub struct Options {
    pub keymap: Keymap,
    /// Where the user's keymap lives (shown in help).
    pub keymap_path: String,
    pub theme: Theme,
    pub tz: Tz,
    pub now: DateTime<Utc>,
    /// Who claims tasks from this TUI.
    pub me: String,
    pub mouse: bool,
}

pub struct App {
    pub panes: Vec<Box<dyn Pane>>,
    pub active: usize,
    pub keymap: Keymap,
    pub keymap_path: String,
    pub theme: Theme,
    pub overlay: Option<Overlay>,
    pub notice: Option<Notice>,
    pub mouse: bool,
    pub size: (u16, u16),
    pub now: DateTime<Utc>,
    pub tz: Tz,
    /// Who fires jobs, for the header.
    pub scheduler: SchedulerView,
    /// Dagster's health for the header; None: not configured (or not known yet).
    pub dagster: Option<StatusView>,
    pub requests: Requests,
    stale: HashSet<PaneId>,
    goto: Option<(PaneId, Option<Action>)>,
}

impl App {
    pub fn new(o: Options) -> App {
        let notice = (!o.keymap.warnings.is_empty()).then(|| Notice {
            text: format!(
                "keymap: {} problem(s), defaults kept — press ? to see them",
                o.keymap.warnings.len()
            ),
            error: true,
        });
        App {
            panes: panes::all(&o.me),
            active: 0,
            keymap: o.keymap,
            keymap_path: o.keymap_path,
            theme: o.theme,
            overlay: None,
            notice,
            mouse: o.mouse,
            size: (80, 24),
            now: o.now,
            tz: o.tz,
            scheduler: SchedulerView::default(),
            dagster: None,
            requests: Requests::default(),
            stale: HashSet::new(),
            goto: None,
        }
    }

    /// The first requests: what the first pane shows, who schedules.
    pub fn start(&mut self) -> Vec<Effect> {
        let mut out = self.with_pane(self.active, |p, cx| p.reload(cx));
        out.push(self.requests.make(Slot::Lease, Request::Lease));
        out.push(
            self.requests
                .make(Slot::DagsterHealth, Request::Dagster(DagsterAsk::Health)),
        );
        out
    }

    pub fn pane(&self) -> &dyn Pane {
        self.panes[self.active].as_ref()
    }

    /// A pane's own state, by its type (for tests and tools that read it).
    pub fn pane_state<T: Pane>(&self) -> Option<&T> {
        self.panes.iter().find_map(|p| {
            let any: &dyn std::any::Any = p.as_ref();
            any.downcast_ref::<T>()
        })
    }

    pub fn pane_id(&self) -> PaneId {
        self.pane().id()
    }

    /// Whether the first pane's data arrived: the first complete frame.
    pub fn loaded(&self) -> bool {
        self.pane().loaded()
    }

    /// Where keys are looked up now, and whether unclaimed keys type text.
    pub fn sections(&self) -> (Vec<Section>, bool) {
        match &self.overlay {
            Some(Overlay::Help { .. }) => (vec![Section::Help], false),
            Some(Overlay::Palette(_)) => (vec![Section::Palette], true),
            Some(Overlay::ConfirmQuit) => (vec![Section::Confirm], false),
            None => self.pane().sections(),
        }
    }

    /// Turn a terminal event into an action through the keymap.
    pub fn event_action(&self, ev: &Event) -> Option<Action> {
        match ev {
            Event::Key(k) if k.kind != KeyEventKind::Release => {
                let (sections, text) = self.sections();
                let bound = Key::from_event(k).and_then(|key| self.keymap.action(&sections, key));
                bound.or_else(|| {
                    text.then(|| input::text_edit(k).map(Action::Text))
                        .flatten()
                })
            }
            Event::Paste(s) if self.sections().1 => {
                Some(Action::Text(action::TextEdit::Paste(s.clone())))
            }
            Event::Mouse(m) => match m.kind {
                MouseEventKind::Down(MouseButton::Left) => Some(Action::Click {
                    col: m.column,
                    row: m.row,
                }),
                MouseEventKind::ScrollUp => Some(Action::Scroll(-3)),
                MouseEventKind::ScrollDown => Some(Action::Scroll(3)),
                _ => None,
            },
            Event::Resize(w, h) => Some(Action::Resize(*w, *h)),
            _ => None,
        }
    }

    /// (key, what) pairs for the footer, in the current context.
    pub fn hints(&self) -> Vec<(String, String)> {
        let (sections, _) = self.sections();
        let actions = match &self.overlay {
            Some(Overlay::Help { .. }) => vec![Action::Down, Action::Up, Action::Back],
            Some(Overlay::Palette(_)) => {
                vec![Action::Submit, Action::Down, Action::Up, Action::Back]
            }
            Some(Overlay::ConfirmQuit) => vec![Action::Yes, Action::No],
            None => self.pane().footer(),
        };
        let label = |a: &Action| match a {
            Action::GoPane(p) => p.name().to_string(),
            a => action::name_of(a).unwrap_or_default().replace('_', " "),
        };
        actions
            .iter()
            .filter_map(|a| Some((self.keymap.key_label(&sections, a)?, label(a))))
            .collect()
    }

    /// Every named action with its description and key, for the palette.
    pub fn commands(&self) -> Vec<Command> {
        let (mut sections, _) = self.pane().sections();
        sections.push(Section::Global);
        action::named()
            .into_iter()
            .filter(|(_, a, _)| {
                !matches!(
                    a,
                    Action::Submit
                        | Action::Yes
                        | Action::No
                        | Action::NextField
                        | Action::PrevField
                )
            })
            .map(|(n, a, d)| {
                let key = self.keymap.key_label(&sections, &a).unwrap_or_default();
                (n, a, d.to_string(), key)
            })
            .collect()
    }

    fn with_pane(
        &mut self,
        idx: usize,
        f: impl FnOnce(&mut dyn Pane, &mut Cx<'_>) -> Vec<Effect>,
    ) -> Vec<Effect> {
        let mut cx = Cx {
            now: self.now,
            tz: self.tz,
            requests: &mut self.requests,
            notice: &mut self.notice,
            goto: &mut self.goto,
        };
        let mut out = f(self.panes[idx].as_mut(), &mut cx);
        out.extend(self.follow_goto());
        out
    }

    /// A pane asked to switch panes (and maybe replay an action there).
    fn follow_goto(&mut self) -> Vec<Effect> {
        let mut out = Vec::new();
        if let Some((id, then)) = self.goto.take()
            && let Some(i) = self.panes.iter().position(|p| p.id() == id)
        {
            out.extend(self.switch(i));
            if let Some(a) = then {
                out.extend(self.with_pane(i, |p, cx| p.update(&a, cx)));
            }
        }
        out
    }

    fn switch(&mut self, idx: usize) -> Vec<Effect> {
        self.active = idx;
        let id = self.panes[idx].id();
        if self.stale.remove(&id) || !self.panes[idx].loaded() {
            return self.with_pane(idx, |p, cx| p.reload(cx));
        }
        Vec::new()
    }

    /// Reload the pane in view; the others reload when they come into view.
    fn data_changed(&mut self) -> Vec<Effect> {
        for p in &self.panes {
            self.stale.insert(p.id());
        }
        self.stale.remove(&self.pane_id());
        let mut out = self.with_pane(self.active, |p, cx| p.reload(cx));
        out.push(self.requests.make(Slot::Lease, Request::Lease));
        out
    }

    fn layout(&mut self) {
        let area = super::layout::pane_area(self.size);
        for p in &mut self.panes {
            p.resize(area);
        }
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        if let Action::Edited { pane, .. } = &action {
            // The editor's answer goes to the pane that asked, in view or not.
            self.notice = None;
            return match self.panes.iter().position(|p| p.id() == *pane) {
                Some(i) => self.with_pane(i, |p, cx| p.update(&action, cx)),
                None => Vec::new(),
            };
        }
        match action {
            Action::Worker(resp) => return self.on_response(resp),
            Action::Tick(now) => {
                self.now = now;
                return Vec::new();
            }
            Action::Resize(w, h) => {
                self.size = (w, h);
                self.layout();
                return Vec::new();
            }
            Action::Scheduling(ours) => {
                self.scheduler.ours = ours;
                return vec![self.requests.make(Slot::Lease, Request::Lease)];
            }
            _ => {}
        }
        self.notice = None;
        if let Some(effects) = self.update_overlay(&action) {
            return effects;
        }
        let n = self.panes.len();
        match action {
            Action::Quit => {
                if self.panes.iter().any(|p| p.unsaved()) {
                    self.overlay = Some(Overlay::ConfirmQuit);
                    Vec::new()
                } else {
                    vec![Effect::Quit]
                }
            }
            Action::Help => {
                self.overlay = Some(Overlay::Help { scroll: 0 });
                Vec::new()
            }
            Action::Palette => {
                self.overlay = Some(Overlay::Palette(Palette::new(&self.commands())));
                Vec::new()
            }
            Action::NextPane => self.switch((self.active + 1) % n),
            Action::PrevPane => self.switch((self.active + n - 1) % n),
            Action::GoPane(id) => match self.panes.iter().position(|p| p.id() == id) {
                Some(i) => self.switch(i),
                None => Vec::new(),
            },
            Action::ToggleMouse => {
                self.mouse = !self.mouse;
                self.notice = Some(Notice {
                    text: if self.mouse {
                        "mouse on: click and wheel work".into()
                    } else {
                        "mouse off: select text with the terminal".into()
                    },
                    error: false,
                });
                vec![Effect::Mouse(self.mouse)]
            }
            Action::Click { col, row: 0 } => {
                match super::layout::tab_at(col, self.size.0, self.active) {
                    Some(i) if i < n => self.switch(i),
                    _ => Vec::new(),
                }
            }
            other => self.with_pane(self.active, |p, cx| p.update(&other, cx)),
        }
    }

    /// Overlays take every action while open; None when there is no overlay.
    fn update_overlay(&mut self, action: &Action) -> Option<Vec<Effect>> {
        let overlay = self.overlay.as_mut()?;
        let mut out = Vec::new();
        match overlay {
            Overlay::Help { scroll } => match action {
                Action::Back | Action::Help | Action::Quit => self.overlay = None,
                Action::Down | Action::Scroll(1..) => *scroll += 1,
                Action::Up | Action::Scroll(..=-1) => *scroll = scroll.saturating_sub(1),
                Action::PageDown => *scroll += 10,
                Action::PageUp => *scroll = scroll.saturating_sub(10),
                _ => {}
            },
            Overlay::ConfirmQuit => match action {
                Action::Yes => out.push(Effect::Quit),
                _ => self.overlay = None,
            },
            Overlay::Palette(_) => return Some(self.update_palette(action)),
        }
        Some(out)
    }

    fn update_palette(&mut self, action: &Action) -> Vec<Effect> {
        let commands = self.commands();
        let Some(Overlay::Palette(p)) = &mut self.overlay else {
            return Vec::new();
        };
        match action {
            Action::Text(e) => {
                p.edit(e, &commands);
                let q = p.query().trim().to_string();
                if !q.is_empty() {
                    return vec![self.requests.make(Slot::Search, Request::Search(q))];
                }
            }
            Action::Up => p.move_by(-1),
            Action::Down => p.move_by(1),
            Action::Back => self.overlay = None,
            Action::Submit => {
                let chosen = p.chosen().map(|i| i.target.clone());
                self.overlay = None;
                return match chosen {
                    Some(Target::Run(a)) => self.update(a),
                    Some(Target::Task(id)) => {
                        self.goto = Some((PaneId::Tasks, Some(Action::OpenTask(id))));
                        self.follow_goto()
                    }
                    Some(Target::Job(name)) => {
                        self.goto = Some((PaneId::Jobs, Some(Action::SelectJob(name))));
                        self.follow_goto()
                    }
                    Some(Target::RunJob(name)) => {
                        let m = Mutation::Job(JobMutation::RunNow(name));
                        vec![self.requests.make(Slot::Mutation, Request::Mutate(m))]
                    }
                    None => Vec::new(),
                };
            }
            _ => {}
        }
        Vec::new()
    }

    fn on_response(&mut self, resp: Response) -> Vec<Effect> {
        if !self.requests.is_current(resp.slot, resp.id) {
            return Vec::new();
        }
        match resp.slot {
            Slot::Watch => self.data_changed(),
            Slot::Lease => {
                self.requests.answered(Slot::Lease);
                if let Payload::Lease(l) = resp.payload {
                    self.scheduler.lease = l;
                }
                Vec::new()
            }
            Slot::DagsterHealth => {
                match resp.payload {
                    Payload::DagsterHealth(s) => self.dagster = s.map(|s| *s),
                    Payload::Failed(e) => {
                        self.dagster = self.dagster.take().map(|mut s| {
                            s.error = Some(e.message);
                            s
                        })
                    }
                    _ => {}
                }
                Vec::new()
            }
            Slot::Search => {
                let commands = self.commands();
                if let (Some(Overlay::Palette(p)), Payload::Search(tasks, jobs)) =
                    (&mut self.overlay, resp.payload)
                {
                    let found = tasks
                        .into_iter()
                        .map(|t| (t.id, super::text::clean(&t.title), t.status.to_string()))
                        .collect();
                    p.set_found(found, jobs, &commands);
                }
                Vec::new()
            }
            Slot::Mutation => {
                let mut out = Vec::new();
                for i in 0..self.panes.len() {
                    let r = resp.clone();
                    out.extend(self.with_pane(i, |p, cx| p.on_response(r, cx)));
                }
                out.extend(self.data_changed());
                out
            }
            slot => {
                self.requests.answered(slot);
                // The Dagster pane's answer is news for the header too.
                if let Payload::DagsterOverview(Some(o)) = &resp.payload {
                    self.dagster = Some(o.status.clone());
                }
                match self.panes.iter().position(|p| p.slots().contains(&slot)) {
                    Some(i) => self.with_pane(i, |p, cx| p.on_response(resp, cx)),
                    None => Vec::new(),
                }
            }
        }
    }
}
