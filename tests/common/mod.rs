//! Shared helpers for the integration tests: run the real `jr` binary with a
//! cleared environment, a temporary HOME and database.
#![allow(dead_code)]

pub mod dagster;
pub mod mcp;

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("jr.db")
    }

    /// `jr` with nothing from the caller's environment but PATH.
    pub fn cmd(&self) -> Command {
        let mut c = Command::from_std(self.jr_std());
        c.env("NO_COLOR", "1");
        c
    }

    /// `jr` as a std `Command` (for a child to spawn and keep), isolated
    /// as `isolate` says.
    pub fn jr_std(&self) -> std::process::Command {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("jr"));
        self.isolate(&mut c);
        c
    }

    /// `c` with nothing from the caller's environment but PATH, on this
    /// test's home, database and config, in Seoul's time zone.
    pub fn isolate<'a>(&self, c: &'a mut std::process::Command) -> &'a mut std::process::Command {
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("JR_DB", self.db())
            .env("JR_CONFIG", self.config_path())
            .env("TZ", "Asia/Seoul")
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    /// Write the config file every command of this env reads.
    pub fn config(&self, text: &str) {
        std::fs::write(self.config_path(), text).unwrap();
    }

    /// Start `jr daemon` on this env's database and wait until it holds the
    /// scheduler lease; it is killed when dropped.
    pub fn daemon(&self) -> Daemon {
        self.daemon_with(&[])
    }

    /// `daemon`, with these variables in its environment (secrets, tokens).
    pub fn daemon_with(&self, vars: &[(&str, &str)]) -> Daemon {
        let d = self.spawn_daemon(vars);
        let pid = d.child.id() as i64;
        self.wait_until("the daemon to take the scheduler lease", 20, || {
            let s = self.json(&["status", "--json"]);
            (s["scheduler"]["pid"] == pid && s["scheduler"]["alive"] == true).then_some(())
        });
        d
    }

    /// Start `jr daemon` without waiting for it (a second daemon, one whose
    /// lease is not the point); its stderr goes to a log in the env's home.
    pub fn spawn_daemon(&self, vars: &[(&str, &str)]) -> Daemon {
        let n = std::fs::read_dir(self.home()).unwrap().count();
        let log = self.home().join(format!("daemon-{n}.log"));
        let child = self
            .jr_std()
            .envs(vars.iter().copied())
            .arg("daemon")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Daemon { child, log }
    }

    /// Poll `f` every 50 ms until it returns Some, for at most `secs` seconds.
    pub fn wait_until<T>(&self, what: &str, secs: u64, mut f: impl FnMut() -> Option<T>) -> T {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            if let Some(v) = f() {
                return v;
            }
            if std::time::Instant::now() > deadline {
                panic!("timed out after {secs}s waiting for {what}");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// The run object of `jr runs show ID --json`.
    pub fn run_obj(&self, id: i64) -> serde_json::Value {
        self.json(&["runs", "show", &id.to_string(), "--json"])
    }

    pub fn runs(&self, job: &str) -> Vec<serde_json::Value> {
        self.json(&["runs", "list", "--job", job, "--limit", "1000", "--json"])
            .as_array()
            .unwrap()
            .clone()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    /// Run, assert success, return stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "jr {args:?} failed ({:?}):\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Run, assert the exit code, return stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "jr {args:?}: stdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.starts_with("error: "),
            "stderr should start with `error:`: {err}"
        );
        err
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.ok(args);
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("jr {args:?} printed non-JSON ({e}): {out}"))
    }
}

pub struct Daemon {
    pub child: std::process::Child,
    pub log: PathBuf,
}

impl Daemon {
    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    pub fn signal(&self, sig: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid()), sig).unwrap();
    }

    /// Wait for the process to exit (bounded); its exit status.
    pub fn wait_exit(&mut self, secs: u64) -> std::process::ExitStatus {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            if std::time::Instant::now() > deadline {
                panic!(
                    "daemon did not exit within {secs}s; log:\n{}",
                    self.log_text()
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The venv with the official Python MCP SDK (tests/mcp_fixture/setup.sh
/// installs it once under target/; later calls reuse it).
pub fn mcp_venv() -> PathBuf {
    static VENV: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    VENV.get_or_init(|| {
        let out = std::process::Command::new(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp_fixture/setup.sh"),
        )
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("run tests/mcp_fixture/setup.sh");
        assert!(out.status.success(), "installing the Python MCP SDK failed");
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
    .clone()
}
