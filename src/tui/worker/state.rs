//! What the worker thread does with each request: the engine calls behind
//! every pane, and the `data_version` probe.

use super::*;
use crate::domain::Source;
use crate::engine::{Cond, Engine};

/// Sub-tasks fetched under one page, at most.
const SUBTREE_CAP: usize = 1000;

/// The engine and what the worker remembers between requests.
pub struct WorkerState {
    pub(super) engine: Engine,
    version: Option<i64>,
    /// This machine, for telling whether a lease holder's process is alive.
    pub(super) host: String,
    /// The chat gateway's settings; the model stage runs when one is set.
    pub(super) gateway: crate::config::GatewayConfig,
    /// The chat's model client, made on the first chat message (None inside: no model configured).
    pub(super) chat_llm: Option<Option<std::sync::Arc<crate::clients::llm::Llm>>>,
    /// Set by `spawn`: how a chat thread answers later. None in headless tests,
    /// where a turn is answered in line.
    pub(super) reply: Option<super::Reply>,
    /// The one runtime for chat turns, agent runs and Dagster calls, made
    /// on first use (see worker/background.rs).
    pub(super) background: Option<super::background::Background>,
}

impl WorkerState {
    pub fn new(engine: Engine) -> WorkerState {
        WorkerState {
            engine,
            version: None,
            host: crate::engine::lease::Me::this_process().host,
            gateway: Default::default(),
            chat_llm: None,
            reply: None,
            background: None,
        }
    }

    /// The gateway settings the Chat pane's messages go through.
    pub fn with_gateway(mut self, gateway: crate::config::GatewayConfig) -> WorkerState {
        self.gateway = gateway;
        self
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Answer one request (synchronously: the thread loop and headless tests both call this).
    pub fn handle(&mut self, req: Request) -> Payload {
        let out = match req {
            Request::Dashboard => self.dashboard().map(|d| Payload::Dashboard(Box::new(d))),
            Request::TaskPage { query, tree } => self.page(query, tree).map(Payload::TaskPage),
            Request::Detail(id) => self
                .engine
                .task_detail(id)
                .map(|d| Payload::Detail(Box::new(d))),
            Request::Search(text) => self.search(&text).and_then(|tasks| {
                let jobs = self.engine.list_jobs()?.into_iter().map(|j| j.name);
                Ok(Payload::Search(tasks, jobs.collect()))
            }),
            Request::Mutate(m) => self.mutate(m),
            Request::Lease => self.engine.live_lease(&self.host).map(Payload::Lease),
            Request::Jobs { offset, want } => self
                .jobs(offset, want.as_deref())
                .map(|p| Payload::Jobs(Box::new(p))),
            Request::ChatHistory(session) => self.chat_history(session.as_deref()),
            Request::RunPage(f) => self.run_page(f).map(Payload::RunPage),
            Request::Dagster(ask) => Ok(self.dagster_now(ask)),
            Request::RunLog { id, after, cut } => self
                .run_log(id, after, cut)
                .map(|c| Payload::RunLog(Box::new(c))),
            Request::ContextSearch(q) => self.context_search(q),
            Request::ContextSessions => self.context_sessions().map(Payload::ContextSessions),
            Request::ContextSession {
                channel,
                session,
                after,
            } => self.context_session(&channel, &session, after),
            Request::Cards => self.cards(),
            Request::Agents => self.agents(),
            Request::AssignTargets => self.assign_targets(),
        };
        out.unwrap_or_else(Payload::Failed)
    }

    /// True when another connection committed since the last call.
    pub fn poll(&mut self) -> bool {
        let Ok(v) = self.engine.data_version() else {
            return false;
        };
        let changed = self.version.is_some_and(|old| old != v);
        self.version = Some(v);
        changed
    }

    fn dashboard(&self) -> crate::error::Result<DashboardData> {
        let e = &self.engine;
        let late = TaskQuery {
            conds: vec![(false, Cond::Late)],
            ..TaskQuery::default()
        };
        Ok(DashboardData {
            counts: e.task_counts()?,
            overdue: e.overdue_tasks(5)?,
            overdue_total: e.task_count(&late)?,
            ready: e.ready_tasks(None, 8)?,
            db_bytes: e.db_size(),
            jobs: e.job_counts()?,
            active_runs: e.active_runs()?.len(),
            days: e.runs_per_day(14)?,
            next_fires: e
                .next_fires(5)?
                .into_iter()
                .filter_map(|f| {
                    let at = chrono::DateTime::parse_from_rfc3339(&f.at).ok()?;
                    Some((f.job, at.with_timezone(&chrono::Utc)))
                })
                .collect(),
            failures: e.recent_failures(5)?,
            context: {
                let s = e.context_stats()?;
                let mut clients: Vec<(String, i64)> = s
                    .clients
                    .into_iter()
                    .map(|(c, n)| (c, n.messages))
                    .collect();
                clients.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                (s.messages, s.sessions, clients)
            },
            cards: {
                let c = e.card_counts()?;
                (c.cards, c.due)
            },
            notify_failed: e.notify_failures()?,
        })
    }

    fn page(&self, query: TaskQuery, tree: bool) -> crate::error::Result<TaskPage> {
        let e = &self.engine;
        let roots = e.task_page(&query)?;
        let total = e.task_count(&query)?;
        let rows = if tree {
            let ids: Vec<i64> = roots.iter().map(|t| t.id).collect();
            let below = e.task_subtree(&ids, &query.statuses, SUBTREE_CAP)?;
            flatten(roots, below)
        } else {
            roots
                .into_iter()
                .map(|task| TreeRow {
                    task,
                    depth: 0,
                    children: 0,
                })
                .collect()
        };
        Ok(TaskPage { query, rows, total })
    }

    fn search(&self, text: &str) -> crate::error::Result<Vec<Task>> {
        let q = TaskQuery {
            statuses: TaskStatus::ALL.to_vec(),
            conds: vec![(false, Cond::Text(text.to_string()))],
            limit: 50,
            ..TaskQuery::default()
        };
        self.engine.task_page(&q)
    }

    fn mutate(&mut self, m: Mutation) -> crate::error::Result<Payload> {
        let e = &self.engine;
        let src = Source::Tui;
        let (message, task) = match m {
            Mutation::Add(new) => {
                let t = e.add_task(new, src)?;
                (format!("added #{} {}", t.id, t.title), Some(t.id))
            }
            Mutation::Edit(id, edit) => {
                let t = e.edit_task(id, edit, src)?;
                (format!("saved #{} {}", t.id, t.title), Some(t.id))
            }
            Mutation::Move(id, tr) => {
                let t = e.transition(id, tr, false, src)?;
                (format!("#{} is {} now", t.id, t.status), Some(t.id))
            }
            Mutation::Split(id, titles) => {
                let kids = e.split_task(id, &titles, src)?;
                (
                    format!("split #{id} into {} sub-tasks", kids.len()),
                    Some(id),
                )
            }
            Mutation::Claim(id, who) => {
                let t = e.claim_task(id, &who, src)?;
                (format!("#{} is claimed by {who}", t.id), Some(t.id))
            }
            Mutation::Release(id) => {
                let t = e.release_task(id, src)?;
                (format!("released #{}", t.id), Some(t.id))
            }
            Mutation::Delete(id) => {
                let t = e.remove_task(id)?;
                (format!("deleted #{} {}", t.id, t.title), None)
            }
            Mutation::Job(m) => return self.mutate_job(m),
            Mutation::CancelRun(id) => return self.cancel_run(id),
            Mutation::Chat { session, message } => return self.chat(&session, &message),
            Mutation::Rate(id, r) => return self.rate(id, r),
            Mutation::Grade(id, g) => return self.grade(id, g),
            Mutation::EditCard {
                id,
                question,
                answer,
            } => {
                let c = e.edit_card(id, Some(&question), Some(&answer))?;
                (format!("saved card #{}", c.id), None)
            }
            Mutation::RemoveCard(id) => {
                let c = e.remove_card(id)?;
                (format!("deleted card #{}", c.id), None)
            }
            Mutation::RunAgent { agent, prompt } => return self.run_agent(&agent, &prompt),
            Mutation::RemoveAgent(name) => return self.remove_agent(&name),
            Mutation::StopAgent(name) => return self.stop_agent(&name),
            Mutation::SaveAgent { old, yaml } => return self.save_agent(old.as_deref(), &yaml),
            Mutation::Assign(id, to) => return self.assign(id, to),
        };
        Ok(Payload::Changed { message, task })
    }
}

/// Roots in order with their descendants depth-first under each.
pub fn flatten(roots: Vec<Task>, below: Vec<Task>) -> Vec<TreeRow> {
    let mut kids: std::collections::HashMap<i64, Vec<Task>> = std::collections::HashMap::new();
    for t in below {
        if let Some(p) = t.parent {
            kids.entry(p).or_default().push(t);
        }
    }
    fn walk(
        t: Task,
        depth: u8,
        kids: &mut std::collections::HashMap<i64, Vec<Task>>,
        out: &mut Vec<TreeRow>,
    ) {
        let children = kids.remove(&t.id).unwrap_or_default();
        out.push(TreeRow {
            children: children.len() as u32,
            task: t,
            depth,
        });
        for c in children {
            walk(c, depth.saturating_add(1), kids, out);
        }
    }
    let mut out = Vec::new();
    for r in roots {
        walk(r, 0, &mut kids, &mut out);
    }
    out
}
