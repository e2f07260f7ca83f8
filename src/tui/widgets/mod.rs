//! What panes share: a list with scroll and selection (one `navigate` for
//! every list), a `Loadable` with its loading/error line, form fields and
//! the yes/no question, and small formatting. Leaves: they know no pane.

pub mod fmt;
pub mod form;
pub mod list;
pub mod loadable;
