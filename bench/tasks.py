#!/usr/bin/env python3
"""Benchmark of the task manager (issue 2): builds databases of 10,000 and
100,000 tasks and reports the median wall time and peak RSS of
`jr tasks add`, `jr tasks list --limit 50`, `jr tasks ready --limit 20` and
`jr tasks show`. Targets at 100,000: each under 15 ms, under 20 MB.

Then the whole open list (issue 14) beside Taskwarrior's `task list` on the
same 100,000 tasks (Taskwarrior from Debian's package, installed here when
missing; its data files written in its own format), in one interleaved run:
each round runs `jr tasks list`, `jr tasks list --json` and `task list` once,
and the ratios are per round (median, min–max). Target: streamed, ≤ 300 ms
and ≤ 20 MiB. Beside each wall time, the process's CPU time (user + system,
from wait4): on a machine shared with other work the wall time grows with
the load, the CPU time much less, so the target can be judged on it.

    python3 bench/tasks.py [--runs N] [--readme]
"""
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (JR, apt_install, build, interleaved_cpu, measure_cpu, peak_rss_mib,  # noqa: E402
                    ratio, update_readme)

WORDS = ["보고서", "스케줄러", "backup", "review", "배포", "deploy", "테스트", "docs", "회의", "fix"]


def make_db(path, n):
    rng = random.Random(n)
    lines = []
    tw = {"pending": [], "completed": []}
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
        tw["completed" if status in ("done", "cancelled") else "pending"].append(tw_line(i, rec))
    src = path + ".jsonl"
    with open(src, "w") as f:
        f.write("\n".join(lines) + "\n")
    env = dict(os.environ, JR_DB=path)
    import subprocess
    subprocess.run([JR, "tasks", "import", src], env=env, check=True, stdout=subprocess.DEVNULL)
    os.remove(src)
    # The same tasks in Taskwarrior's data files (its FF4 line format).
    twdir = path + ".task"
    os.makedirs(twdir, exist_ok=True)
    for name, recs in tw.items():
        with open(os.path.join(twdir, f"{name}.data"), "w") as f:
            f.write("\n".join(recs) + "\n")
    with open(path + ".taskrc", "w") as f:
        f.write(f"data.location={twdir}\nconfirmation=off\ngc=off\nhooks=off\nverbose=nothing\n")
    return twdir, path + ".taskrc"


def tw_line(i, rec):
    """One task as a line of Taskwarrior 2.6's pending.data/completed.data."""
    esc = lambda v: v.replace("\\", "\\\\").replace('"', '\\"')  # noqa: E731
    status = {"done": "completed", "cancelled": "deleted"}.get(rec["status"], "pending")
    f = {
        "description": rec["title"],
        "entry": "1793491200",
        "status": status,
        "uuid": f"00000000-0000-4000-8000-{i:012d}",
        "priority": {"p0": "H", "p1": "H", "p2": "M", "p3": "L"}[rec["priority"]],
    }
    if rec["tags"]:
        f["tags"] = ",".join(rec["tags"])
    if "due" in rec:
        day = int(rec["due"][8:10])
        f["due"] = str(1796083200 + (day - 1) * 86400)
    if rec["status"] == "in_progress":
        f["start"] = "1793491200"
    if status != "pending":
        f["end"] = "1793491200"
    return "[" + " ".join(f'{k}:"{esc(v)}"' for k, v in sorted(f.items())) + "]"


def main():
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 21
    apt_install("task", "taskwarrior")
    build()
    print(f"{'tasks':>8}  {'command':<28} {'median ms':>10} {'CPU ms':>8} {'peak MiB':>9}")
    rows = {}
    with tempfile.TemporaryDirectory() as d:
        for n in (10_000, 100_000):
            db = os.path.join(d, f"jr{n}.db")
            twdir, taskrc = make_db(db, n)
            env = {"PATH": os.environ["PATH"], "HOME": d, "JR_DB": db, "TZ": "Asia/Seoul"}
            show_id = str(n // 2)
            for label, argv in [
                ("tasks list --limit 50", [JR, "tasks", "list", "--limit", "50"]),
                ("tasks ready --limit 20", [JR, "tasks", "ready", "--limit", "20"]),
                ("tasks show", [JR, "tasks", "show", show_id]),
                ("tasks list --limit 50 --json", [JR, "tasks", "list", "--limit", "50", "--json"]),
                ("tasks add", [JR, "tasks", "add", "새 작업 benchmark", "--tag", "bench"]),
            ]:
                med, cpu, rss = measure_cpu(argv, env, runs)
                rows.setdefault(label, {})[n] = (med, cpu, rss)
                print(f"{n:>8}  {label:<28} {med:>10.1f} {cpu:>8.1f} {rss:>9.1f}", flush=True)
        # The whole open list beside Taskwarrior, on the 100k database.
        twenv = dict(env, TASKRC=taskrc)
        cmds = {
            "jr tasks list": ([JR, "tasks", "list"], env),
            "jr tasks list --json": ([JR, "tasks", "list", "--json"], env),
            "task list": (["task", "list"], twenv),
        }
        subprocess.run(["task", "list"], env=twenv, stdout=subprocess.DEVNULL, check=True)  # warm
        # The JSON is one valid array, as long as the list is.
        out = subprocess.run([JR, "tasks", "list", "--json"], env=env, capture_output=True, check=True).stdout
        open_n = len(json.loads(out))
        side_runs = max(3, runs // 3)
        times, cpus = interleaved_cpu(cmds, side_runs)
        rss = {label: peak_rss_mib(argv, e) for label, (argv, e) in cmds.items()}
    med = {k: statistics.median(v) for k, v in times.items()}
    med_cpu = {k: statistics.median(v) for k, v in cpus.items()}
    load = os.getloadavg()[0]
    version = subprocess.run(["task", "--version"], capture_output=True, text=True).stdout.strip()
    table = ["| command | 10k tasks (CPU) | 100k tasks (CPU) | peak RSS |", "|---|---|---|---|"]
    for label, by in rows.items():
        name = "jr tasks show ID" if label == "tasks show" else f"jr {label}"
        table.append(f"| `{name}` | {by[10_000][0]:.1f} ms ({by[10_000][1]:.1f} ms) | "
                     f"{by[100_000][0]:.1f} ms ({by[100_000][1]:.1f} ms) | "
                     f"{max(by[10_000][2], by[100_000][2]):.1f} MiB |")
    side = [f"All {open_n:,} open tasks of 100,000, {side_runs} interleaved rounds "
            f"(Taskwarrior {version}), load average {load:.1f} at the end:", "",
            "| command | median | CPU (user+sys) | peak RSS | time vs `task list` (median, min–max) "
            "| CPU vs `task list` |", "|---|---|---|---|---|---|"]
    for label in cmds:
        vs = "1×" if label == "task list" else ratio(times[label], times["task list"])
        vs_cpu = "1×" if label == "task list" else ratio(cpus[label], cpus["task list"])
        side.append(f"| `{label}` | {med[label]:.0f} ms | {med_cpu[label]:.0f} ms | {rss[label]:.1f} MiB "
                    f"| {vs} | {vs_cpu} |")
    text = "\n".join(table) + "\n\n" + "\n".join(side) + "\n"
    print()
    print(text)
    if "--readme" in sys.argv:
        update_readme("bench/tasks.py", text)


if __name__ == "__main__":
    main()
