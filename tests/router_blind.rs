//! The blind sets: written against tests/fixtures/router_blind_world.json
//! (the world of the writer's WORLD.md) by someone who had not read the
//! rules. Scored with no model: single messages on route and target,
//! two-turn conversations on every turn, and nothing forbidden carried out.
//! Labels are kept as written, even where we disagree (see the README).

mod router_world;

use router_world::{World, carried_out, conversations, jsonl, singles};

fn world() -> World {
    serde_json::from_str(include_str!("fixtures/router_blind_world.json")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blind_singles() {
    let lines = jsonl(include_str!("fixtures/router_blind.jsonl"));
    let s = singles(&world(), &lines).await;
    println!(
        "blind singles: {:.1} % of {} ({} right)",
        s.percent(),
        s.total,
        s.right
    );
    for m in &s.misses {
        println!("  {m}");
    }
    let texts: Vec<String> = lines
        .iter()
        .map(|l| l["text"].as_str().unwrap().to_string())
        .collect();
    let broke = carried_out(&world(), &texts).await;
    assert!(broke.is_empty(), "{broke:?}");
    assert!(s.percent() >= 95.0, "{}", s.misses.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blind_conversations() {
    let convs: Vec<(String, Vec<serde_json::Value>)> =
        jsonl(include_str!("fixtures/router_blind_conversations.jsonl"))
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                (
                    format!("blind-{}", i + 1),
                    c["turns"].as_array().unwrap().clone(),
                )
            })
            .collect();
    let (s, broke) = conversations(&world(), &convs).await;
    println!("blind conversations: {} of {} right", s.right, s.total);
    for m in &s.misses {
        println!("  {m}");
    }
    assert!(broke.is_empty(), "{broke:?}");
    assert_eq!(s.right, s.total, "{}", s.misses.join("\n"));
}
