//! Table tests of cron semantics: crontab cases, names, DST days, errors.

use super::*;
use chrono::Datelike;

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn at(ts: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(ts, 0).unwrap()
}

fn cron(expr: &str) -> CronSchedule {
    CronSchedule::parse(expr).unwrap()
}

#[test]
fn fire_times() {
    #[rustfmt::skip]
    let cases: &[(&str, &str, &str, &[&str])] = &[
        ("0 7 * * 1-5", "UTC", "2026-03-06T00:00:00Z", &["2026-03-06 Fri 07:00:00 UTC", "2026-03-09 Mon 07:00:00 UTC", "2026-03-10 Tue 07:00:00 UTC", "2026-03-11 Wed 07:00:00 UTC", "2026-03-12 Thu 07:00:00 UTC", "2026-03-13 Fri 07:00:00 UTC", "2026-03-16 Mon 07:00:00 UTC"]),
        ("0 7 * * mon-fri", "UTC", "2026-03-07T00:00:00Z", &["2026-03-09 Mon 07:00:00 UTC"]),
        ("0 7 * * MON-FRI", "UTC", "2026-03-13T07:00:00Z", &["2026-03-16 Mon 07:00:00 UTC"]),
        ("30 2 * * 0", "UTC", "2026-03-01T00:00:00Z", &["2026-03-01 Sun 02:30:00 UTC", "2026-03-08 Sun 02:30:00 UTC"]),
        ("30 2 * * 7", "UTC", "2026-03-01T00:00:00Z", &["2026-03-01 Sun 02:30:00 UTC", "2026-03-08 Sun 02:30:00 UTC"]),
        ("30 2 * * Sun", "UTC", "2026-03-01T02:30:00Z", &["2026-03-08 Sun 02:30:00 UTC"]),
        ("0 9 * * fri-sun", "UTC", "2026-03-05T00:00:00Z", &["2026-03-06 Fri 09:00:00 UTC", "2026-03-07 Sat 09:00:00 UTC", "2026-03-08 Sun 09:00:00 UTC", "2026-03-13 Fri 09:00:00 UTC"]),
        // Day-of-month OR day-of-week (13 April 2026 is a Monday).
        ("0 0 13 * 5", "UTC", "2026-04-01T00:00:00Z", &["2026-04-03 Fri 00:00:00 UTC", "2026-04-10 Fri 00:00:00 UTC", "2026-04-13 Mon 00:00:00 UTC", "2026-04-17 Fri 00:00:00 UTC", "2026-04-24 Fri 00:00:00 UTC", "2026-05-01 Fri 00:00:00 UTC"]),
        ("0 0 */2 * 1", "UTC", "2026-04-01T00:00:00Z", &["2026-04-03 Fri 00:00:00 UTC", "2026-04-05 Sun 00:00:00 UTC", "2026-04-06 Mon 00:00:00 UTC", "2026-04-07 Tue 00:00:00 UTC"]),
        ("0 0 */10 * *", "UTC", "2026-04-01T00:00:00Z", &["2026-04-11 Sat 00:00:00 UTC", "2026-04-21 Tue 00:00:00 UTC", "2026-05-01 Fri 00:00:00 UTC"]),
        ("@weekly", "UTC", "2026-03-02T00:00:00Z", &["2026-03-08 Sun 00:00:00 UTC", "2026-03-15 Sun 00:00:00 UTC"]),
        ("@yearly", "UTC", "2026-03-02T00:00:00Z", &["2027-01-01 Fri 00:00:00 UTC"]),
        ("@monthly", "UTC", "2026-03-02T00:00:00Z", &["2026-04-01 Wed 00:00:00 UTC"]),
        ("@daily", "UTC", "2026-03-02T00:00:00Z", &["2026-03-03 Tue 00:00:00 UTC"]),
        ("@midnight", "UTC", "2026-03-02T00:00:00Z", &["2026-03-03 Tue 00:00:00 UTC"]),
        ("@HOURLY", "UTC", "2026-03-02T00:00:00Z", &["2026-03-02 Mon 01:00:00 UTC"]),
        ("0 0 1 JAN *", "UTC", "2026-03-01T00:00:00Z", &["2027-01-01 Fri 00:00:00 UTC"]),
        ("0 0 29 feb *", "UTC", "2026-03-01T00:00:00Z", &["2028-02-29 Tue 00:00:00 UTC", "2032-02-29 Sun 00:00:00 UTC"]),
        ("*/10 * * * * *", "UTC", "2026-03-01T00:00:05Z", &["2026-03-01 Sun 00:00:10 UTC", "2026-03-01 Sun 00:00:20 UTC", "2026-03-01 Sun 00:00:30 UTC"]),
        ("* * * * *", "UTC", "2026-03-01T00:00:59.999Z", &["2026-03-01 Sun 00:01:00 UTC", "2026-03-01 Sun 00:02:00 UTC"]),
        // Daily Briefing: 07:00 KST.
        ("0 7 * * *", "Asia/Seoul", "2026-03-01T00:00:00Z", &["2026-03-02 Mon 07:00:00 KST", "2026-03-03 Tue 07:00:00 KST"]),
        // America/New_York: spring forward 2026-03-08 02:00 EST -> 03:00 EDT.
        ("0 7 * * *", "America/New_York", "2026-03-07T00:00:00Z", &["2026-03-07 Sat 07:00:00 EST", "2026-03-08 Sun 07:00:00 EDT", "2026-03-09 Mon 07:00:00 EDT"]),
        ("30 2 * * *", "America/New_York", "2026-03-07T00:00:00Z", &["2026-03-07 Sat 02:30:00 EST", "2026-03-08 Sun 03:00:00 EDT", "2026-03-09 Mon 02:30:00 EDT"]),
        ("30 1 * * *", "America/New_York", "2026-03-07T00:00:00Z", &["2026-03-07 Sat 01:30:00 EST", "2026-03-08 Sun 01:30:00 EST", "2026-03-09 Mon 01:30:00 EDT"]),
        ("0,30 2 * * *", "America/New_York", "2026-03-08T05:00:00Z", &["2026-03-08 Sun 03:00:00 EDT", "2026-03-09 Mon 02:00:00 EDT", "2026-03-09 Mon 02:30:00 EDT"]),
        ("*/30 * * * *", "America/New_York", "2026-03-08T06:15:00Z", &["2026-03-08 Sun 01:30:00 EST", "2026-03-08 Sun 03:00:00 EDT", "2026-03-08 Sun 03:30:00 EDT"]),
        // Fall back 2026-11-01 02:00 EDT -> 01:00 EST.
        ("0 7 * * *", "America/New_York", "2026-10-31T00:00:00Z", &["2026-10-31 Sat 07:00:00 EDT", "2026-11-01 Sun 07:00:00 EST", "2026-11-02 Mon 07:00:00 EST"]),
        ("30 2 * * *", "America/New_York", "2026-10-31T00:00:00Z", &["2026-10-31 Sat 02:30:00 EDT", "2026-11-01 Sun 02:30:00 EST", "2026-11-02 Mon 02:30:00 EST"]),
        ("30 1 * * *", "America/New_York", "2026-10-31T00:00:00Z", &["2026-10-31 Sat 01:30:00 EDT", "2026-11-01 Sun 01:30:00 EDT", "2026-11-02 Mon 01:30:00 EST"]),
        ("30 1 * * *", "America/New_York", "2026-11-01T06:10:00Z", &["2026-11-02 Mon 01:30:00 EST"]),
        ("*/30 * * * *", "America/New_York", "2026-11-01T04:45:00Z", &["2026-11-01 Sun 01:00:00 EDT", "2026-11-01 Sun 01:30:00 EDT", "2026-11-01 Sun 01:00:00 EST", "2026-11-01 Sun 01:30:00 EST", "2026-11-01 Sun 02:00:00 EST"]),
        ("*/30 * * * *", "America/New_York", "2026-11-01T05:10:00Z", &["2026-11-01 Sun 01:30:00 EDT", "2026-11-01 Sun 01:00:00 EST"]),
        ("*/30 * * * *", "America/New_York", "2026-11-01T05:40:00Z", &["2026-11-01 Sun 01:00:00 EST", "2026-11-01 Sun 01:30:00 EST"]),
        ("@hourly", "America/New_York", "2026-11-01T04:30:00Z", &["2026-11-01 Sun 01:00:00 EDT", "2026-11-01 Sun 01:00:00 EST", "2026-11-01 Sun 02:00:00 EST"]),
    ];
    for (expr, zone, after, want) in cases {
        let fires = cron(expr).upcoming(utc(after), parse_tz(zone).unwrap(), want.len());
        let got: Vec<String> = fires
            .iter()
            .map(|t| t.format("%F %a %T %Z").to_string())
            .collect();
        assert_eq!(&got, want, "{expr} in {zone} after {after}");
    }
    // The Daily Briefing's 07:00 KST is 22:00 UTC the day before.
    let next = cron("0 7 * * *").next_after(utc("2026-03-01T00:00:00Z"), chrono_tz::Asia::Seoul);
    assert_eq!(
        next.unwrap().with_timezone(&Utc),
        utc("2026-03-01T22:00:00Z")
    );
}

#[test]
fn fires_between_is_half_open_and_capped() {
    let (s, from, to) = (
        cron("0 * * * *"),
        utc("2026-03-01T00:00:00Z"),
        utc("2026-03-01T05:00:00Z"),
    );
    let hours: Vec<u32> = s
        .fires_between(from, to, Tz::UTC, 100)
        .iter()
        .map(|t| t.hour())
        .collect();
    assert_eq!(hours, [1, 2, 3, 4, 5]);
    assert_eq!(s.fires_between(from, to, Tz::UTC, 2).len(), 2);
    assert!(s.fires_between(to, from, Tz::UTC, 100).is_empty());
}

/// Compares with a minute-by-minute simulation of Vixie cron around every
/// 2026 DST change in three zones (Lord Howe shifts by 30 minutes).
#[test]
fn dst_matches_vixie_simulation() {
    #[rustfmt::skip]
    let exprs = ["0 7 * * *", "30 2 * * *", "30 1 * * *", "*/30 * * * *", "@hourly", "0,30 1-2 * * *", "15 */2 * * *", "*/20 1 * * *", "45 2 * * 0"];
    for tz in [
        chrono_tz::America::New_York,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Europe::Berlin,
    ] {
        let wall = |ts: i64| at(ts).with_timezone(&tz).naive_local();
        let year = utc("2026-01-01T00:00:00Z").timestamp();
        let changes: Vec<i64> = (0..365 * 24)
            .map(|h| year + h * 3600)
            .filter(|&ts| wall(ts + 3600) - wall(ts) != TimeDelta::hours(1))
            .collect();
        assert_eq!(changes.len(), 2, "{tz}");
        for (expr, change) in exprs
            .iter()
            .flat_map(|e| changes.iter().map(move |c| (e, c)))
        {
            let s = cron(expr);
            let matches = |w: NaiveDateTime| {
                let bit = |f: usize, v: u32| s.sets[f] & (1 << v) != 0;
                let (dom, dow) = (bit(3, w.day()), bit(5, w.weekday().num_days_from_sunday()));
                let day = if s.star[3] || s.star[5] {
                    dom && dow
                } else {
                    dom || dow
                };
                bit(1, w.minute()) && bit(2, w.hour()) && bit(4, w.month()) && day
            };
            let (start, end) = (change - 36 * 3600, change + 36 * 3600);
            let (mut seen, mut want) = (wall(start), Vec::new());
            for ts in (start + 60..=end).step_by(60) {
                let w = wall(ts);
                // Fixed-time jobs catch up on skipped minutes and never repeat one.
                let fire = match s.fixed {
                    true => (1..=(w - seen).num_minutes())
                        .any(|m| matches(seen + TimeDelta::minutes(m))),
                    false => matches(w),
                };
                seen = seen.max(w);
                want.extend(fire.then_some(ts));
            }
            let got: Vec<i64> = s
                .fires_between(at(start), at(end), tz, 9999)
                .iter()
                .map(|t| t.timestamp())
                .collect();
            assert_eq!(got, want, "{expr} in {tz} around {change}");
            // Starting anywhere, including inside a repeated hour, gives the next one.
            for ts in (start..end).step_by(7 * 60 + 13) {
                let next = want.iter().find(|w| **w > ts).map(|w| at(*w));
                let got = s.next_after(at(ts), tz).map(|t| t.with_timezone(&Utc));
                assert!(next.is_none() || got == next, "{expr} in {tz} after {ts}");
            }
        }
    }
}

#[test]
fn field_errors() {
    #[rustfmt::skip]
    let cases: &[(&str, &str, usize, &str)] = &[
        ("60 * * * *", "minute", 1, "60"), ("0 24 * * *", "hour", 2, "24"),
        ("0 0 0 * *", "day-of-month", 3, "0"), ("0 0 32 * *", "day-of-month", 3, "32"),
        ("0 0 * 13 *", "month", 4, "13"), ("0 0 * 0 *", "month", 4, "0"),
        ("0 0 * * 8", "day-of-week", 5, "8"), ("60 0 0 * * *", "second", 1, "60"),
        ("0 60 0 * * *", "minute", 2, "60"), ("0 0 24 * * *", "hour", 3, "24"),
        ("0 0 0 32 * *", "day-of-month", 4, "32"), ("0 0 0 * 13 *", "month", 5, "13"),
        ("0 0 0 * * 8", "day-of-week", 6, "8"), ("0 0 * jam *", "month", 4, "jam"),
        ("0 0 * * fry", "day-of-week", 5, "fry"), ("0 0 * * mon-fry", "day-of-week", 5, "mon-fry"),
        ("0 0 * mon *", "month", 4, "mon"), ("mon * * * *", "minute", 1, "mon"),
        ("0 5-1 * * *", "hour", 2, "5-1"), ("*/0 * * * *", "minute", 1, "*/0"),
        ("*/60 * * * *", "minute", 1, "*/60"), ("1,,2 * * * *", "minute", 1, "1,,2"),
        ("-1 * * * *", "minute", 1, "-1"), ("0 0,7,99 * * *", "hour", 2, "99"),
        ("0 0 L * *", "day-of-month", 3, "L"), ("0 0 * * 1#2", "day-of-week", 5, "1#2"),
        ("0 0 30 2 *", "day-of-month", 3, "30"), ("0 0 0 31 4,6 *", "day-of-month", 4, "31"),
    ];
    for (expr, field, position, value) in cases {
        let e = CronSchedule::parse(expr).expect_err(expr);
        let allowed = SPECS.iter().find(|s| s.name == *field).map(|s| s.allowed);
        let want = (Some(*field), Some(*position), Some(*value), allowed);
        assert_eq!(
            (e.field, e.position, e.value.as_deref(), e.allowed),
            want,
            "{expr}"
        );
        let text = format!("{field} (field {position}) has \"{value}\"");
        assert!(e.to_string().contains(&text), "{e}");
    }
    let e = CronSchedule::parse("0 25 * * *").unwrap_err().to_string();
    assert_eq!(
        e,
        r#"invalid cron expression "0 25 * * *": hour (field 2) has "25", allowed 0-23"#
    );
}

#[test]
fn expression_errors() {
    #[rustfmt::skip]
    let cases: &[(&str, &str)] = &[
        ("* * *", r#"invalid cron expression "* * *": expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading seconds field, got 3"#),
        ("* * * * * * *", "got 7"), ("", "it is empty"), ("   ", "it is empty"),
        ("@reboot", "@reboot is not supported: jr has no boot event"),
        ("@fortnightly", "unknown shortcut \"@fortnightly\""), ("@daily 5", "unknown shortcut"),
    ];
    for (expr, want) in cases {
        let e = CronSchedule::parse(expr).expect_err(expr);
        assert!(e.to_string().contains(want), "{expr}: {e}");
        assert_eq!((e.field, e.position), (None, None));
    }
}

#[test]
fn accessors() {
    let s = cron("  0  7 * *   MON-fri ");
    assert_eq!((s.expr(), s.has_seconds()), ("0 7 * * MON-fri", false));
    assert_eq!(s.values(Field::DayOfWeek), [1, 2, 3, 4, 5]);
    assert_eq!(s.values(Field::Second), [0]);
    assert!(s.is_star(Field::Month) && !s.is_star(Field::DayOfWeek));
    assert!(cron("*/10 * * * * *").has_seconds());
    assert_eq!(cron("0 0 * * 7").values(Field::DayOfWeek), [0]);
    assert_eq!(cron("0 0 * * 5-7").values(Field::DayOfWeek), [0, 5, 6]);
    assert_eq!(cron("5/20 * * * *").values(Field::Minute), [5, 25, 45]);
    assert_eq!(cron("@weekly").expr(), "@weekly");
    fn shareable<T: Send + Sync + Clone + std::fmt::Debug>(_: &T) {}
    shareable(&s);
}

#[test]
fn time_zones() {
    for name in [
        "Asia/Seoul",
        "UTC",
        "utc",
        " asia/seoul ",
        "America/New_York",
    ] {
        assert!(
            parse_tz(name)
                .unwrap()
                .name()
                .eq_ignore_ascii_case(name.trim())
        );
    }
    #[rustfmt::skip]
    let bad = [("Asia/Seol", "Asia/Seoul"), ("Seoul", "Asia/Seoul"), ("KST", "Asia/Seoul"), ("America/New York", "America/New_York"), ("Europe/Berln", "Europe/Berlin")];
    for (name, suggestion) in bad {
        let e = parse_tz(name).unwrap_err();
        assert!(
            e.starts_with(&format!("unknown time zone \"{name}\"")),
            "{e}"
        );
        let (_, suggested) = e.split_once("did you mean ").unwrap();
        assert!(
            suggested.contains(suggestion) && suggested.split(", ").count() <= 3,
            "{e}"
        );
    }
    assert!(
        !parse_tz("Mars/Olympus_Mons")
            .unwrap_err()
            .contains("did you mean")
    );
}
