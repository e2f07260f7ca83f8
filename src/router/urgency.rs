//! Urgency signals in a message: 긴급, 급해, 당장, 지금 바로, ASAP, urgent, a
//! deadline minutes away, a customer waiting.

/// Phrases that mark a message urgent, lower-cased.
const SIGNALS: &[&str] = &[
    "긴급",
    "급해",
    "급함",
    "급합니다",
    "급하게",
    "당장",
    "지금 바로",
    "지금바로",
    "빨리",
    "서둘러",
    "장애",
    "다운됐",
    "고객이 기다",
    "asap",
    "urgent",
    "urgently",
    "immediately",
    "right now",
    "right away",
    "emergency",
    "outage",
    "production is down",
    "prod is down",
    "prod down",
    "site is down",
    "server is down",
    "data loss",
    "critical",
    "customer is waiting",
    "customers are waiting",
];

pub fn is_urgent(msg: &str) -> bool {
    let m = msg.to_lowercase();
    // Shouted: "disable it NOW".
    let shouted = msg
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w == "NOW");
    shouted || SIGNALS.iter().any(|s| m.contains(s)) || deadline_minutes_away(&m)
}

/// "in 10 minutes", "10분 안에", "30분 내로", "within 15 min".
fn deadline_minutes_away(m: &str) -> bool {
    let words: Vec<&str> = m
        .split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    for (i, w) in words.iter().enumerate() {
        // Korean: "10분" followed by 안에/내로/내에/후에 마감.
        if let Some(num) = w
            .strip_suffix("분")
            .or_else(|| w.strip_suffix("분안에"))
            .or_else(|| w.strip_suffix("분내로"))
            && num.parse::<u32>().is_ok_and(|n| n <= 60)
        {
            let next = words.get(i + 1).copied().unwrap_or("");
            if w.ends_with("안에")
                || w.ends_with("내로")
                || ["안에", "내로", "내에", "안으로", "뒤", "후", "후에"]
                    .iter()
                    .any(|x| next.starts_with(x))
            {
                return true;
            }
        }
        // English: "in|within [the next] N min(s|utes)".
        if *w == "in" || *w == "within" {
            let skip = if words.get(i + 1) == Some(&"the") && words.get(i + 2) == Some(&"next") {
                2
            } else {
                0
            };
            if let Some(n) = words.get(i + 1 + skip).and_then(|n| n.parse::<u32>().ok())
                && n <= 60
                && words
                    .get(i + 2 + skip)
                    .is_some_and(|u| u.starts_with("min"))
            {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::is_urgent;

    #[test]
    fn signals() {
        for m in [
            "지금 당장 장애 원인 분석해줘, 고객이 기다려",
            "URGENT: fix the deploy",
            "10분 안에 보고서 필요해",
            "need this in 15 minutes",
            "ASAP please",
        ] {
            assert!(is_urgent(m), "{m}");
        }
        for m in [
            "매주 월요일마다 리포트 메일 보내는 잡 하나 짜줘",
            "refactor the parser when you have time",
            "오늘 뭐 해야 해?",
            "run it in 3 days",
        ] {
            assert!(!is_urgent(m), "{m}");
        }
    }
}
