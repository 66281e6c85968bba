"""Indexing many passages: batches through BatchAnalyzer, in worker processes, give the index
that analysing each passage on its own gives -- the same arrays, the same vocabulary order.

The thresholds that choose a path are lowered here, so a few thousand passages take each path.
"""

from __future__ import annotations

import logging
import random
from pathlib import Path

import numpy as np
import pytest

import bot.engine as engine_module
from bot.config import BUNDLED_KNOWLEDGE
from bot.engine import Engine, build_index, passage_document_text
from bot.index import PassageIndex
from bot.knowledge import load_knowledge
from bot.lexicon import load_lexicon
from bot.models import Passage
from bot.textnorm import normalize
from bot.tokenizer import BatchAnalyzer, Tokenizer, bigram_text

REPO = Path(__file__).resolve().parent.parent

# Texts that exercise every part of jieba's algorithm: dictionary words and domain words,
# unknown runs (its HMM), numbers and units, ASCII, punctuation, traditional characters,
# characters outside the BMP, controls, long blocks and empty passages.
ODD_TEXTS = [
    "",
    "   ",
    "。，、！？",
    "主题教育开展以来,江门扎实推进长者饭堂建设,“约饭”长者饭堂正成为不少老年人追赶的新潮流。",
    "鹤山及6个镇60个村入选“百千万工程”首批典型县镇村名单。",
    "全年GDP增长5.2%,达到347.3亿元;1+6+3工作安排、1310部署。",
    "長者飯堂有多少家?講師團成員88名。",
    "吴晓晖主持召开市政府党组会议,郑家豪、林慧如参加。",
    "python java C++ 2023年9月19日 v2.0 G20",
    "🙂中国\U00020000人民\x00控制\u200b字符",
    "中" * 300,
    "x" * 500,
    "多少家长者饭堂?几所学校?找活干去就业驿站",
]


def _texts(count: int) -> list[str]:
    import sys

    sys.path.insert(0, str(REPO))
    from benchmarks.corpus import SyntheticCorpus

    rng = random.Random(3)
    alphabet = "的一是在不了有和人中大为上个国我以要时来用们生到作地于出就分对成会可主发年动同工多少几家名abc019.%+ ，。！？、“”()"
    texts = list(ODD_TEXTS)
    texts += [passage_document_text(p) for p in load_knowledge(BUNDLED_KNOWLEDGE).passages]
    texts += SyntheticCorpus(4).texts(count)
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(200)]
    return texts


def _passages(texts: list[str]) -> list[Passage]:
    return [Passage(f"d#{i}", "d", None, "paragraph", i + 1, t) for i, t in enumerate(texts)]


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    t = Tokenizer(load_lexicon(BUNDLED_KNOWLEDGE))
    t.initialize()
    return t


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return _texts(2500)


def _same_index(a: PassageIndex, b: PassageIndex) -> None:
    for channel in ("words", "bigrams"):
        x, y = getattr(a, channel).bm25, getattr(b, channel).bm25
        assert list(x.vocabulary) == list(y.vocabulary), channel
        for name in ("_indptr", "_docs", "_weights", "_idf", "_doc_len", "_tf"):
            u, v = getattr(x, name), getattr(y, name)
            assert u.dtype == v.dtype and np.array_equal(u, v), (channel, name)
        assert (x.average_idf, x.avgdl) == (y.average_idf, y.avgdl)


def test_batch_analysis_equals_analysing_each_text(tokenizer: Tokenizer, texts: list[str]) -> None:
    analyzer = BatchAnalyzer(tokenizer)
    for part in (texts[:1500], texts[1500:]):  # the second batch reuses the first one's tables
        batch = analyzer.analyze(part)
        words = [analyzer._word_list[i] for i in batch.word_ids.tolist()]
        codes = analyzer._bigram_codes[0].tolist()
        bigrams = [bigram_text(codes[i]) for i in batch.bigram_ids.tolist()]
        w = b = 0
        for text, nw, nb in zip(part, batch.word_counts.tolist(), batch.bigram_counts.tolist()):
            expected = tokenizer.analyze(text)
            assert (tuple(words[w : w + nw]), tuple(bigrams[b : b + nb])) == (expected.words, expected.bigrams), text
            w, b = w + nw, b + nb
        assert batch.texts.split("\n") == [normalize(t) for t in part]


def test_the_segmenter_cuts_as_jieba(tokenizer: Tokenizer, texts: list[str]) -> None:
    """Tokenizer._cut (questions) re-implements jieba.Tokenizer.cut: same tokens."""
    tokenizer.load_all()
    for text in texts[:800]:
        assert tokenizer._cut(text) == list(tokenizer._jieba.cut(text)), text


@pytest.mark.parametrize("path", ["batches", "workers"])
def test_batches_and_workers_build_the_index_one_passage_at_a_time_builds(
    tokenizer: Tokenizer, texts: list[str], monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    passages = _passages(texts)
    reference = build_index(tokenizer, passages)  # below BATCH_MIN_PASSAGES: one by one
    assert len(passages) < engine_module.BATCH_MIN_PASSAGES
    monkeypatch.setattr(engine_module, "BATCH_MIN_PASSAGES", 0)
    monkeypatch.setattr(engine_module, "BATCH_PASSAGES", 700)  # several batches
    built = build_index(tokenizer, passages, workers=2 if path == "workers" else 1)
    _same_index(reference, built)
    assert built.texts is not None and len(built.texts) == len(passages)
    # What is indexed: the text, and what its abbreviations stand for (百千万工程 …).
    expected = [normalize(passage_document_text(p, tokenizer.lexicon.glossary)) for p in passages]
    assert [built.texts[i] for i in range(len(passages))] == expected
    assert sum(e != normalize(t) for e, t in zip(expected, texts)) >= 1  # the glossary is exercised


def test_a_pool_that_cannot_start_falls_back_to_one_process(
    tokenizer: Tokenizer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    passages = _passages(_texts(300))
    reference = build_index(tokenizer, passages)

    def no_processes(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("no processes in this sandbox")
        yield  # a generator, like the real one

    monkeypatch.setattr(engine_module, "BATCH_MIN_PASSAGES", 0)
    monkeypatch.setattr(engine_module, "_analyze_in_pool", no_processes)
    with caplog.at_level(logging.WARNING):
        built = build_index(tokenizer, passages, workers=2)
    assert "worker pool failed" in caplog.text
    _same_index(reference, built)


def test_progress_is_reported_after_every_batch(tokenizer: Tokenizer, monkeypatch: pytest.MonkeyPatch) -> None:
    passages = _passages(_texts(300))
    monkeypatch.setattr(engine_module, "BATCH_MIN_PASSAGES", 0)
    monkeypatch.setattr(engine_module, "BATCH_PASSAGES", 250)
    calls: list[tuple[int, int, int]] = []
    build_index(tokenizer, passages, lambda *a: calls.append(a), workers=1)
    total_chars = sum(len(passage_document_text(p)) for p in passages)
    assert [c[0] for c in calls] == [min(250 * i, len(passages)) for i in range(1, len(calls) + 1)]
    assert calls[-1] == (len(passages), len(passages), total_chars)


def test_answers_from_a_batch_built_and_reloaded_index_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Built in batches (texts kept), saved, loaded (texts memory-mapped): same answers as
    built one passage at a time."""
    folder = tmp_path / "knowledge"
    folder.mkdir()
    texts = _texts(600)
    (folder / "a.txt").write_text("\n\n".join(t.replace("\n", " ") or "空" for t in texts) + "\n", encoding="utf-8")
    questions = ["讲师团有多少名成员？", "长者饭堂新增了多少家", "江门在哪里", "python", "国家企业发展多少？", "学校"]
    one_by_one = Engine.build(folder)
    monkeypatch.setattr(engine_module, "BATCH_MIN_PASSAGES", 0)
    built = Engine.build(folder, cache_dir=tmp_path / "cache")
    loaded = Engine.build(folder, cache_dir=tmp_path / "cache")
    assert loaded.index.texts is not None
    for q in questions:
        expected = one_by_one.ask(q, explain=True)
        for engine in (built, loaded):
            got = engine.ask(q, explain=True)
            assert got.to_json() == expected.to_json()
            assert got.explain == expected.explain


def test_a_pool_started_before_parsing_builds_the_same_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tokenizer: Tokenizer
) -> None:
    """Big unsaved knowledge starts its worker pool before the documents are parsed; the pool
    is used (and shut down) by build_index. Saved knowledge starts none."""
    folder = tmp_path / "knowledge"
    folder.mkdir()
    texts = [t.replace("\n", " ") for t in _texts(1200) if t.strip() and "\n" not in t.strip()]
    (folder / "a.txt").write_text("\n\n".join(texts) + "\n", encoding="utf-8")
    reference = Engine.build(folder)
    started: list[int] = []
    real_start = engine_module._start_pool

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        started.append(1)
        return real_start(*args, **kwargs)

    monkeypatch.setattr(engine_module, "_start_pool", counting)
    monkeypatch.setattr(engine_module, "_cpu_count", lambda: 2)
    monkeypatch.setattr(engine_module, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(engine_module, "PARALLEL_MIN_PASSAGES", 0)
    monkeypatch.setattr(engine_module, "BATCH_MIN_PASSAGES", 0)
    monkeypatch.setattr(engine_module, "BATCH_PASSAGES", 700)
    built = Engine.build(folder, cache_dir=tmp_path / "cache")
    assert started == [1]
    _same_index(reference.index, built.index)
    Engine.build(folder, cache_dir=tmp_path / "cache")  # loaded: no pool
    assert started == [1]


def test_reading_documents_is_reported_to_a_progress_object_that_asks(tmp_path: Path) -> None:
    """Parsing a million passages takes seconds: a progress object with ``reading`` hears of
    every document, then of the passages as usual; a plain callable is not asked to."""
    folder = tmp_path / "knowledge"
    folder.mkdir()
    for i in range(3):
        (folder / f"d{i}.txt").write_text("长者饭堂新增48家。\n\n总数达114家。\n", encoding="utf-8")

    class Recorder:
        def __init__(self) -> None:
            self.read: list[tuple[int, int]] = []
            self.indexed: list[tuple[int, int, int]] = []

        def reading(self, done: int, total: int) -> None:
            self.read.append((done, total))

        def __call__(self, done: int, total: int, chars: int) -> None:
            self.indexed.append((done, total, chars))

    rec = Recorder()
    Engine.build(folder, progress=rec)
    assert rec.read == [(1, 3), (2, 3), (3, 3)]
    assert rec.indexed[-1][:2] == (6, 6)
    calls: list[tuple[int, int, int]] = []
    Engine.build(folder, progress=lambda *a: calls.append(a))
    assert calls[-1][:2] == (6, 6)


def test_the_progress_line_covers_reading_then_indexing() -> None:
    import io

    from bot.app import Progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Tty()
    progress = Progress(out, after=0.0)
    progress.reading(1, 2)
    progress.reading(2, 2)
    progress(3, 3, 30)
    lines = out.getvalue()
    assert lines.startswith("\rreading documents 1/2 (50%)\rreading documents 2/2 (100%)\n\rindexing 3/3 passages (100%)")
    assert lines.endswith("\n")
