"""The bot's journal: one JSON object a line for every question and every 👍/👎, and /stats.

Each record is written with a single ``os.write`` on a file opened with ``O_APPEND``: there is
no user-space buffer to lose, so a ``kill -9`` can at worst cut the last line short. On
opening, a cut-off last line is closed with a newline (so the next record starts clean) and
skipped when the counts for /stats are rebuilt from the file.

Records::

    {"time": "2024-01-31T08:00:00Z", "type": "question", "chat_id": 1, "user_id": 1,
     "question": "…", "kind": "question", "answered": true, "passage_id": "doc#21"}
    {"time": "…", "type": "feedback", "chat_id": 1, "user_id": 1,
     "passage_id": "doc#21", "helpful": false}
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import ConfigError

log = logging.getLogger(__name__)


@dataclass
class Stats:
    """Counts for /stats. Greetings and empty messages are not questions."""

    questions: int = 0
    unanswered: int = 0
    helpful: int = 0
    unhelpful: int = 0

    def count(self, record: dict[str, Any]) -> None:
        """Add one journal record to the counts."""
        if record.get("type") == "question" and record.get("kind", "question") == "question":
            self.questions += 1
            if not record.get("answered"):
                self.unanswered += 1
        elif record.get("type") == "feedback":
            if record.get("helpful"):
                self.helpful += 1
            else:
                self.unhelpful += 1


def read_records(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """The records of a journal file, skipping lines that are not whole JSON objects."""
    with open(path, "rb") as f:
        for line in f:
            try:
                record = json.loads(line)
            except ValueError:  # a line cut short by a kill, or not UTF-8
                continue
            if isinstance(record, dict):
                yield record


def _utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Journal:
    """Appends records to ``path`` (None or "" = keep counts only) and keeps :class:`Stats`."""

    def __init__(self, path: str | os.PathLike[str] | None, *, now: Callable[[], str] = _utc_now) -> None:
        self.path = Path(path) if path else None
        self.stats = Stats()
        self._now = now
        self._fd: int | None = None
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            for record in read_records(self.path):
                self.stats.count(record)
            if _ends_mid_line(self.path):
                os.write(self._fd, b"\n")
        except OSError as exc:
            self.close()
            raise ConfigError(f"telegram.log_file: cannot open {self.path} ({exc.strerror or exc})") from exc

    def question(
        self, chat_id: int, user_id: int | None, question: str, *, kind: str, answered: bool, passage_id: str | None
    ) -> None:
        """Record a question and how it was answered."""
        self._write(
            {
                "type": "question",
                "chat_id": chat_id,
                "user_id": user_id,
                "question": question,
                "kind": kind,
                "answered": answered,
                "passage_id": passage_id,
            }
        )

    def feedback(self, chat_id: int, user_id: int | None, passage_id: str, *, helpful: bool) -> None:
        """Record a 👍 (``helpful``) or 👎 on a passage."""
        self._write(
            {"type": "feedback", "chat_id": chat_id, "user_id": user_id, "passage_id": passage_id, "helpful": helpful}
        )

    def _write(self, fields: dict[str, Any]) -> None:
        record = {"time": self._now(), **fields}
        self.stats.count(record)
        if self._fd is None:
            return
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
        try:
            written = os.write(self._fd, line)
        except OSError as exc:
            # A full disk must not stop the bot from answering; the operator sees the warning.
            log.warning("journal %s: cannot write a record (%s)", self.path, exc.strerror or exc)
            return
        if written != len(line):  # only on a full disk: the line is torn, say so
            log.warning("journal %s: record cut short (%d of %d bytes)", self.path, written, len(line))

    def close(self) -> None:
        """Close the file (records written so far are already in it)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _ends_mid_line(path: Path) -> bool:
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        if f.tell() == 0:
            return False
        f.seek(-1, os.SEEK_END)
        return f.read(1) != b"\n"
