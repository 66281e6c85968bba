"""The composition root: arguments → config → engine → a front end.

``qabot [--config PATH] [--knowledge PATH] [--top-k N] COMMAND …`` where COMMAND is ``ask``,
``console``, ``eval``, ``index`` or ``telegram``. Stdout carries only answers; logs go to stderr.
A :class:`BotError` becomes one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot import __version__
from bot.config import Config, load_config, with_overrides
from bot.errors import BotError, ConfigError

log = logging.getLogger("bot")

DEFAULT_CONFIG = "config.yaml"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="qabot",
        description="Answer questions about the articles in a knowledge folder (BM25 over jieba tokens).",
    )
    p.add_argument("--version", action="version", version=f"qabot {__version__}")
    p.add_argument("--config", metavar="PATH", help=f"YAML config (default: ./{DEFAULT_CONFIG} if present)")
    p.add_argument("--knowledge", metavar="PATH", help="a knowledge folder or one document (overrides the config)")
    p.add_argument("--top-k", type=int, metavar="N", help="passages per answer (default 3)")
    p.add_argument("--log-level", metavar="LEVEL", help="DEBUG, INFO, WARNING (default), ERROR")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    ask = sub.add_parser("ask", help="answer one question (or each line of stdin with '-')")
    ask.add_argument("question", nargs="+", help="the question, or '-' to read one a line from stdin")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("--explain", action="store_true", help="show tokens, matches, scores and decisions")

    sub.add_parser("console", help="interactive question session")

    ev = sub.add_parser("eval", help="score the engine on a question file")
    ev.add_argument("file", help="YAML question file (format of eval/questions.yaml)")
    ev.add_argument("--json", action="store_true", help="print the figures as JSON")

    sub.add_parser("index", help="build (and save) the index now")
    sub.add_parser("telegram", help="run the Telegram bot (token from TELEGRAM_BOT_TOKEN)")
    return p


def _load(args: argparse.Namespace) -> Config:
    path = args.config
    if path is None and Path(DEFAULT_CONFIG).is_file():
        path = DEFAULT_CONFIG
    cfg = load_config(path)
    if args.top_k is not None and args.top_k < 1:
        raise ConfigError(f"--top-k: must be ≥ 1, got {args.top_k}")
    return with_overrides(cfg, knowledge=args.knowledge, top_k=args.top_k)


def _setup_logging(level: str) -> None:
    from bot.logs import setup_logging

    setup_logging(level)


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    out = stdout or sys.stdout
    if args.command is None:
        args.command = "console"
    try:
        cfg = _load(args)
        _setup_logging(args.log_level or cfg.log_level)
        if args.command == "telegram":
            from bot.telegram_app import run_telegram  # the only path that imports telegram

            return run_telegram(cfg)
        from bot.app import build_engine

        engine = build_engine(cfg)
        if args.command == "ask":
            from bot.commands import run_ask

            return run_ask(engine, args.question, as_json=args.json, explain=args.explain, stdin=stdin, stdout=out)
        if args.command == "console":
            from bot.console import run_console

            return run_console(engine, stdin=stdin, stdout=out)
        if args.command == "eval":
            from bot.evaluate import run_eval

            return run_eval(engine, Path(args.file), stdout=out, as_json=args.json)
        if args.command == "index":
            print(f"indexed {len(engine.passages)} passages from {len(engine.documents)} documents", file=out)
            if engine.index.warm_up():
                print("compiled the ranking of large indexes (numba; cached for later processes)", file=out)
            return 0
    except BotError as exc:
        print(f"qabot: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `qabot ask - | head` closing the pipe early is not an error worth a traceback.
        sys.stderr.close()
        return 0
    return 0


def dump_json(obj: object) -> str:
    """JSON as ``ask --json`` prints it: one line, Chinese kept readable."""
    return json.dumps(obj, ensure_ascii=False)


def main_entry() -> None:
    """The ``qabot`` console script."""
    sys.exit(main())
