"""Ranking and refusing on small made-up knowledge folders, where BM25 scores say little.

rank-bm25's idf is log((N - n + 0.5) / (n + 0.5)): with one passage every matching term scores
below zero, with two passages a term in one of them scores exactly zero, and a term in every
passage is floored. The engine must still answer what the folder answers and refuse the rest.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import Engine

ONE = {"one.txt": "江门新增长者饭堂48家,总数达114家。"}
TWO = {"two.txt": "江门新增长者饭堂48家,总数达114家。\n\n全市已建成1个市级零工市场枢纽、7个县级零工市场。\n"}
EVERYWHERE = {
    "four.txt": "江门新增长者饭堂48家。\n\n江门建成7个县级零工市场。\n\n江门种了300棵紫花风铃木。\n\n江门的红树林有3.8公顷。\n"
}


def build(tmp_path_factory: pytest.TempPathFactory, files: dict[str, str]) -> Engine:
    root: Path = tmp_path_factory.mktemp("knowledge")
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return Engine.build(root)


@pytest.fixture(scope="module")
def one(tmp_path_factory) -> Engine:
    return build(tmp_path_factory, ONE)


@pytest.fixture(scope="module")
def two(tmp_path_factory) -> Engine:
    return build(tmp_path_factory, TWO)


@pytest.fixture(scope="module")
def everywhere(tmp_path_factory) -> Engine:
    return build(tmp_path_factory, EVERYWHERE)


def refused(answer) -> bool:
    return answer.answered is False and answer.hits == () and answer.figures == ()


# ------------------------------------------------------------------ one passage
def test_one_passage_bm25_scores_are_negative(one):
    """The premise of the next tests: the score cannot tell a match from a miss."""
    words = one.tokenizer.analyze("长者饭堂一共有多少家？").words
    assert one.index.words.scores_for(words, [0])[0] < 0


@pytest.mark.parametrize(
    ("question", "first_figure"),
    [
        ("长者饭堂一共有多少家？", "114家"),
        ("江门新增了多少长者饭堂", "48家"),
        ("长者饭堂有几家", None),
        ("江门有多少家长者饭堂？", None),  # not 家长 (parent) + 者饭堂
    ],
)
def test_one_passage_answers_a_matching_question(one, question, first_figure):
    answer = one.ask(question)
    assert answer.answered
    assert [h.passage.id for h in answer.hits] == ["one#1"]
    if first_figure:
        assert answer.figures[0].value == first_figure


@pytest.mark.parametrize("question", ["上海有多少常住人口？", "零工市场有几个？", "周杰伦最新的歌叫什么？", "红树林有多大"])
def test_one_passage_refuses_a_question_it_does_not_answer(one, question):
    assert refused(one.ask(question))


# ------------------------------------------------------------------ two passages
def test_two_passages_a_term_in_one_of_them_scores_zero(two):
    words = two.tokenizer.analyze("县级零工市场有几个？").words
    assert list(two.index.words.scores_for(words, [0, 1])) == [0.0, 0.0]


@pytest.mark.parametrize(
    ("question", "passages", "first_figure"),
    [
        ("长者饭堂一共有多少家？", ["two#1"], "114家"),
        ("县级零工市场有几个？", ["two#2"], "7个"),
        ("市级零工市场枢纽有几个？", ["two#2"], "1个"),
    ],
)
def test_two_passages_answer_from_the_matching_one(two, question, passages, first_figure):
    answer = two.ask(question)
    assert answer.answered
    assert [h.passage.id for h in answer.hits] == passages
    assert answer.figures[0].value == first_figure


@pytest.mark.parametrize("question", ["上海有多少常住人口？", "红树林有多大？", "江门有多少家医院？", "hello world"])
def test_two_passages_refuse_an_off_topic_question(two, question):
    assert refused(two.ask(question))


# ------------------------------------------------------------------ a term in every passage
@pytest.mark.parametrize(
    ("question", "first_passage", "first_figure"),
    [
        ("江门种了多少棵紫花风铃木？", "four#3", "300棵"),
        ("江门的红树林有多大？", "four#4", "3.8公顷"),
        ("江门有几个县级零工市场？", "four#2", "7个"),
        ("江门新增了多少长者饭堂？", "four#1", "48家"),
    ],
)
def test_a_term_in_every_passage_does_not_decide_the_ranking(everywhere, question, first_passage, first_figure):
    answer = everywhere.ask(question)
    assert answer.answered
    assert answer.hits[0].passage.id == first_passage
    assert answer.figures[0].value == first_figure


@pytest.mark.parametrize(
    "question",
    [
        "上海有多少常住人口？",
        "江门有多少所大学？",
        "江门的大学有几所？",  # 的 and 有 are not content words, even in a folder with no lexicon/
        "江门的地铁有多长？",
    ],
)
def test_a_term_in_every_passage_does_not_make_an_off_topic_question_relevant(everywhere, question):
    assert refused(everywhere.ask(question))


# ------------------------------------------------------------------ the bundled article
@pytest.mark.parametrize(
    "question",
    ["上海有多少常住人口？", "怎么学习Python编程？", "周杰伦最新的歌叫什么？", "hello world", "今天天气怎么样？"],
)
def test_the_bundled_article_refuses_off_topic_questions(engine, question):
    answer = engine.ask(question)
    assert refused(answer)
    assert answer.to_json()["passages"] == []
    assert answer.to_json()["figures"] == []


def test_the_top_k_setting_bounds_the_passages(engine):
    answer = engine.ask("长者饭堂有多少家？")
    assert answer.hits[0].passage.id == "jiangmen-zhutijiaoyu#27"
    assert 1 <= len(answer.hits) <= engine.settings.top_k == 3
    # A plain question lists passages by score. (A quantity question lists first the passages
    # that can answer it -- with such a figure -- then the others, each group by score.)
    plain = engine.ask("江门怎样推进长者饭堂建设？")
    assert 1 <= len(plain.hits) <= 3
    assert [h.score for h in plain.hits] == sorted((h.score for h in plain.hits), reverse=True)


# ------------------------------------------------------------------ section titles
TITLED = {
    "titled.md": "# 报道\n\n## 知行合一务求实效\n\n"
    "市委引导党员坚持学做结合、做到知行合一。\n\n"
    "党员干部政治能力得到提升,党员干部更加自觉,党员干部统一了思想和行动。\n\n"
    "## 行动\n\n各地行动起来。\n"
}


@pytest.mark.parametrize("saved", [False, True], ids=["built", "saved index"])
def test_a_word_only_in_the_section_title_counts_less_than_one_the_paragraph_says(tmp_path, saved):
    # Both paragraphs have 知行合一 through their section's title; only the first says it.
    # 各地行动起来 says the word of its title (行动) itself.
    root = tmp_path / "k"
    root.mkdir()
    (root / "titled.md").write_text(TITLED["titled.md"], encoding="utf-8")
    cache = tmp_path / "cache" if saved else None
    if saved:
        Engine.build(root, cache_dir=cache)  # a later build loads the saved index
    engine = Engine.build(root, cache_dir=cache)
    from bot.engine import TITLE_DEGREE, _Matches

    texts = [p.text[:4] for p in engine.passages]
    for matches in (engine._corpus_matches(), _Matches(engine, range(len(texts)))):
        assert matches is not None
        degrees = {texts[d]: v for d, v in matches.degrees("知行合一").items()}
        assert degrees == {"市委引导": 1.0, "党员干部": TITLE_DEGREE, "知行合一": 1.0}  # the last: the title itself
        degrees = {texts[d]: v for d, v in matches.degrees("行动").items()}
        assert degrees == {"党员干部": 1.0, "各地行动": 1.0, "行动": 1.0}
        assert TITLE_DEGREE < 1.0
    answer = engine.ask("党员干部怎么做到知行合一？")
    assert answer.hits[0].passage.text.startswith("市委引导")
