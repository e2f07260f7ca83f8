//! The gateway's answers built from live data, in the user's language:
//! tasks, jobs, runs, agents, the scheduler, why a run failed. Each answer
//! also says what it listed, in order (`shown`), so a follow-up ("the second
//! one", "그거") can point at it without a model.

use super::Engine;
use crate::domain::{RunStatus, TaskStatus};
use crate::error::Result;
use crate::router::Target;
use crate::store::runs::RunFilter;
use crate::store::tasks::TaskFilter;

impl Engine {
    pub(super) fn tasks_today(&self, ko: bool, shown: &mut Vec<Target>) -> Result<String> {
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
        shown.extend(ready.iter().map(|t| Target::Task { id: t.id }));
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

    pub(super) fn status_line(&self, ko: bool) -> Result<String> {
        let s = self.status(&super::lease::Me::this_process().host)?;
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

    pub(super) fn jobs_line(&self, ko: bool, shown: &mut Vec<Target>) -> Result<String> {
        let jobs = self.list_jobs()?;
        if jobs.is_empty() {
            return Ok(if ko {
                "등록된 잡이 없습니다.".into()
            } else {
                "There are no jobs.".into()
            });
        }
        shown.extend(jobs.iter().take(10).map(|j| Target::Job {
            name: j.name.clone(),
        }));
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

    pub(super) fn job_next(
        &self,
        ko: bool,
        job: Option<&str>,
        shown: &mut Vec<Target>,
    ) -> Result<String> {
        let Some(name) = job else {
            let fires = self.next_fires(3)?;
            if fires.is_empty() {
                return Ok(if ko {
                    "예정된 실행이 없습니다.".into()
                } else {
                    "Nothing is scheduled.".into()
                });
            }
            for f in &fires {
                let t = Target::Job {
                    name: f.job.clone(),
                };
                if !shown.contains(&t) {
                    shown.push(t);
                }
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
        shown.push(Target::Job {
            name: job.name.clone(),
        });
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

    pub(super) fn runs_line(
        &self,
        ko: bool,
        failed: bool,
        shown: &mut Vec<Target>,
    ) -> Result<String> {
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
        shown.extend(runs.iter().map(|r| Target::Run {
            id: r.id,
            job: Some(r.job.clone()),
        }));
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

    /// The tasks in one status, numbered.
    pub(super) fn tasks_in(
        &self,
        ko: bool,
        status: &str,
        shown: &mut Vec<Target>,
    ) -> Result<String> {
        let status: TaskStatus = status.parse().map_err(crate::error::Error::user)?;
        let tasks = self.list_tasks(&TaskFilter {
            statuses: vec![status],
            limit: Some(10),
            ..Default::default()
        })?;
        if tasks.is_empty() {
            return Ok(if ko {
                format!("{status} 상태인 Task가 없습니다.")
            } else {
                format!("There are no {status} tasks.")
            });
        }
        shown.extend(tasks.iter().map(|t| Target::Task { id: t.id }));
        let list: Vec<String> = tasks
            .iter()
            .enumerate()
            .map(|(i, t)| format!("{}. #{} {} ({})", i + 1, t.id, t.title, t.priority))
            .collect();
        Ok(if ko {
            format!("{status} 상태인 Task {}개: {}", tasks.len(), list.join(" "))
        } else {
            format!("{} {status} tasks: {}", tasks.len(), list.join(" "))
        })
    }

    /// Every open task, by priority then number.
    pub(super) fn tasks_open(&self, ko: bool, shown: &mut Vec<Target>) -> Result<String> {
        let mut tasks = self.list_tasks(&TaskFilter {
            statuses: vec![
                TaskStatus::Pending,
                TaskStatus::InProgress,
                TaskStatus::Review,
            ],
            limit: Some(200),
            ..Default::default()
        })?;
        tasks.sort_by_key(|t| (t.priority, t.id));
        tasks.truncate(15);
        if tasks.is_empty() {
            return Ok(if ko {
                "열린 Task가 없습니다.".into()
            } else {
                "There are no open tasks.".into()
            });
        }
        shown.extend(tasks.iter().map(|t| Target::Task { id: t.id }));
        let list: Vec<String> = tasks
            .iter()
            .enumerate()
            .map(|(i, t)| {
                format!(
                    "{}. #{} {} ({}, {})",
                    i + 1,
                    t.id,
                    t.title,
                    t.status,
                    t.priority
                )
            })
            .collect();
        Ok(if ko {
            format!("열린 Task {}개: {}", tasks.len(), list.join(" "))
        } else {
            format!("{} open tasks: {}", tasks.len(), list.join(" "))
        })
    }

    /// Why a job failed: its newest failure with the log's tail.
    pub(super) fn job_why(&self, ko: bool, job: &str, shown: &mut Vec<Target>) -> Result<String> {
        let job = self.get_job(job)?;
        let failed = self.list_runs(&RunFilter {
            job: Some(job.name.clone()),
            statuses: vec![
                RunStatus::Failed,
                RunStatus::Timeout,
                RunStatus::Lost,
                RunStatus::Interrupted,
            ],
            limit: 1,
            ..Default::default()
        })?;
        match failed.first() {
            Some(r) => {
                shown.push(Target::Run {
                    id: r.id,
                    job: Some(job.name.clone()),
                });
                self.run_line(ko, r.id)
            }
            None => {
                let mut ignore = Vec::new();
                let next = self.job_next(ko, Some(&job.name), &mut ignore)?;
                Ok(if ko {
                    format!("{}은(는) 최근 실패한 적이 없습니다. {next}", job.name)
                } else {
                    format!("{} has not failed recently. {next}", job.name)
                })
            }
        }
    }

    /// The configured agents and what each is for.
    pub(super) fn agents_line(&self, ko: bool, shown: &mut Vec<Target>) -> Result<String> {
        let agents = self.list_agents()?;
        if agents.is_empty() {
            return Ok(if ko {
                "설정된 에이전트가 없습니다. `jr agents add`로 추가하세요.".into()
            } else {
                "There are no agents yet; `jr agents add` makes one.".into()
            });
        }
        shown.extend(agents.iter().map(|a| Target::Agent {
            name: a.name.clone(),
        }));
        let items: Vec<String> = agents
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let what = if a.description.is_empty() {
                    a.model.clone()
                } else {
                    format!("{}, {}", a.description, a.model)
                };
                format!("{}. {} ({what})", i + 1, a.name)
            })
            .collect();
        Ok(if ko {
            format!("에이전트 {}개: {}", agents.len(), items.join(" "))
        } else {
            format!("{} agents: {}", agents.len(), items.join(" "))
        })
    }

    pub(super) fn agent_line(&self, ko: bool, name: &str) -> Result<String> {
        let a = self.get_agent(name)?;
        let last = self.agent_runs(Some(&a.name), 1)?;
        let last = last
            .first()
            .map(|r| {
                format!(
                    " ({} #{} {:?})",
                    if ko { "마지막 실행" } else { "last run" },
                    r.id,
                    r.status
                )
            })
            .unwrap_or_default();
        let what = if a.description.is_empty() {
            String::new()
        } else {
            format!(" — {}", a.description)
        };
        Ok(format!("{}{what} [{}]{last}", a.name, a.model))
    }

    /// One run: status, error and, when it did not succeed, its log's tail.
    pub(super) fn run_line(&self, ko: bool, id: i64) -> Result<String> {
        let r = self.get_run(id)?;
        let mut s = if ko {
            format!("실행 #{} ({}): {}", r.id, r.job, r.status)
        } else {
            format!("Run #{} of {}: {}", r.id, r.job, r.status)
        };
        if let Some(e) = &r.error {
            s.push_str(&format!(" — {e}"));
        }
        if !matches!(
            r.status,
            RunStatus::Success | RunStatus::Queued | RunStatus::Running
        ) {
            let tail = self.run_output_tail(id, 8)?;
            if !tail.is_empty() {
                let lines: Vec<String> = tail.iter().map(|l| l.line.clone()).collect();
                s.push_str(if ko {
                    "\n로그 끝부분:\n"
                } else {
                    "\nEnd of its log:\n"
                });
                s.push_str(&lines.join("\n"));
            }
        }
        Ok(s)
    }

    /// A compact picture of jr's state for a model to ground its answer on.
    pub fn chat_snapshot(&self) -> Result<String> {
        let mut ignore = Vec::new();
        Ok([
            self.status_line(false)?,
            self.tasks_today(false, &mut ignore)?,
            self.jobs_line(false, &mut ignore)?,
            self.runs_line(false, true, &mut ignore)?,
            self.agents_line(false, &mut ignore)?,
        ]
        .join("\n"))
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
