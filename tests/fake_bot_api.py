"""A fake Telegram Bot API server for the tests: stdlib only, on 127.0.0.1, a free port.

Point PTB at it with ``base_url = api.base_url``. It implements the methods the bot uses,
keeps a queue of updates for ``getUpdates`` (offset semantics, a long poll that returns as soon
as an update is pushed), records every request, and is strict where Telegram is strict: HTML
must use Telegram's tags, balanced, with ``<``, ``>`` and ``&`` escaped; texts are 1–4096
characters; callback data 1–64 bytes. A violation gets Telegram's 400 *and* lands in
``api.errors``, so a test can assert that nothing was rejected.

Faults for the delivery and reliability tests: ``api.fail("sendMessage", status=429, retry_after=1)``
makes the next call fail (``status=200`` answers ``{"ok": false}`` with HTTP 200, as a broken
proxy might); ``api.drop("sendMessage")`` closes the connection without an answer;
``api.delay("sendMessage", 0.2)`` answers late; ``times=None`` makes every call fail.
``FakeBotAPI(listen_port=…)`` listens on a given port (to start it after the bot, as an outage
ends). :class:`FakeBotAPIProcess` runs one in a child process, so that its work and memory do
not count against the bot's (load tests, benchmarks/bench_telegram.py).
It speaks HTTP/1.1 with keep-alive, as Telegram does: a new connection per request would make
the fake, not the bot, what a throughput figure measures.
"""

from __future__ import annotations

import asyncio
import html.parser
import itertools
import json
import multiprocessing
import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import Self

TOKEN = "123456789:AAFakeTokenForTestsOnly-abcdefghijkl"  # shaped like a real one
USER = 1001  # the default user; their private chat has the same id
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
BOT_ID = 123456789
BOT_USERNAME = "qa_test_bot"
MAX_POLL_WAIT = 1.0  # cap on a long poll, so shutting down never waits long
TEXT_LIMIT = 4096

# Tags Telegram accepts in parse_mode HTML (https://core.telegram.org/bots/api#html-style).
ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "code", "pre", "blockquote", "tg-emoji",
}  # fmt: skip
_ENTITY_RE = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
_TAG_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?>")
# Parameters that are strings on the wire; everything else PTB sends JSON-encoded.
_STRING_PARAMS = {
    "text", "parse_mode", "callback_query_id", "inline_query_id", "action", "url",
    "secret_token", "next_offset", "language_code", "query", "caption", "description",
}  # fmt: skip


class APIError(Exception):
    """A Bot API error answer: HTTP status, description, optional parameters."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class Sent:
    """A message the bot sent: the request's parameters and the Message returned to it."""

    params: dict[str, Any]
    message: dict[str, Any]

    @property
    def html(self) -> str:
        return self.params["text"]

    @property
    def chat_id(self) -> int:
        return self.message["chat"]["id"]

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data) of every button, row by row."""
        rows = (self.params.get("reply_markup") or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]

    def data(self, label_prefix: str) -> str:
        """The callback data of the button whose label starts with ``label_prefix``."""
        found = [d for label, d in self.buttons if label.startswith(label_prefix)]
        assert len(found) == 1, f"{len(found)} buttons start with {label_prefix!r}: {self.buttons}"
        return found[0]


@dataclass
class _Fault:
    method: str
    status: int  # 0: drop the connection without answering
    times: int | None  # None = forever
    description: str
    parameters: dict[str, Any] | None = None


class _Dropped(Exception):
    """Close the connection without answering (the request never reached the API)."""


class _HTMLChecker(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise APIError(400, f'Bad Request: can\'t parse entities: unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise APIError(400, f'Bad Request: can\'t parse entities: unexpected end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check_html(text: str) -> str:
    """The plain text of Telegram HTML, or APIError(400) where Telegram would refuse it."""
    # Every <, > and & must be part of a tag or an entity (Telegram's rule).
    stripped = _ENTITY_RE.sub("", _TAG_RE.sub("", text))
    for ch in "<>&":
        if ch in stripped:
            raise APIError(400, f"Bad Request: can't parse entities: unescaped {ch!r}")
    checker = _HTMLChecker()
    checker.feed(text)
    checker.close()
    if checker.stack:
        raise APIError(400, f'Bad Request: can\'t parse entities: unclosed tag "{checker.stack[-1]}"')
    return "".join(checker.text)


def check_text(text: Any, parse_mode: Any) -> str:
    """Telegram's checks on a message text; returns the text as users see it."""
    if not isinstance(text, str):
        raise APIError(400, "Bad Request: message text is empty")
    plain = check_html(text) if parse_mode == "HTML" else text
    if not plain.strip():
        raise APIError(400, "Bad Request: message text is empty")
    if len(plain.encode("utf-16-le")) // 2 > TEXT_LIMIT:  # Telegram counts UTF-16 code units
        raise APIError(400, "Bad Request: message is too long")
    return plain


def check_markup(markup: Any) -> None:
    """Inline keyboards: every button has text and 1–64 bytes of callback data (or a URL)."""
    if markup is None:
        return
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list):
        raise APIError(400, "Bad Request: reply markup is not an inline keyboard")
    for row in rows:
        for button in row:
            if not button.get("text"):
                raise APIError(400, "Bad Request: button text is empty")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise APIError(400, "Bad Request: BUTTON_DATA_INVALID")


@dataclass
class FakeBotAPI:
    """The server. Use as a context manager, or call start() / stop()."""

    token: str = TOKEN
    bot_id: int = BOT_ID
    username: str = BOT_USERNAME
    calls: list[Call] = field(default_factory=list)
    outbox: list[Sent] = field(default_factory=list)  # messages sent successfully, in order
    errors: list[tuple[str, str]] = field(default_factory=list)  # (method, description) refused
    webhook: dict[str, Any] | None = None
    commands: list[dict[str, Any]] = field(default_factory=list)  # the default menu
    scoped_commands: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # chat id → its menu
    listen_port: int = 0  # 0: any free port

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._updates: list[dict[str, Any]] = []
        self._faults: list[_Fault] = []
        self._delays: dict[str, float] = {}
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._chats: dict[int, dict[str, Any]] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._open_queries: set[str] = set()
        self._server: ThreadingHTTPServer | None = None
        self._stopping = False

    # ------------------------------------------------------------ life cycle
    def start(self) -> Self:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Telegram: no new connection per request
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK wait

            def do_POST(self) -> None:
                api._handle(self)

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        self._server = ThreadingHTTPServer(("127.0.0.1", self.listen_port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.01,), name="fake-bot-api", daemon=True).start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ------------------------------------------------------------ faults
    def fail(
        self,
        method: str,
        *,
        status: int,
        times: int | None = 1,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (None: all of them) fail with ``status``."""
        params = {"retry_after": retry_after} if retry_after is not None else None
        text = description or {
            200: "Internal error: try again",
            401: "Unauthorized",
            429: f"Too Many Requests: retry after {retry_after}",
        }.get(status, HTTPStatus(status).phrase)
        with self._cond:
            self._faults.append(_Fault(method, status, times, text, params))

    def drop(self, method: str, *, times: int | None = 1) -> None:
        """Close the connection of the next ``times`` calls of ``method`` without answering."""
        with self._cond:
            self._faults.append(_Fault(method, 0, times, "dropped"))

    def delay(self, method: str, seconds: float) -> None:
        """Answer every later call of ``method`` only after ``seconds`` (0: at once again)."""
        with self._cond:
            self._delays[method] = seconds

    def heal(self) -> None:
        """Forget every fault and delay still pending."""
        with self._cond:
            self._faults.clear()
            self._delays.clear()

    # ------------------------------------------------------------ pushing updates
    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update (its update_id is assigned here)."""
        with self._cond:
            update = {"update_id": next(self._ids), **update}
            self._updates.append(update)
            self._cond.notify_all()
        return update

    def user(self, user_id: int, name: str = "Tester") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "zh-hans"}

    def chat(self, chat_id: int, chat_type: str = "private") -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = "Tester"
        else:
            chat["title"] = "Test group"
        self._chats[chat_id] = chat
        return chat

    def bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "QA Bot", "username": self.username}

    def message(
        self,
        text: str | None = None,
        *,
        chat_id: int = USER,
        user_id: int | None = None,
        chat_type: str = "private",
        entities: list[dict[str, Any]] | None = None,
        reply_to: dict[str, Any] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """A user's message (not queued)."""
        msg: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id, chat_type),
            "from": self.user(user_id if user_id is not None else chat_id),
            **extra,
        }
        if text is not None:
            msg["text"] = text
        if entities:
            msg["entities"] = entities
        if reply_to is not None:
            msg["reply_to_message"] = reply_to
        return msg

    def push_text(self, text: str, **kwargs: Any) -> dict[str, Any]:
        """Queue a text message; returns the message. @mentions of the bot get their entity."""
        entities = kwargs.pop("entities", None) or _mention_entities(text)
        msg = self.message(text, entities=entities, **kwargs)
        self.push_update({"message": msg})
        return msg

    def push_command(self, command: str, args: str = "", **kwargs: Any) -> dict[str, Any]:
        """Queue ``/command args`` with its bot_command entity (PTB needs it)."""
        head = command if command.startswith("/") else f"/{command}"
        text = f"{head} {args}".strip()
        entities = [{"type": "bot_command", "offset": 0, "length": _utf16_len(head)}]
        msg = self.message(text, entities=entities, **kwargs)
        self.push_update({"message": msg})
        return msg

    def push_edited(self, original: dict[str, Any], text: str) -> dict[str, Any]:
        """Queue an edit of a message pushed earlier."""
        msg = {**original, "text": text, "edit_date": int(time.time())}
        entities = _mention_entities(text)
        msg.pop("entities", None)
        if entities:
            msg["entities"] = entities
        self.push_update({"edited_message": msg})
        return msg

    def push_media(self, kind: str, *, chat_id: int = USER, user_id: int | None = None) -> dict[str, Any]:
        """Queue a sticker, photo, voice, document or location message."""
        media: dict[str, Any] = {
            "sticker": {"file_id": "S1", "file_unique_id": "s1", "width": 512, "height": 512,
                        "is_animated": False, "is_video": False, "type": "regular"},
            "photo": [{"file_id": "P1", "file_unique_id": "p1", "width": 90, "height": 90}],
            "voice": {"file_id": "V1", "file_unique_id": "v1", "duration": 2},
            "document": {"file_id": "D1", "file_unique_id": "d1", "file_name": "a.pdf"},
            "location": {"latitude": 22.58, "longitude": 113.08},
        }  # fmt: skip
        msg = self.message(None, chat_id=chat_id, user_id=user_id, **{kind: media[kind]})
        self.push_update({"message": msg})
        return msg

    def push_callback(self, message: dict[str, Any], data: str, *, user_id: int | None = None) -> str:
        """Queue a press of a button with ``data`` under ``message`` (one the bot sent)."""
        query_id = f"cq{next(self._ids)}"
        with self._cond:
            self._open_queries.add(query_id)
        uid = user_id if user_id is not None else message["chat"]["id"]
        current = self._messages.get((message["chat"]["id"], message["message_id"]), message)
        query = {"id": query_id, "from": self.user(uid), "message": current, "chat_instance": "ci1", "data": data}
        self.push_update({"callback_query": query})
        return query_id

    def push_inline(self, query: str, *, user_id: int = USER) -> str:
        """Queue an inline query ``@bot query``."""
        query_id = f"iq{next(self._ids)}"
        with self._cond:
            self._open_queries.add(query_id)
        self.push_update({"inline_query": {"id": query_id, "from": self.user(user_id), "query": query, "offset": ""}})
        return query_id

    # ------------------------------------------------------------ observing
    @property
    def pending(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by a getUpdates offset."""
        with self._cond:
            return list(self._updates)

    def requests(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every call of ``method`` so far."""
        with self._cond:
            return [c.params for c in self.calls if c.method == method]

    def wait_for_sync(self, method: str, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Block until ``method`` was called ``count`` times in all; return those calls."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c.params for c in self.calls if c.method == method]
                if len(found) >= count:
                    return found[:count]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"{method}: {len(found)} of {count} calls after {timeout} s; errors={self.errors}"
                    )
                self._cond.wait(left)

    async def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """:meth:`wait_for_sync` without blocking the event loop the bot runs in."""
        return await asyncio.to_thread(self.wait_for_sync, method, count, timeout)

    def wait_sent_sync(self, count: int, timeout: float = 10.0) -> list[Sent]:
        """Block until the bot has sent ``count`` messages in all; return them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.outbox) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"{len(self.outbox)} of {count} messages after {timeout} s; errors={self.errors}"
                    )
                self._cond.wait(left)
            return self.outbox[:count]

    def sent_at(self, count: int, timeout: float = 10.0) -> float:
        """``time.monotonic()`` once the bot has sent ``count`` messages (a clock shared by processes)."""
        self.wait_sent_sync(count, timeout)
        return time.monotonic()

    @staticmethod
    def cpu_seconds() -> float:
        """CPU time of the process serving the fake."""
        return time.process_time()

    async def wait_sent(self, count: int, timeout: float = 10.0) -> list[Sent]:
        """:meth:`wait_sent_sync` without blocking the event loop the bot runs in."""
        return await asyncio.to_thread(self.wait_sent_sync, count, timeout)

    async def wait_answered(self, query_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """The answerCallbackQuery / answerInlineQuery call for ``query_id``, once it came."""

        def answered() -> dict[str, Any]:
            deadline = time.monotonic() + timeout
            with self._cond:
                while True:
                    for c in self.calls:
                        if query_id in (c.params.get("callback_query_id"), c.params.get("inline_query_id")):
                            return c.params
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError(f"query {query_id} not answered after {timeout} s; errors={self.errors}")
                    self._cond.wait(left)

        return await asyncio.to_thread(answered)

    # ------------------------------------------------------------ the HTTP side
    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        path = urllib.parse.urlparse(req.path).path
        m = re.fullmatch(r"/bot([^/]+)/(\w+)", path)
        length = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(length) if length else b""
        if not m:
            return self._respond(req, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
        token, method = m.groups()
        params = _decode_params(body, req.headers.get("Content-Type", ""))
        with self._cond:
            self.calls.append(Call(method, params))
            self._cond.notify_all()
        try:
            if token != self.token:
                raise APIError(401, "Unauthorized")
            self._inject_fault(method)
            with self._cond:
                delay = self._delays.get(method, 0.0)
            if delay:
                time.sleep(delay)
            result = self._dispatch(method, params)
        except _Dropped:
            req.close_connection = True  # the client sees the connection closed, no answer
            return None
        except APIError as exc:
            with self._cond:
                if exc.status == 400:
                    self.errors.append((method, exc.description))
                self._cond.notify_all()
            payload: dict[str, Any] = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.parameters:
                payload["parameters"] = exc.parameters
            return self._respond(req, exc.status, payload)
        with self._cond:
            if method == "sendMessage":
                self.outbox.append(Sent(params, result))
            self._cond.notify_all()
        self._respond(req, 200, {"ok": True, "result": result})

    @staticmethod
    def _respond(req: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        try:
            req.send_response(status)
            req.send_header("Content-Type", "application/json")
            req.send_header("Content-Length", str(len(data)))
            req.end_headers()
            req.wfile.write(data)
        except OSError:
            pass  # the client gave up on a long poll (PTB cancels it when stopping)

    def _inject_fault(self, method: str) -> None:
        with self._cond:
            for fault in self._faults:
                if fault.method == method and (fault.times is None or fault.times > 0):
                    if fault.times is not None:
                        fault.times -= 1
                    if fault.status == 0:
                        raise _Dropped
                    raise APIError(fault.status, fault.description, fault.parameters)

    def _dispatch(self, method: str, p: dict[str, Any]) -> Any:
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            raise APIError(404, "Not Found: method not found")
        return handler(p)

    # ------------------------------------------------------------ Bot API methods
    def _api_getMe(self, p: dict[str, Any]) -> Any:
        return {**self.bot_user(), "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": True}  # fmt: skip

    def _api_getUpdates(self, p: dict[str, Any]) -> Any:
        offset = int(p.get("offset") or 0)
        limit = int(p.get("limit") or 100)
        deadline = time.monotonic() + min(float(p.get("timeout") or 0), MAX_POLL_WAIT)
        with self._cond:
            if offset:
                # Telegram forgets every update below the offset: they are confirmed.
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._stopping:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return self._updates[:limit]

    def _api_deleteWebhook(self, p: dict[str, Any]) -> Any:
        self.webhook = None
        return True

    def _api_setWebhook(self, p: dict[str, Any]) -> Any:
        self.webhook = p
        return True

    def _api_setMyCommands(self, p: dict[str, Any]) -> Any:
        commands = p.get("commands") or []
        for c in commands:
            if (
                not re.fullmatch(r"[a-z0-9_]{1,32}", c.get("command", ""))
                or not 1 <= len(c.get("description", "")) <= 256
            ):
                raise APIError(400, "Bad Request: BOT_COMMAND_INVALID")
        scope = p.get("scope") or {"type": "default"}
        if scope.get("type") == "chat":
            if int(scope["chat_id"]) not in self._chats:  # Telegram knows no chat the bot never saw
                raise APIError(400, "Bad Request: chat not found")
            self.scoped_commands[int(scope["chat_id"])] = commands
        else:
            self.commands = commands
        return True

    def _api_getMyCommands(self, p: dict[str, Any]) -> Any:
        return self.commands

    def _api_sendChatAction(self, p: dict[str, Any]) -> Any:
        if p.get("action") not in {"typing", "upload_photo", "record_voice", "upload_document"}:
            raise APIError(400, "Bad Request: wrong parameter action in request")
        return True

    def _api_sendMessage(self, p: dict[str, Any]) -> Any:
        plain = check_text(p.get("text"), p.get("parse_mode"))
        check_markup(p.get("reply_markup"))
        chat_id = int(p["chat_id"])
        msg: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chats.get(chat_id, {"id": chat_id, "type": "private", "first_name": "Tester"}),
            "from": self.bot_user(),
            "text": plain,
        }
        if p.get("reply_markup"):
            msg["reply_markup"] = p["reply_markup"]
        with self._cond:
            self._messages[(chat_id, msg["message_id"])] = msg
        return msg

    def _edited(self, p: dict[str, Any]) -> dict[str, Any]:
        key = (int(p["chat_id"]), int(p["message_id"]))
        if key not in self._messages:
            raise APIError(400, "Bad Request: message to edit not found")
        return self._messages[key]

    def _api_editMessageText(self, p: dict[str, Any]) -> Any:
        msg = self._edited(p)
        plain = check_text(p.get("text"), p.get("parse_mode"))
        check_markup(p.get("reply_markup"))
        if plain == msg["text"] and p.get("reply_markup") == msg.get("reply_markup"):
            raise APIError(400, "Bad Request: message is not modified")
        msg["text"] = plain
        msg.pop("reply_markup", None)
        if p.get("reply_markup"):
            msg["reply_markup"] = p["reply_markup"]
        return msg

    def _api_editMessageReplyMarkup(self, p: dict[str, Any]) -> Any:
        msg = self._edited(p)
        check_markup(p.get("reply_markup"))
        msg.pop("reply_markup", None)
        if p.get("reply_markup"):
            msg["reply_markup"] = p["reply_markup"]
        return msg

    def _answer_query(self, query_id: Any) -> None:
        with self._cond:
            if query_id not in self._open_queries:
                raise APIError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
            self._open_queries.discard(query_id)

    def _api_answerCallbackQuery(self, p: dict[str, Any]) -> Any:
        if len(p.get("text") or "") > 200:
            raise APIError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._answer_query(p.get("callback_query_id"))
        return True

    def _api_answerInlineQuery(self, p: dict[str, Any]) -> Any:
        results = p.get("results") or []
        if len(results) > 50:
            raise APIError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [r.get("id", "") for r in results]
        if len(set(ids)) != len(ids) or not all(1 <= len(i.encode()) <= 64 for i in ids):
            raise APIError(400, "Bad Request: RESULT_ID_INVALID")
        for r in results:
            content = r.get("input_message_content") or {}
            check_text(content.get("message_text"), content.get("parse_mode"))
            if not r.get("title"):
                raise APIError(400, "Bad Request: RESULT_TITLE_EMPTY")
        self._answer_query(p.get("inline_query_id"))
        return True


def _decode_params(body: bytes, content_type: str) -> dict[str, Any]:
    if "json" in content_type:
        return json.loads(body or b"{}")
    params: dict[str, Any] = {}
    for key, value in urllib.parse.parse_qsl(body.decode(), keep_blank_values=True):
        if key in _STRING_PARAMS:
            params[key] = value
            continue
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _mention_entities(text: str) -> list[dict[str, Any]]:
    """Telegram's mention entities (offsets in UTF-16 code units) for every @name in ``text``."""
    return [
        {"type": "mention", "offset": _utf16_len(text[: m.start()]), "length": _utf16_len(m.group())}
        for m in re.finditer(r"@[A-Za-z0-9_]{5,32}", text)
    ]


def _serve_in_child(conn: Any, kwargs: dict[str, Any]) -> None:
    with FakeBotAPI(**kwargs) as api:
        conn.send(api.base_url)
        while True:
            try:
                request = conn.recv()
            except EOFError:
                return
            if request is None:
                return
            name, args, kw = request
            try:
                value = getattr(api, name)
                conn.send((True, value(*args, **kw) if callable(value) else value))
            except Exception as exc:  # sent back and raised in the parent
                conn.send((False, exc))


class FakeBotAPIProcess:
    """A FakeBotAPI in a child process: ``call(name, *args)`` runs ``api.name(*args)`` there
    (or reads the attribute ``name``) and returns the result. Thread-safe."""

    def __init__(self, **kwargs: Any) -> None:
        self._kwargs = kwargs
        self._lock = threading.Lock()
        self.base_url = ""

    def __enter__(self) -> Self:
        ctx = multiprocessing.get_context("spawn")  # no fork of a process that has threads
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve_in_child, args=(child, self._kwargs), daemon=True)
        self._process.start()
        child.close()
        self.base_url = self._conn.recv()
        return self

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self._conn.send((name, args, kwargs))
            ok, result = self._conn.recv()
        if not ok:
            raise result
        return result

    async def acall(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """:meth:`call` without blocking the event loop (for waits)."""
        return await asyncio.to_thread(self.call, name, *args, **kwargs)

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._conn.send(None)
        self._process.join(timeout=10)
        self._conn.close()


class Chat:
    """One person talking to the bot through the fake API; returns what the bot sent back."""

    def __init__(self, api: FakeBotAPI, chat_id: int = USER, *, user_id: int | None = None, chat_type: str = "private"):
        self.api = api
        self.chat_id = chat_id
        self.user_id = user_id if user_id is not None else chat_id
        self.chat_type = chat_type
        self.last: dict[str, Any] | None = None  # the last message this person sent

    def _where(self) -> dict[str, Any]:
        return {"chat_id": self.chat_id, "user_id": self.user_id, "chat_type": self.chat_type}

    async def _replies(self, push: Callable[[], Any], expect: int) -> list[Sent]:
        before = len(self.api.outbox)
        push()
        return (await self.api.wait_sent(before + expect))[before:]

    async def say(self, text: str, *, expect: int = 1, **kwargs: Any) -> list[Sent]:
        """Send a text; wait for ``expect`` messages from the bot."""

        def push() -> None:
            self.last = self.api.push_text(text, **self._where(), **kwargs)

        return await self._replies(push, expect)

    async def command(self, command: str, args: str = "", *, expect: int = 1) -> list[Sent]:
        """Send ``/command args``; wait for ``expect`` messages from the bot."""

        def push() -> None:
            self.last = self.api.push_command(command, args, **self._where())

        return await self._replies(push, expect)

    async def edit(self, text: str, *, expect: int = 1) -> list[Sent]:
        """Edit the last message sent; wait for ``expect`` messages from the bot."""
        assert self.last is not None
        original = self.last
        return await self._replies(lambda: self.api.push_edited(original, text), expect)

    async def press(self, sent: Sent, label: str, *, expect: int = 0) -> tuple[dict[str, Any], list[Sent]]:
        """Press the button labelled ``label…`` under ``sent``: (the callback answer, new messages)."""
        before = len(self.api.outbox)
        query_id = self.api.push_callback(sent.message, sent.data(label), user_id=self.user_id)
        answer = await self.api.wait_answered(query_id)
        new = (await self.api.wait_sent(before + expect))[before:]
        return answer, new
