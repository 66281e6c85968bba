"""The operator-editable word lists in ``knowledge/lexicon/``: dictionary, stoplist, synonyms,
question rewrites, phrases (words that together ask for another), glossary (abbreviations and
what they stand for).

Each is a plain UTF-8 file, one entry a line, ``#`` starting a comment. A missing file means
an empty list; a malformed line is a :class:`KnowledgeError` naming the file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import KnowledgeError
from bot.textnorm import normalize

LEXICON_DIR = "lexicon"
DICTIONARY_FILE = "dictionary.txt"
STOPWORDS_FILE = "stopwords.txt"
SYNONYMS_FILE = "synonyms.txt"
REWRITES_FILE = "rewrites.txt"
GLOSSARY_FILE = "glossary.txt"
PHRASES_FILE = "phrases.txt"


@dataclass(frozen=True)
class DictEntry:
    word: str
    freq: int | None = None
    tag: str | None = None


@dataclass(frozen=True)
class Lexicon:
    """Dictionary words for jieba, stopwords, and synonym → canonical word."""

    entries: tuple[DictEntry, ...] = ()
    stopwords: frozenset[str] = frozenset()
    synonyms: dict[str, str] = field(default_factory=dict, hash=False)
    files: tuple[Path, ...] = ()  # the files read, for the index cache key
    # Question-side rewrites (Cantonese and colloquial forms → standard ones), longest first.
    rewrites: tuple[tuple[str, str], ...] = ()
    # Abbreviation → what it stands for (百千万工程 → 百县千镇万村高质量发展工程): a passage that
    # uses the abbreviation is indexed as if it also said the full form.
    glossary: tuple[tuple[str, str], ...] = ()
    # Question words that together ask for another word: (先学一步, (带头, 理论学习)) — a question
    # with 带头 and 理论学习 asks how the leaders studied first.
    phrases: tuple[tuple[str, tuple[str, ...]], ...] = ()


def _lines(path: Path) -> list[tuple[int, str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise KnowledgeError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise KnowledgeError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    out = []
    for no, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            out.append((no, line))
    return out


def _read_dictionary(path: Path) -> list[DictEntry]:
    entries = []
    for no, line in _lines(path):
        parts = line.split()
        if len(parts) > 3 or (len(parts) >= 2 and not parts[1].isdigit()):
            raise KnowledgeError(f"{path}:{no}: expected '词 [词频] [词性]', got {line!r}")
        word = normalize(parts[0])
        freq = int(parts[1]) if len(parts) >= 2 else None
        tag = parts[2] if len(parts) == 3 else None
        entries.append(DictEntry(word, freq, tag))
    return entries


def _read_synonyms(path: Path) -> dict[str, str]:
    mapping: dict[str, str] = {}
    where: dict[str, int] = {}
    for no, line in _lines(path):
        words = [normalize(w) for w in re.split(r"[\s,，、]+", line) if w]
        if len(words) < 2:
            raise KnowledgeError(f"{path}:{no}: a synonym group needs at least two words, got {line!r}")
        canonical = words[0]
        for w in words:
            if w in where and mapping[w] != canonical:
                raise KnowledgeError(f"{path}:{no}: '{w}' is already in the group on line {where[w]}")
            mapping[w] = canonical
            where.setdefault(w, no)
    return mapping


def _read_rewrites(path: Path) -> tuple[tuple[str, str], ...]:
    pairs: dict[str, str] = {}
    for no, line in _lines(path):
        parts = line.split()
        if len(parts) != 2:
            raise KnowledgeError(f"{path}:{no}: expected '说法 标准说法' (two words), got {line!r}")
        pairs[normalize(parts[0])] = normalize(parts[1])
    return tuple(sorted(pairs.items(), key=lambda kv: -len(kv[0])))


def _read_phrases(path: Path) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out = []
    for no, line in _lines(path):
        parts = [normalize(p) for p in line.split()]
        if len(parts) < 3:
            raise KnowledgeError(f"{path}:{no}: expected '词 问句里的词1 问句里的词2…' (a word, then two or more words), got {line!r}")
        out.append((parts[0], tuple(parts[1:])))
    return tuple(out)


def _read_glossary(path: Path) -> tuple[tuple[str, str], ...]:
    pairs: dict[str, str] = {}
    for no, line in _lines(path):
        parts = line.split()
        if len(parts) < 2:
            raise KnowledgeError(f"{path}:{no}: expected '简称 全称…' (an abbreviation, then what it stands for), got {line!r}")
        pairs[parts[0]] = " ".join(parts[1:])
    return tuple(pairs.items())


def load_lexicon(knowledge_dir: Path, fallback_dir: Path | None = None) -> Lexicon:
    """Read ``<knowledge_dir>/lexicon/*``.

    A list the folder does not have is taken from ``fallback_dir/lexicon`` (the bundled one),
    so a new knowledge folder still has a stoplist; with no fallback it counts as empty.
    """

    def find(name: str) -> Path | None:
        for base in (knowledge_dir, fallback_dir):
            if base is not None and (base / LEXICON_DIR / name).is_file():
                return base / LEXICON_DIR / name
        return None

    files = []
    entries: list[DictEntry] = []
    stopwords: set[str] = set()
    synonyms: dict[str, str] = {}
    path = find(DICTIONARY_FILE)
    if path:
        entries = _read_dictionary(path)
        files.append(path)
    path = find(STOPWORDS_FILE)
    if path:
        stopwords = {normalize(w) for _, w in _lines(path)}
        files.append(path)
    path = find(SYNONYMS_FILE)
    if path:
        synonyms = _read_synonyms(path)
        files.append(path)
    rewrites: tuple[tuple[str, str], ...] = ()
    path = find(REWRITES_FILE)
    if path:
        rewrites = _read_rewrites(path)  # questions only: not part of the index cache key
    glossary: tuple[tuple[str, str], ...] = ()
    path = find(GLOSSARY_FILE)
    if path:
        glossary = _read_glossary(path)
        files.append(path)  # it changes what is indexed: part of the cache key
    phrases: tuple[tuple[str, tuple[str, ...]], ...] = ()
    path = find(PHRASES_FILE)
    if path:
        phrases = _read_phrases(path)  # questions only, like the rewrites
    return Lexicon(tuple(entries), frozenset(stopwords), synonyms, tuple(files), rewrites, glossary, phrases)
