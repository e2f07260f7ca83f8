#!/usr/bin/env python3
"""Benchmark of the context registry (issue 8): a registry of 1,000,000
messages (English and Korean), built through `jr context import claude-code`
(the real redaction, dedup and indexing path, one transaction per file), then
`extract` timed two ways: over MCP (a running `jr mcp`, request to reply) and
as `jr context search --json` (a process per query). Targets: median under
20 ms for one- and two-word queries, under 100 ms for a word found in a fifth
of all messages.

Each query is timed beside plain FTS5 on an open connection (Python's
sqlite3 on the same file: bm25 over every match, best 10; for a channel
filter, FTS5 joined with the messages table, as one would write it) in one
interleaved run: each round asks jr's MCP `extract` and then FTS5 once, and
the ratio is per round (median, min–max). Targets (issue 14): a one-channel
search as fast as an unfiltered one (≤ 15 ms), a Korean word ≤ 15 ms, a rare
word ≤ 1 ms over MCP.

Beside each wall time, the CPU time it cost: for `jr mcp`, what the server's
threads ran during the request (nanoseconds from /proc/PID/task/*/schedstat);
for plain FTS5, the Python thread's own time; for the CLI, the process's
user + system time. On a machine other builds share, wall time grows with
the load and CPU time much less, so the targets can be judged on it.

    python3 bench/context.py [--messages N] [--runs N] [--keep DIR] [--readme]
"""
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import JR, build, measure_cpu, ratio, threads_cpu_ns, update_readme  # noqa: E402

EN = ("the a to of and in is it for on that with this we run job task fix test build "
      "deploy log error file config cron backup restic docker kubernetes database query "
      "index cache retry timeout failed passed review merge branch commit release script "
      "python rust tokio sqlite schedule daily weekly report summary agent model prompt "
      "token context session channel gateway memory disk network latency metric alert "
      "update upgrade install package version tui pane key terminal ssh home").split()
KO = ("오늘 내일 작업 배포 오류 로그 스케줄러 백업 테스트 회의 보고서 정리 확인 수정 "
      "실행 실패 성공 데이터 모델 에이전트 요약 질문 답변 설정 설치 업데이트 검토 "
      "문서 코드 버그 원인 해결 다음 주 매일 아침 저녁 시간 파일 디렉터리 네트워크").split()
PARTICLES = ["", "", "에서", "를", "은", "이", "가", "의", "로", "에"]
COMMON_EN, COMMON_KO = "server", "서버"
RARE = "zeppelin"


def zipf_pick(rng, words):
    # Rank-weighted choice: earlier words are much more frequent.
    i = min(int(rng.paretovariate(1.1)) - 1, len(words) - 1)
    return words[i]


def message(rng, i):
    korean = rng.random() < 0.5
    n = rng.randint(6, 40)
    if korean:
        ws = [zipf_pick(rng, KO) + rng.choice(PARTICLES) for _ in range(n)]
    else:
        ws = [zipf_pick(rng, EN) for _ in range(n)]
    # Words found in a fifth of all messages each (mixed text is common in both languages).
    if rng.random() < 0.2:
        ws.insert(rng.randrange(len(ws) + 1), COMMON_EN)
    if rng.random() < 0.2:
        ws.insert(rng.randrange(len(ws) + 1), COMMON_KO + rng.choice(PARTICLES))
    # A rare word: about one message in 100,000.
    if rng.random() < 0.00001:
        ws.insert(rng.randrange(len(ws) + 1), RARE)
    return " ".join(ws)


def make_files(root, n, per_file=5000):
    rng = random.Random(8)
    t0 = 1_700_000_000
    made = 0
    f = 0
    while made < n:
        proj = os.path.join(root, f"-home-me-proj{f % 20}")
        os.makedirs(proj, exist_ok=True)
        sid = f"bench-{f:05d}"
        with open(os.path.join(proj, sid + ".jsonl"), "w") as out:
            for k in range(min(per_file, n - made)):
                i = made + k
                rec = {
                    "type": "user" if k % 2 == 0 else "assistant",
                    "sessionId": f"{sid}-{k // 50}",
                    "cwd": f"/home/me/proj{f % 20}",
                    "uuid": f"u{i}",
                    "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t0 + i * 30)),
                    "message": {"role": "user" if k % 2 == 0 else "assistant", "content": message(rng, i)},
                }
                out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        made += min(per_file, n - made)
        f += 1


class Mcp:
    def __init__(self, env):
        self.p = subprocess.Popen([JR, "mcp"], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.id = 0
        self.call("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                 "clientInfo": {"name": "bench", "version": "1"}})
        self.p.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n')

    def call(self, method, params):
        self.id += 1
        self.p.stdin.write(json.dumps({"jsonrpc": "2.0", "id": self.id, "method": method, "params": params}) + "\n")
        self.p.stdin.flush()
        while True:
            r = json.loads(self.p.stdout.readline())
            if r.get("id") == self.id:
                return r

    def extract(self, query, extra):
        """(ms, CPU ms, hits) of one `extract` call, request to reply; CPU is
        what the server's threads ran meanwhile (`threads_cpu_ns`)."""
        c = threads_cpu_ns(self.p.pid)
        t = time.perf_counter()
        r = self.call("tools/call", {"name": "extract", "arguments": {"query": query, "limit": 10, **extra}})
        ms = (time.perf_counter() - t) * 1000
        cpu = (threads_cpu_ns(self.p.pid) - c) / 1e6
        res = r["result"]
        if res.get("isError"):
            raise SystemExit(f"extract {query!r} failed: {res}")
        return ms, cpu, len(res["structuredContent"]["hits"])

    def close(self):
        self.p.stdin.close()
        self.p.wait(10)


def fts_text(q):
    """The FTS5 query jr makes of `q` (domain/context/text.rs): a Latin word
    quoted, a Korean word as the phrase of its two-letter pieces."""
    parts = []
    for w in q.split():
        if w.isascii():
            parts.append(f'"{w}"')
        else:
            parts.append(" + ".join(f'"{w[i:i + 2]}"' for i in range(len(w) - 1)) if len(w) > 1 else f'"{w}"*')
    return " AND ".join(parts)


def plain_fts(con, q, extra):
    """Plain FTS5 (best 10 by bm25 over every match): (wall ms, CPU ms of
    this thread); with a channel, joined."""
    text = "body : (" + fts_text(q) + ")"
    c = time.thread_time_ns()
    t = time.perf_counter()
    if "channel" in extra:
        con.execute("SELECT f.rowid FROM ctx_fts f JOIN ctx_messages m ON m.id = f.rowid "
                    "WHERE ctx_fts MATCH ? AND m.channel = ? ORDER BY bm25(ctx_fts, 1, 0, 0) LIMIT 10",
                    (text, extra["channel"])).fetchall()
    elif "since" in extra:
        ms = int(time.mktime(time.strptime(extra["since"], "%Y-%m-%d")) * 1000)
        con.execute("SELECT f.rowid FROM ctx_fts f JOIN ctx_messages m ON m.id = f.rowid "
                    "WHERE ctx_fts MATCH ? AND m.created_at >= ? ORDER BY bm25(ctx_fts, 1, 0, 0) LIMIT 10",
                    (text, ms)).fetchall()
    else:
        con.execute("SELECT rowid FROM ctx_fts WHERE ctx_fts MATCH ? ORDER BY bm25(ctx_fts, 1, 0, 0) LIMIT 10",
                    (text,)).fetchall()
    return (time.perf_counter() - t) * 1000, (time.thread_time_ns() - c) / 1e6


def main():
    args = sys.argv
    n = int(args[args.index("--messages") + 1]) if "--messages" in args else 1_000_000
    runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 21
    keep = args[args.index("--keep") + 1] if "--keep" in args else None
    build()
    d = keep or tempfile.mkdtemp()
    db = os.path.join(d, "ctx.db")
    env = {"PATH": os.environ["PATH"], "HOME": d, "JR_DB": db, "TZ": "Asia/Seoul"}
    head = []  # what the README shows above the table
    if not os.path.exists(db):
        src = os.path.join(d, "projects")
        t = time.perf_counter()
        if not os.path.exists(os.path.join(src, ".complete")):  # kept from an earlier --keep run
            make_files(src, n)
            open(os.path.join(src, ".complete"), "w").close()
        gen = time.perf_counter() - t
        t = time.perf_counter()
        out = subprocess.run([JR, "context", "import", "claude-code", src, "--json"], env=env,
                             check=True, capture_output=True, text=True).stdout
        took = time.perf_counter() - t
        head.append(f"generated {n:,} messages in {gen:.0f} s; imported in {took:.0f} s "
                    f"({n / took:,.0f} messages/s): {out.strip()}")
        print(head[-1])
        subprocess.run(["rm", "-rf", src], check=True)
    con = sqlite3.connect(db)
    total = con.execute("SELECT count(*) FROM ctx_messages").fetchone()[0]
    common = con.execute("SELECT count(*) FROM ctx_fts WHERE ctx_fts MATCH ?", (f'body : "{COMMON_EN}"',)).fetchone()[0]
    common_ko = con.execute("SELECT count(*) FROM ctx_fts WHERE ctx_fts MATCH ?", ('body : "서버"',)).fetchone()[0]
    head.append(f"{total:,} messages, {os.path.getsize(db) / 2**20:.0f} MiB; "
                f"'{COMMON_EN}' in {common / total:.1%}, '{COMMON_KO}' in {common_ko / total:.1%} of messages")
    print(head[-1])

    queries = [
        ("rare word", RARE, {}),
        ("1 word EN", "restic", {}),
        ("1 word EN", "kubernetes", {}),
        ("1 word KO", "스케줄러", {}),
        ("1 word KO (inside words)", "케줄", {}),
        ("2 words EN", "backup failed", {}),
        ("2 words KO", "배포 오류", {}),
        ("2 words mixed", "server 배포", {}),
        ("1/5 of messages EN", COMMON_EN, {}),
        ("1/5 of messages KO", COMMON_KO, {}),
        ("1/5, one channel (1/20)", COMMON_EN, {"channel": "proj3"}),
        ("1 word KO, one channel", "스케줄러", {"channel": "proj3"}),
        ("1/5, since (last 1/10)", COMMON_EN, {"since": "2024-09-20"}),
    ]
    mcp = Mcp(env)
    table = ["| query | matches | jr MCP `extract` | its CPU | plain FTS5, same run | its CPU "
             "| jr ÷ FTS5, time (median, min–max) | jr ÷ FTS5, CPU | jr CLI `search` (CPU) |",
             "|---|---|---|---|---|---|---|---|---|"]
    print(f"\n{'query':<28} {'':<14} {'matches':>9} {'MCP extract':>12} {'CPU':>9} {'FTS5':>9} {'CPU':>9} "
          f"{'ratio':>22} {'CPU ratio':>22} {'CLI':>9} {'CPU':>9}")
    for label, q, extra in queries:
        matches = con.execute("SELECT count(*) FROM ctx_fts WHERE ctx_fts MATCH ?",
                              ("body : (" + fts_text(q) + ")",)).fetchone()[0]
        mine, mine_cpu, theirs, theirs_cpu, hits = [], [], [], [], 0
        for _ in range(runs):
            ms, cpu, hits = mcp.extract(q, extra)
            mine.append(ms)
            mine_cpu.append(cpu)
            ms, cpu = plain_fts(con, q, extra)
            theirs.append(ms)
            theirs_cpu.append(cpu)
        flags = [x for k, v in extra.items() for x in (f"--{k}", v)]
        cli, cli_cpu, _ = measure_cpu([JR, "context", "search", *q.split(), *flags, "--json"], env, max(3, runs // 3))
        a, b = statistics.median(mine), statistics.median(theirs)
        ac, bc = statistics.median(mine_cpu), statistics.median(theirs_cpu)
        vs, vs_cpu = ratio(mine, theirs), ratio(mine_cpu, theirs_cpu)
        print(f"{label:<28} {q:<14} {matches:>9,} {a:>9.2f} ms {ac:>6.2f} ms {b:>6.1f} ms {bc:>6.1f} ms "
              f"{vs:>22} {vs_cpu:>22} {cli:>6.1f} ms {cli_cpu:>6.1f} ms  ({hits} hits)", flush=True)
        shown = f"`{q}`" + (f" {label[label.index('('):]}" if "(" in label else f" ({label})")
        table.append(f"| {shown} | {matches:,} | {a:.2f} ms | {ac:.2f} ms | {b:.2f} ms | {bc:.2f} ms "
                     f"| {vs} | {vs_cpu} | {cli:.1f} ms ({cli_cpu:.1f} ms) |")
    mcp.close()
    text = ("".join(f"{h}\n\n" for h in head) + f"Median of {runs} rounds; load average "
            f"{os.getloadavg()[0]:.1f} at the end:\n\n" + "\n".join(table) + "\n")
    print()
    print(text)
    if "--readme" in sys.argv:
        update_readme("bench/context.py", text)
    if not keep:
        subprocess.run(["rm", "-rf", d], check=True)


if __name__ == "__main__":
    main()
