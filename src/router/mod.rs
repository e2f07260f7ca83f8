//! The chat gateway's routing decision. Pure: a message and what jr knows
//! (job names) in, a `Decision` out; no I/O. The rules stage (`rules`) places
//! the messages it is sure of; the rest go to the local model's
//! classification, or — with no model — to the fallback here. The engine
//! carries decisions out (`engine::gateway`).

pub mod lang;
pub mod phrases;
pub mod rules;
pub mod urgency;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// Simple, answered from jr's own data.
    Answer,
    /// Simple, needs an action the gateway may take.
    Act,
    /// Complex, not urgent: filed as a task for the host agent.
    Defer,
    /// Complex and urgent: a cloud model, used sparingly.
    Escalate,
}

impl Route {
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Answer => "answer",
            Route::Act => "act",
            Route::Defer => "defer",
            Route::Escalate => "escalate",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    Rules,
    Llm,
    Fallback,
}

/// What the message asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "intent", rename_all = "snake_case")]
pub enum Intent {
    Greeting,
    Capabilities,
    /// "오늘 뭐 해야 해?": the ready/pending tasks.
    TasksToday,
    TaskShow {
        id: i64,
    },
    /// Overall status.
    Status,
    JobsList,
    /// When a job runs next (or all jobs when `job` is None).
    JobNext {
        job: Option<String>,
    },
    RunsFailed,
    RunsRecent,
    Scheduler,
    RunJob {
        job: String,
    },
    TaskMove {
        id: i64,
        to: String,
    },
    TaskAdd {
        title: String,
    },
    /// A job name close to one we know: offered back, not guessed.
    Clarify {
        asked: String,
        suggestions: Vec<String>,
    },
    /// Something the gateway may not do: filed for the host agent.
    Forbidden {
        what: Forbidden,
        title: String,
    },
    /// Complex work: filed for the host agent (or escalated when urgent).
    Complex {
        title: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Forbidden {
    NewJob,
    Settings,
    Integration,
    Shell,
}

impl Intent {
    pub fn name(&self) -> &'static str {
        match self {
            Intent::Greeting => "greeting",
            Intent::Capabilities => "capabilities",
            Intent::TasksToday => "tasks_today",
            Intent::TaskShow { .. } => "task_show",
            Intent::Status => "status",
            Intent::JobsList => "jobs_list",
            Intent::JobNext { .. } => "job_next",
            Intent::RunsFailed => "runs_failed",
            Intent::RunsRecent => "runs_recent",
            Intent::Scheduler => "scheduler",
            Intent::RunJob { .. } => "run_job",
            Intent::TaskMove { .. } => "task_move",
            Intent::TaskAdd { .. } => "task_add",
            Intent::Clarify { .. } => "clarify",
            Intent::Forbidden {
                what: Forbidden::NewJob,
                ..
            } => "refuse_new_job",
            Intent::Forbidden {
                what: Forbidden::Settings,
                ..
            } => "refuse_settings",
            Intent::Forbidden {
                what: Forbidden::Integration,
                ..
            } => "refuse_integration",
            Intent::Forbidden {
                what: Forbidden::Shell,
                ..
            } => "refuse_shell",
            Intent::Complex { .. } => "complex",
        }
    }

    /// The route an intent takes (urgency only matters for complex work).
    pub fn route(&self, urgent: bool) -> Route {
        match self {
            Intent::Greeting
            | Intent::Capabilities
            | Intent::TasksToday
            | Intent::TaskShow { .. }
            | Intent::Status
            | Intent::JobsList
            | Intent::JobNext { .. }
            | Intent::RunsFailed
            | Intent::RunsRecent
            | Intent::Scheduler
            | Intent::Clarify { .. } => Route::Answer,
            Intent::RunJob { .. } | Intent::TaskMove { .. } | Intent::TaskAdd { .. } => Route::Act,
            Intent::Forbidden { .. } => Route::Defer,
            Intent::Complex { .. } if urgent => Route::Escalate,
            Intent::Complex { .. } => Route::Defer,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub route: Route,
    pub intent: Intent,
    pub via: Via,
    pub urgent: bool,
    pub reason: String,
}

/// What the rules need to know about the database.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub jobs: Vec<String>,
}

/// The whole decision without a model: the rules, else the fallback (defer,
/// or escalate when the message is urgent).
pub fn decide_without_model(msg: &str, catalog: &Catalog) -> Decision {
    rules::decide(msg, catalog).unwrap_or_else(|| fallback(msg, "no local model answered"))
}

/// The fallback for a message the rules cannot place.
pub fn fallback(msg: &str, why: &str) -> Decision {
    let urgent = urgency::is_urgent(msg);
    let intent = Intent::Complex {
        title: rules::title_of(msg),
    };
    Decision {
        route: intent.route(urgent),
        intent,
        via: Via::Fallback,
        urgent,
        reason: format!(
            "the rules could not place it and {why}; {}",
            if urgent {
                "it sounds urgent"
            } else {
                "it is filed for the host agent"
            }
        ),
    }
}
