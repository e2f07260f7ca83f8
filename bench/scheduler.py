#!/usr/bin/env python3
"""Scheduler benchmarks (issue 14), jr beside APScheduler 3.11 in the same
interleaved run, on a release build:

1. a burst: N jobs (1,000 and 10,000) all due at the same instant, each
   running `true`; for every fire, the time from its scheduled instant to the
   run *starting* (jr: the run row's `started_at`; APScheduler: the job
   function's first line, which then runs `sh -c true` as jr does), p50 and
   p99; the scheduler process's own CPU time per run (children excluded, for
   both) and its peak RSS;
2. the scheduler idle for 60 s with 1,000 jobs (none due), from 15 s after
   it started (start-up work is not idle): CPU and RSS.
   Each side runs in a cgroup v2 of its own made by this script (root, or a
   delegated subtree) and its CPU is `cpu.stat` usage_usec before and after
   (microseconds; every thread, including ones that ended); where no cgroup
   can be made, clock ticks of the process (10 ms each), and the table says
   which;
3. `jr run JOB` -> run started, with a daemon holding the lease (jr only).

APScheduler runs as its users would set it up for this: a BlockingScheduler,
its default ThreadPoolExecutor (10 workers), `misfire_grace_time=None` and
`coalesce=False` so no fire of the burst is dropped (its default grace of 1 s
drops most of a 10k burst). It is installed by this script in a venv under
target/aps-venv (pip, about 10 s the first time).

    python3 bench/scheduler.py [--rounds N] [--quick] [--no-build] [--readme]

Prints each round's figures, then a table of medians with min-max and the
ratios jr / APScheduler; `--readme` puts the table in README.md.
"""
import datetime as dt
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import JR, ROOT, build, update_readme  # noqa: E402

VENV = os.path.join(ROOT, "target", "aps-venv")
APS_PY = os.path.join(VENV, "bin", "python")
HZ = os.sysconf("SC_CLK_TCK")
QUICK = "--quick" in sys.argv
ROUNDS = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else (1 if QUICK else 3)
IDLE_S = 15 if QUICK else 60
# Idle is measured from this long after the scheduler took the lease, on
# both sides: start-up work is not idle (tokio keeps a thread it used at
# start 10 s before it ends it, one wake-up).
SETTLE_S = 15


def ensure_apscheduler():
    if not os.path.exists(APS_PY):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    ok = subprocess.run([APS_PY, "-c", "import apscheduler, sys; sys.exit(0 if apscheduler.__version__.startswith('3.11') else 1)"],
                        capture_output=True)
    if ok.returncode != 0:
        subprocess.run([os.path.join(VENV, "bin", "pip"), "install", "-q", "apscheduler>=3.11,<3.12"], check=True)
    return subprocess.run([APS_PY, "-c", "import apscheduler; print(apscheduler.__version__)"],
                          capture_output=True, text=True, check=True).stdout.strip()


# The APScheduler side: one process, driven by argv; prints JSON at the end.
APS_SCRIPT = r'''
import json, os, resource, subprocess, sys, threading, time, datetime as dt
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
mode, n, when = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
starts = []
lock = threading.Lock()
done = threading.Event()
def job(i, scheduled):
    t = time.time()
    with lock:
        starts.append(t - scheduled)
        if len(starts) == n:
            done.set()
    subprocess.run("true", shell=True)
s = BlockingScheduler(timezone="UTC", job_defaults={"misfire_grace_time": None, "coalesce": False})
target = dt.datetime.fromtimestamp(when, dt.timezone.utc)
for i in range(n):
    if mode == "burst":
        trig = CronTrigger(second=target.second, minute=target.minute, hour=target.hour, timezone="UTC")
    else:
        trig = CronTrigger(month=1, day=1, hour=0, minute=0, timezone="UTC")
    s.add_job(job, trig, args=(i, when), id=f"job-{i:05}")
def stop():
    done.wait(timeout=600)
    time.sleep(0.5)
    s.shutdown(wait=False)
if mode == "burst":
    threading.Thread(target=stop, daemon=True).start()
print("ready", flush=True)
if mode == "idle":
    def on_eof():
        sys.stdin.read()
        while not s.running:
            time.sleep(0.01)
        s.shutdown(wait=False)
    threading.Thread(target=on_eof, daemon=True).start()
s.start()
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"late_ms": [x * 1000 for x in starts], "cpu_s": ru.ru_utime + ru.ru_stime,
                  "rss_mib": ru.ru_maxrss / 1024}), flush=True)
'''


def env_for(d):
    cfg = os.path.join(d, "config.toml")
    with open(cfg, "w") as f:
        f.write('[scheduler]\nlease_ttl = "15s"\n')
    env = {"PATH": os.environ["PATH"], "HOME": d, "JR_DB": os.path.join(d, "jr.db"), "JR_CONFIG": cfg, "TZ": "UTC"}
    # `JR_CGROUPS=0 python3 bench/scheduler.py` times jr without a cgroup per run.
    if "JR_CGROUPS" in os.environ:
        env["JR_CGROUPS"] = os.environ["JR_CGROUPS"]
    return env


def import_jobs(env, d, n, cron):
    path = os.path.join(d, "jobs.toml")
    with open(path, "w") as f:
        for i in range(n):
            f.write(f'[[job]]\nname = "job-{i:05}"\nschedule = "{cron}"\ncommand = "true"\n\n')
    subprocess.run([JR, "jobs", "import", path], env=env, check=True, stdout=subprocess.DEVNULL)


def start_daemon(env, d, preexec=None):
    log = open(os.path.join(d, "daemon.log"), "w")
    p = subprocess.Popen([JR, "daemon"], env=env, stdout=subprocess.DEVNULL, stderr=log, preexec_fn=preexec)
    deadline = time.time() + 30
    while time.time() < deadline:
        s = json.loads(subprocess.run([JR, "status", "--json"], env=env, capture_output=True, check=True).stdout)
        if s["scheduler"] and s["scheduler"]["pid"] == p.pid:
            return p
        time.sleep(0.05)
    raise SystemExit("daemon did not take the lease")


def own_cpu(pid):
    """utime + stime of the process itself (children excluded), seconds."""
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / HZ


def status_kib(pid, key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key):
            return int(line.split()[1])
    return 0


def own_cgroup():
    """This process's cgroup v2 folder (mount + path), if cgroup2 is mounted."""
    try:
        mounts = open("/proc/self/mountinfo").read().splitlines()
        rel = next(l[3:] for l in open("/proc/self/cgroup").read().splitlines() if l.startswith("0::"))
    except (OSError, StopIteration):
        return None
    for line in mounts:
        pre, _, post = line.partition(" - ")
        if post.split(" ")[0] == "cgroup2":
            mount = pre.split(" ")[4].replace("\\040", " ")
            return os.path.join(mount, rel.strip().lstrip("/"))
    return None


class Meter:
    """CPU of one process and everything under it: a cgroup v2 of its own
    (`cpu.stat` usage_usec, microseconds), or, where none can be made, the
    process's own clock ticks (10 ms)."""

    def __init__(self, tag):
        self.dir = None
        base = own_cgroup()
        if base:
            d = os.path.join(base, f"bench-{tag}-{os.getpid()}")
            try:
                os.mkdir(d)
                self.dir = d
            except OSError as e:
                print(f"no cgroup for the idle measure ({d}: {e}); using clock ticks", file=sys.stderr)

    def preexec(self):
        if self.dir:
            with open(os.path.join(self.dir, "cgroup.procs"), "w") as f:
                f.write("0")

    def cpu_s(self, pid):
        if not self.dir:
            return own_cpu(pid)
        for line in open(os.path.join(self.dir, "cpu.stat")):
            if line.startswith("usage_usec "):
                return int(line.split()[1]) / 1e6
        raise SystemExit(f"no usage_usec in {self.dir}/cpu.stat")

    def close(self):
        if not self.dir:
            return
        # Whatever the process made under it (jr's own folder) first.
        for root, dirs, _ in os.walk(self.dir, topdown=False):
            for name in dirs:
                try:
                    os.rmdir(os.path.join(root, name))
                except OSError:
                    pass
        deadline = time.time() + 5
        while True:
            try:
                os.rmdir(self.dir)
                return
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def next_instant(lead):
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(seconds=lead)


def jr_burst(n):
    with tempfile.TemporaryDirectory() as d:
        env = env_for(d)
        target = next_instant(8 if n <= 1000 else 14)
        import_jobs(env, d, n, f"{target.second} {target.minute} {target.hour} * * *")
        p = start_daemon(env, d)
        while dt.datetime.now(dt.timezone.utc) < target - dt.timedelta(seconds=1):
            time.sleep(0.05)
        cpu0 = own_cpu(p.pid)
        db = sqlite3.connect(env["JR_DB"])
        deadline = time.time() + 600
        while time.time() < deadline:
            done = db.execute("SELECT count(*) FROM runs WHERE status NOT IN ('queued', 'running')").fetchone()[0]
            if done >= n:
                break
            time.sleep(0.1)
        cpu = own_cpu(p.pid) - cpu0
        rss = status_kib(p.pid, "VmHWM") / 1024
        p.terminate()
        p.wait(timeout=60)
        rows = db.execute("SELECT started_at - scheduled_for, status FROM runs WHERE trigger = 'schedule'").fetchall()
        late = [r[0] for r in rows if r[0] is not None]
        ok = sum(1 for r in rows if r[1] == "success")
        return {"fires": len(rows), "success": ok, "p50": statistics.median(late), "p99": pct(late, 0.99),
                "cpu_ms_per_run": cpu * 1000 / n, "rss": rss}


def aps_burst(n):
    target = next_instant(8 if n <= 1000 else 20)
    p = subprocess.Popen([APS_PY, "-c", APS_SCRIPT, "burst", str(n), str(target.timestamp())],
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    out = json.loads(p.stdout.readline())
    p.wait(timeout=60)
    late = out["late_ms"]
    # Its CPU includes adding the jobs; jr's excludes the import (another
    # process): measured apart, to be fair, and taken off.
    return {"fires": len(late), "success": len(late), "p50": statistics.median(late), "p99": pct(late, 0.99),
            "cpu_ms_per_run": out["cpu_s"] * 1000 / n, "rss": out["rss_mib"]}


def aps_setup_cpu(n):
    """APScheduler's CPU for starting with n jobs and nothing due (to subtract)."""
    p = subprocess.Popen([APS_PY, "-c", APS_SCRIPT, "idle", str(n), "0"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    p.stdin.close()
    out = json.loads(p.stdout.readline())
    p.wait(timeout=60)
    return out["cpu_s"]


def jr_idle(n=1000):
    with tempfile.TemporaryDirectory() as d:
        env = env_for(d)
        import_jobs(env, d, n, "0 0 1 1 *")
        m = Meter("jr")
        try:
            p = start_daemon(env, d, m.preexec)
            time.sleep(SETTLE_S)
            c0, t0 = m.cpu_s(p.pid), time.time()
            time.sleep(IDLE_S)
            c1, t1 = m.cpu_s(p.pid), time.time()
            rss = status_kib(p.pid, "VmRSS") / 1024
            p.terminate()
            p.wait(timeout=30)
        finally:
            m.close()
        return {"cpu_pct": (c1 - c0) / (t1 - t0) * 100, "cpu_us": (c1 - c0) * 1e6, "rss": rss}


def aps_idle(n=1000):
    m = Meter("aps")
    try:
        p = subprocess.Popen([APS_PY, "-c", APS_SCRIPT, "idle", str(n), "0"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, preexec_fn=m.preexec)
        assert p.stdout.readline().strip() == "ready"
        time.sleep(SETTLE_S)
        c0, t0 = m.cpu_s(p.pid), time.time()
        time.sleep(IDLE_S)
        c1, t1 = m.cpu_s(p.pid), time.time()
        rss = status_kib(p.pid, "VmRSS") / 1024
        p.stdin.close()
        p.wait(timeout=30)
    finally:
        m.close()
    return {"cpu_pct": (c1 - c0) / (t1 - t0) * 100, "cpu_us": (c1 - c0) * 1e6, "rss": rss}


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


def spread(xs, fmt):
    return f"{fmt(statistics.median(xs))} ({fmt(min(xs))}–{fmt(max(xs))})"


def main():
    build()
    version = ensure_apscheduler()
    sizes = (1000,) if QUICK else (1000, 10000)
    results = {("jr", "burst", n): [] for n in sizes} | {("aps", "burst", n): [] for n in sizes}
    results[("jr", "idle", 0)] = []
    results[("aps", "idle", 0)] = []
    probe = Meter("probe")
    idle_how = "cgroup `cpu.stat`" if probe.dir else "clock ticks, 10 ms"
    probe.close()
    aps_base = {n: aps_setup_cpu(n) for n in sizes}
    for r in range(ROUNDS):
        # Interleaved: jr then APScheduler in even rounds, the other way in odd.
        order = ("jr", "aps") if r % 2 == 0 else ("aps", "jr")
        for n in sizes:
            for who in order:
                res = jr_burst(n) if who == "jr" else aps_burst(n)
                if who == "aps":
                    res["cpu_ms_per_run"] = max(0.0, res["cpu_ms_per_run"] - aps_base[n] * 1000 / n)
                results[(who, "burst", n)].append(res)
                print(json.dumps({"round": r + 1, "who": who, "burst": n, **{k: round(v, 3) for k, v in res.items()}}), flush=True)
        for who in order:
            res = jr_idle() if who == "jr" else aps_idle()
            results[(who, "idle", 0)].append(res)
            print(json.dumps({"round": r + 1, "who": who, "idle_s": IDLE_S, **{k: round(v, 4) for k, v in res.items()}}), flush=True)
    p50, p99 = run_latency()

    ms = lambda v: f"{v:,.0f} ms"  # noqa: E731
    cpu = lambda v: f"{v:.2f} ms"  # noqa: E731
    mib = lambda v: f"{v:.1f} MiB"  # noqa: E731
    pc = lambda v: f"{v:.4f} %"  # noqa: E731
    x = lambda v: f"{v:.2f}×"  # noqa: E731

    def ratio(key, n, field):
        j = [r[field] for r in results[("jr", key, n)]]
        a = [r[field] for r in results[("aps", key, n)]]
        # Both at zero (an idle minute with no CPU at all on either side): even.
        return [jv / av if av > 0 else (1.0 if jv == 0 else float("inf")) for jv, av in zip(j, a)]

    out = []
    print(f"\njr (release) beside APScheduler {version}, {ROUNDS} interleaved rounds; median (min–max)\n")
    out.append("| workload | figure | jr | APScheduler | jr / APScheduler |")
    out.append("|---|---|---|---|---|")
    for n in sizes:
        for field, name, f in (("p99", "scheduled → started p99", ms), ("p50", "scheduled → started p50", ms),
                               ("cpu_ms_per_run", "scheduler CPU per run", cpu), ("rss", "peak RSS", mib)):
            j = [r[field] for r in results[("jr", "burst", n)]]
            a = [r[field] for r in results[("aps", "burst", n)]]
            out.append(f"| {n:,} jobs due at one instant | {name} | {spread(j, f)} | {spread(a, f)} | {spread(ratio('burst', n, field), x)} |")
        fires = [r["fires"] for r in results[("jr", "burst", n)]]
        ok = [r["success"] for r in results[("jr", "burst", n)]]
        out.append(f"| {n:,} jobs due at one instant | fires recorded / succeeded (jr) | {min(fires):,} / {min(ok):,} | | |")
    us = lambda v: f"{v:,.0f} µs"  # noqa: E731
    for field, name, f in (("cpu_us", f"CPU in {IDLE_S} s ({idle_how})", us), ("cpu_pct", "CPU", pc),
                           ("rss", "RSS", mib)):
        j = [r[field] for r in results[("jr", "idle", 0)]]
        a = [r[field] for r in results[("aps", "idle", 0)]]
        out.append(f"| idle {IDLE_S} s, 1,000 jobs | {name} | {spread(j, f)} | {spread(a, f)} | {spread(ratio('idle', 0, field), x)} |")
    if len(sizes) > 1:
        per = [b["cpu_ms_per_run"] / a["cpu_ms_per_run"] for a, b in
               zip(results[("jr", "burst", 1000)], results[("jr", "burst", 10000)])]
        out.append(f"| jr CPU per run, 10k ÷ 1k | | {spread(per, x)} | | |")
    out.append(f"| `jr run JOB` → started, daemon holding the lease | p50 / p99 | {p50:.0f} / {p99:.0f} ms | | |")

    text = "\n".join(out) + "\n"
    print(text)
    if "--readme" in sys.argv:
        update_readme("bench/scheduler.py", text)


if __name__ == "__main__":
    main()
