//! A real `dagster dev` for the tests: the pinned Dagster from
//! tests/dagster/setup.sh (installed under the build directory on first use),
//! on a free loopback port, with a temporary DAGSTER_HOME (telemetry off, 1 s
//! dequeue interval), loading tests/dagster/workspace.yaml. It runs in its own
//! process group, and a watchdog process kills that group as soon as the
//! test process exits however it exits (its stdin pipe closes), so a failed
//! or killed test never leaves Dagster behind.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub struct Dagster {
    pub url: String,
    pub home: tempfile::TempDir,
    child: Child,
    _watchdog: Child,
    pub started_in: Duration,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The virtualenv, installed once (the script reuses it and serialises installs).
pub fn venv() -> PathBuf {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        let t = Instant::now();
        let out = Command::new(root().join("tests/dagster/setup.sh"))
            .stderr(Stdio::inherit())
            .output()
            .expect("run tests/dagster/setup.sh");
        assert!(
            out.status.success(),
            "installing Dagster for the tests failed"
        );
        eprintln!("dagster venv ready in {:.1?}", t.elapsed());
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
    .clone()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A plain HTTP GET on loopback; the status line and body, if it answers.
pub fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect_timeout(
        &format!("127.0.0.1:{port}").parse().unwrap(),
        Duration::from_millis(500),
    )
    .ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

impl Dagster {
    /// Start one and wait (bounded) until its GraphQL answers.
    pub fn start() -> Dagster {
        let venv = venv();
        let home = tempfile::tempdir().unwrap();
        std::fs::write(
            home.path().join("dagster.yaml"),
            "telemetry:\n  enabled: false\nrun_queue:\n  dequeue_interval_seconds: 1\n",
        )
        .unwrap();
        let port = free_port();
        let log = std::fs::File::create(home.path().join("dagster-dev.log")).unwrap();
        let t = Instant::now();
        let child = Command::new(venv.join("bin/dagster"))
            .args(["dev", "-w"])
            .arg(root().join("tests/dagster/workspace.yaml"))
            .args(["-h", "127.0.0.1", "-p", &port.to_string()])
            .env("DAGSTER_HOME", home.path())
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    venv.join("bin").display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .current_dir(home.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("start dagster dev");
        let pgid = child.id();
        // Reads until the test process is gone, then stops the whole group.
        let watchdog = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "read _ ; kill -TERM -{pgid} 2>/dev/null; sleep 5; kill -KILL -{pgid} 2>/dev/null"
            ))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the watchdog");
        let mut d = Dagster {
            url: format!("http://127.0.0.1:{port}"),
            home,
            child,
            _watchdog: watchdog,
            started_in: Duration::ZERO,
        };
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            if let Some(r) = http_get(port, "/server_info")
                && r.contains("dagster_version")
            {
                break;
            }
            if let Ok(Some(status)) = d.child.try_wait() {
                panic!("dagster dev exited ({status}):\n{}", d.log());
            }
            if Instant::now() > deadline {
                panic!("dagster dev did not answer within 180 s:\n{}", d.log());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        d.started_in = t.elapsed();
        eprintln!(
            "dagster dev answering at {} after {:.1?}",
            d.url, d.started_in
        );
        d
    }

    pub fn port(&self) -> u16 {
        self.url.rsplit(':').next().unwrap().parse().unwrap()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.home.path().join("dagster-dev.log")).unwrap_or_default()
    }

    /// Stop the whole process group (the webserver, the daemon, code servers, runs).
    pub fn stop(&mut self) {
        use nix::sys::signal::{Signal, killpg};
        let group = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = killpg(group, Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = killpg(group, Signal::SIGKILL);
        let _ = self.child.wait();
    }

    /// Kill the whole group at once, as a crash or power loss would: unlike
    /// SIGTERM, the run in flight gets no chance to record its failure
    /// before the webserver goes away.
    pub fn kill(&mut self) {
        use nix::sys::signal::{Signal, killpg};
        let group = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = killpg(group, Signal::SIGKILL);
        let _ = self.child.wait();
    }

    /// Config for a jr that uses this Dagster, polling fast.
    pub fn jr_config(&self, extra: &str) -> String {
        format!(
            "[scheduler]\nlease_ttl = \"3s\"\nshutdown_grace = \"1s\"\n\n[dagster]\npoll = \"250ms\"\n{extra}\n[dagster.instances.test]\nurl = \"{}\"\n",
            self.url
        )
    }
}

impl Drop for Dagster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The Dagster shared by all tests of one test binary (started on first use,
/// stopped by its watchdog when the binary exits).
pub fn shared() -> &'static Dagster {
    static SHARED: OnceLock<Dagster> = OnceLock::new();
    SHARED.get_or_init(Dagster::start)
}
