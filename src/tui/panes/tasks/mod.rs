//! The Tasks pane: the list (a tree of sub-tasks, windowed from SQLite),
//! the `/` filter, the detail view, the add/edit form, the split prompt and
//! the delete question. State and update only; drawing is in `ui::tasks`.

pub mod assign;
pub mod form;
pub mod list;
mod modal;
mod view;
mod view_detail;
mod view_form;

use ratatui::layout::Rect;

use self::form::{Prompt, TaskForm};
use self::list::{ListState, WINDOW, Want};
use crate::domain::TaskStatus;
use crate::domain::task::Transition;
use crate::engine::TaskDetail;
use crate::engine::TaskQuery;
use crate::tui::action::Action;
use crate::tui::effect::Effect;
use crate::tui::filter::Filter;
use crate::tui::input::TextField;
use crate::tui::keymap::Section;
use crate::tui::pane::{Cx, Pane, PaneId};
use crate::tui::widgets::list::{Step, step};
use crate::tui::worker::{Mutation, Payload, Request, Response, Slot};

#[derive(Debug, Clone)]
pub struct Detail {
    pub id: i64,
    pub data: Option<TaskDetail>,
    pub scroll: usize,
    /// The selected piece of its work (`[` `]`); None: the newest.
    pub work: Option<usize>,
}

impl Detail {
    /// The index of the selected work item, if the task has any work.
    pub fn work_selected(&self) -> Option<usize> {
        let n = self.data.as_ref()?.work.len();
        (n > 0).then(|| self.work.unwrap_or(n - 1).min(n - 1))
    }
}

pub struct TasksPane {
    me: String,
    pub list: ListState,
    pub filter: Filter,
    pub filter_text: String,
    pub filter_error: Option<String>,
    /// The filter line while it is being typed.
    pub filter_input: Option<TextField>,
    pub show_closed: bool,
    pub detail: Option<Detail>,
    pub form: Option<TaskForm>,
    pub prompt: Option<Prompt>,
    /// Delete this task? (id, title)
    pub confirm: Option<(i64, String)>,
    /// Hand this task on: the picker.
    pub assign: Option<self::assign::AssignPicker>,
    pub area: Rect,
}

impl TasksPane {
    pub fn new(me: &str) -> TasksPane {
        TasksPane {
            me: me.to_string(),
            list: ListState::default(),
            filter: Filter::default(),
            filter_text: String::new(),
            filter_error: None,
            filter_input: None,
            show_closed: false,
            detail: None,
            form: None,
            prompt: None,
            confirm: None,
            assign: None,
            area: Rect::default(),
        }
    }

    pub fn query(&self, offset: usize) -> TaskQuery {
        let statuses = if !self.filter.statuses.is_empty() {
            self.filter.statuses.clone()
        } else if self.show_closed {
            TaskStatus::ALL.to_vec()
        } else {
            Vec::new()
        };
        TaskQuery {
            statuses,
            conds: self.filter.conds.clone(),
            roots_only: self.filter.is_plain(),
            limit: WINDOW,
            offset,
        }
    }

    pub(super) fn fetch(&mut self, offset: usize, cx: &mut Cx<'_>) -> Effect {
        self.list.loading = true;
        let query = self.query(offset);
        let tree = query.roots_only;
        cx.requests
            .make(Slot::TaskPage, Request::TaskPage { query, tree })
    }

    /// The task the keys act on: the detail's, or the selected row's.
    fn target(&self) -> Option<&crate::domain::Task> {
        match &self.detail {
            Some(d) => d.data.as_ref().map(|d| &d.task),
            None => self.list.selected_row().map(|r| &r.task),
        }
    }

    fn open_detail(&mut self, id: i64, cx: &mut Cx<'_>) -> Vec<Effect> {
        self.detail = Some(Detail {
            id,
            data: None,
            scroll: 0,
            work: None,
        });
        vec![cx.requests.make(Slot::Detail, Request::Detail(id))]
    }

    pub(super) fn mutate(&self, m: Mutation, cx: &mut Cx<'_>) -> Vec<Effect> {
        vec![cx.requests.make(Slot::Mutation, Request::Mutate(m))]
    }

    /// Apply the filter line as typed; a bad filter leaves the list alone.
    pub(super) fn set_filter(&mut self, text: &str, cx: &mut Cx<'_>) -> Vec<Effect> {
        match Filter::parse(text, &self.me) {
            Ok(f) => {
                self.filter_error = None;
                self.filter_text = text.to_string();
                if f != self.filter {
                    self.filter = f;
                    self.list.want = Some(Want::First);
                    return vec![self.fetch(0, cx)];
                }
                Vec::new()
            }
            Err(e) => {
                self.filter_error = Some(e);
                Vec::new()
            }
        }
    }

    fn move_task(&self, t: Transition, cx: &mut Cx<'_>) -> Vec<Effect> {
        match self.target() {
            Some(task) => self.mutate(Mutation::Move(task.id, t), cx),
            None => Vec::new(),
        }
    }

    /// Enter in the detail: the selected run opens in the Runs pane.
    fn open_work(&mut self, cx: &mut Cx<'_>) -> Vec<Effect> {
        let Some(d) = &self.detail else {
            return Vec::new();
        };
        let item = d
            .work_selected()
            .and_then(|i| d.data.as_ref().map(|x| x.work[i].clone()));
        match item {
            Some(w) if w.kind == "run" => {
                *cx.goto = Some((PaneId::Runs, Some(Action::OpenRun(w.id))));
            }
            Some(w) => cx.info(format!(
                "execution #{} of agent {}: its answer is in the task's notes (`jr agents runs`)",
                w.id,
                w.agent.as_deref().unwrap_or("?")
            )),
            None => cx.info("no run has worked on this task yet; `w` hands it on"),
        }
        Vec::new()
    }

    fn scroll(&mut self, delta: isize, cx: &mut Cx<'_>) -> Vec<Effect> {
        if let Some(d) = &mut self.detail {
            d.scroll = (d.scroll as isize + delta).max(0) as usize;
            return Vec::new();
        }
        match self.list.move_by(delta) {
            Some(offset) => vec![self.fetch(offset, cx)],
            None => Vec::new(),
        }
    }
}

impl Pane for TasksPane {
    fn id(&self) -> PaneId {
        PaneId::Tasks
    }

    fn slots(&self) -> &'static [Slot] {
        &[Slot::TaskPage, Slot::Detail, Slot::AssignTargets]
    }

    fn sections(&self) -> (Vec<Section>, bool) {
        if self.confirm.is_some() {
            (vec![Section::Confirm], false)
        } else if self.form.is_some()
            || self.prompt.is_some()
            || self.filter_input.is_some()
            || self.assign.is_some()
        {
            (vec![Section::Form], true)
        } else {
            (vec![Section::Pane(PaneId::Tasks), Section::Global], false)
        }
    }

    fn update(&mut self, action: &Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        if let Some(effects) = self.update_modal(action, cx) {
            return effects;
        }
        let page = self.list.height.max(1) as isize;
        match (step(action, page), action) {
            (Some(Step::By(n)), _) => self.scroll(n, cx),
            (Some(Step::Top), _) => match &mut self.detail {
                Some(d) => {
                    d.scroll = 0;
                    Vec::new()
                }
                None => self
                    .list
                    .top_of_all()
                    .map(|o| vec![self.fetch(o, cx)])
                    .unwrap_or_default(),
            },
            (Some(Step::Bottom), _) => match &mut self.detail {
                Some(d) => {
                    d.scroll = usize::MAX / 2;
                    Vec::new()
                }
                None => self
                    .list
                    .bottom_of_all()
                    .map(|o| vec![self.fetch(o, cx)])
                    .unwrap_or_default(),
            },
            (_, Action::Open) if self.detail.is_some() => self.open_work(cx),
            (_, Action::CopyLink) => {
                let link = self
                    .detail
                    .as_ref()
                    .and_then(|d| d.data.as_ref())
                    .and_then(|d| {
                        d.events
                            .iter()
                            .rev()
                            .filter(|e| e.field == "note")
                            .find_map(|e| {
                                crate::engine::handoff_text::urls(e.new.as_deref()?)
                                    .last()
                                    .map(|u| u.to_string())
                            })
                    });
                match link {
                    Some(u) => {
                        cx.info(format!("copied {}", crate::tui::text::clean(&u)));
                        vec![Effect::Copy(u)]
                    }
                    None => {
                        cx.info("no link in this task's notes");
                        Vec::new()
                    }
                }
            }
            (_, Action::NextWork | Action::PrevWork) => {
                if let Some(d) = &mut self.detail
                    && let Some(i) = d.work_selected()
                {
                    let n = d.data.as_ref().map_or(0, |x| x.work.len());
                    d.work = Some(match action {
                        Action::NextWork => (i + 1).min(n - 1),
                        _ => i.saturating_sub(1),
                    });
                }
                Vec::new()
            }
            (_, Action::Assign) => match self.target() {
                Some(t) => {
                    let (id, title) = (t.id, crate::tui::text::clean(&t.title));
                    self.assign = Some(self::assign::AssignPicker::new(id, title));
                    vec![
                        cx.requests
                            .make(Slot::AssignTargets, Request::AssignTargets),
                    ]
                }
                None => Vec::new(),
            },
            (_, Action::Open) if self.detail.is_none() => match self.list.selected_row() {
                Some(r) => {
                    let id = r.task.id;
                    self.open_detail(id, cx)
                }
                None => Vec::new(),
            },
            (_, Action::OpenTask(id)) => {
                let id = *id;
                self.open_detail(id, cx)
            }
            (_, Action::Collapse | Action::Back) if self.detail.is_some() => {
                self.detail = None;
                Vec::new()
            }
            (_, Action::Collapse) => {
                self.list.fold_or_parent();
                Vec::new()
            }
            (_, Action::Expand) => {
                self.list.toggle_fold();
                Vec::new()
            }
            (_, Action::Back) if !self.filter_text.is_empty() => self.set_filter("", cx),
            (_, Action::Filter) => {
                self.detail = None;
                self.filter_input = Some(TextField::new(&self.filter_text));
                Vec::new()
            }
            (_, Action::ToggleClosed) => {
                self.show_closed = !self.show_closed;
                cx.info(if self.show_closed {
                    "showing done and cancelled tasks too"
                } else {
                    "showing open tasks"
                });
                self.list.want = self.list.selected_row().map(|r| Want::Id(r.task.id));
                vec![self.fetch(0, cx)]
            }
            (_, Action::Add) => {
                self.form = Some(TaskForm::add(None));
                Vec::new()
            }
            (_, Action::AddSub) => {
                let parent = self
                    .target()
                    .map(|t| (t.id, crate::tui::text::clean(&t.title)));
                self.form = Some(TaskForm::add(parent));
                Vec::new()
            }
            (_, Action::Edit) => {
                if let Some(t) = self.target() {
                    self.form = Some(TaskForm::edit(t, cx.tz));
                }
                Vec::new()
            }
            (_, Action::Start) => self.move_task(Transition::Start, cx),
            (_, Action::Review) => self.move_task(Transition::Review, cx),
            (_, Action::Done) => self.move_task(Transition::Done, cx),
            (_, Action::Reopen) => self.move_task(Transition::Reopen, cx),
            (_, Action::Cancel) => self.move_task(Transition::Cancel, cx),
            (_, Action::Split) => {
                if let Some(t) = self.target() {
                    self.prompt = Some(Prompt {
                        task: t.id,
                        label: format!("split #{} into (separate titles with ;)", t.id),
                        field: TextField::default(),
                    });
                }
                Vec::new()
            }
            (_, Action::Claim) => match self.target() {
                Some(t) => self.mutate(Mutation::Claim(t.id, self.me.clone()), cx),
                None => Vec::new(),
            },
            (_, Action::Release) => match self.target() {
                Some(t) => self.mutate(Mutation::Release(t.id), cx),
                None => Vec::new(),
            },
            (_, Action::Delete) => {
                if let Some(t) = self.target() {
                    self.confirm = Some((t.id, crate::tui::text::clean(&t.title)));
                }
                Vec::new()
            }
            (_, Action::Click { row, .. }) if self.detail.is_none() => {
                let first = self.area.y as usize + 1;
                let line = (*row as usize).checked_sub(first);
                match line {
                    Some(l) if l < self.list.height && self.list.click(l) => {
                        self.update(&Action::Open, cx)
                    }
                    _ => Vec::new(),
                }
            }
            (_, Action::Refresh) => self.reload(cx),
            _ => Vec::new(),
        }
    }

    fn on_response(&mut self, resp: Response, cx: &mut Cx<'_>) -> Vec<Effect> {
        match (resp.slot, resp.payload) {
            (_, Payload::TaskPage(page)) => self.list.apply(page),
            (_, Payload::AssignTargets(names)) => {
                if let Some(p) = &mut self.assign {
                    p.targets = Some(names);
                }
            }
            (Slot::AssignTargets, Payload::Failed(e)) => {
                self.assign = None;
                cx.error(e.message);
            }
            (_, Payload::Detail(d)) => {
                if let Some(det) = self.detail.as_mut().filter(|x| x.id == d.task.id) {
                    det.data = Some(*d);
                }
            }
            (Slot::Mutation, Payload::Changed { message, task }) => {
                if self.form.as_ref().is_some_and(|f| f.saving) {
                    self.form = None;
                }
                if let Some(id) = task {
                    self.list.want = Some(Want::Id(id));
                }
                cx.info(message);
            }
            (Slot::Mutation, Payload::Failed(e)) => match self.form.as_mut().filter(|f| f.saving) {
                Some(f) => {
                    f.saving = false;
                    f.error = Some(e.message);
                }
                None => cx.error(e.message),
            },
            (Slot::TaskPage, Payload::Failed(e)) => {
                self.list.loading = false;
                self.list.loaded = true;
                cx.error(e.message);
            }
            (Slot::Detail, Payload::Failed(e)) => {
                self.detail = None;
                cx.error(e.message);
            }
            _ => {}
        }
        Vec::new()
    }

    fn reload(&mut self, cx: &mut Cx<'_>) -> Vec<Effect> {
        if self.list.want.is_none() {
            self.list.want = self.list.selected_row().map(|r| Want::Id(r.task.id));
        }
        let mut out = vec![self.fetch(self.list.offset, cx)];
        if let Some(d) = &self.detail {
            out.push(cx.requests.make(Slot::Detail, Request::Detail(d.id)));
        }
        out
    }

    fn resize(&mut self, area: Rect) {
        self.area = area;
        // The column header and the status line take a row each.
        self.list.set_height(area.height.saturating_sub(2) as usize);
    }

    fn footer(&self) -> Vec<Action> {
        if self.confirm.is_some() {
            return vec![Action::Yes, Action::No];
        }
        if self.form.is_some() {
            return vec![Action::Submit, Action::NextField, Action::Back];
        }
        if self.assign.is_some() {
            return vec![Action::Submit, Action::NextField, Action::Back];
        }
        if self.prompt.is_some() || self.filter_input.is_some() {
            return vec![Action::Submit, Action::Back];
        }
        let mut v = vec![
            Action::Add,
            Action::Edit,
            Action::Start,
            Action::Done,
            Action::Delete,
        ];
        if self.detail.is_some() {
            v.push(Action::Back);
        } else {
            v.extend([Action::Open, Action::Filter]);
        }
        v.extend([Action::Palette, Action::Help]);
        v
    }

    fn unsaved(&self) -> bool {
        self.form.as_ref().is_some_and(|f| f.dirty())
            || self
                .prompt
                .as_ref()
                .is_some_and(|p| !p.field.value().is_empty())
    }

    fn loaded(&self) -> bool {
        self.list.loaded
    }
}
