#!/usr/bin/env python3
"""What the jr binary weighs (issue 14): the release build's size (profile
in Cargo.toml: fat LTO, one codegen unit, panic = abort, symbols stripped,
dependencies and SQLite optimised for size; from build.rs packed relative
relocations, identical code folded, no unwind tables) beside
Taskwarrior's `task` (Debian's package, installed here when missing), its
sections (`size -A`: code, read-only data, unwind tables, relocations), and
what each crate costs in it, measured by `cargo bloat --crates` (installed
from crates.io when missing) on the same profile with symbols kept
(`[profile.bloat]`: a second build, in target/bloat).

Target: ≤ 12 MB.

    python3 bench/size.py [--no-crates] [--readme]
"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import JR, ROOT, apt_install, build, update_readme  # noqa: E402

MB = 1_000_000


def crates(n=18):
    """[(crate, bytes)] of the biggest crates' code in the binary, and the
    .text total, from `cargo bloat --crates` on the unstripped twin build."""
    if not shutil.which("cargo-bloat"):
        subprocess.run(["cargo", "install", "cargo-bloat", "--locked", "--quiet"], check=True)
    out = subprocess.run(
        ["cargo", "bloat", "--profile", "bloat", "--crates", "-n", str(n), "--message-format", "json"],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout
    data = json.loads(out.strip().splitlines()[-1])
    return [(c["name"], c["size"]) for c in data["crates"]], data["text-section-size"], data["file-size"]


def sections(path, floor=16 * 1024):
    """[(section, bytes)] of the binary's sections of `floor` bytes or more,
    biggest first, from binutils' `size -A`."""
    out = subprocess.run(["size", "-A", path], check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].startswith(".") and parts[1].isdigit() and int(parts[1]) >= floor:
            rows.append((parts[0], int(parts[1])))
    return sorted(rows, key=lambda r: -r[1])


WHAT = {
    ".text": "machine code",
    ".rodata": "constants, strings, tables",
    ".data.rel.ro": "vtables and pointer tables (fixed up at load)",
    ".eh_frame": "unwind tables (build.rs drops them from release builds)",
    ".gcc_except_table": "landing pads of unwinding",
    ".eh_frame_hdr": "unwind table index",
    ".rela.dyn": "relocations (PIE)",
    ".relr.dyn": "packed relative relocations (PIE)",
    ".data": "mutable statics",
}


def main():
    apt_install("task", "taskwarrior")
    build()
    jr = os.path.getsize(JR)
    task = os.path.getsize(shutil.which("task"))
    lines = [
        "| binary | size | vs `task` |",
        "|---|---|---|",
        f"| `jr` (release: fat LTO, codegen-units = 1, panic = abort, stripped) | {jr / MB:.1f} MB | {jr / task:.1f}× |",
        f"| `task` (Taskwarrior, Debian's build) | {task / MB:.1f} MB | 1× |",
        "",
        "| section of `jr` | what | size |",
        "|---|---|---|",
    ]
    for name, size in sections(JR):
        lines.append(f"| {name} | {WHAT.get(name, '')} | {size / MB:.2f} MB |")
    if "--no-crates" not in sys.argv:
        rows, text, unstripped = crates()
        lines += [
            "",
            f"Code (.text) by crate, from `cargo bloat --crates` on the same build with symbols "
            f"kept ({unstripped / MB:.1f} MB unstripped, .text {text / MB:.1f} MB):",
            "",
            "| crate | .text | share of .text |",
            "|---|---|---|",
        ]
        for name, size in rows:
            lines.append(f"| {name} | {size / 1024:,.0f} KiB | {size / text:.1%} |")
    out = "\n".join(lines) + "\n"
    print(out)
    if "--readme" in sys.argv:
        update_readme("bench/size.py", out)


if __name__ == "__main__":
    main()
