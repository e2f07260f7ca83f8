//! Jobs: a named piece of work, when it fires, and its policies. The
//! kind-specific part (`JobSpec`) is what an executor needs to run it.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Overlap {
    /// A fire while the previous run still runs is recorded as skipped.
    #[default]
    Skip,
    /// It waits for the previous run to end.
    Queue,
    /// It runs alongside.
    Allow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Misfire {
    /// After downtime, one catch-up run if the newest missed fire is recent.
    #[default]
    Once,
    /// Missed fires are only recorded.
    Skip,
    /// Every missed fire runs (capped).
    All,
}

macro_rules! str_enum {
    ($t:ty, $($v:ident => $s:literal),+ ; $what:literal) => {
        impl $t {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),+ }
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl FromStr for $t {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s.trim().to_lowercase().as_str() {
                    $($s => Ok(Self::$v),)+
                    _ => Err(format!(concat!("unknown ", $what, " {:?}; use one of {}"), s, [$($s),+].join(", "))),
                }
            }
        }
    };
}
pub(crate) use str_enum;

str_enum!(Overlap, Skip => "skip", Queue => "queue", Allow => "allow"; "overlap policy");
str_enum!(Misfire, Once => "once", Skip => "skip", All => "all"; "misfire policy");

/// What a job runs. Later kinds (agent, ambient, dagster) add variants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobSpec {
    Shell(ShellSpec),
    // agents: a configured agent run with a prompt template.
    Agent(AgentSpec),
    /// Background work over jr's own data (knowledge cards).
    Ambient(AmbientSpec),
    /// Launch a Dagster job and follow its run.
    Dagster(DagsterSpec),
}

impl JobSpec {
    pub fn kind(&self) -> &'static str {
        match self {
            JobSpec::Shell(_) => "shell",
            JobSpec::Agent(_) => "agent",
            JobSpec::Ambient(_) => "ambient",
            JobSpec::Dagster(_) => "dagster",
        }
    }
}

/// The `ambient` kind: built-in background work. `knowledge-cards` reads the
/// conversations added since its last run and asks `model` for question and
/// answer cards.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AmbientSpec {
    pub task: String,
    pub model: String,
    /// Cards asked for per run at most.
    #[serde(default = "default_max_cards")]
    pub max_cards: u32,
    /// Read only these channels; empty: every channel but jr's own `gateway`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
    /// Read only messages from these clients; empty: every client.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<String>,
}

fn default_max_cards() -> u32 {
    10
}

/// The ambient tasks jr has.
pub const AMBIENT_TASKS: &[&str] = &["knowledge-cards"];

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ShellSpec {
    /// Run by `sh -c`.
    pub command: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
}

/// The `agent` kind: run a configured agent with a prompt template
/// (`{{date}}`, `{{tasks.ready}}`, `{{collect.NAME}}`, `{{upstream.result}}`, ...).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AgentSpec {
    pub agent: String,
    pub prompt: String,
    /// Shell commands run first; their output is `{{collect.NAME}}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collect: Vec<Collect>,
    /// Also write the answer here (a path template: `~/briefings/{{date}}.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_file: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Collect {
    pub name: String,
    pub command: String,
}

impl Collect {
    /// `NAME=COMMAND` (NAME: a-z, 0-9, `_`), or a bare command named `c{index+1}`.
    pub fn parse(s: &str, index: usize) -> Collect {
        if let Some((n, c)) = s.split_once('=')
            && n.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Collect {
                name: n.to_string(),
                command: c.trim().to_string(),
            };
        }
        Collect {
            name: format!("c{}", index + 1),
            command: s.trim().to_string(),
        }
    }

    pub fn text(&self) -> String {
        format!("{}={}", self.name, self.command)
    }
}

/// A Dagster job to launch: by bare name when that is unambiguous, else
/// `location/job` or `location/repository/job`; or, when `assets` is not
/// empty, those assets to materialize (`job` is then empty).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DagsterSpec {
    #[serde(default)]
    pub job: String,
    /// Asset keys (parts joined by `/`) to materialize instead of a job.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assets: Vec<String>,
    /// The partition of partitioned assets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
    /// Run config as given (JSON or YAML text); none means empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    /// A `[dagster.instances.NAME]`; none means the default instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: i64,
    pub name: String,
    pub spec: JobSpec,
    pub schedule: Option<String>,
    pub tz: Option<String>,
    pub enabled: bool,
    pub description: String,
    pub timeout: Option<Duration>,
    pub retries: u32,
    pub retry_backoff: Duration,
    pub overlap: Overlap,
    pub misfire: Misfire,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Fires up to here have been dealt with.
    pub fired_through: DateTime<Utc>,
    /// Jobs queued when a run ends well / badly (after its last attempt).
    pub on_success: Vec<String>,
    pub on_failure: Vec<String>,
    /// A worker: each run claims the top ready task with this tag.
    pub takes_tasks: Option<String>,
    /// Notification targets (`NAME:WHEN`); none: the config's default.
    pub notify: Option<Vec<String>>,
    /// The parameters a run may be given, with their defaults (`domain::params`).
    pub params: super::params::Params,
}

/// Job names are slugs: lower-case letters, digits, `-`, `_` and `.`, starting with a letter or digit.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "job name {name:?} is not a slug: use lower-case letters, digits, '-', '_' and '.' (at most 64), e.g. nightly-backup"
        ))
    }
}

/// The longest duration a job setting takes (timeout, retry backoff): a year.
pub const MAX_DURATION: Duration = Duration::from_secs(366 * 86_400);

/// Durations as people write them: "30s", "10m", "1h30m"; at most a year.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s.trim())
        .map_err(|e| format!("cannot read the duration {s:?} ({e}); write e.g. 30s, 10m, 1h"))?;
    if d > MAX_DURATION {
        return Err(format!(
            "the duration {s:?} is too long; at most 366 days (write e.g. 30d)"
        ));
    }
    Ok(d)
}

pub fn format_duration(d: Duration) -> String {
    humantime::format_duration(Duration::from_secs(d.as_secs().max(if d.is_zero() {
        0
    } else {
        1
    })))
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_policies() {
        assert!(check_name("nightly-backup").is_ok());
        assert!(check_name("a.b_c-1").is_ok());
        for bad in ["", "Backup", "-x", "two words", "백업"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!("queue".parse::<Overlap>().unwrap(), Overlap::Queue);
        assert!(
            "sometimes"
                .parse::<Misfire>()
                .unwrap_err()
                .contains("once, skip, all")
        );
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn collect_entries() {
        let table = [
            (
                "weather=curl -s wttr.in/Seoul?format=3",
                0,
                "weather",
                "curl -s wttr.in/Seoul?format=3",
            ),
            ("df -h /", 1, "c2", "df -h /"),
            ("FOO=bar env", 0, "c1", "FOO=bar env"),
            ("disk_1=df", 0, "disk_1", "df"),
        ];
        for (s, i, name, cmd) in table {
            let c = Collect::parse(s, i);
            assert_eq!((c.name.as_str(), c.command.as_str()), (name, cmd), "{s}");
        }
    }
}
