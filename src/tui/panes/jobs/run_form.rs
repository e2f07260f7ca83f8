//! Run Now with parameters: a small form, one field per parameter the job
//! declares, prefilled with its default. Enter queues the run with the
//! values; Esc leaves without running. Pure state: the engine checks the
//! values again when it queues the run.

use crate::domain::params::{self, Params};
use crate::tui::action::Action;
use crate::tui::input::TextField;

#[derive(Debug, Clone, PartialEq)]
pub struct RunForm {
    pub job: String,
    /// (key, its value), in key order.
    pub fields: Vec<(String, TextField)>,
    pub focus: usize,
    pub error: Option<String>,
}

impl RunForm {
    /// The form for `job`'s declared parameters, at their defaults.
    pub fn new(job: &str, declared: &Params) -> RunForm {
        RunForm {
            job: job.to_string(),
            fields: declared
                .iter()
                .map(|(k, v)| (k.clone(), TextField::new(v)))
                .collect(),
            focus: 0,
            error: None,
        }
    }

    pub fn title(&self) -> String {
        format!("Run {} with", self.job)
    }

    /// Moving between fields and typing; Submit and Back are the pane's.
    pub fn update(&mut self, action: &Action) {
        let n = self.fields.len().max(1);
        match action {
            Action::NextField => self.focus = (self.focus + 1) % n,
            Action::PrevField => self.focus = (self.focus + n - 1) % n,
            Action::Text(e) => {
                if let Some((_, f)) = self.fields.get_mut(self.focus) {
                    f.edit(e);
                    self.error = None;
                }
            }
            _ => {}
        }
    }

    /// The values to run with, each checked as the engine will.
    pub fn values(&self) -> Result<Params, String> {
        let mut out = Params::new();
        for (k, f) in &self.fields {
            params::check_value(k, f.value())?;
            out.insert(k.clone(), f.value().to_string());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::action::TextEdit;

    #[test]
    fn prefilled_edited_and_checked() {
        let mut declared = Params::new();
        declared.insert("target".into(), "local".into());
        declared.insert("mode".into(), String::new());
        let mut f = RunForm::new("backup", &declared);
        assert_eq!(f.values().unwrap(), declared);
        // mode is first (key order); type into it, then into target.
        for c in "전체".chars() {
            f.update(&Action::Text(TextEdit::Insert(c)));
        }
        f.update(&Action::NextField);
        f.update(&Action::Text(TextEdit::Insert('!')));
        let v = f.values().unwrap();
        assert_eq!(v["mode"], "전체");
        assert_eq!(v["target"], "local!");
        f.update(&Action::Text(TextEdit::Insert('\0')));
        assert!(f.values().unwrap_err().contains("NUL"));
    }
}
