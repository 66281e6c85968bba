"""The interactive console: a REPL over the engine, streams injected so tests can script it.

On a terminal it uses ``readline`` for line editing and history; piped input is read a line at
a time with no prompt. ``/help``, ``/quit``, Ctrl-D and Ctrl-C leave cleanly.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from bot.engine import Engine
from bot.render import reply_text

HELP = """直接输入问题并回车，例如「讲师团有多少名成员？」。可以接着追问，如「那县级的呢？」。
命令：/help 帮助  /sources 资料来源  /quit 退出（也可以按 Ctrl-D）"""


def _interactive(stdin: TextIO) -> bool:
    try:
        return stdin.isatty()
    except (AttributeError, ValueError):
        return False


def run_console(engine: Engine, *, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Read questions until /quit or end of input; print each answer."""
    inp = stdin or sys.stdin
    out = stdout or sys.stdout
    interactive = stdin is None and _interactive(inp)
    read: Callable[[], str]
    if interactive:
        try:
            import readline  # noqa: F401  (importing it gives input() editing and history)
        except ImportError:  # not on every platform; input() still works
            pass

        def read() -> str:
            return input("问> ")

    else:

        def read() -> str:
            line = inp.readline()
            if not line:
                raise EOFError
            return line.rstrip("\r\n")

    info = engine.info()
    titles = "、".join(f"《{t}》" for t in info.titles[:3])
    print(f"已载入 {engine.paragraph_count} 段文字：{titles}。输入 /help 查看帮助。", file=out)
    previous: str | None = None
    while True:
        try:
            line = read()
        except EOFError:
            print(file=out)
            return 0
        except KeyboardInterrupt:
            print("\n再见！", file=out)
            return 0
        cmd = line.strip().lower()
        if cmd in ("/quit", "/exit", "/q", "quit", "exit"):
            print("再见！", file=out)
            return 0
        if cmd in ("/help", "/?", "help"):
            print(HELP, file=out)
            continue
        if cmd == "/sources":
            for d in engine.documents:
                meta = d.meta
                who = " ".join(str(meta[k]) for k in ("source", "author") if meta.get(k))
                print(f"· {d.title} {who}".rstrip(), file=out)
            continue
        if cmd.startswith("/"):
            print(f"未知命令 {line.strip()[:20]}，输入 /help 查看帮助。", file=out)
            continue
        answer = engine.ask(line, previous)
        if answer.kind == "question":
            previous = answer.effective_question or line
        print(reply_text(answer, info, color=interactive and out is sys.stdout), file=out)
        print(file=out)
        out.flush()
