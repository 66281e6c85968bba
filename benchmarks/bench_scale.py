"""Big knowledge folders: indexing, start from the saved index, full answers, against rank-bm25.

    python benchmarks/bench_scale.py --sizes 2000        # smoke run (under a minute)
    python benchmarks/bench_scale.py --sizes 100k,1M     # the issue's sizes (1M: ~10 minutes)
    python benchmarks/bench_scale.py --sizes 1M --workdir /tmp/qabot-scale --keep

Per size, a knowledge folder of synthetic passages (benchmarks/corpus.py, 1000 passages a .txt
document, blank lines between them) is written, then three fresh processes run:

* build -- ``Engine.build(folder, cache_dir=…, progress=Progress())`` from the raw documents
  (the progress line appears on stderr after 2 s): characters/s end to end, CPU of the process
  and of its workers, peak RSS;
* ask -- ``Engine.build`` again, which now loads the saved index: load time, RSS after the
  load and at its peak; then full answers (``Engine.ask``) to questions made from the corpus'
  query generator (3-6 words about a random passage, joined into a sentence + "？"): a first
  pass over fresh questions (their passages' pages and memos cold) and a second pass over the
  same questions;
* ref -- rank_bm25.BM25Okapi over the generator's token lists of the same passages, timed on
  the same questions' tokens (get_scores + top 10), as a naive bot would rank.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_ranking import label, machine, parse_size, peak_rss_mib  # noqa: E402
from benchmarks.corpus import SyntheticCorpus  # noqa: E402

PER_FILE = 1000
TARGETS = {
    "p50_100k_ms": 0.5,
    "p50_1m_ms": 2.0,
    "p99_1m_ms": 10.0,
    "speedup_1m": 500.0,
    "load_1m_s": 3.0,
    "rss_1m_mib": 1.5 * 1024,
    "index_chars_s": 1e6,
}


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def questions(n: int, count: int, seed: int) -> list[list[str]]:
    gen = SyntheticCorpus(seed)
    return gen.queries(gen.tokens(min(n, 50_000)), count, seed=seed + 1)


def write_folder(folder: Path, n: int, seed: int) -> tuple[float, int]:
    marker = folder / ".complete"
    if marker.is_file() and marker.read_text() == f"{n} {seed}":
        return 0.0, 0
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    t0 = time.perf_counter()
    texts = SyntheticCorpus(seed).texts(n)
    for i in range(0, n, PER_FILE):
        (folder / f"doc{i // PER_FILE:05d}.txt").write_text("\n\n".join(texts[i : i + PER_FILE]) + "\n", encoding="utf-8")
    marker.write_text(f"{n} {seed}")
    return time.perf_counter() - t0, sum(map(len, texts))


# ------------------------------------------------------------------------------ phases
# Each runs in its own interpreter and prints one JSON line.


def phase_build(folder: str, cache: str) -> dict:
    from bot.app import Progress
    from bot.engine import BATCH_MIN_PASSAGES, Engine, passage_document_text

    shutil.rmtree(cache, ignore_errors=True)
    calls: list[float] = []  # when the progress line was updated (seconds from the start)

    class Watched(Progress):
        def __call__(self, done: int, total: int, chars: int) -> None:
            calls.append(time.perf_counter() - t0)
            super().__call__(done, total, chars)

        def reading(self, done: int, total: int) -> None:
            calls.append(time.perf_counter() - t0)
            super().reading(done, total)

    c0, t0 = time.process_time(), time.perf_counter()
    progress = Watched()
    engine = Engine.build(folder, cache_dir=Path(cache), progress=progress)
    wall = time.perf_counter() - t0
    shown = [t for t in calls if t >= progress.after]  # Progress stays silent for its first 2 s
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    chars = sum(len(passage_document_text(p)) for p in engine.passages)
    return {
        "passages": len(engine.passages),
        "chars": chars,
        "wall_s": wall,
        "cpu_s": time.process_time() - c0,
        "workers_cpu_s": children.ru_utime + children.ru_stime,
        "peak_rss_mib": peak_rss_mib(),
        "batched": len(engine.passages) >= BATCH_MIN_PASSAGES,
        "progress_updates": len(shown),
        "progress_first_s": shown[0] if shown else None,
        "progress_gap_s": max(np.diff([progress.after, *shown]), default=None) if shown else None,
    }


def phase_ask(folder: str, cache: str, n: int, count: int, seed: int) -> dict:
    from bot.engine import Engine

    t0 = time.perf_counter()
    engine = Engine.build(folder, cache_dir=Path(cache))
    load_s = time.perf_counter() - t0
    # The compiled top-k (numba, when installed): its machine code loaded from numba's cache,
    # or compiled when no process has yet (the bot's composition root does the same at start).
    t0 = time.perf_counter()
    compiled = engine.index.warm_up()
    kernels_s = time.perf_counter() - t0
    rss_loaded = rss_mib()
    qs = ["".join(q) + "？" for q in questions(n, count, seed)]
    t1 = time.perf_counter()
    engine.ask(qs[0])
    first_ms = (time.perf_counter() - t1) * 1e3
    passes = []
    for _ in range(2):
        wall, cpu, answered = [], [], 0
        for q in qs:
            c, t = time.process_time_ns(), time.perf_counter_ns()
            a = engine.ask(q)
            wall.append(time.perf_counter_ns() - t)
            cpu.append(time.process_time_ns() - c)
            answered += a.answered
        w, c = np.array(wall) / 1e6, np.array(cpu) / 1e6
        passes.append(
            {
                "p50_ms": float(np.percentile(w, 50)),
                "p99_ms": float(np.percentile(w, 99)),
                "max_ms": float(w.max()),
                "cpu_p50_ms": float(np.percentile(c, 50)),
                "cpu_p99_ms": float(np.percentile(c, 99)),
                "answered": answered,
            }
        )
    return {
        "load_s": load_s,
        "kernels_s": kernels_s,
        "compiled": compiled,
        "rss_loaded_mib": rss_loaded,
        "rss_after_mib": rss_mib(),
        "peak_rss_mib": peak_rss_mib(),
        "first_ms": first_ms,
        "cold": passes[0],
        "warm": passes[1],
        "questions": len(qs),
    }


def phase_ref(n: int, count: int, seed: int) -> dict:
    from rank_bm25 import BM25Okapi

    t0 = time.perf_counter()
    corpus = SyntheticCorpus(seed).tokens(n)
    bm25 = BM25Okapi(corpus)
    build_s = time.perf_counter() - t0
    lat = []
    for q in questions(n, count, seed):
        t = time.perf_counter()
        scores = bm25.get_scores(q)
        top = np.argpartition(scores, len(scores) - 10)[-10:] if len(scores) > 10 else np.arange(len(scores))
        top[np.argsort(-scores[top])]
        lat.append(time.perf_counter() - t)
    lat_ms = np.array(lat) * 1e3
    return {"build_s": build_s, "p50_ms": float(np.percentile(lat_ms, 50)), "queries": len(lat)}


def child(args: list[str]) -> dict:
    proc = subprocess.run([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------ report


def _progress(build: dict) -> str:
    if not build.get("progress_updates"):
        return "none (built in under 2 s?)"
    return f"{build['progress_updates']}, at {build['progress_first_s']:.1f} s, {build['progress_gap_s']:.1f} s"


def render(results: list[dict]) -> str:
    rows: list[tuple[str, list[str]]] = []

    def row(name: str, fn) -> None:
        rows.append((name, [fn(r) for r in results]))

    row("passages", lambda r: f"{r['n']:,}")
    row("characters", lambda r: f"{r['build']['chars'] / 1e6:.1f}M")
    row("indexing, end to end", lambda r: f"{r['build']['wall_s']:.1f} s")
    row("indexing rate", lambda r: f"{r['build']['chars'] / r['build']['wall_s'] / 1e6:.2f}M chars/s")
    row("indexing CPU: main / workers", lambda r: f"{r['build']['cpu_s']:.1f} s / {r['build']['workers_cpu_s']:.1f} s")
    row("indexing path", lambda r: "batches, worker pool" if r["build"]["workers_cpu_s"] > 0.5 else ("batches" if r["build"]["batched"] else "one passage at a time"))
    row("progress line (reading, indexing): updates after 2 s, first, largest gap", lambda r: _progress(r["build"]))
    row("indexing peak RSS (main)", lambda r: f"{r['build']['peak_rss_mib']:,.0f} MiB")
    row("fresh process: load saved index", lambda r: f"{r['ask']['load_s']:.2f} s")
    row(
        "compiled ranking (numba): ready in",
        lambda r: f"{r['ask']['kernels_s']:.2f} s" if r["ask"].get("compiled") else "not used",
    )
    row("fresh process: RSS after load", lambda r: f"{r['ask']['rss_loaded_mib']:,.0f} MiB")
    row("fresh process: peak RSS (VmHWM)", lambda r: f"{r['ask']['peak_rss_mib']:,.0f} MiB")
    row("first answer after load", lambda r: f"{r['ask']['first_ms']:.1f} ms")
    row("full answer p50 / p99, 1st pass", lambda r: f"{r['ask']['cold']['p50_ms']:.2f} / {r['ask']['cold']['p99_ms']:.2f} ms")
    row("full answer p50 / p99, 2nd pass", lambda r: f"{r['ask']['warm']['p50_ms']:.2f} / {r['ask']['warm']['p99_ms']:.2f} ms")
    row("CPU p50 / p99, 1st pass", lambda r: f"{r['ask']['cold']['cpu_p50_ms']:.2f} / {r['ask']['cold']['cpu_p99_ms']:.2f} ms")
    row("answered", lambda r: f"{r['ask']['cold']['answered']}/{r['ask']['questions']}")
    row("rank_bm25 build", lambda r: f"{r['ref']['build_s']:.1f} s" if r.get("ref") else "-")
    row("rank_bm25 get_scores+top10 p50", lambda r: f"{r['ref']['p50_ms']:.1f} ms ({r['ref']['queries']} q)" if r.get("ref") else "-")
    row("speed-up vs rank_bm25 (1st / 2nd)", lambda r: f"{r['ref']['p50_ms'] / r['ask']['cold']['p50_ms']:,.0f}x / {r['ref']['p50_ms'] / r['ask']['warm']['p50_ms']:,.0f}x" if r.get("ref") else "-")
    heads = ["metric"] + [label(r["n"]) for r in results]
    columns = [[name for name, _ in rows]] + [list(c) for c in zip(*[v for _, v in rows])]
    widths = [max(len(h), *(len(x) for x in col)) for h, col in zip(heads, columns)]
    lines = [" | ".join(h.ljust(w) for h, w in zip(heads, widths)), "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(x.ljust(w) for x, w in zip([name, *vals], widths)) for name, vals in rows]
    by_n = {r["n"]: r for r in results}
    checks = []
    for r in results:
        rate = r["build"]["chars"] / r["build"]["wall_s"]
        if r["n"] >= 100_000:
            checks.append((f"{label(r['n'])} indexing >= 1M chars/s", rate / 1e6, rate >= TARGETS["index_chars_s"]))
    if 100_000 in by_n:
        a = by_n[100_000]["ask"]
        for p in ("cold", "warm"):
            checks.append((f"100k full answer p50 <= 0.5 ms ({p})", a[p]["p50_ms"], a[p]["p50_ms"] <= TARGETS["p50_100k_ms"]))
    if 1_000_000 in by_n:
        r = by_n[1_000_000]
        a = r["ask"]
        for p in ("cold", "warm"):
            checks.append((f"1M full answer p50 <= 2 ms ({p})", a[p]["p50_ms"], a[p]["p50_ms"] <= TARGETS["p50_1m_ms"]))
            checks.append((f"1M full answer p99 <= 10 ms ({p})", a[p]["p99_ms"], a[p]["p99_ms"] <= TARGETS["p99_1m_ms"]))
        if r.get("ref"):
            speed = r["ref"]["p50_ms"] / a["cold"]["p50_ms"]
            checks.append(("1M >= 500x rank_bm25 (1st pass)", speed, speed >= TARGETS["speedup_1m"]))
        ready = a["load_s"] + a.get("kernels_s", 0.0)  # start-up includes the compiled ranking
        checks.append(("1M load from saved index <= 3 s", ready, ready <= TARGETS["load_1m_s"]))
        checks.append(("1M resident <= 1.5 GiB (peak, MiB)", a["peak_rss_mib"], a["peak_rss_mib"] <= TARGETS["rss_1m_mib"]))
    lines.append("")
    lines.append(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f}")
    if checks:
        lines.append("targets (from the issue):")
        lines += [f"  {name}: {val:,.3g} {'PASS' if ok else 'FAIL'}" for name, val, ok in checks]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100k,1M", help="comma-separated passage counts: 2000, 100k, 1M")
    ap.add_argument("--questions", type=int, default=300, help="questions per pass")
    ap.add_argument("--ref-queries", type=int, default=0, help="rank_bm25 queries (default 200, 15 from 1M)")
    ap.add_argument("--no-ref", action="store_true", help="skip rank_bm25 (minutes and GBs at 1M)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workdir", help="keep corpora and indexes here (reused when present)")
    ap.add_argument("--keep", action="store_true", help="do not delete --workdir's corpora")
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--folder", help=argparse.SUPPRESS)
    ap.add_argument("--cache", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.phase:
        out = {
            "build": lambda: phase_build(args.folder, args.cache),
            "ask": lambda: phase_ask(args.folder, args.cache, args.n, args.questions, args.seed),
            "ref": lambda: phase_ref(args.n, args.ref_queries, args.seed),
        }[args.phase]()
        print(json.dumps(out))
        return
    print(machine(), flush=True)
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="bench-scale-"))
    results = []
    try:
        for n in sizes:
            folder, cache = work / f"knowledge-{label(n)}", work / f"cache-{label(n)}"
            print(f"... {label(n)}: writing the folder", file=sys.stderr, flush=True)
            write_folder(folder, n, args.seed)
            print(f"... {label(n)}: indexing", file=sys.stderr, flush=True)
            r: dict = {"n": n, "build": child(["--phase", "build", "--folder", str(folder), "--cache", str(cache)])}
            print(f"... {label(n)}: loading and answering", file=sys.stderr, flush=True)
            common = ["--folder", str(folder), "--cache", str(cache), "--n", str(n), "--seed", str(args.seed)]
            r["ask"] = child(["--phase", "ask", *common, "--questions", str(args.questions)])
            if not args.no_ref:
                print(f"... {label(n)}: rank_bm25", file=sys.stderr, flush=True)
                count = args.ref_queries or (200 if n <= 100_000 else 15)
                r["ref"] = child(["--phase", "ref", "--n", str(n), "--seed", str(args.seed), "--ref-queries", str(count)])
            results.append(r)
            shutil.rmtree(cache, ignore_errors=True)
    finally:
        if not args.workdir or not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(render(results))


if __name__ == "__main__":
    main()
