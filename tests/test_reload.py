"""Reloading knowledge while serving: the new index is built aside and swapped in whole."""

from __future__ import annotations

from pathlib import Path

from bot.app import EngineHolder
from bot.config import load_config


def _config(tmp_path: Path, folder: Path) -> Path:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"knowledge: {folder}\n", encoding="utf-8")
    return cfg


def test_reload_swaps_in_new_documents(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "a.txt").write_text("新会区图书馆新增阅览座位600个。\n", encoding="utf-8")
    holder = EngineHolder(load_config(_config(tmp_path, folder)))
    before = holder.engine
    assert not before.ask("体育馆有多少个座位？").answered

    (folder / "b.txt").write_text("江门体育馆设有座位8000个。\n", encoding="utf-8")
    ok, message = holder.reload()

    assert ok and "2 documents" in message
    assert holder.engine is not before
    answer = holder.engine.ask("体育馆有多少个座位？")
    assert answer.answered and answer.figures[0].value == "8000个"
    # A request that began on the old engine still completes on it.
    assert before.ask("图书馆新增了多少个阅览座位？").figures[0].value == "600个"


def test_a_broken_new_file_keeps_the_old_index_serving(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "a.txt").write_text("新会区图书馆新增阅览座位600个。\n", encoding="utf-8")
    holder = EngineHolder(load_config(_config(tmp_path, folder)))
    serving = holder.engine

    (folder / "gbk.txt").write_bytes("江门体育馆设有座位8000个。".encode("gbk"))
    ok, message = holder.reload()

    assert not ok
    assert "gbk.txt" in message and "UTF-8" in message
    assert holder.engine is serving
    assert holder.engine.ask("图书馆新增了多少个阅览座位？").answered
