//! MCP resources (the Skills, `jr status`) and prompts (`plan`,
//! `review-tasks`). Built as JSON and read into rmcp's types, so the wire
//! shape is the spec's as written here.

use rmcp::ErrorData;
use rmcp::model::{
    GetPromptResponse, GetPromptResult, ListPromptsResult, ListResourcesResult,
    ReadResourceResponse, ReadResourceResult,
};
use serde_json::{Value, json};

use crate::engine::lease::Me;
use crate::engine::shared::Shared;
use crate::engine::views::TaskRecord;
use crate::store::tasks::TaskFilter;

type R<T> = std::result::Result<T, ErrorData>;

/// The Skills a host agent can read: (uri, name, what, text).
const SKILLS: &[(&str, &str, &str, &str)] = &[
    (
        "jr://skill/jr",
        "jr skill",
        "How to use jr: tasks, jobs, runs, agents, chat, cards, context (SKILL.md).",
        super::skills::SKILL_MD,
    ),
    (
        "jr://skill/jr-dagster",
        "jr-dagster skill",
        "Dagster through jr: status, jobs, launch, follow and stop runs (SKILL.md).",
        super::skills::DAGSTER_SKILL_MD,
    ),
];

fn from<T: serde::de::DeserializeOwned>(v: Value) -> R<T> {
    serde_json::from_value(v).map_err(|e| ErrorData::internal_error(e.to_string(), None))
}

fn engine_err(e: crate::error::Error) -> ErrorData {
    let mut text = e.message.clone();
    for h in &e.hints {
        text.push_str(&format!(" (hint: {h})"));
    }
    ErrorData::internal_error(text, None)
}

pub fn list_resources() -> R<ListResourcesResult> {
    let mut list: Vec<Value> = SKILLS
        .iter()
        .map(|(uri, name, what, _)| {
            json!({"uri": uri, "name": name, "description": what, "mimeType": "text/markdown"})
        })
        .collect();
    list.push(json!({"uri": "jr://status", "name": "jr status",
        "description": "jr at a glance (as `jr status --json`).", "mimeType": "application/json"}));
    from(json!({ "resources": list }))
}

pub async fn read_resource(db: &Shared, uri: &str) -> R<ReadResourceResponse> {
    let (mime, text) = if let Some((_, _, _, text)) = SKILLS.iter().find(|s| s.0 == uri) {
        ("text/markdown", text.to_string())
    } else if uri == "jr://status" {
        let st = db
            .call(|e| {
                let v = e.status(&Me::this_process().host)?;
                serde_json::to_string_pretty(&v)
                    .map_err(|err| crate::error::Error::user(err.to_string()))
            })
            .await
            .map_err(engine_err)?;
        ("application/json", st)
    } else {
        return Err(ErrorData::resource_not_found(
            format!("no resource {uri:?}; see resources/list"),
            None,
        ));
    };
    let r: ReadResourceResult =
        from(json!({"contents": [{"uri": uri, "mimeType": mime, "text": text}]}))?;
    Ok(r.into())
}

pub fn list_prompts() -> R<ListPromptsResult> {
    from(json!({"prompts": [
        {"name": "plan", "title": "/plan",
         "description": "Plan the next hours from jr's agenda (overdue and ready tasks, job fires).",
         "arguments": [{"name": "hours", "description": "How far ahead (default 24).", "required": false}]},
        {"name": "review-tasks", "title": "/review-tasks",
         "description": "Review the open tasks: a short summary, what to do first, what is stale.",
         "arguments": []}
    ]}))
}

fn user_message(description: &str, text: String) -> R<GetPromptResponse> {
    let r: GetPromptResult = from(json!({
        "description": description,
        "messages": [{"role": "user", "content": {"type": "text", "text": text}}],
    }))?;
    Ok(r.into())
}

pub async fn get_prompt(
    db: &Shared,
    name: &str,
    args: Option<&serde_json::Map<String, Value>>,
) -> R<GetPromptResponse> {
    match name {
        "plan" => {
            let hours = match args.and_then(|a| a.get("hours")) {
                None => 24,
                Some(v) => v
                    .as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                    .filter(|h| (1..=24 * 14).contains(h))
                    .ok_or_else(|| {
                        ErrorData::invalid_params("hours must be a number from 1 to 336", None)
                    })? as u32,
            };
            let agenda = db
                .call(move |e| {
                    let p = e.plan(hours)?;
                    serde_json::to_string_pretty(&p)
                        .map_err(|err| crate::error::Error::user(err.to_string()))
                })
                .await
                .map_err(engine_err)?;
            user_message(
                "jr's agenda with instructions to plan",
                format!(
                    "Here is my jr agenda for the next {hours} hours (JSON):\n\n{agenda}\n\n\
                     Make a short plan: what to do first and why (overdue and high priority \
                     first), which job fires need attention, and which tasks to split or hand \
                     to an agent. Use the jr tools (task_update, task_split, task_assign) when \
                     I agree."
                ),
            )
        }
        "review-tasks" => {
            let tasks = db
                .call(|e| {
                    let list = e.list_tasks(&TaskFilter {
                        limit: Some(100),
                        ..Default::default()
                    })?;
                    let recs: Vec<TaskRecord> = list
                        .iter()
                        .map(|t| TaskRecord::from_task(t, e.tz(), None))
                        .collect();
                    serde_json::to_string_pretty(&recs)
                        .map_err(|err| crate::error::Error::user(err.to_string()))
                })
                .await
                .map_err(engine_err)?;
            user_message(
                "the open tasks with instructions to review them",
                format!(
                    "Review my todo list. These are my open tasks in jr (JSON):\n\n{tasks}\n\n\
                     Summarise them in a few lines (how many pending, in progress, in review), \
                     name the one to take first, and point out stale or unclear ones. Ask \
                     before changing anything."
                ),
            )
        }
        other => Err(ErrorData::invalid_params(
            format!("no prompt {other:?}; the prompts are plan and review-tasks"),
            None,
        )),
    }
}
