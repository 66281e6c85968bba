"""A general Chinese thesaurus, for question words the knowledge never uses.

People ask in their own words: 「科研实力有什么**提高**」 about a paragraph that says 「科技力量持续
**提升**」. The domain synonym table (``knowledge/lexicon/synonyms.txt``) covers the article's own
topics; this covers everyday vocabulary. It is read from, in order:

1. ``<knowledge>/lexicon/thesaurus.txt`` — an operator's own list, in the format below;
2. the copy of 哈工大《同义词词林扩展版》 (HIT-SCIR Tongyici Cilin, extended) that the
   ``WordSimilarity`` package installs (``data/cilin_ex.txt``);
3. nothing (no expansion).

Format: one group a line, ``<code> word word …``. Cilin codes end in ``=`` (synonyms), ``#``
(related, not equal) or ``@`` (a word alone); only ``=`` groups are used. A line without a code
(plain words separated by spaces) is a synonym group too.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

log = logging.getLogger(__name__)

THESAURUS_FILE = "thesaurus.txt"
# Groups bigger than this are loose families (Cilin's 长久 group has 50 words, from 长期 to
# 天荒地老): a word in them says little about the others.
MAX_GROUP = 16
# Cilin classes whose "=" groups hold proper names: countries and capitals (中国, 北京), parties
# (共产党), armies (解放军), institutions (公安局, 幼儿园, 中国银行: jieba tags them as names, and a
# question about one needs it in the answer).
_NAME_CLASSES = ("Di02", "Di03", "Di07", "Di11", "Dm")


class Thesaurus:
    """word → its synonyms, looked up in the file's text on demand.

    A question needs a few words; indexing all 17,000 lines up front costs ~25 ms at the first
    question that needs one (a one-shot ``qabot ask`` would pay it), so each word is first found
    with ``str.find`` in the text and only its lines are parsed (memoised). A scan costs ~0.5 ms,
    though, and a bot that keeps running meets new words all the time: after
    ``SCANS_BEFORE_INDEX`` scans the whole file is indexed once and lookups become dict reads.
    (With 32 scans, the scans made up most of the slowest tenth of first answers.)
    """

    SCANS_BEFORE_INDEX = 4

    def __init__(self, text: str = "", source: str = "") -> None:
        self.source = source
        # One group a line, words between spaces: " word " finds a word exactly (a word
        # between two spaces or a tab still parses right; it may only be missed).
        self._text = "\n" + text.replace("\r\n", "\n").replace("\t", " ") + "\n"
        self._memo: dict[str, list[str]] = {}
        self._scans = 0
        self._index: dict[str, int | list[int]] | None = None  # word -> its group(s)
        self._groups: list[tuple[str, ...]] = []
        self._codes: dict[str, tuple[str, ...]] = {}

    def __bool__(self) -> bool:
        return len(self._text) > 2

    def __len__(self) -> int:
        """How many synonym groups the file has."""
        return len(parse(self._text.splitlines()))

    def synonyms(self, word: str) -> list[str]:
        """The words sharing a synonym group with ``word`` (file order, without ``word``)."""
        known = self._memo.get(word)
        if known is not None:
            return list(known)
        if self._index is None and self._scans >= self.SCANS_BEFORE_INDEX:
            self._index = self._build_index()
        if self._index is not None:
            at = self._index.get(word)
            if at is None:
                result = []
            elif isinstance(at, int):
                result = [w for w in self._groups[at] if w != word]
            else:
                result = [w for w in dict.fromkeys(w for g in at for w in self._groups[g]) if w != word]
        else:
            self._scans += 1
            result = self._scan(word)
        if len(self._memo) < 65536:
            self._memo[word] = result
        return list(result)

    def codes(self, word: str) -> tuple[str, ...]:
        """The Cilin codes of the lines that list ``word`` (``Cb25A01=``), in file order; none
        for lines without a code (an operator's own groups)."""
        known = self._codes.get(word)
        if known is None:
            found: list[str] = []
            text = self._text
            if word and " " not in word and "\n" not in word:
                at = text.find(word)
                while at != -1:
                    end = at + len(word)
                    if text[at - 1] == " " and text[end] in " \n":
                        line_start = text.rfind("\n", 0, at) + 1
                        code = text[line_start : text.find(" ", line_start)]
                        if code[-1:] in ("=", "#", "@") and code[:1].isascii() and code[:1].isalpha():
                            found.append(code)
                    at = text.find(word, end)
            known = tuple(found)
            if len(self._codes) < 65536:
                self._codes[word] = known
        return known

    def is_common_noun(self, word: str) -> bool:
        """Whether Cilin lists ``word`` among synonyms of an everyday class (城市 ~ 都市, 智慧 ~
        才智), not of the classes that hold proper names (countries, capitals, parties, armies,
        institutions). jieba tags thousands of such words as names (城市 ns, 智慧 nr, 蓝图 nr);
        this tells them apart."""
        # A "#" line lists words of one kind that are not synonyms: in the abstract classes
        # (D: 满意度 with 知名度, 支持率…; 幸福感) they are everyday words too; elsewhere such
        # lines hold names (Cb25A11#: 佛山, 上海, 重庆…).
        return any(
            (c.endswith("=") or (c.endswith("#") and c.startswith("D"))) and not c.startswith(_NAME_CLASSES)
            for c in self.codes(word)
        )

    def index_now(self) -> None:
        """Index the whole file now (~60 ms) instead of after ``SCANS_BEFORE_INDEX`` scans: for
        a bot whose questions meet many new words (big knowledge), the scans are pure cost."""
        if self._index is None:
            self._index = self._build_index()

    def _build_index(self) -> dict[str, int | list[int]]:
        """word → the group it is in (its position in ``_groups``), or its groups in file order
        (what ``_scan`` finds). Most words are in one group: an int, not a list."""
        self._groups = groups = parse(self._text.split("\n"))
        index: dict[str, int | list[int]] = {}
        get = index.get
        for gi, group in enumerate(groups):
            for w in group:
                at = get(w)
                if at is None:
                    index[w] = gi
                elif isinstance(at, int):
                    index[w] = [at, gi]
                else:
                    at.append(gi)
        return index

    def _scan(self, word: str) -> list[str]:
        out: dict[str, None] = {}
        text = self._text
        if word and " " not in word and "\n" not in word:
            # Search for the word itself, then check that it stands alone: a needle starting
            # with a space would stop at every space of the file.
            at = text.find(word)
            while at != -1:
                end = at + len(word)
                if text[at - 1] in " \n" and text[end] in " \n":
                    line_start = text.rfind("\n", 0, at) + 1
                    line_end = text.find("\n", end)
                    for group in parse([text[line_start:line_end]]):
                        if word in group:
                            out.update((w, None) for w in group if w != word)
                at = text.find(word, end)
        return list(out)


def parse(lines: Iterable[str]) -> list[tuple[str, ...]]:
    """The synonym groups of a Cilin-format text (see the module docstring); groups bigger than
    ``MAX_GROUP`` are dropped."""
    groups = []
    is_nfkc, nfkc = unicodedata.is_normalized, unicodedata.normalize
    for line in lines:
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        code = parts[0]
        if code[-1:] in ("=", "#", "@") and code[:1].isascii():
            if code[-1] != "=":
                continue
            parts = parts[1:]
        # NFKC and lower case only: the file is in simplified characters already, and OpenCC on
        # its 77,000 words would cost a second. Nearly every line is in NFKC already: checking
        # is ~20× cheaper than normalising each word.
        if not is_nfkc("NFKC", line):
            parts = [nfkc("NFKC", p) for p in parts]
        if not line.islower() and any(p != p.lower() for p in parts):
            parts = [p.lower() for p in parts]
        words = tuple(dict.fromkeys(p for p in parts if p))
        if 2 <= len(words) <= MAX_GROUP:
            groups.append(words)
    return groups


def _packaged() -> Path | None:
    try:
        dist = metadata.distribution("WordSimilarity")
    except metadata.PackageNotFoundError:
        return None
    path = Path(str(dist.locate_file("data/cilin_ex.txt")))
    return path if path.is_file() else None


def load_thesaurus(lexicon_dirs: Iterable[Path]) -> Thesaurus:
    """The first thesaurus found: ``<dir>/lexicon/thesaurus.txt`` for each dir, then the package's.

    An unreadable file is logged and skipped: the bot answers without it rather than not at all.
    """
    candidates = [d / "lexicon" / THESAURUS_FILE for d in lexicon_dirs]
    packaged = _packaged()
    if packaged is not None:
        candidates.append(packaged)
    for path in candidates:
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("thesaurus %s not read (%s); answering without it", path, exc)
            continue
        return Thesaurus(text, str(path))
    return Thesaurus("", "")
