"""Answer → what a person reads: plain text (console, ``ask``) or Telegram HTML.

One module for both front ends, so the console is a faithful preview of Telegram. Every string
that comes from a user or a document is HTML-escaped in the HTML form, and messages are split
at paragraph boundaries to stay within Telegram's 4096 characters.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import NamedTuple

from bot.models import Answer, Figure, Hit

TELEGRAM_LIMIT = 4096

KIND_LABEL = {"caption": "图片说明", "lead": "导语", "byline": "署名", "paragraph": "正文", "heading": "小标题"}


class Span(NamedTuple):
    """A stretch of passage text to mark (a tuple: several are made per answer rendered)."""

    start: int
    end: int
    style: str  # "match" | "figure"


def _spans(text: str, hit: Hit, figures: Iterable[Figure]) -> list[Span]:
    """Non-overlapping spans to mark: figures win over matched words."""
    spans: list[Span] = []
    pid = hit.passage.id
    for f in figures:
        value = f.value
        if f.passage_id == pid and text[f.start : f.start + len(value)] == value:
            spans.append(_new(Span, (f.start, f.start + len(value), "figure")))
    find = text.find
    for term in sorted(set(hit.matched), key=len, reverse=True):
        size = len(term)
        if size < 2 and not term.isdigit():
            continue  # marking every 市 or 村 would mark half the paragraph
        pos = find(term)
        while pos != -1:
            end = pos + size
            for start, stop, _ in spans:
                if start < end and pos < stop:
                    break  # overlaps a span already marked
            else:
                spans.append(_new(Span, (pos, end, "match")))
            pos = find(term, end)
    spans.sort(key=_START)
    return spans


_new = tuple.__new__  # Span(a, b, c) is _new(Span, (a, b, c)), without the named tuple's Python __new__
_START = itemgetter(0)


def _mark(text: str, spans: Sequence[Span], fmt: dict[str, tuple[str, str]], escape: bool) -> str:
    out, at = [], 0
    if not escape:
        for start, end, style in spans:
            open_, close = fmt[style]
            out.append(text[at:start])
            out.append(open_ + text[start:end] + close)
            at = end
        out.append(text[at:])
        return "".join(out)
    esc = html.escape
    for s in spans:
        out.append(esc(text[at : s.start]))
        open_, close = fmt[s.style]
        out.append(open_ + esc(text[s.start : s.end]) + close)
        at = s.end
    out.append(esc(text[at:]))
    return "".join(out)


def location(hit: Hit) -> str:
    """「B 聚焦重点精准发力 · 第21段」 — where a passage stands in its document."""
    p = hit.passage
    if p.kind == "heading":
        return KIND_LABEL["heading"]  # not a paragraph: it has no 第N段
    where = p.section or KIND_LABEL.get(p.kind, p.kind)
    return f"{where} · 第{p.number}段"


def _figure_line(f: Figure) -> str:
    return f"{f.value}（{f.context}）"


# ------------------------------------------------------------------ plain text
def answer_text(answer: Answer, *, not_found: str, passages: int | None = None, color: bool = False) -> str:
    """The answer as the console and ``ask`` print it."""
    if not answer.answered:
        return not_found
    fmt = {"match": ("\x1b[4m", "\x1b[0m"), "figure": ("\x1b[1m", "\x1b[0m")} if color else {
        "match": ("【", "】"),
        "figure": ("「", "」"),
    }
    hits = answer.hits if passages is None else answer.hits[:passages]
    blocks = []
    for i, hit in enumerate(hits):
        head = f"[{i + 1}] {location(hit)}（{hit.passage.doc}）"
        body = _mark(hit.passage.text, _spans(hit.passage.text, hit, answer.figures), fmt, escape=False)
        blocks.append(f"{head}\n{body}")
    if answer.figures:
        lines = "\n".join(f"  · {_figure_line(f)}" for f in answer.figures)
        blocks.append(f"关键数字：\n{lines}")
    return "\n\n".join(blocks)


# ------------------------------------------------------------------ Telegram HTML
def answer_html(answer: Answer, *, start: int = 0, count: int = 1, figures: int = 3) -> str:
    """Telegram HTML for passages ``start``…``start+count`` of an answered question."""
    fmt = {"match": ("<u>", "</u>"), "figure": ("<b>", "</b>")}
    blocks = []
    for hit in answer.hits[start : start + count]:
        body = _mark(hit.passage.text, _spans(hit.passage.text, hit, answer.figures), fmt, escape=True)
        blocks.append(f"<i>{html.escape(location(hit))}</i>\n{body}")
    shown = [f for f in answer.figures if any(f.passage_id == h.passage.id for h in answer.hits[start : start + count])]
    if shown and figures:
        items = "\n".join(f"• <b>{html.escape(f.value)}</b> — {html.escape(f.context)}" for f in shown[:figures])
        blocks.append(f"📊 关键数字\n{items}")
    return "\n\n".join(blocks)


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split a message at paragraph (then line) boundaries so that every part fits ``limit``.

    Parts are cut only between blocks, where no HTML tag is open; a single block longer than
    the limit is cut between characters after dropping its tags (still valid, now plain).
    """
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for block in text.split("\n\n"):
        pieces = [block] if len(block) <= limit else _cut_block(block, limit)
        for piece in pieces:
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                if current:
                    parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return parts


def _cut_block(block: str, limit: int) -> list[str]:
    lines = block.split("\n")
    if all(len(line) <= limit for line in lines) and len(lines) > 1:
        out, cur = [], ""
        for line in lines:
            cand = f"{cur}\n{line}" if cur else line
            if len(cand) <= limit:
                cur = cand
            else:
                out.append(cur)
                cur = line
        if cur:
            out.append(cur)
        return out
    plain = _strip_tags(block)
    out, cur = [], ""
    for ch in plain:
        esc = html.escape(ch)
        if len(cur) + len(esc) > limit:
            out.append(cur)
            cur = ""
        cur += esc
    if cur:
        out.append(cur)
    return out


def _strip_tags(fragment: str) -> str:
    """Our own HTML back to text (we only ever emit <b>, <i>, <u>, <a> and entities)."""
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


# ------------------------------------------------------------------ non-answers
@dataclass(frozen=True)
class Info:
    """What the front ends say about the knowledge: titles, examples, sections."""

    titles: tuple[str, ...]
    examples: tuple[str, ...]
    sections: tuple[str, ...]


def _quote(q: str, n: int = 40) -> str:
    q = " ".join(q.split())
    return q if len(q) <= n else q[: n - 1] + "…"


def message_text(answer: Answer, info: Info) -> str:
    """The one-paragraph reply for anything that is not an answer (plain text)."""
    examples = "\n".join(f"  · {e}" for e in info.examples)
    about = "、".join(f"《{t}》" for t in info.titles[:3])
    if answer.kind == "greeting":
        return f"您好！我可以回答关于{about}的问题，例如：\n{examples}" if examples else f"您好！我可以回答关于{about}的问题。"
    if answer.kind == "empty":
        return f"请输入一个问题，例如：\n{examples}" if examples else "请输入一个问题。"
    if answer.kind == "invalid":
        return f"这条消息太长了，请把问题控制在 500 字以内。（{answer.reason}）"
    text = f"抱歉，文章里没有找到能回答「{_quote(answer.question)}」的内容。"
    if info.sections:
        text += "\n可以换个问法，或问问这些方面：" + "、".join(info.sections[:6])
    return text


def reply_text(answer: Answer, info: Info, *, color: bool = False) -> str:
    """Plain-text reply for the console and ``ask``."""
    if answer.answered:
        return answer_text(answer, not_found="", color=color)
    return message_text(answer, info)


def reply_html(answer: Answer, info: Info, *, start: int = 0, count: int = 1) -> str:
    """Telegram HTML reply (escaped) for any answer."""
    if answer.answered:
        return answer_html(answer, start=start, count=count)
    return html.escape(message_text(answer, info))
