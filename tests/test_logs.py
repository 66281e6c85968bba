"""The redacting log filter: a bot token never survives into a log line."""

from __future__ import annotations

import io
import logging

import pytest

from bot.logs import RedactingFilter, redact, register_secret

TOKEN = "123456789:AAbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"


@pytest.mark.parametrize(
    "line",
    [
        f"HTTP Request: POST https://api.telegram.org/bot{TOKEN}/getUpdates \"HTTP/1.1 200 OK\"",
        f"token={TOKEN}",
        f"Bot(token='{TOKEN}')",
    ],
)
def test_tokens_are_redacted_even_inside_urls(line: str) -> None:
    assert TOKEN not in redact(line)
    assert "***" in redact(line)


def test_a_registered_secret_is_redacted_from_messages_args_and_tracebacks() -> None:
    register_secret("s3cr3t-webhook")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    try:
        logger.error("secret is %s", "s3cr3t-webhook")
        try:
            raise ValueError(f"bad token {TOKEN}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    out = stream.getvalue()
    assert "s3cr3t-webhook" not in out and TOKEN not in out
    assert out.count("***") >= 2
