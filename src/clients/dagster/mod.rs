//! A Dagster GraphQL client over reqwest (rustls). One `Client` per
//! instance; it is cheap to clone and shares its connection pool. Every
//! request has a connect and a total timeout. The body is read whatever the
//! HTTP status (Dagster answers 500 with data in it), and outcomes are told
//! apart by `__typename` (see `api`). Knows nothing of jr's database.

pub mod api;
pub mod assets;
pub mod error;
pub mod follow;
pub mod materialize;
pub mod outcome;
pub mod parse;
pub mod settings;
pub mod types;

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};

pub use error::{DagsterError, Kind};
pub use settings::{DagsterConfig, Instance, Settings};

#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    name: String,
    base: String,
    endpoint: String,
}

impl Client {
    /// A client for `inst`; fails when its URL or a header cannot be used.
    pub fn new(inst: &Instance, s: &Settings) -> Result<Client, DagsterError> {
        let setup = |m: String| {
            DagsterError::new(Kind::Setup, m).hint(format!(
                "check [dagster.instances.{}] in config.toml",
                inst.name
            ))
        };
        let url = reqwest::Url::parse(&inst.url).map_err(|e| {
            setup(format!(
                "Dagster instance {}: {:?} is not a URL ({e})",
                inst.name, inst.url
            ))
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(setup(format!(
                "Dagster instance {}: {:?} is not an http(s) URL",
                inst.name, inst.url
            )));
        }
        let mut headers = HeaderMap::new();
        for h in &inst.headers {
            let value = h.value.as_deref().ok_or_else(|| {
                setup(format!(
                    "Dagster instance {} sends the header {} from the environment variable {}, which is not set",
                    inst.name, h.name, h.env
                ))
            })?;
            let name = HeaderName::from_bytes(h.name.as_bytes())
                .map_err(|_| setup(format!("{:?} is not a valid header name", h.name)))?;
            let mut value = HeaderValue::from_str(value).map_err(|_| {
                setup(format!(
                    "the value of {} (header {}) is not a valid header value",
                    h.env, h.name
                ))
            })?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        let http = crate::clients::http()
            .default_headers(headers)
            .connect_timeout(s.connect_timeout)
            .timeout(s.request_timeout)
            .user_agent(concat!("jr/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| setup(format!("cannot set up the HTTP client: {e}")))?;
        let base = inst.url.trim_end_matches('/').to_string();
        Ok(Client {
            http,
            name: inst.name.clone(),
            endpoint: format!("{base}/graphql"),
            base,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The run's page in Dagster's UI.
    pub fn run_url(&self, run_id: &str) -> String {
        format!("{}/runs/{run_id}", self.base)
    }

    /// Post one GraphQL operation; the `data` object on success.
    pub async fn query(&self, query: &str, variables: Value) -> Result<Value, DagsterError> {
        self.query_with(query, variables, None).await
    }

    /// As `query`, with a longer timeout for slow mutations (reloads).
    pub async fn query_with(
        &self,
        query: &str,
        variables: Value,
        timeout: Option<Duration>,
    ) -> Result<Value, DagsterError> {
        let mut req = self
            .http
            .post(&self.endpoint)
            .json(&json!({"query": query, "variables": variables}));
        if let Some(t) = timeout {
            req = req.timeout(t);
        }
        let resp = req.send().await.map_err(|e| self.transport(e))?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| self.transport(e))?;
        read_answer(&self.name, &self.base, status.as_u16(), &body)
    }

    fn transport(&self, e: reqwest::Error) -> DagsterError {
        let what = if e.is_timeout() {
            "no answer in time".to_string()
        } else {
            root_cause(&e)
        };
        DagsterError::new(
            Kind::Unreachable,
            format!(
                "cannot reach Dagster instance {} at {}: {what}",
                self.name, self.base
            ),
        )
        .hint("is the Dagster webserver running (`dagster dev` or `dagster-webserver`)? JR_DAGSTER_URL overrides the default instance's URL")
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// Classify an HTTP answer: `data` when there is some, else what went wrong.
pub fn read_answer(
    name: &str,
    base: &str,
    status: u16,
    body: &[u8],
) -> Result<Value, DagsterError> {
    if matches!(status, 502..=504) {
        return Err(DagsterError::new(
            Kind::Unreachable,
            format!(
                "Dagster instance {name} at {base} is not answering (HTTP {status} from the server in front of it)"
            ),
        ));
    }
    if matches!(status, 401 | 403) {
        return Err(DagsterError::new(
            Kind::Unauthorized,
            format!("Dagster instance {name} at {base} refused the request (HTTP {status})"),
        )
        .hint(format!(
            "check the token header of [dagster.instances.{name}] and the environment variable it names"
        )));
    }
    let not_dagster = || {
        let snippet: String = String::from_utf8_lossy(body)
            .chars()
            .take(80)
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        DagsterError::new(
            Kind::NotDagster,
            format!(
                "{base} answered HTTP {status}, but not as Dagster's GraphQL API does ({:?})",
                snippet.trim()
            ),
        )
        .hint(format!(
            "the URL of instance {name} should be the Dagster webserver's base URL, e.g. http://127.0.0.1:3000"
        ))
    };
    let v: Value = serde_json::from_slice(body).map_err(|_| not_dagster())?;
    if let Some(data) = v.get("data").filter(|d| d.is_object()) {
        return Ok(data.clone());
    }
    match v.get("errors").and_then(Value::as_array) {
        Some(errs) if !errs.is_empty() => {
            let msgs: Vec<&str> = errs.iter().filter_map(|e| e["message"].as_str()).collect();
            Err(DagsterError::new(
                Kind::Query,
                format!(
                    "Dagster instance {name} refused jr's query: {}",
                    msgs.join("; ")
                ),
            )
            .hint(
                "jr speaks the GraphQL API of Dagster 1.13; is this Dagster much older or newer?",
            ))
        }
        _ => Err(not_dagster()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_classified() {
        let cases: &[(u16, &str, Result<&str, Kind>)] = &[
            (200, r#"{"data": {"version": "1.13.27"}}"#, Ok("1.13.27")),
            (
                500,
                r#"{"data": {"version": "x"}, "errors": [{"message": "e"}]}"#,
                Ok("x"),
            ),
            (
                400,
                r#"{"data": null, "errors": [{"message": "Cannot query field 'x'"}]}"#,
                Err(Kind::Query),
            ),
            (200, "<html>hello</html>", Err(Kind::NotDagster)),
            (404, "Not Found", Err(Kind::NotDagster)),
            (200, r#"{"ok": true}"#, Err(Kind::NotDagster)),
            (502, "Bad Gateway", Err(Kind::Unreachable)),
            (401, "", Err(Kind::Unauthorized)),
        ];
        for (status, body, want) in cases {
            let got = read_answer("d", "http://h", *status, body.as_bytes());
            match (got, want) {
                (Ok(v), Ok(ver)) => assert_eq!(v["version"], *ver),
                (Err(e), Err(k)) => assert_eq!(e.kind, *k, "{status} {body}: {}", e.message),
                (got, want) => panic!("{status} {body}: got {got:?}, want {want:?}"),
            }
        }
        let e = read_answer("d", "http://h", 200, b"<html>").unwrap_err();
        assert!(
            e.message.contains("not as Dagster's GraphQL"),
            "{}",
            e.message
        );
    }

    #[test]
    fn setup_errors_name_the_instance() {
        use settings::Header;
        let s = Settings::default();
        let mut inst = s.instance(None).unwrap().clone();
        inst.headers.push(Header {
            name: "Dagster-Cloud-Api-Token".into(),
            env: "MY_TOKEN".into(),
            value: None,
        });
        let e = Client::new(&inst, &s).unwrap_err();
        assert_eq!(e.kind, Kind::Setup);
        assert!(e.message.contains("MY_TOKEN"), "{}", e.message);
        inst.headers.clear();
        inst.url = "ftp://x".into();
        assert!(
            Client::new(&inst, &s)
                .unwrap_err()
                .message
                .contains("http(s)")
        );
        inst.url = "http://127.0.0.1:3000/".into();
        let c = Client::new(&inst, &s).unwrap();
        assert_eq!(c.run_url("abc"), "http://127.0.0.1:3000/runs/abc");
    }
}
