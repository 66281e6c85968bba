"""BM25 over passage tokens, in two channels (words and character bigrams).

The score orders; it does not decide relevance (a term in half the passages has idf 0 in
BM25Okapi, and one passage alone always scores 0). Relevance is decided in the engine from
what matched — :meth:`Channel.contains` / :meth:`Channel.docs_with` answer that.
"""

from __future__ import annotations

import math
import mmap
import os
import struct
import zlib
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np

from bot import kernels
from bot.bm25 import SparseBM25, _crc32_of, atomic_file
from bot.tokenizer import BatchTokens

# A query whose terms have at most this many postings in all is scored in Python: below it,
# numpy's per-call overhead costs more than the additions.
_PYTHON_POSTINGS = 600
# A bigram channel with at most this many postings is ranked on the calling thread: handing it
# to the helper and back costs ~0.1 ms here, more than ranking it (~0.05 ms at 1M passages).
_THREAD_POSTINGS = 10_000
# Up to this many passages, a channel keeps each question word's postings as Python lists.
_SMALL_CORPUS = 4096
# Posting lists up to this long are kept as sets by ``Channel.docs_with``; longer ones searched.
_SET_POSTINGS = 256


_HELPER: ThreadPoolExecutor | None = None


def _helper() -> ThreadPoolExecutor:
    """One thread that ranks a second channel while the caller ranks the first."""
    global _HELPER
    if _HELPER is None:
        _HELPER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qabot-rank")
    return _HELPER


class Candidate(NamedTuple):
    """A passage index with its per-channel BM25 scores (a tuple: dozens are made per question)."""

    doc: int
    word_score: float
    bigram_score: float


class Channel:
    """One BM25 (rank-bm25's Okapi formula) over one token view of every passage."""

    def __init__(self, corpus: Sequence[Sequence[str]], bm25: SparseBM25 | None = None) -> None:
        self.bm25 = bm25 if bm25 is not None else SparseBM25(corpus)
        self.n = len(self.bm25)
        self._sets: dict[int, frozenset[int]] = {}
        # token -> its postings as lists (None: no passage has it); small corpora only
        self._token_postings: dict[str, tuple[list[int], list[float]] | None] = {}

    def col(self, token: str) -> int:
        """The column of ``token`` in the index, -1 if no passage has it."""
        return self.bm25.column(token)

    def cols(self, tokens: Sequence[str]) -> list[int]:
        """Columns of the known tokens, in order, repeats kept (what BM25 scores)."""
        return [c for c in self.bm25.lookup(tokens) if c >= 0]

    def top(self, tokens: Sequence[str], k: int) -> list[tuple[int, float]]:
        return self.bm25.top_k(list(tokens), k) if tokens else []

    def scores_for(self, tokens: Sequence[str], docs: Sequence[int]) -> np.ndarray:
        """Exact BM25 scores of ``docs`` (any order) for ``tokens``."""
        return self.bm25.score_docs(list(tokens), docs)

    def contains(self, doc: int, token: str) -> bool:
        return self.bm25.contains(token, doc)

    def doc_freq(self, token: str) -> int:
        return self.bm25.column_doc_freq(self.bm25.column(token))

    def weight(self, token: str) -> float:
        """A positive idf for coverage: rare terms weigh more, unknown terms weigh most."""
        df = self.bm25.column_doc_freq(self.bm25.column(token))
        return math.log(1.0 + (self.n - df + 0.5) / (df + 0.5))

    def docs_with(self, col: int, docs: Iterable[int]) -> set[int]:
        """The passages among ``docs`` that contain column ``col``."""
        if col < 0:
            return set()
        have = self._sets.get(col)
        if have is None:
            postings, _ = self.bm25.postings(col)
            if len(postings) > _SET_POSTINGS:
                tf = self.bm25.frequencies(col)
                if tf is not None:
                    # A frequent term's dense column answers with one gather: at 1M passages its
                    # postings are ~100k+, each passage's binary search touching ~17 pages.
                    ask = np.fromiter(docs, dtype=np.int64)
                    return set(ask[tf[ask] != 0].tolist()) if len(ask) else set()
                # Longer lists stay in numpy: a binary search per passage asked about (a set of
                # 3,000 postings costs ~25 us to make, the search ~3 us). The passages are asked
                # in the postings' dtype: another one makes numpy convert the whole list.
                ask = np.fromiter(docs, dtype=postings.dtype)
                if not len(ask):
                    return set()
                pos = np.searchsorted(postings, ask)
                np.minimum(pos, len(postings) - 1, out=pos)
                return set(ask[postings[pos] == ask].tolist())
            have = frozenset(postings.tolist())
            if len(self._sets) >= 65536:
                self._sets.clear()
            self._sets[col] = have
        return {d for d in docs if d in have}

    def accumulate(self, cols: list[int]) -> dict[int, float]:
        """Exact BM25 scores of every passage with a query term, added in query order from 0.0
        (as ``SparseBM25.get_scores`` does, so bitwise equal)."""
        if self.n <= 4096:
            # A list beats a dict for small corpora; the set remembers who has a term at all.
            scores = [0.0] * self.n
            have: set[int] = set()
            for c in cols:
                docs, weights = self.bm25.postings_list(c)
                have.update(docs)
                for d, w in zip(docs, weights):
                    scores[d] += w
            return {d: scores[d] for d in have}
        acc: dict[int, float] = {}
        get = acc.get
        for c in cols:
            docs, weights = self.bm25.postings_list(c)
            for d, w in zip(docs, weights):
                acc[d] = get(d, 0.0) + w
        return acc

    def token_postings(self, tokens: Sequence[str]) -> tuple[list[tuple[list[int], list[float]]], int]:
        """The postings (passages, weights) of each known token, in order, repeats kept (what
        :meth:`accumulate` adds up for :meth:`cols`), and :meth:`postings_total` of them;
        memoised per token (small corpora: a question's words are looked up once, not
        column, then postings, then document frequency, each time)."""
        memo = self._token_postings
        out = []
        total = 0
        seen: set[str] = set()
        for t in tokens:
            hit = memo.get(t, False)
            if hit is False:
                col = self.bm25.column(t) if isinstance(t, str) else -1
                hit = self.bm25.postings_list(col) if col >= 0 else None
                if len(memo) >= 65536:
                    memo.clear()
                memo[t] = hit
            if hit is not None:
                out.append(hit)
                if t not in seen:
                    seen.add(t)
                    total += len(hit[0])
        return out, total

    def accumulate_postings(self, postings: list[tuple[list[int], list[float]]]) -> dict[int, float]:
        """:meth:`accumulate` over :meth:`token_postings` (a corpus of at most 4,096 passages)."""
        scores = [0.0] * self.n
        have: set[int] = set()
        for docs, weights in postings:
            have.update(docs)
            for d, w in zip(docs, weights):
                scores[d] += w
        return {d: scores[d] for d in have}

    def postings_total(self, cols: Iterable[int]) -> int:
        df = self.bm25.column_doc_freq
        return sum([df(c) for c in set(cols)])


def _best(acc: dict[int, float], k: int) -> list[int]:
    """``SparseBM25.top_k`` order over a score map: score desc, then passage asc."""
    # Passages ascending, then a stable sort by score descending (reverse keeps equal keys in
    # their order): no (score, passage) tuple per passage.
    return sorted(sorted(acc), key=acc.__getitem__, reverse=True)[:k]


class PassageTexts:
    """Every passage's normalised text (``normalize(passage_document_text(p))``), kept as one
    UTF-16 buffer -- in memory, or memory-mapped from the index cache -- and decoded one
    passage at a time: a question needs the texts of its few dozen candidates, and
    normalising them anew costs ~20 µs each."""

    MAGIC = b"QBTEXT2\0"

    def __init__(self, data: bytes | mmap.mmap, offsets: np.ndarray, base: int = 0, fd: int | None = None) -> None:
        self._data = data
        self._offsets = offsets  # in UTF-16 code units, len(self) + 1 of them
        # The same, read as Python ints (a numpy scalar costs twice as much to index and convert)
        self._units = memoryview(np.ascontiguousarray(offsets, dtype=np.int64)).cast("B").cast("q")
        self._base = base
        # Loaded: a text read out is read with os.pread, not through the map (a page fault maps
        # a whole run of pages around a 300-byte text: a few hundred questions made the whole
        # file resident); the map serves the offsets and ``containing``'s searches, whose pages
        # the engine's RESIDENT_BUDGET unmaps again.
        self._fd = fd

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, i: int) -> str:
        a, b = self._units[i], self._units[i + 1]
        if self._fd is not None:
            return os.pread(self._fd, 2 * (b - a), self._base + 2 * a).decode("utf-16-le")
        return self._data[self._base + 2 * a : self._base + 2 * b].decode("utf-16-le")

    def containing(self, term: str, docs: Iterable[int]) -> list[int]:
        """The passages of ``docs`` whose text contains ``term`` (``term in self[i]``), in
        order: the term's UTF-16 units are searched in the buffer itself, at even offsets, so no
        text is read out or decoded (a 100k question's candidates: ~4 µs → ~0.5 µs each)."""
        needle = term.encode("utf-16-le")
        if not needle:
            return list(docs)
        find, base = self._data.find, self._base
        offsets = self._units
        out = []
        for d in docs:
            start = base + 2 * offsets[d]
            end = base + 2 * offsets[d + 1]
            p = find(needle, start, end)
            # (base is even) a match at an odd byte offset straddles two code units: go on
            while p >= 0 and (p - start) & 1:
                p = find(needle, p + 1, end)
            if p >= 0:
                out.append(d)
        return out

    def __del__(self) -> None:
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)
            self._fd = None

    @staticmethod
    def encode(joined: str, count: int) -> tuple[bytes, np.ndarray]:
        """``count`` texts joined by "\n" (which no text contains) → their UTF-16 code units
        back to back, and each one's length in code units."""
        texts = joined.split("\n") if count else []
        if len(texts) != count:
            raise ValueError("a normalised text contains a line break")
        data = "".join(texts).encode("utf-16-le")
        if len(data) == 2 * (len(joined) - max(count - 1, 0)):  # all in the BMP: one unit each
            lengths = np.fromiter(map(len, texts), dtype=np.int64, count=count)
        else:
            lengths = np.array([len(t.encode("utf-16-le")) // 2 for t in texts], dtype=np.int64)
        return data, lengths

    @classmethod
    def join(cls, parts: Sequence[tuple[bytes, np.ndarray]]) -> PassageTexts:
        """From :meth:`encode` results, in passage order."""
        lengths = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return cls(b"".join(p[0] for p in parts), offsets)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write atomically: magic, count, the CRC-32 of what follows, offsets, the UTF-16 data."""
        offsets = self._offsets.astype("<i8").tobytes()
        start, stop = self._base + 2 * int(self._offsets[0]), self._base + 2 * int(self._offsets[-1])
        data = memoryview(self._data)[start:stop]
        with atomic_file(path, ".texts-") as fh:
            fh.write(self.MAGIC + struct.pack("<QQ", len(self), zlib.crc32(data, zlib.crc32(offsets))))
            fh.write(offsets)
            fh.write(data)

    @property
    def mapped(self) -> tuple[mmap.mmap, ...]:
        """The file's memory map, when loaded (for ``release_pages``)."""
        return (self._data,) if isinstance(self._data, mmap.mmap) else ()

    @classmethod
    def load(cls, path: str | os.PathLike[str], count: int | None) -> PassageTexts:
        """Memory-map a file written by :meth:`save`; ValueError if it is not one for ``count``
        passages (any number: None), or if its CRC-32 differs (read through a small buffer: no
        page stays mapped)."""
        fd = os.open(path, os.O_RDONLY)
        try:
            return cls._load(path, count, fd)
        except BaseException:
            os.close(fd)
            raise

    @classmethod
    def _load(cls, path: str | os.PathLike[str], count: int | None, fd: int) -> PassageTexts:
        data = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        head = 8 + 8 + 8
        if len(data) < head or data[:8] != cls.MAGIC:
            raise ValueError(f"{path}: not a passage text file")
        (n, crc) = struct.unpack_from("<QQ", data, 8)
        if (count is not None and n != count) or len(data) < head + 8 * (n + 1):
            raise ValueError(f"{path}: made for {n} passages, not {count}")
        if _crc32_of(os.fspath(path), head, len(data) - head) != crc:
            raise ValueError(f"{path}: damaged (CRC-32 differs)")
        offsets = np.frombuffer(data, dtype="<i8", count=n + 1, offset=head)
        base = head + 8 * (n + 1)
        if offsets[0] != 0 or np.any(np.diff(offsets) < 0) or base + 2 * int(offsets[-1]) != len(data):
            raise ValueError(f"{path}: inconsistent offsets")
        return cls(data, offsets, base, fd)


class PassageIndex:
    """The two channels over one list of passages (and, when built in batches or loaded from
    the cache, their normalised texts)."""

    def __init__(self, words: Channel, bigrams: Channel, texts: PassageTexts | None = None) -> None:
        self.words = words
        self.bigrams = bigrams
        self.n = words.n
        self.texts = texts

    @classmethod
    def build(cls, word_corpus: Sequence[Sequence[str]], bigram_corpus: Sequence[Sequence[str]]) -> PassageIndex:
        return cls(Channel(word_corpus), Channel(bigram_corpus))

    def warm_up(self) -> bool:
        """Compile (or load from numba's cache) the compiled top-k, if this index is large
        enough to use it: no question then waits for it. True if it will be used."""
        if self.n < kernels.MIN_PASSAGES or not kernels.available():
            return False
        return kernels.warm_up(self.words.bm25) and kernels.warm_up(self.bigrams.bm25)

    def search(self, words: Sequence[str], bigrams: Sequence[str], k: int, include: Sequence[int] = ()) -> list[Candidate]:
        """The union of each channel's top ``k``, with both channels' scores.

        ``include``: passages that are candidates whatever their scores (a question that names
        a passage by position, 「第二张图片」, may share no word with it)."""
        if self.n <= _SMALL_CORPUS and k > 0:
            # The same as below, with each token's postings memoised as lists.
            wpost, wtotal = self.words.token_postings(words)
            bpost, btotal = self.bigrams.token_postings(bigrams)
            if wtotal + btotal <= _PYTHON_POSTINGS:
                wacc = self.words.accumulate_postings(wpost)
                bacc = self.bigrams.accumulate_postings(bpost)
                pool = dict.fromkeys(_best(wacc, k))
                pool.update(dict.fromkeys(_best(bacc, k)))
                pool.update(dict.fromkeys(include))
                wget, bget = wacc.get, bacc.get
                new = tuple.__new__  # Candidate(...) without the named tuple's Python-level __new__
                return [new(Candidate, (d, wget(d, 0.0), bget(d, 0.0))) for d in pool]
        wcols = self.words.cols(words)
        bcols = self.bigrams.cols(bigrams)
        if k <= 0:
            return []
        bigram_postings = self.bigrams.postings_total(bcols)
        if self.words.postings_total(wcols) + bigram_postings <= _PYTHON_POSTINGS:
            wacc = self.words.accumulate(wcols)
            bacc = self.bigrams.accumulate(bcols)
            pool = dict.fromkeys(_best(wacc, k))
            pool.update(dict.fromkeys(_best(bacc, k)))
            pool.update(dict.fromkeys(include))
            return [Candidate(d, wacc.get(d, 0.0), bacc.get(d, 0.0)) for d in pool]
        pool = {}
        if self.n >= kernels.MIN_PASSAGES and bigram_postings > _THREAD_POSTINGS and kernels.available():
            # The compiled top-k releases the GIL: the bigram channel's runs on the helper
            # thread while this one ranks the words (one answer's latency, on 2 cores).
            later = _helper().submit(self.bigrams.bm25.top_k_columns, bcols, k)
            best_words = self.words.bm25.top_k_columns(wcols, k)
            best_bigrams = later.result()
        else:
            best_words = self.words.bm25.top_k_columns(wcols, k)
            best_bigrams = self.bigrams.bm25.top_k_columns(bcols, k)
        for doc, _ in best_words:
            pool[doc] = None
        for doc, _ in best_bigrams:
            pool[doc] = None
        pool.update(dict.fromkeys(include))
        docs = list(pool)
        if not docs:
            return []
        ws = self.words.bm25.score_columns(wcols, docs).tolist()
        bs = self.bigrams.bm25.score_columns(bcols, docs).tolist()
        return [Candidate(d, w, b) for d, w, b in zip(docs, ws, bs)]


def _bigram_texts(codes: np.ndarray) -> list[str]:
    """``bigram_text`` of each code, through a two-character numpy array (a lone character's
    second code unit is 0, which numpy drops)."""
    pair = codes > 0xFFFF
    units = np.zeros((len(codes), 2), dtype=np.uint32)
    units[:, 0] = np.where(pair, codes >> 16, codes)
    units[:, 1] = np.where(pair, codes & 0xFFFF, 0)
    return units.view("<U2").ravel().tolist()


class IndexMerger:
    """Batches of term streams (:class:`BatchTokens`, in passage order) → a :class:`PassageIndex`
    equal to ``PassageIndex.build`` over the same token lists.

    Terms new to the index are numbered as they come (each batch lists its new terms in order of
    first occurrence), which keeps the vocabulary in order of first occurrence; a batch's ids are
    mapped through its analyzer's table, so only terms new to that analyzer are looked up here.
    """

    def __init__(self) -> None:
        self._words: dict[str, int] = {}
        self._bigrams: dict[int, int] = {}
        self._maps: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        self._parts: tuple[list[np.ndarray], ...] = ([], [], [], [])
        self._texts: list[tuple[bytes, np.ndarray]] = []

    @staticmethod
    def _extend(table: np.ndarray, ids: np.ndarray, gids: list[int]) -> np.ndarray:
        if len(ids):
            top = int(ids.max()) + 1
            if top > len(table):
                grown = np.full(max(top, 2 * len(table)), -1, dtype=np.int32)
                grown[: len(table)] = table
                table = grown
            table[ids] = gids
        return table

    def add(self, batch: BatchTokens) -> None:
        word_map, bigram_map = self._maps.get(batch.source, (np.zeros(0, np.int32), np.zeros(0, np.int32)))
        words = self._words
        gids = [words.setdefault(t, len(words)) for t in batch.new_words]
        word_map = self._extend(word_map, batch.new_word_ids, gids)
        bigrams = self._bigrams
        gids = [bigrams.setdefault(c, len(bigrams)) for c in batch.new_bigrams.tolist()]
        bigram_map = self._extend(bigram_map, batch.new_bigram_ids, gids)
        self._maps[batch.source] = (word_map, bigram_map)
        word_ids, word_counts, bigram_ids, bigram_counts = self._parts
        word_ids.append(word_map[batch.word_ids])
        word_counts.append(batch.word_counts)
        bigram_ids.append(bigram_map[batch.bigram_ids])
        bigram_counts.append(batch.bigram_counts)
        self._texts.append(PassageTexts.encode(batch.texts, len(batch.word_counts)))

    def build(self) -> PassageIndex:
        word_ids, word_counts, bigram_ids, bigram_counts = (
            np.concatenate(p) if p else np.zeros(0, dtype=np.int32) for p in self._parts
        )
        self._parts = ([], [], [], [])
        word_terms = list(self._words)
        bigram_terms = _bigram_texts(np.fromiter(self._bigrams, dtype=np.int64))
        from concurrent.futures import ThreadPoolExecutor  # (not at import: the ask path never builds)

        # The two channels in two threads: their time goes to numpy's sorts and gathers, which
        # release the GIL (a million passages: ~2x on two cores).
        with ThreadPoolExecutor(2) as pool:
            words = pool.submit(SparseBM25.from_ids, word_ids, word_counts, word_terms)
            bigrams = pool.submit(SparseBM25.from_ids, bigram_ids, bigram_counts, bigram_terms)
            texts = PassageTexts.join(self._texts)
            self._texts = []
            return PassageIndex(Channel([], words.result()), Channel([], bigrams.result()), texts)
