//! The Jobs pane: every job with its schedule in words, next fire, last
//! status and a sparkline of recent durations; enable/disable, Run Now (a
//! queued run with trigger manual — the lease holder starts it), the add/edit
//! form, delete with confirmation. State and update only; drawing is in
//! `ui::jobs`.

pub mod form;
pub mod run_form;
mod view;

use ratatui::layout::Rect;

use self::form::JobForm;
use self::run_form::RunForm;
use crate::engine::jobs::def_of;
use crate::tui::action::Action;
use crate::tui::editor::EditRequest;
use crate::tui::effect::Effect;
use crate::tui::keymap::Section;
use crate::tui::pane::{Cx, Pane, PaneId};
use crate::tui::widgets::form::from_editor;
use crate::tui::widgets::list::Scroller;
use crate::tui::worker::{
    JOBS_WINDOW, JobMutation, JobRow, Mutation, Payload, Request, Response, Slot,
};

/// Rows the detail box under the list takes, when the pane is tall enough.
pub const DETAIL_ROWS: u16 = 8;

#[derive(Debug, Default)]
pub struct JobsPane {
    /// The window of rows read in full; `list` runs over all `total` jobs.
    pub rows: Vec<JobRow>,
    /// The window's first row among all jobs.
    pub offset: usize,
    pub total: usize,
    pub enabled: usize,
    pub list: Scroller,
    pub loaded: bool,
    pub error: Option<String>,
    pub form: Option<JobForm>,
    /// Run Now of a job that declares parameters: their values.
    pub run_form: Option<RunForm>,
    /// Delete this job?
    pub confirm: Option<String>,
    /// Select this job once the list arrives.
    want: Option<String>,
    pub area: Rect,
}

impl JobsPane {
    pub fn selected(&self) -> Option<&JobRow> {
        self.list
            .selected
            .checked_sub(self.offset)
            .and_then(|i| self.rows.get(i))
    }

    /// A row by its place among all jobs, if it is in the window.
    pub fn row(&self, i: usize) -> Option<&JobRow> {
        i.checked_sub(self.offset).and_then(|i| self.rows.get(i))
    }

    /// Ask for the window around the selection when it left the one held.
    fn follow_selection(&mut self, cx: &mut Cx<'_>) -> Vec<Effect> {
        if !self.loaded || self.total == 0 {
            return Vec::new();
        }
        let end = (self.list.top + self.list.height.max(1)).min(self.total);
        let held = self.offset..self.offset + self.rows.len();
        if held.contains(&self.list.top)
            && held.contains(&(end.max(1) - 1))
            && held.contains(&self.list.selected)
        {
            return Vec::new();
        }
        let offset = self.list.selected.saturating_sub(JOBS_WINDOW / 2);
        vec![
            cx.requests
                .make(Slot::Jobs, Request::Jobs { offset, want: None }),
        ]
    }

    /// Whether the detail box fits under the list.
    pub fn shows_detail(area: Rect) -> bool {
        area.height >= 18
    }

    fn mutate(&self, m: JobMutation, cx: &mut Cx<'_>) -> Vec<Effect> {
        vec![
            cx.requests
                .make(Slot::Mutation, Request::Mutate(Mutation::Job(m))),
        ]
    }

    fn on_selected(&self, f: impl FnOnce(&JobRow) -> JobMutation, cx: &mut Cx<'_>) -> Vec<Effect> {
        match self.selected() {
            Some(r) => {
                let m = f(r);
                self.mutate(m, cx)
            }
            None => Vec::new(),
        }
    }

    fn update_modal(&mut self, action: &Action, cx: &mut Cx<'_>) -> Option<Vec<Effect>> {
        if let Some(name) = &self.confirm {
            let name = name.clone();
            match action {
                Action::Yes => {
                    self.confirm = None;
                    return Some(self.mutate(JobMutation::Delete(name), cx));
                }
                Action::No | Action::Back => self.confirm = None,
                _ => {}
            }
            return Some(Vec::new());
        }
        if let Some(rf) = self.run_form.as_mut() {
            match action {
                Action::Submit => match rf.values() {
                    Ok(values) => {
                        let job = rf.job.clone();
                        self.run_form = None;
                        return Some(self.mutate(JobMutation::RunWith(job, values), cx));
                    }
                    Err(e) => rf.error = Some(e),
                },
                Action::Back => self.run_form = None,
                other => rf.update(other),
            }
            return Some(Vec::new());
        }
        let form = self.form.as_mut()?;
        match action {
            Action::Submit if !form.saving => match form.to_def() {
                Ok(def) => {
                    form.saving = true;
                    let m = match &form.editing {
                        Some(old) => JobMutation::Update(old.clone(), Box::new(def)),
                        None => JobMutation::Add(Box::new(def)),
                    };
                    return Some(self.mutate(m, cx));
                }
                Err(e) => form.error = Some(e),
            },
            Action::Back => self.form = None,
            Action::ExternalEdit => {
                let (field, text) = form.focused();
                return Some(vec![Effect::Edit(EditRequest {
                    pane: PaneId::Jobs,
                    key: field.label().to_string(),
                    text: text.to_string(),
                    suffix: field.suffix(),
                })]);
            }
            Action::Edited { key, text, .. } => match text {
                Ok(t) => {
                    let field = form
                        .fields
                        .iter()
                        .map(|(k, _)| *k)
                        .find(|k| k.label() == key);
                    if let Some(field) = field {
                        form.set(field, &from_editor(t), cx.now, cx.tz);
                    }
                }
                Err(e) => form.error = Some(e.clone()),
            },
            other => form.update(other, cx.now, cx.tz),
        }
        Some(Vec::new())
    }
}

impl Pane for JobsPane {
    fn id(&self) -> PaneId {
        PaneId::Jobs
    }

    fn slots(&self) -> &'static [Slot] {
        &[Slot::Jobs]
    }

    fn sections(&self) -> (Vec<Section>, bool) {
        crate::tui::pane::sections(
            PaneId::Jobs,
            self.confirm.is_some(),
            self.form.is_some() || self.run_form.is_some(),
        )
    }

    fn update(&mut self, action: &Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        if let Some(effects) = self.update_modal(action, cx) {
            return effects;
        }
        match action {
            a if self.list.navigate(a) => return self.follow_selection(cx),
            Action::Open => {
                if let Some(r) = self.selected() {
                    let name = r.job.name.clone();
                    *cx.goto = Some((PaneId::Runs, Some(Action::RunsOfJob(name))));
                }
            }
            Action::RunNow => {
                // A job with parameters asks for their values first.
                if let Some(r) = self.selected().filter(|r| !r.job.params.is_empty()) {
                    self.run_form = Some(RunForm::new(&r.job.name, &r.job.params));
                    return Vec::new();
                }
                return self.on_selected(|r| JobMutation::RunNow(r.job.name.clone()), cx);
            }
            Action::ToggleEnabled => {
                return self.on_selected(
                    |r| JobMutation::Enable(r.job.name.clone(), !r.job.enabled),
                    cx,
                );
            }
            Action::Add => self.form = Some(JobForm::add(cx.now, cx.tz)),
            Action::Edit => {
                if let Some(r) = self.selected() {
                    self.form = Some(JobForm::edit(def_of(&r.job), cx.now, cx.tz));
                }
            }
            Action::Delete => self.confirm = self.selected().map(|r| r.job.name.clone()),
            Action::SelectJob(name) => {
                self.want = Some(name.clone());
                self.select_wanted();
                if self.want.is_some() && self.loaded {
                    // Not in the window held: ask for the window around it.
                    let want = self.want.clone();
                    return vec![
                        cx.requests
                            .make(Slot::Jobs, Request::Jobs { offset: 0, want }),
                    ];
                }
            }
            Action::Click { row, .. } => {
                let first = self.area.y as usize + 1;
                if let Some(l) = (*row as usize).checked_sub(first)
                    && l < self.list.height
                    && self.list.click(l)
                {
                    return self.update(&Action::Open, cx);
                }
            }
            Action::Refresh => return self.reload(cx),
            _ => {}
        }
        Vec::new()
    }

    fn on_response(&mut self, resp: Response, cx: &mut Cx<'_>) -> Vec<Effect> {
        match (resp.slot, resp.payload) {
            (_, Payload::Jobs(page)) => {
                let keep = self.selected().map(|r| r.job.name.clone());
                let page = *page;
                let found = page.want;
                self.rows = page.rows;
                self.offset = page.offset;
                self.total = page.total;
                self.enabled = page.enabled;
                self.loaded = true;
                self.error = None;
                self.list.set_len(self.total);
                match found {
                    Some(i) => {
                        self.list.select(i);
                        self.want = None;
                    }
                    None => {
                        if self.want.is_none() {
                            self.want = keep;
                        }
                        self.select_wanted();
                    }
                }
            }
            (Slot::Jobs, Payload::Failed(e)) => {
                self.loaded = true;
                self.error = Some(e.message);
            }
            (Slot::Mutation, Payload::JobChanged { message, job, .. }) => {
                if self.form.as_ref().is_some_and(|f| f.saving) {
                    self.form = None;
                }
                if job.is_some() {
                    self.want = job;
                }
                cx.info(message);
            }
            (Slot::Mutation, Payload::Failed(e)) => {
                if let Some(f) = self.form.as_mut().filter(|f| f.saving) {
                    f.saving = false;
                    f.error = Some(e.message);
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn reload(&mut self, cx: &mut Cx<'_>) -> Vec<Effect> {
        let offset = self.offset;
        let want = self
            .want
            .clone()
            .or_else(|| self.selected().map(|r| r.job.name.clone()));
        vec![cx.requests.make(Slot::Jobs, Request::Jobs { offset, want })]
    }

    fn resize(&mut self, area: Rect) {
        self.area = area;
        let detail = if JobsPane::shows_detail(area) {
            DETAIL_ROWS
        } else {
            0
        };
        // The column header and the status line take a row each.
        self.list
            .set_height(area.height.saturating_sub(2 + detail) as usize);
    }

    fn footer(&self) -> Vec<Action> {
        if self.confirm.is_some() {
            return vec![Action::Yes, Action::No];
        }
        if self.form.is_some() || self.run_form.is_some() {
            return vec![Action::Submit, Action::NextField, Action::Back];
        }
        vec![
            Action::RunNow,
            Action::ToggleEnabled,
            Action::Open,
            Action::Add,
            Action::Edit,
            Action::Delete,
            Action::Palette,
            Action::Help,
        ]
    }

    fn unsaved(&self) -> bool {
        self.form.as_ref().is_some_and(|f| f.dirty())
    }

    fn loaded(&self) -> bool {
        self.loaded
    }
}

impl JobsPane {
    fn select_wanted(&mut self) {
        if let Some(name) = &self.want
            && let Some(i) = self.rows.iter().position(|r| &r.job.name == name)
        {
            self.list.select(self.offset + i);
            self.want = None;
        }
    }
}
