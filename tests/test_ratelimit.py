"""Who gets an answer: the sliding-window rate limit, the allowlist, group addressing."""

from __future__ import annotations

import pytest

from bot.ratelimit import (
    Access,
    Allowlist,
    SlidingWindowLimiter,
    Verdict,
    access,
    addressed_question,
    command_for_bot,
)

ALLOW, NOTIFY, SILENT = Verdict.ALLOW, Verdict.DENY_NOTIFY, Verdict.DENY_SILENT


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("times", "verdicts"),
    [
        ([0, 1, 2], [ALLOW, ALLOW, NOTIFY]),
        ([0, 1, 2, 3, 4], [ALLOW, ALLOW, NOTIFY, SILENT, SILENT]),
        # The window slides: at t=10 the message of t=0 has left it.
        ([0, 1, 2, 9.9, 10], [ALLOW, ALLOW, NOTIFY, SILENT, ALLOW]),
        # After being let in again, a new burst is told once more.
        ([0, 1, 2, 10, 10.5], [ALLOW, ALLOW, NOTIFY, ALLOW, NOTIFY]),
        # Refused messages do not count: spamming does not extend the wait.
        ([0, 5, 6, 7, 8, 10, 15], [ALLOW, ALLOW, NOTIFY, SILENT, SILENT, ALLOW, ALLOW]),
    ],
)
def test_two_per_ten_seconds(times: list[float], verdicts: list[Verdict]) -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(2, 10, clock=clock)
    got = []
    for t in times:
        clock.now = t
        got.append(limiter.check(42))
    assert got == verdicts


def test_users_are_limited_separately_and_told_when_to_come_back() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(1, 60, clock=clock)
    assert [limiter.check(1), limiter.check(2), limiter.check(1)] == [ALLOW, ALLOW, NOTIFY]
    clock.now = 15
    assert limiter.retry_in(1) == 45
    assert limiter.retry_in(3) == 0


def test_memory_is_bounded_forgetting_the_least_recent() -> None:
    limiter = SlidingWindowLimiter(1, 60, clock=Clock(), max_keys=2)
    assert [limiter.check(1), limiter.check(2), limiter.check(3)] == [ALLOW, ALLOW, ALLOW]
    assert limiter.check(1) is ALLOW  # forgotten, so its window starts afresh
    assert limiter.check(3) is NOTIFY


@pytest.mark.parametrize(("count", "per"), [(0, 60), (1, 0), (1, -5)])
def test_nonsense_limits_are_rejected(count: int, per: float) -> None:
    with pytest.raises(ValueError):
        SlidingWindowLimiter(count, per)


@pytest.mark.parametrize(
    ("allowed", "chat_id", "chat_type", "expected"),
    [
        ((), 5, "private", Access.ANSWER),  # empty list = everyone
        ((), -100, "supergroup", Access.ANSWER),
        ((5,), 5, "private", Access.ANSWER),
        ((5,), 6, "private", Access.REFUSE),
        ((5,), -100, "group", Access.IGNORE),
        ((5, -100), -100, "supergroup", Access.ANSWER),
    ],
)
def test_access(allowed: tuple[int, ...], chat_id: int, chat_type: str, expected: Access) -> None:
    assert access(chat_id, chat_type, allowed) is expected


def test_allowlist_refuses_a_private_chat_only_once() -> None:
    allowlist = Allowlist([5])
    assert [allowlist.access(6, "private") for _ in range(3)] == [Access.REFUSE, Access.IGNORE, Access.IGNORE]
    assert allowlist.access(7, "private") is Access.REFUSE
    assert allowlist.access(5, "private") is Access.ANSWER


@pytest.mark.parametrize(
    ("text", "chat_type", "mentions", "replies", "question"),
    [
        ("  讲师团有多少名成员？ ", "private", [], False, "讲师团有多少名成员？"),
        ("讲师团有多少名成员？", "group", [], False, None),
        ("@qa_test_bot 讲师团有多少名成员？", "group", ["@qa_test_bot"], False, "讲师团有多少名成员？"),
        ("讲师团@QA_Test_Bot有多少名成员？", "supergroup", ["@QA_Test_Bot"], False, "讲师团 有多少名成员？"),
        ("@other_bot 讲师团有多少名成员？", "group", ["@other_bot"], False, None),
        ("讲师团有多少名成员？", "supergroup", [], True, "讲师团有多少名成员？"),
        ("@qa_test_bot 讲师团", "channel", ["@qa_test_bot"], False, None),
    ],
)
def test_addressed_question(
    text: str, chat_type: str, mentions: list[str], replies: bool, question: str | None
) -> None:
    assert addressed_question(text, chat_type, "qa_test_bot", mentions=mentions, replies_to_bot=replies) == question


@pytest.mark.parametrize(
    ("text", "for_bot"),
    [
        ("/ask 讲师团", True),
        ("/ask", True),
        ("/ask@qa_test_bot 讲师团", True),
        ("/ask@QA_TEST_BOT", True),
        ("/ask@other_bot 讲师团", False),
        ("ask 讲师团", False),
    ],
)
def test_command_for_bot(text: str, for_bot: bool) -> None:
    assert command_for_bot(text, "qa_test_bot") is for_bot
