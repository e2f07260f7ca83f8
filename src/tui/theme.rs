//! Colours for a dark or light terminal, or none at all under `NO_COLOR`
//! (then only bold, reverse and dim carry meaning).

use ratatui::style::{Color, Modifier, Style};

use crate::config::ThemeName;
use crate::domain::TaskStatus;

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
    pub text: Style,
    pub dim: Style,
    pub title: Style,
    pub accent: Style,
    pub selected: Style,
    pub bar: Style,
    pub key: Style,
    pub error: Style,
    pub warn: Style,
    pub ok: Style,
    pub late: Style,
    dark: bool,
}

impl Theme {
    pub fn new(name: ThemeName, no_color: bool) -> Theme {
        let dark = name == ThemeName::Dark;
        if no_color {
            let plain = Style::new();
            return Theme {
                color: false,
                text: plain,
                dim: plain.add_modifier(Modifier::DIM),
                title: plain.add_modifier(Modifier::BOLD),
                accent: plain.add_modifier(Modifier::BOLD),
                selected: plain.add_modifier(Modifier::REVERSED),
                bar: plain.add_modifier(Modifier::REVERSED),
                key: plain.add_modifier(Modifier::BOLD),
                error: plain.add_modifier(Modifier::BOLD),
                warn: plain.add_modifier(Modifier::BOLD),
                ok: plain,
                late: plain.add_modifier(Modifier::BOLD),
                dark,
            };
        }
        let (fg, dimc, accent, sel_bg, bar_bg) = if dark {
            (
                Color::Reset,
                Color::DarkGray,
                Color::Cyan,
                Color::Indexed(238),
                Color::Indexed(236),
            )
        } else {
            (
                Color::Reset,
                Color::Gray,
                Color::Blue,
                Color::Indexed(153),
                Color::Indexed(254),
            )
        };
        Theme {
            color: true,
            text: Style::new().fg(fg),
            dim: Style::new().fg(dimc),
            title: Style::new().add_modifier(Modifier::BOLD),
            accent: Style::new().fg(accent).add_modifier(Modifier::BOLD),
            selected: Style::new().bg(sel_bg).add_modifier(Modifier::BOLD),
            bar: Style::new().bg(bar_bg),
            key: Style::new().fg(accent).add_modifier(Modifier::BOLD),
            error: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            warn: Style::new().fg(if dark {
                Color::Yellow
            } else {
                Color::Indexed(130)
            }),
            ok: Style::new().fg(Color::Green),
            late: Style::new().fg(Color::Red),
            dark,
        }
    }

    pub fn status(&self, s: TaskStatus) -> Style {
        if !self.color {
            return match s {
                TaskStatus::Done | TaskStatus::Cancelled => self.dim,
                TaskStatus::InProgress => self.title,
                _ => self.text,
            };
        }
        let c = match s {
            TaskStatus::Pending => return self.text,
            TaskStatus::InProgress => Color::Cyan,
            TaskStatus::Review => Color::Magenta,
            TaskStatus::Done => Color::Green,
            TaskStatus::Cancelled => return self.dim,
        };
        let c = if !self.dark && c == Color::Cyan {
            Color::Blue
        } else {
            c
        };
        Style::new().fg(c)
    }

    pub fn priority(&self, p: u8) -> Style {
        match p {
            0 => self.error,
            1 => self.warn,
            _ => self.dim,
        }
    }
}
