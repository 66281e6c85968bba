"""The saved index: two BM25 matrices in a cache folder, keyed by everything they depend on.

The key is a SHA-256 over the index format, the tokenizer's version, jieba's version, every
document file (path and bytes) and every lexicon file. Change any of them and the key changes,
so a stale index is never loaded; old files are removed when a new one is written. Files are
``.npz`` read without pickle: a swapped file can fail to load, never run code. Each carries the
key it was written for (another key's file is refused) and is checked against its zip CRC-32s
before use; the arrays derived from the postings are saved too, not recomputed.
Knowledge indexed in batches also saves its passages' normalised texts (``{key}.texts``,
memory-mapped when loaded; without it they are normalised on demand), and all knowledge the
parsed documents and passages (``{key}.passages.npz``, :mod:`bot.store`): a start from the
saved index then reads no document but to hash it.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import NamedTuple, TypeVar

from bot import store
from bot.bm25 import SparseBM25
from bot.index import PassageTexts
from bot.knowledge import Knowledge
from bot.tokenizer import jieba_version

log = logging.getLogger(__name__)
_T = TypeVar("_T")

# Bump when tokenisation or the index layout changes in a way the inputs do not show.
# 3: array data aligned in the .npz files; 4: derived arrays, key and passages saved, per-file digests;
# 5: the dense columns' maxima per 8 passages (dense_bmax8) saved with the derived arrays;
# 6: and their best postings in rank order (dense_top)
INDEX_VERSION = "qabot-index-6"
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
        for name in ("textnorm.py", "tokenizer.py", "index.py", "bm25.py", "knowledge.py", "store.py"):
            try:
                h.update((here / name).read_bytes())
            except OSError:  # a zipped or frozen install: fall back on INDEX_VERSION alone
                h.update(name.encode())
        _CODE_FINGERPRINT = h.hexdigest()[:16]
    return _CODE_FINGERPRINT


def _file_digest(path: Path) -> bytes:
    h = hashlib.sha256()
    with open(path, "rb", buffering=0) as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.digest()


def cache_key(files: Iterable[Path], extra: str = "") -> str:
    """A hex digest of the index version, jieba's version, ``extra`` and the files' contents
    (each file's SHA-256, computed two at a time: reads and hashing release the GIL)."""
    files = list(files)
    h = hashlib.sha256()
    h.update(INDEX_VERSION.encode())
    h.update(_code_fingerprint().encode())
    h.update(jieba_version().encode())
    h.update(extra.encode())
    if len(files) >= 2 and sum(_size(path) for path in files) >= _THREADS_FROM:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(2) as pool:
            digests = list(pool.map(_file_digest, files))
    else:
        digests = [_file_digest(path) for path in files]
    for path, digest in zip(files, digests):
        h.update(str(path.name).encode())
        h.update(b"\0")
        h.update(digest)
        h.update(b"\0")
    return h.hexdigest()[:32]


def has(cache_dir: Path, key: str) -> bool:
    """Whether an index is saved for ``key`` (it may still turn out unreadable)."""
    return all((cache_dir / f"{key}.{c}.npz").is_file() for c in _CHANNELS)


# Below this many bytes to read, files are hashed and checked one after the other: a thread pool
# (and importing concurrent.futures) costs more than it saves, and small knowledge starts in
# well under a second.
_THREADS_FROM = 32 << 20


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _parallel(jobs: list[Callable[[], _T]], size: int = _THREADS_FROM) -> list[_T]:
    """Run ``jobs`` two at a time (their time goes to reads, CRCs and numpy, which release the
    GIL) when they read ``size`` bytes or more; exceptions propagate."""
    if len(jobs) <= 1 or size < _THREADS_FROM:
        return [job() for job in jobs]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(job) for job in jobs]
        return [f.result() for f in futures]


class Saved(NamedTuple):
    """What :func:`load_saved` found usable (None for each part that was absent or damaged)."""

    knowledge: tuple[Knowledge, str] | None
    channels: tuple[SparseBM25, SparseBM25] | None
    texts: PassageTexts | None


def load_saved(cache_dir: Path, key: str, files: Sequence[Path]) -> Saved:
    """The passages (with their fingerprint), both channels and the passage texts saved for
    ``key``, all read and checked at once, two files at a time (most of the time goes to their
    CRCs, which release the GIL). A part that is absent or damaged is None (and logged)."""
    jobs: list[Callable[[], object]] = [
        partial(_quietly, partial(SparseBM25.load, cache_dir / f"{key}.{c}.npz", tag=key), "index cache", "rebuilding")
        for c in _CHANNELS
    ]
    jobs.append(partial(_quietly, partial(store.load, cache_dir / f"{key}.passages.npz", key, files), "saved passages", "parsing the documents"))
    jobs.append(partial(_quietly, partial(PassageTexts.load, cache_dir / f"{key}.texts", None), "passage texts", "normalising on demand"))
    size = sum(_size(cache_dir / f"{key}.{suffix}") for suffix in ("words.npz", "bigrams.npz", "passages.npz", "texts"))
    words, bigrams, knowledge, texts = _parallel(jobs, size)
    channels = (words, bigrams) if words is not None and bigrams is not None else None
    return Saved(knowledge, channels, texts)  # type: ignore[arg-type]


def _quietly(load: Callable[[], _T], what: str, instead: str) -> _T | None:
    try:
        return load()
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("%s unusable, %s: %s", what, instead, exc)
        return None


def save_knowledge(cache_dir: Path, key: str, knowledge: Knowledge, fingerprint: str) -> None:
    """Write the passages file alone (the channels loaded, the passages had to be parsed)."""
    try:
        store.save(cache_dir / f"{key}.passages.npz", knowledge, key, fingerprint)
    except OSError as exc:
        log.warning("cannot save the passages in %s: %s", cache_dir, exc)


def save(
    cache_dir: Path,
    key: str,
    words: SparseBM25,
    bigrams: SparseBM25,
    texts: PassageTexts | None = None,
    knowledge: tuple[Knowledge, str] | None = None,
) -> None:
    """Write both channels (and the passage texts, and the knowledge with its fingerprint, if
    given); remove other keys' files. A read-only cache folder is not an error."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        jobs = [
            partial(bm25.save, cache_dir / f"{key}.{channel}.npz", tag=key)
            for channel, bm25 in zip(_CHANNELS, (words, bigrams))
        ]
        if texts is not None:
            jobs.append(partial(texts.save, cache_dir / f"{key}.texts"))
        if knowledge is not None:
            jobs.append(partial(store.save, cache_dir / f"{key}.passages.npz", knowledge[0], key, knowledge[1]))
        if sum(len(b) for b in (words, bigrams)) < 100_000:
            for job in jobs:
                job()
        else:  # big files: write them side by side (CRCs and writes release the GIL)
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(len(jobs)) as pool:
                for done in [pool.submit(job) for job in jobs]:
                    done.result()
        for old in [*cache_dir.glob("*.npz"), *cache_dir.glob("*.texts")]:
            if not old.name.startswith(f"{key}."):
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("cannot save the index in %s: %s", cache_dir, exc)
