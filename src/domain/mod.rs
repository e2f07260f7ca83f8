//! Plain data: tasks, jobs, runs and their statuses. No I/O, no database, no terminal.

pub mod agent;
pub mod cards;
pub mod context;
pub mod due;
pub mod external;
pub mod job;
pub mod params;
pub mod run;
pub mod task;

pub use due::Due;
pub use job::{AgentSpec, AmbientSpec, Collect, Job, JobSpec, Misfire, Overlap, ShellSpec};
pub use run::{OutputLine, Run, RunStatus, Trigger};
pub use task::{NewTask, Priority, Source, Task, TaskEvent, TaskStatus};

use chrono::{DateTime, TimeZone, Utc};

/// Milliseconds since the epoch, as stored in SQLite.
pub fn to_millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// Serde helpers that write instants as RFC 3339 strings in UTC.
pub mod rfc3339 {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }

    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(
            t: &Option<DateTime<Utc>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => super::serialize(t, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            let s: Option<String> = Option::deserialize(d)?;
            s.map(|s| {
                DateTime::parse_from_rfc3339(&s)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(serde::de::Error::custom)
            })
            .transpose()
        }
    }
}
