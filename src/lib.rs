//! jr: a terminal control center for one person running AI agents and
//! automations. Layers, each using only those before it:
//! `domain`, `schedule`, `router`, `text`, `clock` (pure) ← `store`,
//! `clients` (SQLite; Dagster, LLMs, MCP servers over the wire) ← `engine`
//! (the one API every front end calls) ← `exec` (the executors) ← `drive`
//! (the scheduler that runs them) ← the front ends `cli`, `tui`, `mcp`,
//! `daemon`. `error`, `config`, `files` and `runtime` serve every layer. No
//! import cycle between files (the test `tui::tests::no_import_cycles` checks
//! the whole crate; see ARCHITECTURE.md).

pub mod clients;
pub mod clock;
pub mod config;
pub mod domain;
pub mod drive;
pub mod engine;
pub mod error;
pub mod exec;
pub mod files;
pub mod router;
pub mod runtime;
pub mod schedule;
pub mod store;
pub mod text;

pub mod cli;
pub mod daemon;
pub mod mcp;
pub mod tui;
