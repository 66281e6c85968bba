"""Logging for the entry points: stderr, a redacting filter, quiet third-party loggers.

Telegram bot tokens leak through httpx INFO lines ("POST …/bot<TOKEN>/getUpdates"), PTB DEBUG
lines and ``repr(bot)``; the filter sits on the *handlers*, because a filter on a logger
misses records from its child loggers.
"""

from __future__ import annotations

import logging
import re
import sys

# Telegram tokens look like 123456789:AA…(35 chars); also redact any explicitly registered secret.
# No \b before the digits: in ".../bot123456789:AA.../getMe" a word character precedes them.
_TOKEN_RE = re.compile(r"(?<![0-9])\d{5,}:[A-Za-z0-9_-]{20,}")
_secrets: set[str] = set()


def register_secret(secret: str) -> None:
    """Make sure ``secret`` is replaced by *** in every log line from now on."""
    if secret and len(secret) >= 4:
        _secrets.add(secret)


def redact(text: str) -> str:
    """``text`` with registered secrets and anything shaped like a bot token replaced."""
    for s in _secrets:
        text = text.replace(s, "***")
    return _TOKEN_RE.sub("***", text)


class RedactingFilter(logging.Filter):
    """Renders the record once, redacts it, and freezes the result into ``msg``."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad %-format in someone's log call must not kill logging
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info:
            # Tracebacks include reprs (PTB's Bot repr shows the token): format now, redact.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def setup_logging(level: str = "WARNING", stream=None) -> None:  # type: ignore[no-untyped-def]
    """Configure the root logger once, for the command line."""
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_qabot", False):
            root.removeHandler(h)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler._qabot = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    # httpx logs every request URL — which contains the token — at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
