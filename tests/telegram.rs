//! The chat gateway on Telegram: a real `jr daemon` long-polls a fake Bot
//! API server (tests/fake_telegram) and answers through the same gateway as
//! `jr chat`: a two-turn conversation resolved in one chat, run parameters,
//! a 429 waited out, an unauthorized chat ignored and logged once, long
//! replies split, a refused token that leaves the scheduler running, and
//! two daemons that never both answer.

mod common;
mod fake_telegram;

use std::time::{Duration, Instant};

use common::{Daemon, Env};
use fake_telegram::{FakeTelegram, TOKEN};
use serde_json::Value;

const CHAT: i64 = 4242;
const STRANGER: i64 = 999;

fn config(env: &Env, tg: &FakeTelegram) {
    env.config(&format!(
        "[scheduler]\nlease_ttl = \"3s\"\nshutdown_grace = \"1s\"\n\n[telegram]\ntoken_env = \"JR_TEST_TG_TOKEN\"\nallowed_chats = [{CHAT}]\napi_url = \"{}\"\npoll_timeout = \"2s\"\n",
        tg.url
    ));
}

/// `jr daemon` with the bot token in its environment.
fn daemon(env: &Env, token: &str) -> Daemon {
    env.spawn_daemon(&[("JR_TEST_TG_TOKEN", token)])
}

fn task_status(env: &Env, id: i64) -> String {
    env.json(&["tasks", "show", &id.to_string(), "--json"])["status"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_conversation_in_one_chat_with_follow_ups_parameters_and_limits() {
    let tg = FakeTelegram::start();
    let env = Env::new();
    config(&env, &tg);
    let first = env.json(&["tasks", "add", "보고서 작성", "--priority", "p1", "--json"]);
    let second = env.json(&["tasks", "add", "문서 정리", "--priority", "p3", "--json"]);
    env.ok(&[
        "jobs",
        "add",
        "backup",
        "--command",
        "echo \"to $JR_PARAM_TARGET\"",
        "--param-default",
        "target=local",
    ]);
    // The first poll is refused with a 429: the daemon waits as told.
    tg.fail_next_poll_with_429(1);
    let d = daemon(&env, TOKEN);

    tg.user_says(CHAT, "작업 목록 보여줘");
    let sent = tg.wait_sent(1, 20);
    assert_eq!(sent[0].0, CHAT);
    assert!(sent[0].1.contains("보고서 작성"), "{sent:?}");
    let polls = tg.polls();
    assert!(polls.len() >= 2, "{polls:?}");
    assert!(
        polls[1].at.duration_since(polls[0].at) >= Duration::from_millis(950),
        "the 429's retry_after was not honoured: {polls:?}"
    );
    assert_eq!(polls[1].timeout, 2, "the long poll asks for poll_timeout");
    assert_eq!(polls[1].allowed_updates, serde_json::json!(["message"]));

    // A stranger is ignored (logged once), and nothing is done for them.
    tg.user_says(STRANGER, "backup 돌려줘");
    tg.user_says(STRANGER, "첫번째 거 시작해줘");
    // The follow-up resolves against what this chat was shown.
    tg.user_says(CHAT, "첫번째 거 시작해줘");
    let sent = tg.wait_sent(2, 20);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent.iter().all(|(c, _)| *c == CHAT), "{sent:?}");
    let id1 = first["id"].as_i64().unwrap();
    let id2 = second["id"].as_i64().unwrap();
    assert_eq!(task_status(&env, id1), "in_progress", "{sent:?}");
    assert_eq!(task_status(&env, id2), "pending");
    assert!(
        env.runs("backup").is_empty(),
        "a stranger's message ran a job"
    );

    // Run parameters from the chat; an undeclared key runs nothing.
    tg.user_says(CHAT, "backup 돌려줘 target=nas");
    let sent = tg.wait_sent(3, 20);
    assert!(sent[2].1.contains("backup"), "{sent:?}");
    let run = env.wait_until("the chat's run to finish", 20, || {
        env.runs("backup")
            .into_iter()
            .find(|r| r["status"] == "success")
    });
    assert_eq!(run["trigger"], "chat");
    assert_eq!(run["params"]["target"], "nas");
    tg.user_says(CHAT, "backup 돌려줘 where=nas");
    let sent = tg.wait_sent(4, 20);
    assert!(sent[3].1.contains("no parameter where"), "{sent:?}");
    assert_eq!(env.runs("backup").len(), 1);

    // The autonomy limits are the gateway's: deleting a job is deferred.
    tg.user_says(CHAT, "backup 잡 삭제해줘");
    let sent = tg.wait_sent(5, 20);
    assert!(env.json(&["jobs", "show", "backup", "--json"])["name"] == "backup");
    assert!(!sent[4].1.is_empty());

    // Offsets advance: every update was asked past exactly once.
    let polls = tg.polls();
    let offsets: Vec<i64> = polls.iter().map(|p| p.offset).collect();
    assert!(offsets.windows(2).all(|w| w[0] <= w[1]), "{offsets:?}");
    assert!(*offsets.last().unwrap() >= 1001, "{offsets:?}");

    // The session is per chat: stored as telegram:<id>.
    let log = d.log_text();
    assert_eq!(
        log.matches("ignoring messages from chat 999").count(),
        1,
        "{log}"
    );
    let turns: Value = env.json(&[
        "chat",
        "잡 목록 보여줘",
        "--session",
        &format!("telegram:{CHAT}"),
        "--dry-run",
        "--json",
    ]);
    assert_eq!(turns["route"], "answer");
}

#[test]
fn long_replies_are_split_and_a_bad_token_leaves_the_scheduler_running() {
    let tg = FakeTelegram::start();
    let env = Env::new();
    config(&env, &tg);
    // Long task titles make a listing longer than one Telegram message.
    for i in 0..12 {
        let title = format!("{i:02} {}", "긴 작업 제목 ".repeat(60));
        env.ok(&["tasks", "add", title.trim(), "--priority", "p1"]);
    }
    let d = daemon(&env, TOKEN);
    tg.user_says(CHAT, "작업 목록 보여줘");
    let sent = env.wait_until("a split reply", 20, || {
        let s = tg.sent();
        // Wait until the parts stop coming.
        (s.len() >= 2).then(|| {
            std::thread::sleep(Duration::from_millis(500));
            tg.sent()
        })
    });
    assert!(sent.len() >= 2, "{sent:?}");
    for (c, text) in &sent {
        assert_eq!(*c, CHAT);
        assert!(text.encode_utf16().count() <= 4096);
        assert!(!text.contains('\u{FFFD}'), "a character was cut");
    }
    drop(d);

    // A token the Bot API refuses: logged clearly, the scheduler fires on.
    let env = Env::new();
    config(&env, &tg);
    env.ok(&[
        "jobs",
        "add",
        "tick",
        "--cron",
        "* * * * * *",
        "--command",
        "true",
    ]);
    let d = daemon(&env, "987654:WRONG-token");
    env.wait_until("a fire despite the refused token", 30, || {
        env.runs("tick")
            .into_iter()
            .find(|r| r["status"] == "success")
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while !d.log_text().contains("refused the token") {
        assert!(Instant::now() < deadline, "{}", d.log_text());
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = d.log_text();
    assert!(log.contains("JR_TEST_TG_TOKEN"), "{log}");
    assert!(
        !log.contains("WRONG-token"),
        "the token reached the log: {log}"
    );
    assert!(tg.unauthorized() >= 1);
}

#[test]
fn two_daemons_never_both_answer() {
    let tg = FakeTelegram::start();
    let env = Env::new();
    config(&env, &tg);
    let _a = daemon(&env, TOKEN);
    let _b = daemon(&env, TOKEN);
    for m in ["안녕", "잡 목록 보여줘", "오늘 뭐 해야 해?"] {
        tg.user_says(CHAT, m);
    }
    tg.wait_sent(3, 20);
    std::thread::sleep(Duration::from_secs(3));
    let sent = tg.sent();
    assert_eq!(sent.len(), 3, "each message answered once: {sent:?}");
}

#[test]
fn a_message_answered_before_a_crash_is_not_answered_again() {
    let tg = FakeTelegram::start();
    let env = Env::new();
    config(&env, &tg);
    env.ok(&["jobs", "add", "backup", "--command", "true"]);
    // The reply is recorded but its response held, so the daemon dies
    // before its next poll could confirm the update to Telegram.
    tg.delay_replies(Duration::from_secs(30));
    let mut a = daemon(&env, TOKEN);
    tg.user_says(CHAT, "backup 돌려줘");
    let sent = tg.wait_sent(1, 20);
    assert!(sent[0].1.contains("backup"), "{sent:?}");
    a.signal(nix::sys::signal::Signal::SIGKILL);
    a.wait_exit(10);
    let stale = tg.polls().last().map(|p| p.offset).unwrap_or(0);

    // The next daemon goes on after the taken update.
    tg.state.0.lock().unwrap().reply_delay = None;
    let _b = daemon(&env, TOKEN);
    tg.user_says(CHAT, "잡 목록 보여줘");
    let sent = tg.wait_sent(2, 20);
    std::thread::sleep(Duration::from_secs(3));
    let sent_later = tg.sent();
    assert_eq!(
        sent_later.len(),
        2,
        "the first message was answered again: {sent_later:?}"
    );
    assert_ne!(sent[1].1, sent[0].1, "{sent:?}");
    assert_eq!(env.runs("backup").len(), 1, "the backup ran twice");
    assert!(
        tg.polls().iter().any(|p| p.offset > stale),
        "the new daemon never confirmed past {stale}"
    );
}

#[test]
fn a_token_in_place_of_the_variable_name_is_refused_unrepeated() {
    let env = Env::new();
    env.config(
        "[telegram]\ntoken_env = \"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw\"\nallowed_chats = [1]\n",
    );
    let err = env.fails(&["status"], 3);
    assert!(err.contains("telegram.token_env"), "{err}");
    assert!(!err.contains("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"), "{err}");
    env.config("[telegram]\ntoken_env = \"T\"\npoll_timeout = \"5m\"\n");
    let err = env.fails(&["status"], 3);
    assert!(err.contains("telegram.poll_timeout"), "{err}");
}

#[test]
fn a_failed_run_is_reported_to_a_telegram_chat() {
    let tg = FakeTelegram::start();
    let env = Env::new();
    env.config(&format!(
        "[[notify]]\nname = \"tg\"\nkind = \"telegram\"\nchat = {CHAT}\ntoken_env = \"JR_TEST_TG_TOKEN\"\nurl = \"{}\"\n",
        tg.url
    ));
    let run = |args: &[&str]| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("jr"))
            .env("JR_DB", env.db())
            .env("JR_CONFIG", env.config_path())
            .env("HOME", env.home())
            .env("JR_TEST_TG_TOKEN", TOKEN)
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["notify", "test", "tg"]);
    assert!(out.status.success(), "{out:?}");
    let sent = tg.wait_sent(1, 20);
    assert_eq!(sent[0].0, CHAT);
    assert!(sent[0].1.contains("알림 테스트"), "{sent:?}");
    // A job that fails, run in the foreground: its own notification goes out.
    env.ok(&[
        "jobs",
        "add",
        "flaky",
        "--command",
        "echo 망가짐 >&2; exit 3",
        "--notify",
        "tg",
    ]);
    let out = run(&["run", "flaky"]);
    assert!(!out.status.success(), "{out:?}");
    let sent = tg.wait_sent(2, 30);
    assert!(sent[1].1.contains("flaky"), "{sent:?}");
    // Without the token the test says which variable to set, never a token.
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("jr"))
        .env("JR_DB", env.db())
        .env("JR_CONFIG", env.config_path())
        .env("HOME", env.home())
        .env_remove("JR_TEST_TG_TOKEN")
        .args(["notify", "test", "tg"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("JR_TEST_TG_TOKEN"),
        "{err}"
    );
    assert!(!err.contains(TOKEN), "{err}");
}
