"""Delivery rules: what is retried, how long we wait, and what stops the bot.

:func:`deliver` is tested with a recorded ``sleep`` (exact waits, no real waiting); the fake
Bot API then shows the same rules end to end.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from fake_bot_api import Chat
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.telegram_app import deliver

pytest_plugins = ["telegram_fixtures"]  # api, run_bot (engine: conftest.py)

QUESTION = "讲师团有多少名成员？"


@pytest.fixture(autouse=True)
def timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB warns on every RetryAfter unless opted in to timedelta periods (build_application does)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


def scripted(*outcomes: object) -> tuple[Callable[[], Awaitable[str]], list[int]]:
    """A send() that raises or returns each outcome in turn, and the count of its calls."""
    calls = [0]

    async def send() -> str:
        outcome = outcomes[calls[0]]
        calls[0] += 1
        if isinstance(outcome, Exception):
            raise outcome
        return str(outcome)

    return send, calls


async def run(send: Callable[[], Awaitable[str]], **kwargs: object) -> tuple[str | BaseException, list[float]]:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    try:
        result: str | BaseException = await deliver(send, sleep=sleep, **kwargs)  # type: ignore[arg-type]
    except TelegramError as exc:
        result = exc
    return result, waits


@pytest.mark.asyncio
async def test_retry_after_is_waited_out_as_told() -> None:
    send, calls = scripted(RetryAfter(3), RetryAfter(1), "sent")
    assert await run(send) == ("sent", [3.0, 1.0])
    assert calls == [3]


@pytest.mark.asyncio
async def test_network_errors_back_off_doubling_then_give_up() -> None:
    error = NetworkError("Bad Gateway")
    send, calls = scripted(error, error, error, error, "never")
    assert await run(send) == (error, [0.5, 1.0, 2.0])
    assert calls == [4]


@pytest.mark.asyncio
async def test_network_error_then_success() -> None:
    send, _ = scripted(NetworkError("httpx.ConnectError"), "sent")
    assert await run(send) == ("sent", [0.5])


@pytest.mark.asyncio
@pytest.mark.parametrize("error", [TimedOut(), BadRequest("can't parse entities")], ids=["timed-out", "bad-request"])
async def test_timeouts_and_bad_requests_are_never_retried(error: Exception) -> None:
    # TimedOut: Telegram has probably got the message; a retry would post it twice.
    send, calls = scripted(error, "duplicate")
    assert await run(send) == (error, [])
    assert calls == [1]


@pytest.mark.asyncio
async def test_a_flood_wait_longer_than_the_limit_is_not_waited() -> None:
    error = RetryAfter(600)
    send, calls = scripted(error, "late")
    assert await run(send, max_retry_after=60.0) == (error, [])
    assert calls == [1]


# ------------------------------------------------------------------ against the fake
@pytest.mark.asyncio
async def test_429_on_send_message_is_retried_after_the_wait(api, run_bot, engine):
    api.fail("sendMessage", status=429, retry_after=1)
    async with run_bot(engine):
        [reply] = await Chat(api).say(QUESTION)
    first, second = api.requests("sendMessage")
    assert first == second
    assert "<b>88名</b>" in reply.html


@pytest.mark.asyncio
async def test_500_on_send_message_is_retried(api, run_bot, engine):
    api.fail("sendMessage", status=500)
    async with run_bot(engine):
        [reply] = await Chat(api).say(QUESTION)
    assert len(api.requests("sendMessage")) == 2
    assert "<b>88名</b>" in reply.html


@pytest.mark.asyncio
async def test_token_rejected_while_polling_is_reported_not_silent(api, run_bot, engine):
    reasons: list[str] = []
    fatal = asyncio.Event()

    def on_fatal(reason: str) -> None:
        reasons.append(reason)
        fatal.set()

    async with run_bot(engine, on_fatal=on_fatal):
        api.fail("getUpdates", status=401, times=None)  # the token was revoked while running
        await asyncio.wait_for(fatal.wait(), timeout=10)
    assert reasons == ["getUpdates answered HTTP 401"]  # once, though shutdown polls again


@pytest.mark.asyncio
async def test_token_rejected_on_a_reply_is_reported_too(api, run_bot, engine):
    reasons: list[str] = []
    fatal = asyncio.Event()

    def on_fatal(reason: str) -> None:
        reasons.append(reason)
        fatal.set()

    api.fail("sendMessage", status=401, times=None)  # how webhook mode notices a revoked token
    async with run_bot(engine, on_fatal=on_fatal):
        api.push_text(QUESTION)
        api.push_text(QUESTION)
        await asyncio.wait_for(fatal.wait(), timeout=10)
        await api.wait_for("sendMessage", count=2)
    assert reasons == ["a reply failed: Unauthorized"]


@pytest.mark.asyncio
async def test_token_rejected_on_the_confirming_call_at_shutdown_does_not_hang_the_stop(api, run_bot, engine):
    reasons: list[str] = []
    running = run_bot(engine, on_fatal=reasons.append)
    await running.__aenter__()
    await api.wait_for("getUpdates", count=2)  # a long poll is in flight
    api.fail("getUpdates", status=401, times=None)  # revoked now: the stop's confirming call is refused
    await asyncio.wait_for(running.__aexit__(None, None, None), timeout=5)
    assert reasons == ["getUpdates answered HTTP 401"]
