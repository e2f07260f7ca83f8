//! Tasks handed to agents, jobs and Dagster ("propagation"). A hand-off
//! claims the task as `agent:NAME` / `job:NAME`, moves it to in_progress and
//! links the work to it (`runs.task_id`, `agent_runs.task_id`); when the work
//! ends after its last attempt, `settle_*` moves the task on: success → review
//! with a note carrying the result, failure → back to pending, cancelled →
//! released where it stands. A worker job (`takes_tasks`) claims the top
//! ready task with its tag when its run starts. Every claim is one IMMEDIATE
//! transaction, so two workers — threads or processes — never take one task.
//! The settle functions run inside the transaction that ends the run.

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::Serialize;

use super::Engine;
use super::agent_run::Invocation;
use crate::domain::agent::{AgentRun, AgentRunStatus};
use crate::domain::task::Transition;
use crate::domain::{Job, JobSpec, Run, RunStatus, Source, Task, TaskStatus, Trigger};
use crate::error::{Error, Result};
use crate::store::agent_runs;
use crate::store::jobs as jobs_repo;
use crate::store::runs::{self as runs_repo, NewRun, RunFilter};
use crate::store::tasks as repo;

pub use super::handoff_text::{TaskBrief, agent_prompt, note_for};

/// Who a task is handed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignee {
    Agent(String),
    Job(String),
}

impl Assignee {
    /// The claim the task carries while the work runs.
    pub fn claim(&self) -> String {
        match self {
            Assignee::Agent(n) => format!("agent:{n}"),
            Assignee::Job(n) => format!("job:{n}"),
        }
    }
}

/// One piece of work done on a task: a jr run or an agent execution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkItem {
    /// `run` or `execution`.
    pub kind: &'static str,
    pub id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    pub status: String,
    #[serde(with = "crate::domain::rfc3339::option")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(with = "crate::domain::rfc3339::option")]
    pub finished_at: Option<DateTime<Utc>>,
}

/// Output lines a note carries when the run has no result of its own.
const NOTE_TAIL_LINES: usize = 10;

/// How many runs of one task the ledger shows.
const WORK_MAX: usize = 200;

fn task_not_found(id: i64) -> Error {
    Error::user(format!("no task with id {id}"))
        .hint("`jr tasks list --all` shows every task and its id")
}

/// May `who` take task `t` now? Checked inside the claiming transaction.
fn check_assignable(tx: &Connection, t: &Task, who: &str) -> Result<()> {
    let id = t.id;
    if t.status.is_closed() {
        return Err(Error::user(format!(
            "task {id} is {}; there is nothing to hand on",
            t.status
        ))
        .hint(format!("reopen it first (`jr tasks reopen {id}`)")));
    }
    if let Some(holder) = t.claimed_by.as_deref()
        && holder != who
    {
        return Err(
            Error::user(format!("task {id} is claimed by {holder}")).hint(format!(
                "it is theirs until they release it (`jr tasks release {id}`)"
            )),
        );
    }
    if let Some(r) = runs_repo::active_for_task(tx, id)? {
        return Err(Error::user(format!(
            "task {id} is already being worked on by run #{} of {} ({})",
            r.id, r.job, r.status
        ))
        .hint(format!(
            "wait for it, or cancel it (`jr runs cancel {}`)",
            r.id
        )));
    }
    // An execution counts while its agent holds the task: one left
    // `running` by a process that died stops blocking once released.
    if let Some(x) = agent_runs::running_for_task(tx, id)?
        && t.claimed_by.as_deref() == Some(Assignee::Agent(x.agent.clone()).claim().as_str())
    {
        return Err(Error::user(format!(
            "task {id} is already being worked on by execution #{} of agent {}",
            x.id, x.agent
        )));
    }
    if t.status != TaskStatus::InProgress {
        let blockers = repo::open_blockers(tx, id)?;
        if !blockers.is_empty() {
            let list: Vec<String> = blockers
                .iter()
                .map(|(b, title, s)| format!("#{b} {title:?} ({s})"))
                .collect();
            return Err(
                Error::user(format!("task {id} is blocked by {}", list.join(", ")))
                    .hint("finish those first (`jr tasks done ID`)"),
            );
        }
    }
    Ok(())
}

/// Claim `t` for `who` and move it to in_progress, with events. In `tx`.
fn take(tx: &Connection, t: &Task, who: &str, src: &str, now: DateTime<Utc>) -> Result<()> {
    if !repo::claim(tx, t.id, who, now)? {
        return Err(Error::user(format!(
            "task {} was claimed by someone else just now",
            t.id
        )));
    }
    if t.claimed_by.as_deref() != Some(who) {
        repo::add_event(
            tx,
            t.id,
            now,
            src,
            "claimed_by",
            t.claimed_by.as_deref(),
            Some(who),
        )?;
    }
    if t.status != TaskStatus::InProgress {
        debug_assert!(Transition::Start.allowed_from(t.status));
        repo::set_status(tx, t.id, TaskStatus::InProgress, now)?;
        repo::add_event(
            tx,
            t.id,
            now,
            src,
            "status",
            Some(t.status.as_str()),
            Some(TaskStatus::InProgress.as_str()),
        )?;
    }
    Ok(())
}

/// How a piece of work ended, for the task it worked on.
enum Ending {
    Success,
    Failure,
    Cancelled,
}

/// Move the task on after work by `who` ended; `note` says how. In `tx`.
fn settle(
    tx: &Connection,
    task_id: i64,
    who: &str,
    ending: Ending,
    note: &str,
    src: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(t) = repo::get(tx, task_id)? else {
        return Ok(());
    };
    if t.claimed_by.as_deref() != Some(who) {
        // Released or handed to someone else meanwhile: the result is kept,
        // the task is left where its new owner put it.
        let note = format!("{note} (the task was no longer claimed by {who}; left as it was)");
        return repo::add_event(tx, task_id, now, src, "note", None, Some(&note));
    }
    repo::add_event(tx, task_id, now, src, "note", None, Some(note))?;
    let target = match ending {
        Ending::Success => Some(TaskStatus::Review),
        Ending::Failure => Some(TaskStatus::Pending),
        Ending::Cancelled => None,
    };
    if let Some(to) = target
        && t.status == TaskStatus::InProgress
    {
        repo::set_status(tx, task_id, to, now)?;
        repo::add_event(
            tx,
            task_id,
            now,
            src,
            "status",
            Some(t.status.as_str()),
            Some(to.as_str()),
        )?;
    }
    repo::release(tx, task_id, now)?;
    repo::add_event(tx, task_id, now, src, "claimed_by", Some(who), None)
}

/// After `run` ended in `tx` (no retry follows): its task moves on.
pub(crate) fn settle_run_in(tx: &Connection, run_id: i64, now: DateTime<Utc>) -> Result<()> {
    let Some(run) = runs_repo::get(tx, run_id)? else {
        return Ok(());
    };
    let Some(task_id) = run.task_id else {
        return Ok(());
    };
    let ending = match run.status {
        RunStatus::Success => Ending::Success,
        RunStatus::Cancelled => Ending::Cancelled,
        s if s.is_failure() => Ending::Failure,
        _ => return Ok(()),
    };
    let who = Assignee::Job(run.job.clone()).claim();
    // A run without a result of its own (a shell job) is told by its last lines.
    let tail = match run.result.as_deref().filter(|r| !r.trim().is_empty()) {
        Some(_) => None,
        None => {
            let lines = runs_repo::output_tail(tx, run.id, NOTE_TAIL_LINES)?;
            let text: Vec<&str> = lines
                .iter()
                .filter(|l| matches!(l.stream.as_str(), "out" | "err"))
                .map(|l| l.line.as_str())
                .collect();
            Some(text.join("\n"))
        }
    };
    let note = note_for(
        &format!("run #{} of job {}", run.id, run.job),
        run.status.as_str(),
        tail.as_deref().or(run.result.as_deref()),
        run.error.as_deref(),
    );
    settle(tx, task_id, &who, ending, &note, Source::Job.as_str(), now)
}

/// Whether the runner will queue another attempt after `run` ends with `status`.
pub(crate) fn will_retry(tx: &Connection, run: &Run, status: RunStatus) -> Result<bool> {
    if !matches!(status, RunStatus::Failed | RunStatus::Timeout) {
        return Ok(false);
    }
    let Some(job) = run
        .job_id
        .and_then(|j| jobs_repo::get_by_id(tx, j).transpose())
    else {
        return Ok(false);
    };
    Ok(run.attempt <= job?.retries)
}

impl Engine {
    /// Hand task `id` to a job: claim it as `job:NAME`, move it to
    /// in_progress and queue a run that carries it, in one transaction.
    pub fn assign_task_to_job(&self, id: i64, job: &str, source: Source) -> Result<(Task, Run)> {
        let job = self.get_job(job)?;
        if matches!(job.spec, JobSpec::Ambient(_)) {
            return Err(Error::user(format!(
                "job {} is an ambient job; it does its own work and cannot take a task",
                job.name
            ))
            .hint("hand the task to a shell, agent or dagster job"));
        }
        let who = Assignee::Job(job.name.clone()).claim();
        let trigger = match source {
            Source::Mcp => Trigger::Mcp,
            Source::Chat => Trigger::Chat,
            _ => Trigger::Manual,
        };
        let now = self.now();
        let run_id = self.store.write(|tx| {
            let t = repo::get(tx, id)?.ok_or_else(|| task_not_found(id))?;
            check_assignable(tx, &t, &who)?;
            take(tx, &t, &who, source.as_str(), now)?;
            let run = runs_repo::insert(
                tx,
                &NewRun {
                    task_id: Some(id),
                    ..NewRun::queued(job.id, &job.name, trigger, now)
                },
            )?
            .ok_or_else(|| Error::user("the run could not be recorded"))?;
            let note = format!("handed to job {} (run #{run})", job.name);
            repo::add_event(tx, id, now, source.as_str(), "note", None, Some(&note))?;
            Ok(run)
        })?;
        Ok((self.get_task(id)?, self.get_run(run_id)?))
    }

    /// Hand task `id` to a configured agent: claim it as `agent:NAME`, move
    /// it to in_progress, and return the invocation whose prompt carries the
    /// task (title, body, notes, sub-tasks, dependencies). The caller runs it
    /// (`run_agent`) and then calls `settle_execution`.
    pub fn assign_task_to_agent(
        &self,
        id: i64,
        agent: &str,
        source: Source,
    ) -> Result<(Task, Invocation)> {
        // Everything that can be wrong with the agent shows before the claim.
        let probe = self.prepare_agent(agent, "")?;
        let who = Assignee::Agent(probe.agent.clone()).claim();
        let now = self.now();
        self.store.write(|tx| {
            let t = repo::get(tx, id)?.ok_or_else(|| task_not_found(id))?;
            check_assignable(tx, &t, &who)?;
            take(tx, &t, &who, source.as_str(), now)?;
            let note = format!("handed to agent {}", probe.agent);
            repo::add_event(tx, id, now, source.as_str(), "note", None, Some(&note))
        })?;
        let prompt = agent_prompt(&self.task_brief(id)?);
        let inv = match self.prepare_agent(&probe.agent, &prompt) {
            Ok(mut inv) => {
                inv.task_id = Some(id);
                inv
            }
            Err(e) => {
                // Gone between the two looks: give the task back.
                let note = format!(
                    "the hand-off to agent {} failed: {}",
                    probe.agent, e.message
                );
                self.store.write(|tx| {
                    settle(tx, id, &who, Ending::Failure, &note, source.as_str(), now)
                })?;
                return Err(e);
            }
        };
        Ok((self.get_task(id)?, inv))
    }

    /// After an agent execution on a task ended: move the task on.
    pub fn settle_execution(&self, x: &AgentRun) -> Result<()> {
        let Some(task_id) = x.task_id else {
            return Ok(());
        };
        let ending = match x.status {
            AgentRunStatus::Success => Ending::Success,
            AgentRunStatus::Failed => Ending::Failure,
            AgentRunStatus::Stopped => Ending::Cancelled,
            AgentRunStatus::Running => return Ok(()),
        };
        let who = Assignee::Agent(x.agent.clone()).claim();
        let result = (x.status == AgentRunStatus::Success).then_some(x.output.as_str());
        let note = note_for(
            &format!("execution #{} of agent {}", x.id, x.agent),
            x.status.as_str(),
            result,
            x.error.as_deref(),
        );
        let now = self.now();
        self.store.write(|tx| {
            settle(
                tx,
                task_id,
                &who,
                ending,
                &note,
                Source::Agent.as_str(),
                now,
            )
        })
    }

    /// The hand-off failed before an execution was recorded: release the task.
    pub fn abandon_agent_handoff(&self, id: i64, agent: &str, why: &str) -> Result<()> {
        let who = Assignee::Agent(agent.to_string()).claim();
        let note = format!("the hand-off to agent {agent} failed: {why}");
        let now = self.now();
        self.store.write(|tx| {
            settle(
                tx,
                id,
                &who,
                Ending::Failure,
                &note,
                Source::Agent.as_str(),
                now,
            )
        })
    }

    /// A worker's run starts: claim the top ready task tagged `job.takes_tasks`
    /// for run `run_id`, in one transaction. None: nothing is ready.
    pub fn take_task_for_run(&self, run_id: i64, job: &Job) -> Result<Option<Task>> {
        let Some(tag) = job.takes_tasks.as_deref() else {
            return Ok(None);
        };
        let who = Assignee::Job(job.name.clone()).claim();
        let now = self.now();
        let src = Source::Job.as_str();
        let taken = self.store.write(|tx| {
            let Some(t) = repo::ready_tagged(tx, tag)? else {
                return Ok(None);
            };
            take(tx, &t, &who, src, now)?;
            runs_repo::set_task(tx, run_id, t.id)?;
            let note = format!("taken by job {} (run #{run_id})", job.name);
            repo::add_event(tx, t.id, now, src, "note", None, Some(&note))?;
            Ok(Some(t.id))
        })?;
        taken.map(|id| self.get_task(id)).transpose()
    }

    /// What the work on a task is told about it.
    pub fn task_brief(&self, id: i64) -> Result<TaskBrief> {
        let d = self.task_detail(id)?;
        let deps = d
            .task
            .depends_on
            .iter()
            .filter_map(|i| repo::get(self.store.conn(), *i).transpose())
            .collect::<Result<Vec<_>>>()?;
        Ok(TaskBrief::new(&d, &deps, self.tz))
    }

    /// Every run and agent execution that worked on the task, oldest first.
    /// An agent job's execution is part of its run and is not listed twice.
    pub fn task_work(&self, id: i64) -> Result<Vec<WorkItem>> {
        let conn = self.store.conn();
        let mut out: Vec<WorkItem> = runs_repo::list(
            conn,
            &RunFilter {
                task: Some(id),
                limit: WORK_MAX,
                ..Default::default()
            },
        )?
        .into_iter()
        .map(|r| WorkItem {
            kind: "run",
            id: r.id,
            job: Some(r.job),
            agent: None,
            status: r.status.to_string(),
            started_at: r.started_at.or(Some(r.queued_at)),
            finished_at: r.finished_at,
        })
        .collect();
        out.extend(
            agent_runs::for_task(conn, id)?
                .into_iter()
                .filter(|x| x.run_id.is_none())
                .map(|x| WorkItem {
                    kind: "execution",
                    id: x.id,
                    job: None,
                    agent: Some(x.agent),
                    status: x.status.as_str().to_string(),
                    started_at: Some(x.started_at),
                    finished_at: x.finished_at,
                }),
        );
        out.sort_by_key(|w| (w.started_at, w.id));
        Ok(out)
    }

    /// Add a note to a task (shown in its history and handed to its work).
    pub fn add_task_note(&self, id: i64, text: &str, source: Source) -> Result<Task> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::user("a note needs some text"));
        }
        let now = self.now();
        self.store.write(|tx| {
            if !repo::exists(tx, id)? {
                return Err(task_not_found(id));
            }
            repo::add_event(tx, id, now, source.as_str(), "note", None, Some(text))?;
            repo::touch(tx, id, now)
        })?;
        self.get_task(id)
    }
}
