//! Which language to answer in: Korean when the message has Hangul.

pub fn is_korean(text: &str) -> bool {
    text.chars().any(|c| matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}'))
}

/// Pick the Korean or the English text by the user's message.
pub fn pick<'a>(msg: &str, ko: &'a str, en: &'a str) -> &'a str {
    if is_korean(msg) { ko } else { en }
}

#[cfg(test)]
mod tests {
    #[test]
    fn detects_hangul() {
        assert!(super::is_korean("오늘 뭐 해야 해?"));
        assert!(super::is_korean("backup 잡 언제 돌아?"));
        assert!(!super::is_korean("start task 4"));
    }
}
