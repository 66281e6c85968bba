"""The knowledge saved beside the index: documents and passages in columns, memory-mapped.

Parsing a million passages into :class:`Passage` objects takes seconds and half a gigabyte;
a saved index only needs them one at a time (the few dozen candidates of a question). So the
index cache also keeps the parsed knowledge (``{key}.passages.npz``, written by :func:`save`)
and :func:`load` gives a :class:`PassageList`: a sequence that makes each ``Passage`` when it
is asked for, from

* per passage: its document, number, kind, section and context (small integer columns; section
  and context point into a table of the distinct headings),
* every passage text as UTF-16 code units back to back, with offsets (a text is read from the
  file, ``os.pread``, when its passage is made),
* the documents (id, path, title, front matter, sections) as JSON -- only front matter that
  JSON gives back unchanged is saved; other knowledge is parsed at every start, as before.

An ``.npz`` read without pickle: arrays of numbers and one JSON byte string, checked (shapes,
ranges, offsets, every array's zip CRC-32) before use; anything wrong and the documents are
parsed again. A passage id is always ``{doc}#{number}`` (what the parsers make), so ids are
not stored; :meth:`PassageList.position` finds one without scanning.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

from bot.bm25 import _read_npz, _write_npz, atomic_file
from bot.knowledge import Knowledge
from bot.models import Document, Passage, Section

FORMAT = "qabot-passages-1"
KINDS = ("paragraph", "caption", "lead", "byline", "heading")
_ARRAYS = ("format", "tag", "meta", "doc", "number", "kind", "section", "context", "units", "offsets")
_MEMO = 8192  # passages kept made (a question asks for the same few several times)


class PassageList(Sequence[Passage]):
    """The passages of saved knowledge, in order; ``Passage`` objects made on demand."""

    def __init__(
        self,
        doc_ids: list[str],
        doc: np.ndarray,
        number: np.ndarray,
        kind: np.ndarray,
        section: np.ndarray,
        context: np.ndarray,
        strings: list[str],
        texts: tuple[int, int],
        offsets: np.ndarray,
    ) -> None:
        self._doc_ids = doc_ids
        self._doc, self._number, self._kind = doc, number, kind
        self._section, self._context = section, context
        self._strings = strings
        # The texts: an open file and where their UTF-16 code units start in it. Read with
        # os.pread, not through a map (a page fault maps a run of pages around one 300-byte
        # text: a few hundred questions made the whole file resident).
        self._fd, self._texts_at = texts
        self._offsets = offsets
        self._n = len(doc)
        self._memo: dict[int, Passage] = {}
        self.mapped: tuple[mmap.mmap, ...] = ()  # the memory maps of the file (release_pages)
        # First passage of each document (passages are grouped by document, numbered from 1).
        self._doc_start = np.searchsorted(doc, np.arange(len(doc_ids) + 1), side="left").tolist()
        self._doc_index = {d: i for i, d in enumerate(doc_ids)}

    def __len__(self) -> int:
        return self._n

    def __del__(self) -> None:
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)
            self._fd = None

    def _make(self, i: int) -> Passage:
        p = self._memo.get(i)
        if p is None:
            a, b = int(self._offsets[i]), int(self._offsets[i + 1])
            text = os.pread(self._fd, 2 * (b - a), self._texts_at + 2 * a).decode("utf-16-le")
            doc = self._doc_ids[int(self._doc[i])]
            number = int(self._number[i])
            s = int(self._section[i])
            p = Passage(
                f"{doc}#{number}",
                doc,
                self._strings[s] if s >= 0 else None,
                KINDS[int(self._kind[i])],
                number,
                text,
                self._strings[int(self._context[i])],
            )
            if len(self._memo) >= _MEMO:
                self._memo.clear()
            self._memo[i] = p
        return p

    @overload
    def __getitem__(self, i: int) -> Passage: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[Passage, ...]: ...

    def __getitem__(self, i: int | slice) -> Passage | tuple[Passage, ...]:
        if isinstance(i, slice):
            return tuple(self._make(j) for j in range(*i.indices(self._n)))
        i = i.__index__()
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError("passage index out of range")
        return self._make(i)

    def __iter__(self) -> Iterator[Passage]:
        for i in range(self._n):
            yield self._make(i)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def position(self, passage_id: str) -> int | None:
        """The index of the passage ``passage_id``, or None (no scan: ids are ``doc#number``)."""
        doc, sep, number = passage_id.rpartition("#")
        d = self._doc_index.get(doc)
        if not sep or d is None or not number.isdigit() or not number.isascii():
            return None
        i = self._doc_start[d] + int(number) - 1
        if self._doc_start[d] <= i < self._doc_start[d + 1] and self._make(i).id == passage_id:
            return i
        return None

    def kind(self, i: int) -> str:
        """``self[i].kind``, from the column."""
        return KINDS[self._kind[i]]

    def section_of(self, i: int) -> str | None:
        """``self[i].section``, from the column (the text is not read)."""
        s = int(self._section[i])
        return self._strings[s] if s >= 0 else None

    def kinds(self) -> np.ndarray:
        """Each passage's kind as an index into :data:`KINDS` (read-only)."""
        return self._kind

    def documents_of(self) -> np.ndarray:
        """Each passage's document as an index into the knowledge's documents (read-only)."""
        return self._doc


def passage_position(passages: Sequence[Passage], passage_id: str) -> int | None:
    """The index of ``passage_id`` in ``passages`` (a scan unless they are a PassageList)."""
    if isinstance(passages, PassageList):
        return passages.position(passage_id)
    for i, p in enumerate(passages):
        if p.id == passage_id:
            return i
    return None


def _json_safe(value: Any) -> bool:
    """Whether JSON gives ``value`` back unchanged (YAML front matter may hold dates, sets …)."""
    try:
        return json.loads(json.dumps(value, ensure_ascii=False, allow_nan=False)) == value
    except (TypeError, ValueError):
        return False


def _columns(knowledge: Knowledge) -> dict[str, np.ndarray] | None:
    """The arrays of :func:`save`, or None when the knowledge cannot be saved faithfully."""
    docs = knowledge.documents
    doc_index = {d.id: i for i, d in enumerate(docs)}
    if len(doc_index) != len(docs) or not all(_json_safe(d.meta) for d in docs):
        return None
    strings: dict[str, int] = {"": 0}
    n = len(knowledge.passages)
    doc = np.empty(n, dtype=np.int32)
    number = np.empty(n, dtype=np.int32)
    kind = np.empty(n, dtype=np.uint8)
    section = np.empty(n, dtype=np.int32)
    context = np.empty(n, dtype=np.int32)
    kinds = {k: i for i, k in enumerate(KINDS)}
    texts: list[str] = []
    last_doc, last_number = -1, 0
    for i, p in enumerate(knowledge.passages):
        d = doc_index.get(p.doc)
        k = kinds.get(p.kind)
        if (
            d is None
            or k is None
            or type(p.number) is not int
            or p.id != f"{p.doc}#{p.number}"
            # grouped by document in document order, numbered 1, 2, 3 … (what the parsers do)
            or not (d == last_doc and p.number == last_number + 1 or d > last_doc and p.number == 1)
        ):
            return None
        last_doc, last_number = d, p.number
        doc[i], number[i], kind[i] = d, p.number, k
        section[i] = -1 if p.section is None else strings.setdefault(p.section, len(strings))
        context[i] = strings.setdefault(p.context, len(strings))
        texts.append(p.text)
    documents = []
    for d in docs:
        documents.append(
            {"id": d.id, "path": d.path, "title": d.title, "meta": d.meta, "sections": [[s.title, s.subtitle] for s in d.sections]}
        )
    try:
        data = "".join(texts).encode("utf-16-le")
    except UnicodeEncodeError:  # a lone surrogate (not from a UTF-8 file): parse at every start
        return None
    offsets = np.zeros(n + 1, dtype=np.int64)
    joined = sum(map(len, texts))
    if len(data) == 2 * joined:  # every character in the BMP: one code unit each
        np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=n), out=offsets[1:])
    else:
        np.cumsum(np.array([len(t.encode("utf-16-le")) // 2 for t in texts], dtype=np.int64), out=offsets[1:])
    meta = {"documents": documents, "strings": list(strings)}
    return {
        "doc": doc,
        "number": number,
        "kind": kind,
        "section": section,
        "context": context,
        "units": np.frombuffer(data, dtype="<u2"),
        "offsets": offsets,
        "meta": np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
    }


def save(path: str | os.PathLike[str], knowledge: Knowledge, tag: str, fingerprint: str) -> bool:
    """Write ``knowledge`` to ``path`` atomically; False (nothing written) when it cannot be
    saved faithfully (passages not as the parsers make them, front matter JSON cannot hold)."""
    arrays = _columns(knowledge)
    if arrays is None:
        return False
    arrays["format"] = np.array(FORMAT)
    arrays["tag"] = np.frombuffer(f"{tag}\0{fingerprint}".encode(), dtype=np.uint8)
    with atomic_file(path, ".passages-") as fh:
        _write_npz(fh, arrays)
    return True


def load(path: str | os.PathLike[str], tag: str, files: Sequence[Path]) -> tuple[Knowledge, str]:
    """The knowledge saved at ``path`` for ``tag`` (the index key), read from ``files``, and its
    fingerprint. ValueError when the file is not such a one, or damaged."""
    path = os.fspath(path)

    def bad(reason: str) -> ValueError:
        return ValueError(f"{path}: not saved knowledge: {reason}")

    fd = os.open(path, os.O_RDONLY)  # for the texts: the file checked below, not a newer one
    try:
        return _load(path, tag, files, fd, bad)
    except BaseException:
        os.close(fd)
        raise


def _load(path: str, tag: str, files: Sequence[Path], fd: int, bad: Callable[[str], ValueError]) -> tuple[Knowledge, str]:
    maps: list[mmap.mmap] = []
    where: dict[str, int] = {}
    try:
        a = _read_npz(path, _ARRAYS, mmap=True, crc=True, maps=maps, where=where)
        same = os.path.samestat(os.fstat(fd), os.stat(path))
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, struct.error) as exc:
        raise bad(str(exc)) from exc
    if not same:
        raise bad("replaced while it was read")
    if a["format"].shape != () or a["format"].dtype.kind != "U" or str(a["format"]) != FORMAT:
        raise bad("format tag differs")
    if a["tag"].dtype != np.uint8 or a["tag"].ndim != 1:
        raise bad("malformed tag")
    saved_tag, _, fingerprint = a["tag"].tobytes().decode("utf-8", "replace").partition("\0")
    if saved_tag != tag or not fingerprint:
        raise bad("saved for another index (tag differs)")
    try:
        meta = json.loads(a["meta"].tobytes().decode("utf-8"))
        strings = meta["strings"]
        documents = [
            Document(d["id"], d["path"], d["title"], d["meta"], tuple(Section(t, s) for t, s in d["sections"]))
            for d in meta["documents"]
        ]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise bad(f"malformed documents ({exc})") from exc
    if not isinstance(strings, list) or not strings or strings[0] != "" or not all(isinstance(s, str) for s in strings):
        raise bad("malformed heading table")
    if any(
        not (isinstance(d.id, str) and isinstance(d.path, str) and isinstance(d.title, str) and isinstance(d.meta, dict))
        or not all(isinstance(x.title, str) and (x.subtitle is None or isinstance(x.subtitle, str)) for x in d.sections)
        for d in documents
    ):
        raise bad("malformed documents")
    if [d.path for d in documents] != [str(f) for f in files]:
        raise bad("saved for other document files")
    n = len(a["doc"])
    for name, dtype in (("doc", np.int32), ("number", np.int32), ("kind", np.uint8), ("section", np.int32), ("context", np.int32)):
        if a[name].dtype != dtype or a[name].shape != (n,):
            raise bad(f"column {name!r} has dtype {a[name].dtype} / shape {a[name].shape}")
    units, offsets = a["units"], a["offsets"]
    if units.dtype != np.dtype("<u2") or units.ndim != 1 or offsets.dtype != np.int64 or offsets.shape != (n + 1,):
        raise bad("malformed texts")
    doc, number = a["doc"], a["number"]
    if n == 0 or not documents:
        raise bad("no passages")
    if (
        doc[0] < 0
        or doc[-1] >= len(documents)
        or np.any(doc[1:] < doc[:-1])
        or number.min() < 1
        or a["kind"].max() >= len(KINDS)
        or a["section"].min() < -1
        or a["section"].max() >= len(strings)
        or a["context"].min() < 0
        or a["context"].max() >= len(strings)
    ):
        raise bad("columns out of range")
    # Numbered 1, 2, 3 … within each document.
    first = np.ones(n, dtype=bool)
    first[1:] = doc[1:] != doc[:-1]
    expected = np.arange(1, n + 1, dtype=np.int64)
    starts = np.flatnonzero(first)
    expected -= np.repeat(starts, np.diff(np.append(starts, n)))
    if not np.array_equal(number, expected):
        raise bad("passages are not numbered in order")
    if offsets[0] != 0 or offsets[-1] != len(units) or np.any(offsets[1:] < offsets[:-1]):
        raise bad("inconsistent text offsets")
    passages = PassageList(
        [d.id for d in documents], doc, number, a["kind"], a["section"], a["context"], strings, (fd, where["units"]), offsets
    )
    passages.mapped = tuple(maps)
    return Knowledge(tuple(documents), passages, tuple(files)), fingerprint  # type: ignore[arg-type]
