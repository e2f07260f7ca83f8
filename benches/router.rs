//! The rules stage in-process: median time per decision over the labelled
//! set (target: under 1 ms). Run with `cargo bench --bench router`.

use std::time::Instant;

use jr::router::{Catalog, decide_without_model};

fn main() {
    let msgs: Vec<String> = include_str!("../tests/fixtures/router_labels.jsonl")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["text"].as_str().map(String::from))
        .collect();
    let catalog = Catalog {
        jobs: (0..200)
            .map(|i| format!("job-{i}"))
            .chain(["backup".into(), "daily-briefing".into()])
            .collect(),
        ..Default::default()
    };
    let mut per_msg = Vec::new();
    for m in &msgs {
        let mut times = Vec::new();
        for _ in 0..201 {
            let t = Instant::now();
            std::hint::black_box(decide_without_model(std::hint::black_box(m), &catalog));
            times.push(t.elapsed().as_nanos() as f64 / 1000.0);
        }
        times.sort_by(f64::total_cmp);
        per_msg.push(times[times.len() / 2]);
    }
    per_msg.sort_by(f64::total_cmp);
    println!(
        "rules stage, {} messages, 202 job names: median {:.1} µs, slowest message {:.1} µs",
        msgs.len(),
        per_msg[per_msg.len() / 2],
        per_msg[per_msg.len() - 1]
    );
}
