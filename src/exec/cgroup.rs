//! A cgroup v2 per run, where the cgroup tree is writable: every process a
//! run starts, however it detaches (`setsid`, a double fork, a cleared
//! environment), stays in the run's cgroup, so `cgroup.kill` ends all of it
//! at once. Elsewhere (no cgroup2 mount, not writable, a kernel before 5.14
//! without `cgroup.kill`, or `[scheduler] cgroups = false` / `JR_CGROUPS=0`)
//! nothing changes: `tree.rs` finds a run's processes by its group, its
//! environment and the subreaper.
//!
//! Layout, under the cgroup jr itself runs in (read from /proc/self/cgroup,
//! the cgroup2 mount from /proc/self/mountinfo):
//! `<own>/jr-<pid of the jr process>/run-<run id>-<n>` (`n` counts this
//! process's run cgroups, so a name is never reused while an older one may
//! still be being removed). Under systemd the unit needs `Delegate=yes`
//! (assets/jr.service): jr then owns its unit's subtree. jr enables no
//! controller, so the daemon may stay in its own cgroup beside the children
//! it creates.
//!
//! The cgroup is made before the spawn (for a claimed run, on the database
//! thread right after the claim: `premake`) and the shell is born in it
//! (`spawn.rs`: clone3 with CLONE_INTO_CGROUP, which takes none of the
//! locks a move takes, no copy of jr's memory). Where the kernel cannot,
//! the shell moves itself into it as its first command (`joining`), before
//! it can start anything, started by std's `posix_spawn`; jr neither waits
//! for the move nor hops to another thread for it. A run's cgroup is removed by
//! the sweep after its end (`tree.rs`), many at a time in a burst: `rmdir`
//! first, and `cgroup.kill` only when something is still in it. jr's own
//! folder stays while it lives (a burst does not make it again and again)
//! and goes when it stops (`tidy`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use nix::unistd::Pid;

static DISABLED: AtomicBool = AtomicBool::new(false);

/// `[scheduler] cgroups = false` turns cgroups off for this process (the
/// environment's `JR_CGROUPS=0` does too).
pub fn set_enabled(on: bool) {
    DISABLED.store(!on, Ordering::Relaxed);
}

/// This process's folder, once made (None: cgroups are off here).
static BASE_MADE: OnceLock<Option<PathBuf>> = OnceLock::new();

fn off_by_env() -> bool {
    static OFF: OnceLock<bool> = OnceLock::new();
    *OFF.get_or_init(|| {
        std::env::var("JR_CGROUPS").is_ok_and(|v| matches!(v.trim(), "0" | "off" | "false" | "no"))
    })
}

/// This process's own cgroup directory (mount + path), once.
fn own() -> Option<&'static Path> {
    static OWN: OnceLock<Option<PathBuf>> = OnceLock::new();
    OWN.get_or_init(|| {
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
        let mount = cgroup2_mount(&mounts)?;
        let cg = std::fs::read_to_string("/proc/self/cgroup").ok()?;
        let rel = cg.lines().find_map(|l| l.strip_prefix("0::"))?.trim();
        let dir = mount.join(rel.trim_start_matches('/'));
        dir.join("cgroup.procs").exists().then_some(dir)
    })
    .as_deref()
}

/// Where cgroup2 is mounted, from /proc/self/mountinfo (the filesystem type
/// follows the " - " separator; the mount point is the fifth field, with
/// spaces escaped as \040).
fn cgroup2_mount(mountinfo: &str) -> Option<PathBuf> {
    mountinfo.lines().find_map(|l| {
        let (pre, post) = l.split_once(" - ")?;
        if post.split(' ').next()? != "cgroup2" {
            return None;
        }
        let point = pre.split(' ').nth(4)?;
        Some(PathBuf::from(unescape(point)))
    })
}

fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = u32::from(b[i + 1] - b'0') * 64
                + u32::from(b[i + 2] - b'0') * 8
                + u32::from(b[i + 3] - b'0');
            out.push(u8::try_from(v).unwrap_or(b'?'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// This process's folder for its runs' cgroups, made (and the leftovers of
/// jr processes that died cleared) on first use; None where cgroups are
/// off or not writable.
fn base() -> Option<&'static Path> {
    if DISABLED.load(Ordering::Relaxed) || off_by_env() {
        return None;
    }
    BASE_MADE
        .get_or_init(|| {
            let own = own()?;
            clear_stale(own);
            let dir = own.join(format!("jr-{}", std::process::id()));
            match std::fs::create_dir(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    tracing::debug!(
                        "no cgroup per run ({}: {e}); using the process tree",
                        dir.display()
                    );
                    return None;
                }
            }
            if !dir.join("cgroup.kill").exists() {
                tracing::debug!("no cgroup.kill (Linux before 5.14); using the process tree");
                let _ = std::fs::remove_dir(&dir);
                return None;
            }
            Some(dir)
        })
        .as_deref()
}

/// Whether runs get a cgroup.
pub fn available() -> bool {
    base().is_some()
}

/// Cgroups made ahead for runs about to start (`premake`): (run id, folder).
static PREMADE: Mutex<Vec<(i64, PathBuf)>> = Mutex::new(Vec::new());

/// Make the cgroups of shell runs just claimed, on the thread that claimed
/// them (the database thread, which may block): a `mkdir` waits for the
/// kernel's cgroup lock, which another run's shell holds while its move
/// waits for an RCU grace period (milliseconds after a quiet spell), and
/// an async worker must not wait for that.
pub fn premake(run_ids: impl IntoIterator<Item = i64>) {
    if base().is_none() {
        return;
    }
    let made: Vec<(i64, PathBuf)> = run_ids
        .into_iter()
        .filter_map(|id| make(id).map(|d| (id, d)))
        .collect();
    if !made.is_empty() {
        PREMADE
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(made);
    }
}

/// The cgroup for run `run_id`: the one made ahead by `premake`, else a
/// new one (None: the fallback).
pub fn for_run(run_id: i64) -> Option<PathBuf> {
    {
        let mut pre = PREMADE.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = pre.iter().position(|(id, _)| *id == run_id) {
            return Some(pre.swap_remove(i).1);
        }
    }
    make(run_id)
}

/// A new, empty cgroup for run `run_id` (None: the fallback). One `mkdir`,
/// made before the spawn: the shell is born in it (`spawn.rs`) or joins it
/// itself (`joining`).
fn make(run_id: i64) -> Option<PathBuf> {
    static SEQ: AtomicU64 = AtomicU64::new(1);
    let base = base()?;
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let dir = base.join(format!("run-{run_id}-{n}"));
    let made = match std::fs::create_dir(&dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // The folder went (someone removed it): again.
            std::fs::create_dir_all(&dir)
        }
        Err(e) => Err(e),
    };
    match made {
        Ok(()) => Some(dir),
        Err(e) => {
            tracing::debug!(
                run = run_id,
                "no cgroup for the run ({}: {e})",
                dir.display()
            );
            None
        }
    }
}

/// The command, after the shell moves itself into `dir` (writing its own
/// pid, `$$`, to `cgroup.procs`): on the command's first line, so line
/// numbers and error messages are unchanged. If the move fails the command
/// runs all the same (tracked by its process tree) and says so on stderr.
pub fn joining(dir: &Path, command: &str) -> String {
    let procs = dir.join("cgroup.procs");
    format!(
        "{{ echo $$ >{}; }} 2>/dev/null || echo '[jr] could not join the cgroup of this run: processes that leave its group may outlive it' >&2; {command}",
        quote(&procs.to_string_lossy())
    )
}

/// `s` in single quotes for sh.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The cgroup of a lost run of a jr process that died (`owner`, its pid):
/// `jr-<owner>/run-<id>-*` beside this process's folder (the live runs of
/// this process carry theirs in their `RunTree`).
pub fn of_lost(run_id: i64, owner: Option<i64>) -> Option<PathBuf> {
    if DISABLED.load(Ordering::Relaxed) || off_by_env() {
        return None;
    }
    let owner = owner.filter(|p| *p > 1)?;
    let prefix = format!("run-{run_id}-");
    std::fs::read_dir(own()?.join(format!("jr-{owner}")))
        .ok()?
        .flatten()
        .find(|e| {
            e.file_name().to_string_lossy().starts_with(&prefix)
                && e.file_type().is_ok_and(|t| t.is_dir())
        })
        .map(|e| e.path())
}

/// The processes in a cgroup.
pub fn procs(dir: &Path) -> Vec<Pid> {
    std::fs::read_to_string(dir.join("cgroup.procs"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse::<i32>().ok())
        .filter(|p| *p > 1 && *p != std::process::id() as i32)
        .map(Pid::from_raw)
        .collect()
}

/// Remove the cgroup, after SIGKILLing what is still in it (`cgroup.kill`:
/// no process can fork its way out meanwhile) and waiting until it is
/// empty. Most runs leave nothing: then it is one `rmdir` (an occupied
/// cgroup refuses it with EBUSY). Returns whether anything was killed.
pub fn remove(dir: &Path) -> bool {
    let killed = match std::fs::remove_dir(dir) {
        Ok(()) => false,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(_) => {
            let populated = || {
                std::fs::read_to_string(dir.join("cgroup.events"))
                    .map(|t| t.lines().any(|l| l == "populated 1"))
                    .unwrap_or(false)
            };
            let _ = std::fs::write(dir.join("cgroup.kill"), b"1");
            let end = Instant::now() + Duration::from_secs(2);
            while populated() && Instant::now() < end {
                std::thread::sleep(Duration::from_millis(5));
            }
            if let Err(e) = std::fs::remove_dir(dir)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!("cannot remove the run's cgroup {}: {e}", dir.display());
            }
            true
        }
    };
    // A lost run's cgroup was in the folder of a jr that died: it goes
    // too once empty.
    if let Some(parent) = dir.parent()
        && base() != Some(parent)
    {
        let _ = std::fs::remove_dir(parent);
    }
    killed
}

/// When this process stops running jobs (a scheduler's shutdown, a `jr
/// run` in the foreground): its folder goes if no run cgroup is left in it
/// (a later run makes it again).
pub fn tidy() {
    // Made ahead for runs that never got to their spawn.
    for (_, dir) in std::mem::take(&mut *PREMADE.lock().unwrap_or_else(|p| p.into_inner())) {
        let _ = std::fs::remove_dir(dir);
    }
    if let Some(base) = BASE_MADE.get().and_then(|b| b.as_deref()) {
        let _ = std::fs::remove_dir(base);
    }
}

/// Folders of jr processes that are gone: their empty run cgroups and the
/// folder itself go. A run cgroup with processes in it is left for the
/// `lost` cleanup of its run (which kills and removes it).
fn clear_stale(own: &Path) {
    let Ok(dir) = std::fs::read_dir(own) else {
        return;
    };
    let mut pids: HashMap<PathBuf, i32> = HashMap::new();
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.strip_prefix("jr-").and_then(|p| p.parse::<i32>().ok()) {
            pids.insert(e.path(), pid);
        }
    }
    for (path, pid) in pids {
        if pid == std::process::id() as i32 || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        if let Ok(runs) = std::fs::read_dir(&path) {
            for r in runs.flatten().filter(|r| r.path().is_dir()) {
                let _ = std::fs::remove_dir(r.path());
            }
        }
        let _ = std::fs::remove_dir(&path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cgroup2_mount_is_found_in_mountinfo() {
        let text = "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n\
                    40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n\
                    41 31 0:38 / /sys/fs/cgroup/un\\040ified rw,relatime - cgroup2 cgroup2 rw\n";
        assert_eq!(
            cgroup2_mount(text),
            Some(PathBuf::from("/sys/fs/cgroup/un ified"))
        );
        assert_eq!(cgroup2_mount("1 2 0:1 / / rw - ext4 /dev/vda rw\n"), None);
    }

    #[test]
    fn a_shell_that_cannot_join_says_so_and_runs_the_command() {
        // A path that is no cgroup (and needs quoting): the join fails,
        // the command runs all the same, its line number unchanged.
        let dir = Path::new("/nonexistent/it's \"here\" $HOME");
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(joining(dir, "echo hi; nosuch_jr_command; exit 3"))
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "hi\n");
        let err = String::from_utf8_lossy(&out.stderr);
        // The shell's own error names line 1, as without the join.
        assert!(err.contains("1: nosuch_jr_command"), "{err}");
        assert!(
            err.contains("[jr] could not join the cgroup of this run"),
            "{err}"
        );
        assert!(!err.contains("nonexistent"), "{err}");
        assert_eq!(out.status.code(), Some(3));
    }
}
