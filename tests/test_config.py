"""Configuration: every mistake is exit status 2 and one stderr line naming the key or the file."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli
from bot.config import load_config
from bot.engine import Engine


@pytest.fixture(autouse=True)
def isolated(cli_sandbox):
    """Every test here runs the command line in-process."""


@pytest.fixture
def built(monkeypatch, engine) -> list:
    """cli.main builds its engine from the bundled index with the config's retrieval settings;
    the configs it was given are recorded."""
    seen = []

    def build_engine(cfg):
        seen.append(cfg)
        return Engine(engine.knowledge, engine.lexicon, engine.tokenizer, engine.index, cfg.retrieval, engine.faq)

    monkeypatch.setattr("bot.app.build_engine", build_engine)
    return seen


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    ("config", "named"),
    [
        ("knowlege: knowledge\n", ["config.yaml", "unknown config key 'knowlege'"]),
        ("retrieval:\n  topk: 3\n", ["config.yaml", "'retrieval.topk'"]),
        ("retrieval:\n  top_k: three\n", ["config.yaml", "'retrieval.top_k'", "'three'"]),
        ("retrieval:\n  top_k: true\n", ["'retrieval.top_k'"]),
        ("retrieval:\n  min_coverage: lots\n", ["'retrieval.min_coverage'"]),
        ("retrieval:\n  top_k: 0\n", ["'retrieval.top_k'"]),
        ("telegram: yes\n", ["'telegram'", "mapping"]),
        ("telegram:\n  allowed_chat_ids: [1, two]\n", ["'telegram.allowed_chat_ids[1]'"]),
        ("telegram:\n  rate_limit:\n    count: many\n", ["'telegram.rate_limit.count'"]),
        ("log_level: LOUD\n", ["'log_level'"]),
        ("retrieval: [\n", ["config.yaml", "not valid YAML"]),
        ("- knowledge\n- retrieval\n", ["config.yaml", "mapping"]),
        (b"\xff\xfeknowledge: x\n", ["config.yaml", "not UTF-8"]),
        ("knowledge:\n", ["'knowledge'"]),
        ('knowledge: ""\n', ["'knowledge'"]),
    ],
    ids=[
        "unknown-key",
        "unknown-nested-key",
        "string-for-int",
        "bool-for-int",
        "string-for-float",
        "out-of-range",
        "scalar-for-mapping",
        "list-item",
        "deep-key",
        "log-level",
        "invalid-yaml",
        "not-a-mapping",
        "not-utf8",
        "null-knowledge",
        "empty-knowledge",
    ],
)
def test_a_bad_config_file_is_one_line_naming_the_key_or_file(tmp_path, capsys, built, config, named):
    path = write(tmp_path / "conf" / "config.yaml", config)
    assert cli.main(["--config", str(path), "ask", "讲师团有多少名成员？"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("qabot: error: ")
    for fragment in named:
        assert fragment in err
    assert built == []  # nothing was built from a bad config


def test_a_missing_config_file_is_named(tmp_path, capsys):
    missing = tmp_path / "nope.yaml"
    assert cli.main(["--config", str(missing), "ask", "x"]) == 2
    _, err = capsys.readouterr()
    assert err.splitlines() == [f"qabot: error: config file {missing}: cannot read (No such file or directory)"]


def test_a_folder_given_as_config_is_named(tmp_path, capsys):
    folder = tmp_path / "conf.d"
    folder.mkdir()
    assert cli.main(["--config", str(folder), "ask", "x"]) == 2
    _, err = capsys.readouterr()
    assert len(err.splitlines()) == 1 and str(folder) in err


def test_a_missing_knowledge_folder_is_named(tmp_path, capsys):
    path = write(tmp_path / "conf" / "config.yaml", "knowledge: nowhere\n")
    assert cli.main(["--config", str(path), "ask", "x"]) == 2
    _, err = capsys.readouterr()
    nowhere = tmp_path / "conf" / "nowhere"
    assert err.splitlines() == [f"qabot: error: {nowhere}: no such knowledge folder or file"]


def test_a_gbk_encoded_document_is_named(tmp_path, capsys):
    write(tmp_path / "kb" / "good.txt", "好的文档。")
    write(tmp_path / "kb" / "doc.txt", "长者饭堂有多少家".encode("gbk"))
    assert cli.main(["--knowledge", str(tmp_path / "kb"), "ask", "x"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1
    assert f"{tmp_path / 'kb' / 'doc.txt'}: not UTF-8" in err


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--top-k", "0"], "--top-k"),
        (["--top-k", "21"], "'retrieval.top_k'"),
        (["--knowledge", "missing-folder"], "missing-folder"),
    ],
)
def test_bad_command_line_overrides_are_named(capsys, argv, named):
    assert cli.main([*argv, "ask", "x"]) == 2
    _, err = capsys.readouterr()
    assert len(err.splitlines()) == 1 and named in err


def test_a_config_error_in_a_real_process(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "--config", "nope.yaml", "ask", "讲师团有多少名成员？"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"},
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == "qabot: error: config file nope.yaml: cannot read (No such file or directory)\n"


# ------------------------------------------------------------------ valid configs
def test_relative_paths_are_resolved_against_the_config_folder(tmp_path, monkeypatch):
    path = write(
        tmp_path / "conf" / "config.yaml",
        "knowledge: ../kb\nindex_cache: cache\ntelegram:\n  log_file: logs/questions.jsonl\n",
    )
    monkeypatch.chdir(write(tmp_path / "elsewhere" / "x.txt", "").parent)
    cfg = load_config(path, env={})
    assert cfg.knowledge == str(tmp_path / "kb")
    assert cfg.index_cache == str(tmp_path / "conf" / "cache")
    assert cfg.telegram.log_file == str(tmp_path / "conf" / "logs" / "questions.jsonl")
    assert cfg.source == str(path)


def test_the_cli_uses_the_resolved_knowledge_path(tmp_path, monkeypatch, built):
    path = write(tmp_path / "conf" / "config.yaml", "knowledge: ../kb\nretrieval:\n  top_k: 2\n")
    monkeypatch.chdir(write(tmp_path / "elsewhere" / "x.txt", "").parent)
    assert cli.main(["--config", str(path), "ask", "讲师团有多少名成员？"], stdout=io.StringIO()) == 0
    assert [(c.knowledge, c.retrieval.top_k) for c in built] == [(str(tmp_path / "kb"), 2)]


@pytest.mark.parametrize(
    ("env", "token"),
    [
        ({}, "from-file"),
        ({"TELEGRAM_BOT_TOKEN": "123456:from-env"}, "123456:from-env"),
        ({"TELEGRAM_BOT_TOKEN": "  "}, "from-file"),
    ],
)
def test_the_environment_token_overrides_the_file(tmp_path, env, token):
    path = write(tmp_path / "config.yaml", "telegram:\n  token: from-file\n")
    assert load_config(path, env=env).telegram.token == token


def test_the_process_environment_is_read_by_default(tmp_path, monkeypatch):
    path = write(tmp_path / "config.yaml", "telegram:\n  token: from-file\n")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:from-env")
    assert load_config(path).telegram.token == "123456:from-env"
    assert "123456:from-env" not in repr(load_config(path))


def test_knowledge_and_top_k_on_the_command_line_override_the_file(tmp_path, built):
    path = write(tmp_path / "conf" / "config.yaml", "knowledge: kb\nretrieval:\n  top_k: 5\n")
    out = io.StringIO()
    argv = ["--config", str(path), "--knowledge", "other", "--top-k", "1", "ask", "--json", "长者饭堂有多少家？"]
    assert cli.main(argv, stdout=out) == 0
    assert [(c.knowledge, c.retrieval.top_k) for c in built] == [(str(tmp_path / "other"), 1)]
    assert [p["id"] for p in json.loads(out.getvalue())["passages"]] == ["jiangmen-zhutijiaoyu#27"]

    out = io.StringIO()
    assert cli.main(["--config", str(path), "ask", "--json", "长者饭堂有多少家？"], stdout=out) == 0
    assert (built[-1].knowledge, built[-1].retrieval.top_k) == (str(tmp_path / "conf" / "kb"), 5)
    assert len(json.loads(out.getvalue())["passages"]) > 1


def test_an_alias_bomb_config_is_refused_quickly(tmp_path, capsys) -> None:
    """Nested YAML aliases (a billion laughs) under a key: refused by type, never expanded."""
    lines = ["a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    bomb = "\n".join(f"  {line}" for line in lines)
    path = tmp_path / "bomb.yaml"
    path.write_text(f"anchors:\n{bomb}\ntelegram:\n  allowed_chat_ids: *a8\n", encoding="utf-8")
    assert cli.main(["--config", str(path), "ask", "讲师团有多少名成员？"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bomb.yaml" in err[0]
