"""The transport's trimming of Telegram's echo of a sent message."""

from __future__ import annotations

import json

from telegram import Message

from bot.telegram_app import _without_echo


def test_buttons_and_the_replied_message_are_dropped_the_message_stays_readable() -> None:
    sent = {
        "message_id": 7,
        "date": 1,
        "chat": {"id": 5, "type": "private"},
        "text": "答案",
        "entities": [{"type": "bold", "offset": 0, "length": 2}],
        "reply_markup": {"inline_keyboard": [[{"text": "更多", "callback_data": "m"}]]},
        "reply_to_message": {"message_id": 6, "date": 1, "chat": {"id": 5, "type": "private"}, "text": "问"},
    }
    out = json.loads(_without_echo(json.dumps({"ok": True, "result": sent}).encode()))
    assert out["ok"] is True
    assert set(out["result"]) == {"message_id", "date", "chat", "text"}
    message = Message.de_json(out["result"], None)
    assert message.message_id == 7 and message.text == "答案"


def test_what_it_cannot_read_or_need_not_trim_passes_unchanged() -> None:
    for content in (b"not json", b'{"ok": false, "description": "Bad Request"}', b'{"ok": true, "result": true}',
                    b'[1, 2]', b'{"ok": true, "result": {"message_id": 1}}'):
        assert _without_echo(content) is content


def test_a_keyboard_serialises_as_ptb_does_and_only_once() -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

    from bot.telegram_app import _NO_PREVIEW, _markup

    rows = [[InlineKeyboardButton("更多", callback_data="m:1")], [InlineKeyboardButton("原文", callback_data="s:2")]]
    markup = _markup(rows)
    assert isinstance(markup, InlineKeyboardMarkup)
    first = markup.to_dict()
    assert first == InlineKeyboardMarkup(rows).to_dict()
    assert markup.to_dict() is first  # worked out once, not per send
    assert markup.to_dict(recursive=False) == InlineKeyboardMarkup(rows).to_dict(recursive=False)
    assert markup == InlineKeyboardMarkup(rows)  # still equal to the plain markup (same buttons)
    assert _markup([[], []]) is None
    assert _NO_PREVIEW.to_dict() == LinkPreviewOptions(is_disabled=True).to_dict()
    assert json.loads(json.dumps(_NO_PREVIEW.to_dict())) == {"is_disabled": True}


def test_whether_a_question_follows_on_is_worked_out_once_and_kept_bounded(engine) -> None:  # type: ignore[no-untyped-def]
    from bot.telegram_app import Served

    calls: list[str] = []

    class Counting:
        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(engine, name)

        def is_followup(self, question: str) -> bool:
            calls.append(question)
            return engine.is_followup(question)

    served = Served(Counting(), answer_cache=2)  # type: ignore[arg-type]
    previous = "市级零工市场枢纽有几个？"
    assert served._key("那县级的呢？", previous) == ("那县级的呢？", previous)
    assert served._key("那县级的呢？", previous) == ("那县级的呢？", previous)
    assert served._key("讲师团有多少名成员？", previous) == ("讲师团有多少名成员？", None)
    assert calls == ["那县级的呢？", "讲师团有多少名成员？"]
    for q in ("一", "二", "三", "四"):
        served._key(q, previous)
    assert len(served._followups) <= 2
