//! `jr mcp`: the MCP server for host agents, rmcp over stdio. stdout carries
//! only JSON-RPC; logs go to stderr.
//!
//! Between stdin and rmcp sits a small line filter: rmcp silently drops input
//! that is not JSON (as the other official SDKs do), but JSON-RPC asks for a
//! `-32700 Parse error` reply, and a client that sent a broken line deserves
//! to hear so. Lines over `MAX_LINE` bytes are answered `-32600` and dropped
//! without being held in memory. All output goes through one writer task, so
//! rmcp's replies and the filter's never interleave within a line. When stdin
//! closes, rmcp sees end of input, finishes, and the process exits 0.

pub mod extras;
pub mod groups;
pub mod params;
pub mod skills;
pub mod tools;
pub mod tools_context;
pub mod tools_ext;
pub mod tools_jobs;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

use crate::engine::Engine;
use crate::engine::shared::Shared;
use crate::error::{Error, Result};
use rmcp::ServiceExt;

/// The longest request line accepted (a conversation_log of the largest
/// message the registry keeps, JSON-escaped, fits).
pub const MAX_LINE: usize = 4 * 1024 * 1024;

fn error_line(code: i64, message: &str) -> String {
    serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": {"code": code, "message": message},
    })
    .to_string()
}

/// Read one line of at most `MAX_LINE` bytes. `Ok(None)` at end of input;
/// `Ok(Some(Err(n)))` for an over-long line of `n` bytes (consumed and dropped).
async fn read_line<R: tokio::io::AsyncBufRead + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<std::result::Result<(), usize>>> {
    buf.clear();
    let mut seen = 0usize;
    loop {
        let chunk = r.fill_buf().await?;
        if chunk.is_empty() {
            return Ok(if seen == 0 {
                None
            } else if seen > MAX_LINE {
                Some(Err(seen))
            } else {
                Some(Ok(()))
            });
        }
        let (take, done) = match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        if seen + take <= MAX_LINE + 1 {
            buf.extend_from_slice(&chunk[..take]);
        }
        seen += take;
        r.consume(take);
        if done {
            return Ok(Some(if seen > MAX_LINE + 1 {
                Err(seen)
            } else {
                Ok(())
            }));
        }
    }
}

/// Serve MCP on stdin/stdout until stdin closes, offering these tool groups.
pub fn serve(engine: Engine, groups: &[String]) -> Result<()> {
    let rt = crate::runtime::multi_thread(2, None)?;
    let out = rt.block_on(async move {
        let server = tools::JrServer::with_groups(Shared::new(engine), groups)?;
        let (to_rmcp, rmcp_in) = tokio::io::duplex(1 << 20);
        let (rmcp_out, mut from_rmcp) = tokio::io::duplex(1 << 20);
        let (errors, mut error_rx) = mpsc::unbounded_channel::<String>();

        // stdin → filter → rmcp
        let reader = tokio::spawn(async move {
            let mut to_rmcp = to_rmcp;
            let mut stdin = BufReader::new(tokio::io::stdin());
            let mut buf = Vec::new();
            loop {
                match read_line(&mut stdin, &mut buf).await {
                    Ok(None) => break,
                    Err(e) => {
                        tracing::error!("reading stdin: {e}");
                        break;
                    }
                    Ok(Some(Err(n))) => {
                        let _ = errors.send(error_line(
                            -32600,
                            &format!("request too large: {n} bytes; the limit is {MAX_LINE}"),
                        ));
                    }
                    Ok(Some(Ok(()))) => {
                        let line = String::from_utf8_lossy(&buf);
                        let text = line.trim();
                        if text.is_empty() {
                            continue;
                        }
                        if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
                            let _ = errors.send(error_line(-32700, &format!("Parse error: {e}")));
                            continue;
                        }
                        let mut data = text.as_bytes().to_vec();
                        data.push(b'\n');
                        if to_rmcp.write_all(&data).await.is_err() {
                            break;
                        }
                    }
                }
            }
            // Dropping `to_rmcp` tells rmcp the input has ended.
        });

        // rmcp's replies and the filter's errors → stdout, one whole line at a time.
        let writer = tokio::spawn(async move {
            let mut stdout = tokio::io::stdout();
            let mut lines = BufReader::new(&mut from_rmcp).lines();
            let (mut rmcp_open, mut errors_open) = (true, true);
            loop {
                let line = tokio::select! {
                    l = lines.next_line(), if rmcp_open => match l {
                        Ok(Some(l)) => l,
                        _ => { rmcp_open = false; continue; }
                    },
                    e = error_rx.recv(), if errors_open => match e {
                        Some(e) => e,
                        None => { errors_open = false; continue; }
                    },
                    else => break,
                };
                let ok = stdout
                    .write_all(format!("{line}\n").as_bytes())
                    .await
                    .is_ok()
                    && stdout.flush().await.is_ok();
                if !ok {
                    break; // the client is gone
                }
            }
        });

        let running = server
            .serve((rmcp_in, rmcp_out))
            .await
            .map_err(|e| Error::service(format!("MCP handshake failed: {e}")))?;
        let _ = running.waiting().await;
        // rmcp has ended (stdin closed); its last replies are in the pipe.
        reader.abort();
        let _ = writer.await;
        Ok(())
    });
    // Do not wait for a blocking stdin read that will never finish.
    rt.shutdown_timeout(std::time::Duration::from_millis(100));
    out
}

/// Tokens of each tool's JSON in OpenAI's cl100k_base encoding (what
/// GPT-4-class tokenizers give; Claude's and Gemini's differ by some percent
/// either way), counted by `tests/mcp_tokens.rs` with the tiktoken-rs crate
/// for this version's tool descriptions; that test fails when they change
/// and the table was not regenerated. Kept as a table so the binary does not
/// carry a 1.7 MB byte-pair table for one diagnostic.
const TOKENS: &str = include_str!("tokens.json");

/// What a `tools/list` result costs an agent's context, in cl100k tokens:
/// the counted tokens of each tool, plus the list's framing. A tool missing
/// from the table (a build whose table is stale) counts a token per four
/// bytes of its JSON.
pub fn count_tokens(list: &serde_json::Value) -> usize {
    let table: serde_json::Value = serde_json::from_str(TOKENS).unwrap_or_default();
    let tools = list["tools"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let frame = table["frame"].as_u64().unwrap_or(0) as usize;
    let per_join = table["join"].as_u64().unwrap_or(0) as usize;
    let each: usize = tools
        .iter()
        .map(|t| {
            let name = t["name"].as_str().unwrap_or("");
            table["tools"][name]
                .as_u64()
                .map(|n| n as usize)
                .unwrap_or_else(|| t.to_string().len().div_ceil(4))
        })
        .sum();
    frame + each + per_join * tools.len().saturating_sub(1)
}

/// The tool list of these groups as `tools/list` returns it.
pub fn tool_list(groups: &[String]) -> Result<serde_json::Value> {
    let engine = Engine::new(
        crate::store::Store::open_in_memory()?,
        crate::clock::Clock::System,
        chrono_tz::UTC,
    );
    let server = tools::JrServer::with_groups(Shared::new(engine), groups)?;
    Ok(serde_json::json!({ "tools": server.tools() }))
}
