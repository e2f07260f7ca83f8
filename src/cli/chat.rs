//! `jr chat "message"`: one message through the gateway — rules, the local
//! model when configured, the fallback — and the reply out.

use std::sync::Arc;

use clap::Args;

use super::Ctx;
use super::output::{self, paint};
use crate::clients::llm::Llm;
use crate::engine::chat::{ChatSetup, turn};
use crate::engine::shared::Shared;
use crate::error::Result;

#[derive(Debug, Args)]
pub struct ChatArgs {
    /// The message, in Korean or English.
    pub message: String,
    /// Decide without acting: nothing is run, moved, filed or recorded.
    #[arg(long)]
    pub dry_run: bool,
    /// The conversation this turn belongs to (turns are stored per session).
    #[arg(long, default_value = "cli")]
    pub session: String,
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, a: ChatArgs) -> Result<i32> {
    let engine = ctx.engine()?;
    let llm = Llm::new(ctx.config.llm.clone()).ok().map(Arc::new);
    let setup = ChatSetup {
        llm,
        gateway: ctx.config.gateway.clone(),
        session: a.session.clone(),
    };
    let rt = crate::runtime::current_thread()?;
    let db = Shared::new(engine);
    let reply = rt.block_on(turn(&db, &setup, &a.message, a.dry_run))?;
    if a.json {
        output::json(&reply)?;
    } else {
        let via = serde_json::to_value(reply.via)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let badge = format!("[{} · {via}]", reply.route.as_str());
        output::out(&format!("{} {}\n", paint(output::DIM, &badge), reply.reply))?;
    }
    Ok(if reply.error.is_some() { 1 } else { 0 })
}
