//! Key names as the keymap writes them (`q`, `G`, `<Enter>`, `<C-c>`,
//! `<S-Tab>`) and the normal form a crossterm key event is compared in.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key with its modifiers, normalised: a character carries no SHIFT (the
/// character itself says it), so `G` and `<S-g>` are the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCodeOrd,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

/// The subset of key codes the keymap can name, ordered so keys sort stably.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeOrd {
    Char(char),
    F(u8),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Insert,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
}

const NAMED: &[(&str, KeyCodeOrd)] = &[
    ("Enter", KeyCodeOrd::Enter),
    ("CR", KeyCodeOrd::Enter),
    ("Esc", KeyCodeOrd::Esc),
    ("Tab", KeyCodeOrd::Tab),
    ("BackTab", KeyCodeOrd::BackTab),
    ("Backspace", KeyCodeOrd::Backspace),
    ("BS", KeyCodeOrd::Backspace),
    ("Delete", KeyCodeOrd::Delete),
    ("Del", KeyCodeOrd::Delete),
    ("Insert", KeyCodeOrd::Insert),
    ("Up", KeyCodeOrd::Up),
    ("Down", KeyCodeOrd::Down),
    ("Left", KeyCodeOrd::Left),
    ("Right", KeyCodeOrd::Right),
    ("Home", KeyCodeOrd::Home),
    ("End", KeyCodeOrd::End),
    ("PageUp", KeyCodeOrd::PageUp),
    ("PageDown", KeyCodeOrd::PageDown),
    ("Space", KeyCodeOrd::Char(' ')),
    ("lt", KeyCodeOrd::Char('<')),
];

impl Key {
    pub fn plain(code: KeyCodeOrd) -> Key {
        Key {
            code,
            ctrl: false,
            alt: false,
            shift: false,
        }
        .normal()
    }

    fn normal(mut self) -> Key {
        match self.code {
            KeyCodeOrd::Char(_) => self.shift = false,
            KeyCodeOrd::BackTab => self.shift = false,
            KeyCodeOrd::Tab if self.shift => {
                self.code = KeyCodeOrd::BackTab;
                self.shift = false;
            }
            _ => {}
        }
        self
    }

    /// Parse the keymap's spelling of a key.
    pub fn parse(s: &str) -> Result<Key, String> {
        let bad = || {
            format!("cannot read the key {s:?} (write e.g. \"q\", \"G\", \"<Enter>\", \"<C-c>\")")
        };
        let mut chars = s.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return Ok(Key::plain(KeyCodeOrd::Char(c)));
        }
        let inner = s
            .strip_prefix('<')
            .and_then(|r| r.strip_suffix('>'))
            .filter(|r| !r.is_empty())
            .ok_or_else(bad)?;
        let mut key = Key::plain(KeyCodeOrd::Esc);
        let mut rest = inner;
        while let Some((m, tail)) = rest.split_once('-').filter(|(_, t)| !t.is_empty()) {
            match m {
                "C" | "c" => key.ctrl = true,
                "A" | "a" | "M" | "m" => key.alt = true,
                "S" | "s" => key.shift = true,
                _ => return Err(bad()),
            }
            rest = tail;
        }
        let mut cs = rest.chars();
        key.code = match (cs.next(), cs.next()) {
            (Some(c), None) => KeyCodeOrd::Char(if key.ctrl { c.to_ascii_lowercase() } else { c }),
            _ => {
                if let Some(n) = rest.strip_prefix('F').and_then(|n| n.parse::<u8>().ok()) {
                    KeyCodeOrd::F(n)
                } else {
                    NAMED
                        .iter()
                        .find(|(name, _)| name.eq_ignore_ascii_case(rest))
                        .map(|(_, c)| *c)
                        .ok_or_else(bad)?
                }
            }
        };
        Ok(key.normal())
    }

    /// The key of a terminal event, if the keymap could name it.
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let code = match ev.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(if ev.modifiers.contains(KeyModifiers::CONTROL) {
                c.to_ascii_lowercase()
            } else {
                c
            }),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            KeyCode::Enter => KeyCodeOrd::Enter,
            KeyCode::Esc => KeyCodeOrd::Esc,
            KeyCode::Tab => KeyCodeOrd::Tab,
            KeyCode::BackTab => KeyCodeOrd::BackTab,
            KeyCode::Backspace => KeyCodeOrd::Backspace,
            KeyCode::Delete => KeyCodeOrd::Delete,
            KeyCode::Insert => KeyCodeOrd::Insert,
            KeyCode::Up => KeyCodeOrd::Up,
            KeyCode::Down => KeyCodeOrd::Down,
            KeyCode::Left => KeyCodeOrd::Left,
            KeyCode::Right => KeyCodeOrd::Right,
            KeyCode::Home => KeyCodeOrd::Home,
            KeyCode::End => KeyCodeOrd::End,
            KeyCode::PageUp => KeyCodeOrd::PageUp,
            KeyCode::PageDown => KeyCodeOrd::PageDown,
            _ => return None,
        };
        Some(
            Key {
                code,
                ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
                alt: ev.modifiers.contains(KeyModifiers::ALT),
                shift: ev.modifiers.contains(KeyModifiers::SHIFT),
            }
            .normal(),
        )
    }

    /// How help and the footer show the key: `q`, `Enter`, `C-c`, `S-Tab`.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCodeOrd::Char(' ') => "Space".to_string(),
            KeyCodeOrd::Char(c) => c.to_string(),
            KeyCodeOrd::F(n) => format!("F{n}"),
            KeyCodeOrd::BackTab => "S-Tab".into(),
            KeyCodeOrd::Up => "↑".into(),
            KeyCodeOrd::Down => "↓".into(),
            KeyCodeOrd::Left => "←".into(),
            KeyCodeOrd::Right => "→".into(),
            KeyCodeOrd::PageUp => "PgUp".into(),
            KeyCodeOrd::PageDown => "PgDn".into(),
            other => format!("{other:?}"),
        };
        let mut s = String::new();
        if self.ctrl {
            s.push_str("C-");
        }
        if self.alt {
            s.push_str("A-");
        }
        if self.shift {
            s.push_str("S-");
        }
        s + &base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, m: KeyModifiers) -> Key {
        Key::from_event(&KeyEvent::new(code, m)).unwrap()
    }

    #[test]
    fn spellings_match_events() {
        let cases = [
            ("q", ev(KeyCode::Char('q'), KeyModifiers::NONE)),
            ("G", ev(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            ("<S-g>", ev(KeyCode::Char('g'), KeyModifiers::SHIFT)),
            ("<Enter>", ev(KeyCode::Enter, KeyModifiers::NONE)),
            ("<C-c>", ev(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            ("<S-Tab>", ev(KeyCode::BackTab, KeyModifiers::SHIFT)),
            ("<BackTab>", ev(KeyCode::Tab, KeyModifiers::SHIFT)),
            ("<Space>", ev(KeyCode::Char(' '), KeyModifiers::NONE)),
            ("<F1>", ev(KeyCode::F(1), KeyModifiers::NONE)),
            ("?", ev(KeyCode::Char('?'), KeyModifiers::SHIFT)),
            ("<pagedown>", ev(KeyCode::PageDown, KeyModifiers::NONE)),
        ];
        for (s, k) in cases {
            assert_eq!(Key::parse(s).unwrap(), k, "{s}");
        }
        for bad in ["", "<>", "qq", "<X-q>", "<Nope>", "<Enter"] {
            assert!(Key::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert_eq!(Key::parse("<C-x>").unwrap().label(), "C-x");
        assert_eq!(Key::parse("<S-Tab>").unwrap().label(), "S-Tab");
    }
}
