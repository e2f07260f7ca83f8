//! MCP tools that read the context registry whole: a session page by page,
//! one message, the channels and the sessions. With `conversation_log` they
//! carry a conversation from one client to another through MCP alone.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use serde_json::json;

use super::params::{IdP, SessionGetP, SessionsListP};
use super::tools::{JrServer, Out, to_value};

#[tool_router(router = context_router, vis = "pub(super)")]
impl JrServer {
    #[tool(
        description = "A saved conversation in order, a page at a time: pass next_after back as after until it is null.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn session_get(&self, Parameters(p): Parameters<SessionGetP>) -> Out {
        self.call(move |e| {
            let limit = p.limit.unwrap_or(100).clamp(1, 500) as usize;
            let view = e.context_session(
                &p.session,
                p.channel.as_deref(),
                p.after.unwrap_or(0),
                limit,
            )?;
            let next = (view.messages.len() == limit)
                .then(|| view.messages.last().map(|m| m.id))
                .flatten();
            let mut v = to_value(&view)?;
            v["next_after"] = json!(next);
            Ok(v)
        })
        .await
    }

    #[tool(
        description = "One saved message in full (ids come from extract and session_get).",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn message_get(&self, Parameters(p): Parameters<IdP>) -> Out {
        self.call(move |e| to_value(&e.get_message(p.id)?)).await
    }

    #[tool(
        description = "Channels of saved conversations with their session and message counts.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn channels_list(&self) -> Out {
        self.call(|e| Ok(json!({ "channels": e.context_channels()? })))
            .await
    }

    #[tool(
        description = "Saved conversations, most recently active first, with title and message count.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn sessions_list(&self, Parameters(p): Parameters<SessionsListP>) -> Out {
        self.call(move |e| {
            let rows = e.context_sessions(
                p.channel.as_deref(),
                p.client.as_deref(),
                None,
                p.limit.unwrap_or(20).clamp(1, 500) as usize,
            )?;
            Ok(json!({ "sessions": rows }))
        })
        .await
    }
}
