//! Text helpers of the rules: phrase matching at word starts, the
//! normalised message, its words, a token's ASCII slug. A leaf: it imports
//! nothing of the router.

/// Whether any phrase occurs in `m`. An English phrase must start at a word
/// boundary ("lease" is not in "please"; "fail" is in "failed"); Korean ones
/// match anywhere, since particles attach to words.
pub fn has(m: &str, words: &[&str]) -> bool {
    words.iter().any(|w| {
        let starts_word = w.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if !starts_word {
            return m.contains(w);
        }
        m.match_indices(w).any(|(i, _)| {
            m[..i]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric())
        })
    })
}

/// Lower-cased, trailing punctuation trimmed.
pub fn norm(msg: &str) -> String {
    msg.trim()
        .trim_end_matches(['!', '.', '~', '！', '。'])
        .trim()
        .to_lowercase()
}

/// Words of the message, split on spaces and punctuation.
pub fn tokens(m: &str) -> Vec<&str> {
    m.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                ',' | '?' | '!' | '"' | '\'' | '(' | ')' | ':' | '`' | '—' | '–'
            )
    })
    .filter(|t| !t.is_empty())
    .collect()
}

/// The ASCII slug at the start of a token: "backup을" → "backup".
pub fn slug(t: &str) -> &str {
    let end = t
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .map(|(i, _)| i);
    match end {
        Some(i) if i > 0 => &t[..i],
        _ => t,
    }
}
