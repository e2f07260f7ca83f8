//! What a finished Dagster run produced, for a graph agent's execution:
//! the metadata of the assets it materialized, else the tail of its log.

use serde_json::{Value, json};

use super::Client;
use super::api::PYTHON_ERROR;
use super::assets::materialization;
use super::error::DagsterError;
use super::parse::{run_or_error, typed};
use super::types::{Phase, RunInfo, phase};

/// Log lines kept when a run materialized nothing.
const TAIL: usize = 20;
/// Pages of 1,000 events read at most to reach the tail.
const MAX_PAGES: usize = 10;

pub fn outcome_query() -> String {
    format!(
        "query JrOutcome($id: ID!) {{ runOrError(runId: $id) {{ __typename ... on Run {{ \
         runId jobName status canTerminate creationTime startTime endTime tags {{ key value }} \
         assetMaterializations {{ assetKey {{ path }} timestamp runId partition metadataEntries {{ __typename label \
           ... on TextMetadataEntry {{ text }} ... on IntMetadataEntry {{ intValue }} \
           ... on FloatMetadataEntry {{ floatValue }} ... on BoolMetadataEntry {{ boolValue }} \
           ... on UrlMetadataEntry {{ url }} ... on PathMetadataEntry {{ path }} \
           ... on JsonMetadataEntry {{ jsonString }} ... on MarkdownMetadataEntry {{ mdStr }} }} }} }} \
         ... on RunNotFoundError {{ message }} {PYTHON_ERROR} }} }}"
    )
}

pub fn log_page_query() -> String {
    format!(
        "query JrLogPage($id: ID!, $after: String) {{ logsForRun(runId: $id, afterCursor: $after, limit: 1000) {{ \
         __typename ... on EventConnection {{ cursor hasMore events {{ __typename \
           ... on MessageEvent {{ message stepKey }} \
           ... on ExecutionStepFailureEvent {{ error {{ message cause {{ message }} }} }} }} }} \
         ... on RunNotFoundError {{ message }} {PYTHON_ERROR} }} }}"
    )
}

/// A run that has ended, with what it produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub run: RunInfo,
    pub phase: Phase,
    /// One line per materialized asset (`key: k=v, ...`), or the log's tail.
    pub output: String,
    /// The first step failure's error, if a step failed.
    pub failure: Option<String>,
}

/// `key: label=value, ...` for each materialization.
pub fn materialized_lines(mats: &Value) -> Vec<String> {
    mats.as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let key = m["assetKey"]["path"]
                .as_array()
                .map(|p| {
                    p.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("/")
                })
                .unwrap_or_default();
            let meta: Vec<String> = materialization(m)
                .metadata
                .iter()
                .map(|(k, v)| match v.as_str() {
                    Some(s) => format!("{k}={s}"),
                    None => format!("{k}={v}"),
                })
                .collect();
            match (meta.is_empty(), m["partition"].as_str()) {
                (true, None) => format!("{key}: materialized"),
                (true, Some(p)) => format!("{key} [{p}]: materialized"),
                (false, None) => format!("{key}: {}", meta.join(", ")),
                (false, Some(p)) => format!("{key} [{p}]: {}", meta.join(", ")),
            }
        })
        .collect()
}

impl Client {
    /// The run's outcome once it has ended; None while it is still going.
    pub async fn outcome(&self, id: &str) -> Result<Option<Outcome>, DagsterError> {
        let data = self.query(&outcome_query(), json!({"id": id})).await?;
        let v = &data["runOrError"];
        let run = run_or_error(v, id)?;
        let ph = phase(&run.status);
        if ph == Phase::Active {
            return Ok(None);
        }
        let mut lines = materialized_lines(&v["assetMaterializations"]);
        let mut failure = None;
        if lines.is_empty() || ph != Phase::Success {
            let (tail, f) = self.log_tail(id).await?;
            failure = f;
            if lines.is_empty() {
                lines = tail;
            }
        }
        Ok(Some(Outcome {
            run,
            phase: ph,
            output: lines.join("\n"),
            failure,
        }))
    }

    /// The last log messages of a run (its first pages, up to a bound),
    /// and the first step failure's error.
    async fn log_tail(&self, id: &str) -> Result<(Vec<String>, Option<String>), DagsterError> {
        let mut after: Option<String> = None;
        let mut tail: Vec<String> = Vec::new();
        let mut failure: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let data = self
                .query(&log_page_query(), json!({"id": id, "after": after}))
                .await?;
            let c = &data["logsForRun"];
            if typed(c, "read the run's log")? != "EventConnection" {
                break;
            }
            for e in c["events"].as_array().into_iter().flatten() {
                if failure.is_none() && e["__typename"] == "ExecutionStepFailureEvent" {
                    let err = &e["error"];
                    failure = err["cause"]["message"]
                        .as_str()
                        .or(err["message"].as_str())
                        .map(|m| m.trim().to_string());
                }
                if let Some(m) = e["message"].as_str().filter(|m| !m.trim().is_empty()) {
                    let line = match e["stepKey"].as_str() {
                        Some(s) => format!("{s}: {m}"),
                        None => m.to_string(),
                    };
                    tail.push(line);
                }
            }
            if tail.len() > TAIL {
                tail.drain(..tail.len() - TAIL);
            }
            after = c["cursor"].as_str().map(str::to_string);
            if c["hasMore"].as_bool() != Some(true) {
                break;
            }
        }
        Ok((tail, failure))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn materializations_read_as_one_line_each() {
        let lines = materialized_lines(&json!([
            {"assetKey": {"path": ["a", "b"]}, "metadataEntries": [
                {"__typename": "IntMetadataEntry", "label": "rows", "intValue": 3},
                {"__typename": "UrlMetadataEntry", "label": "url", "url": "http://x/y"}]},
            {"assetKey": {"path": ["p"]}, "partition": "kr", "metadataEntries": []}
        ]));
        assert_eq!(
            lines,
            ["a/b: rows=3, url=http://x/y", "p [kr]: materialized"]
        );
    }
}
