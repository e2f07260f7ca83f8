//! The Runs pane: run history paged from SQLite by keyset (a database may
//! hold a million runs; a few hundred are held at once), filtered with `/`
//! (`status:failed job:backup`, `!` negates); a run opened shows its fields
//! and a log viewer that follows, pauses, searches, filters to matching
//! lines and wraps; a queued or running run can be cancelled. State and
//! update only; drawing is in `ui::runs`.

pub mod filter;
pub mod list;
pub mod log;
mod view;
mod view_log;
mod viewer;

use ratatui::layout::Rect;

use self::list::RunList;
use self::log::LogView;
use crate::engine::RunFilter;
use crate::tui::action::Action;
use crate::tui::effect::Effect;
use crate::tui::input::TextField;
use crate::tui::keymap::Section;
use crate::tui::pane::{Cx, Pane, PaneId};
use crate::tui::widgets::list::{Step, step};
use crate::tui::worker::{Mutation, Payload, Request, Response, Slot};

/// Rows above the log in the opened run: its fields and the log's title.
pub const VIEW_HEAD: u16 = 4;

#[derive(Debug, Default)]
pub struct RunsPane {
    pub list: RunList,
    /// What the `/` filter selects (no paging fields).
    pub filter: RunFilter,
    pub filter_text: String,
    pub filter_error: Option<String>,
    pub filter_input: Option<TextField>,
    pub view: Option<LogView>,
    /// A run asked for by id (from another pane) that is not open yet.
    opening: Option<i64>,
    /// Cancel this run? (from the list)
    pub confirm: Option<i64>,
    pub area: Rect,
}

impl RunsPane {
    fn page(&mut self, f: RunFilter, cx: &mut Cx<'_>) -> Effect {
        cx.requests.make(Slot::RunPage, Request::RunPage(f))
    }

    pub(super) fn log_request(&self, id: i64, cx: &mut Cx<'_>) -> Effect {
        let (after, cut) = match &self.view {
            Some(v) if v.run.id == id => (v.last_seq(), v.cut),
            _ => (0, 0),
        };
        cx.requests
            .make(Slot::RunLog, Request::RunLog { id, after, cut })
    }

    fn open(&mut self, id: i64, cx: &mut Cx<'_>) -> Vec<Effect> {
        self.view = None;
        self.opening = Some(id);
        vec![self.log_request(id, cx)]
    }

    fn cancel(&self, id: i64, cx: &mut Cx<'_>) -> Vec<Effect> {
        vec![
            cx.requests
                .make(Slot::Mutation, Request::Mutate(Mutation::CancelRun(id))),
        ]
    }

    /// Apply the filter line as typed; a bad filter leaves the list alone.
    fn set_filter(&mut self, text: &str, cx: &mut Cx<'_>) -> Vec<Effect> {
        match filter::parse(text) {
            Ok(f) => {
                self.filter_error = None;
                self.filter_text = text.to_string();
                if f != self.filter {
                    self.filter = f;
                    let base = self.filter.clone();
                    let p = self.list.first_page(&base);
                    return vec![self.page(p, cx)];
                }
                Vec::new()
            }
            Err(e) => {
                self.filter_error = Some(e);
                Vec::new()
            }
        }
    }

    fn update_modal(&mut self, action: &Action, cx: &mut Cx<'_>) -> Option<Vec<Effect>> {
        if let Some(id) = self.confirm {
            match action {
                Action::Yes => {
                    self.confirm = None;
                    return Some(self.cancel(id, cx));
                }
                Action::No | Action::Back => self.confirm = None,
                _ => {}
            }
            return Some(Vec::new());
        }
        let input = self.filter_input.as_mut()?;
        match action {
            Action::Text(e) => {
                input.edit(e);
                let text = input.value().to_string();
                return Some(self.set_filter(&text, cx));
            }
            Action::Submit => self.filter_input = None,
            Action::Back => {
                self.filter_input = None;
                return Some(self.set_filter("", cx));
            }
            _ => {}
        }
        Some(Vec::new())
    }

    fn update_list(&mut self, action: &Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        let base = self.filter.clone();
        let page = self.list.height.max(1) as isize;
        let moved = match (step(action, page), action) {
            (Some(Step::By(n)), _) => self.list.move_by(n, &base),
            (Some(Step::Top), _) => Some(self.list.first_page(&base)),
            (Some(Step::Bottom), _) => Some(self.list.last_page(&base)),
            (_, Action::Open) => {
                return match self.list.selected_run() {
                    Some(r) => {
                        let id = r.id;
                        self.open(id, cx)
                    }
                    None => Vec::new(),
                };
            }
            (_, Action::Filter) => {
                self.filter_input = Some(TextField::new(&self.filter_text));
                None
            }
            (_, Action::Back) if !self.filter_text.is_empty() => return self.set_filter("", cx),
            (_, Action::Cancel) => {
                match self.list.selected_run() {
                    Some(r) if r.status.is_active() => self.confirm = Some(r.id),
                    Some(r) => cx.error(format!("run #{} already ended ({})", r.id, r.status)),
                    None => {}
                }
                None
            }
            (_, Action::Click { row, .. }) => {
                let first = self.area.y as usize + 1;
                if let Some(l) = (*row as usize).checked_sub(first)
                    && l < self.list.height
                    && self.list.click(l)
                {
                    return self.update(&Action::Open, cx);
                }
                None
            }
            (_, Action::Refresh) => return self.reload(cx),
            _ => None,
        };
        moved.map(|f| vec![self.page(f, cx)]).unwrap_or_default()
    }
}

impl Pane for RunsPane {
    fn id(&self) -> PaneId {
        PaneId::Runs
    }

    fn slots(&self) -> &'static [Slot] {
        &[Slot::RunPage, Slot::RunLog]
    }

    fn sections(&self) -> (Vec<Section>, bool) {
        let typing = self.filter_input.is_some()
            || self.view.as_ref().is_some_and(|v| v.search_input.is_some());
        let asking = self.confirm.is_some() || self.view.as_ref().is_some_and(|v| v.confirm_cancel);
        if asking {
            (vec![Section::Confirm], false)
        } else if typing {
            (vec![Section::Form], true)
        } else {
            (vec![Section::Pane(PaneId::Runs), Section::Global], false)
        }
    }

    fn update(&mut self, action: &Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        match action {
            Action::RunsOfJob(name) => {
                self.view = None;
                self.filter_input = None;
                return self.set_filter(&format!("job:{name}"), cx);
            }
            Action::OpenRun(id) => return self.open(*id, cx),
            _ => {}
        }
        if let Some(effects) = self.update_modal(action, cx) {
            return effects;
        }
        if self.view.is_some() {
            return self.update_view(action, cx);
        }
        self.update_list(action, cx)
    }

    fn on_response(&mut self, resp: Response, cx: &mut Cx<'_>) -> Vec<Effect> {
        match (resp.slot, resp.payload) {
            (_, Payload::RunPage(p)) => self.list.apply(p),
            (_, Payload::RunLog(chunk)) => {
                let id = chunk.run.id;
                if self.opening == Some(id) {
                    self.opening = None;
                    let mut v = LogView::new(chunk.run.clone());
                    v.height = self.log_height();
                    self.view = Some(v);
                }
                if let Some(v) = self.view.as_mut().filter(|v| v.run.id == id) {
                    v.external = chunk.external.clone();
                    let more = chunk.more;
                    v.add(chunk.run, chunk.lines, chunk.reset, more);
                    if more {
                        return vec![self.log_request(id, cx)];
                    }
                }
            }
            (Slot::RunPage, Payload::Failed(e)) => {
                self.list.loading = false;
                self.list.loaded = true;
                cx.error(e.message);
            }
            (Slot::RunLog, Payload::Failed(e)) => {
                self.opening = None;
                self.view = None;
                cx.error(e.message);
            }
            (Slot::Mutation, Payload::JobChanged { run: Some(_), .. }) => {
                return self.reload(cx);
            }
            _ => {}
        }
        Vec::new()
    }

    fn reload(&mut self, cx: &mut Cx<'_>) -> Vec<Effect> {
        let base = self.filter.clone();
        let p = self.list.same_page(&base);
        let mut out = vec![self.page(p, cx)];
        if let Some(v) = &self.view {
            out.push(self.log_request(v.run.id, cx));
        }
        out
    }

    fn resize(&mut self, area: Rect) {
        self.area = area;
        // The column header and the status line take a row each.
        self.list.set_height(area.height.saturating_sub(2) as usize);
        let h = self.log_height();
        if let Some(v) = self.view.as_mut() {
            v.height = h;
        }
    }

    fn footer(&self) -> Vec<Action> {
        if self.confirm.is_some() || self.view.as_ref().is_some_and(|v| v.confirm_cancel) {
            return vec![Action::Yes, Action::No];
        }
        if self.filter_input.is_some()
            || self.view.as_ref().is_some_and(|v| v.search_input.is_some())
        {
            return vec![Action::Submit, Action::Back];
        }
        match &self.view {
            Some(v) => {
                let mut a = vec![
                    Action::Follow,
                    Action::Filter,
                    Action::NextMatch,
                    Action::OnlyMatches,
                    Action::Wrap,
                ];
                if v.run.status.is_active() {
                    a.push(Action::Cancel);
                }
                if v.external.is_some() {
                    a.push(Action::CopyLink);
                }
                a.extend([Action::Back, Action::Help]);
                a
            }
            None => vec![
                Action::Open,
                Action::Filter,
                Action::Cancel,
                Action::Top,
                Action::Bottom,
                Action::Palette,
                Action::Help,
            ],
        }
    }

    fn unsaved(&self) -> bool {
        false
    }

    fn loaded(&self) -> bool {
        self.list.loaded
    }
}

impl RunsPane {
    /// Log lines on screen in the opened run.
    pub fn log_height(&self) -> usize {
        self.area.height.saturating_sub(VIEW_HEAD + 1) as usize
    }
}
