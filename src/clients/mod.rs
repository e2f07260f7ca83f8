//! Clients of services jr talks to over HTTP. Each knows its wire protocol
//! and nothing of the database, the terminal or the environment: settings
//! (URLs, timeouts, keys already read by the front end) come in as values.

pub mod dagster;
pub mod llm;
pub mod mcp;
pub mod notify;
pub mod telegram;

/// A reqwest client builder with rustls' ring provider installed for the
/// process first. reqwest 0.13 (shared with rmcp, one copy in the binary) is
/// built without a provider of its own (`rustls-no-provider`): ring, not
/// aws-lc-rs, whose C library would add megabytes. Installing twice is a no-op.
pub fn http() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}
