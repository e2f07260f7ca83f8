#!/usr/bin/env python3
"""Scheduler benchmarks (issue 3), on a release build:

1. fire lateness: N jobs (1,000 and 10,000) all due in the same second; for
   each fire, the time from its scheduled instant to the run row being written
   (p50, p99), plus when the whole batch was committed (from the daemon log);
2. `jr run JOB` -> run started, with a daemon holding the lease (median of 21);
3. the daemon idle with 1,000 jobs: RSS and CPU between fires.

    python3 bench/scheduler.py
"""
import datetime as dt
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import JR, build  # noqa: E402


def env_for(d):
    cfg = os.path.join(d, "config.toml")
    with open(cfg, "w") as f:
        f.write('[scheduler]\nlease_ttl = "15s"\n')
    return {"PATH": os.environ["PATH"], "HOME": d, "JR_DB": os.path.join(d, "jr.db"), "JR_CONFIG": cfg, "TZ": "UTC"}


def import_jobs(env, d, n, cron):
    path = os.path.join(d, "jobs.toml")
    with open(path, "w") as f:
        for i in range(n):
            f.write(f'[[job]]\nname = "job-{i:05}"\nschedule = "{cron}"\ncommand = "true"\n\n')
    t0 = time.perf_counter()
    subprocess.run([JR, "jobs", "import", path], env=env, check=True, stdout=subprocess.DEVNULL)
    return (time.perf_counter() - t0) * 1000


def start_daemon(env, d):
    log = open(os.path.join(d, "daemon.log"), "w")
    p = subprocess.Popen([JR, "daemon"], env=env, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.time() + 30
    while time.time() < deadline:
        s = json.loads(subprocess.run([JR, "status", "--json"], env=env, capture_output=True, check=True).stdout)
        if s["scheduler"] and s["scheduler"]["pid"] == p.pid:
            return p
        time.sleep(0.05)
    raise SystemExit("daemon did not take the lease")


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def lateness(n):
    with tempfile.TemporaryDirectory() as d:
        env = env_for(d)
        target = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(seconds=12 if n > 1000 else 6)
        cron = f"{target.second} {target.minute} {target.hour} * * *"
        import_ms = import_jobs(env, d, n, cron)
        p = start_daemon(env, d)
        while dt.datetime.now(dt.timezone.utc) < target + dt.timedelta(seconds=3):
            time.sleep(0.2)
        p.terminate()
        p.wait(timeout=60)
        db = sqlite3.connect(env["JR_DB"])
        rows = db.execute("SELECT queued_at - scheduled_for FROM runs WHERE trigger = 'schedule'").fetchall()
        late = [r[0] for r in rows]
        log = open(os.path.join(d, "daemon.log")).read()
        m = re.search(r"^(\S+)\s+INFO recorded fires fires=(\d+)", log, re.M)
        committed = None
        if m:
            t = dt.datetime.fromisoformat(m.group(1).replace("Z", "+00:00"))
            committed = (t - target).total_seconds() * 1000
        return len(late), statistics.median(late), pct(late, 0.99), committed, import_ms


def run_latency():
    with tempfile.TemporaryDirectory() as d:
        env = env_for(d)
        subprocess.run([JR, "jobs", "add", "now", "--command", "true"], env=env, check=True, stdout=subprocess.DEVNULL)
        p = start_daemon(env, d)
        db = sqlite3.connect(env["JR_DB"])
        lat = []
        for _ in range(21):
            t0 = time.time()
            out = subprocess.run([JR, "run", "now", "--json"], env=env, capture_output=True, check=True).stdout
            rid = json.loads(out)["id"]
            while True:
                row = db.execute("SELECT started_at FROM runs WHERE id = ?", (rid,)).fetchone()
                if row and row[0]:
                    lat.append(row[0] - t0 * 1000)
                    break
                time.sleep(0.005)
        p.terminate()
        p.wait(timeout=30)
        return statistics.median(lat), pct(lat, 0.99)


def idle(n=1000, seconds=20):
    with tempfile.TemporaryDirectory() as d:
        env = env_for(d)
        import_jobs(env, d, n, "0 0 1 1 *")
        p = start_daemon(env, d)
        time.sleep(2)
        hz = os.sysconf("SC_CLK_TCK")

        def cpu():
            f = open(f"/proc/{p.pid}/stat").read().rsplit(")", 1)[1].split()
            return (int(f[11]) + int(f[12])) / hz

        c0, t0 = cpu(), time.time()
        time.sleep(seconds)
        c1, t1 = cpu(), time.time()
        rss = [l for l in open(f"/proc/{p.pid}/status") if l.startswith("VmRSS")][0].split()[1]
        p.terminate()
        p.wait(timeout=30)
        return (c1 - c0) / (t1 - t0) * 100, int(rss) / 1024


def main():
    build()
    for n in (1000, 10000):
        count, p50, p99, committed, import_ms = lateness(n)
        print(f"fire lateness, {n} jobs due in one second: {count} fires, p50 {p50:.0f} ms, p99 {p99:.0f} ms, "
              f"batch committed at +{committed:.0f} ms (import of {n} jobs took {import_ms:.0f} ms)")
    p50, p99 = run_latency()
    print(f"jr run -> started, daemon holding the lease: p50 {p50:.0f} ms, p99 {p99:.0f} ms")
    cpu, rss = idle()
    print(f"daemon idle with 1000 jobs: CPU {cpu:.3f} %, RSS {rss:.1f} MiB")


if __name__ == "__main__":
    main()
