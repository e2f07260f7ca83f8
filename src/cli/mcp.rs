//! `jr mcp`: serve the MCP tools over stdio, or `--print-tools` to see what
//! an agent gets (and what it costs in context).

use clap::Args;

use super::Ctx;
use super::output;
use crate::error::Result;

#[derive(Debug, Args)]
pub struct McpArgs {
    /// Print the tool list (as tools/list returns it) and its size in tokens, then exit.
    #[arg(long)]
    pub print_tools: bool,
}

pub fn run(ctx: &Ctx, a: McpArgs) -> Result<i32> {
    if a.print_tools {
        let (list, tokens) = crate::mcp::tool_list();
        let names: Vec<&str> = list["tools"]
            .as_array()
            .map(|ts| ts.iter().filter_map(|t| t["name"].as_str()).collect())
            .unwrap_or_default();
        let pretty = serde_json::to_string_pretty(&list).unwrap_or_default();
        output::out(&format!(
            "{pretty}\n\n{} tools: {}\nsize: {} characters, about {tokens} tokens (characters / 4)\n",
            names.len(),
            names.join(", "),
            list.to_string().chars().count(),
        ))?;
        return Ok(0);
    }
    // stdout belongs to JSON-RPC: logs go to stderr only, without colour.
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("JR_LOG").unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .with_env_filter(filter)
        .try_init();
    let engine = ctx.engine()?;
    crate::mcp::serve(engine)?;
    Ok(0)
}
