"""The saved index: reused while nothing changed, rebuilt when anything did, never trusted blindly."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot import engine as engine_module
from bot.engine import Engine


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    k = tmp_path / "knowledge"
    k.mkdir()
    (k / "a.txt").write_text("新会区图书馆新增阅览座位600个。\n\n全年开放365天。\n", encoding="utf-8")
    return k


def _count_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = engine_module.build_index

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine_module, "build_index", counting)
    return calls


def test_the_second_start_loads_the_saved_index(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds = _count_builds(monkeypatch)
    cache = tmp_path / "cache"
    first = Engine.build(folder, cache_dir=cache)
    second = Engine.build(folder, cache_dir=cache)
    assert len(builds) == 1
    q = "图书馆新增了多少个阅览座位？"
    assert second.ask(q).to_json() == first.ask(q).to_json()
    assert second.ask(q).figures[0].value == "600个"


@pytest.mark.parametrize("change", ["document", "new document", "synonyms"])
def test_any_change_rebuilds(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    builds = _count_builds(monkeypatch)
    cache = tmp_path / "cache"
    Engine.build(folder, cache_dir=cache)
    if change == "document":
        (folder / "a.txt").write_text("新会区图书馆新增阅览座位700个。\n", encoding="utf-8")
    elif change == "new document":
        (folder / "b.txt").write_text("江门体育馆设有座位8000个。\n", encoding="utf-8")
    else:
        (folder / "lexicon").mkdir()
        (folder / "lexicon" / "synonyms.txt").write_text("座位 位子 椅子\n", encoding="utf-8")
    rebuilt = Engine.build(folder, cache_dir=cache)
    assert len(builds) == 2
    if change == "document":
        assert rebuilt.ask("图书馆新增了多少个阅览座位？").figures[0].value == "700个"
    # Only the current index is kept.
    assert len(list(next(cache.iterdir()).glob("*.npz"))) == 2


def test_a_damaged_cache_file_is_rebuilt_not_trusted(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    builds = _count_builds(monkeypatch)
    cache = tmp_path / "cache"
    Engine.build(folder, cache_dir=cache)
    for f in next(cache.iterdir()).glob("*.words.npz"):
        f.write_bytes(b"PK\x03\x04 not really a zip")
    with caplog.at_level(logging.WARNING):
        engine = Engine.build(folder, cache_dir=cache)
    assert len(builds) == 2
    assert "rebuilding" in caplog.text
    assert engine.ask("图书馆新增了多少个阅览座位？").answered


def test_a_read_only_cache_folder_still_answers(folder: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.write_text("a file where a folder should be", encoding="utf-8")
    engine = Engine.build(folder, cache_dir=cache)
    assert engine.ask("图书馆新增了多少个阅览座位？").answered


def test_the_cache_key_follows_the_tokenising_code(tmp_path, monkeypatch) -> None:
    """A change to the code that decides the index invalidates saved indexes by itself."""
    from bot import cache as cache_module

    doc = tmp_path / "a.md"
    doc.write_text("正文", encoding="utf-8")
    before = cache_module.cache_key([doc])
    monkeypatch.setattr(cache_module, "_CODE_FINGERPRINT", "something-else")
    assert cache_module.cache_key([doc]) != before
