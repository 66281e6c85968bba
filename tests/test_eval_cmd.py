"""`qabot eval FILE`: the score table, and a malformed question file named in one line."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli

SAMPLE = next(
    (p for p in (Path(__file__).resolve().parents[2] / "shared/eval/sample_questions.yaml", Path("/work/shared/eval/sample_questions.yaml")) if p.is_file()),
    Path("/work/shared/eval/sample_questions.yaml"),
)

COLUMNS = ["hit@1", "hit@3", "MRR@5", "figure@1", "answer@1", "refused(neg)", "false_refusals"]

QUESTIONS = """\
questions:
  - {q: "讲师团有多少名成员？", gold: [88名市县讲师团成员], figure: "88", kind: number}
  - {q: "江门市长是谁？", gold: [市长吴晓晖], answer: 吴晓晖, kind: fact}
  - {q: "讲师团有多少名成员？", gold: [长者饭堂], figure: "999", kind: number}
  - {q: "上海有多少常住人口？", kind: negative}
"""


@pytest.fixture(autouse=True)
def isolated(cli_sandbox):
    """Every test here runs the command line in-process."""



def test_the_table_for_a_known_question_file(tmp_path, bundled):
    path = tmp_path / "questions.yaml"
    path.write_text(QUESTIONS, encoding="utf-8")
    out = io.StringIO()
    assert cli.main(["eval", str(path)], stdout=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == "questions: 4"
    header = lines.index(next(line for line in lines if "hit@1" in line))
    assert lines[header].split() == COLUMNS
    assert lines[header + 1].split() == ["0.667", "0.667", "0.667", "0.500", "1.000", "1.000", "0.000"]
    by_kind = lines.index(next(line for line in lines if line.startswith("kind")))
    assert lines[by_kind].split() == ["kind", "n", "hit@1", "hit@3", "figure@1", "refused"]
    assert [line.split() for line in lines[by_kind + 1 : by_kind + 4]] == [
        ["number", "2", "0.500", "0.500", "0.500", "-"],
        ["fact", "1", "1.000", "1.000", "-", "-"],
        ["negative", "1", "-", "-", "-", "1.000"],
    ]
    misses = lines.index("misses: 1")
    assert lines[misses + 1 :] == [
        "  [number] 讲师团有多少名成员？ — gold at rank >5 (got jiangmen-zhutijiaoyu#21); figure '88名' ≠ '999'"
    ]


@pytest.mark.skipif(not SAMPLE.is_file(), reason=f"{SAMPLE} is not on this machine")
def test_eval_on_the_sample_file_in_a_process(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "eval", str(SAMPLE)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"},
        timeout=120,
    )
    assert proc.returncode == 0
    assert proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert lines[0] == "questions: 25"
    assert lines[2].split() == COLUMNS
    assert [line.split()[:2] for line in lines[5:11]] == [
        ["kind", "n"],
        ["number", "8"],
        ["fact", "6"],
        ["trad", "2"],
        ["colloquial", "2"],
        ["semantic", "3"],
    ]
    assert lines[11].split()[:2] == ["negative", "4"]
    assert any(line.startswith("misses: ") for line in lines)


@pytest.mark.parametrize(
    "content",
    [
        "questions: [\n",
        "foo: 1\n",
        "questions: {q: x}\n",
        "questions:\n  - {q: 讲师团有多少名成员？}\n",
        "questions:\n  - {q: 讲师团有多少名成员？, kind: trivia}\n",
        "questions:\n  - {kind: number}\n",
        "questions:\n  - just a string\n",
        b"\xff\xfequestions: []\n",
        "",
        "questions:\n  - {q: 讲师团有多少名成员？, kind: number, gold: {a: 1}}\n",
    ],
    ids=[
        "invalid-yaml",
        "no-questions",
        "not-a-list",
        "no-kind",
        "unknown-kind",
        "no-q",
        "not-a-mapping",
        "not-utf8",
        "empty-file",
        "gold-not-a-list",
    ],
)
def test_a_malformed_question_file_is_named(tmp_path, capsys, bundled, content):
    path = tmp_path / "bad-questions.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    assert cli.main(["eval", str(path)], stdout=io.StringIO()) == 2
    out, err = capsys.readouterr()
    assert len(err.splitlines()) == 1
    assert err.startswith(f"qabot: error: {path}")


def test_a_missing_question_file_is_named(tmp_path, capsys, bundled):
    missing = tmp_path / "missing.yaml"
    assert cli.main(["eval", str(missing)], stdout=io.StringIO()) == 2
    _, err = capsys.readouterr()
    assert len(err.splitlines()) == 1 and err.startswith(f"qabot: error: {missing}")
