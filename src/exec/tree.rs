//! A run's whole process tree, not just its process group: a job can leave
//! the group (`setsid sleep 37 &`, a daemonising tool) and would outlive a
//! timeout, a cancel, SIGTERM or `lost` cleanup. The process that runs jobs
//! is made a child subreaper (`PR_SET_CHILD_SUBREAPER`), so orphans of a run
//! are re-parented to jr instead of init and can be reaped; and a run's
//! members are found in /proc by its process group, by the `JR_RUN_ID` and
//! `JR_JOB` every process of it inherits, and by descent from either. A run
//! that ended on its own is swept for such leftovers by one thread, a
//! batch of ended runs at a time (`sweep_soon`).
//! Where a run has a cgroup (`cgroup.rs`), its members are the cgroup's
//! processes and ending it is one `cgroup.kill`; this is the fallback.
//! Linux only: elsewhere only the process group is signalled.

use std::collections::{HashMap, HashSet};

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

/// Make this process the reaper of its orphaned descendants (once).
pub fn become_subreaper() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        #[cfg(target_os = "linux")]
        if let Err(e) = nix::sys::prctl::set_child_subreaper(true) {
            tracing::warn!("cannot become a child subreaper ({e}); processes that leave a run's group may outlive it");
        }
    });
}

/// What identifies a run's processes.
#[derive(Debug, Clone)]
pub struct RunTree {
    pub run_id: i64,
    pub job: String,
    pub pgid: Option<i64>,
    /// The run's cgroup, where it has one (`cgroup.rs`).
    pub cgroup: Option<std::path::PathBuf>,
}

struct Proc {
    ppid: i32,
    pgid: i32,
    sid: i32,
    zombie: bool,
}

impl RunTree {
    /// Every live process of the run (never this process or init).
    pub fn members(&self) -> Vec<Pid> {
        // An empty cgroup: its shell could not join it (it said so on
        // stderr), or everything ended; the group and the scan tell.
        if let Some(found) = self
            .cgroup
            .as_deref()
            .map(super::cgroup::procs)
            .filter(|p| !p.is_empty())
        {
            return found;
        }
        if let Some(found) = self.members_after_group() {
            return found;
        }
        self.members_by_scan()
    }

    /// The cheap answer once the run's group is empty (the usual end of a
    /// run): a process that left the group and outlived its parent was
    /// re-parented to this subreaper, so the run's leftovers are among this
    /// process's children and their descendants. None when the group still
    /// has members or the kernel does not list children (then: scan /proc).
    fn members_after_group(&self) -> Option<Vec<Pid>> {
        let g = self.pgid.filter(|g| *g > 1)?;
        match killpg(Pid::from_raw(g as i32), None) {
            Err(nix::errno::Errno::ESRCH) => {}
            _ => return None,
        }
        let id_marker = format!("JR_RUN_ID={}", self.run_id);
        let job_marker = format!("JR_JOB={}", self.job);
        let mut stack: Vec<i32> = children_of(std::process::id() as i32)?
            .into_iter()
            .filter(|pid| {
                stat(*pid).is_some_and(|p| p.pgid == g as i32)
                    || has_env(*pid, &id_marker, &job_marker)
            })
            .collect();
        let mut found = Vec::new();
        while let Some(pid) = stack.pop() {
            if pid <= 1 || found.contains(&Pid::from_raw(pid)) {
                continue;
            }
            found.push(Pid::from_raw(pid));
            stack.extend(children_of(pid).unwrap_or_default());
        }
        Some(found)
    }

    fn members_by_scan(&self) -> Vec<Pid> {
        let me = std::process::id() as i32;
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        let id_marker = format!("JR_RUN_ID={}", self.run_id);
        let job_marker = format!("JR_JOB={}", self.job);
        let mut procs: HashMap<i32, Proc> = HashMap::new();
        let mut found: HashSet<i32> = HashSet::new();
        for e in dir.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
                continue;
            };
            if pid == me || pid <= 1 {
                continue;
            }
            let Some(p) = stat(pid) else { continue };
            if self.pgid.is_some_and(|g| g as i32 == p.pgid)
                || has_env(pid, &id_marker, &job_marker)
            {
                found.insert(pid);
            }
            procs.insert(pid, p);
        }
        // And everything descended from a member (a child that cleared its
        // environment and left the group is still a child).
        loop {
            let more: Vec<i32> = procs
                .iter()
                .filter(|(pid, p)| !found.contains(pid) && found.contains(&p.ppid))
                .map(|(pid, _)| *pid)
                .collect();
            if more.is_empty() {
                break;
            }
            found.extend(more);
        }
        found.into_iter().map(Pid::from_raw).collect()
    }

    /// Signal the group and every member; true if any was signalled.
    pub fn signal(&self, sig: Signal) -> bool {
        let mut any = false;
        if let Some(g) = self.pgid.filter(|g| *g > 1) {
            any |= killpg(Pid::from_raw(g as i32), sig).is_ok();
        }
        for pid in self.members() {
            any |= kill(pid, sig).is_ok();
        }
        any
    }

    /// SIGKILL everything left, then reap those that became our children
    /// (orphans re-parented to this subreaper), so none stays a zombie.
    /// A run with a cgroup: `cgroup.kill`, and the cgroup goes.
    pub fn kill_all(&self) {
        if let Some(cg) = &self.cgroup {
            super::cgroup::remove(cg);
            if let Some(g) = self.pgid.filter(|g| *g > 1) {
                let _ = killpg(Pid::from_raw(g as i32), Signal::SIGKILL);
            }
            reap_orphans();
            return;
        }
        let left = self.members();
        if let Some(g) = self.pgid.filter(|g| *g > 1) {
            let _ = killpg(Pid::from_raw(g as i32), Signal::SIGKILL);
        }
        for pid in &left {
            let _ = kill(*pid, Signal::SIGKILL);
        }
        reap(&left);
        reap_orphans();
    }
}

/// Runs that ended on their own, whose processes that left the group are
/// yet to be looked for: one sweep covers every run that ended meanwhile,
/// so a burst of short runs costs one listing of this process's children
/// per sweep, not one per run.
static PENDING: std::sync::Mutex<Vec<RunTree>> = std::sync::Mutex::new(Vec::new());
static WAKE: std::sync::Condvar = std::sync::Condvar::new();
/// How long the sweeper gathers ended runs before it looks.
const SWEEP_AFTER: std::time::Duration = std::time::Duration::from_millis(20);

/// End, soon, whatever of `tree` outlived its run (the caller has already
/// killed what was left in its group): a detached process is killed and
/// reaped by the sweeper thread within `SWEEP_AFTER` and a scan.
pub fn sweep_soon(tree: RunTree) {
    static SWEEPER: std::sync::Once = std::sync::Once::new();
    let mut started = true;
    SWEEPER.call_once(|| {
        started = std::thread::Builder::new()
            .name("jr-sweeper".into())
            .spawn(sweeper)
            .is_ok();
    });
    if !started {
        // No thread to be had: sweep here, as before.
        tree.kill_all();
        return;
    }
    PENDING.lock().unwrap_or_else(|p| p.into_inner()).push(tree);
    WAKE.notify_one();
}

/// Sweep now for every run that ended (before a process that ran jobs in
/// the foreground exits, or a scheduler stops); then this process's cgroup
/// folder goes if it is empty.
pub fn sweep_now() {
    sweep_pending();
    super::cgroup::tidy();
}

fn sweep_pending() {
    let trees = std::mem::take(&mut *PENDING.lock().unwrap_or_else(|p| p.into_inner()));
    if !trees.is_empty() {
        sweep(&trees);
    }
}

fn sweeper() {
    loop {
        {
            let mut pending = PENDING.lock().unwrap_or_else(|p| p.into_inner());
            while pending.is_empty() {
                pending = WAKE.wait(pending).unwrap_or_else(|p| p.into_inner());
            }
        }
        std::thread::sleep(SWEEP_AFTER);
        sweep_pending();
    }
}

/// Kill and reap what is left of ended runs: their groups are empty, so a
/// process of theirs still alive left the group and, once its parent ended,
/// was re-parented to this subreaper: it is among this process's children
/// (or descends from one), found by its group or its `JR_RUN_ID`/`JR_JOB`.
fn sweep(trees: &[RunTree]) {
    // Runs with a cgroup: the cgroup goes (one rmdir for a run that left
    // nothing; else cgroup.kill first). Zombies of what was killed, and of
    // detached processes that ended on their own, are reaped once for the
    // whole batch.
    let (with, trees): (Vec<&RunTree>, Vec<&RunTree>) =
        trees.iter().partition(|t| t.cgroup.is_some());
    for cg in with.iter().filter_map(|t| t.cgroup.as_deref()) {
        super::cgroup::remove(cg);
    }
    if trees.is_empty() {
        reap_orphans();
        return;
    }
    let Some(kids) = children_of(std::process::id() as i32) else {
        // No children lists in /proc: each tree the slow way.
        for t in trees {
            t.kill_all();
        }
        return;
    };
    let markers: Vec<(String, String)> = trees
        .iter()
        .map(|t| {
            (
                format!("JR_RUN_ID={}", t.run_id),
                format!("JR_JOB={}", t.job),
            )
        })
        .collect();
    let mut stack: Vec<i32> = kids
        .into_iter()
        .filter(|pid| {
            stat(*pid).is_some_and(|p| {
                !p.zombie && trees.iter().any(|t| t.pgid == Some(i64::from(p.pgid)))
            }) || markers.iter().any(|(a, b)| has_env(*pid, a, b))
        })
        .collect();
    let mut found: Vec<Pid> = Vec::new();
    while let Some(pid) = stack.pop() {
        if pid <= 1 || found.contains(&Pid::from_raw(pid)) {
            continue;
        }
        found.push(Pid::from_raw(pid));
        stack.extend(children_of(pid).unwrap_or_default());
    }
    for pid in &found {
        let _ = kill(*pid, Signal::SIGKILL);
    }
    reap(&found);
    reap_orphans();
}

/// Wait (briefly) for the given pids that are this process's children.
pub fn reap(pids: &[Pid]) {
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    let me = std::process::id() as i32;
    let mine: Vec<Pid> = pids
        .iter()
        .copied()
        .filter(|p| stat(p.as_raw()).is_some_and(|s| s.ppid == me))
        .collect();
    for pid in mine {
        for _ in 0..50 {
            match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) => {
                    std::thread::sleep(std::time::Duration::from_millis(10))
                }
                _ => break,
            }
        }
    }
}

/// Reap zombies re-parented to this subreaper that jr did not start: they
/// are in another session (jr never starts a child in a new session, so a
/// child of its own — whose status tokio waits for — is never taken). A
/// detached process of a run that ended on its own would otherwise stay a
/// zombie for the life of the daemon.
pub fn reap_orphans() {
    use nix::sys::wait::{WaitPidFlag, waitpid};
    let me = std::process::id() as i32;
    let Some(my_sid) = stat(me).map(|p| p.sid) else {
        return;
    };
    // Orphans are re-parented to this process: its children list them
    // (a few reads instead of a /proc scan), where the kernel has it.
    if let Some(kids) = children_of(me) {
        for pid in kids {
            if let Some(p) = stat(pid)
                && p.zombie
                && p.sid != my_sid
            {
                let _ = waitpid(Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG));
            }
        }
        return;
    }
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return;
    };
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        if let Some(p) = stat(pid)
            && p.zombie
            && p.ppid == me
            && p.sid != my_sid
        {
            let _ = waitpid(Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG));
        }
    }
}

/// The children of `pid` (of all its threads), from
/// /proc/PID/task/*/children; None when the kernel does not provide it.
fn children_of(pid: i32) -> Option<Vec<i32>> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut out = Vec::new();
    let mut any = false;
    for t in tasks.flatten() {
        let Ok(text) = std::fs::read_to_string(t.path().join("children")) else {
            continue;
        };
        any = true;
        out.extend(
            text.split_whitespace()
                .filter_map(|c| c.parse::<i32>().ok()),
        );
    }
    any.then_some(out)
}

/// ppid, pgid, session and whether it is a zombie, from /proc/PID/stat
/// (the command name may hold spaces and parentheses: fields are read after
/// the last ')').
fn stat(pid: i32) -> Option<Proc> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 2..];
    let mut f = rest.split(' ');
    let state = f.next()?;
    let ppid = f.next()?.parse().ok()?;
    let pgid = f.next()?.parse().ok()?;
    let sid = f.next()?.parse().ok()?;
    Some(Proc {
        ppid,
        pgid,
        sid,
        zombie: state == "Z",
    })
}

fn has_env(pid: i32, a: &str, b: &str) -> bool {
    let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) else {
        return false;
    };
    let mut seen = (false, false);
    for var in env.split(|&c| c == 0) {
        if var == a.as_bytes() {
            seen.0 = true;
        } else if var == b.as_bytes() {
            seen.1 = true;
        }
    }
    seen == (true, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_that_left_the_group_is_found_by_its_environment() {
        use std::os::unix::process::CommandExt;
        let mut child = std::process::Command::new("sh")
            .args(["-c", "setsid sleep 30 & echo $!; wait"])
            .env("JR_RUN_ID", "424242")
            .env("JR_JOB", "tree-test")
            .process_group(0)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        use std::io::BufRead;
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let escaped: i32 = line.trim().parse().unwrap();
        let t = RunTree {
            run_id: 424242,
            job: "tree-test".into(),
            pgid: Some(child.id() as i64),
            cgroup: None,
        };
        std::thread::sleep(std::time::Duration::from_millis(100));
        let members = t.members();
        assert!(members.contains(&Pid::from_raw(escaped)), "{members:?}");
        t.kill_all();
        let _ = child.wait();
        std::thread::sleep(std::time::Duration::from_millis(100));
        let alive = stat(escaped).is_some()
            && !std::fs::read_to_string(format!("/proc/{escaped}/stat"))
                .unwrap_or_default()
                .contains(") Z");
        assert!(!alive, "the escaped process survived");
    }
}
