//! Notifications about runs (issue 18): which targets hear of a run's end,
//! the outbox they wait in, and the message they get.

pub mod message;
