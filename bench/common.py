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


def wall_ms(argv, env, stdin=subprocess.DEVNULL, cwd=None):
    """Wall time of one run of `argv` in ms (its output thrown away)."""
    t0 = time.perf_counter()
    p = subprocess.run(argv, env=env, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
    ms = (time.perf_counter() - t0) * 1000
    if p.returncode != 0:
        raise SystemExit(f"{argv} failed: {p.stderr.decode()}")
    return ms


def peak_rss_mib(argv, env, runs=3):
    """Max peak RSS over `runs` runs, through /usr/bin/time (see `measure`)."""
    out = []
    for _ in range(runs):
        p = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
        out.append(int(p.stderr.decode().strip().splitlines()[-1]) / 1024)
    return max(out)


def interleaved(cmds, runs):
    """{label: [ms, ...]}: each round runs every command once, in turn, so
    the commands share the machine's state (load, caches) round by round."""
    times = {label: [] for label in cmds}
    for _ in range(runs):
        for label, (argv, env) in cmds.items():
            times[label].append(wall_ms(argv, env))
    return times


def ratio(ours, theirs):
    """'0.12× (0.10–0.15)': the median of per-round ratios ours/theirs, min–max."""
    rs = sorted(a / b for a, b in zip(ours, theirs))
    return f"{statistics.median(rs):.3g}× ({rs[0]:.3g}–{rs[-1]:.3g})"


def apt_install(binary, package):
    """Install a Debian package when its binary is missing (the anchors)."""
    import shutil
    if shutil.which(binary):
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, env=env, stdout=subprocess.DEVNULL)


def update_readme(key, text):
    """Put `text` between `<!-- key -->` and `<!-- /key -->` in README.md:
    the README's figures are this output, never typed by hand."""
    path = os.path.join(ROOT, "README.md")
    with open(path) as f:
        doc = f.read()
    start, end = f"<!-- {key} -->\n", f"<!-- /{key} -->"
    a, b = doc.find(start), doc.find(end)
    if a < 0 or b < a:
        raise SystemExit(f"README.md has no {start.strip()} … {end} block")
    doc = doc[:a + len(start)] + text.rstrip("\n") + "\n" + doc[b:]
    with open(path, "w") as f:
        f.write(doc)


def run_cpu(argv, env, stdin=subprocess.DEVNULL, cwd=None):
    """(wall ms, CPU ms) of one run of `argv`, its output thrown away. CPU is
    the process's user + system time (its children's included), from
    wait4's rusage: on a machine other builds share, wall time grows with the
    load while CPU time stays what the work costs."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, env=env, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    ms = (time.perf_counter() - t0) * 1000
    p.returncode = os.waitstatus_to_exitcode(status)
    p.stderr.close()
    if p.returncode != 0:
        raise SystemExit(f"{argv} failed: {err.decode()}")
    return ms, (ru.ru_utime + ru.ru_stime) * 1000


def measure_cpu(argv, env, runs=21, stdin=subprocess.DEVNULL):
    """Median wall ms, median CPU ms and max peak RSS (MiB) of `argv` over `runs` runs."""
    walls, cpus = [], []
    for _ in range(runs):
        ms, cpu = run_cpu(argv, env, stdin)
        walls.append(ms)
        cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus), peak_rss_mib(argv, env)


def interleaved_cpu(cmds, runs):
    """`interleaved`, with each run's CPU time too: ({label: [wall ms]}, {label: [CPU ms]})."""
    walls = {label: [] for label in cmds}
    cpus = {label: [] for label in cmds}
    for _ in range(runs):
        for label, (argv, env) in cmds.items():
            ms, cpu = run_cpu(argv, env)
            walls[label].append(ms)
            cpus[label].append(cpu)
    return walls, cpus


def threads_cpu_ns(pid):
    """CPU time (ns) the live threads of process `pid` have run, from each
    thread's /proc/PID/task/TID/schedstat (nanoseconds, unlike the 10 ms
    ticks of /proc/PID/stat). A delta around one request is the server's CPU
    for it."""
    total = 0
    base = f"/proc/{pid}/task"
    for tid in os.listdir(base):
        try:
            with open(f"{base}/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass  # a thread that ended meanwhile
    return total


def proc_cpu_ticks_ms(pid):
    """utime + stime of process `pid` from /proc/PID/stat, in ms (10 ms
    ticks, ended threads included): a cross-check over many requests."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")
