//! Dagster assets over GraphQL: every asset with its group, location,
//! kinds, staleness, partitions, checks and last materialization (two round
//! trips: the nodes, then the latest info for their keys); one asset with
//! its lineage and recent materializations. Materializing is in
//! `materialize.rs`.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use super::Client;
use super::error::{DagsterError, Kind};

/// Fields of an asset node shared by the list and the single asset.
const NODE_FIELDS: &str = "assetKey { path } groupName computeKind kinds description \
    isPartitioned isMaterializable repository { name location { name } } \
    partitionStats { numMaterialized numPartitions numFailed numMaterializing } staleStatus \
    assetChecksOrError { __typename ... on AssetChecks { checks { name \
      executionForLatestMaterialization { status runId timestamp } } } } \
    dependencyKeys { path } dependedByKeys { path }";

pub fn nodes_query() -> String {
    format!("query JrAssets {{ assetNodes {{ {NODE_FIELDS} }} }}")
}

pub fn latest_query() -> String {
    "query JrAssetsLatest($keys: [AssetKeyInput!]!) { assetsLatestInfo(assetKeys: $keys) { \
     assetKey { path } latestMaterialization { timestamp runId } \
     latestRun { runId status startTime endTime } } }"
        .to_string()
}

pub fn detail_query() -> String {
    format!(
        "query JrAsset($keys: [AssetKeyInput!]!, $limit: Int) {{ assetNodes(assetKeys: $keys) {{ \
         {NODE_FIELDS} assetMaterializations(limit: $limit) {{ timestamp runId partition \
         metadataEntries {{ __typename label \
           ... on TextMetadataEntry {{ text }} ... on IntMetadataEntry {{ intValue }} \
           ... on FloatMetadataEntry {{ floatValue }} ... on BoolMetadataEntry {{ boolValue }} \
           ... on UrlMetadataEntry {{ url }} ... on PathMetadataEntry {{ path }} \
           ... on JsonMetadataEntry {{ jsonString }} ... on MarkdownMetadataEntry {{ mdStr }} }} }} }} }}"
    )
}

/// An asset as `jr dagster assets --json` shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Asset {
    /// The key's path joined with `/`.
    pub key: String,
    pub group: String,
    pub location: String,
    pub repository: String,
    /// The compute kind and the asset's kinds (`python`, `dbt`, ...).
    pub kinds: Vec<String>,
    pub description: Option<String>,
    pub last_materialization: Option<LastMaterialization>,
    /// `fresh`, `stale`, `missing` (never materialized) or `unknown`.
    pub stale: String,
    pub partitions: Option<Partitions>,
    pub checks: Checks,
    #[serde(skip)]
    pub upstream: Vec<String>,
    #[serde(skip)]
    pub downstream: Vec<String>,
    #[serde(skip)]
    pub materializable: bool,
}

/// The newest attempt at an asset: its last materialization, or a newer
/// run that failed or is still going.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LastMaterialization {
    #[serde(with = "crate::domain::rfc3339::option")]
    pub time: Option<DateTime<Utc>>,
    pub run_id: String,
    /// Dagster's run status for a run that has not materialized it (yet),
    /// else `SUCCESS`.
    pub status: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Partitions {
    pub count: i64,
    pub materialized: i64,
    pub failed: i64,
    pub in_progress: i64,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Checks {
    pub passed: usize,
    pub failed: usize,
    /// Each check with its latest result (`SUCCEEDED`, `FAILED`,
    /// `IN_PROGRESS`, ... or null when it never ran).
    pub items: Vec<CheckResult>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CheckResult {
    pub name: String,
    pub status: Option<String>,
    pub run_id: Option<String>,
}

/// One materialization with its metadata.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Materialization {
    #[serde(with = "crate::domain::rfc3339::option")]
    pub time: Option<DateTime<Utc>>,
    pub run_id: String,
    pub partition: Option<String>,
    pub metadata: BTreeMap<String, Value>,
}

/// `jr dagster asset KEY --json`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AssetDetail {
    #[serde(flatten)]
    pub asset: Asset,
    pub upstream: Vec<String>,
    pub downstream: Vec<String>,
    pub materializations: Vec<Materialization>,
}

/// `a/b` → `["a", "b"]`; also takes a JSON-ish `["a","b"]`.
pub fn key_path(key: &str) -> Vec<String> {
    let k = key.trim();
    if let Ok(v) = serde_json::from_str::<Vec<String>>(k) {
        return v;
    }
    k.split('/')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

pub(super) fn joined(v: &Value) -> String {
    v["path"]
        .as_array()
        .map(|p| {
            p.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_default()
}

fn keys(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(joined).collect())
        .unwrap_or_default()
}

/// Dagster's timestamps: event times are strings of epoch milliseconds,
/// run times float seconds.
fn seconds(v: &Value) -> Option<DateTime<Utc>> {
    let n = match v {
        Value::String(s) => s.parse::<f64>().ok()?,
        Value::Number(n) => n.as_f64()?,
        _ => return None,
    };
    let ms = if n > 1e11 { n } else { n * 1000.0 };
    if !ms.is_finite() {
        return None;
    }
    Utc.timestamp_millis_opt(ms as i64).single()
}

/// One node of `assetNodes`.
pub fn node(v: &Value) -> Result<Asset, DagsterError> {
    let mut kinds: Vec<String> = v["computeKind"]
        .as_str()
        .map(str::to_string)
        .into_iter()
        .collect();
    for k in v["kinds"].as_array().into_iter().flatten() {
        if let Some(k) = k.as_str()
            && !kinds.iter().any(|x| x == k)
        {
            kinds.push(k.to_string());
        }
    }
    let checks = match v["assetChecksOrError"]["__typename"].as_str() {
        Some("AssetChecks") | None => {
            let items: Vec<CheckResult> = v["assetChecksOrError"]["checks"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    let e = &c["executionForLatestMaterialization"];
                    CheckResult {
                        name: c["name"].as_str().unwrap_or("").to_string(),
                        status: e["status"].as_str().map(str::to_string),
                        run_id: e["runId"].as_str().map(str::to_string),
                    }
                })
                .collect();
            Checks {
                passed: items
                    .iter()
                    .filter(|c| c.status.as_deref() == Some("SUCCEEDED"))
                    .count(),
                failed: items
                    .iter()
                    .filter(|c| matches!(c.status.as_deref(), Some("FAILED" | "EXECUTION_FAILED")))
                    .count(),
                items,
            }
        }
        // Checks the instance cannot read (an older agent): none listed.
        Some(_) => Checks::default(),
    };
    let p = &v["partitionStats"];
    let partitions = (v["isPartitioned"].as_bool() == Some(true)).then(|| Partitions {
        count: p["numPartitions"].as_i64().unwrap_or(0),
        materialized: p["numMaterialized"].as_i64().unwrap_or(0),
        failed: p["numFailed"].as_i64().unwrap_or(0),
        in_progress: p["numMaterializing"].as_i64().unwrap_or(0),
    });
    let key = joined(&v["assetKey"]);
    if key.is_empty() {
        return Err(DagsterError::new(
            Kind::Unexpected,
            "Dagster listed an asset without a key",
        ));
    }
    Ok(Asset {
        key,
        group: v["groupName"].as_str().unwrap_or("default").to_string(),
        location: v["repository"]["location"]["name"]
            .as_str()
            .unwrap_or("")
            .to_string(),
        repository: v["repository"]["name"].as_str().unwrap_or("").to_string(),
        kinds,
        description: v["description"]
            .as_str()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        last_materialization: None,
        stale: v["staleStatus"]
            .as_str()
            .unwrap_or("unknown")
            .to_lowercase(),
        partitions,
        checks,
        upstream: keys(&v["dependencyKeys"]),
        downstream: keys(&v["dependedByKeys"]),
        materializable: v["isMaterializable"].as_bool().unwrap_or(true),
    })
}

/// `assetsLatestInfo` folded into the assets: the last materialization,
/// unless a newer run of the asset has not (yet) materialized it.
pub fn apply_latest(assets: &mut [Asset], latest: &Value) {
    let by_key: BTreeMap<String, &Value> = latest
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| (joined(&l["assetKey"]), l))
        .collect();
    for a in assets {
        let Some(l) = by_key.get(&a.key) else {
            continue;
        };
        let m = &l["latestMaterialization"];
        let r = &l["latestRun"];
        let mat_run = m["runId"].as_str();
        a.last_materialization = match (mat_run, r["runId"].as_str()) {
            (Some(mr), Some(rr)) if mr != rr => Some(LastMaterialization {
                time: seconds(&r["endTime"]).or_else(|| seconds(&r["startTime"])),
                run_id: rr.to_string(),
                status: r["status"].as_str().unwrap_or("UNKNOWN").to_string(),
            }),
            (Some(mr), _) => Some(LastMaterialization {
                time: seconds(&m["timestamp"]),
                run_id: mr.to_string(),
                status: "SUCCESS".into(),
            }),
            (None, Some(rr)) => Some(LastMaterialization {
                time: seconds(&r["endTime"]).or_else(|| seconds(&r["startTime"])),
                run_id: rr.to_string(),
                status: r["status"].as_str().unwrap_or("UNKNOWN").to_string(),
            }),
            (None, None) => None,
        };
    }
}

/// A materialization event with its metadata as plain JSON values.
pub fn materialization(v: &Value) -> Materialization {
    let mut metadata = BTreeMap::new();
    for e in v["metadataEntries"].as_array().into_iter().flatten() {
        let Some(label) = e["label"].as_str() else {
            continue;
        };
        let value = [
            "text",
            "intValue",
            "floatValue",
            "boolValue",
            "url",
            "path",
            "mdStr",
        ]
        .iter()
        .map(|f| &e[*f])
        .find(|x| !x.is_null())
        .cloned()
        .or_else(|| {
            e["jsonString"]
                .as_str()
                .map(|s| serde_json::from_str(s).unwrap_or_else(|_| json!(s)))
        })
        .unwrap_or_else(|| json!(e["__typename"].as_str().unwrap_or("?")));
        metadata.insert(label.to_string(), value);
    }
    Materialization {
        time: seconds(&v["timestamp"]),
        run_id: v["runId"].as_str().unwrap_or("").to_string(),
        partition: v["partition"].as_str().map(str::to_string),
        metadata,
    }
}

impl Client {
    /// Every asset, with its latest materialization or failed attempt.
    pub async fn assets(&self) -> Result<Vec<Asset>, DagsterError> {
        let data = self.query(&nodes_query(), json!({})).await?;
        let mut assets = data["assetNodes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(node)
            .collect::<Result<Vec<_>, _>>()?;
        if assets.is_empty() {
            return Ok(assets);
        }
        let keys: Vec<Value> = assets
            .iter()
            .map(|a| json!({"path": key_path(&a.key)}))
            .collect();
        let latest = self.query(&latest_query(), json!({"keys": keys})).await?;
        apply_latest(&mut assets, &latest["assetsLatestInfo"]);
        Ok(assets)
    }

    /// One asset by key, with lineage and its newest `limit` materializations.
    pub async fn asset(&self, key: &str, limit: usize) -> Result<AssetDetail, DagsterError> {
        let path = key_path(key);
        let vars = json!({"keys": [{"path": path}], "limit": limit.max(1)});
        let data = self.query(&detail_query(), vars).await?;
        let Some(v) = data["assetNodes"].as_array().and_then(|a| a.first()) else {
            return Err(DagsterError::new(
                Kind::NotFound,
                format!("Dagster has no asset {key:?}"),
            )
            .hint("`jr dagster assets` lists them; after changing the code, `jr dagster reload LOCATION`"));
        };
        let mut asset = node(v)?;
        let latest = self
            .query(
                &latest_query(),
                json!({"keys": [{"path": key_path(&asset.key)}]}),
            )
            .await?;
        apply_latest(
            std::slice::from_mut(&mut asset),
            &latest["assetsLatestInfo"],
        );
        let materializations = v["assetMaterializations"]
            .as_array()
            .into_iter()
            .flatten()
            .map(materialization)
            .collect();
        Ok(AssetDetail {
            upstream: asset.upstream.clone(),
            downstream: asset.downstream.clone(),
            asset,
            materializations,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_paths_joined_by_slashes() {
        assert_eq!(key_path("a/b"), ["a", "b"]);
        assert_eq!(key_path(r#"["a","b/c"]"#), ["a", "b/c"]);
        assert_eq!(key_path("/x/"), ["x"]);
        assert!(key_path("").is_empty());
    }

    #[test]
    fn a_newer_failed_run_is_the_last_materialization_attempt() {
        let mut a = vec![
            node(&json!({"assetKey": {"path": ["x"]}, "groupName": "g", "staleStatus": "STALE",
                "repository": {"name": "__repository__", "location": {"name": "loc"}},
                "kinds": ["python"], "computeKind": "python", "isPartitioned": false,
                "assetChecksOrError": {"__typename": "AssetChecks", "checks": [
                    {"name": "c1", "executionForLatestMaterialization": {"status": "SUCCEEDED", "runId": "r1"}},
                    {"name": "c2", "executionForLatestMaterialization": {"status": "FAILED", "runId": "r1"}},
                    {"name": "c3", "executionForLatestMaterialization": null}]}}))
            .unwrap(),
        ];
        assert_eq!(a[0].kinds, ["python"]);
        assert_eq!((a[0].checks.passed, a[0].checks.failed), (1, 1));
        assert_eq!(a[0].stale, "stale");
        apply_latest(
            &mut a,
            &json!([{"assetKey": {"path": ["x"]},
                "latestMaterialization": {"timestamp": "1700000000000", "runId": "r1"},
                "latestRun": {"runId": "r2", "status": "FAILURE", "endTime": 1700000100.5}}]),
        );
        let l = a[0].last_materialization.clone().unwrap();
        assert_eq!((l.run_id.as_str(), l.status.as_str()), ("r2", "FAILURE"));
        assert_eq!(l.time.unwrap().timestamp_millis(), 1700000100500);
        apply_latest(
            &mut a,
            &json!([{"assetKey": {"path": ["x"]},
                "latestMaterialization": {"timestamp": "1700000000000", "runId": "r1"},
                "latestRun": {"runId": "r1", "status": "SUCCESS"}}]),
        );
        let l = a[0].last_materialization.clone().unwrap();
        assert_eq!(l.status, "SUCCESS");
        assert_eq!(l.time.unwrap().timestamp(), 1700000000);
    }

    #[test]
    fn metadata_keeps_its_values() {
        let m = materialization(&json!({"timestamp": "1700000000000", "runId": "r",
            "metadataEntries": [
                {"__typename": "IntMetadataEntry", "label": "rows", "intValue": 3},
                {"__typename": "UrlMetadataEntry", "label": "url", "url": "http://x"},
                {"__typename": "JsonMetadataEntry", "label": "j", "jsonString": "{\"a\":1}"},
                {"__typename": "TableMetadataEntry", "label": "t"}]}));
        assert_eq!(m.metadata["rows"], 3);
        assert_eq!(m.metadata["url"], "http://x");
        assert_eq!(m.metadata["j"]["a"], 1);
        assert_eq!(m.metadata["t"], "TableMetadataEntry");
    }
}
