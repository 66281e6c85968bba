"""``eval``: score the engine on a question file (the format of eval/questions.yaml).

Each question has ``q`` and ``kind``; ``gold`` substrings mark a correct passage (compared with
punctuation and white space dropped), ``figure`` must be in the first figure's value, ``answer``
in the first passage, and ``negative`` questions must be refused.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import yaml

from bot.engine import Engine, gold_matches
from bot.errors import KnowledgeError
from bot.models import Answer

KINDS = ("number", "fact", "trad", "colloquial", "semantic", "negative")


@dataclass(frozen=True)
class Question:
    q: str
    kind: str
    gold: tuple[str, ...] = ()
    figure: str | None = None
    answer: str | None = None


@dataclass
class Report:
    """Counts and per-question outcomes of one eval run."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        pos = [r for r in self.rows if r["kind"] != "negative"]
        neg = [r for r in self.rows if r["kind"] == "negative"]
        figs = [r for r in self.rows if r["figure_ok"] is not None]
        ans = [r for r in self.rows if r["answer_ok"] is not None]

        def mean(xs: list[float]) -> float | None:
            return round(sum(xs) / len(xs), 3) if xs else None

        by_kind: dict[str, dict[str, Any]] = {}
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in self.rows:
            groups[r["kind"]].append(r)
        for kind, rs in groups.items():
            if kind == "negative":
                by_kind[kind] = {"n": len(rs), "refused": mean([0.0 if r["answered"] else 1.0 for r in rs])}
            else:
                by_kind[kind] = {
                    "n": len(rs),
                    "hit@1": mean([float(r["rank"] == 1) for r in rs]),
                    "hit@3": mean([float(0 < r["rank"] <= 3) for r in rs]),
                    "figure@1": mean([float(r["figure_ok"]) for r in rs if r["figure_ok"] is not None]),
                }
        return {
            "questions": len(self.rows),
            "hit@1": mean([float(r["rank"] == 1) for r in pos]),
            "hit@3": mean([float(0 < r["rank"] <= 3) for r in pos]),
            "mrr@5": mean([1.0 / r["rank"] if 0 < r["rank"] <= 5 else 0.0 for r in pos]),
            "figure@1": mean([float(r["figure_ok"]) for r in figs]),
            "answer@1": mean([float(r["answer_ok"]) for r in ans]),
            "negatives_refused": mean([0.0 if r["answered"] else 1.0 for r in neg]),
            "false_refusals": mean([0.0 if r["answered"] else 1.0 for r in pos]),
            "by_kind": by_kind,
        }

    def misses(self) -> list[dict[str, Any]]:
        out = []
        for r in self.rows:
            bad = (
                (r["kind"] == "negative" and r["answered"])
                or (r["kind"] != "negative" and r["rank"] != 1)
                or r["figure_ok"] is False
                or r["answer_ok"] is False
            )
            if bad:
                out.append(r)
        return out


def load_questions(path: Path) -> list[Question]:
    """Read a question file; errors name the file and the entry."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{path}: cannot read the question file ({str(exc).splitlines()[0]})") from exc
    items = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise KnowledgeError(f"{path}: expected 'questions:' followed by a list")
    out = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or not isinstance(item.get("q"), str) or item.get("kind") not in KINDS:
            raise KnowledgeError(f"{path}: question {n} needs 'q' (text) and 'kind' (one of {', '.join(KINDS)})")
        gold = item.get("gold") or []
        gold = [gold] if isinstance(gold, (str, int, float)) else gold
        if not isinstance(gold, list):
            raise KnowledgeError(f"{path}: question {n}: 'gold' must be a string or a list of strings")
        fig = item.get("figure")
        ans = item.get("answer")
        out.append(
            Question(
                item["q"],
                item["kind"],
                tuple(str(g) for g in gold),
                None if fig is None else str(fig),
                None if ans is None else str(ans),
            )
        )
    return out


def score(answer: Answer, q: Question) -> dict[str, Any]:
    """One question's outcome: rank of the first gold passage (0 = none), figure and answer checks."""
    rank = 0
    if answer.answered:
        for i, hit in enumerate(answer.hits[:5], 1):
            if any(gold_matches(hit.passage.text, g) for g in q.gold):
                rank = i
                break
    first_fig = answer.figures[0].value if answer.answered and answer.figures else ""
    first_text = answer.hits[0].passage.text if answer.answered and answer.hits else ""
    return {
        "q": q.q,
        "kind": q.kind,
        "answered": answer.answered,
        "rank": rank,
        "figure_ok": None if q.figure is None else (q.figure in first_fig),
        "answer_ok": None if q.answer is None else gold_matches(first_text, q.answer),
        "got_passage": answer.hits[0].passage.id if answer.answered and answer.hits else None,
        "got_figure": first_fig or None,
        "expected_figure": q.figure,
    }


def evaluate(engine: Engine, questions: list[Question]) -> Report:
    """Ask every question (each on its own, no follow-up context) and score it."""
    report = Report()
    for q in questions:
        report.rows.append(score(engine.ask(q.q), q))
    return report


def format_report(report: Report) -> str:
    """The table people read."""
    s = report.summary()

    def f(x: float | None) -> str:
        return "  -  " if x is None else f"{x:.3f}"

    lines = [
        f"questions: {s['questions']}",
        "",
        f"{'hit@1':>8} {'hit@3':>8} {'MRR@5':>8} {'figure@1':>9} {'answer@1':>9} {'refused(neg)':>13} {'false_refusals':>15}",
        f"{f(s['hit@1']):>8} {f(s['hit@3']):>8} {f(s['mrr@5']):>8} {f(s['figure@1']):>9} {f(s['answer@1']):>9}"
        f" {f(s['negatives_refused']):>13} {f(s['false_refusals']):>15}",
        "",
        f"{'kind':<11} {'n':>4} {'hit@1':>7} {'hit@3':>7} {'figure@1':>9} {'refused':>8}",
    ]
    for kind in KINDS:
        k = s["by_kind"].get(kind)
        if not k:
            continue
        lines.append(
            f"{kind:<11} {k['n']:>4} {f(k.get('hit@1')):>7} {f(k.get('hit@3')):>7} {f(k.get('figure@1')):>9} {f(k.get('refused')):>8}"
        )
    misses = report.misses()
    lines += ["", f"misses: {len(misses)}"]
    for r in misses:
        why = []
        if r["kind"] == "negative":
            why.append(f"answered with {r['got_passage']}")
        else:
            if not r["answered"]:
                why.append("refused")
            elif r["rank"] != 1:
                why.append(f"gold at rank {r['rank'] or '>5'} (got {r['got_passage']})")
            if r["figure_ok"] is False:
                why.append(f"figure {r['got_figure']!r} ≠ {r['expected_figure']!r}")
            if r["answer_ok"] is False:
                why.append("answer text not in first passage")
        lines.append(f"  [{r['kind']}] {r['q']} — {'; '.join(why)}")
    return "\n".join(lines)


def run_eval(engine: Engine, path: Path, *, stdout: TextIO | None = None, as_json: bool = False) -> int:
    """Print the eval table (or JSON) for the questions in ``path``."""
    out = stdout or sys.stdout
    report = evaluate(engine, load_questions(path))
    if as_json:
        print(json.dumps({"summary": report.summary(), "misses": report.misses()}, ensure_ascii=False), file=out)
    else:
        print(format_report(report), file=out)
    return 0
