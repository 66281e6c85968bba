"""``ask``: one question, or one a line from stdin, as text or JSON."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator, Sequence
from typing import TextIO

from bot.engine import Engine
from bot.render import reply_text


def _dump(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _stdin_lines(stdin: TextIO | None) -> Iterator[str]:
    """Lines of stdin decoded leniently: invalid UTF-8 becomes U+FFFD instead of a crash."""
    if stdin is not None:
        yield from stdin
        return
    stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline=None)
    yield from stream


def run_ask(
    engine: Engine,
    words: Sequence[str],
    *,
    as_json: bool,
    explain: bool,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Answer the question in ``words`` (joined), or each stdin line when it is ``-``."""
    out = stdout or sys.stdout
    info = engine.info()

    def answer(question: str, previous: str | None) -> str:
        ans = engine.ask(question, previous, explain=explain)
        if as_json:
            obj = ans.to_json()
            if explain:
                obj["explain"] = ans.explain
            print(_dump(obj), file=out, flush=True)
        else:
            print(reply_text(ans, info), file=out)
            if explain:
                print(_dump(ans.explain or {"decision": ans.reason, "kind": ans.kind}), file=out)
            out.flush()
        return ans.effective_question or question

    if list(words) == ["-"]:
        previous: str | None = None
        for line in _stdin_lines(stdin):
            previous = answer(line.rstrip("\r\n"), previous)
        return 0
    answer(" ".join(words), None)
    return 0

