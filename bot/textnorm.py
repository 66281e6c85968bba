"""One place for "what counts as the same text".

Questions and passages both go through :func:`normalize` before tokenizing: NFKC (full-width
letters, digits and punctuation become half-width), traditional → simplified characters
(OpenCC ``t2s``), lower case, and control characters dropped.
"""

from __future__ import annotations

import re
import unicodedata

import opencc

# OpenCC's C extension converts ~3 µs a question and loads in ~7 ms; a pure-Python table
# (hanziconv, zhconv) misses phrase-level conversions such as 頭髮→头发.
_T2S = opencc.OpenCC("t2s")

# Cc/Cf/Cs/Co/Cn: controls, format chars (zero-width, BOM), surrogates, private use, unassigned.
_DROP_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
_SPACE_RE = re.compile(r"\s+")

# Characters that end a clause or sentence (after NFKC, so ASCII forms included).
CLAUSE_END = ",;。!?;,!?:：…"
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _clean(text: str) -> str:
    # str.replace scans in C; str.translate looks every character up in a dict.
    text = text.replace("\t", " ").replace("\n", " ").replace("\r", " ")
    # Printable means no character of the dropped categories (nor other separators): the
    # usual case, decided in C.
    if text.isprintable():
        return text
    return "".join([ch for ch in text if unicodedata.category(ch) not in _DROP_CATEGORIES])


# Full-width punctuation common in Chinese text, replaced by its compatibility decomposition
# (what NFKC maps it to) before NFKC: the result is the same, and text left with no such
# character passes NFKC's quick check instead of being decomposed and recomposed (10x slower).
_FULLWIDTH = (("，", ","), ("；", ";"), ("：", ":"), ("！", "!"), ("？", "?"), ("（", "("), ("）", ")"), ("\u3000", " "))


def normalize(text: str) -> str:
    """NFKC, 繁→简, lower case, controls removed, runs of white space folded to one space."""
    for wide, narrow in _FULLWIDTH:
        text = text.replace(wide, narrow)
    text = unicodedata.normalize("NFKC", text)
    text = _clean(text)
    if _CJK_RE.search(text):
        text = _T2S.convert(text)
    text = text.lower()
    # In a printable text the only white space is " " (every other kind is a control or
    # separator character): there is nothing to fold unless two spaces touch.
    if "  " in text or not text.isprintable():
        text = _SPACE_RE.sub(" ", text)
    return text.strip()


def has_cjk(text: str) -> bool:
    """Whether ``text`` contains at least one Chinese character."""
    return bool(_CJK_RE.search(text))


def is_cjk(ch: str) -> bool:
    """Whether the single character ``ch`` is a Chinese character."""
    return bool(_CJK_RE.match(ch))


# Certainly letters or digits (ASCII, and the CJK ideographs of Unicode 1.1, all assigned):
# runs of anything else are the only characters whose category needs looking up.
_UNSURE_RUN_RE = re.compile("[^0-9A-Za-z\u4e00-\u9fa5]+")


def _letters_and_digits(m: re.Match[str]) -> str:
    return "".join([ch for ch in m.group() if unicodedata.category(ch)[0] in "LN"])


def strip_punct(text: str) -> str:
    """``text`` without punctuation, symbols or white space (for comparing passages to gold)."""
    return _UNSURE_RUN_RE.sub(_letters_and_digits, text)
