"""The real entry point, ``python -m bot telegram``, as a process against the fake Bot API."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fake_bot_api import PROXY_VARIABLES, TOKEN, FakeBotAPI

pytest_plugins = ["telegram_fixtures"]  # the api fixture

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "讲师团有多少名成员？"
EXIT_TIMEOUT = 20  # generous: start-up builds the engine (jieba) first


def bot_env(token: str | None = TOKEN) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES and k != "TELEGRAM_BOT_TOKEN"}
    env.update(NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost", PYTHONUNBUFFERED="1")
    if token:
        env["TELEGRAM_BOT_TOKEN"] = token
    return env


def write_config(tmp_path: Path, api: FakeBotAPI, extra: str = "") -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(f"telegram:\n  base_url: {api.base_url}\n  log_file: bot.jsonl\n{extra}", encoding="utf-8")
    return path


Launch = Callable[..., "subprocess.Popen[str]"]


@pytest.fixture
def launch() -> Iterator[Launch]:
    """Start ``python -m bot --config … --log-level DEBUG telegram``; kill it if a test fails."""
    procs: list[subprocess.Popen[str]] = []

    def start(config: Path, env: dict[str, str], log_level: str = "DEBUG") -> subprocess.Popen[str]:
        cmd = [sys.executable, "-m", "bot", "--config", str(config), "--log-level", log_level, "telegram"]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_polls_answers_and_stops_cleanly_on_sigterm(api, launch, tmp_path) -> None:
    proc = launch(write_config(tmp_path, api), bot_env())
    api.wait_for_sync("getUpdates", timeout=EXIT_TIMEOUT)  # the engine is built before polling
    update = api.push_update({"message": api.message(QUESTION)})
    [reply] = api.wait_sent_sync(1)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=EXIT_TIMEOUT)
    assert proc.returncode == 0
    assert "<b>88名</b>" in reply.html
    last_poll = api.requests("getUpdates")[-1]  # shutdown confirms what was handled …
    assert (last_poll["offset"], last_poll["timeout"]) == (update["update_id"] + 1, 0)
    assert api.pending == []  # … so a restart will not answer it again
    assert TOKEN not in stderr and TOKEN.split(":")[1] not in stderr
    assert "DEBUG" in stderr  # the check above looked at a verbose log
    record = json.loads((tmp_path / "bot.jsonl").read_text(encoding="utf-8"))
    assert (record["question"], record["answered"]) == (QUESTION, True)


def test_rejected_token_exits_3_with_one_clear_line(api, launch, tmp_path) -> None:
    api.fail("getUpdates", status=401, times=None)  # getMe passes: the token is revoked later
    proc = launch(write_config(tmp_path, api), bot_env(), log_level="WARNING")
    _, stderr = proc.communicate(timeout=EXIT_TIMEOUT)
    assert proc.returncode == 3
    [line] = stderr.splitlines()
    assert line.endswith(
        "ERROR bot.telegram_app: Telegram rejected the bot token (getUpdates answered HTTP 401):"
        " it is wrong or was revoked; stopping"
    )


def test_webhook_refuses_posts_without_the_secret(api, launch, tmp_path) -> None:
    port = _free_port()
    extra = f"  webhook:\n    url: https://bot.example/hook\n    listen: 127.0.0.1\n    port: {port}\n    path: hook\n"
    proc = launch(write_config(tmp_path, api, extra), bot_env())
    [webhook] = api.wait_for_sync("setWebhook", timeout=EXIT_TIMEOUT)
    secret = webhook["secret_token"]  # none configured: the bot made one up
    assert webhook["url"] == "https://bot.example/hook" and len(secret) >= 32
    update = {"update_id": 1, "message": api.message(QUESTION)}
    assert _post(port, update, secret=None) == 403
    assert _post(port, update, secret="wrong") == 403
    assert _post(port, update, secret=secret) == 200
    [reply] = api.wait_sent_sync(1)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=EXIT_TIMEOUT)
    assert proc.returncode == 0
    assert "<b>88名</b>" in reply.html
    assert len(api.outbox) == 1  # the refused posts were not answered
    assert secret not in stderr and TOKEN not in stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(port: int, update: dict[str, object], *, secret: str | None, timeout: float = EXIT_TIMEOUT) -> int:
    """POST an update to the bot's webhook; retries while its server is still starting."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(f"http://127.0.0.1:{port}/hook", json.dumps(update).encode(), headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while True:
        try:
            with opener.open(request, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except (ConnectionError, urllib.error.URLError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
