"""Building the engine from a config, and swapping it for a rebuilt one while serving."""

from __future__ import annotations

import logging
import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from bot.cache import default_cache_dir
from bot.config import Config
from bot.engine import Engine
from bot.errors import BotError

log = logging.getLogger(__name__)


def cache_dir_for(cfg: Config) -> Path | None:
    """``index_cache``: empty → the user cache folder, "none" → no cache, else that folder."""
    value = cfg.index_cache.strip()
    if value.lower() in ("none", "off", "false"):
        return None
    return Path(value) if value else default_cache_dir()


class Progress:
    """A progress line on stderr for builds that take more than two seconds.

    On a terminal it redraws one line; otherwise (a log file, a supervisor) it logs every ten
    seconds, so long builds are visible without flooding the log.
    """

    def __init__(self, stream: TextIO | None = None, after: float = 2.0) -> None:
        self.stream = stream or sys.stderr
        self.after = after
        self.start = time.perf_counter()
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int, chars: int) -> None:
        now = time.perf_counter() - self.start
        if now < self.after:
            return
        rate = chars / now / 1e6 if now > 0 else 0.0
        self._show(now, f"indexing {done:,}/{total:,} passages ({done / max(total, 1):.0%}), {rate:.2f}M chars/s", done >= total)

    def reading(self, done: int, total: int) -> None:
        """``done`` of ``total`` documents read and parsed (a million passages take seconds)."""
        now = time.perf_counter() - self.start
        if now >= self.after:
            self._show(now, f"reading documents {done:,}/{total:,} ({done / max(total, 1):.0%})", done >= total)

    def _show(self, now: float, line: str, last: bool) -> None:
        tty = getattr(self.stream, "isatty", lambda: False)()
        if tty:
            print(f"\r{line}", end="\n" if last else "", file=self.stream, flush=True)
            self.shown = True
        elif now - self.last >= 10.0 or last:
            log.info("%s", line)
            self.last = now


def build_engine(cfg: Config) -> Engine:
    """Load the knowledge named by ``cfg``, from the saved index when it is current."""
    t0 = time.perf_counter()
    engine = Engine.build(cfg.knowledge, cfg.retrieval, cache_dir=cache_dir_for(cfg), progress=Progress())
    log.info(
        "indexed %d passages from %d documents in %.2f s",
        len(engine.passages),
        len(engine.documents),
        time.perf_counter() - t0,
    )
    t1 = time.perf_counter()
    if engine.index.warm_up():  # a large index: no first question waits for numba
        log.info("compiled ranking ready in %.2f s", time.perf_counter() - t1)
    return engine


class EngineHolder:
    """The engine in service. ``reload()`` builds a new one aside and swaps it in atomically.

    Readers take ``holder.engine`` once per request; a request that started on the old engine
    finishes on it. A failed rebuild (a broken new file) leaves the old engine serving.
    """

    def __init__(self, cfg: Config, engine: Engine | None = None) -> None:
        self._cfg = cfg
        self._engine = engine if engine is not None else build_engine(cfg)
        self._lock = threading.Lock()  # one rebuild at a time

    @property
    def engine(self) -> Engine:
        return self._engine

    def reload(self) -> tuple[bool, str]:
        """Rebuild from the same config; returns (swapped, message for the operator)."""
        with self._lock:
            try:
                new = build_engine(self._cfg)
            except BotError as exc:
                log.error("reload failed, still serving the previous knowledge: %s", exc)
                return False, str(exc)
            old = self._engine
            self._engine = new  # a single reference assignment: atomic for readers
            msg = (
                f"reloaded: {len(new.passages)} passages from {len(new.documents)} documents"
                f" (was {len(old.passages)} from {len(old.documents)})"
            )
            log.info("%s", msg)
            return True, msg
