//! The order in which the rules look at a message. A delegation's payload
//! ("translate this: ...") is data and never routed; then adding a task;
//! questions about something before refusals ("how do I delete a job? just
//! asking"); refusals before actions; follow-ups on what the conversation
//! showed; the named job, task or agent; lists and status; simple questions
//! last. None: the rules are not confident (the model or the fallback decides).

use super::phrases::*;
use super::rules::{
    added_title, decision, forbidden, move_to, named_job, names_job, near_job, run_number,
    task_number, tasks_in_status, title_of,
};
use super::text::{has, norm, tokens};
use super::{
    Catalog, Convo, Decision, Forbidden, Intent, Route, Target, agents, compound, entities,
    followup, questions,
};

/// Place a message, or None when the rules are not confident.
pub fn decide(msg: &str, catalog: &Catalog) -> Option<Decision> {
    decide_in(msg, catalog, &Convo::default())
}

/// The same within a conversation: "그거", "the second one" resolve
/// against what it showed last. `KEY=VALUE` words are run parameters when
/// the message runs a job ("backup 돌려줘 target=nas"): the message is
/// placed without them, and the job's run gets them; any other message is
/// placed as written.
pub fn decide_in(msg: &str, catalog: &Catalog, convo: &Convo) -> Option<Decision> {
    let (pairs, rest) = crate::domain::params::pairs_in_text(msg);
    if pairs.is_empty() {
        return decide_plain(msg, catalog, convo);
    }
    let runs = |d: &Decision| matches!(d.intent, Intent::RunJob { .. });
    let d = match (!rest.is_empty())
        .then(|| decide_plain(&rest, catalog, convo))
        .flatten()
    {
        Some(d) if runs(&d) => Some(d),
        _ => decide_plain(msg, catalog, convo),
    };
    d.map(|mut d| {
        with_params(&mut d.intent, pairs);
        d
    })
}

/// Give a run-job intent (or the one run-job part of a combined request)
/// the message's parameters; the gateway checks them against the job.
pub fn with_params(intent: &mut Intent, pairs: Vec<(String, String)>) {
    match intent {
        Intent::RunJob { params, .. } => params.extend(pairs),
        Intent::Compound { parts } => {
            let mut runs = parts
                .iter_mut()
                .filter(|p| matches!(p, Intent::RunJob { .. }));
            if let (Some(one), None) = (runs.next(), runs.next()) {
                with_params(one, pairs);
            }
        }
        _ => {}
    }
}

fn decide_plain(msg: &str, catalog: &Catalog, convo: &Convo) -> Option<Decision> {
    if norm(msg).is_empty() {
        return decide_one(msg, catalog, convo);
    }
    compound::decide(msg, catalog, convo, decide_one).or_else(|| decide_one(msg, catalog, convo))
}

/// A run shown stands for its job in a target ("why did the first one fail?").
pub fn as_job(t: Target) -> Target {
    match t {
        Target::Run {
            job: Some(name), ..
        } => Target::Job { name },
        other => other,
    }
}

/// What a decision is about when its intent does not say: the item a
/// follow-up points at, else the first job, task or agent the message names
/// ("delete the slow job" → the job slow). Lists, greetings and added tasks
/// have none.
pub fn fill_target(mut d: Decision, msg: &str, catalog: &Catalog, convo: &Convo) -> Decision {
    if let Some(t) = d.target.take() {
        d.target = Some(as_job(t));
        return d;
    }
    let none = matches!(
        d.intent,
        Intent::Greeting
            | Intent::Capabilities
            | Intent::TasksToday
            | Intent::TasksOpen
            | Intent::TasksList { .. }
            | Intent::AgentsList
            | Intent::JobsList
            | Intent::RunsRecent
            | Intent::RunsFailed
            | Intent::Scheduler
            | Intent::Status
            | Intent::Unresolved { .. }
            | Intent::Clarify { .. }
            | Intent::TaskAdd { .. }
            | Intent::JobNext { job: None }
    );
    if none {
        return d;
    }
    let m = norm(msg);
    let head = agents::head(&m);
    let pointed =
        followup::reference(head).and_then(|r| followup::resolve(r, followup::kind(head), convo));
    // A name in the message wins over "그거" ("report-mailer 그거 연동해줘").
    d.target = entities::first(&m, catalog).or(pointed).map(as_job);
    d
}

/// Follow-ups: references resolved against the conversation. Two or more
/// ("1번째랑 3번째 둘 다 시작해줘") are one compound action.
fn follow_up(msg: &str, head: &str, m: &str, convo: &Convo) -> Option<Decision> {
    let refs = followup::references(head);
    let refs = if refs.is_empty() {
        followup::references(m)
    } else {
        refs
    };
    let first = *refs.first()?;
    let kind = followup::kind(head);
    if refs.len() >= 2 {
        let items: Option<Vec<Target>> = refs
            .iter()
            .map(|r| followup::resolve(*r, kind, convo))
            .collect();
        if let Some(items) = items {
            let parts: Vec<Intent> = items
                .iter()
                .map(|t| followup::intent_for(t, m, msg))
                .collect();
            if parts.iter().all(|p| p.acts()) {
                let mut d = decision(
                    Intent::Compound { parts },
                    msg,
                    "several follow-ups, all allowed",
                );
                d.target = items.first().cloned().map(as_job);
                return Some(d);
            }
        }
    }
    let Some(t) = followup::resolve(first, kind, convo) else {
        return Some(decision(
            Intent::Unresolved {
                asked: title_of(msg),
            },
            msg,
            "points at something this conversation has not shown",
        ));
    };
    let intent = followup::intent_for(&t, m, msg);
    let mut d = decision(intent, msg, "a follow-up on what the conversation showed");
    if d.target.is_none() || matches!(d.intent, Intent::RunShow { .. }) {
        d.target = Some(as_job(t));
    }
    Some(d)
}

/// A small piece of work for a local agent; its payload is data.
fn delegation(msg: &str, m: &str, catalog: &Catalog) -> Option<Decision> {
    let (agent, with_previous) = agents::delegation(m, catalog)?;
    let head = agents::head(m);
    let target = Some(Target::Agent {
        name: agent.name.clone(),
    });
    let intent = if has(head, SETTINGS) && has(head, CHANGE) {
        Intent::Forbidden {
            what: Forbidden::Settings,
            title: title_of(msg),
        }
    } else if has(head, BIG_WORK) {
        Intent::Complex {
            title: title_of(msg),
        }
    } else {
        Intent::RunAgent {
            agent: agent.name.clone(),
            prompt: msg.trim().to_string(),
            with_previous,
        }
    };
    let mut d = decision(intent, msg, "hands a small piece of work to a local agent");
    if d.intent.name() != "run_agent" {
        d.reason = "too much for a small delegation: it goes to the host agent".into();
    }
    d.target = target;
    Some(d)
}

fn why_forbidden(what: Forbidden) -> &'static str {
    match what {
        Forbidden::Shell => "the gateway never runs shell commands from a message",
        Forbidden::NewJob => "the gateway never writes new jobs or job code",
        Forbidden::Settings => "the gateway never changes settings",
        Forbidden::Integration => "the gateway never sets up integrations",
        Forbidden::JobChange => "the gateway never edits, deletes, pauses or re-schedules jobs",
        Forbidden::TaskDelete => "the gateway never deletes tasks",
        Forbidden::Code => "the gateway never writes code",
    }
}

/// One request (a part of a compound message, or the whole of it).
pub(super) fn decide_one(msg: &str, catalog: &Catalog, convo: &Convo) -> Option<Decision> {
    let d = decide_bare(msg, catalog, convo)?;
    Some(fill_target(d, msg, catalog, convo))
}

fn decide_bare(msg: &str, catalog: &Catalog, convo: &Convo) -> Option<Decision> {
    let m = norm(msg);
    if m.is_empty() {
        return Some(decision(
            Intent::Capabilities,
            msg,
            "an empty message: say what jr can do",
        ));
    }
    let head = agents::head(&m);
    let head_job = named_job(head, catalog).is_some();
    // A delegation, unless a follow-up names the agent ("세번째 에이전트한테").
    if followup::references(head).is_empty()
        && let Some(d) = delegation(msg, &m, catalog)
    {
        return Some(d);
    }
    if let Some(title) = added_title(msg, &m) {
        return Some(decision(Intent::TaskAdd { title }, msg, "adds a task"));
    }
    let about = questions::about(&m);
    let job_named = names_job(&m, catalog);
    if !about && let Some(what) = forbidden(&m, job_named) {
        // "ok change that job's schedule": refused, about what it points at.
        return Some(decision(
            Intent::Forbidden {
                what,
                title: title_of(msg),
            },
            msg,
            why_forbidden(what),
        ));
    }
    if task_number(head, false).is_none()
        && !head_job
        && let Some(d) = follow_up(msg, head, &m, convo)
    {
        return Some(d);
    }
    if let Some(a) = agents::named(&m, catalog)
        && tokens(&m).len() <= 8
        && !has(&m, RUN_VERBS)
    {
        return Some(decision(
            Intent::AgentShow {
                agent: a.name.clone(),
            },
            msg,
            "asks about an agent",
        ));
    }
    if !has(&m, COMPLEX_WORK)
        && (has(&m, agents::LIST)
            || (has(&m, &["agents", "에이전트"]) && questions::is_question(&m)))
    {
        return Some(decision(Intent::AgentsList, msg, "asks for the agents"));
    }
    let words = tokens(&m);
    let short = words.len() <= 4;
    let job = named_job(&m, catalog).cloned();
    let acting_on_job = job.is_some()
        && (has(&m, RUN_VERBS) || has(&m, JOB_WORDS) || has(&m, &["실행", "돌려", "돌리"]));
    if !acting_on_job
        && ((short && has(&m, GREETING))
            || ["hi", "hey", "yo", "안녕", "하이"].contains(&m.as_str())
            || questions::small_talk(&m))
    {
        return Some(decision(Intent::Greeting, msg, "a greeting"));
    }
    if has(&m, CAPABILITIES) || m == "help" || m == "도움" {
        return Some(decision(
            Intent::Capabilities,
            msg,
            "asks what the gateway can do",
        ));
    }
    let to = move_to(&m);
    let work = has(&m, COMPLEX_WORK);
    let asking = about
        || m.ends_with('?') && (has(&m, ASKING) || m.starts_with("is ") || m.starts_with("did "))
        || has(&m, &["is task", "was task", "던가"]);
    let numbered = task_number(&m, to.is_some() && !asking && !work);
    let titled = if numbered.is_none() && job.is_none() {
        let loose = to.is_some() || entities::about_tasks(&m);
        entities::task_by_title(&m, catalog, loose).map(|(_, id)| id)
    } else {
        None
    };
    if let Some(id) = numbered.or(titled) {
        if let (Some(to), false) = (to, asking) {
            return Some(decision(
                Intent::TaskMove {
                    id,
                    to: to.to_string(),
                },
                msg,
                "moves a task through its flow",
            ));
        }
        if asking
            || short
            || titled.is_some()
            || has(
                &m,
                &[
                    "show", "status", "상태", "어때", "뭐야", "what", "detail", "보여", "알려",
                ],
            )
        {
            return Some(decision(
                Intent::TaskShow { id },
                msg,
                "asks about one task",
            ));
        }
    }
    // Work to be done, not a question about jr's data: the model (or the
    // fallback) decides between defer and escalate. An explicit Run Now of a
    // named job still counts as the action.
    let run_verb = has(&m, RUN_VERBS)
        || m.starts_with("run")
        || (has(&m, &["실행", "돌려"]) && !has(&m, &["이력", "기록", "목록"]));
    if work && !(run_verb && job.is_some()) {
        return None;
    }
    if let Some(job) = &job
        && has(&m, FAILURE)
    {
        return Some(decision(
            Intent::JobWhy { job: job.clone() },
            msg,
            "asks why a job failed",
        ));
    }
    // A question about a job ("did the hello job run today?") is answered.
    let requested = has(
        &m,
        &[
            "can you",
            "could you",
            "please",
            "pls",
            "해줘",
            "돌려",
            "실행해",
            "줘",
            "해라",
        ],
    );
    if job.is_some() && (about || questions::is_question(&m)) && !requested {
        return Some(decision(Intent::JobNext { job }, msg, "asks about a job"));
    }
    let question = has(&m, WHEN);
    if question
        && (job.is_some() || has(&m, &["잡", "job", "fire", "실행", "돌아", "run", "schedul"]))
    {
        if job.is_none()
            && let Some((asked, suggestions)) = near_job(&m, catalog)
        {
            return Some(decision(
                Intent::Clarify { asked, suggestions },
                msg,
                "names a job that does not exist",
            ));
        }
        return Some(decision(
            Intent::JobNext { job },
            msg,
            "asks when a job runs",
        ));
    }
    if run_verb
        && job.is_none()
        && has(
            &m,
            &["again", "다시", "rerun", "re-run", "한 번 더", "한번 더"],
        )
        && let Some(t) = followup::resolve(followup::Ref::That, Some(followup::Kind::Job), convo)
    {
        let mut d = decision(
            followup::intent_for(&t, &m, msg),
            msg,
            "runs again what the conversation was about",
        );
        d.target = d.target.or(Some(as_job(t)));
        return Some(d);
    }
    if run_verb {
        if let Some(job) = job {
            return Some(decision(
                Intent::RunJob {
                    job,
                    params: Default::default(),
                },
                msg,
                "runs an existing job now",
            ));
        }
        if let Some((asked, suggestions)) = near_job(&m, catalog) {
            return Some(decision(
                Intent::Clarify { asked, suggestions },
                msg,
                "names a job that does not exist; a close one is offered back",
            ));
        }
    }
    if has(&m, OPEN_TASKS) {
        return Some(decision(Intent::TasksOpen, msg, "asks for the open tasks"));
    }
    if let Some(status) = tasks_in_status(&m) {
        return Some(decision(
            Intent::TasksList {
                status: status.to_string(),
            },
            msg,
            "asks for the tasks in one status",
        ));
    }
    if has(&m, FAILURE) {
        if let Some(id) = run_number(&m) {
            return Some(decision(Intent::RunShow { id }, msg, "asks about one run"));
        }
        return Some(decision(Intent::RunsFailed, msg, "asks what failed"));
    }
    if has(&m, RECENT_RUNS)
        || (has(&m, &["runs", "실행"])
            && has(
                &m,
                &["show", "last", "recent", "list", "latest", "최근", "보여"],
            ))
    {
        return Some(decision(Intent::RunsRecent, msg, "asks for recent runs"));
    }
    if has(&m, SCHEDULER) {
        return Some(decision(Intent::Scheduler, msg, "asks about the scheduler"));
    }
    if has(&m, TODAY) {
        return Some(decision(
            Intent::TasksToday,
            msg,
            "asks what there is to do",
        ));
    }
    if job.is_some() && (short || has(&m, &["어때", "status", "상태", "how is", "how's"])) {
        return Some(decision(Intent::JobNext { job }, msg, "asks about a job"));
    }
    if has(&m, JOBS_LIST) {
        return Some(decision(Intent::JobsList, msg, "asks for the jobs"));
    }
    if has(&m, STATUS) && (words.len() <= 6 || has(&m, &["보여", "show", "알려"])) {
        return Some(decision(Intent::Status, msg, "asks for the overall status"));
    }
    // A simple question jr's data does not answer: the model's own words.
    let urgent = super::urgency::is_urgent(msg);
    if (questions::is_question(&m) || about) && words.len() <= 20 && !has(&m, RUN_VERBS) && !urgent
    {
        let mut d = decision(
            Intent::Chat,
            msg,
            "a simple question for the model to answer",
        );
        d.route = Route::Answer;
        return Some(d);
    }
    None
}
