//! The `ambient` kind. `knowledge-cards`: read the conversations added to the
//! context registry since the job last ran, ask the local model for question
//! and answer cards (structured output), store them linked to their source
//! messages, and say in the run how many it made. Reads and writes through
//! the engine; prints nothing.

use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::{BoxFuture, Events, Executor, Outcome, RunCtx, note};
use crate::clients::llm::{Llm, Message, ModelRef, Options, Request};
use crate::domain::JobSpec;
use crate::engine::cards::ProposedCard;
use crate::engine::shared::Shared;

/// Messages read per run at most; the rest wait for the next run.
const BATCH: usize = 200;
/// Characters of conversation put in one prompt at most.
const PROMPT_CHARS: usize = 24_000;

pub struct AmbientExecutor {
    db: Shared,
}

impl AmbientExecutor {
    pub fn new(db: Shared) -> AmbientExecutor {
        AmbientExecutor { db }
    }
}

impl Executor for AmbientExecutor {
    fn execute<'a>(
        &'a self,
        ctx: &'a RunCtx,
        events: Events,
        stop: CancellationToken,
    ) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            tokio::select! {
                o = self.cards(ctx, events) => o,
                _ = stop.cancelled() => Outcome::failed("stopped"),
            }
        })
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub fn cards_schema() -> serde_json::Value {
    json!({
        "type": "object",
        "properties": {"cards": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "question": {"type": "string"},
                "answer": {"type": "string"},
                "source_ids": {"type": "array", "items": {"type": "integer"}}
            },
            "required": ["question", "answer", "source_ids"]
        }}},
        "required": ["cards"]
    })
}

impl AmbientExecutor {
    async fn cards(&self, ctx: &RunCtx, events: Events) -> Outcome {
        let JobSpec::Ambient(spec) = &ctx.job.spec else {
            return Outcome::failed("not an ambient job");
        };
        if spec.task != "knowledge-cards" {
            return Outcome::failed(format!("unknown ambient task {:?}", spec.task));
        }
        let job = ctx.job.name.clone();
        let j = job.clone();
        let sp = spec.clone();
        let unread = match self
            .db
            .call(move |e| e.unread_messages(&j, BATCH, &sp))
            .await
        {
            Ok(m) => m,
            Err(e) => return Outcome::failed(e.message),
        };
        let (messages, mark) = (unread.messages, unread.mark);
        if messages.is_empty() {
            // Nothing it reads: move past what it does not read.
            if unread.through > mark {
                let (j, t) = (job.clone(), unread.through);
                if let Err(e) = self
                    .db
                    .call(move |e| e.save_cards(&j, None, &[], &[], t))
                    .await
                {
                    return Outcome::failed(e.message);
                }
            }
            note(
                &events,
                format!("[jr] no new conversation since message #{mark}"),
            )
            .await;
            return Outcome {
                cancelled: false,
                success: true,
                exit_code: None,
                error: None,
                result: Some("made 0 cards (no new conversations)".into()),
            };
        }
        let mut text = String::new();
        let mut read = Vec::new();
        for m in &messages {
            let line = format!(
                "[#{}] {} ({}/{}): {}\n",
                m.id,
                m.role,
                m.channel,
                m.session,
                m.content.trim()
            );
            if text.len() + line.len() > PROMPT_CHARS && !read.is_empty() {
                break;
            }
            text.push_str(&line);
            read.push(m.id);
        }
        // All read: through the newest message looked at (past skipped ones).
        let through = if read.len() == messages.len() {
            unread.through
        } else {
            *read.last().unwrap_or(&mark)
        };
        note(
            &events,
            format!(
                "[jr] reading {} messages (#{}..#{through}) with {}",
                read.len(),
                read[0],
                spec.model
            ),
        )
        .await;
        let model = match ModelRef::parse(&spec.model) {
            Ok(m) => m,
            Err(e) => return Outcome::failed(e),
        };
        let cfg = match self.db.call(|e| Ok(e.llm_config().clone())).await {
            Ok(c) => c,
            Err(e) => return Outcome::failed(e.message),
        };
        let llm = match Llm::new(cfg) {
            Ok(l) => l,
            Err(e) => return Outcome::failed(e.full()),
        };
        let req = Request {
            model,
            messages: vec![
                Message::system(format!(
                    "You make flash cards for spaced repetition from a person's conversations with AI assistants. \
                     Pick at most {} facts, decisions or techniques worth remembering. Each card: a short question, \
                     a short answer, in the language of the source, and the ids of the messages it came from.",
                    spec.max_cards
                )),
                Message::user(text),
            ],
            options: Options {
                temperature: Some(0.2),
                ..Default::default()
            },
            schema: Some(cards_schema()),
            tools: Vec::new(),
        };
        let done = match llm.complete(&req, &mut |_| {}).await {
            Ok(d) => d,
            Err(e) => return Outcome::failed(e.full()),
        };
        let cards: Vec<ProposedCard> = match done
            .json()
            .map(|v| serde_json::from_value(v["cards"].clone()))
        {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => {
                return Outcome::failed(format!(
                    "the model's cards are not in the asked shape: {e}"
                ));
            }
            Err(e) => return Outcome::failed(e.full()),
        };
        let cards: Vec<ProposedCard> = cards.into_iter().take(spec.max_cards as usize).collect();
        let run_id = ctx.run_id;
        let n_read = read.len();
        let saved = self
            .db
            .call(move |e| e.save_cards(&job, Some(run_id), &cards, &read, through))
            .await;
        match saved {
            Ok(n) => {
                note(&events, format!("[jr] made {n} cards")).await;
                Outcome {
                    cancelled: false,
                    success: true,
                    exit_code: None,
                    error: None,
                    result: Some(format!(
                        "made {n} card{} from {n_read} message{}",
                        plural(n),
                        plural(n_read)
                    )),
                }
            }
            Err(e) => Outcome::failed(e.message),
        }
    }
}
