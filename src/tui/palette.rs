//! The `:` command palette: every named action, task titles and job names
//! (to show one, or Run Now), ranked by
//! fuzzy score (nucleo). Task titles come from the worker (a subsequence
//! match in SQLite, 50 at most), so the palette never loads every task.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::action::{Action, TextEdit};
use super::input::TextField;

#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Run(Action),
    Task(i64),
    /// Show the job in the Jobs pane.
    Job(String),
    /// Run Now: queue a run of the job.
    RunJob(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub label: String,
    pub detail: String,
    pub target: Target,
}

/// One candidate action: name, description, its key (for display).
pub type Command = (String, Action, String, String);

#[derive(Debug, Clone, Default)]
pub struct Palette {
    pub input: TextField,
    pub items: Vec<Item>,
    pub selected: usize,
    tasks: Vec<(i64, String, String)>,
    jobs: Vec<String>,
}

impl Palette {
    pub fn new(commands: &[Command]) -> Palette {
        let mut p = Palette::default();
        p.rank(commands);
        p
    }

    pub fn query(&self) -> &str {
        self.input.value()
    }

    pub fn edit(&mut self, e: &TextEdit, commands: &[Command]) {
        self.input.edit(e);
        self.rank(commands);
    }

    /// Task titles found for the current text: (id, title, status); job names.
    pub fn set_found(
        &mut self,
        tasks: Vec<(i64, String, String)>,
        jobs: Vec<String>,
        commands: &[Command],
    ) {
        self.tasks = tasks;
        self.jobs = jobs;
        self.rank(commands);
    }

    pub fn move_by(&mut self, d: isize) {
        let n = self.items.len() as isize;
        if n > 0 {
            self.selected = (self.selected as isize + d).rem_euclid(n) as usize;
        }
    }

    pub fn chosen(&self) -> Option<&Item> {
        self.items.get(self.selected)
    }

    fn rank(&mut self, commands: &[Command]) {
        let q = self.input.value().trim().to_string();
        let mut scored: Vec<(u32, Item)> = Vec::new();
        let cmd_items = commands.iter().map(|(name, a, desc, key)| Item {
            label: name.clone(),
            detail: if key.is_empty() {
                desc.clone()
            } else {
                format!("{desc}  [{key}]")
            },
            target: Target::Run(a.clone()),
        });
        let task_items = self.tasks.iter().map(|(id, title, status)| Item {
            label: format!("#{id} {title}"),
            detail: format!("task, {status}"),
            target: Target::Task(*id),
        });
        let job_items = self.jobs.iter().flat_map(|name| {
            [
                Item {
                    label: format!("run {name}"),
                    detail: "Run Now: queue a run of this job".into(),
                    target: Target::RunJob(name.clone()),
                },
                Item {
                    label: format!("job {name}"),
                    detail: "show the job".into(),
                    target: Target::Job(name.clone()),
                },
            ]
        });
        if q.is_empty() {
            scored.extend(cmd_items.map(|i| (0, i)));
        } else {
            let pattern = Pattern::parse(&q, CaseMatching::Smart, Normalization::Smart);
            let mut matcher = Matcher::new(Config::DEFAULT);
            let mut buf = Vec::new();
            for item in cmd_items.chain(task_items).chain(job_items) {
                let hay = format!("{} {}", item.label, item.detail);
                if let Some(s) = pattern.score(Utf32Str::new(&hay, &mut buf), &mut matcher) {
                    scored.push((s, item));
                }
            }
            scored.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
        }
        self.items = scored.into_iter().map(|(_, i)| i).take(200).collect();
        self.selected = self.selected.min(self.items.len().saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmds() -> Vec<Command> {
        vec![
            ("quit".into(), Action::Quit, "Quit jr".into(), "q".into()),
            (
                "done".into(),
                Action::Done,
                "Done: → done".into(),
                "d".into(),
            ),
            (
                "pane_tasks".into(),
                Action::Quit,
                "Go to the tasks".into(),
                "2".into(),
            ),
        ]
    }

    #[test]
    fn fuzzy_ranks_actions_and_task_titles() {
        let c = cmds();
        let mut p = Palette::new(&c);
        assert_eq!(p.items.len(), 3);
        for ch in "pnts".chars() {
            p.edit(&TextEdit::Insert(ch), &c);
        }
        assert_eq!(p.chosen().unwrap().label, "pane_tasks");
        p.edit(&TextEdit::Clear, &c);
        for ch in "보고".chars() {
            p.edit(&TextEdit::Insert(ch), &c);
        }
        p.set_found(
            vec![(7, "주간 보고서".into(), "pending".into())],
            vec!["backup".into()],
            &c,
        );
        assert_eq!(p.chosen().unwrap().target, Target::Task(7));
        p.edit(&TextEdit::Clear, &c);
        for ch in "run bac".chars() {
            p.edit(&TextEdit::Insert(ch), &c);
        }
        assert_eq!(p.chosen().unwrap().target, Target::RunJob("backup".into()));
    }
}
