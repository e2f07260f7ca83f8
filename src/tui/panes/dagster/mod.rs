//! The Dagster pane: the instance's health (version, daemon heartbeat, code
//! locations and why one failed to load) above one of two views (`v`
//! switches): its jobs (Launch, asked first, the same call as `jr dagster
//! launch`), schedules and sensors (start/stop) and recent runs (copy a
//! run's link); or its assets (`assets.rs`: health, lineage, materialize).
//! Every call is async HTTP in the worker; nothing here waits for Dagster.
//! Drawing is in `view.rs` and `view_assets.rs`.

pub mod assets;
mod view;
mod view_assets;

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
use assets::{AssetsView, Want};

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

/// What the list under the health box shows (`v` switches).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sub {
    /// Jobs, schedules, sensors and recent runs.
    #[default]
    Jobs,
    Assets,
}

#[derive(Debug, Default)]
pub struct DagsterPane {
    pub shown: Shown,
    pub sub: Sub,
    pub assets: AssetsView,
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

    fn ask_assets(cx: &mut Cx<'_>) -> Effect {
        cx.requests
            .make(Slot::DagsterAssets, Request::Dagster(DagsterAsk::Assets))
    }

    /// The overview, and the assets when they are on screen.
    fn refresh(&mut self, cx: &mut Cx<'_>) -> Vec<Effect> {
        let mut out = vec![self.overview(cx)];
        if self.sub == Sub::Assets {
            out.push(Self::ask_assets(cx));
        }
        out
    }

    /// The instance's base URL, once it answered.
    fn url(&self) -> Option<&str> {
        match &self.shown {
            Shown::Loaded(o) => Some(o.status.url.as_str()),
            _ => None,
        }
    }

    /// An action in the Assets view.
    fn update_assets(&mut self, action: &Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        let url = self.url().map(str::to_string);
        match self.assets.update(action, url.as_deref(), cx) {
            Want::Nothing => Vec::new(),
            Want::Copy(u) => {
                cx.info(format!("copied {u}"));
                vec![Effect::Copy(u)]
            }
            Want::Materialize(m) => {
                let what = match &m.partition {
                    Some(p) => format!("{} (partition {p})", m.key),
                    None => m.key.clone(),
                };
                cx.info(format!("materializing {what}…"));
                self.act(
                    DagsterAsk::Materialize {
                        keys: vec![m.key],
                        partition: m.partition,
                    },
                    cx,
                )
            }
        }
    }
}

impl DagsterPane {
    fn assets_footer(&self) -> Vec<Action> {
        let a = &self.assets;
        if a.confirm.is_some() {
            return vec![Action::Yes, Action::No];
        }
        if a.partition.is_some() {
            return vec![Action::Submit, Action::Back];
        }
        let mut v = if a.in_lineage {
            vec![Action::Open, Action::Back]
        } else {
            vec![Action::Materialize, Action::Open, Action::CopyLink]
        };
        v.extend([Action::NextView, Action::Refresh, Action::Help]);
        v
    }
}

impl Pane for DagsterPane {
    fn id(&self) -> PaneId {
        PaneId::Dagster
    }

    fn slots(&self) -> &'static [Slot] {
        &[
            Slot::Dagster,
            Slot::DagsterAct,
            Slot::DagsterAssets,
            Slot::DagsterFollow,
        ]
    }

    fn sections(&self) -> (Vec<Section>, bool) {
        if self.sub == Sub::Assets && self.assets.modal() {
            return crate::tui::pane::sections(
                PaneId::Dagster,
                self.assets.confirm.is_some(),
                self.assets.partition.is_some(),
            );
        }
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
            Action::NextView if !self.assets.modal() => {
                self.sub = match self.sub {
                    Sub::Jobs => Sub::Assets,
                    Sub::Assets => Sub::Jobs,
                };
                if self.sub == Sub::Assets && !self.assets.data.loaded() {
                    return vec![Self::ask_assets(cx)];
                }
                return Vec::new();
            }
            Action::Refresh => return self.refresh(cx),
            Action::Click { row, .. } if self.sub == Sub::Assets => {
                let first = (self.area.y + HEALTH_ROWS) as usize + 1;
                if let Some(l) = (*row as usize).checked_sub(first)
                    && l < self.assets.list.height
                {
                    self.assets.list.click(l);
                    self.assets.in_lineage = false;
                }
                return Vec::new();
            }
            a if self.sub == Sub::Assets && !matches!(a, Action::Edited { .. }) => {
                return self.update_assets(a, cx);
            }
            _ => {}
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
            Action::Materialize => cx.error("m materializes an asset: v shows the assets"),
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
            Action::CopyLink | Action::Open => match self.selected() {
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
            (_, Payload::DagsterAssets(None)) => {
                self.shown = Shown::NotConfigured;
                self.assets.set(Vec::new());
            }
            (_, Payload::DagsterAssets(Some(a))) => self.assets.set(a),
            (Slot::DagsterAssets, Payload::Failed(e)) => {
                let mut text = e.message;
                if let Some(h) = e.hints.first() {
                    text.push_str(&format!(" ({h})"));
                }
                self.assets.data.fail(text);
            }
            (Slot::DagsterAct, Payload::DagsterLaunched { message, run, what }) => {
                self.busy = false;
                cx.info(message);
                let mut out = self.refresh(cx);
                out.push(cx.requests.make(
                    Slot::DagsterFollow,
                    Request::Dagster(DagsterAsk::Follow { run, what }),
                ));
                return out;
            }
            (Slot::DagsterFollow, Payload::DagsterDone(msg)) => {
                cx.info(msg);
                return self.refresh(cx);
            }
            (Slot::DagsterFollow, Payload::Failed(e)) => {
                let mut text = e.message;
                if let Some(h) = e.hints.first() {
                    text.push_str(&format!(" ({h})"));
                }
                cx.error(text);
                return self.refresh(cx);
            }
            (Slot::DagsterAct, Payload::DagsterDone(msg)) => {
                self.busy = false;
                cx.info(msg);
                return self.refresh(cx);
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
        let assets = self.sub == Sub::Jobs || self.assets.data.loaded();
        if recent && self.loaded() && assets {
            return Vec::new();
        }
        self.refresh(cx)
    }

    fn resize(&mut self, area: Rect) {
        self.area = area;
        // The health box, the list's column header and the status line.
        self.list
            .set_height(area.height.saturating_sub(HEALTH_ROWS + 2) as usize);
        self.assets
            .resize(area.height.saturating_sub(HEALTH_ROWS), area.width);
    }

    fn footer(&self) -> Vec<Action> {
        let answered = matches!(&self.shown, Shown::Loaded(o) if o.workspace.is_some());
        if self.sub == Sub::Assets && answered {
            return self.assets_footer();
        }
        if self.confirm.is_some() {
            return vec![Action::Yes, Action::No];
        }
        let mut a = match self.selected() {
            Some(Item::Job(_)) => vec![Action::Launch],
            Some(Item::Schedule(_) | Item::Sensor(_)) => vec![Action::ToggleEnabled],
            Some(Item::Run(_)) => vec![Action::CopyLink],
            None => Vec::new(),
        };
        if answered {
            a.push(Action::NextView);
        }
        a.extend([Action::Refresh, Action::Palette, Action::Help]);
        a
    }

    fn unsaved(&self) -> bool {
        self.assets.partition.is_some()
    }

    fn loaded(&self) -> bool {
        !matches!(self.shown, Shown::Waiting)
    }
}
