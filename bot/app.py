"""Building the engine from a config: the one place front ends get an Engine from."""

from __future__ import annotations

import logging
import time

from bot.config import Config
from bot.engine import Engine

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
