//! Composition root: parse the command line, pick the front end, turn errors
//! into `error: ...` on stderr and an exit code.

use clap::Parser;

fn main() {
    jr::tui::mark_start();
    let cli = jr::cli::Cli::parse();
    let code = match jr::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            jr::cli::report(&err);
            err.exit_code()
        }
    };
    std::process::exit(code);
}
