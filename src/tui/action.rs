//! What the user (or the worker, or the clock) asks the app to do. Keys become
//! actions through the keymap; `App::update` is the only place they change
//! state. Named actions are the ones a keymap or the palette can name.

use chrono::{DateTime, Utc};

use super::pane::id::PaneId;
use super::worker::Response;

/// Editing a one-line text field; keys map to these outside the keymap (readline style).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextEdit {
    Insert(char),
    Paste(String),
    Backspace,
    Delete,
    Left,
    Right,
    WordLeft,
    WordRight,
    Home,
    End,
    DeleteWord,
    Clear,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Quit,
    Help,
    Palette,
    NextPane,
    PrevPane,
    GoPane(PaneId),
    ToggleMouse,
    Back,
    Refresh,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Collapse,
    Expand,
    Add,
    AddSub,
    Edit,
    /// Edit the focused text (or the pane's object) in $VISUAL/$EDITOR.
    ExternalEdit,
    /// Scroll sideways (the log viewer with wrap off).
    ScrollLeft,
    ScrollRight,
    Start,
    Review,
    Done,
    Reopen,
    Cancel,
    Split,
    Claim,
    Release,
    /// Hand the task to an agent or a job (a picker).
    Assign,
    /// In a task's detail: the next / previous piece of its work.
    NextWork,
    PrevWork,
    Delete,
    Filter,
    ToggleClosed,
    Submit,
    NextField,
    PrevField,
    Yes,
    No,
    RunNow,
    ToggleEnabled,
    Follow,
    Wrap,
    NextMatch,
    PrevMatch,
    OnlyMatches,
    Compose,
    RateUp,
    RateDown,
    /// The Chat pane: start a new conversation.
    ChatNew,
    /// The Chat pane: switch to the next earlier conversation.
    ChatSwitch,
    /// Show the pane's next list (cards: review or all; agents: agents, runs, skills, ...).
    NextView,
    /// Show the card's answer.
    Reveal,
    /// Grade the card shown: 0..=5 (SM-2).
    Grade(u8),
    Launch,
    CopyLink,
    /// Materialize the selected Dagster asset.
    Materialize,
    // Not nameable in the keymap:
    Text(TextEdit),
    Click {
        col: u16,
        row: u16,
    },
    Scroll(i16),
    Resize(u16, u16),
    Tick(DateTime<Utc>),
    /// This TUI's scheduler took (true) or lost (false) the lease.
    Scheduling(bool),
    OpenTask(i64),
    /// Select this job in the Jobs pane.
    SelectJob(String),
    /// Show the runs of this job in the Runs pane.
    RunsOfJob(String),
    /// Open this run in the Runs pane.
    OpenRun(i64),
    Worker(Response),
    /// The editor's answer for a pane's `Effect::Edit`: the new text, or
    /// why there is none.
    Edited {
        pane: PaneId,
        key: String,
        text: Result<String, String>,
    },
}

/// Every action a keymap or the palette can name: (name, action, what it does).
pub fn named() -> Vec<(String, Action, &'static str)> {
    let mut v: Vec<(String, Action, &'static str)> = FIXED
        .iter()
        .map(|(n, a, d)| (n.to_string(), a.clone(), *d))
        .collect();
    for p in PaneId::ALL {
        v.push((
            format!("pane_{}", p.name()),
            Action::GoPane(p),
            p.description(),
        ));
    }
    v
}

const FIXED: &[(&str, Action, &str)] = &[
    ("quit", Action::Quit, "Quit jr"),
    ("help", Action::Help, "Help for the current pane"),
    ("palette", Action::Palette, "Command palette"),
    ("next_pane", Action::NextPane, "Next pane"),
    ("prev_pane", Action::PrevPane, "Previous pane"),
    (
        "toggle_mouse",
        Action::ToggleMouse,
        "Mouse capture on/off (off: select text)",
    ),
    ("back", Action::Back, "Back out: close, cancel, clear"),
    ("refresh", Action::Refresh, "Reload what is on screen"),
    ("up", Action::Up, "Move up"),
    ("down", Action::Down, "Move down"),
    ("page_up", Action::PageUp, "Page up"),
    ("page_down", Action::PageDown, "Page down"),
    ("top", Action::Top, "Go to the top"),
    ("bottom", Action::Bottom, "Go to the bottom"),
    ("open", Action::Open, "Open the selected item"),
    ("collapse", Action::Collapse, "Fold the sub-tasks"),
    ("expand", Action::Expand, "Unfold the sub-tasks"),
    ("add", Action::Add, "Add a task (or a job, in Jobs)"),
    (
        "add_sub",
        Action::AddSub,
        "Add a sub-task of the selected task",
    ),
    ("edit", Action::Edit, "Edit the selected task or job"),
    (
        "scroll_left",
        Action::ScrollLeft,
        "Scroll sideways to the left",
    ),
    (
        "scroll_right",
        Action::ScrollRight,
        "Scroll sideways to the right",
    ),
    (
        "external_edit",
        Action::ExternalEdit,
        "Edit the text in $VISUAL/$EDITOR",
    ),
    ("start", Action::Start, "Start: → in_progress"),
    ("review", Action::Review, "Send to review: → review"),
    ("done", Action::Done, "Done: → done"),
    ("reopen", Action::Reopen, "Reopen: done/cancelled → pending"),
    (
        "cancel",
        Action::Cancel,
        "Cancel: the task (→ cancelled), or the queued/running run",
    ),
    ("split", Action::Split, "Split into sub-tasks"),
    ("claim", Action::Claim, "Claim the task for yourself"),
    ("release", Action::Release, "Release the claim"),
    (
        "assign",
        Action::Assign,
        "Hand the task to an agent or a job",
    ),
    (
        "next_work",
        Action::NextWork,
        "The task's next run or execution",
    ),
    (
        "prev_work",
        Action::PrevWork,
        "The task's previous run or execution",
    ),
    (
        "delete",
        Action::Delete,
        "Delete the task or job (asks first)",
    ),
    (
        "filter",
        Action::Filter,
        "Filter: text, field:value, !negation",
    ),
    (
        "toggle_closed",
        Action::ToggleClosed,
        "Show or hide done and cancelled tasks",
    ),
    ("submit", Action::Submit, "Save / apply"),
    ("next_field", Action::NextField, "Next field"),
    ("prev_field", Action::PrevField, "Previous field"),
    ("yes", Action::Yes, "Yes"),
    ("no", Action::No, "No"),
    (
        "run_now",
        Action::RunNow,
        "Run the selected job now (the scheduler starts it)",
    ),
    (
        "toggle_enabled",
        Action::ToggleEnabled,
        "Enable or pause the selected job",
    ),
    (
        "follow",
        Action::Follow,
        "Follow the run's output as it is written, or pause",
    ),
    ("wrap", Action::Wrap, "Wrap long log lines, or cut them"),
    (
        "next_match",
        Action::NextMatch,
        "Next line matching the search",
    ),
    (
        "prev_match",
        Action::PrevMatch,
        "Previous line matching the search",
    ),
    (
        "only_matches",
        Action::OnlyMatches,
        "Show only the lines matching the search, or all",
    ),
    ("compose", Action::Compose, "Type a chat message"),
    ("rate_up", Action::RateUp, "Rate the selected answer 👍"),
    ("chat_new", Action::ChatNew, "Start a new conversation"),
    (
        "chat_switch",
        Action::ChatSwitch,
        "Switch to an earlier conversation",
    ),
    ("rate_down", Action::RateDown, "Rate the selected answer 👎"),
    ("next_view", Action::NextView, "Show the pane's next list"),
    ("reveal", Action::Reveal, "Show the card's answer"),
    (
        "grade_again",
        Action::Grade(1),
        "Grade the card: again (forgot)",
    ),
    ("grade_hard", Action::Grade(3), "Grade the card: hard"),
    ("grade_good", Action::Grade(4), "Grade the card: good"),
    ("grade_easy", Action::Grade(5), "Grade the card: easy"),
    (
        "launch",
        Action::Launch,
        "Launch the selected Dagster job (asks first)",
    ),
    (
        "copy_link",
        Action::CopyLink,
        "Copy the Dagster link to the clipboard (OSC 52, works over ssh)",
    ),
    (
        "materialize",
        Action::Materialize,
        "Materialize the selected Dagster asset (asks first)",
    ),
];

/// The action a keymap's `run = "..."` names.
pub fn from_name(name: &str) -> Option<Action> {
    named()
        .into_iter()
        .find(|(n, _, _)| n == name)
        .map(|(_, a, _)| a)
}

/// The keymap name of a named action (None for data-carrying ones).
pub fn name_of(action: &Action) -> Option<String> {
    named()
        .into_iter()
        .find(|(_, a, _)| a == action)
        .map(|(n, _, _)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let all = named();
        for (n, a, _) in &all {
            assert_eq!(from_name(n).as_ref(), Some(a));
            assert_eq!(name_of(a).as_deref(), Some(n.as_str()));
        }
        let mut names: Vec<&String> = all.iter().map(|(n, _, _)| n).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all.len());
    }
}
