//! The labelled sets through the whole gateway on a real database (the world
//! of tests/fixtures/router_world.json), with no model: single messages right
//! on route and target, every conversation right turn by turn, and nothing
//! forbidden ever carried out.

mod router_world;

use router_world::{World, assert_conversations, assert_singles, jsonl};

fn world() -> World {
    serde_json::from_str(include_str!("fixtures/router_world.json")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labelled_singles_route_and_target() {
    let text = include_str!("fixtures/router_labels.jsonl");
    assert_singles("labelled singles", &world(), text, 97.0).await;
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
    assert_conversations("labelled conversations", &world(), &convs).await;
}
