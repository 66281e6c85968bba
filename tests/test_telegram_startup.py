"""Start-up checks of ``qabot telegram`` that fail before anything is sent to Telegram."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import cli
from bot.config import Config, TelegramConfig
from bot.errors import ConfigError
from bot.telegram_app import run_telegram


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """cli.main configures the root logger for a process; put it back for the other tests."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    quiet = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, lvl in quiet.items():
        logging.getLogger(name).setLevel(lvl)


def test_missing_token_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], restored_logging: None
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    config = tmp_path / "config.yaml"
    config.write_text("telegram:\n  log_file: bot.jsonl\n", encoding="utf-8")
    assert cli.main(["--config", str(config), "telegram"]) == 2
    assert capsys.readouterr().err == (
        "qabot: error: telegram.token: no bot token; set TELEGRAM_BOT_TOKEN (or telegram.token in the config)\n"
    )
    assert not (tmp_path / "bot.jsonl").exists()  # refused before anything was opened


def test_malformed_token_is_refused_without_echoing_it() -> None:
    token = "my-secret-but-not-a-token"
    with pytest.raises(ConfigError) as exc:
        run_telegram(Config(telegram=TelegramConfig(token=token)))
    assert str(exc.value).startswith("telegram.token: does not look like a bot token")
    assert token not in str(exc.value)
