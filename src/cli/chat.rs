//! `jr chat "message"`: one message through the gateway's router, the reply out.

use clap::Args;

use super::Ctx;
use super::output::{self, paint};
use crate::engine::gateway::EscalationBudget;
use crate::error::Result;
use crate::router;

#[derive(Debug, Args)]
pub struct ChatArgs {
    /// The message, in Korean or English.
    pub message: String,
    /// Decide without acting: nothing is run, moved or filed.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, a: ChatArgs) -> Result<i32> {
    let e = ctx.engine()?;
    let catalog = e.chat_catalog()?;
    let decision = router::decide_without_model(&a.message, &catalog);
    let reply = e.carry_out(
        &a.message,
        &decision,
        a.dry_run,
        EscalationBudget { available: false },
    )?;
    if a.json {
        output::json(&reply)?;
    } else {
        let badge = format!(
            "[{} · {}]",
            reply.route.as_str(),
            serde_json::to_value(reply.via)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default()
        );
        output::out(&format!("{} {}\n", paint(output::DIM, &badge), reply.reply))?;
    }
    Ok(if reply.error.is_some() { 1 } else { 0 })
}
