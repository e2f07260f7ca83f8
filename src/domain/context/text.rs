//! Text for the context registry's full-text index, and the queries that search
//! it. SQLite's FTS5 tokenizers split on spaces, which fails Korean: "스케줄러"
//! must find "스케줄러에서", where particles are glued to the word. So jr feeds
//! FTS5 a prepared text instead of the message: words in Latin and other
//! space-separated scripts stay words (FTS5's porter/unicode61 then folds case
//! and stems English), while runs of Hangul, kana and Han are cut into
//! overlapping two-character pieces. A Korean query becomes the phrase of its
//! pieces, which matches exactly where the query is a substring. Snippets are
//! cut here from the original message, since the index holds only the pieces.

use unicode_width::UnicodeWidthChar;

/// Scripts written without spaces between words (or with particles glued on).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF       // Hangul Jamo
        | 0x3040..=0x30FF     // Hiragana, Katakana
        | 0x3130..=0x318F     // Hangul compatibility Jamo
        | 0x3400..=0x4DBF     // CJK extension A
        | 0x4E00..=0x9FFF     // CJK unified ideographs
        | 0xA960..=0xA97F     // Hangul Jamo extended A
        | 0xAC00..=0xD7AF     // Hangul syllables
        | 0xD7B0..=0xD7FF     // Hangul Jamo extended B
        | 0xF900..=0xFAFF     // CJK compatibility ideographs
        | 0xFF66..=0xFF9F     // half-width Katakana
        | 0x20000..=0x2FA1F) // CJK extensions B..
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Run {
    Word(String),
    Cjk(Vec<char>),
}

/// Split text into words and CJK runs; everything else separates them.
fn runs(text: &str) -> Vec<Run> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut cjk: Vec<char> = Vec::new();
    for c in text.chars() {
        if is_cjk(c) {
            if !word.is_empty() {
                out.push(Run::Word(std::mem::take(&mut word)));
            }
            cjk.push(c);
        } else if c.is_alphanumeric() || c == '_' {
            if !cjk.is_empty() {
                out.push(Run::Cjk(std::mem::take(&mut cjk)));
            }
            word.push(c);
        } else {
            if !word.is_empty() {
                out.push(Run::Word(std::mem::take(&mut word)));
            }
            if !cjk.is_empty() {
                out.push(Run::Cjk(std::mem::take(&mut cjk)));
            }
        }
    }
    if !word.is_empty() {
        out.push(Run::Word(word));
    }
    if !cjk.is_empty() {
        out.push(Run::Cjk(cjk));
    }
    out
}

/// The overlapping pieces of a CJK run: "스케줄러" → 스케 케줄 줄러.
fn bigrams(chars: &[char]) -> Vec<String> {
    if chars.len() == 1 {
        return vec![chars[0].to_string()];
    }
    chars.windows(2).map(|w| w.iter().collect()).collect()
}

/// The text FTS5 indexes for a message. A CJK run gives its bigrams and then
/// its last character alone, so a one-character query (`집*`) finds it at any
/// position, including the end.
pub fn index_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for run in runs(text) {
        match run {
            Run::Word(w) => {
                out.push_str(&w);
                out.push(' ');
            }
            Run::Cjk(chars) => {
                for b in bigrams(&chars) {
                    out.push_str(&b);
                    out.push(' ');
                }
                if chars.len() > 1 {
                    out.push(chars[chars.len() - 1]);
                    out.push(' ');
                }
            }
        }
    }
    out.pop();
    out
}

/// The index token that stands for a channel or client name: 128 bits of
/// SHA-256 as decimal digits, which the tokenizer keeps whole and the stemmer
/// leaves alone. A search filtered to a channel ANDs this token inside FTS5,
/// which walks both lists together instead of checking each match's row.
pub fn name_token(name: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"jr context name\0");
    h.update(name.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    // A leading 1 keeps the width fixed (no token is a prefix of another).
    format!("1{:039}", u128::from_be_bytes(b))
}

/// One searched term, as the user wrote it (for snippets) and as FTS5 syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Lowercased text to find in a message when cutting a snippet.
    pub needle: String,
    /// True for Latin words: found at word starts and marked to the word's
    /// end; false for CJK text, found anywhere.
    pub word: bool,
}

/// A user's query made safe for FTS5 `MATCH`: every term quoted (no operator
/// in user text can reach FTS5), terms ANDed. `"quoted words"` stay a phrase;
/// a Latin word ending in `*` is a prefix search. `None` when nothing in the
/// query can be searched (only punctuation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub fts: String,
    pub terms: Vec<Term>,
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// English endings off, so a snippet can mark "runs" for "running" as the
/// porter stemmer in the index matched them (a rough cut, for display only).
fn rough_stem(w: &str) -> String {
    for suffix in ["ing", "ed", "es", "er", "ly", "s"] {
        if let Some(stem) = w.strip_suffix(suffix)
            && stem.chars().count() >= 3
        {
            return stem.to_string();
        }
    }
    w.to_string()
}

/// The FTS5 phrase for one piece of text (a word or a quoted phrase), and its terms.
fn phrase(text: &str, prefix: bool, terms: &mut Vec<Term>) -> Option<String> {
    let mut tokens: Vec<String> = Vec::new();
    let rs = runs(text);
    let n = rs.len();
    for (i, run) in rs.into_iter().enumerate() {
        match run {
            Run::Word(w) => {
                terms.push(Term {
                    needle: rough_stem(&w.to_lowercase()),
                    word: true,
                });
                tokens.push(quote(&w));
            }
            Run::Cjk(chars) => {
                terms.push(Term {
                    needle: chars.iter().collect::<String>().to_lowercase(),
                    word: false,
                });
                let last = i + 1 == n;
                if chars.len() == 1 && last {
                    // One character at the end: any piece that starts with it.
                    tokens.push(format!("{}*", quote(&chars[0].to_string())));
                } else {
                    tokens.extend(bigrams(&chars).iter().map(|b| quote(b)));
                    if chars.len() > 1 && !last {
                        // The index puts the run's last character alone before the next run.
                        tokens.push(quote(&chars[chars.len() - 1].to_string()));
                    }
                }
            }
        }
    }
    if tokens.is_empty() {
        return None;
    }
    let mut p = tokens.join(" + ");
    if prefix && !p.ends_with('*') {
        p.push('*');
    }
    Some(p)
}

pub fn parse_query(q: &str) -> Option<Query> {
    let mut parts: Vec<String> = Vec::new();
    let mut terms = Vec::new();
    for (i, chunk) in q.split('"').enumerate() {
        if i % 2 == 1 {
            // Inside quotes: one phrase.
            if let Some(p) = phrase(chunk, false, &mut terms) {
                parts.push(p);
            }
            continue;
        }
        for word in chunk.split_whitespace() {
            let prefix = word.ends_with('*') && word.len() > 1;
            if let Some(p) = phrase(word.trim_end_matches('*'), prefix, &mut terms) {
                parts.push(p);
            }
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(Query {
        fts: parts.join(" AND "),
        terms,
    })
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_cjk(c) || c == '_'
}

/// Byte ranges in `text` where the terms occur (case-insensitive; Latin terms
/// on word starts, CJK terms anywhere), sorted and not overlapping.
pub fn find_terms(text: &str, terms: &[Term]) -> Vec<(usize, usize)> {
    let lower: Vec<(usize, char)> = text
        .char_indices()
        .map(|(i, c)| (i, c.to_lowercase().next().unwrap_or(c)))
        .collect();
    let mut hits = Vec::new();
    for t in terms {
        let needle: Vec<char> = t.needle.chars().collect();
        if needle.is_empty() {
            continue;
        }
        let mut i = 0;
        while i + needle.len() <= lower.len() {
            let matches = lower[i..i + needle.len()]
                .iter()
                .zip(&needle)
                .all(|((_, a), b)| a == b);
            let starts_word = !t.word || i == 0 || !is_word_char(lower[i - 1].1);
            if matches && starts_word {
                let start = lower[i].0;
                // A Latin word is highlighted to its end ("schedul" → "scheduler").
                let mut j = i + needle.len();
                while t.word && j < lower.len() && is_word_char(lower[j].1) {
                    j += 1;
                }
                let end = lower.get(j).map(|(b, _)| *b).unwrap_or(text.len());
                hits.push((start, end));
                i = j;
            } else {
                i += 1;
            }
        }
    }
    hits.sort();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in hits {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// A one-line excerpt of about `width` display columns around the first hit,
/// hits wrapped in `[` `]`, `…` where cut.
pub fn snippet(text: &str, terms: &[Term], width: usize) -> String {
    let hits = find_terms(text, terms);
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let first = hits.first().map(|h| h.0).unwrap_or(0);
    // Start a little before the first hit, at a character boundary.
    let lead = width / 4;
    let mut start = first;
    let mut cols = 0;
    for (i, c) in flat[..first].char_indices().rev() {
        cols += c.width().unwrap_or(0);
        if cols > lead {
            break;
        }
        start = i;
    }
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut cols = 0;
    let mut end = start;
    for (i, c) in flat[start..].char_indices() {
        let at = start + i;
        let w = c.width().unwrap_or(0);
        if cols + w > width {
            break;
        }
        if hits.iter().any(|h| h.0 == at) {
            out.push('[');
        }
        out.push(c);
        cols += w;
        end = at + c.len_utf8();
        if hits.iter().any(|h| h.1 == end) {
            out.push(']');
        }
    }
    if hits.iter().any(|h| h.0 < end && h.1 > end) {
        out.push(']');
    }
    if end < flat.len() {
        out.push('…');
    }
    // Collapse runs of spaces so the line reads well.
    let mut collapsed = String::with_capacity(out.len());
    for c in out.chars() {
        if !(c == ' ' && collapsed.ends_with(' ')) {
            collapsed.push(c);
        }
    }
    collapsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_text_table() {
        let cases = [
            ("스케줄러에서 오류", "스케 케줄 줄러 러에 에서 서 오류 류"),
            ("API를 호출", "API 를 호출 출"),
            ("fix the scheduler, now!", "fix the scheduler now"),
            ("집", "집"),
            ("日本語テスト", "日本 本語 語テ テス スト ト"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(index_text(input), want, "{input}");
        }
    }

    #[test]
    fn query_table() {
        let cases = [
            ("스케줄러", Some("\"스케\" + \"케줄\" + \"줄러\"")),
            ("scheduler bug", Some("\"scheduler\" AND \"bug\"")),
            ("sched*", Some("\"sched\"*")),
            ("\"cron job\"", Some("\"cron\" + \"job\"")),
            ("집", Some("\"집\"*")),
            ("a\"b", Some("\"a\" AND \"b\"")),
            ("NOT OR *", Some("\"NOT\" AND \"OR\"")),
            ("!!! ...", None),
            ("", None),
        ];
        for (q, want) in cases {
            assert_eq!(parse_query(q).map(|q| q.fts), want.map(String::from), "{q}");
        }
    }

    #[test]
    fn snippets_mark_hits_and_never_split_characters() {
        let q = parse_query("스케줄러").unwrap();
        assert_eq!(
            snippet("어제 스케줄러에서 오류가 났다", &q.terms, 40),
            "어제 [스케줄러]에서 오류가 났다"
        );
        let q = parse_query("sched*").unwrap();
        assert_eq!(
            snippet("The Scheduler fires at 7", &q.terms, 40),
            "The [Scheduler] fires at 7"
        );
        let q = parse_query("cat").unwrap();
        // "cat" as a word: not inside "concatenate".
        assert_eq!(find_terms("concatenate a cat", &q.terms), vec![(14, 17)]);
        let long = format!("{} needle {}", "가".repeat(100), "나".repeat(100));
        let s = snippet(&long, &parse_query("needle").unwrap().terms, 30);
        assert!(
            s.starts_with('…') && s.ends_with('…') && s.contains("[needle]"),
            "{s}"
        );
        assert!(
            unicode_width::UnicodeWidthStr::width(s.as_str()) <= 34,
            "{s}"
        );
    }

    #[test]
    fn name_tokens_are_whole_digit_words() {
        let a = name_token("proj3");
        assert_eq!(a.len(), 40);
        assert!(a.chars().all(|c| c.is_ascii_digit()));
        assert_eq!(a, name_token("proj3"));
        assert_ne!(a, name_token("proj30"));
        assert_ne!(name_token("스케줄러"), name_token("스케줄"));
        // The tokenizer keeps it one word.
        assert_eq!(index_text(&a), a);
    }
}
