"""Latency of one full answer on the bundled article, and of a new process answering once.

    python benchmarks/bench_answer.py [--rounds 5] [--runs 5]

Part 1, in-process: every question of eval/questions.yaml and eval/holdout.yaml, answered
(normalise, tokenize, rank, figures) and rendered as the console prints it; p50 and p99 over all
rounds, against a naive rank-bm25 + jieba.lcut pipeline (score every paragraph, take the best)
on the same questions in the same run.

Part 2, new processes: ``python -m bot ask QUESTION`` (index from the cache, then without it)
against the naive pipeline as a script, median wall time and peak RSS of ``--runs`` runs each.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jieba
import yaml
from rank_bm25 import BM25Okapi

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.machine import cpu_model  # noqa: E402
from bot.config import BUNDLED_KNOWLEDGE  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.render import reply_text  # noqa: E402

jieba.setLogLevel(logging.WARNING)
QUESTION = "讲师团有多少名成员？"
NAIVE = """
import sys, logging, jieba
jieba.setLogLevel(logging.WARNING)
from rank_bm25 import BM25Okapi
paras = [l for l in open(sys.argv[1], encoding="utf-8").read().split("\\n") if l.strip()]
bm25 = BM25Okapi([jieba.lcut(p) for p in paras])
scores = bm25.get_scores(jieba.lcut(sys.argv[2]))
print(paras[max(range(len(paras)), key=lambda i: scores[i])])
"""


def machine() -> str:
    return f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}"


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def in_process(rounds: int) -> None:
    questions = [
        q["q"] for f in ("questions.yaml", "holdout.yaml") for q in yaml.safe_load((REPO / "eval" / f).read_text())["questions"]
    ]
    engine = Engine.build(BUNDLED_KNOWLEDGE)
    info = engine.info()
    paras = [p.text for p in engine.passages]
    naive = BM25Okapi([jieba.lcut(p) for p in paras])

    def ours(q: str) -> None:
        reply_text(engine.ask(q), info)

    def baseline(q: str) -> None:
        scores = naive.get_scores(jieba.lcut(q))
        _ = paras[max(range(len(paras)), key=lambda i: scores[i])]

    for fn in (ours, baseline):  # warm caches the way a running bot has them
        for q in questions:
            fn(q)
    print(f"in-process, {len(questions)} questions × {rounds} rounds")
    print(f"{'pipeline':<34} {'p50 ms':>8} {'p99 ms':>8} {'CPU p50 ms':>11}")
    rows = {}
    for name, fn in (("ours (ask + render)", ours), ("naive rank-bm25 + jieba.lcut", baseline)):
        wall, cpu = [], []
        for _ in range(rounds):
            for q in questions:
                t0, c0 = time.perf_counter(), time.process_time()
                fn(q)
                wall.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
        rows[name] = pct(wall, 0.5)
        print(f"{name:<34} {pct(wall, .5) * 1e3:>8.3f} {pct(wall, .99) * 1e3:>8.3f} {statistics.median(cpu) * 1e3:>11.3f}")
    print("targets: ours p50 ≤ 0.3 ms, p99 ≤ 1 ms")


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=tempfile.gettempdir())
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(after, before) / 1024  # ru_maxrss: the largest child so far, KiB → MiB


def new_process(runs: int) -> None:
    article = REPO.parent / "shared" / "knowledge" / "article.txt"
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "naive.py"
        script.write_text(NAIVE, encoding="utf-8")
        if not article.is_file():
            article = Path(tmp) / "article.txt"
            article.write_text("\n".join(p.text for p in Engine.build(BUNDLED_KNOWLEDGE).passages), encoding="utf-8")
        env = dict(os.environ, XDG_CACHE_HOME=str(Path(tmp) / "cache"))
        ours = [sys.executable, "-m", "bot", "--knowledge", str(BUNDLED_KNOWLEDGE), "ask", QUESTION]
        nocache = [sys.executable, "-m", "bot", "--config", str(Path(tmp) / "c.yaml"), "ask", QUESTION]
        (Path(tmp) / "c.yaml").write_text(f"knowledge: {BUNDLED_KNOWLEDGE}\nindex_cache: none\n", encoding="utf-8")
        run(ours, env)  # fills the index cache and jieba's own cache
        results = {"ours, saved index": [], "ours, no index cache": [], "naive script": []}
        for _ in range(runs):  # interleaved, so load changes hit all three alike
            results["ours, saved index"].append(run(ours, env)[0])
            results["ours, no index cache"].append(run(nocache, env)[0])
            results["naive script"].append(run([sys.executable, str(script), str(article), QUESTION], env)[0])
    print(f"\nnew process answering {QUESTION!r}, median of {runs} runs (RSS: see /usr/bin/time -v)")
    print(f"{'command':<24} {'wall s':>8} {'ratio to naive':>15}")
    base = statistics.median(results["naive script"])
    for name, xs in results.items():
        print(f"{name:<24} {statistics.median(xs):>8.3f} {statistics.median(xs) / base:>15.2f}")
    print("targets: ours ≤ 0.5 s and ≤ the naive pipeline")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {machine()}\n")
    in_process(args.rounds)
    new_process(args.runs)


if __name__ == "__main__":
    main()
