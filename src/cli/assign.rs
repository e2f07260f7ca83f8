//! `jr tasks assign ID (--agent NAME | --job NAME)`: hand a task on. A job's
//! run is queued carrying the task (the scheduler starts it; with none, it
//! runs here in the foreground, as `jr run` does); an agent runs here with
//! the task in its prompt, its answer streamed. The task moves on when the
//! work ends (see engine/handoff.rs).

use clap::Args;
use serde::Serialize;

use super::Ctx;
use super::output::{self, one_line};
use crate::clients::llm::Chunk;
use crate::domain::agent::{AgentRun, AgentRunStatus};
use crate::domain::{Run, RunStatus, Source};
use crate::engine::Engine;
use crate::engine::lease::Me;
use crate::engine::views::TaskRecord;
use crate::error::{Error, Result};

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("to").required(true).args(["agent", "job"])))]
pub struct AssignArgs {
    pub id: i64,
    /// A configured agent: it runs here with the task in its prompt.
    #[arg(long)]
    pub agent: Option<String>,
    /// A job (shell, agent or dagster): a run is queued carrying the task.
    #[arg(long)]
    pub job: Option<String>,
    /// Wait for the work to end; exit 0 only when it succeeded (an agent always waits).
    #[arg(long)]
    pub wait: bool,
    #[arg(long)]
    pub json: bool,
}

/// `--json`: the task as it stands, and the work it was handed to.
#[derive(Serialize)]
struct Assigned {
    task: TaskRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    run: Option<Run>,
    #[serde(skip_serializing_if = "Option::is_none")]
    execution: Option<AgentRun>,
}

pub fn run(ctx: &Ctx, e: Engine, a: AssignArgs) -> Result<i32> {
    match (a.agent.clone(), a.job.clone()) {
        (Some(agent), None) => to_agent(e, a, &agent),
        (None, Some(job)) => to_job(ctx, e, a, &job),
        _ => Err(Error::user("give either --agent NAME or --job NAME")),
    }
}

fn to_job(ctx: &Ctx, e: Engine, a: AssignArgs, job: &str) -> Result<i32> {
    let (task, run) = e.assign_task_to_job(a.id, job, Source::Cli)?;
    let me = Me::this_process();
    let lease = e.live_lease(&me.host)?;
    if !a.json {
        eprintln!(
            "task #{} {} is claimed by job:{} and in_progress; run #{} queued",
            task.id,
            one_line(&task.title),
            run.job,
            run.id
        );
    }
    let done = match lease {
        Some(l) if a.wait => {
            if !a.json {
                eprintln!(
                    "the scheduler ({} pid {} on {}) starts it; waiting",
                    l.role, l.pid, l.host
                );
            }
            let mut last = super::runs::wait_for_end(&e, run.id, !a.json)?;
            // Its retries are the same work: wait for the last attempt.
            while let Some(next) = next_attempt(&e, &last)? {
                last = super::runs::wait_for_end(&e, next.id, !a.json)?;
            }
            Some(last)
        }
        Some(l) => {
            if !a.json {
                eprintln!(
                    "the scheduler ({} pid {} on {}) starts it",
                    l.role, l.pid, l.host
                );
            }
            None
        }
        None => {
            if !a.json {
                eprintln!(
                    "no scheduler is running (start one with `jr daemon`); running {} here in the foreground",
                    run.job
                );
            }
            let fg = || {
                e.reopen()?.ok_or_else(|| {
                    Error::user("running a job in the foreground needs a database file")
                })
            };
            let mut last = super::runs::foreground(ctx, fg()?, run.id, !a.json)?;
            while let Some(next) = next_attempt(&e, &last)? {
                if let Some(nb) = next.not_before {
                    let wait = (nb - e.now()).to_std().unwrap_or_default();
                    if !a.json {
                        eprintln!("retrying in {}", crate::domain::job::format_duration(wait));
                    }
                    std::thread::sleep(wait);
                }
                last = super::runs::foreground(ctx, fg()?, next.id, !a.json)?;
            }
            Some(last)
        }
    };
    let task = e.get_task(a.id)?;
    let ok = done.as_ref().is_none_or(|r| r.status == RunStatus::Success);
    let run = match done {
        Some(r) => r,
        None => e.get_run(run.id)?,
    };
    if a.json {
        output::json(&Assigned {
            task: TaskRecord::from_task(&task, e.tz(), None),
            run: Some(run),
            execution: None,
        })?;
    } else if !run.status.is_active() {
        output::out(&format!(
            "run #{} {}; task #{} is {}\n",
            run.id, run.status, task.id, task.status
        ))?;
    }
    Ok(if ok { 0 } else { 1 })
}

/// The retry queued after `run` ended, if any.
fn next_attempt(e: &Engine, run: &Run) -> Result<Option<Run>> {
    let Some(task) = run.task_id else {
        return Ok(None);
    };
    let first = run.first_run.unwrap_or(run.id);
    Ok(e.list_runs(&crate::store::runs::RunFilter {
        task: Some(task),
        after_id: Some(run.id),
        limit: 10,
        ..Default::default()
    })?
    .into_iter()
    .rev()
    .find(|r| r.first_run == Some(first) && r.attempt == run.attempt + 1))
}

fn to_agent(e: Engine, a: AssignArgs, agent: &str) -> Result<i32> {
    let tz = e.tz();
    let db = crate::engine::shared::Shared::new(e);
    let rt = crate::runtime::current_thread()?;
    let stream = !a.json;
    let mut ended_with_newline = true;
    let mut announced = false;
    let id = a.id;
    let (task, done) = rt.block_on(async {
        let stop = super::agents::stop_on_ctrl_c();
        let mut on = |c: Chunk| {
            if !stream {
                return;
            }
            // The first piece: the claim is made, the agent at work.
            if !announced {
                announced = true;
                eprintln!("task #{id} handed to agent {agent}; its answer:");
            }
            super::agents::print_chunk(c, &mut ended_with_newline);
        };
        crate::engine::handoff_run::hand_to_agent(&db, id, agent, Source::Cli, stop, &mut on).await
    })?;
    if stream && !ended_with_newline {
        output::out("\n")?;
    }
    if a.json {
        output::json(&Assigned {
            task: TaskRecord::from_task(&task, tz, None),
            run: None,
            execution: Some(done.run.clone()),
        })?;
    } else {
        eprintln!(
            "execution #{} {}; task #{} is {}",
            done.run.id, done.run.status, task.id, task.status
        );
    }
    if let Some(err) = done.error {
        return Err(err);
    }
    Ok(if done.run.status == AgentRunStatus::Success {
        0
    } else {
        1
    })
}
