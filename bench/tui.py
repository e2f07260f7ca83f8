#!/usr/bin/env python3
"""Benchmark of the TUI (issue 4) on a database of 100,000 tasks, 20 jobs
and 1,000,000 runs (written straight into SQLite by this script, spread over
the last year), the real binary in a detached tmux session:

- start → first complete frame (the dashboard with its data drawn: task
  counts, runs per day over 14 days, recent failures), measured inside jr
  from the top of main() (`--bench-first-frame` exits right after);
- key press → next frame, for `j` in the Tasks list and in the Runs pane
  (logged by jr through JR_BENCH_LOG from reading the key to the end of the
  draw; the Runs list pages by keyset as the selection moves);
- idle CPU over 10 s on the Runs pane with nothing happening (the TUI holds
  the scheduler lease: its heartbeat is the only activity);
- RSS after scrolling (VmRSS, and the high-water mark VmHWM).

Targets: first frame < 100 ms, key → frame < 16 ms, idle CPU ~0, RSS < 60 MB.

Then the first screen beside htop's (issue 14; htop from Debian's package,
installed here when missing), in one interleaved run: each round starts
`jr tui` and then `htop` in a fresh tmux server and polls `capture-pane`
until the screen is fully drawn — for jr the Dashboard with its figures
(task total, runs chart, recent failures, the cards line), for htop its
meters, process list and function bar. The ratio is per round (median,
min–max). Target: the full Dashboard drawn ≤ 60 ms (jr's first frame is the
real Dashboard: its figures are kept on write, see store/run_counts.rs).

    python3 bench/tui.py [--runs N] [--tasks N] [--history N] [--readme]
"""
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import JR, apt_install, build, ratio, update_readme  # noqa: E402
from tasks import make_db  # noqa: E402


JOBS = 20


def add_history(db, n):
    """20 jobs and `n` finished runs over the last 365 days, oldest first, with
    a few output lines for the newest ones — inserted in one transaction."""
    rng = random.Random(n)
    con = sqlite3.connect(db)
    now = int(time.time() * 1000)
    with con:
        for j in range(1, JOBS + 1):
            spec = '{"kind":"shell","command":"echo job %d"}' % j
            con.execute(
                "INSERT INTO jobs (id, name, kind, schedule, enabled, spec, created_at, updated_at, fired_through) "
                "VALUES (?, ?, 'shell', '0 3 1 1 *', 1, ?, ?, ?, ?)",
                (j, f"job-{j:02d}", spec, now, now, now))
        span = 365 * 86_400_000
        step = span // n

        def rows():
            for i in range(n):
                j = rng.randint(1, JOBS)
                q = now - span + i * step
                status = "failed" if rng.random() < 0.05 else "success"
                dur = rng.randint(200, 120_000)
                yield (j, f"job-{j:02d}", status, q, q, q, q + dur, dur, 0 if status == "success" else 1, 64)
        con.executemany(
            "INSERT INTO runs (job_id, job, status, trigger, scheduled_for, queued_at, started_at, finished_at, "
            "duration_ms, exit_code, output_bytes) VALUES (?, ?, ?, 'schedule', ?, ?, ?, ?, ?, ?, ?)", rows())
        con.executemany(
            "INSERT INTO run_output (run_id, seq, at, stream, line) VALUES (?, ?, ?, 'out', ?)",
            ((r, k, now, f"line {k} of run {r}: 백업 진행 중") for r in range(n - 999, n + 1) for k in range(1, 21)))
    con.close()


def tmux(sock, *args):
    return subprocess.run(["tmux", "-u", "-L", sock, "-f", "/dev/null", *args],
                          capture_output=True, text=True)


def start(sock, env, extra=()):
    cmd = "env -i " + " ".join(f"{k}='{v}'" for k, v in env.items()) + f" {JR} tui " + " ".join(extra)
    # remain-on-exit before the session exists: a quick exit keeps the pane.
    tmux(sock, "start-server", ";", "set-option", "-g", "remain-on-exit", "on", ";",
         "new-session", "-d", "-s", "b", "-x", "120", "-y", "40", cmd)
    return int(tmux(sock, "list-panes", "-t", "b", "-F", "#{pane_pid}").stdout.strip())


def drawn_ms(sock, env, argv, markers, limit=20.0):
    """Start `argv` in a fresh tmux server; ms until the screen holds every marker."""
    cmd = "env -i " + " ".join(f"{k}='{v}'" for k, v in env.items()) + " " + " ".join(argv)
    t0 = time.perf_counter()
    tmux(sock, "start-server", ";", "set-option", "-g", "remain-on-exit", "on", ";",
         "new-session", "-d", "-s", "b", "-x", "120", "-y", "40", cmd)
    try:
        while time.perf_counter() - t0 < limit:
            screen = tmux(sock, "capture-pane", "-p", "-t", "b").stdout
            if all(m in screen for m in markers):
                return (time.perf_counter() - t0) * 1000
            time.sleep(0.001)
        raise SystemExit(f"{argv[0]}: never fully drawn; last screen:\n{screen}")
    finally:
        tmux(sock, "kill-server")


# What a fully drawn first screen holds.
JR_DRAWN = [" total ", "Runs, last 14 days", "Recent failures", " failed ", "cards"]
HTOP_DRAWN = ["Load average:", "Uptime:", "PID", "F10Quit"]


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
            # Only whole lines: jr may be writing the last one right now.
            return [float(l.split()[1]) for l in f if l.startswith(key) and l.endswith("\n")]
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
    history = int(sys.argv[sys.argv.index("--history") + 1]) if "--history" in sys.argv else 1_000_000
    apt_install("htop", "htop")
    build()
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "jr.db")
        make_db(db, n)
        t0 = time.time()
        add_history(db, history)
        built = time.time() - t0
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

            # The first screen beside htop's, interleaved.
            jr_drawn, htop_drawn = [], []
            for i in range(runs):
                jr_drawn.append(drawn_ms(sock, env, [JR, "tui"], JR_DRAWN))
                htop_drawn.append(drawn_ms(sock, env, ["htop"], HTOP_DRAWN))

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
            done = len(log_lines(log, "key_ms"))
            tmux(sock, "send-keys", "-t", "b", "4")
            wait(lambda: "older below" in tmux(sock, "capture-pane", "-p", "-t", "b").stdout)
            done += 1
            for k in range(keys):
                tmux(sock, "send-keys", "-t", "b", "j")
                wait(lambda: len(log_lines(log, "key_ms")) >= done + k + 1)
            run_ms = log_lines(log, "key_ms")[done:]
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
    run_ms.sort()
    rows = [
        ("tasks / runs in the database", f"{n:,} / {history:,}", ""),
        ("start → first frame, inside jr (the full Dashboard)", f"{statistics.median(firsts):.1f} ms", "≤ 60 ms"),
        ("start → full Dashboard on screen (tmux), jr", f"{statistics.median(jr_drawn):.0f} ms", "≤ 60 ms"),
        ("start → first screen on screen (tmux), htop, same run", f"{statistics.median(htop_drawn):.0f} ms", ""),
        ("jr ÷ htop, per round (median, min–max)", ratio(jr_drawn, htop_drawn), "≤ 1×"),
        ("key press → next frame, `j` in the Tasks list",
         f"{statistics.median(key_ms):.2f} ms (p95 {key_ms[int(len(key_ms) * 0.95)]:.2f} ms)", "< 16 ms"),
        ("key press → next frame, `j` in the Runs list (paging as it goes)",
         f"{statistics.median(run_ms):.2f} ms (p95 {run_ms[int(len(run_ms) * 0.95)]:.2f} ms)", "< 16 ms"),
        ("idle CPU on the Runs pane (10 s; the TUI holds the lease)", f"{idle:.2f} %", "~0"),
        ("RSS after scrolling both lists (now / peak)", f"{m['VmRSS']:.1f} / {m['VmHWM']:.1f} MiB", "< 60 MB"),
    ]
    text = "| measure | result | target |\n|---|---|---|\n" + "".join(
        f"| {a} | {b} | {c} |\n" for a, b, c in rows)
    print(f"{runs} starts each, {len(key_ms)} keys per list, built in {built:.1f} s\n")
    print(text)
    if "--readme" in sys.argv:
        update_readme("bench/tui.py", text)


if __name__ == "__main__":
    main()
