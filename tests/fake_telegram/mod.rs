//! A local server speaking the Telegram Bot API's JSON as jr uses it:
//! `POST /bot<TOKEN>/getUpdates` (`offset` confirms earlier updates,
//! long poll honouring `timeout`, `allowed_updates`) and
//! `POST /bot<TOKEN>/sendMessage` (`chat_id`, `text`; recorded). A wrong
//! token gets 401 as Telegram answers it; `fail_next_poll_with_429` makes
//! the next poll a 429 with `parameters.retry_after`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const TOKEN: &str = "123456:TEST-token-for-a-fake-server";

#[derive(Debug, Clone)]
pub struct Poll {
    pub at: Instant,
    pub offset: i64,
    pub timeout: u64,
    pub allowed_updates: Value,
}

#[derive(Default)]
pub struct State {
    /// Updates not yet confirmed by an offset past them.
    pub pending: Vec<Value>,
    pub next_id: i64,
    /// (chat_id, text) of every sendMessage, in order.
    pub sent: Vec<(i64, String)>,
    pub polls: Vec<Poll>,
    pub retry_after: Option<u64>,
    /// Requests made with another token.
    pub unauthorized: usize,
    /// How long sendMessage keeps its caller waiting after recording.
    pub reply_delay: Option<Duration>,
}

pub struct FakeTelegram {
    pub url: String,
    pub state: Arc<(Mutex<State>, Condvar)>,
}

impl FakeTelegram {
    pub fn start() -> FakeTelegram {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new((
            Mutex::new(State {
                next_id: 1000,
                ..State::default()
            }),
            Condvar::new(),
        ));
        let st = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let st = st.clone();
                std::thread::spawn(move || serve(conn, &st));
            }
        });
        FakeTelegram { url, state }
    }

    /// A user writes `text` in chat `chat_id`.
    pub fn user_says(&self, chat_id: i64, text: &str) {
        let (m, cv) = &*self.state;
        let mut s = m.lock().unwrap();
        s.next_id += 1;
        let id = s.next_id;
        s.pending.push(json!({
            "update_id": id,
            "message": {
                "message_id": id - 1000,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": false, "first_name": "사용자"},
                "date": 1_780_000_000,
                "text": text,
            }
        }));
        cv.notify_all();
    }

    pub fn fail_next_poll_with_429(&self, secs: u64) {
        self.state.0.lock().unwrap().retry_after = Some(secs);
    }

    /// Record each sendMessage at once but answer it only after `d`.
    pub fn delay_replies(&self, d: Duration) {
        self.state.0.lock().unwrap().reply_delay = Some(d);
    }

    pub fn sent(&self) -> Vec<(i64, String)> {
        self.state.0.lock().unwrap().sent.clone()
    }

    pub fn polls(&self) -> Vec<Poll> {
        self.state.0.lock().unwrap().polls.clone()
    }

    pub fn unauthorized(&self) -> usize {
        self.state.0.lock().unwrap().unauthorized
    }

    /// Wait (at most `secs`) until at least `n` messages were sent.
    pub fn wait_sent(&self, n: usize, secs: u64) -> Vec<(i64, String)> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let sent = self.sent();
            if sent.len() >= n {
                return sent;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {n} sent messages; got {sent:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn reply(conn: &mut TcpStream, status: &str, body: &Value) {
    let body = body.to_string();
    let _ = write!(
        conn,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = conn.flush();
}

fn serve(mut conn: TcpStream, state: &Arc<(Mutex<State>, Condvar)>) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let (m, cv) = &**state;
    let Some(rest) = path.strip_prefix(&format!("/bot{TOKEN}/")) else {
        m.lock().unwrap().unauthorized += 1;
        return reply(
            &mut conn,
            "401 Unauthorized",
            &json!({"ok": false, "error_code": 401, "description": "Unauthorized"}),
        );
    };
    match rest {
        "getUpdates" => {
            let offset = body["offset"].as_i64().unwrap_or(0);
            let timeout = body["timeout"].as_u64().unwrap_or(0);
            let mut s = m.lock().unwrap();
            s.polls.push(Poll {
                at: Instant::now(),
                offset,
                timeout,
                allowed_updates: body["allowed_updates"].clone(),
            });
            if let Some(secs) = s.retry_after.take() {
                drop(s);
                return reply(
                    &mut conn,
                    "429 Too Many Requests",
                    &json!({"ok": false, "error_code": 429,
                            "description": format!("Too Many Requests: retry after {secs}"),
                            "parameters": {"retry_after": secs}}),
                );
            }
            // An offset confirms every update before it.
            s.pending
                .retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
            let deadline = Instant::now() + Duration::from_secs(timeout);
            while s.pending.is_empty() {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                s = cv.wait_timeout(s, deadline - now).unwrap().0;
                s.pending
                    .retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
            }
            let result: Vec<Value> = s.pending.clone();
            drop(s);
            reply(&mut conn, "200 OK", &json!({"ok": true, "result": result}));
        }
        "sendMessage" => {
            let chat = body["chat_id"].as_i64().unwrap_or(0);
            let text = body["text"].as_str().unwrap_or("").to_string();
            if body.get("parse_mode").is_some() {
                return reply(
                    &mut conn,
                    "400 Bad Request",
                    &json!({"ok": false, "error_code": 400, "description": "Bad Request: jr must send plain text"}),
                );
            }
            if text.encode_utf16().count() > 4096 || text.is_empty() {
                return reply(
                    &mut conn,
                    "400 Bad Request",
                    &json!({"ok": false, "error_code": 400, "description": "Bad Request: message is too long"}),
                );
            }
            let delay = {
                let mut s = m.lock().unwrap();
                s.sent.push((chat, text.clone()));
                s.reply_delay
            };
            if let Some(d) = delay {
                std::thread::sleep(d);
            }
            reply(
                &mut conn,
                "200 OK",
                &json!({"ok": true, "result": {"message_id": 1, "chat": {"id": chat, "type": "private"}, "date": 1_780_000_001, "text": text}}),
            );
        }
        _ => reply(
            &mut conn,
            "404 Not Found",
            &json!({"ok": false, "error_code": 404, "description": "Not Found"}),
        ),
    }
}
