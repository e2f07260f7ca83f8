//! One scheduler pass on the database thread: look whether another process
//! wrote, write the ends of runs and claim the runs that take their slots,
//! in one transaction.

use super::runner;
use crate::engine::lease::Me;
use crate::error::Result;

/// What one pass found (on the database thread): `data_version` when it
/// looked, job changes and cancel requests when another process wrote, and
/// the runs it claimed; or that another process holds the lease now.
pub(super) type Seen = (
    Option<i64>,
    Option<(i64, Vec<i64>)>,
    Option<crate::engine::runs::Startable>,
);

/// Another process took the lease (this one was stopped or frozen meanwhile).
pub(super) struct LeaseLost;

/// What a pass found, or that the lease is lost.
pub(super) type Found = Result<std::result::Result<Seen, LeaseLost>>;

/// What one pass is to do.
pub(super) struct Pass {
    pub(super) look: bool,
    pub(super) known: Option<i64>,
    pub(super) free: usize,
    pub(super) recheck: bool,
    pub(super) per_job: usize,
}

/// One pass on the database thread: look whether another process wrote
/// (when due), then write the ends of runs and claim the runs that take
/// their slots, in one transaction. Returns whether each end was written
/// (none without ends) apart from what the pass found, so a failed look or
/// claim never loses an end: the ends are then written on their own.
pub(super) fn one_pass(
    e: &crate::engine::Engine,
    rows: &[runner::EndRow],
    p: &Pass,
    me: &Me,
) -> (Option<Result<Vec<bool>>>, Found) {
    let ends = runner::end_rows(rows);
    let alone = |ends: &[(i64, crate::store::runs::Finish<'_>, Option<bool>)]| {
        (!ends.is_empty()).then(|| e.finish_runs_settling(ends))
    };
    let (dv, changed, seen) = match look(e, p, me) {
        Ok(Ok(l)) => l,
        // Not ours to claim with any more: the ends still go.
        Ok(Err(LeaseLost)) => return (alone(&ends), Ok(Err(LeaseLost))),
        Err(err) => return (alone(&ends), Err(err)),
    };
    if p.free == 0 || !(p.recheck || changed) {
        return (alone(&ends), Ok(Ok((dv, seen, None))));
    }
    match e.end_and_claim(&ends, me, p.free, p.per_job) {
        Ok((ended, claimed)) => {
            premake_cgroups(&claimed.0);
            (
                (!ends.is_empty()).then_some(Ok(ended)),
                Ok(Ok((dv, seen, Some(claimed)))),
            )
        }
        Err(err) => (alone(&ends), Err(err)),
    }
}

/// The cgroups of the shell runs just claimed, made here on the database
/// thread rather than on an async worker (exec::cgroup::premake).
pub(super) fn premake_cgroups(runs: &[(crate::domain::Run, crate::domain::Job)]) {
    crate::exec::cgroup::premake(
        runs.iter()
            .filter(|(_, j)| matches!(j.spec, crate::domain::JobSpec::Shell(_)))
            .map(|(r, _)| r.id),
    );
}

/// `data_version` (when a look is due), whether it changed, and then the
/// jobs revision and the cancel requests.
type Looked = (Option<i64>, bool, Option<(i64, Vec<i64>)>);

/// Another process's write may be its taking of the lease: an idle holder
/// renews rarely (drive/lease.rs), so that is looked at with the rest.
fn look(
    e: &crate::engine::Engine,
    p: &Pass,
    me: &Me,
) -> Result<std::result::Result<Looked, LeaseLost>> {
    let dv = match p.look {
        true => Some(e.data_version()?),
        false => None,
    };
    let changed = dv.is_some() && dv != p.known;
    if changed && e.lease()?.is_some_and(|l| l.holder != me.holder) {
        return Ok(Err(LeaseLost));
    }
    let seen = match changed {
        true => Some((e.jobs_revision()?, e.cancel_requests(me)?)),
        false => None,
    };
    Ok(Ok((dv, changed, seen)))
}
