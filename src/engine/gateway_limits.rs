//! What the gateway does not carry out itself: a refusal (filed for the
//! host agent, at p0 when urgent and no cloud model could take it) and a
//! deferral (a task for later), with why, in the user's language.

use super::Engine;
use super::gateway::{ChatReply, EscalationBudget, Handled, escalated_to_p0};
use crate::domain::{NewTask, Priority, Source};
use crate::error::Result;
use crate::router::Route;

impl Engine {
    /// Something the gateway may not do: filed for the host agent, as p0
    /// when it was urgent (escalated) and the cloud model could not take it.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn refuse(
        &self,
        msg: &str,
        title: &str,
        route: Route,
        esc: EscalationBudget,
        dry: bool,
        out: &mut ChatReply,
        why: &str,
        ko: bool,
    ) -> Result<String> {
        if route != Route::Escalate {
            out.handled = Handled::Deferred;
            return self.defer(msg, title, Priority::DEFAULT, dry, out, why, ko);
        }
        let (handled, more) = escalated_to_p0(esc, ko, false);
        out.handled = handled;
        self.defer(
            msg,
            title,
            Priority(0),
            dry,
            out,
            &format!("{why}; {more}"),
            ko,
        )
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn defer(
        &self,
        msg: &str,
        title: &str,
        priority: Priority,
        dry: bool,
        out: &mut ChatReply,
        why: &str,
        ko: bool,
    ) -> Result<String> {
        if dry {
            return Ok(format!("(dry run) {why}: {title} ({priority})"));
        }
        let task = self.add_task(
            NewTask {
                title: crate::domain::context::redact::redact(title).0,
                body: crate::domain::context::redact::redact(msg).0,
                priority,
                tags: vec!["from-chat".into()],
                ..Default::default()
            },
            Source::Chat,
        )?;
        out.task_id = Some(task.id);
        Ok(if ko {
            format!(
                "{why}. Task #{}({})로 등록했습니다: {}",
                task.id, task.priority, task.title
            )
        } else {
            format!(
                "{why}. Filed as task #{} ({}): {}",
                task.id, task.priority, task.title
            )
        })
    }
}
