"""Answer quality of the engine against two simple baselines, scored exactly like ``qabot eval``.

    python benchmarks/bench_quality.py [QUESTION_FILE ...]

Baselines (same passages, same scoring):
- ``bm25``: rank-bm25 over ``jieba.lcut`` tokens; answers whenever the best score is > 0;
  figures in reading order of the best passage.
- ``fused``: word + character-bigram BM25, min-max fused; refuses when no question word
  (stopwords of the bundled list excluded) is in the best passage; figures ranked by how many
  question characters their clause shares.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import jieba
from rank_bm25 import BM25Okapi

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.config import BUNDLED_KNOWLEDGE  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.evaluate import Report, load_questions, score  # noqa: E402
from bot.figures import extract_figures  # noqa: E402
from bot.lexicon import load_lexicon  # noqa: E402
from bot.models import Answer, Hit  # noqa: E402
from bot.textnorm import normalize  # noqa: E402

jieba.setLogLevel(logging.WARNING)


def _bigrams(text: str) -> list[str]:
    t = "".join(ch for ch in normalize(text) if ch.isalnum())
    return [t[i : i + 2] for i in range(len(t) - 1)]


class Baselines:
    def __init__(self, engine: Engine) -> None:
        self.passages = engine.passages
        self.words = [jieba.lcut(normalize(p.text)) for p in self.passages]
        self.bm25 = BM25Okapi(self.words)
        self.bigram_bm25 = BM25Okapi([_bigrams(p.text) for p in self.passages])
        self.stop = load_lexicon(BUNDLED_KNOWLEDGE).stopwords

    def _answer(self, q: str, order: list[int], figures: list) -> Answer:
        hits = tuple(Hit(self.passages[i], 0.0) for i in order[:3])
        return Answer(q, True, hits, tuple(figures))

    def plain(self, q: str) -> Answer:
        scores = self.bm25.get_scores(jieba.lcut(normalize(q)))
        order = sorted(range(len(scores)), key=lambda i: -scores[i])
        if scores[order[0]] <= 0:
            return Answer(q, False)
        top = self.passages[order[0]]
        return self._answer(q, order, extract_figures(top.text, top.id))

    def fused(self, q: str) -> Answer:
        qn = normalize(q)
        words = [w for w in jieba.lcut(qn) if w.strip() and w not in self.stop]
        w = self.bm25.get_scores(words)
        b = self.bigram_bm25.get_scores(_bigrams(q))

        def mm(xs):  # type: ignore[no-untyped-def]
            lo, hi = min(xs), max(xs)
            return [(x - lo) / (hi - lo) if hi > lo else 0.0 for x in xs]

        fused = [x + y for x, y in zip(mm(list(w)), mm(list(b)))]
        order = sorted(range(len(fused)), key=lambda i: -fused[i])
        top = self.passages[order[0]]
        if not any(word in normalize(top.text) for word in words if len(word) > 1):
            return Answer(q, False)
        figs = extract_figures(top.text, top.id)
        figs.sort(key=lambda f: -len(set(f.context) & set(qn)))
        return self._answer(q, order, figs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "files",
        nargs="*",
        default=[
            str(REPO.parent / "shared" / "eval" / "sample_questions.yaml"),
            str(REPO / "eval" / "questions.yaml"),
            str(REPO / "eval" / "holdout.yaml"),
        ],
    )
    args = parser.parse_args()
    engine = Engine.build(BUNDLED_KNOWLEDGE)
    base = Baselines(engine)
    systems = {"ours": engine.ask, "bm25": base.plain, "fused": base.fused}
    cols = ("hit@1", "hit@3", "mrr@5", "figure@1", "negatives_refused", "false_refusals")
    print(f"{'set':<22} {'system':<7} " + " ".join(f"{c:>17}" for c in cols) + f" {'semantic hit@1':>15}")
    for path in args.files:
        p = Path(path)
        if not p.is_file():
            print(f"{p.name}: not found, skipped")
            continue
        questions = load_questions(p)
        for name, ask in systems.items():
            report = Report([score(ask(q.q), q) for q in questions])
            s = report.summary()
            sem = s["by_kind"].get("semantic", {}).get("hit@1")
            cells = " ".join(f"{'-' if s[c] is None else format(s[c], '.3f'):>17}" for c in cols)
            print(f"{p.name:<22} {name:<7} {cells} {'-' if sem is None else format(sem, '.3f'):>15}")


if __name__ == "__main__":
    main()
