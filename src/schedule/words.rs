//! Human wording of cron schedules for the TUI Jobs pane ("weekdays at 07:00
//! KST"), and short time-zone labels ("KST", "EST"/"EDT", "UTC+5:45").
//!
//! Pure: no I/O, no clock reads, no tokio, no database. Wording is derived
//! from the parsed field values (see [`super::cron`]), so `mon-fri`, `1-5` and
//! `1,2,3,4,5` all read "weekdays"; anything that has no short, exact wording
//! falls back to the expression itself.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::cron::{CronSchedule, Field};

const DAY_NAMES: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Human wording of a schedule, for the TUI Jobs pane: "every minute", "every
/// 5 minutes", "hourly at :15", "daily at 07:00", "weekdays at 07:00",
/// "Mondays at 09:30", "Sun,Wed at 02:00", "on the 1st of each month at
/// 00:00", "every 10 seconds". Falls back to the raw expression (whitespace
/// collapsed) when no good wording exists or it does not parse. `tz_label`
/// (e.g. "KST") is appended when non-empty: "weekdays at 07:00 KST"; after a
/// raw expression it goes in parentheses ("0 0 13 * 5 (KST)") so it cannot be
/// mistaken for a field.
pub fn describe(expr: &str, tz_label: &str) -> String {
    match CronSchedule::parse(expr) {
        Ok(schedule) => describe_schedule(&schedule, tz_label),
        Err(_) => with_label(None, expr, tz_label),
    }
}

/// [`describe`] for an already parsed schedule (no re-parsing per frame).
pub fn describe_schedule(schedule: &CronSchedule, tz_label: &str) -> String {
    with_label(wording(schedule), schedule.expr(), tz_label)
}

fn with_label(wording: Option<String>, expr: &str, tz_label: &str) -> String {
    let label = tz_label.trim();
    match wording {
        Some(w) if label.is_empty() => w,
        Some(w) => format!("{w} {label}"),
        None => {
            let raw = expr.split_whitespace().collect::<Vec<_>>().join(" ");
            if label.is_empty() {
                raw
            } else {
                format!("{raw} ({label})")
            }
        }
    }
}

/// Short zone label for display: the zone's abbreviation at `at` (KST,
/// EST/EDT, UTC). Zones whose abbreviation is only a number ("+0545") read as
/// "UTC+5:45".
pub fn tz_label(tz: Tz, at: DateTime<Utc>) -> String {
    let abbreviation = at.with_timezone(&tz).format("%Z").to_string();
    let Some(sign) = abbreviation
        .chars()
        .next()
        .filter(|c| *c == '+' || *c == '-')
    else {
        return abbreviation;
    };
    let digits = &abbreviation[1..];
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return abbreviation;
    }
    let (hours, minutes) = digits.split_at(digits.len().min(2));
    let hours: u32 = hours.parse().unwrap_or(0);
    match minutes {
        "" | "00" => format!("UTC{sign}{hours}"),
        _ => format!("UTC{sign}{hours}:{minutes}"),
    }
}

/// How the days read: before fixed times ("weekdays at …") and after
/// intervals ("every 5 minutes on weekdays").
struct Days {
    before: String,
    after: String,
}

fn wording(s: &CronSchedule) -> Option<String> {
    let days = days(s)?;
    let (seconds, minutes, hours) = (
        s.values(Field::Second),
        s.values(Field::Minute),
        s.values(Field::Hour),
    );
    let all_hours = hours.len() == 24;
    let interval = if seconds.len() == 60 && minutes.len() == 60 && all_hours {
        Some("every second".to_string())
    } else if let (Some(n), 60, true) = (step(&seconds, 60), minutes.len(), all_hours) {
        Some(format!("every {n} seconds"))
    } else if seconds != [0] {
        None
    } else if minutes.len() == 60 && all_hours {
        Some("every minute".to_string())
    } else if let (Some(n), true) = (step(&minutes, 60), all_hours) {
        Some(format!("every {n} minutes"))
    } else if let ([m], true) = (minutes.as_slice(), all_hours) {
        Some(if *m == 0 {
            "hourly".to_string()
        } else {
            format!("hourly at :{m:02}")
        })
    } else if let ([m], Some(n)) = (minutes.as_slice(), step(&hours, 24)) {
        Some(if *m == 0 {
            format!("every {n} hours")
        } else {
            format!("every {n} hours at :{m:02}")
        })
    } else {
        None
    };
    if let Some(interval) = interval {
        return Some(format!("{interval}{}", days.after));
    }
    // A few fixed times of day: "at 07:00", "at 09:00, 17:00".
    let [second] = seconds.as_slice() else {
        return None;
    };
    if hours.len() * minutes.len() > 4 {
        return None;
    }
    let times: Vec<String> = hours
        .iter()
        .flat_map(|h| minutes.iter().map(move |m| (h, m)))
        .map(|(h, m)| match second {
            0 => format!("{h:02}:{m:02}"),
            _ => format!("{h:02}:{m:02}:{second:02}"),
        })
        .collect();
    Some(format!("{} at {}", days.before, times.join(", ")))
}

/// The step `n` (> 1) when `values` is exactly `0, n, 2n, …` and `n` divides
/// `size`, so the interval stays even across the wrap.
fn step(values: &[u32], size: u32) -> Option<u32> {
    let n = *values.get(1)?;
    let even = n > 1 && size.is_multiple_of(n) && values.len() as u32 == size / n;
    (even && values.iter().enumerate().all(|(i, v)| *v == i as u32 * n)).then_some(n)
}

fn days(s: &CronSchedule) -> Option<Days> {
    let (dom_star, month_star, dow_star) = (
        s.is_star(Field::DayOfMonth),
        s.is_star(Field::Month),
        s.is_star(Field::DayOfWeek),
    );
    let (doms, months, dows) = (
        s.values(Field::DayOfMonth),
        s.values(Field::Month),
        s.values(Field::DayOfWeek),
    );
    let both = |text: String| {
        Some(Days {
            before: text.clone(),
            after: format!(" on {text}"),
        })
    };
    if !dow_star {
        if !dom_star || !month_star {
            return None;
        }
        return match dows.as_slice() {
            [_, _, _, _, _, _, _] => Some(Days {
                before: "daily".into(),
                after: String::new(),
            }),
            [1, 2, 3, 4, 5] => both("weekdays".into()),
            [0, 6] => both("weekends".into()),
            [d] => both(format!("{}days", full_day_name(*d))),
            _ => both(
                dows.iter()
                    .map(|d| DAY_NAMES[*d as usize])
                    .collect::<Vec<_>>()
                    .join(","),
            ),
        };
    }
    match (dom_star, month_star, doms.as_slice(), months.as_slice()) {
        (true, true, _, _) => Some(Days {
            before: "daily".into(),
            after: String::new(),
        }),
        (false, true, [d], _) => {
            let text = format!("on the {} of each month", ordinal(*d));
            Some(Days {
                after: format!(" {text}"),
                before: text,
            })
        }
        (false, true, [a, b], _) => {
            let text = format!("on the {} and {} of each month", ordinal(*a), ordinal(*b));
            Some(Days {
                after: format!(" {text}"),
                before: text,
            })
        }
        (false, false, [d], [m]) => {
            let date = format!("{} {d}", MONTH_NAMES[*m as usize - 1]);
            Some(Days {
                before: format!("yearly on {date}"),
                after: format!(" on {date}"),
            })
        }
        _ => None,
    }
}

fn full_day_name(d: u32) -> &'static str {
    ["Sun", "Mon", "Tues", "Wednes", "Thurs", "Fri", "Satur"][d as usize]
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions() {
        #[rustfmt::skip]
        let cases: &[(&str, &str, &str)] = &[
            ("* * * * *", "", "every minute"),
            ("*/5 * * * *", "", "every 5 minutes"),
            ("0-59/15 * * * *", "", "every 15 minutes"),
            ("15 * * * *", "", "hourly at :15"),
            ("@hourly", "", "hourly"),
            ("0 */2 * * *", "", "every 2 hours"),
            ("30 */6 * * *", "", "every 6 hours at :30"),
            ("0 7 * * *", "", "daily at 07:00"),
            ("0 7 * * *", "KST", "daily at 07:00 KST"),
            ("0 7 * * 1-5", "KST", "weekdays at 07:00 KST"),
            ("0 7 * * mon-fri", "", "weekdays at 07:00"),
            ("0 10 * * sat,sun", "", "weekends at 10:00"),
            ("30 9 * * 1", "", "Mondays at 09:30"),
            ("0 12 * * wed", "", "Wednesdays at 12:00"),
            ("0 2 * * 0,3", "", "Sun,Wed at 02:00"),
            ("0 2 * * 3,7", "", "Sun,Wed at 02:00"),
            ("0 8 * * 0-6", "", "daily at 08:00"),
            ("0 0 1 * *", "", "on the 1st of each month at 00:00"),
            ("@monthly", "", "on the 1st of each month at 00:00"),
            ("0 6 1,15 * *", "", "on the 1st and 15th of each month at 06:00"),
            ("0 6 22 * *", "", "on the 22nd of each month at 06:00"),
            ("@yearly", "", "yearly on Jan 1 at 00:00"),
            ("@weekly", "", "Sundays at 00:00"),
            ("@daily", "UTC", "daily at 00:00 UTC"),
            ("0 9,17 * * *", "", "daily at 09:00, 17:00"),
            ("0,30 9 * * 1-5", "", "weekdays at 09:00, 09:30"),
            ("*/10 * * * * *", "", "every 10 seconds"),
            ("* * * * * *", "", "every second"),
            ("30 0 7 * * *", "", "daily at 07:00:30"),
            ("*/15 * * * 1-5", "", "every 15 minutes on weekdays"),
            ("0 * * * 0", "", "hourly on Sundays"),
            ("*/5 * 1 * *", "", "every 5 minutes on the 1st of each month"),
            // No good wording: the expression itself.
            ("0 0 13 * 5", "", "0 0 13 * 5"),
            ("0 0 13 * 5", "KST", "0 0 13 * 5 (KST)"),
            ("*/7 * * * *", "", "*/7 * * * *"),
            ("0 9-17 * * *", "", "0 9-17 * * *"),
            ("*/5 9-17 * * *", "", "*/5 9-17 * * *"),
            ("0 0 * 1-6 *", "", "0 0 * 1-6 *"),
            ("  not   a cron ", "", "not a cron"),
        ];
        for (expr, label, want) in cases {
            assert_eq!(describe(expr, label), *want, "{expr}");
            if let Ok(schedule) = CronSchedule::parse(expr) {
                assert_eq!(describe_schedule(&schedule, label), *want, "{expr}");
            }
        }
    }

    #[test]
    fn labels() {
        let winter: DateTime<Utc> = "2026-01-15T12:00:00Z".parse().unwrap();
        let summer: DateTime<Utc> = "2026-07-15T12:00:00Z".parse().unwrap();
        #[rustfmt::skip]
        let cases: &[(Tz, DateTime<Utc>, &str)] = &[
            (chrono_tz::Asia::Seoul, winter, "KST"), (chrono_tz::America::New_York, winter, "EST"),
            (chrono_tz::America::New_York, summer, "EDT"), (Tz::UTC, summer, "UTC"),
            (chrono_tz::Asia::Kathmandu, winter, "UTC+5:45"), (chrono_tz::America::Sao_Paulo, winter, "UTC-3"),
            (chrono_tz::Asia::Dubai, summer, "UTC+4"),
        ];
        for (tz, at, want) in cases {
            assert_eq!(tz_label(*tz, *at), *want, "{tz}");
        }
    }
}
