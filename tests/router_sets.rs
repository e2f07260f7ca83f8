//! The labelled sets through the whole gateway on a real database (the world
//! of tests/fixtures/router_world.json), with no model: single messages right
//! on route and target, every conversation right turn by turn, and nothing
//! forbidden ever carried out.

mod router_world;

use router_world::{World, carried_out, conversations, jsonl, singles};

fn world() -> World {
    serde_json::from_str(include_str!("fixtures/router_world.json")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labelled_singles_route_and_target() {
    let lines = jsonl(include_str!("fixtures/router_labels.jsonl"));
    let s = singles(&world(), &lines).await;
    println!("labelled singles: {:.1} % of {}", s.percent(), s.total);
    for m in &s.misses {
        println!("  {m}");
    }
    assert!(s.percent() >= 97.0, "{}", s.misses.join("\n"));
    let texts: Vec<String> = lines
        .iter()
        .map(|l| l["text"].as_str().unwrap().to_string())
        .collect();
    let broke = carried_out(&world(), &texts).await;
    assert!(broke.is_empty(), "{broke:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labelled_conversations_every_turn() {
    let convs: Vec<(String, Vec<serde_json::Value>)> =
        jsonl(include_str!("fixtures/router_conversations.jsonl"))
            .into_iter()
            .map(|c| {
                (
                    c["id"].as_str().unwrap().to_string(),
                    c["turns"].as_array().unwrap().clone(),
                )
            })
            .collect();
    let (s, broke) = conversations(&world(), &convs).await;
    println!("labelled conversations: {} of {}", s.right, s.total);
    for m in &s.misses {
        println!("  {m}");
    }
    assert!(broke.is_empty(), "{broke:?}");
    assert_eq!(s.right, s.total, "{}", s.misses.join("\n"));
}
