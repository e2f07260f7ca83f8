//! Strategies shared by the fuzz tests: text shaped like what jr's parsers
//! read, aimed at the edges.
#![allow(dead_code)]

use proptest::prelude::*;

/// Numbers at and around the edges of every integer width, in text.
pub fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        Just("9".repeat(30)),
        Just("0".into()),
        Just("-0".into()),
        (0u32..64).prop_map(|b| (1u128 << b).to_string()),
        Just(i64::MAX.to_string()),
        Just(u32::MAX.to_string()),
    ]
}

/// Text shaped like what the parsers read: relative amounts, dates with
/// far years, RFC 3339 with odd offsets, durations, and anything at all.
pub fn date_like() -> impl Strategy<Value = String> {
    let unit = prop_oneof![
        Just(""),
        Just("d"),
        Just("w"),
        Just("h"),
        Just("m"),
        Just("s"),
        Just("y"),
        Just("ms"),
        Just("days"),
        Just("일")
    ];
    prop_oneof![
        (prop_oneof![Just("+"), Just("-"), Just("")], number(), unit)
            .prop_map(|(s, n, u)| format!("{s}{n}{u}")),
        (-300_000i64..300_000, 0u32..15, 0u32..34)
            .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        (-300_000i64..300_000, 0u32..25, 0u32..61, -30i32..30)
            .prop_map(|(y, h, mi, off)| format!("{y:04}-12-31T{h:02}:{mi:02}:00{:+03}:00", off)),
        Just("+262143-12-31".to_string()),
        Just("+262142-12-31T23:59:59+00:00".to_string()),
        Just("-262143-01-01".to_string()),
        Just("9999-12-31T23:59:59-23:59".to_string()),
        Just("0000-01-01T00:00:00+23:59".to_string()),
        "\\PC{0,24}",
        ".{0,12}",
    ]
}
