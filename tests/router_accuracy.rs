//! The labelled set (tests/fixtures/router_labels.jsonl: half Korean, every
//! route and the refusals) through the router with no model: the rules stage
//! and its fallback must route at least 90 % correctly. Prints the misses.

use jr::router::{Catalog, decide_without_model};

fn labels() -> Vec<(String, String)> {
    include_str!("fixtures/router_labels.jsonl")
        .lines()
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

pub fn catalog() -> Catalog {
    Catalog {
        jobs: vec![
            "backup".into(),
            "daily-briefing".into(),
            "knowledge-cards".into(),
            "report-mailer".into(),
        ],
    }
}

#[test]
fn rules_stage_routes_at_least_90_percent() {
    let set = labels();
    assert!(set.len() >= 60);
    let cat = catalog();
    let mut misses = Vec::new();
    for (text, want) in &set {
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
    let accuracy = 1.0 - misses.len() as f64 / set.len() as f64;
    println!(
        "rules stage (no model): {:.1} % of {} messages",
        accuracy * 100.0,
        set.len()
    );
    for m in &misses {
        println!("{m}");
    }
    assert!(
        accuracy >= 0.9,
        "accuracy {:.1} %:\n{}",
        accuracy * 100.0,
        misses.join("\n")
    );
}
