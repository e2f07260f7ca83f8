//! `jr notify list|test`: the configured notification targets, and a test
//! message to one. Also where the targets' URLs and header values are read
//! from the environment (`Ctx::notifier`), the only place that does.

use clap::{Args, Subcommand};

use super::Ctx;
use super::output::{self, Table};
use crate::clients::notify::Target;
use crate::engine::notify::{Notifier, Options, Rule};
use crate::error::Result;

#[derive(Debug, Subcommand)]
pub enum NotifyCmd {
    /// The configured targets: kind, host, and any variable that is not set.
    #[command(alias = "ls")]
    List(ListArgs),
    /// Send a test message to a target now.
    Test(TestArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// A [[notify]] target's name.
    pub name: String,
}

impl Ctx {
    /// The `[[notify]]` targets with their values read from the environment
    /// (held in memory only), the default rules and the delivery options.
    pub fn notifier(&self) -> Notifier {
        let targets = self
            .config
            .notify
            .iter()
            .map(|c| Target::resolve(c, |var| std::env::var(var).ok()))
            .collect();
        let n = &self.config.notifications;
        // The config check made sure every default parses.
        let default = n
            .default
            .iter()
            .filter_map(|s| Rule::parse(s).ok())
            .collect();
        Notifier::new(
            targets,
            default,
            Options {
                collapse: n.collapse,
                gather: n.gather,
                retry_backoff: n.retry_backoff,
                tries: n.tries,
            },
        )
    }
}

pub fn run(ctx: &Ctx, cmd: NotifyCmd) -> Result<i32> {
    let n = ctx.notifier();
    match cmd {
        NotifyCmd::List(a) => {
            #[derive(serde::Serialize)]
            struct Row<'a> {
                name: &'a str,
                kind: &'a str,
                to: String,
                unset: Vec<&'a str>,
                default: Option<String>,
            }
            let rows: Vec<Row> = n
                .targets
                .iter()
                .map(|t| Row {
                    name: &t.name,
                    kind: t.kind.as_str(),
                    to: t.describe(),
                    unset: t.unset(),
                    default: n
                        .default
                        .iter()
                        .find(|r| r.target == t.name)
                        .map(|r| r.text()),
                })
                .collect();
            if a.json {
                output::json(&rows)?;
            } else if rows.is_empty() {
                output::out(
                    "no notify targets; add a [[notify]] table to config.toml (assets/config.toml shows how)\n",
                )?;
            } else {
                let mut t = Table::new(&["NAME", "GOES TO", "DEFAULT", "PROBLEM"]);
                for r in &rows {
                    t.row(vec![
                        r.name.to_string().into(),
                        r.to.clone().into(),
                        r.default.clone().unwrap_or_default().into(),
                        if r.unset.is_empty() {
                            String::new()
                        } else {
                            format!("{} not set", r.unset.join(", "))
                        }
                        .into(),
                    ]);
                }
                output::out(&t.render())?;
            }
            Ok(0)
        }
        NotifyCmd::Test(a) => {
            let rt = crate::runtime::current_thread()?;
            let to = rt.block_on(crate::engine::notify::deliver::test(&n, &a.name))?;
            output::out(&format!("sent a test message to {} ({to})\n", a.name))?;
            Ok(0)
        }
    }
}
