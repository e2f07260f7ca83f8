//! Executors: how a run of each job kind is carried out. Each sits behind the
//! `Executor` trait; the scheduler's runner owns timeouts, cancellation
//! reasons, retries and the run row, and an executor only runs the work,
//! streams its output and stops when told.

pub mod agent;
pub mod ambient;
pub mod capture;
pub mod cgroup;
pub mod dagster;
pub mod result_file;
pub mod shell;
pub mod spawn;
pub mod tree;

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::domain::Job;

/// What an executor gets to know about the run.
#[derive(Debug, Clone)]
pub struct RunCtx {
    pub run_id: i64,
    pub job: Job,
    pub scheduled_for: Option<DateTime<Utc>>,
    pub attempt: u32,
    /// agents: the run that triggered this one through a chain.
    pub upstream: Option<crate::engine::chains::Upstream>,
    /// Dagster instances, for the `dagster` kind.
    pub dagster: std::sync::Arc<crate::engine::dagster::Dagster>,
    /// Set when a restarted jr resumes following external work instead of starting it.
    pub resume: Option<crate::domain::external::External>,
    /// Cancelled (before `stop`) when jr itself shuts down: external work is
    /// left running and followed again by the next jr, not stopped.
    pub shutdown: CancellationToken,
    /// The task the run works on (a hand-off or a worker's claim).
    pub task: Option<crate::engine::handoff::TaskBrief>,
    /// shell: the private folder where the run's `JR_RESULT` file is made
    /// (none: the system's temporary folder).
    pub result_dir: Option<std::path::PathBuf>,
    /// The run's parameters (its job's defaults under the values it was given).
    pub params: crate::domain::params::Params,
}

/// How the work ended, as far as the executor can tell.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub success: bool,
    pub exit_code: Option<i32>,
    pub error: Option<String>,
    /// A short summary or a link.
    pub result: Option<String>,
    /// The work was cancelled by someone else (a Dagster run canceled in its UI).
    pub cancelled: bool,
}

impl Outcome {
    /// The work did not succeed, for this reason.
    pub fn failed(error: impl Into<String>) -> Outcome {
        Outcome {
            cancelled: false,
            success: false,
            exit_code: None,
            error: Some(error.into()),
            result: None,
        }
    }
}

/// A line from jr itself in the run's output (why it stopped, what it read…).
pub async fn note(events: &Events, text: impl Into<String>) {
    let _ = events
        .send(Event::Line {
            stream: Stream::Jr,
            text: text.into(),
        })
        .await;
}

/// Messages from an executor to the run's output writer.
#[derive(Debug)]
pub enum Event {
    Line {
        stream: Stream,
        text: String,
    },
    /// Bytes as read from a pipe; lines are cut by the output log, which
    /// keeps only what fits the cap (a noisy job costs no work per line).
    Chunk {
        stream: Stream,
        bytes: crate::engine::output_piece::Piece,
    },
    /// A pipe reached its end: its unfinished last line is a line.
    Closed(Stream),
    /// The child's process group, so a crashed jr's orphans can be found.
    Spawned {
        pgid: i64,
    },
    /// The external work the run follows (a Dagster run): its id, link and
    /// log cursor, stored so a restarted jr can resume following it.
    External(crate::domain::external::External),
    /// Answered once every earlier event is handled: whether an `External`
    /// was recorded for the run.
    Barrier(tokio::sync::oneshot::Sender<bool>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Out,
    Err,
    /// A note from jr itself (why it stopped the run, ...).
    Jr,
}

impl Stream {
    pub fn as_str(self) -> &'static str {
        match self {
            Stream::Out => "out",
            Stream::Err => "err",
            Stream::Jr => "jr",
        }
    }
}

pub type Events = mpsc::Sender<Event>;
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

pub trait Executor: Send + Sync {
    /// Run the work. When `stop` fires, end it promptly (a shell job's whole
    /// process group gets SIGTERM, then SIGKILL) and return.
    fn execute<'a>(
        &'a self,
        ctx: &'a RunCtx,
        events: Events,
        stop: CancellationToken,
    ) -> BoxFuture<'a, Outcome>;
}

/// The executor for a job's kind. `db` is for kinds that read jr's own data
/// through the engine (agent: templates, the agent, the execution record).
pub fn for_job(job: &Job, db: &crate::engine::shared::Shared) -> Box<dyn Executor> {
    match &job.spec {
        crate::domain::JobSpec::Shell(_) => Box::new(shell::ShellExecutor::default()),
        // agents
        crate::domain::JobSpec::Agent(_) => Box::new(agent::AgentExecutor::new(db.clone())),
        crate::domain::JobSpec::Ambient(_) => Box::new(ambient::AmbientExecutor::new(db.clone())),
        crate::domain::JobSpec::Dagster(_) => Box::new(dagster::DagsterExecutor::default()),
    }
}
