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
4. a 1 GB job of one-byte lines under the daemon, five times: its time in jr
   against its time outside jr in the same round (piped to a reader, the
   baseline; and thrown away to /dev/null), CPU times beside (the daemon's
   own, and each whole pipeline's), the daemon's peak RSS (sampled every
   20 ms), the bytes stored under the 1 MiB cap, and the slowest `jr tasks
   add` while it ran.

5. what a cgroup per run costs a run of `true` (cgroups on against off).

Parts can be run alone: `--only kill9,two,writers,cgroup,big`.

    python3 bench/torture.py [--quick] [--debug] [--no-build] [--only PARTS]
"""
import json
import os
import re
import resource
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
        # Who held it: each slow write is logged with its caller (file:line)
        # and how much of it was the COMMIT (where SQLite runs its automatic
        # WAL checkpoint, after the write lock is released).
        callers = {}
        for line in text.splitlines():
            if "slow write transaction" in line:
                m = re.search(r"at=(\S+)", line)
                k = callers.setdefault(m.group(1) if m else "?", {"n": 0, "mostly_commit": 0})
                k["n"] += 1
                c, ms = re.search(r"commit_ms=(\d+)", line), re.search(r" ms=(\d+)", line)
                if c and ms and int(c.group(1)) * 2 > int(ms.group(1)):
                    k["mostly_commit"] += 1
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
                "slow_write_callers": callers,
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


def cpu_of(pid):
    """CPU seconds of a process: its own (all threads) and with its reaped
    children (a run's `sh`, and the `yes` and `head` that sh reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            st = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0, 0.0
    hz = os.sysconf("SC_CLK_TCK")
    own = (int(st[11]) + int(st[12])) / hz
    return own, own + (int(st[13]) + int(st[14])) / hz


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def big_job(size, rounds):
    """The 1 GB job, `rounds` times, each round interleaved with the same
    pipeline outside jr twice: its output piped to a reader (`| cat >
    /dev/null`, the baseline: what capturing anything costs, and how jr
    reads it) and thrown away (`> /dev/null`: no capture at all). Beside
    wall times, CPU times (less moved by other work on the machine): the
    daemon's own per run, and the whole pipeline's (the job's processes
    with jr's, or with `cat`'s)."""
    cmd = f"yes a | head -c {size}"
    outside = {"pipe": cmd + " | cat > /dev/null", "devnull": cmd + " > /dev/null"}
    times = {"pipe": [], "devnull": [], "jr": []}
    cpu = {"pipe": [], "devnull": [], "jr": [], "jr_own": []}
    with tempfile.TemporaryDirectory() as d:
        env = make_env(d)
        log = os.path.join(d, "daemon.log")
        jr(env, "jobs", "add", "gig", "--command", cmd, "--timeout", "5m")
        dm = daemon(env, log)
        wait("the lease", 20, lambda: holder(env) == dm.pid)
        rss_idle = rss_of(dm.pid)
        peak, slowest, adds, stored, rows_max, statuses = rss_idle, 0.0, 0, 0, 0, set()
        for _ in range(rounds):
            for k, c in outside.items():
                t0, c0 = time.time(), children_cpu()
                subprocess.run(["sh", "-c", c], check=True)
                times[k].append(time.time() - t0)
                cpu[k].append(children_cpu() - c0)
            own0, all0 = cpu_of(dm.pid)
            run = jr_json(env, "run", "gig", "--json")["id"]
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
            statuses.add(r["status"])
            own1, all1 = cpu_of(dm.pid)
            cpu["jr_own"].append(own1 - own0)
            cpu["jr"].append(all1 - all0)
            times["jr"].append(r["duration_ms"] / 1000)
            c = sqlite3.connect(env["JR_DB"])
            rows, text = c.execute("SELECT count(*), coalesce(sum(length(CAST(line AS BLOB))), 0) "
                                   "FROM run_output WHERE run_id = ?", (run,)).fetchone()
            c.close()
            if text + 32 * rows > stored:
                stored, rows_max = text + 32 * rows, rows
        after = rss_of(dm.pid)
        dm.send_signal(signal.SIGTERM)
        dm.wait(timeout=30)

    def ratios(base):
        rs = sorted(j / b for j, b in zip(times["jr"], times[base]))
        return [round(rs[len(rs) // 2], 2), round(rs[0], 2), round(rs[-1], 2)]
    med = {k: round(sorted(v)[len(v) // 2], 2) for k, v in times.items()}
    mcpu = {k: round(sorted(v)[len(v) // 2], 2) for k, v in cpu.items()}
    return {"bytes": size, "rounds": rounds, "statuses": sorted(statuses),
            "in_jr_s": med["jr"], "piped_s": med["pipe"], "devnull_s": med["devnull"],
            "ratio_to_piped": ratios("pipe"), "ratio_to_devnull": ratios("devnull"),
            "rounds_in_jr_s": [round(t, 2) for t in times["jr"]],
            "rounds_piped_s": [round(t, 2) for t in times["pipe"]],
            "rounds_devnull_s": [round(t, 2) for t in times["devnull"]],
            "cpu_s_jr_own": mcpu["jr_own"], "cpu_s_pipeline_in_jr": mcpu["jr"],
            "cpu_s_pipeline_piped": mcpu["pipe"], "cpu_s_pipeline_devnull": mcpu["devnull"],
            "rss_idle_mb": round(rss_idle, 1), "rss_peak_mb": round(peak, 1),
            "rss_after_mb": round(after, 1), "stored_bytes_max": stored,
            "stored_rows": rows_max, "slowest_task_add_ms": round(slowest * 1000),
            "task_adds_during": adds}


def cgroup_cost(runs, rounds):
    """What a cgroup per run costs a run: `cat /proc/self/cgroup` run `runs`
    times, one after another, by a daemon with cgroups on and one with them
    off, interleaved round by round; the median of each run's recorded
    duration (spawn, the move into the cgroup, the gate, the end), and how
    many runs of the daemon with cgroups on saw themselves in one."""
    med = {"on": [], "off": []}
    inside = {"on": 0, "off": 0}
    for _ in range(rounds):
        for mode in ("on", "off"):
            with tempfile.TemporaryDirectory() as d:
                env = make_env(d, "cgroups = false\n" if mode == "off" else "")
                log = os.path.join(d, "daemon.log")
                jr(env, "jobs", "add", "where", "--overlap", "allow", "--command", "cat /proc/self/cgroup")
                dm = daemon(env, log)
                wait("the lease", 20, lambda: holder(env) == dm.pid)
                for _ in range(runs):
                    run = jr_json(env, "run", "where", "--json")["id"]
                    # One at a time: each run's move is an isolated one (the
                    # slow case; a burst shares the kernel's grace period).
                    wait("the run", 20, lambda: jr_json(env, "runs", "show", str(run), "--json")
                         ["status"] not in ("queued", "running"), step=0.005)
                c = sqlite3.connect(env["JR_DB"])
                ds = sorted(r[0] for r in c.execute("SELECT duration_ms FROM runs WHERE job = 'where'"))
                inside[mode] += c.execute("SELECT count(DISTINCT run_id) FROM run_output "
                                          "WHERE line LIKE '0::%/jr-%/run-%'").fetchone()[0]
                c.close()
                med[mode].append(ds[len(ds) // 2])
                dm.send_signal(signal.SIGTERM)
                dm.wait(timeout=30)
    on, off = sorted(med["on"]), sorted(med["off"])
    return {"runs": runs * rounds, "run_ms_cgroups_on": on[len(on) // 2],
            "run_ms_cgroups_off": off[len(off) // 2], "on_min_max": [on[0], on[-1]],
            "off_min_max": [off[0], off[-1]], "runs_in_a_cgroup_on": inside["on"],
            "runs_in_a_cgroup_off": inside["off"]}


def main():
    if "--debug" not in sys.argv:
        build()
    only = None
    if "--only" in sys.argv:
        only = set(sys.argv[sys.argv.index("--only") + 1].split(","))
    want = lambda k: only is None or k in only  # noqa: E731
    out = {}
    if want("kill9"):
        out["kill9"] = kill9_trials(5 if QUICK else 20)
        print(json.dumps({"kill9": out["kill9"]}), flush=True)
    if want("two"):
        out["two_daemons"] = two_daemons(2 if QUICK else 5)
        print(json.dumps({"two_daemons": out["two_daemons"]}), flush=True)
    if want("writers"):
        out["writers"] = writers(200 if QUICK else 2000, 100 if QUICK else 500, 40 if QUICK else 200)
        print(json.dumps({"writers": out["writers"]}), flush=True)
    if want("cgroup"):
        out["cgroup"] = cgroup_cost(10 if QUICK else 30, 2 if QUICK else 3)
        print(json.dumps({"cgroup": out["cgroup"]}), flush=True)
    if want("big"):
        out["big_job"] = big_job(100_000_000 if QUICK else 1_000_000_000, 3 if QUICK else 5)
        print(json.dumps({"big_job": out["big_job"]}), flush=True)


if __name__ == "__main__":
    main()
