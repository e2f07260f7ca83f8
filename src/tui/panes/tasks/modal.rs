//! The Tasks pane while something modal is open — the delete question, the
//! hand-off picker, the filter line, the split prompt, the add/edit form —
//! which takes every action.

use super::TasksPane;
use super::form::FormKind;
use crate::tui::action::Action;
use crate::tui::editor::EditRequest;
use crate::tui::effect::Effect;
use crate::tui::pane::{Cx, PaneId};
use crate::tui::worker::Mutation;

/// The editor request's key for a task's notes.
const NOTES: &str = "notes";

impl TasksPane {
    /// None when nothing modal is open (the list or detail handles the action).
    pub(super) fn update_modal(&mut self, action: &Action, cx: &mut Cx<'_>) -> Option<Vec<Effect>> {
        if let Some((id, _)) = self.confirm {
            match action {
                Action::Yes => {
                    self.confirm = None;
                    self.detail = None;
                    return Some(self.mutate(Mutation::Delete(id), cx));
                }
                Action::No | Action::Back => self.confirm = None,
                _ => {}
            }
            return Some(Vec::new());
        }
        if let Some(p) = &mut self.assign {
            match action {
                Action::Text(e) => p.edit(e),
                Action::NextField | Action::Down => p.move_by(1),
                Action::PrevField | Action::Up => p.move_by(-1),
                Action::Submit => match p.chosen() {
                    Ok(to) => {
                        let id = p.task;
                        self.assign = None;
                        return Some(self.mutate(Mutation::Assign(id, to), cx));
                    }
                    Err(e) => cx.error(e),
                },
                Action::Back => self.assign = None,
                _ => {}
            }
            return Some(Vec::new());
        }
        if let Some(input) = &mut self.filter_input {
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
            return Some(Vec::new());
        }
        if let Some(p) = &mut self.prompt {
            match action {
                Action::Text(e) => p.edit(e),
                Action::Submit => {
                    let (id, titles) = (p.task, p.titles());
                    if titles.is_empty() {
                        cx.error("type at least one sub-task title (separate them with ;)");
                    } else {
                        self.prompt = None;
                        return Some(self.mutate(Mutation::Split(id, titles), cx));
                    }
                }
                Action::Back => self.prompt = None,
                _ => {}
            }
            return Some(Vec::new());
        }
        let form = self.form.as_mut()?;
        match action {
            Action::Submit if !form.saving => {
                let m = match &form.kind {
                    FormKind::Add { .. } => form.new_task(cx.now, cx.tz).map(Mutation::Add),
                    FormKind::Edit { task } => form
                        .task_edit(task, cx.now, cx.tz)
                        .map(|e| Mutation::Edit(task.id, e)),
                };
                match m {
                    Ok(m) => {
                        form.saving = true;
                        return Some(self.mutate(m, cx));
                    }
                    Err(e) => form.error = Some(e),
                }
            }
            Action::Back => self.form = None,
            Action::ExternalEdit if !form.saving => {
                return Some(vec![Effect::Edit(EditRequest {
                    pane: PaneId::Tasks,
                    key: NOTES.into(),
                    text: form.body_for_editor(),
                    suffix: ".md",
                })]);
            }
            Action::Edited { key, text, .. } if key == NOTES => {
                if let Err(e) = text
                    .as_ref()
                    .map_err(String::clone)
                    .and_then(|t| form.set_body(t))
                {
                    form.error = Some(e);
                }
            }
            other => form.update(other),
        }
        Some(Vec::new())
    }
}
