//! Firing: the watched jobs and their next fires (`reload_jobs`), the
//! fires due at a pass planned per job (on time, late, missed; a machine
//! that slept is told apart from a scheduler that was behind) and recorded
//! as queued runs, a burst's first ones started before the rest are
//! written.

use chrono::{DateTime, Utc};
use tokio::time::Instant;

use super::Scheduler;
use super::late::behind;
use crate::engine::runs::{CronCache, FireJob};
use crate::error::Result;
use crate::schedule::fires::{self, FireAction};

impl Scheduler {
    pub(super) async fn reload_jobs(&mut self) -> Result<()> {
        let jobs = self.db.call(|e| e.scheduled_watch()).await?;
        self.jobs.clear();
        self.due.clear();
        self.jobs.shrink_to(jobs.len());
        for w in jobs {
            if let Some(t) = w.next {
                self.due.insert((t, w.job.id));
            }
            self.jobs.insert(w.job.id, w);
        }
        tracing::debug!(jobs = self.jobs.len(), "watching scheduled jobs");
        Ok(())
    }

    pub(super) async fn fire_due(&mut self) -> Result<()> {
        let now = Utc::now();
        let mono = Instant::now();
        // Asleep (suspended) since the last pass: nothing ran meanwhile.
        if let Some((wall, at)) = self.last_pass {
            let wall_gap = now - wall;
            let mono_gap = chrono::Duration::from_std(mono - at).unwrap_or_default();
            if wall_gap - mono_gap > fires::ON_TIME {
                let woke = now - mono_gap;
                self.awake_since = Some(self.awake_since.map_or(woke, |a| a.max(woke)));
            }
        }
        self.last_pass = Some((now, mono));
        let grace = chrono::Duration::from_std(self.s.misfire_grace).unwrap_or_default();
        let awake = self.awake_since;
        let mut plans: Vec<(FireJob, Vec<FireAction>, DateTime<Utc>)> = Vec::new();
        let mut crons = CronCache::default();
        while let Some(&(at, id)) = self.due.first() {
            if at > now {
                break;
            }
            self.due.pop_first();
            let Some(w) = self.jobs.get_mut(&id) else {
                continue;
            };
            let (Some(cron), _) = crons.get(&w.expr) else {
                w.next = None;
                continue;
            };
            let from = w.fired_through;
            let actions = match awake.filter(|a| *a < now) {
                // Part of the span passed while this process held the
                // lease: those fires were reached late, not missed.
                Some(a) if a > from => {
                    let mut v = fires::plan(cron, w.tz, from, a, w.misfire, grace);
                    v.extend(behind(cron, w.tz, a, now, grace));
                    v
                }
                Some(_) => behind(cron, w.tz, from, now, grace),
                None => fires::plan(cron, w.tz, from, now, w.misfire, grace),
            };
            plans.push((w.job.clone(), actions, now));
            w.fired_through = now;
            w.next = cron.next_after(now, w.tz).map(|t| t.with_timezone(&Utc));
            if let Some(t) = w.next {
                self.due.insert((t, id));
            }
        }
        if plans.is_empty() {
            return Ok(());
        }
        // A burst: as many fires as there are free slots are recorded and
        // started first, the rest written while those runs go (1,000 fires
        // take ~20 ms to record; the first runs need not wait for them).
        let first = self.free_slots().max(1);
        let rest = match plans.len() > first {
            true => plans.split_off(first),
            false => Vec::new(),
        };
        self.record_fires(plans).await?;
        if !rest.is_empty() {
            self.start_queued().await?;
            self.record_fires(rest).await?;
        }
        Ok(())
    }

    async fn record_fires(
        &mut self,
        plans: Vec<(FireJob, Vec<FireAction>, DateTime<Utc>)>,
    ) -> Result<()> {
        let n: usize = plans.iter().map(|p| p.1.len()).sum();
        let queued = self.db.call(move |e| e.record_fires(&plans)).await?;
        tracing::info!(fires = n, queued = queued.len(), "recorded fires");
        self.recheck = true;
        Ok(())
    }
}
