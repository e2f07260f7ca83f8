#!/usr/bin/env python3
"""Benchmark of the TUI (issue 4) on a database of 100,000 tasks, the real
binary in a detached tmux session:

- start → first complete frame (the dashboard with its data drawn), measured
  inside jr from the top of main() (`--bench-first-frame` exits right after);
- key press → next frame, for `j` in the Tasks list (logged by jr through
  JR_BENCH_LOG from reading the key to the end of the draw);
- idle CPU over 10 s with nothing happening;
- RSS after scrolling (VmRSS, and the high-water mark VmHWM).

Targets: first frame < 100 ms, key → frame < 16 ms, idle CPU ~0, RSS < 60 MB.
The 1,000,000 runs of the issue's figure join when the scheduler's runs table
exists.

    python3 bench/tui.py [--runs N] [--tasks N]
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import JR, build  # noqa: E402
from tasks import make_db  # noqa: E402


def tmux(sock, *args):
    return subprocess.run(["tmux", "-u", "-L", sock, "-f", "/dev/null", *args],
                          capture_output=True, text=True)


def start(sock, env, extra=()):
    cmd = "env -i " + " ".join(f"{k}='{v}'" for k, v in env.items()) + f" {JR} tui " + " ".join(extra)
    tmux(sock, "new-session", "-d", "-s", "b", "-x", "120", "-y", "40", cmd)
    tmux(sock, "set-option", "-t", "b", "remain-on-exit", "on")
    return int(tmux(sock, "list-panes", "-t", "b", "-F", "#{pane_pid}").stdout.strip())


def wait(pred, limit=20.0):
    t0 = time.time()
    while time.time() - t0 < limit:
        v = pred()
        if v:
            return v
        time.sleep(0.01)
    raise SystemExit("timed out")


def log_lines(path, key):
    try:
        with open(path) as f:
            return [float(l.split()[1]) for l in f if l.startswith(key)]
    except FileNotFoundError:
        return []


def dead(sock):
    return tmux(sock, "list-panes", "-t", "b", "-F", "#{pane_dead}").stdout.strip() == "1"


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def mem(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for l in f:
            if l.startswith(("VmRSS", "VmHWM")):
                k, v = l.split(":")
                out[k] = int(v.split()[0]) / 1024
    return out


def main():
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 11
    n = int(sys.argv[sys.argv.index("--tasks") + 1]) if "--tasks" in sys.argv else 100_000
    build()
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "jr.db")
        make_db(db, n)
        env = {"PATH": os.environ["PATH"], "HOME": d, "JR_DB": db, "TZ": "Asia/Seoul",
               "LANG": "C.UTF-8", "TERM": "xterm-256color", "USER": "bench"}
        sock = f"jr-bench-{os.getpid()}"
        try:
            firsts = []
            for i in range(runs):
                log = os.path.join(d, f"first{i}.log")
                start(sock, dict(env, JR_BENCH_LOG=log), ["--bench-first-frame"])
                wait(lambda: dead(sock))
                firsts.append(log_lines(log, "first_frame_ms")[0])
                tmux(sock, "kill-server")

            log = os.path.join(d, "keys.log")
            pid = start(sock, dict(env, JR_BENCH_LOG=log))
            wait(lambda: log_lines(log, "first_frame_ms"))
            tmux(sock, "send-keys", "-t", "b", "2")
            wait(lambda: "of " in tmux(sock, "capture-pane", "-p", "-t", "b").stdout)
            keys = 300
            for k in range(keys):
                tmux(sock, "send-keys", "-t", "b", "j")
                wait(lambda: len(log_lines(log, "key_ms")) >= k + 2)
            key_ms = log_lines(log, "key_ms")[1:]
            time.sleep(1.0)
            t0, c0 = time.time(), cpu_ticks(pid)
            time.sleep(10.0)
            idle = (cpu_ticks(pid) - c0) / os.sysconf("SC_CLK_TCK") / (time.time() - t0) * 100
            m = mem(pid)
            tmux(sock, "send-keys", "-t", "b", "q")
            wait(lambda: dead(sock))
        finally:
            tmux(sock, "kill-server")
    key_ms.sort()
    print(f"tasks in the database        {n:>10,}")
    print(f"start → first frame (median) {statistics.median(firsts):>10.1f} ms   (of {runs} starts)")
    print(f"key → frame (median)         {statistics.median(key_ms):>10.2f} ms   (p95 {key_ms[int(len(key_ms) * 0.95)]:.2f} ms, {len(key_ms)} keys)")
    print(f"idle CPU over 10 s           {idle:>10.2f} %")
    print(f"RSS now / peak               {m['VmRSS']:>7.1f} / {m['VmHWM']:.1f} MiB")


if __name__ == "__main__":
    main()
