//! `jr mcp`: serve the MCP tools over stdio, or `--print-tools` to see what
//! an agent gets (and, with `--count`, what it costs in context).

use clap::Args;

use super::Ctx;
use super::output;
use crate::error::Result;
use crate::mcp::groups;

#[derive(Debug, Args)]
pub struct McpArgs {
    /// Print the tool list (as tools/list returns it), then exit.
    #[arg(long)]
    pub print_tools: bool,
    /// With --print-tools: only the size in tokens, per group and in all.
    #[arg(long, requires = "print_tools")]
    pub count: bool,
    /// Serve (or print) these tool groups instead of `[mcp] tools`; `all` for every one.
    #[arg(long, value_delimiter = ',', value_name = "GROUP,...")]
    pub tools: Vec<String>,
}

fn tokens_of(list: &serde_json::Value) -> Result<usize> {
    Ok(crate::mcp::count_tokens(list))
}

/// The size report: the served set, each group alone, and all groups.
fn count_report(served: &[String]) -> Result<String> {
    let list = crate::mcp::tool_list(served)?;
    let n = list["tools"].as_array().map_or(0, Vec::len);
    let mut o = format!(
        "served groups: {} (+ status, plan)\n{n} tools: {} tokens\n\nby group (with status, plan):\n",
        served.join(", "),
        tokens_of(&list)?
    );
    for g in groups::all() {
        let l = crate::mcp::tool_list(std::slice::from_ref(&g))?;
        let n = l["tools"].as_array().map_or(0, Vec::len);
        o.push_str(&format!(
            "  {g:<8} {n:>2} tools  {:>5} tokens\n",
            tokens_of(&l)?
        ));
    }
    let all = crate::mcp::tool_list(&groups::all())?;
    let n = all["tools"].as_array().map_or(0, Vec::len);
    o.push_str(&format!(
        "  {:<8} {n:>2} tools  {:>5} tokens\n\ntokens: the tools/list result as JSON in cl100k_base, each tool counted by tiktoken when this version was tested\n",
        "all",
        tokens_of(&all)?
    ));
    Ok(o)
}

pub fn run(ctx: &Ctx, a: McpArgs) -> Result<i32> {
    let served: Vec<String> = if a.tools.iter().any(|t| t == "all") {
        groups::all()
    } else if !a.tools.is_empty() {
        a.tools.clone()
    } else if let Some(t) = &ctx.config.mcp.tools {
        t.clone()
    } else {
        groups::DEFAULT.iter().map(|g| g.to_string()).collect()
    };
    if a.print_tools {
        if a.count {
            output::out(&count_report(&served)?)?;
            return Ok(0);
        }
        let list = crate::mcp::tool_list(&served)?;
        let names: Vec<&str> = list["tools"]
            .as_array()
            .map(|ts| ts.iter().filter_map(|t| t["name"].as_str()).collect())
            .unwrap_or_default();
        let pretty = serde_json::to_string_pretty(&list).unwrap_or_default();
        output::out(&format!(
            "{pretty}\n\n{} tools: {}\nsize: {} tokens (cl100k_base)\n",
            names.len(),
            names.join(", "),
            tokens_of(&list)?,
        ))?;
        return Ok(0);
    }
    // stdout belongs to JSON-RPC: logs go to stderr only, without colour.
    use tracing_subscriber::prelude::*;
    let _ = tracing_subscriber::registry()
        .with(crate::daemon::log_filter(tracing::Level::WARN))
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(false)
                .with_target(false),
        )
        .try_init();
    // An unknown group is refused before the engine opens the database.
    groups::tools_of(&served)?;
    let engine = ctx.engine()?;
    crate::mcp::serve(engine, &served)?;
    Ok(0)
}
