//! Engine-level checks that need no process: a fire recorded twice (two
//! schedulers racing) runs once; a job's changes reset what fires are owed.

use chrono::Duration;
use jr::clock::Clock;
use jr::engine::Engine;
use jr::engine::jobs::JobDef;
use jr::schedule::fires::FireAction;
use jr::store::Store;

fn engine() -> Engine {
    Engine::new(
        Store::open_in_memory().unwrap(),
        Clock::System,
        chrono_tz::Asia::Seoul,
    )
}

#[test]
fn the_same_fire_recorded_twice_makes_one_run() {
    let e = engine();
    let job = e
        .add_job(&JobDef {
            name: "x".into(),
            kind: "shell".into(),
            enabled: true,
            command: "true".into(),
            schedule: Some("* * * * *".into()),
            ..Default::default()
        })
        .unwrap();
    let at = e.now() - Duration::seconds(1);
    let plan = vec![(
        jr::engine::runs::FireJob::from(&job),
        vec![FireAction::Run { at, catchup: false }],
        e.now(),
    )];
    let first = e.record_fires(&plan).unwrap();
    let second = e.record_fires(&plan).unwrap();
    assert_eq!(first.len(), 1);
    assert!(
        second.is_empty(),
        "the unique (job, fire) key stops the second"
    );
    assert_eq!(e.active_runs().unwrap().len(), 1);
}

#[test]
fn enabling_or_rescheduling_forgives_the_past() {
    let e = engine();
    let def = JobDef {
        name: "y".into(),
        kind: "shell".into(),
        enabled: true,
        command: "true".into(),
        schedule: Some("@hourly".into()),
        ..Default::default()
    };
    let job = e.add_job(&def).unwrap();
    assert!(job.fired_through <= e.now());
    std::thread::sleep(std::time::Duration::from_millis(5));
    let disabled = e.set_job_enabled("y", false).unwrap();
    let enabled = e.set_job_enabled("y", true).unwrap();
    assert!(enabled.fired_through > job.fired_through);
    assert!(disabled.fired_through >= job.fired_through);
}
