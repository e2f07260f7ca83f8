//! jr: a terminal control center for one person running AI agents and
//! automations. Layers, each using only those before it:
//! `domain` ← `store`, `schedule` ← `engine` ← `cli`, `tui` (and later `mcp`, `daemon`).

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
pub mod schedule;
pub mod store;
pub mod text;

pub mod cli;
pub mod daemon;
pub mod mcp;
pub mod tui;
