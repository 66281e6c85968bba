"""Compiled BM25 top-k for large indexes (numba): the same results as :class:`bot.bm25.SparseBM25`.

At a million passages a question's words have ~250k postings (median; 1M at the 90th
percentile). ``SparseBM25.top_k_columns`` prunes them with block upper bounds in numpy, each
step a whole-array call with its temporaries. Here the same idea runs as one compiled loop
(``bot/_kernels_nb.py``):

1. every block of 64 passages gets an upper bound: the sum, over the query's terms, of each
   term's largest weight in the block (the uint8 block maxima of frequent terms, the exact
   weights of the others);
2. the best-bounded blocks are scored first (blocks ordered by a counting sort of their
   bounds), which sets a threshold: the k-th best score found;
3. every other block whose bound reaches the threshold is bounded again per eighth (8
   passages: the frequent terms' uint8 maxima per eighth, the largest exact weight of each
   other term), and the eighths whose bound reaches it are visited in passage order. In an
   eighth, each passage is bounded again (uint8 weights of frequent terms, exact ones of the
   others) and scored exactly only if that bound reaches the threshold.

A query whose distinct terms have at most ``ALL_POSTINGS_SHARE`` postings per passage (and at
most ``ALL_POSTINGS_MAX`` in all) skips the bounds: ``top_k_all`` adds every posting into one score per passage (term at a time, NaN
marking a passage not reached) and keeps the best k in a heap. Bounding costs work in
proportion to the number of blocks, which short posting lists do not repay.

Scores add the same float64 terms in the same (query) order as
``SparseBM25._score_candidates`` -- bitwise equal to it, and so to rank_bm25 -- and ties go to
the lower passage. A block or passage is skipped only when its bound plus a rounding margin is
below the threshold, so the top k are exact. ``tests/test_kernels.py`` checks both against
rank_bm25 and the numpy path on generated corpora.

numba is optional (the ``scale`` extra). Without it, or below ``MIN_PASSAGES``, the numpy path
answers. Machine code is cached on disk (numba's ``cache=True``, in ``bot/__pycache__`` or the
user's cache folder): only the first process ever to call a kernel compiles it (~6 s; later
processes load it in ~0.2 s). ``python -m bot index`` does that for a large knowledge folder.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["MIN_PASSAGES", "available", "score_docs", "top_k", "warm_up"]

# Below this many passages the numpy path is as fast (its calls are on small arrays), and a
# process need not import numba (~0.1 s) nor load its machine code (~0.2 s).
MIN_PASSAGES = 50_000
SEED = 64  # best-bounded blocks scored first, for the threshold
# A query with at most this many postings per passage, and at most ALL_POSTINGS_MAX in all, is
# scored posting by posting (see top_k). Measured (median ms, all postings / bounded): at 100k
# passages, 0-5k postings 0.03 / 0.15, 20-25k 0.12 / 0.21, 35-50k 0.19 / 0.18; at 1M, 0-50k 0.24 /
# 0.38, 50-100k 0.59 / 0.52, 150-200k 1.06 / 0.37 (a score per passage no longer fits a cache).
ALL_POSTINGS_SHARE = 0.25
ALL_POSTINGS_MAX = 50_000

_kernels: Any = None  # bot._kernels_nb once imported, False when numba is missing


def available() -> bool:
    """Whether numba is installed (the kernels are imported on the first call)."""
    global _kernels
    if _kernels is None:
        try:
            from bot import _kernels_nb  # noqa: PLC0415 -- optional, and ~0.1 s to import numba
        except ImportError:
            _kernels = False
        else:
            _kernels = _kernels_nb
    return bool(_kernels)


def top_k(bm: Any, cols: Sequence[int], k: int, postings: int | None = None) -> list[tuple[int, float]] | None:
    """``bm.top_k_columns(cols, k)`` for a :class:`SparseBM25` ``bm`` and query columns
    ``cols`` (known ones, query order, repeats kept); None when numba is missing or nothing
    scores above 0 (bounds cannot prune then: the numpy path ranks).

    ``postings``: the query's distinct terms' postings in all, when the caller knows it. Up
    to ``ALL_POSTINGS_SHARE`` of the passages (and ``ALL_POSTINGS_MAX``), every posting is
    scored (term at a time) instead of bounding blocks: bounding has a cost in the number of
    blocks that short lists do not repay."""
    if k <= 0 or not cols or not available():
        return None
    if postings is not None and postings <= min(ALL_POSTINGS_SHARE * bm._n, ALL_POSTINGS_MAX):
        found = _top_k_all(bm, cols, k)
        if found is not None:
            return found
    qcols, qrow, ucols, urow, umult = _query(bm, cols)
    # Bound on the float rounding of a score, as in SparseBM25.top_k_columns.
    tol = 1e-9 * float(np.sum(umult * np.maximum(np.abs(bm._max_w[ucols]), np.abs(bm._min_w[ucols]))))
    docs, scores, found = _kernels.top_k(
        bm._indptr, bm._docs, bm._weights, bm._idf, bm._norm, float(bm._k1),
        bm._dense, bm._dense_tf, bm._dense_bmax, bm._dense_bmax8, float(bm._scale),
        qcols, qrow, ucols, urow, umult, int(k), int(bm._n), tol, SEED,
    )  # fmt: skip
    if found < 0:
        return None
    return list(zip(docs.tolist(), scores.tolist()))


def _scratch(n: int) -> tuple[threading.Lock, np.ndarray, np.ndarray]:
    """A lock, one score per passage (NaN between calls) and room for the passages reached."""
    return threading.Lock(), np.full(n, np.nan), np.empty(n, dtype=np.int32)


def _top_k_all(bm: Any, cols: Sequence[int], k: int) -> list[tuple[int, float]] | None:
    scratch = bm.__dict__.get("_kernel_scratch")
    if scratch is None:
        scratch = bm.__dict__.setdefault("_kernel_scratch", _scratch(bm._n))
    lock, acc, touched = scratch
    if not lock.acquire(blocking=False):  # another thread is ranking with this index: its own
        lock, acc, touched = _scratch(bm._n)
        lock.acquire()
    try:
        docs, scores, found = _kernels.top_k_all(
            bm._indptr, bm._docs, bm._weights, np.array(cols, dtype=np.int64), int(k), acc, touched
        )
    finally:
        lock.release()
    if found < 0:
        return None
    return list(zip(docs.tolist(), scores.tolist()))


def score_docs(bm: Any, cols: Sequence[int], docs: Sequence[int]) -> np.ndarray | None:
    """``bm.score_columns(cols, docs)``: exact scores of ``docs`` (any order), or None
    without numba."""
    if not available():
        return None
    qcols, qrow, _, _, _ = _query(bm, cols)
    cand = np.asarray(docs, dtype=np.int64)
    return _kernels.score_docs(
        bm._indptr, bm._docs, bm._weights, bm._idf, bm._norm, float(bm._k1), bm._dense_tf, qcols, qrow, cand
    )


def warm_up(bm: Any) -> bool:
    """Compile the kernels for this index's array types (or load them from numba's cache), so
    that no question waits for it. False without numba."""
    if not available() or len(bm._idf) == 0:
        return False
    top_k(bm, [0, 0], 1)
    top_k(bm, [0, 0], 1, 0)
    score_docs(bm, [0], [0])
    return True


def _query(bm: Any, cols: Sequence[int]) -> tuple[np.ndarray, ...]:
    """Query columns in order (repeats kept) and distinct (with multiplicities), each with its
    dense row (-1: none)."""
    dense_row = bm._dense_row
    mult: dict[int, int] = {}
    for c in cols:
        mult[c] = mult.get(c, 0) + 1
    qcols = np.array(cols, dtype=np.int64)
    qrow = np.array([dense_row.get(c, -1) for c in cols], dtype=np.int64)
    ucols = np.array(list(mult), dtype=np.int64)
    urow = np.array([dense_row.get(c, -1) for c in mult], dtype=np.int64)
    umult = np.array(list(mult.values()), dtype=np.int64)
    return qcols, qrow, ucols, urow, umult
