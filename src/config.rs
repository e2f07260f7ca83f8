//! The user's settings from `config.toml` (a commented default ships in
//! `assets/config.toml`). A missing file means defaults; a broken one is an
//! error naming the file, the line and the key. The path is chosen by the front
//! end; this module only reads what it is given.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// IANA zone for due dates and jobs without their own; default: the system's.
    pub timezone: Option<String>,
    pub scheduler: SchedulerConfig,
    pub runs: RunsConfig,
    pub daemon: DaemonConfig,
    pub ui: UiConfig,
    /// Ollama and OpenAI-compatible providers (agents, agent jobs, chat).
    pub llm: crate::clients::llm::LlmConfig,
    /// The chat gateway: which models classify and take escalations.
    pub gateway: GatewayConfig,
    /// Dagster instances, polling and give-up times.
    pub dagster: crate::clients::dagster::DagsterConfig,
    /// `jr mcp`: which tool groups the server offers.
    pub mcp: McpConfig,
    /// `[[notify]]`: where run notifications go (ntfy, Slack, Discord, webhooks).
    pub notify: Vec<crate::clients::notify::TargetConfig>,
    /// `[notifications]`: the default for jobs without `--notify`, collapsing, retries.
    pub notifications: NotificationsConfig,
    /// The chat gateway on Telegram (the daemon long-polls the Bot API).
    pub telegram: Option<crate::clients::telegram::TelegramConfig>,
}

/// `[notifications]`: how notifications are sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotificationsConfig {
    /// `NAME[:on-failure|on-success|on-change]` for every job without its own `--notify`.
    pub default: Vec<String>,
    /// A target gets at most one message per this window; what ends
    /// meanwhile goes out together at its end ("5 jobs failed: …").
    #[serde(with = "humantime_serde_compat")]
    pub collapse: Duration,
    /// How long the first run of a burst waits for others before it goes out.
    #[serde(with = "humantime_serde_compat")]
    pub gather: Duration,
    /// The wait before the first retry of a failed delivery, doubling.
    #[serde(with = "humantime_serde_compat")]
    pub retry_backoff: Duration,
    /// Attempts per delivery before it is recorded as failed on the run.
    pub tries: u32,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        NotificationsConfig {
            default: Vec::new(),
            collapse: Duration::from_secs(60),
            gather: Duration::from_secs(3),
            retry_backoff: Duration::from_secs(3),
            tries: 5,
        }
    }
}

/// `[mcp] tools = ["tasks", "jobs", ...]`: the tool groups `jr mcp` serves
/// (see `jr mcp --print-tools --count`); unset means the default set.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct McpConfig {
    pub tools: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct DaemonConfig {
    /// Also append the daemon's log to this file.
    pub log_file: Option<std::path::PathBuf>,
}

/// The full-screen UI's settings.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    pub theme: ThemeName,
}

/// Colours for a dark or a light terminal background (`NO_COLOR` wins over both).
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ThemeName {
    #[default]
    Dark,
    Light,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GatewayConfig {
    /// The local model that classifies what the rules cannot place
    /// (`ollama/qwen2.5:7b`); none: the rules and the fallback only.
    pub model: Option<String>,
    /// The cloud model for urgent complex messages (`openai/gpt-4o-mini`).
    pub escalate_model: Option<String>,
    /// Escalations allowed per day (local midnight to midnight).
    pub escalate_daily_requests: u32,
    /// Tokens allowed per day across escalations.
    pub escalate_daily_tokens: u64,
    /// The longest wait for the local model's classification.
    #[serde(with = "humantime_serde_compat")]
    pub classify_timeout: Duration,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            model: None,
            escalate_model: None,
            escalate_daily_requests: 20,
            escalate_daily_tokens: 200_000,
            classify_timeout: Duration::from_secs(20),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchedulerConfig {
    /// Runs executing at once, across all jobs (up to twice this while
    /// recent runs were cheap: see `drive::Scheduler::free_slots`).
    pub concurrency: usize,
    /// A lease not renewed for this long may be taken over.
    #[serde(with = "humantime_serde_compat")]
    pub lease_ttl: Duration,
    /// How long SIGTERM'd runs may finish before they are killed.
    #[serde(with = "humantime_serde_compat")]
    pub shutdown_grace: Duration,
    /// Catch-up window for `misfire = "once"`.
    #[serde(with = "humantime_serde_compat")]
    pub misfire_grace: Duration,
    /// Runs of one job executing at once, for jobs with `overlap = "allow"`
    /// (other jobs run one at a time).
    pub per_job: usize,
    /// A cgroup v2 per run where the cgroup tree is writable (exec/cgroup.rs);
    /// false: only the process tree (group, environment, subreaper).
    pub cgroups: bool,
}

/// Runs executing at once by default: four per core (at least 4, at most
/// 64). Most runs wait on a child process or the network, so a few per core
/// keep the cores busy; more only adds context switches and memory.
pub fn default_concurrency() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    (cores * 4).clamp(4, 64)
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            concurrency: default_concurrency(),
            per_job: 4,
            lease_ttl: Duration::from_secs(15),
            shutdown_grace: Duration::from_secs(10),
            misfire_grace: Duration::from_secs(3600),
            cgroups: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunsConfig {
    /// Bytes of output kept per run (head and tail; the middle is cut).
    pub output_cap: u64,
    /// Runs kept per job; older ones are pruned.
    pub keep_per_job: usize,
    /// Runs older than this many days are pruned.
    pub keep_days: u32,
}

impl Default for RunsConfig {
    fn default() -> Self {
        RunsConfig {
            output_cap: 1024 * 1024,
            keep_per_job: 500,
            keep_days: 90,
        }
    }
}

/// Durations written as "30s", "10m", "1h 30m".
mod humantime_serde_compat {
    use serde::{Deserialize, Deserializer};
    use std::time::Duration;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let s = String::deserialize(d)?;
        humantime::parse_duration(&s)
            .map_err(|e| serde::de::Error::custom(format!("{e} (write e.g. \"30s\", \"10m\")")))
    }
}

impl Config {
    /// Read `path`; a file that does not exist gives the defaults.
    pub fn load(path: &Path) -> Result<Config> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => {
                return Err(Error::config(format!(
                    "cannot read the config file {}: {e}",
                    path.display()
                )));
            }
        };
        Config::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, name: &str) -> Result<Config> {
        let cfg: Config = toml::from_str(text).map_err(|e| {
            let (line, key) = locate(text, e.span());
            let mut msg = format!("config file {name}");
            if let Some(line) = line {
                msg.push_str(&format!(", line {line}"));
            }
            if let Some(key) = key {
                msg.push_str(&format!(", key `{key}`"));
            }
            msg.push_str(&format!(": {}", e.message().trim()));
            Error::config(msg).hint("fix the file or move it away to use the defaults (assets/config.toml documents every key)")
        })?;
        if let Some(tz) = &cfg.timezone
            && tz.parse::<chrono_tz::Tz>().is_err()
        {
            return Err(Error::config(format!(
                "config file {name}, key `timezone`: unknown time zone {tz:?} (use an IANA name such as Asia/Seoul)"
            )));
        }
        if let Err(m) = cfg.check_bounds().and_then(|_| cfg.check_env_names()) {
            return Err(Error::config(format!("config file {name}, {m}"))
                .hint("assets/config.toml documents every key and its bounds"));
        }
        if let Err(m) = cfg.llm.check() {
            return Err(Error::config(format!("config file {name}: {m}")));
        }
        if let Err(m) = cfg.check_notify() {
            return Err(Error::config(format!("config file {name}: {m}"))
                .hint("assets/config.toml documents [[notify]] and [notifications]"));
        }
        Ok(cfg)
    }

    /// Every number and duration within its documented bounds (see BOUNDS
    /// in assets/config.toml): a zero lease would spin and let `jr run`
    /// race a live daemon, a zero output cap would keep nothing.
    fn check_bounds(&self) -> std::result::Result<(), String> {
        let s = &self.scheduler;
        let r = &self.runs;
        within("scheduler.concurrency", s.concurrency as u64, 1, 256, "")?;
        within("scheduler.per_job", s.per_job as u64, 1, 256, "")?;
        within_d("scheduler.lease_ttl", s.lease_ttl, 3, 600)?;
        within_d("scheduler.shutdown_grace", s.shutdown_grace, 0, 3600)?;
        within_d("scheduler.misfire_grace", s.misfire_grace, 0, 366 * 86_400)?;
        within(
            "runs.output_cap",
            r.output_cap,
            MIN_OUTPUT_CAP,
            MAX_OUTPUT_CAP,
            " bytes",
        )?;
        within("runs.keep_per_job", r.keep_per_job as u64, 1, 1_000_000, "")?;
        within("runs.keep_days", u64::from(r.keep_days), 1, 36_500, "")?;
        within_d(
            "gateway.classify_timeout",
            self.gateway.classify_timeout,
            1,
            600,
        )?;
        let n = &self.notifications;
        within_d("notifications.collapse", n.collapse, 0, 86_400)?;
        within_d("notifications.gather", n.gather, 0, 600)?;
        within_d("notifications.retry_backoff", n.retry_backoff, 0, 3600)?;
        within("notifications.tries", u64::from(n.tries), 1, 20, "")?;
        if let Some(t) = &self.telegram {
            within_d("telegram.poll_timeout", t.poll_timeout, 1, 50)?;
            if !t.api_url.starts_with("http://") && !t.api_url.starts_with("https://") {
                return Err(format!(
                    "key `telegram.api_url`: {:?} is not an http(s) URL",
                    t.api_url.chars().take(80).collect::<String>()
                ));
            }
        }
        Ok(())
    }

    /// Where an environment variable's NAME belongs (a provider's
    /// `api_key_env`, a Dagster header), a key pasted by mistake is refused
    /// without being repeated.
    fn check_env_names(&self) -> std::result::Result<(), String> {
        for p in &self.llm.providers {
            if let Some(v) = &p.api_key_env
                && !is_env_name(v)
            {
                return Err(format!(
                    "provider {:?}, key `api_key_env`: must be the NAME of the environment variable that holds the key (e.g. GROQ_API_KEY), not the key itself; the value given is not a variable name and is not shown here in case it is a secret",
                    p.name
                ));
            }
        }
        for t in &self.notify {
            let vars = t
                .url_env
                .iter()
                .map(|v| ("url_env".to_string(), v))
                .chain(t.token_env.iter().map(|v| ("token_env".to_string(), v)));
            let headers = t.headers.iter().map(|(h, v)| (format!("header {h:?}"), v));
            for (key, var) in vars.chain(headers) {
                if !is_env_name(var) {
                    return Err(format!(
                        "notify target {:?}, {key}: must be the NAME of the environment variable that holds the value (e.g. HOOK_TOKEN), not the value itself; the value given is not a variable name and is not shown here in case it is a secret",
                        t.name
                    ));
                }
            }
        }
        if let Some(v) = self.telegram.as_ref().and_then(|t| t.token_env.as_ref())
            && !is_env_name(v)
        {
            return Err("key `telegram.token_env`: must be the NAME of the environment variable that holds the bot token (e.g. JR_TELEGRAM_TOKEN), not the token itself; the value given is not a variable name and is not shown here in case it is a secret".into());
        }
        for (inst, i) in &self.dagster.instances {
            for (header, var) in &i.headers {
                if !is_env_name(var) {
                    return Err(format!(
                        "dagster instance {inst:?}, header {header:?}: must be the NAME of the environment variable that holds the value (e.g. DAGSTER_CLOUD_TOKEN), not the value itself; the value given is not a variable name and is not shown here in case it is a secret"
                    ));
                }
            }
        }
        Ok(())
    }
}

impl Config {
    /// `[[notify]]` targets and the default rules: unique names, a URL,
    /// templates that parse, defaults that name a target.
    fn check_notify(&self) -> std::result::Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        for t in &self.notify {
            t.check()?;
            if !seen.insert(t.name.as_str()) {
                return Err(format!("two [[notify]] targets are named {:?}", t.name));
            }
        }
        for rule in &self.notifications.default {
            let name = rule.split(':').next().unwrap_or("").trim();
            if !seen.contains(name) {
                return Err(format!(
                    "key `notifications.default`: {rule:?} names no [[notify]] target{}",
                    if seen.is_empty() {
                        " (there are none)".to_string()
                    } else {
                        format!(
                            " (targets: {})",
                            self.notify
                                .iter()
                                .map(|t| t.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                ));
            }
            if let Some((_, when)) = rule.split_once(':')
                && !matches!(when.trim(), "on-failure" | "on-success" | "on-change")
            {
                return Err(format!(
                    "key `notifications.default`: {rule:?}: use NAME, NAME:on-failure, NAME:on-success or NAME:on-change"
                ));
            }
        }
        Ok(())
    }
}

/// The smallest and largest `runs.output_cap`: 16 KiB and 64 MiB (the
/// tail half is held in memory while a job runs).
pub const MIN_OUTPUT_CAP: u64 = 16 * 1024;
pub const MAX_OUTPUT_CAP: u64 = 64 * 1024 * 1024;

fn within(key: &str, v: u64, lo: u64, hi: u64, unit: &str) -> std::result::Result<(), String> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(format!(
            "key `{key}`: {v}{unit} is out of bounds; use {lo} to {hi}{unit}"
        ))
    }
}

fn within_d(key: &str, d: Duration, lo: u64, hi: u64) -> std::result::Result<(), String> {
    let show = |s: u64| humantime::format_duration(Duration::from_secs(s)).to_string();
    if d >= Duration::from_secs(lo) && d <= Duration::from_secs(hi) {
        Ok(())
    } else {
        Err(format!(
            "key `{key}`: {} is out of bounds; use {} to {}",
            humantime::format_duration(Duration::from_secs(d.as_secs())),
            show(lo),
            show(hi)
        ))
    }
}

/// `[A-Za-z_][A-Za-z0-9_]*`, as POSIX shells name variables, and nothing
/// the redactor takes for a secret (an AWS key id is a valid name).
pub fn is_env_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
        && s.len() <= 128
        && crate::domain::context::redact::redact(s).1 == 0
}

/// Line number and key name at a byte span of a TOML text.
fn locate(text: &str, span: Option<std::ops::Range<usize>>) -> (Option<usize>, Option<String>) {
    let Some(span) = span else {
        return (None, None);
    };
    let start = span.start.min(text.len());
    let line_no = text[..start].matches('\n').count() + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or("");
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_string())
        .filter(|k| !k.is_empty() && !k.starts_with('['))
        .or_else(|| {
            let t = line.trim();
            (!t.is_empty() && !t.starts_with('#') && !t.contains('=')).then(|| t.to_string())
        });
    (Some(line_no), key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_a_good_file() {
        let c = Config::parse(
            "timezone = \"Asia/Seoul\"\n[scheduler]\nconcurrency = 2\nlease_ttl = \"20s\"\n",
            "c",
        )
        .unwrap();
        assert_eq!(c.scheduler.concurrency, 2);
        assert_eq!(c.scheduler.lease_ttl, Duration::from_secs(20));
        assert_eq!(c.runs.output_cap, 1024 * 1024);
        assert_eq!(c.ui.theme, ThemeName::Dark);
        let c = Config::parse("[ui]\ntheme = \"light\"\n", "c").unwrap();
        assert_eq!(c.ui.theme, ThemeName::Light);
        assert!(Config::parse("[ui]\ntheme = \"blue\"\n", "c").is_err());
    }

    #[test]
    fn errors_name_line_and_key() {
        let e =
            Config::parse("[scheduler]\nconcurrency = \"four\"\n", "/x/config.toml").unwrap_err();
        assert!(
            e.message
                .contains("/x/config.toml, line 2, key `concurrency`"),
            "{}",
            e.message
        );
        let e = Config::parse("[scheduler]\nconcurency = 3\n", "c").unwrap_err();
        assert!(
            e.message.contains("line 2") && e.message.contains("concurency"),
            "{}",
            e.message
        );
        let e = Config::parse("timezone = \"Mars/Base\"\n", "c").unwrap_err();
        assert!(e.message.contains("timezone"), "{}", e.message);
    }

    #[test]
    fn the_llm_section_parses_and_is_checked() {
        let c = Config::parse(
            "[llm]\nollama_url = \"http://gpu-box:11434\"\nread_timeout = \"30s\"\nkeep_alive = \"10m\"\n\n[[llm.providers]]\nname = \"groq\"\nbase_url = \"https://api.groq.com/openai/v1\"\napi_key_env = \"GROQ_API_KEY\"\n",
            "c",
        )
        .unwrap();
        assert_eq!(c.llm.read_timeout, Duration::from_secs(30));
        assert_eq!(
            c.llm.providers[0].api_key_env.as_deref(),
            Some("GROQ_API_KEY")
        );
        let e = Config::parse(
            "[[llm.providers]]\nname = \"ollama\"\nbase_url = \"http://x\"\n",
            "c",
        )
        .unwrap_err();
        assert!(e.message.contains("llm.providers"), "{}", e.message);
    }

    #[test]
    fn notify_targets_are_checked() {
        let ok = "[notifications]\ndefault = [\"phone:on-change\"]\n\n[[notify]]\nname = \"phone\"\nkind = \"ntfy\"\nurl = \"https://ntfy.sh/jr-test\"\n\n[[notify]]\nname = \"hook\"\nkind = \"webhook\"\nurl_env = \"HOOK_URL\"\nheaders = { Authorization = \"HOOK_TOKEN\" }\n";
        let c = Config::parse(ok, "c").unwrap();
        assert_eq!(c.notify.len(), 2);
        assert_eq!(c.notifications.collapse, Duration::from_secs(60));
        let bad = [
            (
                "[[notify]]\nname = \"x\"\nkind = \"pager\"\nurl = \"https://a\"\n",
                "pager",
            ),
            ("[[notify]]\nname = \"x\"\nkind = \"slack\"\n", "no `url`"),
            (
                "[notifications]\ndefault = [\"nobody\"]\n",
                "names no [[notify]] target",
            ),
            (
                "[[notify]]\nname = \"x\"\nkind = \"webhook\"\nurl = \"https://a\"\nheaders = { Authorization = \"Bearer sk-abcdef0123456789abcd\" }\n",
                "NAME of the environment variable",
            ),
        ];
        for (text, want) in bad {
            let e = Config::parse(text, "c").unwrap_err();
            assert!(e.message.contains(want), "{text}: {}", e.message);
            assert!(!e.message.contains("sk-abc"), "{}", e.message);
        }
    }

    #[test]
    fn the_shipped_default_parses() {
        Config::parse(include_str!("../assets/config.toml"), "assets/config.toml").unwrap();
    }
}
