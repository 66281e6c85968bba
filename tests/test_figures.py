"""Figures: every number of a passage as written, with its unit, and which one a question wants."""

from __future__ import annotations

import pytest

from bot.figures import extract_figures, figure_query, figure_spans, unit_matches


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # integers with their counters
        ("组织88名市县讲师团成员宣讲156场次", [("88名", "名", "count"), ("156场次", "场次", "count")]),
        (
            "市第十四次党代会部署的179项任务完成或阶段性完成161项",
            [("第十四次", "次", "ordinal"), ("179项", "项", "count"), ("161项", "项", "count")],
        ),
        # decimals, 万/亿, percentages
        ("人工培育红树林3.8公顷", [("3.8公顷", "公顷", "count")]),
        ("办理网格事项56.4万件、办结率99.4%", [("56.4万件", "件", "count"), ("99.4%", "%", "percent")]),
        ("完成民生支出347.3亿元,占一般公共预算支出的76.4%", [("347.3亿元", "亿元", "money"), ("76.4%", "%", "percent")]),
        ("刑事治安警情同比下降6.4%", [("6.4%", "%", "percent")]),
        ("惠及3亿人,接待1万人次", [("3亿人", "人", "count"), ("1万人次", "人次", "count")]),
        ("两荤两素一汤一饭只要5元钱", [("两荤两素", "菜", "count"), ("5元钱", "元", "money")]),
        # ordinals
        ("成为全省第6个工业投资过千亿元的地市", [("第6个", "个", "ordinal"), ("过千亿元", "亿元", "money")]),
        # a magnitude without digits counts only as money: 「万亩千亿」 is a slogan, 通过3次 is 3次
        ("投资超百亿元、上千万元", [("超百亿元", "亿元", "money"), ("上千万元", "万元", "money")]),
        ("打造“万亩千亿”产业平台,打造万亩千亿产业园", []),
        ("通过3次会议", [("3次", "次", "count")]),
        ("考核排名全省第1,成为省现代化海洋牧场先行市", [("第1", "", "ordinal")]),
        ("在每月第1个工作日", [("每月第1个工作日", "", "date")]),  # a recurring day: when, and which (第几)
        # dates and years
        ("时间回溯。2023年9月19日,市领导同志学习", [("2023年9月19日", "", "date")]),
        ("读书班于9月19日开班", [("9月19日", "", "date")]),
        ("江门新增长者饭堂48家,2023年服务量约89万餐次", [("48家", "家", "count"), ("2023年", "年", "year"), ("约89万餐次", "餐次", "count")]),
        # approximate forms keep their qualifier
        ("全市处级以上单位建立制度机制超500项", [("超500项", "项", "count")]),
        (
            "组织96个县处级参学单位、1.3万多个基层党组织、22万多名党员",
            [("96个", "个", "count"), ("1.3万多个", "个", "count"), ("22万多名", "名", "count")],
        ),
        ("深入农村、社区、机关、企业等60多个基层单位调研指导", [("60多个", "个", "count")]),
        ("新增优质学位超1.1万个", [("超1.1万个", "个", "count")]),
        ("在全部完成不少于7天读书班基础上", [("不少于7天", "天", "count")]),
        ("50%以上村集体经营性收入超100万元", [("50%以上", "%", "percent"), ("超100万元", "万元", "money")]),
        # lists
        ("调研成果转化分别为33项、229项、498项", [("33项", "项", "count"), ("229项", "项", "count"), ("498项", "项", "count")]),
        # slogans in quotes are names, not figures
        ("高站位高质量推进省委“1310”具体部署和市委“1+6+3”工作安排", []),
        ("“法+侨”“检+侨”“司+侨”工作模式获全国推广", []),
        ("大力推进“零工市场+就业驿站”体系建设", []),
        ("优化提升市委1+6+3工作安排", []),
        # a figure opening the text (the 2nd photo caption, paragraph 39 "2月初,恩平市…")
        ("88名市县讲师团成员", [("88名", "名", "count")]),
        ("2月初,恩平市圣堂镇水塘村党支部", [("2月初", "", "date")]),
        ("22万多名党员", [("22万多名", "名", "count")]),
    ],
)
def test_extract_figures(text, expected):
    figures = extract_figures(text, "doc#1")
    assert [(f.value, f.unit, f.kind) for f in figures] == expected
    for f in figures:
        assert text[f.start : f.start + len(f.value)] == f.value
        assert f.passage_id == "doc#1"


def test_a_figure_carries_its_clause_as_context():
    text = "完成民生支出347.3亿元,占一般公共预算支出的76.4%;重点群体就业保持稳定"
    assert [(f.value, f.context) for f in extract_figures(text, "d#7")] == [
        ("347.3亿元", "完成民生支出347.3亿元"),
        ("76.4%", "占一般公共预算支出的76.4%"),
    ]


def test_a_paragraph_opening_with_a_date_keeps_it(engine):
    paragraph_39 = next(i for i, p in enumerate(engine.passages) if p.text.startswith("2月初"))
    assert [f.value for f in engine.figures_of(paragraph_39)] == ["2月初", "300棵", "4公里"]


@pytest.mark.parametrize(
    ("question", "passage", "first_figure"),
    [
        ("讲师团有多少名成员？", "组织88名市县讲师团成员宣讲156场次", "88名"),
        ("县级领导班子的调研成果转化了多少项？", "调研成果转化分别为33项、229项、498项", "229项"),
        ("市领导的调研成果转化了多少项", "调研成果转化分别为33项、229项、498项", "33项"),
        ("鹤山有几个镇入选了百千万工程典型？", "鹤山及6个镇60个村(社区)", "6个"),
        # The subject named (市直单位领导) outweighs the counted noun the first figure follows.
        ("市直单位领导一共领办了多少项民生实事？", "89个市直单位领导领办539项", "539项"),
        ("市领导班子成员领办了几项民生实事", "市领导班子成员领办民生实事54项", "54项"),
        ("七个县（市、区）的领导班子成员一共领办了几项实事？", "7个县(市、区)领导班子成员领办237项", "237项"),
        # Every item of a list has the verb that opens it (已建成1个…、7个…、80个就业驿站).
        ("全市已建成多少个就业驿站了？", "80个就业驿站", "80个"),
    ],
)
def test_the_first_figure_answers_the_question(engine, question, passage, first_figure):
    answer = engine.ask(question)
    assert answer.answered
    assert passage in answer.hits[0].passage.text
    assert answer.figures[0].value == first_figure


def test_figure_scan_matches_the_regex_scan(engine):
    """``_figures_in`` (the pattern tried only where a figure can start) finds what
    ``_FIGURE_RE.finditer`` finds, groups included, and ``_blank_figures`` is its ``sub``: on
    every passage of the article and on random strings of figure characters."""
    import random

    from bot.figures import _DISH_RE, _FIGURE_RE, _blank_figures, _figures_in

    rng = random.Random(5)
    alphabet = "0123456789第超过约近逾不少于到达每个月日年号初底中旬上下二三四五六七八九十一万亿千百多余%元块钱公里平方米以上左右,。、“”+.G分别工作"
    texts = [p.text for p in engine.passages]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(20000)]
    texts += ["两荤两素一汤一饭只要5元钱", "三荤一素", "一荤", "两荤两素两荤一素"]
    for text in texts:
        found = list(_FIGURE_RE.finditer(text))
        # and the dish counts (两荤两素), which _FIGURE_RE does not know
        found += [d for d in _DISH_RE.finditer(text) if not any(m.start() < d.end() and d.start() < m.end() for m in found)]
        found.sort(key=lambda m: m.start())
        expected = [(m.span(), m.groupdict()) for m in found]
        assert [(m.span(), m.groupdict()) for m in _figures_in(text)] == expected, text
        if "荤" not in text:
            assert _blank_figures(text) == _FIGURE_RE.sub(" ", text), text


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("讲师团宣讲的场次是多少来着", "场次"),
        ("全市党员人数是多少", "人"),
        ("改造的户数一共有多少", "户"),
        ("专题研讨的次数大概是多少", "次"),
        ("讲师团宣讲了多少场", "场"),  # a counter after 多少 still wins
    ],
)
def test_a_counter_named_right_before_the_question_word_is_the_unit(question: str, unit: str) -> None:
    assert figure_query(question).unit == unit


def test_a_meal_counted_in_dishes_is_a_figure_of_dishes() -> None:
    text = "饭菜种类丰富、物美价廉、软糯可口,两荤两素一汤一饭只要5元钱。"
    assert [(v, u, k) for _, v, u, k in figure_spans(text)] == [("两荤两素", "菜", "count"), ("5元钱", "元", "money")]
    assert [f.value for f in extract_figures(text, "p")] == ["两荤两素", "5元钱"]
    assert figure_query("一顿有几个菜啊").unit == "菜"
    assert figure_query("饭堂有几个工作人员").unit == "个"  # not dishes
    assert figure_query("一顿得花多少").kind == "money"
    assert figure_query("要花多少天").kind != "money"


@pytest.mark.parametrize("question", ["办结率到底有多少", "网格事项的办结率究竟是多少?", "办结率是多少"])
def test_a_rate_asked_with_a_filler_between_is_a_percentage(question: str) -> None:
    assert figure_query(question).kind == "percent"


def test_a_share_without_a_subject_is_of_the_previous_clause(engine) -> None:
    # 「完成民生支出347.3亿元,占一般公共预算支出的76.4%」: the share is 民生支出's.
    for question in ("民生支出的比例是多少", "民生支出占比多少"):
        answer = engine.ask(question)
        assert answer.answered and answer.figures[0].value == "76.4%", question
    assert engine.tokenizer.asked_noun("民生支出占比多少") == ("民生支出",)


def test_how_many_persons_counts_people() -> None:
    # 「几个人」 asks how many people (88名成员), as 「多少人」 does.
    for question in ("讲师团几个人", "讲师团有几个 人", "有多少个人参加"):
        assert figure_query(question).unit == "人", question
    assert unit_matches("人", "名")
    assert figure_query("建了几个驿站").unit == "个"


def test_an_adjective_of_price_about_what_is_counted_asks_no_price() -> None:
    from bot.figures import figure_query

    fq = figure_query("给老人做饭的便宜食堂新开了多少家")
    assert (fq.unit, fq.kind) == ("家", "")  # 便宜 describes the canteens counted
    assert figure_query("长者饭堂有多便宜").kind == "money"
    assert figure_query("便宜的饭堂一顿多少钱").kind == "money"
