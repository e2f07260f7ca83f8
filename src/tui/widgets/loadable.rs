//! Data a pane asked the worker for: not here yet, here, or failed — and the
//! one line a view shows while it is loading or after it failed.

use ratatui::text::Line;

use crate::tui::text;
use crate::tui::theme::Theme;

#[derive(Debug, Clone, PartialEq)]
pub struct Loadable<T> {
    data: Option<T>,
    error: Option<String>,
}

impl<T> Default for Loadable<T> {
    fn default() -> Self {
        Loadable {
            data: None,
            error: None,
        }
    }
}

impl<T> Loadable<T> {
    /// The answer came: keep it, forget an earlier error.
    pub fn set(&mut self, data: T) {
        self.data = Some(data);
        self.error = None;
    }

    /// The request failed: say why (what was shown before stays).
    pub fn fail(&mut self, error: impl Into<String>) {
        self.error = Some(error.into());
    }

    pub fn as_ref(&self) -> Option<&T> {
        self.data.as_ref()
    }

    pub fn as_mut(&mut self) -> Option<&mut T> {
        self.data.as_mut()
    }

    pub fn is_some(&self) -> bool {
        self.data.is_some()
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// An answer (data or error) came back: the pane is loaded.
    pub fn loaded(&self) -> bool {
        self.data.is_some() || self.error.is_some()
    }

    /// The data, or (drawn in `area` instead of it) the loading or error
    /// line and None: how a view starts.
    pub fn or_status(
        &self,
        f: &mut ratatui::Frame<'_>,
        area: ratatui::layout::Rect,
        t: &Theme,
    ) -> Option<&T> {
        if self.data.is_none() {
            let msg = self.status_line(t).unwrap_or_default();
            f.render_widget(ratatui::widgets::Paragraph::new(msg), area);
        }
        self.data.as_ref()
    }

    /// The line a view shows instead of (or above) the data: the error, or
    /// "loading…" before the first answer; None when there is data and no error.
    pub fn status_line(&self, t: &Theme) -> Option<Line<'static>> {
        match (&self.error, &self.data) {
            (Some(e), _) => Some(Line::styled(format!(" {}", text::clean(e)), t.error)),
            (None, None) => Some(Line::styled(" loading…", t.dim)),
            (None, Some(_)) => None,
        }
    }
}
