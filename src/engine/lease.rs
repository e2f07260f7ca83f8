//! Who runs the scheduler: this process (`Me`), whether another jr process
//! is alive (its pid running and not stopped), and the scheduler lease —
//! taken, renewed, released and judged live. The lease's row is
//! `store/lease.rs`; when to renew it is `drive/lease.rs`.

use chrono::{DateTime, Duration, Utc};

use super::Engine;
use crate::domain::Run;
use crate::error::Result;
use crate::store::lease::{self, Lease};

/// Who is executing: this process.
#[derive(Debug, Clone)]
pub struct Me {
    /// Unique per process start: host, pid and a start stamp.
    pub holder: String,
    pub pid: u32,
    pub host: String,
}

impl Me {
    pub fn this_process() -> Me {
        let host = nix::unistd::gethostname()
            .ok()
            .and_then(|h| h.into_string().ok())
            .unwrap_or_else(|| "localhost".into());
        let pid = std::process::id();
        let stamp = Utc::now().timestamp_millis();
        Me {
            holder: format!("{host}:{pid}:{stamp}"),
            pid,
            host,
        }
    }
}

/// Whether `pid` names a live process on this host.
pub fn pid_alive(pid: i64) -> bool {
    if pid <= 0 || pid > i32::MAX as i64 {
        return false;
    }
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), None) {
        Ok(()) => true,
        Err(nix::errno::Errno::ESRCH) => false,
        Err(_) => true, // EPERM: it exists, owned by someone else
    }
}

/// Whether the lease's holder is alive: its lease not expired and, on this
/// host, its pid running and not stopped (an idle holder keeps a long lease,
/// so a frozen one is told by its process state).
pub fn lease_is_live(l: &Lease, now: DateTime<Utc>, me_host: &str) -> bool {
    l.expires_at > now && (l.host != me_host || (pid_alive(l.pid) && !pid_stopped(l.pid)))
}

/// Whether the process is stopped (SIGSTOP, job control, a debugger's
/// stop) or a zombie: it exists but cannot act. From /proc; false where
/// there is none.
pub fn pid_stopped(pid: i64) -> bool {
    let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state follows the command name, which may hold ") ".
    text.rfind(')')
        .and_then(|i| text[i + 1..].split_whitespace().next())
        .is_some_and(|s| matches!(s, "T" | "t" | "Z" | "X"))
}

/// A running run whose jr process is gone: on this host its pid is dead;
/// elsewhere it belonged to the lease holder this process took over from.
pub fn orphaned(r: &Run, me: &Me, previous_holder: Option<&str>) -> bool {
    if r.owner.as_deref() == Some(me.holder.as_str()) {
        return false;
    }
    match (&r.owner_host, r.owner_pid) {
        (Some(h), Some(pid)) if *h == me.host => !pid_alive(pid),
        _ => r.owner.is_some() && r.owner.as_deref() == previous_holder,
    }
}

impl Engine {
    pub fn lease(&self) -> Result<Option<Lease>> {
        lease::get(self.store.conn())
    }

    /// The lease if its holder is alive (fresh heartbeat, and on this host a
    /// live pid that is not stopped).
    pub fn live_lease(&self, me_host: &str) -> Result<Option<Lease>> {
        let now = self.now();
        Ok(self.lease()?.filter(|l| lease_is_live(l, now, me_host)))
    }

    /// Take or renew the scheduler lease for `ttl`.
    pub fn acquire_lease(&self, me: &Me, role: &str, ttl: Duration) -> Result<bool> {
        self.acquire_lease_for(me, role, ttl, ttl)
    }

    /// Take or renew the scheduler lease until `hold` from now (an idle
    /// holder holds it longer than `ttl`: see drive/lease.rs). Another
    /// holder on this host is taken over at once when its process is gone,
    /// and when it is stopped (SIGSTOP, a debugger) and has not renewed for
    /// half of `ttl` (a busy holder renews that often; an idle one holds a
    /// long lease and would otherwise keep it, frozen, until it ends).
    pub fn acquire_lease_for(
        &self,
        me: &Me,
        role: &str,
        ttl: Duration,
        hold: Duration,
    ) -> Result<bool> {
        let now = self.now();
        let current = self.lease()?;
        let gone = current.as_ref().is_some_and(|l| {
            l.holder != me.holder
                && l.host == me.host
                && (!pid_alive(l.pid) || (now - l.heartbeat_at >= ttl / 2 && pid_stopped(l.pid)))
        });
        self.store.write(|tx| {
            lease::acquire(
                tx,
                &lease::Claimant {
                    holder: &me.holder,
                    pid: me.pid,
                    host: &me.host,
                    role,
                },
                now,
                now + hold,
                gone,
            )
        })
    }

    pub fn release_lease(&self, me: &Me) -> Result<()> {
        self.store.write(|tx| lease::release(tx, &me.holder))
    }
}
