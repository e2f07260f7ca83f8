//! A handle on work that runs outside jr (a Dagster run) but is followed by
//! a jr run: enough to find it again after a restart and to show where it is.

use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct External {
    /// `dagster`.
    pub system: String,
    /// The configured instance it runs on.
    pub instance: String,
    /// Its id there (the Dagster run id).
    pub id: String,
    /// Its page in the service's UI.
    pub url: String,
    /// How far its log was copied (opaque JSON kept by the executor).
    #[serde(skip)]
    pub cursor: String,
    /// The service's own status last seen (e.g. STARTED).
    pub status: Option<String>,
    /// Set while the service does not answer; the run fails after the give-up time.
    #[serde(with = "super::rfc3339::option")]
    pub unreachable_since: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}
