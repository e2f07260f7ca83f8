//! The worker: a dedicated thread that owns the `Engine` (and so the SQLite
//! connection), answers requests tagged with an id, and polls
//! `PRAGMA data_version` about every 500 ms so writes by other processes
//! become a `DataChanged` notice. Results go back on the same channel as
//! terminal input; the app drops answers it no longer waits for.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use crate::domain::task::Transition;
use crate::domain::{NewTask, Source, Task, TaskStatus};
use crate::engine::{Cond, TaskQuery};
use crate::engine::{Engine, TaskDetail, TaskEdit};
use crate::error::Error;

/// How often the worker asks SQLite whether another process wrote.
pub const POLL: Duration = Duration::from_millis(500);
/// Sub-tasks fetched under one page, at most.
const SUBTREE_CAP: usize = 1000;

/// Which answer a request fills; a newer request for the same slot makes older answers stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    Dashboard,
    TaskPage,
    Detail,
    Search,
    Mutation,
    Watch,
}

#[derive(Debug, Clone)]
pub enum Mutation {
    Add(NewTask),
    Edit(i64, TaskEdit),
    Move(i64, Transition),
    Split(i64, Vec<String>),
    Claim(i64, String),
    Release(i64),
    Delete(i64),
}

#[derive(Debug, Clone)]
pub enum Request {
    Dashboard,
    /// A page of the list; `tree` adds the sub-tasks of its roots, `count` the total.
    TaskPage {
        query: TaskQuery,
        tree: bool,
    },
    Detail(i64),
    /// Task titles for the palette.
    Search(String),
    Mutate(Mutation),
}

#[derive(Debug, Clone, PartialEq)]
pub struct DashboardData {
    pub counts: Vec<(TaskStatus, i64)>,
    pub overdue: Vec<Task>,
    pub overdue_total: i64,
    pub ready: Vec<Task>,
    pub db_bytes: u64,
}

/// One line of the task list: a task, its depth in the tree, its shown children.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeRow {
    pub task: Task,
    pub depth: u8,
    pub children: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaskPage {
    pub query: TaskQuery,
    pub rows: Vec<TreeRow>,
    /// Tasks (roots, in a tree) the query matches in all.
    pub total: i64,
}

#[derive(Debug, Clone)]
pub enum Payload {
    Dashboard(DashboardData),
    TaskPage(TaskPage),
    Detail(Box<TaskDetail>),
    Search(Vec<Task>),
    /// A change went through: what to tell the user, and the task to select.
    Changed {
        message: String,
        task: Option<i64>,
    },
    Failed(Error),
    /// Another process wrote to the database.
    DataChanged,
}

#[derive(Debug, Clone)]
pub struct Response {
    pub id: u64,
    pub slot: Slot,
    pub payload: Payload,
}

/// Two responses are the same when they answer the same request.
impl PartialEq for Response {
    fn eq(&self, other: &Response) -> bool {
        self.id == other.id && self.slot == other.slot
    }
}

/// The engine and what the worker remembers between requests.
pub struct WorkerState {
    engine: Engine,
    version: Option<i64>,
}

impl WorkerState {
    pub fn new(engine: Engine) -> WorkerState {
        WorkerState {
            engine,
            version: None,
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Answer one request (synchronously: the thread loop and headless tests both call this).
    pub fn handle(&mut self, req: Request) -> Payload {
        let out = match req {
            Request::Dashboard => self.dashboard().map(Payload::Dashboard),
            Request::TaskPage { query, tree } => self.page(query, tree).map(Payload::TaskPage),
            Request::Detail(id) => self
                .engine
                .task_detail(id)
                .map(|d| Payload::Detail(Box::new(d))),
            Request::Search(text) => self.search(&text).map(Payload::Search),
            Request::Mutate(m) => self.mutate(m),
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

    fn mutate(&self, m: Mutation) -> crate::error::Result<Payload> {
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

/// A message to the worker thread.
pub enum Msg {
    Request(u64, Slot, Request),
    Stop,
}

/// The thread's loop: answer requests (the newest per slot, mutations all, in
/// order) and poll for outside writes; `send` returns false once nobody listens.
pub fn run(mut state: WorkerState, rx: Receiver<Msg>, send: impl Fn(Response) -> bool) {
    state.poll();
    let mut last_poll = Instant::now();
    loop {
        let wait = POLL.saturating_sub(last_poll.elapsed());
        let first = match rx.recv_timeout(wait) {
            Ok(m) => Some(m),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let mut batch: Vec<(u64, Slot, Request)> = Vec::new();
        for m in first.into_iter().chain(rx.try_iter()) {
            match m {
                Msg::Stop => return,
                Msg::Request(id, slot, req) => {
                    // A newer read for the same slot replaces an older one not yet started.
                    if slot != Slot::Mutation {
                        batch.retain(|(_, s, _)| *s != slot);
                    }
                    batch.push((id, slot, req));
                }
            }
        }
        for (id, slot, req) in batch {
            let payload = state.handle(req);
            if !send(Response { id, slot, payload }) {
                return;
            }
        }
        if last_poll.elapsed() >= POLL {
            last_poll = Instant::now();
            if state.poll()
                && !send(Response {
                    id: 0,
                    slot: Slot::Watch,
                    payload: Payload::DataChanged,
                })
            {
                return;
            }
        }
    }
}

/// Start the worker thread; requests go in through the returned sender.
pub fn spawn(state: WorkerState, send: impl Fn(Response) -> bool + Send + 'static) -> Sender<Msg> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("jr-worker".into())
        .spawn(move || run(state, rx, send))
        .expect("cannot start the worker thread");
    tx
}
