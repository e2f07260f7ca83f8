//! Dagster settings: the `[dagster]` section of config.toml as written, and
//! the resolved form the client uses (instances by name, header values taken
//! from environment variables). Pure: the caller passes the environment in,
//! so header secrets are read by the front end and never stored anywhere.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

/// The URL of an instance nobody configured: `dagster dev`'s default.
pub const DEFAULT_URL: &str = "http://127.0.0.1:3000";
/// The name of the instance used when none is configured or named.
pub const DEFAULT_NAME: &str = "default";

/// `[dagster]` in config.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DagsterConfig {
    /// The instance used when a command or job names none.
    pub default: Option<String>,
    /// How often a followed run's status (and new log) is asked for.
    #[serde(with = "duration")]
    pub poll: Duration,
    /// Every request gives up after this long.
    #[serde(with = "duration")]
    pub request_timeout: Duration,
    #[serde(with = "duration")]
    pub connect_timeout: Duration,
    /// A followed run whose Dagster stays unreachable this long fails.
    #[serde(with = "duration")]
    pub give_up: Duration,
    pub instances: BTreeMap<String, InstanceConfig>,
}

impl Default for DagsterConfig {
    fn default() -> Self {
        DagsterConfig {
            default: None,
            poll: Duration::from_secs(1),
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
            give_up: Duration::from_secs(600),
            instances: BTreeMap::new(),
        }
    }
}

/// `[dagster.instances.NAME]`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct InstanceConfig {
    /// Base URL of the webserver (the GraphQL endpoint is `URL/graphql`).
    pub url: String,
    /// Extra request headers: header name → the environment variable that
    /// holds its value (e.g. `Dagster-Cloud-Api-Token = "DAGSTER_TOKEN"`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// Settings with every instance resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    pub default: String,
    pub poll: Duration,
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    pub give_up: Duration,
    pub instances: BTreeMap<String, Instance>,
    /// Whether anyone asked for Dagster: an instance in config.toml or a
    /// URL from the environment. Without one, `dagster dev`'s default URL
    /// is assumed, but front ends that poll on their own (the TUI's health
    /// line) leave the network alone.
    pub configured: bool,
}

#[derive(Clone)]
pub struct Instance {
    pub name: String,
    pub url: String,
    pub headers: Vec<Header>,
}

/// A header whose value comes from `env`; `value` is None when it is unset.
#[derive(Clone)]
pub struct Header {
    pub name: String,
    pub env: String,
    pub value: Option<String>,
}

// Header values are secrets: never print them.
impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<String> = self
            .headers
            .iter()
            .map(|h| format!("{} from ${}", h.name, h.env))
            .collect();
        f.debug_struct("Instance")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("headers", &headers)
            .finish()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings::resolve(&DagsterConfig::default(), None, |_| None)
    }
}

impl Settings {
    /// Resolve the config: `url_override` (JR_DAGSTER_URL) replaces the
    /// default instance's URL; `env` looks up header values.
    pub fn resolve(
        cfg: &DagsterConfig,
        url_override: Option<&str>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Settings {
        let default = cfg.default.clone().unwrap_or_else(|| {
            if cfg.instances.len() == 1 {
                cfg.instances.keys().next().cloned().unwrap_or_default()
            } else {
                DEFAULT_NAME.to_string()
            }
        });
        let mut instances: BTreeMap<String, Instance> = cfg
            .instances
            .iter()
            .map(|(name, i)| {
                let headers = i
                    .headers
                    .iter()
                    .map(|(h, var)| Header {
                        name: h.clone(),
                        env: var.clone(),
                        value: env(var).filter(|v| !v.is_empty()),
                    })
                    .collect();
                let inst = Instance {
                    name: name.clone(),
                    url: i.url.trim().trim_end_matches('/').to_string(),
                    headers,
                };
                (name.clone(), inst)
            })
            .collect();
        let url = url_override.map(str::trim).filter(|u| !u.is_empty());
        if !instances.contains_key(&default) && (url.is_some() || default == DEFAULT_NAME) {
            instances.insert(
                default.clone(),
                Instance {
                    name: default.clone(),
                    url: DEFAULT_URL.to_string(),
                    headers: Vec::new(),
                },
            );
        }
        if let (Some(u), Some(i)) = (url, instances.get_mut(&default)) {
            i.url = u.trim_end_matches('/').to_string();
        }
        Settings {
            default,
            poll: cfg.poll.max(Duration::from_millis(100)),
            request_timeout: cfg.request_timeout,
            connect_timeout: cfg.connect_timeout,
            give_up: cfg.give_up,
            configured: !cfg.instances.is_empty() || url.is_some(),
            instances,
        }
    }

    /// The named instance, or the default one.
    pub fn instance(&self, name: Option<&str>) -> Result<&Instance, String> {
        let name = name.unwrap_or(&self.default);
        self.instances.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.instances.keys().map(String::as_str).collect();
            if known.is_empty() {
                format!(
                    "no Dagster instance named {name:?} is configured; add [dagster.instances.{name}] url = \"...\" to config.toml"
                )
            } else {
                format!(
                    "no Dagster instance named {name:?}; configured: {}",
                    known.join(", ")
                )
            }
        })
    }
}

/// Durations written as "1s", "10m".
mod duration {
    use serde::{Deserialize, Deserializer};
    use std::time::Duration;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let s = String::deserialize(d)?;
        humantime::parse_duration(&s)
            .map_err(|e| serde::de::Error::custom(format!("{e} (write e.g. \"1s\", \"10m\")")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> DagsterConfig {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn instances_resolve_by_name_with_env_headers() {
        let c = cfg(r#"
            default = "cloud"
            poll = "2s"
            [instances.cloud]
            url = "https://org.dagster.cloud/prod/"
            headers = { "Dagster-Cloud-Api-Token" = "TOKEN_VAR" }
            [instances.home]
            url = "http://10.0.0.2:3000"
        "#);
        let s = Settings::resolve(&c, None, |v| (v == "TOKEN_VAR").then(|| "secret".into()));
        let cases: &[(Option<&str>, &str)] = &[
            (None, "https://org.dagster.cloud/prod"),
            (Some("cloud"), "https://org.dagster.cloud/prod"),
            (Some("home"), "http://10.0.0.2:3000"),
        ];
        for (name, url) in cases {
            assert_eq!(s.instance(*name).unwrap().url, *url, "{name:?}");
        }
        let h = &s.instance(None).unwrap().headers[0];
        assert_eq!(
            (h.name.as_str(), h.value.as_deref()),
            ("Dagster-Cloud-Api-Token", Some("secret"))
        );
        assert!(!format!("{s:?}").contains("secret"), "Debug hides values");
        assert_eq!(s.poll, Duration::from_secs(2));
        let err = s.instance(Some("nope")).unwrap_err();
        assert!(err.contains("cloud, home"), "{err}");
    }

    #[test]
    fn env_url_overrides_the_default_instance() {
        let cases: &[(&str, Option<&str>, &str, &str)] = &[
            ("", None, "default", DEFAULT_URL),
            (
                "",
                Some("http://127.0.0.1:9/"),
                "default",
                "http://127.0.0.1:9",
            ),
            (
                "[instances.a]\nurl = \"http://a\"\n",
                Some("http://b"),
                "a",
                "http://b",
            ),
            ("[instances.a]\nurl = \"http://a\"\n", None, "a", "http://a"),
        ];
        for (text, over, name, url) in cases {
            let s = Settings::resolve(&cfg(text), *over, |_| None);
            assert_eq!(s.default, *name, "{text:?}");
            assert_eq!(s.instance(None).unwrap().url, *url, "{text:?} {over:?}");
        }
    }

    #[test]
    fn unknown_keys_and_bad_durations_are_refused() {
        assert!(toml::from_str::<DagsterConfig>("pol = \"1s\"").is_err());
        assert!(toml::from_str::<DagsterConfig>("poll = \"soon\"").is_err());
        assert!(
            toml::from_str::<DagsterConfig>("[instances.a]\nurl = \"x\"\ntoken = \"y\"").is_err()
        );
    }
}
