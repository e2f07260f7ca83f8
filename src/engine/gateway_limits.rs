//! What the gateway does not carry out itself: a refusal (filed for the
//! host agent, at p0 when urgent and no cloud model could take it) and a
//! deferral (a task for later), with why, in the user's language.

use super::Engine;
use super::gateway::{ChatReply, EscalationBudget, Handled};
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
        let (handled, more) = match (esc, ko) {
            (EscalationBudget::Spent, true) => (
                Handled::P0BudgetSpent,
                "긴급하지만 오늘 클라우드 모델 예산을 다 써서 p0로 넘깁니다",
            ),
            (EscalationBudget::Spent, false) => (
                Handled::P0BudgetSpent,
                "urgent, but today's cloud-model budget is spent: filed as p0",
            ),
            (EscalationBudget::Failed, true) => (
                Handled::P0CloudFailed,
                "긴급하지만 클라우드 모델 호출이 실패해 p0로 넘깁니다",
            ),
            (EscalationBudget::Failed, false) => (
                Handled::P0CloudFailed,
                "urgent, but the cloud model failed: filed as p0",
            ),
            (_, true) => (
                Handled::P0NoCloudModel,
                "긴급하지만 클라우드 모델이 설정되어 있지 않아 p0로 넘깁니다",
            ),
            (_, false) => (
                Handled::P0NoCloudModel,
                "urgent, but no cloud model is configured: filed as p0",
            ),
        };
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
