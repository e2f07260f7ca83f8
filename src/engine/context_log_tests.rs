//! `log_message_keyed`: idempotent on (client, session, message id), and on
//! the same text within the duplicate window when there is no id.

use chrono::{Duration, TimeZone, Utc};

use super::DUPLICATE_WINDOW_MS;
use crate::clock::Clock;
use crate::domain::context::NewMessage;
use crate::engine::Engine;
use crate::store::Store;

fn engine() -> Engine {
    let at = Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0).unwrap();
    Engine::new(
        Store::open_in_memory().unwrap(),
        Clock::Fixed(at),
        chrono_tz::UTC,
    )
}

fn msg(session: &str, content: &str, after_s: i64) -> NewMessage {
    let at = Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0).unwrap() + Duration::seconds(after_s);
    NewMessage {
        channel: "jr".into(),
        session: session.into(),
        client: "cursor".into(),
        role: "user".into(),
        content: content.into(),
        created_at: Some(at),
        ..Default::default()
    }
}

fn count(e: &Engine) -> i64 {
    e.context_stats().unwrap().messages
}

#[test]
fn the_same_call_twice_stores_one_row() {
    let e = engine();
    let a = e
        .log_message_keyed(msg("s1", "배포 언제 해?", 0), None)
        .unwrap();
    assert!(!a.duplicate);
    // Called again a minute later (a retry): one row, and the result says why.
    let b = e
        .log_message_keyed(msg("s1", "배포 언제 해?", 60), None)
        .unwrap();
    assert_eq!((b.duplicate, b.by, b.id), (true, Some("window"), a.id));
    assert_eq!(count(&e), 1);
    // Past the window, the same words are a new message; in another session too.
    let late = DUPLICATE_WINDOW_MS / 1000 + 1;
    assert!(
        !e.log_message_keyed(msg("s1", "배포 언제 해?", late), None)
            .unwrap()
            .duplicate
    );
    assert!(
        !e.log_message_keyed(msg("s2", "배포 언제 해?", 0), None)
            .unwrap()
            .duplicate
    );
    assert_eq!(count(&e), 3);
}

#[test]
fn a_message_id_is_the_key_when_given() {
    let e = engine();
    let a = e
        .log_message_keyed(msg("s1", "ok", 0), Some("m-1"))
        .unwrap();
    // Same id, hours later, even with other text: the same message.
    let b = e
        .log_message_keyed(msg("s1", "ok!", 7200), Some("m-1"))
        .unwrap();
    assert_eq!((b.duplicate, b.by, b.id), (true, Some("message_id"), a.id));
    // Different ids with the same text a second apart: two messages ("ok" twice).
    let c = e
        .log_message_keyed(msg("s1", "ok", 1), Some("m-2"))
        .unwrap();
    assert!(!c.duplicate);
    // The same id in another session is another message.
    assert!(
        !e.log_message_keyed(msg("s2", "ok", 0), Some("m-1"))
            .unwrap()
            .duplicate
    );
    assert_eq!(count(&e), 3);
    let stored = e.get_message(a.id.unwrap()).unwrap();
    assert_eq!(stored.metadata.unwrap()["message_id"], "m-1");
    let err = e
        .log_message_keyed(msg("s1", "x", 0), Some("  "))
        .unwrap_err();
    assert!(err.message.contains("message id"), "{}", err.message);
}
