"""The Telegram front end — the only module that imports ``telegram``.

:func:`run_telegram` checks the token, builds the engine (the slow part: jieba and the index),
waits for Telegram to answer and then serves by long polling, or as a webhook server when
``telegram.webhook.url`` is set. :func:`build_application` wires the handlers; :func:`connect`
and :func:`serving` start and stop it, for the process and for the tests alike.

Decisions (docs/TELEGRAM.md explains them to operators):

- Every update first passes :meth:`QABot.guard`: group chatter not meant for the bot is dropped,
  then the chat allowlist (a private chat not on it is refused once, a group is ignored), then
  the per-user rate limit. Handlers below it only answer.
- Updates of different chats are handled concurrently, one chat's strictly one at a time and
  in order (:class:`PerChatOrder`): a chat sees its answers in the order it asked, and a slow
  reply to one chat does not hold up the others.
- The engine is read from an :class:`~bot.app.EngineHolder` once per update, with everything
  derived from it (:class:`Served`); ``/reload`` and SIGHUP build a new one aside and swap it in.
- An *edited* question is answered again, as a new reply to the edited message (see
  :meth:`QABot.on_text`).
- Sending retries RetryAfter (waiting as told) and network errors / 5xx (bounded back-off),
  never a timeout: a timed-out request has usually reached Telegram, and a retry would post
  the answer twice (see :func:`deliver`).
- What getUpdates returns is screened (:class:`_PollingRequest`): an update PTB cannot parse
  is skipped with one log line, a reply that carries no updates is backed off from — PTB alone
  would re-fetch either at once, forever.
- A token that Telegram rejects while running (getUpdates, or a reply in webhook mode) stops
  the bot with exit status 3; PTB's polling loop would otherwise die silently and leave a
  process that looks alive.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import functools
import html
import importlib.util
import json
import logging
import math
import os
import re
import secrets
import signal
import ssl
import sys
import time
import warnings
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest, RequestData
from telegram.warnings import PTBDeprecationWarning

from bot import render
from bot.app import EngineHolder
from bot.callbacks import AskExample, Callback, Feedback, FiguresPage, More, decode, encode
from bot.config import Config, TelegramConfig, WebhookConfig
from bot.engine import Engine
from bot.errors import ConfigError
from bot.journal import Journal
from bot.logs import register_secret
from bot.models import Answer, Hit
from bot.ratelimit import (
    GROUPS,
    PRIVATE,
    Access,
    Allowlist,
    SlidingWindowLimiter,
    Verdict,
    access,
    addressed_question,
    command_for_bot,
)

log = logging.getLogger(__name__)

# httpcore tries `import sniffio` on every request; when it is not installed each failed import
# walks sys.path again (~0.4 ms, as much as the rest of PTB's cost of a request). Remember the miss.
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]

T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE

EXIT_OK = 0
EXIT_FAILED = 1  # Telegram unreachable for the whole start-up wait, or it refused the set-up
EXIT_TOKEN_REJECTED = 3

# The command menu (setMyCommands) and /help, in one place.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "开始：我能回答什么"),
    ("help", "使用帮助"),
    ("ask", "提问（群聊中用）：/ask 问题"),
    ("sections", "文章目录"),
    ("figures", "关键数字"),
    ("about", "文章来源"),
)
# Shown, in addition, in the menu of each admin's private chat (and in their /help).
ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("stats", "统计（管理员）"),
    ("reload", "重新加载知识库（管理员）"),
)

MORE_PAGE = 2  # passages per 「更多」 press
FIGURES_PAGE = 8  # figures per /figures page
MAX_EXAMPLE_BUTTONS = 3
MAX_SECTION_BUTTONS = 3  # under a non-answer
MAX_OUTLINE_BUTTONS = 10  # under /sections and /start
MAX_INLINE_RESULTS = 50  # Telegram's limit
INLINE_CACHE_SECONDS = 300
MAX_LABEL = 40  # button labels are cut here; Telegram clips long ones anyway
RETRY_ATTEMPTS = 4
BACKOFF_SECONDS = 0.5
MAX_RETRY_AFTER = 60.0  # a longer flood wait would stall every chat: give up on that message
MAX_CONCURRENT_UPDATES = 4  # updates in flight at once (of different chats); see PerChatOrder
ANSWER_CACHE = 1024  # answers remembered per engine
# An answer computed within this many seconds needs no "typing…": on the bundled article that is
# every answer (about a millisecond), and the indicator would cost a request per message.
TYPING_AFTER = 0.3
MAX_CACHED_QUESTION = 200  # longer questions are rare: not worth the memory
POLL_TIMEOUT = 10  # seconds a long poll waits at Telegram (PTB's default)
STARTUP_GIVE_UP = 300.0  # seconds to wait for Telegram at start-up before exit 1
STARTUP_FIRST_WAIT = 0.5  # … the first pause, doubling …
STARTUP_MAX_WAIT = 30.0  # … up to this
_REJECTED_STATUS = (401, 403, 404)  # what Telegram answers getUpdates with a wrong or revoked token
_TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]+")

TEXT_REFUSED = "抱歉，这个机器人只对指定的聊天开放。"
TEXT_RATE_LIMITED = "您发得有点快，请 {seconds} 秒后再问。"
TEXT_MEDIA = "我只能回答文字问题，请直接用文字提问。"
TEXT_STALE = "文章内容已经更新，这个按钮已失效，请重新提问。"
TEXT_BAD_BUTTON = "这个按钮已失效。"
TEXT_THANKS = "谢谢反馈！"
TEXT_NOT_ADMIN = "这个命令只对管理员开放。"
TEXT_UNKNOWN_COMMAND = "没有这个命令。发送 /help 查看用法。"
TEXT_ERROR = "抱歉，出了点问题，请稍后再试。"
TEXT_NO_FIGURES = "文章里没有可以列出的数字。"
TEXT_RELOADED = "✅ 知识库已重新加载：{documents} 篇文档，{passages} 段（原来 {old_documents} 篇，{old_passages} 段）。"
TEXT_RELOAD_FAILED = "⚠️ 重新加载失败，仍在使用原来的知识库。\n{error}"


# ------------------------------------------------------------------ delivery
def retry_after_seconds(exc: RetryAfter) -> float:
    """How long Telegram asks us to wait, in seconds."""
    with warnings.catch_warnings():
        # PTB 22.2+ warns that retry_after will become a timedelta; accept both forms.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


async def deliver(
    send: Callable[[], Awaitable[T]],
    *,
    attempts: int = RETRY_ATTEMPTS,
    backoff: float | None = None,
    max_retry_after: float = MAX_RETRY_AFTER,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Call ``send`` until it succeeds, at most ``attempts`` times.

    - RetryAfter (429): wait as long as Telegram says (up to ``max_retry_after``), then retry.
    - NetworkError (5xx, refused or dropped connection): retry after ``backoff`` (default
      :data:`BACKOFF_SECONDS`), doubling.
    - TimedOut: never retried — the request has most likely reached Telegram, and sending it
      again would post the message twice. BadRequest: the same request would fail again.
    """
    delay = BACKOFF_SECONDS if backoff is None else backoff
    for _ in range(attempts - 1):
        try:
            return await send()
        except RetryAfter as exc:
            wait = retry_after_seconds(exc)
            if wait > max_retry_after:
                raise
            log.warning("Telegram flood control: retrying in %.1f s", wait)
            await sleep(wait)
        except (TimedOut, BadRequest):
            raise
        except NetworkError as exc:
            log.warning("sending failed (%s): retrying in %.1f s", exc, delay)
            await sleep(delay)
            delay *= 2
    return await send()


async def send_html(
    bot: Bot,
    chat_id: int,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    reply_to: int | None = None,
) -> list[Message]:
    """Send Telegram HTML, split at paragraph boundaries into ≤ 4096-character parts.

    The buttons go under the last part; the first part replies to ``reply_to``.
    """
    parts = render.split_message(text)
    sent: list[Message] = []
    for i, part in enumerate(parts):
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to and i == 0 else None
        send = functools.partial(
            bot.send_message,
            chat_id,
            part,
            parse_mode=ParseMode.HTML,
            reply_markup=reply_markup if i == len(parts) - 1 else None,
            reply_parameters=reply,
            link_preview_options=_NO_PREVIEW,
        )
        sent.append(await deliver(send))
    return sent


# ------------------------------------------------------------------ the transport
@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context for every connection pool (each would load the CA bundle anew, 50 ms)."""
    return httpx.create_ssl_context()


class _JSONRequest(HTTPXRequest):
    """PTB's transport, but parameters go as one JSON body instead of a form.

    Telegram takes either. Form-encoding a reply percent-encodes every byte of its Chinese
    text in Python (0.35 ms and 5 KB for a typical answer, against 0.04 ms and 2 KB as JSON):
    a tenth of the bot's whole cost of a reply. Uploads (never sent by this bot) stay multipart.
    """

    def __init__(self, connection_pool_size: int = 256) -> None:  # PTB's default for the bot's requests
        super().__init__(connection_pool_size=connection_pool_size, httpx_kwargs={"verify": _tls_context()})

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        timeouts = (read_timeout, write_timeout, connect_timeout, pool_timeout)
        if request_data is None or request_data.multipart_data:
            return await super().do_request(url, method, request_data, *timeouts)
        client = self._client
        if client.is_closed:
            raise RuntimeError("This HTTPXRequest is not initialized!")
        default = client.timeout
        read, write, connect, pool = (
            configured if value is BaseRequest.DEFAULT_NONE else value
            for value, configured in zip(timeouts, (default.read, default.write, default.connect, default.pool))
        )
        body = json.dumps(request_data.parameters, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            res = await client.request(
                method=method,
                url=url,
                headers={"User-Agent": self.USER_AGENT, "Content-Type": "application/json"},
                timeout=httpx.Timeout(connect=connect, read=read, write=write, pool=pool),
                content=body,
            )
        except httpx.TimeoutException as exc:  # as HTTPXRequest maps them
            if isinstance(exc, httpx.PoolTimeout):
                raise TimedOut("Pool timeout: the request was not sent to Telegram") from exc
            raise TimedOut from exc
        except httpx.HTTPError as exc:
            raise NetworkError(f"httpx.{exc.__class__.__name__}: {exc}") from exc
        if res.status_code == 200 and url.endswith(_SENT_ECHOED):
            return 200, _without_echo(res.content)
        return res.status_code, res.content


# Telegram answers a sent message with the whole message: our own buttons and the message it
# replies to included. The bot never reads them back, and PTB building objects from them (a
# TelegramObject per button, setattr per field) cost a third of the bot's work per reply.
_SENT_ECHOED = ("/sendMessage",)
_ECHOED_FIELDS = ("reply_markup", "reply_to_message", "entities", "link_preview_options")


def _without_echo(content: bytes) -> bytes:
    try:
        data = json.loads(content)
        result = data.get("result")
    except (ValueError, AttributeError):
        return content  # PTB reports what it cannot read
    if not isinstance(result, dict) or not any(f in result for f in _ECHOED_FIELDS):
        return content
    for field in _ECHOED_FIELDS:
        result.pop(field, None)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


# ------------------------------------------------------------------ fetching updates
class _PollingRequest(_JSONRequest):
    """The getUpdates transport: screens what Telegram returns before PTB reads it.

    - A rejected token (401/403/404): PTB's polling loop would end with InvalidToken and tell
      no one, leaving a process that looks alive; stopping it later re-raises the error halfway
      through the shutdown. So the first rejection is reported, and from then on getUpdates
      answers "no updates" without asking Telegram, as an idle long poll would: after the
      poll's timeout, and at once for the confirming call at shutdown (timeout 0) — which may
      be the very request that was rejected first.
    - A 200 that is not ``{"ok": true, "result": [...]}``: PTB would re-fetch at once, forever.
      It is raised as a NetworkError instead, which PTB backs off from (1 s × 1.5, up to 30 s).
    """

    _NO_UPDATES = (200, b'{"ok": true, "result": []}')

    def __init__(self, on_rejected: Callable[[int], None]) -> None:
        super().__init__(connection_pool_size=1)  # PTB's default for getUpdates: one poll at a time
        self._on_rejected = on_rejected
        self._rejected = False

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        if not self._rejected:
            code, payload = await super().do_request(url, method, request_data, *args, **kwargs)
            if code not in _REJECTED_STATUS:
                return code, _check_updates(payload) if code == 200 else payload
            self._rejected = True
            self._on_rejected(code)
        timeout = request_data.parameters.get("timeout") if request_data else None
        await asyncio.sleep(float(timeout) if isinstance(timeout, (int, float)) else 1.0)
        return self._NO_UPDATES


def _check_updates(payload: bytes) -> bytes:
    """``payload`` of a 200 getUpdates, if it is ``{"ok": true, "result": [...]}``; else a
    NetworkError (see :class:`_PollingRequest`). Each update is read by :class:`_ScreeningBot`."""
    try:
        data = json.loads(payload)
    except ValueError:
        return payload  # PTB reports "Invalid server response" as a NetworkError and backs off
    result = data.get("result") if isinstance(data, dict) else None
    if not isinstance(data, dict) or data.get("ok") is not True or not isinstance(result, list):
        described = data.get("description") if isinstance(data, dict) else None
        raise NetworkError(f"getUpdates answered 200 without updates: {str(described or payload[:100])[:200]}")
    return payload


def _read_update(item: Any, bot: Bot) -> Update:
    """One update of a batch; one PTB cannot read becomes a bare ``Update(update_id)``."""
    try:
        return Update.de_json(item, bot)
    except Exception as exc:
        update_id = item.get("update_id") if isinstance(item, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise NetworkError(f"getUpdates returned an update without an update_id ({type(exc).__name__})") from exc
        log.warning("update %d skipped: it cannot be read (%s: %s)", update_id, type(exc).__name__, str(exc)[:100])
        bare = Update(update_id)
        bare.set_bot(bot)
        return bare


class _ScreeningBot(ExtBot):
    """PTB's bot, but getUpdates reads each update on its own.

    PTB reads a batch as a whole: one update it cannot parse fails the batch, unconfirmed, and
    PTB fetches it again at once — a hot loop that also starves every update behind it. Here it
    becomes a bare ``Update(update_id)`` (confirmed with the batch, dropped by the guard) and one
    log line. (A trial parse in the transport did the same at the cost of reading every update
    twice: a sixth of the bot's work per message.) The rest is PTB's ``get_updates``.
    """

    def __init__(self, *args: Any, polling: _PollingRequest, **kwargs: Any) -> None:
        super().__init__(*args, get_updates_request=polling, **kwargs)
        self._polling = polling

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: Any = None,
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: Any = DEFAULT_NONE,
        write_timeout: Any = DEFAULT_NONE,
        connect_timeout: Any = DEFAULT_NONE,
        pool_timeout: Any = DEFAULT_NONE,
        api_kwargs: dict[str, Any] | None = None,
    ) -> tuple[Update, ...]:
        data = {"timeout": timeout, "offset": offset, "limit": limit, "allowed_updates": allowed_updates}
        # As PTB: the long poll's own timeout is added to the read timeout.
        base = (self._polling.read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout) or 0
        poll = timeout.total_seconds() if isinstance(timeout, dt.timedelta) else (timeout or 0)
        result = await self._post(
            "getUpdates",
            data,
            read_timeout=base + poll,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
            api_kwargs=api_kwargs,
        )
        updates = tuple(_read_update(item, self) for item in result or ())
        for update in updates:
            self.insert_callback_data(update)
        return updates


class PerChatOrder(BaseUpdateProcessor):
    """Updates run concurrently, except that each chat's run one at a time, in arrival order.

    PTB starts the updates' tasks in arrival order and asyncio's locks queue their waiters
    first come first served, so one lock per chat keeps the order. A lock lives only while
    some update of its chat is in flight: memory stays flat however many chats write.

    A few at a time is enough to overlap the wait for Telegram's answers; more is slower
    (measured, benchmarks/bench_telegram.py): the bot is CPU-bound, and httpcore's pool scans
    every open connection on each request.
    """

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._in_flight: dict[int, int] = {}  # chat → its updates holding or awaiting the lock

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _order_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._in_flight[key] = self._in_flight.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._in_flight[key] -= 1
            if not self._in_flight[key]:
                del self._in_flight[key], self._locks[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _order_key(update: object) -> int | None:
    """The chat whose order an update belongs to (a user's private chat id is their user id)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


# ------------------------------------------------------------------ small helpers
class RecentQuestions:
    """The last answered question of each chat, for follow-ups; at most ``size`` chats."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._items: OrderedDict[int, str] = OrderedDict()

    def get(self, chat_id: int) -> str | None:
        return self._items.get(chat_id)

    def remember(self, chat_id: int, question: str) -> None:
        self._items[chat_id] = question
        self._items.move_to_end(chat_id)
        if len(self._items) > self._size:
            self._items.popitem(last=False)


def _e(text: object) -> str:
    return html.escape(str(text), quote=False)


def _label(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _button(label: str, callback: Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(_label(label), callback_data=encode(callback))


class _SerialisedOnce:
    """A frozen TelegramObject that works out its JSON form once.

    A cached answer goes out again with the same buttons, and PTB's ``to_dict`` walks every
    attribute anew for each send (for the keyboard, a third of the bot's own CPU per reply beyond
    what an echo bot spends). The object is frozen, so its form cannot change; PTB only
    serialises the dict it gets. Subclasses put it before the TelegramObject and declare the
    ``_json_form`` slot."""

    __slots__ = ()

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        if not recursive:
            return super().to_dict(recursive=False)  # type: ignore[misc]
        form = getattr(self, "_json_form", None)
        if form is None:
            form = super().to_dict(recursive=True)  # type: ignore[misc]
            with self._unfrozen():  # type: ignore[attr-defined]
                self._json_form = form
        return form


class _Keyboard(_SerialisedOnce, InlineKeyboardMarkup):
    """The reply's buttons (see :class:`_SerialisedOnce`)."""

    __slots__ = ("_json_form",)


class _NoPreview(_SerialisedOnce, LinkPreviewOptions):
    """``LinkPreviewOptions(is_disabled=True)``: it goes with every reply."""

    __slots__ = ("_json_form",)


_NO_PREVIEW = _NoPreview(is_disabled=True)


def _markup(rows: Sequence[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    rows = [row for row in rows if row]
    return _Keyboard(rows) if rows else None


def _meta_text(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return str(value)


def _command_argument(text: str) -> str:
    """``/ask@bot  讲师团有多少人`` → ``讲师团有多少人`` (keeps the question's own spacing)."""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) == 2 else ""


def require_token(tg: TelegramConfig) -> str:
    """The bot token, or a ConfigError naming where to put it (never echoing it)."""
    token = tg.token.strip()
    if not token:
        raise ConfigError("telegram.token: no bot token; set TELEGRAM_BOT_TOKEN (or telegram.token in the config)")
    if not _TOKEN_RE.fullmatch(token):
        raise ConfigError(
            "telegram.token: does not look like a bot token (digits, ':', letters); check TELEGRAM_BOT_TOKEN"
        )
    return token


# ------------------------------------------------------------------ the knowledge being served
@dataclass
class _Cached:
    answer: Answer
    reply: tuple[str, InlineKeyboardMarkup | None] | None = None  # rendered when first sent


class Served:
    """One engine and everything the replies derive from it; replaced whole by a reload.

    A handler takes the current one once and uses it to the end, so an update that began on
    the old knowledge finishes on it, and positions, pages and buttons never mix two versions.
    """

    def __init__(self, engine: Engine, *, answer_cache: int = ANSWER_CACHE) -> None:
        self.engine = engine
        self.fingerprint = engine.fingerprint
        self.info = engine.info()
        self.key_figures = engine.key_figures()
        self.positions = {p.id: i for i, p in enumerate(engine.passages)}
        self.section_positions: dict[str, list[int]] = {}
        for i, p in enumerate(engine.passages):
            if p.section and p.kind != "heading":  # a section's button reads its paragraphs
                self.section_positions.setdefault(p.section, []).append(i)
        self._cache_size = answer_cache
        self._cache: OrderedDict[tuple[str, str | None], _Cached] = OrderedDict()
        # question -> whether it follows on: asked twice per message (cached?, then reply)
        self._followups: dict[str, bool] = {}

    def _lookup(self, question: str, previous: str | None) -> _Cached:
        """``engine.ask`` remembered, with its rendered reply: both are pure, people ask the same
        questions, and example buttons send identical ones. Asking is the costly part of a reply."""
        if self._cache_size <= 0 or len(question) > MAX_CACHED_QUESTION:
            return _Cached(self.engine.ask(question, previous))
        key = self._key(question, previous)
        entry = self._cache.get(key)
        if entry is not None:
            self._cache.move_to_end(key)
            return entry
        entry = self._cache[key] = _Cached(self.engine.ask(question, previous))
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return entry

    def _key(self, question: str, previous: str | None) -> tuple[str, str | None]:
        # The previous question changes only a follow-up's answer: other questions share one
        # entry whatever each chat asked before (each chat has its own previous question).
        if previous is not None:
            marked = self._followups.get(question)
            if marked is None:
                if len(self._followups) >= max(self._cache_size, 1):
                    self._followups.clear()
                marked = self._followups[question] = self.engine.is_followup(question)
            if not marked:
                previous = None
        return question, previous

    def cached(self, question: str, previous: str | None = None) -> bool:
        """Whether the answer to this question (after this previous one) is ready already."""
        return self._key(question, previous) in self._cache

    def ask(self, question: str, previous: str | None = None) -> Answer:
        """The engine's answer (see :meth:`_lookup`)."""
        return self._lookup(question, previous).answer

    def reply(self, question: str, previous: str | None = None) -> tuple[Answer, str, InlineKeyboardMarkup | None]:
        """The answer and the reply to send for it: HTML and buttons."""
        entry = self._lookup(question, previous)
        if entry.reply is None:
            entry.reply = self.answer_reply(entry.answer)
        return entry.answer, *entry.reply

    def answer_reply(self, answer: Answer) -> tuple[str, InlineKeyboardMarkup | None]:
        text = render.reply_html(answer, self.info)
        fp = self.fingerprint
        if answer.answered:
            positions = [self.positions[h.passage.id] for h in answer.hits]
            rows = [[_button("更多", More(fp, tuple(positions[1:])))]] if len(positions) > 1 else []
            rows.append(
                [
                    _button("👍 有帮助", Feedback(fp, positions[0], True)),
                    _button("👎 没帮助", Feedback(fp, positions[0], False)),
                ]
            )
            return text, _markup(rows)
        if answer.kind == "question":
            return text, _markup(self.example_rows(MAX_EXAMPLE_BUTTONS) + self.section_rows(MAX_SECTION_BUTTONS))
        if answer.kind == "greeting":
            return text, _markup(self.example_rows(MAX_EXAMPLE_BUTTONS + 1) or self.section_rows(MAX_SECTION_BUTTONS))
        return text, None

    def example_rows(self, limit: int) -> list[list[InlineKeyboardButton]]:
        return [[_button(f"❓ {q}", AskExample(self.fingerprint, n))] for n, q in enumerate(self.info.examples[:limit])]

    def section_rows(self, limit: int) -> list[list[InlineKeyboardButton]]:
        rows = []
        for title in self.info.sections[:limit]:
            positions = self.section_positions.get(title)
            if positions:
                rows.append([_button(f"📖 {title}", More(self.fingerprint, tuple(positions)))])
        return rows

    def for_example(self, template: str) -> str:
        """``template`` filled with the first example question (escaped), or "" without one."""
        return template.format(_e(self.info.examples[0])) if self.info.examples else ""

    def passages_html(self, positions: Sequence[int]) -> str:
        """Passages by position, figures in bold — for presses, when the original Answer is gone.

        The callback data has no room for the question, so the matched words cannot be marked;
        render.answer_html still gives the same layout as the first reply.
        """
        blocks = []
        for i in positions:
            figures = tuple(f for f in self.engine.figures_of(i) if f.kind not in ("date", "year"))
            view = Answer("", True, hits=(Hit(self.engine.passages[i], 0.0),), figures=figures)
            blocks.append(render.answer_html(view, figures=0))
        return "\n\n".join(blocks)

    def figures_page(self, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
        if not self.key_figures:
            return _e(TEXT_NO_FIGURES), None
        pages = math.ceil(len(self.key_figures) / FIGURES_PAGE)
        page = min(max(page, 0), pages - 1)  # the figures may have changed since the button was made
        items = self.key_figures[page * FIGURES_PAGE : (page + 1) * FIGURES_PAGE]
        lines = "\n".join(f"• <b>{_e(f.value)}</b> — {_e(f.context)}" for f in items)
        nav = []
        if page > 0:
            nav.append(_button("◀", FiguresPage(page - 1)))
        if page < pages - 1:
            nav.append(_button("▶", FiguresPage(page + 1)))
        return f"📊 关键数字（第 {page + 1}/{pages} 页）\n\n{lines}", _markup([nav])


# ------------------------------------------------------------------ the bot
class QABot:
    """The handlers and what they share: the engine holder, journal, limits, recent questions."""

    def __init__(
        self,
        tg: TelegramConfig,
        holder: EngineHolder,
        journal: Journal,
        on_fatal: Callable[[str], None],
        *,
        answer_cache: int = ANSWER_CACHE,
    ) -> None:
        self.holder = holder
        self.journal = journal
        self._on_fatal: Callable[[str], None] | None = on_fatal
        self._answer_cache = answer_cache
        self._served = Served(holder.engine, answer_cache=answer_cache)
        self._background: set[asyncio.Task[None]] = set()  # typing indicators in flight
        # Answers are computed off the event loop, one at a time (the engine's memos are not
        # shared between threads), so polling and sending go on while a slow one is computed.
        self._answering = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="qabot-answer")
        self.admins = frozenset(tg.admin_ids)
        self.allowlist = Allowlist(tg.allowed_chat_ids)
        self.limiter = SlidingWindowLimiter(tg.rate_limit.count, tg.rate_limit.per_seconds)
        self.recent = RecentQuestions()
        self.logs_to_file = bool(tg.log_file)
        self.reload_on_sighup = False  # build_application's switch: a signal handler is process-wide

    @property
    def served(self) -> Served:
        """The knowledge in service now; rebuilt views follow the holder's engine."""
        engine = self.holder.engine
        if self._served.engine is not engine:
            self._served = Served(engine, answer_cache=self._answer_cache)
        return self._served

    def register(self, app: Application) -> None:
        """Add the handlers: the guard first (group -1), then one handler per user intent."""
        messages = filters.UpdateType.MESSAGE
        questions = filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE
        media = (
            filters.PHOTO
            | filters.Sticker.ALL
            | filters.VOICE
            | filters.AUDIO
            | filters.VIDEO
            | filters.VIDEO_NOTE
            | filters.ANIMATION
            | filters.Document.ALL
            | filters.LOCATION
            | filters.CONTACT
        )
        app.add_handler(TypeHandler(Update, self.guard), group=-1)
        app.add_handlers(
            [
                CommandHandler("start", self.start, filters=messages),
                CommandHandler("help", self.help_command, filters=messages),
                CommandHandler("about", self.about, filters=messages),
                CommandHandler("sections", self.sections, filters=messages),
                CommandHandler("figures", self.figures, filters=messages),
                CommandHandler("stats", self.stats, filters=messages),
                CommandHandler("reload", self.reload_command, filters=messages),
                CommandHandler("ask", self.ask_command, filters=questions),
                MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE & messages, self.unknown_command),
                MessageHandler(filters.TEXT & ~filters.COMMAND & questions, self.on_text),
                MessageHandler(media & filters.ChatType.PRIVATE & messages, self.on_other_media),
                CallbackQueryHandler(self.on_callback),
                InlineQueryHandler(self.on_inline),
            ]
        )
        app.add_error_handler(self.on_error)

    # ---------------------------------------------------------------- the gate
    async def guard(self, update: Update, context: Context) -> None:
        """Drop what is not for the bot, apply the allowlist and the rate limit.

        Raises ApplicationHandlerStop to keep an update from every handler. It fails closed:
        PTB would pass an update on to the handlers if this raised anything else.
        """
        try:
            admitted = await self._admit(update, context.bot)
        except Exception:
            log.exception("update %s dropped: the guard failed", update.update_id)
            admitted = False
        if not admitted:
            raise ApplicationHandlerStop

    async def _admit(self, update: Update, bot: Bot) -> bool:
        if update.inline_query:
            query = update.inline_query
            # Inline results can be posted anywhere; honour the allowlist by the asking user.
            if access(query.from_user.id, PRIVATE, self.allowlist.chat_ids) is Access.ANSWER:
                return True
            await query.answer([], cache_time=0, is_personal=True)
            return False
        if update.callback_query:
            query = update.callback_query
            chat = query.message.chat if query.message else None
            chat_id, chat_type = (chat.id, chat.type) if chat else (query.from_user.id, PRIVATE)
            if access(chat_id, chat_type, self.allowlist.chat_ids) is not Access.ANSWER:
                await query.answer(TEXT_REFUSED)
                return False
            if self.limiter.check(query.from_user.id) is not Verdict.ALLOW:
                await query.answer(self._rate_text(query.from_user.id))
                return False
            return True
        msg = update.message or update.edited_message
        if msg is None:  # channel posts, member updates, skipped unreadable updates …
            return False
        chat = msg.chat
        if chat.type != PRIVATE and not self._for_bot(msg, bot):
            return False
        decision = self.allowlist.access(chat.id, chat.type)
        if decision is Access.REFUSE:
            await send_html(bot, chat.id, _e(TEXT_REFUSED))
        if decision is not Access.ANSWER:
            return False
        user_id = msg.from_user.id if msg.from_user else chat.id
        verdict = self.limiter.check(user_id)
        if verdict is Verdict.DENY_NOTIFY:
            await send_html(bot, chat.id, _e(self._rate_text(user_id)), reply_to=self._reply_to(update))
        return verdict is Verdict.ALLOW

    def _for_bot(self, msg: Message, bot: Bot) -> bool:
        """In a group: a command for this bot, a mention of it, or a reply to it."""
        if msg.chat.type not in GROUPS or msg.text is None:
            return False
        if msg.entities and msg.entities[0].type == MessageEntity.BOT_COMMAND and msg.entities[0].offset == 0:
            return command_for_bot(msg.text, bot.username)
        return self._question_in(msg, bot) is not None

    @staticmethod
    def _question_in(msg: Message, bot: Bot) -> str | None:
        replied = msg.reply_to_message
        return addressed_question(
            msg.text or "",
            msg.chat.type,
            bot.username,
            mentions=msg.parse_entities([MessageEntity.MENTION]).values(),
            replies_to_bot=bool(replied and replied.from_user and replied.from_user.id == bot.id),
        )

    def _rate_text(self, user_id: int) -> str:
        return TEXT_RATE_LIMITED.format(seconds=max(1, math.ceil(self.limiter.retry_in(user_id))))

    @staticmethod
    def _reply_to(update: Update) -> int | None:
        """Quote the question in groups (many people talk) and for edits (which message?)."""
        msg = update.effective_message
        if update.callback_query or msg is None or (msg.chat.type == PRIVATE and update.edited_message is None):
            return None  # a button press answers no message of the user's
        return msg.message_id

    def _is_admin(self, update: Update) -> bool:
        user = update.effective_user
        return user is not None and user.id in self.admins

    # ---------------------------------------------------------------- commands
    async def start(self, update: Update, context: Context) -> None:
        """/start: what the bot knows, with example questions (or sections) as buttons."""
        served = self.served
        titles = "、".join(f"《{_e(t)}》" for t in served.info.titles)
        text = (
            f"您好！我根据{titles}回答问题。\n"
            "直接把问题发给我，我会给出文章里最相关的段落，关键数字加粗。\n"
            "发送 /help 查看全部用法。"
        )
        markup = _markup(served.example_rows(MAX_EXAMPLE_BUTTONS + 1) or served.section_rows(MAX_OUTLINE_BUTTONS))
        await self._reply(update, context, text, markup)

    async def help_command(self, update: Update, context: Context) -> None:
        """/help: how to ask, and the commands (admins also see theirs)."""
        me = _e(context.bot.username)
        listed = COMMANDS + (ADMIN_COMMANDS if self._is_admin(update) else ())
        commands = "\n".join(f"/{name} — {_e(desc)}" for name, desc in listed)
        text = (
            "<b>怎么提问</b>\n"
            f"• 私聊：直接发送问题{self.served.for_example('，例如“{}”')}，可以接着问“那……呢？”\n"
            f"• 群聊：用 /ask 问题，或 @{me} 问题，或回复我的消息\n"
            f"• 任意聊天：输入 @{me} 问题，从弹出的段落中选一段发送\n"
            "• 回答下方：「更多」看其他相关段落，👍/👎 告诉我答得好不好\n\n"
            f"<b>命令</b>\n{commands}"
        )
        await self._reply(update, context, text)

    async def about(self, update: Update, context: Context) -> None:
        """/about: where the knowledge comes from (title, paper, author, intern …)."""
        labels = (("source", "来源"), ("author", "记者"), ("intern", "实习生"), ("photographers", "摄影"))
        blocks = []
        for doc in self.served.engine.documents:
            lines = [f"<b>《{_e(doc.title)}》</b>"]
            lines += [f"{label}：{_e(_meta_text(doc.meta[key]))}" for key, label in labels if doc.meta.get(key)]
            blocks.append("\n".join(lines))
        blocks.append("我只根据上面的文章回答，不联网，也不编造文章里没有的内容。")
        await self._reply(update, context, "\n\n".join(blocks))

    async def sections(self, update: Update, context: Context) -> None:
        """/sections: the outline of every document; a button per section shows its passages."""
        served = self.served
        blocks = []
        for doc in served.engine.documents:
            lines = [f"<b>《{_e(doc.title)}》</b>"]
            for s in doc.sections:
                lines.append(f"• {_e(s.title)}" + (f" — {_e(s.subtitle)}" if s.subtitle else ""))
            blocks.append("\n".join(lines))
        text = "📑 文章目录\n\n" + "\n\n".join(blocks)
        await self._reply(update, context, text, _markup(served.section_rows(MAX_OUTLINE_BUTTONS)))

    async def figures(self, update: Update, context: Context) -> None:
        """/figures: the key figures, a page at a time with ◀ ▶ buttons."""
        text, markup = self.served.figures_page(0)
        await self._reply(update, context, text, markup)

    async def stats(self, update: Update, context: Context) -> None:
        """/stats (admins only): questions, unanswered questions and feedback counts."""
        if not self._is_admin(update):
            await self._reply(update, context, _e(TEXT_NOT_ADMIN))
            return
        s = self.journal.stats
        scope = "日志文件中" if self.logs_to_file else "本次运行以来"
        text = (
            f"📈 统计（{scope}）\n"
            f"问题：{s.questions}（没找到答案：{s.unanswered}）\n"
            f"反馈：👍 {s.helpful} · 👎 {s.unhelpful}"
        )
        await self._reply(update, context, text)

    async def reload_command(self, update: Update, context: Context) -> None:
        """/reload (admins only): rebuild the index from the knowledge folder and swap it in."""
        if not self._is_admin(update):
            await self._reply(update, context, _e(TEXT_NOT_ADMIN))
            return
        user = update.effective_user
        await self._reply(
            update, context, _e(await self.reload_knowledge(f"/reload by admin {user.id if user else '?'}"))
        )

    async def reload_knowledge(self, by: str) -> str:
        """Rebuild aside (in a thread: serving goes on meanwhile) and swap; the outcome, in Chinese.

        A broken file keeps the old index serving; the error names the file. EngineHolder logs
        the outcome; the line here says who asked.
        """
        log.info("reloading the knowledge (%s)", by)
        old = self.holder.engine
        try:
            swapped, message = await asyncio.to_thread(self.holder.reload)
        except Exception as exc:  # not a BotError: a bug or the machine; keep serving, say why
            log.exception("reload failed, still serving the previous knowledge")
            swapped, message = False, f"{type(exc).__name__}: {exc}"
        if not swapped:
            return TEXT_RELOAD_FAILED.format(error=message)
        new = self.holder.engine
        return TEXT_RELOADED.format(
            documents=len(new.documents),
            passages=new.paragraph_count,
            old_documents=len(old.documents),
            old_passages=old.paragraph_count,
        )

    async def ask_command(self, update: Update, context: Context) -> None:
        """/ask 问题: the way to ask in a group without mentioning the bot."""
        msg = update.effective_message
        assert msg is not None  # a CommandHandler only sees messages
        question = _command_argument(msg.text or "")
        if not question:
            await self._reply(update, context, "用法：/ask 问题" + self.served.for_example("，例如：/ask {}"))
            return
        await self._answer(update, context, question)

    async def unknown_command(self, update: Update, context: Context) -> None:
        """A /command the bot does not have (private chats only)."""
        await self._reply(update, context, _e(TEXT_UNKNOWN_COMMAND))

    # ---------------------------------------------------------------- messages
    async def on_text(self, update: Update, context: Context) -> None:
        """Any text in a private chat, or a text meant for the bot in a group, is a question.

        Edited messages are answered again, as a new reply quoting the edited message: people
        edit to fix a typo in the question, and the first answer was to the wrong question.
        (Editing our earlier reply instead would need the message ids kept across restarts.)
        """
        msg = update.effective_message
        assert msg is not None
        question = self._question_in(msg, context.bot)
        if question is not None:
            await self._answer(update, context, question)

    async def on_other_media(self, update: Update, context: Context) -> None:
        """Photos, stickers, voice, files, locations …: say that only text is understood."""
        await self._reply(update, context, _e(TEXT_MEDIA))

    # ---------------------------------------------------------------- buttons
    async def on_callback(self, update: Update, context: Context) -> None:
        """Button presses: 「更多」, 👍/👎, example questions, /figures pages."""
        query = update.callback_query
        assert query is not None
        served = self.served
        callback = decode(query.data or "")
        if callback is None or query.message is None:
            await query.answer(TEXT_BAD_BUTTON)
        elif isinstance(callback, FiguresPage):
            await query.answer()
            text, markup = served.figures_page(callback.page)
            try:
                await deliver(
                    functools.partial(query.edit_message_text, text, parse_mode=ParseMode.HTML, reply_markup=markup)
                )
            except BadRequest as exc:  # "message is not modified" after a double press
                log.debug("figures page not edited: %s", exc)
        elif callback.fingerprint != served.fingerprint:
            await query.answer(TEXT_STALE, show_alert=True)
        elif isinstance(callback, More):
            await self._show_more(served, query, context, callback)
        elif isinstance(callback, Feedback):
            await self._record_feedback(served, query, callback)
        elif isinstance(callback, AskExample):
            examples = served.info.examples
            if callback.number >= len(examples):
                await query.answer(TEXT_BAD_BUTTON)
                return
            await query.answer()
            await self._answer(update, context, examples[callback.number], echo=True, served=served)

    async def _show_more(self, served: Served, query: CallbackQuery, context: Context, callback: More) -> None:
        # Presses carry positions from the client: ignore any that do not exist.
        positions = [i for i in callback.indexes if i < len(served.engine.passages)]
        if not positions or query.message is None:
            await query.answer(TEXT_BAD_BUTTON)
            return
        await query.answer()
        shown, rest = positions[:MORE_PAGE], positions[MORE_PAGE:]
        markup = _markup([[_button("更多", More(served.fingerprint, tuple(rest)))]] if rest else [])
        await send_html(context.bot, query.message.chat.id, served.passages_html(shown), reply_markup=markup)
        await self._drop_buttons(query, "m:")  # the old 「更多」 has done its job

    async def _record_feedback(self, served: Served, query: CallbackQuery, callback: Feedback) -> None:
        if callback.index >= len(served.engine.passages) or query.message is None:
            await query.answer(TEXT_BAD_BUTTON)
            return
        passage = served.engine.passages[callback.index]
        self.journal.feedback(query.message.chat.id, query.from_user.id, passage.id, helpful=callback.helpful)
        await query.answer(TEXT_THANKS)
        await self._drop_buttons(query, "f:")  # one vote per answer

    @staticmethod
    async def _drop_buttons(query: CallbackQuery, prefix: str) -> None:
        """Remove the buttons whose callback data starts with ``prefix`` from the pressed message."""
        msg = query.message
        markup = msg.reply_markup if isinstance(msg, Message) else None
        if markup is None:
            return
        rows = [
            [b for b in row if not (isinstance(b.callback_data, str) and b.callback_data.startswith(prefix))]
            for row in markup.inline_keyboard
        ]
        try:
            await deliver(functools.partial(query.edit_message_reply_markup, _markup(rows)))
        except TelegramError as exc:  # cosmetic: the press itself has been handled
            log.debug("buttons not updated: %s", exc)

    # ---------------------------------------------------------------- inline mode
    async def on_inline(self, update: Update, context: Context) -> None:
        """``@bot 问题``: the best passages as articles; an empty query offers the key figures."""
        query = update.inline_query
        assert query is not None
        served = self.served
        text = query.query.strip()
        results: list[InlineQueryResultArticle] = []
        if not text:
            for n, f in enumerate(served.key_figures[:MAX_INLINE_RESULTS]):
                content = InputTextMessageContent(f"<b>{_e(f.value)}</b> — {_e(f.context)}", parse_mode=ParseMode.HTML)
                results.append(InlineQueryResultArticle(f"g{n}", f.value, content, description=f.context))
        else:
            # In the answering thread, like every computed answer: one thread uses the engine.
            answer = await asyncio.get_running_loop().run_in_executor(self._answering, served.ask, text)
            for n, hit in enumerate(answer.hits if answer.answered else ()):
                body = render.split_message(render.answer_html(answer, start=n, count=1))[0]
                content = InputTextMessageContent(body, parse_mode=ParseMode.HTML)
                title = render.location(hit)
                results.append(InlineQueryResultArticle(f"p{n}", title, content, description=hit.passage.text[:80]))
        await query.answer(results, cache_time=INLINE_CACHE_SECONDS)

    # ---------------------------------------------------------------- answering
    async def _answer(
        self, update: Update, context: Context, question: str, *, echo: bool = False, served: Served | None = None
    ) -> None:
        """Ask the engine (with the chat's previous question) and send the reply.

        A cached answer is sent at once. Otherwise the answer is computed in the answering
        thread, and a typing indicator goes out (without waiting for it) only if that takes more
        than ``TYPING_AFTER`` seconds: for a fast answer it would arrive after the reply.
        """
        chat, user = update.effective_chat, update.effective_user
        assert chat is not None
        served = served or self.served
        previous = self.recent.get(chat.id)
        if served.cached(question, previous):
            answer, text, markup = served.reply(question, previous)
        else:
            pending = asyncio.get_running_loop().run_in_executor(self._answering, served.reply, question, previous)
            try:
                answer, text, markup = await asyncio.wait_for(asyncio.shield(pending), TYPING_AFTER)
            except asyncio.TimeoutError:
                self._typing(context, chat.id)
                answer, text, markup = await pending
        if answer.answered:
            self.recent.remember(chat.id, answer.effective_question or question)
        top = answer.hits[0].passage.id if answer.hits else None
        self.journal.question(
            chat.id, user.id if user else None, question, kind=answer.kind, answered=answer.answered, passage_id=top
        )
        log.info("chat %s: %s question, answered=%s, passage=%s", chat.id, answer.kind, answer.answered, top)
        if echo:  # asked by a button: say which question this answers
            text = f"❓ <b>{_e(question)}</b>\n\n{text}"
        await send_html(context.bot, chat.id, text, reply_markup=markup, reply_to=self._reply_to(update))

    def _typing(self, context: Context, chat_id: int) -> None:
        """Send "typing…" in the background; a failure here must never cost the answer."""

        async def send() -> None:
            try:
                await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
            except TelegramError as exc:
                log.debug("typing indicator for chat %s failed: %s", chat_id, exc)

        task = asyncio.get_running_loop().create_task(send())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _reply(
        self, update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> None:
        chat = update.effective_chat
        assert chat is not None
        await send_html(context.bot, chat.id, text, reply_markup=markup, reply_to=self._reply_to(update))

    # ---------------------------------------------------------------- life cycle
    async def post_init(self, app: Application) -> None:
        """Register the command menus (Chinese descriptions) before polling starts.

        Everyone gets COMMANDS; each admin's private chat also lists the admin commands.
        Telegram refuses a chat scope for someone who has never opened a chat with the bot:
        that admin simply sees the common menu.
        """
        try:
            await app.bot.set_my_commands([BotCommand(name, desc) for name, desc in COMMANDS])
        except TelegramError as exc:  # the bot works without a menu
            log.warning("command menu not registered: %s", exc)
        admin_menu = [BotCommand(name, desc) for name, desc in COMMANDS + ADMIN_COMMANDS]
        for admin in sorted(self.admins):
            try:
                await app.bot.set_my_commands(admin_menu, scope=BotCommandScopeChat(admin))
            except TelegramError as exc:
                log.warning("admin command menu not registered for %s: %s", admin, exc)
        if self.reload_on_sighup and hasattr(signal, "SIGHUP"):
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGHUP, lambda: app.create_task(self.reload_knowledge("SIGHUP")))

    async def post_shutdown(self, app: Application) -> None:
        if self.reload_on_sighup and hasattr(signal, "SIGHUP"):
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        self._answering.shutdown(wait=True)
        self.journal.close()

    def fatal(self, reason: str) -> None:
        """Telegram rejected the token: report it once (shutdown's last calls fail the same way)."""
        on_fatal, self._on_fatal = self._on_fatal, None
        if on_fatal:
            on_fatal(reason)

    async def on_error(self, update: object, context: Context) -> None:
        """Log a failed update (the filter redacts the token); apologise for our own bugs."""
        err = context.error
        if isinstance(err, InvalidToken):  # e.g. revoked while running in webhook mode
            self.fatal(f"a reply failed: {err}")
            return
        if update is None and isinstance(err, TelegramError):
            # Fetching updates failed (5xx, refused, a reply without updates …); PTB backs off.
            log.warning("getUpdates failed (%s); retrying with back-off", err)
            return
        update_id = update.update_id if isinstance(update, Update) else None
        if isinstance(err, Forbidden):  # the user blocked the bot, or it was removed from a group
            log.info("update %s: cannot reply (%s)", update_id, err)
            return
        log.error("update %s failed: %s", update_id, err, exc_info=err)
        if isinstance(err, TelegramError) or not isinstance(update, Update) or update.effective_chat is None:
            return
        with contextlib.suppress(TelegramError):  # nothing more to do for this update
            await send_html(context.bot, update.effective_chat.id, _e(TEXT_ERROR))


# ------------------------------------------------------------------ building and running
def _log_rejected(reason: str) -> None:
    log.error("Telegram rejected the bot token (%s): it is wrong or was revoked", reason)


def build_application(
    cfg: Config,
    engine: Engine | EngineHolder,
    *,
    on_fatal: Callable[[str], None] | None = None,
    answer_cache: int = ANSWER_CACHE,
    concurrent_updates: int = MAX_CONCURRENT_UPDATES,
    reload_on_sighup: bool = False,
) -> Application:
    """The Application with every handler registered; nothing is sent until it is started.

    ``engine`` is served as it is, or through a holder that ``/reload`` rebuilds. ``on_fatal(reason)``
    is called once when Telegram rejects the token while running (on getUpdates or on a reply);
    :func:`run_telegram` stops on it, the default only logs. ``answer_cache`` answers are
    remembered per engine (0: none); ``concurrent_updates`` updates of different chats are
    handled at once. ``reload_on_sighup`` is for a process that owns its signals.
    """
    # Opt in to PTB's coming time periods (timedelta): without it every 429 warns (PTB ≥ 22.2).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    tg = cfg.telegram
    register_secret(tg.token)  # wherever the app is built, its logs never show the token
    holder = engine if isinstance(engine, EngineHolder) else EngineHolder(cfg, engine)
    qabot = QABot(tg, holder, Journal(tg.log_file), on_fatal or _log_rejected, answer_cache=answer_cache)
    qabot.reload_on_sighup = reload_on_sighup
    polling = _PollingRequest(lambda status: qabot.fatal(f"getUpdates answered HTTP {status}"))
    urls = {k: v for k, v in (("base_url", tg.base_url), ("base_file_url", tg.base_file_url)) if v}
    bot = _ScreeningBot(tg.token, request=_JSONRequest(), polling=polling, **urls)
    builder = ApplicationBuilder().bot(bot).concurrent_updates(PerChatOrder(concurrent_updates))
    app = builder.post_init(qabot.post_init).post_shutdown(qabot.post_shutdown).build()
    qabot.register(app)
    return app


async def connect(
    app: Application,
    stop: asyncio.Event,
    *,
    give_up_after: float = STARTUP_GIVE_UP,
    first_wait: float = STARTUP_FIRST_WAIT,
    max_wait: float = STARTUP_MAX_WAIT,
) -> bool:
    """Initialise ``app`` (getMe), waiting for Telegram while it cannot be reached.

    Network errors and 5xx are retried with back-off (``first_wait`` doubling up to
    ``max_wait``), a 429 after the wait Telegram asks for; each failure is one log line.
    Returns False if ``stop`` is set first. Raises the last error after ``give_up_after``
    seconds, and at once what retrying cannot mend (InvalidToken, other refusals).
    """
    deadline = time.monotonic() + give_up_after
    wait = first_wait
    try:
        while True:
            try:
                await app.initialize()
                return True
            except RetryAfter as exc:
                delay, reason = retry_after_seconds(exc), "flood control"
                error: TelegramError = exc
            except InvalidToken:
                raise
            except NetworkError as exc:  # refused, dropped, 5xx, timed out
                delay, reason, error = wait, str(exc), exc
                wait = min(wait * 2, max_wait)
            left = deadline - time.monotonic()
            if left <= 0:
                raise error
            delay = min(delay, left)
            log.warning("Telegram cannot be reached at start-up (%s); retrying in %.1f s", reason, delay)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            if stop.is_set():
                await _abandon(app)
                return False
    except BaseException:
        await _abandon(app)
        raise


async def _abandon(app: Application) -> None:
    """Close what a failed start opened: initialize's connections (Application.shutdown skips
    an app that never got through initialize) and the journal."""
    await app.bot.shutdown()
    if app.post_shutdown:
        await app.post_shutdown(app)


@contextlib.asynccontextmanager
async def serving(
    app: Application,
    *,
    webhook: WebhookConfig | None = None,
    secret_token: str = "",
    poll_timeout: float = POLL_TIMEOUT,
    bootstrap_retries: int = 3,
) -> AsyncIterator[Application]:
    """Serve a connected ``app`` for the body of the ``with``; then stop it cleanly.

    What ``run_polling``/``run_webhook`` do around their own event loop: post_init, fetch
    updates (errors go to the error handler, as there), start; at the end stop fetching — the
    last getUpdates confirms every update fetched — then answer what was fetched, then shut down.
    """
    try:
        if app.post_init:
            await app.post_init(app)
        assert app.updater is not None
        if webhook is not None and webhook.url:
            await app.updater.start_webhook(
                listen=webhook.listen,
                port=webhook.port,
                url_path=webhook.path or "telegram",
                webhook_url=webhook.url,
                secret_token=secret_token or None,
                allowed_updates=Update.ALL_TYPES,
                bootstrap_retries=bootstrap_retries,
            )
        else:
            await app.updater.start_polling(
                timeout=poll_timeout,
                allowed_updates=Update.ALL_TYPES,
                bootstrap_retries=bootstrap_retries,
                error_callback=lambda exc: app.create_task(app.process_error(update=None, error=exc)),
            )
        await app.start()
        yield app
    finally:
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
            if app.post_stop:
                await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


def run_telegram(cfg: Config, *, give_up_after: float | None = None) -> int:
    """Run the bot until SIGTERM/SIGINT (exit 0) or until Telegram rejects the token (exit 3).

    Telegram unreachable at start-up is waited for, up to ``give_up_after`` seconds (default
    :data:`STARTUP_GIVE_UP`), then exit 1. SIGHUP reloads the knowledge.
    """
    tg = cfg.telegram
    token = require_token(tg)
    register_secret(token)
    webhook = tg.webhook
    if webhook.url and importlib.util.find_spec("tornado") is None:
        raise ConfigError(
            "telegram.webhook.url is set, but webhook mode needs the extra: pip install 'qabot[webhooks]'"
        )
    # Without a configured secret, make one: Telegram echoes it, so forged posts are refused.
    secret_token = webhook.secret_token or (secrets.token_urlsafe(32) if webhook.url else "")
    register_secret(secret_token)
    holder = EngineHolder(cfg)  # the slow part, before anything is fetched
    wait = give_up_after if give_up_after is not None else STARTUP_GIVE_UP
    return asyncio.run(_serve(cfg, holder, secret_token, wait))


async def _serve(cfg: Config, holder: EngineHolder, secret_token: str, give_up_after: float) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    rejected: list[str] = []

    def fatal(reason: str) -> None:
        rejected.append(reason)
        stop.set()

    app = build_application(cfg, holder, on_fatal=fatal, reload_on_sighup=True)
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    webhook = cfg.telegram.webhook
    try:
        if not await connect(app, stop, give_up_after=give_up_after):
            log.info("stopped while waiting for Telegram")
            return EXIT_OK
        if webhook.url:
            log.info("webhook on %s:%d, Telegram posts to %s", webhook.listen, webhook.port, webhook.url)
        else:
            log.info("polling for updates")
        async with serving(app, webhook=webhook, secret_token=secret_token):
            await stop.wait()
    except InvalidToken:  # at start-up (getMe, setWebhook); str(exc) would quote the token
        rejected.append("at start-up")
    except (TelegramError, OSError) as exc:  # OSError: the webhook port is taken
        log.error("cannot start the Telegram bot: %s", exc)
        return EXIT_FAILED
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    if rejected:
        log.error("Telegram rejected the bot token (%s): it is wrong or was revoked; stopping", rejected[0])
        return EXIT_TOKEN_REJECTED
    return EXIT_OK
