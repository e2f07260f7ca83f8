//! End to end: the real binary in a detached tmux session, a Korean title
//! typed into the add form, the screen and then the database checked. Every
//! wait polls the screen with a deadline; nothing sleeps for a fixed time.
//! Skipped (with a note) where tmux is not installed.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
    dir: tempfile::TempDir,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-u", "-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env("LANG", "C.UTF-8")
            .env("LC_ALL", "C.UTF-8")
            .output()
            .expect("run tmux")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(
            &self
                .cmd(&["capture-pane", "-p", "-S", "-200", "-t", "jr"])
                .stdout,
        )
        .into_owned()
    }

    /// Poll the screen until `pred` holds, for at most `limit`.
    fn wait(&self, what: &str, limit: Duration, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if start.elapsed() > limit {
                panic!("waited {limit:?} for {what}; the screen is:\n{s}");
            }
            std::thread::park_timeout(Duration::from_millis(50));
        }
    }

    fn wait_text(&self, text: &str) -> String {
        self.wait(&format!("{text:?}"), Duration::from_secs(15), |s| {
            s.contains(text)
        })
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "jr"];
        args.extend_from_slice(keys);
        assert!(self.cmd(&args).status.success());
    }

    fn literal(&self, text: &str) {
        assert!(
            self.cmd(&["send-keys", "-t", "jr", "-l", text])
                .status
                .success()
        );
    }

    fn env(&self) -> Vec<(String, String)> {
        let home = self.dir.path();
        vec![
            ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
            ("HOME".into(), home.display().to_string()),
            ("JR_DB".into(), home.join("jr.db").display().to_string()),
            ("TZ".into(), "Asia/Seoul".into()),
            ("LANG".into(), "C.UTF-8".into()),
            ("TERM".into(), "xterm-256color".into()),
            ("USER".into(), "tester".into()),
        ]
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// jr in a fresh tmux server, or None where tmux is missing.
fn start() -> Option<Tmux> {
    start_with(&[])
}

fn start_with(extra_env: &[(&str, &str)]) -> Option<Tmux> {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("tmux is not installed; skipping the end-to-end test");
        return None;
    }
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let t = Tmux {
        socket: format!("jr-test-{}-{n}", std::process::id()),
        dir: tempfile::tempdir().unwrap(),
    };
    let mut env: Vec<String> = t
        .env()
        .iter()
        .map(|(k, v)| format!("{k}={}", shell_quote(v)))
        .collect();
    env.extend(
        extra_env
            .iter()
            .map(|(k, v)| format!("{k}={}", shell_quote(v))),
    );
    // The shell prints jr's exit status: tmux's own #{pane_dead_status} is racy.
    let command = format!(
        "env -i {} {}; echo jr-exit=$?",
        env.join(" "),
        shell_quote(env!("CARGO_BIN_EXE_jr"))
    );
    // remain-on-exit before the session exists, so even a crash at start
    // leaves the pane (and its exit status) to look at.
    let out = t.cmd(&[
        "start-server",
        ";",
        "set-option",
        "-g",
        "remain-on-exit",
        "on",
        ";",
        "new-session",
        "-d",
        "-s",
        "jr",
        "-x",
        "100",
        "-y",
        "30",
        &command,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(t)
}

impl Tmux {
    /// Wait until jr has exited with `status` and left the alternate screen.
    fn wait_exit(&self, status: i32) -> String {
        let screen = self.wait_text(&format!("jr-exit={status}"));
        let alt = self.cmd(&["display-message", "-p", "-t", "jr", "#{alternate_on}"]);
        assert_eq!(
            String::from_utf8_lossy(&alt.stdout).trim(),
            "0",
            "the terminal was given back"
        );
        screen
    }
}

#[test]
fn type_a_korean_task_in_the_real_binary() {
    let Some(t) = start() else { return };
    let jr = env!("CARGO_BIN_EXE_jr");
    t.wait_text("scheduler: this TUI");
    t.wait_text("No tasks yet");
    t.keys(&["2"]);
    t.wait_text("No open tasks");
    t.keys(&["a"]);
    t.wait_text("New task");
    let title = "한글로 할 일 추가하기";
    t.literal(title);
    t.wait_text(title);
    t.keys(&["Enter"]);
    t.wait_text("added #1");

    let out = Command::new(jr)
        .args(["tasks", "list", "--json"])
        .env_clear()
        .envs(t.env())
        .output()
        .unwrap();
    assert!(out.status.success());
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["title"], title);
    assert_eq!(list[0]["source"], "tui");

    // A write by another process appears without a key press.
    let out = Command::new(jr)
        .args(["tasks", "add", "밖에서 추가한 일"])
        .env_clear()
        .envs(t.env())
        .output()
        .unwrap();
    assert!(out.status.success());
    t.wait_text("밖에서 추가한 일");

    t.keys(&["q"]);
    t.wait_exit(0);

    // The TUI held the scheduler lease while open and gave it back on exit.
    let out = Command::new(jr)
        .args(["status", "--json"])
        .env_clear()
        .envs(t.env())
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["scheduler"], serde_json::Value::Null, "{status}");
    let log = std::fs::read_to_string(t.dir.path().join(".local/state/jr/tui.log")).unwrap();
    assert!(log.contains("took the scheduler lease"), "{log}");
}

#[test]
fn sigterm_gives_the_terminal_back() {
    let Some(t) = start() else { return };
    t.wait_text("scheduler: this TUI");
    let o = t.cmd(&["list-panes", "-t", "jr", "-F", "#{pane_pid}"]);
    let shell = String::from_utf8_lossy(&o.stdout).trim().to_string();
    // The pane runs a shell that runs jr (and then prints its status).
    let o = Command::new("ps")
        .args(["-o", "pid=", "--ppid", &shell])
        .output()
        .unwrap();
    let pid = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert!(!pid.is_empty(), "jr's pid under the shell {shell}");
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    t.wait_exit(0);
}

#[test]
fn a_panic_restores_the_terminal_and_leaves_a_report() {
    let Some(t) = start_with(&[("JR_TUI_CRASH_TEST", "1")]) else {
        return;
    };
    let screen = t.wait_exit(101);
    let log = t.dir.path().join(".local/state/jr/tui-panic.log");
    assert!(
        screen.contains(&format!("jr: the full report is in {}", log.display())),
        "{screen}"
    );
    let report = std::fs::read_to_string(&log).unwrap();
    assert!(
        report.contains("한글 메시지도 읽을 수 있게") && report.contains("backtrace"),
        "{report}"
    );
}

#[test]
fn run_now_in_the_real_binary_succeeds_on_screen_and_in_the_history() {
    let Some(t) = start_with(&[]) else { return };
    let jr = env!("CARGO_BIN_EXE_jr");
    let run_jr = |args: &[&str]| {
        Command::new(jr)
            .args(args)
            .env_clear()
            .envs(t.env())
            .output()
            .unwrap()
    };
    t.wait_text("scheduler: this TUI");
    // A job added by another process shows up in the Jobs pane.
    let out = run_jr(&[
        "jobs",
        "add",
        "greet",
        "--command",
        "echo 안녕하세요; echo 끝",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    t.keys(&["3"]);
    t.wait_text("greet");
    t.keys(&["r"]);
    t.wait_text("queued run #1 of greet");
    t.keys(&["4"]);
    t.wait_text("success");
    t.keys(&["Enter"]);
    t.wait_text("안녕하세요");
    let out = run_jr(&["runs", "list", "--json"]);
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(runs[0]["job"], "greet");
    assert_eq!(runs[0]["status"], "success");
    assert_eq!(runs[0]["trigger"], "manual");
    t.keys(&["q"]);
    t.wait_exit(0);
}

#[test]
fn a_task_handed_on_in_the_real_tui_is_run_by_its_scheduler_and_goes_to_review() {
    let Some(t) = start_with(&[]) else { return };
    let jr = env!("CARGO_BIN_EXE_jr");
    let run_jr = |args: &[&str]| {
        let out = Command::new(jr)
            .args(args)
            .env_clear()
            .envs(t.env())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    t.wait_text("scheduler: this TUI");
    run_jr(&[
        "jobs",
        "add",
        "reporter",
        "--command",
        "echo \"보고: $JR_TASK_TITLE\"",
    ]);
    run_jr(&["tasks", "add", "주간 보고"]);
    t.keys(&["2"]);
    t.wait_text("주간 보고");
    t.keys(&["w"]);
    t.wait_text("job:reporter");
    t.literal("rep");
    t.keys(&["Enter"]);
    // The TUI's own scheduler runs it; the task comes back for review.
    t.wait("the task in review", Duration::from_secs(20), |s| {
        s.lines()
            .any(|l| l.contains("주간 보고") && l.contains("review"))
    });
    t.keys(&["Enter"]);
    t.wait_text("reporter");
    t.wait_text("보고: 주간 보고");
    t.keys(&["Enter"]);
    t.wait_text("#1 reporter · success");
    let out = run_jr(&["tasks", "show", "1", "--json"]);
    let task: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(task["status"], "review");
    assert_eq!(task["work"][0]["kind"], "run");
    assert_eq!(task["events"][1]["source"], "tui", "{task}");
    t.keys(&["q"]);
    t.wait_exit(0);
}
