//! Drawing the inline add/edit form, the split prompt and the delete
//! question over the bottom of the Tasks pane. The real terminal cursor is
//! put in the focused field, so an input method composes Korean in place.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

use super::TasksPane;
use crate::tui::input::TextField;
use crate::tui::pane::View;
use crate::tui::text;
use crate::tui::widgets::form::{boxed, confirm, field_view, fields};

pub(super) fn draw(f: &mut Frame<'_>, area: Rect, p: &TasksPane, v: &View<'_>) {
    let t = v.theme;
    if let Some(form) = &p.form {
        let h = (form.fields.len() as u16 + 4).min(area.height);
        let r = Rect::new(area.x, area.bottom() - h, area.width, h);
        let block = boxed(text::fit(&form.title(), area.width as usize - 6), v);
        let inner = block.inner(r);
        f.render_widget(Clear, r);
        f.render_widget(block, r);
        let rows: Vec<(&str, &TextField)> =
            form.fields.iter().map(|(k, f)| (k.label(), f)).collect();
        fields(f, inner, &rows, form.focus, v);
        let msg = match (&form.error, form.saving) {
            (Some(e), _) => Line::styled(format!(" {}", text::clean(e)), t.error),
            (None, true) => Line::styled(" saving…", t.dim),
            (None, false) => Line::styled(format!(" {}", form.fields[form.focus].0.hint()), t.dim),
        };
        let y = inner.y + form.fields.len() as u16 + 1;
        if y < inner.bottom() {
            f.render_widget(Paragraph::new(msg), Rect::new(inner.x, y, inner.width, 1));
        }
    }
    if let Some(prompt) = &p.prompt {
        let r = Rect::new(
            area.x,
            area.bottom().saturating_sub(3),
            area.width,
            3.min(area.height),
        );
        let block = boxed(text::fit(&prompt.label, area.width as usize - 6), v);
        let inner = block.inner(r);
        f.render_widget(Clear, r);
        f.render_widget(block, r);
        let (shown, cur) = field_view(&prompt.field, inner.width.saturating_sub(2) as usize);
        f.render_widget(
            Paragraph::new(Line::styled(format!(" {shown}"), t.text)),
            inner,
        );
        f.set_cursor_position(Position::new(inner.x + 1 + cur, inner.y));
    }
    if let Some(a) = &p.assign {
        assign_picker(f, area, a, v);
    }
    if let Some((id, title)) = &p.confirm {
        let q = format!(
            "Delete #{id} {}? It cannot be undone.",
            text::fit(title, 40)
        );
        confirm(f, area, "Delete", &q, "delete", "keep", v);
    }
}

/// The hand-off picker over the bottom of the pane: the field, then the
/// names that match, the selected one marked.
fn assign_picker(f: &mut Frame<'_>, area: Rect, a: &super::assign::AssignPicker, v: &View<'_>) {
    let t = v.theme;
    let matches = a.matches();
    let rows = matches.len().clamp(1, 8) as u16;
    let h = (rows + 3).min(area.height);
    let r = Rect::new(area.x, area.bottom().saturating_sub(h), area.width, h);
    let title = format!("hand #{} {} to", a.task, a.title);
    let block = boxed(text::fit(&title, area.width as usize - 6), v);
    let inner = block.inner(r);
    f.render_widget(Clear, r);
    f.render_widget(block, r);
    let (shown, cur) = field_view(&a.field, inner.width.saturating_sub(2) as usize);
    let mut lines = vec![Line::styled(format!(" {shown}"), t.text)];
    let sel = a.selected.min(matches.len().saturating_sub(1));
    let skip = sel.saturating_sub(rows as usize - 1);
    match &a.targets {
        None => lines.push(Line::styled("  loading agents and jobs…", t.dim)),
        Some(_) if matches.is_empty() => lines.push(Line::styled(
            "  nothing matches; agent:NAME or job:NAME",
            t.dim,
        )),
        Some(_) => {
            for (i, m) in matches.iter().enumerate().skip(skip).take(rows as usize) {
                let name = text::fit(&text::clean(m), inner.width.saturating_sub(4) as usize);
                lines.push(if i == sel {
                    Line::styled(format!(" ▌{name}"), t.selected)
                } else {
                    Line::styled(format!("  {name}"), t.text)
                });
            }
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
    f.set_cursor_position(Position::new(inner.x + 1 + cur, inner.y));
}
