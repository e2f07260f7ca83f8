//! Notification targets over HTTP: ntfy (a topic URL), Slack and Discord
//! incoming webhooks, a generic JSON webhook with an optional minijinja
//! body, and a Telegram chat through the Bot API's `sendMessage`. The config shapes (`[[notify]]`), their resolution against the
//! environment (done by the front end, which hands values in), the request
//! each kind sends, and the send itself. Errors never carry the URL or a
//! header value: both may be secrets. Names of environment variables are
//! checked by `config::check_env_names`, with the others.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// `[[notify]]` in config.toml.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TargetConfig {
    pub name: String,
    pub kind: Kind,
    /// The topic or webhook URL.
    #[serde(default)]
    pub url: Option<String>,
    /// Or the NAME of the environment variable that holds it (Slack and
    /// Discord webhook URLs are secrets).
    #[serde(default)]
    pub url_env: Option<String>,
    /// Header name → the NAME of the environment variable holding its value.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// webhook: a minijinja template for the body (default: jr's JSON).
    #[serde(default)]
    pub body: Option<String>,
    /// telegram: the chat to write to (the gateway's log names yours).
    #[serde(default)]
    pub chat: Option<i64>,
    /// telegram: the NAME of the variable holding the bot token (usually
    /// the one `[telegram] token_env` names). `url`, if given, is the Bot
    /// API's address instead of https://api.telegram.org.
    #[serde(default)]
    pub token_env: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Ntfy,
    Slack,
    Discord,
    Webhook,
    Telegram,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Ntfy => "ntfy",
            Kind::Slack => "slack",
            Kind::Discord => "discord",
            Kind::Webhook => "webhook",
            Kind::Telegram => "telegram",
        }
    }
}

impl TargetConfig {
    /// Everything that can be checked without the environment.
    pub fn check(&self) -> Result<(), String> {
        let who = format!("notify target {:?}", self.name);
        if !is_target_name(&self.name) {
            return Err(format!(
                "{who}: a name is lower-case letters, digits, '-' and '_' (e.g. phone)"
            ));
        }
        if self.kind == Kind::Telegram {
            return self.check_telegram(&who);
        }
        if self.chat.is_some() || self.token_env.is_some() {
            return Err(format!(
                "{who}: `chat` and `token_env` are for kind = \"telegram\""
            ));
        }
        match (&self.url, &self.url_env) {
            (None, None) => {
                return Err(format!(
                    "{who} has no `url`: give the topic or webhook URL, or `url_env` with the NAME of the variable that holds it"
                ));
            }
            (Some(_), Some(_)) => {
                return Err(format!("{who}: give `url` or `url_env`, not both"));
            }
            (Some(u), None) => check_url(u).map_err(|e| format!("{who}, key `url`: {e}"))?,
            _ => {}
        }
        // Environment variable names are checked with the others (config::check_env_names).
        for h in self.headers.keys() {
            reqwest::header::HeaderName::from_bytes(h.as_bytes())
                .map_err(|_| format!("{who}: {h:?} is not a valid HTTP header name"))?;
        }
        if let Some(b) = &self.body {
            if self.kind != Kind::Webhook {
                return Err(format!(
                    "{who}: `body` is for kind = \"webhook\"; {} has a fixed body",
                    self.kind.as_str()
                ));
            }
            template_env()
                .template_from_str(b)
                .map_err(|e| format!("{who}, key `body`: the template does not parse: {e}"))?;
        }
        Ok(())
    }
}

impl TargetConfig {
    fn check_telegram(&self, who: &str) -> Result<(), String> {
        if self.chat.is_none() {
            return Err(format!(
                "{who}: kind = \"telegram\" needs `chat`, the chat id to write to (write to the bot once; the daemon's log names the id)"
            ));
        }
        if self.token_env.is_none() {
            return Err(format!(
                "{who}: kind = \"telegram\" needs `token_env`, the NAME of the variable holding the bot token (e.g. JR_TELEGRAM_TOKEN)"
            ));
        }
        if self.url_env.is_some() || !self.headers.is_empty() || self.body.is_some() {
            return Err(format!(
                "{who}: kind = \"telegram\" takes `chat`, `token_env` and optionally `url` (the Bot API's address); not `url_env`, `headers` or `body`"
            ));
        }
        if let Some(u) = &self.url {
            check_url(u).map_err(|e| format!("{who}, key `url`: {e}"))?;
        }
        Ok(())
    }
}

pub fn is_target_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn check_url(u: &str) -> Result<(), String> {
    match reqwest::Url::parse(u) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(()),
        Ok(_) => Err("must be an http:// or https:// URL".into()),
        Err(e) => Err(format!("not a URL ({e})")),
    }
}

/// A target with its URL and header values read from the environment (by
/// the front end). What a variable did not give is kept as the variable's
/// name, so sending can say what to set.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub name: String,
    pub kind: Kind,
    pub url: Value,
    pub headers: Vec<(String, Value)>,
    pub body: Option<String>,
    /// telegram: the chat written to.
    pub chat: Option<i64>,
}

/// A value, or the environment variable that should have held it.
#[derive(Clone, PartialEq)]
pub enum Value {
    Given(String),
    Unset(String),
}

impl std::fmt::Debug for Value {
    // Never print a secret, even in a debug log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Given(_) => f.write_str("Given(…)"),
            Value::Unset(v) => write!(f, "Unset({v})"),
        }
    }
}

impl Target {
    pub fn resolve(c: &TargetConfig, env: impl Fn(&str) -> Option<String>) -> Target {
        let from = |var: &str| match env(var).filter(|v| !v.is_empty()) {
            Some(v) => Value::Given(v),
            None => Value::Unset(var.to_string()),
        };
        Target {
            name: c.name.clone(),
            kind: c.kind,
            url: match (&c.url, &c.url_env) {
                // The token is part of the Bot API's path: the whole URL is
                // a secret, as a Slack webhook's is.
                _ if c.kind == Kind::Telegram => match c.token_env.as_deref().map(from) {
                    Some(Value::Given(token)) => Value::Given(format!(
                        "{}/bot{token}/sendMessage",
                        c.url
                            .as_deref()
                            .unwrap_or(super::telegram::DEFAULT_API_URL)
                            .trim_end_matches('/')
                    )),
                    Some(unset) => unset,
                    None => Value::Unset(String::new()),
                },
                (Some(u), _) => Value::Given(u.clone()),
                (None, Some(var)) => from(var),
                (None, None) => Value::Unset(String::new()),
            },
            headers: c
                .headers
                .iter()
                .map(|(h, v)| (h.clone(), from(v)))
                .collect(),
            body: c.body.clone(),
            chat: c.chat,
        }
    }

    /// The variables this target needs that are not set.
    pub fn unset(&self) -> Vec<&str> {
        std::iter::once(&self.url)
            .chain(self.headers.iter().map(|(_, v)| v))
            .filter_map(|v| match v {
                Value::Unset(n) if !n.is_empty() => Some(n.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The values that must never appear in an error or a log.
    fn secrets(&self) -> Vec<&str> {
        let mut out: Vec<&str> = std::iter::once(&self.url)
            .chain(self.headers.iter().map(|(_, v)| v))
            .filter_map(|v| match v {
                Value::Given(s) if s.len() >= 4 => Some(s.as_str()),
                _ => None,
            })
            .collect();
        // A telegram URL's token alone, should an error quote only it.
        if let (Kind::Telegram, Value::Given(u)) = (self.kind, &self.url)
            && let Some(token) = u
                .rsplit_once("/bot")
                .and_then(|(_, rest)| rest.strip_suffix("/sendMessage"))
        {
            out.push(token);
        }
        out
    }

    /// Where it goes, for people: the kind and the host, never the path
    /// (a webhook's path is its secret).
    pub fn describe(&self) -> String {
        let host = match &self.url {
            Value::Given(u) => reqwest::Url::parse(u)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_else(|| "?".into()),
            Value::Unset(v) => format!("${v} (unset)"),
        };
        format!("{} → {host}", self.kind.as_str())
    }
}

/// One run in a message (also the webhook's default JSON).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RunInfo {
    pub job: String,
    pub status: String,
    /// failed | succeeded | recovered
    pub event: String,
    pub attempt: u32,
    pub duration_ms: Option<i64>,
    pub error: Option<String>,
    pub result: Option<String>,
    pub run_id: i64,
    pub url: Option<String>,
}

/// What a target is told: one run, or a burst summed up.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// One line, ASCII-safe for a header (job names are slugs).
    pub title: String,
    pub text: String,
    /// Something went wrong (ntfy: high priority, a warning tag).
    pub urgent: bool,
    pub link: Option<String>,
    pub runs: Vec<RunInfo>,
}

/// Discord refuses longer messages.
pub const DISCORD_MAX: usize = 2000;

/// The request a target gets: headers (without the configured ones) and body.
pub fn request_of(kind: Kind, body_template: Option<&str>, m: &Message) -> Result<Request, String> {
    let json = |v: serde_json::Value| Request {
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: v.to_string(),
    };
    Ok(match kind {
        Kind::Ntfy => {
            let mut headers = vec![
                ("Title".to_string(), header_safe(&m.title)),
                (
                    "Priority".to_string(),
                    if m.urgent { "high" } else { "default" }.to_string(),
                ),
                (
                    "Tags".to_string(),
                    if m.urgent {
                        "warning"
                    } else {
                        "white_check_mark"
                    }
                    .to_string(),
                ),
                (
                    "Content-Type".to_string(),
                    "text/plain; charset=utf-8".to_string(),
                ),
            ];
            if let Some(l) = &m.link {
                headers.push(("Click".into(), header_safe(l)));
            }
            Request {
                headers,
                body: m.text.clone(),
            }
        }
        Kind::Slack => json(serde_json::json!({ "text": m.text })),
        Kind::Telegram => return Err("a telegram target needs `chat`".into()),
        Kind::Discord => json(serde_json::json!({ "content": cut_chars(&m.text, DISCORD_MAX) })),
        Kind::Webhook => {
            let data = webhook_json(m);
            match body_template {
                None => json(data),
                Some(t) => {
                    let env = template_env();
                    let body = env
                        .template_from_str(t)
                        .and_then(|tpl| tpl.render(minijinja::Value::from_serialize(&data)))
                        .map_err(|e| format!("the body template failed: {e}"))?;
                    let ct = if serde_json::from_str::<serde_json::Value>(&body).is_ok() {
                        "application/json"
                    } else {
                        "text/plain; charset=utf-8"
                    };
                    Request {
                        headers: vec![("Content-Type".into(), ct.into())],
                        body,
                    }
                }
            }
        }
    })
}

/// Telegram's `sendMessage` to `chat`: plain text (no `parse_mode`, so a
/// job's output cannot inject markup), cut to one message's length.
pub fn telegram_request(chat: i64, m: &Message) -> Request {
    let text = super::telegram::split(&m.text)
        .into_iter()
        .next()
        .unwrap_or_default();
    Request {
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: serde_json::json!({ "chat_id": chat, "text": text }).to_string(),
    }
}

/// The webhook's JSON: the first run's fields at the top (one run is the
/// common case), `text`, `title`, `count`, and every run in `runs`.
pub fn webhook_json(m: &Message) -> serde_json::Value {
    let mut v = match m.runs.first() {
        Some(r) => serde_json::to_value(r).unwrap_or_default(),
        None => serde_json::json!({}),
    };
    if let Some(o) = v.as_object_mut() {
        o.insert("url".into(), serde_json::json!(m.link));
        o.insert("text".into(), serde_json::json!(m.text));
        o.insert("title".into(), serde_json::json!(m.title));
        o.insert("count".into(), serde_json::json!(m.runs.len()));
        o.insert("runs".into(), serde_json::json!(m.runs));
    }
    v
}

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub headers: Vec<(String, String)>,
    pub body: String,
}

fn template_env() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    env
}

/// A header value: printable ASCII only (anything else becomes `?`).
fn header_safe(s: &str) -> String {
    s.chars()
        .map(|c| if (' '..='~').contains(&c) { c } else { '?' })
        .take(250)
        .collect()
}

fn cut_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// Send `m` to `t` once. The error says what went wrong without the URL
/// or any header value, redacted by the project's one redactor.
pub async fn send(client: &reqwest::Client, t: &Target, m: &Message) -> Result<(), String> {
    let unset = t.unset();
    if !unset.is_empty() {
        return Err(format!(
            "the environment variable {} is not set in jr's environment; set it where the scheduler (jr daemon) runs",
            unset.join(", ")
        ));
    }
    let Value::Given(url) = &t.url else {
        return Err("no URL".into());
    };
    let req = match (t.kind, t.chat) {
        (Kind::Telegram, Some(chat)) => telegram_request(chat, m),
        _ => request_of(t.kind, t.body.as_deref(), m)?,
    };
    let mut rb = client.post(url).timeout(Duration::from_secs(15));
    for (h, v) in &req.headers {
        rb = rb.header(h, v);
    }
    for (h, v) in &t.headers {
        if let Value::Given(v) = v {
            rb = rb.header(h, v);
        }
    }
    let outcome = match rb.body(req.body).send().await {
        Ok(resp) if resp.status().is_success() => Ok(()),
        Ok(resp) => {
            let status = resp.status();
            let body = resp.text().await.unwrap_or_default();
            let body: String = body.chars().take(200).collect();
            Err(format!(
                "HTTP {status}{}",
                if body.trim().is_empty() {
                    String::new()
                } else {
                    format!(": {}", body.trim())
                }
            ))
        }
        Err(e) => Err(describe_error(e.without_url())),
    };
    outcome.map_err(|e| scrub(&e, &t.secrets()))
}

fn describe_error(e: reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut s = format!("{what}: {e}");
    let mut src = std::error::Error::source(&e);
    while let Some(inner) = src {
        s.push_str(&format!(": {inner}"));
        src = inner.source();
    }
    s
}

/// Secrets out: the values this target uses, then the redactor's patterns.
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut s = text.to_string();
    for v in secrets {
        s = s.replace(v, "[redacted]");
    }
    crate::domain::context::redact::redact(&s).0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg() -> Message {
        Message {
            title: "jr: backup failed".into(),
            text: "backup failed (attempt 2, 1.2s): 디스크 가득\njr runs show 42".into(),
            urgent: true,
            link: Some("https://x.io/r/42".into()),
            runs: vec![RunInfo {
                job: "backup".into(),
                status: "failed".into(),
                event: "failed".into(),
                attempt: 2,
                duration_ms: Some(1200),
                error: Some("디스크 가득".into()),
                result: None,
                run_id: 42,
                url: Some("https://x.io/r/42".into()),
            }],
        }
    }

    #[test]
    fn each_kind_has_its_wire_body() {
        let m = msg();
        let r = request_of(Kind::Ntfy, None, &m).unwrap();
        assert_eq!(r.body, m.text);
        assert!(r.headers.contains(&("Priority".into(), "high".into())));
        assert!(
            r.headers
                .contains(&("Click".into(), "https://x.io/r/42".into()))
        );
        let r = request_of(Kind::Slack, None, &m).unwrap();
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["text"], m.text);
        let mut long = m.clone();
        long.text = "가".repeat(5000);
        let r = request_of(Kind::Discord, None, &long).unwrap();
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["content"].as_str().unwrap().chars().count(), DISCORD_MAX);
        let r = request_of(Kind::Webhook, None, &m).unwrap();
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(
            (
                v["job"].as_str(),
                v["run_id"].as_i64(),
                v["duration_ms"].as_i64()
            ),
            (Some("backup"), Some(42), Some(1200))
        );
        assert_eq!(v["runs"].as_array().unwrap().len(), 1);
        let r = request_of(
            Kind::Webhook,
            Some(r#"{"msg": {{ text | tojson }}, "n": {{ count }}}"#),
            &m,
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["n"], 1);
        assert_eq!(v["msg"], m.text);
    }

    #[test]
    fn config_is_checked_and_secrets_stay_out() {
        let base = TargetConfig {
            name: "ops".into(),
            kind: Kind::Webhook,
            url: Some("https://hooks.example/abc".into()),
            url_env: None,
            headers: BTreeMap::new(),
            body: None,
            chat: None,
            token_env: None,
        };
        assert!(base.check().is_ok());
        let mut c = base.clone();
        c.url = None;
        assert!(c.check().unwrap_err().contains("no `url`"));
        let mut c = base.clone();
        c.url = Some("ftp://x".into());
        assert!(c.check().is_err());
        let mut c = base.clone();
        c.body = Some("{{ broken".into());
        assert!(c.check().unwrap_err().contains("template"));
        let mut c = base;
        c.headers.insert("X-Token".into(), "HOOK_TOKEN".into());
        let t = Target::resolve(&c, |v| (v == "HOOK_TOKEN").then(|| "s3cr3t-value".into()));
        assert!(t.unset().is_empty());
        assert!(!format!("{t:?}").contains("s3cr3t"));
        assert_eq!(
            scrub("bad s3cr3t-value here", &t.secrets()),
            "bad [redacted] here"
        );
        let t = Target::resolve(&c, |_| None);
        assert_eq!(t.unset(), vec!["HOOK_TOKEN"]);
    }

    #[test]
    fn a_telegram_target_hides_its_token_and_sends_plain_text() {
        let c = TargetConfig {
            name: "tg".into(),
            kind: Kind::Telegram,
            url: Some("http://127.0.0.1:9/".into()),
            url_env: None,
            headers: BTreeMap::new(),
            body: None,
            chat: Some(4242),
            token_env: Some("JR_TG".into()),
        };
        assert!(c.check().is_ok());
        let mut no_chat = c.clone();
        no_chat.chat = None;
        assert!(no_chat.check().unwrap_err().contains("`chat`"));
        let mut webhook = c.clone();
        webhook.kind = Kind::Webhook;
        assert!(
            webhook
                .check()
                .unwrap_err()
                .contains("for kind = \"telegram\"")
        );
        let t = Target::resolve(&c, |v| (v == "JR_TG").then(|| "123:secret-token".into()));
        assert_eq!(
            t.url,
            Value::Given("http://127.0.0.1:9/bot123:secret-token/sendMessage".into())
        );
        assert!(!t.describe().contains("secret"), "{}", t.describe());
        assert_eq!(
            scrub(
                "failed at http://127.0.0.1:9/bot123:secret-token/sendMessage",
                &t.secrets()
            ),
            "failed at [redacted]"
        );
        assert_eq!(
            scrub("token 123:secret-token", &t.secrets()),
            "token [redacted]"
        );
        assert_eq!(Target::resolve(&c, |_| None).unset(), vec!["JR_TG"]);
        let m = Message {
            title: "t".into(),
            text: "백업 실패 <b>x</b>".into(),
            urgent: true,
            link: None,
            runs: Vec::new(),
        };
        let r = telegram_request(4242, &m);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["chat_id"], 4242);
        assert_eq!(v["text"], "백업 실패 <b>x</b>");
        assert!(v.get("parse_mode").is_none());
    }
}
