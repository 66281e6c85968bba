"""Building the engine from a config, and swapping it for a rebuilt one while serving."""

from __future__ import annotations

import logging
import threading
import time

from bot.config import Config
from bot.engine import Engine
from bot.errors import BotError

log = logging.getLogger(__name__)


def build_engine(cfg: Config) -> Engine:
    """Load the knowledge named by ``cfg`` and index it."""
    t0 = time.perf_counter()
    engine = Engine.build(cfg.knowledge, cfg.retrieval)
    log.info(
        "indexed %d passages from %d documents in %.2f s",
        len(engine.passages),
        len(engine.documents),
        time.perf_counter() - t0,
    )
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
