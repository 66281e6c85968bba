"""The saved index: reused while nothing changed, rebuilt when anything did, never trusted blindly."""

from __future__ import annotations

import logging
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from bot import cache as cache_module
from bot import engine as engine_module
from bot.bm25 import SparseBM25
from bot.config import BUNDLED_KNOWLEDGE
from bot.engine import Engine
from bot.knowledge import load_knowledge
from bot.store import PassageList


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


@pytest.mark.parametrize("change", ["document", "new document", "synonyms", "glossary"])
def test_any_change_rebuilds(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    builds = _count_builds(monkeypatch)
    cache = tmp_path / "cache"
    Engine.build(folder, cache_dir=cache)
    if change == "document":
        (folder / "a.txt").write_text("新会区图书馆新增阅览座位700个。\n", encoding="utf-8")
    elif change == "new document":
        (folder / "b.txt").write_text("江门体育馆设有座位8000个。\n", encoding="utf-8")
    elif change == "synonyms":
        (folder / "lexicon").mkdir()
        (folder / "lexicon" / "synonyms.txt").write_text("座位 位子 椅子\n", encoding="utf-8")
    else:
        (folder / "lexicon").mkdir()
        (folder / "lexicon" / "glossary.txt").write_text("阅览座位 看书的座位\n", encoding="utf-8")
    rebuilt = Engine.build(folder, cache_dir=cache)
    assert len(builds) == 2
    if change == "document":
        assert rebuilt.ask("图书馆新增了多少个阅览座位？").figures[0].value == "700个"
    # Only the current index is kept: both channels, the passages and their texts, of one key.
    files = sorted(p.name for p in next(cache.iterdir()).iterdir())
    assert len({name.split(".")[0] for name in files}) == 1
    assert [name.split(".", 1)[1] for name in files] == ["bigrams.npz", "passages.npz", "texts", "words.npz"]


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
    doc = tmp_path / "a.md"
    doc.write_text("正文", encoding="utf-8")
    before = cache_module.cache_key([doc])
    monkeypatch.setattr(cache_module, "_CODE_FINGERPRINT", "something-else")
    assert cache_module.cache_key([doc]) != before


# ------------------------------------------------------------------ saved passages, quick load

QUESTIONS = [
    "长者饭堂有多少家？",
    "记者是谁",
    "第二张图片拍的是什么",
    "最后一张照片",
    "讲师团有多少名成员？",
    "江门在哪里",
    "那县级的呢",
    "python",
]


@pytest.fixture
def article(tmp_path: Path) -> Path:
    """The bundled article (front matter, sections, lead-ins, captions, bylines) and its word
    lists, in a folder of its own."""
    k = tmp_path / "article"
    shutil.copytree(BUNDLED_KNOWLEDGE, k)
    return k


def _answers(engine: Engine) -> list[object]:
    out = []
    previous = None
    for q in QUESTIONS:
        a = engine.ask(q, previous=previous, explain=True)
        out.append((a.to_json(), a.explain))
        previous = q
    return out


def _cache_file(cache: Path, suffix: str) -> Path:
    (path,) = next(cache.iterdir()).glob(f"*.{suffix}")
    return path


@pytest.mark.parametrize("threads", [False, True])
def test_a_start_from_the_saved_index_parses_no_document(
    article: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: bool
) -> None:
    """The passages come from the cache, made on demand; they, the documents, the fingerprint
    and every answer are those of a fresh build."""
    if threads:  # (big knowledge reads and checks its saved files two at a time)
        monkeypatch.setattr(cache_module, "_THREADS_FROM", 0)
    fresh = Engine.build(article)
    cache = tmp_path / "cache"
    built = Engine.build(article, cache_dir=cache)
    parsed: list[int] = []
    real = engine_module.load_knowledge
    monkeypatch.setattr(engine_module, "load_knowledge", lambda *a, **k: parsed.append(1) or real(*a, **k))
    builds = _count_builds(monkeypatch)
    loaded = Engine.build(article, cache_dir=cache)
    assert not parsed and not builds
    assert isinstance(loaded.passages, PassageList)
    assert loaded.passages == fresh.passages and list(loaded.passages) == list(fresh.passages)
    assert loaded.documents == fresh.documents
    assert [d.meta for d in loaded.documents] == [d.meta for d in fresh.documents]
    assert loaded.knowledge.files == fresh.knowledge.files
    assert loaded.fingerprint == fresh.fingerprint == built.fingerprint
    assert loaded.info() == fresh.info()
    for p in fresh.passages:
        assert loaded.passage_index(p.id) == fresh.passage_index(p.id)
    for pid in ("nope", "jiangmen-zhutijiaoyu#0", "jiangmen-zhutijiaoyu#999", "jiangmen-zhutijiaoyu#1x", "#1", ""):
        assert loaded.passage_index(pid) is None
    assert _answers(loaded) == _answers(fresh) == _answers(built)


def test_passage_list_behaves_as_a_tuple(article: Path, tmp_path: Path) -> None:
    fresh = load_knowledge(article.resolve()).passages
    Engine.build(article, cache_dir=tmp_path / "cache")
    loaded = Engine.build(article, cache_dir=tmp_path / "cache").passages
    assert isinstance(loaded, PassageList)
    assert len(loaded) == len(fresh)
    assert loaded[-1] == fresh[-1] and loaded[0] == fresh[0]
    assert loaded[2:7] == fresh[2:7] and loaded[::-3] == fresh[::-3]
    with pytest.raises(IndexError):
        loaded[len(fresh)]
    with pytest.raises(IndexError):
        loaded[-len(fresh) - 1]
    assert loaded.index(fresh[5]) == 5 and fresh[5] in loaded


def test_knowledge_json_cannot_hold_is_parsed_at_every_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Front matter with a date (YAML gives a datetime.date) is not saved: parsed, same answers."""
    k = tmp_path / "k"
    k.mkdir()
    (k / "a.md").write_text("---\ntitle: 图书馆\ndate: 2023-09-19\n---\n\n新会区图书馆新增阅览座位600个。\n", encoding="utf-8")
    Engine.build(k, cache_dir=tmp_path / "cache")
    assert not list(next((tmp_path / "cache").iterdir()).glob("*.passages.npz"))
    loaded = Engine.build(k, cache_dir=tmp_path / "cache")
    assert not isinstance(loaded.passages, PassageList)
    assert str(loaded.documents[0].meta["date"]) == "2023-09-19"
    assert loaded.ask("图书馆新增了多少个阅览座位？").figures[0].value == "600个"


@pytest.mark.parametrize("target", ["passages.npz", "words.npz", "bigrams.npz"])
@pytest.mark.parametrize("damage", ["flip a byte", "truncate", "another key's file", "zeros"])
def test_a_damaged_saved_file_is_found_and_not_used(
    article: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, target: str, damage: str
) -> None:
    """Any byte changed (the zip CRCs), a cut file, or a file of another index renamed into
    place: never used -- the passages are parsed, the channels rebuilt -- and the answers are
    those of a fresh build."""
    fresh = Engine.build(article)
    cache = tmp_path / "cache"
    Engine.build(article, cache_dir=cache)
    path = _cache_file(cache, target)
    data = bytearray(path.read_bytes())
    if damage == "flip a byte":
        # In the middle of the largest member's data.
        with zipfile.ZipFile(path) as zf:
            info = max(zf.infolist(), key=lambda i: i.file_size)
        h = info.header_offset
        start = h + 30 + int.from_bytes(data[h + 26 : h + 28], "little") + int.from_bytes(data[h + 28 : h + 30], "little")
        data[start + info.file_size // 2] ^= 0x10
        path.write_bytes(bytes(data))
    elif damage == "truncate":
        path.write_bytes(bytes(data[: len(data) // 2]))
    elif damage == "zeros":
        path.write_bytes(bytes(len(data)))
    else:
        other = tmp_path / "other"
        other.mkdir()
        (other / "b.md").write_text((article / "jiangmen-zhutijiaoyu.md").read_text(encoding="utf-8") + "\n补充一段。\n", encoding="utf-8")
        Engine.build(other, cache_dir=cache)
        (donor,) = [p for d in cache.iterdir() if d != path.parent for p in d.glob(f"*.{target}")]
        shutil.copyfile(donor, path)
    builds = _count_builds(monkeypatch)
    with caplog.at_level(logging.WARNING):
        loaded = Engine.build(article, cache_dir=cache)
    assert "unusable" in caplog.text
    assert len(builds) == (0 if target == "passages.npz" else 1)
    assert not isinstance(loaded.passages, PassageList) or target != "passages.npz"
    assert _answers(loaded) == _answers(fresh)
    # And the next start uses the files written again.
    again = Engine.build(article, cache_dir=cache)
    assert isinstance(again.passages, PassageList) and len(builds) == (0 if target == "passages.npz" else 1)


def test_a_quick_load_has_the_arrays_a_full_check_recomputes(tmp_path: Path) -> None:
    """The derived arrays saved (per-term weight bounds, dense columns) are those computed
    from the postings; the quick load wants its tag and refuses a file without them."""
    from benchmarks.corpus import SyntheticCorpus

    corpus = SyntheticCorpus(2).tokens(3000)
    bm25 = SparseBM25(corpus)
    path = tmp_path / "x.npz"
    bm25.save(path, tag="key-1")
    full, quick = SparseBM25.load(path), SparseBM25.load(path, tag="key-1")
    assert full._dense_row and full._dense_row == quick._dense_row
    for name in ("_max_w", "_min_w", "_dense", "_dense_tf", "_dense_bmax", "_dense_bmax8", "_tf", "_doc_len", "_norm"):
        a, b = getattr(full, name), getattr(quick, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    assert full._scale == quick._scale
    for q in (corpus[0][:3], corpus[7][:5], ["的", "是"], corpus[99]):
        assert full.top_k(q, 10) == quick.top_k(q, 10) == bm25.top_k(q, 10)
    with pytest.raises(ValueError, match="tag"):
        SparseBM25.load(path, tag="key-2")
    with np.load(path) as npz:  # an index saved without the derived arrays (and no tag)
        np.savez(tmp_path / "plain.npz", **{k: npz[k] for k in npz.files if k not in ("tag", "max_w", "dense")})
    with pytest.raises(ValueError, match="missing"):
        SparseBM25.load(tmp_path / "plain.npz", tag="key-1")
    assert len(SparseBM25.load(tmp_path / "plain.npz")) == len(corpus)


@pytest.mark.parametrize("threads", [False, True])
def test_the_key_still_follows_every_document_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: bool) -> None:
    if threads:  # (big knowledge is hashed two files at a time)
        monkeypatch.setattr(cache_module, "_THREADS_FROM", 0)
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("一", encoding="utf-8")
    b.write_text("二", encoding="utf-8")
    files = [a, b] * 5
    key = cache_module.cache_key(files)
    assert cache_module.cache_key(files) == key
    b.write_text("三", encoding="utf-8")
    assert cache_module.cache_key(files) != key
    assert cache_module.cache_key([a, b]) != cache_module.cache_key([b, a])


@pytest.mark.parametrize("start, size", [(0, 0), (0, 1), (5, 100_000), (4095, 4097), (123, 3_000_000)])
@pytest.mark.parametrize("step", [64 << 20, 40_000])
def test_the_crc_of_a_file_range_is_zlibs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, start: int, size: int, step: int
) -> None:
    """The check that stands for reading every posting: zip's CRC-32 of the bytes, whichever
    implementation computes it, and through the chunked map as through one read."""
    import os
    import zlib

    from bot import bm25
    from bot.bm25 import _crc32_of

    monkeypatch.setattr(bm25, "_CRC_STEP", step)
    data = os.urandom(3_100_000)
    path = tmp_path / "f"
    path.write_bytes(data)
    assert _crc32_of(str(path), start, size) == zlib.crc32(data[start : start + size])
    with pytest.raises(ValueError, match="truncated"):
        _crc32_of(str(path), len(data) - 10, 11)


def test_answers_are_the_same_when_the_maps_are_released_after_every_answer(
    article: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above the resident budget the saved index's pages are unmapped after an answer (they
    stay in the page cache): with a budget of one byte that is after every answer."""
    from bot import bm25

    fresh = Engine.build(article)
    Engine.build(article, cache_dir=tmp_path / "cache")
    monkeypatch.setattr(engine_module, "RESIDENT_BUDGET", 1)
    released: list[int] = []
    real = bm25.release_pages
    monkeypatch.setattr(engine_module, "release_pages", lambda maps: released.append(len(maps)) or real(maps))
    loaded = Engine.build(article, cache_dir=tmp_path / "cache")
    assert loaded._resident is not None
    assert _answers(loaded) == _answers(fresh)
    assert len(released) == len(QUESTIONS) and all(released)
    assert fresh._resident is None  # nothing mapped: no budget, no /proc reads


def test_a_faq_names_saved_passages(article: Path, tmp_path: Path) -> None:
    """faq.yaml's passages are found among saved passages by id (no scan), and a missing one
    is still an error."""
    from bot.errors import KnowledgeError

    (article / "faq.yaml").write_text(
        "faq:\n  - q: [谁写的这篇稿子]\n    passage: jiangmen-zhutijiaoyu#3\n", encoding="utf-8"
    )
    fresh = Engine.build(article)
    Engine.build(article, cache_dir=tmp_path / "cache")
    loaded = Engine.build(article, cache_dir=tmp_path / "cache")
    assert isinstance(loaded.passages, PassageList)
    assert loaded.faq == fresh.faq and loaded.faq.entries
    assert loaded.ask("谁写的这篇稿子").to_json() == fresh.ask("谁写的这篇稿子").to_json()
    (article / "faq.yaml").write_text("faq:\n  - q: [问]\n    passage: jiangmen-zhutijiaoyu#999\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="does not exist"):
        Engine.build(article, cache_dir=tmp_path / "cache")
