//! Due dates: a whole day or an exact instant, parsed from what people type
//! (`2026-12-01`, RFC 3339, `today`, `tomorrow`, `+3d`, `+2w`, `+4h`).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// How far ahead a relative due date (`+Nd`) may reach: 100 years.
pub const MAX_AHEAD_DAYS: i64 = 36_525;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Due some time on this day (in the user's time zone): late once the day is over.
    Day(NaiveDate),
    /// Due at this instant.
    At(DateTime<FixedOffset>),
}

impl Due {
    /// Parse `when` relative to `now` in the user's zone `tz`.
    pub fn parse(when: &str, now: DateTime<Utc>, tz: Tz) -> Result<Due, String> {
        let s = when.trim();
        let today = now.with_timezone(&tz).date_naive();
        let lower = s.to_lowercase();
        match lower.as_str() {
            "today" | "오늘" => return Ok(Due::Day(today)),
            "tomorrow" | "내일" => {
                return today.succ_opt().map(Due::Day).ok_or_else(|| bad(s));
            }
            _ => {}
        }
        if let Some(rest) = lower.strip_prefix('+') {
            let (num, unit) = rest.split_at(
                rest.find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(rest.len()),
            );
            let n: i64 = num.parse().map_err(|_| bad(s))?;
            let step = match unit {
                "d" => Duration::try_days(n),
                "w" => Duration::try_weeks(n),
                "h" => Duration::try_hours(n),
                "m" => Duration::try_minutes(n),
                _ => return Err(bad(s)),
            };
            let too_far = || {
                format!(
                    "the due date {s:?} is too far ahead; at most {MAX_AHEAD_DAYS} days (100 years)"
                )
            };
            let step = step
                .filter(|d| *d <= Duration::days(MAX_AHEAD_DAYS))
                .ok_or_else(too_far)?;
            return match unit {
                "d" | "w" => today
                    .checked_add_signed(step)
                    .map(Due::Day)
                    .ok_or_else(too_far),
                _ => now
                    .checked_add_signed(step)
                    .map(|t| Due::At(t.with_timezone(&tz).fixed_offset()))
                    .ok_or_else(too_far),
            };
        }
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Ok(Due::Day(d));
        }
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Ok(Due::At(t));
        }
        // "2026-12-01 14:00" / "2026-12-01T14:00" in the user's zone.
        for fmt in [
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S",
        ] {
            if let Ok(naive) = chrono::NaiveDateTime::parse_from_str(s, fmt)
                && let Some(t) = tz.from_local_datetime(&naive).earliest()
            {
                return Ok(Due::At(t.fixed_offset()));
            }
        }
        Err(bad(s))
    }

    /// The stored text: `YYYY-MM-DD` for a day, RFC 3339 for an instant.
    pub fn to_stored(&self) -> String {
        match self {
            Due::Day(d) => d.format("%Y-%m-%d").to_string(),
            Due::At(t) => t.to_rfc3339(),
        }
    }

    pub fn from_stored(s: &str) -> Option<Due> {
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Some(Due::Day(d));
        }
        DateTime::parse_from_rfc3339(s).ok().map(Due::At)
    }

    /// The instant from which the task counts as late: the end of the day for a day.
    pub fn deadline(&self, tz: Tz) -> DateTime<Utc> {
        match self {
            Due::At(t) => t.with_timezone(&Utc),
            Due::Day(d) => {
                let end = d.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default());
                tz.from_local_datetime(&end)
                    .latest()
                    .map(|t| t.with_timezone(&Utc))
                    .unwrap_or_else(|| Utc.from_utc_datetime(&end))
            }
        }
    }

    /// RFC 3339 for the JSON contract: a day becomes its last second in `tz`.
    pub fn to_rfc3339(&self, tz: Tz) -> String {
        match self {
            Due::At(t) => t.to_rfc3339(),
            Due::Day(_) => self.deadline(tz).with_timezone(&tz).to_rfc3339(),
        }
    }

    pub fn is_day(&self) -> bool {
        matches!(self, Due::Day(_))
    }
}

fn bad(s: &str) -> String {
    format!(
        "cannot read the date {s:?}; use YYYY-MM-DD, RFC 3339 (2026-12-01T09:00:00+09:00), \
         today, tomorrow, +3d, +2w or +4h"
    )
}

/// "in 2d", "3h late", "today" — how far `deadline` is from `now`, for people.
pub fn relative(deadline: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (deadline - now).num_seconds();
    let late = secs < 0;
    let a = secs.unsigned_abs();
    let amount = if a < 60 {
        return if late {
            "just now late".into()
        } else {
            "now".into()
        };
    } else if a < 3600 {
        format!("{}m", a / 60)
    } else if a < 86_400 {
        format!("{}h", a / 3600)
    } else if a < 86_400 * 14 {
        format!("{}d", a / 86_400)
    } else if a < 86_400 * 60 {
        format!("{}w", a / (86_400 * 7))
    } else {
        format!("{}mo", a / (86_400 * 30))
    };
    if late {
        format!("{amount} late")
    } else {
        format!("in {amount}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap()
    }

    #[test]
    fn parses_what_people_type() {
        let tz: Tz = "Asia/Seoul".parse().unwrap();
        let d = |y, m, dd| Due::Day(NaiveDate::from_ymd_opt(y, m, dd).unwrap());
        assert_eq!(Due::parse("today", now(), tz).unwrap(), d(2026, 11, 22));
        assert_eq!(Due::parse("tomorrow", now(), tz).unwrap(), d(2026, 11, 23));
        assert_eq!(Due::parse("+3d", now(), tz).unwrap(), d(2026, 11, 25));
        assert_eq!(Due::parse("+2w", now(), tz).unwrap(), d(2026, 12, 6));
        assert_eq!(Due::parse("2026-12-01", now(), tz).unwrap(), d(2026, 12, 1));
        let at = Due::parse("2026-12-01T09:00:00+09:00", now(), tz).unwrap();
        assert_eq!(
            at.deadline(tz),
            Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
        );
        let local = Due::parse("2026-12-01 09:00", now(), tz).unwrap();
        assert_eq!(
            local.deadline(tz),
            Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
        );
        for bad in ["", "next week", "2026-13-01", "+3x", "+d"] {
            assert!(
                Due::parse(bad, now(), tz).is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn stored_form_round_trips() {
        let tz: Tz = "UTC".parse().unwrap();
        for s in ["2026-12-01", "+4h"] {
            let due = Due::parse(s, now(), tz).unwrap();
            assert_eq!(Due::from_stored(&due.to_stored()), Some(due));
        }
    }

    #[test]
    fn relative_wording() {
        let n = now();
        assert_eq!(relative(n + Duration::days(2), n), "in 2d");
        assert_eq!(relative(n - Duration::hours(3), n), "3h late");
        assert_eq!(relative(n + Duration::minutes(30), n), "in 30m");
    }
}
