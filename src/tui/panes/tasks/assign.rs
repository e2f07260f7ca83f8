//! The hand-off picker: type to narrow the agents and jobs a task can go to
//! (`agent:NAME`, `job:NAME`), move with Tab/↓ and ↑, Enter hands it on.
//! Pure state; the names come from the worker (`Request::AssignTargets`).

use crate::engine::handoff::Assignee;
use crate::tui::action::TextEdit;
use crate::tui::input::TextField;

#[derive(Debug, Clone, PartialEq)]
pub struct AssignPicker {
    pub task: i64,
    pub title: String,
    pub field: TextField,
    /// Every name, as the worker sent them; None while they are on their way.
    pub targets: Option<Vec<String>>,
    pub selected: usize,
}

impl AssignPicker {
    pub fn new(task: i64, title: String) -> AssignPicker {
        AssignPicker {
            task,
            title,
            field: TextField::default(),
            targets: None,
            selected: 0,
        }
    }

    /// The names that contain every typed word (case folded), in order.
    pub fn matches(&self) -> Vec<&str> {
        let typed = self.field.value().to_lowercase();
        let words: Vec<&str> = typed.split_whitespace().collect();
        self.targets
            .iter()
            .flatten()
            .filter(|t| {
                let t = t.to_lowercase();
                words.iter().all(|w| t.contains(w))
            })
            .map(String::as_str)
            .collect()
    }

    pub fn edit(&mut self, e: &TextEdit) {
        self.field.edit(e);
        self.selected = 0;
    }

    pub fn move_by(&mut self, d: isize) {
        let n = self.matches().len();
        if n > 0 {
            self.selected = (self.selected as isize + d).rem_euclid(n as isize) as usize;
        }
    }

    /// Where the task goes: the selected match, or what was typed as
    /// `agent:NAME` / `job:NAME`.
    pub fn chosen(&self) -> Result<Assignee, String> {
        let m = self.matches();
        let pick = m
            .get(self.selected.min(m.len().saturating_sub(1)))
            .map(|s| s.to_string())
            .unwrap_or_else(|| self.field.value().trim().to_string());
        match pick.split_once(':') {
            Some(("agent", n)) if !n.trim().is_empty() => Ok(Assignee::Agent(n.trim().into())),
            Some(("job", n)) if !n.trim().is_empty() => Ok(Assignee::Job(n.trim().into())),
            _ if self.targets.as_ref().is_some_and(|t| t.is_empty()) => Err(
                "there is no agent or job to hand it to; add one (`jr agents add`, `jr jobs add`)"
                    .into(),
            ),
            _ => Err(format!(
                "nothing matches {:?}; type part of a name, or agent:NAME / job:NAME",
                self.field.value()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(p: &mut AssignPicker, s: &str) {
        for c in s.chars() {
            p.edit(&TextEdit::Insert(c));
        }
    }

    #[test]
    fn narrows_selects_and_chooses() {
        let mut p = AssignPicker::new(3, "로그 정리".into());
        assert!(p.chosen().is_err());
        p.targets = Some(vec![
            "agent:리뷰어".into(),
            "agent:coder".into(),
            "job:backup".into(),
            "job:cleanup-logs".into(),
        ]);
        assert_eq!(p.chosen(), Ok(Assignee::Agent("리뷰어".into())));
        typed(&mut p, "job");
        assert_eq!(p.matches(), vec!["job:backup", "job:cleanup-logs"]);
        p.move_by(1);
        assert_eq!(p.chosen(), Ok(Assignee::Job("cleanup-logs".into())));
        p.move_by(1);
        assert_eq!(p.chosen(), Ok(Assignee::Job("backup".into())));
        typed(&mut p, " zzz");
        assert!(p.matches().is_empty());
        assert!(p.chosen().unwrap_err().contains("nothing matches"));
        let mut q = AssignPicker::new(3, "x".into());
        q.targets = Some(vec![]);
        typed(&mut q, "agent:새-에이전트");
        assert_eq!(q.chosen(), Ok(Assignee::Agent("새-에이전트".into())));
    }
}
