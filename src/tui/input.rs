//! One-line text fields (form fields, the filter, the palette, prompts) over
//! `tui_input`, which keeps the cursor by display width. Keys that no keymap
//! entry claims become edits here, readline style.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::{Input, InputRequest};

use super::action::TextEdit;

#[derive(Debug, Clone, Default)]
pub struct TextField {
    input: Input,
}

impl PartialEq for TextField {
    fn eq(&self, other: &TextField) -> bool {
        self.value() == other.value() && self.input.cursor() == other.input.cursor()
    }
}

impl TextField {
    pub fn new(value: &str) -> TextField {
        TextField {
            input: Input::new(value.to_string()),
        }
    }

    pub fn value(&self) -> &str {
        self.input.value()
    }

    /// Cursor position in display columns from the start of the text.
    pub fn cursor_col(&self) -> usize {
        self.input.visual_cursor()
    }

    /// First column shown when the field is `width` columns wide.
    pub fn scroll(&self, width: usize) -> usize {
        self.input.visual_scroll(width)
    }

    pub fn edit(&mut self, e: &TextEdit) {
        let req = match e {
            TextEdit::Insert(c) => InputRequest::InsertChar(*c),
            TextEdit::Paste(s) => {
                // One line: newlines and tabs of a paste become spaces, escapes go.
                for c in super::text::clean(s).chars() {
                    self.input.handle(InputRequest::InsertChar(c));
                }
                return;
            }
            TextEdit::Backspace => InputRequest::DeletePrevChar,
            TextEdit::Delete => InputRequest::DeleteNextChar,
            TextEdit::Left => InputRequest::GoToPrevChar,
            TextEdit::Right => InputRequest::GoToNextChar,
            TextEdit::WordLeft => InputRequest::GoToPrevWord,
            TextEdit::WordRight => InputRequest::GoToNextWord,
            TextEdit::Home => InputRequest::GoToStart,
            TextEdit::End => InputRequest::GoToEnd,
            TextEdit::DeleteWord => InputRequest::DeletePrevWord,
            TextEdit::Clear => InputRequest::DeleteLine,
        };
        self.input.handle(req);
    }
}

/// The edit a key means in a text field, when the keymap did not claim it.
pub fn text_edit(key: &KeyEvent) -> Option<TextEdit> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    Some(match key.code {
        KeyCode::Char(c) if !ctrl && !alt => {
            if c.is_control() {
                return None;
            }
            TextEdit::Insert(c)
        }
        KeyCode::Char('a') if ctrl => TextEdit::Home,
        KeyCode::Char('e') if ctrl => TextEdit::End,
        KeyCode::Char('w') if ctrl => TextEdit::DeleteWord,
        KeyCode::Char('u') if ctrl => TextEdit::Clear,
        KeyCode::Char('h') if ctrl => TextEdit::Backspace,
        KeyCode::Char('b') if alt => TextEdit::WordLeft,
        KeyCode::Char('f') if alt => TextEdit::WordRight,
        KeyCode::Backspace if ctrl || alt => TextEdit::DeleteWord,
        KeyCode::Backspace => TextEdit::Backspace,
        KeyCode::Delete => TextEdit::Delete,
        KeyCode::Left if ctrl || alt => TextEdit::WordLeft,
        KeyCode::Right if ctrl || alt => TextEdit::WordRight,
        KeyCode::Left => TextEdit::Left,
        KeyCode::Right => TextEdit::Right,
        KeyCode::Home => TextEdit::Home,
        KeyCode::End => TextEdit::End,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_moves_the_cursor_two_columns() {
        let mut f = TextField::default();
        for c in "보고서 a".chars() {
            f.edit(&TextEdit::Insert(c));
        }
        assert_eq!(f.value(), "보고서 a");
        assert_eq!(f.cursor_col(), 8);
        f.edit(&TextEdit::Left);
        f.edit(&TextEdit::Left);
        assert_eq!(f.cursor_col(), 6);
        f.edit(&TextEdit::Backspace);
        assert_eq!(f.value(), "보고 a");
        f.edit(&TextEdit::Paste("줄\n바꿈\u{1b}[31m".into()));
        assert_eq!(f.value(), "보고줄 바꿈 a");
    }
}
