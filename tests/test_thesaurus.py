"""The thesaurus answers the same whether a word is scanned for or read from its index."""

from __future__ import annotations

import random

import pytest

from bot.thesaurus import Thesaurus, _packaged, parse

SAMPLE = "\n".join(
    [
        "Aa01A01= 人 士 人物 人士",
        "Aa01A02= 人类 生人 全人类",
        "Ba01A03# 提高 提升",  # related, not synonyms: never used
        "Ca01A04= 提高 提升 增高 人物",
        "Ca01A05@ 独自",
        "长期 长久 长远",  # a plain group, no code
    ]
)


def _both(text: str) -> tuple[Thesaurus, Thesaurus]:
    scanned, indexed = Thesaurus(text), Thesaurus(text)
    indexed._scans = Thesaurus.SCANS_BEFORE_INDEX  # the next lookup builds the index
    return scanned, indexed


@pytest.mark.parametrize("word", ["人", "人物", "提高", "提升", "增高", "独自", "长久", "人士", "全人类", "没有", ""])
def test_index_and_scan_agree_on_a_small_file(word: str) -> None:
    scanned, indexed = _both(SAMPLE)
    assert indexed.synonyms(word) == scanned.synonyms(word)
    assert indexed._index is not None and scanned._index is None


def test_synonyms_in_file_order_without_the_word() -> None:
    scanned, indexed = _both(SAMPLE)
    for t in (scanned, indexed):
        assert t.synonyms("人物") == ["人", "士", "人士", "提高", "提升", "增高"]
        assert t.synonyms("提升") == ["提高", "增高", "人物"]  # the '#' line is not a group


def test_the_index_is_built_after_enough_scans() -> None:
    t = Thesaurus(SAMPLE)
    for i in range(Thesaurus.SCANS_BEFORE_INDEX):
        t.synonyms(f"词{i}")
    assert t._index is None
    assert t.synonyms("长远") == ["长期", "长久"]
    assert t._index is not None


def test_index_and_scan_agree_on_the_packaged_thesaurus() -> None:
    path = _packaged()
    if path is None:
        pytest.skip("WordSimilarity's cilin_ex.txt is not installed")
    text = path.read_text(encoding="utf-8")
    words = sorted({w for group in parse(text.splitlines()) for w in group})
    words += [line.split()[1] for line in text.splitlines()[:50] if len(line.split()) > 1]  # '#', '@' lines too
    rng = random.Random(5)
    scanned, indexed = _both(text)
    for word in rng.sample(words, 400) + ["提高", "国外", "明天", "不存在的词"]:
        assert indexed.synonyms(word) == scanned.synonyms(word), word


def test_common_nouns_are_told_from_names() -> None:
    text = "Cb25A01= 城市 都市 都会\nCb25A11# 营口 深圳 佛山\nDi03A01= 京都 北京 京城\nDm05A18= 幼儿园 托儿所\n天堂 乐园"
    t = Thesaurus(text)
    assert t.is_common_noun("城市") and t.is_common_noun("都会")
    # Related (#) lists of cities, the classes of capitals and institutions, and groups without
    # a Cilin code say nothing.
    assert not any(t.is_common_noun(w) for w in ("深圳", "北京", "幼儿园", "乐园", "城", "江门"))


def test_jieba_name_tags_of_everyday_words_are_overruled(engine) -> None:
    # jieba tags 城市 ns: as a name it had to be in the answer, and the passage saying 全省第6个
    # 工业投资过千亿元的地市 was refused for lacking it.
    assert not engine._is_name("城市") and engine._is_name("开平") and engine._is_name("深圳")
    answer = engine.ask("江门是全省第几个工业投资过千亿的城市")
    assert answer.answered and answer.figures[0].value == "第6个"


def test_index_now_indexes_before_any_scan() -> None:
    t = Thesaurus(SAMPLE)
    t.index_now()
    assert t._index is not None and t._scans == 0
    assert t.synonyms("人物") == Thesaurus(SAMPLE).synonyms("人物")


def test_big_knowledge_indexes_the_thesaurus_at_its_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.engine as engine_mod
    from bot.config import BUNDLED_KNOWLEDGE
    from bot.engine import Engine

    engine = Engine.build(BUNDLED_KNOWLEDGE)
    engine._expansions("提高了")
    assert engine._thesaurus is not None and engine._thesaurus._index is None  # small: scans first
    monkeypatch.setattr(engine_mod, "THESAURUS_INDEX_PASSAGES", 1)
    engine = Engine.build(BUNDLED_KNOWLEDGE)
    engine._expansions("提高了")
    assert engine._thesaurus is not None and engine._thesaurus._index is not None
