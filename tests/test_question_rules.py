"""The relevance rules added for questions people ask in their own words.

Each rule is checked on a small document of our own (so no eval line is special-cased) and,
where it matters, against the bundled article: a caption named by position, a who-question that
names a post, a year the knowledge never mentions, a name jieba does not know, "…的数量是多少".
"""

from __future__ import annotations

import pytest

from bot.engine import Engine, _small_number
from bot.textnorm import normalize

_FILLER = [
    "全市新建口袋公园二十座,城市绿化覆盖率持续提高,市民休闲更加便利",
    "读书班集中学习理论,领导干部带头讲党课,学习氛围浓厚扎实",
    "招商引资大会成功举办,签约一批先进制造业项目,投资规模创新高",
    "老旧小区改造全面完成,加装电梯和停车位,居民出行更加方便",
    "中小学新增学位数千个,公办高中扩容提质,家长普遍满意",
    "长者饭堂覆盖城乡社区,老人吃饭实惠方便,服务量逐年增长",
    "零工市场建成投用,求职者在手机上就能看到招工信息",
    "法律服务中心挂牌运行,为企业和群众提供便捷的仲裁服务",
]


def _one_document(folder, heading: str, paragraphs: list[str], *, filler: bool = False) -> Engine:
    """An engine over one Markdown document: a section ``heading`` and its ``paragraphs`` (and,
    with ``filler``, eight unrelated paragraphs, so that idf means something)."""
    body = paragraphs + ([f"{t}。" for t in _FILLER] if filler else [])
    (folder / "doc.md").write_text(f"## {heading}\n\n" + "\n\n".join(body) + "\n", encoding="utf-8")
    return Engine.build(folder)


GALLERY = """---
title: 测试画报
---
> 开平碉楼在夕阳下格外壮观。 张三 摄

> 新会葵扇制作技艺吸引游客驻足。 李四 摄

> 台山海鲜街夜市人头攒动。 王五 摄

## 一 文旅
2023年,开平碉楼接待游客120万人次,馆长陈立新介绍,景区新增停车位300个。

## 二 基层
全市共有村级党组织1100个,去年新增社区食堂26家。
"""


@pytest.fixture(scope="module")
def gallery(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    folder = tmp_path_factory.mktemp("gallery")
    (folder / "gallery.md").write_text(GALLERY, encoding="utf-8")
    return Engine.build(folder)


@pytest.mark.parametrize(
    ("question", "caption"),
    [
        ("第一张图片拍的是什么？", "碉楼"),
        ("第2张照片里是什么", "葵扇"),
        ("第三幅图是谁拍的", "王五"),
        ("最后一张图片说的啥", "夜市"),
        ("第二张配图讲的什么", "葵扇"),
    ],
)
def test_a_caption_named_by_position(gallery: Engine, question: str, caption: str) -> None:
    answer = gallery.ask(question)
    assert answer.answered, answer.reason
    assert answer.hits[0].passage.kind == "caption"
    assert caption in answer.hits[0].passage.text


@pytest.mark.parametrize(
    ("question", "heading"),
    [
        ("第一部分讲的是什么？", "一 文旅"),
        ("第二部分的标题是啥", "二 基层"),
        ("最后一部分讲了什么", "二 基层"),
        ("开头那部分说的啥", "一 文旅"),
        ("B部分讲什么", "二 基层"),
    ],
)
def test_a_part_named_by_position(gallery: Engine, question: str, heading: str) -> None:
    answer = gallery.ask(question)
    assert answer.answered, answer.reason
    assert answer.hits[0].passage.kind == "heading"
    assert answer.hits[0].passage.text == heading


def test_a_part_the_knowledge_does_not_have(gallery: Engine) -> None:
    answer = gallery.ask("第三部分讲了什么")
    assert not answer.answered and "part by position" in answer.reason
    assert not gallery.ask("中间那部分讲了什么").answered  # two parts have no middle one
    assert not gallery.ask("第1000部分").answered  # not an ordinal figure question either


def test_headings_answer_only_questions_about_headings(gallery: Engine, engine: Engine) -> None:
    outline = gallery.ask("这篇文章分几个部分？")
    assert outline.answered and [h.passage.text for h in outline.hits] == ["一 文旅", "二 基层"]
    # A heading shares words with many questions and answers none of them.
    for question in ("主题教育取得了哪些成效？", "主题教育是怎么推动走深走实的"):
        answer = engine.ask(question)
        assert answer.answered and all(h.passage.kind != "heading" for h in answer.hits), question
    assert engine.ask("第三部分的副标题是什么").hits[0].passage.text == "C 知行合一务求实效\n推动主题教育取得明显成效"
    # The middle one of three parts; a position (第三) asks no ordinal figure.
    middle = engine.ask("报道中间那部分主要讲的啥")
    assert middle.hits[0].passage.text.startswith("B 聚焦重点精准发力") and not middle.figures


def test_the_article_captions_by_position(engine: Engine) -> None:
    captions = [p for p in engine.passages if p.kind == "caption"]
    for n, word in ((1, "第一"), (2, "第二"), (3, "第三")):
        answer = engine.ask(f"{word}张图片说的是什么？")
        assert answer.answered and answer.hits[0].passage.id == captions[n - 1].id


@pytest.mark.parametrize(("text", "value"), [("1", 1), ("3", 3), ("三", 3), ("两", 2), ("十", 10), ("十二", 12), ("二十", 20), ("二十一", 21), ("百", 0)])
def test_small_numbers(text: str, value: int) -> None:
    assert _small_number(text) == value


def test_a_who_question_needs_the_post(gallery: Engine) -> None:
    assert gallery.ask("开平碉楼的馆长是谁？").answered
    refused = gallery.ask("开平碉楼的站长是谁？")  # no 站长 anywhere: do not name the 馆长
    assert not refused.answered


def test_who_questions_on_the_article(engine: Engine) -> None:
    assert engine.ask("江门市委书记是谁？").answered
    assert engine.ask("这篇报道的记者是谁？").answered
    assert not engine.ask("江门市人大常委会主任是谁？").answered
    # 「是哪位领导/同志」, 「是哪一位」 ask who as well.
    assert not engine.ask("市纪委书记是哪位领导？").answered
    assert engine.ask("江门市委书记是哪位同志？").answered
    # 「叫啥」, and a who-question with an aside after it.
    assert not engine.ask("水塘村党支部书记叫啥？我想认识一下").answered
    assert engine.ask("江门市长叫啥？").answered
    # 党支部 is in the article, its 书记 is not: the compound's head decides.
    assert not engine.ask("水塘村党支部书记叫什么名字？").answered
    # 负责人 is in the article (开平 沙塘镇党委有关负责人), but not the 双碳实验室's.
    assert not engine.ask("江门双碳实验室的负责人是谁？").answered
    assert engine.ask("参与采写的实习生叫什么名字？").answered  # 采写 is a verb, not an entity


def test_a_year_the_knowledge_never_mentions(gallery: Engine, engine: Engine) -> None:
    assert gallery.ask("2023年开平碉楼接待了多少游客？").answered
    assert not gallery.ask("2021年开平碉楼接待了多少游客？").answered
    assert not engine.ask("2022年长者饭堂服务了多少餐次？").answered
    assert engine.ask("2023年长者饭堂服务了多少餐次？").answered


def test_an_unknown_person_is_not_answered(gallery: Engine, engine: Engine) -> None:
    assert not gallery.ask("陈立伟是开平碉楼的什么人？").answered
    assert not engine.ask("李明在江门担任什么职务？").answered
    # 那张图: 张 counts the picture, it is not a surname.
    assert engine.ask("饭堂老人家吃饭的那张图谁拍的").answered


def test_a_count_named_by_quantity_word(gallery: Engine, engine: Engine) -> None:
    answer = gallery.ask("全市村级党组织的数量是多少？")
    assert answer.answered and answer.figures[0].value.startswith("1100")
    answer = engine.ask("全市参与主题教育的基层党组织数量是多少？")
    assert answer.answered and "1.3万" in answer.figures[0].value


def test_a_count_without_the_counted_noun_is_refused(gallery: Engine) -> None:
    assert not gallery.ask("全市有多少家医院？").answered


def test_rare_jieba_name_tags_are_not_trusted(engine: Engine) -> None:
    # jieba tags 太旧 (frequency 3) as a place: a complaint about an old estate is not a name.
    assert not engine._is_name(normalize("太旧"))
    assert engine._is_name("上海")


THESAURUS_DOC = """---
title: 测试科技
---
## 一 科技
全市营商服务持续优化,海外人才回流加快,新建实验室12个。
"""


@pytest.fixture(scope="module")
def with_thesaurus(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    folder = tmp_path_factory.mktemp("thesaurus")
    (folder / "tech.md").write_text(THESAURUS_DOC, encoding="utf-8")
    (folder / "lexicon").mkdir()
    # An operator's own thesaurus (Cilin format): it takes the place of the packaged one.
    (folder / "lexicon" / "thesaurus.txt").write_text(
        "Ih06A03= 完善 优化 健全\nCb05B04= 国外 海外 域外\nZz00A01# 完善 进步\n", encoding="utf-8"
    )
    return Engine.build(folder)


def test_a_word_no_passage_uses_is_searched_as_its_synonyms(with_thesaurus: Engine) -> None:
    # (国外 itself is 海外 in the bundled synonym table; 域外 is only in this thesaurus.)
    answer = with_thesaurus.ask("域外人才回来的多吗？", explain=True)
    assert answer.answered
    assert answer.explain["expansions"] == {"域外": ["海外"]}
    answer = with_thesaurus.ask("营商服务有没有完善？", explain=True)
    assert answer.answered
    assert answer.explain["expansions"] == {"完善": ["优化"]}


def test_the_thesaurus_does_not_stand_in_for_a_word_the_knowledge_has(with_thesaurus: Engine) -> None:
    assert with_thesaurus._expansions("优化") == ()
    assert with_thesaurus._expansions("进步") == ()  # '#' groups are related words, not synonyms


def test_the_packaged_thesaurus_is_found() -> None:
    from bot.thesaurus import load_thesaurus

    th = load_thesaurus([])
    assert len(th) > 5000, th.source
    assert "海外" in th.synonyms("国外")


def test_question_word_compounds_are_not_content(engine: Engine) -> None:
    for q in ("督导组去了哪些地方？", "提拔干部看重哪些方面？", "读书班是哪一天开班的？", "江门全省排老几"):
        terms = engine.tokenizer.analyze(q).terms
        assert not [t for t in terms if t.startswith(("哪", "什么", "第几", "老几"))], (q, terms)


def test_a_when_question_needs_its_event(gallery: Engine, engine: Engine) -> None:
    assert engine.ask("市领导的读书班是哪一天开班的？").answered
    refused = engine.ask("市领导的读书班是哪一天结业的？")
    assert not refused.answered and "结业" in refused.reason
    assert not gallery.ask("开平碉楼是哪一年竣工的？").answered


def test_chinese_ordinals_are_figures_but_idioms_are_not() -> None:
    from bot.figures import extract_figures

    values = lambda text: [(f.value, f.kind) for f in extract_figures(text, "x#1")]  # noqa: E731
    assert values("省委第四巡回督导组") == [("第四", "ordinal")]
    assert values("市第十四次党代会") == [("第十四次", "ordinal")]
    assert values("第二十一届大会") == [("第二十一届", "ordinal")]
    assert values("第一时间传达") == []  # 第一 is mostly an idiom (第一时间, 第一责任人)


def test_which_ordinal_on_the_article(engine: Engine) -> None:
    answer = engine.ask("负责指导江门主题教育的是省委第几巡回督导组？")
    assert answer.answered and answer.figures[0].value == "第四"


def test_a_figure_the_question_states_is_not_its_answer(engine: Engine) -> None:
    answer = engine.ask("省委第四巡回督导组来了江门几趟？")
    assert answer.answered and answer.figures[0].value == "13次"


def test_fillers_before_how_many_leave_the_counted_noun(engine: Engine) -> None:
    assert engine.tokenizer.asked_noun(normalize("参加主题教育的基层党组织一共有多少个？")) == ("基层党组织",)
    answer = engine.ask("参加主题教育的基层党组织一共有多少个？")
    assert answer.figures[0].value.startswith("1.3万")


def test_how_many_there_are_prefers_the_total(gallery: Engine, engine: Engine) -> None:
    assert engine.ask("长者饭堂有多少家？").figures[0].value == "114家"
    assert engine.ask("长者饭堂新增了多少家？").figures[0].value == "48家"
    # 公共 is not 共 (a total): the budget's share is not the total spent.
    assert engine.ask("江门民生支出花了多少钱？").figures[0].value == "347.3亿元"


def test_where_questions(engine: Engine) -> None:
    # The best passage (全市已建成…零工市场) names no place; the next, as relevant, does (蓬江区).
    answer = engine.ask("零工市场在哪？")
    assert answer.answered and "蓬江区" in answer.hits[0].passage.text
    assert not engine.ask("江门在哪里？").answered  # the article's own subject: it never says
    assert not engine.ask("梁启超故居在哪里？").answered  # 故居: a thing no passage mentions


@pytest.mark.parametrize("question", ["第五张图片是什么？", "第一百张照片拍的啥", "第0张图片"])
def test_a_picture_the_article_does_not_have(engine: Engine, question: str) -> None:
    assert not engine.ask(question).answered


def test_length_and_area_questions_want_those_units(engine: Engine) -> None:
    from bot.figures import figure_query

    assert figure_query(normalize("水塘大道绿化多长")).unit == "公里"
    assert figure_query(normalize("红树林种了多大面积")).unit == "公顷"
    assert engine.ask("水塘大道绿化多长？").figures[0].value == "4公里"
    assert engine.ask("红树林种了多大面积？").figures[0].value == "3.8公顷"


def test_several_and_almost_ask_no_count_and_a_multiplier_is_not_the_counter() -> None:
    from bot.figures import figure_query

    assert not figure_query(normalize("好几条线的基层管理是怎么整到一块的")).wants_number  # 好几 = several
    assert not figure_query(normalize("几乎所有党员都参加了吗")).wants_number  # 几乎 = almost
    assert figure_query(normalize("网格事项一共办理了多少万件？")).unit == "件"  # 56.4万件 counts 件
    assert figure_query(normalize("有几万人参加")).unit == "人"
    assert figure_query(normalize("多少万人次")).unit == "万人次"  # a counter of its own


def test_a_counter_people_use_asks_for_the_articles_counter(tmp_path) -> None:
    # 几趟/几回 are times (次), although no text counts in 趟.
    engine = _one_document(tmp_path, "指导", ["第二督导组先后9次到县里指导,走访60多个单位。"])
    for question in ("督导组来过县里几趟", "督导组到县里来了多少回"):
        assert engine.ask(question).figures[0].value == "9次", question



def test_meals_are_counted_in_meal_servings(engine: Engine) -> None:
    # 多少餐 asks for 餐次 (约89万餐次), not for 总数达114家 although it says 一共.
    assert engine.ask("老人饭堂2023年一共大概服务了多少餐？").figures[0].value == "约89万餐次"


def test_ordinal_questions_count_nothing(engine: Engine) -> None:
    assert engine.tokenizer.asked_noun(normalize("耕地保护考核排第几")) == ()
    assert engine.ask("耕地保护考核排第几？").figures[0].value == "第1"


@pytest.mark.parametrize(
    ("question", "figure"),
    [("市领导调研成果转化了多少项？", "33项"), ("县里领导调研成果转化多少项", "229项"), ("市直单位调研转化了多少", "498项"), ("江门有几个县？", "7个")],
)
def test_a_subject_before_respectively_is_not_the_answer(engine: Engine, question: str, figure: str) -> None:
    assert engine.ask(question).figures[0].value == figure


@pytest.mark.parametrize(
    ("question", "passage", "figure"),
    [
        ("長者飯堂一餐幾錢？", "jiangmen-zhutijiaoyu#26", "5元"),
        ("講師團有幾多人？", "jiangmen-zhutijiaoyu#21", "88名"),
        ("邊個係市委書記？", "jiangmen-zhutijiaoyu#12", None),
        ("讀書班幾時開班？", "jiangmen-zhutijiaoyu#8", "2023年9月19日"),
        ("水塘大道綠化咗幾長", "jiangmen-zhutijiaoyu#39", "4公里"),  # 幾長 is 多长: a length, not 300棵
    ],
)
def test_cantonese_questions_are_rewritten(engine: Engine, question: str, passage: str, figure: str | None) -> None:
    answer = engine.ask(question)
    assert answer.answered and answer.hits[0].passage.id == passage
    if figure:
        assert figure in answer.figures[0].value


@pytest.mark.parametrize(
    ("question", "passage"),
    [
        ("市委組織部每個月哪一天釋出組織生活清單？", "jiangmen-zhutijiaoyu#23"),  # 釋出 = 发布
        ("江門在引進高階人才上有什麼新進展", "jiangmen-zhutijiaoyu#41"),  # 高階 = 高端
        ("去視窗辦事辦不成咋整", "jiangmen-zhutijiaoyu#3"),  # 視窗 = 窗口
    ],
)
def test_taiwan_usage_is_read_as_mainland_usage(engine: Engine, question: str, passage: str) -> None:
    # OpenCC's t2s converts characters, not Taiwan vocabulary; without the rewrites all three
    # were refused.
    answer = engine.ask(question)
    assert answer.answered and answer.hits[0].passage.id == passage


def test_rewrites_touch_questions_not_words_that_contain_them(engine: Engine) -> None:
    assert engine.normalize_question("零工市場喺邊度？") == "零工市场在哪里?"
    assert engine.normalize_question("打通了多少个系统") == "打通了多少个系统"  # 系 alone is not rewritten


def test_cantonese_characters_that_opencc_changes_are_still_rewritten(engine: Engine) -> None:
    # OpenCC turns 嗰 into 𠮶 and 餸 into 𩠌; the rewrite keys are normalised the same way.
    assert engine.normalize_question("嗰啲餸好唔好食？") == "那些菜好食?"  # 好唔好 → 好不好 → 好
    assert engine.normalize_question("屋企老人家") == "家里老人家"


@pytest.mark.parametrize(
    ("question", "expected"),
    [("办公证方不方便", "办公证方便"), ("江门工业算不算厉害", "江门工业算厉害"), ("有没有人管", "有 人管"), ("饭堂多不多", "饭堂多不多")],
)
def test_a_not_a_questions_read_as_the_word(engine: Engine, question: str, expected: str) -> None:
    assert engine.normalize_question(question) == expected


def test_question_endings_jieba_takes_for_words_are_cut_off(engine: Engine) -> None:
    # jieba has 好了吗 as a word: the question lost 好了 and was refused.
    assert engine.normalize_question("城里治安变好了吗") == "城里治安变好了 吗"
    assert engine.normalize_question("有没有变好") == "有 变好"  # not 有变 / 好
    assert engine.normalize_question("吗啡是什么") == "吗啡是什么"  # only at the end of a clause
    answer = engine.ask("城里治安变好了吗")
    assert answer.answered and "治安" in answer.hits[0].passage.text


def test_a_not_a_question_finds_its_passage(engine: Engine) -> None:
    # 方不方便 used to leave a junk word (证方) that no passage has, and the question was refused.
    answer = engine.ask("华侨回乡办公证方不方便")
    assert answer.answered and "涉外公证" in answer.hits[0].passage.text


def test_a_malformed_rewrite_line_names_the_file(tmp_path) -> None:
    from bot.errors import KnowledgeError
    from bot.lexicon import load_lexicon

    (tmp_path / "lexicon").mkdir()
    (tmp_path / "lexicon" / "rewrites.txt").write_text("几多 多少 太多\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"rewrites\.txt:1"):
        load_lexicon(tmp_path)


def test_a_malformed_phrase_line_names_the_file(tmp_path) -> None:
    from bot.errors import KnowledgeError
    from bot.lexicon import load_lexicon

    (tmp_path / "lexicon").mkdir()
    (tmp_path / "lexicon" / "phrases.txt").write_text("# comment\n先学一步 带头\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"phrases\.txt:2"):
        load_lexicon(tmp_path)


def test_words_that_together_ask_for_another(engine: Engine) -> None:
    # phrases.txt: 带头 + 理论学习 ask how the leaders 先学一步 (the “关键少数” paragraph), not
    # about 带头讲党课 (which has both words too, apart).
    answer = engine.ask("市领导在理论学习方面有没有带头？", explain=True)
    assert answer.answered and "先学一步" in answer.hits[0].passage.text
    assert answer.explain["normalized"].startswith("先学一步 ")
    # One of the words alone does not add it.
    assert "先学一步" not in engine.normalize_question("市领导带头讲了多少场党课")


def test_a_passage_is_found_by_what_its_abbreviation_stands_for(tmp_path) -> None:
    # The text says only 双减; the question asks in the words the abbreviation stands for.
    (tmp_path / "school.md").write_text(
        "## 教育\n\n全区扎实推进双减工作,课后服务覆盖率达100%。\n\n全区新建公园十座,绿化道路三十公里。\n", encoding="utf-8"
    )
    assert not Engine.build(tmp_path).ask("学生作业负担和校外培训负担减轻了吗").answered
    (tmp_path / "lexicon").mkdir()
    (tmp_path / "lexicon" / "glossary.txt").write_text("双减 减轻学生作业负担 减轻校外培训负担\n", encoding="utf-8")
    engine = Engine.build(tmp_path)
    answer = engine.ask("学生作业负担和校外培训负担减轻了吗")
    assert answer.answered and "双减" in answer.hits[0].passage.text
    assert answer.hits[0].passage.text.startswith("全区扎实推进双减")  # shown as written, without the gloss


def test_the_home_province_is_what_the_article_calls_the_province(engine: Engine) -> None:
    # The article says 全省 for Guangdong (glossary: 全省 广东省 广东). A question that names
    # 广东 asks about the same province, so its name is no other place the answer lacks.
    answer = engine.ask("江门的耕地保护考核在广东排第几？")
    assert answer.answered and answer.figures[0].value == "第1"
    # The gloss does not make Jiangmen's own counts Guangdong's.
    assert not engine.ask("广东有多少个长者饭堂？").answered
    assert not engine.ask("广东省的民生支出是多少？").answered


def test_a_malformed_glossary_line_names_the_file(tmp_path) -> None:
    from bot.errors import KnowledgeError
    from bot.lexicon import load_lexicon

    (tmp_path / "lexicon").mkdir()
    (tmp_path / "lexicon" / "glossary.txt").write_text("# 简称 全称\n双减\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"glossary\.txt:2"):
        load_lexicon(tmp_path)


def test_a_count_is_not_answered_by_a_price(engine: Engine) -> None:
    # 麻三村's paragraph has only 5元钱: it does not say how many people.
    assert not engine.ask("麻三村有多少人？").answered
    assert not engine.ask("麻三村长者饭堂每天接待多少位老人？").answered
    assert engine.ask("讲师团有多少名成员？").answered


def test_which_ones_is_not_how_many(engine: Engine) -> None:
    from bot.figures import figure_query

    fq = figure_query(normalize("各级党委坚持了哪几个导向？"))
    assert fq.unit == "" and not fq.wants_number
    assert engine.ask("各级党委坚持了哪几个导向？").answered


def test_age_questions_want_an_age(engine: Engine) -> None:
    assert not engine.ask("陈岸明多大年纪？").answered
    assert not engine.ask("刘女士多大了").answered


def test_a_post_in_a_named_body_needs_that_body(engine: Engine) -> None:
    assert not engine.ask("省委第四巡回督导组组长是谁？").answered  # 组长 is the 领导小组's, not theirs
    assert engine.ask("市委主题教育领导小组组长是谁？").answered


def test_a_junk_word_of_jieba_hmm_is_read_as_its_characters(gallery: Engine, engine: Engine) -> None:
    # jieba's HMM may join single characters across a word boundary (村种); a "word" no
    # dictionary and no passage has must not outweigh the rest of the question.
    assert engine._unjoin(["恩平", "村种", "花树"], "恩平那条村种了啥花树?") == ["恩平", "村", "种", "花树"]
    answer = engine.ask("恩平那条村种了啥花树？")
    assert answer.answered and "紫花风铃木" in answer.hits[0].passage.text
    # A person's name is not split: 李明 stays unknown, and the question is still refused.
    assert engine._unjoin(["李明", "职务"], "李明在江门担任什么职务?") == ["李明", "职务"]
    assert not engine.ask("李明在江门担任什么职务？").answered
    assert not gallery.ask("李卫东在开平碉楼做什么？").answered


def test_demonstratives_are_not_content(engine: Engine) -> None:
    for word in ("那条", "这个", "这些", "那家"):
        assert not engine.tokenizer.is_content(word), word
    assert engine.tokenizer.is_content("条例")


def test_a_reach_verb_or_comparison_is_not_what_is_counted(engine: Engine) -> None:
    assert engine.tokenizer.asked_noun("网格事项的办结率达到多少?") == ("办结率",)
    assert engine.tokenizer.asked_noun("刑事治安警情比去年下降了百分之几?") == ("刑事治安警情",)
    answer = engine.ask("网格事项的办结率达到多少？")
    assert answer.answered and "99.4" in answer.figures[0].value


def test_where_to_turn_is_not_where_something_is(engine: Engine) -> None:
    # 「找哪里反映」 asks where to turn: the passage about the window answers it, though it names no place.
    answer = engine.ask("去政府办事办不成可以找边度反映？")
    assert answer.answered and "反映窗口" in answer.hits[0].passage.text
    assert not engine.ask("梁启超故居在哪里？").answered  # a location is still needed


def test_a_recurring_day_answers_when_and_which_day(engine: Engine) -> None:
    when = engine.ask("市委组织部每个月什么时候发布组织生活清单？")
    assert when.answered and "第1个工作日" in when.hits[0].passage.text
    assert "第1个工作日" in when.figures[0].value
    which = engine.ask("组织生活清单在每个月第几个工作日发布？")
    assert "第1个" in which.figures[0].value


@pytest.mark.parametrize(("question", "figure"), [("江門新增咗幾多間長者飯堂？", "48家"), ("長者飯堂而家總共有幾多間？", "114家")])
def test_cantonese_counter_jian_counts_the_articles_jia(engine: Engine, question: str, figure: str) -> None:
    answer = engine.ask(question)
    assert answer.answered and answer.figures[0].value.startswith(figure)


def test_a_demonstrative_with_shi_names_nothing(engine: Engine) -> None:
    assert not engine.tokenizer.is_content("这事")
    assert engine.ask("党员带头种树这事是怎么搞的？").answered


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一百一十四家长者饭堂", "114家长者饭堂"),
        ("二〇二三年", "2023年"),
        ("二十二万名党员", "22万名党员"),
        ("七十多了", "70多了"),
        ("三百零五项", "305项"),
        # Not numbers, or written so in the article: left alone.
        ("第十四次党代会", "第十四次党代会"),
        ("党的二十大精神", "党的二十大精神"),
        ("三会一课", "三会一课"),
        ("四下基层", "四下基层"),
        ("百千万工程", "百千万工程"),
        ("十分重要", "十分重要"),
    ],
)
def test_numbers_in_characters_become_digits(text: str, expected: str) -> None:
    from bot.engine import digits_for_numerals

    assert digits_for_numerals(text) == expected


def test_a_polite_opening_is_dropped(engine: Engine) -> None:
    assert engine.normalize_question("请问一下，我想了解江门长者饭堂一顿饭多少钱？") == "江门长者饭堂一顿饭多少钱?"
    assert engine.normalize_question("你好,请问讲师团有多少人") == "讲师团有多少人"
    answer = engine.ask("请问一下，我想了解江门长者饭堂一顿饭多少钱？")
    assert answer.answered and answer.figures[0].value.startswith("5元")
    # 问, 麻烦, 请教 open other words too: only with 一下 or a pause are they an opening.
    assert engine.normalize_question("问题整改了多少项") == "问题整改了多少项"
    assert engine.normalize_question("请教育局回答") == "请教育局回答"
    assert engine.normalize_question("问一下,讲师团有多少人") == "讲师团有多少人"
    # After the asker says who they are, the opening is dropped too, and who they are
    # weighs little (ASKER_SHARE).
    assert engine.normalize_question("我是志愿者,想了解一下讲师团有多少人") == "我是志愿者,讲师团有多少人"
    told = engine.ask("我在街道党群服务站做志愿者，想了解一下全市一共有多少名党员参加？")
    assert told.answered and told.figures[0].value.startswith("22万")
    # Below the usual coverage, the reason says why it still answers (it counts 党员).
    assert "counts 党员" in told.reason and "≥ 0.35" not in told.reason


@pytest.mark.parametrize(
    ("question", "figure"),
    [("二〇二三年长者饭堂服务了多少餐次", "89万"), ("我爸七十多了，听说江门有给老人吃饭的地方，一顿要多少钱？", "5元")],
)
def test_numbers_written_in_characters_or_as_context(engine: Engine, question: str, figure: str) -> None:
    answer = engine.ask(question)
    assert answer.answered and figure in answer.figures[0].value


def test_which_year_is_answered_by_a_year(engine: Engine) -> None:
    answer = engine.ask("一百一十四家长者饭堂是哪年的数据")
    assert answer.answered and "114家" in answer.hits[0].passage.text
    assert answer.figures[0].value.startswith("2023")
    assert not engine.ask("梁启超故居是哪一年建成的？").answered


def test_a_detail_no_passage_gives_is_refused(gallery: Engine, engine: Engine) -> None:
    # The passage about the market names it, but has no phone number: no answer.
    refused = engine.ask("蓬江区零工市场 电话")
    assert not refused.answered and "电话" in refused.reason
    assert not gallery.ask("开平碉楼的地址是什么？").answered
    assert engine.ask("蓬江区零工市场在哪里？").answered  # the thing itself still answers
    # The report says how much mangrove was planted, not which species.
    species = engine.ask("台山种的红树林是啥品种")
    assert not species.answered and "品种" in species.reason
    assert engine.ask("北陡镇人工培育了多少公顷红树林").answered
    # A news report does not say how to sign up: 办卡, 预约, 登记 are such details.
    card = engine.ask("老人家去长者饭堂吃饭，先要办什么卡？")
    assert not card.answered and "卡" in card.reason
    assert not engine.ask("长者饭堂怎么预约").answered
    # Nor how much a subsidy is: the passage about the renovations has other money figures.
    subsidy = engine.ask("老人家里改造，政府每家补贴多少钱")
    assert not subsidy.answered and "补贴" in subsidy.reason
    # How to apply (申请, a procedure) and which bus goes there (公交) are such details too.
    assert not engine.ask("點樣申請去長者飯堂食飯？").answered
    assert not engine.ask("坐哪路公交车能到零工市场？").answered
    assert not engine.ask("零工市场招工用的是哪个小程序").answered  # 小程序: one word, a detail
    # Beside a figure that is asked, a procedure word is what the asker doubts, not the question.
    doubt = engine.ask("网格员会不会光登记不干活？网格事项办结率是多少")
    assert doubt.answered and doubt.figures[0].value.startswith("99.4")
    # 「老被卡着」 is being held up (a rewrite to 卡住), not a card: still answered.
    assert engine.ask("去办事老被卡着，为群众办实事办了多少项").answered


def test_a_measure_word_of_its_own_kind_says_what_is_counted(engine: Engine) -> None:
    # 棵 counts trees: 300棵紫花风铃木 answers, though the passage never says 树.
    answer = engine.ask("水塘村过年前种了多少棵树啊")
    assert answer.answered and answer.figures[0].value.startswith("300棵")


def test_a_picture_named_by_position_with_words_between(engine: Engine) -> None:
    answer = engine.ask("第一张种树那个照片说的是啥行动啊")
    assert answer.answered and answer.hits[0].passage.kind == "caption"
    assert "绿美侨乡" in answer.hits[0].passage.text


def test_what_the_asker_tells_around_the_question_counts_less(engine: Engine) -> None:
    weights = engine._term_weights(["长者饭堂", "记得", "100"], "江门长者饭堂现在总共多少家?我记得是100来家")
    full = engine._term_weights(["长者饭堂", "记得", "100"], "江门长者饭堂现在总共多少家")
    assert weights["长者饭堂"] == full["长者饭堂"]
    assert weights["记得"] == pytest.approx(full["记得"] / 2)
    answer = engine.ask("江门长者饭堂现在总共多少家？我记得是一百来家")
    assert answer.answered and answer.figures[0].value.startswith("114家")
    # A clause before the question, not about the asker, is its topic: full weight.
    topic = engine._term_weights(["领导", "带动"], "领导自己先学起来,对下面有什么带动作用?")
    assert topic == engine._term_weights(["领导", "带动"], "领导自己先学起来对下面有什么带动作用?")


def test_a_junk_word_is_not_what_is_counted(engine: Engine) -> None:
    answer = engine.ask("我爸七十多了腿脚不太好，听说江门社区有专门给老人吃饭的食堂，两荤两素一顿得花多少？")
    assert answer.answered and answer.figures[0].value.startswith("5元")


def test_a_named_question_needs_its_other_words_too(engine: Engine) -> None:
    # The 鹤山 passage has a money figure, but says nothing of 长者饭堂.
    refused = engine.ask("鹤山长者饭堂一顿饭多少钱")
    assert not refused.answered
    # Words the knowledge does not have (树 for 紫花风铃木) are not required.
    assert engine.ask("水塘村是几月份种的树？").answered
    # Where-questions too: the 蓬江区 market's passage does not say where 开平's is.
    assert not engine.ask("开平的零工市场在哪").answered
    assert engine.ask("蓬江区零工市场在哪里").answered


def test_these_few_is_not_how_many(engine: Engine) -> None:
    # 这几件事 points at things already named; it asks no number.
    from bot.figures import figure_query

    assert not figure_query("学习、调研、整改这几件事是分阶段搞的吗?").wants_number
    assert figure_query("学习调研整改搞了几件事?").wants_number
    answer = engine.ask("学习、调研、整改这几件事是分阶段一段一段搞的吗？")
    assert answer.answered and "不划阶段" in "".join(h.passage.text for h in answer.hits[:2])


def test_a_filler_of_common_characters_stays_whole(engine: Engine) -> None:
    assert "老是" in engine.tokenizer.cut("办事老是办不成")
    assert engine.ask("去政府部门办事老是办不成，咋整").answered


PURPOSES = """# 测试
## 一 背景
今年全市新建公园12个,市民散步的地方多了。

## 二 意义
建设口袋公园是改善人居环境的重大举措,也是为了让市民出门见绿。

## 三 成效
公园里的健身器材全天开放,附近居民常来锻炼。
"""


def test_a_purpose_question_finds_the_passage_that_states_one(tmp_path) -> None:
    (tmp_path / "parks.md").write_text(PURPOSES, encoding="utf-8")
    parks = Engine.build(tmp_path)
    answer = parks.ask("为什么要建公园？")
    assert answer.answered and "重大举措" in answer.hits[0].passage.text
    # No purpose asked: no bonus, the passage that shares the words answers.
    assert "健身器材" in parks.ask("公园的健身器材开放吗？").hits[0].passage.text
    assert parks.ask("为什么公园的健身器材全天开放？").hits[0].passage.id == "parks#3"  # the words still count


def test_why_the_campaign_on_the_article(engine: Engine) -> None:
    answer = engine.ask("为什么要搞这次主题教育")
    assert answer.answered and "重大举措" in answer.hits[0].passage.text
    # What it meant is said of it twice: a great measure (#10), and a baptism of the spirit (#7,
    # which the blind sets' askers of 「有什么意义」 point to); both are among the first three.
    answer = engine.ask("这次主题教育有什么意义")
    assert answer.answered and "精神洗礼" in answer.hits[0].passage.text
    assert any("重大举措" in h.passage.text for h in answer.hits[:3])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("全市有多少党员参加主题教育谢谢", "全市有多少党员参加主题教育"),
        ("江门最低工资标准是多少啊？", "江门最低工资标准是多少?"),
        ("市长是谁呢？", "市长是谁?"),
        ("那县级的呢", "那县级的呢"),  # 呢 marks a follow-up
        ("讲师团有多少人？🙏", "讲师团有多少人?"),
        ("谢谢", "谢谢"),  # thanks alone is still thanks
    ],
)
def test_what_follows_the_question_is_dropped(engine: Engine, text: str, expected: str) -> None:
    assert engine.normalize_question(text) == expected


def test_thanks_and_particles_do_not_change_the_answer(engine: Engine) -> None:
    plain = engine.ask("全市有多少党员参加主题教育？")
    for variant in ("全市有多少党员参加主题教育？谢谢", "全市有多少党员参加主题教育啊？", "请问全市有多少党员参加主题教育🙏"):
        got = engine.ask(variant)
        assert got.answered and got.hits[0].passage.id == plain.hits[0].passage.id, variant
        assert got.figures[0].value == plain.figures[0].value
    assert engine.ask("谢谢").kind == "greeting"
    assert not engine.ask("江门市人大常委会主任是谁呀？").answered


def test_a_clause_ending_in_de_names_no_counted_noun(engine: Engine) -> None:
    assert engine.tokenizer.asked_noun("村集体一年能挣过百万的有多少") == ()
    assert engine.tokenizer.asked_noun("参加的党员有多少") == ("党员",)


def test_a_place_with_a_suffix_jieba_barely_knows_is_a_name(engine: Engine) -> None:
    assert engine._is_name("南海区") and engine._is_name("顺德区")
    assert not engine.ask("南海区入选了什么百强榜？").answered  # the article's is 蓬江区
    assert engine.ask("蓬江区入选了什么百强榜？").answered


def test_jia_counts_institutions_written_with_suo(engine: Engine) -> None:
    answer = engine.ask("主题教育以来幼儿园新开了多少家？")
    assert answer.figures and answer.figures[0].value == "15所"
    assert engine.ask("江门新增了多少所中小学？").figures[0].value == "15所"


def test_how_many_people_wants_people(engine: Engine) -> None:
    # 250万人次 are visits and 9万多件 are cases: neither says how many 侨胞 there are.
    assert not engine.ask("江门侨胞有多少人？").answered
    assert engine.ask("讲师团有多少人？").figures[0].value == "88名"
    assert engine.ask("全市有多少名党员参加主题教育？").figures[0].value.startswith("22万")
    # A verb right after 多少人 is what they did, not what is counted.
    assert engine.tokenizer.asked_noun("全市一共有多少人参加了主题教育?") == ()


def test_what_is_counted_is_in_the_clause_that_asks_or_the_doubt_before_it(engine: Engine) -> None:
    # What follows the question is a remark, not the counted noun (別 was taken for it).
    t = engine.tokenizer
    assert t.asked_noun("市领导班子成员领办的民生实事有多少项?可别是凑数。") == ()
    answer = engine.ask("市领导班子成员领办的民生实事有多少项？可别是凑数。")
    assert answer.answered and answer.figures[0].value == "54项"
    # A yes/no doubt names what the next clause counts; its verb (参加) is not counted.
    assert t.asked_noun("真有那么多参学单位参加吗?到底多少个?")[-1:] == ("参学单位",)
    assert t.asked_noun("党员参加多少?")[-1:] != ("党员",)  # no doubt before: the verb stays


def test_a_count_is_not_answered_by_a_measure_of_its_own_kind(engine: Engine) -> None:
    # 水塘村's passage has 300棵 trees and 4公里 of road, not households.
    assert not engine.ask("水塘村有多少户人家？").answered


@pytest.mark.parametrize(
    "question",
    [
        "把处级以上干部当重点来搞这次教育，意义在哪",
        "开展主题教育的意义在哪里",
        "为党员干部办读书班的作用在哪",
        "减负的成果表现在哪里？",  # 表现在哪: in what respects
    ],
)
def test_where_an_abstract_thing_lies_is_not_a_where_question(engine: Engine, question: str) -> None:
    # 「意义在哪」 asks what the significance is; it used to be refused for want of a place.
    answer = engine.ask(question, explain=True)
    assert answer.answered, answer.reason
    assert "where" not in answer.reason


@pytest.mark.parametrize(("question", "generic"), [("学到的东西要不要用到实际工作里去", "东西"), ("干部们怎么看待出成绩这件事", "们")])
def test_generic_nouns_and_the_plural_suffix_are_not_content(engine: Engine, question: str, generic: str) -> None:
    answer = engine.ask(question, explain=True)
    assert generic not in answer.explain["terms"]
    assert answer.answered


@pytest.mark.parametrize("question", ["明天深圳会下雨吗", "深圳的房价贵不贵"])
def test_a_name_alone_does_not_answer_what_is_asked_about_it(engine: Engine, question: str) -> None:
    # 深圳 is in one passage, inside 深圳国际仲裁院江门中心: nothing there is about 深圳's weather.
    answer = engine.ask(question)
    assert not answer.answered


@pytest.mark.parametrize("question", ["吴晓晖做了什么", "黎禹君写了什么", "梁启超有什么纪念活动"])
def test_a_name_with_little_else_is_still_answered(engine: Engine, question: str) -> None:
    assert engine.ask(question).answered


@pytest.mark.parametrize(
    ("question", "canonical"),
    [("这次学习活动的总体要求是什么", "总要求"), ("整个活动把什么当成头号任务", "第一位"), ("网格员接的事办完的多不多", "办结率")],
)
def test_what_people_call_things_reaches_the_articles_word(engine: Engine, question: str, canonical: str) -> None:
    # The synonym table maps the everyday word to the article's (总体要求 → 总要求), and a
    # tag question (多不多) adds no word of its own.
    answer = engine.ask(question, explain=True)
    assert canonical in answer.explain["terms"]
    assert "多不多" not in answer.explain["terms"] and "不多" not in answer.explain["terms"]
    assert answer.answered and canonical in answer.hits[0].passage.text


def test_where_of_a_kind_needs_a_place_of_that_kind(engine: Engine) -> None:
    # The 中微子 passage names places (港科大, 太平洋岛国) but no 镇: it does not say which town.
    assert not engine.ask("中微子科普基地建在江门哪个镇").answered
    answer = engine.ask("红树林种在哪个镇")
    assert answer.answered and "北陡镇" in answer.hits[0].passage.text
    # 哪个区 too: the market is in 蓬江区; the passage about the 防灾减灾 centre names no 区.
    market = engine.ask("零工市场在江门的哪个区？")
    assert market.answered and "蓬江区" in market.hits[0].passage.text
    assert not engine.ask("防灾减灾合作中心在哪个区").answered
    # 哪条路/街: a road (水塘大道 is one), which the passage about the market does not name.
    assert not engine.ask("蓬江区零工市场在哪条街").answered
    road = engine.ask("水塘村的紫花风铃木种在哪条路上")
    assert road.answered and "水塘大道" in road.hits[0].passage.text
    # 「哪个县市入选…」 asks which one, by whatever name (开平): not a where-question.
    assert "开平入选" in engine.ask("江门哪个县市入选了国家乡村振兴示范县创建名单？").hits[0].passage.text


def test_cantonese_particles_and_days(engine: Engine) -> None:
    # 㗎 (a Cantonese sentence-final particle) is no word no passage has: a where-question
    # stays answerable; 幾多日 asks for days, which 7天 gives.
    answer = engine.ask("紫花風鈴木係種喺邊條路上面㗎？", explain=True)
    assert "㗎" not in answer.explain["terms"]
    assert answer.answered and "水塘大道" in answer.hits[0].passage.text
    assert engine.ask("讀書班最少要辦幾多日？").figures[0].value.endswith("7天")  # 不少于7天


def test_cantonese_come_and_this_are_rewritten(engine: Engine) -> None:
    # 嚟 (come) was a word no passage has, weighed as a rare name: 「重慶嚟嘅劉女士…」 was refused.
    assert engine.normalize_question("佢係邊度嚟嘅") == engine.normalize_question("佢係邊度来嘅")
    assert "这里" in engine.normalize_question("呢度有冇零工市場")


def test_money_asked_with_qian_before_how_much(engine: Engine) -> None:
    from bot.figures import figure_query

    # 「…日子上的钱一共有多少」: what comes before 的钱 says which money, it is not what is counted.
    fq = figure_query(normalize("改善群众生活上的钱一共有多少"))
    assert (fq.kind, fq.unit) == ("money", "元")
    assert figure_query(normalize("钱多少都行吗")).kind == "money"
    assert figure_query(normalize("有多少钱")).kind == "money"
    answer = engine.ask("政府花在改善老百姓日子上的钱一共有多少？")
    assert answer.answered and answer.figures[0].value == "347.3亿元"


def test_when_is_answered_by_a_relative_time_but_a_date_is_not(tmp_path) -> None:
    (tmp_path / "roads.md").write_text(
        "## 交通\n\n跨海大桥即将建成通车,新港码头去年开工。\n\n全市公交线路达到120条。\n", encoding="utf-8"
    )
    engine = Engine.build(tmp_path)
    for question in ("跨海大桥什么时候通车？", "跨海大桥几时通车", "大橋同碼頭幾時通車呀？"):
        answer = engine.ask(question)
        assert answer.answered and "即将建成通车" in answer.hits[0].passage.text, question
    # A date asked for is not given by 即将.
    for question in ("跨海大桥哪一天通车？", "跨海大桥具体什么时候通车"):
        assert not engine.ask(question).answered, question


def test_the_verb_after_the_count_picks_the_figure(engine: Engine) -> None:
    from bot.figures import figure_query

    # 「179项任务完成或阶段性完成161项」: 「有多少项已经完成」 asks what follows 完成.
    question = "市第十四次党代会部署的任务里有多少项已经完成或阶段性完成？"
    _, tokens = engine.tokenizer.analyze_tokens(engine.normalize_question(question), normalized=True)
    assert figure_query(engine.normalize_question(question), tokens).verb == "完成"
    assert engine.ask(question).figures[0].value == "161项"
    # 「完成…的有多少项」: the verb of the things counted comes before 的有.
    question = "市第十四次党代会部署的任务里，完成或阶段性完成的有多少项？"
    _, tokens = engine.tokenizer.analyze_tokens(engine.normalize_question(question), normalized=True)
    assert figure_query(engine.normalize_question(question), tokens).verb == "完成"
    assert engine.ask(question).figures[0].value == "161项"
    # Without an adverb the word after the count is not taken for a verb (多少项整改措施).
    _, tokens = engine.tokenizer.analyze_tokens("制定了多少项整改措施", normalized=True)
    assert figure_query("制定了多少项整改措施", tokens).verb == "制定"


def test_which_level_wants_a_passage_that_names_a_level(tmp_path) -> None:
    (tmp_path / "training.md").write_text(
        "## 培训\n\n这次培训一级带着一级抓,培训主要负责同志200人。\n\n"
        "这次培训以县处级以上干部为重点,共办班12期。\n",
        encoding="utf-8",
    )
    engine = Engine.build(tmp_path)
    assert engine.normalize_question("主要針對哪一級別的幹部") == engine.normalize_question("主要针对哪级的干部")
    for question in ("这次培训主要针对哪一级别的干部？", "培训是冲着哪一级的干部的", "培训面向什么级别的干部"):
        answer = engine.ask(question)
        assert answer.answered and "县处级" in answer.hits[0].passage.text, question


def test_the_plural_men_does_not_take_the_last_character_of_a_word(engine: Engine) -> None:
    # jieba cut 老人们 as 老 / 人们 (people): 老人 (长者) never reached the synonym table.
    assert engine.normalize_question("老人们去饭堂吃饭") == "老人 们去饭堂吃饭"
    assert "长者" in engine.tokenizer.analyze(engine.normalize_question("老人们去饭堂吃饭"), normalized=True).terms
    for kept in ("我们去饭堂", "干部们学得怎么样", "咱们江门"):
        assert engine.normalize_question(kept) == kept


def test_the_ending_of_the_article_is_its_last_paragraph(gallery: Engine, engine: Engine) -> None:
    for question in ("文章结尾说了什么？", "报道最后一段讲的啥", "结尾处对今后有什么打算"):
        answer = gallery.ask(question)
        assert answer.answered and "社区食堂26家" in answer.hits[0].passage.text, question
    answer = engine.ask("报道结尾对今后有什么打算和展望？")
    assert answer.hits[0].passage.text.startswith("学思践悟担使命")


def test_a_passage_that_covers_the_question_answers_when_the_best_scored_does_not(engine: Engine) -> None:
    # The best-scored passage (招工信息…) shares one rare word, 信息; the next covers the question.
    answer = engine.ask("网格那边各部门信息共享了吗", explain=True)
    assert answer.answered and "多网合一" in answer.hits[0].passage.text
    assert "the best-scored passage covers" in answer.reason
    # Off-topic questions are still refused: no passage near the top covers them.
    for question in ("推荐一部好看的电影", "红烧肉怎么做才好吃？", "江门新增了多少家三甲医院？"):
        assert not engine.ask(question).answered, question


def test_a_figure_answers_only_in_a_passage_about_the_thing_asked(engine: Engine) -> None:
    # 过千亿元 is 工业投资's: it answers 「工业投资有多少钱」, not the investment in 双碳实验室.
    answer = engine.ask("江门工业投资有多少钱了")
    assert answer.answered and answer.figures[0].value == "过千亿元"
    for question in ("江门双碳实验室总投资多少亿元", "中微子科普基地总投资是多少？"):
        assert not engine.ask(question).answered, question


def test_abroad_is_where_a_question_is_about(engine: Engine) -> None:
    # 国外/外国 are 海外, a place: the answer must be about 海外, like any named place.
    answer = engine.ask("外国的华人回江门办手续方便不方便？")
    assert answer.answered and "海外侨胞" in answer.hits[0].passage.text
    for question in ("外国有多少家长者饭堂", "国外的长者饭堂多少钱一顿"):
        assert not engine.ask(question).answered, question


def test_a_one_character_word_alone_answers_nothing(engine: Engine) -> None:
    # 用 is a word of several passages; 日语 of none: the question is not about the article.
    answer = engine.ask("“谢谢”用日语怎么说？")
    assert not answer.answered and "one-character" in answer.reason
    assert engine.ask("第二张图片拍的是什么").answered  # a caption named by position needs no word


def test_a_yes_no_question_before_a_count_word_asks_no_count(tmp_path) -> None:
    (tmp_path / "plan.md").write_text(
        "## 安排\n\n这次培训不划阶段、不分环节,一体推进。\n\n全市共办培训班12期,培训干部3000名。\n", encoding="utf-8"
    )
    engine = Engine.build(tmp_path)
    answer = engine.ask("这次培训要不要分成几个阶段？")
    assert answer.answered and "不划阶段" in answer.hits[0].passage.text
    assert engine.ask("培训班一共办了几期？").figures[0].value == "12期"  # a count question stays one


def test_a_name_question_does_not_need_the_word_for_the_kind_of_thing(tmp_path) -> None:
    (tmp_path / "cadres.md").write_text(
        "## 培养\n\n全市实施年轻干部常态化培育“阶梯计划”。\n\n市委书记张三主持召开会议。\n", encoding="utf-8"
    )
    engine = Engine.build(tmp_path)
    answer = engine.ask("年轻干部常态化培育的项目叫什么？")  # 项目: no passage says it
    assert answer.answered and "阶梯计划" in answer.hits[0].passage.text
    assert not engine.ask("纪委书记叫什么名字？").answered  # a post must still be found


def test_a_parallel_clause_keeps_the_object_it_leaves_out(tmp_path) -> None:
    # 7个县领导班子成员领办237项 are 民生实事 too: the object said once belongs to every
    # parallel clause of the sentence.
    engine = _one_document(tmp_path, "实事", ["全市制定清单,市领导班子成员领办民生实事54项,7个县领导班子成员领办237项。"])
    assert engine.ask("县里的领导班子领办了几项实事？").figures[0].value == "237项"
    assert engine.ask("市领导班子领办了几项实事？").figures[0].value == "54项"


def test_a_compound_word_of_the_question_counts_by_its_parts_among_figures() -> None:
    from bot.figures import figure_query, prepare_figures, rank_prepared

    # 各县区 is not in the text; its part 县 is, and singles out 237项 among the 项 figures.
    text = "市领导班子成员领办民生实事54项,7个县(市、区)领导班子成员领办实事237项。"
    prep = prepare_figures(text, "p", normalize)
    question = normalize("各县区领导班子领办了几项实事")
    args = ([(prep, 1.0)], figure_query(question), {"各县区", "领导班子", "领办", "实事"}, set(), 3)
    assert rank_prepared(*args, question_text=question)[0].value == "54项"
    ranked = rank_prepared(*args, question_text=question, pieces={"各县区": ["各县", "县"]})
    assert ranked[0].value == "237项"


def test_a_share_of_the_counted_noun_answers_how_many(tmp_path) -> None:
    # The text gives the share of villages, not their count: that is the answer to 多少村.
    engine = _one_document(tmp_path, "乡村", ["全县40%以上村集体年收入超50万元,农户人均收入增长8%。"])
    answer = engine.ask("有多少村的集体年收入超过50万？")
    assert answer.answered, answer.reason
    assert answer.figures[0].value == "40%以上"
    assert not engine.ask("有多少户的集体年收入超过50万？").answered  # 8% is not a share of 户


def test_a_money_question_that_names_the_money_needs_that_word(tmp_path) -> None:
    # 多少经费 asks for a budget the text never gives; 多少钱 names no kind of money.
    engine = _one_document(tmp_path, "民生", ["活动开展以来,全区完成民生支出20亿元,投入改造资金3亿元。"])
    assert not engine.ask("这次活动一共花了多少经费").answered
    assert engine.ask("这次活动民生支出花了多少钱").figures[0].value == "20亿元"
    assert engine.ask("改造投入了多少资金").figures[0].value == "3亿元"


def test_near_tied_passages_go_to_the_one_with_the_words_side_by_side(tmp_path) -> None:
    # The first passage has 基层 and 减负 apart and scores higher; the second says 为基层减负.
    paragraphs = ["坚持机制减负赋能,深入推进党建引领基层治理,基层党建扎实。", "把问题整改贯穿始终,让群众感受到新变化,为基层减负取得了明显成效。"]
    engine = _one_document(tmp_path, "工作", paragraphs, filler=True)
    answer = engine.ask("基层的负担有没有减轻？", explain=True)
    assert answer.answered and "为基层减负" in answer.hits[0].passage.text
    assert "side by side" in answer.reason
    scores = {c["id"]: c["fused"] for c in answer.explain["candidates"]}
    assert scores["doc#1"] > scores["doc#2"]  # BM25 alone prefers the other one


def test_together_counts_the_words_found_close_to_each_other() -> None:
    from bot.engine import _together

    words = [["基层"], ["减负"]]
    assert _together("机制减负赋能,推进基层治理", words, 6) == 1  # both there, far apart
    assert _together("机制减负赋能,为基层减负", words, 6) == 2
    assert _together("各县(市、区)领导", [["各县区", "县"], ["领导"]], 8) == 2  # a piece stands for its word
    assert _together("各县(市、区)领导", [["各县区", "县"], ["领导"]], 6) == 1
    assert _together("无关", words, 6) == 0


def test_a_space_between_clauses_is_a_comma(engine: Engine) -> None:
    # What the asker tells about themselves (我妈腿脚不好) counts half, also when a space, not a
    # comma, ends it; the question is then answered by the 适老化改造 passage.
    assert engine.normalize_question("我妈腿脚不好 家里改造有人帮忙吗").startswith("我妈腿脚不好,家里")
    assert engine.normalize_question("hello world") == "hello world"  # not between Chinese
    answer = engine.ask("我妈腿脚不好 家里改造装扶手有人帮忙吗")
    assert answer.answered and "适老化改造" in answer.hits[0].passage.text


def test_a_few_that_the_asker_wants_is_not_a_count(engine: Engine) -> None:
    # 想打几天短工: "a few days" of work the asker wants; the question is 上哪找活.
    answer = engine.ask("过年前想打几天短工 上哪找活")
    assert answer.answered and "零工市场" in answer.hits[0].passage.text
    assert engine.ask("读书班最少要办几天").figures[0].value.endswith("7天")  # a count stays one
    assert engine.ask("我想知道讲师团有几名成员").figures[0].value == "88名"


def test_how_many_people_without_a_counter_still_wants_a_count(tmp_path) -> None:
    # 多少老人 (no 位/名): a price (5元钱) is not how many people come.
    engine = _one_document(
        tmp_path, "食堂", ["临近中午,走进东湖社区长者饭堂,老人们吃得津津有味,两荤两素一汤一饭只要5元钱。", "全市共有党员3000名,参加培训的干部很多。"]
    )
    assert not engine.ask("东湖社区长者饭堂每天有多少老人来吃饭").answered
    assert engine.ask("全市有多少党员").figures[0].value == "3000名"


def test_the_party_congress_in_plain_words(engine: Engine) -> None:
    # 党的大会 is the 党代会; 上一次 says when (not 一次, "one time", which 这是一次… has).
    assert "上次" in engine.normalize_question("上一次全市党的大会定下的事做得怎么样了")
    answer = engine.ask("上一次全市党的大会定下的事做得怎么样了")
    assert answer.answered and "党代会" in answer.hits[0].passage.text


@pytest.mark.parametrize("question", ["主题教育以来长者饭堂新开了多少家", "主题教育以来长者饭堂多开了多少家"])
def test_more_opened_asks_for_the_increase(engine: Engine, question: str) -> None:
    # 多开了 is 新增: 新增长者饭堂48家, not 总数达114家.
    assert engine.ask(question).figures[0].value == "48家"


def test_a_terse_question_named_by_its_counter_asks_a_count(engine: Engine) -> None:
    from bot.figures import figure_query

    assert figure_query(normalize("讲师团宣讲场次？")).unit == "场次"
    assert figure_query(normalize("党员人数")).unit == "人"
    assert figure_query(normalize("长者饭堂总数")).wants_number
    assert not figure_query(normalize("讲师团宣讲的场次是谁定的")).wants_number  # not at the end: no count asked
    assert engine.ask("讲师团宣讲场次？").figures[0].value == "156场次"


def test_a_date_opening_a_sentence_is_about_what_follows_it() -> None:
    from bot.figures import _extract

    # Not about 时间回溯, the sentence before: about the 读书班 that opened that day.
    date = next(f for f in _extract("时间回溯。2023年9月19日,市领导读书班开班,为期7天。", "p") if f.figure.kind == "date")
    assert "读书班开班" in date.inherited and "时间回溯" not in date.inherited
    # Within a sentence, a bare figure clause still belongs to the clause before it.
    total = next(f for f in _extract("江门新增长者饭堂48家,总数达114家。", "p") if f.figure.value == "114家")
    assert "长者饭堂" in total.inherited


def test_which_day_is_one_question_word(engine: Engine) -> None:
    # jieba cuts 读书班哪天开 into 哪 天开 (异想天开); read as 哪一天 it stays the question word.
    assert "哪一天" in engine.normalize_question("市领导的读书班哪天开的班")
    answer = engine.ask("市领导的读书班哪天开的班")
    assert answer.answered and answer.figures[0].value == "2023年9月19日"


def test_who_else_needs_someone_else(tmp_path) -> None:
    # 「除了张建国还有谁」: a passage that names only 张建国 does not answer it.
    (tmp_path / "lexicon").mkdir()
    (tmp_path / "lexicon" / "dictionary.txt").write_text("张建国 2000 nr\n王立新 2000 nr\n", encoding="utf-8")
    (tmp_path / "people.md").write_text(
        "## 人物\n\n副市长张建国主持召开交通工作会议。\n\n副市长王立新带队检查防汛工作。\n\n"
        + "\n\n".join(f"{t}。" for t in _FILLER)
        + "\n\n市委书记张建国出席开幕式。\n",
        encoding="utf-8",
    )
    engine = Engine.build(tmp_path)
    answer = engine.ask("副市长除了张建国还有谁")
    assert answer.answered and "王立新" in answer.hits[0].passage.text
    refused = engine.ask("市委书记除了张建国还有谁")
    assert not refused.answered and "who else" in refused.reason


def test_what_was_invested_is_not_a_price(engine: Engine) -> None:
    # 投了多少钱 asks for an investment; 两荤两素…只要5元钱 is a price.
    assert not engine.ask("长者饭堂建设投了多少钱").answered
    assert engine.ask("长者饭堂吃一顿多少钱").figures[0].value == "5元钱"
    assert engine.ask("江门工业投资有多少钱了").figures[0].value == "过千亿元"


def test_an_ordinal_must_be_about_what_is_asked(tmp_path) -> None:
    # The passage's only ordinal is the farmland ranking: it does not rank the schools.
    engine = _one_document(tmp_path, "成绩", ["全县耕地保护考核排名全市第1,新建中小学3所,养老服务中心投入使用。"], filler=True)
    assert not engine.ask("新建中小学在全市排第几").answered
    assert engine.ask("耕地保护考核排第几").figures[0].value == "第1"


@pytest.mark.parametrize(
    "question",
    [
        # Everyday questions that share one colloquial word with a synonym group of the article's
        # lexicon (钱袋子, 讲课, 轻松点, 走车, 做饭, 说理, 做生意, 落户, 下乡, 碰钉子, 老 …): a group too
        # wide would make them look answered. Guards the word lists, not the code.
        "我的钱袋子被偷了怎么办",
        "老师上课讲课太快怎么办",
        "这个周末能轻松点吗",
        "新车走车前要注意什么",
        "在家怎么做饭才好吃",
        "做饭用什么锅好",
        "怎么跟老板讲道理说理",
        "在广州做生意要交什么税",
        "公司落户深圳有什么补贴",
        "明天下乡的车几点开",
        "考驾照科目二总是碰钉子",
        "小孩上课老走神怎么办",
        "我想学做饭去哪报班",
        "过年回家买什么礼物好",
    ],
)
def test_everyday_questions_with_a_lexicon_word_are_refused(engine: Engine, question: str) -> None:
    assert not engine.ask(question).answered


def test_a_verb_between_two_figures_belongs_to_the_second(tmp_path) -> None:
    # 「确定的64项任务完成或基本完成52项」: 完成 comes after 64项, so 64 is what was set and
    # 「完成了多少项」 asks for the 52, however much of the question surrounds the 64.
    text = "县第五次党员大会确定的64项任务完成或基本完成52项,发展目标一步步变为现实。"
    engine = _one_document(tmp_path, "发展成效", [text], filler=True)
    answer = engine.ask("第五次党员大会确定的任务已经完成了多少项？")
    assert answer.answered and answer.figures[0].value == "52项"
    # What was set is still the answer to how many were set.
    assert engine.ask("党员大会确定了多少项任务？").figures[0].value == "64项"


def test_a_compound_whose_parts_the_question_already_counts_counts_as_itself(tmp_path) -> None:
    # 就餐卡's only dictionary sub-word is 就餐 (饭堂, as the synonym table writes it), which
    # 长者饭堂 has counted already: the passage about 长者饭堂 says nothing of a card.
    text = "全市新增社区长者饭堂20家,老人就近用餐更加方便。"
    engine = _one_document(tmp_path, "民生实事", [text], filler=True)
    assert not engine.ask("长者饭堂的就餐卡要怎么办理？").answered
    assert engine.ask("长者饭堂新增了多少家？").figures[0].value == "20家"


def test_a_compound_that_ends_with_its_part_is_about_it(engine: Engine) -> None:
    # 打短工 → 短工 (零工), which 灵活就业 (零工) says again: the question is about 零工 twice.
    answer = engine.ask("想打短工、灵活就业，江门有啥平台？")
    assert answer.answered and "零工" in answer.hits[0].passage.text


def test_this_activity_is_the_campaign(engine: Engine) -> None:
    # 「这次活动」 in a question about the article is 主题教育 itself.
    assert "主题教育" in engine.normalize_question("此次活动结束后还要做什么")
    answer = engine.ask("这次活动结束以后，接下来有啥打算？")
    assert answer.answered and "巩固拓展主题教育成果" in answer.hits[0].passage.text


def test_a_question_about_results_prefers_the_passage_that_states_them(engine: Engine) -> None:
    # 「有什么变化」 asks what came of it: 政治品格得到进一步锻造 (#36) says it; the lead (#4)
    # only says who took part.
    answer = engine.ask("党员的政治站位有什么变化")
    assert answer.answered and "得到进一步" in answer.hits[0].passage.text


def test_a_common_word_jieba_tags_as_a_place_is_not_a_place(engine: Engine) -> None:
    # jieba tags 中考 ns; as a name no passage mentions, it made the question "about" somewhere else.
    answer = engine.ask("孩子快中考了，公办高中的学位多不多")
    assert answer.answered and "公办高中" in answer.hits[0].passage.text
    assert not engine.ask("中考分数线今年是多少").answered


def test_a_split_word_s_characters_are_synonym_words_too(engine: Engine) -> None:
    # jieba joins 接娃 (a word no dictionary has): split, its 娃 is the synonym table's 学生.
    answer = engine.ask("天天接娃放学 政府有没有办法")
    assert answer.answered and "接送难题" in answer.hits[0].passage.text


def test_a_part_named_by_position_beats_a_passage_that_matches_every_word(engine: Engine) -> None:
    # 「报道…写的啥」 matches the byline (记者) perfectly; 「中间部分」 names the part outright.
    answer = engine.ask("报道的中间部分写的啥")
    assert answer.answered and answer.hits[0].passage.kind == "heading"


def test_people_named_by_an_agent_suffix_are_counted_only_where_named(tmp_path, engine: Engine) -> None:
    # 网格员 = 网格 + 员: a passage that counts 网格事项 does not say how many 网格员 there are.
    assert engine._agent_noun("网格员") and not engine._agent_noun("党员") and not engine._agent_noun("网格")
    assert not engine.ask("全市有多少个网格员？").answered
    assert engine.ask("网格事项一共办了多少件？").answered
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    items = _one_document(tmp_path / "a", "基层治理", ["全市办理网格事项5.6万件,办结率99%。"], filler=True)
    assert not items.ask("全市有多少个网格员？").answered
    named = _one_document(tmp_path / "b", "基层治理", ["全市配备专职网格员1200名,办理网格事项5.6万件。"], filler=True)
    answer = named.ask("全市有多少个网格员？")
    assert answer.answered and answer.figures and answer.figures[0].value == "1200名"


def test_a_count_of_people_asks_a_figure_not_a_word(tmp_path, engine: Engine) -> None:
    # 「党员人数」 is the number of 党员: 人数 names the unit (人), not 成员 (a 领导班子成员 passage).
    answer = engine.ask("那个参加主题教育的党员人数是多少来着？")
    assert answer.answered and "22万多名党员" in answer.hits[0].passage.text
    assert answer.figures[0].value.startswith("22万")
    assert engine.tokenizer.is_counter("人数")


def test_the_asker_s_guess_at_the_figure_is_not_what_the_question_is_about(engine: Engine) -> None:
    # 「…，二十来万？」 guesses the figure: its words (二十, 万) weigh nothing in coverage.
    guessed = engine.ask("那个参加主题教育的党员人数是多少来着，二十来万？")
    assert guessed.answered and "22万多名党员" in guessed.hits[0].passage.text
    weights = engine._term_weights(["党员", "二十"], engine.normalize_question("党员人数是多少，二十来万？"))
    assert weights["二十"] == 0.0 and weights["党员"] > 0
    # A clause that tells more than a figure still counts, at CONTEXT_SHARE.
    told = engine._term_weights(["党员", "饭堂"], engine.normalize_question("党员人数是多少，我在饭堂听说的"))
    assert 0 < told["饭堂"] < engine._weight("饭堂")


def test_leaders_learning_first_and_the_rest_following(engine: Engine) -> None:
    # 「更早开始学习」 is 先学一步; 高层干部 are the 关键少数; 一层一层 is 层层; 跟上 is 跟进.
    assert "层层" in engine.normalize_question("一层一层往下推") and "一层" not in engine.normalize_question("一层层往下推")
    tok = engine.tokenizer
    assert tok.canonical("跟上") == tok.canonical("跟进")
    assert tok.canonical("高层干部") == tok.canonical("关键少数")
    answer = engine.ask("当官的是不是比一般党员更早开始学习？")
    assert answer.answered and "先学一步" in answer.hits[0].passage.text


def test_making_sure_everyone_has_food_is_food_security(engine: Engine) -> None:
    # 「保障吃饭」 is 粮食安全 (the 耕地保护 passage), not a meal at the 长者饭堂.
    assert "粮食安全" in engine.normalize_question("保障吃饭这块咋样")
    answer = engine.ask("江门在种田和保障吃饭上成绩咋样")
    assert answer.answered and "粮食安全" in answer.hits[0].passage.text
    meal = engine.ask("老人吃饭的问题江门怎么解决")
    assert meal.answered and "长者饭堂" in meal.hits[0].passage.text


def test_keeping_track_of_progress_is_the_weekly_and_monthly_schedule(engine: Engine) -> None:
    # 进度 ~ 调度, 盯 ~ 跟踪, 每周每月 → 周安排、月调度 (the campaign office's 闭环管理机制).
    tok = engine.tokenizer
    assert tok.canonical("进度") == tok.canonical("调度") and tok.canonical("盯着") == tok.canonical("跟踪")
    answer = engine.ask("每周每月是怎么盯进度的")
    assert answer.answered and "周安排、月调度" in answer.hits[0].passage.text


def test_departments_data_platforms_working_together_is_the_merged_grid(engine: Engine) -> None:
    # 信息平台 ~ 系统, 协同 ~ 打通, 「合成一张网」 → 多网合一 (打通21个系统实现多网合一).
    assert "多网合一" in engine.normalize_question("几个网合成一张网了吗")
    answer = engine.ask("各个部门的信息平台之间是怎么协同的")
    assert answer.answered and "多网合一" in answer.hits[0].passage.text


def test_grassroots_cadres_and_their_burden(engine: Engine) -> None:
    # 村干部/社区干部 ~ 基层干部; 填表, 轻一点 ~ 减负; 「少跑腿」 → 减负.
    tok = engine.tokenizer
    assert tok.canonical("社区干部") == tok.canonical("基层干部") and tok.canonical("填表") == tok.canonical("减负")
    assert "减负" in engine.normalize_question("能不能少跑腿")
    answer = engine.ask("村干部填表的负担轻一些了吗")
    assert answer.answered and "减负" in answer.hits[0].passage.text


def test_handrails_for_the_elderly_at_home_are_the_ageing_friendly_refit(engine: Engine) -> None:
    # 装扶手、防滑 ~ 适老化改造; 行动不便 ~ 特殊困难; 「上了年纪的人」 → 老年人; 改动 ~ 改造.
    tok = engine.tokenizer
    assert tok.canonical("扶手") == tok.canonical("适老化改造") and tok.canonical("改动") == tok.canonical("改造")
    assert "老年人" in engine.normalize_question("上了年纪的人怎么办")
    answer = engine.ask("腿脚不便的老人家里加装扶手，江门做了多少户")
    assert answer.answered and "适老化改造" in answer.hits[0].passage.text
    assert answer.figures and answer.figures[0].value.startswith("超2100")


def test_satisfaction_is_a_common_word_not_a_name(engine: Engine) -> None:
    # jieba tags 满意度 ns and 幸福感 nr; Cilin files them with abstract words of their kind (a
    # "#" line of class D), cities on a "#" line of their own class (Cb): names only those.
    thesaurus = engine._general_thesaurus()
    assert thesaurus.is_common_noun("满意度") and thesaurus.is_common_noun("幸福感")
    assert not thesaurus.is_common_noun("佛山") and not thesaurus.is_common_noun("上海")
    assert not engine._is_name("满意度") and engine._is_name("佛山")
    answer = engine.ask("市民的满意度提高了没有")
    assert answer.answered and "获得感" in answer.hits[0].passage.text
    assert not engine.ask("佛山新增了多少家长者饭堂？").answered


def test_steps_and_stages_are_the_campaign_s_phases(engine: Engine) -> None:
    # 步骤 ~ 环节, 「一段一段」 → 分阶段: 「不划阶段、不分环节」.
    assert engine.tokenizer.canonical("步骤") == engine.tokenizer.canonical("环节")
    assert "分阶段" in engine.normalize_question("是不是一段一段来的")
    answer = engine.ask("这次学习为啥不按步骤一段一段来")
    assert answer.answered and "不划阶段" in answer.hits[0].passage.text


def test_the_counted_thing_outweighs_a_place_word_the_passage_lacks(engine: Engine) -> None:
    # 「水塘村在路边…」: the passage says 水塘大道, not 路边, and counts the 紫花风铃木 asked about.
    answer = engine.ask("水塘村在路边种了多少棵紫花风铃木")
    assert answer.answered and answer.figures[0].value == "300棵"
    # A passage that names the place and has a price, but not the thing, still does not answer.
    assert not engine.ask("鹤山长者饭堂一顿饭多少钱").answered


def test_not_a_gust_of_wind_asks_what_lasts(engine: Engine) -> None:
    # 一阵风 ~ 长久 (「当下改」与「长久立」相结合); 村镇干部 ~ 基层干部.
    tok = engine.tokenizer
    assert tok.canonical("一阵风") == tok.canonical("长久立")
    assert tok.canonical("村镇干部") == tok.canonical("基层干部")
    answer = engine.ask("改问题会不会只是一阵风")
    assert answer.answered and "长久立" in answer.hits[0].passage.text


def test_how_many_dishes_a_meal_has(engine: Engine) -> None:
    answer = engine.ask("老人家在饭堂吃一顿有几个菜")
    assert answer.answered and answer.figures[0].value == "两荤两素"
    # A dish count is not a count of people, nor a price.
    for question in ("麻三村长者饭堂有几个工作人员啊", "麻三村长者饭堂每天接待多少位老人？"):
        assert not engine.ask(question).answered, question
    assert engine.ask("两荤两素一顿得花多少？").figures[0].value == "5元钱"


def test_old_party_members_and_the_village_purse(engine: Engine) -> None:
    # 老党员 is a word (水塘村's 老党员 planted the trees); 挣 ~ 收入; 「村里公家」 → 村集体.
    answer = engine.ask("老党员一起种树的是哪个村")
    assert answer.answered and "水塘村" in answer.hits[0].passage.text
    assert engine.tokenizer.canonical("挣") == engine.tokenizer.canonical("收入")
    assert "村集体" in engine.normalize_question("村里公家能挣多少")
    answer = engine.ask("村里公家一年能挣上百万的多不多")
    assert answer.answered and "村集体经营性收入" in answer.hits[0].passage.text


def test_a_question_about_what_comes_next_prefers_what_will_be_done(engine: Engine) -> None:
    # 「以后的奋斗目标」: the closing paragraph says what 江门 will do (将巩固拓展…); the one about
    # the 党代会's tasks reports what was done (奋斗精神, 蓝图 share more of the words).
    answer = engine.ask("江门以后的奋斗目标是啥")
    assert answer.answered and "再造一个现代化新江门" in answer.hits[0].passage.text
    reported = engine.ask("党代会的蓝图实现得怎么样")
    assert reported.answered and "179项任务" in reported.hits[0].passage.text


def test_putting_it_right_at_once_is_correcting_as_soon_as_known(engine: Engine) -> None:
    # 「马上就改」, 「立即改」 ~ 即知即改 (边学边查、即知即改).
    assert engine.tokenizer.canonical("立即改") == engine.tokenizer.canonical("即知即改")
    answer = engine.ask("查出问题是不是立即改")
    assert answer.answered and "即知即改" in answer.hits[0].passage.text


def test_step_by_step_asks_about_the_campaign_s_phases(engine: Engine) -> None:
    assert "分环节" in engine.normalize_question("是不是一步一步来")
    answer = engine.ask("主题教育是一步一步来的吗")
    assert answer.answered and "不分环节" in answer.hits[0].passage.text


def test_percentage_points_arbitration_and_what_is_only_context(engine: Engine) -> None:
    # 「多少个百分点」 asks a percentage; 百分点 is not a word to find.
    answer = engine.ask("治安警情降了几个百分点")
    assert answer.answered and answer.figures[0].value == "6.4%"
    # 仲裁机构 ~ 仲裁 (深圳国际仲裁院江门中心).
    assert engine.tokenizer.canonical("仲裁机构") == engine.tokenizer.canonical("仲裁")
    # What the asker adds after the question (找工作想去看看) is not what the answer must name.
    answer = engine.ask("全市有多少个就业驿站？我想去找工作")
    assert answer.answered and answer.figures[0].value == "80个"


def test_a_yes_no_doubt_before_the_question_is_an_aside(engine: Engine) -> None:
    # 糊弄人, 摆样子 are in no passage; the clause after the doubt asks when / where.
    when = engine.ask("读书班是不是糊弄人的？哪天开班的？")
    assert when.answered and "9月19日" in when.figures[0].value
    assert engine.ask("零工市场是不是摆样子？在哪里？").answered



def test_a_scale_asked_is_a_count_and_a_trailing_items_word_is_its_counter(engine: Engine) -> None:
    # 规模有多大 asks how many (规模 names the count), not an area or a size.
    scale = engine.ask("基层党组织的规模是多大")
    assert scale.answered and scale.figures[0].value.startswith("1.3万")
    # 「实事项目」: 项目 says items (项), it is not the counted noun.
    assert engine.tokenizer.asked_noun("市领导班子成员领办的民生实事项目有多少") == ("民生实事",)
    items = engine.ask("市领导班子成员领办的民生实事项目有多少")
    assert items.answered and items.figures[0].value == "54项"


def test_an_adverb_of_manner_names_no_topic(engine: Engine) -> None:
    # 实地 (on the spot) is how the visit was made; the question asks where the canteen is.
    answer = engine.ask("记者实地探访的长者饭堂在哪个村？")
    assert answer.answered and "麻三村" in answer.hits[0].passage.text


def test_cantonese_which_day_and_how_to(engine: Engine) -> None:
    # 邊一日 is 哪一天; 點樣 asks how to (怎样), not how it is (怎么样).
    assert engine.normalize_question("深中通道係邊一日通車？") == "深中通道是哪一天通车?"
    assert engine.normalize_question("點樣報名") == "怎样报名"
    assert not engine.ask("深中通道具體係邊一日通車？").answered  # the report says 即将, no date
    # 成日 (always), 好嘈 (noisy), 有冇人理 (does anyone deal with it), 餸食 (dishes).
    noise = engine.ask("屋企附近公園成日好嘈，有冇人理㗎？")
    assert noise.answered and "噪声" in noise.hits[0].passage.text
    assert engine.normalize_question("有啲咩餸食") == "有些什么菜"


def test_compared_with_the_year_before(engine: Engine) -> None:
    # 比前一年 / 比上一年 compare with last year; the year is not what is counted.
    answer = engine.ask("刑事治安警情较前一年降了多少？")
    assert answer.answered and answer.figures[0].value == "6.4%"



def test_of_two_figures_asked_the_first_is_answered(engine: Engine) -> None:
    # 「…有多少家,一顿多少钱」: the count is asked first; the price does not make it a money question.
    answer = engine.ask("长者饭堂总数有多少家，一顿多少钱？")
    assert answer.answered and answer.figures[0].value.startswith("114家")
    assert engine.ask("长者饭堂一顿多少钱？").figures[0].value.startswith("5元")


def test_which_the_n_things_are_needs_a_list_of_them(engine: Engine) -> None:
    # The report says there are 3个先行启动区 and 六大工程, and names none of them.
    for question in ("3个先行启动区都叫什么？", "六大工程分别是哪些"):
        answer = engine.ask(question)
        assert not answer.answered and "list" in answer.reason, question
    # It does list the four 导向.
    answer = engine.ask("各级党委坚持的四个导向分别是什么？")
    assert answer.answered and "需求导向" in answer.hits[0].passage.text
    # 学校 inside a list of measures (加快公办学校新建、在民办学校开设公办班、…) is not a list
    # of schools: the 15所中小学校 are counted, never named.
    answer = engine.ask("新建的15所中小学校分别叫什么名字？")
    assert not answer.answered and "list" in answer.reason


def test_a_list_of_the_things_asked_about_is_found_by_its_items(tmp_path) -> None:
    # No word before or after the list says 中学; its items end with it.
    engine = _one_document(
        tmp_path,
        "教育",
        ["今年新建的3所投入使用,棠下中学、杜阮中学、荷塘中学都已开学。", "外语学校开设公办班,接收学生五百名。"],
        filler=True,
    )
    answer = engine.ask("新建的3所中学分别叫什么名字？")
    assert answer.answered and "棠下中学" in answer.hits[0].passage.text
    assert not engine.ask("开设公办班的5所学校分别叫什么？").answered


def test_the_askers_own_city_is_not_what_is_asked_about(engine: Engine) -> None:
    # The asker says where they are from; the question is about 江门.
    for question in ("佛山人问一句：江门有几个县级零工市场？", "我是中山的，想问问江门讲师团有多少名成员"):
        answer = engine.ask(question)
        assert answer.answered and "中山" not in answer.reason and "佛山" not in answer.reason, question
    # Asked about their own city, it is refused as before.
    assert not engine.ask("我是佛山的，佛山有多少家长者饭堂？").answered


def test_everyday_words_for_crime_find_the_public_order_figure(engine: Engine) -> None:
    # 小偷, 打架 are what people call 刑事治安警情.
    answer = engine.ask("江门现在小偷多不多，打架的少了没有")
    assert answer.answered and "刑事治安警情" in answer.hits[0].passage.text


def test_everyday_words_for_being_passed_around_and_for_reputation(engine: Engine) -> None:
    # 推来推去 / 踢皮球 is what 「办不成事」反映窗口 is for; 口碑 is how the 营商环境 is judged.
    answer = engine.ask("去政府部门办事总是被踢皮球怎么办")
    assert answer.answered and "办不成事" in answer.hits[0].passage.text
    answer = engine.ask("江门营商环境口碑好不好")
    assert answer.answered and "营商环境" in answer.hits[0].passage.text
    # 年轻人 are not 年轻干部: young people looking for work are not the cadre programme.
    assert engine.tokenizer.canonical("年轻人") != engine.tokenizer.canonical("年轻干部")


def test_too_many_forms_is_the_burden_on_the_grassroots(engine: Engine) -> None:
    answer = engine.ask("村干部是不是没那么多表要填了？")
    assert answer.answered and "减负" in answer.hits[0].passage.text
    assert "减负" in engine.normalize_question("表格材料太多了有没有人管")


def test_a_family_member_is_who_asks_unless_the_question_points_back(engine: Engine) -> None:
    from bot.engine import ASKER_SHARE, CONTEXT_SHARE

    def weights(question: str) -> dict[str, float]:
        qnorm = engine.normalize_question(question)
        terms = list(dict.fromkeys(engine.tokenizer.analyze(qnorm, normalized=True).terms))
        return engine._term_weights(terms, qnorm)

    # 「我外公是归侨,…」 says who asks: it weighs ASKER_SHARE.
    w = weights("我外公是归侨，江门为海外侨胞做过哪些实事？")
    assert w["归侨"] == pytest.approx(ASKER_SHARE * engine._weight("归侨"))
    # 「…,那里有啥菜」 points back: what was told is the topic, weighed as context.
    w = weights("我外公想去长者饭堂吃饭，那里一般有啥菜？")
    assert w["长者饭堂"] == pytest.approx(CONTEXT_SHARE * engine._weight("长者饭堂"))
    answer = engine.ask("我外婆家的老小区好旧，会不会给改一改？")  # 改一改: 改造
    assert answer.answered and "老旧小区改造" in answer.hits[0].passage.text


def test_people_are_counted_by_a_count_of_people(engine: Engine) -> None:
    # The 侨 passage has 250万人次 (visits), 9万多件 (cases) and 2023 (a year before 华侨华人):
    # none says how many 华侨 there are.
    refused = engine.ask("大湾区大会一共来了多少位华侨？")
    assert not refused.answered
    assert engine.ask("全市有多少名党员参加主题教育？").figures[0].value.startswith("22万")
    assert engine.ask("讲师团有多少名成员？").figures[0].value.startswith("88名")


def test_an_amount_in_a_where_question_is_not_the_thing_asked_about(engine: Engine) -> None:
    # 「5块钱一餐的饭堂在哪个村」: 一餐 (no passage has it) is how much, not what is somewhere.
    answer = engine.ask("那间5块钱一餐的饭堂在哪个村")
    assert answer.answered and "麻三村" in answer.hits[0].passage.text


def test_a_scope_is_not_what_is_counted_and_money_in_characters_is_a_number(engine: Engine) -> None:
    # 「…全市建了几个」: 全市 says where the count is taken.
    assert engine.tokenizer.asked_noun("就业驿站全市建了几个?") == ("就业驿站",)
    # 「五块钱」 is 5块钱 (a single numeral before 块钱/元); 一起, 一些 stay.
    assert engine.normalize_question("五块钱能吃到几个菜") == "5块钱能吃到几个菜"
    assert engine.normalize_question("一起去饭堂") == "一起去饭堂"
    answer = engine.ask("我妈去饭堂吃饭，五块钱能吃到几个菜？")
    assert answer.answered and "两荤两素" in answer.hits[0].passage.text


def test_everyday_words_for_industry_and_school_places(engine: Engine) -> None:
    # 工厂 ~ 工业 (全省第6个工业投资过千亿元); 好学位 多出来 → 优质学位 新增.
    answer = engine.ask("江门的工厂这一年发展得怎么样？")
    assert answer.answered and "工业投资" in answer.hits[0].passage.text
    answer = engine.ask("新的好学位多出来多少个？")
    assert answer.answered and "1.1万" in answer.figures[0].value


def test_which_places_person_is_asked_about_the_person(engine: Engine) -> None:
    # 「是哪里的负责人」 places the 负责人; 夸 (the article says 说) is not a thing to locate.
    answer = engine.ask("稿中夸每月组织生活清单“很实用”的是哪里的负责人？")
    assert answer.answered and "沙塘镇" in answer.hits[0].passage.text
    # A person the article never mentions is still not placed.
    assert not engine.ask("夸每月组织生活清单很实用的是哪里的校长？").answered


def test_sha_shihou_asks_when_like_shenme_shihou(engine: Engine) -> None:
    # 啥时候 is spoken 什么时候: a date question, answered with the date.
    spoken, written = engine.ask("读书班啥时候开班的"), engine.ask("读书班什么时候开班的")
    assert spoken.answered and spoken.figures[0].value == written.figures[0].value
    assert spoken.figures[0].kind == "date"
    # A when-question about an event no passage dates is refused, however it is worded.
    assert not engine.ask("中微子科普基地啥时候建好对外开放").answered


def test_when_rules_read_through_jiebas_made_up_words(engine: Engine) -> None:
    # jieba's HMM cuts 过海去 and 能通; neither is an event nor a thing no passage has: the
    # passage says 深中通道…即将建成通车.
    answer = engine.ask("从江门过海去深圳的桥啥时候能通")
    assert answer.answered and "即将建成通车" in answer.hits[0].passage.text
    # The dates of the passages after it are of other events, and are not offered as its date.
    assert all(f.passage_id == answer.hits[0].passage.id for f in answer.figures)
    # 「第一时间成立」 says when the 领导小组 was set up.
    answer = engine.ask("市委主题教育领导小组啥时候成立的")
    assert answer.answered and "第一时间成立" in answer.hits[0].passage.text


def test_what_for_in_speech_is_why(engine: Engine) -> None:
    # 「是为了啥」 asks why, like 「为什么」: 为了 is the question, not a word to find.
    spoken, written = engine.ask("搞主题教育是为了啥"), engine.ask("为什么要开展主题教育")
    assert spoken.answered and spoken.hits[0].passage.id == written.hits[0].passage.id


def test_the_counted_noun_is_looked_for_in_the_asking_clause(engine: Engine) -> None:
    # 「我想找个就业驿站问问工作,全市建了多少个」: the clause that asks names nothing; the
    # sentence before it is the asker's own (问问工作 is not what is counted).
    question = engine.normalize_question("我想找个就业驿站问问工作，全市建了多少个？")
    assert engine.tokenizer.asked_noun(question) == ()
    answer = engine.ask("我想找个就业驿站问问工作，全市建了多少个？")
    assert answer.answered and answer.figures[0].value == "80个"
    # A topic before the question (a terse query) is still what is counted.
    assert engine.tokenizer.asked_noun(engine.normalize_question("基层党组织 多少个")) == ("基层党组织",)


def test_how_many_is_not_answered_by_an_ordinal(engine: Engine) -> None:
    # 「省委第四巡回督导组…深入…60多个基层单位调研指导」: 第四 names the group, it counts nothing.
    answer = engine.ask("督导组调研了多少单位？")
    assert answer.answered and answer.figures[0].value == "60多个"


def test_city_leaders_are_not_the_city_departments_leaders(engine: Engine) -> None:
    # 市领导班子成员领办民生实事54项 … 89个市直单位领导领办539项: 市领导 is one word.
    answer = engine.ask("市领导领办实事几项？")
    assert answer.answered and answer.figures[0].value == "54项"
    assert engine.ask("市直单位领导领办了多少项").figures[0].value == "539项"


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("主题教育开展以来江门新增的长者饭堂是48家吗？", "48家"),  # not the total (114家)
        ("听说全市参加主题教育的党员有22万多名，对吗？", "22万多名"),
        ("江門的民生支出是不是347.3億元？", "347.3亿元"),  # traditional, A-not-A
        ("督导组深入调研指导的基层单位有60多个，我没记错吧？", "60多个"),
        # Misremembered: the figure of the same kind that the article gives corrects it.
        ("长者饭堂2023年的服务量我记得有98万餐次，对不对？", "89万餐次"),
        ("江门是不是全省第5个工业投资过千亿元的地市？", "第6个"),
        # In a 分别 list each figure has its own subject: 229项 is 7个县's, 498项 the 市直单位's.
        ("市直单位领导的调研成果转化是229项吧？", "498项"),
        ("县里领导班子调研成果转化有229项吗？", "229项"),
    ],
)
def test_a_figure_the_question_asks_to_confirm_is_answered(engine: Engine, question: str, figure: str) -> None:
    # What the question states is usually not its answer (「第四巡回督导组来了几趟」); asked to
    # confirm (吗, 对不对, 是不是), it is — or the article's figure of that unit corrects it.
    answer = engine.ask(question)
    assert answer.answered and figure in answer.figures[0].value, question


def test_a_stated_figure_without_a_check_is_still_not_the_answer(engine: Engine) -> None:
    from bot.figures import figure_query

    assert figure_query("新增的长者饭堂是48家吗").stated == "48家"
    assert figure_query("新增的长者饭堂是48家吗", confirm=False).stated == ""
    assert figure_query("第四巡回督导组来了几趟").stated == ""  # a how-many question


def test_a_sentence_about_the_asker_before_the_question_is_context(engine: Engine) -> None:
    # 「我是…,要核对人名。」 tells who asks and why; the next sentence asks.
    for question in (
        "我是海外僑報的編輯，要核對人名。江門市委書記叫什麼名字？",
        "我是科技局的工作人员，要写年度亮点。江门在科技创新方面取得了哪些成绩？",
    ):
        assert engine.ask(question).answered, question
    # What the question itself asks about still counts in full.
    assert not engine.ask("我是佛山的编辑，要核对数字。佛山有多少家长者饭堂？").answered


@pytest.mark.parametrize(
    ("question", "passage", "figure"),
    [
        # A question word inside the story (是谁写的。) asks nothing: the next sentence asks.
        ("我外公以前是村支书，天天念叨这篇报道，非要我查查是谁写的。这篇报道的记者叫什么名字？", "#5", None),
        ("我去年在外地读书，回来发现家门口开了饭堂，奶奶天天去吃。全市长者饭堂一共多少家？", "#27", "114家"),
    ],
)
def test_the_askers_story_before_the_question_is_context(engine: Engine, question: str, passage: str, figure) -> None:
    # Sentences that end in 。 or ! before the one that asks (and ends in ?) tell the asker's
    # story: their words count as little as the asker's own, so the question's words decide.
    answer = engine.ask(question)
    assert answer.answered and answer.hits[0].passage.id.endswith(passage), question
    if figure:
        assert answer.figures[0].value == figure
    # A question that points back to the story (她) is about it: the story's words count.
    answer = engine.ask("我也在外地打工，看到报道里写刘女士在零工市场找到了活。她是从哪里来的？")
    assert answer.answered and "重庆" in answer.hits[0].passage.text
    # A story does not make a question about another city answerable.
    assert not engine.ask("我孩子在佛山读书，每天放学都很晚。佛山有多少家长者饭堂？").answered


def test_several_is_not_a_question(engine: Engine) -> None:
    # 好几个 (several) tells; the question is the next sentence.
    answer = engine.ask("我在社区工作，经常要在好几个系统之间来回录数据。江门在基层治理上有什么创新做法？")
    assert answer.answered
    assert engine.ask("江门建了几个就业驿站").figures[0].value == "80个"  # 几 still asks


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("鹤山有多少镇入选了百千万工程", "6个"),  # 多少镇: towns are counted with 个 (6个镇)
        ("长者饭堂服务量是多少", "约89万餐次"),  # the compound's head (服务量), not 长者饭堂's 114家
        ("讲师团成员有几多个", "88名"),  # 成员 are people: 个 counts them as 名
        ("长者饭堂一年服务了多少人次", "约89万餐次"),  # a meal served is a person served once
    ],
)
def test_what_the_count_is_of_picks_the_figure(engine: Engine, question: str, figure: str) -> None:
    answer = engine.ask(question)
    assert answer.answered and answer.figures[0].value == figure, question


@pytest.mark.parametrize("question", ["这篇文章讲了什么？", "報道的主要內容是什麼", "文章里说了啥"])
def test_a_question_for_the_gist_is_answered_by_the_lead(engine: Engine, question: str) -> None:
    # Every word of it is a stopword: without the rule it would get the "type a question" hint.
    answer = engine.ask(question)
    assert answer.answered and answer.hits[0].passage.kind == "lead", question


def test_the_gist_of_several_documents_is_not_one_lead(tmp_path) -> None:
    (tmp_path / "a.md").write_text("# 甲\n\n江门新增长者饭堂48家。\n\n## 一\n\n饭堂两荤两素。\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("# 乙\n\n江门建成7个县级零工市场。\n", encoding="utf-8")
    engine = Engine.build(tmp_path)
    answer = engine.ask("这篇文章讲了什么？")
    assert not answer.answered  # 「这篇」 names none of them
    (tmp_path / "b.md").unlink()
    answer = Engine.build(tmp_path).ask("这篇文章讲了什么？")
    assert answer.answered and answer.hits[0].passage.text == "江门新增长者饭堂48家。"


@pytest.mark.parametrize(
    ("question", "says"),
    [
        # The name stated is wrong; the passage about the subject says the right one.
        ("组织生活清单是市委宣传部发的吧？", "市委组织部"),
        ("麻三村那家长者饭堂在蓬江区吧?", "江海区"),
        ("这篇报道的记者是李明吗", "黎禹君"),
        # A name the article has elsewhere does not pick that passage: the subject does.
        ("市委主题教育领导小组组长是吴晓晖吧", "陈岸明"),
        # No question word, a question mark: a statement to confirm.
        ("种风铃木的水塘村是开平市的?", "恩平市"),
    ],
)
def test_a_name_the_question_asks_to_confirm_is_checked_not_searched(engine: Engine, question: str, says: str) -> None:
    answer = engine.ask(question)
    assert answer.answered and says in answer.hits[0].passage.text, question


def test_a_name_the_question_is_about_must_still_be_in_the_answer(engine: Engine) -> None:
    # Before the claim (no 是/在/叫 before it), 佛山 is what the question is about.
    assert not engine.ask("佛山的长者饭堂有114家吧？").answered
    # 要是 is no claim: 江门 is asked about in full.
    assert engine.ask("要是去政府办事办不成，江门有地方可以反映吗？").answered


def test_a_time_of_day_to_confirm_needs_a_time_in_the_answer(engine: Engine) -> None:
    from bot.figures import figure_query

    assert figure_query("长者饭堂是早上7点开门的吧").kind == "time"
    assert figure_query("长者饭堂有114家吧").kind == ""  # a count, not a time
    # The article gives no opening hours: the passage about the canteen does not confirm one.
    assert not engine.ask("麻三村长者饭堂是早上7点开门的吧？").answered


def test_a_quoted_name_must_be_in_the_passage_as_written(engine: Engine) -> None:
    # “五个一工程” is not any passage's 工程 (百千万工程, 青苗工程): a quoted name is asked as written.
    assert not engine.ask("“五个一工程”在江门做得怎么样？").answered
    assert not engine.ask("「五个一工程」在江门做得怎么样？").answered
    # A quoted name the article has is not refused.
    answer = engine.ask("“青苗工程”是什么？")
    assert answer.answered and "青苗工程" in answer.hits[0].passage.text


def test_a_rare_place_name_is_not_cut_out_of_ordinary_words(engine: Engine) -> None:
    # 「市领导和县(市、区)领导」: 和 + 县, not the county 和县 (which no passage mentions).
    answer = engine.ask("市领导班子成员和县（市、区）领导班子成员分别领办了多少项民生实事？")
    assert answer.answered and "领办" in answer.hits[0].passage.text


def test_after_finishing_is_not_the_future_or_a_completion_rate(engine: Engine) -> None:
    # 「读书班办完以后」: 办完 is not 办结率 and the passage that counts 专题研讨交流 answers.
    answer = engine.ask("读书班办完以后，专题研讨交流一共搞了多少次？")
    assert answer.answered and answer.figures[0].value == "530次"


def test_a_quoted_phrase_the_passage_writes_is_what_is_asked(engine: Engine) -> None:
    # 「“六大工程”是拿来干什么用的」 shares one word with its passage (拿来, 用 are how it asks);
    # the phrase quoted as the passage writes it is enough.
    answer = engine.ask("文章里说的“六大工程”是拿来干什么用的？")
    assert answer.answered and "“六大工程”" in answer.hits[0].passage.text


def test_a_question_for_a_code_gets_the_quoted_code_next_to_its_words(engine: Engine) -> None:
    # “1310” and “1+6+3” count nothing, so they are not figures; asked for as 数字 or 代号, the
    # code the question's words stand next to (省委 / 市委) is the answer.
    assert engine.ask("省委的具体部署代号是哪几个数字？").figures[0].value == "1310"
    assert engine.ask("市委那个工作安排是哪几个数字？").figures[0].value == "1+6+3"
    # The code the question itself quotes is not its answer.
    assert engine.ask("市委的安排叫“1+6+3”，那省委的具体部署是哪个数字？").figures[0].value == "1310"
    # Without such a cue the codes stay out of the figures.
    assert all(f.value != "1310" for f in engine.ask("市第十四次党代会部署的任务完成了多少项？").figures)


def test_a_person_jieba_knows_by_name_is_still_a_person(engine: Engine) -> None:
    # jieba lists 张国强 (7, nr): that it knows the word does not make him one of the article's.
    answer = engine.ask("文章里提到的张国强在主题教育中负责什么？")
    assert not answer.answered and "张国强" in answer.reason
    # A name the article has is answered as before.
    assert engine.ask("陈岸明在主题教育中负责什么？").answered


def test_a_child_who_cannot_get_into_a_school_asks_about_school_places(engine: Engine) -> None:
    # 「读不上」 is the article's 学位不足 (too few places), the problem its passage says was solved.
    answer = engine.ask("孩子在市区读不上公办高中，政府有啥办法没？")
    assert answer.answered and "学位不足" in answer.hits[0].passage.text


def test_what_something_means_is_asked_of_the_knowledge_s_topic_only(engine: Engine) -> None:
    # 意义 / 意味着 are searched (as 洗礼): the passage that says what the campaign meant answers.
    answer = engine.ask("这次学习对党员来说意味着什么？")
    assert answer.answered and "精神洗礼" in answer.hits[0].passage.text
    # The same frame about anything else matches that passage by the frame word alone: refused.
    for q in ("人生的意义是什么？", "读书有什么意义", "考研有意义吗"):
        assert not engine.ask(q).answered, q
