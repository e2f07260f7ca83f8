//! Cron schedules: parsing crontab expressions and computing fire times in a
//! job's own IANA time zone; also [`parse_tz`] for zone names.
//!
//! Pure: no I/O, no clock reads, no tokio, no database.
//!
//! This module owns the grammar, so every error names the field, its position
//! and the allowed range; the validated fields go to `croner` as plain value
//! lists, which then only matches wall-clock times. Mapping those wall-clock
//! times to instants (daylight saving time) is done here.
//!
//! Semantics are crontab's (Vixie cron / POSIX):
//! - 5 fields `minute hour day-of-month month day-of-week` (seconds are 0), or
//!   6 with a leading seconds field; `*`, `a-b`, `a,b`, `*/n`, `a-b/n` and
//!   `a/n` (= `a-max/n`); names `jan`-`dec`, `sun`-`sat` in any case;
//!   day-of-week `0` and `7` are Sunday;
//! - when day-of-month and day-of-week are both restricted (not `*`) a day
//!   matches if either matches (`0 0 13 * 5` = every 13th and every Friday).
//!   Only a literal `*` counts as unrestricted; Vixie cron also lets any field
//!   starting with `*` through, so `0 0 */2 * 1` is odd days or Mondays here
//!   but odd-day Mondays there;
//! - `@yearly @annually @monthly @weekly @daily @midnight @hourly`; `@reboot` is
//!   refused (jr has no boot event).
//!
//! A pattern that can never fire (`0 0 30 2 *`) is refused.
//!
//! # Daylight saving time (Vixie cron's rules)
//! A job is *fixed-time* when none of its second, minute or hour fields starts
//! with `*` (`0 7 * * *`, `30 2 * * *`, `0,30 1 * * *`); otherwise it is a
//! *wildcard* job (`*/5 * * * *`, `@hourly`).
//! - Clock springs forward (a wall-clock hour is skipped): a fixed-time job due
//!   in the skipped hour fires once, at the first instant after the gap
//!   (02:30 in America/New_York on 2026-03-08 fires at 03:00 EDT); a wildcard
//!   job simply has no fires in the missing hour.
//! - Clock falls back (a wall-clock hour repeats): a fixed-time job fires once,
//!   on the first pass (01:30 EDT, not again at 01:30 EST); a wildcard job
//!   fires on both passes, so `@hourly` stays hourly in real time.
//! - Everything else stays at its local wall-clock time (07:00 stays 07:00).

use chrono::{DateTime, LocalResult, NaiveDateTime, Offset, TimeDelta, TimeZone, Timelike, Utc};
use chrono_tz::{GapInfo, Tz};
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

const FIELD_COUNT_HINT: &str = "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading seconds field";
const SHORTCUTS: &str = "@yearly @annually @monthly @weekly @daily @midnight @hourly";
const REBOOT: &str = "@reboot is not supported: jr has no boot event; give the job a schedule instead, e.g. \"@daily\" or \"*/15 * * * *\"";

/// Why a cron expression was refused. `message` is the whole explanation;
/// the other fields carry its parts for callers that want to point at them.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[error("invalid cron expression \"{expr}\": {message}")]
pub struct CronError {
    pub expr: String,
    /// "second", "minute", "hour", "day-of-month", "month" or "day-of-week".
    pub field: Option<&'static str>,
    /// 1-based index of the field in the expression as written.
    pub position: Option<usize>,
    /// The offending text.
    pub value: Option<String>,
    /// The allowed values, e.g. "0-23".
    pub allowed: Option<&'static str>,
    pub message: String,
}

/// The six fields, in the order of a 6-field expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Second,
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
}

struct Spec {
    name: &'static str,
    min: u32,
    max: u32,
    allowed: &'static str,
    /// Names for the values from `min` (month) or 0 (day-of-week).
    names: &'static [&'static str],
}

const fn spec(name: &'static str, min: u32, max: u32, allowed: &'static str) -> Spec {
    Spec {
        name,
        min,
        max,
        allowed,
        names: &[],
    }
}

const SPECS: [Spec; 6] = [
    spec("second", 0, 59, "0-59"),
    spec("minute", 0, 59, "0-59"),
    spec("hour", 0, 23, "0-23"),
    spec("day-of-month", 1, 31, "1-31"),
    Spec {
        names: &[
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ],
        ..spec("month", 1, 12, "1-12 or jan-dec")
    },
    Spec {
        names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
        ..spec("day-of-week", 0, 7, "0-7 or sun-sat (0 and 7 are Sunday)")
    },
];

/// A parsed, validated cron schedule.
#[derive(Clone, Debug)]
pub struct CronSchedule {
    expr: String,
    has_seconds: bool,
    /// Bit `v` is set when value `v` matches; day-of-week keeps Sunday as 0.
    sets: [u64; 6],
    /// The field was written as exactly `*`.
    star: [bool; 6],
    /// Vixie's fixed-time job (see the module docs).
    fixed: bool,
    cron: Cron,
}

impl CronSchedule {
    /// 5 fields (min hour dom month dow) or 6 with a leading seconds field;
    /// names (jan, mon-fri); `@yearly @annually @monthly @weekly @daily
    /// @midnight @hourly`. `@reboot` is refused.
    pub fn parse(expr: &str) -> Result<CronSchedule, CronError> {
        let trimmed = expr.trim();
        let fail = |message: String| Err(error(trimmed, None, message));
        if trimmed.is_empty() {
            return fail(format!("it is empty; {FIELD_COUNT_HINT}"));
        }
        let text = match trimmed.strip_prefix('@').map(str::to_ascii_lowercase) {
            None => trimmed,
            Some(nick) => match nick.as_str() {
                "yearly" | "annually" => "0 0 1 1 *",
                "monthly" => "0 0 1 * *",
                "weekly" => "0 0 * * 0",
                "daily" | "midnight" => "0 0 * * *",
                "hourly" => "0 * * * *",
                "reboot" => return fail(REBOOT.to_string()),
                _ => {
                    return fail(format!(
                        "unknown shortcut \"{trimmed}\"; use one of {SHORTCUTS} on its own, or 5 or 6 fields"
                    ));
                }
            },
        };
        let parts: Vec<&str> = text.split_whitespace().collect();
        let has_seconds = match parts.len() {
            5 => false,
            6 => true,
            n => return fail(format!("{FIELD_COUNT_HINT}, got {n}")),
        };
        let skip = usize::from(!has_seconds);
        let mut texts = ["0"; 6];
        texts[skip..].copy_from_slice(&parts);
        let (mut sets, mut star) = ([0u64; 6], [false; 6]);
        for (idx, text) in texts.iter().enumerate() {
            let (spec, position) = (&SPECS[idx], idx + 1 - skip);
            sets[idx] = parse_field(text, spec).map_err(|(value, note)| {
                let message = format!(
                    "{} (field {position}) has \"{value}\"{note}, allowed {}",
                    spec.name, spec.allowed
                );
                error(trimmed, Some((idx, position, value)), message)
            })?;
            star[idx] = *text == "*";
        }
        if sets[5] & (1 << 7) != 0 {
            sets[5] = (sets[5] & !(1 << 7)) | 1;
        }
        // With day-of-week `*` only day-of-month decides: refuse `30 2`-style dates.
        const MONTH_DAYS: [u32; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let possible = (1..=12usize)
            .any(|m| sets[4] & (1 << m) != 0 && sets[3] & ((2u64 << MONTH_DAYS[m - 1]) - 2) != 0);
        if star[5] && !possible {
            let (position, (dom, month)) = (4 - skip, (texts[3], texts[4]));
            let message = format!(
                "day-of-month (field {position}) has \"{dom}\", a day that month (field {}) \"{month}\" never has, so the job would never fire",
                position + 1
            );
            return Err(error(
                trimmed,
                Some((3, position, dom.to_string())),
                message,
            ));
        }
        let pattern: Vec<String> = (0..6)
            .map(|i| {
                if star[i] {
                    "*".to_string()
                } else {
                    list(sets[i])
                }
            })
            .collect();
        let pattern = pattern.join(" ");
        let parser = CronParser::builder()
            .seconds(Seconds::Required)
            .year(Year::Disallowed)
            .build();
        let cron = match parser.parse(&pattern) {
            Ok(cron) => cron,
            Err(e) => return fail(format!("croner refused \"{pattern}\": {e}")),
        };
        Ok(CronSchedule {
            expr: trimmed.split_whitespace().collect::<Vec<_>>().join(" "),
            has_seconds,
            sets,
            star,
            fixed: texts[..3].iter().all(|t| !t.starts_with('*')),
            cron,
        })
    }

    /// The expression as written, trimmed, with runs of whitespace collapsed.
    pub fn expr(&self) -> &str {
        &self.expr
    }

    /// Whether the expression has a leading seconds field.
    pub fn has_seconds(&self) -> bool {
        self.has_seconds
    }

    /// The values a field matches, ascending (day-of-week: Sunday is 0).
    pub fn values(&self, field: Field) -> Vec<u32> {
        let set = self.sets[field as usize];
        (0..64).filter(|v| set & (1 << v) != 0).collect()
    }

    /// Whether the field was written as exactly `*` (nicknames count as expanded).
    pub fn is_star(&self, field: Field) -> bool {
        self.star[field as usize]
    }

    /// First fire strictly after `after`, evaluated in `tz` local time. None if none exists.
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Tz>> {
        let local = after.with_timezone(&tz);
        let wall = local.naive_local().with_nanosecond(0)?;
        let mut best = self.walk(wall, false, after, tz);
        // On the first pass of a repeated hour, the second pass (whose wall
        // clock starts below `wall`) still lies ahead; wildcard jobs fire there.
        if let (false, LocalResult::Ambiguous(early, late)) =
            (self.fixed, tz.from_local_datetime(&wall))
            && local.offset().fix() == early.offset().fix()
            && let Some(change) = fold_change(&early, &late, tz)
            && best.is_none_or(|b| b >= change)
            && let Some(t) = self.walk(change.naive_local(), true, after, tz)
        {
            best = Some(best.map_or(t, |b| b.min(t)));
        }
        best
    }

    /// Next `n` fires strictly after `after`.
    pub fn upcoming(&self, after: DateTime<Utc>, tz: Tz, n: usize) -> Vec<DateTime<Tz>> {
        self.fires(after, tz).take(n).collect()
    }

    /// Every fire in `(from, to]`, capped at `cap` items (for misfire catch-up accounting).
    pub fn fires_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        tz: Tz,
        cap: usize,
    ) -> Vec<DateTime<Tz>> {
        self.fires(from, tz)
            .take_while(|t| *t <= to)
            .take(cap)
            .collect()
    }

    fn fires(&self, after: DateTime<Utc>, tz: Tz) -> impl Iterator<Item = DateTime<Tz>> + '_ {
        let mut cursor = after;
        std::iter::from_fn(move || {
            let t = self.next_after(cursor, tz)?;
            cursor = t.with_timezone(&Utc);
            Some(t)
        })
    }

    /// Walks matching wall-clock times forward from `wall` and returns the
    /// first instant strictly after `after` at which the job fires.
    fn walk(
        &self,
        mut wall: NaiveDateTime,
        mut inclusive: bool,
        after: DateTime<Utc>,
        tz: Tz,
    ) -> Option<DateTime<Tz>> {
        // Each step lands on a match or jumps past a gap or a repeated hour;
        // the bound only guards against a bug turning into a hang.
        for _ in 0..1000 {
            let candidate = self.cron.find_next_occurrence(&wall, inclusive).ok()?;
            (wall, inclusive) = (candidate, false);
            match tz.from_local_datetime(&candidate) {
                LocalResult::Single(t) if t > after => return Some(t),
                LocalResult::Single(_) => {}
                LocalResult::Ambiguous(early, _) if early > after => return Some(early),
                LocalResult::Ambiguous(_, late) if !self.fixed && late > after => {
                    return Some(late);
                }
                LocalResult::Ambiguous(early, late) => {
                    if self.fixed {
                        // The first pass is over and a fixed-time job never
                        // fires on the second: resume where the repeat ends.
                        let change = fold_change(&early, &late, tz)?;
                        let shift =
                            TimeDelta::seconds(early.offset().fix().local_minus_utc().into());
                        (wall, inclusive) = (change.naive_utc() + shift, true);
                    }
                }
                LocalResult::None => {
                    let end = GapInfo::new(&candidate, &tz)?.end?;
                    if self.fixed && end > after {
                        return Some(end);
                    }
                    (wall, inclusive) = (end.naive_local(), true);
                }
            }
        }
        None
    }
}

/// The first instant of the second pass of a repeated hour, given the two
/// instants of one wall-clock time in it.
fn fold_change(early: &DateTime<Tz>, late: &DateTime<Tz>, tz: Tz) -> Option<DateTime<Tz>> {
    let later_offset = late.offset().fix();
    let on_second_pass = |ts: i64| {
        DateTime::from_timestamp(ts, 0)
            .is_some_and(|u| u.with_timezone(&tz).offset().fix() == later_offset)
    };
    let (mut lo, mut hi) = (early.timestamp(), late.timestamp());
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if on_second_pass(mid) {
            hi = mid
        } else {
            lo = mid
        }
    }
    Some(DateTime::from_timestamp(hi, 0)?.with_timezone(&tz))
}

/// A `CronError`; `at` is (field index in 6-field order, position as written, offending text).
fn error(expr: &str, at: Option<(usize, usize, String)>, message: String) -> CronError {
    let (field, position, value, allowed) = match at {
        Some((idx, position, value)) => (
            Some(SPECS[idx].name),
            Some(position),
            Some(value),
            Some(SPECS[idx].allowed),
        ),
        None => (None, None, None, None),
    };
    CronError {
        expr: expr.to_string(),
        field,
        position,
        value,
        allowed,
        message,
    }
}

fn list(set: u64) -> String {
    let values: Vec<String> = (0..64)
        .filter(|v| set & (1u64 << v) != 0)
        .map(|v| v.to_string())
        .collect();
    values.join(",")
}

/// Parses one field into a bit set, or returns the offending item and a note.
fn parse_field(text: &str, spec: &Spec) -> Result<u64, (String, String)> {
    let mut set = 0u64;
    for item in text.split(',') {
        let bad = |note: &str| {
            let note = if note.is_empty() {
                String::new()
            } else {
                format!(" ({note})")
            };
            (if item.is_empty() { text } else { item }.to_string(), note)
        };
        if item.is_empty() {
            return Err(bad("an empty list item"));
        }
        let (range, step) = match item.split_once('/') {
            None => (item, None),
            Some((range, step)) => match step.parse::<u32>() {
                Ok(s) if (1..=spec.max).contains(&s) => (range, Some(s)),
                _ => return Err(bad(&format!("the step after / must be 1-{}", spec.max))),
            },
        };
        let (lo, hi) = if range == "*" {
            (spec.min, spec.max)
        } else if let Some((a, b)) = range.split_once('-') {
            let (lo, hi) = (value(a, spec, false), value(b, spec, true));
            let (Some(lo), Some(hi)) = (lo, hi) else {
                return Err(bad(""));
            };
            if lo > hi {
                return Err(bad("a range must go from low to high"));
            }
            (lo, hi)
        } else {
            let v = value(range, spec, false).ok_or_else(|| bad(""))?;
            (v, if step.is_some() { spec.max } else { v })
        };
        for v in (lo..=hi).step_by(step.unwrap_or(1) as usize) {
            set |= 1 << v;
        }
    }
    Ok(set)
}

/// A number or a name in range. `sun` ends a range as 7 (`fri-sun`).
fn value(text: &str, spec: &Spec, range_end: bool) -> Option<u32> {
    let v = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()?
    } else {
        let i = spec
            .names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(text))? as u32;
        if range_end && spec.max == 7 && i == 0 {
            7
        } else {
            i + spec.min
        }
    };
    (spec.min..=spec.max).contains(&v).then_some(v)
}

/// Parses an IANA zone name (case-insensitive; "UTC" accepted). The error names
/// the bad zone and suggests up to 3 close names.
pub fn parse_tz(name: &str) -> Result<Tz, String> {
    let name = name.trim();
    if name.eq_ignore_ascii_case("utc") {
        return Ok(Tz::UTC);
    }
    if let Ok(tz) = name.parse::<Tz>() {
        return Ok(tz);
    }
    let all = &chrono_tz::TZ_VARIANTS;
    if let Some(tz) = all.iter().find(|tz| tz.name().eq_ignore_ascii_case(name)) {
        return Ok(*tz);
    }
    let query = name.to_ascii_lowercase().replace(' ', "_");
    // Zone abbreviations ("KST") are matched against what zones use in 2025.
    let abbreviation =
        (2..=5).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphabetic());
    let probes =
        [(2025, 1), (2025, 7)].map(|(y, m)| Utc.with_ymd_and_hms(y, m, 15, 12, 0, 0).unwrap());
    let mut scored: Vec<(usize, bool, &str)> = all
        .iter()
        .filter_map(|tz| {
            let full = tz.name().to_ascii_lowercase();
            let city = full.rsplit('/').next().unwrap_or(&full);
            let abbr_hit = abbreviation
                && probes.iter().any(|p| {
                    p.with_timezone(tz)
                        .format("%Z")
                        .to_string()
                        .eq_ignore_ascii_case(name)
                });
            let score = if abbr_hit || (query.len() >= 3 && full.contains(&query)) {
                0
            } else {
                edit_distance(&query, &full).min(edit_distance(&query, city))
            };
            let legacy = !tz.name().contains('/')
                || ["Etc/", "US/", "Canada/", "Brazil/", "Chile/", "Mexico/"]
                    .iter()
                    .any(|p| tz.name().starts_with(p));
            (score <= (query.len() / 3).clamp(1, 3)).then_some((score, legacy, tz.name()))
        })
        .collect();
    scored.sort();
    let names: Vec<&str> = scored.iter().take(3).map(|s| s.2).collect();
    let mut message = format!(
        "unknown time zone \"{name}\" (expected an IANA name such as \"Asia/Seoul\" or \"UTC\")"
    );
    if !names.is_empty() {
        message.push_str(&format!("; did you mean {}?", names.join(", ")));
    }
    Err(message)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
#[path = "cron_tests.rs"]
mod tests;
