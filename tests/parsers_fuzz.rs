//! Property tests over every parser user text reaches, from the CLI and from
//! MCP: no input panics. Strategies aim at the edges that broke before
//! (huge counts with units, far years, signs, Korean, control characters),
//! mixed with arbitrary text. `cli_fuzz.rs` drives the whole CLI with them;
//! `hostile.rs` does the same over `jr mcp`.

mod fuzz;

use chrono::{TimeZone, Utc};
use fuzz::date_like;
use proptest::prelude::*;

use jr::domain::Due;
use jr::domain::context::parse_since;
use jr::domain::job::parse_duration;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap()
}

fn tz() -> chrono_tz::Tz {
    "Asia/Seoul".parse().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn due_dates_never_panic(s in date_like()) {
        if let Ok(due) = Due::parse(&s, now(), tz()) {
            // Everything done with a parsed date afterwards is safe too.
            let _ = due.deadline(tz());
            let _ = due.to_rfc3339(tz());
            let _ = jr::domain::due::relative(due.deadline(tz()), now());
            prop_assert_eq!(Due::from_stored(&due.to_stored()), Some(due));
        }
    }

    #[test]
    fn since_never_panics(s in date_like()) {
        let _ = parse_since(&s, now(), tz());
    }

    #[test]
    fn durations_never_panic_and_stay_bounded(s in date_like()) {
        if let Ok(d) = parse_duration(&s) {
            prop_assert!(d <= jr::domain::job::MAX_DURATION);
            let _ = jr::domain::job::format_duration(d);
            let _ = chrono::Duration::from_std(d).unwrap();
        }
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn other_parsers_never_panic(s in "\\PC{0,40}") {
        let _ = jr::engine::jobs::check_cron(&s);
        let _ = jr::engine::jobs::check_tz(&s);
        let _ = jr::domain::cards::parse_grade(&s);
        let _ = jr::domain::context::text::parse_query(&s);
        let _ = jr::domain::job::Collect::parse(&s, 0);
        let _ = jr::domain::context::check_role(&s);
        let _ = jr::domain::context::redact::redact(&s);
    }
}
