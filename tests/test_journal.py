"""The JSONL journal: one whole line per record, survives kill -9, and rebuilds /stats."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.journal import Journal, Stats, read_records

NOW = "2024-01-31T08:00:00Z"


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_records_are_one_json_object_a_line(tmp_path: Path) -> None:
    path = tmp_path / "bot.jsonl"
    journal = Journal(path, now=lambda: NOW)
    journal.question(1, 2, "讲师团\n有多少人？", kind="question", answered=True, passage_id="doc#21")
    journal.feedback(1, 2, "doc#21", helpful=False)
    journal.close()
    assert lines(path) == [
        (
            '{"time": "2024-01-31T08:00:00Z", "type": "question", "chat_id": 1, "user_id": 2, '
            '"question": "讲师团\\n有多少人？", "kind": "question", "answered": true, "passage_id": "doc#21"}'
        ),
        (
            '{"time": "2024-01-31T08:00:00Z", "type": "feedback", "chat_id": 1, "user_id": 2, '
            '"passage_id": "doc#21", "helpful": false}'
        ),
    ]


def test_stats_count_questions_unanswered_and_votes() -> None:
    journal = Journal(None)  # no file: counts only
    journal.question(1, 1, "a", kind="question", answered=True, passage_id="d#1")
    journal.question(1, 1, "b", kind="question", answered=False, passage_id=None)
    journal.question(1, 1, "你好", kind="greeting", answered=False, passage_id=None)
    journal.feedback(1, 1, "d#1", helpful=True)
    journal.feedback(1, 1, "d#1", helpful=False)
    journal.feedback(1, 1, "d#1", helpful=False)
    assert journal.stats == Stats(questions=2, unanswered=1, helpful=1, unhelpful=2)


def test_reopening_rebuilds_stats_and_mends_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "bot.jsonl"
    journal = Journal(path, now=lambda: NOW)
    journal.question(1, 1, "a", kind="question", answered=False, passage_id=None)
    journal.close()
    with open(path, "ab") as f:
        f.write(b'{"time": "2024-01-31T08:00:01Z", "type": "feedb')  # killed mid-write
    reopened = Journal(path, now=lambda: NOW)
    assert reopened.stats == Stats(questions=1, unanswered=1)
    reopened.feedback(1, 1, "d#1", helpful=True)
    reopened.close()
    assert [r["type"] for r in read_records(path)] == ["question", "feedback"]
    assert len(lines(path)) == 3  # the torn line stays, on its own


def test_an_unusable_path_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError, match=r"^telegram.log_file: cannot open .*file/bot.jsonl"):
        Journal(tmp_path / "file" / "bot.jsonl")


WRITER = """
import sys, time
from bot.journal import Journal
journal = Journal(sys.argv[1])
for _ in range(200):
    journal.question(1, 2, "讲师团有多少名成员？" * 50, kind="question", answered=True, passage_id="doc#21")
print("written", flush=True)
time.sleep(60)
"""


def test_a_record_is_on_disk_when_the_call_returns_even_after_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "bot.jsonl"
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "written\n"
    finally:
        os.kill(proc.pid, signal.SIGKILL)  # no close, no atexit, no flush of any buffer
        proc.communicate()
    data = path.read_bytes()
    assert data.endswith(b"\n")
    records = [json.loads(line) for line in data.splitlines()]
    assert len(records) == 200 and all(r["passage_id"] == "doc#21" for r in records)
