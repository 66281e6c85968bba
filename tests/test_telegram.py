"""Conversations with the bot through the fake Bot API, with the real engine on real knowledge.

Every test also relies on the fake's strictness: a reply with unbalanced or unknown HTML tags,
a stray ``<``/``&``, more than 4096 characters or over-long callback data is refused by the
fake and would fail ``assert not api.errors``.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fake_bot_api import BOT_ID, BOT_USERNAME, TEXT_LIMIT, USER, Chat, FakeBotAPI, check_html

from bot import callbacks, render
from bot.config import RateLimitConfig
from bot.telegram_app import (
    ADMIN_COMMANDS,
    COMMANDS,
    FIGURES_PAGE,
    TEXT_MEDIA,
    TEXT_NOT_ADMIN,
    TEXT_REFUSED,
    TEXT_STALE,
    TEXT_THANKS,
    TEXT_UNKNOWN_COMMAND,
)

pytest_plugins = ["telegram_fixtures"]  # api, run_bot, turtle_engine (engine: conftest.py)

QUESTION = "讲师团有多少名成员？"
GROUP = -100200300


def plain(html_text: str) -> str:
    return check_html(html_text)


@pytest.fixture(autouse=True)
def nothing_refused(api: FakeBotAPI):
    """Whatever a test does, Telegram (the fake) must never have refused a request."""
    yield
    assert api.errors == []


# ------------------------------------------------------------------ commands
@pytest.mark.asyncio
async def test_start_registers_the_menu_and_offers_example_questions(api, run_bot, turtle_engine):
    async with run_bot(turtle_engine):
        [reply] = await Chat(api).command("start")
    assert api.commands == [{"command": name, "description": desc} for name, desc in COMMANDS]
    assert "《乌龟与湖 &lt;测试&gt; &amp; 样例》" in reply.html
    assert reply.buttons == [
        ("❓ 湖里有多少只乌龟？", f"a:{turtle_engine.fingerprint}:0"),
        ("❓ 乌龟吃什么？", f"a:{turtle_engine.fingerprint}:1"),
    ]


@pytest.mark.asyncio
async def test_example_button_asks_the_example(api, run_bot, turtle_engine):
    async with run_bot(turtle_engine):
        chat = Chat(api)
        [welcome] = await chat.command("start")
        ack, [reply] = await chat.press(welcome, "❓ 湖里有多少只乌龟", expect=1)
    assert "text" not in ack
    assert reply.html.startswith("❓ <b>湖里有多少只乌龟？</b>\n\n<i>一 湖的概况 · 第1段</i>\n")
    assert "<b>37" in reply.html


@pytest.mark.asyncio
async def test_help_lists_every_command(api, run_bot, engine):
    async with run_bot(engine):
        [reply] = await Chat(api).command("help")
    for name, description in COMMANDS:
        assert f"/{name} — {html.escape(description)}" in reply.html
    assert f"@{BOT_USERNAME}" in reply.html


@pytest.mark.asyncio
async def test_about_names_the_source_from_the_document_meta(api, run_bot, engine):
    async with run_bot(engine):
        [reply] = await Chat(api).command("about")
    text = plain(reply.html)
    for line in ("《江门主题教育成效综述》", "来源：江门日报", "记者：黎禹君", "实习生：王乐怡"):
        assert line in text


@pytest.mark.asyncio
async def test_sections_is_the_outline_with_a_button_per_section(api, run_bot, engine):
    async with run_bot(engine):
        [reply] = await Chat(api).command("sections")
    assert "• A 精心谋划周密部署 — 有力推动主题教育走深走实" in reply.html
    assert "• C 知行合一务求实效 — 推动主题教育取得明显成效" in reply.html
    assert [label for label, _ in reply.buttons] == [
        "📖 A 精心谋划周密部署",
        "📖 B 聚焦重点精准发力",
        "📖 C 知行合一务求实效",
    ]


@pytest.mark.asyncio
async def test_figures_are_paged_with_small_buttons(api, run_bot, engine):
    async with run_bot(engine):
        chat = Chat(api)
        [page1] = await chat.command("figures")
        assert page1.buttons == [("▶", "g:1")]
        await chat.press(page1, "▶")
        [edit] = await api.wait_for("editMessageText")
    first, second = engine.key_figures()[0], engine.key_figures()[FIGURES_PAGE]
    assert "（第 1/" in page1.html and f"<b>{html.escape(first.value)}</b>" in page1.html
    assert "（第 2/" in edit["text"] and f"<b>{html.escape(second.value)}</b>" in edit["text"]
    assert [b["text"] for row in edit["reply_markup"]["inline_keyboard"] for b in row] == ["◀", "▶"]


@pytest.mark.asyncio
async def test_unknown_command_points_to_help(api, run_bot, engine):
    async with run_bot(engine):
        [reply] = await Chat(api).command("weather")
    assert reply.html == TEXT_UNKNOWN_COMMAND


# ------------------------------------------------------------------ questions
@pytest.mark.asyncio
async def test_question_gets_the_passage_with_bold_figure_and_buttons(api, run_bot, engine):
    async with run_bot(engine):
        [reply] = await Chat(api).say(QUESTION)
    assert reply.html.startswith("<i>B 聚焦重点精准发力 · 第21段</i>\n")
    assert "<b>88名</b>" in reply.html
    assert "<u>讲师团</u>" in reply.html
    position = engine.passage_index("jiangmen-zhutijiaoyu#21")
    labels = [label for label, _ in reply.buttons]
    assert labels[-2:] == ["👍 有帮助", "👎 没帮助"]
    assert reply.data("👍") == f"f:{engine.fingerprint}:+:{position}"
    # An answer computed in well under TYPING_AFTER needs no "typing…" (it would come late).
    assert api.requests("sendChatAction") == []


@pytest.mark.asyncio
async def test_a_slow_answer_sends_typing_first(api, run_bot, engine, monkeypatch):
    import time

    import bot.telegram_app as tapp

    monkeypatch.setattr(tapp, "TYPING_AFTER", 0.05)
    slow_ask = engine.ask

    def ask(*args, **kwargs):
        time.sleep(0.3)  # a big knowledge folder's answer
        return slow_ask(*args, **kwargs)

    monkeypatch.setattr(engine, "ask", ask)
    async with run_bot(engine):
        [reply] = await Chat(api).say("宣讲团开展了多少场宣讲？")
    assert "156" in reply.html
    assert [r["action"] for r in api.wait_for_sync("sendChatAction", 1)] == ["typing"]


@pytest.mark.asyncio
async def test_more_shows_the_next_passages_and_retires_its_button(api, run_bot, engine):
    answer = engine.ask(QUESTION)
    assert len(answer.hits) > 1, "the engine should offer more than one passage here"
    async with run_bot(engine):
        chat = Chat(api)
        [reply] = await chat.say(QUESTION)
        ack, [more] = await chat.press(reply, "更多", expect=1)
        [edit] = await api.wait_for("editMessageReplyMarkup")
    assert more.html.startswith(f"<i>{html.escape(render.location(answer.hits[1]))}</i>\n")
    assert [b["text"] for row in edit["reply_markup"]["inline_keyboard"] for b in row] == ["👍 有帮助", "👎 没帮助"]
    assert "text" not in ack


@pytest.mark.asyncio
async def test_more_still_works_after_a_restart(api, run_bot, engine):
    async with run_bot(engine):
        [reply] = await Chat(api).say(QUESTION)
    async with run_bot(engine):  # a new process: no memory of the answer
        _, [more] = await Chat(api).press(reply, "更多", expect=1)
    second = engine.ask(QUESTION).hits[1].passage
    assert f"第{second.number}段" in more.html


@pytest.mark.asyncio
async def test_button_from_other_knowledge_asks_to_ask_again(api, run_bot, engine):
    async with run_bot(engine):
        chat = Chat(api)
        [reply] = await chat.say(QUESTION)
        stale = callbacks.encode(callbacks.More("0ld0ld00", (1, 2)))
        reply.params["reply_markup"] = {"inline_keyboard": [[{"text": "更多", "callback_data": stale}]]}
        ack, new = await chat.press(reply, "更多")
    assert ack["text"] == TEXT_STALE and ack["show_alert"] is True
    assert new == []


@pytest.mark.asyncio
async def test_feedback_is_journaled_acknowledged_and_taken_once(api, run_bot, engine, tmp_path):
    log_file = tmp_path / "bot.jsonl"
    async with run_bot(engine, log_file=str(log_file)):
        chat = Chat(api)
        [reply] = await chat.say(QUESTION)
        ack, _ = await chat.press(reply, "👎")
        [edit] = await api.wait_for("editMessageReplyMarkup")
    assert ack["text"] == TEXT_THANKS
    records = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]
    assert [r["type"] for r in records] == ["question", "feedback"]
    assert records[1] | {"time": "T"} == {
        "time": "T",
        "type": "feedback",
        "chat_id": USER,
        "user_id": USER,
        "passage_id": "jiangmen-zhutijiaoyu#21",
        "helpful": False,
    }
    labels = [b["text"] for row in edit["reply_markup"]["inline_keyboard"] for b in row]
    assert "👍 有帮助" not in labels and "👎 没帮助" not in labels


@pytest.mark.asyncio
async def test_questions_are_journaled_one_line_each(api, run_bot, engine, tmp_path):
    log_file = tmp_path / "logs" / "bot.jsonl"  # the folder is created
    async with run_bot(engine, log_file=str(log_file)):
        chat = Chat(api, 7, user_id=8, chat_type="private")
        await chat.say(QUESTION)
        await chat.say("火星上有没有水？")
    first, second = (json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines())
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first.pop("time"))
    assert first == {
        "type": "question",
        "chat_id": 7,
        "user_id": 8,
        "question": QUESTION,
        "kind": "question",
        "answered": True,
        "passage_id": "jiangmen-zhutijiaoyu#21",
    }
    assert (second["question"], second["answered"], second["passage_id"]) == ("火星上有没有水？", False, None)


@pytest.mark.asyncio
async def test_not_found_is_one_friendly_line_with_sections_to_read(api, run_bot, engine):
    async with run_bot(engine):
        chat = Chat(api)
        [reply] = await chat.say("火星上有没有水？")
        _, [section] = await chat.press(reply, "📖 A 精心谋划周密部署", expect=1)
    assert reply.html.startswith("抱歉，文章里没有找到能回答「火星上有没有水？」的内容。")
    assert "📖 A 精心谋划周密部署" in [label for label, _ in reply.buttons]
    first = next(p for p in engine.passages if p.section == "A 精心谋划周密部署")
    assert section.html.startswith(f"<i>A 精心谋划周密部署 · 第{first.number}段</i>\n")
    assert [label for label, _ in section.buttons] == ["更多"]


@pytest.mark.asyncio
async def test_greeting_gets_a_greeting_and_examples_not_a_passage(api, run_bot, engine):
    async with run_bot(engine):
        [reply] = await Chat(api).say("你好")
    assert reply.html.startswith("您好！")
    assert "<i>" not in reply.html
    assert all(label.startswith("❓ ") for label, _ in reply.buttons) and reply.buttons


@pytest.mark.asyncio
async def test_punctuation_only_gets_the_empty_message(api, run_bot, engine):
    async with run_bot(engine):
        [reply] = await Chat(api).say("？？？")
    assert reply.html.startswith("请输入一个问题")
    assert reply.buttons == []


@pytest.mark.asyncio
async def test_markup_in_a_question_is_escaped_never_raw(api, run_bot, engine):
    async with run_bot(engine):
        [reply] = await Chat(api).say("<b>天气</b> & <i>下雨</i>？")
    assert "「&lt;b&gt;天气&lt;/b&gt; &amp; &lt;i&gt;下雨&lt;/i&gt;？」" in reply.html
    assert "<b>天气" not in reply.html


@pytest.mark.asyncio
async def test_follow_up_question_uses_the_previous_one(api, run_bot, engine):
    async with run_bot(engine):
        alone = await Chat(api, 5).say("那县级的呢？")
        chat = Chat(api, 6)
        await chat.say("市级零工市场枢纽有几个？")
        [follow_up] = await chat.say("那县级的呢？")
    assert "县级零工市场" in follow_up.html
    assert "县级零工市场" not in alone[0].html  # without the context it is another answer


@pytest.mark.asyncio
async def test_edited_question_is_answered_again_quoting_the_edit(api, run_bot, engine):
    async with run_bot(engine):
        chat = Chat(api)
        [first] = await chat.say("火星上有没有水？")
        [second] = await chat.edit(QUESTION)
    assert first.params.get("reply_parameters") is None
    assert second.params["reply_parameters"]["message_id"] == chat.last["message_id"]
    assert "<b>88名</b>" in second.html


@pytest.mark.asyncio
async def test_long_answer_is_split_into_valid_parts(api, run_bot, turtle_engine):
    async with run_bot(turtle_engine):
        parts = await Chat(api).say("长寿乌龟活了多少年？", expect=2)
    paragraph = max((p.text for p in turtle_engine.passages), key=len)
    assert len(paragraph) > 5000
    assert len(api.outbox) == 2
    assert all(len(p.html) <= TEXT_LIMIT for p in parts)
    assert paragraph in "".join(plain(p.html) for p in parts)
    assert parts[0].buttons == [] and "👍 有帮助" in [label for label, _ in parts[1].buttons]


@pytest.mark.asyncio
async def test_media_gets_a_hint_to_ask_in_text(api, run_bot, engine):
    kinds = ["sticker", "photo", "voice", "document", "location"]
    async with run_bot(engine):
        for kind in kinds:
            api.push_media(kind)
        replies = await api.wait_sent(len(kinds))
    assert [r.html for r in replies] == [TEXT_MEDIA] * len(kinds)


# ------------------------------------------------------------------ groups
@pytest.mark.asyncio
async def test_group_answers_only_ask_mentions_and_replies(api, run_bot, engine):
    async with run_bot(engine):
        group = Chat(api, GROUP, user_id=USER, chat_type="supergroup")
        api.push_text(QUESTION, chat_id=GROUP, user_id=USER, chat_type="supergroup")  # chatter: ignored
        api.push_command("/ask@other_bot", QUESTION, chat_id=GROUP, chat_type="supergroup")  # another bot's
        [by_mention] = await group.say(f"@{BOT_USERNAME} {QUESTION}")
        mention_id = group.last["message_id"]
        [by_command] = await group.command("/ask", QUESTION)
        bot_message = {**by_command.message}
        [by_reply] = await group.say("江门现在有多少家长者饭堂？", reply_to=bot_message)
        [usage] = await group.command(f"/ask@{BOT_USERNAME}")
    assert len(api.outbox) == 4  # nothing for the chatter or the other bot's command
    assert by_mention.params["reply_parameters"]["message_id"] == mention_id
    for reply in (by_mention, by_command):
        assert "<b>88名</b>" in reply.html
    assert "长者饭堂" in plain(by_reply.html)
    assert usage.html.startswith("用法：/ask 问题")
    assert by_command.message["from"]["id"] == BOT_ID


# ------------------------------------------------------------------ inline mode
@pytest.mark.asyncio
async def test_inline_query_offers_escaped_passages(api, run_bot, engine):
    async with run_bot(engine):
        answer = await api.wait_answered(api.push_inline(QUESTION))
        figures = await api.wait_answered(api.push_inline(""))
        nothing = await api.wait_answered(api.push_inline("火星上有没有水"))
    first = answer["results"][0]
    assert first["type"] == "article" and first["title"] == "B 聚焦重点精准发力 · 第21段"
    assert first["input_message_content"]["parse_mode"] == "HTML"
    assert "<b>88名</b>" in first["input_message_content"]["message_text"]
    key = engine.key_figures()
    assert len(figures["results"]) == min(50, len(key))
    assert figures["results"][0]["title"] == key[0].value
    assert nothing["results"] == []


# ------------------------------------------------------------------ operator controls
@pytest.mark.asyncio
async def test_rate_limit_answers_once_then_stays_quiet(api, run_bot, engine):
    async with run_bot(engine, rate_limit=RateLimitConfig(count=2, per_seconds=60)):
        chat = Chat(api)
        await chat.say(QUESTION)
        await chat.say(QUESTION)
        [limited] = await chat.say(QUESTION)
        api.push_text(QUESTION, chat_id=USER)  # over the limit again: silence
        [other] = await Chat(api, 2002).say(QUESTION)  # another user is not limited
    assert re.fullmatch(r"您发得有点快，请 \d+ 秒后再问。", limited.html)
    assert "<b>88名</b>" in other.html
    assert len(api.outbox) == 4


@pytest.mark.asyncio
async def test_allowlist_refuses_private_chats_once_and_ignores_groups(api, run_bot, engine):
    async with run_bot(engine, allowed_chat_ids=(USER,)):
        stranger = Chat(api, 2002)
        [refusal] = await stranger.say(QUESTION)
        api.push_text(QUESTION, chat_id=2002)  # refused once already: silence
        api.push_command("/ask", QUESTION, chat_id=GROUP, chat_type="group")  # not on the list: silence
        inline = await api.wait_answered(api.push_inline(QUESTION, user_id=2002))
        [answer] = await Chat(api).say(QUESTION)
    assert refusal.html == TEXT_REFUSED
    assert inline["results"] == []
    assert "<b>88名</b>" in answer.html and answer.chat_id == USER
    assert len(api.outbox) == 2


@pytest.mark.asyncio
async def test_stats_for_admins_only(api, run_bot, engine, tmp_path):
    cfg = {"admin_ids": (USER,), "log_file": str(tmp_path / "bot.jsonl")}
    async with run_bot(engine, **cfg):
        visitor = Chat(api, 2002)
        [answered] = await visitor.say(QUESTION)
        await visitor.say("火星上有没有水？")
        await visitor.say("你好")  # a greeting is not a question
        await visitor.press(answered, "👍")
        [refused] = await visitor.command("stats")
        [stats] = await Chat(api).command("stats")
    assert refused.html == TEXT_NOT_ADMIN
    assert stats.html == "📈 统计（日志文件中）\n问题：2（没找到答案：1）\n反馈：👍 1 · 👎 0"
    assert "火星" not in stats.html  # no one's questions in a reply to someone else


@pytest.mark.asyncio
async def test_stats_are_rebuilt_from_the_journal_after_a_restart(api, run_bot, engine, tmp_path):
    cfg = {"admin_ids": (USER,), "log_file": str(tmp_path / "bot.jsonl")}
    async with run_bot(engine, **cfg):
        await Chat(api).say("火星上有没有水？")
    async with run_bot(engine, **cfg):
        [stats] = await Chat(api).command("stats")
    assert "问题：1（没找到答案：1）" in stats.html


def test_every_command_is_documented() -> None:
    docs = (Path(__file__).resolve().parent.parent / "docs" / "TELEGRAM.md").read_text(encoding="utf-8")
    for name, _ in COMMANDS + ADMIN_COMMANDS:
        assert f"| `/{name}" in docs, name


def test_no_module_but_the_telegram_front_end_imports_telegram() -> None:
    root = Path(__file__).resolve().parent.parent
    modules = sorted(f"bot.{p.stem}" for p in (root / "bot").glob("*.py") if p.stem not in ("telegram_app", "__main__"))
    code = (
        f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] == 'telegram'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "[]"
