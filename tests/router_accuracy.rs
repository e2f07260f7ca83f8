//! The labelled sets through the router with no model. The rules stage and
//! its fallback must route at least 90 % of tests/fixtures/router_labels.jsonl
//! (half Korean, every route and the refusals). router_heldout.jsonl was
//! written blind, by someone who had not read the rules: its figure is the
//! honest one. Both print their misses.

use jr::router::{AgentInfo, Catalog, decide_without_model};

fn parse(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["text"].as_str().unwrap().to_string(),
                v["route"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The jobs and agents of tests/fixtures/router_world.json.
pub fn catalog() -> Catalog {
    let w: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/router_world.json")).unwrap();
    Catalog {
        jobs: w["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["name"].as_str().unwrap().to_string())
            .collect(),
        agents: w["agents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| AgentInfo {
                name: a["name"].as_str().unwrap().into(),
                description: a["description"].as_str().unwrap().into(),
            })
            .collect(),
        ..Default::default()
    }
}

/// Accuracy over a set, and the misses.
fn score(set: &[(String, String)]) -> (f64, Vec<String>) {
    let cat = catalog();
    let mut misses = Vec::new();
    for (text, want) in set {
        let d = decide_without_model(text, &cat);
        if d.route.as_str() != want {
            misses.push(format!(
                "  {text:?}: want {want}, got {} ({} via {:?})",
                d.route.as_str(),
                d.intent.name(),
                d.via
            ));
        }
    }
    (1.0 - misses.len() as f64 / set.len() as f64, misses)
}

fn report(name: &str, set: &[(String, String)], floor: f64) {
    let (accuracy, misses) = score(set);
    println!(
        "rules stage (no model), {name}: {:.1} % of {} messages",
        accuracy * 100.0,
        set.len()
    );
    for m in &misses {
        println!("{m}");
    }
    assert!(
        accuracy >= floor,
        "{name}: accuracy {:.1} %:\n{}",
        accuracy * 100.0,
        misses.join("\n")
    );
}

#[test]
fn rules_stage_routes_at_least_90_percent() {
    let set = parse(include_str!("fixtures/router_labels.jsonl"));
    assert!(set.len() >= 60);
    report("labelled set", &set, 0.9);
}

#[test]
fn rules_stage_on_the_blind_heldout_set() {
    let set = parse(include_str!("fixtures/router_heldout.jsonl"));
    assert!(set.len() >= 60);
    report("held-out set", &set, 0.9);
}
