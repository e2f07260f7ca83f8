//! Knowledge cards and their review schedule: SM-2 (SuperMemo 2), the
//! algorithm Anki grew from. Pure.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Card {
    pub id: i64,
    pub question: String,
    pub answer: String,
    #[serde(with = "super::rfc3339")]
    pub created_at: DateTime<Utc>,
    pub run_id: Option<i64>,
    pub ease: f64,
    pub interval_days: i64,
    pub repetitions: i64,
    #[serde(with = "super::rfc3339")]
    pub due_at: DateTime<Utc>,
    #[serde(with = "super::rfc3339::option")]
    pub reviewed_at: Option<DateTime<Utc>>,
    pub last_grade: Option<u8>,
    pub reviews: i64,
    /// Context message ids the card was made from.
    pub sources: Vec<i64>,
}

/// The longest a card waits for its next review: 100 years.
pub const MAX_INTERVAL_DAYS: i64 = 36_525;

/// The schedule part of a card.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sm2 {
    pub ease: f64,
    pub interval_days: i64,
    pub repetitions: i64,
}

impl Sm2 {
    pub const NEW: Sm2 = Sm2 {
        ease: 2.5,
        interval_days: 0,
        repetitions: 0,
    };

    /// Grade 0..=5 (0–2: forgotten, 3: hard, 4: good, 5: easy) → the next
    /// state and when the card is due again.
    pub fn review(self, grade: u8, now: DateTime<Utc>) -> (Sm2, DateTime<Utc>) {
        let q = grade.min(5) as f64;
        let ease = (self.ease + 0.1 - (5.0 - q) * (0.08 + (5.0 - q) * 0.02)).max(1.3);
        let next = if grade < 3 {
            // Forgotten: start over, see it again soon (10 minutes).
            return (
                Sm2 {
                    ease,
                    interval_days: 0,
                    repetitions: 0,
                },
                now + Duration::minutes(10),
            );
        } else {
            let repetitions = self.repetitions + 1;
            let interval_days = match repetitions {
                1 => 1,
                2 => 6,
                // At most 100 years: an interval that grows by its ease on
                // every review must not overflow the date it is added to.
                _ => ((self.interval_days.max(1) as f64) * ease)
                    .round()
                    .min(MAX_INTERVAL_DAYS as f64) as i64,
            };
            Sm2 {
                ease,
                interval_days,
                repetitions,
            }
        };
        let due = Duration::try_days(next.interval_days.clamp(0, MAX_INTERVAL_DAYS))
            .and_then(|d| now.checked_add_signed(d))
            .unwrap_or(now);
        (next, due)
    }
}

/// Words people grade with: again/hard/good/easy, or 0–5.
pub fn parse_grade(s: &str) -> Result<u8, String> {
    match s.trim().to_lowercase().as_str() {
        "again" | "다시" | "fail" => Ok(1),
        "hard" | "어려움" => Ok(3),
        "good" | "좋음" => Ok(4),
        "easy" | "쉬움" => Ok(5),
        n => n
            .parse::<u8>()
            .ok()
            .filter(|g| *g <= 5)
            .ok_or_else(|| format!("grade {s:?}: use again, hard, good, easy or 0-5")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn sm2_schedule() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap();
        let (s1, d1) = Sm2::NEW.review(4, now);
        assert_eq!((s1.repetitions, s1.interval_days), (1, 1));
        assert_eq!(d1, now + Duration::days(1));
        let (s2, _) = s1.review(4, d1);
        assert_eq!(s2.interval_days, 6);
        let (s3, _) = s2.review(5, d1);
        assert_eq!(s3.interval_days, (6.0 * s3.ease).round() as i64);
        assert!(s3.ease > 2.5, "easy raises the ease");
        let (lapsed, due) = s3.review(1, now);
        assert_eq!((lapsed.repetitions, lapsed.interval_days), (0, 0));
        assert_eq!(due, now + Duration::minutes(10));
        assert!(lapsed.ease < s3.ease);
        let mut s = Sm2::NEW;
        for _ in 0..20 {
            s = s.review(0, now).0;
        }
        assert!((s.ease - 1.3).abs() < 1e-9, "ease never drops below 1.3");
    }

    #[test]
    fn grades() {
        assert_eq!(parse_grade("good"), Ok(4));
        assert_eq!(parse_grade("다시"), Ok(1));
        assert_eq!(parse_grade("5"), Ok(5));
        assert!(parse_grade("7").is_err());
    }
}
