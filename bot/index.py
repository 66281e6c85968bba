"""BM25 over passage tokens, in two channels (words and character bigrams).

The score orders; it does not decide relevance (a term in half the passages has idf 0 in
BM25Okapi, and one passage alone always scores 0). Relevance is decided in the engine from
what matched — :meth:`PassageIndex.contains_word` / :meth:`contains_bigram` answer that.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.bm25 import SparseBM25


@dataclass(frozen=True)
class Candidate:
    """A passage index with its per-channel BM25 scores."""

    doc: int
    word_score: float
    bigram_score: float


class Channel:
    """One BM25 (rank-bm25's Okapi formula) over one token view of every passage."""

    def __init__(self, corpus: Sequence[Sequence[str]], bm25: SparseBM25 | None = None) -> None:
        self.bm25 = bm25 if bm25 is not None else SparseBM25(corpus)
        self.n = len(self.bm25)

    def top(self, tokens: Sequence[str], k: int) -> list[tuple[int, float]]:
        return self.bm25.top_k(list(tokens), k) if tokens else []

    def scores_for(self, tokens: Sequence[str], docs: Sequence[int]) -> np.ndarray:
        """Exact BM25 scores of ``docs`` (any order) for ``tokens``."""
        return self.bm25.score_docs(list(tokens), docs)

    def contains(self, doc: int, token: str) -> bool:
        return self.bm25.contains(token, doc)

    def weight(self, token: str) -> float:
        """A positive idf for coverage: rare terms weigh more, unknown terms weigh most."""
        df = self.bm25.doc_freq(token)
        return math.log(1.0 + (self.n - df + 0.5) / (df + 0.5))


class PassageIndex:
    """The two channels over one list of passages."""

    def __init__(self, words: Channel, bigrams: Channel) -> None:
        self.words = words
        self.bigrams = bigrams
        self.n = words.n

    @classmethod
    def build(cls, word_corpus: Sequence[Sequence[str]], bigram_corpus: Sequence[Sequence[str]]) -> PassageIndex:
        return cls(Channel(word_corpus), Channel(bigram_corpus))

    def search(self, words: Sequence[str], bigrams: Sequence[str], k: int) -> list[Candidate]:
        """The union of each channel's top ``k``, with both channels' scores."""
        pool: dict[int, None] = {}
        for doc, _ in self.words.top(words, k):
            pool[doc] = None
        for doc, _ in self.bigrams.top(bigrams, k):
            pool[doc] = None
        docs = list(pool)
        if not docs:
            return []
        ws = self.words.scores_for(words, docs) if words else np.zeros(len(docs))
        bs = self.bigrams.scores_for(bigrams, docs) if bigrams else np.zeros(len(docs))
        return [Candidate(d, float(w), float(b)) for d, w, b in zip(docs, ws, bs)]
