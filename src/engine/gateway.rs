//! Carrying out the chat router's decisions through the same engine
//! operations as the CLI, and wording the reply in the user's language. The
//! decision itself is made in `router` (pure); answers from live data are in
//! `chat_answers`; the model's own answers and delegations (async) in `chat`.

use serde::Serialize;

use super::Engine;
use crate::domain::task::Transition;
use crate::domain::{NewTask, Priority, Source, TaskStatus, Trigger};
use crate::error::{Error, Result};
use crate::router::lang::{is_korean, pick};
use crate::router::{
    AgentInfo, Catalog, Decision, Forbidden, Intent, Route, Target, TaskInfo, Via,
};

/// One turn's outcome: what `jr chat --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct ChatReply {
    /// The router's decision, whatever happened after it.
    pub route: Route,
    pub intent: &'static str,
    pub via: Via,
    /// What the turn acted on or would act on (null when none).
    pub target: Option<Target>,
    /// How the decision was carried out (see `Handled`).
    pub handled: Handled,
    pub reply: String,
    pub reason: String,
    pub urgent: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<i64>,
    /// The parameters the run gets (or would get), defaults included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<crate::domain::params::Params>,
    /// The recorded agent execution of a delegation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_run_id: Option<i64>,
    /// Set when the action could not be carried out (unknown task, blocked…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub dry_run: bool,
    /// The stored turn (not for dry runs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<i64>,
    /// What the reply listed, in order (for follow-ups).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shown: Vec<Target>,
}

/// How a decision was carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Handled {
    /// Answered from jr's data.
    Answered,
    /// Answered in the local model's own words.
    Model,
    /// The action was carried out.
    Acted,
    /// A local agent did the work.
    Agent,
    /// Filed as a task for the host agent.
    Deferred,
    /// Not carried out: a part of it is not allowed; filed for the host agent.
    Withheld,
    /// The cloud model answered.
    Escalated,
    /// Urgent and complex, filed as p0: no cloud model is configured.
    P0NoCloudModel,
    /// Urgent and complex, filed as p0: today's escalation budget is spent.
    P0BudgetSpent,
    /// Urgent and complex, filed as p0: the cloud model failed.
    P0CloudFailed,
    /// The action failed (unknown task, blocked move…).
    Failed,
    /// Decided only.
    DryRun,
}

impl Handled {
    pub fn as_str(self) -> &'static str {
        match self {
            Handled::Answered => "answered",
            Handled::Model => "model",
            Handled::Acted => "acted",
            Handled::Agent => "agent",
            Handled::Deferred => "deferred",
            Handled::Withheld => "withheld",
            Handled::Escalated => "escalated",
            Handled::P0NoCloudModel => "p0_no_cloud_model",
            Handled::P0BudgetSpent => "p0_budget_spent",
            Handled::P0CloudFailed => "p0_cloud_failed",
            Handled::Failed => "failed",
            Handled::DryRun => "dry_run",
        }
    }
}

/// Whether the gateway may escalate now, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalationBudget {
    Available,
    NoCloudModel,
    Spent,
    /// The cloud model was tried and failed.
    Failed,
}

impl ChatReply {
    pub fn new(d: &Decision, dry_run: bool) -> ChatReply {
        ChatReply {
            route: d.route,
            intent: d.intent.name(),
            via: d.via,
            target: d.target.clone(),
            handled: if dry_run {
                Handled::DryRun
            } else {
                Handled::Answered
            },
            reply: String::new(),
            reason: d.reason.clone(),
            urgent: d.urgent,
            task_id: None,
            run_id: None,
            params: None,
            agent_run_id: None,
            error: None,
            dry_run,
            turn_id: None,
            shown: Vec::new(),
        }
    }
}

impl Engine {
    /// What the router needs to know about the database.
    pub fn chat_catalog(&self) -> Result<Catalog> {
        Ok(Catalog {
            jobs: crate::store::jobs::names(self.store.conn())?,
            agents: self
                .list_agents()?
                .into_iter()
                .map(|a| AgentInfo {
                    name: a.name,
                    description: a.description,
                })
                .collect(),
            tasks: self
                .list_tasks(&crate::store::tasks::TaskFilter {
                    all: true,
                    limit: Some(500),
                    ..Default::default()
                })?
                .into_iter()
                .map(|t| TaskInfo {
                    id: t.id,
                    title: t.title.to_lowercase(),
                })
                .collect(),
        })
    }

    /// Carry out `d` for `msg` (or, with `dry_run`, only say what would happen).
    pub fn carry_out(
        &self,
        msg: &str,
        d: &Decision,
        dry_run: bool,
        escalation: EscalationBudget,
    ) -> Result<ChatReply> {
        let ko = is_korean(msg);
        let mut out = ChatReply::new(d, dry_run);
        if !dry_run && d.intent.acts() {
            out.handled = Handled::Acted;
        }
        let result = self.reply(msg, ko, d, dry_run, escalation, &mut out);
        match result {
            Ok(text) => out.reply = text,
            Err(e) if e.kind == crate::error::ErrorKind::User => {
                out.reply = e.message.clone();
                out.error = Some(e.message);
                out.handled = Handled::Failed;
            }
            Err(e) => return Err(e),
        }
        if dry_run {
            out.handled = Handled::DryRun;
        }
        Ok(out)
    }

    fn reply(
        &self,
        msg: &str,
        ko: bool,
        d: &Decision,
        dry: bool,
        esc: EscalationBudget,
        out: &mut ChatReply,
    ) -> Result<String> {
        let t = |k: &str, e: &str| if ko { k.to_string() } else { e.to_string() };
        Ok(match &d.intent {
            Intent::Greeting => t(
                "안녕하세요! jr 게이트웨이입니다. 할 일, 잡, 실행 상태를 묻거나 잡 실행·Task 상태 변경·Task 추가를 부탁하세요.",
                "Hello! This is jr's gateway. Ask about tasks, jobs and runs, or ask me to run a job, move a task or add one.",
            ),
            Intent::Capabilities => t(
                "할 수 있는 일: 상태 질문(할 일, 잡, 실행, 실패, 스케줄러, 에이전트), 기존 잡 지금 실행, Task 상태 변경, Task 추가, \
                 로컬 에이전트에게 작은 일 맡기기. 잡 작성·수정·삭제, Task 삭제, 설정 변경, 외부 연동, 코드 작성, 셸 명령은 하지 않고 \
                 호스트 에이전트에게 Task로 넘깁니다.",
                "I can answer status questions (tasks, jobs, runs, failures, the scheduler, agents), run an existing job now, \
                 move a task through its flow, add tasks and hand small work to a local agent. Creating, editing or deleting \
                 jobs, deleting tasks, settings, integrations, code and shell commands I file as tasks for the host agent.",
            ),
            Intent::TasksToday => self.tasks_today(ko, &mut out.shown)?,
            Intent::TasksList { status } => self.tasks_in(ko, status, &mut out.shown)?,
            Intent::TasksOpen => self.tasks_open(ko, &mut out.shown)?,
            Intent::JobWhy { job } => self.job_why(ko, job, &mut out.shown)?,
            Intent::AgentsList => self.agents_line(ko, &mut out.shown)?,
            Intent::AgentShow { agent } => self.agent_line(ko, agent)?,
            Intent::RunShow { id } => {
                let text = self.run_line(ko, *id)?;
                let run = self.get_run(*id)?;
                out.shown.push(Target::Run {
                    id: run.id,
                    job: Some(run.job.clone()),
                });
                out.target = Some(Target::Job { name: run.job });
                text
            }
            Intent::TaskShow { id } => {
                let task = self.get_task(*id)?;
                out.task_id = Some(task.id);
                let due = task
                    .due
                    .map(|d| crate::domain::due::relative(d.deadline(self.tz), self.now()))
                    .unwrap_or_default();
                format!(
                    "#{} {} — {}, {}{}",
                    task.id,
                    task.title,
                    task.status,
                    task.priority,
                    if due.is_empty() {
                        String::new()
                    } else {
                        format!(", due {due}")
                    }
                )
            }
            Intent::Status => self.status_line(ko)?,
            Intent::JobsList => self.jobs_line(ko, &mut out.shown)?,
            Intent::JobNext { job } => self.job_next(ko, job.as_deref(), &mut out.shown)?,
            Intent::RunsFailed => self.runs_line(ko, true, &mut out.shown)?,
            Intent::RunsRecent => self.runs_line(ko, false, &mut out.shown)?,
            Intent::Scheduler => {
                let host = super::lease::Me::this_process().host;
                match self.live_lease(&host)? {
                    Some(l) => format!(
                        "{} {} (pid {}, {})",
                        pick(
                            msg,
                            "스케줄러가 동작 중입니다:",
                            "The scheduler is running:"
                        ),
                        l.role,
                        l.pid,
                        l.host
                    ),
                    None => t(
                        "지금은 스케줄러가 없습니다. 잡이 돌려면 `jr daemon`이나 TUI를 실행하세요.",
                        "No scheduler is running; start `jr daemon` or the TUI so jobs fire.",
                    ),
                }
            }
            Intent::Clarify { asked, suggestions } => {
                if ko {
                    format!(
                        "'{asked}'라는 잡은 없습니다. 혹시 {}을(를) 말씀하신 건가요?",
                        suggestions.join(", ")
                    )
                } else {
                    format!(
                        "There is no job named '{asked}'. Did you mean {}?",
                        suggestions.join(", ")
                    )
                }
            }
            Intent::Unresolved { .. } => t(
                "무엇을 가리키는지 모르겠습니다: 이 대화에서 아직 그런 목록을 보여드리지 않았습니다. 먼저 '오늘 뭐 해야 해?'나 '잡 목록'처럼 물어보시거나 번호(#3, backup)로 말씀해 주세요.",
                "I can't tell what that points at: this conversation has not shown such a list yet. Ask for one first \
                 (\"what's on my plate?\", \"list jobs\") or name it (#3, backup).",
            ),
            Intent::RunAgent { agent, .. } => {
                if dry {
                    return Ok(if ko {
                        format!("(dry run) {agent} 에이전트에게 맡깁니다")
                    } else {
                        format!("(dry run) would hand it to the agent {agent}")
                    });
                }
                return Err(Error::user(format!(
                    "running the agent {agent} needs the chat's async path (`jr chat`, the Chat pane)"
                )));
            }
            Intent::Chat => {
                if dry {
                    return Ok(t(
                        "(dry run) 모델이 답합니다",
                        "(dry run) the model would answer",
                    ));
                }
                return Err(Error::user(
                    "a free answer needs the local model ([gateway] model)",
                ));
            }
            Intent::RunJob { job, params } => self.run_job_now(job, params, ko, dry, out)?,
            Intent::TaskMove { id, to } => self.move_task(*id, to, ko, dry, out)?,
            Intent::TaskAdd { title } => self.add_chat_task(title, ko, dry, out)?,
            Intent::Compound { parts } => self.compound(msg, d, parts, ko, dry, out)?,
            Intent::Forbidden { what, title } => {
                out.handled = Handled::Deferred;
                self.defer(
                    msg,
                    title,
                    Priority::DEFAULT,
                    dry,
                    out,
                    forbidden_why(*what, ko),
                    ko,
                )?
            }
            Intent::Withheld { what, title } => {
                out.handled = Handled::Withheld;
                let why = if ko {
                    format!(
                        "이 메시지의 한 부분은 게이트웨이가 할 수 없어({}) 어느 것도 실행하지 않았습니다",
                        forbidden_why(*what, ko)
                    )
                } else {
                    format!(
                        "one part of this message is not allowed ({}), so none of it was carried out",
                        forbidden_why(*what, ko)
                    )
                };
                let r = self.refuse(msg, title, d.route, esc, dry, out, &why, ko)?;
                if d.route != Route::Escalate {
                    out.handled = Handled::Withheld;
                }
                r
            }
            Intent::Complex { title } => match d.route {
                Route::Escalate => {
                    let (handled, why) = escalated_to_p0(esc, ko, true);
                    out.handled = handled;
                    self.defer(msg, title, Priority(0), dry, out, &why, ko)?
                }
                _ => {
                    out.handled = Handled::Deferred;
                    let why = if d.via == Via::Fallback {
                        if ko {
                            "로컬 모델을 쓸 수 없어 호스트 에이전트에게 넘깁니다"
                        } else {
                            "the local model was unavailable, so it goes to the host agent"
                        }
                    } else if ko {
                        "복잡한 요청이라 호스트 에이전트에게 넘깁니다"
                    } else {
                        "it needs the host agent"
                    };
                    self.defer(msg, title, Priority::DEFAULT, dry, out, why, ko)?
                }
            },
        })
    }

    fn run_job_now(
        &self,
        job: &str,
        given: &crate::domain::params::Params,
        ko: bool,
        dry: bool,
        out: &mut ChatReply,
    ) -> Result<String> {
        // An undeclared parameter refuses the run before anything is queued.
        let all = self.resolve_params(&self.get_job(job)?, given)?;
        let with = if given.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = given.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!(" ({})", list.join(", "))
        };
        out.params = (!all.is_empty()).then_some(all);
        if dry {
            return Ok(format!(
                "(dry run) {}",
                if ko {
                    format!("{job} 잡을 지금 실행합니다{with}")
                } else {
                    format!("would run {job} now{with}")
                }
            ));
        }
        let run = self.queue_run_params(job, Trigger::Chat, given)?;
        out.run_id = Some(run.id);
        let job = format!("{job}{with}");
        let host = super::lease::Me::this_process().host;
        let waiting = self.live_lease(&host)?.is_none();
        Ok(match (ko, waiting) {
            (true, false) => format!("{job} 잡을 실행했습니다 (run #{}).", run.id),
            (true, true) => format!(
                "{job} 잡을 대기열에 넣었습니다 (run #{}). 스케줄러가 없어 `jr daemon`이나 TUI가 켜지면 시작됩니다.",
                run.id
            ),
            (false, false) => format!("Started {job} (run #{}).", run.id),
            (false, true) => format!(
                "Queued {job} as run #{}; no scheduler is running, so it starts once `jr daemon` or the TUI is up.",
                run.id
            ),
        })
    }

    fn move_task(
        &self,
        id: i64,
        to: &str,
        ko: bool,
        dry: bool,
        out: &mut ChatReply,
    ) -> Result<String> {
        let target: TaskStatus = to.parse().map_err(Error::user)?;
        if dry {
            return Ok(format!("(dry run) #{id} → {target}"));
        }
        let task = self.transition(id, Transition::to(target), false, Source::Chat)?;
        out.task_id = Some(task.id);
        Ok(if ko {
            format!(
                "Task #{} '{}'을(를) {}(으)로 옮겼습니다.",
                task.id, task.title, task.status
            )
        } else {
            format!(
                "Moved task #{} '{}' to {}.",
                task.id, task.title, task.status
            )
        })
    }

    fn add_chat_task(
        &self,
        title: &str,
        ko: bool,
        dry: bool,
        out: &mut ChatReply,
    ) -> Result<String> {
        if dry {
            return Ok(format!("(dry run) + {title}"));
        }
        let task = self.add_task(
            NewTask {
                title: title.to_string(),
                tags: vec!["from-chat".into()],
                ..Default::default()
            },
            Source::Chat,
        )?;
        // The target stays null: the task did not exist when it was asked for.
        out.task_id = Some(task.id);
        Ok(if ko {
            format!("Task #{}을(를) 추가했습니다: {}", task.id, task.title)
        } else {
            format!("Added task #{}: {}", task.id, task.title)
        })
    }

    /// Several allowed actions (and answers beside them): each action is
    /// checked first (the job exists, the task exists and may make the
    /// move), and only when all can be done are they carried out, in order.
    /// A check that fails leaves everything as it was.
    fn compound(
        &self,
        msg: &str,
        d: &Decision,
        parts: &[Intent],
        ko: bool,
        dry: bool,
        out: &mut ChatReply,
    ) -> Result<String> {
        let none = if ko {
            "; 이 메시지의 어느 것도 실행하지 않았습니다"
        } else {
            "; nothing in this message was carried out"
        };
        for p in parts {
            match p {
                Intent::RunJob { job, params } => {
                    self.get_job(job)
                        .and_then(|j| self.resolve_params(&j, params))
                        .map_err(|e| Error::user(format!("{}{none}", e.message)))?;
                }
                Intent::TaskMove { id, to } => {
                    let target: TaskStatus = to.parse().map_err(Error::user)?;
                    let task = self
                        .get_task(*id)
                        .map_err(|e| Error::user(format!("{}{none}", e.message)))?;
                    let t = Transition::to(target);
                    if task.status == target {
                        return Err(Error::user(format!("task {id} is already {target}{none}")));
                    }
                    if !t.allowed_from(task.status) {
                        return Err(Error::user(format!(
                            "task {id} is {} and cannot be moved to {target}{none}",
                            task.status
                        )));
                    }
                }
                Intent::TaskAdd { .. } => {}
                other if !other.acts() => {}
                other => {
                    return Err(Error::user(format!(
                        "{} cannot be part of a combined request{none}",
                        other.name()
                    )));
                }
            }
        }
        let mut lines = Vec::new();
        let mut sub = out.clone();
        for p in parts {
            let line = match p {
                Intent::RunJob { job, params } => self.run_job_now(job, params, ko, dry, &mut sub),
                Intent::TaskMove { id, to } => self.move_task(*id, to, ko, dry, &mut sub),
                Intent::TaskAdd { title } => self.add_chat_task(title, ko, dry, &mut sub),
                answer => {
                    let part = Decision {
                        intent: answer.clone(),
                        ..d.clone()
                    };
                    self.reply(
                        msg,
                        ko,
                        &part,
                        dry,
                        EscalationBudget::NoCloudModel,
                        &mut sub,
                    )
                }
            };
            match line {
                Ok(l) => lines.push(l),
                Err(e) => {
                    lines.push(e.message);
                    out.error = Some(if ko {
                        "일부만 실행되었습니다 (위 메시지 참고)".into()
                    } else {
                        "only part of it was carried out (see above)".into()
                    });
                    break;
                }
            }
        }
        out.run_id = sub.run_id;
        out.task_id = sub.task_id;
        out.shown = sub.shown;
        Ok(lines.join(" "))
    }
}

fn forbidden_why(what: Forbidden, ko: bool) -> &'static str {
    match (what, ko) {
        (Forbidden::NewJob, true) => "게이트웨이는 새 잡이나 잡 코드를 작성하지 않습니다",
        (Forbidden::NewJob, false) => "the gateway does not write new jobs or job code",
        (Forbidden::Settings, true) => "게이트웨이는 설정을 바꾸지 않습니다",
        (Forbidden::Settings, false) => "the gateway does not change settings",
        (Forbidden::Integration, true) => "게이트웨이는 외부 연동을 설정하지 않습니다",
        (Forbidden::Integration, false) => "the gateway does not set up integrations",
        (Forbidden::Shell, true) => "게이트웨이는 메시지로 셸 명령을 실행하지 않습니다",
        (Forbidden::Shell, false) => "the gateway never runs shell commands from a message",
        (Forbidden::JobChange, true) => {
            "게이트웨이는 잡을 수정·삭제·정지하거나 일정을 바꾸지 않습니다"
        }
        (Forbidden::JobChange, false) => {
            "the gateway does not edit, delete, pause or re-schedule jobs"
        }
        (Forbidden::TaskDelete, true) => "게이트웨이는 Task를 삭제하지 않습니다",
        (Forbidden::TaskDelete, false) => "the gateway does not delete tasks",
        (Forbidden::Code, true) => "게이트웨이는 코드를 작성하지 않습니다",
        (Forbidden::Code, false) => "the gateway does not write code",
    }
}

/// An urgent message the cloud model could not take, filed as p0: how it
/// was handled and why, in the user's language; `to_host` when the work
/// itself goes to the host agent (complex work, not a refusal).
pub(super) fn escalated_to_p0(esc: EscalationBudget, ko: bool, to_host: bool) -> (Handled, String) {
    let (handled, reason) = match (esc, ko) {
        (EscalationBudget::Spent, true) => {
            (Handled::P0BudgetSpent, "오늘 클라우드 모델 예산을 다 써서")
        }
        (EscalationBudget::Spent, false) => (
            Handled::P0BudgetSpent,
            "today's cloud-model budget is spent",
        ),
        (EscalationBudget::Failed, true) => (Handled::P0CloudFailed, "클라우드 모델 호출이 실패해"),
        (EscalationBudget::Failed, false) => (Handled::P0CloudFailed, "the cloud model failed"),
        (_, true) => (
            Handled::P0NoCloudModel,
            "클라우드 모델이 설정되어 있지 않아([gateway] escalate_model)",
        ),
        (_, false) => (
            Handled::P0NoCloudModel,
            "no cloud model is configured ([gateway] escalate_model)",
        ),
    };
    let why = match (ko, to_host) {
        (true, true) => format!("긴급하지만 {reason} p0로 호스트 에이전트에게 넘깁니다"),
        (true, false) => format!("긴급하지만 {reason} p0로 넘깁니다"),
        (false, true) => format!("urgent, but {reason}, so it is filed as p0 for the host agent"),
        (false, false) => format!("urgent, but {reason}: filed as p0"),
    };
    (handled, why)
}
