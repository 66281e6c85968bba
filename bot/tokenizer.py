"""Text → tokens, the same way for questions and passages.

Two views of one text feed two BM25 channels:
- ``words``: jieba's search-mode cut (whole words plus their dictionary sub-words), stopwords and
  punctuation dropped, synonyms replaced by their group's first word;
- ``bigrams``: overlapping character pairs inside runs of content words — they still match when
  jieba segments the question and the passage differently (县级 / 县(市、区), 饭堂 / 长者饭堂).
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from dataclasses import dataclass

import jieba

from bot.lexicon import Lexicon
from bot.textnorm import is_cjk, normalize

jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict" lines are not ours to print


@dataclass(frozen=True)
class Analysis:
    """The tokens of one text."""

    text: str  # the normalised text
    words: tuple[str, ...]  # content words (search mode), canonical synonyms
    bigrams: tuple[str, ...]  # character bigrams of content runs
    terms: tuple[str, ...]  # content words of the plain cut: what a question "asks about"


def _is_punct(token: str) -> bool:
    return all(unicodedata.category(ch)[0] in "PSZC" for ch in token)


class Tokenizer:
    """A private jieba.Tokenizer with the domain dictionary, stoplist and synonyms."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        # A private tokenizer: user words never leak into jieba's global dictionary.
        self._jieba = jieba.Tokenizer()
        self._ready = False
        self._lock = threading.Lock()

    def initialize(self) -> None:
        """Load jieba's dictionary (~0.4 s) and the domain words; idempotent."""
        with self._lock:
            if self._ready:
                return
            self._jieba.initialize()
            for e in self.lexicon.entries:
                self._jieba.add_word(e.word, e.freq, e.tag)
            # Synonyms must survive segmentation whole, or "找活干" never reaches the table.
            known = {e.word for e in self.lexicon.entries}
            for w in self.lexicon.synonyms:
                if len(w) > 1 and w not in known and self._jieba.FREQ.get(w, 0) == 0:
                    self._jieba.add_word(w, 50)
            self._ready = True

    def _canon(self, token: str) -> str:
        return self.lexicon.synonyms.get(token, token)

    def _content(self, token: str) -> bool:
        token = token.strip()
        return bool(token) and not _is_punct(token) and token not in self.lexicon.stopwords

    def analyze(self, text: str, *, normalized: bool = False) -> Analysis:
        """Tokenize ``text`` into content words and bigrams (normalising it first)."""
        if not self._ready:
            self.initialize()
        norm = text if normalized else normalize(text)
        cut = list(self._jieba.cut(norm))
        terms: list[str] = []
        bigrams: list[str] = []
        run: list[str] = []

        def flush() -> None:
            chars = "".join(run)
            cjk = "".join(ch for ch in chars if is_cjk(ch))
            if len(cjk) == 1:
                bigrams.append(cjk)
            bigrams.extend(cjk[i : i + 2] for i in range(len(cjk) - 1))
            run.clear()

        for tok in cut:
            if self._content(tok):
                canon = self._canon(tok.strip())
                terms.append(canon)
                run.append(canon)
            else:
                flush()
        flush()
        words: list[str] = []
        for tok in self._jieba.cut_for_search(norm):
            if self._content(tok):
                words.append(self._canon(tok.strip()))
        return Analysis(norm, tuple(words), tuple(bigrams), tuple(terms))
