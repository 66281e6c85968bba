"""Fixtures of the Telegram tests, loaded with ``pytest_plugins = ["telegram_fixtures"]``.

Loaded as a plugin (never imported by a test module), so its session fixture is shared by
every module. The engine on the bundled article is conftest.py's ``engine``.

``run_bot`` starts the Application with telegram_app's own :func:`connect` and :func:`serving`
— what ``qabot telegram`` runs — inside pytest-asyncio's loop (``run_polling`` would want to
own the loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_bot_api import PROXY_VARIABLES, TOKEN, USER, FakeBotAPI
from telegram.ext import Application

from bot.app import EngineHolder, build_engine
from bot.config import Config, TelegramConfig
from bot.engine import Engine
from bot.telegram_app import ANSWER_CACHE, build_application, connect, serving

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
        fake.chat(USER)  # the default user has talked to the bot before (Telegram knows the chat)
        yield fake


@pytest.fixture
def run_bot(api: FakeBotAPI) -> RunBot:
    """``async with run_bot(engine, **telegram_keys) as app:`` — the bot polls the fake API.

    ``engine`` is an Engine or an EngineHolder. Keyword arguments set ``telegram.*`` config keys
    (``log_file=…``, ``admin_ids=(…)``); ``on_fatal=`` and ``answer_cache=`` go to
    build_application. It starts and stops the bot as ``qabot telegram`` does (connect, serving).
    """

    @contextlib.asynccontextmanager
    async def running(
        engine: Engine | EngineHolder,
        *,
        on_fatal: Callable[[str], None] | None = None,
        answer_cache: int = ANSWER_CACHE,
        **telegram: Any,
    ) -> AsyncIterator[Application]:
        tg = TelegramConfig(token=TOKEN, base_url=api.base_url, base_file_url=api.base_file_url, **telegram)
        app = build_application(Config(telegram=tg), engine, on_fatal=on_fatal, answer_cache=answer_cache)
        assert await connect(app, asyncio.Event(), give_up_after=0)
        async with serving(app, poll_timeout=1):
            yield app

    return running


# ------------------------------------------------------------------ the bot as a process
ROOT = Path(__file__).resolve().parent.parent


class BotProcess:
    """``python -m bot --config … --log-level DEBUG telegram``, its stderr read as it comes."""

    def __init__(self, config: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
        env.update(
            NO_PROXY="127.0.0.1,localhost",
            no_proxy="127.0.0.1,localhost",
            PYTHONUNBUFFERED="1",
            TELEGRAM_BOT_TOKEN=TOKEN,
        )
        cmd = [sys.executable, "-m", "bot", "--config", str(config), "--log-level", "DEBUG", "telegram"]
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
        )
        self.lines: list[str] = []
        self._eof = False
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    @property
    def stderr(self) -> str:
        with self._cond:
            return "\n".join(self.lines)

    def wait_line(self, text: str, *, count: int = 1, timeout: float = 20.0) -> list[str]:
        """Block until ``count`` lines of stderr contain ``text``; return them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [line for line in self.lines if text in line]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0 or self._eof:
                    raise TimeoutError(f"{count} × {text!r} not in stderr:\n" + "\n".join(self.lines[-30:]))
                self._cond.wait(left)

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def wait_exit(self, timeout: float) -> int:
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._reader.join(timeout=5)
        if self.proc.stderr is not None:
            self.proc.stderr.close()


@pytest.fixture
def bot_process(tmp_path: Path) -> Iterator[Callable[..., BotProcess]]:
    """``bot_process(base_url, extra_yaml="")`` starts the bot as a process; killed if left running."""
    started: list[BotProcess] = []

    def start(base_url: str, extra: str = "") -> BotProcess:
        config = tmp_path / "config.yaml"
        config.write_text(f"telegram:\n  base_url: {base_url}\n  log_file: bot.jsonl\n{extra}", encoding="utf-8")
        started.append(BotProcess(config))
        return started[-1]

    yield start
    for bot in started:
        bot.kill()
