//! What jr keeps of a server's tools and of a tool's result: the name,
//! description and argument schema to offer the model, whether the server
//! marks the tool read-only or destructive, and a result as the text the
//! model reads back.

use rmcp::model::{CallToolResult, ContentBlock, Tool};

#[derive(Debug, Clone, PartialEq)]
pub struct ToolInfo {
    pub name: String,
    pub description: String,
    /// A JSON Schema object of its arguments.
    pub schema: serde_json::Value,
    pub read_only: bool,
    /// May destroy or overwrite: the MCP annotations' `destructiveHint`,
    /// which the specification defaults to true for a tool that is not
    /// read-only. Such a tool runs only when the agent allows it by name.
    pub destructive: bool,
}

impl ToolInfo {
    pub fn from_mcp(t: &Tool) -> ToolInfo {
        let a = t.annotations.as_ref();
        let read_only = a.and_then(|a| a.read_only_hint).unwrap_or(false);
        let destructive = !read_only && a.and_then(|a| a.destructive_hint).unwrap_or(true);
        let mut schema = serde_json::Value::Object((*t.input_schema).clone());
        if schema.get("type").is_none() {
            schema["type"] = serde_json::json!("object");
        }
        ToolInfo {
            name: t.name.to_string(),
            description: t
                .description
                .as_deref()
                .or(t.title.as_deref())
                .unwrap_or("")
                .to_string(),
            schema,
            read_only,
            destructive,
        }
    }
}

/// A tool's result as the model reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    pub text: String,
    /// The tool reported a failure (`isError`): the model reads why.
    pub is_error: bool,
}

impl ToolOutput {
    pub fn from_mcp(r: &CallToolResult) -> ToolOutput {
        let mut parts: Vec<String> = r
            .content
            .iter()
            .map(|c| match c {
                ContentBlock::Text(t) => t.text.clone(),
                ContentBlock::Image(i) => format!("[image {}]", i.mime_type),
                ContentBlock::Audio(a) => format!("[audio {}]", a.mime_type),
                ContentBlock::Resource(_) => "[embedded resource]".to_string(),
                ContentBlock::ResourceLink(l) => format!("[resource {}]", l.uri),
                _ => "[content of a kind jr does not read]".to_string(),
            })
            .collect();
        if parts.is_empty()
            && let Some(v) = &r.structured_content
        {
            parts.push(v.to_string());
        }
        ToolOutput {
            text: parts.join("\n"),
            is_error: r.is_error.unwrap_or(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(annotations: serde_json::Value) -> Tool {
        serde_json::from_value(serde_json::json!({
            "name": "t", "description": "d", "inputSchema": {"properties": {}},
            "annotations": annotations,
        }))
        .unwrap()
    }

    #[test]
    fn destructive_follows_the_specification_defaults() {
        for (ann, ro, de) in [
            (serde_json::json!({"readOnlyHint": true}), true, false),
            (serde_json::json!({"destructiveHint": false}), false, false),
            (serde_json::json!({"destructiveHint": true}), false, true),
            (serde_json::json!({}), false, true),
            (
                serde_json::json!({"readOnlyHint": true, "destructiveHint": true}),
                true,
                false,
            ),
        ] {
            let t = ToolInfo::from_mcp(&tool(ann.clone()));
            assert_eq!((t.read_only, t.destructive), (ro, de), "{ann}");
            assert_eq!(t.schema["type"], "object");
        }
    }
}
