"""numba kernels of :mod:`bot.kernels` (imported only when numba is installed).

Module-level functions, so that numba can cache their machine code on disk (``cache=True``):
only the first process ever to call one compiles it.
"""

from __future__ import annotations

import numba
import numpy as np

njit = numba.njit(cache=True, nogil=True)
# Helpers are inlined: a call between compiled functions costs ~20 ns here, more than their work.
inline = numba.njit(cache=True, nogil=True, inline="always")


@inline
def _lower_bound(docs: np.ndarray, lo: int, hi: int, target: int) -> int:
    while lo < hi:
        mid = (lo + hi) >> 1
        if docs[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    return lo

@inline
def _worse(s1: float, d1: int, s2: float, d2: int) -> bool:
    # Order of the top k: score descending, then passage ascending.
    return s1 < s2 or (s1 == s2 and d1 > d2)

@inline
def _push(hs: np.ndarray, hd: np.ndarray, size: int, k: int, s: float, d: int) -> int:
    """Offer (s, d) to the min-heap of the k best (root: the worst kept). New size."""
    if size < k:
        i = size
        hs[i] = s
        hd[i] = d
        while i > 0:
            p = (i - 1) >> 1
            if _worse(hs[i], hd[i], hs[p], hd[p]):
                hs[i], hs[p] = hs[p], hs[i]
                hd[i], hd[p] = hd[p], hd[i]
                i = p
            else:
                break
        return size + 1
    if not _worse(hs[0], hd[0], s, d):
        return size
    hs[0] = s
    hd[0] = d
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        m = left
        right = left + 1
        if right < size and _worse(hs[right], hd[right], hs[left], hd[left]):
            m = right
        if _worse(hs[m], hd[m], hs[i], hd[i]):
            hs[i], hs[m] = hs[m], hs[i]
            hd[i], hd[m] = hd[m], hd[i]
            i = m
        else:
            break
    return size

@inline
def _best_first(hd: np.ndarray, hs: np.ndarray, size: int) -> tuple:
    """The heap's passages and scores sorted: best first, ties to the lower passage."""
    idx = np.argsort(hd[:size], kind="mergesort")
    out_d = hd[:size][idx]
    out_s = hs[:size][idx]
    idx = np.argsort(-out_s, kind="mergesort")
    return out_d[idx], out_s[idx], size


@inline
def _score_run(
    lo, cnt, indptr, docs, weights, idf, norm, k1, dense_q, dense_tf, scale,
    qcols, qrow, ucols, urow, umult, tol, theta, bnd, acc, has, ptr, hs, hd, size, k,
):  # fmt: skip
    """Offer passages lo .. lo+cnt-1 (a block or an eighth of one, cnt <= 64) to the heap; the
    new heap size. Each passage is bounded first (uint8 bounds of the frequent terms, exact
    weights of the others); only those whose bound reaches ``theta`` are scored exactly.
    ``ptr[i]``: where to start looking for sparse term i's postings (left at the run's first)."""
    for j in range(cnt):
        bnd[j] = 0.0
        acc[j] = 0.0
        has[j] = False
    for u in range(len(ucols)):
        r = urow[u]
        if r >= 0:
            m = umult[u] * scale
            for j in range(cnt):
                q = dense_q[r, lo + j]
                if q:
                    bnd[j] += m * q
                    has[j] = True
    for i in range(len(qcols)):
        if qrow[i] < 0:
            c = qcols[i]
            p = _lower_bound(docs, ptr[i], indptr[c + 1], lo)
            ptr[i] = p
            end = indptr[c + 1]
            while p < end and docs[p] < lo + cnt:
                j = docs[p] - lo
                w = weights[p]
                if w > 0.0:
                    bnd[j] += w
                has[j] = True
                p += 1
    full = size == k
    alive = 0
    for j in range(cnt):
        if has[j]:
            if full and bnd[j] + tol < theta:
                has[j] = False  # cannot reach the k best
            else:
                alive += 1
    if alive == 0:
        # Most blocks whose bound reaches the threshold hold no passage that does: the exact
        # scoring below would find nothing (a 1M word query: p90 3.6 -> 2.7 ms).
        return size
    for i in range(len(qcols)):
        c = qcols[i]
        r = qrow[i]
        if r >= 0:
            w_idf = idf[c]
            for j in range(cnt):
                if has[j]:
                    tf = dense_tf[r, lo + j]
                    if tf:
                        t = float(tf)
                        # rank_bm25's expression; a tf of 0 adds 0.0 there, so skipping it is equal
                        acc[j] += w_idf * (t * (k1 + 1) / (t + norm[lo + j]))
        else:
            p = ptr[i]
            end = indptr[c + 1]
            while p < end and docs[p] < lo + cnt:
                acc[docs[p] - lo] += weights[p]
                p += 1
    for j in range(cnt):
        if has[j]:
            if size == k and _worse(acc[j], lo + j, hs[0], hd[0]):
                continue
            size = _push(hs, hd, size, k, acc[j], lo + j)
    return size


@njit
def top_k(
    indptr, docs, weights, idf, norm, k1, dense_q, dense_tf, dense_bmax, dense_b8, scale,
    qcols, qrow, ucols, urow, umult, k, n, tol, seed,
):  # fmt: skip
    nb = (n + 63) // 64
    # 1. Block upper bounds.
    ub = np.zeros(nb)
    for u in range(len(ucols)):
        c = ucols[u]
        m = umult[u]
        r = urow[u]
        if r >= 0:
            for bl in range(nb):
                ub[bl] += m * (dense_bmax[r, bl] * scale)
        else:
            p = indptr[c]
            end = indptr[c + 1]
            while p < end:
                bl = docs[p] // 64
                best = 0.0
                while p < end and docs[p] // 64 == bl:
                    if weights[p] > best:
                        best = weights[p]
                    p += 1
                ub[bl] += m * best
    top = 0.0
    for bl in range(nb):
        if ub[bl] > top:
            top = ub[bl]
    hs = np.empty(k)
    hd = np.empty(k, dtype=np.int64)
    if top <= tol:
        return hd, hs, -1
    # 2. Blocks in decreasing order of bound (a counting sort into buckets), until the
    # bound of the rest is below the k-th best score found.
    nbk = 1024
    key = np.empty(nb, dtype=np.int64)
    starts = np.zeros(nbk + 1, dtype=np.int64)
    for bl in range(nb):
        if ub[bl] > 0.0:
            kk = min(int(ub[bl] / top * nbk), nbk - 1)
            key[bl] = kk
            starts[kk + 1] += 1
        else:
            key[bl] = -1
    for kk in range(nbk):
        starts[kk + 1] += starts[kk]
    fill = starts[:-1].copy()
    order = np.empty(starts[nbk], dtype=np.int64)
    for bl in range(nb):
        kk = key[bl]
        if kk >= 0:
            order[fill[kk]] = bl
            fill[kk] += 1
    bnd = np.empty(64)
    acc = np.empty(64)
    has = np.zeros(64, dtype=np.bool_)
    lo_of = np.empty(len(qcols), dtype=np.int64)
    size = 0
    theta = -np.inf
    # 2a. The best-bounded blocks first (at least SEED of them, and until k passages are
    # found), each found by binary search: the threshold.
    done = np.zeros(nb, dtype=np.bool_)
    scored = 0
    for kk in range(nbk - 1, -1, -1):
        if size == k and scored >= seed:
            break
        for x in range(starts[kk], starts[kk + 1]):
            bl = order[x]
            done[bl] = True
            scored += 1
            for i in range(len(qcols)):  # blocks in any order: each posting list searched whole
                lo_of[i] = indptr[qcols[i]]
            size = _score_run(
                bl * 64, min(64, n - bl * 64), indptr, docs, weights, idf, norm, k1, dense_q, dense_tf, scale,
                qcols, qrow, ucols, urow, umult, tol, theta, bnd, acc, has, lo_of, hs, hd, size, k,
            )  # fmt: skip
            if size == k:
                theta = hs[0]
    # 2b. The other blocks that can still reach it are bounded again per eighth (8 passages:
    # dense terms' maxima per eighth, plus the other terms' positive weights in it), and only the
    # eighths that reach it are visited, in passage order. At 1M passages ~1,000 blocks reach
    # the threshold but only ~250 eighths do (a 64-passage bound adds up maxima of different
    # passages); scoring whole blocks, a word query took 0.45 ms, this way 0.35 (medians).
    cand = np.empty(nb, dtype=np.int64)
    slot = np.full(nb, -1, dtype=np.int64)
    nc = 0
    for bl in range(nb):
        if not done[bl] and ub[bl] > 0.0 and (size < k or ub[bl] + tol >= theta):
            cand[nc] = bl
            slot[bl] = nc
            nc += 1
    sub = np.zeros(nc * 8)
    for u in range(len(ucols)):
        r = urow[u]
        if r >= 0:
            m = umult[u] * scale
            for x in range(nc):
                b8 = cand[x] * 8
                for s in range(8):
                    sub[x * 8 + s] += m * dense_b8[r, b8 + s]
        else:
            m = umult[u]
            c = ucols[u]
            for p in range(indptr[c], indptr[c + 1]):
                d = docs[p]
                x = slot[d >> 6]
                if x >= 0 and weights[p] > 0.0:
                    sub[x * 8 + ((d & 63) >> 3)] += m * weights[p]
    for i in range(len(qcols)):
        lo_of[i] = indptr[qcols[i]]
    for x in range(nc):
        bl = cand[x]
        if size == k and ub[bl] + tol < theta:
            continue
        base = bl * 64
        for s in range(8):
            lo = base + s * 8
            if lo >= n:
                break
            if size == k and sub[x * 8 + s] + tol < theta:
                continue
            size = _score_run(
                lo, min(8, n - lo), indptr, docs, weights, idf, norm, k1, dense_q, dense_tf, scale,
                qcols, qrow, ucols, urow, umult, tol, theta, bnd, acc, has, lo_of, hs, hd, size, k,
            )  # fmt: skip
            if size == k:
                theta = hs[0]
    if size < k or theta <= tol:
        # Blocks bounded by 0 were skipped; they may hold passages that have a query word
        # with a weight <= 0, which rank when fewer than k passages score above 0.
        return hd, hs, -1
    return _best_first(hd, hs, size)


@njit
def score_docs(indptr, docs, weights, idf, norm, k1, dense_tf, qcols, qrow, cand):
    out = np.zeros(len(cand))
    for x in range(len(cand)):
        d = cand[x]
        s = 0.0
        for i in range(len(qcols)):
            c = qcols[i]
            r = qrow[i]
            if r >= 0:
                tf = dense_tf[r, d]
                if tf:
                    t = float(tf)
                    s += idf[c] * (t * (k1 + 1) / (t + norm[d]))
            else:
                p = _lower_bound(docs, indptr[c], indptr[c + 1], d)
                if p < indptr[c + 1] and docs[p] == d:
                    s += weights[p]
        out[x] = s
    return out


@njit
def top_k_all(indptr, docs, weights, qcols, k, acc, touched):
    """The exact top k by scoring every posting of the query (term at a time): for short
    posting lists, cheaper than bounding blocks. ``acc`` is all NaN (a passage not reached
    yet) on entry and is left so; ``touched`` has room for every passage."""
    nt = 0
    for i in range(len(qcols)):
        c = qcols[i]
        for p in range(indptr[c], indptr[c + 1]):
            d = docs[p]
            a = acc[d]
            if a != a:
                touched[nt] = d
                nt += 1
                a = 0.0
            # query order from 0.0, as _score_run and SparseBM25._score_candidates add
            acc[d] = a + weights[p]
    hs = np.empty(k)
    hd = np.empty(k, dtype=np.int64)
    size = 0
    for x in range(nt):
        d = touched[x]
        s = acc[d]
        acc[d] = np.nan
        if size == k and _worse(s, d, hs[0], hd[0]):
            continue
        size = _push(hs, hd, size, k, s, d)
    if size < k or hs[0] <= 0.0:
        # Fewer than k passages above 0: the passages no query term reaches (score 0) rank
        # too, as in top_k.
        return hd, hs, -1
    return _best_first(hd, hs, size)
