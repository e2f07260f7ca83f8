//! Text laid out by display width (Korean and other wide characters take two
//! columns), shared by the CLI's tables and the TUI. Pure.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

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
    fn fit_never_splits_a_wide_character() {
        assert_eq!(fit("스케줄러에서", 7), "스케줄…");
        assert_eq!(fit("abc", 7), "abc");
        assert!(fit("스케줄러에서", 7).width() <= 7);
        assert_eq!(fit("abc", 0), "");
    }
}
