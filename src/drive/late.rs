//! What a scheduler finds behind it: late fires it reaches only now (run
//! late, or recorded missed with how far behind it was) and runs of a dead
//! jr process marked lost (their processes on this host stopped).

use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::Run;
use crate::engine::lease::Me;
use crate::schedule::CronSchedule;
use crate::schedule::fires::{self, FireAction};

/// Late fires a scheduler holding the lease reaches only now (it was busy,
/// or its database was): each still runs, as the scheduled fire it is,
/// unless it is older than the misfire grace or beyond the newest
/// `LATE_RUNS` of one pass; those are recorded missed with the true reason,
/// how far behind the scheduler was.
pub(super) fn behind(
    cron: &CronSchedule,
    tz: Tz,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
    grace: chrono::Duration,
) -> Vec<FireAction> {
    const LATE_RUNS: usize = 100;
    const SCAN: usize = 10_000;
    let fires: Vec<DateTime<Utc>> = cron
        .fires_between(from, now, tz, SCAN)
        .into_iter()
        .map(|t| t.with_timezone(&Utc))
        .collect();
    let first_run = fires.len().saturating_sub(LATE_RUNS);
    let mut out = Vec::with_capacity(fires.len().min(2 * LATE_RUNS));
    let mut summed = 0usize;
    let late_by = |t: &DateTime<Utc>| (now - *t).num_milliseconds().max(0) as f64 / 1000.0;
    for (i, t) in fires.iter().enumerate() {
        let why = if now - *t > grace {
            Some(format!(
                "the scheduler was behind by {:.1} s, over the misfire grace ({} s)",
                late_by(t),
                grace.num_seconds()
            ))
        } else if i < first_run {
            Some(format!(
                "the scheduler was behind by {:.1} s; only the newest {LATE_RUNS} late fires of a pass run",
                late_by(t)
            ))
        } else {
            None
        };
        match why {
            None => out.push(FireAction::Run {
                at: *t,
                catchup: false,
            }),
            // One row each up to the cap of rows, then one that sums up.
            Some(_) if i + 1 < fires.len() && i >= fires::MISSED_ROWS_CAP - 1 && i < first_run => {
                summed += 1;
            }
            Some(reason) => out.push(FireAction::Missed { at: *t, reason }),
        }
        if summed > 0 && i + 1 == first_run {
            out.push(FireAction::Missed {
                at: *t,
                reason: format!(
                    "{summed} more fires missed up to this one; the scheduler was behind by {:.1} s",
                    late_by(t)
                ),
            });
        }
    }
    out
}

/// Process groups of lost runs that still exist on this host are stopped:
/// a run the history calls lost must not keep running unseen.
pub(super) fn stop_orphans(lost: &[Run], me: &Me) {
    use nix::sys::signal::Signal;
    for r in lost {
        tracing::warn!(job = %r.job, run = r.id, "marked lost: its jr process is gone");
        if let Some(host) = &r.owner_host
            && *host == me.host
        {
            // The group and every process that left it (exec::tree).
            let tree = crate::exec::tree::RunTree {
                run_id: r.id,
                job: r.job.clone(),
                pgid: r.pgid.filter(|g| *g > 1),
                cgroup: crate::exec::cgroup::of_lost(r.id, r.owner_pid),
            };
            std::thread::spawn(move || {
                if tree.signal(Signal::SIGTERM) {
                    std::thread::sleep(Duration::from_secs(2));
                    tree.kill_all();
                }
            });
        }
    }
}
