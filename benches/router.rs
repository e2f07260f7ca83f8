//! The rules stage in-process: median time per decision over the labelled
//! and blind sets (target: under 1 ms), with 202 jobs, 500 task titles, 3
//! agents and a conversation that showed five items. Run with
//! `cargo bench --bench router`.

use std::time::Instant;

use jr::router::{AgentInfo, Catalog, Convo, Target, TaskInfo, decide_in};

fn main() {
    let msgs: Vec<String> = [
        include_str!("../tests/fixtures/router_labels.jsonl"),
        include_str!("../tests/fixtures/router_blind.jsonl"),
    ]
    .iter()
    .flat_map(|f| f.lines())
    .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
    .filter_map(|v| v["text"].as_str().map(String::from))
    // JR_BENCH_ONLY=TEXT: only the messages containing TEXT (for a profiler).
    .filter(|m| {
        std::env::var("JR_BENCH_ONLY").is_ok_and(|o| m.contains(&o))
            || std::env::var("JR_BENCH_ONLY").is_err()
    })
    .collect();
    let catalog = Catalog {
        jobs: (0..200)
            .map(|i| format!("job-{i}"))
            .chain(["backup".into(), "daily-briefing".into()])
            .collect(),
        agents: ["summarizer", "code-reviewer", "translator"]
            .iter()
            .map(|n| AgentInfo {
                name: n.to_string(),
                description: format!("{n} does small jobs"),
            })
            .collect(),
        tasks: (1..=500)
            .map(|id| TaskInfo {
                id,
                title: format!("작업 {id} write the report for week {id}"),
            })
            .collect(),
    };
    let convo = Convo {
        shown: (1..=5).map(|id| Target::Task { id }).collect(),
        last: Some(Target::Task { id: 1 }),
        previous_reply: None,
    };
    // `cargo test --all-targets` runs this too (debug, no `--bench`): decide
    // each message once, as a smoke test, and leave timing to `cargo bench`.
    let rounds = if std::env::args().any(|a| a == "--bench") {
        201
    } else {
        1
    };
    let mut per_msg: Vec<(f64, &String)> = Vec::new();
    for m in &msgs {
        let mut times = Vec::new();
        for _ in 0..rounds {
            let t = Instant::now();
            std::hint::black_box(decide_in(std::hint::black_box(m), &catalog, &convo));
            times.push(t.elapsed().as_nanos() as f64 / 1000.0);
        }
        times.sort_by(f64::total_cmp);
        per_msg.push((times[times.len() / 2], m));
    }
    per_msg.sort_by(|a, b| a.0.total_cmp(&b.0));
    if rounds == 1 {
        println!(
            "rules stage: {} messages decided once (timings: cargo bench --bench router)",
            msgs.len()
        );
        return;
    }
    println!(
        "rules stage, {} messages, 202 jobs, 500 tasks, 3 agents: median {:.1} µs, slowest message {:.1} µs",
        msgs.len(),
        per_msg[per_msg.len() / 2].0,
        per_msg[per_msg.len() - 1].0
    );
    for (t, m) in per_msg.iter().rev().take(3) {
        println!("  {t:>8.1} µs  {m}");
    }
}
