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
    h.send(Action::GoPane(jr::tui::panes::PaneId::Tasks));
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
