"""Full answers on the bundled article: latency of the bot's answer against a naive pipeline.

    python benchmarks/bench_answer.py              # every eval question, 20 rounds
    python benchmarks/bench_answer.py --rounds 5

"One full answer" is what ``python -m bot ask`` does for a question once the engine is up:
normalise, tokenize, rank, pick figures, render with ``bot.render.reply_text``. The naive
pipeline (same process, same questions) is jieba.lcut of every paragraph of the article,
rank_bm25.BM25Okapi over them, and per question jieba.lcut + get_scores + the best paragraph.

Rounds: round 1 is each question's first answer (per-word and per-passage memos still filling);
p50/p99 are over every answer of every round. Wall and CPU time are both reported: the machine
is shared, and CPU time is what other processes disturb least.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_ranking import machine  # noqa: E402
from bot.config import BUNDLED_KNOWLEDGE  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.render import reply_text  # noqa: E402

ARTICLE = Path("/work/shared/knowledge/article.txt")
QUESTION_FILES = [ROOT / "eval" / "questions.yaml", ROOT / "eval" / "holdout.yaml", Path("/work/shared/eval/sample_questions.yaml")]
TARGETS = {"p50_ms": 0.3, "p99_ms": 1.0}


def questions() -> list[str]:
    out: list[str] = []
    for path in QUESTION_FILES:
        if path.is_file():
            out += [q["q"] for q in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]]
    return out


def timed(fn, items: list, rounds: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Wall and CPU ms of fn(item) for every item, ``rounds`` times; also round 1 alone."""
    wall, cpu = [], []
    for _ in range(rounds):
        for x in items:
            c, t = time.process_time_ns(), time.perf_counter_ns()
            fn(x)
            wall.append(time.perf_counter_ns() - t)
            cpu.append(time.process_time_ns() - c)
    w, c = np.array(wall) / 1e6, np.array(cpu) / 1e6
    return w, c, w[: len(items)]


def naive(qs: list[str], rounds: int) -> dict:
    import logging

    import jieba
    from rank_bm25 import BM25Okapi

    jieba.setLogLevel(logging.WARNING)
    t0 = time.perf_counter()
    paragraphs = [line.strip() for line in ARTICLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    corpus = [jieba.lcut(p) for p in paragraphs]
    bm25 = BM25Okapi(corpus)
    setup = time.perf_counter() - t0

    def answer(q: str) -> str:
        scores = bm25.get_scores(jieba.lcut(q))
        return paragraphs[int(np.argmax(scores))]

    wall, cpu, first = timed(answer, qs, rounds)
    return {"setup_s": setup, "wall": wall, "cpu": cpu, "first": first}


def ours(qs: list[str], rounds: int) -> dict:
    t0 = time.perf_counter()
    engine = Engine.build(BUNDLED_KNOWLEDGE)
    info = engine.info()
    setup = time.perf_counter() - t0
    wall, cpu, first = timed(lambda q: reply_text(engine.ask(q), info), qs, rounds)
    return {"setup_s": setup, "wall": wall, "cpu": cpu, "first": first}


def render(r_ours: dict, r_naive: dict, n_q: int, rounds: int) -> str:
    def p(a: np.ndarray, q: float) -> str:
        return f"{np.percentile(a, q):.3f} ms"

    rows = [
        ("answers timed", f"{n_q} questions x {rounds} rounds", f"{n_q} questions x {rounds} rounds"),
        ("set-up in this process", f"{r_ours['setup_s']:.2f} s (index built)", f"{r_naive['setup_s']:.2f} s (dictionary + lcut + BM25Okapi)"),
        ("full answer p50 (wall)", p(r_ours["wall"], 50), p(r_naive["wall"], 50)),
        ("full answer p99 (wall)", p(r_ours["wall"], 99), p(r_naive["wall"], 99)),
        ("full answer p50 / p99 (CPU)", f"{p(r_ours['cpu'], 50)} / {p(r_ours['cpu'], 99)}", f"{p(r_naive['cpu'], 50)} / {p(r_naive['cpu'], 99)}"),
        ("first answer of each question p50", p(r_ours["first"], 50), p(r_naive["first"], 50)),
        ("mean (wall)", f"{r_ours['wall'].mean():.3f} ms", f"{r_naive['wall'].mean():.3f} ms"),
    ]
    widths = [max(len(r[i]) for r in rows + [("metric", "qabot (normalise … reply_text)", "naive jieba + rank_bm25")]) for i in range(3)]
    head = ("metric", "qabot (normalise … reply_text)", "naive jieba + rank_bm25")
    lines = [" | ".join(h.ljust(w) for h, w in zip(head, widths)), "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    o50, o99 = np.percentile(r_ours["wall"], 50), np.percentile(r_ours["wall"], 99)
    lines.append("")
    lines.append(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f}")
    lines.append("targets (from the issue):")
    lines.append(f"  p50 <= {TARGETS['p50_ms']} ms: {o50:.3f} ms {'PASS' if o50 <= TARGETS['p50_ms'] else 'FAIL'}")
    lines.append(f"  p99 <= {TARGETS['p99_ms']} ms: {o99:.3f} ms {'PASS' if o99 <= TARGETS['p99_ms'] else 'FAIL'}")
    lines.append(
        "The naive pipeline answers with a paragraph only (no normalisation, coverage check, figures or "
        "rendering); it is the reference for cost, not for answers."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args(argv)
    qs = questions()
    print(machine(), flush=True)
    r_ours = ours(qs, args.rounds)
    r_naive = naive(qs, args.rounds)
    print(render(r_ours, r_naive, len(qs), args.rounds))
    print(f"(median of per-question medians, wall: {statistics.median(np.median(r_ours['wall'].reshape(args.rounds, -1), axis=0)):.3f} ms)")


if __name__ == "__main__":
    main()
