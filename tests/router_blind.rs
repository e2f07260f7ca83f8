//! The blind sets: written against tests/fixtures/router_blind_world.json
//! (the world of the writer's WORLD.md) by someone who had not read the
//! rules. Scored with no model: single messages on route and target,
//! two-turn conversations on every turn, and nothing forbidden carried out.
//! Labels are kept as written, even where we disagree (see the README).

mod router_world;

use router_world::{World, assert_conversations, assert_singles, jsonl};

fn world() -> World {
    serde_json::from_str(include_str!("fixtures/router_blind_world.json")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blind_singles() {
    let text = include_str!("fixtures/router_blind.jsonl");
    assert_singles("blind singles", &world(), text, 95.0).await;
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
    assert_conversations("blind conversations", &world(), &convs).await;
}
