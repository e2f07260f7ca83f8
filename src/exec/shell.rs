//! The `shell` kind: `sh -c COMMAND` in its own process group, stdin from
//! /dev/null, stdout and stderr read in large pieces (`capture.rs`; lines
//! are cut, bounded, by the output log). Stopping it signals the
//! run's whole tree (`tree.rs`: the group, and processes that left it, such
//! as `setsid sleep 37 &`); when the shell ends, what is left in its group
//! is killed at once, a process outside it that holds the pipes before they
//! are drained, and any other leftover by the next sweep (`tree.rs`).
//! `JR_RESULT` names a fresh file whose first 4 KiB become the run's result
//! (`result_file.rs`).

use std::ffi::OsString;
use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::Signal;
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
        // A cgroup per run where it can be had: the shell is born in it
        // (spawn.rs), or joins it before it runs anything (cgroup.rs).
        let cgroup = super::cgroup::for_run(ctx.run_id);
        // The run's environment over jr's own, in order (a later value wins).
        let mut vars: Vec<(OsString, OsString)> = vec![
            ("JR_RUN_ID".into(), ctx.run_id.to_string().into()),
            ("JR_JOB".into(), ctx.job.name.clone().into()),
            ("JR_ATTEMPT".into(), ctx.attempt.to_string().into()),
            (
                "JR_SCHEDULED_FOR".into(),
                ctx.scheduled_for
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default()
                    .into(),
            ),
        ];
        vars.extend(spec.env.iter().map(|(k, v)| (k.into(), v.into())));
        // Run parameters, after the job's own environment: the run's value wins.
        vars.extend(
            ctx.params
                .iter()
                .map(|(k, v)| (crate::domain::params::env_name(k).into(), v.into())),
        );
        // agents: a chained run sees its upstream (JR_UPSTREAM_*).
        if let Some(up) = &ctx.upstream {
            vars.extend([
                ("JR_UPSTREAM_RUN".into(), up.run.to_string().into()),
                ("JR_UPSTREAM_JOB".into(), up.job.clone().into()),
                ("JR_UPSTREAM_STATUS".into(), up.status.clone().into()),
                ("JR_UPSTREAM_RESULT".into(), cap_env(&up.result).into()),
            ]);
        }
        if let Some(t) = &ctx.task {
            vars.extend([
                ("JR_TASK_ID".into(), t.id.to_string().into()),
                ("JR_TASK_TITLE".into(), t.title.clone().into()),
                ("JR_TASK_BODY".into(), cap_env(&t.body).into()),
            ]);
        }
        // JR_RESULT: a fresh private file; what the job writes there is the run's result.
        let result_file =
            match super::result_file::ResultFile::create(ctx.result_dir.as_deref(), ctx.run_id) {
                Ok(f) => {
                    vars.push(("JR_RESULT".into(), f.path().into()));
                    Some(f)
                }
                Err(e) => {
                    super::note(&events, format!("[jr] no JR_RESULT file for this run: {e}")).await;
                    None
                }
            };
        let cwd = match &spec.cwd {
            Some(dir) => {
                let dir = expand_home(dir);
                if !std::path::Path::new(&dir).is_dir() {
                    if let Some(cg) = &cgroup {
                        super::cgroup::remove(cg);
                    }
                    return Outcome::failed(format!("working directory {dir} does not exist"));
                }
                Some(std::path::PathBuf::from(dir))
            }
            None => None,
        };
        let started = match start(&spec.command, &vars, cwd.as_deref(), cgroup.as_deref()) {
            Ok(p) => p,
            Err(e) => {
                if let Some(cg) = &cgroup {
                    super::cgroup::remove(cg);
                }
                return Outcome::failed(format!("cannot start sh: {e}"));
            }
        };
        let (mut child, out, err) = match started {
            Started::Born(s) => (
                Proc::Born(s.child),
                tokio::spawn(super::capture::pump(
                    Some(s.stdout),
                    Stream::Out,
                    events.clone(),
                )),
                tokio::spawn(super::capture::pump(
                    Some(s.stderr),
                    Stream::Err,
                    events.clone(),
                )),
            ),
            Started::Joins(mut c) => {
                let (o, e) = (c.stdout.take(), c.stderr.take());
                (
                    Proc::Joins(c),
                    tokio::spawn(super::capture::pump(o, Stream::Out, events.clone())),
                    tokio::spawn(super::capture::pump(e, Stream::Err, events.clone())),
                )
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

/// How the shell was started.
enum Started {
    /// Born in its run's cgroup (`spawn.rs`).
    Born(super::spawn::Started),
    /// Started the portable way: it joins its cgroup (if any) itself.
    Joins(tokio::process::Child),
}

/// `sh -c COMMAND` in its own process group, stdin from /dev/null, stdout
/// and stderr piped, with `vars` over jr's environment: born in `cgroup`
/// where the kernel can, else joining it as its first command.
fn start(
    command: &str,
    vars: &[(OsString, OsString)],
    cwd: Option<&std::path::Path>,
    cgroup: Option<&std::path::Path>,
) -> std::io::Result<Started> {
    if let (Some(dir), Some(sh)) = (cgroup, sh_path()) {
        let mut env: Vec<(OsString, OsString)> = std::env::vars_os().collect();
        for (k, v) in vars {
            match env.iter_mut().find(|(ek, _)| ek == k) {
                Some(slot) => slot.1 = v.clone(),
                None => env.push((k.clone(), v.clone())),
            }
        }
        let spec = super::spawn::Spec {
            program: sh,
            args: &["sh".as_ref(), "-c".as_ref(), command.as_ref()],
            env: &env,
            cwd,
        };
        match super::spawn::start(&spec, dir) {
            Ok(s) => return Ok(Started::Born(s)),
            Err(super::spawn::NotStarted::Failed(e)) => return Err(e),
            Err(super::spawn::NotStarted::Unsupported) => {}
        }
    }
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(match cgroup {
            Some(dir) => super::cgroup::joining(dir, command),
            None => command.to_string(),
        })
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .envs(vars.iter().map(|(k, v)| (k, v)));
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    cmd.spawn().map(Started::Joins)
}

/// Where `sh` is on jr's PATH (looked up once).
fn sh_path() -> Option<&'static std::path::Path> {
    static SH: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    SH.get_or_init(|| {
        use std::os::unix::fs::PermissionsExt;
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|d| d.join("sh"))
            .find(|p| {
                std::fs::metadata(p)
                    .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            })
    })
    .as_deref()
}

/// The shell's process, however it was started.
enum Proc {
    Born(super::spawn::Child),
    Joins(tokio::process::Child),
}

impl Proc {
    fn id(&self) -> Option<u32> {
        match self {
            Proc::Born(c) => Some(c.id()),
            Proc::Joins(c) => c.id(),
        }
    }

    async fn wait(&mut self) -> std::io::Result<std::process::ExitStatus> {
        match self {
            Proc::Born(c) => c.wait().await,
            Proc::Joins(c) => c.wait().await,
        }
    }

    fn start_kill(&mut self) -> std::io::Result<()> {
        match self {
            Proc::Born(c) => c.start_kill(),
            Proc::Joins(c) => c.start_kill(),
        }
    }
}

/// How long the pipes may take to close after the shell ended, before jr
/// looks for a process outside the group that holds them open.
const PIPES_CLOSE: Duration = Duration::from_millis(50);

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
