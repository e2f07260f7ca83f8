#!/usr/bin/env python3
"""The chat gateway (issue 7): `jr chat --dry-run` as a whole process, median
over the labelled set (target under 30 ms), and the rules stage in-process
(`cargo bench --bench router`, target under 1 ms).

    python3 bench/chat.py
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import JR, ROOT, build  # noqa: E402


def main():
    build()
    msgs = [json.loads(l)["text"] for l in open(os.path.join(ROOT, "tests/fixtures/router_labels.jsonl")) if l.strip()]
    with tempfile.TemporaryDirectory() as d:
        env = {"PATH": os.environ["PATH"], "HOME": d, "JR_DB": os.path.join(d, "jr.db"), "TZ": "Asia/Seoul"}
        for i in range(200):
            subprocess.run([JR, "tasks", "add", f"작업 {i}"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([JR, "jobs", "add", "backup", "--cron", "30 2 * * *", "--command", "true"], env=env, check=True, stdout=subprocess.DEVNULL)
        walls = []
        for m in msgs:
            t0 = time.perf_counter()
            subprocess.run([JR, "chat", m, "--dry-run", "--json"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            walls.append((time.perf_counter() - t0) * 1000)
        print(f"jr chat --dry-run, {len(msgs)} messages, whole process: median {statistics.median(walls):.1f} ms, max {max(walls):.1f} ms")
    out = subprocess.run(["cargo", "bench", "--quiet", "--bench", "router"], cwd=ROOT, capture_output=True, text=True, check=True)
    print(out.stdout.strip())


if __name__ == "__main__":
    main()
