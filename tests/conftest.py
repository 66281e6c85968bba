"""Shared fixtures: the engine on the bundled article is built once per test session."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import BUNDLED_KNOWLEDGE, RetrievalConfig
from bot.engine import Engine

REPO = Path(__file__).resolve().parent.parent

# httpx routes even 127.0.0.1 through HTTP(S)_PROXY; the tests only ever talk to loopback.
for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(var, None)
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
os.environ.pop("TELEGRAM_BOT_TOKEN", None)


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The engine over the bundled knowledge, default settings."""
    return Engine.build(BUNDLED_KNOWLEDGE, RetrievalConfig())


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture
def cli_sandbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """For in-process ``cli.main`` runs: no ./config.yaml, no token, no cache in $HOME, and the
    root logger restored afterwards (``cli.main`` configures logging as the real entry point does)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield tmp_path
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def bundled(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> Engine:
    """``cli.main`` answers with the session engine instead of building its own."""
    monkeypatch.setattr("bot.app.build_engine", lambda cfg: engine)
    return engine
