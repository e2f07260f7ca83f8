//! The Dagster pane: the instance's health (version, daemon heartbeat, code
//! locations and why one failed to load), its jobs (Launch, asked first, the
//! same call as `jr dagster launch`), schedules and sensors (start/stop) and
//! recent runs (copy a run's link). Every call is async HTTP in the worker;
//! nothing here waits for Dagster. Drawing is in `ui::dagster`.

mod view;

use ratatui::layout::Rect;

use crate::clients::dagster::types::{Instigator, JobRef};
use crate::engine::dagster::run_config;
use crate::engine::dagster::views::RunView;
use crate::tui::action::Action;
use crate::tui::editor::EditRequest;
use crate::tui::effect::Effect;
use crate::tui::keymap::Section;
use crate::tui::pane::{Cx, Pane, PaneId};
use crate::tui::widgets::list::Scroller;
use crate::tui::worker::dagster::{DagsterAsk, DagsterOverview};
use crate::tui::worker::{Payload, Request, Response, Slot};

/// Rows the health box above the list takes.
pub const HEALTH_ROWS: u16 = 6;

/// One line of the list.
#[derive(Debug, Clone)]
pub enum Item {
    Job(JobRef),
    Schedule(Instigator),
    Sensor(Instigator),
    Run(RunView),
}

#[derive(Debug, Clone, Default)]
pub enum Shown {
    /// No answer yet.
    #[default]
    Waiting,
    /// No instance in config.toml and no JR_DAGSTER_URL.
    NotConfigured,
    Loaded(Box<DagsterOverview>),
}

#[derive(Debug, Default)]
pub struct DagsterPane {
    pub shown: Shown,
    pub items: Vec<Item>,
    pub list: Scroller,
    /// Launch this job (its path)?
    pub confirm: Option<String>,
    /// Run config last written for a job (by path), sent with its next
    /// launch from `C`; kept when it does not parse, to open again.
    pub run_configs: std::collections::HashMap<String, String>,
    /// The launch asked for sends the job's run config.
    pub with_config: bool,
    /// A launch or start/stop is out.
    pub busy: bool,
    pub error: Option<String>,
    pub area: Rect,
    /// When the overview was last asked for: data changes in jr's database
    /// reload panes, but they do not send this pane to Dagster more often
    /// than every `HEALTH_EVERY` (C-r asks at once).
    asked: Option<std::time::Instant>,
}

fn items(o: &DagsterOverview) -> Vec<Item> {
    let mut v = Vec::new();
    if let Some(ws) = &o.workspace {
        v.extend(
            ws.jobs()
                .filter(|j| !j.at.job.starts_with("__"))
                .map(|j| Item::Job(j.at.clone())),
        );
        for l in &ws.locations {
            v.extend(l.schedules.iter().cloned().map(Item::Schedule));
        }
        for l in &ws.locations {
            v.extend(l.sensors.iter().cloned().map(Item::Sensor));
        }
    }
    v.extend(o.runs.iter().cloned().map(Item::Run));
    v
}

impl DagsterPane {
    pub fn selected(&self) -> Option<&Item> {
        self.items.get(self.list.selected)
    }

    fn act(&mut self, ask: DagsterAsk, cx: &mut Cx<'_>) -> Vec<Effect> {
        self.busy = true;
        vec![cx.requests.make(Slot::DagsterAct, Request::Dagster(ask))]
    }

    fn overview(&mut self, cx: &mut Cx<'_>) -> Effect {
        self.asked = Some(std::time::Instant::now());
        cx.requests
            .make(Slot::Dagster, Request::Dagster(DagsterAsk::Overview))
    }
}

impl Pane for DagsterPane {
    fn id(&self) -> PaneId {
        PaneId::Dagster
    }

    fn slots(&self) -> &'static [Slot] {
        &[Slot::Dagster, Slot::DagsterAct]
    }

    fn sections(&self) -> (Vec<Section>, bool) {
        if self.confirm.is_some() {
            (vec![Section::Confirm], false)
        } else {
            (vec![Section::Pane(PaneId::Dagster), Section::Global], false)
        }
    }

    fn update(&mut self, action: &Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        if let Some(path) = self.confirm.clone() {
            match action {
                Action::Yes => {
                    self.confirm = None;
                    cx.info(format!("launching {path}…"));
                    let config = self
                        .with_config
                        .then(|| self.run_configs.get(&path).cloned())
                        .flatten();
                    self.with_config = false;
                    return self.act(DagsterAsk::Launch { path, config }, cx);
                }
                Action::No | Action::Back => {
                    self.confirm = None;
                    self.with_config = false;
                }
                _ => {}
            }
            return Vec::new();
        }
        match action {
            a if self.list.navigate(a) => {}
            Action::Launch | Action::RunNow => match self.selected() {
                Some(Item::Job(j)) => self.confirm = Some(j.path()),
                _ => cx.error("select a job to launch"),
            },
            Action::ExternalEdit => match self.selected() {
                Some(Item::Job(j)) => {
                    let path = j.path();
                    let text = self.run_configs.get(&path).cloned().unwrap_or_else(|| {
                        format!(
                            "# Run config for {path}: YAML, or a JSON object.\n# Save it empty to launch without.\n"
                        )
                    });
                    return vec![Effect::Edit(EditRequest {
                        pane: PaneId::Dagster,
                        key: path,
                        text,
                        suffix: ".yaml",
                    })];
                }
                _ => cx.error("select a job to launch it with run config"),
            },
            Action::Edited { key, text, .. } => match text {
                Err(e) => cx.error(e.clone()),
                Ok(t) => {
                    self.run_configs.insert(key.clone(), t.clone());
                    let bare: String = t
                        .lines()
                        .filter(|l| !l.trim_start().starts_with('#'))
                        .collect::<Vec<_>>()
                        .join("\n");
                    match run_config(&bare) {
                        Err(e) => cx.error(format!("{} — C opens your text again", e.message)),
                        Ok(c) => {
                            self.with_config = c.is_some();
                            self.confirm = Some(key.clone());
                        }
                    }
                }
            },
            Action::ToggleEnabled => {
                let (it, sensor) = match self.selected() {
                    Some(Item::Schedule(s)) => (s.clone(), false),
                    Some(Item::Sensor(s)) => (s.clone(), true),
                    _ => {
                        cx.error("select a schedule or sensor to start or stop");
                        return Vec::new();
                    }
                };
                let on = it.state != "RUNNING";
                return self.act(
                    DagsterAsk::SetRunning {
                        it: Box::new(it),
                        sensor,
                        on,
                    },
                    cx,
                );
            }
            Action::CopyLink => match self.selected() {
                Some(Item::Run(r)) => {
                    cx.info(format!("copied {}", r.url));
                    return vec![Effect::Copy(r.url.clone())];
                }
                _ => cx.error("select a run to copy its link"),
            },
            Action::Click { row, .. } => {
                let first = (self.area.y + HEALTH_ROWS) as usize + 1;
                if let Some(l) = (*row as usize).checked_sub(first)
                    && l < self.list.height
                {
                    self.list.click(l);
                }
            }
            Action::Refresh => return vec![self.overview(cx)],
            _ => {}
        }
        Vec::new()
    }

    fn on_response(&mut self, resp: Response, cx: &mut Cx<'_>) -> Vec<Effect> {
        match (resp.slot, resp.payload) {
            (_, Payload::DagsterOverview(None)) => {
                self.shown = Shown::NotConfigured;
                self.items.clear();
                self.list.set_len(0);
            }
            (_, Payload::DagsterOverview(Some(o))) => {
                self.items = items(&o);
                self.list.set_len(self.items.len());
                self.error = None;
                self.shown = Shown::Loaded(o);
            }
            (Slot::Dagster, Payload::Failed(e)) => {
                self.error = Some(e.message);
                if matches!(self.shown, Shown::Waiting) {
                    self.shown = Shown::NotConfigured;
                }
            }
            (Slot::DagsterAct, Payload::DagsterDone(msg)) => {
                self.busy = false;
                cx.info(msg);
                return vec![self.overview(cx)];
            }
            (Slot::DagsterAct, Payload::Failed(e)) => {
                self.busy = false;
                let mut text = e.message;
                if let Some(h) = e.hints.first() {
                    text.push_str(&format!(" ({h})"));
                }
                cx.error(text);
            }
            _ => {}
        }
        Vec::new()
    }

    fn reload(&mut self, cx: &mut Cx<'_>) -> Vec<Effect> {
        let recent = self
            .asked
            .is_some_and(|t| t.elapsed() < crate::tui::worker::dagster::HEALTH_EVERY);
        if recent && self.loaded() {
            return Vec::new();
        }
        vec![self.overview(cx)]
    }

    fn resize(&mut self, area: Rect) {
        self.area = area;
        // The health box, the list's column header and the status line.
        self.list
            .set_height(area.height.saturating_sub(HEALTH_ROWS + 2) as usize);
    }

    fn footer(&self) -> Vec<Action> {
        if self.confirm.is_some() {
            return vec![Action::Yes, Action::No];
        }
        let mut a = match self.selected() {
            Some(Item::Job(_)) => vec![Action::Launch],
            Some(Item::Schedule(_) | Item::Sensor(_)) => vec![Action::ToggleEnabled],
            Some(Item::Run(_)) => vec![Action::CopyLink],
            None => Vec::new(),
        };
        a.extend([Action::Refresh, Action::Palette, Action::Help]);
        a
    }

    fn loaded(&self) -> bool {
        !matches!(self.shown, Shown::Waiting)
    }
}
