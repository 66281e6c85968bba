"""Follow-up questions: resolved against the previous question only when they say so."""

from __future__ import annotations

import pytest

from bot.engine import Engine


@pytest.mark.parametrize(
    ("previous", "question", "effective", "figure"),
    [
        ("市级零工市场枢纽有几个？", "那县级的呢？", "县级零工市场枢纽有几个?", "7个"),
        ("市级零工市场枢纽有几个？", "那么县级的呢", "县级零工市场枢纽有几个?", "7个"),
        ("市级零工市场枢纽有几个？", "还有就业驿站呢", None, "80个"),
        ("市领导的调研成果转化了多少项", "那县级领导班子呢？", None, "229项"),
    ],
)
def test_a_marked_follow_up_borrows_from_the_previous_question(
    engine: Engine, previous: str, question: str, effective: str | None, figure: str
) -> None:
    answer = engine.ask(question, previous)
    assert answer.answered
    if effective is not None:
        assert answer.effective_question == effective
    assert answer.figures[0].value == figure


@pytest.mark.parametrize(
    ("previous", "question"),
    [
        ("讲师团有多少名成员？", "今天天气怎么样？"),  # no 那…/…呢: a new question
        ("讲师团有多少名成员？", "火星上有没有水？"),
    ],
)
def test_an_unmarked_question_is_a_new_question(engine: Engine, previous: str, question: str) -> None:
    answer = engine.ask(question, previous)
    assert answer.effective_question == question
    assert not answer.answered


def test_a_follow_up_that_finds_nothing_is_answered_as_asked(engine: Engine) -> None:
    answer = engine.ask("那鹤山呢", "长者饭堂一顿饭多少钱")
    assert answer.effective_question == "那鹤山呢"
    assert answer.answered and answer.hits[0].passage.text.find("鹤山") != -1


def test_the_previous_question_changes_only_a_marked_follow_up(engine: Engine) -> None:
    """What the Telegram answer cache relies on: a question that is not a follow-up gets the
    same answer whatever was asked before it."""
    import random

    from bot.evaluate import load_questions

    repo = __import__("pathlib").Path(__file__).resolve().parent.parent
    qs = [q.q for q in load_questions(repo / "eval" / "questions.yaml")] + ["那县级的呢？", "还有呢", "  讲师团有多少名成员？  "]
    rng = random.Random(7)
    checked = 0
    for q in qs:
        if engine.is_followup(q):
            continue
        alone = engine.ask(q)
        for previous in rng.sample(qs, 3):
            after = engine.ask(q, previous)
            assert after == alone, (q, previous)
            assert after.effective_question == alone.effective_question
        checked += 1
    assert checked >= 100
    assert engine.is_followup("那县级的呢？") and engine.is_followup("还有呢")
    assert not engine.is_followup("讲师团有多少名成员？")


def test_a_position_follow_up_replaces_the_previous_position(engine):
    # 「那第三部分呢」 was 「第一部分的副标题是什么 第三」, and the first part was answered again.
    assert engine.resolve_followup("那第三部分呢", "第一部分的副标题是什么") == "第三部分的副标题是什么"
    assert engine.resolve_followup("那第二张呢", "第一张图片拍的是什么") == "第二张图片拍的是什么"
    assert engine.resolve_followup("最后一张呢", "第一张照片是谁拍的") == "最后一张照片是谁拍的"
    answer = engine.ask("那第三部分呢", previous="第一部分的副标题是什么")
    assert answer.hits[0].passage.text.startswith("C 知行合一务求实效")
    # After a question without a position, a position names its own passage.
    assert engine.ask("第二部分呢", previous="讲师团有多少名成员").hits[0].passage.text.startswith("B ")
