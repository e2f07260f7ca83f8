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
//! `<own>/jr-<pid of the jr process>/run-<run id>-<pid of its shell>`. Under
//! systemd the unit needs `Delegate=yes` (assets/jr.service): jr then owns
//! its unit's subtree. jr enables no controller, so the daemon may stay in
//! its own cgroup beside the children it creates.
//!
//! The shell of a run is moved into its cgroup right after the spawn (std's
//! fast `posix_spawn` path is kept); until then it waits on a line on its
//! stdin (`gated`), so nothing it starts can fork before the move. Moving a
//! process costs the kernel an RCU grace period (~10-20 ms of waiting, not
//! CPU, on an idle machine; ~20 µs each in a burst), spent on a blocking
//! thread.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
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

/// The cgroups of live runs of this process: (run id, shell pid, folder).
static RUNS: Mutex<Vec<(i64, i64, PathBuf)>> = Mutex::new(Vec::new());

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
fn base() -> Option<PathBuf> {
    if DISABLED.load(Ordering::Relaxed) || off_by_env() {
        return None;
    }
    static BASE: OnceLock<Option<PathBuf>> = OnceLock::new();
    BASE.get_or_init(|| {
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
    .clone()
}

/// Whether runs get a cgroup (the shell is then `gated`).
pub fn available() -> bool {
    base().is_some()
}

/// The command with a gate before it: the shell waits for one line on its
/// stdin (written once it is in its cgroup), then takes /dev/null as stdin
/// and runs the command. On the command's first line, so line numbers and
/// error messages are unchanged.
pub fn gated(command: &str) -> String {
    format!("read -r _jr_gate; unset _jr_gate; exec </dev/null; {command}")
}

/// Make the run's cgroup and move `pid` (its gated shell) into it; None (the
/// fallback) if that fails. Blocking: the move waits for the kernel.
pub fn adopt(run_id: i64, pid: u32) -> Option<PathBuf> {
    let base = base()?;
    let dir = base.join(format!("run-{run_id}-{pid}"));
    let made = match std::fs::create_dir(&dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // The folder went (an earlier `sweep_now` removed it): again.
            std::fs::create_dir_all(&dir)
        }
        Err(e) => Err(e),
    };
    if let Err(e) = made {
        tracing::debug!(
            run = run_id,
            "no cgroup for the run ({}: {e})",
            dir.display()
        );
        return None;
    }
    let moved = std::fs::OpenOptions::new()
        .write(true)
        .open(dir.join("cgroup.procs"))
        .and_then(|mut f| f.write_all(pid.to_string().as_bytes()));
    if let Err(e) = moved {
        tracing::debug!(run = run_id, "cannot move the run into its cgroup: {e}");
        let _ = std::fs::remove_dir(&dir);
        return None;
    }
    RUNS.lock()
        .unwrap_or_else(|p| p.into_inner())
        .push((run_id, i64::from(pid), dir.clone()));
    Some(dir)
}

/// The cgroup of a run (by its id and its shell's pid, the group's id):
/// this process's own record, or, for a run of a jr
/// process that died (`lost` cleanup), `run-<id>-<pgid>` under any `jr-*`
/// folder beside this one.
pub fn of(run_id: i64, pgid: Option<i64>) -> Option<PathBuf> {
    if DISABLED.load(Ordering::Relaxed) || off_by_env() {
        return None;
    }
    let pgid = pgid.filter(|g| *g > 1)?;
    if let Some((_, _, p)) = RUNS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .find(|(r, g, _)| *r == run_id && *g == pgid)
    {
        return Some(p.clone());
    }
    let own = own()?;
    let name = format!("run-{run_id}-{pgid}");
    std::fs::read_dir(own)
        .ok()?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("jr-"))
        .map(|e| e.path().join(&name))
        .find(|p| p.is_dir())
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

/// SIGKILL everything in the cgroup (`cgroup.kill`: no process can fork
/// its way out meanwhile), wait until it is empty, and remove it.
pub fn remove(dir: &Path) {
    let populated = || {
        std::fs::read_to_string(dir.join("cgroup.events"))
            .map(|t| t.lines().any(|l| l == "populated 1"))
            .unwrap_or(false)
    };
    if populated() {
        let _ = std::fs::write(dir.join("cgroup.kill"), b"1");
        let end = Instant::now() + Duration::from_secs(2);
        while populated() && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    if let Err(e) = std::fs::remove_dir(dir)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!("cannot remove the run's cgroup {}: {e}", dir.display());
    }
    RUNS.lock()
        .unwrap_or_else(|p| p.into_inner())
        .retain(|(_, _, p)| p != dir);
    // A lost run's cgroup was in the folder of a jr that died: it goes
    // too once empty.
    if let Some(parent) = dir.parent()
        && base().as_deref() != Some(parent)
    {
        let _ = std::fs::remove_dir(parent);
    }
}

/// When this process has no run left: remove its folder (a later run makes
/// it again), so a `jr run` in the foreground leaves nothing behind.
pub fn tidy() {
    let Some(base) = base() else { return };
    if RUNS.lock().unwrap_or_else(|p| p.into_inner()).is_empty() {
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
}
