//! A small JSON-RPC client for the real `jr mcp` over its stdin and stdout,
//! shared by the MCP contract, hostile-input and parameter tests. Every
//! stdout line is kept (`close` returns them) so a test can check that the
//! server printed nothing but JSON.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::Env;

pub struct Mcp {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    /// Every line stdout carried, for the "only JSON" check.
    seen: Vec<String>,
}

impl Mcp {
    /// `jr mcp` on the test's database and config, not yet initialized.
    pub fn start(env: &Env) -> Mcp {
        let mut child = env
            .jr_std()
            .env("JR_LOG", "debug")
            .arg("mcp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Mcp {
            stdin: child.stdin.take(),
            child,
            lines: rx,
            seen: Vec::new(),
        }
    }

    /// Started and initialized, ready for tool calls.
    pub fn ready(env: &Env) -> Mcp {
        let mut m = Mcp::start(env);
        m.initialize();
        m
    }

    pub fn send_raw(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(text.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    /// The next line from stdout, parsed (bounded wait).
    pub fn next(&mut self) -> Value {
        match self.lines.recv_timeout(Duration::from_secs(20)) {
            Ok(line) => {
                self.seen.push(line.clone());
                serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("stdout carried a non-JSON line ({e}): {line}"))
            }
            Err(e) => panic!("no reply from jr mcp: {e:?}"),
        }
    }

    /// Send a request and return the reply with its id (other lines are kept).
    pub fn request(&mut self, id: i64, method: &str, params: Value) -> Value {
        self.send_raw(
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string(),
        );
        loop {
            let v = self.next();
            if v["id"] == id {
                return v;
            }
        }
    }

    /// A tool call's result (`isError` true or false).
    pub fn call(&mut self, id: i64, tool: &str, args: Value) -> Value {
        let r = self.request(id, "tools/call", json!({"name": tool, "arguments": args}));
        assert!(r.get("result").is_some(), "{tool}: {r}");
        r["result"].clone()
    }

    /// A successful call's structured result.
    pub fn ok(&mut self, id: i64, tool: &str, args: Value) -> Value {
        let r = self.call(id, tool, args);
        assert_eq!(r["isError"], false, "{tool} failed: {r}");
        r["structuredContent"].clone()
    }

    /// A failed call's text.
    pub fn tool_error(&mut self, id: i64, tool: &str, args: Value) -> String {
        let r = self.call(id, tool, args);
        assert_eq!(r["isError"], true, "{tool} should fail: {r}");
        r["content"][0]["text"].as_str().unwrap().to_string()
    }

    pub fn initialize(&mut self) -> Value {
        let r = self.request(
            0,
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "jr-tests", "version": "1"}}),
        );
        self.send_raw(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
        r
    }

    /// Close stdin; the server must exit 0 on its own. Returns every stdout line.
    pub fn close(mut self) -> Vec<String> {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(
                Instant::now() < deadline,
                "jr mcp did not exit after stdin closed"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.success(), "jr mcp exited with {status}");
        loop {
            match self.lines.recv_timeout(Duration::from_secs(5)) {
                Ok(l) => self.seen.push(l),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => panic!("stdout stayed open"),
            }
        }
        std::mem::take(&mut self.seen)
    }
}

impl Drop for Mcp {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
