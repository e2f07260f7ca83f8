#!/usr/bin/env python3
"""Benchmark of the task manager (issue 2): builds databases of 10,000 and
100,000 tasks and reports the median wall time and peak RSS of
`jr tasks add`, `jr tasks list --limit 50`, `jr tasks ready --limit 20` and
`jr tasks show`. Targets at 100,000: each under 15 ms, under 20 MB.

    python3 bench/tasks.py [--runs N]
"""
import json
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import JR, build, measure  # noqa: E402

WORDS = ["보고서", "스케줄러", "backup", "review", "배포", "deploy", "테스트", "docs", "회의", "fix"]


def make_db(path, n):
    rng = random.Random(n)
    lines = []
    for i in range(1, n + 1):
        status = rng.choice(["pending"] * 5 + ["in_progress", "review", "done", "done", "cancelled"])
        rec = {
            "id": i,
            "title": " ".join(rng.choice(WORDS) for _ in range(4)) + f" {i}",
            "status": status,
            "priority": f"p{rng.randint(0, 3)}",
            "tags": rng.sample(["work", "home", "집안일", "infra"], rng.randint(0, 2)),
            "created_at": "2026-11-01T00:00:00Z",
        }
        if rng.random() < 0.3:
            rec["due"] = f"2026-12-{rng.randint(1, 28):02d}T09:00:00+09:00"
        if i > 10 and rng.random() < 0.2:
            rec["depends_on"] = [rng.randint(1, i - 1)]
        if i > 10 and rng.random() < 0.1:
            rec["parent"] = rng.randint(1, i - 1)
        lines.append(json.dumps(rec, ensure_ascii=False))
    src = path + ".jsonl"
    with open(src, "w") as f:
        f.write("\n".join(lines) + "\n")
    env = dict(os.environ, JR_DB=path)
    import subprocess
    subprocess.run([JR, "tasks", "import", src], env=env, check=True, stdout=subprocess.DEVNULL)
    os.remove(src)


def main():
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 21
    build()
    print(f"{'tasks':>8}  {'command':<28} {'median ms':>10} {'peak MiB':>9}")
    with tempfile.TemporaryDirectory() as d:
        for n in (10_000, 100_000):
            db = os.path.join(d, f"jr{n}.db")
            make_db(db, n)
            env = {"PATH": os.environ["PATH"], "HOME": d, "JR_DB": db, "TZ": "Asia/Seoul"}
            show_id = str(n // 2)
            for label, argv in [
                ("tasks add", [JR, "tasks", "add", "새 작업 benchmark", "--tag", "bench"]),
                ("tasks list --limit 50", [JR, "tasks", "list", "--limit", "50"]),
                ("tasks ready --limit 20", [JR, "tasks", "ready", "--limit", "20"]),
                ("tasks show", [JR, "tasks", "show", show_id]),
                ("tasks list --limit 50 --json", [JR, "tasks", "list", "--limit", "50", "--json"]),
            ]:
                med, rss = measure(argv, env, runs)
                print(f"{n:>8}  {label:<28} {med:>10.1f} {rss:>9.1f}")


if __name__ == "__main__":
    main()
