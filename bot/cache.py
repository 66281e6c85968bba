"""The saved index: two BM25 matrices in a cache folder, keyed by everything they depend on.

The key is a SHA-256 over the index format, the tokenizer's version, jieba's version, every
document file (path and bytes) and every lexicon file. Change any of them and the key changes,
so a stale index is never loaded; old files are removed when a new one is written. Files are
``.npz`` read with ``allow_pickle=False``: a swapped file can fail to load, never run code.
Knowledge indexed in batches also saves its passages' normalised texts (``{key}.texts``,
memory-mapped when loaded; without it they are normalised on demand).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from bot.bm25 import SparseBM25
from bot.index import PassageTexts
from bot.tokenizer import jieba_version

log = logging.getLogger(__name__)

# Bump when tokenisation or the index layout changes in a way the inputs do not show.
INDEX_VERSION = "qabot-index-3"  # 3: array data aligned in the .npz files (old files are rebuilt once)
_CHANNELS = ("words", "bigrams")


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/qabot`` or ``~/.cache/qabot``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "qabot"


_CODE_FINGERPRINT: str | None = None


def _code_fingerprint() -> str:
    """A digest of the modules that decide what the index holds (normalisation, tokenisation,
    index layout): a code change there invalidates saved indexes even when no input changed,
    so forgetting to bump INDEX_VERSION cannot serve a stale index."""
    global _CODE_FINGERPRINT
    if _CODE_FINGERPRINT is None:
        h = hashlib.sha256()
        here = Path(__file__).resolve().parent
        for name in ("textnorm.py", "tokenizer.py", "index.py", "bm25.py", "knowledge.py"):
            try:
                h.update((here / name).read_bytes())
            except OSError:  # a zipped or frozen install: fall back on INDEX_VERSION alone
                h.update(name.encode())
        _CODE_FINGERPRINT = h.hexdigest()[:16]
    return _CODE_FINGERPRINT


def cache_key(files: Iterable[Path], extra: str = "") -> str:
    """A hex digest of the index version, jieba's version, ``extra`` and the files' contents."""
    h = hashlib.sha256()
    h.update(INDEX_VERSION.encode())
    h.update(_code_fingerprint().encode())
    h.update(jieba_version().encode())
    h.update(extra.encode())
    for path in files:
        h.update(str(path.name).encode())
        h.update(b"\0")
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        h.update(b"\0")
    return h.hexdigest()[:32]


def has(cache_dir: Path, key: str) -> bool:
    """Whether an index is saved for ``key`` (it may still turn out unreadable)."""
    return all((cache_dir / f"{key}.{c}.npz").is_file() for c in _CHANNELS)


def load(cache_dir: Path, key: str) -> tuple[SparseBM25, SparseBM25] | None:
    """The saved channels for ``key``, or None when absent or unreadable (then: rebuild)."""
    paths = [cache_dir / f"{key}.{c}.npz" for c in _CHANNELS]
    if not all(p.is_file() for p in paths):
        return None
    try:
        words, bigrams = (SparseBM25.load(p) for p in paths)
    except (OSError, ValueError) as exc:
        log.warning("index cache %s unusable, rebuilding: %s", cache_dir, exc)
        return None
    return words, bigrams


def load_texts(cache_dir: Path, key: str, count: int) -> PassageTexts | None:
    """The saved normalised passage texts for ``key`` (saved for big knowledge only), or None."""
    path = cache_dir / f"{key}.texts"
    if not path.is_file():
        return None
    try:
        return PassageTexts.load(path, count)
    except (OSError, ValueError) as exc:
        log.warning("passage texts in %s unusable, normalising on demand: %s", cache_dir, exc)
        return None


def save(
    cache_dir: Path, key: str, words: SparseBM25, bigrams: SparseBM25, texts: PassageTexts | None = None
) -> None:
    """Write both channels (and the passage texts, if given); remove other keys' files.
    A read-only cache folder is not an error."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        jobs = [(bm25.save, cache_dir / f"{key}.{channel}.npz") for channel, bm25 in zip(_CHANNELS, (words, bigrams))]
        if texts is not None:
            jobs.append((texts.save, cache_dir / f"{key}.texts"))
        if sum(len(b) for b in (words, bigrams)) < 100_000:
            for save, path in jobs:
                save(path)
        else:  # big files: write them side by side (CRCs and writes release the GIL)
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(len(jobs)) as pool:
                for done in [pool.submit(save, path) for save, path in jobs]:
                    done.result()
        for old in [*cache_dir.glob("*.npz"), *cache_dir.glob("*.texts")]:
            if not old.name.startswith(f"{key}."):
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("cannot save the index in %s: %s", cache_dir, exc)
