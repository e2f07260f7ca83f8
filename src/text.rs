//! Text laid out by display width (Korean and other wide characters take two
//! columns), shared by the CLI's tables and the TUI; and text made safe for
//! a terminal (`visible`). Pure.

use std::borrow::Cow;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Text from outside (job output, agents, Dagster logs, titles, context)
/// with every control character shown instead of obeyed: ESC as `␛` (so
/// `ESC[2J` prints as `␛[2J`), other C0 controls as their control pictures
/// (`\r` as `␍`), DEL as `␡`, C1 controls (U+0080–U+009F, e.g. the one-byte
/// CSI U+009B) and bidirectional overrides as `<U+009B>`. Newline and tab
/// stay. With `keep_sgr`, colour sequences (`ESC[…m` with the plain SGR
/// parameters of `sgr_ok`) are kept — jr's own styling, or a job's colours
/// when the user asks for them.
pub fn visible(s: &str, keep_sgr: bool) -> Cow<'_, str> {
    if !s.chars().any(is_hostile) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c == '\u{1b}'
            && keep_sgr
            && let Some(n) = sgr_len(rest)
        {
            out.push_str(&rest[..n]);
            rest = &rest[n..];
            continue;
        }
        match c {
            '\n' | '\t' => out.push(c),
            '\u{1b}' => out.push('␛'),
            '\u{7f}' => out.push('␡'),
            c if (c as u32) < 0x20 => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
            c if is_hostile(c) => out.push_str(&format!("<U+{:04X}>", c as u32)),
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

/// A character a terminal would obey rather than show (newline and tab aside).
pub fn is_hostile(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The length of an SGR sequence at the start of `s` whose every parameter
/// only sets or resets colour, bold, dim, italic or underline; else None
/// (conceal, blink, reverse and anything that is not SGR are refused).
fn sgr_len(s: &str) -> Option<usize> {
    let body = s.strip_prefix("\u{1b}[")?;
    let end = body.find(|c: char| !(c.is_ascii_digit() || c == ';'))?;
    if body.as_bytes()[end] != b'm' || end > 64 {
        return None;
    }
    let params = &body[..end];
    let mut parts = params.split(';').peekable();
    while let Some(p) = parts.next() {
        let n: u16 = if p.is_empty() { 0 } else { p.parse().ok()? };
        match n {
            0..=4 | 22..=24 | 30..=37 | 39 | 40..=47 | 49 | 90..=97 | 100..=107 => {}
            // 38;5;N and 48;5;N (256 colours), 38;2;R;G;B (true colour).
            38 | 48 => match parts.next()? {
                "5" => {
                    parts.next()?.parse::<u8>().ok()?;
                }
                "2" => {
                    for _ in 0..3 {
                        parts.next()?.parse::<u8>().ok()?;
                    }
                }
                _ => return None,
            },
            _ => return None,
        }
    }
    Some(2 + end + 1)
}

/// At most `max` columns; cut text ends in `…`. Never splits a character.
pub fn fit(s: &str, max: usize) -> String {
    if s.width() <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut w = 0;
    let mut out = String::new();
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw + 1 > max {
            break;
        }
        w += cw;
        out.push(c);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_neutralises_every_control_sequence() {
        let table = [
            ("\u{1b}[2J\u{1b}[H", false, "␛[2J␛[H"),
            ("\u{1b}]0;pwned\u{7}", false, "␛]0;pwned␇"),
            ("\u{1b}]52;c;ZWNobw==\u{1b}\\", false, "␛]52;c;ZWNobw==␛\\"),
            ("\u{1b}P+q\u{1b}\\", false, "␛P+q␛\\"),
            ("\u{1b}[6n", true, "␛[6n"),
            ("a\rb", false, "a␍b"),
            ("\u{9b}2J \u{9d}0;x", false, "<U+009B>2J <U+009D>0;x"),
            ("abc\u{202e}fed", false, "abc<U+202E>fed"),
            ("\u{7f}\u{0}", false, "␡␀"),
            ("\u{1b}[31m빨강\u{1b}[0m", false, "␛[31m빨강␛[0m"),
            ("\u{1b}[31m빨강\u{1b}[0m", true, "\u{1b}[31m빨강\u{1b}[0m"),
            (
                "\u{1b}[1;38;5;208mx\u{1b}[m",
                true,
                "\u{1b}[1;38;5;208mx\u{1b}[m",
            ),
            ("\u{1b}[8mhidden", true, "␛[8mhidden"),
            ("\u{1b}[38;5;999m", true, "␛[38;5;999m"),
            ("tab\tand\nnewline 한글", false, "tab\tand\nnewline 한글"),
        ];
        for (input, keep, want) in table {
            assert_eq!(visible(input, keep), want, "{input:?}");
        }
        assert!(matches!(visible("plain 한글", false), Cow::Borrowed(_)));
    }

    #[test]
    fn fit_never_splits_a_wide_character() {
        assert_eq!(fit("스케줄러에서", 7), "스케줄…");
        assert_eq!(fit("abc", 7), "abc");
        assert!(fit("스케줄러에서", 7).width() <= 7);
        assert_eq!(fit("abc", 0), "");
    }
}
