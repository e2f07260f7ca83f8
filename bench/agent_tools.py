#!/usr/bin/env python3
"""MCP tools in agent runs (issue 12): the overhead the tool loop adds per
tool call over the model's own time, with `jr mcp` as the server (started
once per run). Target: under 5 ms per call.

A fake Ollama in this process answers at once (its own handling time is
measured and counted as the model's time); `jr agents run` is timed with
K tool calls (K+1 model turns) and with none (one turn, the server still
started, listed and closed). Per call:

    ((wall_K - model_K) - (wall_0 - model_0)) / K

so a call's cost includes the model's extra turn as jr's client sees it
(request, `/api/ps`, reading the reply), the MCP round trip to `jr mcp`
and the tool's own work (`tasks_list` over 200 tasks), and the recording
of the call in SQLite. `duration_ms` of the recorded calls is the MCP
round trip alone.

    python3 bench/agent_tools.py
"""
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import JR, build  # noqa: E402

MODEL = "bench:1b"
K = 50
RUNS = 9


class Fake(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    spent = []  # seconds spent answering each chat request
    lock = threading.Lock()

    def log_message(self, *a):
        pass

    def setup(self):
        super().setup()
        # Headers and body leave in two writes: without this, Nagle's
        # algorithm and the client's delayed ACK add ~40 ms to every reply.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(self, body, ctype="application/json"):
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        t0 = time.perf_counter()
        models = [{"name": MODEL, "model": MODEL, "size": 1, "size_vram": 1, "expires_at": "2099-01-01T00:00:00Z"}]
        self.send(json.dumps({"models": models}))
        with Fake.lock:
            Fake.spent.append(time.perf_counter() - t0)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        t0 = time.perf_counter()
        msgs = body["messages"]
        last_user = max(i for i, m in enumerate(msgs) if m["role"] == "user")
        wanted = msgs[last_user]["content"].count("CALL tasks_list")
        done_turns = sum(1 for m in msgs[last_user + 1:] if m["role"] == "assistant" and m.get("tool_calls"))
        if done_turns < wanted:
            msg = {"role": "assistant", "content": "",
                   "tool_calls": [{"function": {"index": 0, "name": "tasks_list", "arguments": {"limit": 5}}}]}
        else:
            msg = {"role": "assistant", "content": f"{done_turns} calls made"}
        lines = [
            {"model": MODEL, "created_at": "2026-12-03T00:00:00Z", "message": msg, "done": False},
            {"model": MODEL, "created_at": "2026-12-03T00:00:00Z", "message": {"role": "assistant", "content": ""},
             "done": True, "done_reason": "stop", "prompt_eval_count": 10, "eval_count": 5},
        ]
        self.send("".join(json.dumps(l) + "\n" for l in lines), "application/x-ndjson")
        with Fake.lock:
            Fake.spent.append(time.perf_counter() - t0)


def one(env, calls):
    """(wall s, model s, recorded duration_ms of each call) of one run."""
    with Fake.lock:
        Fake.spent.clear()
    prompt = "\n".join(["CALL tasks_list"] * calls) or "no tools, please"
    t0 = time.perf_counter()
    p = subprocess.run([JR, "agents", "run", "bench", prompt, "--json"], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"jr agents run failed: {p.stderr}")
    run = json.loads(p.stdout)
    assert len(run["tool_calls"]) == calls, run
    with Fake.lock:
        model = sum(Fake.spent)
    return wall, model, [c["duration_ms"] for c in run["tool_calls"]]


def main():
    build()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Fake)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_address[1]}"
    with tempfile.TemporaryDirectory() as d:
        cfg = os.path.join(d, "config.toml")
        with open(cfg, "w") as f:
            f.write(f'[llm]\nollama_url = "{url}"\n\n[llm.tools]\nmax_calls = {K + 1}\n')
        env = {"PATH": os.path.dirname(JR) + ":" + os.environ["PATH"], "HOME": d,
               "JR_DB": os.path.join(d, "jr.db"), "JR_CONFIG": cfg, "TZ": "Asia/Seoul"}
        for i in range(200):
            subprocess.run([JR, "tasks", "add", f"작업 {i}"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([JR, "mcps", "add", "jr", "--command", "jr mcp"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([JR, "agents", "add", "bench", "--model", f"ollama/{MODEL}", "--mcp", "jr"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        one(env, 1)  # warm the page cache
        base, loaded, rtts = [], [], []
        for _ in range(RUNS):
            w, m, _ = one(env, 0)
            base.append(w - m)
            w, m, d_ms = one(env, K)
            loaded.append(w - m)
            rtts.extend(d_ms)
        b, l = statistics.median(base), statistics.median(loaded)
        per_call = (l - b) / K * 1000
        print(f"jr agents run with jr mcp as the tool server, {RUNS} runs each, model time subtracted:")
        print(f"  no tool call: {b * 1000:.1f} ms median (process, server start, tools listed, close)")
        print(f"  {K} tool calls: {l * 1000:.1f} ms median")
        print(f"  overhead per tool call: {per_call:.2f} ms (target < 5 ms)")
        print(f"  MCP round trip per call (recorded duration_ms): median {statistics.median(rtts):.0f} ms, "
              f"max {max(rtts)} ms over {len(rtts)} calls")
    srv.shutdown()


if __name__ == "__main__":
    main()
