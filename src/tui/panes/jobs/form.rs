//! The job add/edit form. Pure: the cron expression is checked as it is
//! typed (`jobs::check_cron`) and its next fire times shown
//! (`CronSchedule::upcoming`) in the job's zone; on save the fields become a
//! `JobDef` (an edit keeps everything the form does not show: env, overlap,
//! misfire, backoff). The form knows the job's kind: a shell job shows its
//! command and directory, an agent job its agent and prompt, a Dagster job
//! its Dagster job, run config and instance, an ambient job its task, model
//! and card cap. The engine checks it all again when it writes.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::job::{check_name, parse_duration};
use crate::engine::jobs::{JobDef, check_cron, check_tz};
use crate::schedule::words;
use crate::tui::action::Action;
use crate::tui::input::TextField;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobField {
    Name,
    Schedule,
    Tz,
    Command,
    Cwd,
    Timeout,
    Retries,
    Description,
    /// agent: the configured agent.
    Agent,
    /// agent: the prompt template.
    Prompt,
    /// dagster: the Dagster job.
    DagsterJob,
    /// dagster: run config, JSON or YAML.
    RunConfig,
    /// dagster: the instance; empty: the default.
    Instance,
    /// ambient: the built-in task.
    Ambient,
    /// ambient: the model it asks.
    Model,
    /// ambient: cards per run at most.
    MaxCards,
}

impl JobField {
    pub const ALL: [JobField; 8] = [
        JobField::Name,
        JobField::Schedule,
        JobField::Tz,
        JobField::Command,
        JobField::Cwd,
        JobField::Timeout,
        JobField::Retries,
        JobField::Description,
    ];

    /// The fields a job of `kind` shows, in order (shell for an unknown kind).
    pub fn of_kind(kind: &str) -> &'static [JobField] {
        use JobField::*;
        match kind {
            "agent" => &[
                Name,
                Schedule,
                Tz,
                Agent,
                Prompt,
                Timeout,
                Retries,
                Description,
            ],
            "dagster" => &[
                Name,
                Schedule,
                Tz,
                DagsterJob,
                RunConfig,
                Instance,
                Timeout,
                Retries,
                Description,
            ],
            "ambient" => &[
                Name,
                Schedule,
                Tz,
                Ambient,
                Model,
                MaxCards,
                Timeout,
                Retries,
                Description,
            ],
            _ => &JobField::ALL,
        }
    }

    /// The temp file's ending when the field opens in the editor.
    pub fn suffix(self) -> &'static str {
        match self {
            JobField::RunConfig => ".yaml",
            JobField::Command => ".sh",
            JobField::Prompt | JobField::Description => ".md",
            _ => ".txt",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            JobField::Name => "name",
            JobField::Schedule => "cron",
            JobField::Tz => "zone",
            JobField::Command => "command",
            JobField::Cwd => "in dir",
            JobField::Timeout => "timeout",
            JobField::Retries => "retries",
            JobField::Description => "about",
            JobField::Agent => "agent",
            JobField::Prompt => "prompt",
            JobField::DagsterJob => "dg job",
            JobField::RunConfig => "config",
            JobField::Instance => "instance",
            JobField::Ambient => "task",
            JobField::Model => "model",
            JobField::MaxCards => "max cards",
        }
    }

    pub fn hint(self) -> &'static str {
        match self {
            JobField::Name => "a slug: lower-case letters, digits, - _ . (e.g. nightly-backup)",
            JobField::Schedule => {
                "min hour day month weekday, e.g. 0 7 * * 1-5 or @daily; empty: on demand"
            }
            JobField::Tz => "IANA zone, e.g. Asia/Seoul; empty: the configured zone",
            JobField::Command => "run by sh -c; its output is kept with the run",
            JobField::Cwd => "working directory; empty: jr's",
            JobField::Timeout => "e.g. 30s, 10m, 1h; empty: none",
            JobField::Retries => "attempts after a failure (0: none)",
            JobField::Description => "what it is for (one line)",
            JobField::Agent => "a configured agent (the Agents pane lists them)",
            JobField::Prompt => "what the agent is asked; {{date}}, {{collect.NAME}} fill in",
            JobField::DagsterJob => "name, location/job or location/repository/job",
            JobField::RunConfig => "run config as JSON or YAML (one line); empty: none",
            JobField::Instance => "a [dagster.instances.NAME]; empty: the default",
            JobField::Ambient => "the built-in task, e.g. knowledge-cards",
            JobField::Model => "the model it asks, e.g. ollama/qwen2.5:7b",
            JobField::MaxCards => "cards per run at most; empty: the default",
        }
    }
}

/// What the schedule field says right now.
#[derive(Debug, Clone, PartialEq)]
pub enum CronCheck {
    OnDemand,
    Fires { words: String, next: Vec<String> },
    Bad(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobForm {
    /// The name of the job being edited; None when adding.
    pub editing: Option<String>,
    base: JobDef,
    pub fields: Vec<(JobField, TextField)>,
    initial: Vec<String>,
    pub focus: usize,
    pub error: Option<String>,
    pub saving: bool,
    pub check: CronCheck,
}

impl JobForm {
    pub fn add(now: DateTime<Utc>, tz: Tz) -> JobForm {
        let def = JobDef {
            kind: "shell".into(),
            enabled: true,
            ..JobDef::default()
        };
        JobForm::with(None, def, now, tz)
    }

    pub fn edit(def: JobDef, now: DateTime<Utc>, tz: Tz) -> JobForm {
        JobForm::with(Some(def.name.clone()), def, now, tz)
    }

    fn with(editing: Option<String>, def: JobDef, now: DateTime<Utc>, tz: Tz) -> JobForm {
        let kinds = JobField::of_kind(&def.kind);
        let values: Vec<String> = kinds.iter().map(|k| value_of(&def, *k)).collect();
        let mut f = JobForm {
            editing,
            fields: kinds
                .iter()
                .zip(values.iter())
                .map(|(k, v)| (*k, TextField::new(v)))
                .collect(),
            base: def,
            initial: values,
            focus: 0,
            error: None,
            saving: false,
            check: CronCheck::OnDemand,
        };
        f.recheck(now, tz);
        f
    }

    pub fn title(&self) -> String {
        let kind = match self.base.kind.as_str() {
            "shell" => String::new(),
            k => format!("{k} "),
        };
        match &self.editing {
            None => format!("New {kind}job"),
            Some(n) => format!("Edit {kind}job {n}"),
        }
    }

    /// The job's kind (shell, agent, dagster, ambient).
    pub fn kind(&self) -> &str {
        &self.base.kind
    }

    pub fn value(&self, field: JobField) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| *k == field)
            .map(|(_, f)| f.value())
            .unwrap_or("")
    }

    /// The focused field: its kind and text (for the editor).
    pub fn focused(&self) -> (JobField, &str) {
        let (k, f) = &self.fields[self.focus];
        (*k, f.value())
    }

    /// Replace a field's text (from the editor); the cron check follows.
    pub fn set(&mut self, field: JobField, value: &str, now: DateTime<Utc>, tz: Tz) {
        if let Some((_, f)) = self.fields.iter_mut().find(|(k, _)| *k == field) {
            *f = TextField::new(value);
            self.error = None;
            self.recheck(now, tz);
        }
    }

    pub fn dirty(&self) -> bool {
        self.fields
            .iter()
            .zip(&self.initial)
            .any(|((_, f), init)| f.value() != init)
    }

    /// Navigation and typing; the cron check follows every keystroke.
    pub fn update(&mut self, action: &Action, now: DateTime<Utc>, tz: Tz) {
        let n = self.fields.len();
        match action {
            Action::NextField => self.focus = (self.focus + 1) % n,
            Action::PrevField => self.focus = (self.focus + n - 1) % n,
            Action::Text(e) => {
                self.fields[self.focus].1.edit(e);
                self.error = None;
                self.recheck(now, tz);
            }
            _ => {}
        }
    }

    /// The zone fires are shown in: the field's, else the default.
    fn zone(&self, default: Tz) -> Result<Tz, String> {
        match self.value(JobField::Tz).trim() {
            "" => Ok(default),
            z => check_tz(z).map_err(|e| e.message),
        }
    }

    fn recheck(&mut self, now: DateTime<Utc>, tz: Tz) {
        let expr = self.value(JobField::Schedule).trim().to_string();
        self.check = if expr.is_empty() {
            CronCheck::OnDemand
        } else {
            match (check_cron(&expr), self.zone(tz)) {
                (Err(e), _) => CronCheck::Bad(e.message),
                (_, Err(e)) => CronCheck::Bad(e),
                (Ok(cron), Ok(zone)) => {
                    let label = words::tz_label(zone, now);
                    CronCheck::Fires {
                        words: words::describe_schedule(&cron, &label),
                        next: cron
                            .upcoming(now, zone, 5)
                            .iter()
                            .map(|t| t.format("%a %m-%d %H:%M").to_string())
                            .collect(),
                    }
                }
            }
        };
    }

    /// The definition to save, or what is wrong in the person's words.
    pub fn to_def(&self) -> Result<JobDef, String> {
        let text = |f: JobField| self.value(f).trim().to_string();
        let opt = |f: JobField| Some(text(f)).filter(|s| !s.is_empty());
        let name = text(JobField::Name);
        check_name(&name)?;
        if let CronCheck::Bad(e) = &self.check {
            return Err(e.clone());
        }
        let need = |f: JobField, what: &str| -> Result<String, String> {
            match text(f) {
                t if t.is_empty() => Err(what.to_string()),
                t => Ok(t),
            }
        };
        let mut def = JobDef {
            ..self.base.clone()
        };
        match self.base.kind.as_str() {
            "agent" => {
                def.agent = Some(need(JobField::Agent, "which agent? the agent is empty")?);
                def.prompt = Some(need(
                    JobField::Prompt,
                    "the prompt is empty: what should the agent be asked?",
                )?);
            }
            "dagster" => {
                def.dagster_job = Some(need(
                    JobField::DagsterJob,
                    "which Dagster job? it is empty",
                )?);
                def.dagster_config = opt(JobField::RunConfig);
                def.dagster_instance = opt(JobField::Instance);
            }
            "ambient" => {
                def.ambient = Some(need(JobField::Ambient, "which task? e.g. knowledge-cards")?);
                def.model = opt(JobField::Model);
                def.max_cards = match opt(JobField::MaxCards) {
                    None => None,
                    Some(n) => Some(
                        n.parse::<u32>()
                            .map_err(|_| format!("max cards {n:?}? give a whole number, e.g. 5"))?,
                    ),
                };
            }
            _ => {
                def.command = need(
                    JobField::Command,
                    "the command is empty: what should the job run?",
                )?;
                def.cwd = opt(JobField::Cwd);
            }
        }
        if let Some(t) = opt(JobField::Timeout) {
            parse_duration(&t)?;
        }
        let retries = match text(JobField::Retries).as_str() {
            "" => 0,
            r => r
                .parse::<u32>()
                .map_err(|_| format!("retries {r:?}? give a whole number, e.g. 2"))?,
        };
        Ok(JobDef {
            name,
            schedule: opt(JobField::Schedule),
            tz: opt(JobField::Tz),
            timeout: opt(JobField::Timeout),
            retries,
            description: text(JobField::Description),
            ..def
        })
    }
}

/// What a field starts with when a job is edited.
fn value_of(def: &JobDef, f: JobField) -> String {
    let o = |x: &Option<String>| x.clone().unwrap_or_default();
    match f {
        JobField::Name => def.name.clone(),
        JobField::Schedule => o(&def.schedule),
        JobField::Tz => o(&def.tz),
        JobField::Command => def.command.clone(),
        JobField::Cwd => o(&def.cwd),
        JobField::Timeout => o(&def.timeout),
        JobField::Retries => def.retries.to_string(),
        JobField::Description => def.description.clone(),
        JobField::Agent => o(&def.agent),
        JobField::Prompt => o(&def.prompt),
        JobField::DagsterJob => o(&def.dagster_job),
        JobField::RunConfig => o(&def.dagster_config),
        JobField::Instance => o(&def.dagster_instance),
        JobField::Ambient => o(&def.ambient),
        JobField::Model => o(&def.model),
        JobField::MaxCards => def.max_cards.map(|n| n.to_string()).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::action::TextEdit;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap()
    }

    fn typed(f: &mut JobForm, s: &str, tz: Tz) {
        for c in s.chars() {
            f.update(&Action::Text(TextEdit::Insert(c)), now(), tz);
        }
    }

    #[test]
    fn the_cron_is_checked_as_it_is_typed() {
        let tz: Tz = "Asia/Seoul".parse().unwrap();
        let mut f = JobForm::add(now(), tz);
        typed(&mut f, "brief", tz);
        f.update(&Action::NextField, now(), tz);
        assert_eq!(f.check, CronCheck::OnDemand);
        typed(&mut f, "0 7 * * 1-", tz);
        assert!(matches!(&f.check, CronCheck::Bad(_)), "{:?}", f.check);
        typed(&mut f, "5", tz);
        let CronCheck::Fires { words, next } = &f.check else {
            panic!("{:?}", f.check)
        };
        assert_eq!(words, "weekdays at 07:00 KST");
        // Sunday 10:00 in Seoul: the next fire is Monday 07:00.
        assert_eq!(next[0], "Mon 11-23 07:00");
        assert_eq!(next.len(), 5);
        assert!(f.to_def().unwrap_err().contains("command"));
        f.focus = 3;
        typed(&mut f, "echo 안녕", tz);
        f.focus = 2;
        typed(&mut f, "Mars/Base", tz);
        assert!(matches!(f.check, CronCheck::Bad(_)));
        f.update(&Action::Text(TextEdit::Clear), now(), tz);
        typed(&mut f, "America/New_York", tz);
        let def = f.to_def().unwrap();
        assert_eq!(def.schedule.as_deref(), Some("0 7 * * 1-5"));
        assert_eq!(def.tz.as_deref(), Some("America/New_York"));
        assert_eq!(def.command, "echo 안녕");
        assert_eq!(def.retries, 0);
    }

    #[test]
    fn an_edit_keeps_what_the_form_does_not_show() {
        let tz: Tz = "Asia/Seoul".parse().unwrap();
        let mut base = JobDef {
            name: "backup".into(),
            kind: "shell".into(),
            schedule: Some("30 2 * * *".into()),
            command: "restic backup".into(),
            enabled: false,
            ..JobDef::default()
        };
        base.env.insert("RESTIC_REPO".into(), "/srv".into());
        let mut f = JobForm::edit(base, now(), tz);
        assert!(!f.dirty());
        f.focus = 6;
        f.update(&Action::Text(TextEdit::Clear), now(), tz);
        typed(&mut f, "two", tz);
        assert!(f.to_def().unwrap_err().contains("whole number"));
        f.update(&Action::Text(TextEdit::Clear), now(), tz);
        typed(&mut f, "2", tz);
        let def = f.to_def().unwrap();
        assert_eq!(def.retries, 2);
        assert!(!def.enabled);
        assert_eq!(def.env["RESTIC_REPO"], "/srv");
        f.focus = 0;
        typed(&mut f, " X", tz);
        assert!(f.to_def().unwrap_err().contains("slug"));
    }

    /// `e` on an agent job asked for a shell command and dropped what was
    /// typed; the form now shows the agent job's own fields and saves them.
    #[test]
    fn each_kind_edits_its_own_fields() {
        let tz: Tz = "Asia/Seoul".parse().unwrap();
        let agent = JobDef {
            name: "brief".into(),
            kind: "agent".into(),
            agent: Some("writer".into()),
            prompt: Some("오늘 일정 요약".into()),
            ..JobDef::default()
        };
        let mut f = JobForm::edit(agent, now(), tz);
        let kinds: Vec<JobField> = f.fields.iter().map(|(k, _)| *k).collect();
        assert!(kinds.contains(&JobField::Prompt) && !kinds.contains(&JobField::Command));
        assert_eq!(f.title(), "Edit agent job brief");
        assert_eq!(f.value(JobField::Prompt), "오늘 일정 요약");
        f.focus = kinds.iter().position(|k| *k == JobField::Prompt).unwrap();
        f.update(&Action::Text(TextEdit::Clear), now(), tz);
        assert!(f.to_def().unwrap_err().contains("prompt"));
        typed(&mut f, "내일 일정", tz);
        let def = f.to_def().unwrap();
        assert_eq!(def.prompt.as_deref(), Some("내일 일정"));
        assert_eq!(def.agent.as_deref(), Some("writer"));
        assert_eq!(def.command, "");

        let dg = JobDef {
            name: "etl".into(),
            kind: "dagster".into(),
            dagster_job: Some("etl_job".into()),
            ..JobDef::default()
        };
        let mut f = JobForm::edit(dg, now(), tz);
        f.focus = f
            .fields
            .iter()
            .position(|(k, _)| *k == JobField::RunConfig)
            .unwrap();
        typed(&mut f, "ops: {load: {config: {day: 1}}}", tz);
        let def = f.to_def().unwrap();
        assert_eq!(
            def.dagster_config.as_deref(),
            Some("ops: {load: {config: {day: 1}}}")
        );
        assert_eq!(def.dagster_job.as_deref(), Some("etl_job"));

        let amb = JobDef {
            name: "cards".into(),
            kind: "ambient".into(),
            ambient: Some("knowledge-cards".into()),
            ..JobDef::default()
        };
        let mut f = JobForm::edit(amb, now(), tz);
        f.focus = f
            .fields
            .iter()
            .position(|(k, _)| *k == JobField::MaxCards)
            .unwrap();
        typed(&mut f, "many", tz);
        assert!(f.to_def().unwrap_err().contains("whole number"));
        f.update(&Action::Text(TextEdit::Clear), now(), tz);
        typed(&mut f, "7", tz);
        assert_eq!(f.to_def().unwrap().max_cards, Some(7));
    }
}
