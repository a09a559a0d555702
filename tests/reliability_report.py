#!/usr/bin/env python3
"""Runs the robustness tests and writes RELIABILITY.md from their own figures.

Each robustness test, when NEWSKG_RELIABILITY_DIR is set, writes a Markdown section
(name.md) with what it did and counted: inputs tried, faults injected, requests held,
data lost. This script runs those tests in release mode with the variable set, then
joins the sections under a header naming the machine and the date. A failing test
stops the report: the figures are only written for a passing run.

    python3 tests/reliability_report.py            # writes RELIABILITY.md
    python3 tests/reliability_report.py --out F    # elsewhere
"""

import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile

TESTS = ["robustness", "properties", "server_load"]


def machine() -> str:
    cpus = os.cpu_count()
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f", {kb / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip() + ", "
                    break
    except OSError:
        pass
    return f"{model}{cpus} cores{mem}, {platform.system()} {platform.release()}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--out", default=os.path.join(root, "RELIABILITY.md"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="newskg-reliability-") as d:
        env = dict(os.environ, NEWSKG_RELIABILITY_DIR=d)
        cmd = ["cargo", "test", "--release"]
        for t in TESTS:
            cmd += ["--test", t]
        print("running:", " ".join(cmd), file=sys.stderr)
        r = subprocess.run(cmd, cwd=root, env=env)
        if r.returncode != 0:
            print("the tests failed: RELIABILITY.md is not written", file=sys.stderr)
            return r.returncode
        sections = sorted(f for f in os.listdir(d) if f.endswith(".md"))
        if not sections:
            print("no test wrote figures: is NEWSKG_RELIABILITY_DIR read by tests/common?", file=sys.stderr)
            return 1
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True)
        with open(args.out, "w") as out:
            out.write("# Reliability\n\n")
            out.write(
                "Written by `python3 tests/reliability_report.py` from the figures the robustness tests\n"
                "count while they pass (`tests/robustness.rs`, `tests/properties.rs`, `tests/server_load.rs`);\n"
                "`cargo test` runs the same tests without writing this file.\n\n"
            )
            out.write(f"- date: {datetime.date.today().isoformat()}\n")
            out.write(f"- commit: {rev.stdout.strip() or 'unknown'}\n")
            out.write(f"- machine: {machine()}\n\n")
            for s in sections:
                with open(os.path.join(d, s)) as f:
                    out.write(f.read().rstrip() + "\n\n")
        print(f"wrote {args.out} ({len(sections)} sections)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
