//! Table tests of the rules stage.

use super::*;
use crate::router::Route;
use crate::router::flow::decide;

fn cat() -> Catalog {
    Catalog {
        jobs: vec![
            "backup".into(),
            "daily-briefing".into(),
            "knowledge-cards".into(),
        ],
        ..Default::default()
    }
}

#[test]
fn table() {
    let cases: &[(&str, Route, &str)] = &[
        ("backup 잡 언제 다시 돌아?", Route::Answer, "job_next"),
        ("start task 4", Route::Act, "task_move"),
        (
            "매주 월요일마다 리포트 메일 보내는 잡 하나 짜줘",
            Route::Defer,
            "refuse_new_job",
        ),
        ("오늘 뭐 해야 해?", Route::Answer, "tasks_today"),
        ("backup 지금 돌려줘", Route::Act, "run_job"),
        ("run bakup", Route::Answer, "clarify"),
        ("4번 작업 완료", Route::Act, "task_move"),
        ("할일 추가: 우유 사기", Route::Act, "task_add"),
        ("add a task: renew the TLS cert", Route::Act, "task_add"),
        ("run `rm -rf /tmp/x`", Route::Defer, "refuse_shell"),
        (
            "change the timezone setting to UTC",
            Route::Defer,
            "refuse_settings",
        ),
        ("슬랙 연동해줘", Route::Defer, "refuse_integration"),
        ("안녕!", Route::Answer, "greeting"),
        ("what failed today?", Route::Answer, "runs_failed"),
        ("긴급! 지금 당장 backup 돌려", Route::Act, "run_job"),
    ];
    for (msg, route, intent) in cases {
        let d = decide(msg, &cat()).unwrap_or_else(|| panic!("rules should place {msg:?}"));
        assert_eq!(
            (d.route, d.intent.name()),
            (*route, *intent),
            "{msg}: {d:?}"
        );
    }
    assert!(decide("지금 당장 장애 원인 분석해줘, 고객이 기다려", &cat()).is_none());
}

#[test]
fn extractions() {
    let d = decide("할일 추가: 우유 사기", &cat()).unwrap();
    assert_eq!(
        d.intent,
        Intent::TaskAdd {
            title: "우유 사기".into()
        }
    );
    let d = decide("보일러 점검 할일로 추가해줘", &cat()).unwrap();
    assert_eq!(
        d.intent,
        Intent::TaskAdd {
            title: "보일러 점검".into()
        }
    );
    let d = decide("mark #12 as done", &cat()).unwrap();
    assert_eq!(
        d.intent,
        Intent::TaskMove {
            id: 12,
            to: "done".into()
        }
    );
    let d = decide("run bakup", &cat()).unwrap();
    assert_eq!(
        d.intent,
        Intent::Clarify {
            asked: "bakup".into(),
            suggestions: vec!["backup".into()]
        }
    );
    assert_eq!(title_of("주간 리포트 정리해줘"), "주간 리포트 정리");
}
