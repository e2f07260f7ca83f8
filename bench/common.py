"""Shared helpers for jr's benchmarks: run a command many times, report the
median wall time and the peak RSS (through /usr/bin/time)."""
import os
import statistics
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JR = os.path.join(ROOT, "target", "release", "jr")


def build():
    """Build the release binary, unless `--no-build` asks to time it as it is."""
    import sys
    if "--no-build" in sys.argv:
        return
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)


def measure(argv, env, runs=21, stdin=subprocess.DEVNULL):
    """Median wall ms and max peak RSS (MiB) of `argv` over `runs` runs."""
    walls, rss = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run(argv, env=env, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        walls.append((time.perf_counter() - t0) * 1000)
        if p.returncode != 0:
            raise SystemExit(f"{argv} failed: {p.stderr.decode()}")
    # Peak RSS through /usr/bin/time: a child forked from this (large) Python
    # process would inherit its high-water mark and report Python's size.
    for _ in range(3):
        p = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, env=env, stdin=stdin,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
        rss.append(int(p.stderr.decode().strip().splitlines()[-1]) / 1024)
    return statistics.median(walls), max(rss)
