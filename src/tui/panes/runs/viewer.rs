//! Keys in an opened run: scrolling the log (which pauses following),
//! follow, wrap, the search line, next/previous match, only matching lines,
//! cancelling the run (asked first), and backing out.

use super::RunsPane;
use crate::tui::action::Action;
use crate::tui::effect::Effect;
use crate::tui::input::TextField;
use crate::tui::pane::{Cx, Pane};

impl RunsPane {
    pub(super) fn update_view(&mut self, action: &Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        let Some(v) = self.view.as_mut() else {
            return Vec::new();
        };
        if v.confirm_cancel {
            match action {
                Action::Yes => {
                    v.confirm_cancel = false;
                    let id = v.run.id;
                    return self.cancel(id, cx);
                }
                Action::No | Action::Back => v.confirm_cancel = false,
                _ => {}
            }
            return Vec::new();
        }
        if let Some(input) = v.search_input.as_mut() {
            match action {
                Action::Text(e) => {
                    input.edit(e);
                    let q = input.value().to_string();
                    v.set_search(&q);
                }
                Action::Submit => {
                    v.search_input = None;
                    if v.search.is_some() && !v.jump(true) && !v.jump(false) {
                        cx.info("no line matches");
                    }
                }
                Action::Back => {
                    v.search_input = None;
                    v.set_search("");
                }
                _ => {}
            }
            return Vec::new();
        }
        let page = v.height.max(1) as isize;
        match action {
            Action::Up => v.scroll(-1),
            Action::Down => v.scroll(1),
            Action::PageUp => v.scroll(-page),
            Action::PageDown => v.scroll(page),
            Action::Scroll(n) => v.scroll(*n as isize),
            Action::Top => {
                v.top = 0;
                v.follow = false;
            }
            Action::Bottom => {
                v.to_bottom();
                v.follow = v.run.status.is_active();
            }
            Action::Follow => {
                v.follow = !v.follow;
                if v.follow {
                    v.to_bottom();
                }
                cx.info(match (v.follow, v.run.status.is_active()) {
                    (true, true) => "following: new lines as they are written",
                    (true, false) => "the run has ended; at the bottom of its output",
                    (false, _) => "paused: the view stays where it is",
                });
            }
            Action::ScrollLeft | Action::ScrollRight => {
                let by = if *action == Action::ScrollLeft { -8 } else { 8 };
                if !v.scroll_sideways(by) {
                    cx.info("long lines wrap: w cuts them, then < > scroll sideways");
                }
            }
            Action::Wrap => {
                v.wrap = !v.wrap;
                v.left = 0;
                cx.info(if v.wrap {
                    "long lines wrap"
                } else {
                    "long lines are cut at the edge"
                });
            }
            Action::Filter => {
                v.search_input = Some(TextField::new(v.search.as_deref().unwrap_or("")));
            }
            Action::NextMatch | Action::PrevMatch => {
                if v.search.is_none() {
                    cx.info("search first with /");
                } else if !v.jump(*action == Action::NextMatch) {
                    cx.info("no more matches that way");
                }
            }
            Action::OnlyMatches => {
                if v.search.is_none() && !v.only_matches {
                    cx.info("search first with /, then show only the matching lines");
                } else {
                    v.toggle_only_matches();
                }
            }
            Action::Cancel => {
                if v.run.status.is_active() {
                    v.confirm_cancel = true;
                } else {
                    cx.error(format!(
                        "run #{} already ended ({})",
                        v.run.id, v.run.status
                    ));
                }
            }
            Action::CopyLink => match &v.external {
                Some(x) => {
                    cx.info(format!("copied {}", x.url));
                    return vec![Effect::Copy(x.url.clone())];
                }
                None => cx.error(format!("run #{} follows no Dagster run", v.run.id)),
            },
            Action::Back if v.search.is_some() => {
                v.set_search("");
                if v.only_matches {
                    v.toggle_only_matches();
                }
            }
            Action::Back | Action::Collapse => self.view = None,
            Action::Refresh => return self.reload(cx),
            _ => {}
        }
        Vec::new()
    }
}
