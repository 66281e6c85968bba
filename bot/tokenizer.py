"""Text → tokens, the same way for questions and passages.

Two views of one text feed two BM25 channels:
- ``words``: jieba's search-mode cut (whole words plus their dictionary sub-words), stopwords and
  punctuation dropped, synonyms replaced by their group's first word;
- ``bigrams``: overlapping character pairs inside runs of content words — they still match when
  jieba segments the question and the passage differently (县级 / 县(市、区), 饭堂 / 长者饭堂).
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
import unicodedata
from dataclasses import dataclass

import jieba

from bot.lexicon import Lexicon
from bot.textnorm import normalize

jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict" lines are not ours to print


@dataclass(frozen=True)
class Analysis:
    """The tokens of one text."""

    text: str  # the normalised text
    words: tuple[str, ...]  # content words (search mode), canonical synonyms
    bigrams: tuple[str, ...]  # character bigrams of content runs
    terms: tuple[str, ...]  # content words of the plain cut: what a question "asks about"
    surface: tuple[str, ...] = ()  # the same words as written, before synonyms


_NAME_TAGS_RE = re.compile(r"^(\S+) \d+ (ns|nr|nrt|nrfg|nt)\r?$", re.M)


# "多少家长者饭堂": jieba reads 家长 (parent) unless the counter is cut off first.
_COUNTER_AFTER_ASK_RE = re.compile(r"(多少|几)([个名项家场次所件户位处条批间套座期届种类支台辆份篇张部册本艘只头匹例起宗笔首集轮栋层床])(?=[\u4e00-\u9fff])")


def _split_counter(text: str) -> str:
    return _COUNTER_AFTER_ASK_RE.sub(r"\1\2 ", text)


# "几天", "多少钱", "几个": the question's frame, not its topic (the unit is read elsewhere).
_QUANTITY_QUESTION_RE = re.compile(r"^(?:(?:几|多少|若干)\w{0,2}|第[一二三四五六七八九十几\d]+[张个次条段幅])$")


_ASK_RE = re.compile(r"(?:多少|几)(?:个)?")
# Counters between 多少 and the noun: "多少家医院", "几所学校".
_COUNTERS = set("个名项家场次所件户棵株天年月日位处条批倍间套座期届种类支台辆份篇张部元块册本艘只头匹例起宗笔首集轮栋层床") | {
    "场次", "人次", "周年", "公里", "公顷", "餐次", "万", "亿", "亿元", "万元", "平方米", "米", "吨", "%",
}


class GeneralNames:
    """Place, person and organisation names from jieba's own dictionary (ns/nr/nrt/nrfg/nt).

    A question about 佛山 or 周杰伦 names something; if the knowledge never mentions it, the
    question is about something else. Scanning the 3 MB dictionary takes ~0.16 s and a set of
    100k strings as long to build, so the names are kept as one newline-joined string (cached in
    the temp folder, keyed by the dictionary's size and mtime) and looked up by substring — only
    for the rare question word that no passage contains.
    """

    def __init__(self) -> None:
        self._blob: str | None = None

    def _load(self) -> str:
        path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
        st = os.stat(path)
        cache = os.path.join(tempfile.gettempdir(), f"qabot-names2-{st.st_size}-{int(st.st_mtime)}.txt")
        try:
            with open(cache, encoding="utf-8") as fh:
                return fh.read()
        except OSError:
            pass
        with open(path, encoding="utf-8") as fh:
            # One "word\ttag" a line; places (ns) are looked up with their tag.
            pairs = sorted(set(_NAME_TAGS_RE.findall(fh.read())))
        blob = "\n" + "\n".join(f"{w}\t{t}" for w, t in pairs) + "\n"
        try:
            tmp = f"{cache}.{os.getpid()}"
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(blob)
            os.replace(tmp, cache)
        except OSError:
            log.debug("cannot write the names cache %s", cache)
        return blob

    def __contains__(self, word: str) -> bool:
        if self._blob is None:
            self._blob = self._load()
        return f"\n{word}\t" in self._blob

    def is_place(self, word: str) -> bool:
        """Whether jieba's dictionary tags ``word`` as a place name (ns)."""
        if self._blob is None:
            self._blob = self._load()
        return f"\n{word}\tns\n" in self._blob


log = logging.getLogger(__name__)


def _is_punct(token: str) -> bool:
    """No letter and no digit: punctuation, symbols, spaces, stray combining marks."""
    return not any(unicodedata.category(ch)[0] in "LN" for ch in token)


class Tokenizer:
    """A private jieba.Tokenizer with the domain dictionary, stoplist and synonyms."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        # A private tokenizer: user words never leak into jieba's global dictionary.
        self._jieba = jieba.Tokenizer()
        self._ready = False
        self._lock = threading.Lock()
        self._content_memo: dict[str, bool] = {}

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
        """Whether a token counts as a content word (memoised: tokens repeat a lot)."""
        known = self._content_memo.get(token)
        if known is None:
            word = token.strip()
            known = (
                bool(word)
                and not _is_punct(word)
                and word not in self.lexicon.stopwords
                and not _QUANTITY_QUESTION_RE.match(word)
            )
            if len(self._content_memo) < 500_000:
                self._content_memo[token] = known
        return known

    def general_freq(self, word: str) -> int:
        """How often jieba's general dictionary saw ``word`` (0 = never)."""
        if not self._ready:
            self.initialize()
        return int(self._jieba.FREQ.get(word, 0) or 0)

    def asked_noun(self, normalized_question: str) -> tuple[str, ...]:
        """What a quantity question counts: "有多少家医院" → (医院,), "最低工资标准是多少" →
        (最低工资, 标准) — a compound noun right before 是多少 is kept whole."""
        if not self._ready:
            self.initialize()
        m = _ASK_RE.search(normalized_question)
        if not m:
            return ()
        rest = normalized_question[m.end() :]
        if rest and rest[0] in "年月日号天点时":
            return ()  # 几月份, 几号, 几点: a question of when, not of how many
        if rest[:1] in _COUNTERS:
            rest = f"{rest[:1]} {rest[1:]}"
        for tok in self._jieba.cut(rest):
            tok = tok.strip()
            if tok in _COUNTERS or self._canon(tok) in _COUNTERS:
                continue
            if self._content(tok):
                return (self._canon(tok),)
            if tok and not _is_punct(tok):
                break
        if re.match(r"\s*[?!。.]*\s*$", normalized_question[m.end() :]):
            before = [t.strip() for t in self._jieba.cut(normalized_question[: m.start()]) if not _is_punct(t)]
            # Drop the verb between the noun and 多少: "零工市场枢纽建了几个" counts 枢纽, not 建了.
            while before and (
                before[-1] in ("是", "有", "为", "共有", "一共", "总共", "大概", "大约")
                or (len(before[-1]) <= 2 and before[-1][-1] in "了过着")
                or len(before[-1]) == 1
            ):
                before.pop()
            noun: list[str] = []
            while before and self._content(before[-1]) and len(noun) < 2:
                noun.insert(0, self._canon(before.pop()))
            return tuple(noun)
        return ()

    def cut(self, normalized_text: str) -> list[str]:
        """jieba's plain cut of already normalised text, every token kept."""
        if not self._ready:
            self.initialize()
        return list(self._jieba.cut(_split_counter(normalized_text)))

    def is_counter(self, token: str) -> bool:
        """Whether ``token`` is a measure word or unit (个, 家, 公里): never a topic by itself."""
        return token in _COUNTERS

    def subwords(self, word: str) -> list[str]:
        """The dictionary words inside ``word`` (基层干部 → 基层, 干部), canonical."""
        if not self._ready:
            self.initialize()
        subs = [self._canon(t) for t in self._jieba.cut_for_search(word) if t != word and len(t) >= 2]
        return [t for t in subs if t not in self.lexicon.stopwords]

    def analyze(self, text: str, *, normalized: bool = False) -> Analysis:
        """Tokenize ``text`` into content words and bigrams (normalising it first).

        One jieba pass: the search-mode sub-words are derived from the plain cut the way
        ``cut_for_search`` does it (dictionary 2- and 3-grams of longer words), instead of
        segmenting the text a second time — indexing is jieba-bound.
        """
        if not self._ready:
            self.initialize()
        norm = text if normalized else normalize(text)
        norm = _split_counter(norm)
        freq = self._jieba.FREQ
        content = self._content
        canon = self._canon
        terms: list[str] = []
        surface: list[str] = []
        bigrams: list[str] = []
        words: list[str] = []
        run: list[str] = []

        def flush() -> None:
            cjk = "".join(ch for ch in "".join(run) if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff")
            if len(cjk) == 1:
                bigrams.append(cjk)
            bigrams.extend(cjk[i : i + 2] for i in range(len(cjk) - 1))
            run.clear()

        for tok in self._jieba.cut(norm):
            n = len(tok)
            if n > 2:
                for size in (2, 3) if n > 3 else (2,):
                    for i in range(n - size + 1):
                        gram = tok[i : i + size]
                        if freq.get(gram) and content(gram):
                            words.append(canon(gram.strip()))
            if content(tok):
                word = tok.strip()
                c = canon(word)
                words.append(c)
                terms.append(c)
                surface.append(word)
                run.append(c)
            else:
                flush()
        flush()
        return Analysis(norm, tuple(words), tuple(bigrams), tuple(terms), tuple(surface))
