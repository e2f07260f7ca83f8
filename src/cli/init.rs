//! `jr init --examples`: install the shipped examples from `data/examples/`
//! (the Daily Briefing agent and its 07:00 Asia/Seoul job).

use clap::Args;

use super::Ctx;
use super::output;
use crate::engine::agents::parse_yaml;
use crate::engine::jobs::JobFile;
use crate::error::{Error, Result};

const AGENT: &str = include_str!("../../data/examples/daily-briefing.agent.yaml");
const JOBS: &str = include_str!("../../data/examples/daily-briefing.jobs.toml");

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Install the examples: the Daily Briefing agent and its job.
    #[arg(long)]
    pub examples: bool,
    /// Replace an example agent or job that already exists.
    #[arg(long)]
    pub force: bool,
}

pub fn run(ctx: &Ctx, a: InitArgs) -> Result<i32> {
    let e = ctx.engine()?;
    if !a.examples {
        output::out(&format!(
            "database ready at {}\n`jr init --examples` installs the Daily Briefing agent and job\n",
            ctx.db_path.display()
        ))?;
        return Ok(0);
    }
    let agents =
        parse_yaml(AGENT).map_err(|err| Error::config(format!("shipped example agent: {err}")))?;
    let jobs: JobFile =
        toml::from_str(JOBS).map_err(|err| Error::config(format!("shipped example job: {err}")))?;
    if !a.force {
        let names: Vec<String> = agents.iter().map(|d| d.name.clone()).collect();
        let taken_agent = names.iter().find(|n| e.get_agent(n).is_ok());
        let taken_job = jobs.jobs.iter().find(|j| e.get_job(&j.name).is_ok());
        if let Some(n) = taken_agent.or(taken_job.map(|j| &j.name)) {
            return Err(Error::user(format!(
                "{n} already exists; the examples were not installed"
            ))
            .hint("pass --force to replace the example agent and job"));
        }
    }
    e.import_agents(&agents)?;
    e.import_jobs(&jobs)?;
    for j in &jobs.jobs {
        let job = e.get_job(&j.name)?;
        let next = e
            .next_fire(&job, e.now())
            .map(|t| format!("; next {}", t.format("%Y-%m-%d %H:%M %Z")))
            .unwrap_or_default();
        output::out(&format!(
            "installed agent {} and job {}{next}\n",
            job.name, job.name
        ))?;
    }
    output::out(
        "run it now with `jr run daily-briefing --wait`; the agent's model is set with `jr agents edit daily-briefing --model ...`\n",
    )?;
    Ok(0)
}
