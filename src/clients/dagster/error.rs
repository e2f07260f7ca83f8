//! What can go wrong talking to Dagster, sorted by what the caller should do
//! about it: an unreachable server is retried by a follower, everything else
//! is reported. Each kind becomes a jr `Error` with a hint.

use crate::error::Error;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// No answer: connection refused, DNS, timeout, or an HTTP 502/503/504
    /// from a proxy in front of a restarting Dagster. Worth retrying.
    Unreachable,
    /// Something answered, but not Dagster's GraphQL.
    NotDagster,
    /// HTTP 401/403, or `UnauthorizedError`: read-only server or bad token.
    Unauthorized,
    /// The query was refused (400): usually a Dagster version jr does not know.
    Query,
    /// Dagster raised an exception (`PythonError`).
    Python,
    /// A run, job, schedule, sensor or location that does not exist.
    NotFound,
    /// The run config does not fit the job (each error has its path).
    InvalidConfig,
    /// A typed answer jr does not know what to do with.
    Unexpected,
    /// The instance's settings cannot be used (bad URL, missing env var).
    Setup,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DagsterError {
    pub kind: Kind,
    pub message: String,
    pub hints: Vec<String>,
}

impl DagsterError {
    pub fn new(kind: Kind, message: impl Into<String>) -> DagsterError {
        DagsterError {
            kind,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    pub fn hint(mut self, h: impl Into<String>) -> DagsterError {
        self.hints.push(h.into());
        self
    }

    pub fn is_unreachable(&self) -> bool {
        self.kind == Kind::Unreachable
    }
}

impl std::fmt::Display for DagsterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<DagsterError> for Error {
    fn from(e: DagsterError) -> Error {
        let mut err = match e.kind {
            Kind::NotFound | Kind::InvalidConfig => Error::user(e.message),
            Kind::Setup => Error::config(e.message),
            _ => Error::service(e.message),
        };
        for h in e.hints {
            err = err.hint(h);
        }
        err
    }
}

/// The message of a `PythonError`, with the real cause (often one level
/// down) when there is one.
pub fn python_message(v: &serde_json::Value) -> String {
    let top = v["message"].as_str().unwrap_or("").trim();
    let cause = v["cause"]["message"]
        .as_str()
        .or_else(|| v["errorChain"][0]["error"]["message"].as_str())
        .map(str::trim)
        .filter(|c| !c.is_empty() && *c != top);
    match (top.is_empty(), cause) {
        (_, Some(c)) if top.is_empty() => c.to_string(),
        (_, Some(c)) => format!("{top}\ncaused by: {c}"),
        (true, None) => "an unknown Python error".to_string(),
        (false, None) => top.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_errors_show_the_cause() {
        let cases = [
            (json!({"message": "top\n"}), "top"),
            (
                json!({"message": "DagsterUserCodeLoadError: x\n", "cause": {"message": "RuntimeError: broken\n"}}),
                "DagsterUserCodeLoadError: x\ncaused by: RuntimeError: broken",
            ),
            (
                json!({"message": "a", "errorChain": [{"error": {"message": "b"}}]}),
                "a\ncaused by: b",
            ),
            (json!({}), "an unknown Python error"),
        ];
        for (v, want) in cases {
            assert_eq!(python_message(&v), want);
        }
    }

    #[test]
    fn kinds_map_to_exit_codes() {
        let code = |k| Error::from(DagsterError::new(k, "x")).exit_code();
        assert_eq!(code(Kind::NotFound), 1);
        assert_eq!(code(Kind::InvalidConfig), 1);
        assert_eq!(code(Kind::Setup), 3);
        assert_eq!(code(Kind::Unreachable), 4);
        assert_eq!(code(Kind::Unauthorized), 4);
    }
}
