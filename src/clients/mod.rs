//! Clients of the services jr talks to over the network. They know nothing
//! of the database or the terminal; the engine and the executors use them.

pub mod dagster;
