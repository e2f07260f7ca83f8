#!/usr/bin/env python3
"""Torture tests of issue 13, on a release build, in a few minutes:

1. kill -9 of the daemon x20, each time mid-run with a job that left its
   process group (`setsid sleep`): the next daemon takes over, the run is
   `lost`, nothing of it is left running, the database passes
   `PRAGMA integrity_check`, and no fire is recorded twice;
2. two daemons on one database with a job firing every second: no fire runs
   twice; then the lease holder is frozen (SIGSTOP) x5 and the time until the
   other takes over is measured (lease_ttl = 3s);
3. concurrent writers: CLI processes, an MCP session and `jr chat` turns
   beside a job printing ~3 MB/s and a job firing every second: `database is
   locked` failures, tasks lost, the daemon's write transactions over 50 ms
   (from its log) and fires blamed on an absent scheduler;
4. a 1 GB job of one-byte lines under the daemon: its time in jr against its
   time alone, the daemon's peak RSS (sampled every 20 ms), the bytes stored
   under the 1 MiB cap, and the slowest `jr tasks add` while it ran.

    python3 bench/torture.py [--quick] [--debug]
"""
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import JR, build  # noqa: E402

QUICK = "--quick" in sys.argv
# --debug: the debug build as it is (no release build), to try the script.
if "--debug" in sys.argv:
    JR = JR.replace("release", "debug")


def make_env(d, extra=""):
    cfg = os.path.join(d, "config.toml")
    with open(cfg, "w") as f:
        f.write('[scheduler]\nlease_ttl = "3s"\nshutdown_grace = "1s"\n' + extra)
    return {"PATH": os.environ["PATH"], "HOME": d, "JR_DB": os.path.join(d, "jr.db"),
            "JR_CONFIG": cfg, "TZ": "UTC", "NO_COLOR": "1"}


def jr(env, *args, check=True):
    p = subprocess.run([JR, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL)
    if check and p.returncode != 0:
        raise SystemExit(f"jr {args} failed: {p.stderr.decode()}")
    return p


def jr_json(env, *args):
    return json.loads(jr(env, *args).stdout)


def daemon(env, log):
    return subprocess.Popen([JR, "daemon"], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=open(log, "ab"))


def wait(what, secs, f, step=0.02):
    end = time.time() + secs
    while time.time() < end:
        v = f()
        if v:
            return v
        time.sleep(step)
    raise SystemExit(f"timed out waiting for {what}")


def holder(env):
    s = jr_json(env, "status", "--json")["scheduler"]
    return s.get("pid") if s and s.get("alive") else None


def alive(cmdline):
    want = "\0".join(cmdline) + "\0"
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().decode(errors="replace")
            with open(f"/proc/{pid}/stat") as f:
                st = f.read()
        except OSError:
            continue
        if cmd == want and ") Z" not in st:
            found.append(int(pid))
    return found


def integrity(env):
    c = sqlite3.connect(env["JR_DB"])
    ok = c.execute("PRAGMA integrity_check").fetchone()[0]
    dup = c.execute("SELECT count(*) FROM (SELECT job_id, scheduled_for FROM runs "
                    "WHERE scheduled_for IS NOT NULL AND trigger = 'schedule' "
                    "GROUP BY 1, 2 HAVING count(*) > 1)").fetchone()[0]
    c.close()
    return ok, dup


def kill9_trials(n):
    with tempfile.TemporaryDirectory() as d:
        env = make_env(d)
        log = os.path.join(d, "daemon.log")
        jr(env, "jobs", "add", "victim", "--command", "setsid sleep 997 & sleep 30")
        jr(env, "jobs", "add", "tick", "--cron", "* * * * * *", "--command", "true")
        failures, takeovers = [], []
        d1 = daemon(env, log)
        wait("the lease", 20, lambda: holder(env) == d1.pid)
        for i in range(n):
            run = jr_json(env, "run", "victim", "--json")["id"]
            wait("the run to start", 20, lambda: alive(["sleep", "997"]))
            time.sleep(0.2)
            d1.send_signal(signal.SIGKILL)
            d1.wait()
            t0 = time.time()
            d1 = daemon(env, log)
            wait("the takeover", 30, lambda: holder(env) == d1.pid)
            takeovers.append(time.time() - t0)
            try:
                wait("the run to be lost", 20,
                     lambda: jr_json(env, "runs", "show", str(run), "--json")["status"] == "lost")
                wait("the detached sleep to end", 10, lambda: not alive(["sleep", "997"]))
            except SystemExit as e:
                failures.append(f"trial {i}: {e}")
        d1.send_signal(signal.SIGTERM)
        d1.wait(timeout=30)
        ok, dup = integrity(env)
        if ok != "ok":
            failures.append(f"integrity_check: {ok}")
        if dup:
            failures.append(f"{dup} fires recorded twice")
        return {"trials": n, "failures": failures, "takeover_s_max": round(max(takeovers), 2),
                "integrity": ok, "duplicate_fires": dup, "exit_after_sigterm": d1.returncode}


def two_daemons(freezes):
    with tempfile.TemporaryDirectory() as d:
        env = make_env(d)
        log = os.path.join(d, "daemon.log")
        jr(env, "jobs", "add", "tick", "--cron", "* * * * * *", "--command", "true")
        a = daemon(env, log)
        wait("a lease holder", 20, lambda: holder(env))
        b = daemon(env, log)
        time.sleep(3 if QUICK else 10)
        both_alive = a.poll() is None and b.poll() is None
        takeovers = []
        for _ in range(freezes):
            h = holder(env)
            frozen = a if a.pid == h else b
            other = b if frozen is a else a
            frozen.send_signal(signal.SIGSTOP)
            t0 = time.time()
            try:
                wait("the takeover", 40, lambda: holder_pid_raw(env) == other.pid, step=0.1)
                takeovers.append(round(time.time() - t0, 2))
            except SystemExit:
                takeovers.append(None)
            frozen.send_signal(signal.SIGCONT)
            time.sleep(2)
        for p in (a, b):
            p.send_signal(signal.SIGTERM)
        for p in (a, b):
            p.wait(timeout=30)
        ok, dup = integrity(env)
        fires = sqlite3.connect(env["JR_DB"]).execute(
            "SELECT count(*) FROM runs WHERE trigger = 'schedule'").fetchone()[0]
        return {"both_ran": both_alive, "scheduled_runs": fires, "duplicate_fires": dup,
                "integrity": ok, "takeover_s": takeovers}


def holder_pid_raw(env):
    """The lease's pid, read straight from the table (a frozen holder keeps
    its row; `status` would call it alive until the lease expires)."""
    c = sqlite3.connect(env["JR_DB"], timeout=10)
    try:
        row = c.execute("SELECT pid, expires_at FROM scheduler_lease").fetchone()
    finally:
        c.close()
    return row[0] if row else None


def writers(cli, mcp_calls, chats):
    with tempfile.TemporaryDirectory() as d:
        env = make_env(d)
        log = os.path.join(d, "daemon.log")
        # ~3 MB/s of output for the length of the test (restarted while it lasts).
        jr(env, "jobs", "add", "chatty", "--overlap", "skip", "--command",
           "i=0; while [ $i -lt 3000 ]; do head -c 30000 /dev/zero | tr '\\0' 'x' | fold -w 100; sleep 0.01; i=$((i+1)); done")
        # A job every second: a busy scheduler must run its fires late, never
        # record them missed for want of a scheduler (#13 item 4).
        jr(env, "jobs", "add", "tick", "--cron", "* * * * * *", "--misfire", "skip", "--command", "true")
        dm = daemon(env, log)
        wait("the lease", 20, lambda: holder(env) == dm.pid)
        jr(env, "run", "chatty")
        failures, locked, chat_other = [], 0, 0
        lock = threading.Lock()

        def chat_worker(k):
            nonlocal locked, chat_other
            for j in range(chats // 10):
                p = jr(env, "chat", f"add a task: chat {k}-{j}", "--session", f"w{k}", check=False)
                err = p.stderr.decode()
                with lock:
                    if "locked" in err:
                        locked += 1
                        failures.append(err[:200])
                    elif p.returncode != 0:
                        chat_other += 1

        def cli_worker(k):
            nonlocal locked
            for j in range(cli // 20):
                p = jr(env, "tasks", "add", f"w{k}-{j}", check=False)
                if p.returncode != 0:
                    with lock:
                        failures.append(p.stderr.decode()[:200])
                        locked += "locked" in p.stderr.decode()

        def mcp_worker():
            nonlocal locked
            p = subprocess.Popen([JR, "mcp"], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL)

            def send(obj):
                p.stdin.write((json.dumps(obj) + "\n").encode())
                p.stdin.flush()
            send({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})
            p.stdout.readline()
            send({"jsonrpc": "2.0", "method": "notifications/initialized"})
            for i in range(mcp_calls):
                send({"jsonrpc": "2.0", "id": i + 1, "method": "tools/call",
                      "params": {"name": "task_add", "arguments": {"title": f"mcp-{i}"}}})
                r = json.loads(p.stdout.readline())
                if r.get("result", {}).get("isError"):
                    text = json.dumps(r)
                    with lock:
                        failures.append(text[:200])
                        locked += "locked" in text
            p.stdin.close()
            p.wait(timeout=20)

        t0 = time.time()
        threads = [threading.Thread(target=cli_worker, args=(k,)) for k in range(20)]
        threads.append(threading.Thread(target=mcp_worker))
        threads += [threading.Thread(target=chat_worker, args=(k,)) for k in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.time() - t0
        n = len(jr_json(env, "tasks", "list", "--all", "--limit", "100000", "--json"))
        dm.send_signal(signal.SIGTERM)
        dm.wait(timeout=30)
        text = open(log, errors="replace").read()
        slow = [int(m) for m in re.findall(r"slow write transaction: held the database's write lock for (\d+) ms", text)]
        c = sqlite3.connect(env["JR_DB"])
        blamed = c.execute("SELECT count(*) FROM runs WHERE error LIKE '%no scheduler was running%'").fetchone()[0]
        behind = c.execute("SELECT count(*) FROM runs WHERE error LIKE '%scheduler was behind%'").fetchone()[0]
        ticks = c.execute("SELECT count(*) FROM runs WHERE job = 'tick'").fetchone()[0]
        chat_turns = c.execute("SELECT count(*) FROM chat_turns").fetchone()[0]
        c.close()
        return {"cli_writers": cli, "mcp_calls": mcp_calls, "chat_writers": chats, "seconds": round(took, 1),
                "failures": len(failures), "locked": locked, "tasks_stored": n,
                "first_failure": failures[0] if failures else None,
                "expected_tasks": cli // 20 * 20 + mcp_calls, "chat_turns": chat_turns,
                "chat_nonzero_exits": chat_other,
                "daemon_writes_over_50ms": len(slow), "daemon_longest_write_ms": max(slow, default=0),
                "tick_fires": ticks, "missed_no_scheduler": blamed, "missed_behind": behind}


def rss_of(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return 0
    return 0


def big_job(size):
    cmd = f"yes a | head -c {size}"
    t0 = time.time()
    subprocess.run(["sh", "-c", cmd + " > /dev/null"], check=True)
    alone = time.time() - t0
    with tempfile.TemporaryDirectory() as d:
        env = make_env(d)
        log = os.path.join(d, "daemon.log")
        jr(env, "jobs", "add", "gig", "--command", cmd, "--timeout", "5m")
        dm = daemon(env, log)
        wait("the lease", 20, lambda: holder(env) == dm.pid)
        rss_idle = rss_of(dm.pid)
        run = jr_json(env, "run", "gig", "--json")["id"]
        peak, slowest, adds = rss_idle, 0.0, 0
        done = False
        while not done:
            peak = max(peak, rss_of(dm.pid))
            t = time.time()
            jr(env, "tasks", "add", f"beside {adds}")
            slowest = max(slowest, time.time() - t)
            adds += 1
            r = jr_json(env, "runs", "show", str(run), "--json")
            done = r["status"] not in ("queued", "running")
            time.sleep(0.02)
        after = rss_of(dm.pid)
        c = sqlite3.connect(env["JR_DB"])
        rows, text = c.execute("SELECT count(*), coalesce(sum(length(CAST(line AS BLOB))), 0) "
                               "FROM run_output WHERE run_id = ?", (run,)).fetchone()
        c.close()
        dm.send_signal(signal.SIGTERM)
        dm.wait(timeout=30)
        return {"bytes": size, "status": r["status"], "alone_s": round(alone, 2),
                "in_jr_s": round(r["duration_ms"] / 1000, 2),
                "ratio": round(r["duration_ms"] / 1000 / alone, 2),
                "rss_idle_mb": round(rss_idle, 1), "rss_peak_mb": round(peak, 1),
                "rss_after_mb": round(after, 1), "stored_bytes": text + 32 * rows,
                "stored_rows": rows, "slowest_task_add_ms": round(slowest * 1000),
                "task_adds_during": adds}


def main():
    if "--debug" not in sys.argv:
        build()
    out = {}
    out["kill9"] = kill9_trials(5 if QUICK else 20)
    print(json.dumps({"kill9": out["kill9"]}), flush=True)
    out["two_daemons"] = two_daemons(2 if QUICK else 5)
    print(json.dumps({"two_daemons": out["two_daemons"]}), flush=True)
    out["writers"] = writers(200 if QUICK else 2000, 100 if QUICK else 500, 40 if QUICK else 200)
    print(json.dumps({"writers": out["writers"]}), flush=True)
    out["big_job"] = big_job(100_000_000 if QUICK else 1_000_000_000)
    print(json.dumps({"big_job": out["big_job"]}), flush=True)


if __name__ == "__main__":
    main()
