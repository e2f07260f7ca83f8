//! Given a job's schedule, how far its fires have been dealt with, and now:
//! which fires run on time, which run as a catch-up, and which are recorded as
//! missed (so the history shows the hole). Pure and table-tested.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::CronSchedule;
use crate::domain::job::Misfire;

/// A fire this late is still "on time" (the scheduler was merely busy).
pub const ON_TIME: Duration = Duration::seconds(5);
/// `misfire = "all"` catches up at most this many fires; the rest are missed.
pub const CATCH_UP_CAP: usize = 20;
/// Missed fires recorded one by one; beyond this one row sums up the rest.
pub const MISSED_ROWS_CAP: usize = 100;
/// Fires scanned in one pass before skipping ahead.
const SCAN_CAP: usize = 10_000;

#[derive(Debug, Clone, PartialEq)]
pub enum FireAction {
    /// Run it: `catchup` when it is late beyond `ON_TIME`.
    Run { at: DateTime<Utc>, catchup: bool },
    /// Record it as missed with the reason.
    Missed { at: DateTime<Utc>, reason: String },
}

/// Decide every fire in `(fired_through, now]`.
pub fn plan(
    schedule: &CronSchedule,
    tz: Tz,
    fired_through: DateTime<Utc>,
    now: DateTime<Utc>,
    misfire: Misfire,
    grace: Duration,
) -> Vec<FireAction> {
    let mut fires: Vec<DateTime<Utc>> = schedule
        .fires_between(fired_through, now, tz, SCAN_CAP)
        .into_iter()
        .map(|t| t.with_timezone(&Utc))
        .collect();
    let mut skipped_ahead = 0usize;
    if fires.len() == SCAN_CAP {
        // Too many to list: keep the recent window, sum up the rest.
        let from = (now - grace).max(fired_through);
        skipped_ahead = SCAN_CAP;
        fires = schedule
            .fires_between(from, now, tz, SCAN_CAP)
            .into_iter()
            .map(|t| t.with_timezone(&Utc))
            .collect();
    }
    let (late, on_time): (Vec<_>, Vec<_>) = fires.into_iter().partition(|t| now - *t > ON_TIME);
    let mut out = Vec::new();
    let down = |at: &DateTime<Utc>| {
        format!(
            "no scheduler was running at {}",
            at.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S %Z")
        )
    };
    let newest_late = late.last().copied();
    let mut missed: Vec<(DateTime<Utc>, String)> = Vec::new();
    match misfire {
        Misfire::Skip => {
            for t in &late {
                missed.push((*t, format!("{}; misfire policy is skip", down(t))));
            }
        }
        Misfire::Once => {
            // A fire on time makes a catch-up pointless: the job runs now anyway.
            let catch = newest_late.filter(|t| now - *t <= grace && on_time.is_empty());
            for t in &late {
                if Some(*t) == catch {
                    continue;
                }
                let why = if !on_time.is_empty() {
                    "a fire on time follows".to_string()
                } else if catch.is_some() {
                    "misfire policy once caught up with the newest fire only".to_string()
                } else {
                    format!("older than the misfire grace ({}s)", grace.num_seconds())
                };
                missed.push((*t, format!("{}; {why}", down(t))));
            }
            if let Some(t) = catch {
                out.push(FireAction::Run {
                    at: t,
                    catchup: true,
                });
            }
        }
        Misfire::All => {
            let start = late.len().saturating_sub(CATCH_UP_CAP);
            for t in &late[..start] {
                missed.push((
                    *t,
                    format!("{}; over the catch-up cap of {CATCH_UP_CAP}", down(t)),
                ));
            }
            for t in &late[start..] {
                out.push(FireAction::Run {
                    at: *t,
                    catchup: true,
                });
            }
        }
    }
    if missed.len() > MISSED_ROWS_CAP || skipped_ahead > 0 {
        let extra = missed.len().saturating_sub(MISSED_ROWS_CAP - 1) + skipped_ahead;
        let keep = missed.len().min(MISSED_ROWS_CAP - 1);
        let (first, rest) = missed.split_at(keep);
        let last_at = rest
            .last()
            .map(|(t, _)| *t)
            .or(first.last().map(|(t, _)| *t))
            .unwrap_or(now);
        let mut rows: Vec<(DateTime<Utc>, String)> = first.to_vec();
        rows.push((
            last_at,
            format!(
                "{extra}{} more fires missed up to this one; no scheduler was running",
                if skipped_ahead > 0 { "+" } else { "" }
            ),
        ));
        missed = rows;
    }
    let mut all: Vec<FireAction> = missed
        .into_iter()
        .map(|(at, reason)| FireAction::Missed { at, reason })
        .collect();
    all.extend(out);
    all.extend(
        on_time
            .into_iter()
            .map(|at| FireAction::Run { at, catchup: false }),
    );
    all.sort_by_key(|a| match a {
        FireAction::Run { at, .. } | FireAction::Missed { at, .. } => *at,
    });
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, h, m, 0).unwrap()
    }

    fn summary(a: &[FireAction]) -> Vec<String> {
        a.iter()
            .map(|x| match x {
                FireAction::Run { at, catchup } => format!(
                    "{}{}",
                    if *catchup { "catchup " } else { "run " },
                    at.format("%H:%M")
                ),
                FireAction::Missed { at, .. } => format!("missed {}", at.format("%H:%M")),
            })
            .collect()
    }

    #[test]
    fn policies_after_downtime() {
        let hourly = CronSchedule::parse("0 * * * *").unwrap();
        let tz = chrono_tz::UTC;
        let grace = Duration::hours(1);
        // Down from 01:30 to 04:20: fires at 02:00, 03:00, 04:00 were missed.
        let cases = [
            (
                Misfire::Once,
                vec!["missed 02:00", "missed 03:00", "catchup 04:00"],
            ),
            (
                Misfire::Skip,
                vec!["missed 02:00", "missed 03:00", "missed 04:00"],
            ),
            (
                Misfire::All,
                vec!["catchup 02:00", "catchup 03:00", "catchup 04:00"],
            ),
        ];
        for (policy, want) in cases {
            assert_eq!(
                summary(&plan(&hourly, tz, t(1, 30), t(4, 20), policy, grace)),
                want,
                "{policy:?}"
            );
        }
        // The newest missed fire is older than the grace: nothing runs.
        let short = plan(
            &hourly,
            tz,
            t(1, 30),
            t(4, 20),
            Misfire::Once,
            Duration::minutes(10),
        );
        assert_eq!(
            summary(&short),
            vec!["missed 02:00", "missed 03:00", "missed 04:00"]
        );
        // On time: a fire a few seconds ago simply runs.
        let now = t(4, 0) + Duration::seconds(2);
        assert_eq!(
            summary(&plan(&hourly, tz, t(3, 59), now, Misfire::Skip, grace)),
            vec!["run 04:00"]
        );
        // Nothing due.
        assert!(plan(&hourly, tz, t(4, 0), t(4, 30), Misfire::Once, grace).is_empty());
    }

    #[test]
    fn long_outages_are_summed_up_not_listed() {
        let every_second = CronSchedule::parse("* * * * * *").unwrap();
        let acts = plan(
            &every_second,
            chrono_tz::UTC,
            t(0, 0),
            t(5, 0),
            Misfire::Once,
            Duration::hours(1),
        );
        let missed = acts
            .iter()
            .filter(|a| matches!(a, FireAction::Missed { .. }))
            .count();
        assert_eq!(missed, MISSED_ROWS_CAP);
        let runs: Vec<_> = acts
            .iter()
            .filter(|a| matches!(a, FireAction::Run { .. }))
            .collect();
        assert_eq!(
            runs.len(),
            6,
            "only the fires of the last five seconds run, no extra catch-up"
        );
        let FireAction::Missed { reason, .. } = &acts[MISSED_ROWS_CAP - 1] else {
            panic!()
        };
        assert!(reason.contains("more fires missed"), "{reason}");
    }
}
