//! The `shell` kind: `sh -c COMMAND` in its own process group, stdin from
//! /dev/null, stdout and stderr read line by line (bounded, so a job that
//! prints without newlines cannot grow memory). Stopping it signals the
//! run's whole tree (`tree.rs`: the group, and processes that left it, such
//! as `setsid sleep 37 &`); when the shell ends, what is left in its group
//! is killed at once, a process outside it that holds the pipes before they
//! are drained, and any other leftover by the next sweep (`tree.rs`).
//! `JR_RESULT` names a fresh file whose first 4 KiB become the run's result
//! (`result_file.rs`).

use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::Signal;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;
use tokio_util::sync::CancellationToken;

use super::{BoxFuture, Event, Events, Executor, Outcome, RunCtx, Stream};
use crate::domain::JobSpec;

/// Longest line kept whole; longer ones are split (by the output log).
pub use crate::engine::output_log::MAX_LINE;

#[derive(Debug, Clone)]
pub struct ShellExecutor {
    /// Time between SIGTERM and SIGKILL.
    pub kill_grace: Duration,
}

impl Default for ShellExecutor {
    fn default() -> Self {
        ShellExecutor {
            kill_grace: Duration::from_secs(3),
        }
    }
}

impl Executor for ShellExecutor {
    fn execute<'a>(
        &'a self,
        ctx: &'a RunCtx,
        events: Events,
        stop: CancellationToken,
    ) -> BoxFuture<'a, Outcome> {
        Box::pin(self.run(ctx, events, stop))
    }
}

impl ShellExecutor {
    async fn run(&self, ctx: &RunCtx, events: Events, stop: CancellationToken) -> Outcome {
        let JobSpec::Shell(spec) = &ctx.job.spec else {
            return Outcome::failed(format!("job {} is not a shell job", ctx.job.name));
        };
        super::tree::become_subreaper();
        // A cgroup per run where it can be had: the shell joins it before
        // it runs anything (cgroup.rs).
        let cgroup = super::cgroup::for_run(ctx.run_id);
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(match &cgroup {
                Some(dir) => super::cgroup::joining(dir, &spec.command),
                None => spec.command.clone(),
            })
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .env("JR_RUN_ID", ctx.run_id.to_string())
            .env("JR_JOB", &ctx.job.name)
            .env("JR_ATTEMPT", ctx.attempt.to_string())
            .env(
                "JR_SCHEDULED_FOR",
                ctx.scheduled_for
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default(),
            )
            .envs(&spec.env)
            // Run parameters, after the job's own environment: the run's value wins.
            .envs(
                ctx.params
                    .iter()
                    .map(|(k, v)| (crate::domain::params::env_name(k), v)),
            );
        // agents: a chained run sees its upstream (JR_UPSTREAM_*).
        if let Some(up) = &ctx.upstream {
            cmd.env("JR_UPSTREAM_RUN", up.run.to_string())
                .env("JR_UPSTREAM_JOB", &up.job)
                .env("JR_UPSTREAM_STATUS", &up.status)
                .env("JR_UPSTREAM_RESULT", cap_env(&up.result));
        }
        if let Some(t) = &ctx.task {
            cmd.env("JR_TASK_ID", t.id.to_string())
                .env("JR_TASK_TITLE", &t.title)
                .env("JR_TASK_BODY", cap_env(&t.body));
        }
        // JR_RESULT: a fresh private file; what the job writes there is the run's result.
        let result_file =
            match super::result_file::ResultFile::create(ctx.result_dir.as_deref(), ctx.run_id) {
                Ok(f) => {
                    cmd.env("JR_RESULT", f.path());
                    Some(f)
                }
                Err(e) => {
                    super::note(&events, format!("[jr] no JR_RESULT file for this run: {e}")).await;
                    None
                }
            };
        if let Some(dir) = &spec.cwd {
            let dir = expand_home(dir);
            if !std::path::Path::new(&dir).is_dir() {
                if let Some(cg) = &cgroup {
                    super::cgroup::remove(cg);
                }
                return Outcome::failed(format!("working directory {dir} does not exist"));
            }
            cmd.current_dir(dir);
        }
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                if let Some(cg) = &cgroup {
                    super::cgroup::remove(cg);
                }
                return Outcome::failed(format!("cannot start sh: {e}"));
            }
        };
        let pgid = child.id().map(|p| p as i64);
        if let Some(pgid) = pgid {
            let _ = events.send(Event::Spawned { pgid }).await;
        }
        let tree = super::tree::RunTree {
            run_id: ctx.run_id,
            job: ctx.job.name.clone(),
            pgid,
            cgroup,
        };
        let out = tokio::spawn(pump(child.stdout.take(), Stream::Out, events.clone()));
        let err = tokio::spawn(pump(child.stderr.take(), Stream::Err, events.clone()));

        let mut stopped = false;
        let status = tokio::select! {
            s = child.wait() => s,
            _ = stop.cancelled() => {
                stopped = true;
                let t = tree.clone();
                let _ = tokio::task::spawn_blocking(move || t.signal(Signal::SIGTERM)).await;
                if pgid.is_none() {
                    let _ = child.start_kill();
                }
                match tokio::time::timeout(self.kill_grace, child.wait()).await {
                    Ok(s) => s,
                    Err(_) => {
                        let t = tree.clone();
                        let _ = tokio::task::spawn_blocking(move || t.kill_all()).await;
                        child.wait().await
                    }
                }
            }
        };
        // Whatever is left of the run's tree goes with it. What is left in
        // its group: at once (one signal). A process that left the group
        // and still holds the pipes: found now, so the pipes close. One
        // that let go of them (most runs have none): by the next sweep,
        // shared with the other runs that ended meanwhile (tree.rs).
        if let Some(g) = pgid.filter(|g| *g > 1) {
            let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(g as i32), Signal::SIGKILL);
        }
        let mut drain = Box::pin(async {
            let _ = out.await;
            let _ = err.await;
        });
        let closed = !stopped && tokio::time::timeout(PIPES_CLOSE, &mut drain).await.is_ok();
        if closed {
            super::tree::sweep_soon(tree);
        } else {
            let t = tree.clone();
            let _ = tokio::task::spawn_blocking(move || t.kill_all()).await;
            let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
        }
        // Read here, not on the blocking pool: at most 4 KiB of a regular
        // file opened non-blocking (a FIFO is never read), a few
        // microseconds, where a hop to another thread costs more.
        let result = result_file.and_then(|f| f.read());
        match status {
            Ok(s) => {
                use std::os::unix::process::ExitStatusExt;
                let code = s.code();
                let error = match (code, s.signal()) {
                    (Some(0), _) => None,
                    (Some(c), _) => Some(format!("exited with status {c}")),
                    (None, Some(sig)) => Some(format!("killed by signal {sig}")),
                    (None, None) => Some("ended without a status".into()),
                };
                Outcome {
                    cancelled: false,
                    success: code == Some(0),
                    exit_code: code,
                    error,
                    result,
                }
            }
            Err(e) => Outcome::failed(format!("lost track of the process: {e}")),
        }
    }
}

/// Read a pipe in large pieces and pass them on whole: the output log cuts
/// lines and keeps only what fits the cap, so a job is never slowed by per
/// line work here. A quiet job (most of them) costs a small buffer and no
/// pipe resize; once a read fills the buffer the job is printing fast: the
/// buffer grows to `READ_BUF`, the pipe to the system's most (up to 4 MiB)
/// so a fast writer blocks less, and each read takes what else is already
/// in the pipe before the piece is passed on. A large piece is passed on as
/// read, in its own buffer (no copy); a small one is copied out and the
/// buffer kept.
async fn pump<R: AsyncRead + Unpin + std::os::fd::AsRawFd>(
    pipe: Option<R>,
    stream: Stream,
    events: Events,
) {
    use futures_util::FutureExt;
    let Some(mut pipe) = pipe else { return };
    let mut buf: Vec<u8> = Vec::with_capacity(FIRST_BUF);
    let mut fast = false;
    loop {
        // read_buf reads into the spare capacity (never zero-filled).
        match pipe.read_buf(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if fast {
            // What the writer put in meanwhile, without waiting for more.
            while buf.len() < buf.capacity() {
                match pipe.read_buf(&mut buf).now_or_never() {
                    Some(Ok(n)) if n > 0 => {}
                    _ => break,
                }
            }
        }
        let full = buf.len() == buf.capacity();
        let bytes = if buf.len() >= buf.capacity() / 2 {
            std::mem::replace(
                &mut buf,
                Vec::with_capacity(if fast { READ_BUF } else { FIRST_BUF }),
            )
        } else {
            let b = buf.clone();
            buf.clear();
            b
        };
        // A closed receiver means nobody records output any more; keep
        // draining the pipe so the child is not blocked on a full pipe.
        let _ = events.send(Event::Chunk { stream, bytes }).await;
        if full && !fast {
            fast = true;
            buf = Vec::with_capacity(READ_BUF);
            widen(&pipe);
        }
    }
    let _ = events.send(Event::Closed(stream)).await;
}

/// How long the pipes may take to close after the shell ended, before jr
/// looks for a process outside the group that holds them open.
const PIPES_CLOSE: Duration = Duration::from_millis(50);

/// The first reads: up to 4 KiB (what most jobs print in all).
const FIRST_BUF: usize = 4 * 1024;
/// One read of a fast writer: up to 256 KiB.
const READ_BUF: usize = 256 * 1024;

/// The pipe's buffer as large as the system allows (at most 4 MiB).
fn widen<R: std::os::fd::AsRawFd>(pipe: &R) {
    #[cfg(target_os = "linux")]
    {
        use nix::fcntl::{FcntlArg, fcntl};
        static MAX: std::sync::OnceLock<i32> = std::sync::OnceLock::new();
        let max = *MAX.get_or_init(|| {
            std::fs::read_to_string("/proc/sys/fs/pipe-max-size")
                .ok()
                .and_then(|s| s.trim().parse::<i32>().ok())
                .unwrap_or(1 << 20)
                .clamp(64 * 1024, 4 << 20)
        });
        // SAFETY: the fd belongs to `pipe`, which outlives this call.
        let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(pipe.as_raw_fd()) };
        let _ = fcntl(fd, FcntlArg::F_SETPIPE_SZ(max));
    }
}

/// An environment value stays under Linux's 128 KiB per-string limit.
fn cap_env(s: &str) -> &str {
    const MAX: usize = 100 * 1024;
    if s.len() <= MAX {
        return s;
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

pub fn expand_home(dir: &str) -> String {
    match (dir.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(rest), Ok(home)) => format!("{home}/{rest}"),
        _ => dir.to_string(),
    }
}
