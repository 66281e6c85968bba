"""Shared fixtures: the engine on the bundled article is built once per test session."""

from __future__ import annotations

import os
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
