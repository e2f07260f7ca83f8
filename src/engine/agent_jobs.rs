//! The `agent` job kind's definition (flags ↔ `AgentSpec`) and its prompt
//! templates (minijinja, strict: an unknown name is an error when the job is
//! saved, not an empty hole in a briefing). What a template can use:
//!
//! | name | value |
//! |---|---|
//! | `{{date}}`, `{{now}}` | today (YYYY-MM-DD) and now (RFC 3339), in the job's zone |
//! | `{{tasks.ready}}`, `{{tasks.overdue}}` | task lists, one `- #id [p1] title` per line |
//! | `{{runs.failed_24h}}` | failed runs of the last 24 hours |
//! | `{{jobs.next}}` | the next fires |
//! | `{{collect.NAME}}` | the output of a `collect` command |
//! | `{{upstream.result}}`, `{{upstream.log_tail}}`, `{{upstream.status}}`, `{{upstream.job}}`, `{{upstream.error}}` | the run that triggered this one (empty when none) |
//! | `{{task.id}}`, `{{task.title}}`, `{{task.body}}`, `{{task.context}}` | the task the run works on (a hand-off or a worker's claim; empty when none) |
//! | `{{params.KEY}}` | a run parameter the job declares (`--param-default KEY=VALUE`): the run's value, else the default |

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use chrono_tz::Tz;
use minijinja::{Environment, UndefinedBehavior, Value, context};

use super::Engine;
use super::chains::Upstream;
use super::handoff::TaskBrief;
use super::job_def::JobDef;
use crate::domain::{AgentSpec, Collect, JobSpec, RunStatus};
use crate::error::{Error, Result};
use crate::store::runs::RunFilter;

/// How many items each list in a template holds at most.
const LIST_MAX: usize = 20;

pub fn spec_of_agent(def: &JobDef) -> Result<JobSpec> {
    let agent = def.agent.clone().unwrap_or_default();
    if agent.trim().is_empty() {
        return Err(
            Error::user(format!("job {} needs an agent (--agent NAME)", def.name))
                .hint("`jr agents list` shows the configured agents"),
        );
    }
    let prompt = def.prompt.clone().unwrap_or_default();
    if prompt.trim().is_empty() {
        return Err(Error::user(format!(
            "job {} needs a prompt template (--prompt TEXT)",
            def.name
        )));
    }
    let collect: Vec<Collect> = def
        .collect
        .iter()
        .enumerate()
        .map(|(i, c)| Collect::parse(c, i))
        .collect();
    let mut seen = std::collections::HashSet::new();
    for c in &collect {
        if c.command.is_empty() {
            return Err(Error::user(format!("collect {} has no command", c.name)));
        }
        if !seen.insert(c.name.clone()) {
            return Err(Error::user(format!(
                "collect name {} is used twice",
                c.name
            )));
        }
    }
    let names: Vec<String> = collect.iter().map(|c| c.name.clone()).collect();
    check_template(&prompt, &names, &def.params)
        .map_err(|e| Error::user(format!("job {}: the prompt template: {e}", def.name)))?;
    if let Some(p) = &def.output_file {
        check_template(p, &names, &def.params)
            .map_err(|e| Error::user(format!("job {}: the output file path: {e}", def.name)))?;
    }
    Ok(JobSpec::Agent(AgentSpec {
        agent,
        prompt,
        collect,
        output_file: def.output_file.clone(),
    }))
}

pub fn fill_def(def: &mut JobDef, a: &AgentSpec) {
    def.agent = Some(a.agent.clone());
    def.prompt = Some(a.prompt.clone());
    def.collect = a.collect.iter().map(Collect::text).collect();
    def.output_file = a.output_file.clone();
}

fn env() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
    env
}

pub fn render(template: &str, ctx: &Value) -> std::result::Result<String, String> {
    env().render_str(template, ctx).map_err(|e| {
        let mut msg = e.to_string();
        if let Some(line) = e.line() {
            msg = format!("{msg} (line {line})");
        }
        msg
    })
}

/// Render with placeholder values: syntax errors and unknown names show now.
pub fn check_template(
    template: &str,
    collect: &[String],
    params: &BTreeMap<String, String>,
) -> std::result::Result<(), String> {
    let collected: BTreeMap<String, String> =
        collect.iter().map(|n| (n.clone(), String::new())).collect();
    let now = Utc::now().with_timezone(&chrono_tz::UTC);
    render(template, &context_of(now, Lists::default(), &collected, None, None, params))
        .map(|_| ())
        .map_err(|e| {
            format!("{e}; names: date, now, tasks.ready, tasks.overdue, runs.failed_24h, jobs.next, collect.NAME, upstream.result, upstream.log_tail, upstream.status, task.id, task.title, task.body, task.context, params.KEY (declared with --param-default)")
        })
}

#[derive(Debug, Default)]
pub struct Lists {
    pub ready: String,
    pub overdue: String,
    pub failed_24h: String,
    pub next: String,
}

fn context_of(
    now: chrono::DateTime<Tz>,
    lists: Lists,
    collect: &BTreeMap<String, String>,
    upstream: Option<&Upstream>,
    task: Option<&TaskBrief>,
    params: &BTreeMap<String, String>,
) -> Value {
    let up = upstream.cloned().unwrap_or_default();
    let t = task.cloned().unwrap_or_default();
    let task_id = task.map(|t| t.id.to_string()).unwrap_or_default();
    context! {
        date => now.format("%Y-%m-%d").to_string(),
        now => now.to_rfc3339(),
        tasks => context! { ready => lists.ready, overdue => lists.overdue },
        runs => context! { failed_24h => lists.failed_24h },
        jobs => context! { next => lists.next },
        collect => Value::from_serialize(collect),
        upstream => context! {
            run => up.run, job => up.job, status => up.status, result => up.result,
            error => up.error, log_tail => up.log_tail,
        },
        task => context! { id => task_id, title => t.title, body => t.body, context => t.context },
        params => Value::from_serialize(params),
    }
}

fn lines(items: Vec<String>) -> String {
    if items.is_empty() {
        "(none)".into()
    } else {
        items.join("\n")
    }
}

impl Engine {
    /// jr's own data for a prompt template, in zone `tz`.
    pub fn prompt_lists(&self, tz: Tz) -> Result<Lists> {
        let task_line = |t: &crate::domain::Task| {
            let due = t
                .due
                .as_ref()
                .map(|d| format!(" (due {})", d.to_rfc3339(tz)))
                .unwrap_or_default();
            format!("- #{} [{}] {}{due}", t.id, t.priority, t.title)
        };
        let ready = self
            .ready_tasks(None, LIST_MAX)?
            .iter()
            .map(task_line)
            .collect();
        let overdue = self
            .overdue_tasks(LIST_MAX)?
            .iter()
            .map(task_line)
            .collect();
        let since = self.now() - Duration::hours(24);
        let failed = self
            .list_runs(&RunFilter {
                statuses: vec![RunStatus::Failed, RunStatus::Timeout, RunStatus::Lost],
                limit: 200,
                ..Default::default()
            })?
            .into_iter()
            .filter(|r| r.queued_at >= since)
            .take(LIST_MAX)
            .map(|r| {
                format!(
                    "- {} run #{} {} at {}: {}",
                    r.job,
                    r.id,
                    r.status,
                    r.finished_at
                        .unwrap_or(r.queued_at)
                        .with_timezone(&tz)
                        .format("%Y-%m-%d %H:%M"),
                    r.error.unwrap_or_default()
                )
            })
            .collect();
        let next = self
            .next_fires(LIST_MAX)?
            .into_iter()
            .map(|f| format!("- {} at {}", f.job, f.at))
            .collect();
        Ok(Lists {
            ready: lines(ready),
            overdue: lines(overdue),
            failed_24h: lines(failed),
            next: lines(next),
        })
    }

    /// Render an agent job's template (the prompt, or its output path)
    /// with the run's `params`.
    pub fn render_job_template(
        &self,
        template: &str,
        tz: Tz,
        collect: &BTreeMap<String, String>,
        (upstream, task): (Option<&Upstream>, Option<&TaskBrief>),
        params: &BTreeMap<String, String>,
    ) -> Result<String> {
        let ctx = context_of(
            self.now().with_timezone(&tz),
            self.prompt_lists(tz)?,
            collect,
            upstream,
            task,
            params,
        );
        render(template, &ctx).map_err(|e| Error::user(format!("the prompt template: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_render_and_unknown_names_are_refused() {
        let mut collect = BTreeMap::new();
        collect.insert("weather".to_string(), "맑음 3°C".to_string());
        let up = Upstream {
            run: 7,
            job: "backup".into(),
            status: "failed".into(),
            result: String::new(),
            error: "exited with status 2".into(),
            log_tail: "restic: repository locked".into(),
        };
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T07:00:00+09:00")
            .unwrap()
            .with_timezone(&chrono_tz::Asia::Seoul);
        let lists = Lists {
            ready: "- #3 [p1] 스케줄러 버그 고치기".into(),
            ..Default::default()
        };
        let task = TaskBrief {
            id: 12,
            title: "로그 정리".into(),
            body: "오래된 로그를 지운다".into(),
            context: String::new(),
        };
        let mut params = BTreeMap::new();
        params.insert("target".to_string(), "나스".to_string());
        let ctx = context_of(now, lists, &collect, Some(&up), Some(&task), &params);
        let table = [
            ("오늘은 {{date}}", "오늘은 2026-11-22"),
            ("{{tasks.ready}}", "- #3 [p1] 스케줄러 버그 고치기"),
            ("날씨: {{collect.weather}}", "날씨: 맑음 3°C"),
            (
                "{{upstream.job}} {{upstream.status}}: {{upstream.log_tail}}",
                "backup failed: restic: repository locked",
            ),
            (
                "{% if upstream.status == 'failed' %}요약해줘{% endif %}",
                "요약해줘",
            ),
            (
                "#{{task.id}} {{task.title}}: {{task.body}}",
                "#12 로그 정리: 오래된 로그를 지운다",
            ),
            ("{{params.target}}에 백업", "나스에 백업"),
        ];
        for (tpl, want) in table {
            assert_eq!(render(tpl, &ctx).unwrap(), want, "{tpl}");
        }
        let w = ["weather".to_string()];
        assert!(check_template("{{date}} {{collect.weather}}", &w, &params).is_ok());
        assert!(check_template("{{params.target}}", &w, &params).is_ok());
        for bad in [
            "{{task.ready}}",
            "{{collect.nope}}",
            "{% if %}",
            "{{ date ",
            "{{params.nope}}",
        ] {
            let e = check_template(bad, &w, &params).unwrap_err();
            assert!(e.contains("names: date"), "{bad}: {e}");
        }
    }
}
