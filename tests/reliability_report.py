#!/usr/bin/env python3
"""Runs the robustness tests and writes RELIABILITY.md from their own figures.

Each robustness test, when NEWSKG_RELIABILITY_DIR is set, writes a Markdown section
(name.md) with what it did and counted: inputs tried, faults injected, requests held,
data lost. This script runs those tests in release mode with the variable set, then
joins the sections under a header naming the machine and the date. A failing test
stops the report: the figures are only written for a passing run.

    python3 tests/reliability_report.py              # writes RELIABILITY.md
    python3 tests/reliability_report.py --fuzz 300   # also fuzzes each target 300 s
    python3 tests/reliability_report.py --out F      # elsewhere

--fuzz needs cargo-fuzz (cargo install cargo-fuzz); its figures are libFuzzer's own
final statistics.
"""

import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile

TESTS = ["robustness", "properties", "server_load"]
FUZZ_TARGETS = ["article", "extract", "export"]


def fuzz(root: str, seconds: int) -> str:
    """Runs each fuzz target for `seconds`; a Markdown section of libFuzzer's statistics."""
    env = dict(os.environ, RUSTC_BOOTSTRAP="1")
    env.setdefault("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/newskg-fuzz"))
    rows = []
    for t in FUZZ_TARGETS:
        cmd = ["cargo", "fuzz", "run", "-O", t, "--", f"-max_total_time={seconds}", "-print_final_stats=1"]
        print("running:", " ".join(cmd), file=sys.stderr)
        r = subprocess.run(cmd, cwd=os.path.join(root, "fuzz"), env=env, capture_output=True, text=True)
        stats = {}
        for line in r.stderr.splitlines():
            if line.startswith("stat::"):
                k, v = line[len("stat::"):].split(":", 1)
                stats[k.strip()] = v.strip()
        if r.returncode != 0 or "number_of_executed_units" not in stats:
            print(r.stderr[-4000:], file=sys.stderr)
            raise SystemExit(f"fuzz target {t} failed (exit {r.returncode}): see fuzz/artifacts/{t}/")
        rows.append(
            f"| `{t}` | {seconds} | {int(stats['number_of_executed_units']):,} | {stats['average_exec_per_sec']} "
            f"| {stats['new_units_added']} | {stats['peak_rss_mb']} | 0 |"
        )
    return (
        "## Fuzzing (cargo fuzz, libFuzzer)\n\n"
        "Coverage-guided runs of the targets in `fuzz/` (checks shared with `tests/properties.rs`),\n"
        "each starting from the corpus earlier runs left in `fuzz/corpus/`.\n\n"
        "| target | seconds | inputs executed | per second | new coverage units | peak RSS MB | crashes |\n"
        "|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )


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
    ap.add_argument("--fuzz", type=int, metavar="SECONDS", help="also run each fuzz target this long")
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
        if args.fuzz:
            with open(os.path.join(d, "zz-fuzz.md"), "w") as f:
                f.write(fuzz(root, args.fuzz))
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
