"""Answer quality: the engine must stay above the targets on the project's question sets.

Targets (issue 4): hit@1 ≥ 0.95, hit@3 ≥ 0.99, MRR@5 ≥ 0.97, figure@1 ≥ 0.90, semantic hit@1
≥ 0.90, off-topic refused ≥ 0.90, false refusals ≤ 0.03. Where the engine does not reach a target
on a set yet, the floor below is today's level (a drop still fails) and the comment says so.
"""

from __future__ import annotations

from pathlib import Path

import opencc
import pytest

from bot.engine import Engine
from bot.evaluate import evaluate, load_questions

REPO = Path(__file__).resolve().parent.parent
OWN = REPO / "eval" / "questions.yaml"
HOLDOUT = REPO / "eval" / "holdout.yaml"
SAMPLE = REPO.parent / "shared" / "eval" / "sample_questions.yaml"


def _summary(engine: Engine, path: Path) -> dict:
    return evaluate(engine, load_questions(path)).summary()


def test_own_set_meets_the_targets(engine: Engine) -> None:
    s = _summary(engine, OWN)
    assert s["questions"] >= 100
    assert s["hit@1"] >= 0.95
    assert s["hit@3"] >= 0.99
    assert s["mrr@5"] >= 0.97
    assert s["figure@1"] >= 0.90
    assert s["answer@1"] >= 0.95
    assert s["negatives_refused"] >= 0.90
    assert s["false_refusals"] <= 0.03
    assert s["by_kind"]["number"]["hit@1"] >= 0.95
    assert s["by_kind"]["trad"]["hit@1"] >= 0.95
    assert s["by_kind"]["semantic"]["hit@1"] >= 0.90


def test_holdout_set_written_apart_from_the_tuning(engine: Engine) -> None:
    s = _summary(engine, HOLDOUT)
    assert s["hit@1"] >= 0.90  # target 0.95
    assert s["hit@3"] >= 0.95
    assert s["figure@1"] >= 0.90
    assert s["negatives_refused"] >= 0.90
    assert s["false_refusals"] <= 0.03


# figure@1 floors below the 0.90 the other sets keep (their arrival, less a margin).
FIGURE_FLOORS = {"holdout51.yaml": 0.82, "holdout56.yaml": 0.81, "holdout73.yaml": 0.53, "holdout75.yaml": 0.86}


@pytest.mark.parametrize(
    ("name", "hit1", "refused", "false_refusals"),
    [
        # Written later by other people, from the article only. holdout2-4 were tuned on after
        # their first measurement (hit@1 on arrival: 0.79, 0.84, 0.78); holdout5 was not looked
        # at beyond its totals. The floors are today's level less a little (targets: hit@1 0.95,
        # refused 0.90, false refusals 0.03), so a regression fails.
        ("holdout2.yaml", 0.95, 0.90, 0.03),
        ("holdout3.yaml", 0.92, 0.90, 0.05),
        ("holdout4.yaml", 0.93, 0.90, 0.03),
        ("holdout5.yaml", 0.86, 0.90, 0.09),
        # Written in session 3, from the article only. holdout6, 8 and 9 (phone wording,
        # Cantonese, keyword queries) were tuned on after their first measurement (hit@1 on
        # arrival: 0.81, 0.87, 0.79); holdout7 was looked at only in totals.
        ("holdout6.yaml", 0.95, 0.90, 0.03),
        ("holdout7.yaml", 0.93, 0.90, 0.05),
        ("holdout8.yaml", 0.92, 0.90, 0.03),
        ("holdout9.yaml", 0.90, 0.90, 0.05),
        # Written last, looked at only in totals (hit@1 0.85 with the code of the round's start).
        ("holdout10.yaml", 0.90, 0.90, 0.06),
        # Written in session 4, from the article only, with harder semantic paraphrases (hit@1
        # on arrival: 0.853 and 0.779; semantic 0.36 on both). holdout11 was tuned on; holdout12
        # was looked at only in totals.
        ("holdout11.yaml", 0.84, 0.90, 0.08),
        ("holdout12.yaml", 0.77, 0.90, 0.13),
        # holdout13 (session 4; hit@1 0.900 on arrival) was tuned on in session 5; so was holdout14
        # after its first measurement (hit@1 0.929, false refusals 0.029; 0.929 and 0.043 with
        # the session's starting code).
        ("holdout13.yaml", 0.92, 0.90, 0.05),
        ("holdout14.yaml", 0.90, 0.90, 0.05),
        # holdout15 (session 5; hit@1 0.857, false refusals 0.143 on arrival) was then tuned on.
        ("holdout15.yaml", 0.88, 0.85, 0.11),
        # holdout16 (session 7, blind): hit@1 0.958, false refusals 0.042 on arrival (at 5fad876).
        ("holdout16.yaml", 0.93, 0.90, 0.06),
        # holdout17 (session 7, blind): hit@1 0.889, false refusals 0.042 on arrival (at 3513a36).
        ("holdout17.yaml", 0.86, 0.90, 0.06),
        # holdout18 (session 7, blind): hit@1 0.847, false refusals 0.083 on arrival (at 2c98df2).
        ("holdout18.yaml", 0.82, 0.90, 0.10),
        # holdout19 (session 7, blind): hit@1 0.871, false refusals 0.057 on arrival (at 145598e).
        ("holdout19.yaml", 0.84, 0.90, 0.08),
        # holdout20 (session 7, blind): hit@1 0.881, refused 0.923, false refusals 0.060 on arrival (at 8dc3b65).
        ("holdout20.yaml", 0.85, 0.90, 0.08),
        # holdout21 (session 7, blind): hit@1 0.940, refused 0.923, false refusals 0.000 on arrival (at 7f51c76).
        ("holdout21.yaml", 0.91, 0.90, 0.03),
        # holdout22 (session 7, blind): hit@1 0.912, false refusals 0.029 on arrival (at 8e58ae1).
        ("holdout22.yaml", 0.88, 0.90, 0.05),
        # holdout23 (session 7, blind, the session's last code): hit@1 0.896, refused 0.923, false
        # refusals 0.030 on arrival (at 7d6c7a7).
        ("holdout23.yaml", 0.87, 0.90, 0.05),
        # holdout24 (session 8, blind): hit@1 0.955, figure@1 0.906, refused 0.923, false refusals
        # 0.015 on arrival (at dd477dd).
        ("holdout24.yaml", 0.92, 0.90, 0.03),
        # holdout25 (session 8, blind): hit@1 0.955, figure@1 0.935, refused 1.000, false refusals
        # 0.000 on arrival (at dd477dd).
        ("holdout25.yaml", 0.92, 0.92, 0.03),
        # holdout26 (session 8, blind): hit@1 0.910, figure@1 0.969, refused 1.000, false refusals
        # 0.060 on arrival (at 6f62899).
        ("holdout26.yaml", 0.88, 0.92, 0.08),
        # holdout27 (session 8, blind): hit@1 0.940, figure@1 1.000, refused 1.000, false refusals
        # 0.045 on arrival (at 94cc4ea).
        ("holdout27.yaml", 0.91, 0.92, 0.06),
        # holdout28 (session 8, blind, the session's code before its last changes): hit@1 0.896,
        # figure@1 1.000, refused 0.923, false refusals 0.075 on arrival (at 64a1d97).
        ("holdout28.yaml", 0.86, 0.90, 0.09),
        # holdout29 (session 8, blind): hit@1 0.925, figure@1 0.967, refused 1.000, false refusals
        # 0.030 on arrival (at 543e440).
        ("holdout29.yaml", 0.89, 0.92, 0.05),
        # holdout30 (session 8, blind): hit@1 0.955, figure@1 0.967, refused 1.000, false refusals
        # 0.045 on arrival (at 1ee758b, the same code as 543e440).
        ("holdout30.yaml", 0.92, 0.92, 0.06),
        # holdout31 (session 8, blind): hit@1 0.925, figure@1 0.968, refused 0.846, false refusals
        # 0.045 on arrival (at fca624c, the same code as 57d4f79).
        ("holdout31.yaml", 0.89, 0.84, 0.06),
        # holdout32 (session 8, blind, the session's last code): hit@1 1.000, figure@1 0.968,
        # refused 1.000, false refusals 0.000 on arrival (at 57d4f79).
        ("holdout32.yaml", 0.96, 0.92, 0.03),
        # holdout33 (session 8, blind, the session's final code): hit@1 1.000, figure@1 1.000,
        # refused 1.000, false refusals 0.000 on arrival (at 64566e5).
        ("holdout33.yaml", 0.96, 0.92, 0.03),
        # holdout34 / holdout35 (session 9, blind, session 8's final code): hit@1 0.970 / 0.985,
        # figure@1 1.000 / 0.967, refused 1.000 / 1.000, false refusals 0.015 / 0.015 on arrival
        # (at 756d15f).
        ("holdout34.yaml", 0.94, 0.92, 0.03),
        ("holdout35.yaml", 0.95, 0.92, 0.03),
        # holdout36 (session 9, blind): hit@1 0.985, figure@1 1.000, refused 0.923, false
        # refusals 0.000 on arrival (at 0df47f1).
        ("holdout36.yaml", 0.95, 0.92, 0.03),
        # holdout37 (session 9, blind): hit@1 0.955, figure@1 0.966, refused 1.000, false
        # refusals 0.015 on arrival (at 7f7aceb).
        ("holdout37.yaml", 0.93, 0.92, 0.03),
        # holdout38 (session 10, blind): hit@1 0.985, figure@1 1.000, refused 1.000, false
        # refusals 0.015 on arrival (at 423767e).
        ("holdout38.yaml", 0.95, 0.92, 0.03),
        # holdout39 (session 10, blind): hit@1 0.940, figure@1 1.000, refused 1.000, false
        # refusals 0.030 on arrival (at 7db88c3).
        ("holdout39.yaml", 0.92, 0.92, 0.03),
        # holdout40 / holdout41 (session 10, blind): hit@1 0.985 / 0.970, figure@1 1.000, refused
        # 1.000, false refusals 0.015 / 0.000 on arrival (at ae7c8a7).
        ("holdout40.yaml", 0.95, 0.92, 0.03),
        ("holdout41.yaml", 0.94, 0.92, 0.03),
        # holdout42 / holdout43 (session 11, blind): hit@1 0.955 / 0.955, figure@1 1.000 / 0.931,
        # refused 1.000, false refusals 0.030 / 0.030 on arrival (at 20704cc).
        ("holdout42.yaml", 0.93, 0.92, 0.03),
        ("holdout43.yaml", 0.93, 0.92, 0.03),
        # holdout44 (session 11, blind; retired residents in the villages): hit@1 0.866,
        # figure@1 0.931, refused 0.923, false refusals 0.090 on arrival (at 9df1776), the
        # lowest arrival since session 7. holdout45 (party members and grassroots cadres): hit@1
        # 0.970, figure@1 1.000, refused 1.000, false refusals 0.030 on arrival (at 9df1776).
        ("holdout44.yaml", 0.91, 0.92, 0.03),
        ("holdout45.yaml", 0.95, 0.92, 0.03),
        # holdout46 (session 11, blind; young people asking in internet style): hit@1 0.955,
        # figure@1 0.967, refused 0.923, false refusals 0.030 on arrival (at 703cb54).
        # holdout47 (investors and journalists from Guangzhou, Shenzhen, Hong Kong): hit@1 0.896,
        # figure@1 0.966, refused 0.923, false refusals 0.090 on arrival (at 703cb54).
        ("holdout46.yaml", 0.94, 0.92, 0.03),
        ("holdout47.yaml", 0.90, 0.92, 0.06),
        # holdout48 (session 12, blind; terse search-box queries, 「饭堂 多少家」): hit@1 0.955,
        # figure@1 0.967, refused 0.923, false refusals 0.015 on arrival (at cc6245e).
        # holdout49 (social workers, teachers, nurses, volunteers): hit@1 0.955, figure@1 0.966,
        # refused 0.769, false refusals 0.015 on arrival (at cc6245e): 3 of its 13 negatives
        # (办什么卡, 每户补贴多少钱, 15所学校叫什么) were answered.
        ("holdout48.yaml", 0.93, 0.92, 0.03),
        ("holdout49.yaml", 0.93, 0.76, 0.03),
        # holdout50 (officials on a study visit): hit@1 0.925, figure@1 0.900, refused 0.923,
        # false refusals 0.045 on arrival (at bb3da5d). holdout51 (sceptical residents, a doubt
        # before the question): hit@1 0.896, figure@1 0.833, refused 0.923, false refusals
        # 0.090 on arrival (at bb3da5d), the lowest figure@1 on arrival since session 7.
        ("holdout50.yaml", 0.90, 0.92, 0.06),
        ("holdout51.yaml", 0.87, 0.92, 0.10),
        # holdout52 (ordinary readers, plain questions): hit@1 0.955, figure@1 0.966, refused
        # 0.923, false refusals 0.045 on arrival (at 462146a, after tuning on holdout48-51).
        # holdout53 (Hong Kong, Macau and Taiwan readers, regional words): hit@1 0.940, figure@1
        # 1.000, refused 0.692, false refusals 0.015 on arrival (at 462146a).
        ("holdout52.yaml", 0.93, 0.92, 0.06),
        ("holdout53.yaml", 0.91, 0.68, 0.03),
        # holdout54 (two things asked in one message): hit@1 0.955, figure@1 0.967, refused
        # 0.769, false refusals 0.045 on arrival (at 20c8812, after tuning on holdout48-53).
        # holdout55 (students writing a report): hit@1 0.985, figure@1 1.000, refused 0.846,
        # false refusals 0.000 on arrival (at 20c8812).
        ("holdout54.yaml", 0.93, 0.76, 0.06),
        ("holdout55.yaml", 0.95, 0.84, 0.03),
        # holdout56 (residents of other Guangdong cities, who name their own): hit@1 0.821,
        # figure@1 0.828, refused 1.000, false refusals 0.134 on arrival (at 36055f3): the
        # asker's own city (「我是佛山的,…」) was taken for what the question is about.
        # holdout57 (elderly people dictating by voice, no punctuation): hit@1 0.910, figure@1
        # 1.000, refused 1.000, false refusals 0.060 on arrival (at 36055f3).
        ("holdout56.yaml", 0.80, 0.92, 0.14),
        ("holdout57.yaml", 0.88, 0.92, 0.07),
        # holdout59 (grown-up children asking for their parents, 「我妈七十多了…」): hit@1
        # 0.925, figure@1 1.000, refused 1.000, false refusals 0.060 on arrival (at 999960f,
        # after tuning on holdout48-57).
        ("holdout59.yaml", 0.90, 0.92, 0.07),
        # holdout58 (plain questions of a mix of askers, like the sample): hit@1 0.955, figure@1
        # 1.000, refused 0.923, false refusals 0.000 on arrival (at 94e1c07, after tuning on
        # holdout48-57).
        ("holdout58.yaml", 0.93, 0.92, 0.03),
        # holdout60 (the general public, plain questions like the sample's): hit@1 0.985,
        # figure@1 1.000, refused 0.923, false refusals 0.015 on arrival (at d9a2b16, the
        # session's code after tuning on holdout48-59).
        ("holdout60.yaml", 0.95, 0.92, 0.03),
        # holdout61 (overseas 侨胞, traditional characters and Cantonese in every kind): hit@1
        # 0.955, figure@1 1.000, refused 0.923, false refusals 0.030 on arrival (at cc6d167, the
        # same engine as d9a2b16).
        ("holdout61.yaml", 0.93, 0.92, 0.04),
        # holdout62 (residents of every age; a third of its questions avoid the article's key
        # words): hit@1 0.910, figure@1 0.933, refused 1.000, false refusals 0.060 on arrival.
        # holdout63 (a mix of askers as in the sample): hit@1 0.970, figure@1 1.000, refused
        # 1.000, false refusals 0.015 on arrival. Both at d4be414, the session's final engine.
        ("holdout62.yaml", 0.88, 0.92, 0.07),
        ("holdout63.yaml", 0.94, 0.92, 0.03),
        # holdout64 (fast phone typing: no punctuation, one question in ten with a homophone
        # slip such as 实习声, 治按): hit@1 0.955, figure@1 1.000, refused 0.923, false refusals
        # 0.015 on arrival. holdout65 (newsroom colleagues fact-checking, half in their own
        # words): hit@1 0.970, figure@1 0.967, refused 0.923, false refusals 0.015 on arrival.
        # Both at 3bf47e6, session 12's final code.
        ("holdout64.yaml", 0.93, 0.92, 0.03),
        ("holdout65.yaml", 0.94, 0.92, 0.03),
        # holdout66 (residents asking about their own situation, many when/where/who): hit@1
        # 0.985, figure@1 0.966, refused 0.923, false refusals 0.015 on arrival. holdout67 (chat-box
        # questions, 74 of 80 under 12 characters): hit@1 1.000, figure@1 0.933, refused 0.923,
        # false refusals 0.000 on arrival. Both at 1fca045.
        ("holdout66.yaml", 0.95, 0.92, 0.03),
        ("holdout67.yaml", 0.96, 0.92, 0.02),
        # holdout68 (checking what one half-remembers: 「…是48家吗？」, some misremembered):
        # hit@1 0.940, figure@1 0.586, refused 1.000, false refusals 0.045 on arrival.
        # holdout69 (a sentence of context before every question): hit@1 0.851, figure@1 0.966,
        # refused 0.923, false refusals 0.149 on arrival. Both at 50c338e. After the rules they
        # led to (a figure to confirm; a sentence about the asker): 0.940 / 0.955, figure@1 1.000.
        ("holdout68.yaml", 0.92, 0.92, 0.06),
        ("holdout69.yaml", 0.93, 0.92, 0.06),
        # holdout70 (two or three sentences of the asker's story before each question): hit@1
        # 0.776, figure@1 0.897, refused 0.923, false refusals 0.209 on arrival at 9fbd29a.
        # After the story rule it led to (sentences ending in 。/! before the question are the
        # asker's): 0.910, false refusals 0.060.
        ("holdout70.yaml", 0.88, 0.92, 0.08),
        # holdout71 (confirming what one half-remembers, half of it wrong: a district, an office,
        # a person): hit@1 0.821, figure@1 0.867, refused 0.615, false refusals 0.119 on arrival
        # at 0cad3b6. After the claim rule it led to (a name a yes/no question states is checked,
        # not searched): 0.955, false refusals 0.015; refused 0.692 (four confirmations of a detail
        # the article does not give — 11点开饭, 姓陈, 在市委党校办 — are answered by the subject).
        ("holdout71.yaml", 0.93, 0.65, 0.04),
        # holdout72 (ordinary phone questions, as varied as real users: the sample's kinds
        # written fresh): hit@1 1.000, figure@1 1.000, refused 0.923, false refusals 0.000 on
        # arrival at f157160.
        ("holdout72.yaml", 0.97, 0.92, 0.02),
        # holdout73 (everyday words for every key word of the article: 「给老人做饭的便宜食堂」,
        # 「市里的头头」): hit@1 0.612, figure@1 0.448, refused 0.769, false refusals 0.269 on
        # arrival at ad10cba — the hardest set since holdout44. 0.701 after its lexicon entries.
        ("holdout73.yaml", 0.68, 0.76, 0.20),
        # holdout74 (a newsroom's readers, a mix as in the sample): hit@1 0.910, figure@1 0.962,
        # refused 1.000, false refusals 0.015 on arrival at 94a07c0; its misses are 6 of its 10
        # semantic questions, whose answers share no word with them.
        ("holdout74.yaml", 0.89, 0.92, 0.03),
        # holdout75 (what a figure, name or phrase from the article refers to; two things asked at
        # once): hit@1 0.791, figure@1 0.846, refused 0.769, false refusals 0.104 on arrival at
        # 94a07c0. 0.881 after 和县 (a county jieba cut out of 「市领导和县(市、区)」), 办完以后,
        # 读不上 (学位不足), the quoted-name rule (“五个一工程” refused, “六大工程” answered as
        # written) and a person jieba lists (张国强).
        ("holdout75.yaml", 0.87, 0.88, 0.05),
    ],
)
def test_later_holdout_sets(engine: Engine, name: str, hit1: float, refused: float, false_refusals: float) -> None:
    s = _summary(engine, REPO / "eval" / name)
    assert s["questions"] >= 60
    assert s["hit@1"] >= hit1
    assert s["figure@1"] >= FIGURE_FLOORS.get(name, 0.90)
    assert s["negatives_refused"] >= refused
    assert s["false_refusals"] <= false_refusals


@pytest.mark.skipif(not SAMPLE.is_file(), reason="the shared sample set is not beside this checkout")
def test_shared_sample_set(engine: Engine) -> None:
    s = _summary(engine, SAMPLE)
    assert s["hit@1"] >= 0.95
    assert s["hit@3"] >= 0.99
    assert s["figure@1"] >= 0.90
    assert s["negatives_refused"] >= 0.90
    assert s["false_refusals"] <= 0.03


def test_traditional_characters_answer_exactly_like_simplified(engine: Engine) -> None:
    """Every non-negative question of the own set, converted to traditional, gets the same answer."""
    s2t = opencc.OpenCC("s2t")
    checked = 0
    for q in load_questions(OWN):
        if q.kind in ("negative", "trad"):
            continue
        simp = engine.ask(q.q)
        trad = engine.ask(s2t.convert(q.q))
        assert trad.answered == simp.answered, q.q
        assert [h.passage.id for h in trad.hits] == [h.passage.id for h in simp.hits], q.q
        assert [f.value for f in trad.figures[:1]] == [f.value for f in simp.figures[:1]], q.q
        checked += 1
    assert checked >= 80


LIBRARY = """---
title: 新会区图书馆焕新开放
source: 测试日报
author: 测试记者
---
## 一 焕新升级
新会区图书馆改造后面积达到1.2万平方米,新增阅览座位600个,全年开放365天。

馆内设有少儿阅读区和古籍修复室,古籍修复室去年修复古籍320册。

## 二 读者服务
图书馆推出“一卡通”借阅服务,读者凭身份证即可在全区28个分馆通借通还。
"""


@pytest.fixture(scope="module")
def two_documents(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    folder = tmp_path_factory.mktemp("knowledge")
    bundled = REPO / "knowledge" / "jiangmen-zhutijiaoyu.md"
    (folder / "jiangmen-zhutijiaoyu.md").write_text(bundled.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "xinhui-library.md").write_text(LIBRARY, encoding="utf-8")
    return Engine.build(folder)


@pytest.mark.parametrize(
    ("question", "doc", "figure"),
    [
        ("新会区图书馆新增了多少个阅览座位？", "xinhui-library", "600个"),
        ("古籍修复室去年修复了多少册古籍", "xinhui-library", "320册"),
        ("全区有几个分馆可以通借通还？", "xinhui-library", "28个"),
        ("讲师团有多少名成员？", "jiangmen-zhutijiaoyu", "88名"),
        ("长者饭堂一顿饭多少钱？", "jiangmen-zhutijiaoyu", "5元"),
    ],
)
def test_a_second_document_needs_no_code(two_documents: Engine, question: str, doc: str, figure: str) -> None:
    answer = two_documents.ask(question)
    assert answer.answered
    assert answer.hits[0].passage.doc == doc
    assert figure in answer.figures[0].value


def test_a_second_document_does_not_make_off_topic_questions_answerable(two_documents: Engine) -> None:
    assert not two_documents.ask("上海有多少常住人口？").answered
    assert not two_documents.ask("图书馆几点开门？").answered


@pytest.mark.parametrize(
    ("name", "refused"),
    [
        # hard_negatives1 (session 8, blind): 60 near-topic questions the article does not answer
        # (a detail of something it mentions, another city or year, a false premise), 10 off-topic.
        # 0.733 refused on arrival (at cbcf5d4), 0.750 after the ordinal rule.
        ("hard_negatives1.yaml", 0.73),
    ],
)
def test_hard_negative_sets(engine: Engine, name: str, refused: float) -> None:
    s = _summary(engine, REPO / "eval" / name)
    assert s["questions"] >= 60 and s["by_kind"].keys() == {"negative"}
    assert s["negatives_refused"] >= refused


@pytest.mark.parametrize(
    ("name", "hit1", "false_refusals"),
    [
        # hard_paraphrase1 (session 8, blind): 30 semantic and 30 colloquial questions that avoid
        # the article's key words. hit@1 0.583, false refusals 0.367 on arrival (at cbcf5d4).
        ("hard_paraphrase1.yaml", 0.55, 0.40),
    ],
)
def test_hard_paraphrase_sets(engine: Engine, name: str, hit1: float, false_refusals: float) -> None:
    s = _summary(engine, REPO / "eval" / name)
    assert s["questions"] >= 60
    assert s["hit@1"] >= hit1
    assert s["false_refusals"] <= false_refusals
