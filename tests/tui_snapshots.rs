//! Snapshots of the TUI's panes drawn into ratatui's TestBackend, at 80×24
//! and 160×48, with Korean fixtures and a frozen clock. Review changes with
//! `cargo insta review` (or INSTA_UPDATE=always, then read the diff).

use chrono::{TimeZone, Utc};
use jr::clock::Clock;
use jr::domain::task::Transition;
use jr::domain::{Due, NewTask, Priority, Source};
use jr::engine::Engine;
use jr::store::Store;
use jr::tui::action::Action;
use jr::tui::headless::Headless;

fn engine() -> Engine {
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap();
    let tz: chrono_tz::Tz = "Asia/Seoul".parse().unwrap();
    Engine::new(Store::open_in_memory().unwrap(), Clock::Fixed(now), tz)
}

/// A small household of tasks: Korean and English, sub-tasks, a claim, a
/// late one, one done, and a body with escape sequences that must not leak.
fn fixtures(e: &Engine) {
    let add = |title: &str, pri: u8, due: Option<&str>, tags: &[&str], body: &str| {
        e.add_task(
            NewTask {
                title: title.into(),
                body: body.into(),
                priority: Priority(pri),
                due: due.map(|d| Due::parse(d, e.now(), e.tz()).unwrap()),
                tags: tags.iter().map(|t| t.to_string()).collect(),
                ..NewTask::default()
            },
            Source::Cli,
        )
        .unwrap()
    };
    let a = add(
        "스케줄러 버그 고치기",
        1,
        Some("tomorrow"),
        &["infra"],
        "로그를 먼저 볼 것.\n\u{1b}[31m빨간 글씨\u{1b}[0m는 화면을 깨면 안 된다\u{7}",
    );
    add(
        "write the weekly report",
        2,
        Some("2026-11-20"),
        &["work"],
        "",
    );
    add(
        "보고서 초안 작성하기 — 아주 긴 제목이라 좁은 화면에서는 잘려야 한다",
        2,
        None,
        &["work", "집안일"],
        "",
    );
    add("장보기: 우유, 계란, 두부", 3, Some("+3d"), &["home"], "");
    let done = add("release 0.1", 0, None, &[], "");
    e.split_task(
        a.id,
        &["로그 확인".into(), "테스트 추가".into()],
        Source::Cli,
    )
    .unwrap();
    e.claim_task(2, "claude", Source::Mcp).unwrap();
    e.transition(6, Transition::Start, false, Source::Cli)
        .unwrap();
    e.transition(done.id, Transition::Done, false, Source::Cli)
        .unwrap();
}

/// Jobs in Korean and English — scheduled, paused, on demand — with runs of
/// known durations (inserted as they would be recorded), and output that
/// carries escape sequences and control characters.
fn job_fixtures(e: &Engine) {
    let job = |name: &str, cron: Option<&str>, cmd: &str, about: &str, on: bool| {
        e.add_job(&jr::engine::jobs::JobDef {
            name: name.into(),
            kind: "shell".into(),
            schedule: cron.map(String::from),
            enabled: on,
            command: cmd.into(),
            description: about.into(),
            timeout: Some("1h".into()),
            ..Default::default()
        })
        .unwrap()
    };
    job(
        "backup",
        Some("30 2 * * *"),
        "restic backup ~/사진",
        "사진과 문서 백업",
        true,
    );
    job(
        "daily-briefing",
        Some("0 7 * * 1-5"),
        "./brief.sh --lang ko",
        "아침 브리핑을 메일로 보낸다",
        true,
    );
    job("cleanup", Some("0 4 * * 0"), "rm -rf /tmp/jr-*", "", false);
    job("deploy", None, "make deploy", "배포 (손으로만)", true);
    let base = e.now().timestamp_millis() - 14 * 86_400_000;
    e.store()
        .write(|tx| {
            let runs: &[(&str, &str, i64, Option<i32>)] = &[
                ("backup", "success", 62_000, Some(0)),
                ("backup", "success", 71_000, Some(0)),
                ("backup", "failed", 5_000, Some(1)),
                ("backup", "success", 64_000, Some(0)),
                ("backup", "success", 90_000, Some(0)),
                ("daily-briefing", "success", 2_300, Some(0)),
                ("daily-briefing", "timeout", 3_600_000, None),
                ("daily-briefing", "success", 2_100, Some(0)),
                ("cleanup", "success", 400, Some(0)),
            ];
            for (i, (job, status, ms, code)) in runs.iter().enumerate() {
                let at = base + i as i64 * 86_400_000;
                tx.execute(
                    "INSERT INTO runs (job_id, job, status, trigger, scheduled_for, queued_at, \
                     started_at, finished_at, duration_ms, exit_code, output_bytes) \
                     VALUES ((SELECT id FROM jobs WHERE name = ?1), ?1, ?2, 'schedule', ?3, ?3, ?3, ?4, ?5, ?6, 64)",
                    rusqlite::params![job, status, at, at + ms, ms, code],
                )?;
            }
            let lines = [
                "restic 0.17 — 백업 시작",
                "\u{1b}[32mscanned\u{1b}[0m 1,204 files in 사진/2026",
                "\u{1b}]0;evil title\u{7}progress\r 50%\r100%",
                "warning: 파일 하나를 읽을 수 없음: IMG_0042.HEIC",
                "snapshot 4f2a9c saved",
            ];
            for (i, l) in lines.iter().enumerate() {
                tx.execute(
                    "INSERT INTO run_output (run_id, seq, at, stream, line) VALUES (5, ?1, ?2, ?3, ?4)",
                    rusqlite::params![i as i64 + 1, base + 4 * 86_400_000 + i as i64 * 1000, if i == 3 { "err" } else { "out" }, l],
                )?;
            }
            Ok(())
        })
        .unwrap();
}

fn at(size: (u16, u16)) -> Headless {
    let e = engine();
    fixtures(&e);
    Headless::new(e, size)
}

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn snap(name: &str, size: (u16, u16), h: &Headless) {
    insta::assert_snapshot!(
        format!("{name}_{}x{}", size.0, size.1),
        without_db_size(&h.screen())
    );
}

/// The database size changes with every migration; the snapshots keep its place.
fn without_db_size(screen: &str) -> String {
    screen
        .lines()
        .map(|l| match l.find(" kB") {
            Some(end) => {
                let start = l[..end]
                    .rfind(|c: char| !c.is_ascii_digit())
                    .map(|i| i + 1)
                    .unwrap_or(0);
                if start < end {
                    format!("{}{}{}", &l[..start], "#".repeat(end - start), &l[end..])
                } else {
                    l.to_string()
                }
            }
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn dashboard() {
    for size in SIZES {
        snap("dashboard", size, &at(size));
    }
}

#[test]
fn dashboard_on_an_empty_database_says_what_to_do() {
    let h = Headless::new(engine(), (80, 24));
    snap("dashboard_empty", (80, 24), &h);
    let mut h = h;
    h.send(Action::GoPane(jr::tui::pane::PaneId::Tasks));
    snap("tasks_empty", (80, 24), &h);
}

#[test]
fn tasks_list() {
    for size in SIZES {
        let mut h = at(size);
        h.key("2");
        h.key("j");
        snap("tasks_list", size, &h);
    }
}

#[test]
fn task_detail() {
    for size in SIZES {
        let mut h = at(size);
        h.key("2");
        h.key("<Enter>");
        snap("task_detail", size, &h);
    }
}

#[test]
fn add_form_with_korean() {
    for size in SIZES {
        let mut h = at(size);
        h.key("2");
        h.key("a");
        h.type_text("새 작업: 한글 입력");
        h.key("<Tab>");
        h.key("<Tab>");
        h.type_text("someday");
        h.key("<Enter>");
        snap("task_form", size, &h);
    }
}

#[test]
fn help() {
    for size in SIZES {
        let mut h = at(size);
        h.key("2");
        h.key("?");
        snap("help", size, &h);
    }
}

#[test]
fn palette() {
    for size in SIZES {
        let mut h = at(size);
        h.key("2");
        h.key(":");
        h.type_text("보고");
        snap("palette", size, &h);
    }
}

#[test]
fn filtered_list() {
    for size in SIZES {
        let mut h = at(size);
        h.key("2");
        h.key("/");
        h.type_text("tag:work !tag:집안일");
        snap("tasks_filtered", size, &h);
    }
}

#[test]
fn delete_question() {
    let mut h = at((80, 24));
    h.key("2");
    h.key("D");
    snap("tasks_delete", (80, 24), &h);
}

#[test]
fn a_terminal_too_small_says_so() {
    let mut h = at((80, 24));
    h.send(Action::Resize(40, 10));
    snap("too_small", (40, 10), &h);
}

#[test]
fn jobs_pane() {
    for size in SIZES {
        let e = engine();
        job_fixtures(&e);
        let mut h = Headless::new(e, size);
        h.key("3");
        snap("jobs", size, &h);
        h.key("j");
        h.key("e");
        h.key("<Tab>");
        h.key("<C-u>");
        h.type_text("0 7 * * 1-5");
        snap("job_form", size, &h);
    }
}

#[test]
fn jobs_pane_empty_says_how_to_add_one() {
    let mut h = Headless::new(engine(), (80, 24));
    h.key("3");
    snap("jobs_empty", (80, 24), &h);
}

#[test]
fn runs_pane() {
    for size in SIZES {
        let e = engine();
        job_fixtures(&e);
        let mut h = Headless::new(e, size);
        h.key("4");
        snap("runs", size, &h);
        h.key("/");
        h.type_text("status:failures !job:cleanup");
        snap("runs_filtered", size, &h);
    }
}

#[test]
fn an_opened_run_with_escapes_in_its_output_and_a_search() {
    for size in SIZES {
        let e = engine();
        job_fixtures(&e);
        let mut h = Headless::new(e, size);
        h.key("4");
        h.send(Action::OpenRun(5));
        snap("run_log", size, &h);
        h.key("/");
        h.type_text("사진");
        h.key("<Enter>");
        snap("run_log_search", size, &h);
    }
}

#[test]
fn dashboard_with_jobs_and_runs() {
    for size in SIZES {
        let e = engine();
        fixtures(&e);
        job_fixtures(&e);
        snap("dashboard_jobs", size, &Headless::new(e, size));
    }
}

#[test]
fn chat_pane() {
    for size in SIZES {
        let e = engine();
        fixtures(&e);
        job_fixtures(&e);
        let mut h = Headless::new(e, size);
        h.key("5");
        snap("chat_empty", size, &h);
        for m in [
            "오늘 뭐 해야 해?",
            "run backup now",
            "지금 당장 장애 원인 분석해줘, 고객이 기다려",
        ] {
            h.type_text(m);
            h.key("<Enter>");
        }
        h.key("<Esc>");
        h.key("k");
        h.key("+");
        h.key("i");
        h.type_text("backup 잡 언제");
        snap("chat", size, &h);
    }
}

/// An engine whose Dagster instance is a closed port on this machine.
fn unreachable_dagster() -> Engine {
    use jr::clients::dagster::settings::{DagsterConfig, InstanceConfig, Settings};
    let mut cfg = DagsterConfig::default();
    cfg.instances.insert(
        "local".into(),
        InstanceConfig {
            url: "http://127.0.0.1:9".into(),
            headers: Default::default(),
        },
    );
    engine().with_dagster(Settings::resolve(&cfg, None, |_| None))
}

#[test]
fn dagster_pane_not_configured_and_unreachable() {
    for size in SIZES {
        let mut h = Headless::new(engine(), size);
        h.key("9");
        snap("dagster_not_configured", size, &h);
        let mut h = Headless::new(unreachable_dagster(), size);
        h.key("9");
        snap("dagster_unreachable", size, &h);
    }
}

/// With wrap off (`w`) the log viewer scrolls sideways (`>` / `<`, eight
/// columns a step, never past the widest line); with wrap on it says how.
#[test]
fn the_log_viewer_scrolls_sideways_with_wrap_off() {
    let e = engine();
    job_fixtures(&e);
    let mut h = Headless::new(e, (80, 24));
    h.key("4");
    h.send(Action::OpenRun(5));
    h.key(">");
    assert!(h.screen().contains("w cuts them"), "{}", h.screen());
    h.key("w");
    h.key(">");
    let s = h.screen();
    assert!(s.contains("no wrap, from column 9"), "{s}");
    assert!(
        !s.contains("warning:") && s.contains(" 파일 하나를 읽을 수 없음"),
        "{s}"
    );
    for _ in 0..20 {
        h.key(">");
    }
    // The widest line is 48 columns: its last column is as far as it goes.
    let s = h.screen();
    assert!(s.contains("no wrap, from column 48 ·"), "{s}");
    for _ in 0..20 {
        h.key("<");
    }
    let s = h.screen();
    assert!(
        s.contains("no wrap · ") && s.contains("warning: 파일"),
        "{s}"
    );
}
