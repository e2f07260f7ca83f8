//! The inline add/edit form and the one-line prompts (split, filter). Pure:
//! it turns what was typed into a `NewTask` or a `TaskEdit`, or says what is
//! wrong with it, in the user's words. Notes of several lines are written in
//! the user's editor (C-o, `set_body`); the one-line field then shows their
//! first line and how many more there are, and the form keeps them whole.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::{Due, NewTask, Priority, Task};
use crate::engine::TaskEdit;
use crate::tui::action::{Action, TextEdit};
use crate::tui::input::TextField;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Title,
    Priority,
    Due,
    Tags,
    Body,
}

impl Field {
    pub fn label(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Priority => "priority",
            Field::Due => "due",
            Field::Tags => "tags",
            Field::Body => "notes",
        }
    }

    pub fn hint(self) -> &'static str {
        match self {
            Field::Title => "what to do (Korean welcome)",
            Field::Priority => "p0 (most urgent) .. p3",
            Field::Due => "YYYY-MM-DD, today, tomorrow, +3d, +2w, +4h; empty: none",
            Field::Tags => "words separated by spaces",
            Field::Body => "one line here; C-o writes longer notes in $VISUAL/$EDITOR",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum FormKind {
    Add { parent: Option<(i64, String)> },
    Edit { task: Box<Task> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaskForm {
    pub kind: FormKind,
    pub fields: Vec<(Field, TextField)>,
    initial: Vec<String>,
    pub focus: usize,
    pub error: Option<String>,
    /// Sent to the worker; waiting for its answer.
    pub saving: bool,
    /// Notes of several lines, kept whole (the notes field shows a summary).
    pub notes: Option<String>,
    initial_notes: Option<String>,
}

/// What the one-line notes field shows for notes of several lines.
fn summary(notes: &str) -> String {
    let mut lines = notes.lines();
    let first = lines.next().unwrap_or("").trim();
    let more = lines.count();
    format!("{first} … (+{more} lines; C-o edits)")
}

/// How a due date shows in a field so that reading it back gives the same date.
fn due_text(due: Option<Due>, tz: Tz) -> String {
    match due {
        None => String::new(),
        Some(Due::Day(d)) => d.format("%Y-%m-%d").to_string(),
        Some(Due::At(t)) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
    }
}

impl TaskForm {
    pub fn add(parent: Option<(i64, String)>) -> TaskForm {
        TaskForm::with(FormKind::Add { parent }, ["", "p2", "", "", ""])
    }

    pub fn edit(task: &Task, tz: Tz) -> TaskForm {
        let pri = task.priority.to_string();
        let due = due_text(task.due, tz);
        let tags = task.tags.join(" ");
        let long = task.body.contains('\n');
        let shown = if long {
            summary(&task.body)
        } else {
            task.body.clone()
        };
        let mut f = TaskForm::with(
            FormKind::Edit {
                task: Box::new(task.clone()),
            },
            [&task.title, &pri, &due, &tags, &shown],
        );
        if long {
            // A one-line field would flatten the notes: the form keeps them.
            f.notes = Some(task.body.clone());
            f.initial_notes = f.notes.clone();
        }
        f
    }

    /// The notes, whole: those from the editor, else the field's line.
    pub fn body(&self) -> String {
        match &self.notes {
            Some(n) => n.trim_end().trim_start_matches(['\n', '\r']).to_string(),
            None => self.value(Field::Body).trim().to_string(),
        }
    }

    /// The text the editor opens with (C-o): the notes as they are.
    pub fn body_for_editor(&self) -> String {
        match &self.notes {
            Some(n) => n.clone(),
            None => self.value(Field::Body).to_string(),
        }
    }

    /// Notes back from the editor, checked (at most the largest body); the
    /// focus moves to the notes field. Several lines are kept whole.
    pub fn set_body(&mut self, text: &str) -> Result<(), String> {
        let text = crate::tui::widgets::form::from_editor(text);
        crate::domain::task::check_body(&text)?;
        let Some(i) = self.fields.iter().position(|(k, _)| *k == Field::Body) else {
            return Err("this form has no notes".into());
        };
        if text.trim_end().contains('\n') {
            self.fields[i].1 = TextField::new(&summary(&text));
            self.notes = Some(text);
        } else {
            self.fields[i].1 = TextField::new(text.trim_end());
            self.notes = None;
        }
        self.focus = i;
        self.error = None;
        Ok(())
    }

    fn with(kind: FormKind, values: [&str; 5]) -> TaskForm {
        let kinds = [
            Field::Title,
            Field::Priority,
            Field::Due,
            Field::Tags,
            Field::Body,
        ];
        TaskForm {
            kind,
            fields: kinds
                .into_iter()
                .zip(values)
                .map(|(k, v)| (k, TextField::new(v)))
                .collect(),
            initial: values.iter().map(|v| v.to_string()).collect(),
            focus: 0,
            error: None,
            saving: false,
            notes: None,
            initial_notes: None,
        }
    }

    pub fn title(&self) -> String {
        match &self.kind {
            FormKind::Add { parent: None } => "New task".into(),
            FormKind::Add {
                parent: Some((id, t)),
            } => format!("New sub-task of #{id} {t}"),
            FormKind::Edit { task } => format!("Edit #{}", task.id),
        }
    }

    /// Something typed that closing would lose.
    pub fn dirty(&self) -> bool {
        self.notes != self.initial_notes
            || self
                .fields
                .iter()
                .zip(&self.initial)
                .any(|((_, f), init)| f.value() != init)
    }

    pub fn value(&self, field: Field) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| *k == field)
            .map(|(_, f)| f.value())
            .unwrap_or("")
    }

    /// Field navigation and typing; other actions are not the form's.
    pub fn update(&mut self, action: &Action) {
        let n = self.fields.len();
        match action {
            Action::NextField => self.focus = (self.focus + 1) % n,
            Action::PrevField => self.focus = (self.focus + n - 1) % n,
            Action::Text(_) if self.fields[self.focus].0 == Field::Body && self.notes.is_some() => {
                self.error =
                    Some("the notes run over several lines: C-o opens them in your editor".into());
            }
            Action::Text(e) => {
                self.fields[self.focus].1.edit(e);
                self.error = None;
            }
            _ => {}
        }
    }

    fn parsed(
        &self,
        now: DateTime<Utc>,
        tz: Tz,
    ) -> Result<(Priority, Option<Due>, Vec<String>), String> {
        if self.value(Field::Title).trim().is_empty() {
            return Err("the title is empty".into());
        }
        let pri = self.value(Field::Priority).trim();
        let pri = if pri.is_empty() {
            Priority::DEFAULT
        } else {
            pri.parse()?
        };
        let due = self.value(Field::Due).trim();
        let due = if due.is_empty() || due == "none" {
            None
        } else {
            Some(Due::parse(due, now, tz)?)
        };
        let tags: Vec<String> = self
            .value(Field::Tags)
            .split([' ', ','])
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect();
        Ok((pri, due, tags))
    }

    pub fn new_task(&self, now: DateTime<Utc>, tz: Tz) -> Result<NewTask, String> {
        let (priority, due, tags) = self.parsed(now, tz)?;
        let parent = match &self.kind {
            FormKind::Add { parent } => parent.as_ref().map(|(id, _)| *id),
            FormKind::Edit { .. } => None,
        };
        Ok(NewTask {
            title: self.value(Field::Title).trim().to_string(),
            body: self.body(),
            priority,
            due,
            tags,
            parent,
            depends_on: Vec::new(),
        })
    }

    /// The changes against the task being edited.
    pub fn task_edit(&self, task: &Task, now: DateTime<Utc>, tz: Tz) -> Result<TaskEdit, String> {
        let (priority, due, tags) = self.parsed(now, tz)?;
        let title = self.value(Field::Title).trim().to_string();
        let has_body = self.fields.iter().any(|(k, _)| *k == Field::Body);
        let body = self.body();
        let tags: Vec<String> = tags.iter().map(|t| t.to_lowercase()).collect();
        Ok(TaskEdit {
            title: (title != task.title).then_some(title),
            body: (has_body && body != task.body).then_some(body),
            priority: (priority != task.priority).then_some(priority),
            due: (due_text(due, tz) != due_text(task.due, tz)).then_some(due),
            add_tags: tags
                .iter()
                .filter(|t| !task.tags.contains(t))
                .cloned()
                .collect(),
            remove_tags: task
                .tags
                .iter()
                .filter(|t| !tags.contains(t))
                .cloned()
                .collect(),
            add_depends: Vec::new(),
        })
    }
}

/// A one-line question: the split prompt.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub task: i64,
    pub label: String,
    pub field: TextField,
}

impl Prompt {
    pub fn edit(&mut self, e: &TextEdit) {
        self.field.edit(e);
    }

    /// Sub-task titles: separated by `;` (titles may hold commas).
    pub fn titles(&self) -> Vec<String> {
        self.field
            .value()
            .split(';')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap()
    }

    fn typed(f: &mut TaskForm, s: &str) {
        for c in s.chars() {
            f.update(&Action::Text(TextEdit::Insert(c)));
        }
    }

    #[test]
    fn an_add_form_becomes_a_new_task() {
        let tz: Tz = "Asia/Seoul".parse().unwrap();
        let mut f = TaskForm::add(None);
        assert!(!f.dirty());
        assert_eq!(f.new_task(now(), tz).unwrap_err(), "the title is empty");
        typed(&mut f, "보고서 쓰기");
        assert!(f.dirty());
        f.update(&Action::NextField);
        f.update(&Action::Text(TextEdit::Clear));
        typed(&mut f, "p1");
        f.update(&Action::NextField);
        typed(&mut f, "tomorrow");
        f.update(&Action::NextField);
        typed(&mut f, "work 집안일");
        let t = f.new_task(now(), tz).unwrap();
        assert_eq!(t.title, "보고서 쓰기");
        assert_eq!(t.priority, Priority(1));
        assert_eq!(t.tags, vec!["work", "집안일"]);
        assert!(t.due.is_some());
        f.update(&Action::PrevField);
        f.update(&Action::Text(TextEdit::Clear));
        typed(&mut f, "someday");
        assert!(f.new_task(now(), tz).unwrap_err().contains("someday"));
    }

    #[test]
    fn an_edit_form_sends_only_changes() {
        let tz: Tz = "Asia/Seoul".parse().unwrap();
        let task = Task {
            id: 7,
            title: "원래 제목".into(),
            body: String::new(),
            status: crate::domain::TaskStatus::Pending,
            priority: Priority(2),
            due: Some(Due::Day(
                chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            )),
            tags: vec!["home".into(), "work".into()],
            parent: None,
            depends_on: vec![],
            claimed_by: None,
            source: "cli".into(),
            created_at: now(),
            updated_at: now(),
            closed_at: None,
        };
        let mut f = TaskForm::edit(&task, tz);
        assert_eq!(f.value(Field::Due), "2026-12-01");
        let e = f.task_edit(&task, now(), tz).unwrap();
        assert!(e.title.is_none() && e.due.is_none() && e.add_tags.is_empty());
        f.focus = 3;
        f.update(&Action::Text(TextEdit::Clear));
        typed(&mut f, "work 새태그");
        let e = f.task_edit(&task, now(), tz).unwrap();
        assert_eq!(e.add_tags, vec!["새태그"]);
        assert_eq!(e.remove_tags, vec!["home"]);
        // Notes of several lines are kept whole, untouched unless changed.
        let task = Task {
            body: "첫 줄\n둘째 줄".into(),
            ..task
        };
        let mut f = TaskForm::edit(&task, tz);
        assert_eq!(f.value(Field::Body), "첫 줄 … (+1 lines; C-o edits)");
        assert!(!f.dirty());
        assert!(f.task_edit(&task, now(), tz).unwrap().body.is_none());
        assert_eq!(f.body_for_editor(), "첫 줄\n둘째 줄");
        f.set_body("하나\n둘\n셋\n").unwrap();
        assert!(f.dirty());
        let e = f.task_edit(&task, now(), tz).unwrap();
        assert_eq!(e.body.as_deref(), Some("하나\n둘\n셋"));
        let huge = "가\n".repeat(crate::domain::task::MAX_BODY_BYTES);
        assert!(f.set_body(&huge).unwrap_err().contains("KiB"));
        assert_eq!(f.body(), "하나\n둘\n셋", "a refused text changes nothing");
    }
}
