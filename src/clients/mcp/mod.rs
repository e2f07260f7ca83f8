//! MCP servers as an agent's tools: rmcp's client side over a child
//! process's stdio (`command`, split as a shell would, with `env`) or
//! streamable HTTP (`url`). `Server::connect` starts and initializes one and
//! lists its tools; `Server::call` runs one tool with a time bound. A child
//! that will not start or dies is reported with the tail of its stderr, and
//! nothing here waits without a bound. Knows nothing of the database, the
//! terminal or jr's environment (what a child gets comes in as values).

pub mod tools;

use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::service::{RoleClient, RunningService};
use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};

pub use tools::{ToolInfo, ToolOutput};

/// How much of a server's stderr is kept for error messages.
const STDERR_TAIL: usize = 4096;

/// Where a server is and how to start it.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub name: String,
    /// stdio: the command line (`jr mcp`, `uvx some-server --flag`).
    pub command: Option<String>,
    pub url: Option<String>,
    /// Added to a stdio child's environment.
    pub env: BTreeMap<String, String>,
}

/// Why a server could not be used.
#[derive(Debug, Clone, PartialEq)]
pub struct McpError {
    pub message: String,
    pub hint: Option<String>,
}

impl McpError {
    fn new(message: impl Into<String>) -> McpError {
        McpError {
            message: message.into(),
            hint: None,
        }
    }
    fn hint(mut self, h: impl Into<String>) -> McpError {
        self.hint = Some(h.into());
        self
    }
    pub fn full(&self) -> String {
        match &self.hint {
            Some(h) => format!("{}; {h}", self.message),
            None => self.message.clone(),
        }
    }
}

impl std::fmt::Display for McpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The last bytes a child wrote to stderr.
#[derive(Clone, Default)]
struct Tail(Arc<Mutex<Vec<u8>>>);

impl Tail {
    fn push(&self, b: &[u8]) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        t.extend_from_slice(b);
        if t.len() > STDERR_TAIL {
            let cut = t.len() - STDERR_TAIL;
            t.drain(..cut);
        }
    }

    fn text(&self) -> String {
        let t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        String::from_utf8_lossy(&t).trim().to_string()
    }
}

/// A connected server: its tools, and the child when it is one.
pub struct Server {
    pub name: String,
    pub tools: Vec<ToolInfo>,
    client: RunningService<RoleClient, ()>,
    child: Option<Child>,
    stderr: Tail,
    /// The task copying the child's stderr into `stderr`; it ends with the child.
    reader: Option<tokio::task::JoinHandle<()>>,
}

/// A program and its arguments from a command line, as `sh` would split it.
pub fn split_command(line: &str) -> Result<Vec<String>, String> {
    match shlex::split(line) {
        Some(v) if !v.is_empty() => Ok(v),
        Some(_) => Err("the command is empty".into()),
        None => Err(format!(
            "the command {line:?} has an unclosed quote or a trailing backslash"
        )),
    }
}

/// `jr` in a server's command means this very jr when it runs as `jr`
/// (the same build, whether or not it is on PATH).
fn program(p: &str) -> std::ffi::OsString {
    if p == "jr"
        && let Ok(me) = std::env::current_exe()
        && me.file_name().is_some_and(|n| n == "jr")
    {
        return me.into_os_string();
    }
    p.into()
}

impl Server {
    /// Start (or reach) `spec`, initialize and list its tools, within `limit`.
    pub async fn connect(spec: &Spec, limit: Duration) -> Result<Server, McpError> {
        let start = async {
            match (&spec.command, &spec.url) {
                (Some(cmd), _) => Server::spawn(spec, cmd).await,
                (None, Some(url)) => Server::http(spec, url).await,
                (None, None) => Err(McpError::new(format!(
                    "MCP server {} has neither a command nor a URL",
                    spec.name
                ))),
            }
        };
        let mut s = match tokio::time::timeout(limit, start).await {
            Ok(r) => r?,
            Err(_) => {
                return Err(McpError::new(format!(
                    "MCP server {} did not start within {}",
                    spec.name,
                    humantime::format_duration(limit)
                ))
                .hint(
                    "raise llm.tools.start_timeout in config.toml, or check the server's command",
                ));
            }
        };
        let listed = tokio::time::timeout(limit, s.client.list_all_tools()).await;
        match listed {
            Ok(Ok(tools)) => {
                s.tools = tools.iter().map(ToolInfo::from_mcp).collect();
                Ok(s)
            }
            Ok(Err(e)) => Err(s.failed(&format!("listing its tools failed: {e}")).await),
            Err(_) => Err(s.failed("it did not list its tools in time").await),
        }
    }

    async fn spawn(spec: &Spec, cmd: &str) -> Result<Server, McpError> {
        let argv = split_command(cmd)
            .map_err(|m| McpError::new(format!("MCP server {}: {m}", spec.name)))?;
        let mut c = Command::new(program(&argv[0]));
        c.args(&argv[1..])
            .envs(&spec.env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group: the terminal's Ctrl-C is not its to take.
            .process_group(0)
            .kill_on_drop(true);
        let mut child = c.spawn().map_err(|e| {
            McpError::new(format!(
                "cannot start MCP server {} (`{cmd}`): {e}",
                spec.name
            ))
            .hint(format!(
                "check the command with `jr mcps list`; change it with `jr mcps add {} --command CMD`",
                spec.name
            ))
        })?;
        let stderr = Tail::default();
        let mut reader = None;
        if let Some(mut err) = child.stderr.take() {
            let t = stderr.clone();
            reader = Some(tokio::spawn(async move {
                let mut buf = [0u8; 2048];
                while let Ok(n) = err.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    t.push(&buf[..n]);
                }
            }));
        }
        let (Some(out), Some(inp)) = (child.stdout.take(), child.stdin.take()) else {
            return Err(McpError::new("the child's pipes were not set up"));
        };
        match ().serve((out, inp)).await {
            Ok(client) => Ok(Server {
                name: spec.name.clone(),
                tools: Vec::new(),
                client,
                child: Some(child),
                stderr,
                reader,
            }),
            Err(e) => {
                let why = exited(&mut child).await;
                drain(reader).await;
                Err(McpError::new(format!(
                    "MCP server {} (`{cmd}`) failed to start: {e}{why}{}",
                    spec.name,
                    tail_text(&stderr.text())
                )))
            }
        }
    }

    async fn http(spec: &Spec, url: &str) -> Result<Server, McpError> {
        use rmcp::transport::StreamableHttpClientTransport;
        // rmcp's reqwest is built without a TLS provider of its own.
        let _ = crate::clients::http();
        let transport = StreamableHttpClientTransport::from_uri(url.to_string());
        let client = ().serve(transport).await.map_err(|e| {
            McpError::new(format!(
                "cannot reach MCP server {} at {url}: {e}",
                spec.name
            ))
            .hint("is the server running there? `jr mcps list` shows its URL")
        })?;
        Ok(Server {
            name: spec.name.clone(),
            tools: Vec::new(),
            client,
            child: None,
            stderr: Tail::default(),
            reader: None,
        })
    }

    /// The error for a server that stopped answering: with how its process
    /// ended and the tail of its stderr.
    async fn failed(&mut self, what: &str) -> McpError {
        let why = match &mut self.child {
            Some(c) => exited(c).await,
            None => String::new(),
        };
        if !why.is_empty() {
            drain(self.reader.take()).await;
        }
        McpError::new(format!(
            "MCP server {}: {what}{why}{}",
            self.name,
            tail_text(&self.stderr.text())
        ))
    }

    /// Run tool `name` (its name on this server) with `args`, within `limit`.
    /// `Ok` carries what the tool returned (possibly its own error result);
    /// `Err` means the server failed (died, broke the protocol, timed out),
    /// with the message to end the run on.
    pub async fn call(
        &mut self,
        name: &str,
        args: serde_json::Value,
        limit: Duration,
    ) -> Result<ToolOutput, CallError> {
        let mut p = CallToolRequestParams::new(name.to_string());
        if let serde_json::Value::Object(m) = args {
            p = p.with_arguments(m);
        }
        match tokio::time::timeout(limit, self.client.call_tool(p)).await {
            Ok(Ok(r)) => Ok(ToolOutput::from_mcp(&r)),
            Ok(Err(rmcp::ServiceError::McpError(e))) => Ok(ToolOutput {
                text: format!("error {}: {}", e.code.0, e.message),
                is_error: true,
            }),
            Ok(Err(e)) => Err(CallError::Died(
                self.failed(&format!("the call to {name} failed ({e})"))
                    .await
                    .message,
            )),
            Err(_) => Err(CallError::Timeout),
        }
    }

    /// Stop: close the session (a stdio child sees its input end); a child
    /// still running a moment later is killed, so closing never hangs.
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_millis(500), self.client.close()).await;
        if let Some(mut c) = self.child.take()
            && tokio::time::timeout(Duration::from_millis(300), c.wait())
                .await
                .is_err()
        {
            let _ = c.kill().await;
        }
    }
}

/// A tool call that did not come back.
#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    Timeout,
    Died(String),
}

/// `: exited with status 3` once the child has ended (waiting briefly).
async fn exited(c: &mut Child) -> String {
    match tokio::time::timeout(Duration::from_millis(500), c.wait()).await {
        Ok(Ok(st)) => match st.code() {
            Some(code) => format!("; it exited with status {code}"),
            None => format!("; it was ended by a signal ({st})"),
        },
        _ => String::new(),
    }
}

/// Let the stderr copier catch up with a child that has ended.
async fn drain(reader: Option<tokio::task::JoinHandle<()>>) {
    if let Some(r) = reader {
        let _ = tokio::time::timeout(Duration::from_millis(500), r).await;
    }
}

fn tail_text(t: &str) -> String {
    if t.is_empty() {
        "; it wrote nothing to stderr".into()
    } else {
        format!("; its stderr ends with: {t}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_split_as_a_shell_would() {
        assert_eq!(split_command("jr mcp").unwrap(), ["jr", "mcp"]);
        assert_eq!(
            split_command("python3 '/a b/server.py' --name \"한 글\"").unwrap(),
            ["python3", "/a b/server.py", "--name", "한 글"]
        );
        assert!(split_command("").is_err());
        assert!(split_command("a 'b").unwrap_err().contains("unclosed"));
    }

    #[test]
    fn the_stderr_tail_keeps_the_end() {
        let t = Tail::default();
        t.push(&vec![b'a'; STDERR_TAIL]);
        t.push(b"the end");
        let s = t.text();
        assert!(
            s.ends_with("the end") && s.len() == STDERR_TAIL,
            "{}",
            s.len()
        );
    }
}
