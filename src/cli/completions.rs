//! `jr completions bash|zsh|fish`: a completion script for the shell, from
//! the same clap definition the binary parses with.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;
use crate::error::Result;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish (also elvish, powershell).
    pub shell: Shell,
}

pub fn run(a: CompletionsArgs) -> Result<i32> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "jr", &mut buf);
    super::output::out(&String::from_utf8_lossy(&buf))?;
    Ok(0)
}
