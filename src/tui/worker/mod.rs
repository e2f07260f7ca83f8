//! The worker: a dedicated thread that owns the `Engine` (and so the SQLite
//! connection) and answers requests tagged with an id. It notices writes by
//! other processes (the daemon, the CLI, this TUI's own scheduler) through an
//! inotify watch on the database (`engine::watch`), confirmed by
//! `PRAGMA data_version`, with a slow poll as the safety net, and reports
//! them as `DataChanged`. Results go back on the same channel as terminal
//! input; the app drops answers it no longer waits for.

mod agents;
mod background;
mod chat;
mod context;
pub mod dagster;
mod handoff;
mod jobs;
mod runs;
mod state;

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use crate::domain::task::Transition;
use chrono::{DateTime, Utc};

use crate::domain::{Job, NewTask, OutputLine, Run, RunStatus, Task, TaskStatus};
use crate::engine::chat::ChatTurn;
use crate::engine::jobs::JobDef;
use crate::engine::status::DayRuns;
use crate::engine::{Lease, RunFilter, TaskDetail, TaskEdit, TaskQuery};
use crate::error::Error;
pub use chat::FIRST_SESSION;
pub use context::{AgentsData, CardsData, Hits, SessionPage};
pub use jobs::{JOBS_WINDOW, RECENT, schedule_words};
pub use runs::LOG_CHUNK;
pub use state::{WorkerState, flatten};

/// The safety-net poll when the file watch is on: a missed event costs this.
pub const POLL_WATCHED: Duration = Duration::from_secs(2);
/// The poll where no file watch could be set up (or the database is in memory).
pub const POLL_UNWATCHED: Duration = Duration::from_millis(500);
/// A file event can come with the first WAL write, before the writer's commit
/// is visible: look again this many times, this far apart.
const BURST: u8 = 5;
const BURST_GAP: Duration = Duration::from_millis(20);

/// Which answer a request fills; a newer request for the same slot makes older answers stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    Dashboard,
    TaskPage,
    Detail,
    Search,
    Mutation,
    Watch,
    Lease,
    Jobs,
    RunPage,
    RunLog,
    Chat,
    ContextHits,
    ContextSessions,
    ContextSession,
    Cards,
    Agents,
    /// The header's Dagster health (also sent unasked, every 10 s, with id 0).
    DagsterHealth,
    /// The Dagster pane's overview.
    Dagster,
    /// A Dagster launch or start/stop.
    DagsterAct,
    /// The Tasks pane's hand-off picker.
    AssignTargets,
    /// The Dagster pane's assets.
    DagsterAssets,
    /// A materialization the Dagster pane follows to its end.
    DagsterFollow,
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
    Job(JobMutation),
    CancelRun(i64),
    /// A chat message through the gateway, in a conversation.
    Chat {
        session: String,
        message: String,
    },
    /// Rate a chat turn: 👍 1, 👎 -1, None clears.
    Rate(i64, Option<i8>),
    /// Grade a knowledge card 0..=5.
    Grade(i64, u8),
    /// Correct a card's question and answer.
    EditCard {
        id: i64,
        question: String,
        answer: String,
    },
    /// Delete a card.
    RemoveCard(i64),
    /// Run an agent with a prompt (the answer streams in as `AgentPartial`).
    RunAgent {
        agent: String,
        prompt: String,
    },
    /// Remove an agent.
    RemoveAgent(String),
    /// Stop the run of this agent going on.
    StopAgent(String),
    /// Add (`old` None) or replace agent `old` from YAML (one agent, the
    /// `jr agents import` format).
    SaveAgent {
        old: Option<String>,
        yaml: String,
    },
    /// Hand a task to an agent or a job (see worker/handoff.rs).
    Assign(i64, crate::engine::handoff::Assignee),
}

#[derive(Debug, Clone)]
pub enum JobMutation {
    Add(Box<JobDef>),
    /// Replace the job now named `.0`.
    Update(String, Box<JobDef>),
    Enable(String, bool),
    Delete(String),
    /// Queue a run (trigger manual); the lease holder starts it.
    RunNow(String),
    /// The same with run parameters (over the job's defaults).
    RunWith(String, crate::domain::params::Params),
}

/// A window of the Jobs pane's rows: only these are read in full (recent
/// runs, next fire), so thousands of jobs cost what a window does.
#[derive(Debug, Clone, PartialEq)]
pub struct JobsPage {
    pub rows: Vec<JobRow>,
    /// The first row's place among all jobs.
    pub offset: usize,
    pub total: usize,
    /// Jobs enabled, among all.
    pub enabled: usize,
    /// Where the wanted job is among all, when one was asked for and exists.
    pub want: Option<usize>,
}

/// One line of the Jobs pane.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub job: Job,
    /// The schedule in words ("weekdays at 07:00 KST", "on demand").
    pub schedule: String,
    pub next: Option<DateTime<Utc>>,
    /// The newest run that ran (not skipped or missed): id and status.
    pub last: Option<(i64, RunStatus)>,
    pub running: bool,
    /// Durations of the recent finished runs, oldest first (ms).
    pub durations: Vec<u64>,
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
    /// Task titles and job names for the palette.
    Search(String),
    Mutate(Mutation),
    /// Who holds the scheduler lease (alive), for the header.
    Lease,
    /// A window of the jobs (by name) from `offset`; with `want`, the window
    /// around that job instead.
    Jobs {
        offset: usize,
        want: Option<String>,
    },
    /// Runs newest first, `limit` of them, keyset-paged by the filter.
    RunPage(RunFilter),
    /// A run and its output after line `after`; `cut` is the output_cut known.
    RunLog {
        id: i64,
        after: i64,
        cut: i64,
    },
    /// A conversation's recent turns (None: the newest conversation) and
    /// the list of conversations.
    ChatHistory(Option<String>),
    /// Search the context registry.
    ContextSearch(String),
    /// The registry's sessions, most recently active first.
    ContextSessions,
    /// A page of a session's messages after message id `after`.
    ContextSession {
        channel: String,
        session: String,
        after: i64,
    },
    /// Due cards, all cards, their counts.
    Cards,
    /// Agents, their executions, skills, MCP servers, models.
    Agents,
    /// A Dagster call (async HTTP, off the database lock).
    Dagster(dagster::DagsterAsk),
    /// The agents and jobs a task can be handed to.
    AssignTargets,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunPage {
    pub filter: RunFilter,
    pub runs: Vec<Run>,
    /// More runs lie beyond the page (in the direction it was read).
    pub more: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogChunk {
    pub run: Run,
    pub lines: Vec<OutputLine>,
    /// The lines start over (the tail was rewritten under the output cap).
    pub reset: bool,
    /// The Dagster run it follows, if it does.
    pub external: Option<crate::domain::external::External>,
    /// A full chunk: ask for the next.
    pub more: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DashboardData {
    pub counts: Vec<(TaskStatus, i64)>,
    pub overdue: Vec<Task>,
    pub overdue_total: i64,
    pub ready: Vec<Task>,
    pub db_bytes: u64,
    /// Jobs (enabled, paused) and runs queued or running now.
    pub jobs: (i64, i64),
    pub active_runs: usize,
    /// The last 14 days, oldest first.
    pub days: Vec<DayRuns>,
    /// The next fires across jobs: (job, when).
    pub next_fires: Vec<(String, DateTime<Utc>)>,
    pub failures: Vec<Run>,
    /// The context registry: messages, sessions, (client, messages).
    pub context: (i64, i64, Vec<(String, i64)>),
    /// Knowledge cards: (cards, due now).
    pub cards: (i64, i64),
    /// Runs whose notification failed in the last day, and the newest.
    pub notify_failed: crate::engine::notify::Failures,
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
    Dashboard(Box<DashboardData>),
    TaskPage(TaskPage),
    Detail(Box<TaskDetail>),
    /// Tasks whose titles match, and every job name (the palette ranks them).
    Search(Vec<Task>, Vec<String>),
    /// A change went through: what to tell the user, and the task to select.
    Changed {
        message: String,
        task: Option<i64>,
    },
    Failed(Error),
    /// Another process wrote to the database.
    DataChanged,
    Lease(Option<Lease>),
    Jobs(Box<JobsPage>),
    RunPage(RunPage),
    RunLog(Box<LogChunk>),
    ChatHistory {
        session: String,
        turns: Vec<ChatTurn>,
        sessions: Vec<crate::engine::chat::ChatSession>,
    },
    /// A turn made.
    Chatted(Box<ChatTurn>),
    /// A turn rated (or its rating taken back).
    ChatRated(Box<ChatTurn>),
    /// A message on its way: the model's answer so far (empty: still deciding).
    ChatPartial {
        message: String,
        text: String,
    },
    /// A job change went through: the message, the job to select, the run it queued.
    JobChanged {
        message: String,
        job: Option<String>,
        run: Option<i64>,
    },
    ContextHits(Box<Hits>),
    ContextSessions(Vec<crate::engine::SessionRow>),
    ContextSession(Box<SessionPage>),
    Cards(Box<CardsData>),
    /// A card graded: its next due date.
    CardGraded(Box<crate::domain::cards::Card>),
    Agents(Box<AgentsData>),
    /// Dagster health; None: no instance is configured.
    DagsterHealth(Option<Box<crate::engine::dagster::views::StatusView>>),
    /// The Dagster pane; None: no instance is configured.
    DagsterOverview(Option<Box<dagster::DagsterOverview>>),
    /// A Dagster change went through: what to tell the user.
    DagsterDone(String),
    /// A Dagster run launched: what to tell the user, the run to follow
    /// and what it does.
    DagsterLaunched {
        message: String,
        run: String,
        what: String,
    },
    /// Dagster's assets; None: no instance is configured.
    DagsterAssets(Option<Vec<crate::clients::dagster::assets::Asset>>),
    /// An agent run on its way: the answer so far (empty: still starting).
    AgentPartial {
        agent: String,
        text: String,
    },
    /// An agent run ended: the recorded execution, and the error with its hints.
    AgentRan {
        run: Box<crate::domain::agent::AgentRun>,
        error: Option<Error>,
    },
    /// `agent:NAME` and `job:NAME` a task can be handed to.
    AssignTargets(Vec<String>),
}

/// Sending an answer from outside the worker loop.
pub type Reply = std::sync::Arc<std::sync::Mutex<Box<dyn Fn(Response) -> bool + Send>>>;

/// Answer from a thread the worker started (a chat turn, an agent run): a
/// mutation's answer, always current.
pub(crate) fn send_later(reply: &Reply, payload: Payload) {
    if let Ok(f) = reply.lock() {
        f(Response {
            id: 0,
            slot: Slot::Mutation,
            payload,
        });
    }
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

/// A message to the worker thread.
pub enum Msg {
    Request(u64, Slot, Request),
    /// The file watch saw the database change.
    Poke,
    /// An answer computed elsewhere (a Dagster call on the worker's runtime).
    Answer(Response),
    Stop,
}

/// The thread's loop: answer requests (the newest per slot, mutations all, in
/// order) and look for outside writes when poked by the file watch (and on
/// the slow poll); `send` returns false once nobody listens.
pub fn run(
    mut state: WorkerState,
    rx: Receiver<Msg>,
    watched: bool,
    send: impl Fn(Response) -> bool,
) {
    state.poll();
    run_with(&mut state, rx, watched, None, send)
}

/// The loop; with `back`, Dagster calls run on the worker's runtime and
/// answer through it, and the header's health is asked every 10 s.
fn run_with(
    state: &mut WorkerState,
    rx: Receiver<Msg>,
    watched: bool,
    back: Option<Sender<Msg>>,
    send: impl Fn(Response) -> bool,
) {
    let every = if watched {
        POLL_WATCHED
    } else {
        POLL_UNWATCHED
    };
    let mut next_look = Instant::now() + every;
    let mut burst = 0u8;
    let polls_health = back.is_some() && state.dagster_configured();
    let mut next_health = Instant::now() + dagster::HEALTH_EVERY;
    loop {
        let mut until = next_look;
        if polls_health {
            until = until.min(next_health);
        }
        let wait = until.saturating_duration_since(Instant::now());
        let first = match rx.recv_timeout(wait) {
            Ok(m) => Some(m),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let mut batch: Vec<(u64, Slot, Request)> = Vec::new();
        for m in first.into_iter().chain(rx.try_iter()) {
            match m {
                Msg::Stop => return,
                Msg::Answer(r) => {
                    if !send(r) {
                        return;
                    }
                }
                Msg::Poke => {
                    burst = BURST;
                    next_look = Instant::now();
                }
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
            let payload = match (req, &back) {
                (Request::Dagster(ask), Some(b)) => {
                    match state.dagster_spawn(id, slot, ask, b.clone()) {
                        Some(p) => p,
                        None => continue,
                    }
                }
                (req, _) => state.handle(req),
            };
            if !send(Response { id, slot, payload }) {
                return;
            }
        }
        if let (true, Some(b)) = (polls_health, &back)
            && Instant::now() >= next_health
        {
            next_health = Instant::now() + dagster::HEALTH_EVERY;
            let ask = dagster::DagsterAsk::Health;
            if let Some(payload) = state.dagster_spawn(0, Slot::DagsterHealth, ask, b.clone()) {
                let r = Response {
                    id: 0,
                    slot: Slot::DagsterHealth,
                    payload,
                };
                if !send(r) {
                    return;
                }
            }
        }
        if Instant::now() >= next_look {
            if state.poll() {
                burst = 0;
                let changed = Response {
                    id: 0,
                    slot: Slot::Watch,
                    payload: Payload::DataChanged,
                };
                if !send(changed) {
                    return;
                }
            }
            next_look = if burst > 0 {
                burst -= 1;
                Instant::now() + BURST_GAP
            } else {
                Instant::now() + every
            };
        }
    }
}

/// Start the worker thread with a file watch on the database when it can
/// have one; requests go in through the returned sender.
pub fn spawn(
    mut state: WorkerState,
    send: impl Fn(Response) -> bool + Send + 'static,
) -> Sender<Msg> {
    let (tx, rx) = std::sync::mpsc::channel();
    // Chat turns that wait for a model answer from their own thread through
    // the same sender (see worker/chat.rs).
    let shared: Reply = std::sync::Arc::new(std::sync::Mutex::new(Box::new(send)));
    state.reply = Some(shared.clone());
    let send = move |r: Response| shared.lock().map(|f| f(r)).unwrap_or(false);
    let back = tx.clone();
    let poke = std::sync::Mutex::new(tx.clone());
    let watch = state.engine().db_path().and_then(|p| {
        crate::engine::watch::watch_with(&p, move || {
            if let Ok(tx) = poke.lock() {
                let _ = tx.send(Msg::Poke);
            }
        })
    });
    std::thread::Builder::new()
        .name("jr-worker".into())
        .spawn(move || {
            let _watch = watch;
            let mut state = state;
            state.poll();
            run_with(&mut state, rx, _watch.is_some(), Some(back), send)
        })
        .expect("cannot start the worker thread");
    tx
}
