"""Differential tests: bot.bm25.SparseBM25 against rank_bm25.BM25Okapi (the reference)."""

from __future__ import annotations

import json
import random
import zipfile
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

import bot.bm25 as bm25
from bot.bm25 import FORMAT_VERSION, SparseBM25
from bot.index import _SET_POSTINGS, Channel

COMMON = ("的", "是", "在")  # put in most passages: idf < 0, replaced by epsilon * average_idf
UNKNOWN = "从未出现"
SIZES = (1, 2, 5, 50, 2000)
SEEDS = (0, 1, 2)


# ---------------------------------------------------------------------------- generators


def make_corpus(n: int, seed: int) -> list[list[str]]:
    """n passages, Zipf-distributed vocabulary growing with n, common words in >half of them,
    some empty passages (never all: rank_bm25 divides by the average length)."""
    rng = np.random.default_rng([seed, n])
    vocab_size = max(6, int(20 * n**0.6))
    vocab = np.array([f"词{i}" for i in range(vocab_size)])
    p = 1.0 / np.arange(1, vocab_size + 1) ** 1.1
    p /= p.sum()
    corpus = []
    for _ in range(n):
        length = 0 if rng.random() < 0.05 else int(rng.integers(1, 40))
        words = rng.choice(vocab, size=length, p=p).tolist()
        for word, prob in zip(COMMON, (0.9, 0.7, 0.55)):
            if length and rng.random() < prob:
                words.insert(int(rng.integers(len(words) + 1)), word)
        corpus.append(words)
    if not any(corpus):
        corpus[0] = ["词0"]
    return corpus


def make_queries(corpus: list[list[str]], seed: int, count: int = 60) -> list[list[str]]:
    """Mostly 1-6 known terms; some with repeats, unknown terms, empty or all-unknown."""
    rng = np.random.default_rng([seed, 99])
    words = [w for p in corpus for w in p]
    queries: list[list[str]] = [[], [UNKNOWN], [UNKNOWN, "另一个未知词"], [COMMON[0]], [COMMON[0], COMMON[0]]]
    while len(queries) < count:
        q = [words[int(i)] for i in rng.integers(len(words), size=int(rng.integers(1, 7)))]
        roll = rng.random()
        if roll < 0.2:
            q.append(q[0])  # repeated term
        elif roll < 0.35:
            q.insert(int(rng.integers(len(q) + 1)), UNKNOWN)
        queries.append(q)
    return queries


def expected_top(corpus: list[list[str]], scores: np.ndarray, query: list[str], k: int) -> list[int]:
    """rank_bm25's scores ranked (score desc, index asc) over passages containing a query term."""
    terms = set(query)
    matching = [i for i, p in enumerate(corpus) if terms.intersection(p)]
    return sorted(matching, key=lambda i: (-scores[i], i))[:k]


@pytest.fixture(scope="module", params=[(n, s) for n in SIZES for s in SEEDS], ids=lambda p: f"n{p[0]}-seed{p[1]}")
def case(request: pytest.FixtureRequest) -> tuple[list[list[str]], BM25Okapi, SparseBM25, list[list[str]]]:
    n, seed = request.param
    corpus = make_corpus(n, seed)
    return corpus, BM25Okapi(corpus), SparseBM25(corpus), make_queries(corpus, seed)


# ---------------------------------------------------------------------------- differential


def test_generated_corpora_hit_the_negative_idf_case() -> None:
    """Guard the generator: the epsilon floor must actually be exercised."""
    for n in SIZES:
        ref = BM25Okapi(make_corpus(n, 0))
        floor = ref.epsilon * ref.average_idf
        assert any(v == floor for v in ref.idf.values()), n


def test_scores_match(case) -> None:
    corpus, ref, ours, queries = case
    assert len(ours) == len(corpus)
    for q in queries:
        expected = ref.get_scores(q)
        got = ours.get_scores(q)
        assert got.shape == (len(corpus),)
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12, err_msg=str(q))


def test_scores_are_bitwise_equal(case) -> None:
    """Same float64 operations in the same order as rank_bm25: not just close, identical."""
    _, ref, ours, queries = case
    for q in queries:
        assert np.array_equal(ours.get_scores(q), ref.get_scores(q)), q


def test_top10_matches(case) -> None:
    corpus, ref, ours, queries = case
    for q in queries:
        scores = ref.get_scores(q)
        got = ours.top_k(q, 10)
        want = expected_top(corpus, scores, q, 10)
        assert [i for i, _ in got] == want, q
        assert [s for _, s in got] == [scores[i] for i in want], q
        # rank_bm25's own ranking (argsort, arbitrary among ties), on nonzero scores: the same
        # score sequence, and the same passage wherever its score is unique.
        ref_top = np.argsort(scores)[::-1][:10]
        ref_nonzero = [int(i) for i in ref_top if scores[i] > 0]
        ours_nonzero = [(i, s) for i, s in got if s > 0][: len(ref_nonzero)]
        assert [s for _, s in ours_nonzero] == [scores[i] for i in ref_nonzero], q
        for (i, s), r in zip(ours_nonzero, ref_nonzero):
            if np.count_nonzero(scores == s) == 1:
                assert i == r, q


@pytest.mark.parametrize("k", [1, 3, 10, 10_000])
def test_top_k_sizes(case, k: int) -> None:
    corpus, ref, ours, queries = case
    for q in queries[:25]:
        scores = ref.get_scores(q)
        got = ours.top_k(q, k)
        assert [i for i, _ in got] == expected_top(corpus, scores, q, k), q


def test_idf_doc_freq_and_vocabulary(case) -> None:
    corpus, ref, ours, _ = case
    assert ours.average_idf == ref.average_idf
    assert ours.avgdl == ref.avgdl
    assert list(ours.vocabulary) == list(ref.idf)  # same first-occurrence order
    for term, idf in ref.idf.items():
        assert ours.idf(term) == idf, term
        assert ours.doc_freq(term) == sum(term in p for p in corpus), term
    assert ours.idf(UNKNOWN) == 0.0
    assert ours.doc_freq(UNKNOWN) == 0
    with pytest.raises(TypeError):
        ours.vocabulary["new"] = 1  # read-only view


@pytest.mark.parametrize(
    ("query", "expect_empty"),
    [([], True), ([UNKNOWN], True), ([UNKNOWN, UNKNOWN, "又一个"], True), ([COMMON[0]], False)],
)
def test_empty_and_unknown_queries(query: list[str], expect_empty: bool) -> None:
    corpus = make_corpus(50, 3)
    ours = SparseBM25(corpus)
    assert (ours.top_k(query, 10) == []) is expect_empty
    if expect_empty:
        assert not ours.get_scores(query).any()
    assert ours.top_k([COMMON[0]], 0) == []


def test_repeated_query_terms_count_each_time() -> None:
    corpus = make_corpus(50, 4)
    ref, ours = BM25Okapi(corpus), SparseBM25(corpus)
    once, twice = ours.get_scores(["词1"]), ours.get_scores(["词1", "词1"])
    assert np.array_equal(twice, ref.get_scores(["词1", "词1"]))
    np.testing.assert_allclose(twice, 2 * once)
    assert twice.any()
    assert ours.top_k(["词1", "词2", "词1"], 5) != ours.top_k(["词1", "词2"], 5)


def test_unknown_terms_are_ignored() -> None:
    corpus = make_corpus(50, 5)
    ours = SparseBM25(corpus)
    assert ours.top_k(["词3", UNKNOWN, "词1"], 10) == ours.top_k(["词3", "词1"], 10)


def test_different_parameters_change_scores() -> None:
    """The comparison can fail: other k1/b/epsilon give other scores than the reference."""
    corpus = make_corpus(50, 6)
    ref = BM25Okapi(corpus)
    q = ["词1", "词2", COMMON[0]]
    for kwargs in ({"k1": 1.2}, {"b": 0.5}, {"epsilon": 0.5}):
        other = SparseBM25(corpus, **kwargs)
        assert not np.allclose(other.get_scores(q), ref.get_scores(q)), kwargs
        assert np.array_equal(other.get_scores(q), BM25Okapi(corpus, **kwargs).get_scores(q)), kwargs


def test_a_different_k1_changes_the_top10() -> None:
    """The top-10 comparison can fail: a deliberately different k1 ranks differently."""
    corpus = make_corpus(2000, 7)
    ref, other = BM25Okapi(corpus), SparseBM25(corpus, k1=0.3)
    differs = 0
    for q in make_queries(corpus, 7, count=40):
        want = expected_top(corpus, ref.get_scores(q), q, 10)
        differs += [i for i, _ in other.top_k(q, 10)] != want
    assert differs > 0


def test_empty_corpus_and_empty_passages() -> None:
    with pytest.raises(ValueError, match="empty"):
        SparseBM25([])
    blank = SparseBM25([[], []])  # rank_bm25 raises ZeroDivisionError here
    assert len(blank) == 2
    assert not blank.get_scores(["词"]).any()
    assert blank.top_k(["词"], 10) == []
    with pytest.raises(ValueError):
        SparseBM25([["a"]], k1=float("nan"))


# ---------------------------------------------------------------------------- top_k code paths


PATHS = {  # module constants forcing each branch of top_k
    "default": {},
    "exhaustive-union": {"_EXACT_POSTINGS": 10**9},
    "maxscore": {"_EXACT_POSTINGS": 0, "_MAXSCORE_POSTINGS": 10**9},
    "bounds-with-seeds": {"_EXACT_POSTINGS": 0, "_MAXSCORE_POSTINGS": 0},
    "block-gathers": {"_EXACT_POSTINGS": 0, "_MAXSCORE_POSTINGS": 0, "_GATHER_FRACTION": 1.0},
    "whole-columns": {"_EXACT_POSTINGS": 0, "_GATHER_FRACTION": 0.0},
    "tighten": {"_EXACT_POSTINGS": 0, "_MAXSCORE_POSTINGS": 0, "_MAX_SURVIVORS": 2, "_BLOCK": 16, "_SEED_BLOCKS": 1},
    "no-dense-columns": {"_EXACT_POSTINGS": 0, "_DENSE_BUDGET": 0, "_MAXSCORE_POSTINGS": 0},
    "all-dense-columns": {"_EXACT_POSTINGS": 0, "_DENSE_MIN_DF": 0.0, "_MAXSCORE_POSTINGS": 0},
}
EXPECTED_CALLS = {  # what the 2000-passage corpus must go through under each setting
    "default": ("bounds",),
    "exhaustive-union": ("exhaustive",),
    "maxscore": ("maxscore-exit",),
    "bounds-with-seeds": ("bounds", "seeds"),
    "block-gathers": ("bounds", "seeds", "gather"),
    "whole-columns": ("bounds", "whole"),
    "tighten": ("bounds", "seeds", "tighten"),
    "no-dense-columns": ("bounds", "seeds"),
    "all-dense-columns": ("bounds", "seeds"),
}


@pytest.mark.parametrize("n", [5, 2000])
@pytest.mark.parametrize("path", list(PATHS))
def test_every_top_k_path_is_exact(monkeypatch: pytest.MonkeyPatch, path: str, n: int) -> None:
    for name, value in PATHS[path].items():
        monkeypatch.setattr(bm25, name, value)
    calls = dict.fromkeys(["exhaustive", "bounds", "seeds", "gather", "whole", "tighten", "maxscore-exit"], 0)
    per_query = {"score": 0, "bounds": 0}

    def spy(method: str, name: str):
        original = getattr(SparseBM25, method)

        def wrapper(*args, **kwargs):
            result = original(*args, **kwargs)
            if name == "passage":
                calls["whole" if result[0] is None else "gather"] += 1
            elif name in per_query:
                per_query[name] += 1
                calls[name] = calls.get(name, 0) + (name == "bounds")
            else:
                calls[name] += 1
            return result

        monkeypatch.setattr(SparseBM25, method, wrapper)

    spy("_top_k_exhaustive", "exhaustive")
    spy("_block_bounds", "bounds")
    spy("_seed_threshold", "seeds")
    spy("_passage_bounds", "passage")
    spy("_score_candidates", "score")
    corpus = make_corpus(n, 11)
    ref, ours = BM25Okapi(corpus), SparseBM25(corpus)
    for q in make_queries(corpus, 11, count=120):
        scores = ref.get_scores(q)
        for k in (1, 10):
            per_query.update(score=0, bounds=0)
            before = calls["exhaustive"]
            got = ours.top_k(q, k)
            assert [i for i, _ in got] == expected_top(corpus, scores, q, k), (q, k)
            assert [s for _, s in got] == [scores[i] for i, _ in got]
            if per_query["score"] and not per_query["bounds"] and calls["exhaustive"] == before:
                calls["maxscore-exit"] += 1
            if per_query["score"] >= 3:
                calls["tighten"] += 1
    if n == 2000:  # the large corpus must really go through the branch under test
        assert all(calls[c] for c in EXPECTED_CALLS[path]), calls


def test_unusual_terms(tmp_path: Path) -> None:
    """Long terms, a trailing NUL and the empty string: numpy's fixed-width strings would
    truncate or strip these, so they take the vocabulary's dict side."""
    odd = ["很" * 40, "a\x00", "", "\x00", "x" * 16, "y" * 17]
    corpus = [[odd[i % len(odd)], f"词{i % 7}", odd[(i * 3) % len(odd)]] for i in range(40)]
    corpus.append(["只有这里"])
    ref, ours = BM25Okapi(corpus), SparseBM25(corpus)
    ours.save(tmp_path / "odd.npz")
    loaded = SparseBM25.load(tmp_path / "odd.npz")
    for index in (ours, loaded):
        assert dict(index.vocabulary) == {t: i for i, t in enumerate(ref.idf)}
        for term in [*odd, "a", "很" * 39, "x" * 17, "只有这里"]:
            assert index.idf(term) == ref.idf.get(term, 0.0), repr(term)
        for q in ([odd[0]], [odd[1], "a"], [""], ["\x00", "x" * 16], ["y" * 17, "只有这里"]):
            assert np.array_equal(index.get_scores(q), ref.get_scores(q)), q
            assert [i for i, _ in index.top_k(q, 10)] == expected_top(corpus, ref.get_scores(q), q, 10), q


def test_non_string_tokens_are_rejected() -> None:
    with pytest.raises(TypeError):
        SparseBM25([["a", 1]])  # type: ignore[list-item]
    single = SparseBM25([["a"]])
    assert single.top_k([None, "a"], 3) == [(0, single.get_scores(["a"])[0])]  # type: ignore[list-item]


# ---------------------------------------------------------------------------- persistence


@pytest.mark.parametrize("mmap", [True, False], ids=["mmap", "read"])
def test_save_load_round_trip(tmp_path: Path, case, mmap: bool) -> None:
    corpus, _, ours, queries = case
    path = tmp_path / "index.bm25"  # no .npz suffix: must be written exactly there
    ours.save(path)
    assert path.is_file() and not (tmp_path / "index.bm25.npz").exists()
    loaded = SparseBM25.load(path, mmap=mmap)
    assert len(loaded) == len(ours)
    assert dict(loaded.vocabulary) == dict(ours.vocabulary)
    assert (loaded.k1, loaded.b, loaded.epsilon, loaded.avgdl, loaded.average_idf) == (
        ours.k1,
        ours.b,
        ours.epsilon,
        ours.avgdl,
        ours.average_idf,
    )
    for term in list(ours.vocabulary)[:50]:
        assert loaded.idf(term) == ours.idf(term)
        assert loaded.doc_freq(term) == ours.doc_freq(term)
    for q in queries:
        assert np.array_equal(loaded.get_scores(q), ours.get_scores(q))
        assert loaded.top_k(q, 10) == ours.top_k(q, 10)


def test_resaving_under_a_loaded_index(tmp_path: Path) -> None:
    """save() replaces the file atomically, so a memory-mapped index keeps working."""
    path = tmp_path / "live.npz"
    first = make_corpus(50, 9)
    SparseBM25(first).save(path)
    live = SparseBM25.load(path)
    before = live.get_scores(["词1", COMMON[0]])
    SparseBM25(make_corpus(2000, 9)).save(path)
    assert np.array_equal(live.get_scores(["词1", COMMON[0]]), before)
    assert np.array_equal(before, BM25Okapi(first).get_scores(["词1", COMMON[0]]))
    assert len(SparseBM25.load(path)) == 2000
    assert [p.name for p in tmp_path.iterdir()] == ["live.npz"]  # no temp files left


@pytest.fixture()
def saved(tmp_path: Path) -> tuple[Path, dict[str, np.ndarray]]:
    path = tmp_path / "good.npz"
    SparseBM25(make_corpus(50, 8)).save(path)
    with np.load(path, allow_pickle=False) as npz:
        return path, {name: npz[name] for name in npz.files}


class Evil:
    """Unpickling this would flip a flag: proves load never unpickles."""

    triggered = False

    def __reduce__(self):
        return (setattr, (Evil, "triggered", True))


def _rewrite(path: Path, arrays: dict[str, np.ndarray]) -> Path:
    bad = path.with_name("bad.npz")
    with open(bad, "wb") as fh:
        np.savez(fh, **arrays)
    return bad


def _json(value: object) -> np.ndarray:
    return np.frombuffer(json.dumps(value).encode(), dtype=np.uint8)


CORRUPTIONS = {
    "wrong version": (lambda a: {**a, "version": np.array(FORMAT_VERSION + 1)}, "version"),
    "version as text": (lambda a: {**a, "version": np.array("1")}, "version"),
    "wrong format tag": (lambda a: {**a, "format": np.array("something-else")}, "format"),
    "missing array": (lambda a: {k: v for k, v in a.items() if k != "indices"}, "missing"),
    "object array": (lambda a: {**a, "terms": np.array([Evil()], dtype=object)}, "object"),
    "float indices": (lambda a: {**a, "indices": a["indices"].astype(np.float64)}, "indices"),
    "index out of range": (lambda a: {**a, "n_docs": np.array(1)}, "range"),
    "unsorted postings": (lambda a: {**a, "indices": a["indices"][::-1].copy()}, "sorted"),
    "short indptr": (lambda a: {**a, "indptr": a["indptr"][:-1]}, "permutation|match"),
    "unsorted terms": (lambda a: {**a, "terms": a["terms"][::-1].copy()}, "sorted"),
    "duplicate terms": (lambda a: {**a, "terms": np.sort(np.r_[a["terms"][:1], a["terms"][:-1]])}, "unique"),
    "columns not a permutation": (lambda a: {**a, "term_cols": np.zeros_like(a["term_cols"])}, "permutation"),
    "other terms not json": (lambda a: {**a, "other_terms": np.frombuffer(b"\xff\xfe", dtype=np.uint8)}, "JSON"),
    "other terms of numbers": (lambda a: {**a, "other_terms": _json([[1, 2]])}, "pairs"),
    "short term among others": (lambda a: {**a, "other_terms": _json([["x", 0]])}, "misplaced"),
    "tf of zero": (lambda a: {**a, "tf": np.zeros_like(a["tf"])}, "tf"),
    "doc_len disagrees with avgdl": (lambda a: {**a, "doc_len": a["doc_len"] + 1}, "doc_len"),
    "nan params": (lambda a: {**a, "params": np.full(5, np.nan)}, "params"),
}


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_corrupted_index_is_rejected(saved, name: str) -> None:
    path, arrays = saved
    mutate, message = CORRUPTIONS[name]
    bad = _rewrite(path, mutate(dict(arrays)))
    with pytest.raises(ValueError, match=message) as info:
        SparseBM25.load(bad)
    assert str(bad) in str(info.value)  # names the file
    assert not Evil.triggered


@pytest.mark.parametrize(
    "content",
    [b"", b"not an index at all", b"\x93NUMPY\x01\x00garbage", b"PK\x03\x04truncated zip"],
    ids=["empty", "text", "npy-header", "broken-zip"],
)
def test_non_index_files_are_rejected(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="x.npz"):
        SparseBM25.load(path)


def test_plain_npy_and_pickle_files_are_rejected(tmp_path: Path) -> None:
    npy = tmp_path / "array.npz"
    with open(npy, "wb") as fh:
        np.save(fh, np.arange(3))
    with pytest.raises(ValueError, match="array.npz"):
        SparseBM25.load(npy)
    pkl = tmp_path / "evil.npz"
    with open(pkl, "wb") as fh:
        np.save(fh, np.array([Evil()], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="evil.npz"):
        SparseBM25.load(pkl)
    assert not Evil.triggered


def test_truncated_index_is_rejected(saved) -> None:
    path, _ = saved
    data = path.read_bytes()
    cut = path.with_name("cut.npz")
    cut.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(ValueError, match="cut.npz"):
        SparseBM25.load(cut)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        SparseBM25.load(tmp_path / "absent.npz")


def test_compressed_npz_still_loads(saved) -> None:
    """np.savez_compressed members go through numpy's reader (allow_pickle=False)."""
    path, arrays = saved
    packed = path.with_name("packed.npz")
    np.savez_compressed(packed, **arrays)
    with zipfile.ZipFile(packed) as zf:
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in zf.infolist())
    original, loaded = SparseBM25.load(path), SparseBM25.load(packed)
    assert loaded.top_k(["词1", COMMON[0]], 10) == original.top_k(["词1", COMMON[0]], 10)


# ---------------------------------------------------------------------------- benchmark corpus


def test_synthetic_corpus_is_deterministic_and_grows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent))
    from benchmarks.corpus import SyntheticCorpus

    a = SyntheticCorpus(5).tokens(3000)
    assert a == SyntheticCorpus(5).tokens(3000)
    assert SyntheticCorpus(5).tokens(100) == a[:100]  # prefix-stable
    assert SyntheticCorpus(6).tokens(100) != a[:100]
    vocab_1k = len({w for p in a[:1000] for w in p})
    vocab_3k = len({w for p in a for w in p})
    assert vocab_3k > 1.5 * vocab_1k  # new words keep appearing (Heaps' law)
    texts = SyntheticCorpus(5).texts(200)
    for tokens, text in zip(a[:20], texts[:20]):  # same tokens, plus punctuation
        assert "".join(tokens) == text.translate(str.maketrans("", "", "，、；。"))
    lengths = [len(t) for t in texts]
    assert 80 <= float(np.median(lengths)) <= 200
    queries = SyntheticCorpus(5).queries(a, 50)
    assert all(1 <= len(q) <= 6 for q in queries)
    assert np.mean([len(q) for q in queries]) >= 3


@pytest.mark.parametrize("seed", [0, 1])
def test_score_docs_and_contains_agree_with_get_scores(seed: int) -> None:
    """The two accessors the engine uses: exact scores of chosen passages, and membership."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(40)]
    corpus = [[rng.choice(vocab) for _ in range(rng.randint(0, 12))] for _ in range(60)]
    bm = SparseBM25(corpus)
    query = [rng.choice(vocab) for _ in range(4)] + ["unknown"]
    docs = rng.sample(range(60), 25)
    assert list(bm.score_docs(query, docs)) == [bm.get_scores(query)[d] for d in docs]
    for d in range(60):
        for term in vocab[:10] + ["unknown"]:
            assert bm.contains(term, d) == (term in corpus[d])


def test_saved_arrays_are_aligned_when_mapped_and_other_npz_files_still_load(
    saved: tuple[Path, dict[str, np.ndarray]],
) -> None:
    """Array data starts at multiples of 64 bytes in our files, so the memory maps are aligned
    (numpy copies a misaligned array whole for searchsorted). A plain np.savez file -- its
    arrays wherever the zip puts them -- is still read, misaligned arrays copied."""
    from bot.bm25 import _REQUIRED_ARRAYS, _read_npz

    path, arrays = saved
    mapped = _read_npz(str(path), _REQUIRED_ARRAYS, mmap=True)
    assert all(a.ctypes.data % 64 == 0 for a in mapped.values())
    plain = _rewrite(path, arrays)
    for name, a in _read_npz(str(plain), _REQUIRED_ARRAYS, mmap=True).items():
        assert a.ctypes.data % a.dtype.alignment == 0 and np.array_equal(a, arrays[name]), name
    ours, theirs = SparseBM25.load(path), SparseBM25.load(plain)
    assert ours.top_k(["词1", COMMON[0]], 10) == theirs.top_k(["词1", COMMON[0]], 10)


@pytest.mark.parametrize("budget", [None, 0])
def test_which_passages_have_a_term_is_the_same_with_and_without_dense_columns(budget, monkeypatch) -> None:
    """``Channel.docs_with`` reads a frequent term's dense column where it has one (a gather,
    not a binary search per passage): the same passages either way, for every term."""
    if budget is not None:
        monkeypatch.setattr(bm25, "_DENSE_BUDGET", budget)
    corpus = make_corpus(3000, 5)
    channel = Channel(corpus)
    rng = np.random.default_rng(7)
    asked = sorted(set(rng.integers(0, 3000, size=400).tolist())) + [0, 2999]
    dense = 0
    for word in sorted({w for doc in corpus for w in doc}):
        col = channel.col(word)
        have = {d for d in asked if word in corpus[d]}
        assert channel.docs_with(col, asked) == have, word
        dense += channel.bm25.frequencies(col) is not None and len(channel.bm25.postings(col)[0]) > _SET_POSTINGS
    assert (dense > 0) == (budget is None)
    assert channel.docs_with(-1, asked) == set()
    assert channel.docs_with(channel.col(COMMON[0]), []) == set()


def _tied_corpus(n: int, seed: int) -> list[list[str]]:
    """Passages of few lengths with tf 1-3 of a few frequent terms: their weights tie in long
    runs, so a term's top k is decided by passage number at the boundary."""
    rng = np.random.default_rng(seed)
    corpus = []
    for _ in range(n):
        length = int(rng.choice([4, 5, 6]))
        words = [f"填{int(i)}" for i in rng.integers(0, 50, size=length)]
        for term, p in (("甲", 0.7), ("乙", 0.2), ("丙", 0.05)):
            if rng.random() < p:
                for _ in range(int(rng.choice([1, 1, 1, 2, 3]))):
                    words[int(rng.integers(len(words)))] = term
        corpus.append(words)
    return corpus


@pytest.mark.parametrize("n", [40, 3000])
def test_a_one_term_query_is_answered_from_the_terms_saved_best_postings(n: int, tmp_path: Path, monkeypatch) -> None:
    """A frequent term's best postings are kept in rank order (``dense_top``): a query of that
    term alone (once or repeated) takes its top k from there, equal to rank_bm25's, ties at the
    boundary included; k above what is kept, or sums that tie at the list's end, fall back."""
    corpus = _tied_corpus(n, n)
    ref, built = BM25Okapi(corpus), SparseBM25(corpus)
    built.save(tmp_path / "x.npz", tag="t")
    listed = []
    original = SparseBM25._top_of_one

    def spy(self, col, times, k):
        found = original(self, col, times, k)
        listed.append(found is not None)
        return found

    monkeypatch.setattr(SparseBM25, "_top_of_one", spy)
    for ours in (built, SparseBM25.load(tmp_path / "x.npz", tag="t")):
        for term in ("甲", "乙", "丙", "填3"):
            dense = ours.column(term) in ours._dense_row
            for times in (1, 2, 3):
                query = [term] * times
                scores = ref.get_scores(query)
                for k in (1, 10, 30, 64, 65, 200):
                    listed.clear()
                    got = ours.top_k(query, k)
                    assert [i for i, _ in got] == expected_top(corpus, scores, query, k), (term, times, k)
                    assert [s for _, s in got] == [scores[i] for i, _ in got]
                    if dense and times == 1 and k <= bm25._TOP:
                        assert listed == [True], (term, k)  # the saved list, not a fallback
                    if k > bm25._TOP:
                        assert listed in ([], [False])
    assert built._dense_row, "the frequent terms must have dense columns"


def test_a_damaged_best_postings_list_is_refused(tmp_path: Path) -> None:
    """``dense_top`` must hold positions in its own column's postings, then -1s: else the
    quick load refuses the file (naming it) instead of answering from another term's list."""
    corpus = _tied_corpus(500, 1)
    path = tmp_path / "x.npz"
    SparseBM25(corpus).save(path, tag="t")
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    top = arrays["dense_top"]
    damaged = {
        "another column's postings": top + int(arrays["indptr"][-1]) // 2,
        "a gap before the last": np.where(np.arange(top.shape[1]) == 0, -1, top),
        "too few kept": np.where(np.arange(top.shape[1]) >= 3, -1, top),
    }
    for name, bad_top in damaged.items():
        bad = _rewrite(path, {**arrays, "dense_top": bad_top})
        with pytest.raises(ValueError, match="dense_top") as info:
            SparseBM25.load(bad, tag="t")
        assert str(bad) in str(info.value), name
