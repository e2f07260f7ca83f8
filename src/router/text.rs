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
    words(m).collect()
}

/// The words of [`tokens`] one by one, for loops that need no vector.
pub fn words(m: &str) -> impl Iterator<Item = &str> {
    m.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                ',' | '?' | '!' | '"' | '\'' | '(' | ')' | ':' | '`' | '—' | '–'
            )
    })
    .filter(|t| !t.is_empty())
}

/// The word with whatever is not a letter or digit trimmed from its ends
/// (ASCII words, most of them, without the Unicode tables).
pub fn bare(w: &str) -> &str {
    // Hangul syllables before the Unicode tables: most non-ASCII words here.
    let keep = |c: char| {
        c.is_ascii_alphanumeric()
            || ('\u{AC00}'..='\u{D7A3}').contains(&c)
            || (!c.is_ascii() && c.is_alphanumeric())
    };
    w.trim_matches(|c: char| !keep(c))
}

/// Which byte pairs occur in a text: a quick "cannot be a substring"
/// before a substring search, which is costly to set up hundreds of times.
pub struct Pairs(Box<[u64; 1024]>);

impl Pairs {
    pub fn of(m: &str) -> Self {
        let mut bits = Box::new([0u64; 1024]);
        for w in m.as_bytes().windows(2) {
            let i = (w[0] as usize) << 8 | w[1] as usize;
            bits[i / 64] |= 1 << (i % 64);
        }
        Pairs(bits)
    }

    /// False when `needle` (two bytes or more) cannot occur in the text:
    /// its first or last byte pair does not.
    pub fn may_hold(&self, needle: &str) -> bool {
        let b = needle.as_bytes();
        if b.len() < 2 {
            return true;
        }
        let has = |x: u8, y: u8| {
            let i = (x as usize) << 8 | y as usize;
            self.0[i / 64] & (1 << (i % 64)) != 0
        };
        has(b[0], b[1]) && has(b[b.len() - 2], b[b.len() - 1])
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_rule_out_only_what_cannot_occur() {
        let p = Pairs::of("작업 3 write the weekly report");
        for inside in ["write the", "작업", "report", "weekly report", "x"] {
            assert!(p.may_hold(inside), "{inside}");
        }
        for absent in ["wrong", "서버", "reports!"] {
            assert!(!p.may_hold(absent), "{absent}");
        }
    }

    #[test]
    fn bare_trims_what_is_not_a_letter_or_digit() {
        assert_eq!(bare("(backup),"), "backup");
        assert_eq!(bare("「작업」"), "작업");
        assert_eq!(bare("-é-"), "é");
        assert_eq!(bare("..."), "");
    }
}
