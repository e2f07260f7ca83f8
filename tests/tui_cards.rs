//! Cards are corrected and deleted where they are shown: in the Cards pane
//! (`e` opens question and answer, Enter saves; `D` asks, `y` deletes),
//! driven headless against a real database file, and with `jr cards edit`
//! and `jr cards rm` from the CLI on the same file.

mod common;

use chrono::{TimeZone, Utc};
use jr::clock::Clock;
use jr::engine::Engine;
use jr::engine::cards::ProposedCard;
use jr::store::Store;
use jr::tui::headless::Headless;
use jr::tui::panes::cards::CardsPane;

fn engine(path: &std::path::Path) -> Engine {
    Engine::new(
        Store::open(path).unwrap(),
        Clock::Fixed(Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap()),
        "Asia/Seoul".parse().unwrap(),
    )
}

fn two_cards(e: &Engine) {
    let card = |q: &str, a: &str| ProposedCard {
        question: q.into(),
        answer: a.into(),
        source_ids: Vec::new(),
    };
    e.save_cards(
        "cards",
        None,
        &[
            card("SM-2에서 '4'는?", "good"),
            card(
                "What does data_version tell?",
                "That another connection committed.",
            ),
        ],
        &[],
        0,
    )
    .unwrap();
}

fn pane(h: &Headless) -> &CardsPane {
    h.app.pane_state().unwrap()
}

#[test]
fn the_cards_pane_edits_and_deletes_the_card_shown() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jr.db");
    two_cards(&engine(&path));
    let mut h = Headless::new(engine(&path), (100, 30));
    h.key("7");
    let first = pane(&h).current().unwrap().id;
    h.key("e");
    assert!(
        h.screen().contains(&format!("Edit card #{first}")),
        "{}",
        h.screen()
    );
    // Emptying the answer is refused in the form, which stays open.
    h.key("<Tab>");
    h.key("<C-u>");
    h.key("<Enter>");
    assert!(
        h.screen().contains("needs a question and an answer"),
        "{}",
        h.screen()
    );
    assert!(pane(&h).form.is_some());
    h.type_text("good: 기억해냄 (recalled)");
    h.key("<Enter>");
    assert!(pane(&h).form.is_none(), "{}", h.screen());
    assert!(
        h.screen().contains(&format!("saved card #{first}")),
        "{}",
        h.screen()
    );
    let stored = engine(&path).get_card(first).unwrap();
    assert_eq!(stored.answer, "good: 기억해냄 (recalled)");
    assert_eq!(stored.question, "SM-2에서 '4'는?");

    // Esc with typed text: the form closes, nothing is saved.
    h.key("e");
    h.type_text(" 바뀜");
    assert!(h.app.pane().unsaved());
    h.key("<Esc>");
    assert_eq!(
        engine(&path).get_card(first).unwrap().question,
        "SM-2에서 '4'는?"
    );

    // Delete, asked first; n keeps it, y deletes it.
    h.key("D");
    assert!(h.screen().contains("Delete card #"), "{}", h.screen());
    h.key("n");
    assert_eq!(engine(&path).list_cards(10).unwrap().len(), 2);
    h.key("D");
    h.key("y");
    assert!(
        h.screen().contains(&format!("deleted card #{first}")),
        "{}",
        h.screen()
    );
    let left = engine(&path).list_cards(10).unwrap();
    assert_eq!(left.len(), 1);
    assert!(left.iter().all(|c| c.id != first));
    assert_eq!(pane(&h).data.as_ref().unwrap().counts, (1, 1));

    // In the list the selected card is the one acted on.
    h.key("v");
    h.key("D");
    h.key("y");
    assert!(engine(&path).list_cards(10).unwrap().is_empty());
}

#[test]
fn jr_cards_edit_and_rm() {
    let env = common::Env::new();
    env.ok(&["tasks", "list"]);
    two_cards(&engine(&env.db()));
    let list = env.ok(&["cards", "list", "--json"]);
    let cards: serde_json::Value = serde_json::from_str(&list).unwrap();
    let id = cards[0]["id"].as_i64().unwrap();
    let ids = id.to_string();

    let err = env.fails(&["cards", "edit", &ids], 1);
    assert!(
        err.contains("nothing to change") && err.contains("hint:"),
        "{err}"
    );
    let err = env.fails(&["cards", "edit", &ids, "--answer", "   "], 1);
    assert!(err.contains("answer is empty"), "{err}");
    let out = env.ok(&[
        "cards",
        "edit",
        &ids,
        "--question",
        "  무엇이 바뀌었나?  ",
        "--json",
    ]);
    let c: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(c["question"], "무엇이 바뀌었나?");
    // A secret typed into a card is stored redacted, like everything else.
    env.ok(&[
        "cards",
        "edit",
        &ids,
        "--answer",
        "api_key=sk-abcdefghijklmnopqrstuvwxyz123456",
    ]);
    let shown = env.ok(&["cards", "show", &ids, "--json"]);
    assert!(
        !shown.contains("sk-abcdefghijklmnopqrstuvwxyz123456"),
        "{shown}"
    );
    assert!(shown.contains("REDACTED"), "{shown}");

    // rm asks first: without a terminal and without --yes it refuses.
    let err = env.fails(&["cards", "rm", &ids], 1);
    assert!(err.contains("--yes"), "{err}");
    let out = env.ok(&["cards", "rm", &ids, "--yes"]);
    assert!(out.contains(&format!("deleted card #{id}")), "{out}");
    let err = env.fails(&["cards", "rm", &ids, "--yes"], 1);
    assert!(err.contains("no card"), "{err}");
    let left: serde_json::Value =
        serde_json::from_str(&env.ok(&["cards", "list", "--json"])).unwrap();
    assert_eq!(left.as_array().unwrap().len(), 1);
}
