"""Process-level faults: ``python -m bot telegram`` against the fake Bot API (issue 6).

Start-up while Telegram is unreachable, SIGTERM in the middle of a conversation, SIGHUP to
reload the knowledge. docs/RELIABILITY.md tabulates them with the in-process tests.
"""

from __future__ import annotations

import signal
import socket
import time
from pathlib import Path

from fake_bot_api import FakeBotAPI

pytest_plugins = ["telegram_fixtures"]  # api, bot_process

QUESTION = "讲师团有多少名成员？"
START_TIMEOUT = 20  # start-up builds the engine (jieba) first
STOP_WITHIN = 5.0  # seconds from SIGTERM to exit, at most


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(bot, sig: int = signal.SIGTERM) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    bot.signal(sig)
    code = bot.wait_exit(timeout=STOP_WITHIN + 5)
    return code, time.monotonic() - started


def test_telegram_down_at_start_up_is_waited_for_then_served(bot_process) -> None:
    port = _free_port()  # nothing listens there yet: connection refused
    bot = bot_process(f"http://127.0.0.1:{port}/bot")
    bot.wait_line("Telegram cannot be reached at start-up", count=2, timeout=START_TIMEOUT)
    with FakeBotAPI(listen_port=port) as api:  # Telegram is back
        api.wait_for_sync("getUpdates", timeout=START_TIMEOUT)
        api.push_update({"message": api.message(QUESTION)})
        [reply] = api.wait_sent_sync(1)
        code, seconds = _stop(bot)
    assert code == 0 and seconds < STOP_WITHIN
    assert "<b>88名</b>" in reply.html
    waits = [line.rsplit("retrying in ", 1)[1] for line in bot.lines if "cannot be reached" in line]
    assert waits[:2] == ["0.5 s", "1.0 s"]  # backing off, not hammering
    assert all("WARNING bot.telegram_app" in line for line in bot.lines if "cannot be reached" in line)


def test_sigterm_while_waiting_for_telegram_exits_0_at_once(bot_process) -> None:
    bot = bot_process(f"http://127.0.0.1:{_free_port()}/bot")
    bot.wait_line("Telegram cannot be reached at start-up", timeout=START_TIMEOUT)
    code, seconds = _stop(bot)
    assert code == 0 and seconds < STOP_WITHIN
    assert "stopped while waiting for Telegram" in bot.stderr


def test_sigterm_mid_conversation_answers_what_was_fetched_and_confirms_it(api, bot_process) -> None:
    api.delay("sendMessage", 0.2)  # a slow Telegram: replies are still under way at SIGTERM
    bot = bot_process(api.base_url)
    api.wait_for_sync("getUpdates", timeout=START_TIMEOUT)
    updates = [
        api.push_update({"message": api.message(question, chat_id=chat)})
        for question in (QUESTION, "江门现在有多少家长者饭堂？", "市级零工市场枢纽有几个？")
        for chat in (3001, 3002)
    ]
    api.wait_sent_sync(1)  # mid-conversation
    code, seconds = _stop(bot)
    assert code == 0 and seconds < STOP_WITHIN
    assert len(api.outbox) == len(updates)  # every fetched question was answered before exit
    last_poll = api.requests("getUpdates")[-1]
    assert (last_poll["offset"], last_poll["timeout"]) == (updates[-1]["update_id"] + 1, 0)
    assert api.pending == []  # … and confirmed: a restart will not answer them twice


def test_sighup_reloads_the_knowledge_and_a_broken_file_keeps_the_old(api, bot_process, tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "a.txt").write_text("新会区图书馆新增阅览座位600个。\n", encoding="utf-8")
    bot = bot_process(api.base_url, f"knowledge: {knowledge}\n")
    api.wait_for_sync("getUpdates", timeout=START_TIMEOUT)

    def ask(question: str) -> str:
        before = len(api.outbox)
        api.push_update({"message": api.message(question)})
        return api.wait_sent_sync(before + 1)[-1].html

    assert ask("体育馆有多少个座位？").startswith("抱歉")
    (knowledge / "b.txt").write_text("江门体育馆设有座位8000个。\n", encoding="utf-8")
    bot.signal(signal.SIGHUP)
    bot.wait_line("reloaded: 2 passages from 2 documents (was 1 from 1)")
    assert "<b>8000个</b>" in ask("体育馆有多少个座位？")

    (knowledge / "gbk.txt").write_bytes("江门体育馆设有座位9000个。".encode("gbk"))
    bot.signal(signal.SIGHUP)
    [failed] = bot.wait_line("reload failed, still serving the previous knowledge")
    assert "gbk.txt" in failed and " ERROR " in failed
    assert "<b>8000个</b>" in ask("体育馆有多少个座位？")  # the old index still serves
    code, _ = _stop(bot)
    assert code == 0
    assert "reloading the knowledge (SIGHUP)" in bot.stderr
