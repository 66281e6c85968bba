"""`qabot ask`: the JSON contract, stdin one line at a time, and the process boundary."""

from __future__ import annotations

import io
import json
import os
import select
import subprocess
import sys

import pytest

from bot import cli
from bot.render import reply_text

QUESTION = "讲师团有多少名成员？"
ANSWER_KEYS = {"question", "answered", "passages", "figures"}
PASSAGE_KEYS = {"id", "doc", "section", "kind", "text", "score"}
FIGURE_KEYS = {"value", "unit", "context", "passage_id"}


@pytest.fixture(autouse=True)
def isolated(cli_sandbox):
    """Every test here runs the command line in-process."""



def run(argv: list[str], stdin: str | None = None) -> tuple[int, str]:
    out = io.StringIO()
    status = cli.main(argv, stdin=io.StringIO(stdin) if stdin is not None else None, stdout=out)
    return status, out.getvalue()


def subprocess_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def check_shape(obj: dict) -> None:
    assert set(obj) == ANSWER_KEYS
    assert isinstance(obj["question"], str)
    assert isinstance(obj["answered"], bool)
    for p in obj["passages"]:
        assert set(p) == PASSAGE_KEYS
        assert isinstance(p["id"], str) and p["id"].startswith(f"{p['doc']}#")
        assert isinstance(p["doc"], str)
        assert p["section"] is None or isinstance(p["section"], str)
        assert p["kind"] in ("paragraph", "caption", "lead", "byline")
        assert isinstance(p["text"], str) and p["text"]
        assert isinstance(p["score"], float)
    for f in obj["figures"]:
        assert set(f) == FIGURE_KEYS
        assert all(isinstance(f[k], str) for k in FIGURE_KEYS)
    if not obj["answered"]:
        assert obj["passages"] == [] and obj["figures"] == []


# ------------------------------------------------------------------ the JSON contract
def test_ask_json_prints_one_object_with_exactly_the_contract_keys(bundled):
    status, out = run(["ask", "--json", QUESTION])
    assert status == 0
    assert out.endswith("\n") and out.count("\n") == 1
    obj = json.loads(out)
    check_shape(obj)
    assert obj["question"] == QUESTION
    assert obj["answered"] is True
    first = obj["passages"][0]
    assert {k: first[k] for k in ("id", "doc", "section", "kind")} == {
        "id": "jiangmen-zhutijiaoyu#21",
        "doc": "jiangmen-zhutijiaoyu",
        "section": "B 聚焦重点精准发力",
        "kind": "paragraph",
    }
    assert "组织88名市县讲师团成员宣讲156场次" in first["text"]
    assert first["score"] > 0
    assert obj["figures"][0] == {
        "value": "88名",
        "unit": "名",
        "context": "组织88名市县讲师团成员宣讲156场次",
        "passage_id": "jiangmen-zhutijiaoyu#21",
    }
    assert "讲师团" in out  # Chinese is printed as is, not as \u escapes


def test_ask_json_for_a_refused_question(bundled):
    status, out = run(["ask", "--json", "上海有多少常住人口？"])
    assert status == 0
    assert json.loads(out) == {"question": "上海有多少常住人口？", "answered": False, "passages": [], "figures": []}


def test_ask_json_dash_reads_stdin_one_line_at_a_time(bundled):
    lines = [QUESTION, "", "长" * 100_000, "😀", "江門建了多少個縣級零工市場？", "   "]
    status, out = run(["ask", "--json", "-"], stdin="\n".join(lines[:-1]) + "\r\n" + lines[-1])
    assert status == 0
    objects = [json.loads(line) for line in out.splitlines()]
    for obj in objects:
        check_shape(obj)
    assert [o["question"] for o in objects] == lines
    assert [o["answered"] for o in objects] == [True, False, False, False, True, False]
    assert objects[0]["figures"][0]["value"] == "88名"
    assert objects[4]["figures"][0]["value"] == "7个"


def test_ask_text_prints_only_the_reply(bundled):
    status, out = run(["ask", "上海有多少常住人口？"])
    assert status == 0
    assert out == (
        "抱歉，文章里没有找到能回答「上海有多少常住人口？」的内容。\n"
        "可以换个问法，或问问这些方面：A 精心谋划周密部署、B 聚焦重点精准发力、C 知行合一务求实效\n"
    )


# ------------------------------------------------------------------ real processes
def test_ask_json_dash_in_a_process_answers_each_line_and_survives_any_input(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "ask", "--json", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=subprocess_env(),
    )
    try:
        # The first answer arrives while stdin is still open: one line in, one object out.
        proc.stdin.write(b"\xff\xfe bad bytes\n")
        proc.stdin.flush()
        first = b""
        while not first.endswith(b"\n"):
            ready, _, _ = select.select([proc.stdout], [], [], 60)
            assert ready, f"no whole answer to the first line while stdin stays open: {first!r}"
            chunk = os.read(proc.stdout.fileno(), 1 << 16)
            assert chunk, "stdout closed before the first answer"
            first += chunk
        rest = (
            f"{QUESTION}\n".encode()
            + b"\n"
            + ("长" * 100_000 + "\n").encode()
            + "😀\n".encode()
            + b"\xe8\xae"  # a character cut in half, and no final newline
        )
        stdout, stderr = proc.communicate(rest, timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, stderr.decode()
    assert stderr == b""
    assert first.count(b"\n") == 1
    objects = [json.loads(line) for line in (first + stdout).decode("utf-8").splitlines()]
    assert len(objects) == 6
    for obj in objects:
        check_shape(obj)
    questions = [o["question"] for o in objects]
    assert questions[0] == "\ufffd\ufffd bad bytes"
    assert questions[1:5] == [QUESTION, "", "长" * 100_000, "😀"]
    assert "\ufffd" in questions[5]
    assert [o["answered"] for o in objects] == [False, True, False, False, False, False]
    assert objects[1]["figures"][0]["value"] == "88名"


def test_ask_from_another_folder_prints_only_the_answer(tmp_path, engine):
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "ask", QUESTION],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
        env=subprocess_env(),
        timeout=120,
    )
    assert proc.returncode == 0
    assert proc.stderr == ""
    out = proc.stdout
    assert out.startswith("[1] B 聚焦重点精准发力 · 第21段（jiangmen-zhutijiaoyu）\n")
    assert "组织「88名」市县【讲师团】【成员】宣讲「156场次」" in out.splitlines()[1]
    figures = out.split("关键数字：\n", 1)[1].splitlines()
    assert figures[0] == "  · 88名（组织88名市县讲师团成员宣讲156场次）"
    assert out == reply_text(engine.ask(QUESTION), engine.info()) + "\n"


def test_the_core_never_imports_telegram(tmp_path):
    script = f"""
import io, sys
import bot.engine, bot.cli, bot.console, bot.render
out = io.StringIO()
status = bot.cli.main(["ask", {QUESTION!r}], stdout=out)
assert status == 0 and "88名" in out.getvalue(), out.getvalue()
print(sorted(m for m in sys.modules if m.split(".")[0] == "telegram"))
"""
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
        env=subprocess_env(),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "[]\n"
