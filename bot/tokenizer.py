"""Text → tokens, the same way for questions and passages.

Two views of one text feed two BM25 channels:
- ``words``: jieba's search-mode cut (whole words plus their dictionary sub-words), stopwords and
  punctuation dropped, synonyms replaced by their group's first word;
- ``bigrams``: overlapping character pairs inside runs of content words — they still match when
  jieba segments the question and the passage differently (县级 / 县(市、区), 饭堂 / 长者饭堂).
"""

from __future__ import annotations

import array
import gc
import itertools
import logging
import marshal
import mmap
import os
import re
import struct
import sys
import tempfile
import threading
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from math import log as _log
from operator import add as _concat
from types import ModuleType

import numpy as np

from bot.lexicon import Lexicon
from bot.textnorm import normalize


def _import_jieba() -> ModuleType:
    """``import jieba`` without ``pkg_resources``: jieba/_compat.py imports it (setuptools, ~0.2 s)
    only to open its bundled files, and opens the same files next to its module when it cannot."""
    if "jieba" in sys.modules:
        return sys.modules["jieba"]
    blocked = "pkg_resources" not in sys.modules
    if blocked:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # `import` now raises ImportError
    try:
        import jieba
    finally:
        if blocked and sys.modules.get("pkg_resources", False) is None:
            del sys.modules["pkg_resources"]
    return jieba


jieba = _import_jieba()
from jieba import finalseg  # noqa: E402

# A word of the synonym table is given at least this jieba frequency, so that it is cut whole.
SYNONYM_MIN_FREQ = 50
_RE_HAN = jieba.re_han_default
_RE_SKIP = jieba.re_skip_default
# What a bigram is made of: CJK ideographs (the unified block and extension A, compatibility).
_NOT_CJK_RE = re.compile("[^\u3400-\u9fff\uf900-\ufaff]+")

jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict" lines are not ours to print
log = logging.getLogger(__name__)


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
_COUNTER_AFTER_ASK_RE = re.compile(r"(多少|(?<![这那好])几)([个名项家场次所件户位处条批间套座期届种类支台辆份篇张部册本艘只头匹例起宗笔首集轮栋层床])(?=[\u4e00-\u9fff])")


def _split_counter(text: str) -> str:
    if "几" not in text and "多少" not in text:
        return text  # nothing to split (the usual text; and no call into re's template code)
    return _COUNTER_AFTER_ASK_RE.sub(r"\1\2 ", text)


# "几天", "多少钱", "几个": the question's frame, not its topic (the unit is read elsewhere).
# Question words, whole or as the head of what jieba keeps as one word (哪些地方, 哪一天,
# 什么方面, 第几, 老几): they ask, they are not what is asked about.
_QUANTITY_QUESTION_RE = re.compile(
    r"^(?:(?:几|多少|若干)\w{0,2}|第[一二三四五六七八九十几\d]+[张个次条段幅]|哪\w{0,3}|什么\w{0,2}|第几\w{0,2}|老几)$"
)


_ASK_AT_END_RE = re.compile(r"\s*[?!。.]*\s*$")  # 多少 ends the question
# not 第几 / 排老几 (ordinals), 哪几 (which), 这几 / 那几 (these few), 好几 (several), 几乎
_ASK_RE = re.compile(r"(?<![老第哪这那好])(?:多少|几(?!乎))(?:个)?")
# "…的数量是多少": words that name the count itself, not what is counted.
_QUANTITY_WORDS = frozenset(
    {"数量", "数目", "总数", "个数", "总量", "数字", "人数", "规模", "次数", "户数", "家数", "的", "百分之", "百分", "项目",
     "占比", "比例", "百分比", "比重"}
)
# Verbs that say a quantity reached a level ("办结率达到多少", "增长了多少"): not what is counted.
_REACH_VERBS = frozenset(
    {"达到", "达", "超过", "超", "约为", "共计", "累计", "合计", "增加", "增长", "提高", "提升", "下降", "减少", "降低",
     "占", "突破", "完成", "新增", "实现", "达成", "保持", "接近", "高达", "多达"}
)
# "恩平那条村", "这些人", "这事": a demonstrative and its measure word point at something, they name
# nothing.
_DEMONSTRATIVE_RE = re.compile(r"^[这那此该某每本][个条家所位些种件项次张座间批名只台辆场样边事块]$")
# Verbs right after 多少人 / 几家 say what those counted did (多少人参加, 几家入选).
_ACTION_VERBS = frozenset(
    {"参加", "参与", "加入", "受益", "报名", "来", "去", "到", "出席", "获得", "享受", "使用", "入选", "完成",
     "办理", "参观", "接待", "就业", "上岗", "签约", "落户", "建成", "开业"}
)
# Where a count is taken (全市建了几个): the scope, not what is counted.
_SCOPE_WORDS = frozenset({"全市", "全省", "全县", "全区", "全镇", "全国", "全村", "市里", "省里"})
_CLAUSE_ENDS = frozenset(",，?？!！。;；")
# A yes/no clause ending (…参加吗?) before the clause that asks how many.
_DOUBT_END_RE = re.compile(r"[吗呢]\s*[?？,，]")
_COMPARE_WORDS = frozenset({"比", "较", "比起", "相比", "对比"})
# Counters between 多少 and the noun: "多少家医院", "几所学校".
_COUNTERS = set("个名项家场次所件户棵株天年月日位处条批倍间套座期届种类支台辆份篇张部元块册本艘只头匹例起宗笔首集轮栋层床") | {
    "场次", "人次", "周年", "公里", "公顷", "餐次", "万", "亿", "亿元", "万元", "平方米", "米", "吨", "%",
    "人", "趟", "回", "遍", "顿",
    # 「党员人数是多少」: the count of what the word before names (figure_query reads the unit).
    "人数", "户数", "次数", "件数", "个数", "项数",
    "百分点",  # 「下降了多少个百分点」: a percentage (figure_query reads the kind)
}


# ---------------------------------------------------------------------- jieba's dictionary

_STORE_MAGIC = b"QBJIEBA1"
_STORE_LOCK = threading.Lock()
_STORE: DictionaryStore | None = None


def jieba_version() -> str:
    return str(getattr(jieba, "__version__", "?"))


class DictionaryStore:
    """jieba's prefix dictionary (word → frequency, 0 for a prefix only) and the name tags of its
    dict.txt, readable a few entries at a time.

    jieba loads all ~500k entries at its first cut: 0.3 s to unmarshal its cache, and over 1 s the
    way jieba reads it (``marshal.load`` on an open file reads it in small pieces). A question
    needs the entries that are substrings of it. Here every single character's entry is in the
    header, and longer entries are grouped by their first two characters, each group a
    marshalled dict in one memory-mapped file: a text needs the groups of its character pairs.
    The file is derived from jieba's own cache (the entries jieba would use), keyed by jieba's
    version and dict.txt, and written once to the temp folder next to jieba's cache.
    """

    def __init__(self, buf: bytes | mmap.mmap) -> None:
        if bytes(buf[:8]) != _STORE_MAGIC:
            raise ValueError("not a qabot jieba dictionary file")
        (size,) = struct.unpack_from("<Q", buf, 8)
        header = marshal.loads(buf[16 : 16 + size])
        self._buf = buf
        self._base = 16 + size
        self.total: int = header["total"]
        # Sorted strings searched with bisect and parallel arrays: no dict of 12k entries to
        # build at start-up. chars[i]: its frequency, and the span of its pair index.
        self._chars: str = header["chars"]
        self._char_freq = _ints(header["char_freq"])
        self._char_index = _ints(header["char_index"])
        self._name_chars: str = header["name_chars"]
        self._name_spans = _ints(header["name_spans"])
        self._full: tuple[int, int] = header["full"]
        self._pairs: dict[str, tuple[str, array.array]] = {}

    def _read(self, start: int, size: int) -> object:
        start += self._base
        return marshal.loads(self._buf[start : start + size])

    def char(self, ch: str) -> int | None:
        """The entry of the one-character key ``ch`` (None: not in the dictionary)."""
        i = _find(self._chars, ch)
        return None if i < 0 else self._char_freq[i]

    def group(self, pair: str) -> dict[str, int]:
        """The entries of two or more characters that start with ``pair``."""
        index = self._pairs.get(pair[0])
        if index is None:
            i = _find(self._chars, pair[0])
            if i < 0 or self._char_index[2 * i + 1] == 0:
                index = ("", array.array("q"))
            else:
                seconds, spans = self._read(self._char_index[2 * i], self._char_index[2 * i + 1])  # type: ignore[misc]
                index = (seconds, _ints(spans))
            self._pairs[pair[0]] = index
        j = _find(index[0], pair[1:2]) if len(pair) == 2 else -1
        return {} if j < 0 else self._read(index[1][2 * j], index[1][2 * j + 1])  # type: ignore[return-value]

    def names(self, ch: str) -> dict[str, str]:
        """Name → its tags (space-separated: "ns", "nr nt"), for names starting with ``ch``."""
        i = _find(self._name_chars, ch)
        return {} if i < 0 else self._read(self._name_spans[2 * i], self._name_spans[2 * i + 1])  # type: ignore[return-value]

    def full(self) -> dict[str, int]:
        """Every entry (a fresh dict)."""
        return self._read(*self._full)  # type: ignore[return-value]

    @classmethod
    def shared(cls) -> DictionaryStore:
        """The store of the installed jieba, opened (or built, once) on first use."""
        global _STORE
        with _STORE_LOCK:
            if _STORE is None:
                _STORE = cls._open()
            return _STORE

    @classmethod
    def _open(cls) -> DictionaryStore:
        dict_path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
        st = os.stat(dict_path)
        name = f"qabot-jieba3-{jieba_version()}-{st.st_size}-{st.st_mtime_ns}.dict"
        path = os.path.join(tempfile.gettempdir(), name)
        try:
            with open(path, "rb") as fh:
                return cls(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
        except (OSError, ValueError, EOFError, struct.error):
            pass
        data = _build_store(dict_path)
        try:
            tmp = f"{path}.{os.getpid()}.tmp"
            with open(tmp, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except OSError:
            log.debug("cannot write the dictionary file %s", path)
        return cls(data)


def _jieba_prefix_dict() -> tuple[dict[str, int], int]:
    """(FREQ, total) exactly as a fresh ``jieba.Tokenizer()`` loads them: from jieba's cache file
    when there is one (read whole, then unmarshalled), else built by jieba (which writes it)."""
    cache_file = os.path.join(tempfile.gettempdir(), "jieba.cache")
    if os.path.isfile(cache_file):
        try:
            with open(cache_file, "rb") as fh:
                freq, total = marshal.loads(fh.read())
            return freq, total
        except (OSError, ValueError, EOFError, TypeError):
            pass
    t = jieba.Tokenizer()
    t.initialize()
    return t.FREQ, t.total


def _ints(data: bytes) -> array.array:
    out = array.array("q")
    out.frombytes(data)
    return out


def _find(keys: str, ch: str) -> int:
    """Position of ``ch`` in the sorted string ``keys``, -1 if absent."""
    i = bisect_left(keys, ch)
    return i if ch and i < len(keys) and keys[i] == ch else -1


def _build_store(dict_path: str) -> bytes:
    freq, total = _jieba_prefix_dict()
    groups: dict[str, dict[str, dict[str, int]]] = {}
    for word, f in freq.items():
        if len(word) >= 2:
            groups.setdefault(word[0], {}).setdefault(word[1], {})[word] = f
    tags: dict[str, dict[str, set[str]]] = {}
    with open(dict_path, encoding="utf-8") as fh:
        for word, tag in _NAME_TAGS_RE.findall(fh.read()):
            tags.setdefault(word[0], {}).setdefault(word, set()).add(tag)
    body = bytearray()

    def put(obj: object) -> tuple[int, int]:
        blob = marshal.dumps(obj)
        body.extend(blob)
        return len(body) - len(blob), len(blob)

    chars = "".join(sorted(w for w in freq if len(w) == 1))
    char_freq = array.array("q", [freq[ch] for ch in chars])
    char_index = array.array("q")
    for ch in chars:
        by_second = groups.get(ch, {})
        seconds = "".join(sorted(by_second))
        spans = array.array("q", [x for second in seconds for x in put(by_second[second])])
        char_index.extend(put((seconds, spans.tobytes())) if seconds else (0, 0))
    name_chars = "".join(sorted(tags))
    name_spans = array.array("q")
    for ch in name_chars:
        name_spans.extend(put({w: " ".join(sorted(t)) for w, t in tags[ch].items()}))
    header = {
        "total": total,
        "chars": chars,
        "char_freq": char_freq.tobytes(),
        "char_index": char_index.tobytes(),
        "name_chars": name_chars,
        "name_spans": name_spans.tobytes(),
        "full": put(freq),
    }
    head = marshal.dumps(header)
    return _STORE_MAGIC + struct.pack("<Q", len(head)) + head + bytes(body)


class GeneralNames:
    """Place, person and organisation names from jieba's own dictionary (ns/nr/nrt/nrfg/nt).

    A question about 佛山 or 周杰伦 names something; if the knowledge never mentions it, the
    question is about something else. The names are read from the dictionary file one first
    character at a time (see :class:`DictionaryStore`): a lookup is a dict lookup.
    """

    def __init__(self) -> None:
        self._groups: dict[str, dict[str, str]] = {}

    def _group(self, word: str) -> dict[str, str]:
        ch = word[:1]
        group = self._groups.get(ch)
        if group is None:
            group = DictionaryStore.shared().names(ch) if ch else {}
            self._groups[ch] = group
        return group

    def __contains__(self, word: str) -> bool:
        return word in self._group(word)

    def tags(self, word: str) -> list[str]:
        """jieba's name tags for ``word`` (empty when it is not a name there)."""
        return self._group(word).get(word, "").split()

    def is_place(self, word: str) -> bool:
        """Whether jieba's dictionary tags ``word`` as a place name (ns)."""
        return "ns" in self._group(word).get(word, "").split()

    def is_person(self, word: str) -> bool:
        """Whether jieba's dictionary tags ``word`` as a person's name (nr, nrfg, nrt)."""
        return any(t.startswith("nr") for t in self._group(word).get(word, "").split())


def _add_to(freq: dict[str, int], word: str, count: int, group: str | None = None) -> None:
    """What ``jieba.Tokenizer.add_word`` does to FREQ — the word, then its missing prefixes —
    for the keys of one ``group`` only, or all of them."""
    if group is None or word[:2] == group:
        freq[word] = count
    for i in range(1, len(word) + 1):
        prefix = word[:i]
        if (group is None or prefix[:2] == group) and prefix not in freq:
            freq[prefix] = 0


# Characters that are certainly letters or digits (ASCII, and the CJK ideographs of Unicode 1.1,
# all assigned): one C-level search settles most tokens.
_SURELY_ALNUM_RE = re.compile("[0-9A-Za-z\u4e00-\u9fa5]")


def _is_punct(token: str) -> bool:
    """No letter and no digit: punctuation, symbols, spaces, stray combining marks."""
    if _SURELY_ALNUM_RE.search(token):
        return False
    return not any(unicodedata.category(ch)[0] in "LN" for ch in token)


class Tokenizer:
    """A private jieba.Tokenizer with the domain dictionary, stoplist and synonyms.

    jieba's dictionary is filled lazily: before jieba sees a text, the entries of the text's
    characters are added (every key jieba looks up is a substring of the text it cuts), and the
    domain words wait until their first character is loaded. The result is the dictionary jieba
    would have had with everything loaded, entry for entry; :meth:`load_all` loads everything at
    once, for indexing many passages.
    """

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        # A private tokenizer: user words never leak into jieba's global dictionary.
        self._jieba = jieba.Tokenizer()
        self._ready = False
        self._lock = threading.RLock()
        self._content_memo: dict[str, bool] = {}
        self._subword_memo: dict[str, list[str]] = {}
        self._store: DictionaryStore | None = None
        self._loaded: set[str] = set()  # dictionary groups (see DictionaryStore) in FREQ
        self._pending: dict[str, list[tuple[str, int]]] = {}  # group -> domain words to add
        self._added: list[tuple[str, int]] = []  # every domain word, in order
        self._complete = False
        self._logp: dict[str, float] = {}  # word -> log(freq) - log(total), as jieba computes it
        self._logp_total = -1
        self._hmm_memo: dict[str, list[str]] = {}
        self._hmm_epoch = -1
        self._token_memo: dict[str, tuple[tuple[str, ...], str, str | None, str]] = {}

    def initialize(self) -> None:
        """Open jieba's dictionary and add the domain words; idempotent."""
        with self._lock:
            if self._ready:
                return
            self._store = DictionaryStore.shared()
            jt = self._jieba
            jt.FREQ, jt.total, jt.initialized = {}, self._store.total, True
            for e in self.lexicon.entries:
                self._add_word(e.word, e.freq, e.tag)
            # Synonyms must survive segmentation whole, or "找活干" never reaches the table.
            known = {e.word for e in self.lexicon.entries}
            # So must the stoplist's fillers ("靠谱" cut as 靠/谱 would count as two words).
            for w in [*self.lexicon.synonyms, *sorted(self.lexicon.stopwords)]:
                if len(w) > 1 and w not in known:
                    self._need(w[:2])  # loads every entry starting with it, w's own included
                    # A two-character word jieba barely knows (变好: 3) loses to its neighbours
                    # (变 / 好一些), and its characters say nothing. (A longer one splits into
                    # words that do: 党员干部 → 党员 / 干部.)
                    floor = SYNONYM_MIN_FREQ if len(w) == 2 else 1
                    if jt.FREQ.get(w, 0) < floor:
                        count = SYNONYM_MIN_FREQ
                        if w in self.lexicon.stopwords:
                            # A filler of common characters needs more to stay whole (老是
                            # against 老 + 是): as often as jieba says it takes.
                            self._need(w)
                            count = max(count, jt.suggest_freq(w, False))
                        self._add_word(w, count)
            self._ready = True

    def _add_word(self, word: str, freq: int | None, tag: str | None = None) -> None:
        """``jieba.Tokenizer.add_word``, its FREQ part deferred until its groups are loaded."""
        jt = self._jieba
        if freq is None:
            self._need(word)
            freq = jt.suggest_freq(word, False)
        freq = int(freq)
        jt.total += freq
        if tag:
            jt.user_word_tag_tab[word] = tag
        if freq == 0:
            finalseg.add_force_split(word)
        self._added.append((word, freq))
        if not word or self._complete:
            _add_to(jt.FREQ, word, freq)
            return
        for group in dict.fromkeys((word[:1], word[:2])):
            if group in self._loaded:
                _add_to(jt.FREQ, word, freq, group)
            else:
                self._pending.setdefault(group, []).append((word, freq))

    def _need(self, text: str) -> None:
        """Make sure FREQ holds every entry that is a substring of ``text``: the entries of its
        characters, and the entries starting with each of its character pairs."""
        if self._complete:
            return
        missing = set(text)
        missing.update(map(_concat, text, text[1:]))  # its character pairs (joined in C)
        missing.difference_update(self._loaded)
        if missing:
            with self._lock:
                if self._store is None:
                    self.initialize()
                store = self._store
                freq = self._jieba.FREQ
                for group in missing:
                    if group in self._loaded:
                        continue
                    if len(group) == 1:
                        f = store.char(group)
                        if f is not None:
                            freq[group] = f
                    else:
                        freq.update(store.group(group))
                    for word, count in self._pending.pop(group, ()):
                        _add_to(freq, word, count, group)
                    self._loaded.add(group)

    def load_all(self) -> None:
        """Load all of jieba's dictionary now (0.3 s): faster than piecemeal for big corpora."""
        if not self._ready:
            self.initialize()
        with self._lock:
            if self._complete:
                return
            assert self._store is not None
            freq = self._store.full()
            for word, count in self._added:
                _add_to(freq, word, count)
            self._jieba.FREQ = freq
            self._pending.clear()
            self._complete = True

    # ------------------------------------------------------------------ segmentation
    # jieba.Tokenizer.cut(text) (accurate mode, HMM on), re-implemented step for step: the same
    # regexes split blocks, the same DAG and route (log-frequency sums, ties to the longer
    # word), the same HMM (jieba's own finalseg) for runs of single characters. Faster because
    # it builds no generators, dicts or tuples per character and takes each word's log
    # frequency from a memo instead of calling log() every time.

    def _cut(self, sentence: str) -> list[str]:
        """``list(jieba_tokenizer.cut(sentence))``; FREQ must hold the sentence's characters."""
        out: list[str] = []
        for blk in _RE_HAN.split(sentence):
            if not blk:
                continue
            if _RE_HAN.match(blk):
                self._cut_block(blk, out)
            else:
                for x in _RE_SKIP.split(blk):
                    if _RE_SKIP.match(x):
                        out.append(x)
                    else:
                        out.extend(x)
        return out

    def _cut_block(self, sentence: str, out: list[str]) -> None:
        freq = self._jieba.FREQ
        logp = self._logp
        if self._logp_total != self._jieba.total:
            logp.clear()
            self._logp_total = self._jieba.total
        logtotal = _log(self._jieba.total)
        n = len(sentence)
        score: list[float] = [0.0] * n + [0]  # type: ignore[list-item]  # jieba's route[N] = (0, 0)
        nxt = [0] * n
        get = freq.get
        for k in range(n - 1, -1, -1):
            best_s = best_x = None
            i = k
            frag = sentence[k]
            while i < n:
                f = get(frag)
                if f is None:  # not even a prefix of a word: no longer word starts here
                    break
                if f:
                    lp = logp.get(frag)
                    if lp is None:
                        lp = logp[frag] = _log(f) - logtotal
                    s = lp + score[i + 1]
                    if best_s is None or s >= best_s:  # max of (score, x): ties to the larger x
                        best_s, best_x = s, i
                i += 1
                frag = sentence[k : i + 1]
            if best_s is None:  # no dictionary word starts here: the character alone
                score[k] = _log(get(sentence[k]) or 1) - logtotal + score[k + 1]
                nxt[k] = k + 1
            else:
                score[k] = best_s
                nxt[k] = best_x + 1
        x = 0
        buf = ""
        while x < n:
            y = nxt[x]
            if y - x == 1:
                buf += sentence[x]
            else:
                if buf:
                    self._flush_single(buf, out)
                    buf = ""
                out.append(sentence[x:y])
            x = y
        if buf:
            self._flush_single(buf, out)

    def _flush_single(self, buf: str, out: list[str]) -> None:
        """A run of single characters: as is if it is a word, else jieba's HMM (memoised)."""
        if len(buf) == 1:
            out.append(buf)
        elif not self._jieba.FREQ.get(buf):
            if self._hmm_epoch != len(finalseg.Force_Split_Words):
                self._hmm_memo.clear()  # another tokenizer changed jieba's global force-split set
                self._hmm_epoch = len(finalseg.Force_Split_Words)
            words = self._hmm_memo.get(buf)
            if words is None:
                words = list(finalseg.cut(buf))
                if len(self._hmm_memo) >= 200_000:
                    self._hmm_memo.clear()
                self._hmm_memo[buf] = words
            out.extend(words)
        else:
            out.extend(buf)

    def _cut_for_search(self, sentence: str) -> list[str]:
        """``list(jieba_tokenizer.cut_for_search(sentence))``."""
        freq = self._jieba.FREQ
        out: list[str] = []
        for w in self._cut(sentence):
            if len(w) > 2:
                for i in range(len(w) - 1):
                    if freq.get(w[i : i + 2]):
                        out.append(w[i : i + 2])
            if len(w) > 3:
                for i in range(len(w) - 2):
                    if freq.get(w[i : i + 3]):
                        out.append(w[i : i + 3])
            out.append(w)
        return out

    def _canon(self, token: str) -> str:
        return self.lexicon.synonyms.get(token, token)

    def canonical(self, word: str) -> str:
        """``word`` as the synonym table indexes it (老人 → 长者)."""
        return self._canon(word)

    def is_content(self, token: str) -> bool:
        """Whether ``token`` counts as a content word (not a stopword, number or punctuation)."""
        if not self._ready:
            self.initialize()
        return self._content(token)

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
                and not _DEMONSTRATIVE_RE.match(word)
            )
            if len(self._content_memo) < 500_000:
                self._content_memo[token] = known
        return known

    def general_freq(self, word: str) -> int:
        """How often jieba's general dictionary saw ``word`` (0 = never)."""
        if not self._ready:
            self.initialize()
        self._need(word[:2])
        return int(self._jieba.FREQ.get(word, 0) or 0)

    def asked_noun(self, normalized_question: str) -> tuple[str, ...]:
        """What a quantity question counts: "有多少家医院" → (医院,), "最低工资标准是多少" →
        (最低工资, 标准) — a compound noun right before 是多少 is kept whole."""
        if not self._ready:
            self.initialize()
        m = _ASK_RE.search(normalized_question)
        if not m:
            return ()
        self._need(normalized_question)
        rest = normalized_question[m.end() :]
        if rest and rest[0] in "年月日号天点时":
            return ()  # 几月份, 几号, 几点: a question of when, not of how many
        if rest[:1] in _COUNTERS:
            rest = f"{rest[:1]} {rest[1:]}"
        for tok in self._cut(rest):
            tok = tok.strip()
            if tok in _COUNTERS or self._canon(tok) in _COUNTERS:
                continue
            if tok in _ACTION_VERBS:
                return ()  # "多少人参加了…": what they did, not what is counted
            if self._content(tok):
                return (self._canon(tok),)
            if tok and (not _is_punct(tok) or tok in _CLAUSE_ENDS):
                break  # 「有多少项?别又是空头数字」: what follows the question is not counted
        if _ASK_AT_END_RE.match(normalized_question[m.end() :]):
            cut = [t.strip() for t in self._cut(normalized_question[: m.start()])]
            before = [t for t in cut if t and not _is_punct(t)]
            # How many words come before the clause of the question word: 「我想找个驿站问问工作,
            # 全市建了多少个」 names nothing to count in its own clause.
            last_end = max((i for i, t in enumerate(cut) if t in _CLAUSE_ENDS), default=-1)
            earlier = len([t for t in cut[: last_end + 1] if t and not _is_punct(t)])
            doubted = bool(_DOUBT_END_RE.search(normalized_question, 0, m.start()))
            # "能挣过百万的有多少": 的 right before (有/是) 多少 ends a clause that describes what
            # is counted, and names no noun to count.
            tail = [t for t in before[-2:] if t not in ("有", "是", "共有", "一共", "总共")]
            if before and tail[-1:] == ["的"]:
                return ()
            # Drop the verb between the noun and 多少: "零工市场枢纽建了几个" counts 枢纽, not 建了.
            while before and (
                before[-1] in ("是", "有", "为", "共有", "一共", "总共", "大概", "大约")
                or before[-1] in _SCOPE_WORDS  # 「小站点全市建了几个」 counts 小站点
                or before[-1] in _REACH_VERBS  # "办结率达到多少" counts 办结率
                # 「真有那么多基层党组织参加吗?到底多少个」: the doubt before asks about the noun
                or (before[-1] in _ACTION_VERBS and doubted)
                or before[-1] in _QUANTITY_WORDS  # "党组织数量是多少" counts 党组织
                or not self._content(before[-1])  # "一共有", "大概": fillers before 多少
                or (len(before[-1]) <= 2 and before[-1][-1] in "了过着")
                or len(before[-1]) == 1
            ):
                before.pop()
            # "警情比去年下降了百分之几": what it is compared with (比去年, 较上年) is not counted.
            if len(before) >= 2 and before[-2] in _COMPARE_WORDS:
                del before[-2:]
            if len(before) <= earlier and earlier > 3 and not doubted:
                # Nothing left of the question's own clause, and the clause before it is a
                # sentence of its own, not a topic (「长者饭堂,有多少家」).
                return ()
            noun: list[str] = []
            while before and self._content(before[-1]) and len(noun) < 2:
                noun.insert(0, self._canon(before.pop()))
            return tuple(noun)
        return ()

    def cut(self, normalized_text: str) -> list[str]:
        """jieba's plain cut of already normalised text, every token kept."""
        if not self._ready:
            self.initialize()
        text = _split_counter(normalized_text)
        self._need(text)
        return self._cut(text)

    def is_counter(self, token: str) -> bool:
        """Whether ``token`` is a measure word or unit (个, 家, 公里): never a topic by itself."""
        return token in _COUNTERS

    def subwords(self, word: str) -> list[str]:
        """The dictionary words inside ``word`` (基层干部 → 基层, 干部), canonical."""
        memo = self._subword_memo.get(word)
        if memo is not None:
            return list(memo)
        if not self._ready:
            self.initialize()
        self._need(word)
        subs = [self._canon(t) for t in self._cut_for_search(word) if t != word and len(t) >= 2]
        subs = [t for t in subs if t not in self.lexicon.stopwords]
        if len(self._subword_memo) < 50_000:
            self._subword_memo[word] = subs
        return list(subs)

    def ends_in_subword(self, word: str) -> bool:
        """Whether ``word`` ends with one of its dictionary sub-words: a Chinese compound's head
        is its end, so 打短工 is about 短工, and 就餐卡 (sub-word 就餐) is a 卡, not a meal."""
        if not self._ready:
            self.initialize()
        self._need(word)
        return any(t != word and len(t) >= 2 and word.endswith(t) for t in self._cut_for_search(word))

    def analyze(self, text: str, *, normalized: bool = False) -> Analysis:
        """Tokenize ``text`` into content words and bigrams (normalising it first).

        One jieba pass: the search-mode sub-words are derived from the plain cut the way
        ``cut_for_search`` does it (dictionary 2- and 3-grams of longer words), instead of
        segmenting the text a second time — indexing is jieba-bound.
        """
        return self.analyze_tokens(text, normalized=normalized)[0]

    def analyze_tokens(self, text: str, *, normalized: bool = False) -> tuple[Analysis, list[str]]:
        """:meth:`analyze`, and the plain cut it was made from (what :meth:`cut` returns)."""
        if not self._ready:
            self.initialize()
        norm = text if normalized else normalize(text)
        norm = _split_counter(norm)
        self._need(norm)
        memo = self._token_memo
        terms: list[str] = []
        surface: list[str] = []
        bigrams: list[str] = []
        words: list[str] = []
        run: list[str] = []  # the CJK characters of each content word of the current run

        def flush() -> None:
            if not run:
                return
            cjk = "".join(run)
            if len(cjk) == 1:
                bigrams.append(cjk)
            bigrams.extend([cjk[i : i + 2] for i in range(len(cjk) - 1)])
            run.clear()

        tokens = self._cut(norm)
        for tok in tokens:
            known = memo.get(tok)
            if known is None:
                known = self._describe(tok)
            subwords, word, c, cjk = known
            if subwords:
                words.extend(subwords)
            if c is not None:
                words.append(c)
                terms.append(c)
                surface.append(word)
                run.append(cjk)
            elif run:
                flush()
        flush()
        return Analysis(norm, tuple(words), tuple(bigrams), tuple(terms), tuple(surface)), tokens

    def _describe(self, tok: str) -> tuple[tuple[str, ...], str, str | None, str]:
        """What :meth:`analyze_tokens` takes from one token of the cut (memoised: questions
        repeat words): its dictionary 2- and 3-grams that are content words (canonical), the
        word as written, its canonical form (None if it is not a content word) and the CJK
        characters of that form. The grams' dictionary entries are loaded: they are substrings
        of the text, whose entries ``_need`` loaded."""
        freq = self._jieba.FREQ
        content = self._content
        canon = self._canon
        subwords: list[str] = []
        n = len(tok)
        if n > 2:
            for size in (2, 3) if n > 3 else (2,):
                for i in range(n - size + 1):
                    gram = tok[i : i + size]
                    if freq.get(gram) and content(gram):
                        subwords.append(canon(gram.strip()))
        word = tok.strip()
        c = canon(word) if content(tok) else None
        # Removing non-CJK characters commutes with joining: per word here, per run in flush().
        known = (tuple(subwords), word, c, _NOT_CJK_RE.sub("", c) if c is not None else "")
        if len(self._token_memo) >= 200_000:
            self._token_memo.clear()
        self._token_memo[tok] = known
        return known


# ---------------------------------------------------------------------- batch analysis
# Indexing a million passages one analyze() call at a time runs jieba's algorithm character by
# character in Python (~0.1M characters/s). BatchAnalyzer computes the same words and bigrams
# for a whole batch of passages with numpy: the DAG by hashing every window of the text against
# hash tables of the dictionary, the route by dynamic programming over all blocks at once (step
# k handles the k-th character from every block's end), jieba's HMM (finalseg's Viterbi) over all
# unknown runs at once. Every float is computed with the same operations in the same order as
# jieba's Python code, so the tokens are jieba's, token for token; the tests compare them.

_HASH_B1 = 0x9E3779B97F4A7C15  # two independent polynomial hashes: a window matches a key
_HASH_B2 = 0xC2B2AE3D27D4EB4F  # only when both agree (a false match is ~2^-128)
_HMM_MIN_FLOAT = -3.14e100  # finalseg.MIN_FLOAT
_HMM_LO, _HMM_HI = 0x4E00, 0x9FD5  # finalseg.re_han / jieba's han range
_HMM_STATES = "BMES"
_SEPARATOR = "\n"  # between passages in a batch: normalised text never contains it


def _mix(h: np.ndarray) -> np.ndarray:
    """Spread every bit of a hash into its top bits (a table slot): polynomial hashes of short
    strings differ mostly in their low bits."""
    x = h ^ (h >> np.uint64(31))
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(29)
    return x


class _HashTable:
    """uint64 hash → row; open addressing with linear probing, built and searched with numpy.
    A slot holds (hash, row + 1) side by side, so a probe touches one cache line."""

    def __init__(self, keys: np.ndarray, capacity: int = 0) -> None:
        n = len(keys)
        bits = max(4, int(max(n, capacity) * 4 - 1).bit_length())  # load at most 1/4: short probes
        self.shift = np.uint64(64 - bits)
        self.mask = (1 << bits) - 1
        self.slots = np.zeros((1 << bits, 2), dtype=np.uint64)  # row + 1 == 0: empty
        ordered = np.sort(keys)  # (np.unique hashes in numpy 2: several times slower)
        if n > 1 and np.any(ordered[1:] == ordered[:-1]):
            raise ValueError("hash collision among dictionary keys")
        self.add(keys, np.arange(n))

    def __len__(self) -> int:
        return int(np.count_nonzero(self.slots[:, 1]))

    def add(self, keys: np.ndarray, rows: np.ndarray) -> None:
        """Insert new distinct ``keys`` with their ``rows`` (the table must not fill past 1/2)."""
        pending = np.arange(len(keys))
        slot = (_mix(keys) >> self.shift).astype(np.int64)
        while len(pending):
            sl = slot[pending]
            free = self.slots[sl, 1] == 0
            cand = pending[free]
            u, first = np.unique(sl[free], return_index=True)
            self.slots[u, 0] = keys[cand[first]]
            self.slots[u, 1] = (rows[cand[first]] + 1).astype(np.uint64)
            done = np.zeros(len(keys), dtype=bool)
            done[cand[first]] = True
            pending = pending[~done[pending]]
            slot[pending] = (slot[pending] + 1) & self.mask

    def find(self, h: np.ndarray) -> np.ndarray:
        """Row of each hash, -1 where absent."""
        out = np.full(len(h), -1, dtype=np.int64)
        slot = (_mix(h) >> self.shift).astype(np.int64)
        pending = np.arange(len(h))
        hs = h
        while len(pending):
            e = self.slots[slot]
            hit = e[:, 0] == hs
            out[pending[hit]] = e[hit, 1].astype(np.int64) - 1
            go = ~hit & (e[:, 1] != 0)
            pending, hs = pending[go], hs[go]
            slot = (slot[go] + 1) & self.mask
        return out


def _powers(base: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """base**i and base**-i modulo 2**64, i = 0..n (base is odd, so invertible)."""
    p = np.empty(n + 1, dtype=np.uint64)
    q = np.empty(n + 1, dtype=np.uint64)
    p[0] = q[0] = 1
    p[1:] = np.uint64(base)
    q[1:] = np.uint64(pow(base, -1, 1 << 64))
    np.cumprod(p, out=p)  # wraps modulo 2**64, as intended
    np.cumprod(q, out=q)
    return p, q


class _SpanHasher:
    """Hashes of any [start, end) span of one code point array: sum cp[j] * B**(j - start)."""

    def __init__(self, cp: np.ndarray, powers: tuple[np.ndarray, ...]) -> None:
        n = len(cp)
        u = cp.astype(np.uint64)
        pw1, self._iq1, pw2, self._iq2 = powers
        self._h1 = np.zeros(n + 1, dtype=np.uint64)
        np.cumsum(u * pw1[:n], out=self._h1[1:])
        self._h2 = np.zeros(n + 1, dtype=np.uint64)
        np.cumsum(u * pw2[:n], out=self._h2[1:])

    def h1(self, s: np.ndarray, e: np.ndarray) -> np.ndarray:
        return (self._h1[e] - self._h1[s]) * self._iq1[s]

    def h2(self, s: np.ndarray, e: np.ndarray) -> np.ndarray:
        return (self._h2[e] - self._h2[s]) * self._iq2[s]


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)


def _han_class(cp: np.ndarray) -> np.ndarray:
    """jieba's re_han_default: [\\u4E00-\\u9FD5a-zA-Z0-9+#&._%-]"""
    m = (cp >= 0x4E00) & (cp <= 0x9FD5)
    m |= (cp >= 0x30) & (cp <= 0x39)
    m |= ((cp | 0x20) >= 0x61) & ((cp | 0x20) <= 0x7A)
    for ch in "+#&._%-":
        m |= cp == ord(ch)
    return m


def _ragged(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated ranges [starts[i], starts[i] + lengths[i])."""
    total = int(lengths.sum())
    out = np.arange(total, dtype=np.int64)
    out += np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return out


def _exact_key(cp: np.ndarray, s: np.ndarray, length: int) -> np.ndarray:
    """Windows of two or three characters as one exact number (21 bits a code point)."""
    key = cp[s].astype(np.uint64) | (cp[s + 1].astype(np.uint64) << np.uint64(21))
    if length == 3:
        key |= cp[s + 2].astype(np.uint64) << np.uint64(42)
    return key


class _Segmenter:
    """jieba.Tokenizer.cut (accurate mode, HMM on) over a whole batch, as token spans."""

    def __init__(self, freq: dict[str, int], total: int) -> None:
        self.logtotal = _log(total)
        keys = list(freq)
        counts = np.array(list(freq.values()), dtype=np.int64)
        lens = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
        if "" in freq:  # never looked up: every window has a character
            keep = lens > 0
            keys, counts, lens = [k for k in keys if k], counts[keep], lens[keep]
        # log(freq) - logtotal exactly as jieba computes it: math.log per distinct frequency
        # (np.log may differ in the last bit), then one IEEE subtraction.
        uniq = np.unique(counts[counts > 0])
        logs = np.array([_log(int(f)) for f in uniq.tolist()])
        lp = np.full(len(keys), -np.inf)
        pos = counts > 0
        lp[pos] = logs[np.searchsorted(uniq, counts[pos])] - self.logtotal
        self.maxlen = int(lens.max(initial=1))
        self._powers = _powers(_HASH_B1, 0) + _powers(_HASH_B2, 0)
        self._grow(int(lens.sum()) + 1)
        cp = _codepoints("".join(keys))
        ends = np.cumsum(lens)
        starts = ends - lens
        hasher = _SpanHasher(cp, self._powers)
        one = lens == 1
        self.f1 = np.full(0x110000, -1, dtype=np.int64)  # single characters: by code point
        self.f1[cp[starts[one]]] = counts[one]
        self.lp1 = np.full(0x110000, -np.inf)
        self.lp1[cp[starts[one]]] = lp[one]
        # per length: (table, second hash, frequency, log probability); keys of two or three
        # characters are exact numbers, longer ones hashed (and checked with a second hash)
        self.tables: dict[int, tuple[_HashTable, np.ndarray, np.ndarray, np.ndarray]] = {}
        for L in range(2, self.maxlen + 1):
            sel = np.flatnonzero(lens == L)
            if not len(sel):
                continue
            if L <= 3:
                # exact keys, sorted: looked up by sorting the windows and merging (the windows
                # repeat and arrive in random order; a hash probe per window misses the cache)
                key = _exact_key(cp, starts[sel], L)
                order = np.argsort(key)
                self.tables[L] = (key[order], np.zeros(0, dtype=np.uint64), counts[sel][order], lp[sel][order])
            else:
                key, check = hasher.h1(starts[sel], ends[sel]), hasher.h2(starts[sel], ends[sel])
                self.tables[L] = (_HashTable(key), check, counts[sel], lp[sel])
        emit = np.full((_HMM_HI - _HMM_LO + 1, 4), _HMM_MIN_FLOAT)
        for si, state in enumerate(_HMM_STATES):
            for ch, v in finalseg.emit_P[state].items():
                if _HMM_LO <= ord(ch) <= _HMM_HI:
                    emit[ord(ch) - _HMM_LO, si] = v
        self.emit = emit
        self.start = np.array([finalseg.start_P[s] for s in _HMM_STATES])
        self.trans = np.array([[finalseg.trans_P[a].get(b, _HMM_MIN_FLOAT) for b in _HMM_STATES] for a in _HMM_STATES])
        self._pieces: dict[str, list[int]] = {}  # non-han runs of unknown words, split as finalseg does

    def _grow(self, n: int) -> None:
        if len(self._powers[0]) <= n:
            n = max(n, 2 * len(self._powers[0]))
            self._powers = _powers(_HASH_B1, n) + _powers(_HASH_B2, n)

    def _lookup(self, cp: np.ndarray, hasher: _SpanHasher, s: np.ndarray, length: int) -> np.ndarray:
        """Row in the table of ``length``-character keys of each window [s, s + length), -1 if
        the window is not a key."""
        tab = self.tables.get(length)
        if tab is None or not len(s):
            return np.full(len(s), -1, dtype=np.int64)
        if length <= 3:
            key = _exact_key(cp, s, length)
            if length == 2 and len(s) < 1 << 22:
                # sort (window, its index) packed in one integer: numpy sorts uint64 with SIMD
                packed = np.sort((key << np.uint64(22)) | np.arange(len(s), dtype=np.uint64))
                key, at = packed >> np.uint64(22), (packed & np.uint64((1 << 22) - 1)).astype(np.int64)
            else:
                at = np.argsort(key)
                key = key[at]
            sorted_keys = tab[0]
            pos = np.searchsorted(sorted_keys, key)
            np.minimum(pos, len(sorted_keys) - 1, out=pos)
            row = np.full(len(s), -1, dtype=np.int64)
            hit = sorted_keys[pos] == key
            row[at[hit]] = pos[hit]
            return row
        row = tab[0].find(hasher.h1(s, s + length))
        hit = np.flatnonzero(row >= 0)
        if len(hit):
            bad = tab[1][row[hit]] != hasher.h2(s[hit], s[hit] + length)
            row[hit[bad]] = -1
        return row

    def cut(self, text: str, cp: np.ndarray, hasher: _SpanHasher) -> np.ndarray:
        """Where the tokens of ``list(jieba.cut(text))`` start: a mask over the positions
        (tokens cover the text, so each ends where the next starts)."""
        if finalseg.Force_Split_Words:
            raise NotImplementedError("force-split words")  # a domain word with frequency 0
        T = len(cp)
        han = _han_class(cp)
        edge = np.diff(np.concatenate(([0], han.view(np.int8), [0])))
        bstart = np.flatnonzero(edge == 1)
        bend = np.flatnonzero(edge == -1)
        hpos = np.flatnonzero(han)
        hend = np.repeat(bend, bend - bstart)  # end of each han position's block
        nxt = self._route(cp, hasher, hpos, hend)
        start = ~han  # every other character is a token of its own
        start = np.append(start, True)
        cur, end = bstart, bend  # the route from each block's start
        while len(cur):
            start[cur] = True
            cur = nxt[cur]
            keep = cur < end
            cur, end = cur[keep], end[keep]
        # jieba's buf: runs of two or more one-character route steps; unless the run is itself
        # a word, the HMM cuts it again
        single = np.zeros(T + 1, dtype=bool)
        single[:T] = han & start[:T] & start[1:]
        edge = np.diff(np.concatenate(([0], single.view(np.int8))))
        r_s = np.flatnonzero(edge == 1)
        r_e = np.flatnonzero(edge == -1)
        many = r_e - r_s >= 2
        r_s, r_e = r_s[many], r_e[many]
        known = np.zeros(len(r_s), dtype=bool)
        rl = r_e - r_s
        for L in np.unique(rl).tolist():
            if L in self.tables:
                sel = np.flatnonzero(rl == L)
                row = self._lookup(cp, hasher, r_s[sel], L)
                ok = row >= 0
                ok[ok] = self.tables[L][2][row[ok]] > 0
                known[sel[ok]] = True
        hs, he = r_s[~known], r_e[~known]
        if len(hs):
            inside = np.zeros(T + 1, dtype=np.int64)
            inside[hs] += 1  # runs are disjoint: starts distinct, ends distinct
            inside[he] -= 1
            start[np.cumsum(inside).astype(bool)] = False
            start[hs] = True
            start[self._hmm(text, cp, hs, he)] = True
        return start[:T]

    def _route(self, cp: np.ndarray, hasher: _SpanHasher, hpos: np.ndarray, hend: np.ndarray) -> np.ndarray:
        """jieba's get_DAG + calc for every block: the end of the word chosen at each position."""
        T = len(cp)
        nh = len(hpos)
        # DAG: words starting at each position, longer and longer while the window is a key
        # (FREQ holds every prefix of every word, so the chain stops at the first non-key).
        f1 = self.f1[cp[hpos]]
        has1 = f1 > 0
        cand_idx = [np.flatnonzero(has1)]
        cand_len = [np.ones(len(cand_idx[0]), dtype=np.int64)]
        cand_lp = [self.lp1[cp[hpos[has1]]]]
        any_word = has1
        alive = np.flatnonzero(f1 >= 0)  # positions (indices into hpos) whose window is a key
        for L in range(2, self.maxlen + 1):
            if L not in self.tables:
                break
            p = hpos[alive]
            fit = p + L <= hend[alive]
            alive, p = alive[fit], p[fit]
            if not len(alive):
                break
            row = self._lookup(cp, hasher, p, L)
            found = row >= 0
            alive, row = alive[found], row[found]
            tab = self.tables[L]
            word = tab[2][row] > 0
            cand_idx.append(alive[word])
            cand_len.append(np.full(int(word.sum()), L, dtype=np.int64))
            cand_lp.append(tab[3][row[word]])
            any_word[alive[word]] = True
        # No word starts here: the character alone, log(FREQ.get(ch) or 1) - logtotal.
        lone = np.flatnonzero(~any_word)
        cand_idx.append(lone)
        cand_len.append(np.ones(len(lone), dtype=np.int64))
        cand_lp.append(np.full(len(lone), 0.0 - self.logtotal))
        # calc: route[i] = max((lp(i, x) + route[x + 1], x)) from the end of each block; step j
        # takes the j-th position from every block's end at once. Candidates are laid out by
        # (distance to the end, position, length) -- positions by a radix sort of small ints,
        # each length's candidates then into their position's next slot.
        dist = hend - 1 - hpos
        small = dist.astype(np.uint16) if nh and dist.max() < 65536 else dist
        by_dist = np.argsort(small, kind="stable")
        rank = np.empty(nh, dtype=np.int64)
        rank[by_dist] = np.arange(nh)
        count = np.zeros(nh, dtype=np.int64)
        for idx in cand_idx:
            count[idx] += 1
        per_pos = count[by_dist]
        pos_ptr = np.zeros(nh + 1, dtype=np.int64)
        np.cumsum(per_pos, out=pos_ptr[1:])
        first = pos_ptr[:-1][rank]
        count[:] = 0
        n_cand = int(pos_ptr[-1])
        c_next = np.empty(n_cand, dtype=np.int64)
        c_lp = np.empty(n_cand)
        for idx, length, lp in zip(cand_idx, cand_len, cand_lp):
            slot = first[idx] + count[idx]
            count[idx] += 1
            c_next[slot] = hpos[idx] + length
            c_lp[slot] = lp
        step_ptr = np.zeros(1, dtype=np.int64)
        if nh:
            step_ptr = np.concatenate(([0], np.cumsum(np.bincount(dist))))
        score = np.zeros(T + 1)  # 0 at block ends (jieba's route[N] = (0, 0))
        nxt = np.zeros(T + 1, dtype=np.int64)
        slots = np.arange(n_cand)
        for j in range(len(step_ptr) - 1):
            r0, r1 = int(step_ptr[j]), int(step_ptr[j + 1])
            a, b = int(pos_ptr[r0]), int(pos_ptr[r1])
            vals = c_lp[a:b] + score[c_next[a:b]]
            if b - a == r1 - r0:  # one candidate each
                best, last = vals, slots[a:b]
            else:
                seg = pos_ptr[r0:r1] - a
                best = np.maximum.reduceat(vals, seg)
                # ties go to the longer word: the last of the equal maxima
                tie = vals == np.repeat(best, per_pos[r0:r1])
                last = np.maximum.reduceat(np.where(tie, slots[a:b], -1), seg)
            p = hpos[by_dist[r0:r1]]
            score[p] = best
            nxt[p] = c_next[last]
        return nxt

    def _hmm(self, text: str, cp: np.ndarray, hs: np.ndarray, he: np.ndarray) -> np.ndarray:
        """finalseg.cut of every unknown run: where its words start. Han stretches go through
        Viterbi, the rest is split by finalseg's re_skip."""
        pos = _ragged(hs, he - hs)
        isf = (cp[pos] >= _HMM_LO) & (cp[pos] <= _HMM_HI)
        first = np.zeros(len(cp) + 1, dtype=bool)
        first[hs] = True
        sub_first = first[pos]
        sub_first[1:] |= isf[1:] != isf[:-1]
        sub_s = pos[sub_first]
        sub_e = sub_s + np.diff(np.append(np.flatnonzero(sub_first), len(pos)))
        han = isf[sub_first]
        starts = [self._viterbi(cp, sub_s[han], sub_e[han]), sub_s[~han]]
        other: list[int] = []
        pieces = self._pieces
        for a, b in zip(sub_s[~han].tolist(), sub_e[~han].tolist()):
            piece = text[a:b]
            lens = pieces.get(piece)
            if lens is None:
                lens = [len(x) for x in finalseg.re_skip.split(piece) if x]
                if len(pieces) < 100_000:
                    pieces[piece] = lens
            for n in lens[:-1]:
                a += n
                other.append(a)
        starts.append(np.array(other, dtype=np.int64))
        return np.concatenate(starts)

    def _viterbi(self, cp: np.ndarray, s: np.ndarray, e: np.ndarray) -> np.ndarray:
        """finalseg's viterbi + __cut for every [s, e) run of han characters: where its words start."""
        if not len(s):
            return np.zeros(0, dtype=np.int64)
        n = e - s
        order = np.argsort(-n, kind="stable")
        s, n = s[order], n[order]
        # Runs of similar length together: the work is padded to the longest run of a group.
        group = np.log2(n).astype(np.int64)
        cuts = np.flatnonzero(group[1:] != group[:-1]) + 1
        return np.concatenate([self._viterbi_group(cp, a, b) for a, b in zip(np.split(s, cuts), np.split(n, cuts))])

    def _viterbi_group(self, cp: np.ndarray, s: np.ndarray, n: np.ndarray) -> np.ndarray:
        N, maxn = len(s), int(n[0])
        active = np.searchsorted(-n, -np.arange(maxn), side="left")  # runs longer than t
        emit, tr = self.emit, self.trans
        V = self.start[None, :] + emit[cp[s] - _HMM_LO]  # states B M E S
        back = np.zeros((maxn, N, 4), dtype=np.int8)
        for t in range(1, maxn):
            act = int(active[t])
            v = V[:act]
            em = emit[cp[s[:act] + t] - _HMM_LO]
            nv = np.empty((act, 4))
            b = back[t, :act]
            # PrevStatus: B<-E,S M<-M,B E<-B,M S<-S,E; max of (prob, state): ties to the later letter
            for y, p0, p1 in ((0, 2, 3), (1, 1, 0), (2, 0, 1), (3, 3, 2)):
                x0 = v[:, p0] + tr[p0, y]
                x0 += em[:, y]
                x1 = v[:, p1] + tr[p1, y]
                x1 += em[:, y]
                take0 = x0 >= x1 if _HMM_STATES[p0] > _HMM_STATES[p1] else x0 > x1
                nv[:, y] = np.where(take0, x0, x1)
                b[:, y] = np.where(take0, p0, p1)
            V[:act] = nv
        cur = np.where(V[:, 2] > V[:, 3], 2, 3).astype(np.int8)  # end in E or S; ties to S
        states = np.zeros((N, maxn), dtype=np.int8)
        rows = np.arange(N)
        for t in range(maxn - 1, -1, -1):
            act = int(active[t])
            states[:act, t] = cur[:act]
            if t:
                cur[:act] = back[t, rows[:act], cur[:act]]
        # __cut: E closes a word begun at the last B (0 if none), S is a word alone, whatever
        # follows the last E or S is one word. Words tile the run, so only starts are needed:
        # a word starts after every E or S but the last, at 0, and (for E) at its B.
        k = np.arange(maxn)[None, :]
        closes = (k < n[:, None]) & (states >= 2)
        last_b = np.maximum.accumulate(np.where(states == 0, k, 0), axis=1)
        r, c = np.nonzero(closes)
        opened = np.where(states[r, c] == 2, last_b[r, c], c)
        after = c + 1
        inside = after < n[r]
        return np.concatenate((s, s[r] + opened, s[r[inside]] + after[inside]))


@dataclass
class BatchTokens:
    """The words and bigrams of a batch of passages, as term streams.

    Term ids are those of the :class:`BatchAnalyzer` that made the batch, stable across its
    batches. ``new_words`` / ``new_bigrams`` are the terms it had not used before this batch, in
    order of first occurrence here, with their ids (``new_word_ids`` …). Bigram codes are
    ``a << 16 | b`` for a pair, ``a`` for a lone character (every code point of a bigram is below
    0x10000). Passage ``p`` owns the next ``word_counts[p]`` / ``bigram_counts[p]`` stream entries.
    """

    source: tuple[int, int]  # (process id, analyzer serial): whose ids these are
    word_ids: np.ndarray
    word_counts: np.ndarray
    new_words: list[str]
    new_word_ids: np.ndarray
    bigram_ids: np.ndarray
    bigram_counts: np.ndarray
    new_bigrams: np.ndarray  # codes
    new_bigram_ids: np.ndarray
    texts: str = ""  # each passage's normalised text, in order, joined by "\n" (never in one)


def bigram_text(code: int) -> str:
    """The string of a bigram code of :class:`BatchTokens`."""
    return chr(code >> 16) + chr(code & 0xFFFF) if code > 0xFFFF else chr(code)


def _first_new(ids: np.ndarray, known: int) -> np.ndarray:
    """The ids >= ``known`` in ``ids``, each once, in order of first occurrence."""
    new = np.flatnonzero(ids >= known)
    if not len(new):
        return ids[:0]
    distinct, first = np.unique(ids[new], return_index=True)
    return distinct[np.argsort(first, kind="stable")]


_SERIAL = itertools.count()


class BatchAnalyzer:
    """:meth:`Tokenizer.analyze`'s ``words`` and ``bigrams`` for many passages at once.

    Costs about a second to set up (the whole dictionary is hashed), so it pays from a few
    thousand passages on. The result equals analysing each text on its own.
    """

    def __init__(self, tokenizer: Tokenizer) -> None:
        tokenizer.load_all()
        self.tokenizer = tokenizer
        self._segmenter = _Segmenter(tokenizer._jieba.FREQ, tokenizer._jieba.total)
        # Every distinct token seen, by hash: the words it adds (ids into self._words), whether
        # it is a content word (continues a run) and the CJK characters it adds to the run.
        self._types = _HashTable(np.zeros(0, dtype=np.uint64))
        # per type: its words (w_ptr/w_ids), content flag, CJK characters (c_ptr/c_cps) and its
        # second hash (to catch a collision of the first)
        self._w_ptr = np.zeros(1, dtype=np.int64)
        self._w_ids = np.zeros(0, dtype=np.int64)
        self._content = np.zeros(0, dtype=bool)
        self._c_ptr = np.zeros(1, dtype=np.int64)
        self._c_cps = np.zeros(0, dtype=np.int64)
        self._check = np.zeros(0, dtype=np.uint64)
        self._words: dict[str, int] = {}
        self._word_list: list[str] = []
        self._bigrams = _HashTable(np.zeros(0, dtype=np.uint64))  # code -> id
        self._bigram_codes: list[np.ndarray] = []
        self._n_bigrams = 0
        self._reported = (0, 0)  # words and bigrams already in some earlier batch
        self._source = (os.getpid(), next(_SERIAL))

    def _describe_all(self, toks: list[str]) -> list[tuple[list[int], bool, str]]:
        """For each new token: what the loop in ``analyze_tokens`` adds for it -- its words (as
        ids), whether it is a content word, the CJK characters it adds to a run. (The same
        steps as there, with every lookup bound locally: this runs for every new token.)"""
        t = self.tokenizer
        freq = t._jieba.FREQ
        memo = t._content_memo
        content = t._content
        synonyms = t.lexicon.synonyms
        vocab, word_list = self._words, self._word_list
        strip_cjk = _NOT_CJK_RE.sub
        out = []
        for tok in toks:
            words: list[str] = []
            n = len(tok)
            if n > 2:
                for size in (2, 3) if n > 3 else (2,):
                    for i in range(n - size + 1):
                        gram = tok[i : i + size]
                        if freq.get(gram):
                            ok = memo.get(gram)
                            if ok is None:
                                ok = content(gram)
                            if ok:
                                g = gram.strip()
                                words.append(synonyms.get(g, g))
            ok = memo.get(tok)
            if ok is None:
                ok = content(tok)
            cjk = ""
            if ok:
                w = tok.strip()
                c = synonyms.get(w, w)
                words.append(c)
                cjk = strip_cjk("", c)
            ids = []
            for w in words:
                i = vocab.get(w)
                if i is None:
                    i = vocab[w] = len(word_list)
                    word_list.append(w)
                ids.append(i)
            out.append((ids, ok, cjk))
        return out

    def _register(self, joined: str, s: np.ndarray, e: np.ndarray, h1: np.ndarray, h2: np.ndarray) -> None:
        """Describe the token types among ``s, e`` spans that are new."""
        keys = h1  # distinct
        base = len(self._content)
        described = self._describe_all([joined[a:b] for a, b in zip(s.tolist(), e.tolist())])
        w_lens = np.fromiter((len(d[0]) for d in described), dtype=np.int64, count=len(described))
        c_lens = np.fromiter((len(d[2]) for d in described), dtype=np.int64, count=len(described))
        self._w_ptr = np.concatenate((self._w_ptr, self._w_ptr[-1] + np.cumsum(w_lens)))
        self._w_ids = np.concatenate((self._w_ids, np.fromiter((i for d in described for i in d[0]), dtype=np.int64, count=int(w_lens.sum()))))
        self._content = np.concatenate((self._content, np.fromiter((d[1] for d in described), dtype=bool, count=len(described))))
        self._c_ptr = np.concatenate((self._c_ptr, self._c_ptr[-1] + np.cumsum(c_lens)))
        self._c_cps = np.concatenate((self._c_cps, _codepoints("".join(d[2] for d in described))))
        self._check = np.concatenate((self._check, h2))
        rows = np.arange(base, base + len(keys))
        if 2 * (base + len(keys)) > len(self._types.slots):  # keep probes short: move to a bigger table
            old = self._types.slots[self._types.slots[:, 1] != 0]
            self._types = _HashTable(np.zeros(0, dtype=np.uint64), capacity=2 * (base + len(keys)))
            self._types.add(old[:, 0], old[:, 1].astype(np.int64) - 1)
        self._types.add(keys, rows)

    def analyze(self, texts: list[str]) -> BatchTokens:
        """The words and bigrams of each text (see :class:`BatchTokens`)."""
        # Hundreds of thousands of small lists and strings are made here, none in a cycle; the
        # cyclic collector would walk the dictionaries (millions of objects) again and again.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._analyze(texts)
        finally:
            if collecting:
                gc.enable()

    def _analyze(self, texts: list[str]) -> BatchTokens:
        plain = [normalize(x) for x in texts]
        norms = [_split_counter(x) for x in plain]
        joined = _SEPARATOR.join(norms)
        if joined.count(_SEPARATOR) != max(len(norms) - 1, 0):
            raise ValueError("normalised text contains the batch separator")
        cp = _codepoints(joined)
        seg = self._segmenter
        seg._grow(len(cp) + 1)
        hasher = _SpanHasher(cp, seg._powers)
        tok_s = np.flatnonzero(seg.cut(joined, cp, hasher))
        tok_e = np.append(tok_s[1:], len(cp))
        passage = np.cumsum(cp[tok_s] == ord(_SEPARATOR))  # separators are one-character tokens
        h1, h2 = hasher.h1(tok_s, tok_e), hasher.h2(tok_s, tok_e)
        # Tokens repeat: probe the (large) type table once per distinct hash.
        distinct, first, inverse = np.unique(h1, return_index=True, return_inverse=True)
        found = self._types.find(distinct)
        new = found < 0
        if new.any():
            at = first[new]
            self._register(joined, tok_s[at], tok_e[at], distinct[new], h2[at])
            found = self._types.find(distinct)
        typ = found[inverse]
        w_ptr, w_ids, content, c_ptr, c_cps, check = self._w_ptr, self._w_ids, self._content, self._c_ptr, self._c_cps, self._check
        if np.any(check[typ] != h2):
            raise ValueError("token hash collision")
        # words: each token's words, in token order
        lens = w_ptr[typ + 1] - w_ptr[typ]
        words = w_ids[_ragged(w_ptr[typ], lens)]
        word_passage = np.repeat(passage, lens)
        # bigrams: the CJK characters of each run of content tokens (a non-content token, the
        # separator included, ends a run), paired; a run of one character gives that character
        content_tok = content[typ]
        run = np.cumsum(~content_tok)
        clen = np.where(content_tok, c_ptr[typ + 1] - c_ptr[typ], 0)
        ch = c_cps[_ragged(c_ptr[typ], clen)]
        ch_run = np.repeat(run, clen)
        ch_passage = np.repeat(passage, clen)
        same = ch_run[1:] == ch_run[:-1]
        alone = np.ones(len(ch), dtype=bool)  # a run of exactly one character
        alone[:-1] &= ~same
        alone[1:] &= ~same
        code = ch.copy()
        code[:-1] = np.where(same, (ch[:-1] << 16) | ch[1:], ch[:-1])
        emitted = alone
        emitted[:-1] |= same
        bigrams = self._bigram_ids(code[emitted].astype(np.uint64))
        known_words, known_bigrams = self._reported
        new_words = _first_new(words, known_words)
        new_bigrams = _first_new(bigrams, known_bigrams)
        self._reported = (len(self._word_list), self._n_bigrams)
        codes = np.concatenate(self._bigram_codes) if len(self._bigram_codes) > 1 else self._bigram_codes[0]
        self._bigram_codes = [codes]
        n = len(texts)
        return BatchTokens(
            source=self._source,
            word_ids=words.astype(np.int32),
            word_counts=np.bincount(word_passage, minlength=n)[:n],
            new_words=[self._word_list[i] for i in new_words.tolist()],
            new_word_ids=new_words.astype(np.int32),
            bigram_ids=bigrams.astype(np.int32),
            bigram_counts=np.bincount(ch_passage[emitted], minlength=n)[:n],
            new_bigrams=codes[new_bigrams].astype(np.uint32),
            new_bigram_ids=new_bigrams.astype(np.int32),
            texts=_SEPARATOR.join(plain),
        )

    def _bigram_ids(self, codes: np.ndarray) -> np.ndarray:
        """Ids of bigram codes, numbering the new ones."""
        distinct, inverse = np.unique(codes, return_inverse=True)  # probe each code once
        ids = self._bigrams.find(distinct)
        new = ids < 0
        if new.any():
            fresh = distinct[new]
            rows = np.arange(self._n_bigrams, self._n_bigrams + len(fresh))
            if 2 * (self._n_bigrams + len(fresh)) > len(self._bigrams.slots):
                old = self._bigrams.slots[self._bigrams.slots[:, 1] != 0]
                self._bigrams = _HashTable(np.zeros(0, dtype=np.uint64), capacity=2 * (self._n_bigrams + len(fresh)))
                self._bigrams.add(old[:, 0], old[:, 1].astype(np.int64) - 1)
            self._bigrams.add(fresh, rows)
            self._bigram_codes.append(fresh)
            self._n_bigrams += len(fresh)
            ids[new] = rows
        return ids[inverse]
