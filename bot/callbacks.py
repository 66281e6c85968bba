"""Callback data of inline buttons: small, self-contained, still valid after a restart.

Telegram stores 1–64 bytes per button and hands them back verbatim when the button is pressed,
so everything a press needs travels in them and nothing is kept in memory::

    m:<fp>:<runs>      show these passages: 「更多」 and section buttons   m:a9804cb4:12,27-30
    f:<fp>:<+|->:<i>   feedback 👍/👎 on passage i                         f:a9804cb4:+:20
    a:<fp>:<n>         ask example question n of engine.examples()        a:a9804cb4:0
    g:<page>           a page of /figures                                 g:2

Passages are positions in ``engine.passages``; ``<fp>`` is ``engine.fingerprint``. When the
knowledge changes, positions point at other passages, so the front end compares the fingerprint
before trusting them. Decoding never raises: anything malformed is ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MAX_BYTES = 64  # Telegram's limit on callback_data
MAX_POSITIONS = 1000  # "0-999999999" fits in a few bytes; refuse to expand such a run
_FINGERPRINT_RE = re.compile(r"[0-9A-Za-z]{1,16}")
_NUMBER_RE = re.compile(r"0|[1-9][0-9]{0,8}")


@dataclass(frozen=True)
class More:
    """Show the passages at these positions (in this order)."""

    fingerprint: str
    indexes: tuple[int, ...]


@dataclass(frozen=True)
class Feedback:
    """A 👍 (``helpful``) or 👎 on the passage at ``index``."""

    fingerprint: str
    index: int
    helpful: bool


@dataclass(frozen=True)
class AskExample:
    """Ask example question ``number`` of ``engine.examples()``."""

    fingerprint: str
    number: int


@dataclass(frozen=True)
class FiguresPage:
    """Show page ``page`` (0-based) of the key figures."""

    page: int


Callback = More | Feedback | AskExample | FiguresPage


def encode(callback: Callback) -> str:
    """The callback data for a button; raises ValueError when it cannot fit in 64 bytes.

    ``More`` keeps as many leading passages as fit: a 「更多」 button then shows fewer passages
    rather than failing the whole reply.
    """
    if isinstance(callback, FiguresPage):
        return _checked(f"g:{_number(callback.page)}")
    fp = callback.fingerprint
    if not _FINGERPRINT_RE.fullmatch(fp):
        raise ValueError(f"fingerprint must be 1–16 letters or digits, got {fp!r}")
    if isinstance(callback, Feedback):
        return _checked(f"f:{fp}:{'+' if callback.helpful else '-'}:{_number(callback.index)}")
    if isinstance(callback, AskExample):
        return _checked(f"a:{fp}:{_number(callback.number)}")
    if not callback.indexes:
        raise ValueError("More needs at least one passage")
    indexes = callback.indexes
    data = f"m:{fp}:{_runs(indexes)}"
    while len(data.encode()) > MAX_BYTES and len(indexes) > 1:
        indexes = indexes[:-1]
        data = f"m:{fp}:{_runs(indexes)}"
    return _checked(data)


def decode(data: str) -> Callback | None:
    """The callback encoded in ``data``, or None when it is not one of ours."""
    parts = data.split(":")
    kind, args = parts[0], parts[1:]
    try:
        if kind == "g" and len(args) == 1:
            return FiguresPage(_parse_number(args[0]))
        if not args or not _FINGERPRINT_RE.fullmatch(args[0]):
            return None
        fp = args[0]
        if kind == "m" and len(args) == 2:
            return More(fp, _parse_runs(args[1]))
        if kind == "f" and len(args) == 3 and args[1] in ("+", "-"):
            return Feedback(fp, _parse_number(args[2]), args[1] == "+")
        if kind == "a" and len(args) == 2:
            return AskExample(fp, _parse_number(args[1]))
    except ValueError:
        return None
    return None


def _checked(data: str) -> str:
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {data!r}")
    return data


def _number(n: int) -> str:
    if not 0 <= n < 10**9:  # what _parse_number accepts back
        raise ValueError(f"positions are 0 … 999999999, got {n}")
    return str(n)


def _parse_number(text: str) -> int:
    # Strict: int() would also accept "+1", " 1" and "1_0", which we never write.
    if not _NUMBER_RE.fullmatch(text):
        raise ValueError(text)
    return int(text)


def _runs(indexes: Sequence[int]) -> str:
    """``[12, 27, 28, 29, 30]`` → ``"12,27-30"``: a section's passages are consecutive."""
    out: list[str] = []
    i = 0
    while i < len(indexes):
        j = i
        while j + 1 < len(indexes) and indexes[j + 1] == indexes[j] + 1:
            j += 1
        first, last = _number(indexes[i]), _number(indexes[j])
        out.append(first if i == j else f"{first}-{last}")
        i = j + 1
    return ",".join(out)


def _parse_runs(text: str) -> tuple[int, ...]:
    out: list[int] = []
    for run in text.split(","):
        first, sep, last = run.partition("-")
        a = _parse_number(first)
        b = _parse_number(last) if sep else a
        if b < a or len(out) + b - a >= MAX_POSITIONS:
            raise ValueError(run)
        out.extend(range(a, b + 1))
    return tuple(out)
