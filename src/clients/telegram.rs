//! The Telegram Bot API, as far as jr's chat gateway needs it: long-polled
//! `getUpdates` for text messages and `sendMessage` in plain text (no
//! `parse_mode`, so nothing a job printed can become markup), with replies
//! cut to Telegram's 4,096-character limit at line boundaries. The token
//! comes in as a value; it is part of every URL, so no error message here
//! ever carries a URL (reqwest's `without_url`).

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

/// `[telegram]` in config.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelegramConfig {
    /// The NAME of the environment variable holding the bot token.
    pub token_env: Option<String>,
    /// Chat ids the gateway answers; messages from any other are ignored.
    pub allowed_chats: Vec<i64>,
    /// The Bot API's address (a test server, a local Bot API server).
    pub api_url: String,
    /// How long one `getUpdates` waits for a message (Telegram's `timeout`).
    #[serde(with = "secs")]
    pub poll_timeout: Duration,
}

impl Default for TelegramConfig {
    fn default() -> Self {
        TelegramConfig {
            token_env: None,
            allowed_chats: Vec::new(),
            api_url: DEFAULT_API_URL.into(),
            poll_timeout: Duration::from_secs(30),
        }
    }
}

pub const DEFAULT_API_URL: &str = "https://api.telegram.org";

/// The most UTF-16 code units one message may hold (Telegram counts text
/// in them; every Hangul syllable is one, an emoji two).
pub const MAX_MESSAGE: usize = 4096;

mod secs {
    use serde::{Deserialize, Deserializer};
    use std::time::Duration;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let s = String::deserialize(d)?;
        humantime::parse_duration(&s)
            .map_err(|e| serde::de::Error::custom(format!("{e} (write e.g. \"30s\")")))
    }
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum TgError {
    /// 429: wait this long before the next call.
    RetryAfter(Duration),
    /// 401 or 404: the token is wrong (Telegram answers 404 for a token
    /// that is not one at all).
    BadToken(String),
    /// The server could not be reached or answered something unreadable.
    Network(String),
    /// Any other refusal (400 chat not found, 409 a webhook is set, ...).
    Api { code: i64, description: String },
}

impl std::fmt::Display for TgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TgError::RetryAfter(d) => write!(f, "too many requests: retry after {}s", d.as_secs()),
            TgError::BadToken(d) => write!(f, "the bot token was refused ({d})"),
            TgError::Network(e) => write!(f, "cannot reach the Bot API: {e}"),
            TgError::Api { code, description } => write!(f, "error {code}: {description}"),
        }
    }
}

/// One incoming text message.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    pub update_id: i64,
    pub chat_id: i64,
    /// None for a message without text (a sticker, a photo).
    pub text: Option<String>,
}

#[derive(Deserialize)]
struct Update {
    update_id: i64,
    #[serde(default)]
    message: Option<Message>,
}

#[derive(Deserialize)]
struct Message {
    chat: Chat,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
struct Chat {
    id: i64,
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    /// A client for the bot with `token` at `api_url`; calls may last
    /// `poll_timeout` plus ten seconds.
    pub fn new(api_url: &str, token: &str, poll_timeout: Duration) -> Result<Client, TgError> {
        let http = crate::clients::http()
            .connect_timeout(Duration::from_secs(10))
            .timeout(poll_timeout + Duration::from_secs(10))
            .build()
            .map_err(|e| TgError::Network(e.without_url().to_string()))?;
        Ok(Client {
            http,
            base: format!("{}/bot{token}", api_url.trim_end_matches('/')),
        })
    }

    async fn call(&self, method: &str, body: &Value) -> Result<Value, TgError> {
        let resp = self
            .http
            .post(format!("{}/{method}", self.base))
            .json(body)
            .send()
            .await
            .map_err(|e| TgError::Network(e.without_url().to_string()))?;
        let status = resp.status().as_u16();
        let v: Value = resp.json().await.map_err(|e| {
            TgError::Network(format!(
                "HTTP {status} with an unreadable body ({})",
                e.without_url()
            ))
        })?;
        answer(status, v)
    }

    /// Updates after `offset` (the last update_id seen + 1), waiting up to
    /// `timeout` for the first one. Only messages are asked for.
    pub async fn get_updates(
        &self,
        offset: i64,
        timeout: Duration,
    ) -> Result<Vec<Incoming>, TgError> {
        let v = self
            .call(
                "getUpdates",
                &json!({"offset": offset, "timeout": timeout.as_secs(), "allowed_updates": ["message"]}),
            )
            .await?;
        let updates: Vec<Update> = serde_json::from_value(v).map_err(|e| {
            TgError::Network(format!("getUpdates answered an unexpected shape: {e}"))
        })?;
        Ok(updates
            .into_iter()
            .map(|u| Incoming {
                update_id: u.update_id,
                chat_id: u.message.as_ref().map_or(0, |m| m.chat.id),
                text: u.message.and_then(|m| m.text),
            })
            .collect())
    }

    /// One message, as plain text (at most `MAX_MESSAGE`; see `split`).
    pub async fn send(&self, chat_id: i64, text: &str) -> Result<(), TgError> {
        self.call("sendMessage", &json!({"chat_id": chat_id, "text": text}))
            .await
            .map(|_| ())
    }
}

/// The `result` of an answer, or why there is none.
fn answer(status: u16, v: Value) -> Result<Value, TgError> {
    if v["ok"] == true {
        return Ok(v["result"].clone());
    }
    let code = v["error_code"].as_i64().unwrap_or(i64::from(status));
    let description = v["description"]
        .as_str()
        .unwrap_or("no description")
        .chars()
        .take(300)
        .collect::<String>();
    Err(match code {
        429 => TgError::RetryAfter(Duration::from_secs(
            v["parameters"]["retry_after"]
                .as_u64()
                .unwrap_or(5)
                .clamp(1, 3600),
        )),
        401 | 404 => TgError::BadToken(format!("{code} {description}")),
        _ => TgError::Api { code, description },
    })
}

/// Send `text` to `chat_id` as one or more plain-text messages, each within
/// Telegram's limit; a 429 waits as told and tries that part again (three
/// times at most). For notifications as well as the gateway's replies.
pub async fn send_message(
    api_url: &str,
    token: &str,
    chat_id: i64,
    text: &str,
) -> Result<(), TgError> {
    let client = Client::new(api_url, token, Duration::from_secs(20))?;
    send_all(&client, chat_id, text).await
}

/// `send_message` over an existing client.
pub async fn send_all(client: &Client, chat_id: i64, text: &str) -> Result<(), TgError> {
    for part in split(text) {
        let mut tries = 0;
        loop {
            match client.send(chat_id, &part).await {
                Err(TgError::RetryAfter(d)) if tries < 3 => {
                    tries += 1;
                    tokio::time::sleep(d).await;
                }
                other => {
                    other?;
                    break;
                }
            }
        }
    }
    Ok(())
}

fn units(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Cut a reply into messages of at most `MAX_MESSAGE` UTF-16 units: at line
/// breaks where possible, else (one line longer than a message) between
/// characters, never inside one. An empty reply is one "(no reply)".
pub fn split(text: &str) -> Vec<String> {
    split_at(text, MAX_MESSAGE)
}

fn split_at(text: &str, max: usize) -> Vec<String> {
    if text.trim().is_empty() {
        return vec!["(no reply)".into()];
    }
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cur_units = 0;
    for line in text.split_inclusive('\n') {
        let n = units(line);
        if cur_units + n <= max {
            cur.push_str(line);
            cur_units += n;
            continue;
        }
        if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
            cur_units = 0;
        }
        if n <= max {
            cur.push_str(line);
            cur_units = n;
            continue;
        }
        for c in line.chars() {
            let w = c.len_utf16();
            if cur_units + w > max {
                out.push(std::mem::take(&mut cur));
                cur_units = 0;
            }
            cur.push(c);
            cur_units += w;
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out.into_iter()
        .map(|p| p.trim_end_matches('\n').to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting_keeps_lines_and_characters_whole() {
        assert_eq!(split("짧은 답"), vec!["짧은 답"]);
        assert_eq!(split(""), vec!["(no reply)"]);
        let lines = "가나다\n라마바\n사아자\n";
        assert_eq!(split_at(lines, 8), vec!["가나다\n라마바", "사아자"]);
        // A line longer than a message is cut between characters.
        let long = "한".repeat(10);
        let parts = split_at(&long, 4);
        assert_eq!(parts, vec!["한한한한", "한한한한", "한한"]);
        // An emoji is two units and never cut in half.
        let parts = split_at("ab😀cd", 3);
        assert_eq!(parts, vec!["ab", "😀c", "d"]);
        let long = "줄 하나\n".repeat(2000);
        let parts = split(&long);
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|p| units(p) <= MAX_MESSAGE));
        assert_eq!(parts.join("\n"), long.trim_end());
    }

    #[test]
    fn answers_and_errors() {
        assert_eq!(
            answer(200, json!({"ok": true, "result": [1]})).unwrap(),
            json!([1])
        );
        assert_eq!(
            answer(
                429,
                json!({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1", "parameters": {"retry_after": 1}})
            ),
            Err(TgError::RetryAfter(Duration::from_secs(1)))
        );
        assert!(matches!(
            answer(
                401,
                json!({"ok": false, "error_code": 401, "description": "Unauthorized"})
            ),
            Err(TgError::BadToken(_))
        ));
        assert!(matches!(
            answer(
                400,
                json!({"ok": false, "error_code": 400, "description": "Bad Request: chat not found"})
            ),
            Err(TgError::Api { code: 400, .. })
        ));
    }
}
