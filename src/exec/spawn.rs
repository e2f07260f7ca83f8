//! Starting a run's shell born in its cgroup: `clone3` with
//! `CLONE_INTO_CGROUP`, so the shell is in `run-<id>-<n>` before its first
//! instruction, and nothing is moved afterwards. Moving a process (writing
//! `cgroup.procs`, what the fallback's shell does first, `cgroup::joining`)
//! takes the kernel's global cgroup_threadgroup_rwsem for writing; a burst
//! of runs queued on it (a 1,000-job burst of `true`: 13 % slower with a
//! cgroup per run than without). Being born in a cgroup takes no such lock.
//!
//! The spawn is what glibc's `posix_spawn` does (which cannot name a
//! cgroup before glibc 2.41): `CLONE_VM | CLONE_VFORK`, so nothing of jr's
//! memory is copied and the calling thread waits until the child has
//! called `execve`; the child runs on a small stack of its own and does only
//! system calls (standard streams, process group, working directory,
//! signal mask, `execve`). `CLONE_CLEAR_SIGHAND` gives it default signal
//! handlers; SIGPIPE, which Rust's runtime ignores, is set back to default as
//! std's spawn does. `CLONE_PIDFD` gives the process's pidfd, which tells
//! tokio when it ended.
//!
//! x86-64 Linux 5.7 or later. Elsewhere, when the kernel refuses
//! (`ENOSYS` from an old kernel or a seccomp filter, `EINVAL`, `EPERM`), or
//! with `JR_CLONE3=0`, `start` says so and the caller starts the shell the
//! portable way.

// Elsewhere the clone is never tried: its parts are unused there.
#![cfg_attr(
    not(all(target_os = "linux", target_arch = "x86_64")),
    allow(dead_code)
)]

use std::ffi::{CString, OsStr, OsString};
use std::io;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::ExitStatus;
use std::sync::atomic::{AtomicBool, Ordering};

use nix::libc;
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::net::unix::pipe::Receiver;

/// What to start: `program` (a path) with `args` (argv[0] first), the
/// whole environment, and the working directory.
pub struct Spec<'a> {
    pub program: &'a Path,
    pub args: &'a [&'a OsStr],
    pub env: &'a [(OsString, OsString)],
    pub cwd: Option<&'a Path>,
}

/// A started process: its pid, and its stdout and stderr read ends.
pub struct Started {
    pub child: Child,
    pub stdout: Receiver,
    pub stderr: Receiver,
}

/// Why nothing was started.
pub enum NotStarted {
    /// This kernel (or platform) cannot: start it the portable way.
    Unsupported,
    /// It was tried and failed (no such program, a bad working folder…).
    Failed(io::Error),
}

/// Set once the kernel said it cannot: later runs go the portable way at once.
static UNSUPPORTED: AtomicBool =
    AtomicBool::new(!cfg!(all(target_os = "linux", target_arch = "x86_64")));

/// Start `spec` in its own process group, stdin from /dev/null, stdout and
/// stderr to pipes, inside the cgroup folder `cgroup`.
pub fn start(spec: &Spec<'_>, cgroup: &Path) -> Result<Started, NotStarted> {
    if UNSUPPORTED.load(Ordering::Relaxed) || off_by_env() {
        return Err(NotStarted::Unsupported);
    }
    let failed = NotStarted::Failed;
    let program = cstring(spec.program.as_os_str()).map_err(failed)?;
    let args = spec
        .args
        .iter()
        .map(|a| cstring(a))
        .collect::<io::Result<Vec<_>>>()
        .map_err(failed)?;
    let env = spec
        .env
        .iter()
        .map(|(k, v)| {
            let mut kv = Vec::with_capacity(k.len() + v.len() + 1);
            kv.extend_from_slice(k.as_bytes());
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            CString::new(kv).map_err(|_| nul_error())
        })
        .collect::<io::Result<Vec<_>>>()
        .map_err(failed)?;
    let cwd = spec
        .cwd
        .map(|d| cstring(d.as_os_str()))
        .transpose()
        .map_err(failed)?;
    let (out_r, out_w) = pipe().map_err(failed)?;
    let (err_r, err_w) = pipe().map_err(failed)?;
    let null = dev_null().map_err(failed)?;
    // A cgroup that went meanwhile: the portable way, which says so.
    let dir = open_dir(cgroup).map_err(|_| NotStarted::Unsupported)?;
    let argv = pointers(&args);
    let envp = pointers(&env);
    let mut ctx = Ctx {
        program: program.as_ptr(),
        argv: argv.as_ptr(),
        envp: envp.as_ptr(),
        cwd: cwd.as_ref().map_or(std::ptr::null(), |c| c.as_ptr()),
        stdin: null,
        stdout: out_w.as_raw_fd(),
        stderr: err_w.as_raw_fd(),
        err: 0,
    };
    let (pid, pidfd) = match clone_into(&mut ctx, dir.as_raw_fd()) {
        Ok(x) => x,
        Err(e) => {
            return Err(match e.raw_os_error() {
                // This kernel cannot (before 5.7), or a filter forbids it.
                Some(libc::ENOSYS | libc::EINVAL | libc::EPERM | libc::E2BIG) => {
                    UNSUPPORTED.store(true, Ordering::Relaxed);
                    tracing::info!(
                        "clone3 into a cgroup refused ({e}): shells join their run's cgroup themselves"
                    );
                    NotStarted::Unsupported
                }
                // This cgroup will not take it (removed meanwhile, not
                // writable, a controller's rule): the portable way, which
                // says so if joining fails too.
                Some(
                    libc::EBUSY | libc::EOPNOTSUPP | libc::ENODEV | libc::ENOENT | libc::EACCES,
                ) => {
                    tracing::debug!("clone3 into {}: {e}", cgroup.display());
                    NotStarted::Unsupported
                }
                _ => NotStarted::Failed(e),
            });
        }
    };
    drop((out_w, err_w, dir));
    // Written by the child before it exited, when a step before `execve`
    // (or `execve` itself) failed; the parent thread waited meanwhile.
    let child_err = unsafe { std::ptr::read_volatile(&ctx.err) };
    if child_err != 0 {
        unsafe { libc::waitpid(pid, std::ptr::null_mut(), 0) };
        return Err(NotStarted::Failed(io::Error::from_raw_os_error(child_err)));
    }
    // It runs: if it cannot be followed, it is ended, not left behind.
    let abandon = |e: io::Error| {
        unsafe {
            libc::kill(pid, libc::SIGKILL);
            libc::waitpid(pid, std::ptr::null_mut(), 0);
        }
        NotStarted::Failed(e)
    };
    // SAFETY: the AsyncFd owns the pidfd, open until it is dropped.
    let pidfd = unsafe { AsyncFd::register_with_interest(pidfd, Interest::READABLE) }
        .map_err(|e| abandon(e.into()))?;
    let stdout = Receiver::from_owned_fd(out_r).map_err(abandon)?;
    let stderr = Receiver::from_owned_fd(err_r).map_err(abandon)?;
    Ok(Started {
        child: Child {
            pid,
            pidfd,
            status: None,
        },
        stdout,
        stderr,
    })
}

/// `JR_CLONE3=0`: always the portable way (to compare, or to test it).
fn off_by_env() -> bool {
    static OFF: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *OFF.get_or_init(|| std::env::var_os("JR_CLONE3").is_some_and(|v| v == "0"))
}

fn nul_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "a NUL byte in an argument or the environment",
    )
}

fn cstring(s: &OsStr) -> io::Result<CString> {
    CString::new(s.as_bytes()).map_err(|_| nul_error())
}

/// NULL-terminated array of the strings' pointers (valid while they live).
fn pointers(strings: &[CString]) -> Vec<*const libc::c_char> {
    strings
        .iter()
        .map(|s| s.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect()
}

/// A pipe, both ends close-on-exec and numbered above the standard streams
/// (the child's `dup2` onto 0-2 must never meet its own source).
fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    Ok((above_stdio(r)?, above_stdio(w)?))
}

fn above_stdio(fd: OwnedFd) -> io::Result<OwnedFd> {
    if fd.as_raw_fd() > 2 {
        return Ok(fd);
    }
    let n = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 3) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(unsafe { OwnedFd::from_raw_fd(n) })
}

/// /dev/null for reading, opened once.
fn dev_null() -> io::Result<RawFd> {
    static NULL: std::sync::OnceLock<OwnedFd> = std::sync::OnceLock::new();
    if let Some(fd) = NULL.get() {
        return Ok(fd.as_raw_fd());
    }
    let f = std::fs::File::open("/dev/null")?;
    let fd = above_stdio(OwnedFd::from(f))?;
    Ok(NULL.get_or_init(|| fd).as_raw_fd())
}

fn open_dir(path: &Path) -> io::Result<OwnedFd> {
    let c = cstring(path.as_os_str())?;
    let fd = unsafe {
        libc::open(
            c.as_ptr(),
            libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// What the child needs, all made before the clone: it allocates nothing.
#[repr(C)]
struct Ctx {
    program: *const libc::c_char,
    argv: *const *const libc::c_char,
    envp: *const *const libc::c_char,
    cwd: *const libc::c_char,
    stdin: RawFd,
    stdout: RawFd,
    stderr: RawFd,
    /// The errno of the step that failed, written by the child.
    err: libc::c_int,
}

/// The kernel's `struct clone_args` (version 2, with `cgroup`: 88 bytes).
#[repr(C)]
#[derive(Default)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}

const CLONE_VM: u64 = 0x100;
const CLONE_VFORK: u64 = 0x4000;
const CLONE_PIDFD: u64 = 0x1000;
const CLONE_CLEAR_SIGHAND: u64 = 0x1_0000_0000;
const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;

/// The child's stack: 64 KiB above a guard page, one per thread that
/// spawns, kept for the thread's life (the calling thread waits while the
/// child uses it, so one thread never needs two).
const STACK: usize = 64 * 1024;

struct Stack(*mut libc::c_void);

impl Stack {
    fn new() -> io::Result<Stack> {
        let page = 4096;
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                STACK + page,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        // The lowest page is the guard: an overflow faults instead of
        // writing over jr's memory.
        if unsafe { libc::mprotect(p, page, libc::PROT_NONE) } != 0 {
            let e = io::Error::last_os_error();
            unsafe { libc::munmap(p, STACK + page) };
            return Err(e);
        }
        Ok(Stack(p))
    }

    /// The usable area's lowest byte, as clone3 wants it (it starts the
    /// child at `low + stack_size`; the stack grows down towards the guard).
    fn low(&self) -> u64 {
        self.0 as u64 + 4096
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        unsafe { libc::munmap(self.0, STACK + 4096) };
    }
}

thread_local! {
    static STACKS: std::cell::RefCell<Option<Stack>> = const { std::cell::RefCell::new(None) };
}

/// clone3 the child into the cgroup open at `dir`; the pid and its pidfd.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
fn clone_into(ctx: &mut Ctx, dir: RawFd) -> io::Result<(libc::pid_t, OwnedFd)> {
    STACKS.with(|s| {
        let mut s = s.borrow_mut();
        if s.is_none() {
            *s = Some(Stack::new()?);
        }
        let stack = s.as_ref().map_or(0, Stack::low);
        let mut pidfd: libc::c_int = -1;
        let mut args = CloneArgs {
            flags: CLONE_VM | CLONE_VFORK | CLONE_PIDFD | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP,
            pidfd: &mut pidfd as *mut libc::c_int as u64,
            exit_signal: libc::SIGCHLD as u64,
            stack,
            stack_size: STACK as u64,
            cgroup: dir as u64,
            ..CloneArgs::default()
        };
        // No signal handler of jr may run in the child, which shares jr's
        // memory: all blocked around the clone (the child unblocks them
        // once its handlers are the defaults).
        let mut all: libc::sigset_t = unsafe { std::mem::zeroed() };
        let mut old: libc::sigset_t = unsafe { std::mem::zeroed() };
        unsafe {
            libc::sigfillset(&mut all);
            libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
        }
        let ret = unsafe { clone3_vfork(&mut args, ctx) };
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut()) };
        if ret < 0 {
            return Err(io::Error::from_raw_os_error(-ret as i32));
        }
        Ok((ret as libc::pid_t, unsafe { OwnedFd::from_raw_fd(pidfd) }))
    })
}

#[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
fn clone_into(_: &mut Ctx, _: RawFd) -> io::Result<(libc::pid_t, OwnedFd)> {
    Err(io::Error::from_raw_os_error(libc::ENOSYS))
}

/// The raw system call: in the parent it returns the child's pid (or
/// -errno); the child starts on the stack in `args` and goes straight to
/// `child_main`, which never returns.
///
/// # Safety
/// `args` names a mapped stack of `stack_size` bytes and `ctx` points to
/// a `Ctx` whose pointers stay valid until the call returns (CLONE_VFORK:
/// after the child's `execve` or exit).
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
unsafe fn clone3_vfork(args: &mut CloneArgs, ctx: *mut Ctx) -> i64 {
    let ret: i64;
    unsafe {
        std::arch::asm!(
            "syscall",
            "test rax, rax",
            "jnz 2f",
            // The child, on its own stack (set by the kernel): no frame to
            // return to.
            "xor ebp, ebp",
            "and rsp, -16",
            "mov rdi, r12",
            "call r13",
            "ud2",
            "2:",
            inlateout("rax") libc::SYS_clone3 => ret,
            in("rdi") args as *mut CloneArgs,
            in("rsi") std::mem::size_of::<CloneArgs>(),
            in("r12") ctx,
            in("r13") child_main as extern "C" fn(*mut Ctx) -> !,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    ret
}

/// The child, between the clone and `execve`: system calls only (it shares
/// jr's memory; the parent's thread waits).
extern "C" fn child_main(ctx: *mut Ctx) -> ! {
    /// Leave the step's errno for the parent, and exit.
    unsafe fn fail(c: &mut Ctx) -> ! {
        unsafe {
            std::ptr::write_volatile(&mut c.err, *libc::__errno_location());
            libc::_exit(127)
        }
    }
    unsafe {
        let c = &mut *ctx;
        // Rust's runtime ignores SIGPIPE, and an ignored signal stays
        // ignored across CLONE_CLEAR_SIGHAND and execve.
        let mut dfl: libc::sigaction = std::mem::zeroed();
        dfl.sa_sigaction = libc::SIG_DFL;
        if libc::sigaction(libc::SIGPIPE, &dfl, std::ptr::null_mut()) != 0 {
            fail(c);
        }
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        if libc::pthread_sigmask(libc::SIG_SETMASK, &none, std::ptr::null_mut()) != 0 {
            fail(c);
        }
        if libc::dup2(c.stdin, 0) < 0 || libc::dup2(c.stdout, 1) < 0 || libc::dup2(c.stderr, 2) < 0
        {
            fail(c);
        }
        if libc::setpgid(0, 0) != 0 {
            fail(c);
        }
        if !c.cwd.is_null() && libc::chdir(c.cwd) != 0 {
            fail(c);
        }
        libc::execve(c.program, c.argv, c.envp);
        fail(c)
    }
}

/// A process started by `start`: waited for through its pidfd.
pub struct Child {
    pid: libc::pid_t,
    pidfd: AsyncFd<OwnedFd>,
    status: Option<ExitStatus>,
}

impl Child {
    pub fn id(&self) -> u32 {
        self.pid as u32
    }

    /// Its exit status, once it ended (reaped then; later calls repeat it).
    /// Cancel-safe: nothing is lost if the future is dropped.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        loop {
            if let Some(s) = self.status {
                return Ok(s);
            }
            if let Some(s) = self.try_reap()? {
                return Ok(s);
            }
            let mut ready = self.pidfd.readable().await?;
            ready.clear_ready();
        }
    }

    fn try_reap(&mut self) -> io::Result<Option<ExitStatus>> {
        let mut status = 0;
        let r = unsafe { libc::waitpid(self.pid, &mut status, libc::WNOHANG) };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        if r == 0 {
            return Ok(None);
        }
        let s = ExitStatus::from_raw(status);
        self.status = Some(s);
        Ok(Some(s))
    }

    /// SIGKILL to the process itself (through its pidfd: never another
    /// process that took its number).
    pub fn start_kill(&mut self) -> io::Result<()> {
        if self.status.is_some() {
            return Ok(());
        }
        let r = unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                self.pidfd.as_fd().as_raw_fd(),
                libc::SIGKILL,
                std::ptr::null::<libc::siginfo_t>(),
                0,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

impl Drop for Child {
    /// Never waited for (the run's task ended early): reaped if it is
    /// done, so no zombie is left for a process that already ended.
    fn drop(&mut self) {
        if self.status.is_none() {
            let _ = self.try_reap();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    fn spec<'a>(args: &'a [&'a OsStr], env: &'a [(OsString, OsString)]) -> Spec<'a> {
        Spec {
            program: Path::new("/bin/sh"),
            args,
            env,
            cwd: None,
        }
    }

    #[tokio::test]
    async fn a_child_born_in_its_cgroup_runs_with_its_streams_and_status() {
        let Some(dir) = super::super::cgroup::for_run(990_001) else {
            eprintln!("no writable cgroup2 here");
            return;
        };
        let env = [("GREETING".into(), "안녕".into())];
        let args: [&OsStr; 3] = [
            "sh".as_ref(),
            "-c".as_ref(),
            "cat /proc/self/cgroup; echo \"$GREETING\"; ps -o pgid= -p $$; echo oops >&2; exit 7"
                .as_ref(),
        ];
        let mut s = match start(&spec(&args, &env), &dir) {
            Ok(s) => s,
            Err(NotStarted::Unsupported) => {
                eprintln!("clone3 into a cgroup is not supported here");
                super::super::cgroup::remove(&dir);
                return;
            }
            Err(NotStarted::Failed(e)) => panic!("{e}"),
        };
        let (mut out, mut err) = (String::new(), String::new());
        s.stdout.read_to_string(&mut out).await.unwrap();
        s.stderr.read_to_string(&mut err).await.unwrap();
        let status = s.child.wait().await.unwrap();
        assert_eq!(status.code(), Some(7));
        assert_eq!(s.child.wait().await.unwrap().code(), Some(7), "asked again");
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        assert!(out.lines().any(|l| l.ends_with(&name)), "in {name}: {out}");
        assert!(out.contains("안녕"), "{out}");
        // Its own process group: the group id is its pid.
        let pgid: u32 = out.lines().last().unwrap().trim().parse().unwrap();
        assert_eq!(pgid, s.child.id(), "{out}");
        assert_eq!(err, "oops\n");
        assert!(
            !super::super::cgroup::remove(&dir),
            "nothing left in it to kill"
        );
    }

    #[tokio::test]
    async fn what_cannot_start_says_why_and_leaves_nothing_running() {
        let Some(dir) = super::super::cgroup::for_run(990_002) else {
            return;
        };
        let args: [&OsStr; 1] = ["nothing".as_ref()];
        let mut missing = spec(&args, &[]);
        missing.program = Path::new("/no/such/program");
        match start(&missing, &dir) {
            Err(NotStarted::Failed(e)) => assert_eq!(e.kind(), io::ErrorKind::NotFound),
            Err(NotStarted::Unsupported) => return,
            Ok(_) => panic!("started a program that is not there"),
        }
        let args: [&OsStr; 3] = ["sh".as_ref(), "-c".as_ref(), "true".as_ref()];
        let mut nowhere = spec(&args, &[]);
        nowhere.cwd = Some(Path::new("/no/such/folder"));
        assert!(matches!(start(&nowhere, &dir), Err(NotStarted::Failed(_))));
        // Each child that failed exited and was reaped: the cgroup is empty.
        assert!(super::super::cgroup::procs(&dir).is_empty());
        assert!(
            !super::super::cgroup::remove(&dir),
            "nothing left in it to kill"
        );
    }

    #[tokio::test]
    async fn a_killed_child_reports_its_signal() {
        let Some(dir) = super::super::cgroup::for_run(990_003) else {
            return;
        };
        let args: [&OsStr; 3] = ["sh".as_ref(), "-c".as_ref(), "exec sleep 30".as_ref()];
        let Ok(mut s) = start(&spec(&args, &[]), &dir) else {
            return;
        };
        s.child.start_kill().unwrap();
        let status = s.child.wait().await.unwrap();
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        assert!(
            !super::super::cgroup::remove(&dir),
            "nothing left in it to kill"
        );
    }
}
