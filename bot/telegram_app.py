"""The Telegram front end — the only module that imports ``telegram``.

:func:`run_telegram` checks the token, builds the engine (the slow part: jieba and the index)
and then runs the bot by long polling, or as a webhook server when ``telegram.webhook.url`` is
set. :func:`build_application` wires the handlers; tests drive it against a fake Bot API.

Decisions (docs/TELEGRAM.md explains them to operators):

- Every update first passes :meth:`QABot.guard`: group chatter not meant for the bot is dropped,
  then the chat allowlist (a private chat not on it is refused once, a group is ignored), then
  the per-user rate limit. Handlers below it only answer.
- An *edited* question is answered again, as a new reply to the edited message (see
  :meth:`QABot.on_text`).
- Sending retries RetryAfter (waiting as told) and network errors / 5xx (bounded back-off),
  never a timeout: a timed-out request has usually reached Telegram, and a retry would post
  the answer twice (see :func:`deliver`).
- A token that Telegram rejects while running (getUpdates, or a reply in webhook mode) stops
  the bot with exit status 3; PTB's polling loop would otherwise die silently and leave a
  process that looks alive.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import html
import importlib.util
import logging
import math
import os
import re
import secrets
import warnings
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from telegram import (
    Bot,
    BotCommand,
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
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot import render
from bot.app import build_engine
from bot.callbacks import AskExample, Callback, Feedback, FiguresPage, More, decode, encode
from bot.config import Config, TelegramConfig
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

T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE

EXIT_OK = 0
EXIT_FAILED = 1  # Telegram unreachable at start-up, or it refused the set-up (e.g. setWebhook)
EXIT_TOKEN_REJECTED = 3

# The command menu (setMyCommands) and /help, in one place. /stats is for admins: not listed.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "开始：我能回答什么"),
    ("help", "使用帮助"),
    ("ask", "提问（群聊中用）：/ask 问题"),
    ("sections", "文章目录"),
    ("figures", "关键数字"),
    ("about", "文章来源"),
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
    backoff: float = BACKOFF_SECONDS,
    max_retry_after: float = MAX_RETRY_AFTER,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Call ``send`` until it succeeds, at most ``attempts`` times.

    - RetryAfter (429): wait as long as Telegram says (up to ``max_retry_after``), then retry.
    - NetworkError (5xx, refused or dropped connection): retry after ``backoff``, doubling.
    - TimedOut: never retried — the request has most likely reached Telegram, and sending it
      again would post the message twice. BadRequest: the same request would fail again.
    """
    delay = backoff
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
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
        sent.append(await deliver(send))
    return sent


class _PollingRequest(HTTPXRequest):
    """The getUpdates transport; turns a rejected token into a clean stop.

    On 401 PTB's polling loop ends with InvalidToken and tells no one: the process stays up but
    never polls again, and stopping it later re-raises the error halfway through the shutdown.
    So the first rejection is reported and its request held until the stop cancels it; after
    that getUpdates answers "no updates" without asking Telegram — with a rejected token there
    is nothing left to fetch or to confirm.
    """

    _NO_UPDATES = (200, b'{"ok": true, "result": []}')

    def __init__(self, on_rejected: Callable[[int], None]) -> None:
        super().__init__(connection_pool_size=1)  # PTB's default for getUpdates
        self._on_rejected = on_rejected
        self._rejected = False

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        if self._rejected:
            return self._NO_UPDATES
        code, payload = await super().do_request(*args, **kwargs)
        if code in _REJECTED_STATUS:
            self._rejected = True
            self._on_rejected(code)
            await asyncio.Event().wait()  # until stopping the updater cancels this poll
        return code, payload


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


def _markup(rows: Sequence[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


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


# ------------------------------------------------------------------ the bot
class QABot:
    """The handlers and what they share: engine, journal, limits and recent questions."""

    def __init__(self, tg: TelegramConfig, engine: Engine, journal: Journal, on_fatal: Callable[[str], None]) -> None:
        self.engine = engine
        self.journal = journal
        self._on_fatal: Callable[[str], None] | None = on_fatal
        self.info = engine.info()
        self.key_figures = engine.key_figures()
        self.admins = frozenset(tg.admin_ids)
        self.allowlist = Allowlist(tg.allowed_chat_ids)
        self.limiter = SlidingWindowLimiter(tg.rate_limit.count, tg.rate_limit.per_seconds)
        self.recent = RecentQuestions()
        self.logs_to_file = bool(tg.log_file)
        self.positions = {p.id: i for i, p in enumerate(engine.passages)}
        self.section_positions: dict[str, list[int]] = {}
        for i, p in enumerate(engine.passages):
            if p.section:
                self.section_positions.setdefault(p.section, []).append(i)

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
        if msg is None:  # channel posts, member updates …: nothing here answers them
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

    def _for_example(self, template: str) -> str:
        """``template`` filled with the first example question (escaped), or "" without one."""
        return template.format(_e(self.info.examples[0])) if self.info.examples else ""

    def _rate_text(self, user_id: int) -> str:
        return TEXT_RATE_LIMITED.format(seconds=max(1, math.ceil(self.limiter.retry_in(user_id))))

    @staticmethod
    def _reply_to(update: Update) -> int | None:
        """Quote the question in groups (many people talk) and for edits (which message?)."""
        msg = update.effective_message
        if update.callback_query or msg is None or (msg.chat.type == PRIVATE and update.edited_message is None):
            return None  # a button press answers no message of the user's
        return msg.message_id

    # ---------------------------------------------------------------- commands
    async def start(self, update: Update, context: Context) -> None:
        """/start: what the bot knows, with example questions (or sections) as buttons."""
        titles = "、".join(f"《{_e(t)}》" for t in self.info.titles)
        text = (
            f"您好！我根据{titles}回答问题。\n"
            "直接把问题发给我，我会给出文章里最相关的段落，关键数字加粗。\n"
            "发送 /help 查看全部用法。"
        )
        markup = _markup(self._example_rows(MAX_EXAMPLE_BUTTONS + 1) or self._section_rows(MAX_OUTLINE_BUTTONS))
        await self._reply(update, context, text, markup)

    async def help_command(self, update: Update, context: Context) -> None:
        """/help: how to ask, and the commands."""
        me = _e(context.bot.username)
        commands = "\n".join(f"/{name} — {_e(desc)}" for name, desc in COMMANDS)
        text = (
            "<b>怎么提问</b>\n"
            f"• 私聊：直接发送问题{self._for_example('，例如“{}”')}，可以接着问“那……呢？”\n"
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
        for doc in self.engine.documents:
            lines = [f"<b>《{_e(doc.title)}》</b>"]
            lines += [f"{label}：{_e(_meta_text(doc.meta[key]))}" for key, label in labels if doc.meta.get(key)]
            blocks.append("\n".join(lines))
        blocks.append("我只根据上面的文章回答，不联网，也不编造文章里没有的内容。")
        await self._reply(update, context, "\n\n".join(blocks))

    async def sections(self, update: Update, context: Context) -> None:
        """/sections: the outline of every document; a button per section shows its passages."""
        blocks = []
        for doc in self.engine.documents:
            lines = [f"<b>《{_e(doc.title)}》</b>"]
            for s in doc.sections:
                lines.append(f"• {_e(s.title)}" + (f" — {_e(s.subtitle)}" if s.subtitle else ""))
            blocks.append("\n".join(lines))
        text = "📑 文章目录\n\n" + "\n\n".join(blocks)
        await self._reply(update, context, text, _markup(self._section_rows(MAX_OUTLINE_BUTTONS)))

    async def figures(self, update: Update, context: Context) -> None:
        """/figures: the key figures, a page at a time with ◀ ▶ buttons."""
        text, markup = self._figures_page(0)
        await self._reply(update, context, text, markup)

    async def stats(self, update: Update, context: Context) -> None:
        """/stats (admins only): questions, unanswered questions and feedback counts."""
        user = update.effective_user
        if user is None or user.id not in self.admins:
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

    async def ask_command(self, update: Update, context: Context) -> None:
        """/ask 问题: the way to ask in a group without mentioning the bot."""
        msg = update.effective_message
        assert msg is not None  # a CommandHandler only sees messages
        question = _command_argument(msg.text or "")
        if not question:
            await self._reply(update, context, "用法：/ask 问题" + self._for_example("，例如：/ask {}"))
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
        callback = decode(query.data or "")
        if callback is None or query.message is None:
            await query.answer(TEXT_BAD_BUTTON)
        elif isinstance(callback, FiguresPage):
            await query.answer()
            text, markup = self._figures_page(callback.page)
            try:
                await deliver(
                    functools.partial(query.edit_message_text, text, parse_mode=ParseMode.HTML, reply_markup=markup)
                )
            except BadRequest as exc:  # "message is not modified" after a double press
                log.debug("figures page not edited: %s", exc)
        elif callback.fingerprint != self.engine.fingerprint:
            await query.answer(TEXT_STALE, show_alert=True)
        elif isinstance(callback, More):
            await self._show_more(query, context, callback)
        elif isinstance(callback, Feedback):
            await self._record_feedback(query, callback)
        elif isinstance(callback, AskExample):
            examples = self.info.examples
            if callback.number >= len(examples):
                await query.answer(TEXT_BAD_BUTTON)
                return
            await query.answer()
            await self._answer(update, context, examples[callback.number], echo=True)

    async def _show_more(self, query: CallbackQuery, context: Context, callback: More) -> None:
        # Presses carry positions from the client: ignore any that do not exist.
        positions = [i for i in callback.indexes if i < len(self.engine.passages)]
        if not positions or query.message is None:
            await query.answer(TEXT_BAD_BUTTON)
            return
        await query.answer()
        shown, rest = positions[:MORE_PAGE], positions[MORE_PAGE:]
        markup = _markup([[_button("更多", More(self.engine.fingerprint, tuple(rest)))]] if rest else [])
        await send_html(context.bot, query.message.chat.id, self._passages_html(shown), reply_markup=markup)
        await self._drop_buttons(query, "m:")  # the old 「更多」 has done its job

    async def _record_feedback(self, query: CallbackQuery, callback: Feedback) -> None:
        if callback.index >= len(self.engine.passages) or query.message is None:
            await query.answer(TEXT_BAD_BUTTON)
            return
        passage = self.engine.passages[callback.index]
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
        text = query.query.strip()
        results: list[InlineQueryResultArticle] = []
        if not text:
            for n, f in enumerate(self.key_figures[:MAX_INLINE_RESULTS]):
                content = InputTextMessageContent(f"<b>{_e(f.value)}</b> — {_e(f.context)}", parse_mode=ParseMode.HTML)
                results.append(InlineQueryResultArticle(f"g{n}", f.value, content, description=f.context))
        else:
            answer = self.engine.ask(text)
            for n, hit in enumerate(answer.hits if answer.answered else ()):
                body = render.split_message(render.answer_html(answer, start=n, count=1))[0]
                content = InputTextMessageContent(body, parse_mode=ParseMode.HTML)
                title = render.location(hit)
                results.append(InlineQueryResultArticle(f"p{n}", title, content, description=hit.passage.text[:80]))
        await query.answer(results, cache_time=INLINE_CACHE_SECONDS)

    # ---------------------------------------------------------------- answering
    async def _answer(self, update: Update, context: Context, question: str, *, echo: bool = False) -> None:
        """Ask the engine (with the chat's previous question) and send the reply."""
        chat, user = update.effective_chat, update.effective_user
        assert chat is not None
        await self._typing(context.bot, chat.id)
        answer = self.engine.ask(question, self.recent.get(chat.id))
        if answer.answered:
            self.recent.remember(chat.id, answer.effective_question or question)
        top = answer.hits[0].passage.id if answer.hits else None
        self.journal.question(
            chat.id, user.id if user else None, question, kind=answer.kind, answered=answer.answered, passage_id=top
        )
        log.info("chat %s: %s question, answered=%s, passage=%s", chat.id, answer.kind, answer.answered, top)
        text, markup = self._answer_reply(answer)
        if echo:  # asked by a button: say which question this answers
            text = f"❓ <b>{_e(question)}</b>\n\n{text}"
        await send_html(context.bot, chat.id, text, reply_markup=markup, reply_to=self._reply_to(update))

    def _answer_reply(self, answer: Answer) -> tuple[str, InlineKeyboardMarkup | None]:
        text = render.reply_html(answer, self.info)
        fp = self.engine.fingerprint
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
            return text, _markup(self._example_rows(MAX_EXAMPLE_BUTTONS) + self._section_rows(MAX_SECTION_BUTTONS))
        if answer.kind == "greeting":
            return text, _markup(self._example_rows(MAX_EXAMPLE_BUTTONS + 1) or self._section_rows(MAX_SECTION_BUTTONS))
        return text, None

    def _example_rows(self, limit: int) -> list[list[InlineKeyboardButton]]:
        fp = self.engine.fingerprint
        return [[_button(f"❓ {q}", AskExample(fp, n))] for n, q in enumerate(self.info.examples[:limit])]

    def _section_rows(self, limit: int) -> list[list[InlineKeyboardButton]]:
        fp = self.engine.fingerprint
        rows = []
        for title in self.info.sections[:limit]:
            positions = self.section_positions.get(title)
            if positions:
                rows.append([_button(f"📖 {title}", More(fp, tuple(positions)))])
        return rows

    def _passages_html(self, positions: Sequence[int]) -> str:
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

    def _figures_page(self, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
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

    async def _reply(
        self, update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> None:
        chat = update.effective_chat
        assert chat is not None
        await send_html(context.bot, chat.id, text, reply_markup=markup, reply_to=self._reply_to(update))

    @staticmethod
    async def _typing(bot: Bot, chat_id: int) -> None:
        try:
            await bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError as exc:  # cosmetic: never worth delaying or losing the answer
            log.debug("typing indicator not sent: %s", exc)

    # ---------------------------------------------------------------- life cycle
    async def post_init(self, app: Application) -> None:
        """Register the command menu (Chinese descriptions) before polling starts."""
        try:
            await app.bot.set_my_commands([BotCommand(name, desc) for name, desc in COMMANDS])
        except TelegramError as exc:  # the bot works without a menu
            log.warning("command menu not registered: %s", exc)

    async def post_shutdown(self, app: Application) -> None:
        self.journal.close()

    def fatal(self, reason: str) -> None:
        """Telegram rejected the token: report it once (shutdown's last calls fail the same way)."""
        on_fatal, self._on_fatal = self._on_fatal, None
        if on_fatal:
            on_fatal(reason)

    async def on_error(self, update: object, context: Context) -> None:
        """Log a failed update (the filter redacts the token); apologise for our own bugs."""
        err = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        if isinstance(err, InvalidToken):  # e.g. revoked while running in webhook mode
            self.fatal(f"a reply failed: {err}")
            return
        if isinstance(err, Forbidden):  # the user blocked the bot, or it was removed from a group
            log.info("update %s: cannot reply (%s)", update_id, err)
            return
        log.error("update %s failed: %s", update_id, err, exc_info=err)
        if isinstance(err, TelegramError) or not isinstance(update, Update) or update.effective_chat is None:
            return
        with contextlib.suppress(TelegramError):  # nothing more to do for this update
            await send_html(context.bot, update.effective_chat.id, _e(TEXT_ERROR))


def build_application(cfg: Config, engine: Engine, *, on_fatal: Callable[[str], None] | None = None) -> Application:
    """The Application with every handler registered; nothing is sent until it is started.

    ``on_fatal(reason)`` is called once when Telegram rejects the token while running (on
    getUpdates or on a reply); the default stops :meth:`Application.run_polling`.
    """
    # Opt in to PTB's coming time periods (timedelta): without it every 429 warns (PTB ≥ 22.2).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    tg = cfg.telegram
    qabot = QABot(tg, engine, Journal(tg.log_file), on_fatal or (lambda _: app.stop_running()))
    polling = _PollingRequest(lambda status: qabot.fatal(f"getUpdates answered HTTP {status}"))
    builder = ApplicationBuilder().token(tg.token).get_updates_request(polling)
    if tg.base_url:
        builder = builder.base_url(tg.base_url)
    if tg.base_file_url:
        builder = builder.base_file_url(tg.base_file_url)
    app = builder.post_init(qabot.post_init).post_shutdown(qabot.post_shutdown).build()
    qabot.register(app)
    return app


def run_telegram(cfg: Config) -> int:
    """Run the bot until SIGTERM/SIGINT (exit 0) or until Telegram rejects the token (exit 3)."""
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
    engine = build_engine(cfg)  # the slow part, before any update is fetched
    rejected: list[str] = []

    def stop(reason: str) -> None:
        rejected.append(reason)
        app.stop_running()

    app = build_application(cfg, engine, on_fatal=stop)
    try:
        if webhook.url:
            log.info("webhook on %s:%d, Telegram posts to %s", webhook.listen, webhook.port, webhook.url)
            app.run_webhook(
                listen=webhook.listen,
                port=webhook.port,
                url_path=webhook.path or "telegram",
                webhook_url=webhook.url,
                secret_token=secret_token,
                allowed_updates=Update.ALL_TYPES,
                bootstrap_retries=3,
            )
        else:
            log.info("polling for updates")
            app.run_polling(allowed_updates=Update.ALL_TYPES, bootstrap_retries=3)
    except InvalidToken:  # at start-up (getMe, setWebhook); str(exc) would quote the token
        rejected.append("at start-up")
    except (TelegramError, OSError) as exc:  # OSError: the webhook port is taken
        log.error("cannot start the Telegram bot: %s", exc)
        return EXIT_FAILED
    if rejected:
        log.error("Telegram rejected the bot token (%s): it is wrong or was revoked; stopping", rejected[0])
        return EXIT_TOKEN_REJECTED
    return EXIT_OK
