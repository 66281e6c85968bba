"""Property tests: odd input never crashes the core, and its outputs keep their invariants."""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine import Engine
from bot.figures import extract_figures
from bot.models import Answer, Figure, Hit, Passage
from bot.render import TELEGRAM_LIMIT, answer_html, reply_html, split_message
from bot.textnorm import normalize

# Text that looks like what people send: Chinese, digits with units, punctuation of both widths,
# emoji, controls, HTML and Markdown specials.
CHUNKS = st.sampled_from(
    [
        "长者饭堂", "讲师团", "多少", "几个", "吗", "？", "?", "，", ",", "。", "、", "“", "”", "(", ")",
        "114家", "76.4%", "第6个", "22万多名", "2023年9月19日", "超500项", "1+6+3", "<b>", "</i>", "&amp;",
        "&", "<", ">", "*", "_", "`", "[链接](http://x)", "😀", "👍🏽", "\x00", "\x1b[31m", "\u200b", "\ufeff",
        " ", "\n", "\t", "ＡＢＣ１２３", "長者飯堂", "hello", "Python", "\ud7ff", "𠀀",
    ]
)
MESSY = st.one_of(
    st.text(max_size=200),
    st.lists(CHUNKS, max_size=40).map("".join),
)

HEALTH = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ALLOWED_TAGS = {"b", "i", "u", "s", "a", "code", "pre", "tg-spoiler", "blockquote"}


class _TagChecker(HTMLParser):
    """Fails on unbalanced tags or tags Telegram's HTML mode does not accept."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        assert tag in ALLOWED_TAGS, tag
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (tag, self.stack)
        self.stack.pop()


def assert_telegram_html(text: str) -> None:
    assert 1 <= len(text) <= TELEGRAM_LIMIT
    checker = _TagChecker()
    checker.feed(text)
    checker.close()
    assert checker.stack == []
    # Outside our tags, "<" and "&" appear only escaped.
    bare = re.sub(r"</?(?:b|i|u|s|a|code|pre|tg-spoiler|blockquote)>", "", text)
    assert "<" not in bare and ">" not in bare
    assert re.fullmatch(r"(?:[^&]|&(?:amp|lt|gt|quot|#x27);)*", bare, re.S)


@HEALTH
@given(MESSY)
def test_normalize_is_idempotent_and_drops_controls(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in once)
    assert once == once.strip()


@HEALTH
@given(MESSY)
def test_tokens_are_content_only(engine: Engine, text: str) -> None:
    analysis = engine.tokenizer.analyze(text)
    for tok in analysis.words + analysis.terms + analysis.bigrams:
        assert tok and tok == tok.strip()
        assert any(unicodedata.category(ch)[0] in "LN" for ch in tok), tok


@HEALTH
@given(MESSY)
def test_figures_are_quoted_from_the_text(text: str) -> None:
    for fig in extract_figures(text, "doc#1"):
        assert text[fig.start : fig.start + len(fig.value)] == fig.value
        assert fig.value in fig.context
        assert any(ch.isdigit() for ch in fig.value)


@HEALTH
@given(MESSY)
def test_ask_never_crashes_and_refusals_carry_nothing(engine: Engine, text: str) -> None:
    answer = engine.ask(text)
    if not answer.answered:
        assert answer.hits == () and answer.figures == ()
    else:
        assert answer.hits
    data = answer.to_json()
    assert set(data) == {"question", "answered", "passages", "figures"}


@HEALTH
@given(MESSY)
def test_every_reply_is_valid_telegram_html(engine: Engine, text: str) -> None:
    answer = engine.ask(text)
    for part in split_message(reply_html(answer, engine.info())):
        assert_telegram_html(part)


@HEALTH
@given(st.lists(MESSY, min_size=1, max_size=60))
def test_long_answers_split_into_valid_parts(paragraphs: list[str]) -> None:
    """A made-up answer with arbitrary passage text (HTML specials included) splits cleanly."""
    hits = tuple(
        Hit(Passage(f"d#{i}", "d", "A 节", "paragraph", i, p * 20 or "空"), 1.0, ("长者",), 1.0)
        for i, p in enumerate(paragraphs, 1)
    )
    figures = tuple(Figure("114家", "家", "总数达114家", "d#1", "count", 0) for _ in range(1))
    answer = Answer("q", True, hits, figures)
    text = answer_html(answer, count=len(hits))
    parts = split_message(text)
    for part in parts:
        assert_telegram_html(part)
    # Nothing is lost: the parts, read as text, hold every passage's text.
    plain = re.sub(r"\s", "", html.unescape(re.sub(r"<[^>]+>", "", "".join(parts))))
    for hit in hits:
        assert re.sub(r"\s", "", hit.passage.text) in plain
