//! Materializing assets: a selection checked before anything is launched
//! (keys exist, one code location, partitions given exactly when needed),
//! then `launchRun` with an `assetSelection` on the implicit asset job; and
//! `Target`, the one launch path for a job or a selection.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Client;
use super::api::PYTHON_ERROR;
use super::assets::{joined, key_path};
use super::error::{DagsterError, Kind};
use super::parse::typed;

/// The implicit job every asset selection runs in.
pub const ASSET_JOB: &str = "__ASSET_JOB";

pub fn materialize_query() -> String {
    format!(
        "mutation JrMaterialize($params: ExecutionParams!) {{ launchRun(executionParams: $params) {{ \
         __typename ... on LaunchRunSuccess {{ run {{ runId status }} }} \
         ... on RunConfigValidationInvalid {{ errors {{ message reason stack {{ entries {{ __typename \
           ... on EvaluationStackPathEntry {{ fieldName }} ... on EvaluationStackListItemEntry {{ listIndex }} \
           ... on EvaluationStackMapKeyEntry {{ mapKey }} ... on EvaluationStackMapValueEntry {{ mapKey }} }} }} }} }} \
         ... on PipelineNotFoundError {{ message }} ... on InvalidSubsetError {{ message }} \
         ... on RunConflict {{ message }} ... on ConflictingExecutionParamsError {{ message }} \
         ... on UnauthorizedError {{ message }} {PYTHON_ERROR} }} }}"
    )
}

/// What to materialize: keys of one code location and repository.
#[derive(Debug, Clone)]
pub struct Selection {
    pub location: String,
    pub repository: String,
    pub keys: Vec<String>,
}

impl Selection {
    pub fn describe(&self) -> String {
        format!("{} in {}", self.keys.join(", "), self.location)
    }
}

/// What a launch starts: a job, or a selection of assets.
#[derive(Debug, Clone)]
pub enum Target {
    Job(super::types::JobRef),
    Assets(Selection),
}

impl Target {
    pub fn describe(&self) -> String {
        match self {
            Target::Job(j) => j.path(),
            Target::Assets(s) => format!("assets {}", s.describe()),
        }
    }
}

pub fn keys_query() -> String {
    "query JrAssetKeys { assetNodes { assetKey { path } isPartitioned isMaterializable \
     repository { name location { name } } } }"
        .to_string()
}

pub fn partition_keys_query() -> String {
    "query JrAssetPartitions($keys: [AssetKeyInput!]!) { assetNodes(assetKeys: $keys) { \
     assetKey { path } partitionKeys } }"
        .to_string()
}

/// Up to three keys close to `key`, for "did you mean".
fn close_keys(key: &str, all: &[String]) -> Vec<String> {
    let mut scored: Vec<(f64, &String)> = all
        .iter()
        .map(|k| (strsim::jaro_winkler(key, k), k))
        .filter(|(s, k)| *s > 0.8 || k.contains(key))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(3).map(|(_, k)| k.clone()).collect()
}

fn refuse(msg: String, hint: &str) -> DagsterError {
    DagsterError::new(Kind::NotFound, msg).hint(hint.to_string())
}

impl Client {
    /// Check a selection before launching it: every key exists and can be
    /// materialized, all in one code location, and a partition is given
    /// exactly when the assets are partitioned, and is one of theirs.
    pub async fn selection(
        &self,
        keys: &[String],
        partition: Option<&str>,
    ) -> Result<Selection, DagsterError> {
        let data = self.query(&keys_query(), json!({})).await?;
        let nodes: Vec<&Value> = data["assetNodes"]
            .as_array()
            .into_iter()
            .flatten()
            .collect();
        let all: Vec<String> = nodes.iter().map(|n| joined(&n["assetKey"])).collect();
        let mut sel: Option<Selection> = None;
        let mut partitioned = Vec::new();
        let mut plain = Vec::new();
        for k in keys {
            let key = key_path(k).join("/");
            let Some(n) = nodes.iter().find(|n| joined(&n["assetKey"]) == key) else {
                let close = close_keys(&key, &all);
                let hint = if close.is_empty() {
                    "`jr dagster assets` lists them; new code appears after `jr dagster reload LOCATION`".to_string()
                } else {
                    format!("did you mean {}?", close.join(", "))
                };
                return Err(refuse(format!("Dagster has no asset {k:?}"), &hint));
            };
            if n["isMaterializable"].as_bool() == Some(false) {
                return Err(refuse(
                    format!(
                        "the asset {key} cannot be materialized (it is external or observable only)"
                    ),
                    "materialize the assets that compute it",
                ));
            }
            let loc = n["repository"]["location"]["name"]
                .as_str()
                .unwrap_or("")
                .to_string();
            let repo = n["repository"]["name"].as_str().unwrap_or("").to_string();
            match &mut sel {
                None => {
                    sel = Some(Selection {
                        location: loc,
                        repository: repo,
                        keys: vec![key.clone()],
                    })
                }
                Some(s) if s.location == loc && s.repository == repo => {
                    if !s.keys.contains(&key) {
                        s.keys.push(key.clone())
                    }
                }
                Some(s) => {
                    return Err(refuse(
                        format!(
                            "{key} is in {loc}, {} in {}: one run materializes one code location",
                            s.keys[0], s.location
                        ),
                        "materialize each location's assets on their own",
                    ));
                }
            }
            if n["isPartitioned"].as_bool() == Some(true) {
                partitioned.push(key);
            } else {
                plain.push(key);
            }
        }
        let sel =
            sel.ok_or_else(|| refuse("no asset keys given".into(), "name at least one asset"))?;
        match (partition, partitioned.is_empty()) {
            (Some(p), true) => {
                return Err(refuse(
                    format!(
                        "--partition {p:?} given, but {} is not partitioned",
                        plain.join(", ")
                    ),
                    "leave out --partition",
                ));
            }
            (None, false) => {
                return Err(refuse(
                    format!(
                        "{} is partitioned: say which partition",
                        partitioned.join(", ")
                    ),
                    "add --partition KEY (`jr dagster asset KEY` shows how many there are)",
                ));
            }
            (Some(_), false) if !plain.is_empty() => {
                return Err(refuse(
                    format!(
                        "{} is partitioned and {} is not: they cannot run as one selection",
                        partitioned.join(", "),
                        plain.join(", ")
                    ),
                    "materialize them separately",
                ));
            }
            (Some(p), false) => {
                let vars = json!({"keys": partitioned.iter().map(|k| json!({"path": key_path(k)})).collect::<Vec<_>>()});
                let data = self.query(&partition_keys_query(), vars).await?;
                for n in data["assetNodes"].as_array().into_iter().flatten() {
                    let known: Vec<&str> = n["partitionKeys"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    if !known.contains(&p) {
                        let some: Vec<&str> = known.iter().take(5).copied().collect();
                        return Err(refuse(
                            format!("{} has no partition {p:?}", joined(&n["assetKey"])),
                            &format!(
                                "its partitions include {}{}",
                                some.join(", "),
                                if known.len() > 5 { ", ..." } else { "" }
                            ),
                        ));
                    }
                }
            }
            (None, true) => {}
        }
        Ok(sel)
    }

    /// Launch `target` (a partition only for assets); the new run's id.
    pub async fn launch_target(
        &self,
        target: &Target,
        partition: Option<&str>,
        config: Option<&Value>,
        tags: &BTreeMap<String, String>,
    ) -> Result<String, DagsterError> {
        match target {
            Target::Job(j) => self.launch(j, config, tags).await,
            Target::Assets(s) => self.materialize(s, partition, config, tags).await,
        }
    }

    /// Launch a run materializing `sel` (one partition, run config and tags
    /// optional); the new run's id.
    pub async fn materialize(
        &self,
        sel: &Selection,
        partition: Option<&str>,
        config: Option<&Value>,
        tags: &BTreeMap<String, String>,
    ) -> Result<String, DagsterError> {
        let mut tags = tags.clone();
        if let Some(p) = partition {
            tags.insert("dagster/partition".into(), p.to_string());
        }
        let tags: Vec<Value> = tags
            .iter()
            .map(|(k, v)| json!({"key": k, "value": v}))
            .collect();
        let selection: Vec<Value> = sel
            .keys
            .iter()
            .map(|k| json!({"path": key_path(k)}))
            .collect();
        let mut params = json!({
            "selector": {
                "repositoryLocationName": sel.location,
                "repositoryName": sel.repository,
                "jobName": ASSET_JOB,
                "assetSelection": selection,
            },
            "executionMetadata": {"tags": tags},
        });
        if let Some(c) = config {
            params["runConfigData"] = c.clone();
        }
        let data = self
            .query(&materialize_query(), json!({"params": params}))
            .await?;
        let v = &data["launchRun"];
        let what = format!("materialize {}", sel.describe());
        match typed(v, &what)? {
            "LaunchRunSuccess" => Ok(v["run"]["runId"].as_str().unwrap_or("").to_string()),
            "RunConfigValidationInvalid" => {
                let lines: Vec<String> = super::parse::config_errors(v)
                    .iter()
                    .map(|e| format!("  at {}: {}", e.path, e.message))
                    .collect();
                Err(DagsterError::new(
                    Kind::InvalidConfig,
                    format!("the run config does not fit {what}:\n{}", lines.join("\n")),
                )
                .hint("give the run config with --run-config (FILE, JSON or YAML)"))
            }
            "InvalidSubsetError" | "PipelineNotFoundError" => Err(DagsterError::new(
                Kind::NotFound,
                format!(
                    "Dagster cannot {what}: {}",
                    v["message"].as_str().unwrap_or("").trim()
                ),
            )
            .hint("`jr dagster assets` lists the keys; assets of different partitionings cannot run in one selection")),
            t => Err(DagsterError::new(
                Kind::Unexpected,
                format!(
                    "Dagster answered {t} to {what}: {}",
                    v["message"].as_str().unwrap_or("").trim()
                ),
            )),
        }
    }
}
