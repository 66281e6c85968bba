"""Faults, floods and hostile input, end to end through the fake Bot API (issue 6).

Each test states one fault and what the bot must do about it. docs/RELIABILITY.md tabulates
them. The process-level faults (start-up outage, SIGTERM, SIGHUP) are in
test_reliability_process.py.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_bot_api import TOKEN, USER, Chat, FakeBotAPI, FakeBotAPIProcess, Sent
from telegram.error import InvalidToken, NetworkError

from bot import telegram_app
from bot.app import EngineHolder
from bot.config import Config, RateLimitConfig, TelegramConfig
from bot.engine import Engine
from bot.logs import setup_logging
from bot.telegram_app import (
    ADMIN_COMMANDS,
    COMMANDS,
    TEXT_NOT_ADMIN,
    TEXT_REFUSED,
    TEXT_STALE,
    build_application,
    connect,
    serving,
)

pytest_plugins = ["telegram_fixtures"]  # api, run_bot (engine: conftest.py)

QUESTION = "讲师团有多少名成员？"
ANSWER = "<b>88名</b>"  # in the reply to QUESTION
GROUP = -100200300


def unanswerable(n: int) -> str:
    """A question the article cannot answer; the reply quotes it, so replies can be told apart."""
    return f"企鹅{n}号喜欢什么口味的冰淇淋？"


def warnings_and_worse(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


# ------------------------------------------------------------------ what getUpdates returns
@pytest.mark.asyncio
async def test_an_unreadable_update_is_skipped_with_one_line_and_polling_stays_calm(api, run_bot, engine, caplog):
    caplog.set_level(logging.WARNING)
    async with run_bot(engine):
        await api.wait_for("getUpdates")
        polls_before = len(api.requests("getUpdates"))
        poison = api.push_update({"message": {"text": "没有 chat，没有 date"}})  # PTB cannot parse it
        [reply] = await Chat(api).say(QUESTION)  # the update queued behind it is answered
        await asyncio.sleep(1.0)
        polls = len(api.requests("getUpdates")) - polls_before
    assert ANSWER in reply.html
    assert warnings_and_worse(caplog) == [f"update {poison['update_id']} skipped: it cannot be read (KeyError: 'date')"]
    assert polls < 10  # PTB alone re-fetches it at once, ~1,000 times a second
    assert api.pending == []  # confirmed: a restart does not trip over it again


@pytest.mark.asyncio
async def test_a_200_without_updates_is_backed_off_from_not_hammered(api, run_bot, engine, caplog):
    caplog.set_level(logging.WARNING)
    async with run_bot(engine):
        await api.wait_for("getUpdates")
        api.fail("getUpdates", status=200, times=None)  # {"ok": false} with HTTP 200
        polls_before = len(api.requests("getUpdates"))
        await asyncio.sleep(1.2)
        polls = len(api.requests("getUpdates")) - polls_before
        api.heal()
        [reply] = await Chat(api).say(QUESTION)  # recovers by itself
    assert polls <= 3  # 1 s, then ×1.5 …
    failures = warnings_and_worse(caplog)
    assert len(failures) == polls
    assert set(failures) == {
        "getUpdates failed (getUpdates answered 200 without updates: Internal error: try again); retrying with back-off"
    }
    assert ANSWER in reply.html


# ------------------------------------------------------------------ sending
@pytest.mark.asyncio
@pytest.mark.parametrize("fault", ["dropped connection", "502"])
async def test_a_failed_send_is_retried_and_the_reply_arrives_once(api, run_bot, engine, fault):
    if fault == "502":
        api.fail("sendMessage", status=502)
    else:
        api.drop("sendMessage")
    async with run_bot(engine):
        [reply] = await Chat(api).say(QUESTION)
    carrying = [p for p in api.requests("sendMessage") if ANSWER in p["text"]]
    assert len(carrying) == 2  # the failed attempt and the retry
    assert [s.html for s in api.outbox] == [reply.html]  # delivered once


@pytest.mark.asyncio
async def test_a_send_that_keeps_failing_is_given_up_and_the_bot_goes_on(api, run_bot, engine, caplog, monkeypatch):
    monkeypatch.setattr(telegram_app, "BACKOFF_SECONDS", 0.05)  # 0.5 s, 1 s, 2 s in service
    api.drop("sendMessage", times=4)  # every attempt of the first reply
    async with run_bot(engine):
        api.push_text(QUESTION)
        [later] = await Chat(api).say("你好")  # the same chat: queued behind the doomed reply
    attempts = [p for p in api.requests("sendMessage") if ANSWER in p["text"]]
    assert len(attempts) == 4  # then that reply is dropped
    assert later.html.startswith("您好")
    assert [r.levelname for r in caplog.records if r.name == "bot.telegram_app"].count("ERROR") == 1


# ------------------------------------------------------------------ start-up
def _app(api: FakeBotAPI, engine: Engine, **telegram: object):
    return build_application(
        Config(telegram=TelegramConfig(token=TOKEN, base_url=api.base_url, **telegram)),  # type: ignore[arg-type]
        engine,
    )


@pytest.mark.asyncio
async def test_start_up_waits_for_telegram_with_back_off_then_serves(api, engine, caplog):
    caplog.set_level(logging.WARNING)
    api.fail("getMe", status=502, times=3)
    app = _app(api, engine)
    assert await connect(app, asyncio.Event(), first_wait=0.1)
    async with serving(app, poll_timeout=1):
        [reply] = await Chat(api).say(QUESTION)
    assert warnings_and_worse(caplog) == [
        f"Telegram cannot be reached at start-up (Bad Gateway); retrying in {wait} s" for wait in ("0.1", "0.2", "0.4")
    ]
    assert ANSWER in reply.html


@pytest.mark.asyncio
async def test_start_up_gives_up_after_the_configured_wait(api, engine):
    api.fail("getMe", status=502, times=None)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await connect(_app(api, engine), asyncio.Event(), give_up_after=0.5, first_wait=0.1)
    assert 3 <= len(api.requests("getMe")) <= 6  # 0.1 + 0.2 + 0.4 (cut to what is left)


@pytest.mark.asyncio
async def test_a_stop_while_waiting_for_telegram_ends_the_wait_at_once(api, engine):
    api.fail("getMe", status=502, times=None)
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(0.2, stop.set)
    started = asyncio.get_running_loop().time()
    assert await connect(_app(api, engine), stop, first_wait=30) is False
    assert asyncio.get_running_loop().time() - started < 2


@pytest.mark.asyncio
async def test_a_rejected_token_at_start_up_is_not_retried(api, engine):
    api.fail("getMe", status=401)
    with pytest.raises(InvalidToken):
        await connect(_app(api, engine), asyncio.Event(), first_wait=0.1)
    assert len(api.requests("getMe")) == 1


# ------------------------------------------------------------------ load
@pytest.fixture
def remote_api() -> Iterator[FakeBotAPIProcess]:
    """The fake in a process of its own: its work and memory stay out of the bot's."""
    with FakeBotAPIProcess() as fake:
        yield fake


def _push_mixed_batch(api: FakeBotAPIProcess, chats: int, per_chat: int, first: int) -> dict[int, list[object]]:
    """Every chat asks ``per_chat`` questions in a row (so a chat's questions are in flight
    together). Even chats are private and ask numbered unanswerable questions (the reply quotes
    them); odd chats are groups asking real questions with /ask (the reply quotes the message).
    Returns what each chat must see, in order."""
    real = ["讲师团有多少名成员？", "江门现在有多少家长者饭堂？", "市级零工市场枢纽有几个？", "你好"]
    expect: dict[int, list[object]] = {}
    for c in range(chats):
        for turn in range(per_chat):
            n = first + turn
            if c % 2 == 0:
                chat_id = 20_000 + c
                api.call("push_text", unanswerable(n), chat_id=chat_id)
                expect.setdefault(chat_id, []).append(f"「{unanswerable(n)}」")
            else:
                chat_id = -20_000 - c
                msg = api.call("push_command", "/ask", real[(c + n) % len(real)], chat_id=chat_id,
                               user_id=30_000 + c, chat_type="group")  # fmt: skip
                expect.setdefault(chat_id, []).append(msg["message_id"])
    return expect


def _replies_by_chat(sent: list[Sent]) -> dict[int, list[object]]:
    """Which question each reply answers: private replies quote it, group replies reply to it."""
    got: dict[int, list[object]] = {}
    for s in sent:
        if s.chat_id > 0:
            quoted = re.search(r"「[^」]*」", s.html)
            got.setdefault(s.chat_id, []).append(quoted.group() if quoted else s.html)
        else:
            got.setdefault(s.chat_id, []).append(s.params["reply_parameters"]["message_id"])
    return got


@pytest.mark.asyncio
async def test_a_thousand_questions_from_a_hundred_chats_get_a_thousand_replies_in_order(remote_api, engine):
    api = remote_api
    app = build_application(Config(telegram=TelegramConfig(token=TOKEN, base_url=api.base_url)), engine)
    assert await connect(app, asyncio.Event(), give_up_after=0)
    async with serving(app, poll_timeout=1):  # the default limit, 20 a minute: 2 × 10 per chat are all answered
        first = _push_mixed_batch(api, chats=100, per_chat=10, first=0)
        await api.acall("sent_at", 1000, 60)
        rss_after_first = rss_bytes()
        second = _push_mixed_batch(api, chats=100, per_chat=10, first=10)
        await api.acall("sent_at", 2000, 60)
        rss_after_second = rss_bytes()
        await asyncio.sleep(0.2)  # nothing more is coming
    sent = api.call("outbox")
    assert len(sent) == 2000 and api.call("errors") == []
    assert _replies_by_chat(sent[:1000]) == first  # each chat's replies, in the order it asked
    assert _replies_by_chat(sent[1000:]) == second
    assert rss_after_second - rss_after_first < 5 * 2**20  # flat: 0.7 MB measured (the answer cache filling)


@pytest.mark.asyncio
async def test_a_chat_sending_thirty_gets_twenty_answers_one_polite_line_then_silence(api, run_bot, engine):
    async with run_bot(engine, rate_limit=RateLimitConfig(count=20, per_seconds=60)):
        for n in range(30):
            api.push_text(unanswerable(n))
        await api.wait_sent(21)
    # Leaving run_bot stops the bot, which first handles every update it has fetched.
    replies = [s.html for s in api.outbox]
    assert len(replies) == 21
    assert all(f"「{unanswerable(n)}」" in replies[n] for n in range(20))
    assert re.fullmatch(r"您发得有点快，请 \d+ 秒后再问。", replies[20])


# ------------------------------------------------------------------ hostile input
# fmt: off
BAD_INPUT = [
    # (what, text, the reply starts with)
    ("only spaces", "   ", "请输入一个问题"),
    ("zero-width characters", "\u200b\u200c\u2060", "请输入一个问题"),
    ("ideographic spaces", "\u3000\u3000", "请输入一个问题"),
    ("4096 characters", "问" * 4096, "这条消息太长了"),
    ("only punctuation", "？！。，……", "请输入一个问题"),
    ("only emoji", "😀🎉👍🏽", "请输入一个问题"),
    ("NUL and control characters", "讲师团\x00\x01\x07\x1b[31m有多少名成员？", "<i>"),
    ("a script tag", "<script>alert(1)</script>", "抱歉，文章里没有找到能回答「&lt;script&gt;alert(1)&lt;/script&gt;」"),
    ("a stray closing tag", "</b>讲师团有多少名成员？", "<i>"),
    ("a markdown link", "[点我](javascript:alert(1))", "抱歉，文章里没有找到能回答「[点我](javascript:alert(1))」"),
    ("markdown marks", "*_`~||讲师团||~`_*", "<i>"),
    ("an ampersand entity", "&lt;b&gt; &amp; &#x3c;", "抱歉，文章里没有找到能回答「&amp;lt;b&amp;gt; &amp;amp; &amp;#x3c;」"),
    ("English", "How many members does the lecture group have?", "抱歉"),
    ("mixed scripts", "Лектор 讲师团 강사 μέλη 有多少名成员？", "抱歉"),
    ("right-to-left text", "\u202eكم عدد 讲师团", ""),
    ("characters outside the BMP", "𠀀𠀁𠀂", ""),
]
# fmt: on


@pytest.mark.asyncio
async def test_hostile_input_gets_a_valid_reply_and_crashes_nothing(api, run_bot, engine, caplog):
    caplog.set_level(logging.WARNING)
    async with run_bot(engine):
        for n, (_, text, _) in enumerate(BAD_INPUT):
            api.push_text(text, chat_id=40_000 + n)
        await api.wait_sent(len(BAD_INPUT), timeout=20)
        await asyncio.sleep(0.3)  # nothing more is coming
    replies = {s.chat_id: s.html for s in api.outbox}
    assert len(api.outbox) == len(BAD_INPUT)  # one reply each, none split, none doubled
    for n, (what, _, expected) in enumerate(BAD_INPUT):
        assert replies[40_000 + n].startswith(expected), (what, replies[40_000 + n])
    assert api.errors == []  # every reply was valid Telegram HTML within 4096 characters
    assert warnings_and_worse(caplog) == []  # the error handler never ran


# ------------------------------------------------------------------ reloading the knowledge
@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "a.md").write_text(
        "---\ntitle: 图书馆\n---\n\n## 一 阅览\n\n新会区图书馆新增阅览座位600个，藏书12万册。\n", encoding="utf-8"
    )
    return folder


@pytest.mark.asyncio
async def test_reload_swaps_the_knowledge_and_everything_derived_from_it(api, run_bot, knowledge, caplog):
    caplog.set_level(logging.INFO, logger="bot")
    holder = EngineHolder(Config(knowledge=str(knowledge)))
    async with run_bot(holder, admin_ids=(USER,)):
        admin = Chat(api)
        [before] = await admin.say("图书馆新增了多少个阅览座位？")
        [not_yet] = await admin.say("体育馆有多少个座位？")
        (knowledge / "b.txt").write_text("江门体育馆设有座位8000个。\n", encoding="utf-8")
        [refused] = await Chat(api, 2002).command("reload")
        [reloaded] = await admin.command("reload")
        [after] = await admin.say("体育馆有多少个座位？")
        [figures] = await admin.command("figures")
        ack, _ = await admin.press(before, "👍")  # a button made before the reload
    assert refused.html == TEXT_NOT_ADMIN
    assert not_yet.html.startswith("抱歉")
    assert reloaded.html == "✅ 知识库已重新加载：2 篇文档，2 段（原来 1 篇，1 段）。"
    assert "<b>8000个</b>" in after.html
    assert "8000个" in figures.html  # /figures pages follow the swap
    assert ack["text"] == TEXT_STALE  # positions from the old knowledge are not trusted
    assert any("reloading the knowledge (/reload by admin 1001)" in r.getMessage() for r in caplog.records)


@pytest.mark.asyncio
async def test_a_broken_file_keeps_the_old_knowledge_serving_and_the_admin_is_told(api, run_bot, knowledge, caplog):
    holder = EngineHolder(Config(knowledge=str(knowledge)))
    serving_engine = holder.engine
    async with run_bot(holder, admin_ids=(USER,)):
        admin = Chat(api)
        (knowledge / "gbk.txt").write_bytes("江门体育馆设有座位8000个。".encode("gbk"))
        [failed] = await admin.command("reload")
        [still] = await admin.say("图书馆新增了多少个阅览座位？")
    assert failed.html.startswith("⚠️ 重新加载失败，仍在使用原来的知识库。\n")
    assert "gbk.txt" in failed.html
    assert holder.engine is serving_engine
    assert "<b>600个</b>" in still.html
    [logged] = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert logged.startswith("reload failed, still serving the previous knowledge: ") and "gbk.txt" in logged


@pytest.mark.asyncio
async def test_admins_get_the_admin_commands_in_their_menu_and_help(api, run_bot, engine, caplog):
    stranger_admin = 4242  # never talked to the bot: Telegram refuses a menu for that chat
    async with run_bot(engine, admin_ids=(USER, stranger_admin)):
        [help_admin] = await Chat(api).command("help")
        [help_user] = await Chat(api, 2002).command("help")
    assert api.commands == [{"command": n, "description": d} for n, d in COMMANDS]
    assert api.scoped_commands == {USER: [{"command": n, "description": d} for n, d in COMMANDS + ADMIN_COMMANDS]}
    assert "/reload" in help_admin.html and "/reload" not in help_user.html
    assert warnings_and_worse(caplog) == [f"admin command menu not registered for {stranger_admin}: Chat not found"]


# ------------------------------------------------------------------ secrets
@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """The root logger at DEBUG through the real handler and filter; httpx and httpcore too."""
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "telegram")}
    out = io.StringIO()
    setup_logging("DEBUG", stream=out)
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)  # louder than setup_logging allows
    yield out
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.asyncio
async def test_the_token_is_in_no_log_line_even_at_debug_with_errors(api, run_bot, engine, debug_log):
    rejected = asyncio.Event()
    api.fail("sendMessage", status=500)
    async with run_bot(engine, on_fatal=lambda _: rejected.set()) as app:
        await Chat(api).say(QUESTION)  # a 500, then the retry
        logging.getLogger("test").debug("the app: %r, its bot: %r", app, app.bot)
        logging.getLogger("test").error("a traceback", exc_info=InvalidToken(f"The token `{TOKEN}` was rejected"))
        api.fail("sendMessage", status=401, times=None)
        api.push_text(QUESTION)
        await asyncio.wait_for(rejected.wait(), 10)
        api.fail("getUpdates", status=401, times=None)
        await api.wait_for("getUpdates", count=len(api.requests("getUpdates")) + 1)
    lines = debug_log.getvalue().splitlines()
    assert len(lines) > 50 and any(" DEBUG httpcore" in line for line in lines)
    assert any("/bot***/sendMessage" in line for line in lines)  # where it would have been
    secret = TOKEN.split(":")[1]
    assert [line for line in lines if secret in line or TOKEN.split(":")[0] + ":" in line] == []


# ------------------------------------------------------------------ access control
STRANGER = 2002


def _bot_message(api: FakeBotAPI, chat_id: int) -> dict[str, object]:
    """A message the bot sent to ``chat_id`` earlier, with a 👍 button."""
    msg = api.message("旧的回答", chat_id=chat_id)
    msg["from"] = api.bot_user()
    msg["reply_markup"] = {"inline_keyboard": [[{"text": "👍 有帮助", "callback_data": "f:abc:+:0"}]]}
    return msg


ENTRY_POINTS = [
    # (entry point, push it as STRANGER, sends a refusal message)
    ("message", lambda api: api.push_text(QUESTION, chat_id=STRANGER), True),
    ("command", lambda api: api.push_command("/start", chat_id=STRANGER), True),
    ("admin command", lambda api: api.push_command("/reload", chat_id=STRANGER), True),
    (
        "/ask in a group",
        lambda api: api.push_command("/ask", QUESTION, chat_id=GROUP, user_id=STRANGER, chat_type="group"),
        False,
    ),  # fmt: skip
    ("edited message", lambda api: api.push_edited(api.message("旧问题", chat_id=STRANGER), QUESTION), True),
    ("photo", lambda api: api.push_media("photo", chat_id=STRANGER), True),
    ("button", lambda api: api.push_callback(_bot_message(api, STRANGER), "f:abc:+:0", user_id=STRANGER), False),
    ("inline query", lambda api: api.push_inline(QUESTION, user_id=STRANGER), False),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("entry", "push", "refusal"), ENTRY_POINTS, ids=[e[0] for e in ENTRY_POINTS])
async def test_a_chat_not_on_the_allowlist_gets_nothing_from_any_entry_point(
    api, run_bot, engine, tmp_path, entry, push, refusal
):
    log_file = tmp_path / "bot.jsonl"
    async with run_bot(engine, allowed_chat_ids=(USER,), log_file=str(log_file)):
        pushed = push(api)
        if isinstance(pushed, str):  # a button or an inline query: answered, never posted
            answer = await api.wait_answered(pushed)
        api.push_command("/start")  # the allowed user, after the stranger
        await api.wait_sent(2 if refusal else 1)
    assert [s.chat_id for s in api.outbox].count(USER) == 1  # the allowed user is served
    refusals = [s.html for s in api.outbox if s.chat_id != USER]
    assert refusals == ([TEXT_REFUSED] if refusal else [])
    if entry == "button":
        assert answer["text"] == TEXT_REFUSED
    if entry == "inline query":
        assert answer["results"] == [] and answer["is_personal"] is True
    assert log_file.read_text(encoding="utf-8") == ""  # nothing reached the engine or the journal
