"""The fast paths answer exactly what the plain ones do.

For knowledge of any size the engine scores only the candidates that can still reach the top
(see ``_Ranking``); small knowledge keeps, per word, which passages have it. Both must give the
answers, scores and ``explain`` of scoring every candidate. The helpers they use -- the light
figure scan, the longest common run, normalisation's fast paths -- must equal what they replace.
"""

from __future__ import annotations

import random
import unicodedata
from difflib import SequenceMatcher
from pathlib import Path

import pytest
import yaml

import bot.engine as engine_module
from bot import textnorm
from bot.config import BUNDLED_KNOWLEDGE
from bot.engine import Engine
from bot.figures import _longest_common_run, extract_figures, figure_spans
from bot.knowledge import load_knowledge
from bot.textnorm import _clean, normalize, strip_punct
from bot.tokenizer import _is_punct

REPO = Path(__file__).resolve().parent.parent


def _questions() -> list[str]:
    out = []
    for name in ("questions.yaml", "holdout.yaml"):
        out += [q["q"] for q in yaml.safe_load((REPO / "eval" / name).read_text(encoding="utf-8"))["questions"]]
    return out + ["江门在哪里", "深圳有多少家长者饭堂", "图片里是谁", "记者是谁", "python", "長者飯堂有多少家", "那县级的呢"]


def _snapshot(engine: Engine, questions: list[str]) -> list[tuple]:
    out = []
    for q in questions:
        a = engine.ask(q, explain=True)
        out.append((a.to_json(), a.explain, a.reason, [(h.passage.id, h.score, h.coverage, h.matched) for h in a.hits]))
    return out


def test_pruned_ranking_answers_as_scoring_every_candidate(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    questions = _questions()
    everything = _snapshot(engine, questions)  # small knowledge: every candidate scored
    # As if the knowledge were big: candidates matched per question, finished lazily.
    monkeypatch.setattr(engine_module, "SMALL_KNOWLEDGE", 0)
    lazy = Engine.build(BUNDLED_KNOWLEDGE)
    assert lazy._corpus_matches() is None
    assert _snapshot(lazy, questions) == everything
    monkeypatch.setattr(engine_module._Ranking, "_STEP", 1)  # finished one at a time
    assert _snapshot(Engine.build(BUNDLED_KNOWLEDGE), questions) == everything


def test_answers_without_explain_are_the_answers_with_it(engine: Engine) -> None:
    """Without ``explain`` the ranking stops after top_k candidates; the answer is the same."""
    for q in _questions():
        assert engine.ask(q) == engine.ask(q, explain=True)


def test_follow_ups_are_resolved_as_before(engine: Engine) -> None:
    assert engine.ask("那县级的呢?", "市级零工市场枢纽建了几个？").effective_question == "县级零工市场枢纽建了几个?"


def test_figure_spans_are_the_figures_extract_figures_finds() -> None:
    rng = random.Random(5)
    texts = [p.text for p in load_knowledge(BUNDLED_KNOWLEDGE).passages]
    alphabet = "0123456789.+%第超约近逾达个名家万亿元年月日“”,，。;；:：…——、和及以上左右多余千百中国江门G"
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(20000)]
    for text in texts:
        assert figure_spans(text) == [(f.start, f.value, f.unit, f.kind) for f in extract_figures(text, "x")], text


def test_longest_common_run_is_sequence_matchers() -> None:
    rng = random.Random(1)
    for _ in range(20000):
        alphabet = "ab中国人民abc"[: rng.randint(1, 9)]
        a = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        b = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        size = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b)).size
        assert _longest_common_run(a, b) == (size if size >= 2 else 0), (a, b)


def _clean_reference(text: str) -> str:
    out = []
    for ch in text:
        if ch in "\t\n\r":
            out.append(" ")
        elif unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"):
            out.append(ch)
    return "".join(out)


def test_normalisation_fast_paths_change_nothing() -> None:
    # _clean's printable shortcut, on every code point alone and next to a line break
    for cp in range(0x110000):
        ch = chr(cp)
        assert _clean(ch) == _clean_reference(ch), hex(cp)
        assert _clean(ch + "\n") == _clean_reference(ch + "\n"), hex(cp)
    # full-width punctuation replaced before NFKC: the same as NFKC alone
    rng = random.Random(2)
    alphabet = "，；：！？（）\u3000\u0301\u0300\u0327AaＡｶﾞ가中國長者飯堂 \t\n\x00\u200b①ﬁ"
    for _ in range(50000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10)))
        assert normalize(text) == _normalize_reference(text), text


def _normalize_reference(text: str) -> str:
    """normalize() as first written: NFKC, clean, t2s, lower, fold white space."""
    text = _clean_reference(unicodedata.normalize("NFKC", text))
    if textnorm._CJK_RE.search(text):
        text = textnorm._T2S.convert(text)
    return textnorm._SPACE_RE.sub(" ", text.lower()).strip()


def test_punctuation_test_is_the_category_test_on_every_character() -> None:
    for cp in range(0x110000):
        ch = chr(cp)
        assert _is_punct(ch) == (unicodedata.category(ch)[0] not in "LN"), hex(cp)


def test_stripping_punctuation_keeps_letters_and_digits_as_before() -> None:
    for cp in range(0x110000):
        text = "中" + chr(cp) + "a"
        assert strip_punct(text) == "".join(c for c in text if unicodedata.category(c)[0] in "LN"), hex(cp)
