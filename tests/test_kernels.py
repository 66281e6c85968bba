"""The compiled top-k (bot.kernels, numba) against rank_bm25 and the numpy path.

Large indexes only take it (``MIN_PASSAGES``); here the threshold is lowered so that generated
corpora of a few thousand passages go through every part of it: the seed blocks, the pass in
passage order, frequent terms with and without their uint8 columns, repeated query terms.
"""

from __future__ import annotations

import numpy as np
import pytest
from rank_bm25 import BM25Okapi
from test_bm25 import expected_top, make_corpus, make_queries

import bot.bm25 as bm25
import bot.index as index
from bot import kernels
from bot.bm25 import SparseBM25
from bot.config import BUNDLED_KNOWLEDGE
from bot.engine import Engine

pytest.importorskip("numba")

SETTINGS = {  # SparseBM25 build constants: which terms get uint8 columns
    "default": {},
    "no-dense-columns": {"_DENSE_BUDGET": 0},
    "all-dense-columns": {"_DENSE_MIN_DF": 0.0},
}


@pytest.fixture()
def compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernels, "MIN_PASSAGES", 0)
    assert kernels.available()


def _numpy_top_k(monkeypatch: pytest.MonkeyPatch, ours: SparseBM25, q: list[str], k: int) -> list[tuple[int, float]]:
    with monkeypatch.context() as m:
        m.setattr(kernels, "_kernels", False)  # as without numba
        return ours.top_k(q, k)


@pytest.mark.parametrize("setting", list(SETTINGS))
@pytest.mark.parametrize("seed_blocks", [1, 64])
@pytest.mark.parametrize(("n", "seed"), [(2000, 0), (5000, 1), (5000, 2)])
def test_compiled_top_k_is_rank_bm25s(
    compiled, monkeypatch: pytest.MonkeyPatch, setting: str, seed_blocks: int, n: int, seed: int
) -> None:
    for name, value in SETTINGS[setting].items():
        monkeypatch.setattr(bm25, name, value)
    monkeypatch.setattr(kernels, "SEED", seed_blocks)  # 1: most blocks come in the second pass
    corpus = make_corpus(n, seed)
    ref, ours = BM25Okapi(corpus), SparseBM25(corpus)
    used = every = 0
    for q in make_queries(corpus, seed, count=80):
        scores = ref.get_scores(q)
        cols = ours.lookup(q)
        for k in (1, 10, 30):
            direct = kernels.top_k(ours, cols, k)
            used += direct is not None
            # postings=0: every posting scored, not bounded (what short queries take)
            all_postings = kernels.top_k(ours, cols, k, 0)
            every += all_postings is not None
            got = ours.top_k(q, k)
            assert [i for i, _ in got] == expected_top(corpus, scores, q, k), (q, k)
            assert [s for _, s in got] == [scores[i] for i, _ in got], (q, k)  # bitwise
            assert got == _numpy_top_k(monkeypatch, ours, q, k), (q, k)
            if direct is not None:
                assert direct == got
            if all_postings is not None:
                assert all_postings == got
    assert used > 100  # the kernel itself answered (not the numpy path it falls back to)
    assert every > 100
    _, acc, _ = ours.__dict__["_kernel_scratch"]
    assert np.isnan(acc).all()  # left as it was found, for the next query


def test_scoring_every_posting_while_another_thread_does_gives_the_same(compiled) -> None:
    corpus = make_corpus(3000, 5)
    ref, ours = BM25Okapi(corpus), SparseBM25(corpus)
    q = next(q for q in make_queries(corpus, 5, count=40) if len(set(ours.lookup(q))) >= 3)
    cols = ours.lookup(q)
    alone = kernels.top_k(ours, cols, 10, 0)
    lock, acc, _ = ours.__dict__["_kernel_scratch"]
    with lock:  # as while another thread ranks with this index: a scratch of its own
        busy = kernels.top_k(ours, cols, 10, 0)
    assert alone is not None and busy == alone
    assert [i for i, _ in busy] == expected_top(corpus, ref.get_scores(q), q, 10)
    assert np.isnan(acc).all()


def test_compiled_scores_of_given_passages_are_bitwise_equal(compiled, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = make_corpus(3000, 4)
    ref, ours = BM25Okapi(corpus), SparseBM25(corpus)
    rng = np.random.default_rng(4)
    for q in make_queries(corpus, 4, count=60):
        cols = ours.lookup(q)
        if not cols:
            continue
        docs = rng.choice(len(corpus), size=50, replace=False).tolist()  # not sorted
        got = kernels.score_docs(ours, cols, docs)
        assert got is not None
        assert np.array_equal(got, ref.get_scores(q)[docs]), q
        with monkeypatch.context() as m:
            m.setattr(kernels, "_kernels", False)
            assert np.array_equal(got, ours.score_columns(cols, docs)), q


def test_nothing_above_zero_falls_back_to_the_numpy_path(compiled) -> None:
    # Every word is in more than half the passages of a tiny corpus: idf is epsilon times a
    # negative average, every score <= 0, and bounds cannot prune.
    corpus = [["a", "b"], ["a", "b", "c"], ["a", "c"], ["a", "b", "c"]]
    ours = SparseBM25(corpus)
    cols = ours.lookup(["a", "b"])
    assert kernels.top_k(ours, cols, 2) is None
    assert [i for i, _ in ours.top_k(["a", "b"], 2)] == expected_top(corpus, BM25Okapi(corpus).get_scores(["a", "b"]), ["a", "b"], 2)


def test_without_numba_the_numpy_path_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernels, "MIN_PASSAGES", 0)
    monkeypatch.setattr(kernels, "_kernels", False)
    corpus = make_corpus(2000, 3)
    ours = SparseBM25(corpus)
    assert not kernels.available()
    assert kernels.top_k(ours, ours.lookup(["词1", "词2"]), 5) is None
    assert kernels.score_docs(ours, ours.lookup(["词1"]), [0, 1]) is None
    q = ["词1", "词2", "的"]
    assert [i for i, _ in ours.top_k(q, 10)] == expected_top(corpus, BM25Okapi(corpus).get_scores(q), q, 10)


def test_an_engine_answers_the_same_with_the_compiled_ranking(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The bundled article through the compiled top-k, both channels ranked on two threads.
    questions = ["长者饭堂一顿饭多少钱", "讲师团有多少名成员？", "江门新增了多少所中小学？", "零工市场在哪里", "上海有多少常住人口？"]
    # Small knowledge is ranked in Python: these make it take the numpy (then compiled) top-k.
    monkeypatch.setattr(index, "_SMALL_CORPUS", 0)
    monkeypatch.setattr(index, "_PYTHON_POSTINGS", 0)
    monkeypatch.setattr(bm25, "_EXACT_POSTINGS", 0)
    plain = Engine.build(BUNDLED_KNOWLEDGE, cache_dir=tmp_path / "a")
    before = [(a.answered, [h.passage.id for h in a.hits], [f.value for f in a.figures]) for a in map(plain.ask, questions)]
    monkeypatch.setattr(kernels, "MIN_PASSAGES", 0)
    calls = []
    original = kernels.top_k
    monkeypatch.setattr(kernels, "top_k", lambda *a: calls.append(1) or original(*a))
    fast = Engine.build(BUNDLED_KNOWLEDGE, cache_dir=tmp_path / "b")
    after = [(a.answered, [h.passage.id for h in a.hits], [f.value for f in a.figures]) for a in map(fast.ask, questions)]
    assert after == before
    assert calls  # the compiled path was taken
