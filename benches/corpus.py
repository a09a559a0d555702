#!/usr/bin/env python3
"""Corpus-scale benchmark of the release binary: build, query and export figures.

Generates corpora with `newskg generate` (same seed, same corpus, on any machine), then
measures, with the medians of repeated runs where a run is short:

  * extraction throughput of `newskg extract` on one thread and on every core;
  * `newskg build` of 1k, 10k and 100k articles: seconds, articles/s, triples/s and peak
    resident memory (from the kernel's rusage of the child, not sampled);
  * SPARQL p50/p95 of every example query in data/queries/ through `newskg serve`, on a
    store of about a million triples;
  * `newskg export` of a graph of at least 100k edges, per format.

Prints a Markdown report (the tables of BENCHMARKS.md) and, with --json FILE, the raw
figures. Nothing here is a pass/fail test: it reports what the machine does.

    python3 benches/corpus.py                      # everything (about 10 minutes on 2 cores)
    python3 benches/corpus.py --sizes 1000 10000   # a quicker scaling run
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def binary() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    exe = target / "release" / "newskg"
    if not exe.exists():
        sys.exit(f"{exe} is missing: run `cargo build --release` first (or set CARGO_TARGET_DIR)")
    return exe


def run_measured(args, keep_output=True):
    """Runs a command and returns (seconds, peak RSS in MB, stdout, stderr). Large outputs
    should not be kept: this process would grow, and a child's peak RSS counts the pages it
    shares with its parent before it starts the binary."""
    start = time.perf_counter()
    errfile = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [str(a) for a in args], stdout=subprocess.PIPE if keep_output else subprocess.DEVNULL, stderr=errfile
    )
    # Read the output before reaping, so wait4 gives this child's own rusage.
    out = proc.stdout.read() if keep_output else b""
    _, status, usage = os.wait4(proc.pid, 0)
    secs = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    errfile.seek(0)
    err = errfile.read()
    if proc.returncode != 0:
        sys.exit(f"{' '.join(map(str, args))} failed ({proc.returncode}):\n{err.decode(errors='replace')}")
    return secs, usage.ru_maxrss / 1024, out.decode(), err.decode()


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // 1024
    except (OSError, AttributeError):
        pass
    return {
        "date": time.strftime("%Y-%m-%d"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_mb": mem,
        "os": platform.platform(),
        "newskg": subprocess.run([str(binary()), "--version"], capture_output=True, text=True).stdout.strip(),
    }


def generate(exe, n, path):
    if not path.exists():
        run_measured([exe, "generate", "--articles", n, "--seed", 42, "-o", path])
    return path


def extraction(exe, corpus, repeats):
    size = corpus.stat().st_size
    figures = {}
    for threads in (1, os.cpu_count() or 1):
        times = []
        for _ in range(repeats):
            secs, _, _, _ = run_measured([exe, "extract", "--format", "jsonl", "-j", threads, corpus], keep_output=False)
            times.append(secs)
        med = statistics.median(times)
        figures[threads] = {"seconds": med, "mb_per_s": size / 1e6 / med}
    return {"corpus_mb": size / 1e6, "by_threads": figures}


def build(exe, corpus, store):
    secs, rss, out, _ = run_measured([exe, "build", corpus, "--store", store])
    m = re.search(r"store .*: (\d+) articles, (\d+) entities, (\d+) assertions, (\d+) triples", out)
    articles, entities, assertions, triples = (int(g) for g in m.groups())
    return {
        "articles": articles,
        "triples": triples,
        "assertions": assertions,
        "entities": entities,
        "seconds": secs,
        "articles_per_s": articles / secs,
        "triples_per_s": triples / secs,
        "peak_rss_mb": rss,
        "corpus_mb": corpus.stat().st_size / 1e6,
    }


def sparql(exe, store, repeats):
    proc = subprocess.Popen(
        [str(exe), "serve", "--store", str(store), "--port", "0", "--max-rows", "10000000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip().rstrip("/")
        figures = {}
        for q in sorted((ROOT / "data" / "queries").glob("*.rq")):
            body = urllib.parse.urlencode({"query": q.read_text()}).encode()
            times, rows = [], 0
            for i in range(repeats + 1):
                req = urllib.request.Request(
                    url + "/sparql", data=body, headers={"Accept": "application/sparql-results+json"}
                )
                start = time.perf_counter()
                try:
                    with urllib.request.urlopen(req, timeout=600) as r:
                        doc = json.load(r)
                except urllib.error.HTTPError as e:
                    if e.code != 503:
                        raise
                    # Over the server's time limit: reported as such rather than stopping the run.
                    doc, timed_out = {}, True
                else:
                    timed_out = False
                elapsed = float("inf") if timed_out else time.perf_counter() - start
                if i > 0:  # the first run warms the caches
                    times.append(elapsed)
                rows = len(doc.get("results", {}).get("bindings", []))
            times.sort()
            figures[q.stem] = {
                "p50_ms": 1000 * statistics.median(times),
                "p95_ms": 1000 * times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))],
                "rows": rows,
            }
        return figures
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def exports(exe, store, out_dir, repeats):
    formats = ["dot", "graphml", "gexf", "cytoscape", "d3", "neo4j", "mermaid", "svg"]
    figures = {}
    run_measured([exe, "export", "--store", store, "--format", "d3", "-o", out_dir / "edges.json"])
    edges = len(json.loads((out_dir / "edges.json").read_text())["links"])
    for f in formats:
        times, rss = [], 0.0
        for _ in range(repeats):
            target = out_dir / f"graph-{f}"
            secs, peak, _, _ = run_measured([exe, "export", "--store", store, "--format", f, "-o", target])
            times.append(secs)
            rss = max(rss, peak)
        figures[f] = {"seconds": statistics.median(times), "peak_rss_mb": rss}
    return {"edges": edges, "by_format": figures}


def ms(x):
    return "over the 30 s limit" if x == float("inf") else f"{x:.1f} ms"


def table(title, header, rows):
    """A Markdown table under a heading, as lines."""
    return [f"### {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + [
        "| " + " | ".join(row) + " |" for row in rows
    ] + [""]


def report(r):
    m = r["machine"]
    lines = [
        f"Measured {m['date']} on {m['cpu']}, {m['cores']} cores, {m['memory_mb'] // 1024} GiB, {m['os']}; {m['newskg']}.",
        "",
    ]
    if "extraction" in r:
        e = r["extraction"]
        lines += table("Extraction (`newskg extract --format jsonl`, whole process)",
                       ["threads", "corpus", "median time", "throughput"],
                       [[str(t), f"{e['corpus_mb']:.1f} MB", f"{f['seconds']:.2f} s", f"{f['mb_per_s']:.1f} MB/s"]
                        for t, f in e["by_threads"].items()])
    if "build" in r:
        lines += table("Build (`newskg build`, fresh store)",
                       ["articles", "corpus", "time", "articles/s", "triples", "triples/s", "peak RSS"],
                       [[f"{b['articles']:,}", f"{b['corpus_mb']:.0f} MB", f"{b['seconds']:.1f} s",
                         f"{b['articles_per_s']:.0f}", f"{b['triples']:,}", f"{b['triples_per_s']:,.0f}",
                         f"{b['peak_rss_mb']:.0f} MB"] for b in r["build"]])
    if "sparql" in r:
        s = r["sparql"]
        lines += table(f"SPARQL through `newskg serve` ({s['triples']:,} triples, {s['repeats']} runs each after one warm-up)",
                       ["query", "rows", "p50", "p95"],
                       [[q, str(f["rows"]), ms(f['p50_ms']), ms(f['p95_ms'])]
                        for q, f in s["queries"].items()])
    if "export" in r:
        x = r["export"]
        lines += table(f"Export (`newskg export`, {x['edges']:,} edges, {x['triples']:,} triples)",
                       ["format", "median time", "peak RSS"],
                       [[f, f"{v['seconds']:.2f} s", f"{v['peak_rss_mb']:.0f} MB"] for f, v in x["by_format"].items()])
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000], help="build corpus sizes")
    ap.add_argument("--query-articles", type=int, default=3600, help="articles in the SPARQL store (~1M triples)")
    ap.add_argument("--export-articles", type=int, default=15000, help="articles in the export store (>=100k edges)")
    ap.add_argument("--repeats", type=int, default=5, help="runs per short measurement")
    ap.add_argument("--skip", nargs="*", default=[], choices=["extraction", "build", "sparql", "export"])
    ap.add_argument("--work", type=Path, help="folder for corpora and stores (default: a temporary one)")
    ap.add_argument("--json", type=Path, help="also write the raw figures here")
    args = ap.parse_args()
    exe = binary()
    work = args.work or Path(tempfile.mkdtemp(prefix="newskg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    result = {"machine": machine()}
    say = lambda msg: print(f"[bench] {msg}", file=sys.stderr, flush=True)

    def keep():
        # After each stage, so a later failure loses nothing measured.
        if args.json:
            args.json.write_text(json.dumps(result, indent=2, default=str))

    if "extraction" not in args.skip:
        say("extraction")
        result["extraction"] = extraction(exe, generate(exe, 10000, work / "gen-10000.jsonl"), args.repeats)
        keep()
    if "build" not in args.skip:
        result["build"] = []
        for n in args.sizes:
            say(f"build of {n} articles")
            store = work / f"store-{n}"
            subprocess.run(["rm", "-rf", str(store)], check=True)
            result["build"].append(build(exe, generate(exe, n, work / f"gen-{n}.jsonl"), store))
            keep()
    if "sparql" not in args.skip:
        say("SPARQL")
        n = args.query_articles
        store = work / f"store-q{n}"
        subprocess.run(["rm", "-rf", str(store)], check=True)
        b = build(exe, generate(exe, n, work / f"gen-{n}.jsonl"), store)
        result["sparql"] = {"triples": b["triples"], "repeats": args.repeats * 4, "queries": sparql(exe, store, args.repeats * 4)}
        keep()
    if "export" not in args.skip:
        say("export")
        n = args.export_articles
        store = work / f"store-x{n}"
        if not store.exists():
            b = build(exe, generate(exe, n, work / f"gen-{n}.jsonl"), store)
        else:
            b = build(exe, work / f"gen-{n}.jsonl", store)
        out = work / "exports"
        out.mkdir(exist_ok=True)
        result["export"] = {"triples": b["triples"], **exports(exe, store, out, max(1, args.repeats // 2))}
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    say(f"corpora and stores are in {work}")


if __name__ == "__main__":
    main()
