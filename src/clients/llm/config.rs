//! The `[llm]` section of config.toml: where Ollama is, timeouts, and the
//! OpenAI-compatible providers. A provider names the *environment variable*
//! holding its key; the front end reads that variable into `keys` (never
//! stored, never printed: `Debug` shows only which keys are present).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::Deserialize;

pub const DEFAULT_OLLAMA_URL: &str = "http://127.0.0.1:11434";

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlmConfig {
    /// Ollama's base URL; `JR_OLLAMA_URL` overrides it.
    pub ollama_url: String,
    /// Connecting to a provider.
    #[serde(with = "dur")]
    pub connect_timeout: Duration,
    /// The longest silence between two pieces of an answer.
    #[serde(with = "dur")]
    pub read_timeout: Duration,
    /// The longest wait for the first piece while Ollama loads a cold model.
    #[serde(with = "dur")]
    pub load_timeout: Duration,
    /// How long Ollama keeps a model loaded after a call ("10m", "-1" forever, "0").
    pub keep_alive: Option<String>,
    #[serde(rename = "providers")]
    pub providers: Vec<ProviderConfig>,
    /// Bounds on an agent run's MCP tools (`[llm.tools]`).
    pub tools: ToolLimits,
    /// Key values by environment variable name, filled by the front end.
    #[serde(skip)]
    pub keys: Keys,
}

impl Default for LlmConfig {
    fn default() -> Self {
        LlmConfig {
            ollama_url: DEFAULT_OLLAMA_URL.into(),
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(120),
            load_timeout: Duration::from_secs(600),
            keep_alive: None,
            providers: Vec::new(),
            tools: ToolLimits::default(),
            keys: Keys::default(),
        }
    }
}

/// Bounds on an agent run that uses MCP tools; hitting one ends the run
/// with a message naming the setting.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ToolLimits {
    /// Tool calls in one run.
    pub max_calls: u32,
    /// The longest one tool call may take.
    #[serde(with = "dur")]
    pub call_timeout: Duration,
    /// The whole run, model turns and tool calls together.
    #[serde(with = "dur")]
    pub total_timeout: Duration,
    /// The largest tool result given back to the model, in bytes.
    pub max_result_bytes: usize,
    /// Starting a server and listing its tools.
    #[serde(with = "dur")]
    pub start_timeout: Duration,
}

impl Default for ToolLimits {
    fn default() -> Self {
        ToolLimits {
            max_calls: 25,
            call_timeout: Duration::from_secs(60),
            total_timeout: Duration::from_secs(15 * 60),
            max_result_bytes: 64 * 1024,
            start_timeout: Duration::from_secs(30),
        }
    }
}

/// An OpenAI-compatible endpoint (`POST {base_url}/chat/completions`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// Models are written `NAME/model`.
    pub name: String,
    /// e.g. "https://api.openai.com/v1".
    pub base_url: String,
    /// The environment variable holding the key; none for a local endpoint.
    #[serde(default)]
    pub api_key_env: Option<String>,
}

impl LlmConfig {
    /// The configured providers plus the built-in `openai` unless configured.
    pub fn all_providers(&self) -> Vec<ProviderConfig> {
        let mut all = self.providers.clone();
        if !all.iter().any(|p| p.name == "openai") {
            all.push(ProviderConfig {
                name: "openai".into(),
                base_url: "https://api.openai.com/v1".into(),
                api_key_env: Some("OPENAI_API_KEY".into()),
            });
        }
        all
    }

    /// Problems a user must fix in the file (names, URLs).
    pub fn check(&self) -> Result<(), String> {
        if !self.ollama_url.starts_with("http://") && !self.ollama_url.starts_with("https://") {
            return Err(format!(
                "`llm.ollama_url` {:?} must start with http:// or https://",
                self.ollama_url
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for p in &self.providers {
            if p.name.is_empty() || p.name.contains('/') || p.name == "ollama" {
                return Err(format!(
                    "`llm.providers` name {:?} must be non-empty, without '/', and not \"ollama\"",
                    p.name
                ));
            }
            if !seen.insert(p.name.as_str()) {
                return Err(format!("`llm.providers` names {:?} twice", p.name));
            }
            if !p.base_url.starts_with("http://") && !p.base_url.starts_with("https://") {
                return Err(format!(
                    "`llm.providers` {}: base_url {:?} must start with http:// or https://",
                    p.name, p.base_url
                ));
            }
        }
        let t = &self.tools;
        if t.max_calls == 0 || t.max_result_bytes == 0 {
            return Err(
                "`llm.tools` max_calls and max_result_bytes must be at least 1".to_string(),
            );
        }
        if t.call_timeout.is_zero() || t.total_timeout.is_zero() || t.start_timeout.is_zero() {
            return Err("`llm.tools` timeouts must be longer than 0s".to_string());
        }
        Ok(())
    }
}

/// API keys held in memory only. Never serialised; `Debug` shows names.
#[derive(Clone, Default)]
pub struct Keys(BTreeMap<String, String>);

impl Keys {
    pub fn insert(&mut self, var: &str, value: String) {
        self.0.insert(var.to_string(), value);
    }

    pub fn get(&self, var: &str) -> Option<&str> {
        self.0
            .get(var)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.keys().map(|k| format!("{k}=<hidden>")))
            .finish()
    }
}

mod dur {
    use serde::{Deserialize, Deserializer};
    use std::time::Duration;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let s = String::deserialize(d)?;
        humantime::parse_duration(&s)
            .map_err(|e| serde::de::Error::custom(format!("{e} (write e.g. \"30s\", \"10m\")")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_never_show_in_debug() {
        let mut c = LlmConfig::default();
        c.keys.insert("OPENAI_API_KEY", "sk-secret-123".into());
        let shown = format!("{c:?}");
        assert!(!shown.contains("sk-secret"), "{shown}");
        assert!(shown.contains("OPENAI_API_KEY=<hidden>"), "{shown}");
    }

    #[test]
    fn provider_checks() {
        let table: &[(&str, &str, bool)] = &[
            ("groq", "https://api.groq.com/openai/v1", true),
            ("ollama", "http://x", false),
            ("a/b", "http://x", false),
            ("local", "ftp://x", false),
        ];
        for (name, url, ok) in table {
            let c = LlmConfig {
                providers: vec![ProviderConfig {
                    name: name.to_string(),
                    base_url: url.to_string(),
                    api_key_env: None,
                }],
                ..Default::default()
            };
            assert_eq!(c.check().is_ok(), *ok, "{name} {url}");
        }
        assert!(
            LlmConfig::default()
                .all_providers()
                .iter()
                .any(|p| p.name == "openai")
        );
    }
}
