"""Fixtures of the Telegram tests, loaded with ``pytest_plugins = ["telegram_fixtures"]``.

Loaded as a plugin (never imported by a test module), so its session fixture is shared by
every module. The engine on the bundled article is conftest.py's ``engine``.

``run_polling`` owns the event loop, so ``run_bot`` starts the Application by hand
(initialize → post_init → start_polling → start) inside pytest-asyncio's loop, as NOTES.md says.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from fake_bot_api import PROXY_VARIABLES, TOKEN, FakeBotAPI
from telegram import Update
from telegram.ext import Application

from bot.app import build_engine
from bot.config import Config, TelegramConfig
from bot.engine import Engine
from bot.telegram_app import build_application

LONG_PARAGRAPH = "，".join(f"第{i}只长寿乌龟在湖边活了{100 + i}年" for i in range(1, 280)) + "。"
TURTLES = f"""---
title: 乌龟与湖 <测试> & 样例
source: 测试日报
author: 张三
intern: 李四
examples: [湖里有多少只乌龟？, 乌龟吃什么？]
---

## 一 湖的概况

### 湖水与乌龟

湖里一共有37只乌龟，湖面面积是12.5平方公里。

乌龟主要吃水草和小鱼，每天进食2次。

## 二 长寿的乌龟

{LONG_PARAGRAPH}
"""

RunBot = Callable[..., contextlib.AbstractAsyncContextManager[Application]]


@pytest.fixture(scope="session")
def turtle_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """Knowledge of our own: example questions, markup in the title, a 5,000-character paragraph."""
    root = tmp_path_factory.mktemp("turtles")
    (root / "turtles.md").write_text(TURTLES, encoding="utf-8")
    return build_engine(Config(knowledge=str(root)))


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBotAPI]:
    """A fresh fake Bot API; httpx would send even 127.0.0.1 through a configured proxy."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # what build_application opts into, undone after
    with FakeBotAPI() as fake:
        yield fake


@pytest.fixture
def run_bot(api: FakeBotAPI) -> RunBot:
    """``async with run_bot(engine, **telegram_keys) as app:`` — the bot polls the fake API.

    Keyword arguments set ``telegram.*`` config keys (``log_file=…``, ``admin_ids=(…)``);
    ``on_fatal=`` is passed to build_application.
    """

    @contextlib.asynccontextmanager
    async def running(
        engine: Engine, *, on_fatal: Callable[[str], None] | None = None, **telegram: Any
    ) -> AsyncIterator[Application]:
        tg = TelegramConfig(token=TOKEN, base_url=api.base_url, base_file_url=api.base_file_url, **telegram)
        app = build_application(Config(telegram=tg), engine, on_fatal=on_fatal)
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(timeout=1, allowed_updates=Update.ALL_TYPES)
        await app.start()
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.shutdown()
            if app.post_shutdown:
                await app.post_shutdown(app)

    return running
