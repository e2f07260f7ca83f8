//! Text from the database made safe for the screen and laid out by display
//! width: ANSI escapes and control characters removed (they would move the
//! cursor or change colours under ratatui's feet), Korean and other wide
//! characters counted as two columns, nothing cut in the middle of one.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// One screen line: escape sequences dropped, control characters (newlines
/// and tabs too) and bidi overrides turned into spaces.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            '\u{9b}' => skip_csi(&mut chars),
            c if c.is_control() => out.push(' '),
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Several lines (a task body): each line cleaned, tabs as spaces.
pub fn clean_lines(s: &str) -> Vec<String> {
    s.lines().map(|l| clean(&l.replace('\t', "    "))).collect()
}

fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    // Parameters and intermediates, then one final byte in @..~.
    for c in chars.by_ref() {
        if ('@'..='~').contains(&c) {
            break;
        }
    }
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        // OSC, DCS, APC, PM, SOS: up to BEL or ESC \.
        Some(']' | 'P' | '_' | '^' | 'X') => {
            while let Some(c) = chars.next() {
                if c == '\u{7}' {
                    break;
                }
                if c == '\u{1b}' {
                    if chars.peek() == Some(&'\\') {
                        chars.next();
                    }
                    break;
                }
            }
        }
        // Two-byte sequences (ESC c, ESC 7, charset selection ESC ( B ...).
        Some('(' | ')' | '*' | '+') => {
            chars.next();
        }
        _ => {}
    }
}

pub fn width(s: &str) -> usize {
    s.width()
}

pub use crate::text::fit;

/// Exactly `cols` columns: cut with `…` or padded with spaces.
pub fn pad(s: &str, cols: usize) -> String {
    let mut t = fit(s, cols);
    let w = t.width();
    t.extend(std::iter::repeat_n(' ', cols.saturating_sub(w)));
    t
}

/// Exactly `cols` columns, right-aligned.
pub fn pad_left(s: &str, cols: usize) -> String {
    let t = fit(s, cols);
    let w = t.width();
    " ".repeat(cols.saturating_sub(w)) + &t
}

/// Word-wrap one line to `cols` columns by display width (long words are broken).
pub fn wrap(s: &str, cols: usize) -> Vec<String> {
    let cols = cols.max(1);
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut w = 0;
    for word in s.split_inclusive(' ') {
        let ww = word.width();
        if w + ww > cols && !cur.is_empty() {
            lines.push(cur.trim_end().to_string());
            cur.clear();
            w = 0;
        }
        if ww > cols {
            for c in word.chars() {
                let cw = c.width().unwrap_or(0);
                if w + cw > cols {
                    lines.push(std::mem::take(&mut cur));
                    w = 0;
                }
                cur.push(c);
                w += cw;
            }
        } else {
            cur.push_str(word);
            w += ww;
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur.trim_end().to_string());
    }
    lines
}

/// The text after its first `cols` display columns.
pub fn skip_cols(s: &str, cols: usize) -> String {
    let mut w = 0;
    s.chars()
        .skip_while(|c| {
            let skip = w < cols;
            w += unicode_width::UnicodeWidthChar::width(*c).unwrap_or(0);
            skip
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_controls_cannot_reach_the_screen() {
        assert_eq!(clean("a\u{1b}[31mred\u{1b}[0m b"), "ared b");
        assert_eq!(clean("x\u{1b}]0;title\u{7}y"), "xy");
        assert_eq!(
            clean("x\u{1b}]8;;http://e\u{1b}\\link\u{1b}]8;;\u{1b}\\y"),
            "xlinky"
        );
        assert_eq!(clean("줄1\n줄2\r\t끝"), "줄1 줄2  끝");
        assert_eq!(clean("a\u{202e}b\u{7}"), "ab ");
        assert_eq!(clean("clear\u{1b}c!"), "clear!");
    }

    #[test]
    fn fitting_and_padding_by_display_width() {
        assert_eq!(fit("스케줄러에서", 7), "스케줄…");
        assert_eq!(pad("한글", 6), "한글  ");
        assert_eq!(pad("한글과컴퓨터", 5), "한글…");
        assert_eq!(width(&pad("한글과컴퓨터", 5)), 5);
        // An odd column count cannot hold half a syllable: it is padded instead.
        assert_eq!(pad("가나다", 4), "가… ");
        assert_eq!(pad_left("3", 3), "  3");
    }

    #[test]
    fn wrapping_keeps_wide_characters_whole() {
        let lines = wrap("스케줄러 버그를 고치고 테스트를 추가한다", 10);
        assert!(lines.iter().all(|l| width(l) <= 10), "{lines:?}");
        assert_eq!(
            lines.concat().replace(' ', ""),
            "스케줄러버그를고치고테스트를추가한다"
        );
        assert_eq!(wrap("", 5), vec![String::new()]);
    }
}
