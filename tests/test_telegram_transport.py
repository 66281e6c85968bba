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
