//! `jr run JOB` and `jr runs list|show|logs|cancel`.

use std::time::Duration;

use clap::{Args, Subcommand};

use super::Ctx;
use super::output::{self, Table, fit, one_line, paint, styled};
use super::run_style::run_status_style;
use crate::domain::{OutputLine, Run, RunStatus, Trigger};
use crate::engine::Engine;
use crate::engine::lease::Me;
use crate::error::Result;
use crate::store::runs::RunFilter;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The job to run now.
    pub job: String,
    /// A run parameter the job declares, KEY=VALUE (repeatable); the rest
    /// keep their defaults.
    #[arg(long = "param", short = 'p', value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// Wait for the run to end; exit 0 only if it succeeded.
    #[arg(long, short)]
    pub wait: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum RunsCmd {
    /// Run history, newest first.
    #[command(alias = "ls")]
    List(ListArgs),
    /// One run with the tail of its output.
    Show(ShowArgs),
    /// A run's output (stdout and stderr interleaved).
    Logs(LogsArgs),
    /// Cancel a queued or running run.
    Cancel(ShowArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long)]
    pub job: Option<String>,
    #[arg(long = "status", short = 's')]
    pub statuses: Vec<RunStatus>,
    /// Only runs that worked on this task.
    #[arg(long, value_name = "ID")]
    pub task: Option<i64>,
    #[arg(long, short = 'n', default_value_t = 20)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    pub id: i64,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    pub id: i64,
    /// Keep printing while the run is active.
    #[arg(long, short)]
    pub follow: bool,
    /// Only the last N lines.
    #[arg(long)]
    pub tail: Option<usize>,
    /// Prefix each line with the time it was printed and its stream.
    #[arg(long, short)]
    pub timestamps: bool,
    /// Print the lines as recorded, escape sequences and all (for pipes;
    /// without it every control sequence is shown as text, e.g. `␛[2J`).
    #[arg(long, conflicts_with_all = ["timestamps", "color"])]
    pub raw: bool,
    /// Keep the job's own colours (plain SGR sequences only; every other
    /// control sequence is still shown as text).
    #[arg(long)]
    pub color: bool,
}

pub fn run_now(ctx: &Ctx, a: RunArgs) -> Result<i32> {
    let engine = ctx.engine()?;
    let given = crate::domain::params::parse_pairs(&a.params)
        .map_err(|e| crate::error::Error::user(format!("--param: {e}")))?;
    let run = engine.queue_run_params(&a.job, Trigger::Manual, &given)?;
    let me = Me::this_process();
    if let Some(lease) = engine.live_lease(&me.host)? {
        if !a.json {
            eprintln!(
                "queued run #{} of {}; the scheduler ({} pid {} on {}) starts it",
                run.id, run.job, lease.role, lease.pid, lease.host
            );
        }
        if !a.wait {
            return print_run(&run, a.json);
        }
        let done = wait_for_end(&engine, run.id, !a.json)?;
        print_run(&done, a.json)?;
        return Ok(if done.status == RunStatus::Success {
            0
        } else {
            1
        });
    }
    if !a.json {
        eprintln!(
            "no scheduler is running (start one with `jr daemon`); running {} here in the foreground as run #{}",
            run.job, run.id
        );
    }
    let done = foreground(ctx, engine, run.id, !a.json)?;
    print_run(&done, a.json)?;
    Ok(if done.status == RunStatus::Success {
        0
    } else {
        1
    })
}

/// Execute the run in this process, printing its output as it comes.
pub(super) fn foreground(ctx: &Ctx, engine: Engine, run_id: i64, stream: bool) -> Result<Run> {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};
    let rt = crate::runtime::current_thread()?;
    let cap = ctx.config.runs.output_cap;
    rt.block_on(async move {
        let db = crate::engine::shared::Shared::new(engine);
        let stop = tokio_util::sync::CancellationToken::new();
        let s = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                s.cancel();
            }
        });
        let printed = Arc::new(AtomicI64::new(0));
        let printer = stream.then(|| {
            let (db, printed) = (db.clone(), printed.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    let seq = printed.load(Ordering::SeqCst);
                    let lines = db
                        .call(move |e| e.run_output(run_id, seq, 1000))
                        .await
                        .unwrap_or_default();
                    if let Some(l) = lines.last() {
                        printed.store(l.seq, Ordering::SeqCst);
                    }
                    let _ = output::out(&format_lines(&lines));
                }
            })
        });
        let done =
            crate::drive::run_in_foreground(db.clone(), Me::this_process(), run_id, cap, stop)
                .await?;
        if let Some(p) = printer {
            p.abort();
            let _ = p.await;
            let seq = printed.load(Ordering::SeqCst);
            let rest = db
                .call(move |e| e.run_output(run_id, seq, usize::MAX >> 1))
                .await?;
            output::out(&format_lines(&rest))?;
        }
        Ok(done)
    })
}

/// Poll until the run ends, printing new output when `stream`.
pub(super) fn wait_for_end(e: &Engine, id: i64, stream: bool) -> Result<Run> {
    let mut seq = 0;
    loop {
        if stream {
            let lines = e.run_output(id, seq, 1000)?;
            if let Some(l) = lines.last() {
                seq = l.seq;
            }
            output::out(&format_lines(&lines))?;
        }
        let run = e.get_run(id)?;
        if !run.status.is_active() {
            if stream {
                output::out(&format_lines(&e.run_output(id, seq, usize::MAX >> 1)?))?;
            }
            return Ok(run);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn run(ctx: &Ctx, cmd: RunsCmd) -> Result<i32> {
    let engine = ctx.engine()?;
    let e = &engine;
    match cmd {
        RunsCmd::List(a) => {
            if let Some(t) = a.task {
                e.get_task(t)?;
            }
            let runs = e.list_runs(&RunFilter {
                job: a.job,
                statuses: a.statuses,
                task: a.task,
                limit: a.limit,
                ..RunFilter::default()
            })?;
            if a.json {
                output::json(&runs)?;
            } else if runs.is_empty() {
                output::out("no runs yet; start one with `jr run JOB`\n")?;
            } else {
                output::out(&run_table(e, &runs).render())?;
            }
            Ok(0)
        }
        RunsCmd::Show(a) => {
            let run = e.get_run(a.id)?;
            let tail = e.run_output_tail(a.id, 20)?;
            if a.json {
                #[derive(serde::Serialize)]
                struct Shown<'a> {
                    #[serde(flatten)]
                    run: &'a Run,
                    log_tail: Vec<String>,
                    /// The Dagster run it follows, if any.
                    #[serde(skip_serializing_if = "Option::is_none")]
                    external: Option<crate::domain::external::External>,
                    /// The first web address of the result, else the external run's.
                    link: Option<String>,
                }
                let external = e.run_external(run.id)?;
                let link = crate::engine::notify::message::run_link(
                    &run,
                    external.as_ref().map(|x| x.url.as_str()),
                );
                output::json(&Shown {
                    run: &run,
                    log_tail: tail.iter().map(|l| l.line.clone()).collect(),
                    external,
                    link,
                })?;
            } else {
                output::out(&render_run(e, &run, &tail))?;
            }
            Ok(0)
        }
        RunsCmd::Logs(a) => {
            let run = e.get_run(a.id)?;
            let tz = a.timestamps.then(|| e.tz());
            let show = |lines: &[OutputLine]| -> Result<()> {
                if a.raw {
                    let mut bytes = Vec::new();
                    for l in lines {
                        bytes.extend_from_slice(l.line.as_bytes());
                        bytes.push(b'\n');
                    }
                    output::raw(&bytes)
                } else {
                    output::out(&format_lines_at(lines, tz, a.color))
                }
            };
            let mut seq = match a.tail {
                Some(n) => {
                    let lines = e.run_output_tail(a.id, n)?;
                    show(&lines)?;
                    lines.last().map(|l| l.seq).unwrap_or(0)
                }
                None => 0,
            };
            if a.tail.is_none() {
                loop {
                    let lines = e.run_output(a.id, seq, 5000)?;
                    let Some(last) = lines.last() else { break };
                    seq = last.seq;
                    show(&lines)?;
                }
            }
            if a.follow && run.status.is_active() {
                loop {
                    let lines = e.run_output(a.id, seq, 5000)?;
                    if let Some(l) = lines.last() {
                        seq = l.seq;
                        show(&lines)?;
                        continue;
                    }
                    if !e.get_run(a.id)?.status.is_active() {
                        show(&e.run_output(a.id, seq, usize::MAX >> 1)?)?;
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
            Ok(0)
        }
        RunsCmd::Cancel(a) => {
            let run = e.cancel_run(a.id)?;
            if a.json {
                output::json(&run)?;
            } else if run.status == RunStatus::Running {
                output::out(&format!(
                    "asked the scheduler to stop run #{} of {}\n",
                    run.id, run.job
                ))?;
            } else {
                output::out(&format!("cancelled run #{} of {}\n", run.id, run.job))?;
            }
            Ok(0)
        }
    }
}

fn format_lines(lines: &[OutputLine]) -> String {
    format_lines_at(lines, None, false)
}

/// With a zone, each line starts with its local time and stream. Every
/// control sequence in a line is shown as text; with `colour`, the job's
/// plain colour sequences are kept.
fn format_lines_at(lines: &[OutputLine], tz: Option<chrono_tz::Tz>, colour: bool) -> String {
    let mut s = String::new();
    for l in lines {
        if let Some(tz) = tz {
            let at = l.at.with_timezone(&tz).format("%H:%M:%S%.3f").to_string();
            s.push_str(&paint(output::DIM, &format!("{at} {:<3} ", l.stream)));
        }
        let line = crate::text::visible(&l.line, colour);
        match l.stream.as_str() {
            "err" => s.push_str(&paint(output::RED, &line)),
            "jr" | "cut" => s.push_str(&paint(output::YELLOW, &line)),
            _ => s.push_str(&line),
        }
        s.push('\n');
    }
    s
}

fn print_run(run: &Run, json: bool) -> Result<i32> {
    if json {
        output::json(run)?;
    } else {
        let mut line = format!(
            "run #{} {} {}",
            run.id,
            run.job,
            paint(run_status_style(run.status.as_str()), run.status.as_str())
        );
        if let Some(ms) = run.duration_ms {
            line.push_str(&format!(" in {}", human_ms(ms)));
        }
        if let Some(err) = &run.error {
            line.push_str(&format!(": {}", one_line(err)));
        }
        if let Some(res) = &run.result {
            line.push_str(&format!(" → {}", one_line(res)));
        }
        output::out(&format!("{line}\n"))?;
    }
    Ok(0)
}

/// `target=nas, mode=full`, each value shown safely on one line.
fn params_line(p: &crate::domain::params::Params) -> String {
    p.iter()
        .map(|(k, v)| format!("{k}={}", one_line(&crate::text::visible(v, false))))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn human_ms(ms: i64) -> String {
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else {
        let s = ms / 1000;
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

pub fn run_table(e: &Engine, runs: &[Run]) -> Table {
    let tz = e.tz();
    let mut t = Table::new(&[
        "ID",
        "JOB",
        "STATUS",
        "TRIGGER",
        "WHEN",
        "TOOK",
        "ERROR / RESULT",
    ]);
    for r in runs {
        let when = r.started_at.or(r.scheduled_for).unwrap_or(r.queued_at);
        let note = r
            .error
            .clone()
            .or_else(|| r.result.clone())
            .unwrap_or_default();
        t.row(vec![
            r.id.to_string().into(),
            r.job.clone().into(),
            styled(r.status.as_str(), run_status_style(r.status.as_str())),
            r.trigger.as_str().into(),
            when.with_timezone(&tz)
                .format("%m-%d %H:%M:%S")
                .to_string()
                .into(),
            r.duration_ms.map(human_ms).unwrap_or_default().into(),
            styled(fit(&one_line(&note), 60), output::DIM),
        ]);
    }
    t
}

fn render_run(e: &Engine, r: &Run, tail: &[OutputLine]) -> String {
    let tz = e.tz();
    let mut s = format!(
        "{} {}  {}\n",
        paint(output::BOLD, &format!("run #{}", r.id)),
        paint(output::BOLD, &r.job),
        paint(run_status_style(r.status.as_str()), r.status.as_str())
    );
    let mut field = |k: &str, v: String| {
        s.push_str(&format!(
            "  {}{v}\n",
            paint(output::DIM, &format!("{k:<14}"))
        ))
    };
    let fmt = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&tz)
            .format("%Y-%m-%d %H:%M:%S %Z")
            .to_string()
    };
    field("trigger", r.trigger.to_string());
    if let Some(t) = r.task_id {
        field("task", format!("#{t} (`jr tasks show {t}`)"));
    }
    field("attempt", r.attempt.to_string());
    if let Some(p) = r.params.as_ref().filter(|p| !p.is_empty()) {
        field("params", params_line(p));
    }
    if let Some(f) = r.first_run {
        field("first attempt", format!("#{f}"));
    }
    if let Some(t) = r.scheduled_for {
        field("scheduled for", fmt(t));
    }
    field("queued", fmt(r.queued_at));
    if let Some(t) = r.started_at {
        field("started", fmt(t));
    }
    if let Some(t) = r.finished_at {
        field("finished", fmt(t));
    }
    if let Some(ms) = r.duration_ms {
        field("took", human_ms(ms));
    }
    if let Some(c) = r.exit_code {
        field("exit code", c.to_string());
    }
    if let Some(err) = &r.error {
        field("error", crate::text::visible(err, false).into_owned());
    }
    if let Some(res) = &r.result {
        field("result", crate::text::visible(res, false).into_owned());
    }
    if let Some(link) = crate::engine::notify::message::run_link(r, None)
        .filter(|l| r.result.as_deref().map(str::trim) != Some(l.as_str()))
    {
        field("link", crate::text::visible(&link, false).into_owned());
    }
    if let Some(n) = &r.notify_error {
        field("notify failed", crate::text::visible(n, false).into_owned());
    }
    if let Ok(Some(x)) = e.run_external(r.id) {
        let mut v = format!(
            "{} run {} ({})",
            x.system,
            x.id,
            x.status.as_deref().unwrap_or("?")
        );
        if let Some(since) = x.unreachable_since {
            v.push_str(&format!(
                "; unreachable since {}: {}",
                fmt(since),
                x.last_error.as_deref().unwrap_or("")
            ));
        }
        field("follows", v);
    }
    field(
        "output",
        format!(
            "{} bytes{}",
            r.output_bytes,
            if r.output_cut > 0 {
                format!(" ({} cut from the middle)", r.output_cut)
            } else {
                String::new()
            }
        ),
    );
    if !tail.is_empty() {
        s.push_str(&format!("\n{}\n", paint(output::BOLD, "output (tail)")));
        s.push_str(&format_lines(tail));
    }
    s
}
