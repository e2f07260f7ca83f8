#!/usr/bin/env python3
"""The chat gateway (issues 7 and 11): `jr chat --dry-run` as a whole process,
median over the labelled and blind sets in a conversation that has shown a
list (target under 30 ms), and the rules stage in-process
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
    msgs = [json.loads(l)["text"] for f in ("router_labels.jsonl", "router_blind.jsonl")
            for l in open(os.path.join(ROOT, "tests/fixtures", f)) if l.strip()]
    with tempfile.TemporaryDirectory() as d:
        env = {"PATH": os.environ["PATH"], "HOME": d, "JR_DB": os.path.join(d, "jr.db"), "TZ": "Asia/Seoul"}
        for i in range(200):
            subprocess.run([JR, "tasks", "add", f"작업 {i}"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([JR, "jobs", "add", "backup", "--cron", "30 2 * * *", "--command", "true"], env=env, check=True, stdout=subprocess.DEVNULL)
        for a in ("summarizer", "code-reviewer"):
            subprocess.run([JR, "agents", "add", a, "--model", "ollama/qwen2.5:7b"], env=env, check=True, stdout=subprocess.DEVNULL)
        # A conversation with 20 turns that last showed a list: follow-ups resolve against it.
        for i in range(20):
            subprocess.run([JR, "chat", "오늘 뭐 해야 해?", "--session", "bench"], env=env, check=True, stdout=subprocess.DEVNULL)
        walls = []
        for m in msgs:
            t0 = time.perf_counter()
            subprocess.run([JR, "chat", m, "--dry-run", "--json", "--session", "bench"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            walls.append((time.perf_counter() - t0) * 1000)
        print(f"jr chat --dry-run, {len(msgs)} messages, whole process: median {statistics.median(walls):.1f} ms, max {max(walls):.1f} ms")
    out = subprocess.run(["cargo", "bench", "--quiet", "--bench", "router"], cwd=ROOT, capture_output=True, text=True, check=True)
    print(out.stdout.strip())


if __name__ == "__main__":
    main()
