//! The token table behind `jr mcp --print-tools --count` (src/mcp/tokens.json)
//! is the real cl100k_base count of this version's tool descriptions: this
//! test counts them with tiktoken-rs and fails when the table is stale.
//! Regenerate with `JR_UPDATE_TOKENS=1 cargo test --test mcp_tokens`.

use jr::mcp::{count_tokens, groups, tool_list};
use serde_json::{Value, json};

fn bpe() -> tiktoken_rs::CoreBPE {
    tiktoken_rs::cl100k_base().expect("the cl100k table ships in tiktoken-rs")
}

fn tokens(bpe: &tiktoken_rs::CoreBPE, text: &str) -> usize {
    bpe.encode_with_special_tokens(text).len()
}

/// The table as it should be: each tool's JSON counted alone, the empty
/// list's framing, and what joining two tools adds (fitted on every tool).
fn counted() -> Value {
    let bpe = bpe();
    let all = tool_list(&groups::all()).unwrap();
    let tools = all["tools"].as_array().unwrap();
    let mut each = serde_json::Map::new();
    for t in tools {
        each.insert(
            t["name"].as_str().unwrap().to_string(),
            json!(tokens(&bpe, &t.to_string())),
        );
    }
    let frame = tokens(&bpe, &json!({"tools": []}).to_string());
    let sum: usize = each.values().map(|v| v.as_u64().unwrap() as usize).sum();
    let whole = tokens(&bpe, &all.to_string());
    let join = (whole.saturating_sub(frame + sum) as f64 / (tools.len() - 1) as f64).round();
    json!({"frame": frame, "join": join as usize, "tools": each})
}

#[test]
fn the_token_table_is_current_and_close_to_a_real_count() {
    let want = counted();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/mcp/tokens.json");
    if std::env::var_os("JR_UPDATE_TOKENS").is_some() {
        // The binary under test was built with the old table: write the new
        // one; the next run (rebuilt) checks it.
        std::fs::write(path, serde_json::to_string_pretty(&want).unwrap() + "\n").unwrap();
        return;
    }
    let have: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(
        have, want,
        "src/mcp/tokens.json is stale: run JR_UPDATE_TOKENS=1 cargo test --test mcp_tokens"
    );
    // The estimate of every set a user can choose stays within 1 % (and a
    // few tokens) of counting the whole list at once.
    let bpe = bpe();
    let mut sets: Vec<Vec<String>> = groups::all().into_iter().map(|g| vec![g]).collect();
    sets.push(groups::DEFAULT.iter().map(|g| g.to_string()).collect());
    sets.push(groups::all());
    for set in sets {
        let list = tool_list(&set).unwrap();
        let real = tokens(&bpe, &list.to_string());
        let estimate = count_tokens(&list);
        let off = real.abs_diff(estimate);
        assert!(
            off <= 3 || off * 100 <= real,
            "{set:?}: estimated {estimate}, counted {real}"
        );
    }
}
