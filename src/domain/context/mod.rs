//! The context registry's plain data: conversation messages from AI clients
//! with their provenance (channel, session, client, role), and the pure rules
//! for them — name checks, the duplicate key, secret redaction and the text
//! the full-text index is fed. No I/O.

pub mod redact;
pub mod text;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::rfc3339;

/// The longest message the registry stores (a pasted log is fine; a whole
/// repository is not).
pub const MAX_CONTENT_BYTES: usize = 256 * 1024;

/// The roles a message may have.
pub const ROLES: [&str; 4] = ["user", "assistant", "system", "tool"];

/// A message to store, before redaction.
#[derive(Debug, Clone, Default)]
pub struct NewMessage {
    pub channel: String,
    pub session: String,
    pub client: String,
    pub role: String,
    pub content: String,
    pub created_at: Option<DateTime<Utc>>,
    /// A JSON object, or None.
    pub metadata: Option<serde_json::Value>,
    /// The client's own id for the message (Claude Code's line uuid), when it
    /// has one: re-imports are then recognised even if a channel was renamed.
    pub external_id: Option<String>,
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    pub id: i64,
    pub channel: String,
    pub session: String,
    pub client: String,
    pub role: String,
    pub content: String,
    #[serde(with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    pub metadata: Option<serde_json::Value>,
}

/// Channel, session and client names: 1..=200 characters, no control characters.
pub fn check_name(what: &str, value: &str) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(format!("the {what} must not be empty"));
    }
    if v.chars().count() > 200 {
        return Err(format!("the {what} is longer than 200 characters"));
    }
    if v.chars().any(char::is_control) {
        return Err(format!("the {what} must not contain control characters"));
    }
    Ok(v.to_string())
}

pub fn check_role(role: &str) -> Result<String, String> {
    let r = role.trim().to_lowercase();
    match r.as_str() {
        "user" | "assistant" | "system" | "tool" => Ok(r),
        "human" => Ok("user".into()),
        "ai" | "model" | "bot" => Ok("assistant".into()),
        _ => Err(format!(
            "unknown role {role:?}; use one of {}",
            ROLES.join(", ")
        )),
    }
}

/// A search's lower time bound: `7d`, `24h`, `2w`, `30m` ago; `today`;
/// `YYYY-MM-DD` (from the start of that day in `tz`); or RFC 3339.
pub fn parse_since(
    s: &str,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Result<DateTime<Utc>, String> {
    use chrono::{Duration, NaiveDate, TimeZone};
    let t = s.trim().to_lowercase();
    let t = t.trim_start_matches('-');
    let bad =
        || format!("cannot read {s:?} as a time; use 7d, 24h, 2w, today, YYYY-MM-DD or RFC 3339");
    let day_start = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(bad)
    };
    let earliest = || {
        NaiveDate::from_ymd_opt(1, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc())
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    };
    if t == "today" || t == "오늘" {
        return day_start(now.with_timezone(&tz).date_naive());
    }
    if let Some(unit) = t.chars().last().filter(|c| c.is_ascii_alphabetic())
        && let Ok(n) = t[..t.len() - 1].parse::<i64>()
    {
        let d = match unit {
            'm' => Duration::try_minutes(n),
            'h' => Duration::try_hours(n),
            'd' => Duration::try_days(n),
            'w' => Duration::try_weeks(n),
            _ => return Err(bad()),
        };
        // Further back than the year 1 means "everything".
        return Ok(d
            .and_then(|d| now.checked_sub_signed(d))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
            .max(earliest()));
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return day_start(d);
    }
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| bad())
}

/// The key that makes a second copy of a message a duplicate: the client's
/// own message id when there is one, else where, who, when and what.
pub fn content_hash(
    client: &str,
    external_id: Option<&str>,
    channel: &str,
    session: &str,
    role: &str,
    created_at_ms: i64,
    content: &str,
) -> Vec<u8> {
    let mut h = Sha256::new();
    match external_id {
        Some(id) => {
            for part in ["ext", client, id] {
                h.update(part.as_bytes());
                h.update([0]);
            }
        }
        None => {
            let at = created_at_ms.to_string();
            for part in ["msg", channel, session, role, &at, content] {
                h.update(part.as_bytes());
                h.update([0]);
            }
        }
    }
    h.finalize()[..16].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_roles() {
        assert_eq!(check_name("channel", " gateway ").unwrap(), "gateway");
        assert!(check_name("channel", "  ").is_err());
        assert!(check_name("session", "a\nb").is_err());
        assert_eq!(check_role("Human").unwrap(), "user");
        assert_eq!(check_role("assistant").unwrap(), "assistant");
        assert!(check_role("narrator").is_err());
    }

    #[test]
    fn since_table() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let tz = chrono_tz::Asia::Seoul;
        let cases = [
            ("7d", Some("2026-11-15T12:00:00+00:00")),
            ("24h", Some("2026-11-21T12:00:00+00:00")),
            ("2w", Some("2026-11-08T12:00:00+00:00")),
            ("today", Some("2026-11-21T15:00:00+00:00")),
            ("2026-11-01", Some("2026-10-31T15:00:00+00:00")),
            ("2026-11-01T00:00:00Z", Some("2026-11-01T00:00:00+00:00")),
            ("yesterday-ish", None),
            ("7y", None),
        ];
        for (input, want) in cases {
            assert_eq!(
                parse_since(input, now, tz).ok().map(|t| t.to_rfc3339()),
                want.map(String::from),
                "{input}"
            );
        }
    }

    #[test]
    fn the_duplicate_key() {
        let a = content_hash("cli", None, "c", "s", "user", 1, "hi");
        assert_eq!(a, content_hash("cli", None, "c", "s", "user", 1, "hi"));
        assert_ne!(a, content_hash("cli", None, "c", "s", "user", 2, "hi"));
        assert_ne!(a, content_hash("cli", None, "c", "s2", "user", 1, "hi"));
        // Field boundaries count: ("ab", "c") differs from ("a", "bc").
        assert_ne!(
            content_hash("x", None, "ab", "c", "user", 1, ""),
            content_hash("x", None, "a", "bc", "user", 1, "")
        );
        let e = content_hash("claude-code", Some("u1"), "c", "s", "user", 1, "hi");
        assert_eq!(
            e,
            content_hash("claude-code", Some("u1"), "other", "s", "user", 9, "x")
        );
        assert_eq!(a.len(), 16);
    }
}
