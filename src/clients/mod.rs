//! Clients of services jr talks to over HTTP. Each knows its wire protocol
//! and nothing of the database, the terminal or the environment: settings
//! (URLs, timeouts, keys already read by the front end) come in as values.

pub mod dagster;
pub mod llm;
pub mod mcp;
pub mod notify;
pub mod telegram;
