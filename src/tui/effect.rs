//! What `update` asks the outside world to do, as data: requests for the
//! worker (with the id their answers must carry), quitting, mouse capture.
//! The loop in `tui::run` carries them out; tests read them.

use std::collections::HashMap;

use super::worker::{Request, Slot};

#[derive(Debug, Clone)]
pub enum Effect {
    Request {
        id: u64,
        slot: Slot,
        req: Request,
    },
    Quit,
    Mouse(bool),
    /// Put this text on the clipboard (OSC 52, so it works over ssh).
    Copy(String),
    /// Edit this text in the user's editor (the answer is `Action::Edited`).
    Edit(super::editor::EditRequest),
}

/// Hands out request ids and remembers the newest per slot, so an answer to
/// an older request (the user scrolled on, typed another letter) is dropped.
#[derive(Debug, Default)]
pub struct Requests {
    next: u64,
    latest: HashMap<Slot, u64>,
}

impl Requests {
    pub fn make(&mut self, slot: Slot, req: Request) -> Effect {
        self.next += 1;
        self.latest.insert(slot, self.next);
        Effect::Request {
            id: self.next,
            slot,
            req,
        }
    }

    /// Whether an answer still matters: every change does, a read only if it is the newest.
    pub fn is_current(&self, slot: Slot, id: u64) -> bool {
        match slot {
            Slot::Mutation | Slot::Watch | Slot::DagsterHealth => true,
            _ => self.latest.get(&slot) == Some(&id),
        }
    }

    /// Whether a read for `slot` is still out.
    pub fn waiting(&self, slot: Slot) -> bool {
        self.latest.contains_key(&slot)
    }

    pub fn answered(&mut self, slot: Slot) {
        self.latest.remove(&slot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_newest_read_is_current() {
        let mut r = Requests::default();
        let id = |e: Effect| match e {
            Effect::Request { id, .. } => id,
            _ => unreachable!(),
        };
        let a = id(r.make(Slot::TaskPage, Request::Dashboard));
        let b = id(r.make(Slot::TaskPage, Request::Dashboard));
        assert!(!r.is_current(Slot::TaskPage, a));
        assert!(r.is_current(Slot::TaskPage, b));
        assert!(r.is_current(Slot::Mutation, 99));
    }
}
