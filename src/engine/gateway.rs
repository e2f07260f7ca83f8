//! Carrying out the chat router's decisions through the same engine
//! operations as the CLI, and wording the reply in the user's language from
//! live data. The decision itself is made in `router` (pure).

use serde::Serialize;

use super::Engine;
use crate::domain::task::Transition;
use crate::domain::{NewTask, Priority, RunStatus, Source, TaskStatus, Trigger};
use crate::error::{Error, Result};
use crate::router::lang::{is_korean, pick};
use crate::router::{Catalog, Decision, Forbidden, Intent, Route, Via};
use crate::store::runs::RunFilter;

/// One turn's outcome: what `jr chat --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct ChatReply {
    pub route: Route,
    pub intent: &'static str,
    pub via: Via,
    pub reply: String,
    pub reason: String,
    pub urgent: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<i64>,
    /// Set when the action could not be carried out (unknown task, blocked…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub dry_run: bool,
    /// The stored turn (not for dry runs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<i64>,
}

/// How much the gateway may escalate; None means no cloud model is set up.
#[derive(Debug, Clone, Copy)]
pub struct EscalationBudget {
    pub available: bool,
}

impl Engine {
    /// What the router needs to know about the database.
    pub fn chat_catalog(&self) -> Result<Catalog> {
        Ok(Catalog {
            jobs: crate::store::jobs::names(self.store.conn())?,
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
        let mut out = ChatReply {
            route: d.route,
            intent: d.intent.name(),
            via: d.via,
            reply: String::new(),
            reason: d.reason.clone(),
            urgent: d.urgent,
            task_id: None,
            run_id: None,
            error: None,
            dry_run,
            turn_id: None,
        };
        let result = self.reply(msg, ko, d, dry_run, escalation, &mut out);
        match result {
            Ok(text) => out.reply = text,
            Err(e) if e.kind == crate::error::ErrorKind::User => {
                out.reply = e.message.clone();
                out.error = Some(e.message);
            }
            Err(e) => return Err(e),
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
                "할 수 있는 일: 상태 질문(할 일, 잡, 실행, 실패, 스케줄러), 기존 잡 지금 실행, Task 상태 변경, Task 추가. \
                 새 잡 작성, 설정 변경, 외부 연동, 셸 명령은 하지 않고 호스트 에이전트에게 Task로 넘깁니다.",
                "I can answer status questions (tasks, jobs, runs, failures, the scheduler), run an existing job now, \
                 move a task through its flow and add tasks. New jobs, settings, integrations and shell commands I file \
                 as tasks for the host agent instead.",
            ),
            Intent::TasksToday => self.tasks_today(ko)?,
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
            Intent::JobsList => self.jobs_line(ko)?,
            Intent::JobNext { job } => self.job_next(ko, job.as_deref())?,
            Intent::RunsFailed => self.runs_line(ko, true)?,
            Intent::RunsRecent => self.runs_line(ko, false)?,
            Intent::Scheduler => {
                let host = super::runs::Me::this_process().host;
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
            Intent::RunJob { job } => {
                if dry {
                    return Ok(format!(
                        "(dry run) {}",
                        if ko {
                            format!("{job} 잡을 지금 실행합니다")
                        } else {
                            format!("would run {job} now")
                        }
                    ));
                }
                let run = self.queue_run(job, Trigger::Chat)?;
                out.run_id = Some(run.id);
                let host = super::runs::Me::this_process().host;
                let waiting = self.live_lease(&host)?.is_none();
                match (ko, waiting) {
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
                }
            }
            Intent::TaskMove { id, to } => {
                let target: TaskStatus = to.parse().map_err(Error::user)?;
                if dry {
                    return Ok(format!("(dry run) #{id} → {target}"));
                }
                let task = self.transition(*id, Transition::to(target), false, Source::Chat)?;
                out.task_id = Some(task.id);
                if ko {
                    format!(
                        "Task #{} '{}'을(를) {}(으)로 옮겼습니다.",
                        task.id, task.title, task.status
                    )
                } else {
                    format!(
                        "Moved task #{} '{}' to {}.",
                        task.id, task.title, task.status
                    )
                }
            }
            Intent::TaskAdd { title } => {
                if dry {
                    return Ok(format!("(dry run) + {title}"));
                }
                let task = self.add_task(
                    NewTask {
                        title: title.clone(),
                        tags: vec!["from-chat".into()],
                        ..Default::default()
                    },
                    Source::Chat,
                )?;
                out.task_id = Some(task.id);
                if ko {
                    format!("Task #{}을(를) 추가했습니다: {}", task.id, task.title)
                } else {
                    format!("Added task #{}: {}", task.id, task.title)
                }
            }
            Intent::Forbidden { what, title } => {
                let why = match (what, ko) {
                    (Forbidden::NewJob, true) => {
                        "게이트웨이는 새 잡이나 잡 코드를 작성하지 않습니다"
                    }
                    (Forbidden::NewJob, false) => "the gateway does not write new jobs or job code",
                    (Forbidden::Settings, true) => "게이트웨이는 설정을 바꾸지 않습니다",
                    (Forbidden::Settings, false) => "the gateway does not change settings",
                    (Forbidden::Integration, true) => "게이트웨이는 외부 연동을 설정하지 않습니다",
                    (Forbidden::Integration, false) => "the gateway does not set up integrations",
                    (Forbidden::Shell, true) => "게이트웨이는 메시지로 셸 명령을 실행하지 않습니다",
                    (Forbidden::Shell, false) => {
                        "the gateway never runs shell commands from a message"
                    }
                };
                self.defer(msg, title, Priority::DEFAULT, dry, out, why, ko)?
            }
            Intent::Complex { title } => match d.route {
                Route::Escalate if esc.available => {
                    // The cloud call itself is made by the caller (async); here
                    // only the bookkeeping of a decision that could not escalate.
                    self.defer(
                        msg,
                        title,
                        Priority(0),
                        dry,
                        out,
                        if ko {
                            "클라우드 모델 호출이 필요합니다"
                        } else {
                            "needs the cloud model"
                        },
                        ko,
                    )?
                }
                Route::Escalate => {
                    out.route = Route::Defer;
                    let why = if ko {
                        "긴급하지만 클라우드 모델이 설정되어 있지 않거나 오늘 예산을 다 써서 p0로 넘깁니다"
                    } else {
                        "urgent, but no cloud model is configured or today's budget is spent, so it is filed as p0"
                    };
                    self.defer(msg, title, Priority(0), dry, out, why, ko)?
                }
                _ => {
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

    #[allow(clippy::too_many_arguments)]
    fn defer(
        &self,
        msg: &str,
        title: &str,
        priority: Priority,
        dry: bool,
        out: &mut ChatReply,
        why: &str,
        ko: bool,
    ) -> Result<String> {
        if dry {
            return Ok(format!("(dry run) {why}: {title} ({priority})"));
        }
        let task = self.add_task(
            NewTask {
                title: title.to_string(),
                body: msg.to_string(),
                priority,
                tags: vec!["from-chat".into()],
                ..Default::default()
            },
            Source::Chat,
        )?;
        out.task_id = Some(task.id);
        Ok(if ko {
            format!(
                "{why}. Task #{}({})로 등록했습니다: {}",
                task.id, task.priority, task.title
            )
        } else {
            format!(
                "{why}. Filed as task #{} ({}): {}",
                task.id, task.priority, task.title
            )
        })
    }

    fn tasks_today(&self, ko: bool) -> Result<String> {
        let pending = self
            .task_counts()?
            .into_iter()
            .find(|(s, _)| *s == TaskStatus::Pending)
            .map(|(_, n)| n)
            .unwrap_or(0);
        let ready = self.ready_tasks(None, 5)?;
        let overdue = self.overdue_tasks(3)?;
        if pending == 0 {
            return Ok(if ko {
                "pending 상태인 Task가 없습니다. 새 Task를 추가할까요?".into()
            } else {
                "There are no pending tasks. Shall I add one?".into()
            });
        }
        let list: Vec<String> = ready
            .iter()
            .enumerate()
            .map(|(i, t)| format!("{}. #{} {} ({})", i + 1, t.id, t.title, t.priority))
            .collect();
        let mut s = if ko {
            format!(
                "현재 pending 상태인 Task가 {pending}개 있습니다: {}",
                list.join(" ")
            )
        } else {
            format!("There are {pending} pending tasks: {}", list.join(" "))
        };
        if !overdue.is_empty() {
            let late: Vec<String> = overdue.iter().map(|t| format!("#{}", t.id)).collect();
            s.push_str(&if ko {
                format!(" (기한 지남: {})", late.join(", "))
            } else {
                format!(" (overdue: {})", late.join(", "))
            });
        }
        s.push_str(if ko {
            " 어떤 작업을 먼저 처리할까요?"
        } else {
            " Which one should come first?"
        });
        Ok(s)
    }

    fn status_line(&self, ko: bool) -> Result<String> {
        let s = self.status(&super::runs::Me::this_process().host)?;
        let tasks: Vec<String> = s.tasks.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let runs: Vec<String> = s.runs_24h.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let sched = match &s.scheduler {
            Some(l) if l.alive => format!("{} pid {}", l.role, l.pid),
            _ => (if ko { "없음" } else { "none" }).to_string(),
        };
        Ok(if ko {
            format!(
                "Task: {}. 잡: 활성 {}, 정지 {}. 24시간 실행: {}. 스케줄러: {sched}.",
                or_none(&tasks, ko),
                s.jobs.enabled,
                s.jobs.paused,
                or_none(&runs, ko)
            )
        } else {
            format!(
                "Tasks: {}. Jobs: {} enabled, {} paused. Runs in 24h: {}. Scheduler: {sched}.",
                or_none(&tasks, ko),
                s.jobs.enabled,
                s.jobs.paused,
                or_none(&runs, ko)
            )
        })
    }

    fn jobs_line(&self, ko: bool) -> Result<String> {
        let jobs = self.list_jobs()?;
        if jobs.is_empty() {
            return Ok(if ko {
                "등록된 잡이 없습니다.".into()
            } else {
                "There are no jobs.".into()
            });
        }
        let items: Vec<String> = jobs
            .iter()
            .take(10)
            .map(|j| {
                let next = self
                    .next_fire(j, self.now())
                    .map(|t| format!(" → {}", t.format("%m-%d %H:%M %Z")))
                    .unwrap_or_default();
                format!(
                    "{}{}{}",
                    j.name,
                    if j.enabled { "" } else { " (off)" },
                    next
                )
            })
            .collect();
        Ok(format!(
            "{} {}",
            if ko {
                format!("잡 {}개:", jobs.len())
            } else {
                format!("{} jobs:", jobs.len())
            },
            items.join("; ")
        ))
    }

    fn job_next(&self, ko: bool, job: Option<&str>) -> Result<String> {
        let Some(name) = job else {
            let fires = self.next_fires(3)?;
            if fires.is_empty() {
                return Ok(if ko {
                    "예정된 실행이 없습니다.".into()
                } else {
                    "Nothing is scheduled.".into()
                });
            }
            let items: Vec<String> = fires
                .iter()
                .map(|f| format!("{} {}", f.job, local(&f.at, self.tz)))
                .collect();
            return Ok(format!(
                "{} {}",
                if ko { "다음 실행:" } else { "Next fires:" },
                items.join(", ")
            ));
        };
        let job = self.get_job(name)?;
        let last = self.list_runs(&RunFilter {
            job: Some(job.name.clone()),
            limit: 1,
            ..Default::default()
        })?;
        let last = last
            .first()
            .map(|r| {
                format!(
                    " ({} #{} {})",
                    if ko { "마지막" } else { "last" },
                    r.id,
                    r.status
                )
            })
            .unwrap_or_default();
        Ok(match self.next_fire(&job, self.now()) {
            Some(t) => {
                let rel = crate::domain::due::relative(t.with_timezone(&chrono::Utc), self.now());
                if ko {
                    format!(
                        "{}은(는) 다음에 {} ({rel})에 실행됩니다{last}.",
                        job.name,
                        t.format("%Y-%m-%d %H:%M %Z")
                    )
                } else {
                    format!(
                        "{} runs next at {} ({rel}){last}.",
                        job.name,
                        t.format("%Y-%m-%d %H:%M %Z")
                    )
                }
            }
            None if !job.enabled => {
                if ko {
                    format!("{}은(는) 꺼져 있습니다{last}.", job.name)
                } else {
                    format!("{} is disabled{last}.", job.name)
                }
            }
            None => {
                if ko {
                    format!("{}은(는) 일정 없이 요청할 때만 실행됩니다{last}.", job.name)
                } else {
                    format!("{} has no schedule; it runs on demand{last}.", job.name)
                }
            }
        })
    }

    fn runs_line(&self, ko: bool, failed: bool) -> Result<String> {
        let since = self.now() - chrono::Duration::hours(24);
        let statuses = if failed {
            vec![
                RunStatus::Failed,
                RunStatus::Timeout,
                RunStatus::Lost,
                RunStatus::Interrupted,
            ]
        } else {
            vec![]
        };
        let runs: Vec<_> = self
            .list_runs(&RunFilter {
                statuses,
                limit: 5,
                ..Default::default()
            })?
            .into_iter()
            .filter(|r| !failed || r.queued_at >= since)
            .collect();
        if runs.is_empty() {
            return Ok(match (ko, failed) {
                (true, true) => "최근 24시간 동안 실패한 실행이 없습니다.".into(),
                (false, true) => "Nothing failed in the last 24 hours.".into(),
                (true, false) => "실행 기록이 없습니다.".into(),
                (false, false) => "There are no runs yet.".into(),
            });
        }
        let items: Vec<String> = runs
            .iter()
            .map(|r| {
                format!(
                    "#{} {} {}{}",
                    r.id,
                    r.job,
                    r.status,
                    r.error
                        .as_deref()
                        .map(|e| format!(" ({e})"))
                        .unwrap_or_default()
                )
            })
            .collect();
        Ok(match (ko, failed) {
            (true, true) => format!(
                "최근 24시간 동안 실패한 실행 {}개: {}",
                runs.len(),
                items.join("; ")
            ),
            (false, true) => format!(
                "{} failed runs in the last 24 hours: {}",
                runs.len(),
                items.join("; ")
            ),
            (true, false) => format!("최근 실행: {}", items.join("; ")),
            (false, false) => format!("Recent runs: {}", items.join("; ")),
        })
    }
}

fn or_none(items: &[String], ko: bool) -> String {
    if items.is_empty() {
        (if ko { "없음" } else { "none" }).to_string()
    } else {
        items.join(", ")
    }
}

fn local(rfc: &str, tz: chrono_tz::Tz) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc)
        .map(|t| t.with_timezone(&tz).format("%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| rfc.to_string())
}
