//! The chat gateway's routing decision. Pure: a message and what jr knows
//! (job names) in, a `Decision` out; no I/O. The rules stage (`rules`) places
//! the messages it is sure of; the rest go to the local model's
//! classification, or — with no model — to the fallback here. The engine
//! carries decisions out (`engine::gateway`).

pub mod agents;
pub mod compound;
pub mod entities;
pub mod flow;
pub mod followup;
pub mod lang;
pub mod phrases;
pub mod questions;
pub mod rules;
pub mod text;
pub mod urgency;

pub use flow::fill_target;

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
    /// "list open tasks": every open task, by priority.
    TasksOpen,
    /// "why did backup fail?": the job's last failure and its log's tail.
    JobWhy {
        job: String,
    },
    /// "in_progress인 거 뭐 있어?": the tasks in one status.
    TasksList {
        status: String,
    },
    /// "what agents do I have?"
    AgentsList,
    /// One agent: what it is for.
    AgentShow {
        agent: String,
    },
    /// One run: its status and, when it failed, why and its log's tail.
    RunShow {
        id: i64,
    },
    /// Delegation: a configured agent does a small piece of work.
    RunAgent {
        agent: String,
        prompt: String,
        /// The message points at what the conversation showed last ("이거").
        with_previous: bool,
    },
    /// A simple question live data does not answer: the model's own words.
    Chat,
    /// "그거", "the second one" with nothing shown to point at.
    Unresolved {
        asked: String,
    },
    /// Several allowed actions in one message: all of them are carried out.
    Compound {
        parts: Vec<Intent>,
    },
    /// Several actions, one of which the gateway may not do: none is done.
    Withheld {
        what: Forbidden,
        title: String,
    },
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
        /// `KEY=VALUE`s the message gave ("backup 돌려줘 target=nas").
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        params: std::collections::BTreeMap<String, String>,
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
    /// Editing, deleting, pausing, enabling or re-scheduling a job.
    JobChange,
    /// Deleting tasks.
    TaskDelete,
    /// Writing code.
    Code,
}

impl Forbidden {
    pub fn name(self) -> &'static str {
        match self {
            Forbidden::NewJob => "new_job",
            Forbidden::Settings => "settings",
            Forbidden::Integration => "integration",
            Forbidden::Shell => "shell",
            Forbidden::JobChange => "job_change",
            Forbidden::TaskDelete => "task_delete",
            Forbidden::Code => "code",
        }
    }
}

/// What a turn acts on or would act on (`jr chat --json`'s `target`), and
/// what a turn showed, in order, for follow-ups to point at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    Job {
        name: String,
    },
    Task {
        id: i64,
    },
    Agent {
        name: String,
    },
    Run {
        id: i64,
        /// The run's job, so "rerun that" can run it again.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        job: Option<String>,
    },
}

/// What the conversation so far showed: the newest turn's items (in the
/// order listed) and what it acted on.
#[derive(Debug, Clone, Default)]
pub struct Convo {
    pub shown: Vec<Target>,
    pub last: Option<Target>,
    /// The previous reply, for "이거 정리시켜줘".
    pub previous_reply: Option<String>,
}
impl Intent {
    pub fn name(&self) -> &'static str {
        match self {
            Intent::Greeting => "greeting",
            Intent::Capabilities => "capabilities",
            Intent::TasksToday => "tasks_today",
            Intent::TasksList { .. } => "tasks_list",
            Intent::TasksOpen => "tasks_open",
            Intent::JobWhy { .. } => "job_why",
            Intent::AgentsList => "agents_list",
            Intent::AgentShow { .. } => "agent_show",
            Intent::RunShow { .. } => "run_show",
            Intent::RunAgent { .. } => "run_agent",
            Intent::Chat => "chat",
            Intent::Unresolved { .. } => "unresolved",
            Intent::Compound { .. } => "compound",
            Intent::Withheld { .. } => "withheld",
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
            Intent::Forbidden {
                what: Forbidden::JobChange,
                ..
            } => "refuse_job_change",
            Intent::Forbidden {
                what: Forbidden::TaskDelete,
                ..
            } => "refuse_task_delete",
            Intent::Forbidden {
                what: Forbidden::Code,
                ..
            } => "refuse_code",
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
            | Intent::TasksList { .. }
            | Intent::TasksOpen
            | Intent::JobWhy { .. }
            | Intent::AgentsList
            | Intent::AgentShow { .. }
            | Intent::RunShow { .. }
            | Intent::Chat
            | Intent::Unresolved { .. }
            | Intent::Clarify { .. } => Route::Answer,
            Intent::RunJob { .. }
            | Intent::TaskMove { .. }
            | Intent::TaskAdd { .. }
            | Intent::RunAgent { .. }
            | Intent::Compound { .. } => Route::Act,
            // Not allowed: deferred, or escalated when urgent (never carried out).
            Intent::Forbidden { .. } | Intent::Withheld { .. } if urgent => Route::Escalate,
            Intent::Forbidden { .. } | Intent::Withheld { .. } => Route::Defer,
            Intent::Complex { .. } if urgent => Route::Escalate,
            Intent::Complex { .. } => Route::Defer,
        }
    }

    /// What this intent acts on or asks about, when it is one thing.
    pub fn target(&self) -> Option<Target> {
        match self {
            Intent::RunJob { job, .. }
            | Intent::JobNext { job: Some(job) }
            | Intent::JobWhy { job } => Some(Target::Job { name: job.clone() }),
            Intent::TaskMove { id, .. } | Intent::TaskShow { id } => Some(Target::Task { id: *id }),
            Intent::RunAgent { agent, .. } | Intent::AgentShow { agent } => Some(Target::Agent {
                name: agent.clone(),
            }),
            Intent::RunShow { id } => Some(Target::Run { id: *id, job: None }),
            Intent::Compound { parts } => parts.first().and_then(|p| p.target()),
            _ => None,
        }
    }

    /// Whether carrying it out changes anything (an action, not an answer).
    pub fn acts(&self) -> bool {
        self.route(false) == Route::Act
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub route: Route,
    pub intent: Intent,
    pub via: Via,
    pub urgent: bool,
    pub reason: String,
    pub target: Option<Target>,
}

/// An agent the gateway may delegate to.
#[derive(Debug, Clone, Default)]
pub struct AgentInfo {
    pub name: String,
    pub description: String,
}

/// A task the rules may recognise by its title.
#[derive(Debug, Clone, Default)]
pub struct TaskInfo {
    pub id: i64,
    /// Lower-cased, as messages are when the rules read them.
    pub title: String,
}

/// What the rules need to know about the database.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub jobs: Vec<String>,
    pub agents: Vec<AgentInfo>,
    pub tasks: Vec<TaskInfo>,
}

/// The whole decision without a model: the rules, else the fallback (defer,
/// or escalate when the message is urgent).
pub fn decide_without_model(msg: &str, catalog: &Catalog) -> Decision {
    decide_in(msg, catalog, &Convo::default())
}

/// The same within a conversation: follow-ups resolve against `convo`.
pub fn decide_in(msg: &str, catalog: &Catalog, convo: &Convo) -> Decision {
    flow::decide_in(msg, catalog, convo).unwrap_or_else(|| {
        fill_target(
            fallback(msg, "no local model answered"),
            msg,
            catalog,
            convo,
        )
    })
}

/// The fallback for a message the rules cannot place.
pub fn fallback(msg: &str, why: &str) -> Decision {
    let urgent = urgency::is_urgent(msg);
    let intent = Intent::Complex {
        title: rules::title_of(msg),
    };
    Decision {
        route: intent.route(urgent),
        target: None,
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
