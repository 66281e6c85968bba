"""The tokenizer: a private jieba with the domain dictionary, the stoplist and the synonym groups."""

from __future__ import annotations

import jieba
import pytest

from bot.tokenizer import Tokenizer


@pytest.fixture(scope="module")
def tokenizer(engine) -> Tokenizer:
    """The tokenizer of the bundled knowledge (its lexicon/ word lists)."""
    return engine.tokenizer


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("主题教育开展以来", ("主题教育", "开展", "以来")),
        ("江门有哪些长者饭堂？", ("江门", "长者饭堂")),
        ("怎么找零工市场", ("找", "零工市场")),
        ("鹤山有几个镇入选了百千万工程典型？", ("鹤山", "镇", "入选", "百千万工程", "典型")),
        ("省委“1310”部署，市委“1+6+3”工作安排", ("省委", "1310", "部署", "市委", "1+6+3", "工作", "安排")),
        ("讲师团有多少成员？", ("讲师团", "成员")),
        ("讲师团成员有哪些？", ("讲师团", "成员")),
        ("長者飯堂", ("长者饭堂",)),  # traditional characters are converted first
        ("这篇文章的记者叫什么", ("记者",)),  # jieba's 篇文章 would swallow 这篇 and 文章
    ],
)
def test_domain_words_stay_whole_and_stopwords_go(tokenizer, text, terms):
    assert tokenizer.analyze(text).terms == terms


@pytest.mark.parametrize(
    ("question", "stopword"),
    [
        ("讲师团有多少名成员？", "多少"),
        ("江门有哪些长者饭堂？", "哪些"),
        ("怎么找零工市场", "怎么"),
        ("长者饭堂好吃吗", "吗"),
        ("耕地保护这块做得好", "做得好"),  # how well: it names nothing
        ("办事老碰钉子", "老"),  # always: an adverb
        ("家门口有没有就业驿站", "家门口"),
    ],
)
def test_stopwords_are_dropped_from_every_view(tokenizer, question, stopword):
    analysis = tokenizer.analyze(question)
    assert stopword not in analysis.terms
    assert stopword not in analysis.words
    assert not any(stopword in b for b in analysis.bigrams)


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("，。？！“”（）、……——《》", ()),
        ("?!.,;:()[]", ()),
        ("主题教育？！", ("主题教育",)),
        ("“零工市场+就业驿站”", ("零工市场", "就业驿站")),
    ],
)
def test_punctuation_is_dropped(tokenizer, text, terms):
    analysis = tokenizer.analyze(text)
    assert analysis.terms == terms
    assert all(any(ch.isalnum() for ch in w) for w in analysis.words)


@pytest.mark.parametrize(
    ("word", "canonical"),
    [
        ("老人家", "长者"),
        ("老百姓", "群众"),
        ("食堂", "饭堂"),
        ("宣讲团", "讲师团"),
        ("找活干", "招工信息"),
        ("带头学习", "先学一步"),  # a phrase jieba would cut in two (带头 学习)
        ("战斗力不强", "软弱涣散"),
        ("拧成一股绳", "整合"),
        ("投诉", "反映"),  # where to raise a problem (反映窗口), not a petition (信访)
        ("说理", "反映"),  # 能去哪说理: where to complain
        ("种地", "耕地"),
        ("经商氛围", "营商环境"),
        ("领学", "先学一步"),
        ("落户", "转移"),  # 吸引工厂落户: 承接产业有序转移
        ("合在一起", "整合"),
        ("下乡", "调研"),
        ("做生意", "营商环境"),
        ("转过来", "转移"),
        ("碰钉子", "办不成事"),
        ("老镇子", "古镇"),
        ("阿嬷", "长者"),  # grandma (Hokkien, Cantonese); jieba made 阿嬷想 of 我阿嬷想去
        ("形式", "方式"),  # 采取什么形式: 以…等方式进行
        ("心灵", "灵魂"),  # 对党员心灵来说: 触及灵魂
        ("触动", "触及"),
        ("上台", "上讲台"),
        ("充电", "学习"),  # 读书充电
        ("餐食", "饭堂"),
        ("长者", "长者"),  # the first word of a group stands for itself
    ],
)
def test_synonyms_map_to_the_first_word_of_their_group(tokenizer, word, canonical):
    analysis = tokenizer.analyze(word)
    assert analysis.terms == (canonical,)
    assert canonical in analysis.words
    if word != canonical:
        assert word not in analysis.words


def test_domain_words_do_not_leak_into_jiebas_global_dictionary(tokenizer):
    assert tokenizer.analyze("江门长者饭堂").terms == ("江门", "长者饭堂")  # the private one knows it
    assert "长者饭堂" not in jieba.lcut("江门长者饭堂")
    assert "百千万工程" not in jieba.lcut("百千万工程实现良好开局")
    assert "零工市场枢纽" not in jieba.lcut("建成1个市级零工市场枢纽")
    assert jieba.dt.FREQ.get("长者饭堂") is None



def test_a_two_character_synonym_jieba_barely_knows_is_cut_whole(tmp_path):
    # jieba has 变好 at frequency 3: 「变好一些」 came out 变 / 好 / 一些 and never reached 提升.
    from bot.lexicon import load_lexicon

    (tmp_path / "lexicon").mkdir()
    (tmp_path / "lexicon" / "synonyms.txt").write_text("提升 变好\n", encoding="utf-8")
    tok = Tokenizer(load_lexicon(tmp_path))
    assert "提升" in tok.analyze("治安有没有变好一些").terms
    plain = Tokenizer(load_lexicon(tmp_path / "nothing-here"))
    assert "变好" not in plain.cut("治安有没有变好一些")  # what jieba alone does


def test_degree_adverbs_are_not_content(tokenizer):
    # 「接送孩子很折腾」: 很 weighed as much as 折腾 and kept the passage below the coverage bar.
    assert tokenizer.analyze("接送孩子很折腾").terms == tokenizer.analyze("接送孩子折腾").terms
