"""Telegram throughput: answered messages per second through the fake Bot API.

    python benchmarks/bench_telegram.py                   # 2,000 messages from 100 chats
    python benchmarks/bench_telegram.py --messages 100    # CI smoke run
    python benchmarks/bench_telegram.py --no-cache        # ours without its answer cache

The fake Bot API (tests/fake_bot_api.py) runs in a child process, as Telegram runs elsewhere:
its work does not share the bot's interpreter. Per repetition a fresh fake gets every message
queued at once, then a bot is started; the clock runs from the start of polling until the
fake has accepted the last reply. Two bots, in the same run:

- **ours**: the real Application from ``build_application`` with the bundled engine, answering
  the project's evaluation questions (eval/questions.yaml, cycled; each chat asks its own run
  of them, so follow-up context varies from chat to chat);
- **echo**: a minimal PTB Application with one MessageHandler that sends the text back — what
  PTB and the transport cost without any answering.

Each figure is the median of ``--repeat`` runs. ``lost`` counts questions without a reply
(must be 0); ``out of order`` counts chats whose replies differ from what they must get, in
order (must be 0; see :func:`run_once`). ``bot CPU`` and ``API CPU`` are the CPU time of the
bot's and of the fake's process per message: on a busy machine they vary less than the rate.
The per-user rate limit is raised for the run (2,000 messages from 100 chats is 20 each, the
default limit exactly): this measures answering, not refusing. Exit status 1 if any reply
was lost or out of order.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

# httpx sends even 127.0.0.1 through a configured proxy.
for _var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_var, None)
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
os.environ.setdefault("PTB_TIMEDELTA", "true")

import yaml  # noqa: E402
from fake_bot_api import TOKEN, FakeBotAPIProcess  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters  # noqa: E402

from benchmarks.machine import cpu_model  # noqa: E402
from bot.app import build_engine  # noqa: E402
from bot.config import Config, RateLimitConfig, TelegramConfig  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.telegram_app import ANSWER_CACHE, Served, build_application, connect, serving  # noqa: E402

TARGET_RATE = 300.0  # answered messages/s (issue 5)
TARGET_RATIO = 0.8  # ours / echo
QUESTIONS = ROOT / "eval" / "questions.yaml"
REPLY_TIMEOUT = 600.0
FIRST_CHAT = 10_000

BuildApp = Callable[[str, int], Application]


# ------------------------------------------------------------------ the two bots
@dataclass(frozen=True)
class Run:
    seconds: float
    lost: int
    out_of_order: int
    bot_cpu: float  # CPU seconds of the bot's process during the run
    api_cpu: float  # … and of the fake Bot API's


def questions() -> list[str]:
    data = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    return [str(q["q"]) for q in data["questions"]]


def ours(engine: Engine, answer_cache: int = ANSWER_CACHE) -> BuildApp:
    def build(base_url: str, messages: int) -> Application:
        tg = TelegramConfig(
            token=TOKEN,
            base_url=base_url,
            rate_limit=RateLimitConfig(count=max(messages, 1), per_seconds=60),
        )
        return build_application(Config(telegram=tg), engine, answer_cache=answer_cache)

    return build


def echo(base_url: str, messages: int) -> Application:
    async def send_back(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, update.effective_message.text or "")

    app = ApplicationBuilder().token(TOKEN).base_url(base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, send_back))
    return app


Expected = Callable[[list[str]], list[str]]


def our_replies(engine: Engine) -> Expected:
    """The replies ours must send a chat asking ``questions`` in turn (follow-ups included)."""
    served = Served(engine, answer_cache=0)  # the oracle renders afresh

    def replies(questions: list[str]) -> list[str]:
        out, previous = [], None
        for q in questions:
            answer = served.ask(q, previous)
            if answer.answered:
                previous = answer.effective_question or q
            out.append(served.answer_reply(answer)[0])
        return out

    return replies


def echo_replies(questions: list[str]) -> list[str]:
    return list(questions)


async def run_once(build: BuildApp, texts: list[str], chats: int, expected: Expected) -> Run:
    """One run: queue ``texts`` from ``chats`` chats, serve until every one has its reply.

    Each chat's replies are compared, in order, with what it must get: lost, duplicated or
    reordered replies all show.
    """
    with FakeBotAPIProcess() as fake:
        asked: dict[int, list[str]] = {}
        for n, text in enumerate(texts):
            chat = FIRST_CHAT + n % chats
            fake.call("push_text", text, chat_id=chat)
            asked.setdefault(chat, []).append(text)
        api_cpu0 = fake.call("cpu_seconds")
        app = build(fake.base_url, len(texts))
        assert await connect(app, asyncio.Event(), give_up_after=0)
        t0, cpu0 = time.monotonic(), time.process_time()
        async with serving(app, poll_timeout=1):
            done = await fake.acall("sent_at", len(texts), REPLY_TIMEOUT)  # CLOCK_MONOTONIC: shared
            bot_cpu = time.process_time() - cpu0
            api_cpu = fake.call("cpu_seconds")
        errors = fake.call("errors")
        replies: dict[int, list[str]] = {}
        for sent in fake.call("outbox"):
            replies.setdefault(sent.chat_id, []).append(sent.html)
    assert not errors, errors
    lost = sum(max(0, len(qs) - len(replies.get(chat, []))) for chat, qs in asked.items())
    wrong = sum(expected(qs) != replies.get(chat, []) for chat, qs in asked.items())
    return Run(done - t0, lost, wrong, bot_cpu, api_cpu - api_cpu0)


def median_run(build: BuildApp, texts: list[str], chats: int, repeat: int, expected: Expected) -> Run:
    runs = [asyncio.run(run_once(build, texts, chats, expected)) for _ in range(repeat)]
    return Run(
        statistics.median(r.seconds for r in runs),
        max(r.lost for r in runs),
        max(r.out_of_order for r in runs),
        statistics.median(r.bot_cpu for r in runs),
        statistics.median(r.api_cpu for r in runs),
    )


def machine() -> str:
    model = cpu_model()
    load = ""
    with contextlib.suppress(OSError, AttributeError):
        load = f", load {os.getloadavg()[0]:.1f}"
    return f"{model}, {os.cpu_count()} cores{load}, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--messages", type=int, default=2000, help="messages pushed at once (default 2000)")
    p.add_argument("--chats", type=int, default=100, help="chats they come from (default 100)")
    p.add_argument("--repeat", type=int, default=3, help="runs per bot; the median is reported (default 3)")
    p.add_argument("--no-cache", action="store_true", help="ours without its answer cache (every question asked)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    pool = questions()
    # Chat c asks questions c*7, c*7+1, … of the pool: runs that overlap from chat to chat.
    texts = [pool[((n % args.chats) * 7 + n // args.chats) % len(pool)] for n in range(args.messages)]
    engine = build_engine(Config())
    bots: list[tuple[str, BuildApp, Expected]] = [
        ("echo", echo, echo_replies),
        ("ours", ours(engine, 0 if args.no_cache else ANSWER_CACHE), our_replies(engine)),
    ]
    results = [(name, median_run(build, texts, args.chats, args.repeat, expected)) for name, build, expected in bots]
    echo_rate = args.messages / results[0][1].seconds
    print(f"machine: {machine()}")
    print(
        f"{args.messages} messages from {args.chats} chats, median of {args.repeat} runs"
        + (", ours without answer cache" if args.no_cache else "")
    )
    print("| bot  | messages | seconds | msgs/s | ours/echo | lost | out of order | bot CPU ms/msg | API CPU ms/msg |")
    print("|------|---------:|--------:|-------:|----------:|-----:|-------------:|--------------:|---------------:|")
    for name, run in results:
        rate = args.messages / run.seconds
        print(
            f"| {name:<4} | {args.messages:>8} | {run.seconds:>7.2f} | {rate:>6.0f} | {rate / echo_rate:>9.2f}"
            f" | {run.lost:>4} | {run.out_of_order:>12} | {run.bot_cpu / args.messages * 1000:>13.2f}"
            f" | {run.api_cpu / args.messages * 1000:>14.2f} |"
        )
    ours_rate = args.messages / results[1][1].seconds
    verdicts = (
        (f"≥ {TARGET_RATE:.0f} msgs/s", ours_rate >= TARGET_RATE, f"{ours_rate:.0f}"),
        (f"≥ {TARGET_RATIO}× echo", ours_rate >= TARGET_RATIO * echo_rate, f"{ours_rate / echo_rate:.2f}×"),
        ("0 lost", all(r.lost == 0 for _, r in results), ""),
    )
    print("targets: " + "; ".join(f"{what}: {'met' if ok else 'NOT met'} {got}".rstrip() for what, ok, got in verdicts))
    return 0 if all(r.lost == 0 and r.out_of_order == 0 for _, r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
