//! Notifications end to end: real daemons run real shell jobs, and a local
//! HTTP receiver stands in for ntfy, Slack, Discord and a webhook. It checks
//! the bodies and headers of each kind, retries (a target that fails twice),
//! a target that always fails (recorded on the run, shown by `runs show`),
//! on-change, a burst collapsed into one message, the secret header sent but
//! never stored, a run lost with its daemon told by the next one, what a
//! target removed from the config was owed given up with the reason on the
//! run, and bad settings refused with what to do.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::Env;
use serde_json::Value;

const SECRET: &str = "Bearer s3cr3t-T0KEN-8f1d2c";

#[derive(Debug, Clone)]
struct Req {
    path: String,
    headers: HashMap<String, String>,
    body: String,
}

/// A local HTTP server: `/flaky*` answers 500 twice then 200, `/down*`
/// always 500, anything else 200. Every request is recorded.
struct Receiver {
    port: u16,
    got: Arc<Mutex<Vec<Req>>>,
}

impl Receiver {
    fn start() -> Receiver {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let got: Arc<Mutex<Vec<Req>>> = Arc::default();
        let seen = got.clone();
        std::thread::spawn(move || {
            for conn in l.incoming() {
                let Ok(conn) = conn else { continue };
                let seen = seen.clone();
                std::thread::spawn(move || serve(conn, seen));
            }
        });
        Receiver { port, got }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn to(&self, prefix: &str) -> Vec<Req> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path.starts_with(prefix))
            .cloned()
            .collect()
    }

    fn wait(&self, env: &Env, prefix: &str, n: usize, secs: u64) -> Vec<Req> {
        env.wait_until(&format!("{n} requests to {prefix}"), secs, || {
            let v = self.to(prefix);
            (v.len() >= n).then_some(v)
        })
    }
}

fn serve(conn: std::net::TcpStream, seen: Arc<Mutex<Vec<Req>>>) {
    let mut r = BufReader::new(conn.try_clone().unwrap());
    let mut w = conn;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
        let mut headers = HashMap::new();
        loop {
            let mut h = String::new();
            if r.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_lowercase(), v.trim().to_string());
            }
        }
        let len: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; len];
        if r.read_exact(&mut body).is_err() {
            return;
        }
        let status = {
            let mut g = seen.lock().unwrap();
            g.push(Req {
                path: path.clone(),
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            });
            let before = g.iter().filter(|q| q.path == path).count() - 1;
            if path.starts_with("/down") || (path.starts_with("/flaky") && before < 2) {
                500
            } else {
                200
            }
        };
        let text = if status == 200 { "ok" } else { "boom" };
        let reply = format!(
            "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nContent-Type: text/plain\r\n\r\n{text}",
            text.len()
        );
        if w.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

fn ended(env: &Env, id: i64) -> Value {
    env.wait_until("the run to end", 30, || {
        let r = env.run_obj(id);
        (!matches!(r["status"].as_str(), Some("queued" | "running"))).then_some(r)
    })
}

fn run_id(env: &Env, job: &str) -> i64 {
    env.json(&["run", job, "--json"])["id"].as_i64().unwrap()
}

fn config(rx: &Receiver, opts: &str, targets: &[(&str, &str, &str, &str)]) -> String {
    let mut s = format!("[notifications]\n{opts}\n");
    for (name, kind, path, extra) in targets {
        s.push_str(&format!(
            "\n[[notify]]\nname = \"{name}\"\nkind = \"{kind}\"\nurl = \"{}\"\n{extra}\n",
            rx.url(path)
        ));
    }
    s
}

#[test]
fn each_kind_gets_its_body_and_the_secret_header_is_never_stored() {
    let env = Env::new();
    let rx = Receiver::start();
    env.config(&config(
        &rx,
        "gather = \"0s\"\nretry_backoff = \"1s\"\ntries = 2",
        &[
            ("phone", "ntfy", "/ntfy/jr-topic", ""),
            ("team", "slack", "/slack", ""),
            ("chat", "discord", "/discord", ""),
            (
                "hook",
                "webhook",
                "/hook",
                "headers = { Authorization = \"HOOK_TOKEN\" }",
            ),
            (
                "custom",
                "webhook",
                "/custom",
                "body = '{\"msg\": {{ text | tojson }}, \"job\": {{ job | tojson }}, \"n\": {{ count }}}'",
            ),
        ],
    ));
    env.ok(&[
        "jobs",
        "add",
        "backup",
        "--command",
        "echo 'https://example.com/logs/7' > \"$JR_RESULT\"; echo '디스크 가득' >&2; exit 3",
        "--notify",
        "phone",
        "--notify",
        "team:on-failure",
        "--notify",
        "chat",
        "--notify",
        "hook",
        "--notify",
        "custom",
    ]);
    let shown = env.json(&["jobs", "show", "backup", "--json"]);
    assert_eq!(
        shown["notify"],
        serde_json::json!([
            "phone:on-failure",
            "team:on-failure",
            "chat:on-failure",
            "hook:on-failure",
            "custom:on-failure"
        ])
    );
    let _d = env.daemon_with(&[("HOOK_TOKEN", SECRET)]);
    let id = run_id(&env, "backup");
    let r = ended(&env, id);
    assert_eq!(r["status"], "failed");

    let ntfy = rx.wait(&env, "/ntfy/jr-topic", 1, 30).remove(0);
    assert_eq!(ntfy.headers["title"], "jr: backup failed");
    assert_eq!(ntfy.headers["priority"], "high");
    assert_eq!(ntfy.headers["click"], "https://example.com/logs/7");
    assert!(
        ntfy.body.starts_with("backup failed (attempt 1, ")
            && ntfy.body.contains("exited with status 3")
            && ntfy.body.ends_with(&format!("jr runs show {id}")),
        "{}",
        ntfy.body
    );
    let slack: Value = serde_json::from_str(&rx.wait(&env, "/slack", 1, 30)[0].body).unwrap();
    assert_eq!(slack["text"].as_str(), Some(ntfy.body.as_str()));
    let discord: Value = serde_json::from_str(&rx.wait(&env, "/discord", 1, 30)[0].body).unwrap();
    assert_eq!(discord["content"].as_str(), Some(ntfy.body.as_str()));
    let hook = rx.wait(&env, "/hook", 1, 30).remove(0);
    assert_eq!(
        hook.headers["authorization"], SECRET,
        "the secret header is sent"
    );
    assert_eq!(hook.headers["content-type"], "application/json");
    let h: Value = serde_json::from_str(&hook.body).unwrap();
    assert_eq!(
        (&h["job"], &h["status"], &h["attempt"], &h["run_id"]),
        (
            &Value::from("backup"),
            &Value::from("failed"),
            &Value::from(1),
            &Value::from(id)
        )
    );
    assert_eq!(h["error"], "exited with status 3");
    assert_eq!(h["result"], "https://example.com/logs/7");
    assert_eq!(h["url"], "https://example.com/logs/7");
    assert!(h["duration_ms"].as_i64().is_some());
    let custom: Value = serde_json::from_str(&rx.wait(&env, "/custom", 1, 30)[0].body).unwrap();
    assert_eq!(
        (custom["job"].as_str(), custom["n"].as_i64()),
        (Some("backup"), Some(1))
    );
    assert_eq!(custom["msg"].as_str(), Some(ntfy.body.as_str()));

    // Delivered: nothing recorded on the run, nothing left owed.
    assert_eq!(env.run_obj(id)["notify_error"], Value::Null);
    // The secret went over the wire but is nowhere in jr's files.
    std::thread::sleep(Duration::from_millis(300));
    for entry in std::fs::read_dir(env.home()).unwrap().flatten() {
        let p = entry.path();
        if p.is_file() {
            let bytes = std::fs::read(&p).unwrap();
            let hay = String::from_utf8_lossy(&bytes);
            assert!(
                !hay.contains("s3cr3t-T0KEN"),
                "the secret is in {}",
                p.display()
            );
        }
    }
}

#[test]
fn retries_then_delivers_and_a_dead_target_is_recorded_and_shown() {
    let env = Env::new();
    let rx = Receiver::start();
    env.config(&config(
        &rx,
        "gather = \"0s\"\nretry_backoff = \"1s\"\ntries = 3",
        &[
            ("flaky", "slack", "/flaky/T000/B000/xoxsecretpath", ""),
            ("down", "ntfy", "/down/secret-topic", ""),
        ],
    ));
    env.ok(&[
        "jobs",
        "add",
        "nightly",
        "--command",
        "exit 1",
        "--notify",
        "flaky",
        "--notify",
        "down",
    ]);
    let _d = env.daemon();
    let id = run_id(&env, "nightly");
    ended(&env, id);
    // Two 500s, then delivered on the third try.
    let flaky = rx.wait(&env, "/flaky", 3, 30);
    assert!(flaky.iter().all(|r| r.body.contains("nightly failed")));
    let r = env.wait_until("the failed delivery to be recorded", 30, || {
        let r = env.run_obj(id);
        r["notify_error"].as_str().is_some().then_some(r)
    });
    assert_eq!(rx.to("/down").len(), 3, "every try was made");
    let err = r["notify_error"].as_str().unwrap();
    assert!(
        err.starts_with("down: HTTP 500") && err.contains("after 3 tries"),
        "{err}"
    );
    assert!(
        !err.contains("secret-topic") && !err.contains("127.0.0.1"),
        "no URL: {err}"
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(rx.to("/flaky").len(), 3, "delivered once, not again");
    assert_eq!(rx.to("/down").len(), 3, "given up after its tries");
    let shown = env.ok(&["runs", "show", &id.to_string()]);
    assert!(
        shown.contains("notify failed") && shown.contains("down: HTTP 500"),
        "{shown}"
    );
}

#[test]
fn on_change_tells_a_failure_after_success_and_the_recovery() {
    let env = Env::new();
    let rx = Receiver::start();
    env.config(&config(
        &rx,
        "gather = \"0s\"\ncollapse = \"0s\"",
        &[("ops", "webhook", "/ops", "")],
    ));
    let flag = env.home().join("fail-now");
    env.ok(&[
        "jobs",
        "add",
        "flip",
        "--command",
        &format!("test ! -e {}", flag.display()),
        "--notify",
        "ops:on-change",
    ]);
    let _d = env.daemon();
    let step = |fail: bool| {
        if fail {
            std::fs::write(&flag, "x").unwrap();
        } else {
            let _ = std::fs::remove_file(&flag);
        }
        let id = run_id(&env, "flip");
        ended(&env, id);
        id
    };
    step(false); // first success: nothing changed
    let failed = step(true); // failure after success
    rx.wait(&env, "/ops", 1, 30);
    step(true); // still failing: nothing
    let back = step(false); // recovery
    let got = rx.wait(&env, "/ops", 2, 30);
    std::thread::sleep(Duration::from_millis(1500));
    let got_all = rx.to("/ops");
    assert_eq!(got_all.len(), 2, "{got_all:?}");
    let events: Vec<(String, i64)> = got
        .iter()
        .map(|r| {
            let v: Value = serde_json::from_str(&r.body).unwrap();
            (
                v["event"].as_str().unwrap().to_string(),
                v["run_id"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        events,
        vec![
            ("failed".to_string(), failed),
            ("recovered".to_string(), back)
        ]
    );
}

#[test]
fn a_burst_of_failures_is_one_message() {
    let env = Env::new();
    let rx = Receiver::start();
    env.config(&config(
        &rx,
        "default = [\"ops\"]\ngather = \"8s\"\ncollapse = \"60s\"",
        &[("ops", "ntfy", "/ops", "")],
    ));
    let mut file = String::new();
    for i in 0..10 {
        file.push_str(&format!(
            "[[job]]\nname = \"job-{i}\"\ncommand = \"echo 실패 >&2; exit 2\"\n\n"
        ));
    }
    // One job opts out of the default.
    file.push_str("[[job]]\nname = \"quiet\"\ncommand = \"exit 2\"\nnotify = []\n");
    let path = env.home().join("jobs.toml");
    std::fs::write(&path, file).unwrap();
    env.ok(&["jobs", "import", path.to_str().unwrap()]);
    let _d = env.daemon();
    let mut ids: Vec<i64> = (0..10).map(|i| run_id(&env, &format!("job-{i}"))).collect();
    ids.push(run_id(&env, "quiet"));
    for id in &ids {
        ended(&env, *id);
    }
    let got = rx.wait(&env, "/ops", 1, 40);
    std::thread::sleep(Duration::from_secs(3));
    let all = rx.to("/ops");
    assert_eq!(all.len(), 1, "one message for the burst: {all:?}");
    let m = &got[0];
    assert_eq!(m.headers["title"], "jr: 10 runs failed");
    assert!(m.body.starts_with("10 runs failed: job-"), "{}", m.body);
    assert!(
        m.body.contains("and 2 more") && !m.body.contains("quiet"),
        "{}",
        m.body
    );
}

#[test]
fn a_foreground_run_notifies_and_bad_settings_say_what_to_do() {
    let env = Env::new();
    let rx = Receiver::start();
    env.config(&config(
        &rx,
        "gather = \"0s\"",
        &[
            ("ops", "discord", "/fg", ""),
            (
                "hook",
                "webhook",
                "/h",
                "headers = { X-Token = \"JR_TEST_UNSET_TOKEN\" }",
            ),
        ],
    ));
    // Unknown target: refused, naming the ones there are.
    let err = env.fails(
        &["jobs", "add", "x", "--command", "true", "--notify", "pager"],
        1,
    );
    assert!(
        err.contains("no notify target named \"pager\"") && err.contains("ops, hook"),
        "{err}"
    );
    let err = env.fails(
        &[
            "jobs",
            "add",
            "x",
            "--command",
            "true",
            "--notify",
            "ops:sometimes",
        ],
        1,
    );
    assert!(err.contains("on-change"), "{err}");
    env.ok(&["jobs", "add", "x", "--command", "false", "--notify", "ops"]);
    // No scheduler: `jr run` runs it here and sends the notification itself.
    let out = env.run(&["run", "x"]);
    assert_eq!(out.status.code(), Some(1));
    let fg = rx.wait(&env, "/fg", 1, 20);
    let v: Value = serde_json::from_str(&fg[0].body).unwrap();
    assert!(
        v["content"].as_str().unwrap().starts_with("x failed"),
        "{v}"
    );
    // `--notify none` clears; `--notify default` goes back to the default.
    env.ok(&["jobs", "edit", "x", "--notify", "none"]);
    assert_eq!(
        env.json(&["jobs", "show", "x", "--json"])["notify"],
        serde_json::json!([])
    );
    env.ok(&["jobs", "edit", "x", "--notify", "default"]);
    assert_eq!(
        env.json(&["jobs", "show", "x", "--json"])["notify"],
        Value::Null
    );
    // A test message, and one to a target whose variable is unset.
    let out = env.ok(&["notify", "test", "ops"]);
    assert!(out.contains("sent a test message to ops"), "{out}");
    assert!(rx.wait(&env, "/fg", 2, 20)[1].body.contains("알림 테스트"));
    let err = env.fails(&["notify", "test", "hook"], 4);
    assert!(err.contains("JR_TEST_UNSET_TOKEN is not set"), "{err}");
    let list = env.ok(&["notify", "list"]);
    assert!(
        list.contains("JR_TEST_UNSET_TOKEN not set") && !list.contains("/fg"),
        "{list}"
    );
    // Broken config: a clear error, nothing lost.
    env.config("[[notify]]\nname = \"p\"\nkind = \"pager\"\nurl = \"https://x\"\n");
    let err = env.fails(&["jobs", "list"], 3);
    assert!(err.contains("pager") && err.contains("ntfy"), "{err}");
    env.config("[[notify]]\nname = \"p\"\nkind = \"slack\"\n");
    let err = env.fails(&["jobs", "list"], 3);
    assert!(err.contains("no `url`"), "{err}");
    env.config("");
    assert_eq!(env.json(&["jobs", "show", "x", "--json"])["name"], "x");
}

#[test]
fn a_lost_run_is_told_and_what_a_removed_target_was_owed_is_given_up() {
    let env = Env::new();
    let rx = Receiver::start();
    let both = config(
        &rx,
        "gather = \"0s\"\nretry_backoff = \"10m\"\ntries = 5",
        &[("ops", "ntfy", "/ops", ""), ("down", "ntfy", "/down/x", "")],
    );
    env.config(&both);
    env.ok(&[
        "jobs",
        "add",
        "long",
        "--command",
        "sleep 60",
        "--notify",
        "ops",
        "--notify",
        "down",
    ]);
    let mut a = env.daemon();
    let id = run_id(&env, "long");
    env.wait_until("the run to start", 20, || {
        (env.run_obj(id)["status"] == "running").then_some(())
    });
    a.signal(nix::sys::signal::Signal::SIGKILL);
    a.wait_exit(10);

    // The next daemon marks the run lost and tells the targets so.
    let b = env.daemon();
    let r = ended(&env, id);
    assert_eq!(r["status"], "lost", "{r}");
    let got = rx.wait(&env, "/ops", 1, 30);
    assert!(got[0].body.starts_with("long was lost"), "{}", got[0].body);
    // "down" failed its first try and waits 10 minutes for the next.
    rx.wait(&env, "/down", 1, 30);
    drop(b);

    // "down" is taken out of the config: what it was owed is given up,
    // and the run says why instead of waiting forever.
    env.config(&config(
        &rx,
        "gather = \"0s\"",
        &[("ops", "ntfy", "/ops", "")],
    ));
    let _c = env.daemon();
    let r = env.wait_until("the owed notification to be given up", 30, || {
        let r = env.run_obj(id);
        r["notify_error"]
            .as_str()
            .is_some_and(|e| e.contains("no notify target named \"down\""))
            .then_some(r)
    });
    assert!(
        r["notify_error"]
            .as_str()
            .unwrap()
            .contains("nothing was sent"),
        "{r}"
    );
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(rx.to("/down").len(), 1, "nothing more was sent to it");
    assert_eq!(rx.to("/ops").len(), 1, "ops was told once");
}
