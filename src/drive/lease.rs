//! The scheduler's lease over its life: taken and renewed by the heartbeat
//! (with what a gone holder left: external runs resumed, its runs marked
//! lost, old runs pruned), and released at shutdown after the runs in
//! flight had their grace.

use std::time::Duration;

use chrono::Utc;
use tokio::time::Instant;

use super::late::stop_orphans;
use super::runner::{self, StopReason};
use super::{Scheduler, recv_end};
use crate::error::Result;

/// How long an idle holder holds the lease: 20 × `lease_ttl`, between
/// `lease_ttl` and 10 minutes (5 minutes at the default 15 s).
pub(super) fn idle_hold(ttl: Duration) -> Duration {
    (ttl * 20).min(Duration::from_secs(600)).max(ttl)
}

impl Scheduler {
    /// Renew or take the lease; an error only when the database cannot be
    /// written at all (anything passing is logged and retried). One trip to
    /// the database: the lease, and the runs a gone process left behind.
    pub(super) async fn heartbeat(&mut self) -> Result<()> {
        // Idle (no run in flight), the lease is held for `idle_hold`, so an
        // idle holder wakes for it a few times an hour, not every few
        // seconds; a holder that died or was stopped is still taken over at
        // once by another process on this host (`acquire_lease_for`).
        let hold = match self.in_flight.is_empty() && self.live.is_empty() {
            true => idle_hold(self.s.lease_ttl),
            false => self.s.lease_ttl,
        };
        let (me, role, ttl, hold_for) = (
            self.me.clone(),
            self.s.role.clone(),
            chrono::Duration::from_std(self.s.lease_ttl).unwrap_or_default(),
            chrono::Duration::from_std(hold).unwrap_or_default(),
        );
        self.own_write = Some(Instant::now());
        let beat = self
            .db
            .call(move |e| {
                let before = e.lease().ok().flatten();
                if !e.acquire_lease_for(&me, &role, ttl, hold_for)? {
                    return Ok(None);
                }
                let seen = e.data_version().ok();
                // Runs following a Dagster run are resumed, not lost; runs
                // of a process that is gone are lost.
                let previous = before.filter(|l| l.holder != me.holder).map(|l| l.holder);
                let adopted = e.adopt_external(&me, previous.as_deref());
                let lost = e.mark_lost(&me, previous.as_deref());
                Ok(Some((adopted, lost, seen)))
            })
            .await;
        self.own_write = Some(Instant::now());
        // The holder renews when half of `lease_ttl` is left: a late
        // renewal still has `lease_ttl`/2 to spare. The others look every
        // third, so a holder that froze is taken over soon after its lease
        // ends (at once on this host, once it missed a renewal).
        self.next_heartbeat = Instant::now()
            + match beat {
                Ok(Some(_)) => hold - self.s.lease_ttl / 2,
                _ => self.s.lease_ttl / 3,
            };
        match beat {
            Ok(Some((adopted, lost, seen))) => {
                // Nothing written by another process since the last look:
                // the pass after this heartbeat need not look again.
                if seen.is_some() && seen == self.data_version && self.holding {
                    self.look = false;
                }
                if !self.holding {
                    tracing::info!(holder = %self.me.holder, "took the scheduler lease");
                    self.jobs_rev = None;
                    self.recheck = true;
                    self.awake_since = Some(Utc::now());
                    self.last_pass = None;
                }
                self.holding = true;
                match adopted {
                    Ok(adopted) => {
                        for (run, job, x) in adopted {
                            self.spawn_resume(run, job, x);
                        }
                    }
                    Err(e) => tracing::error!("resuming runs of external work: {e}"),
                }
                match lost {
                    Ok(lost) => {
                        stop_orphans(&lost, &self.me);
                        for r in &lost {
                            runner::notify_lost(&self.db, r.id).await;
                        }
                    }
                    Err(e) => tracing::error!("checking for lost runs: {e}"),
                }
            }
            Ok(None) => {
                if self.holding {
                    tracing::warn!("lost the scheduler lease to another process; no longer firing");
                }
                self.holding = false;
                self.awake_since = None;
            }
            Err(e) if e.kind == crate::error::ErrorKind::Unwritable => return Err(e),
            Err(e) => tracing::error!("scheduler lease: {e}"),
        }
        if self.holding && Instant::now() >= self.next_prune {
            self.next_prune = Instant::now() + Duration::from_secs(3600);
            let (keep, days) = (self.s.keep_per_job, self.s.keep_days);
            match self.db.call(move |e| e.prune_runs(keep, days)).await {
                Ok(n) if n > 0 => tracing::info!("pruned {n} old runs"),
                Ok(_) => {}
                Err(e) => tracing::warn!("pruning runs: {e}"),
            }
        }
        Ok(())
    }

    pub(super) async fn shutdown(mut self) {
        if !self.in_flight.is_empty() {
            tracing::info!(running = self.in_flight.len(), grace = ?self.s.shutdown_grace, "waiting for running runs");
            // Runs still end meanwhile: their ends are written here.
            let deadline = Instant::now() + self.s.shutdown_grace;
            while !self.in_flight.is_empty() {
                tokio::select! {
                    Some((id, _)) = self.done_rx.recv() => { self.in_flight.remove(&id); }
                    Some(()) = recv_end(&mut self.end_rx, &mut self.ends) => self.write_ends().await,
                    _ = tokio::time::sleep_until(deadline) => break,
                }
            }
            for s in self.in_flight.values() {
                s.stop(StopReason::Shutdown);
            }
            // Up to 10 s for each run to go after its stop.
            let mut deadline = Instant::now() + Duration::from_secs(10);
            while !self.in_flight.is_empty() {
                tokio::select! {
                    Some((id, _)) = self.done_rx.recv() => {
                        self.in_flight.remove(&id);
                        deadline = Instant::now() + Duration::from_secs(10);
                    }
                    Some(()) = recv_end(&mut self.end_rx, &mut self.ends) => self.write_ends().await,
                    _ = tokio::time::sleep_until(deadline) => break,
                }
            }
        }
        let _ = tokio::task::spawn_blocking(crate::exec::tree::sweep_now).await;
        if self.holding {
            let me = self.me.clone();
            if let Err(e) = self.db.call(move |e| e.release_lease(&me)).await {
                tracing::warn!("releasing the lease: {e}");
            } else {
                tracing::info!("released the scheduler lease");
            }
        }
    }
}
