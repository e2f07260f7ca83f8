//! One chat turn end to end: the rules; when they are not confident, the
//! local model's classification (structured output); with no model, the
//! fallback. An urgent complex message goes to the cloud model within the
//! daily budget. The decision is carried out by `gateway` and the turn is
//! recorded. The model can only pick among what the gateway may do: an `act`
//! it proposes that is not an allowed action becomes a `defer`.

use std::sync::Arc;

use chrono::{Duration as ChronoDuration, TimeZone, Utc};
use serde::Deserialize;
use serde_json::json;

use tokio_util::sync::CancellationToken;

use super::agent_run::run_agent;
use super::gateway::{ChatReply, EscalationBudget, Handled};
use super::shared::Shared;
use crate::clients::llm::{Chunk, Llm, LlmError, Message, ModelRef, Options, Request};
use crate::config::GatewayConfig;
use crate::domain::context::NewMessage;
use crate::domain::context::redact::redact;
use crate::error::Result;
use crate::router::{
    self, Catalog, Convo, Decision, Intent, Route, Target, Via, lang::is_korean, rules::title_of,
    urgency,
};
use crate::store::chat as repo;
pub use crate::store::chat::{ChatSession, ChatTurn};

/// What the model is asked to fill in.
pub fn schema() -> serde_json::Value {
    json!({
        "type": "object",
        "properties": {
            "route": {"type": "string", "enum": ["answer", "act", "defer", "escalate"]},
            "intent": {"type": "string", "enum": [
                "greeting", "capabilities", "tasks_today", "task_show", "status", "jobs_list", "job_next",
                "runs_failed", "runs_recent", "scheduler", "agents_list", "run_job", "task_move", "task_add", "run_agent", "chat",
                "complex", "forbidden"]},
            "urgent": {"type": "boolean"},
            "complex": {"type": "boolean"},
            "title": {"type": "string"},
            "job": {"type": ["string", "null"]},
            "agent": {"type": ["string", "null"]},
            "task_id": {"type": ["integer", "null"]},
            "status": {"type": ["string", "null"], "enum": ["pending", "in_progress", "review", "done", "cancelled", null]}
        },
        "required": ["route", "intent", "urgent", "complex", "title"]
    })
}

const CLASSIFY_PROMPT: &str = "You route messages for jr, a personal job runner. Decide one route: \
answer (a simple question: from jr's tasks, jobs, runs, agents and scheduler, or intent chat for anything else \
simple you can answer yourself), act (run an EXISTING job now, move a task by number to a status, add a task, or \
run_agent: hand small work to an existing agent), defer (complex work for a more capable agent, or anything \
the gateway may never do: write, edit, delete, pause or re-schedule jobs, delete tasks, write code, change settings, \
set up integrations, run shell commands), \
escalate (complex AND urgent). Say whether it is urgent and complex, give a short task title in the user's \
language, the job name or task number when there is one. Jobs that exist: ";

#[derive(Debug, Deserialize)]
struct Classified {
    route: String,
    intent: String,
    urgent: bool,
    #[allow(dead_code)]
    complex: bool,
    title: String,
    job: Option<String>,
    #[serde(default)]
    agent: Option<String>,
    task_id: Option<i64>,
    status: Option<String>,
}

/// Turn the model's answer into a decision the gateway may carry out.
pub fn from_model(msg: &str, c: &serde_json::Value, catalog: &Catalog) -> Option<Decision> {
    let c: Classified = serde_json::from_value(c.clone()).ok()?;
    let urgent = c.urgent || urgency::is_urgent(msg);
    let title = if c.title.trim().is_empty() {
        title_of(msg)
    } else {
        c.title.trim().to_string()
    };
    let intent = match (c.route.as_str(), c.intent.as_str()) {
        ("act", "run_job") => match c.job.filter(|j| catalog.jobs.contains(j)) {
            Some(job) => {
                let mut i = Intent::RunJob {
                    job,
                    params: Default::default(),
                };
                let (pairs, _) = crate::domain::params::pairs_in_text(msg);
                crate::router::flow::with_params(&mut i, pairs);
                i
            }
            None => Intent::Complex { title },
        },
        ("act", "task_move") => match (c.task_id, c.status) {
            (Some(id), Some(to)) => Intent::TaskMove { id, to },
            _ => Intent::Complex { title },
        },
        ("act", "task_add") => Intent::TaskAdd { title },
        ("act", "run_agent") => match c
            .agent
            .filter(|a| catalog.agents.iter().any(|x| &x.name == a))
        {
            Some(agent) => Intent::RunAgent {
                agent,
                prompt: msg.trim().to_string(),
                with_previous: false,
            },
            None => Intent::Complex { title },
        },
        ("answer", "agents_list") => Intent::AgentsList,
        ("answer", "chat") => Intent::Chat,
        ("answer", "greeting") => Intent::Greeting,
        ("answer", "capabilities") => Intent::Capabilities,
        ("answer", "task_show") => match c.task_id {
            Some(id) => Intent::TaskShow { id },
            None => Intent::TasksToday,
        },
        ("answer", "jobs_list") => Intent::JobsList,
        ("answer", "job_next") => Intent::JobNext {
            job: c.job.filter(|j| catalog.jobs.contains(j)),
        },
        ("answer", "runs_failed") => Intent::RunsFailed,
        ("answer", "runs_recent") => Intent::RunsRecent,
        ("answer", "scheduler") => Intent::Scheduler,
        ("answer", "status") => Intent::Status,
        // An answer jr's data does not give: the model's own words.
        ("answer", _) => Intent::Chat,
        // Anything else, including an act that is not an allowed action.
        _ => Intent::Complex { title },
    };
    let route = intent.route(urgent);
    Some(Decision {
        route,
        target: intent.target(),
        intent,
        via: Via::Llm,
        urgent,
        reason: format!("the local model read it as {} / {}", c.route, c.intent),
    })
}

/// What one turn needs besides the database.
#[derive(Clone)]
pub struct ChatSetup {
    pub llm: Option<Arc<Llm>>,
    pub gateway: GatewayConfig,
    pub session: String,
}

/// The last turns that go to a model as context, at most about this many
/// tokens (estimated at four bytes a token).
pub const CONTEXT_TOKENS: usize = 1500;

/// One message in, the reply out (recorded unless `dry_run`).
pub async fn turn(db: &Shared, setup: &ChatSetup, msg: &str, dry_run: bool) -> Result<ChatReply> {
    turn_streaming(db, setup, msg, dry_run, &mut |_| {}).await
}

/// The same, with each piece of a model's answer (the local model's own
/// words, an agent's answer, an escalation's reply) to `on_delta` as it
/// arrives, so a chat view can show it growing.
pub async fn turn_streaming(
    db: &Shared,
    setup: &ChatSetup,
    msg: &str,
    dry_run: bool,
    on_delta: &mut (dyn FnMut(&str) + Send),
) -> Result<ChatReply> {
    let session = setup.session.clone();
    let (catalog, convo, history) = db
        .call(move |e| {
            Ok((
                e.chat_catalog()?,
                e.chat_convo(&session)?,
                e.chat_history(Some(&session), None, 20)?,
            ))
        })
        .await?;
    let context = context_messages(&history, CONTEXT_TOKENS);
    let mut model_used: Option<String> = None;
    let decision = match router::flow::decide_in(msg, &catalog, &convo) {
        Some(d) => d,
        None => {
            let d = match classify(setup, msg, &catalog, &context).await {
                Ok((d, model)) => {
                    model_used = Some(model);
                    d
                }
                Err(why) => router::fallback(msg, &why),
            };
            router::fill_target(d, msg, &catalog, &convo)
        }
    };
    let budget = budget(db, setup).await?;
    let mut tokens = (None, None);
    let mut reply = match &decision.intent {
        _ if dry_run => {
            let (m, d) = (msg.to_string(), decision.clone());
            db.call(move |e| e.carry_out(&m, &d, true, budget)).await?
        }
        Intent::RunAgent {
            agent,
            prompt,
            with_previous,
        } => {
            let prompt = match (&convo.previous_reply, with_previous) {
                (Some(prev), true) => format!("{prompt}\n\n---\n{prev}"),
                _ => prompt.clone(),
            };
            delegate(db, &decision, agent, &prompt, on_delta).await?
        }
        Intent::Chat => {
            let mut r = ChatReply::new(&decision, false);
            match answer_freely(db, setup, msg, &context, on_delta).await {
                Ok((text, model, tin, tout)) => {
                    model_used = Some(model);
                    tokens = (tin, tout);
                    r.reply = text;
                    r.handled = Handled::Model;
                }
                Err(why) => {
                    r.reply = why.clone();
                    r.error = Some(why);
                    r.handled = Handled::Failed;
                }
            }
            r
        }
        _ if decision.route == Route::Escalate && budget == EscalationBudget::Available => {
            match escalate(setup, msg, &context, on_delta).await {
                Ok((text, model, tin, tout)) => {
                    model_used = Some(model);
                    tokens = (tin, tout);
                    let mut r = ChatReply::new(&decision, false);
                    r.reply = text;
                    r.handled = Handled::Escalated;
                    r
                }
                Err(why) => {
                    let mut d = decision.clone();
                    d.reason = format!("{}; the cloud model failed: {why}", d.reason);
                    let m = msg.to_string();
                    db.call(move |e| e.carry_out(&m, &d, false, EscalationBudget::Failed))
                        .await?
                }
            }
        }
        _ => {
            let (m, d) = (msg.to_string(), decision.clone());
            db.call(move |e| e.carry_out(&m, &d, false, budget)).await?
        }
    };
    if !dry_run {
        let (session, m, r) = (setup.session.clone(), msg.to_string(), reply.clone());
        let id = db
            .call(move |e| e.record_turn(&session, &m, &r, model_used, tokens))
            .await?;
        reply.turn_id = Some(id);
    }
    Ok(reply)
}

/// The last turns as chat messages, newest kept, within `max_tokens`.
pub fn context_messages(history: &[ChatTurn], max_tokens: usize) -> Vec<Message> {
    let mut budget = max_tokens * 4;
    let mut out = Vec::new();
    for t in history.iter().rev() {
        let cost = t.message.len() + t.reply.len();
        if cost > budget {
            break;
        }
        budget -= cost;
        out.push(Message::assistant(t.reply.clone(), Vec::new()));
        out.push(Message::user(&t.message));
    }
    out.reverse();
    out
}

/// Hand the work to a local agent through the same path as `jr agents run`:
/// recorded, streamed into the turn.
async fn delegate(
    db: &Shared,
    decision: &Decision,
    agent: &str,
    prompt: &str,
    on_delta: &mut (dyn FnMut(&str) + Send),
) -> Result<ChatReply> {
    let mut r = ChatReply::new(decision, false);
    let (a, p) = (agent.to_string(), prompt.to_string());
    let inv = match db.call(move |e| e.prepare_agent(&a, &p)).await {
        Ok(inv) => inv,
        Err(e) => {
            r.reply = e.message.clone();
            r.error = Some(e.message);
            r.handled = Handled::Failed;
            return Ok(r);
        }
    };
    let finished = run_agent(db, inv, None, CancellationToken::new(), &mut |c| {
        if let Chunk::Delta(d) = c {
            on_delta(&d);
        }
    })
    .await?;
    r.agent_run_id = Some(finished.run.id);
    match finished.error {
        None => {
            r.reply = finished.run.output;
            r.handled = Handled::Agent;
        }
        Some(e) => {
            let text = format!("{agent}: {}", e.message);
            r.reply = text.clone();
            r.error = Some(text);
            r.handled = Handled::Failed;
        }
    }
    Ok(r)
}

/// A simple question live data does not answer: the local model's own
/// words, grounded on a compact snapshot of jr's state and the last turns.
async fn answer_freely(
    db: &Shared,
    setup: &ChatSetup,
    msg: &str,
    context: &[Message],
    on_delta: &mut (dyn FnMut(&str) + Send),
) -> std::result::Result<(String, String, Option<i64>, Option<i64>), String> {
    let (Some(llm), Some(model)) = (&setup.llm, &setup.gateway.model) else {
        return Err("no local model is configured ([gateway] model)".into());
    };
    let model = ModelRef::parse(model)?;
    let snapshot = db
        .call(|e| e.chat_snapshot())
        .await
        .map_err(|e| e.message)?;
    let lang = if is_korean(msg) { "Korean" } else { "English" };
    let mut messages = vec![Message::system(format!(
        "You are jr's chat gateway, a personal job runner's assistant. Answer briefly in {lang}, in your own words. \
         You cannot act from here: for actions the user asks jr directly. jr's state now:\n{snapshot}"
    ))];
    messages.extend(context.iter().cloned());
    messages.push(Message::user(msg));
    stream_reply(llm, &model, messages, on_delta)
        .await
        .map_err(|e| format!("the local model ({model}) failed: {}", e.full()))
}

/// One free-text reply from `model`, its pieces passed on as they come:
/// (text, model, tokens in, tokens out).
async fn stream_reply(
    llm: &Llm,
    model: &ModelRef,
    messages: Vec<Message>,
    on_delta: &mut (dyn FnMut(&str) + Send),
) -> std::result::Result<(String, String, Option<i64>, Option<i64>), LlmError> {
    let req = Request {
        model: model.clone(),
        messages,
        options: Options::default(),
        schema: None,
        tools: Vec::new(),
    };
    let c = llm
        .complete(&req, &mut |c| {
            if let Chunk::Delta(d) = c {
                on_delta(&d);
            }
        })
        .await?;
    Ok((
        c.content,
        model.to_string(),
        c.tokens_in.map(|t| t as i64),
        c.tokens_out.map(|t| t as i64),
    ))
}

async fn classify(
    setup: &ChatSetup,
    msg: &str,
    catalog: &Catalog,
    context: &[Message],
) -> std::result::Result<(Decision, String), String> {
    let (Some(llm), Some(model)) = (&setup.llm, &setup.gateway.model) else {
        return Err("no local model is configured ([gateway] model)".into());
    };
    let model = ModelRef::parse(model)?;
    let agents: Vec<String> = catalog
        .agents
        .iter()
        .map(|a| format!("{} ({})", a.name, a.description))
        .collect();
    let mut messages = vec![Message::system(format!(
        "{CLASSIFY_PROMPT}{}. Agents: {}.",
        catalog.jobs.join(", "),
        agents.join(", ")
    ))];
    messages.extend(context.iter().cloned());
    messages.push(Message::user(msg));
    let req = Request {
        model: model.clone(),
        messages,
        options: Options {
            temperature: Some(0.0),
            ..Default::default()
        },
        schema: Some(schema()),
        tools: Vec::new(),
    };
    let mut ignore = |_| {};
    let call = llm.complete(&req, &mut ignore);
    let done = tokio::time::timeout(setup.gateway.classify_timeout, call)
        .await
        .map_err(|_| {
            format!(
                "the local model ({model}) did not answer within {:?}",
                setup.gateway.classify_timeout
            )
        })?
        .map_err(|e| format!("the local model ({model}) was unavailable: {}", e.message))?;
    let value = done.json().map_err(|e| e.message)?;
    let d = from_model(msg, &value, catalog)
        .ok_or_else(|| format!("the local model ({model}) gave an answer jr cannot read"))?;
    Ok((d, model.to_string()))
}

async fn budget(db: &Shared, setup: &ChatSetup) -> Result<EscalationBudget> {
    if setup.gateway.escalate_model.is_none() || setup.llm.is_none() {
        return Ok(EscalationBudget::NoCloudModel);
    }
    let (max_req, max_tok) = (
        setup.gateway.escalate_daily_requests as i64,
        setup.gateway.escalate_daily_tokens as i64,
    );
    db.call(move |e| {
        let local = e.now().with_timezone(&e.tz());
        let midnight = e
            .tz()
            .from_local_datetime(&local.date_naive().and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest();
        let since = midnight
            .map(|m| m.with_timezone(&Utc))
            .unwrap_or(e.now() - ChronoDuration::hours(24));
        let (n, tokens) = repo::escalations_since(e.store().conn(), since)?;
        Ok(if n < max_req && tokens < max_tok {
            EscalationBudget::Available
        } else {
            EscalationBudget::Spent
        })
    })
    .await
}

/// The cloud model, used sparingly: what is sent is redacted first.
async fn escalate(
    setup: &ChatSetup,
    msg: &str,
    context: &[Message],
    on_delta: &mut (dyn FnMut(&str) + Send),
) -> std::result::Result<(String, String, Option<i64>, Option<i64>), String> {
    let (Some(llm), Some(model)) = (&setup.llm, &setup.gateway.escalate_model) else {
        return Err("no cloud model".into());
    };
    let model = ModelRef::parse(model)?;
    let lang = if is_korean(msg) { "Korean" } else { "English" };
    let mut messages = vec![Message::system(format!(
        "You are the escalation path of jr, a personal job runner. The user flagged this as urgent. Answer concisely and concretely in {lang}."
    ))];
    messages.extend(context.iter().map(|m| Message {
        content: redact(&m.content).0,
        ..m.clone()
    }));
    messages.push(Message::user(redact(msg).0));
    stream_reply(llm, &model, messages, on_delta)
        .await
        .map_err(|e| e.full())
}

impl super::Engine {
    /// Store a carried-out turn, and its two messages in the context
    /// registry's `gateway` channel (searchable beside other clients').
    pub fn record_turn(
        &self,
        session: &str,
        msg: &str,
        r: &ChatReply,
        model: Option<String>,
        tokens: (Option<i64>, Option<i64>),
    ) -> Result<i64> {
        // What is stored is redacted: a key typed into chat is not kept.
        let t = ChatTurn {
            id: 0,
            created_at: self.now(),
            session: session.to_string(),
            message: redact(msg).0,
            reply: redact(&r.reply).0,
            route: r.route.as_str().to_string(),
            intent: r.intent.to_string(),
            via: serde_json::to_value(r.via)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            reason: r.reason.clone(),
            urgent: r.urgent,
            task_id: r.task_id,
            run_id: r.run_id,
            model,
            tokens_in: tokens.0,
            tokens_out: tokens.1,
            error: r.error.as_deref().map(|e| redact(e).0),
            rating: None,
            target: r.target.as_ref().and_then(|t| serde_json::to_value(t).ok()),
            shown: r
                .shown
                .iter()
                .filter_map(|t| serde_json::to_value(t).ok())
                .collect(),
            handled: Some(r.handled.as_str().to_string()),
            agent_run_id: r.agent_run_id,
        };
        let id = self.store.write(|tx| repo::insert(tx, &t))?;
        let meta = json!({"turn": id, "route": t.route, "intent": t.intent, "via": t.via, "reason": t.reason,
            "task_id": t.task_id, "run_id": t.run_id, "model": t.model, "target": t.target, "handled": t.handled});
        let message = |role: &str, content: &str, meta: Option<serde_json::Value>| NewMessage {
            channel: "gateway".into(),
            session: t.session.clone(),
            client: "jr-chat".into(),
            role: role.into(),
            content: content.into(),
            created_at: Some(t.created_at),
            metadata: meta,
            external_id: Some(format!("chat-turn-{id}-{role}")),
        };
        self.log_messages(
            vec![
                message("user", &t.message, None),
                message("assistant", &t.reply, Some(meta)),
            ],
            &[],
        )?;
        Ok(id)
    }

    /// A turn without a model (the rules and the fallback), carried out and
    /// stored: for callers with no async runtime or no database file.
    pub fn chat_without_model(&self, session: &str, msg: &str) -> Result<ChatTurn> {
        let d = router::decide_in(msg, &self.chat_catalog()?, &self.chat_convo(session)?);
        let reply = self.carry_out(msg, &d, false, EscalationBudget::NoCloudModel)?;
        let id = self.record_turn(session, msg, &reply, None, (None, None))?;
        self.chat_turn(id)
    }

    /// What the conversation showed last: the newest of its last few turns
    /// that listed or acted on something.
    pub fn chat_convo(&self, session: &str) -> Result<Convo> {
        let turns = repo::recent(self.store.conn(), Some(session), None, 8)?;
        let parse = |v: &serde_json::Value| serde_json::from_value::<Target>(v.clone()).ok();
        // The newest list shown, and (apart) the newest thing acted on or
        // asked about: "add one more" does not hide the list before it.
        let shown = turns
            .iter()
            .rev()
            .map(|t| t.shown.iter().filter_map(parse).collect::<Vec<_>>())
            .find(|s| !s.is_empty())
            .unwrap_or_default();
        let last = turns.iter().rev().find_map(|t| {
            t.target.as_ref().and_then(parse).or_else(|| {
                (t.intent == "task_add")
                    .then_some(t.task_id)
                    .flatten()
                    .map(|id| Target::Task { id })
            })
        });
        Ok(Convo {
            shown,
            last,
            previous_reply: turns.last().map(|t| t.reply.clone()),
        })
    }

    /// Conversations, most recently active first.
    pub fn chat_sessions(&self, limit: usize) -> Result<Vec<ChatSession>> {
        repo::sessions(self.store.conn(), limit)
    }

    pub fn chat_turn(&self, id: i64) -> Result<ChatTurn> {
        repo::get(self.store.conn(), id)?
            .ok_or_else(|| crate::error::Error::user(format!("no chat turn with id {id}")))
    }

    /// The newest `limit` turns (of `session`, below `before_id`), oldest first.
    pub fn chat_history(
        &self,
        session: Option<&str>,
        before_id: Option<i64>,
        limit: usize,
    ) -> Result<Vec<ChatTurn>> {
        repo::recent(self.store.conn(), session, before_id, limit)
    }

    /// The next Telegram update `bot` has yet to take (see `telegram_offset`).
    pub fn telegram_offset(&self, bot: &str) -> Result<i64> {
        repo::telegram_offset(self.store.conn(), bot)
    }

    /// Mark the updates before `next` taken, before they are answered: a
    /// crash mid-answer loses that answer rather than running it twice.
    /// False when another daemon took them first (it answers them).
    pub fn take_telegram_updates(&self, bot: &str, next: i64) -> Result<bool> {
        self.store
            .write(|tx| repo::take_telegram_updates(tx, bot, next))
    }

    /// Rate a routed answer: 1 (👍), -1 (👎), or None to clear.
    pub fn rate_chat_turn(&self, id: i64, rating: Option<i8>) -> Result<ChatTurn> {
        if rating.is_some_and(|r| r != 1 && r != -1) {
            return Err(crate::error::Error::user("a rating is 1 (👍) or -1 (👎)"));
        }
        if !self.store.write(|tx| repo::rate(tx, id, rating))? {
            return Err(crate::error::Error::user(format!(
                "no chat turn with id {id}"
            )));
        }
        self.chat_turn(id)
    }
}
