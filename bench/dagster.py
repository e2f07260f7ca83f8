#!/usr/bin/env python3
"""What following Dagster runs costs jr (issue 5), on a release build.

Starts `dagster dev` (the pinned Dagster from tests/dagster/setup.sh) with
the jobs of tests/dagster/defs.py, puts a counting HTTP proxy between jr and
Dagster, and runs a jr daemon that follows N concurrent runs of the `slow`
job. Once every run is STARTED, it measures over a window:

- requests jr sends per followed run per minute (by GraphQL operation);
- the daemon's CPU time (utime + stime from /proc) per followed run, and its RSS.

    python3 bench/dagster.py [N ...]      (default: 1 10)

Everything it starts is in its own process group and stopped on exit.
"""
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import JR, ROOT, build  # noqa: E402

WINDOW = 30.0
TICK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Counts:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_op = {}

    def add(self, op):
        with self.lock:
            self.by_op[op] = self.by_op.get(op, 0) + 1

    def snapshot(self):
        with self.lock:
            return dict(self.by_op)


def proxy(upstream, counts):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            try:
                q = json.loads(body).get("query", "")
                op = q.split("(")[0].split("{")[0].split()[-1]
            except Exception:
                op = "?"
            counts.add(op)
            req = urllib.request.Request(upstream + self.path, data=body, headers={"content-type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    status, data = r.status, r.read()
            except urllib.error.HTTPError as e:
                status, data = e.code, e.read()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    port = free_port()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}"


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def jr(env, *args):
    return subprocess.run([JR, *args], env=env, check=True, capture_output=True, text=True).stdout


def bench(n, upstream, counts, tmp):
    d = tempfile.mkdtemp(dir=tmp)
    url = proxy(upstream, counts)
    cfg = os.path.join(d, "config.toml")
    with open(cfg, "w") as f:
        f.write(f'[scheduler]\nconcurrency = {n + 2}\n\n[dagster]\npoll = "1s"\n[dagster.instances.bench]\nurl = "{url}"\n')
    env = {"PATH": os.environ["PATH"], "HOME": d, "JR_DB": os.path.join(d, "jr.db"), "JR_CONFIG": cfg, "TZ": "UTC"}
    for i in range(n):
        jr(env, "jobs", "add", f"nap-{i}", "--dagster", "slow", "--dagster-config", "ops: {nap: {config: {seconds: 180}}}")
    daemon = subprocess.Popen([JR, "daemon"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        # `jr run` executes in the foreground when no scheduler holds the lease.
        deadline = time.time() + 30
        while True:
            sched = json.loads(jr(env, "status", "--json")).get("scheduler") or {}
            if sched.get("pid") == daemon.pid and sched.get("alive"):
                break
            if time.time() > deadline:
                raise SystemExit("the daemon did not take the scheduler lease")
            time.sleep(0.1)
        ids = [json.loads(jr(env, "run", f"nap-{i}", "--json"))["id"] for i in range(n)]
        print(f"  {n} runs queued; waiting for all to be STARTED", file=sys.stderr, flush=True)
        deadline = time.time() + 300
        while True:
            shown = [json.loads(jr(env, "runs", "show", str(i), "--json")) for i in ids]
            if all((r.get("external") or {}).get("status") == "STARTED" for r in shown):
                break
            if time.time() > deadline:
                raise SystemExit(f"runs did not all start: {[r['status'] for r in shown]}")
            time.sleep(1)
        print(f"  measuring for {WINDOW:.0f} s", file=sys.stderr, flush=True)
        before, cpu0, t0 = counts.snapshot(), cpu_s(daemon.pid), time.time()
        time.sleep(WINDOW)
        after, cpu1, t1 = counts.snapshot(), cpu_s(daemon.pid), time.time()
        rss = rss_mib(daemon.pid)
        minutes = (t1 - t0) / 60
        per_op = {op: (after.get(op, 0) - before.get(op, 0)) / minutes / n for op in after}
        cpu_pct = (cpu1 - cpu0) / (t1 - t0) * 100
        for i in ids:
            jr(env, "runs", "cancel", str(i))
        return per_op, cpu_pct, rss
    finally:
        deadline = time.time() + 60
        while time.time() < deadline:
            active = json.loads(jr(env, "runs", "list", "--status", "running", "--json"))
            if not active:
                break
            time.sleep(1)
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(timeout=30)


def main():
    ns = [int(a) for a in sys.argv[1:]] or [1, 10]
    build()
    venv = subprocess.run([os.path.join(ROOT, "tests/dagster/setup.sh")], check=True, capture_output=True, text=True).stdout.strip()
    tmp = tempfile.mkdtemp(prefix="jr-bench-dagster-")
    home = os.path.join(tmp, "dagster-home")
    os.makedirs(home)
    with open(os.path.join(home, "dagster.yaml"), "w") as f:
        f.write("telemetry:\n  enabled: false\nrun_queue:\n  dequeue_interval_seconds: 1\n")
    port = free_port()
    dev = subprocess.Popen(
        [os.path.join(venv, "bin/dagster"), "dev", "-w", os.path.join(ROOT, "tests/dagster/workspace.yaml"), "-h", "127.0.0.1", "-p", str(port)],
        env={**os.environ, "DAGSTER_HOME": home, "PATH": os.path.join(venv, "bin") + ":" + os.environ["PATH"]},
        cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        upstream = f"http://127.0.0.1:{port}"
        deadline = time.time() + 180
        while True:
            try:
                urllib.request.urlopen(upstream + "/server_info", timeout=2).read()
                break
            except Exception:
                if time.time() > deadline:
                    raise SystemExit("dagster dev did not answer")
                time.sleep(0.5)
        print(f"{'runs':>5} {'JrFollow/min/run':>17} {'other/min/run':>14} {'daemon CPU %':>13} {'CPU %/run':>10} {'RSS MiB':>8}")
        for n in ns:
            per_op, cpu, rss = bench(n, upstream, Counts(), tmp)
            follow = per_op.get("JrFollow", 0.0)
            other = sum(v for k, v in per_op.items() if k != "JrFollow")
            print(f"{n:>5} {follow:>17.1f} {other:>14.1f} {cpu:>13.2f} {cpu / n:>10.3f} {rss:>8.1f}", flush=True)
    finally:
        os.killpg(dev.pid, signal.SIGTERM)
        try:
            dev.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(dev.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
