"""The answering core: ``Engine.ask(question) -> Answer``. Pure and synchronous after start-up.

Pipeline: normalise → follow-up resolution → tokens (words + bigrams) → BM25 candidates →
coverage of the question's content words decides relevance, a fused score orders →
figures ranked by unit, kind and clause → :class:`Answer`.
"""

from __future__ import annotations

import gc
import hashlib
import heapq
import itertools
import logging
import math
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from itertools import compress, repeat
from operator import itemgetter, mul
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from bot import cache
from bot.bm25 import release_pages
from bot.config import BUNDLED_KNOWLEDGE, RetrievalConfig
from bot.faq import Faq, load_faq
from bot.figures import (
    CONFIRM_RE,
    FigureQuery,
    PreparedPassage,
    clause_at,
    extract_figures,
    figure_query,
    figure_spans,
    kind_matches,
    prepare_figures,
    rank_prepared,
    share_of,
    unit_matches,
)
from bot.index import Candidate, Channel, IndexMerger, PassageIndex, PassageTexts
from bot.knowledge import Knowledge, document_files, load_knowledge
from bot.lexicon import Lexicon, load_lexicon
from bot.models import Answer, Document, Figure, Hit, Passage
from bot.render import Info
from bot.store import KINDS, PassageList, passage_position
from bot.textnorm import has_cjk, is_cjk, normalize, strip_punct
from bot.thesaurus import Thesaurus, load_thesaurus
from bot.tokenizer import Analysis, BatchAnalyzer, BatchTokens, GeneralNames, Tokenizer, _is_punct

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500  # longer input is not a question; say so instead of ranking a novel
# A "how many" question's answer is almost surely the passage whose figure counts the asked
# noun (1.3万多个基层党组织), even when another passage shares more of the question's words.
COUNT_BONUS = 0.45
# A word weighing at least this share of the top weight is rare in general Chinese too.
RARE_SHARE = 0.65
# What a word the asker says outside the asking clause counts (see Engine._term_weights).
CONTEXT_SHARE = 0.5
# ... and what they tell of themselves before it (「我在社区党群服务中心做社工,…」) less still:
# who asks says nothing of what is asked.
ASKER_SHARE = 0.25
# The share of a named question's other words that its answer may lack (Engine._retrieve).
REST_SHARE = 0.5
# A where-question may be answered by a passage this close to the best one that names a place.
WHERE_TIER = 0.8
# A thesaurus synonym matches to this degree (the exact word: 1.0).
EXPANSION_DEGREE = 0.8
# A word a passage has only through its section's title (see _Matches._in_title_only).
TITLE_DEGREE = 0.8
# 「第二张图片」 names the passage outright: the question's other words only describe it. Above
# the 1.3 of a passage that matches every word at the top BM25 scores (the byline for 「报道…写的啥」).
PICTURED_BONUS = 1.5
# When the best-scored passage covers too little, one of the next (PROMOTE_AMONG - 1) that covers
# enough and scores at least PROMOTE_TIER of it answers instead.
# Among near-tied passages, the one with the question's words side by side answers: see
# Engine._side_by_side.
PHRASE_AMONG = 3
PHRASE_TIER = 0.8
# A word is informative from this share of the highest word weight on (below it, it is in most
# passages: 江门, 主题教育 here). Used by the rules that look at where a question's words stand.
INFORMATIVE_WEIGHT = 0.25
PHRASE_SPAN = 6  # characters from the first word's start to the last one's end (基层减负: 4)
PROMOTE_AMONG = 3
PROMOTE_TIER = 0.6
PURPOSE_BONUS = 0.3
# ... and such a passage is relevant at a lower coverage (this share of ``min_coverage``): the
# question's other words are often the asker's own (参与, 数量) rather than the article's.
COUNTED_COVERAGE = 0.6
# What makes a word of the question the knowledge's own topic, as a share of its passages.
FRAME_TOPIC_SHARE = 0.1
# Words that frame a question (what it means) rather than name what it is about.
_FRAME_WORDS = ("意义", "意味着", "意味")
_AGENT_SUFFIXES = "员者"  # 网格员, 管理员, 志愿者: a person who does or belongs to the word before
CANDIDATES = 30  # per channel, before coverage reranking
PASSAGE_MEMO = 8192  # passages whose derived data (figures, normalised text …) are kept
TERM_MEMO = 65536  # question words whose derived data (weight, name …) are kept
SMALL_KNOWLEDGE = 256  # up to this many passages, which passages have a word is kept per word
# From this many passages (a start already takes a tenth of a second) the thesaurus is indexed
# at its first use: a big knowledge's questions meet many words it lacks, and each scan for one
# costs ~0.5 ms (Thesaurus.SCANS_BEFORE_INDEX of them before it indexes itself).
THESAURUS_INDEX_PASSAGES = 20_000

_GREETING_RE = re.compile(
    r"^(你好|您好|你们好|大家好|hi|hello|hey|嗨|哈喽|哈啰|在吗|在不在|早|早上好|早安|中午好|下午好|晚上好|晚安|"
    r"谢谢|谢谢你|多谢|感谢|thanks|thank you|thx|再见|拜拜|bye|ok|好的|嗯|哦)[\s!.~,。!~、]*$"
)
# "那县级的呢?", "那么鹤山呢", "还有县级的吗": a short question leaning on the previous one.
_FOLLOWUP_RE = re.compile(r"^(?:那|那么|还有|另外|而|再问一下)?\s*(?P<core>.{1,12}?)\s*(?:的)?\s*(?:呢|吗|怎么样|咋样|如何)\s*[?]*$")
_FOLLOWUP_START_RE = re.compile(r"^(?:那|那么|还有|另外)")
# A-not-A questions (方不方便, 快不快, 靠不靠谱, 有没有) ask yes or no about A-B: jieba cuts them
# into junk (办公证方不方便 → 办公/证方/不/方便), so they are read as the word itself. 多不多 stays:
# it asks how many.
_A_NOT_A_RE = re.compile(r"(?!多)([\u4e00-\u9fff])[不没]\1")


def _a_not_a(m: re.Match[str]) -> str:
    # 有没有 asks whether there is what follows (有没有变好 → 有 变好): 有 is a word of its own,
    # not the first character of one (方不方便 → 方便).
    return "有 " if m.group(1) == "有" else m.group(1)


# 「…项目叫什么」, 「…的名字」: the question asks for a name (not 是谁, which asks for a person).
_NAMING_RE = re.compile(r"叫什么|叫啥|什么名字|啥名字|名称是|叫做什么")
# 「要不要分成几个阶段」, 「是不是有几个」: a yes-no question before the count word.
_YES_NO_RE = re.compile(r"(?:要不要|是不是|会不会|该不该|需不需要|用不用)[^,?!。]{0,8}?(?:几|多少)")
# 「过年前想打几天短工,上哪找活」: 几 after 想 + a verb is "a few", what the asker wants, not a count.
_WANT_A_FEW_RE = re.compile(r"想(?!知道|问问?有)[\u4e00-\u9fff]{1,2}几(?![?？]|$)")
# 「老人们」: a two-character word before the plural 们 (see Engine._plural).
_PLURAL_RE = re.compile(r"([\u4e00-\u9fff]{2})们")
_PLURAL_MIN_FREQ = 100
# (_TRAILER_RE drops the other particles at the end; 呢 stays, it marks a follow-up.)
_PARTICLE_RE = re.compile(r"(?<=[\u4e00-\u9fff])(吗)(?=[\s?!,。.]|$)")
# Details people ask of a place or service that a report may not give (as the tokenizer's
# canonical forms: see Engine._details).
DETAIL_WORDS = (
    "电话 联系电话 联系方式 手机号 号码 热线 地址 网址 邮箱 微信 公众号 营业时间 开放时间 开门时间 "
    "门票 票价 工资 薪资 薪水 工钱 日薪 时薪 学费 房租 邮编 品种 树种 "
    "卡 办卡 饭卡 就餐卡 会员卡 补贴 补助 津贴 公交 公交车 公车 巴士 地铁 班车 小程序 app"
).split()
# How to sign up (「要先去哪里登记」) is a detail too, when that is what is asked; beside a
# figure it is what the asker doubts (「网格员是不是只登记不办事?办结率有多少」).
PROCEDURE_WORDS = "登记 预约 报名 申请".split()
# A message's clauses; the ones that ask (a question word, or ending in ?) and the ones that
# tell (context: who asks, what they remember).
_CLAUSE_RE = re.compile(r"(?<=[,;:。!?…])")
_SPACE_COMMA_RE = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
_BACKREF_RE = re.compile(r"那里|那边|那儿|这里|这边|这事|这件事|此事|这个事|(?<!其)[他她]")
_SELF_RE = re.compile(r"\s*(?:我|俺)(?:是|在|们是|们在|家|妈|爸|奶奶|爷爷|外婆|外公|姥姥|儿子|女儿|孩子|老公|老婆)")
_ASKER_RE = re.compile(r"我|咱|俺|听说|据说|记得|听人说|问一句|问一下|问问")
# 「…党员人数是多少来着,二十来万?」: a clause that is only the asker's guess at the figure
# (a number, 来/多/左右, a unit, a particle) tells; its question mark asks nothing new.
_GUESS_CLAUSE_RE = re.compile(
    r"^\s*(?:是|有|大概|大约|差不多|好像|应该)?[0-9.零〇一二两三四五六七八九十百千万亿]+"
    r"(?:来|多|余|左右|上下|出头)?[万亿]?[个名人家项次件户元块场所]?(?:左右|上下)?(?:吧|吗|啊|呀|嘛|吧吗)?[,;。!?…]*\s*$"
)
# Words without which a clause asks no figure (a cheap test before figure_query).
_FIGURE_CUE_RE = re.compile(r"多少|几|比例|占比|百分|率|比重|哪一?年|哪一?天|年份|什么时候|何时|时间|第|排名|名次|价|费|贵|便宜|场次|人数|户数|次数|数量|总数")
_WH_RE = re.compile(r"多少|几|什么|啥|谁|哪|怎|如何|何时|为何|咋")
_QUESTION_CUE_RE = re.compile(r"多少|(?<![好这那])几(?!乎)|什么|啥|谁|哪|怎|吗|呢|么|如何|是否|有没有|为何|咋|\?\s*$")
_WHEN_RE = re.compile(r"哪一?年|哪一?天|什么时候|何时|几号|哪个月|几月份?|几时|什么时间|哪一日")
# A level of government or rank, as an answer to 哪级 (a rewrite of 哪一级, 什么级别 …).
_LEVEL_RE = re.compile(r"[省市县区镇乡村处厅局部科]级")
# Time said without a date: 「即将建成通车」 answers 「什么时候通车」, not 「哪一天」 or 「具体…」.
_LOOSE_WHEN_RE = re.compile(r"^(?!.*具体).*(?:什么时候|啥时候|何时|几时)")
_RELATIVE_WHEN = r"(?:第一时间|即将|已经|已于|已|正在|将于|将在|年底前|年内|近日|日前|目前|今年|明年|去年)"
_EVENT_SKIP = frozenset({"是", "才", "会", "要", "能", "就", "将", "被", "开始", "正式", "可以", "能够", " "})
_WHERE_TO_TURN = re.compile(r"[找去到向问跟](?:哪里|哪儿|什么地方|哪个地方|何处)(?!玩|旅游|游)")
_WHERE_CUE = re.compile(r"在哪|哪里|哪儿|什么地方|何处|何地|哪个地方|位于哪|[在于到][^,。?!]{0,4}?哪(?:个|一个|座|条)?(?:镇|街道|村|县|区|省|城市|路|街)")
# 「是哪里的负责人」: which place's 负责人 — the thing placed follows the question word.
_WHERE_WHOSE_RE = re.compile(r"(?:哪里|哪儿|什么地方|哪个地方)的([\u4e00-\u9fff]{2,})")
# 「建在江门哪个镇」 asks for a place of that kind: the answer names one (北陡镇), not any place.
# Not 「哪个县市入选了…」: which one, named as it may be (开平), not where.
_WHERE_KIND = re.compile(r"[在于到][^,。?!]{0,4}?哪(?:个|一个|座|条)?(镇|街道|村|县|区|省|城市|路|街)")
# The endings of a place of the kind asked, where they are not the kind itself.
_PLACE_ENDINGS = {"城市": ("市",), "路": ("路", "大道", "街"), "街": ("街", "路", "大道")}
# 「意义在哪」, 「好处体现在哪里」: where an abstract thing lies is what it is, not a place.
_WHERE_ABSTRACT = re.compile(
    r"(?:意义|作用|好处|价值|原因|区别|不同|差别|特点|特色|亮点|难点|关键|优势|差距|必要性|意思|目的|初衷|根源|症结|短板|不足|秘诀|成效|效果)"
    r"(?:究竟|到底|主要|又|都)?(?:体现|表现)?在(?:哪|什么地方)"
    # 「政治素质提升体现在哪」: in what respects, whatever is said to show
    r"|(?:体现|表现|反映)在(?:哪|什么地方)"
)
# 「这篇文章讲了什么」, 「报道主要内容是啥」: the whole question asks for the article's gist.
_SUMMARY_RE = re.compile(
    r"(?:(?:这|那|本|该)?(?:篇|份)?(?:文章|报道|新闻|稿子|全文|本文)(?:里|中)?(?:主要|大概|大致|都|到底|究竟)?"
    r"(?:讲|说|写|介绍|报道|谈)(?:了|的)?(?:是)?(?:些)?(?:什么|啥|哪些)(?:内容|事情?|东西)?"
    r"|(?:(?:这|那|本|该)?(?:篇|份)?(?:文章|报道|新闻|稿子|全文|本文)的?)?(?:主要内容|内容|大意|主旨|要点)(?:是|有)?(?:什么|啥|哪些)?)"
    r"(?:呀|啊|呢|哦)?"
)
# 是/在/叫 as the verb of a claim (not 要是, 但是, 现在, 正在 …).
_COPULA_RE = re.compile(r"(?<![要若可但还就总真于凡只老不硬倒])是|(?<![正现实所存自好])在(?!于)|叫")
# Words that ask about a kind of passage rather than a topic.
_KIND_CUES = (
    ("caption", re.compile(r"图片|照片|配图|图里|图中|图上|这张图|哪张图|摄影|拍的|拍摄")),
    ("heading", re.compile(r"标题|章节|提纲|大纲|目录|几(?:个|大)?部分|哪些部分")),
    ("byline", re.compile(r"记者|作者|谁写|撰稿|稿子|实习生|署名")),
)
# 「为什么要开展主题教育」, 「有什么意义」: a question of purpose, answered by a passage that states
# one (…的重大举措, 一次…的精神洗礼), whatever else it shares with the question.
_PURPOSE_Q_RE = re.compile(r"为什么|为何|为啥|干嘛要|意义|目的|意味着|初衷|图什么|有什么用|有啥用")
# A question about results (有没有效果, 改善了吗) rewards a passage that states them (取得了明显
# 成效, 得到进一步提升).
_RESULT_Q_RE = re.compile(r"效果|成效|改善|好转|见效|管用|有用|减下来|减轻了|轻松|变化|怎么样了|搞了没|有没有[^,?]{0,6}(?:减|少|好|改)")
_RESULT_P_RE = re.compile(r"取得了?[^,。;]{0,6}成效|成效明显|明显成效|显著成效|成效显著|得到[^,。;]{0,4}(?:改善|提升|增强|提高)|不断增强|持续提升")
_ENUM_Q_RE = re.compile(
    r"(?:\d+|[两三四五六七八九十]+)(?:个|项|所|家|条|大)(?P<what>[\u4e00-\u9fff]{1,10}?)"
    r"(?:(?:分别|都|具体|各自)(?:是|叫|在|有)?(?:哪|什么|啥)|(?:是|有)(?:哪些|哪几))"
)
# A list of three or more named items (目标导向、需求导向、问题导向、实践导向).
_LIST_RE = re.compile(r"(?:[^、,。;!?\d]{1,14}、){2,}[^、,。;!?\d]{1,14}")
_PURPOSE_P_RE = re.compile(r"意义|重大举措|洗礼|淬炼|旨在|目的在于|(?<!作)为了")
# 「江门接下来打算往哪个方向走」, 「今后的奋斗目标」: a question about what comes next, answered by a
# passage that says what will be done (…将巩固拓展主题教育成果), not by one that reports.
_FUTURE_Q_RE = re.compile(r"接下来|今后|往后|以后|下一步|将来|未来|打算|计划怎么")
_FUTURE_P_RE = re.compile(r"(?<![即必])将(?![近军])|下一步|今后|未来")
# 「市长是谁」, 「主任叫什么名字」: a question about who holds a post.
# A money question about an investment (投了多少钱, 投资多少, 投入了多少).
_INVEST_RE = re.compile(r"投(?:了|资|入|进去|进)")
# 「除了吴晓晖还有谁」: who else, besides the one named.
_WHO_ELSE_RE = re.compile(r"除了?(\w{2,4}?)(?:以外|之外)?[,，]?(?:还有|另外还有|还)(?:谁|哪位|哪些人|什么人|别人)")
_WHO_RE = re.compile(r"(?:的)?(?:是谁|是哪一?位(?:同志|领导)?|是哪个人|叫什么名字|叫啥(?:名字?)?|叫什么)\s*[?!。]*\s*$")
# 「2022年」: a year asked about.
_YEAR_RE = re.compile(r"((?:19|20)\d\d)\s*年")
# 「省委的具体部署是哪个数字」, 「代号是哪几个数字」: the answer is a quoted code (“1310”,
# “1+6+3”), a name made of digits that figure extraction rightly leaves out (it counts nothing).
_CODE_Q_RE = re.compile(r"代号|编号|(?:哪个|哪几个|什么|啥|哪些)数字|数字是")
_CODE_P_RE = re.compile(r"[“「\"](\d+(?:[+\-]\d+)*)[”」\"]")
# A name the asker quotes (“五个一工程”, 「青苗工程」): it is asked as written.
_QUOTED_RE = re.compile(r"[“「『\"]([^“”「」『』\"]{2,12})[”」』\"]")
# How words for kinds of people end (党员, 华侨华人, 侨胞, 学生, 游客, 老年人, 志愿者…).
_PEOPLE_ENDINGS = frozenset("员人者胞侨民工生客士师长友众属辈孩童娃女男")
_NUMERAL_CHARS = frozenset("一二两三四五六七八九十百千万0123456789")
_PLACE_SUFFIXES = frozenset("省市区县镇乡村州")
_DETERMINERS = frozenset("这那哪一二两三四五六七八九十几每某各第该本此")
_NAME_MIN_FREQ = 20  # jieba's name tags below this frequency are noise (太旧 3 ns)
# The commonest Chinese surnames (about 85% of people): a word jieba does not know that starts
# with one is likely a person's name.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# 「第二张图片」, 「最后一幅照片」: a caption named by its position.
_NTH_PICTURE_RE = re.compile(
    # 「第一张图片」, 「最后一张照片」, and with a few words between: 「第一张种树那个照片」.
    r"(?:第\s*(?P<n>[一二三四五六七八九十两百千\d]{1,4})|(?P<last>最后|末)\s*一?)\s*"
    r"(?:(?:张|幅)[^,?!。\s]{0,8}?|个)?\s*(?:图片|照片|配图|相片|图)"
)
# 「第一部分」, 「最后一部分」, 「中间那部分」, 「B部分」: a section named by its position.
_NTH_SECTION_RE = re.compile(
    r"(?:第\s*(?P<n>[一二三四五六七八九十两百千\d]{1,5})\s*(?:个|大)?|(?P<last>最后|末尾|结尾)\s*(?:那|的)?\s*一?\s*个?"
    r"|(?P<first>开头|开篇|最前面)\s*(?:那|的)?\s*一?\s*个?|(?P<mid>中间)\s*(?:那|的)?\s*一?\s*个?"
    r"|(?<![A-Za-z])(?P<letter>[A-Ha-h])\s*)(?:部分|章节|章|板块)"
)
# 「报道结尾说了什么」, 「文章最后一段」: the document's closing paragraph.
_DOC_END_RE = re.compile(
    r"(?:文章|报道|全文|稿子|新闻|这篇|文中)[^,?!。]{0,3}?(?:结尾|末尾|最后一段|结束语|结语|收尾)"
    r"|(?:结尾|末尾|最后一段)(?:处|那段|部分)?(?:说|讲|写|提|对)"
)
_CLOSING_DOCS = 50
# A position in a follow-up (「那第三部分呢」, 「最后一张呢」).
_ORDINAL_POS_RE = re.compile(r"第\s*[一二三四五六七八九十两百千\d]{1,5}|(?:最后|末尾|末)\s*一?")
# 「文章分几个部分」, 「有哪几部分」, 「提纲」: every section's heading is the answer.
_OUTLINE_RE = re.compile(r"几(?:个|大)?部分|哪些部分|提纲|大纲|目录|小标题(?:都|分别)?(?:是|有)(?:什么|啥|哪些)")
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


# A polite opening says nothing about what is asked: 「请问一下，我想了解…」.
# 问, 麻烦, 请教, 打听 open other words too (问题, 麻烦事, 请教育局): as an opening they need 一下
# or a pause after them.
_PREAMBLE_RE = re.compile(
    r"^(?:(?:(?:你好|您好|请问|麻烦问|劳驾|想问问|想问|我想了解|想了解|我想知道|想知道|我想问|我想请教)(?:一下|下)?"
    r"|(?:麻烦|请教|打听|问)(?:一下|下|(?=[,、:!\s])))[,、:!\s]*)+"
)
# The same opening after the asker has said who they are: 「我在社区做社工,想了解一下…」.
_MID_PREAMBLE_RE = re.compile(r"(?<=[,;。!?])\s*(?:请问|我?想了解|我?想知道|我?想问问?)(?:一下|下)?")
# What follows the question proper: thanks, modal particles, emoji (「…是多少啊？谢谢🙏」). A 呢
# stays (「那县级的呢」 marks a follow-up) unless it follows a question word (是谁呢).
_TRAILER_RE = re.compile(
    r"(?:[\s,、!~。.…]*(?:谢谢你?|多谢|感谢|谢啦|辛苦了|麻烦了|拜托了?|thanks|thank you|thx"
    r"|[啊呀吧嘛啦哦喔嘞咧呐哇噢哈]+|(?<=[谁少么里儿几样啥哪])呢|[^\w\s?!,。、~.…()（）%]+))+"
    r"(?=[\s?!。.~…]*$)"
)
_CN_NUMERAL_RE = re.compile(
    # A year in characters (二〇二三年), or a number with 十/百/千/万 before a measure word or
    # 多/余 (一百一十四家, 七十多, 二十二万名). Not after 第 (ordinals: 第十四次党代会 is written so)
    # and not a lone character (一把手, 三会一课, 四下基层 are names, not numbers).
    r"(?<![第\d])([〇零一二三四五六七八九]{4})(?=年)"
    r"|(?<![第\d一二三四五六七八九十百千万两零〇])"
    r"([一二三四五六七八九两]?十[一二三四五六七八九]?(?![十百千])|[一二三四五六七八九两][百千][一二三四五六七八九十两百千零〇]*"
    r"|[一二三四五六七八九十两]+[万亿])"
    r"(?=[万亿]?(?:多|余|来)?[个名项家场次所件户位处条批间套座期届种年岁元块天人餐公里]|多|余)"
)
_YEAR_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")


def _cn_int(text: str) -> int:
    """「一百一十四」 → 114, 「七十」 → 70, 「两千」 → 2000 (up to 9999)."""
    total = num = 0
    for ch in text:
        if ch in _CN_DIGITS:
            num = _CN_DIGITS[ch]
        elif ch in "零〇":
            num = 0
        else:
            total += (num or (1 if ch == "十" else 0)) * {"十": 10, "百": 100, "千": 1000}[ch]
            num = 0
    return total + num


def digits_for_numerals(text: str) -> str:
    """Numbers written in characters, as digits (see ``_CN_NUMERAL_RE``); 万 and 亿 stay (二十二万 → 22万)."""

    def repl(m: re.Match[str]) -> str:
        if m.group(1):
            return m.group(1).translate(_YEAR_DIGITS)
        word = m.group(2)
        big = word[-1] if word[-1] in "万亿" else ""
        head = word[:-1] if big else word
        return f"{_cn_int(head)}{big}" if head else word

    return _CN_NUMERAL_RE.sub(repl, text) if _HAS_CN_NUMERAL.search(text) else text


_CN_MONEY_RE = re.compile(r"(?<![\d一二两三四五六七八九十百千万])([一二两三四五六七八九])(?=块钱|元)")
_HAS_CN_NUMERAL = re.compile(r"[十百千〇]|[一二三四五六七八九两][万亿]|[零一二三四五六七八九]{4}年")


def _small_number(text: str) -> int:
    """「3」, 「三」, 「十二」 → 3, 3, 12; 0 for anything else."""
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if text.startswith("十") and len(text) == 2:
        return 10 + _CN_DIGITS.get(text[1], -10)
    if len(text) == 1:
        return _CN_DIGITS.get(text, 0)
    if len(text) == 2 and text[1] == "十":
        return 10 * _CN_DIGITS.get(text[0], 0)
    if len(text) == 3 and text[1] == "十":
        return 10 * _CN_DIGITS.get(text[0], 0) + _CN_DIGITS.get(text[2], 0)
    return 0


# Counters people swap freely ("多少个长者饭堂" for 114家): no hard requirement on these.
# 人 is not among them: 「多少人」 wants people (名, 位, 人次), not 530次 or 9万多件.
# What a money question may call the money without the text saying it (多少钱 → 5元).
_MONEY_WORDS = {"钱", "元", "块", "块钱", "费用", "价格", "价钱", "金额", "数目", "数字", "数"}
_LOOSE_UNITS = {"个", "项", "家", "名", "所", "次", "件", "场", "位", "户", "处", "条", "种"}
_ASCII_WORD_RE = re.compile(r"[a-z][a-z\-]{1,}")
_TOTAL_CUE = re.compile(r"一共|总共|总数|共有|合计|总计|总量|全部|累计|现在|目前|如今|截至|现有|多不多")
_NEW_CUE = re.compile(r"新增|新建|新开|增加了|多了|多开|多建|多出")


class _Scored(NamedTuple):
    doc: int
    fused: float
    coverage: float
    matched: tuple[str, ...]
    word_score: float
    bigram_score: float


class Engine:
    """Answers questions over one knowledge folder."""

    def __init__(
        self,
        knowledge: Knowledge,
        lexicon: Lexicon,
        tokenizer: Tokenizer,
        index: PassageIndex,
        settings: RetrievalConfig,
        faq: Faq | None = None,
        fingerprint: str = "",
        lexicon_root: Path | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.lexicon = lexicon
        # Where an operator's lexicon/thesaurus.txt would be (the knowledge folder).
        self.lexicon_root = lexicon_root
        self.tokenizer = tokenizer
        self.index = index
        self.settings = settings
        self.faq = faq or Faq(())
        self.fingerprint = fingerprint
        # Per-passage derived data, computed on first use. Bounded: a million passages would not
        # fit, and the passages a bot is asked about are few.
        self._norm_texts: _Memo[int, str] = _Memo(PASSAGE_MEMO)
        self._figures: _Memo[int, list[Figure]] = _Memo(PASSAGE_MEMO)
        self._figure_spans: _Memo[int, list[tuple[int, str, str, str]]] = _Memo(PASSAGE_MEMO)
        self._prepared: _Memo[int, PreparedPassage] = _Memo(PASSAGE_MEMO)
        self._facts: _Memo[tuple, _Memo[int, bool]] = _Memo(1024)
        self._places: _Memo[int, tuple[str, ...]] = _Memo(PASSAGE_MEMO)
        # Per question word (one memo per fact: no key tuple to build per look-up).
        self._expansion_memo: _Memo[str, tuple[str, ...]] = _Memo(TERM_MEMO)
        self._junk_memo: _Memo[str, bool] = _Memo(TERM_MEMO)
        self._weight_memo: _Memo[str, float] = _Memo(TERM_MEMO)
        self._foreign_memo: _Memo[str, bool] = _Memo(TERM_MEMO)
        self._names_memo: dict[str, bool] = {}  # term -> _is_name
        self._all_matches: _Matches | None = None
        self._captions: list[list[int]] | None = None  # caption passages per document, in order
        self._headings: list[list[int]] | None = None  # heading passages per document, in order
        self._has_headings = any(d.sections for d in knowledge.documents)
        self._closing: frozenset[int] | None = None  # see _closing_paragraphs
        self._rewrite_table = dict(lexicon.rewrites)
        # One pass over a question, longest form first (幾多錢 before 幾多).
        self._rewrite_re = re.compile("|".join(re.escape(k) for k, _ in lexicon.rewrites)) if lexicon.rewrites else None
        self._thesaurus: Thesaurus | None = None  # loaded at the first word that needs it
        self._tags = {e.word: e.tag for e in lexicon.entries if e.tag}
        self._domain_words = frozenset(self.tokenizer.canonical(e.word) for e in lexicon.entries)
        self.names = GeneralNames()
        self._frame_words = frozenset(self.tokenizer.canonical(w) for w in _FRAME_WORDS)
        self._resident = _ResidentBudget.of(self)
        # Each passage's kind, asked for every candidate: from the saved column, without making
        # the Passage, when the passages are saved ones.
        passages = knowledge.passages
        self._kind_of: Callable[[int], str] = (
            passages.kind if isinstance(passages, PassageList) else [p.kind for p in passages].__getitem__
        )
        self._details = frozenset(self.tokenizer.canonical(w) for w in DETAIL_WORDS)
        self._procedures = frozenset(self.tokenizer.canonical(w) for w in PROCEDURE_WORDS)

    # ----------------------------------------------------------------- building
    @classmethod
    def build(
        cls,
        knowledge_path: str | Path,
        settings: RetrievalConfig | None = None,
        *,
        cache_dir: Path | None = None,
        progress: Callable[[int, int, int], None] | None = None,
    ) -> Engine:
        """Load documents and word lists from ``knowledge_path`` and index them.

        With ``cache_dir`` the index is loaded from there when the documents and word lists
        are unchanged, and saved there after a build. ``progress(done, total, chars)`` is called
        while passages are tokenized, and ``progress.reading(done, total)``, if it has that
        method, after each document is read.
        """
        with _gc_paused():
            return cls._build(Path(knowledge_path).resolve(), settings, cache_dir, progress)

    @classmethod
    def _build(
        cls,
        root: Path,
        settings: RetrievalConfig | None,
        cache_dir: Path | None,
        progress: Callable[[int, int, int], None] | None,
    ) -> Engine:
        files = document_files(root)
        lex_root = root if root.is_dir() else root.parent
        lexicon = load_lexicon(lex_root, fallback_dir=BUNDLED_KNOWLEDGE)
        key = ""
        if cache_dir is not None:
            # One sub-folder per knowledge folder, so two bots sharing a cache never evict each other.
            cache_dir = cache_dir / hashlib.sha256(str(root).encode()).hexdigest()[:12]
            key = cache.cache_key([*files, *lexicon.files])
        # Big knowledge that is not saved yet will be indexed by worker processes: start them
        # now, so that their start-up (~2 s) overlaps reading and parsing the documents.
        pool = None
        workers = _cpu_count()
        if workers > 1 and (cache_dir is None or not cache.has(cache_dir, key)) and _document_bytes(files) >= PARALLEL_MIN_BYTES:
            try:
                pool = _start_pool(lexicon, workers)
            except OSError:
                pass  # build_index tries again, and says why it goes on in one process
        try:
            knowledge = None
            fingerprint = ""
            saved = None
            if cache_dir is not None and pool is None and cache.has(cache_dir, key):
                # Saved: the parsed documents and passages too (made into objects on demand).
                saved = cache.load_saved(cache_dir, key, files)
                if saved.knowledge is not None:
                    knowledge, fingerprint = saved.knowledge
            if knowledge is None:
                # A progress object may also report reading (a million passages take seconds to parse).
                knowledge = load_knowledge(root, getattr(progress, "reading", None))
            faq = load_faq(lex_root, knowledge)
            tokenizer = Tokenizer(lexicon)
            tokenizer.initialize()
            index = None
            if saved is not None:
                loaded, texts = saved.channels, saved.texts
                if loaded is not None and len(loaded[0]) == len(loaded[1]) == len(knowledge.passages):
                    if texts is not None and len(texts) != len(knowledge.passages):
                        texts = None
                    index = PassageIndex(Channel([], loaded[0]), Channel([], loaded[1]), texts)
                    log.info("index loaded from %s", cache_dir)
                    if not fingerprint:  # parsed: the saved passages were missing or damaged
                        fingerprint = _fingerprint(knowledge)
                        cache.save_knowledge(cache_dir, key, knowledge, fingerprint)
            if index is None:
                index = build_index(tokenizer, knowledge.passages, progress, pool=pool)
                pool = None  # build_index shut it down
                if cache_dir is not None:
                    fingerprint = fingerprint or _fingerprint(knowledge)
                    cache.save(cache_dir, key, index.words.bm25, index.bigrams.bm25, index.texts, (knowledge, fingerprint))
        finally:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
        return cls(
            knowledge,
            lexicon,
            tokenizer,
            index,
            settings or RetrievalConfig(),
            faq,
            fingerprint or _fingerprint(knowledge),
            lex_root,
        )

    # ----------------------------------------------------------------- accessors
    @property
    def passages(self) -> tuple[Passage, ...]:
        return self.knowledge.passages

    @property
    def documents(self) -> tuple[Document, ...]:
        return self.knowledge.documents

    @property
    def paragraph_count(self) -> int:
        """How many passages are text (段文字): all but the sections' headings."""
        return len(self.knowledge.passages) - sum(len(d.sections) for d in self.knowledge.documents)

    def passage_index(self, passage_id: str) -> int | None:
        """The position of a passage (stable while the knowledge does not change)."""
        return passage_position(self.knowledge.passages, passage_id)

    def figures_of(self, i: int) -> list[Figure]:
        figs = self._figures.get(i)
        if figs is None:
            p = self.knowledge.passages[i]
            figs = self._figures.put(i, extract_figures(p.text, p.id))
        return figs

    def _corpus_matches(self) -> _Matches | None:
        """For small knowledge, one matcher over every passage, kept between questions."""
        if self._all_matches is None and len(self.knowledge.passages) <= SMALL_KNOWLEDGE:
            self._all_matches = _Matches(self, range(len(self.knowledge.passages)), corpus_wide=True)
        return self._all_matches

    def _kind_figure_about(self, doc: int, fq: FigureQuery, words: list[str]) -> bool:
        """Whether a figure of the asked kind is about one of ``words`` (in its clause). No
        informative word at all (``words`` empty) asks nothing more."""
        return any(
            kind_matches(fq.kind, f.figure.kind, f.figure.value) and any(w in f.clause for w in words)
            for f in self._prepared_figures(doc).figures
        )

    def _invests(self, doc: int) -> bool:
        """Whether a money figure of the passage is an investment (投资, 投入 in its clause)."""
        return any(f.figure.kind == "money" and "投" in f.clause for f in self._prepared_figures(doc).figures)

    def _prepared_figures(self, i: int) -> PreparedPassage:
        prep = self._prepared.get(i)
        if prep is None:
            p = self.knowledge.passages[i]
            prep = self._prepared.put(i, prepare_figures(p.text, p.id, normalize))
        return prep

    def key_figures(self) -> list[Figure]:
        """Every figure of every passage, in reading order (for /figures)."""
        out: list[Figure] = []
        for i in range(len(self.knowledge.passages)):
            out.extend(f for f in self.figures_of(i) if f.kind not in ("date", "year"))
        return out

    def examples(self, n: int = 4) -> list[str]:
        """Example questions from the documents' front matter (``examples:``)."""
        out: list[str] = []
        for doc in self.knowledge.documents:
            ex = doc.meta.get("examples") or []
            if isinstance(ex, list):
                out.extend(str(e) for e in ex if isinstance(e, (str, int)))
        return out[:n]

    def info(self) -> Info:
        """Titles, example questions and section names, for greetings and non-answers."""
        sections: list[str] = []
        for doc in self.knowledge.documents:
            sections.extend(s.title for s in doc.sections)
        return Info(
            tuple(d.title for d in self.knowledge.documents),
            tuple(self.examples()),
            tuple(dict.fromkeys(sections)),
        )

    def _norm_text(self, i: int) -> str:
        text = self._norm_texts.get(i)
        if text is None:
            saved = self.index.texts
            if saved is not None:
                text = self._norm_texts.put(i, saved[i])
            else:
                text = self._norm_texts.put(
                    i, normalize(passage_document_text(self.knowledge.passages[i], self.tokenizer.lexicon.glossary))
                )
        return text

    # ----------------------------------------------------------------- asking
    def resolve_followup(self, question: str, previous: str | None) -> str:
        """Rewrite "那县级的呢?" after "市级零工市场枢纽有几个?" into a full question."""
        if not previous:
            return question
        q = self.normalize_question(question)
        m = _FOLLOWUP_RE.match(q)
        if not _marked_followup(q) or (not m and len(q) > 12):
            return question
        core = (m.group("core") if m else _FOLLOWUP_START_RE.sub("", q)).strip(" ?")
        prev = self.normalize_question(previous)
        position = _ORDINAL_POS_RE.search(core)
        if position:
            # 「第一部分的副标题是什么」 → 「那第三部分呢」, 「第一张图片…」 → 「那第二张呢」: the
            # new position takes the old one's place.
            for named in (_NTH_SECTION_RE, _NTH_PICTURE_RE):
                old = named.search(prev)
                if old:
                    part = _ORDINAL_POS_RE.sub(position.group(), old.group(), count=1)
                    return prev[: old.start()] + part + prev[old.end() :]
            if _NTH_SECTION_RE.search(core) or _NTH_PICTURE_RE.search(core):
                return question  # 「第二部分呢」 after another question names its own passage
        # Surface words (before synonyms): 县级 replaces 市级 as written in the question.
        new_terms = list(self.tokenizer.analyze(core, normalized=True).surface)
        if not new_terms:
            return question
        prev_terms = list(dict.fromkeys(self.tokenizer.analyze(prev, normalized=True).surface))
        # Does the follow-up stand alone? Then it is a new question, not a follow-up.
        if len(core) > 6 and self._retrieve(self.tokenizer.analyze(q, normalized=True), needed=1)[0]:
            return question
        out = prev
        for term in new_terms:
            target = self._counterpart(term, prev_terms)
            if target and target in out:
                out = out.replace(target, term, 1)
            elif term not in out:
                # In front: after the question it would read as an aside (see _term_weights).
                out = f"{term} {out}"
        return out

    def is_followup(self, question: str) -> bool:
        """Whether ``question`` says it follows on from the previous one; when it does not,
        ``ask(question, previous)`` is ``ask(question)`` whatever ``previous`` was."""
        return _marked_followup(self.normalize_question(question))

    def _answerable(self, question: str) -> bool:
        qnorm = self.normalize_question(question)
        return self._retrieve(self.tokenizer.analyze(qnorm, normalized=True), figure_query(qnorm), qnorm, needed=1)[0]

    def _counterpart(self, term: str, prev_terms: Sequence[str]) -> str | None:
        """The previous question's term that ``term`` replaces: same suffix (市级/县级) or same tag."""
        for t in prev_terms:
            if t != term and len(t) >= 2 and len(term) >= 2 and t[-1] == term[-1]:
                return t
        tag = self._tags.get(term)
        if tag:
            for t in prev_terms:
                if t != term and self._tags.get(t) == tag:
                    return t
        return None

    def normalize_question(self, text: str) -> str:
        """``normalize``, then the lexicon's rewrites (幾多 → 多少, 邊度 → 哪里, 咗 → 了): many
        overseas readers write Cantonese. Passages are standard written Chinese and are not
        rewritten. A polite opening is dropped (请问一下, 我想了解), numbers written in characters
        become digits as the article writes them (一百一十四家 → 114家, 二〇二三年 → 2023年), and
        A-not-A forms become A (方不方便 → 方便)."""
        # 「我妈腿脚不好 家里改造有人帮忙吗」: on a phone a space between two clauses is a comma.
        norm = _SPACE_COMMA_RE.sub(",", normalize(text))
        if self._rewrite_re is not None:
            table = self._rewrite_table
            norm = self._rewrite_re.sub(lambda m: table[m.group()], norm)
        rest = _TRAILER_RE.sub("", _MID_PREAMBLE_RE.sub("", _PREAMBLE_RE.sub("", norm)))
        norm = rest if rest.strip() else norm  # 「你好」 alone is a greeting, not an empty question
        norm = _A_NOT_A_RE.sub(_a_not_a, digits_for_numerals(norm))
        if "块钱" in norm or "元" in norm:
            # 「五块钱能吃到几个菜」: a sum of money in one character is a number too (5块钱); other
            # single numerals stay (一起, 一些).
            norm = _CN_MONEY_RE.sub(lambda m: str(_CN_DIGITS[m.group(1)]), norm)
        # jieba's dictionary has question endings as words (好了吗, 妳好吗): the
        # particle is cut off so that the word before it is matched.
        norm = _PARTICLE_RE.sub(r" \1", norm)
        if "们" in norm:
            norm = _PLURAL_RE.sub(self._plural, norm)
        for word, parts in self.lexicon.phrases:
            # 「领导干部在理论学习上是怎么带头的」 asks how they 先学一步 (phrases.txt): the word
            # goes in front (after the question it would read as an aside).
            if word not in norm and all(p in norm for p in parts):
                norm = f"{word} {norm}"
        return norm

    def _plural(self, m: re.Match[str]) -> str:
        """「老人们」: jieba takes 人们 (people) and leaves 老; the plural 们 is cut off a word
        that would lose its last character to it (老人 们). 我们, 干部们 are left to jieba."""
        word = m.group(1)
        general = self.tokenizer.general_freq
        if general(word) >= _PLURAL_MIN_FREQ and general(word[-1] + "们") > 0 and general(word + "们") <= 0:
            return f"{word} 们"
        return m.group()

    def ask(self, question: str, previous: str | None = None, *, explain: bool = False) -> Answer:
        """Answer one question; ``previous`` is the last question of the same conversation."""
        try:
            return self._ask(question, previous, explain)
        finally:
            if self._resident is not None:
                self._resident.check()

    def _ask(self, question: str, previous: str | None, explain: bool) -> Answer:
        raw = question if isinstance(question, str) else str(question)
        stripped = raw.strip()
        head = stripped[: MAX_QUESTION_CHARS * 4]
        norm = self.normalize_question(head)
        if not norm:
            return Answer(raw, False, reason="empty", kind="empty")
        if len(stripped) > MAX_QUESTION_CHARS:
            return Answer(raw, False, reason=f"too long: {len(stripped)} characters (max {MAX_QUESTION_CHARS})", kind="invalid")
        # Here head == stripped (at most MAX_QUESTION_CHARS long): ``norm`` is its normal form.
        if _GREETING_RE.match(norm):
            return Answer(raw, False, reason="greeting", kind="greeting")
        effective = self.resolve_followup(stripped, previous)
        if effective != stripped and not self._answerable(effective):
            effective = stripped  # the rewrite found nothing: answer the words as asked
        qnorm = norm if effective == stripped else self.normalize_question(effective)
        # 「第三张图片」 names a caption by position (see _nth_captions): its words are not
        # content, and 第三 does not ask for an ordinal figure.
        searched = _NTH_SECTION_RE.sub(" ", _NTH_PICTURE_RE.sub(" ", qnorm))
        analysis, tokens = self.tokenizer.analyze_tokens(searched, normalized=True)
        if _SUMMARY_RE.fullmatch(qnorm.strip(" ?.!。…")):
            lead = self._lead()
            if lead is not None:
                # 「这篇文章讲了什么」 asks for the gist: the lead says it (one document only; of
                # many, 「这篇」 names none).
                scored = [_Scored(lead, 1.0, 1.0, (), 0.0, 0.0)]
                return self._answer(raw, effective, qnorm, analysis, FigureQuery(), scored, "the article's lead", explain)
        if not analysis.terms and not analysis.bigrams and searched == qnorm:
            return Answer(raw, False, reason="no content words", kind="empty", effective_question=effective)
        faq_hit = self.faq.match(qnorm)
        noun = self._asked_noun(searched)
        confirm = bool(CONFIRM_RE.search(normalize(effective)))
        fq = figure_query(self._first_figure_asked(searched), tokens, noun, confirm)
        if fq.wants_number and (_YES_NO_RE.search(normalize(head)) or _WANT_A_FEW_RE.search(qnorm)):
            # 「要不要分成几个阶段」 asks yes or no (A-not-A, read as A by now), not a count;
            # 「想打几天短工」 says what the asker wants.
            fq = replace(fq, wants_number=False, unit="")
        if faq_hit is not None:
            idx = self.passage_index(faq_hit)
            if idx is not None:
                scored = [_Scored(idx, 1.0, 1.0, tuple(analysis.terms), 0.0, 0.0)]
                return self._answer(raw, effective, qnorm, analysis, fq, scored, "faq", explain)
        needed = max(self.settings.top_k, 8) if explain else self.settings.top_k
        answered, scored, info = self._retrieve(analysis, fq, qnorm, noun, needed, confirm)
        if answered and (m := _WHO_ELSE_RE.search(qnorm)):
            answered, scored, info = self._who_else(m.group(1), scored, info)
        if answered and len(scored) > 1 and not fq.wants_number:
            # (A count question is decided by its figures, not by where its words stand.)
            scored, moved = self._side_by_side(scored, analysis)
            if moved:
                info = f"{info}; {self.knowledge.passages[scored[0].doc].id} has the question's words side by side"
        if not answered:
            ans = Answer(raw, False, reason=info, kind="question", effective_question=effective)
            if explain:
                ans = replace(ans, explain=self._explain(analysis, fq, scored, info, []))
            return ans
        return self._answer(raw, effective, qnorm, analysis, fq, scored, info, explain)

    def _informative(self, words: Iterable[str], min_len: int = 2) -> list[str]:
        """The ``words`` of ``min_len``+ characters that weigh at least ``INFORMATIVE_WEIGHT`` of
        the highest word weight."""
        floor = INFORMATIVE_WEIGHT * self.index.words.weight("\x00")
        return [t for t in words if len(t) >= min_len and self.index.words.weight(t) >= floor]

    def _who_else(self, who: str, scored: list[_Scored], info: str) -> tuple[bool, list[_Scored], str]:
        """「市委副书记除了吴晓晖还有谁」: a passage that names only 吴晓晖 does not answer; one of
        the first three that has the question's informative words as written and names someone
        else does (moved first). Returns (answered, scored, info)."""
        asked = [t for t in self._informative(scored[0].matched, min_len=1) if t not in who and who not in t]
        other = next(
            (s for s in scored[:3] if all(t in self._norm_text(s.doc) for t in asked) and self._names_someone_else(s.doc, who)),
            None,
        )
        if other is None:
            return False, scored, f"asks who else besides {who}; no passage near the top names anyone else"
        return True, [other, *[s for s in scored if s is not other]], info

    def _side_by_side(self, scored: list[_Scored], analysis: Analysis) -> tuple[list[_Scored], bool]:
        """Of near-tied passages with the best one's words, the one where its informative words
        stand side by side (a phrase: 「为基层减负取得了明显成效」 for 「基层的负担有没有减轻」)
        answers, not the one that repeats them apart (「机制减负赋能…党建引领基层治理」).

        BM25 rewards repetition; the words of a question standing together are the stronger
        sign. A passage moves up when more of those words stand within PHRASE_SPAN characters
        of each other in it than in the best one. Only informative words of 2+ characters count
        (江门, 主题教育 are everywhere here; 建 is part of everything), and only among the next
        PHRASE_AMONG - 1 passages scoring at least PHRASE_TIER of the best."""
        best = scored[0]
        words = self._informative(best.matched)
        if len(words) < 2:
            return scored, False
        among = [s for s in scored[1:PHRASE_AMONG] if s.fused >= PHRASE_TIER * best.fused and set(best.matched) <= set(s.matched)]
        if not among:
            return scored, False
        pieces = _pieces(analysis)
        forms = [[w, *pieces.get(w, ())] for w in words]
        together = {s.doc: _together(self._norm_text(s.doc), forms, PHRASE_SPAN) for s in [best, *among]}
        winner = max(among, key=lambda s: together[s.doc])
        if together[winner.doc] > max(1, together[best.doc]):
            return [winner, *[s for s in scored if s is not winner]], True
        return scored, False

    def _answer(
        self,
        raw: str,
        effective: str,
        qnorm: str,
        analysis: Analysis,
        fq: FigureQuery,
        scored: list[_Scored],
        info: str,
        explain: bool,
    ) -> Answer:
        top = scored[: self.settings.top_k]
        hits = tuple(
            Hit(self.knowledge.passages[s.doc], s.fused, s.matched, s.coverage) for s in top
        )
        weights = [1.0, 0.45, 0.3, 0.2, 0.1]
        # A question that asks no number gets only the figures of the passage that answers it.
        shown = hits if fq.wants_number else hits[:1]
        if fq.kind in ("date", "year", "time") and top and not self._has_figure(top[0].doc, fq):
            # 「桥什么时候能通」 → 即将建成通车: the dates of the next passages are of other events.
            shown = hits[:1]
        figs_in = [
            (self._prepared_figures(s.doc), weights[min(i, len(weights) - 1)]) for i, s in enumerate(top[: len(shown)])
        ]
        figures = rank_prepared(
            figs_in,
            fq,
            # Figures are found in the text as printed: the words as asked (绿化) as well as
            # their canonical forms (生态).
            {*analysis.terms, *analysis.surface},
            set(analysis.bigrams),
            self.settings.max_figures,
            cues=_cues(qnorm),
            question_text=qnorm,
            pieces=_pieces(analysis),
        )
        code = self._quoted_code(top, analysis, qnorm) if top and _CODE_Q_RE.search(qnorm) else None
        if code is not None:
            figures = [code, *(f for f in figures if f.value != code.value)][: self.settings.max_figures]
        ans = Answer(raw, True, hits, tuple(figures), info, "question", effective)
        if explain:
            ans = replace(ans, explain=self._explain(analysis, fq, scored, info, figures))
        return ans

    def _quoted_code(self, top: Sequence[_Scored], analysis: Analysis, qnorm: str) -> Figure | None:
        """The quoted code (“1310”) of the first answering passages that the question's words
        stand next to (省委“1310”, 市委“1+6+3”); none the question itself quotes."""
        words = [w for w in {*analysis.terms, *analysis.surface} if len(w) >= 2]
        best: tuple[int, int] | None = None
        found: Figure | None = None
        for rank, s in enumerate(top[:3]):
            text = self.knowledge.passages[s.doc].text
            for m in _CODE_P_RE.finditer(text):
                if m.group(1) in qnorm:
                    continue
                near = text[max(0, m.start() - 8) : m.end() + 8]
                key = (sum(w in near for w in words), -rank)
                if key[0] and (best is None or key > best):
                    pid = self.knowledge.passages[s.doc].id
                    best, found = key, Figure(m.group(1), "", clause_at(text, m.start(1)), pid, "code", m.start(1))
        return found

    def _retrieve(
        self,
        analysis: Analysis,
        fq: FigureQuery | None = None,
        qnorm: str = "",
        noun: tuple[str, ...] | None = None,
        needed: int | None = None,
        confirm: bool = False,
    ) -> tuple[bool, list[_Scored], str]:
        """Rank candidates; decide whether the best one answers the question.

        ``confirm``: the question asks to confirm what it states (吗, 吧, 对不对).

        ``noun`` is ``tokenizer.asked_noun(qnorm)`` when the caller has it already. The ranked
        list returned is exact in its first ``needed`` entries (default: enough for an answer
        and for ``explain``); it may stop there.
        """
        fq = fq or FigureQuery()
        if noun is None:
            noun = self._asked_noun(qnorm) if qnorm else ()
        wanted_kinds = {kind for kind, cue in _KIND_CUES if cue.search(qnorm)}
        pictured = self._nth_captions(qnorm)
        if not pictured and qnorm and _NTH_PICTURE_RE.search(qnorm):
            most = max((len(c) for c in self._captions or ()), default=0)
            return False, [], f"asks for a picture by position; no document has that many (at most {most})"
        parts = self._nth_sections(qnorm)
        if not parts and qnorm and _NTH_SECTION_RE.search(qnorm):
            most = max((len(h) for h in self._heading_passages()), default=0)
            return False, [], f"asks for a part by position; no document has that many (at most {most})"
        if not parts and qnorm and _OUTLINE_RE.search(qnorm):
            parts = frozenset(i for headings in self._heading_passages() for i in headings)
        if parts:
            pictured |= parts  # named by position, like a caption
            wanted_kinds = {"heading"}  # 「报道中间那部分」 asks about a part, not the byline
        elif qnorm and _DOC_END_RE.search(qnorm):
            pictured |= self._closing_paragraphs()  # 「报道结尾说了什么」
        # Words no passage uses are searched as their thesaurus synonyms that passages do use.
        words = self._unjoin(analysis.words, qnorm) + [a for t in dict.fromkeys(analysis.terms) for a in self._expansions(t)]
        cands = self.index.search(words, analysis.bigrams, CANDIDATES, include=sorted(pictured))
        if "heading" not in wanted_kinds and self._has_headings:
            # A heading (「推动主题教育取得明显成效」) shares words with many questions and
            # answers none of them; only a question about the headings or a part gets one.
            kind_of = self._kind_of
            cands = [c for c in cands if c.doc in pictured or kind_of(c.doc) != "heading"]
        if not cands:
            return False, [], "no passage shares a word with the question"
        # Measure words (个, 公里) say what kind of number is wanted, not what it is about.
        terms = [t for t in dict.fromkeys(self._unjoin(analysis.terms, qnorm)) if not self.tokenizer.is_counter(t)]
        weights = self._term_weights(terms, qnorm)
        if confirm or _yes_no_statement(qnorm):
            # A name a yes/no question states (after its last 是/在/叫) is what the asker checks,
            # not what the question is about: it counts as context, so it neither picks the
            # passage (「领导小组组长是市长吴晓晖吧」: 吴晓晖's passage is not about the 组长) nor
            # must be in it (「清单是市委宣传部发布的吗」: the passage says 市委组织部, and corrects it).
            for t in self._claimed(qnorm, terms):
                if self._is_name(t) or self._foreign(t) or self._person_like(t, qnorm):
                    weights[t] *= CONTEXT_SHARE
        total = sum(weights.values()) or 1.0
        max_w = max([c.word_score for c in cands]) or 1.0
        max_b = max([c.bigram_score for c in cands]) or 1.0
        # The question's frame (what it is for, what comes next, what came of it): a passage
        # that answers in it gets PURPOSE_BONUS.
        frame: re.Pattern[str] | None = None
        if qnorm and _PURPOSE_Q_RE.search(qnorm):
            frame = _PURPOSE_P_RE
        elif qnorm and _FUTURE_Q_RE.search(qnorm):
            frame = _FUTURE_P_RE
        elif qnorm and _RESULT_Q_RE.search(qnorm):
            frame = _RESULT_P_RE
        ranking = _Ranking(
            self, cands, terms, [weights[t] for t in terms], total, max_w, max_b, fq, noun, wanted_kinds, pictured, frame,
            self._parts_asked_apart(terms),
        )
        # Callers read the first top_k (answer) or 8 (explain) candidates: only those need an
        # exact order (and only the candidates that can still reach them, a score).
        if needed is None:
            needed = max(self.settings.top_k, 8)
        best = ranking.first()
        # (Only what is asked: 「我是佛山的,…江门有多少个参学单位」 names the asker's city.)
        asked = {t for t in terms if weights[t] >= self._weight(t)}
        foreign = [
            t for t in terms if t in asked and t not in best.matched and (self._foreign(t) or self._person_like(t, qnorm))
        ]
        # A year the knowledge never mentions (2022年 when it reports 2023): a different report.
        foreign += [y for y in _YEAR_RE.findall(qnorm) if not self.index.words.doc_freq(y) and y not in foreign]
        # 「人生的意义是什么」: 意义 (searched as 洗礼) is the question's frame, not its topic. A
        # passage matched by frame words alone answers only when every other word of the question
        # is the knowledge's own topic (学习, 党员: in FRAME_TOPIC_SHARE of the passages or more).
        if best.matched and set(best.matched) <= self._frame_words:
            rest = [t for t in self._informative(terms) if t not in self._frame_words]
            common = FRAME_TOPIC_SHARE * self.index.n
            if not rest or any(self.index.words.doc_freq(t) < common for t in rest):
                return False, ranking.take(needed), "only the question's frame (意义) matches; the rest is not this knowledge's topic"
        # A quoted name must be in the passage as written: “五个一工程” is not any passage's 工程.
        quoted = _QUOTED_RE.findall(qnorm)
        foreign += [q for q in quoted if q not in self._norm_text(best.doc) and q in terms and q not in foreign]
        if foreign:
            return False, ranking.take(needed), f"asks about {'、'.join(foreign)}, which no passage mentions"
        # "零工市场 电话", "赤坎古镇门票多少钱": a detail that no candidate gives is not answered
        # by the passage about the thing itself.
        details = [t for t in terms if t in self._details or (t in self._procedures and not fq.wants_number)]
        if details and not ranking.having_all(details):
            return False, ranking.take(needed), f"asks for {'、'.join(details)}, which no passage gives"
        # 「那15所学校分别叫什么名字」, 「119个问题都是啥」: which the N things are — the answer
        # lists them (a report often gives only how many).
        enum = _ENUM_Q_RE.search(qnorm) if qnorm else None
        if enum and not self._lists(best.doc, enum.group("what")):
            return False, ranking.take(needed), f"asks which the {enum.group('what')} are, and the passage does not list them"
        threshold = self.settings.min_coverage
        if best.matched and all(len(t) == 1 for t in best.matched) and best.doc not in pictured:
            # 「“谢谢”用日语怎么说」: one shared character-word (用, 办, 做) says nothing about a topic.
            return False, ranking.take(needed), f"only the one-character word {'、'.join(best.matched)} is in a passage"
        # 「明天深圳会下雨吗」: the passage shares only the name (深圳国际仲裁院); what is asked
        # about 深圳 is in no passage.
        if best.matched and all(self._is_name(t) for t in best.matched):
            rest = sum(weights[t] for t in terms if t not in best.matched)
            if rest > sum(weights[t] for t in best.matched):
                return False, ranking.take(needed), f"only the name {'、'.join(best.matched)} is in a passage, not what is asked about it"
        # "零工市场在哪" asks a location; "办不成可以找哪里反映" asks where to turn (a window, a
        # hotline): any passage that answers the rest answers it.
        where = (
            bool(qnorm) and bool(_WHERE_CUE.search(qnorm)) and not _WHERE_TO_TURN.search(qnorm) and not _WHERE_ABSTRACT.search(qnorm)
        )
        if fq.kind in ("date", "year", "time") or where:
            # "哪一天结业" asks when one event happened, "梁启超故居在哪里" where one thing is: a
            # rare word no passage has (结业, 故居) is that event or thing, and the passage about
            # the same 读书班's 开班 (or 梁启超's anniversary) does not answer.
            top = self.index.words.weight("\x00")
            missing = [
                t
                for t in terms
                if t not in best.matched
                and not self.index.words.doc_freq(t)
                and weights[t] >= RARE_SHARE * top
                # 「5块钱一餐的长者饭堂在哪个村」: 一餐 is how much, not a thing that is somewhere
                and not (t[0] in _NUMERAL_CHARS and (self.tokenizer.is_counter(t[1:]) or t[1:] in "餐顿趟回遍"))
                # 「过海去深圳的桥」: a run jieba's HMM made up (过海去) names no event or thing
                and self.tokenizer.general_freq(t)
            ]
            whose = _WHERE_WHOSE_RE.search(qnorm) if where else None
            if whose and any(t in best.matched for t in terms if whose.group(1).startswith(t)):
                # 「夸清单实用的是哪里的负责人」: what is placed is the 负责人 (开平市沙塘镇党委有关负责人),
                # which the passage has; the question's other words are not things to locate.
                missing = []
            if not missing and not where:
                # "碉楼是哪一年竣工的": the verb right after the question word is the event; a
                # passage with a year but not that event (接待游客) does not say when it happened.
                event = self._asked_event(qnorm)
                if event and not ranking.matches.degrees(event).get(best.doc):
                    missing = [event]
            if missing:
                what = "where" if where else "when"
                return False, ranking.take(needed), f"asks {what} about {'、'.join(missing)}, which no passage mentions"
        if best.doc in pictured:  # 「第二张图片说的啥」: the question names its passage
            return True, ranking.take(needed), "the question names this passage by its place (a caption, a part, the ending)"
        if best.coverage < threshold and best.coverage >= COUNTED_COVERAGE * threshold:
            # 「“六大工程”是拿来干什么用的」: the asker points at a phrase the passage writes as
            # quoted; the rest of the question (拿来, 用) is how they ask.
            written = [q for q in quoted if q in self._norm_text(best.doc)]
            if written:
                return True, ranking.take(needed), f"the question quotes {'、'.join(written)} as this passage writes it"
        promoted = None
        if best.coverage < threshold and not (
            ranking.counted is not None
            and best.coverage >= COUNTED_COVERAGE * threshold
            and self._counts(best.doc, ranking.counted)
        ):
            # 「基层…各个部门之间信息通不通」: the best-scored passage shares one rare word (信息),
            # the next one covers the question.
            ranked = ranking.take(max(needed, PROMOTE_AMONG))
            promoted = next(
                (s for s in ranked[1:PROMOTE_AMONG] if s.coverage >= threshold and s.fused >= PROMOTE_TIER * best.fused), None
            )
            if promoted is None:
                return False, ranked[:needed], f"best passage covers {best.coverage:.2f} of the question (< {threshold})"
        # A named place or person the question is about must be in the answer: "深圳有多少家
        # 长者饭堂" is not answered by Jiangmen's 114家 (江门 itself, in most passages, is no clue).
        names = [t for t in terms if t in asked and self._is_name(t) and self.index.words.doc_freq(t) <= 0.2 * self.index.n]
        if where and names and not ranking.having_all(names) & {best.doc}:
            # "开平的零工市场在哪": the passage about 蓬江区's market does not say where 开平's is.
            return False, ranking.take(needed), f"asks where, and no relevant passage mentions {'、'.join(names)}"
        kind = _WHERE_KIND.search(qnorm) if where else None
        suffix = _PLACE_ENDINGS.get(kind.group(1), (kind.group(1),)) if kind else ()
        if where and not self._names_place(best.doc, set(terms), suffix):
            # "零工市场在哪": the first relevant passage that names a place answers (蓬江区零工市场),
            # if one does; else the article does not say where.
            ranked = ranking.take(max(needed, 8))
            common = 0.2 * self.index.n  # "江门在哪里" in an article about 江门: its subject, no answer
            specific = any(0 < self.index.words.doc_freq(t) <= common for t in terms)
            placed = [
                s
                for s in ranked
                if specific
                and s.coverage >= best.coverage - 1e-9
                and s.fused >= WHERE_TIER * best.fused
                and self._names_place(s.doc, set(terms), suffix)
            ]
            if not placed:
                return False, ranked[:needed], "asks where, and no relevant passage names another place"
            return True, [placed[0], *[s for s in ranked if s is not placed[0]]][:needed], "names a place"
        if qnorm and "哪级" in qnorm:
            # 「主要针对哪级的干部」: the first relevant passage that names a level (县处级) answers.
            ranked = ranking.take(max(needed, 8))
            leveled = [s for s in ranked if s.coverage >= threshold and _LEVEL_RE.search(self._norm_text(s.doc))]
            if leveled:
                return True, [leveled[0], *[s for s in ranked if s is not leveled[0]]][:needed], "names a level"
        # A quantity question must find what it counts, in a passage that has such a number:
        # "江门有多少家医院" is not answered by the passage about 114家长者饭堂.
        strict = fq.kind in ("money", "percent", "date", "year", "ordinal", "time") or (fq.unit and fq.unit not in _LOOSE_UNITS)
        # "麻三村有多少人": a count, which a price (5元钱) does not give.
        # 「每天有多少老人来吃饭」 counts people too, with no counter word (多少位老人 has one).
        counting = fq.wants_number and not fq.kind and (
            fq.unit in _LOOSE_UNITS or (not fq.unit and bool(noun) and self._is_person_word(noun[-1]))
        )
        # 「有多少华侨华人分布在海外」 counts people: a count of cases (9万多件) or visits (250万
        # 人次) does not say how many there are.
        people = noun[-1] if counting and noun and self._is_people(noun[-1]) else None
        role = self._asked_role(qnorm)
        if role and _NAMING_RE.search(qnorm) and not self._is_person_word(role[0]) and not ranking.having_all([role[0]]):
            # 「常态化培育项目叫什么」: the answer gives a name (“阶梯计划”“青苗工程”) whatever the
            # question calls its kind (项目, a word no candidate has); a post (书记) must be found.
            role = role[1:]
        if not (noun or strict or names or counting or role):
            if promoted is not None:
                ranked = ranking.take(max(needed, PROMOTE_AMONG))
                return True, [promoted, *[s for s in ranked if s is not promoted]][:needed], (
                    f"coverage {promoted.coverage:.2f} ≥ {threshold} (the best-scored passage covers {best.coverage:.2f})"
                )
            return True, ranking.take(needed), f"coverage {best.coverage:.2f} ≥ {threshold}"
        # A measure word of its own kind (棵, 公顷, 餐次) already says what is counted, and the
        # answer needs a figure in it (strict): "种了多少棵树" is answered by 300棵紫花风铃木.
        counted = (
            []
            if fq.unit and fq.unit not in _LOOSE_UNITS and not self._money_noun(qnorm, fq, noun)
            else [n for n in noun if self._specific(n, noun)]
        )
        # "人大常委会主任是谁": the answer names that post (and whose post it is), whole.
        role_docs = None
        for word in role:
            having = {d for d, v in ranking.matches.degrees(word).items() if v >= 1.0}
            role_docs = having if role_docs is None else role_docs & having
        # 「双碳实验室总投资多少」: a figure of that kind (过千亿元 of 工业投资) answers only in a
        # passage about the thing the domain dictionary names.
        things = (
            # (only what is asked: 「…有多少个就业驿站？找工作想去看看」 does not ask for 招工信息)
            [
                t
                for t in terms
                if t in self._domain_words
                and t not in names
                and 0 < self.index.words.doc_freq(t) <= 0.2 * self.index.n
                and t in asked
            ]
            if strict or counting or fq.wants_number
            else []
        )
        # Eligibility first needs the counted noun and the names: only candidates that have
        # them are walked in score order (the others are not eligible, whatever their score).
        maybe = {
            d
            for d in ranking.having_all([*counted, *names, *things])
            if ranking.coverage(d) >= threshold
            or (
                ranking.counted is not None
                and ranking.coverage(d) >= COUNTED_COVERAGE * threshold
                and self._counts(d, ranking.counted)
            )
        }
        if role_docs is not None:
            maybe &= role_docs
        for word in counted:
            if self._agent_noun(word):
                # 「全市有多少个网格员」: 网格事项 are not 网格员. A kind of person made of a word
                # and an agent suffix (员, 者) is counted only where it is named (or a synonym).
                maybe &= ranking.matches.degrees(word, parts=False).keys()
        # What is counted (the asked noun's head) weighs double here: 「水塘村在路边种了多少棵
        # 紫花风铃木」 is answered by the passage that counts the 紫花风铃木, whatever 路边.
        head = noun[-1] if noun else None
        rest = {t: 2 * w if t == head else w for t, w in weights.items() if t not in names}
        if names and rest and (strict or counting):
            # "鹤山长者饭堂一顿饭多少钱": a passage that names 鹤山 and has a price, but lacks the
            # words of the knowledge that make up most of the rest (长者饭堂), answers another
            # question.
            rest_total = sum(rest.values())
            known = [(t, w) for t, w in rest.items() if self.index.words.doc_freq(t)]
            maybe = {
                d
                for d in maybe
                if sum(w for t, w in known if not ranking.matches.degrees(t).get(d)) < REST_SHARE * rest_total
            }
        # 「什么时候通车」: 「即将建成通车」 says when, without a date (「具体哪一天通车」 asks the date).
        event = self._asked_event(qnorm) if fq.kind in ("date", "year") and _LOOSE_WHEN_RE.search(qnorm) else ""
        # 「建长者饭堂一共投了多少钱」 asks what was invested: a price (5元钱) does not say it.
        invested = fq.kind == "money" and bool(_INVEST_RE.search(qnorm))
        # 「新会在预制菜百强榜排第几」: the passage's only ordinal (耕地保护…排名全省第1) is about
        # something else. An ordinal or a share must be said of one of the question's informative
        # words (in its clause). (Prices and dates are not held to this: 「一顿饭多少钱」 finds 5元钱
        # in a clause of its own.)
        about_kind = (
            [t for t in self._informative(terms) if self.index.words.doc_freq(t)] if fq.kind in ("ordinal", "percent") else []
        )
        eligible: list[_Scored] = []
        for s in ranking.among(maybe):
            if (
                (not strict or self._has_figure(s.doc, fq) or (event and self._says_when(s.doc, event)))
                and (not counting or self._has_count(s.doc))
                and (people is None or self._counts_people(s.doc) or self._counts(s.doc, people))
                and (not invested or self._invests(s.doc))
                and (not about_kind or self._kind_figure_about(s.doc, fq, about_kind))
            ):
                eligible.append(s)
                if len(eligible) >= needed:
                    break  # the eligible come first: the rest cannot reach the first `needed`
        if not eligible:
            if names and not ranking.having_all(names):
                return False, ranking.take(needed), f"no relevant passage mentions {'、'.join(names)}"
            what = f"'{''.join(noun) or role[0]}'" if noun or role else f"a {fq.kind or fq.unit} figure"
            return False, ranking.take(needed), f"no relevant passage has {what}"
        chosen = {s.doc for s in eligible}
        scored = eligible + list(itertools.islice((s for s in ranking if s.doc not in chosen), needed - len(eligible)))
        if scored[0].coverage < threshold:  # eligible as the passage that counts the asked noun
            return True, scored, (
                f"coverage {scored[0].coverage:.2f} ≥ {COUNTED_COVERAGE * threshold:.2f}, and it counts {ranking.counted}"
            )
        return True, scored, f"coverage {scored[0].coverage:.2f} ≥ {threshold}"

    @staticmethod
    def _first_figure_asked(qnorm: str) -> str:
        """The clause whose figure is asked, when a message asks for two (「新开了几家长者饭堂?
        一顿多少钱?」: the first is what the asker wants first); else the whole question."""
        if "?" not in qnorm[:-1] and "," not in qnorm:
            return qnorm
        clauses = [c for c in _CLAUSE_RE.split(qnorm) if c.strip()]
        if sum(1 for c in clauses if _FIGURE_CUE_RE.search(c)) < 2:
            return qnorm  # (most messages: no second figure to tell apart, no figure_query per clause)
        asking = [c for c in clauses if figure_query(c).wants_number]
        return asking[0] if len(asking) > 1 else qnorm

    def _asked_noun(self, qnorm: str) -> tuple[str, ...]:
        """``tokenizer.asked_noun``, without junk words of jieba's HMM (一顿得花多少 → 得花)."""
        return tuple(n for n in self.tokenizer.asked_noun(qnorm) if not (len(n) == 2 and self._junk(n)))

    def _asked_event(self, qnorm: str) -> str:
        """The content word right after a when-question word (哪一年竣工 → 建成), or ""."""
        m = _WHEN_RE.search(qnorm)
        if not m:
            return ""
        for tok in self.tokenizer.cut(qnorm[m.end() :]):
            if tok in _EVENT_SKIP:
                continue
            if len(tok) > 1 and tok[0] in _EVENT_SKIP and not self.tokenizer.general_freq(tok):
                tok = tok[1:]  # 「什么时候能通」: jieba's HMM made 能通 of 能 + the event 通
            return self.tokenizer.canonical(tok) if self.tokenizer.is_content(tok) else ""
        return ""

    def _says_when(self, doc: int, event: str) -> bool:
        """Whether the passage dates ``event`` relatively (即将建成通车, 已于…开工, 正在建设)."""
        return bool(re.search(_RELATIVE_WHEN + r"[^,。;!?]{0,6}?" + re.escape(event), self._norm_text(doc)))

    def _general_thesaurus(self) -> Thesaurus:
        """The general thesaurus, loaded at the first word that needs it."""
        if self._thesaurus is None:
            dirs = [self.lexicon_root] if self.lexicon_root is not None else []
            self._thesaurus = load_thesaurus(dirs)
            if len(self.knowledge.passages) >= THESAURUS_INDEX_PASSAGES:
                # Big knowledge meets many new words: the 32 scans before indexing are pure cost.
                self._thesaurus.index_now()
        return self._thesaurus

    def _expansions(self, term: str) -> tuple[str, ...]:
        """The words of the knowledge that the general thesaurus gives for ``term``, when no
        passage uses ``term`` itself (提高 → 增强, 加强; 国外 → 海外). Names are not expanded."""
        known = self._expansion_memo.get(term)
        if known is not None:
            return known  # type: ignore[return-value]
        out: tuple[str, ...] = ()
        words = self.index.words
        if len(term) >= 2 and has_cjk(term) and not words.doc_freq(term) and not self._is_name(term):
            alts = []
            group = self._general_thesaurus().synonyms(term)
            for w in group:
                c = self.tokenizer.canonical(w)
                # Not through the domain table's wider groups (明天 ~ 将来 in the thesaurus, 将来
                # ~ 起点 in the article's table: 明天 is not 起点).
                if c != w and c not in group:
                    continue
                if len(c) >= 2 and c != term and words.doc_freq(c) and self.tokenizer.is_content(c):
                    alts.append(c)
            out = tuple(dict.fromkeys(alts))
        return self._expansion_memo.put(term, out)

    def _asked_role(self, qnorm: str) -> tuple[str, ...]:
        """What a who-question asks about, which the answer must mention: the post, canonical
        and whole (「人大常委会主任是谁」 → 主任: 纪委书记 is not answered by the 市委书记), then
        the domain noun whose post it is, right before it or before 的 (「双碳实验室的负责人」,
        「督导组组长」 → 双碳实验室, 督导组; a verb there, 「参与采写的实习生」, is not one).
        Empty when the question is not of that shape."""
        m = _WHO_RE.search(qnorm)
        if m is None and "?" in qnorm[:-1]:
            # 「麻三村长者饭堂负责人叫啥?想联系一下」: the clause that asks who, before an aside.
            m = next((w for c in _CLAUSE_RE.split(qnorm) if (w := _WHO_RE.search(c))), None)
            if m is not None:
                qnorm = m.string
        if m is None:
            return ()
        words = [t.strip() for t in self.tokenizer.cut(qnorm[: m.start()]) if t.strip() and not _is_punct(t)]
        if not words or not self.tokenizer.is_content(words[-1]):
            return ()
        out = [self.tokenizer.canonical(words[-1])]
        at = len(words) - 3 if len(words) >= 3 and words[-2] == "的" else len(words) - 2
        if at >= 0:
            holder = self.tokenizer.canonical(words[at])
            tag = self._tags.get(holder, "")
            if tag.startswith("n") and not tag.startswith(("nr", "ns")):
                out.append(holder)
        return tuple(out)

    def _names_someone_else(self, doc: int, who: str) -> bool:
        """Whether the passage names a person other than ``who`` (the domain dictionary's nr
        tags, then jieba's)."""
        for w in self.tokenizer.analyze(self.knowledge.passages[doc].text).terms:
            if w == who or w in who:
                continue
            tag = self._tags.get(w)
            if tag is not None:
                if tag.startswith("nr"):
                    return True
            elif self.names.is_person(w) and self._is_name(w):  # jieba's tags, where trusted
                return True
        return False

    def _agent_noun(self, word: str) -> bool:
        """A word no passage has that is a dictionary word plus an agent suffix (网格员 = 网格 +
        员, 志愿者): it names people, and its sub-word names something else."""
        return (
            len(word) >= 3
            and word[-1] in _AGENT_SUFFIXES
            and not self.index.words.doc_freq(word)
            and word[:-1] in self.tokenizer.subwords(word)
        )

    def _is_people(self, word: str) -> bool:
        """A kind of people the thesaurus files in its class A (党员, 侨胞; 华侨华人 by its last
        word): unlike :meth:`_is_person_word`, a word it does not know is not one."""
        if word[-1:] not in _PEOPLE_ENDINGS:
            return False  # (a thesaurus scan costs up to ~1 ms a new word: most nouns end otherwise)
        thesaurus = self._general_thesaurus()
        codes = thesaurus.codes(word) or (thesaurus.codes(word[-2:]) if len(word) > 2 else ())
        return any(c.startswith("A") for c in codes)

    def _counts_people(self, doc: int) -> bool:
        """Whether the passage has a count of people (22万多名, 88名, 一位)."""
        return any(kind == "count" and unit[-1:] in ("名", "人", "位") for _, _, unit, kind in self._spans(doc))

    def _is_person_word(self, word: str) -> bool:
        """A post or a kind of person (书记, 主任, 实习生: the thesaurus' class A), or a word the
        thesaurus does not know (纪委书记): what a who-question's answer must name."""
        codes = self._general_thesaurus().codes(word)
        return not codes or any(c.startswith("A") for c in codes)

    def _nth_captions(self, qnorm: str) -> frozenset[int]:
        """The captions a question names by position (「第二张图片」, 「最后一张照片」): the
        N-th caption of each document, in reading order."""
        m = _NTH_PICTURE_RE.search(qnorm)
        if m is None:
            return frozenset()
        if self._captions is None:
            self._captions = _passages_of_kind(self.knowledge.passages, "caption")
        n = -1 if m.group("last") else _small_number(m.group("n"))
        out = set()
        for captions in self._captions:
            if n == -1 or 1 <= n <= len(captions):
                out.add(captions[n - 1] if n > 0 else captions[-1])
        return frozenset(out)

    def _closing_paragraphs(self) -> frozenset[int]:
        """The last paragraph of each document (「文章结尾」), for knowledge of at most
        ``_CLOSING_DOCS`` documents: in an archive, 「结尾」 without the article named names none."""
        if self._closing is None:
            small = len(self.knowledge.documents) <= _CLOSING_DOCS
            paragraphs = _passages_of_kind(self.knowledge.passages, "paragraph") if small else []
            self._closing = frozenset(group[-1] for group in paragraphs)
        return self._closing

    def _lead(self) -> int | None:
        """The lead passage of the knowledge's only document (else its first paragraph), or
        None when the knowledge has several documents."""
        if len(self.knowledge.documents) != 1:
            return None
        passages = self.knowledge.passages
        leads = _passages_of_kind(passages, "lead") or _passages_of_kind(passages, "paragraph")
        return leads[0][0] if leads else None

    def _heading_passages(self) -> list[list[int]]:
        """The heading passages of each document that has any, in reading order (made once)."""
        if self._headings is None:
            self._headings = _passages_of_kind(self.knowledge.passages, "heading")
        return self._headings

    def _nth_sections(self, qnorm: str) -> frozenset[int]:
        """The heading passages a question names by position (「第一部分」, 「最后一部分」,
        「中间那部分」, 「B部分」): the N-th section of each document."""
        m = _NTH_SECTION_RE.search(qnorm)
        if m is None:
            return frozenset()
        out = set()
        for headings in self._heading_passages():
            count = len(headings)
            if m.group("last"):
                n = count
            elif m.group("first"):
                n = 1
            elif m.group("mid"):
                n = (count + 1) // 2 if count % 2 else 0  # the middle one, when there is one
            elif m.group("letter"):
                n = ord(m.group("letter").upper()) - ord("A") + 1
            else:
                n = _small_number(m.group("n"))
            if 1 <= n <= count:
                out.add(headings[n - 1])
        return frozenset(out)

    @staticmethod
    def _money_noun(qnorm: str, fq: FigureQuery, noun: tuple[str, ...]) -> bool:
        """Whether a money question names what the money is (多少经费, 多少资金): that word must
        be found, as a counted noun is. 多少钱 names nothing, nor does 「…的钱一共有多少」."""
        if fq.kind != "money" or not noun or noun[-1] in _MONEY_WORDS:
            return False
        at = qnorm.find("多少")
        return at != -1 and qnorm.startswith(noun[-1], at + 2)

    def _specific(self, word: str, compound: Sequence[str]) -> bool:
        """Whether a word of the counted noun must be found: the head always; a modifier
        unless it is an everyday word (财政在老百姓**身上**投入 — 身上 modifies nothing)."""
        return word == compound[-1] or self.tokenizer.general_freq(word) < 2000

    def _names_place(self, doc: int, exclude: set[str], suffix: tuple[str, ...] = ()) -> bool:
        """Whether the passage names a place (other than the question's own words), ending in
        one of ``suffix`` when given (镇 for 「哪个镇」; 路, 大道, 街 for 「哪条路」)."""
        places = self._places.get(doc)
        if places is None:
            # What the passage says, without the glossary's expansions: 全省 stands for 广东省
            # in matching, but a passage that says 全省 names no place.
            text = normalize(passage_document_text(self.knowledge.passages[doc]))
            words = self.tokenizer.analyze(text, normalized=True).terms
            common = max(1.0, 0.2 * self.index.n)  # 江门 in an article about 江门 answers no "where"
            places = self._places.put(
                doc,
                tuple(
                    w
                    for w in words
                    if self.index.words.doc_freq(w) <= common and (self._tags.get(w) == "ns" or self.names.is_place(w))
                ),
            )
        if not suffix:
            return any(w not in exclude for w in places)
        return any(w not in exclude and w.endswith(suffix) and w not in suffix for w in places)

    def _spans(self, doc: int) -> list[tuple[int, str, str, str]]:
        """(start, value, unit, kind) of the passage's figures (the cheap form, for ranking)."""
        spans = self._figure_spans.get(doc)
        if spans is None:
            spans = self._figure_spans.put(doc, figure_spans(self.knowledge.passages[doc].text))
        return spans

    def _facts_about(self, what: tuple) -> _Memo[int, bool]:
        """passage -> one fact about its figures (``what`` names it): looked up per candidate,
        so a plain dict per fact rather than a key per (fact, passage)."""
        table = self._facts.get(what)
        if table is None:
            table = self._facts.put(what, _Memo(PASSAGE_MEMO))
        return table

    def _counts(self, doc: int, noun: str) -> bool:
        """Whether a figure in the passage is right next to ``noun`` (22万多名党员, 学位超1.1万个)."""
        table = self._facts_about(("counts", noun))
        known = table.get(doc)
        if known is None:
            text = self.knowledge.passages[doc].text
            known = table.put(
                doc,
                any(
                    (text.startswith(noun, start + len(value)) or text.endswith(noun, 0, start))
                    and kind not in ("date", "year")  # 「2023华侨华人…大会」 counts no 华侨华人
                    for start, value, _, kind in self._spans(doc)
                ),
            )
        return known

    def _lists(self, doc: int, what: str) -> bool:
        """Whether the passage lists three or more items of ``what`` (目标导向、需求导向、问题导向
        for 导向): a list with the word's last two characters right before or after it, or
        whose items end with its last character."""
        text = self._norm_text(doc)
        tail = what[-2:]
        # The word names the list (「三个导向:…」, 「…等学校」) or ends two of its items; inside
        # an item (「加快公办学校新建、在民办学校开设公办班」) it is what the measures are about.
        return any(
            tail in text[max(0, m.start() - 12) : m.start()]
            or tail in text[m.end() : m.end() + 12]
            or sum(item.endswith(tail[-1]) for item in m.group().split("、")) >= 2
            for m in _LIST_RE.finditer(text)
        )

    def _states_frame(self, doc: int, frame: re.Pattern[str]) -> bool:
        """Whether the passage says what the question's frame asks: what something is for
        (``_PURPOSE_P_RE``), what will be done (``_FUTURE_P_RE``), or what came of it
        (``_RESULT_P_RE``)."""
        table = self._facts_about(("frame", frame.pattern))
        known = table.get(doc)
        if known is None:
            known = table.put(doc, bool(frame.search(self.knowledge.passages[doc].text)))
        return known

    def _has_figure(self, doc: int, fq: FigureQuery) -> bool:
        table = self._facts_about(("figure", fq.unit, fq.kind))
        known = table.get(doc)
        if known is None:
            text = self.knowledge.passages[doc].text
            known = table.put(
                doc,
                any(
                    (not fq.unit or unit_matches(fq.unit, unit) or share_of(fq.unit, kind, text, start, value))
                    and (not fq.kind or kind_matches(fq.kind, kind, value))
                    for start, value, unit, kind in self._spans(doc)
                ),
            )
        return known

    def _has_count(self, doc: int) -> bool:
        """Whether the passage has a figure that counts things or people (not money, a share, a
        date, nor a measure of its own kind: 300棵 trees, 4公里 do not answer 多少户)."""
        table = self._facts_about(("count",))
        known = table.get(doc)
        if known is None:
            known = table.put(
                doc,
                any(
                    kind in ("count", "ordinal") and (not unit or unit[-1:] in _LOOSE_UNITS or unit in _LOOSE_UNITS)
                    for _, _, unit, kind in self._spans(doc)
                ),
            )
        return known

    def _has_number(self, doc: int) -> bool:
        """Whether the passage has a figure other than a date or a year."""
        table = self._facts_about(("number",))
        known = table.get(doc)
        if known is None:
            known = table.put(doc, any(kind not in ("date", "year") for _, _, _, kind in self._spans(doc)))
        return known

    def _parts_asked_apart(self, terms: Sequence[str]) -> frozenset[str]:
        """The question's words whose dictionary sub-words are all in its other words already,
        and which end with something else (their head): they count only as themselves. In
        「长者饭堂的就餐卡」, 就餐卡's sub-word is 饭堂 (就餐, as the synonym table writes it), which
        长者饭堂 has counted; a passage about 长者饭堂 says nothing of a 卡. (「打短工、灵活就业」
        is about 零工 twice: 打短工 ends with its sub-word.)"""
        out = []
        tok = self.tokenizer
        subwords = tok.subwords
        for t in terms:
            if len(t) < 3:
                continue
            subs = subwords(t)  # (memoised; the head check below cuts the word again: last)
            others = [u for u in terms if u != t and t not in u]
            if subs and all(any(s in u or s in subwords(u) for u in others) for s in subs) and not tok.ends_in_subword(t):
                out.append(t)
        return frozenset(out)

    def _unjoin(self, terms: Sequence[str], qnorm: str) -> list[str]:
        """Terms, with a word no dictionary and no passage has split into its content characters.

        jieba's HMM joins runs of single characters into "words" across word boundaries (恩平那条
        村种了 → 村种, 活动中起了 → 中起): such a word weighs as much as the rarest name and no
        passage can have it. Its characters are what the question says. A person's name (李明)
        stays whole: it is what the question is about. A character is a word of the synonym table
        like any other (接娃 → 接, 娃 = 学生)."""
        out: list[str] = []
        tok = self.tokenizer
        for t in terms:
            if len(t) == 2 and self._junk(t) and not self._person_like(t, qnorm):
                out.extend(tok.canonical(ch) for ch in t if tok.is_content(ch))
            else:
                out.append(t)
        return out

    def _junk(self, term: str) -> bool:
        """A CJK word that neither the knowledge nor any dictionary has, and is no known name."""
        known = self._junk_memo.get(term)
        if known is None:
            known = self._junk_memo.put(
                term,
                has_cjk(term)
                and not self.index.words.doc_freq(term)
                and self.tokenizer.general_freq(term) <= 0
                and not self._is_name(term),
            )
        return known  # type: ignore[return-value]

    def _term_weights(self, terms: list[str], qnorm: str) -> dict[str, float]:
        """Each term's weight in coverage (``_weight``); a word only in what the asker tells
        around the question (「…总共多少家?我记得是100来家」, 「我爸70多了,…一顿多少钱」) counts
        ``CONTEXT_SHARE`` of it."""
        weights = {t: self._weight(t) for t in terms}
        clauses = [c for c in _CLAUSE_RE.split(qnorm) if c.strip()] if qnorm else []
        if len(clauses) < 2:
            return weights
        guess = [bool(_GUESS_CLAUSE_RE.match(c)) for c in clauses]
        asking = [bool(_QUESTION_CUE_RE.search(c)) and not g for c, g in zip(clauses, guess)]
        # The asker's story: the sentences that end in 。 or ! before the first that asks and
        # ends in ? (「我爷爷把这篇报道剪下来贴在本子上,非让我记下是谁写的。这篇文章的记者叫
        # 什么?」). A question word inside them asks nothing, and their words are about the
        # asker, unless the question points back to them (她是从哪里来的?).
        story = [False] * len(clauses)
        marks = [c.rstrip()[-1:] for c in clauses]
        q_end = next((i for i, m in enumerate(marks) if m == "?" and asking[i]), None)
        if q_end is not None:
            for i in range(max((i for i in range(q_end) if marks[i] in "。!"), default=-1) + 1):
                story[i], asking[i] = True, False
        first = next((i for i, a in enumerate(asking) if a), None)
        if first is None:
            return weights
        # A clause that tells is context when it follows the question (an afterthought) or is
        # about the asker (我…, 听说…); before the question it is usually its topic
        # (「领导自己先学起来,对下面有什么带动作用?」).
        # 「我外婆想去长者饭堂吃饭,那里都有啥菜?」: a question that points back (那里, 这事) is
        # about what the asker just told, which then weighs as context, not as who asks.
        back = bool(_BACKREF_RE.search(clauses[first]))
        told = [not asking[i] and (i > first or story[i] or bool(_ASKER_RE.search(c))) for i, c in enumerate(clauses)]
        # 「读书班是不是走个过场?它是哪天开班的?」: a yes/no doubt before the clause that asks
        # what (when, how many) is the asker's aside.
        wh = [a and bool(_WH_RE.search(c)) for a, c in zip(asking, clauses)]
        for i in range(len(clauses)):
            if asking[i] and not wh[i] and any(wh[i + 1 :]):
                told[i] = True
        # 「我是海外侨报的编辑,要核对人名。江门市委书记叫什么名字?」: a sentence before the one
        # that asks, opened by the asker telling who they are, is all about the asker.
        own = [False] * len(clauses)
        if not back:
            ends = [c.rstrip()[-1:] in "。!?" for c in clauses]
            # The asking sentence's own clauses (after the last sentence end before it) stay.
            last_end = max((i for i in range(first) if ends[i]), default=-1)
            opened = False
            for i in range(last_end + 1):
                if i == 0 or ends[i - 1]:
                    opened = bool(_SELF_RE.match(clauses[i]))  # a new sentence: does it open with 我是…?
                own[i] = opened
                told[i] = told[i] or opened
        if not any(told):
            return weights
        asked: set[str] = set()
        said: set[str] = set()  # words of what the asker tells (a guess at the figure tells nothing)
        about: set[str] = set()  # words of what the asker tells of themselves
        for i, (c, is_told, is_guess) in enumerate(zip(clauses, told, guess)):
            words = self._unjoin(self.tokenizer.analyze(c, normalized=True).terms, qnorm)
            if not is_told:
                asked.update(words)
            elif i < first and not back and (own[i] or story[i] or _SELF_RE.match(c)):
                about.update(words)
            elif not is_guess:
                said.update(words)
        return {
            t: w if t in asked else w * CONTEXT_SHARE if t in said else w * ASKER_SHARE if t in about else 0.0
            for t, w in weights.items()
        }

    def _weight(self, term: str) -> float:
        """How much a question word counts towards coverage.

        Words the knowledge has weigh their idf. Words it lacks weigh by how rare they are in
        general Chinese: an everyday verb (参加, 提高) the article happens not to use costs a
        semantic question little, a rare noun (门票, 人口) costs a lot.
        """
        known = self._weight_memo.get(term)
        if known is not None:
            return known  # type: ignore[return-value]
        if self.index.words.doc_freq(term):
            weight = self.index.words.weight(term)
        else:
            top = self.index.words.weight("\x00")  # the weight of a word no passage has
            freq = self.tokenizer.general_freq(term)
            if term.isdigit():
                weight = top * 0.3  # 「我爸70多了」: a number no passage has is context (years: _YEAR_RE)
            elif freq <= 0 or not has_cjk(term):
                weight = top
            else:
                # freq ≥ 20000 → 0.3 of the top weight; freq ≤ 50 → all of it; log-linear between.
                share = 1.0 - 0.7 * min(1.0, max(0.0, (math.log(freq) - math.log(50)) / (math.log(20000) - math.log(50))))
                weight = top * share
        return self._weight_memo.put(term, weight)

    @staticmethod
    def _claimed(qnorm: str, terms: Sequence[str]) -> list[str]:
        """The terms a yes/no question states after its last 是/在/叫 (and not before it)."""
        found = list(_COPULA_RE.finditer(qnorm))
        if not found:
            return []
        at = found[-1].start()
        claim, subject = qnorm[at + 1 :], qnorm[:at]
        return [t for t in terms if t in claim and t not in subject]

    def _is_name(self, term: str) -> bool:
        """A place, person or organisation name (the domain dictionary's tags, then jieba's).

        jieba's tags are noisy in its rarest entries (太旧 3 ns): below ``_NAME_MIN_FREQ`` they
        are not trusted. A common word it tags as a name (荣誉 nr) is fixed in the domain
        dictionary with another tag (``荣誉 2877 n``)."""
        known = self._names_memo.get(term)
        if known is None:
            tag = self._tags.get(term)
            if tag:
                known = tag in ("ns", "nr", "nrt", "nt")
            elif len(term) >= 3 and term[-1] in _PLACE_SUFFIXES and self.tokenizer.general_freq(term) < _NAME_MIN_FREQ:
                # 南海区, 顺德区: jieba knows the place, not (or barely) with every suffix.
                known = self._is_name(term[:-1])
            else:
                # jieba also tags everyday words as names (城市 ns, 智慧 nr, 蓝图 nr): the general
                # thesaurus, which files them among common nouns, overrules it.
                known = (
                    len(term) >= 2
                    and term in self.names
                    and self.tokenizer.general_freq(term) >= _NAME_MIN_FREQ
                    and not self._general_thesaurus().is_common_noun(term)
                )
            if len(self._names_memo) >= TERM_MEMO:
                self._names_memo.clear()
            self._names_memo[term] = known
        return known

    def _foreign(self, term: str) -> bool:
        """A name (佛山, 周杰伦, 李明, python) that appears nowhere in the knowledge."""
        known = self._foreign_memo.get(term)
        if known is None:
            if self.index.words.doc_freq(term) or self.index.bigrams.doc_freq(term):
                known = False
            elif _ASCII_WORD_RE.fullmatch(term):
                known = True
            else:
                known = self._is_name(term)
            self._foreign_memo.put(term, known)
        return known

    def _person_like(self, term: str, qnorm: str) -> bool:
        """A word of the question that no passage has and jieba does not know, of two or three
        characters, starting with a common surname (李明, 王建国): most likely a person's name.
        Not after 这/那/一/几… (「那张图」: 张 counts the picture)."""
        if not (2 <= len(term) <= 3 and term[0] in _SURNAMES and all(is_cjk(ch) for ch in term)):
            return False
        if self.index.words.doc_freq(term) or self.index.bigrams.doc_freq(term):
            return False
        if term in self._tags:
            return False
        # jieba knows some people by name (张国强 7 nr): a three-character word it tags only as a
        # person is one too. Other known words (张罗, 王牌) are not names.
        if self.tokenizer.general_freq(term) != 0 and not (len(term) == 3 and self.names.tags(term) == ["nr"]):
            return False
        at = qnorm.find(term)
        return at == 0 or (at > 0 and qnorm[at - 1] not in _DETERMINERS)

    def _explain(
        self, analysis: Analysis, fq: FigureQuery, scored: list[_Scored], info: str, figures: Sequence[Figure]
    ) -> dict[str, object]:
        return {
            "normalized": analysis.text,
            # The weight each word has in coverage (see _weight; junk words split, see _unjoin),
            # and where the general thesaurus stood in for a word no passage uses.
            "terms": {t: round(w, 3) for t, w in self._term_weights(list(dict.fromkeys(self._unjoin(analysis.terms, analysis.text))), analysis.text).items()},
            "expansions": {t: list(x) for t in dict.fromkeys(analysis.terms) if (x := self._expansions(t))},
            "words": list(analysis.words),
            "bigrams": list(analysis.bigrams),
            "figure_query": {"unit": fq.unit, "kind": fq.kind, "wants_number": fq.wants_number},
            "decision": info,
            "candidates": [
                {
                    "id": self.knowledge.passages[s.doc].id,
                    "fused": round(s.fused, 4),
                    "coverage": round(s.coverage, 3),
                    "bm25_words": round(s.word_score, 3),
                    "bm25_bigrams": round(s.bigram_score, 3),
                    "matched": list(s.matched),
                }
                for s in scored[:8]
            ],
            "figures": [f.value for f in figures],
        }


class _Ranking:
    """A question's candidates in order of fused score (best first, ties to the lower passage),
    with the figure part of the score worked out only for candidates that could be next.

    Fused = BM25 part + 0.6 × coverage, then figure bonuses and penalties, then the kind
    bonus. The first two are cheap for every candidate (set operations over all of them); the
    figures need each passage's figures extracted. Adding every bonus that might apply bounds a
    candidate's fused score: candidates are finished in order of that bound, a few at a time,
    and the best finished one is next once it beats the bound of every unfinished one.
    """

    _STEP = 4  # candidates finished together

    def __init__(
        self,
        engine: Engine,
        cands: list[Candidate],
        terms: list[str],
        term_weights: list[float],
        total: float,
        max_w: float,
        max_b: float,
        fq: FigureQuery,
        noun: tuple[str, ...],
        wanted_kinds: set[str],
        pictured: frozenset[int] = frozenset(),
        frame: re.Pattern[str] | None = None,
        whole: frozenset[str] = frozenset(),
    ) -> None:
        self.engine = engine
        self.fq, self.wanted_kinds, self.pictured, self.frame = fq, wanted_kinds, pictured, frame
        self.counted = noun[-1] if noun else None
        self.figure_bonus = bool(fq.unit or fq.kind)
        self.number_malus = fq.wants_number and fq.kind not in ("date", "year")
        self._figure_facts = engine._facts_about(("figure", fq.unit, fq.kind))
        self._count_facts = engine._facts_about(("counts", self.counted))
        self._number_facts = engine._facts_about(("number",))
        # Which candidate has which word: one pass per word over all candidates (sets of
        # passages), instead of one look-up per (candidate, word).
        matches = engine._corpus_matches()
        self.matches = matches if matches is not None else _Matches(engine, [c.doc for c in cands])
        docs = [c.doc for c in cands]
        # One row of degrees (one per term) per candidate.
        if matches is not None and len(docs) > 1:
            # Every passage's degree of each word in a list: the candidates' picked out in C.
            pick = itemgetter(*docs)
            rows = zip(*[pick(matches.dense(t, t not in whole)) for t in terms]) if terms else repeat(())
        else:
            degrees = [self.matches.degrees(t, t not in whole) for t in terms]
            rows = zip(*[[d.get(doc, 0.0) for doc in docs] for d in degrees]) if degrees else repeat(())
        kind_of = engine._kind_of
        self._partial: dict[int, tuple[float, float, tuple[str, ...], Candidate]] = {}
        self._scored: dict[int, _Scored] = {}
        self._heap: list[tuple[float, int, _Scored]] = []
        self._next = 0  # first unfinished entry of _bounds
        if matches is not None or len(cands) <= self._STEP:
            # Small knowledge (or few candidates): finish every candidate, sort once. What
            # _complete does, inline (this loop is most of a small knowledge's ranking).
            finished = []
            partial, scored_of = self._partial, self._scored
            figure_bonus, counted, number_malus = self.figure_bonus, self.counted, self.number_malus
            figure_facts, count_facts, number_facts = self._figure_facts, self._count_facts, self._number_facts
            for c, degree in zip(cands, rows):
                doc, ws, bs = c
                matched = tuple(compress(terms, degree))  # degree > 0
                coverage = sum(map(mul, term_weights, degree)) / total
                # max(x, 0.0), without the call
                fused = 0.35 * (0.0 if 0.0 > ws else ws) / max_w + 0.35 * (0.0 if 0.0 > bs else bs) / max_b + 0.6 * coverage
                partial[doc] = (fused, coverage, matched, c)
                if figure_bonus:
                    known = figure_facts.get(doc)
                    if known if known is not None else engine._has_figure(doc, fq):
                        fused += 0.15
                if counted is not None:
                    known = count_facts.get(doc)
                    if known if known is not None else engine._counts(doc, counted):
                        fused += COUNT_BONUS
                if number_malus:
                    known = number_facts.get(doc)
                    if not (known if known is not None else engine._has_number(doc)):
                        fused -= 0.3
                kind = kind_of(doc)
                if kind == "byline" and not matched:
                    fused -= 0.2
                if kind in wanted_kinds:
                    fused += 0.3
                if doc in pictured:
                    fused += PICTURED_BONUS
                if frame is not None and engine._states_frame(doc, frame):
                    fused += PURPOSE_BONUS
                # _Scored(...) without the named tuple's Python-level __new__
                s = scored_of[doc] = _new_tuple(_Scored, (doc, fused, coverage, matched, ws, bs))
                finished.append((-fused, doc, s))
            finished.sort()
            self._emitted: list[_Scored] = [f[2] for f in finished]
            self._bounds: list[tuple[float, int]] = []
            return
        bounds = []
        for c, degree in zip(cands, rows):
            matched = tuple(compress(terms, degree))  # degree > 0
            coverage = sum(map(mul, term_weights, degree)) / total
            fused = 0.35 * max(c.word_score, 0.0) / max_w + 0.35 * max(c.bigram_score, 0.0) / max_b + 0.6 * coverage
            self._partial[c.doc] = (fused, coverage, matched, c)
            bound = fused  # every bonus that might still be added, in the same order
            if self.figure_bonus:
                bound += 0.15
            if self.counted is not None:
                bound += COUNT_BONUS
            if kind_of(c.doc) in wanted_kinds:
                bound += 0.3
            if c.doc in pictured:
                bound += PICTURED_BONUS
            if frame is not None:
                bound += PURPOSE_BONUS
            bounds.append((-(bound + 1e-9), c.doc))  # a margin for rounding
        bounds.sort()
        self._bounds = bounds
        self._emitted = []

    def _complete(self, doc: int) -> _Scored:
        """The candidate's fused score: figure bonuses and penalties, then the kind bonus."""
        scored = self._scored.get(doc)
        if scored is None:
            engine = self.engine
            fused, coverage, matched, c = self._partial[doc]
            if self.figure_bonus:
                known = self._figure_facts.get(doc)
                if known if known is not None else engine._has_figure(doc, self.fq):
                    fused += 0.15
            if self.counted is not None:
                known = self._count_facts.get(doc)
                if known if known is not None else engine._counts(doc, self.counted):
                    fused += COUNT_BONUS  # "1.3万多个基层党组织": the passage counts what is asked
            if self.number_malus:
                known = self._number_facts.get(doc)
                if not (known if known is not None else engine._has_number(doc)):
                    fused -= 0.3  # a "how many" question is not answered by a passage with no number
            kind = engine._kind_of(doc)
            if kind == "byline" and not matched:
                fused -= 0.2
            if kind in self.wanted_kinds:
                fused += 0.3  # "图片里…" asks about a caption, "谁写的" about the byline
            if doc in self.pictured:
                fused += PICTURED_BONUS  # 「第二张图片」: that caption, whatever the words
            if self.frame is not None and engine._states_frame(doc, self.frame):
                fused += PURPOSE_BONUS  # 「为什么要开展…」: the passage that says what it is for
            scored = self._scored[doc] = _Scored(doc, fused, coverage, matched, c.word_score, c.bigram_score)
        return scored

    def _finish(self, count: int) -> None:
        for _, doc in self._bounds[self._next : self._next + count]:
            scored = self._complete(doc)
            heapq.heappush(self._heap, (-scored.fused, doc, scored))
        self._next = min(self._next + count, len(self._bounds))

    def _pop(self) -> _Scored | None:
        while True:
            if self._heap and (self._next >= len(self._bounds) or self._heap[0][0] < self._bounds[self._next][0]):
                # strictly better than any unfinished bound (an equal one could win on passage)
                s = heapq.heappop(self._heap)[2]
                self._emitted.append(s)
                return s
            if self._next >= len(self._bounds):
                return None
            self._finish(self._STEP)

    def __iter__(self) -> Iterator[_Scored]:
        i = 0
        while True:
            if i < len(self._emitted):
                yield self._emitted[i]
            elif self._pop() is None:
                return
            else:
                continue
            i += 1

    def first(self) -> _Scored:
        if not self._bounds and self._emitted:  # everything finished and sorted already
            return self._emitted[0]
        return next(iter(self))

    def take(self, count: int) -> list[_Scored]:
        if not self._bounds:  # everything finished and sorted already
            return self._emitted[:count]
        return list(itertools.islice(self, count))

    def coverage(self, doc: int) -> float:
        return self._partial[doc][1]

    def having_all(self, words: list[str]) -> set[int]:
        """The candidates that have every one of ``words`` (degree above 0)."""
        out = set(self._partial)
        for w in words:
            out &= self.matches.degrees(w).keys()
        return out

    def among(self, docs: set[int]) -> Iterator[_Scored]:
        """The candidates ``docs`` in score order (finishing only those)."""
        if len(docs) == len(self._partial):
            yield from self
            return
        if not self._bounds:  # everything finished and sorted already
            yield from (s for s in self._emitted if s.doc in docs)
            return
        sub = _Ranking.__new__(_Ranking)
        sub.__dict__.update(self.__dict__)
        sub._bounds = [b for b in self._bounds if b[1] in docs]
        sub._next, sub._heap, sub._emitted = 0, [], []
        yield from sub  # shares _scored: a candidate is finished once


class _Matches:
    """Which passages have which question words.

    A word is found in a passage when the passage has it as a word; else, when the word's
    character bigrams are all among the passage's bigrams (segmentation may differ between
    question and passage); else, when the passage text contains it. A longer word the passage
    lacks is found to the degree its dictionary sub-words are (基层干部 → 基层, 干部).

    Made for one question's candidates, or (small knowledge) for every passage once, keeping
    what it found per word: a word is then looked up once, not once per question.
    """

    def __init__(self, engine: Engine, docs: Sequence[int], corpus_wide: bool = False) -> None:
        self.engine = engine
        self.docs = docs
        self._having: dict[str, set[int]] = {}
        self._degrees: dict[str, dict[int, float]] = {}
        self._dense: dict[str, list[float]] = {}
        self._texts = engine._norm_texts
        self._titles: dict[str, str] = {}  # section title -> its normal form
        # character -> the passages that have it (corpus-wide only; filled on demand)
        self._chars: dict[str, frozenset[int]] | None = {} if corpus_wide else None

    def having(self, term: str) -> set[int]:
        """The passages (of ``docs``) that have ``term``."""
        hit = self._having.get(term)
        if hit is not None:
            return hit
        e = self.engine
        words = e.index.words
        hit = words.docs_with(words.col(term), self.docs)
        rest = [d for d in self.docs if d not in hit]
        if rest:
            if len(term) == 1 or not has_cjk(term):
                hit.update(self._containing(term, rest))
            else:
                cjk = "".join([ch for ch in term if is_cjk(ch)])
                grams = [cjk[i : i + 2] for i in range(len(cjk) - 1)] or [cjk]
                bigrams = e.index.bigrams
                ok: set[int] = set(rest)
                for g in dict.fromkeys(grams):
                    ok = bigrams.docs_with(bigrams.col(g), ok)
                    if not ok:
                        break
                hit |= ok
                hit.update(self._containing(term, [d for d in rest if d not in ok]))
        if len(self._having) >= TERM_MEMO:
            self._having.clear()
        self._having[term] = hit
        return hit

    def _containing(self, term: str, docs: list[int]) -> list[int]:
        """The passages of ``docs`` whose normalised text contains ``term``."""
        if self._chars is not None and docs:
            # Only passages with every character of the word can contain it.
            maybe: frozenset[int] | None = None
            for ch in set(term):
                with_ch = self._chars.get(ch)
                if with_ch is None:
                    with_ch = self._chars[ch] = frozenset([d for d in self.docs if ch in self._text(d)])
                if not with_ch:
                    return []
                maybe = with_ch if maybe is None else maybe & with_ch
            if maybe is not None:
                docs = [d for d in docs if d in maybe]
        saved = self.engine.index.texts
        if saved is not None:
            # (the texts _norm_text reads: searched where they are stored, none decoded)
            return saved.containing(term, docs)
        texts = self._texts
        out = []
        for d in docs:
            text = texts.get(d)
            if text is None:
                text = self.engine._norm_text(d)
            if term in text:
                out.append(d)
        return out

    def _text(self, doc: int) -> str:
        text = self._texts.get(doc)
        return text if text is not None else self.engine._norm_text(doc)

    def degrees(self, term: str, parts: bool = True) -> dict[int, float]:
        """Passage → degree, for the passages with a degree above 0 (1.0: has the word).

        ``parts=False``: the word itself (or its synonyms) only, not its sub-words."""
        key = term if parts else "\x00" + term
        deg = self._degrees.get(key)
        if deg is not None:
            return deg
        hit = self.having(term)
        deg = dict.fromkeys(hit, 1.0)
        for d in self._in_title_only(term, hit):
            deg[d] = TITLE_DEGREE
        if parts and len(term) >= 3 and len(hit) < len(self.docs):
            subs = self.engine.tokenizer.subwords(term)
            if subs:
                found = [self.having(t) for t in subs]
                for d in self.docs:
                    if d not in hit:
                        k = sum(1 for f in found if d in f)
                        if k:
                            deg[d] = k / len(subs)
        if not deg:
            # A word no passage has counts, a little less, where the passages have a synonym.
            for alt in self.engine._expansions(term):
                for d, v in self.degrees(alt).items():
                    deg[d] = max(deg.get(d, 0.0), EXPANSION_DEGREE * v)
        if len(self._degrees) >= TERM_MEMO:
            self._degrees.clear()
            self._dense.clear()
        self._degrees[key] = deg
        return deg

    def _in_title_only(self, term: str, hit: set[int]) -> list[int]:
        """The passages of ``hit`` that have ``term`` only through their section's title.

        A section's title is context for every paragraph under it, so it says little about
        which of them answers: 「知行合一」 titles a section of five paragraphs and is said in
        one of them."""
        e = self.engine
        passages = e.knowledge.passages
        titles = self._titles
        tok = e.tokenizer
        out = []
        for d in hit:
            section = passages.section_of(d) if isinstance(passages, PassageList) else passages[d].section
            if not section:
                continue
            title = titles.get(section)
            if title is None:
                title = titles[section] = normalize(section)
            if term not in title:
                continue
            body = normalize(passages[d].text)
            if term not in body and term not in {tok.canonical(t) for t in tok.cut(body)}:
                out.append(d)
        return out

    def dense(self, term: str, parts: bool = True) -> list[float]:
        """:meth:`degrees` as a list over every passage (0.0: not found); corpus-wide only."""
        key = term if parts else "\x00" + term
        row = self._dense.get(key)
        if row is None:
            get = self.degrees(term, parts).get
            row = self._dense[key] = [get(d, 0.0) for d in range(len(self.docs))]
        return row


class _ResidentBudget:
    """Keeps the pages of the saved index that this process has mapped under a budget.

    A memory-mapped index is read where a question leads: the posting lists of its words, the
    texts of its candidates (and, read ahead by the kernel, their neighbours). Over thousands of
    questions the whole index (~3 GB at a million passages) would become resident in this
    process. After an answer, when the process is resident above ``RESIDENT_BUDGET``, the maps'
    pages are unmapped (``release_pages``): they stay in the page cache, so the next question
    that needs one maps it again without reading the disk (a minor fault per page)."""

    def __init__(self, maps: tuple, budget: int) -> None:
        self.maps = maps
        self.budget_pages = budget // os.sysconf("SC_PAGE_SIZE")
        self._statm = os.open("/proc/self/statm", os.O_RDONLY)

    @classmethod
    def of(cls, engine: Engine) -> _ResidentBudget | None:
        """For an engine whose saved index is mapped and big enough to matter, else None."""
        index = engine.index
        maps = (
            *getattr(index.words.bm25, "mapped", ()),
            *getattr(index.bigrams.bm25, "mapped", ()),
            *(index.texts.mapped if index.texts is not None else ()),
            *getattr(engine.knowledge.passages, "mapped", ()),
        )
        if sum(len(m) for m in maps) < RESIDENT_BUDGET // 2:
            return None
        try:
            return cls(maps, RESIDENT_BUDGET)
        except (OSError, ValueError, AttributeError):  # no /proc: no budget
            return None

    def check(self) -> None:
        try:
            resident = int(os.pread(self._statm, 64, 0).split()[1])
        except (OSError, ValueError, IndexError):
            return
        if resident > self.budget_pages:
            release_pages(self.maps)

    def __del__(self) -> None:
        try:
            os.close(self._statm)
        except (OSError, AttributeError):
            pass


# Resident memory above which the saved index's pages are unmapped after an answer. The page
# cache holds the index in large folios (2 MiB on ext4 here) and a fault maps a whole one, so
# a million passages' answers map ~30 MiB each: at 1 GiB the maps were dropped every ~18
# answers and refaulted (1M, 600 answers: 34 releases, p50 2.15-2.18 ms fresh, peak 1,057-1,065
# MiB); at 1.25 GiB, 18 releases, 1.99-2.07 ms, peak 1,301 MiB -- under issue 5's 1.5 GiB.
RESIDENT_BUDGET = 5 << 28


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while the knowledge is loaded and indexed: millions of
    objects are made there and all stay, and each full collection would walk them all again
    (a third of the time to parse 100k passages). Collection resumes afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_new_tuple = tuple.__new__
_K = TypeVar("_K")
_V = TypeVar("_V")


class _Memo(dict[_K, _V]):
    """A dict that forgets everything when full: bounded memory, no bookkeeping per hit."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def put(self, key: _K, value: _V) -> _V:
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value


def build_index(
    tokenizer: Tokenizer,
    passages: Sequence[Passage],
    progress: Callable[[int, int, int], None] | None = None,
    *,
    workers: int | None = None,
    pool: ProcessPoolExecutor | None = None,
) -> PassageIndex:
    """Tokenize every passage (headings included) and build both BM25 channels.

    Small knowledge is analysed passage by passage. From ``BATCH_MIN_PASSAGES`` on, batches of
    passages go through :class:`BatchAnalyzer` (same tokens, vectorised), and from
    ``PARALLEL_MIN_PASSAGES`` on in ``workers`` processes (default: one per CPU), each with its
    own tokenizer; batches are merged in order, so the index is the same either way.
    ``pool`` (from :func:`_start_pool`, already starting) is used for those processes, and
    shut down in any case.
    """
    try:
        return _build_index(tokenizer, passages, progress, workers, pool)
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def _build_index(
    tokenizer: Tokenizer,
    passages: Sequence[Passage],
    progress: Callable[[int, int, int], None] | None,
    workers: int | None,
    pool: ProcessPoolExecutor | None,
) -> PassageIndex:
    total = len(passages)
    glossary = tokenizer.lexicon.glossary
    if total < BATCH_MIN_PASSAGES:
        words: list[tuple[str, ...]] = []
        bigrams: list[tuple[str, ...]] = []
        norms: list[str] = []
        chars = 0
        for i, p in enumerate(passages, 1):
            text = passage_document_text(p, glossary)
            norm = normalize(text)
            a = tokenizer.analyze(norm, normalized=True)
            words.append(a.words)
            bigrams.append(a.bigrams)
            norms.append(norm)
            chars += len(text)
            if progress is not None and (i % 2000 == 0 or i == total):
                progress(i, total, chars)
        index = PassageIndex.build(words, bigrams)
        index.texts = PassageTexts.join([PassageTexts.encode("\n".join(norms), len(norms))])
        return index
    if workers is None:
        workers = _cpu_count() if total >= PARALLEL_MIN_PASSAGES else 1
    spans = [(i, min(i + BATCH_PASSAGES, total)) for i in range(0, total, BATCH_PASSAGES)]
    merger = IndexMerger()
    chars = 0
    if workers <= 1 and pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)
        pool = None
    for (start, stop), batch in zip(spans, _analyze_batches(tokenizer, passages, spans, workers, pool)):
        merger.add(batch)
        chars += sum([len(p.text) + len(p.context) + 1 if p.context else len(p.text) for p in passages[start:stop]])
        if progress is not None:
            progress(stop, total, chars)
    return merger.build()


BATCH_MIN_PASSAGES = 4_000  # BatchAnalyzer's set-up (~1 s) pays from here
PARALLEL_MIN_PASSAGES = 20_000  # a worker process's start-up (~2 s) pays from here
# Documents this big (~20k passages of 70 characters) start the worker pool before they are parsed.
PARALLEL_MIN_BYTES = 4 << 20
BATCH_PASSAGES = 5_000  # passages per batch (and per task of a worker)


def _cpu_count() -> int:
    try:
        return max(1, min(len(os.sched_getaffinity(0)), 8))
    except AttributeError:
        return max(1, min(os.cpu_count() or 1, 8))


def _document_bytes(files: Sequence[Path]) -> int:
    total = 0
    for path in files:
        try:
            total += path.stat().st_size
        except OSError:
            pass  # load_knowledge names the file
    return total


def _start_pool(lexicon: Lexicon, workers: int) -> ProcessPoolExecutor:
    """Worker processes for :func:`build_index`, spawning now (OSError if they cannot)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: the bot may have threads (Telegram), and forking those is unsafe.
    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_start, initargs=(lexicon,))
    try:
        for _ in range(workers):  # the executor spawns a process per task submitted, up to `workers`
            pool.submit(_worker_ready)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    return pool


def _worker_ready() -> None:
    """A task that makes the executor spawn a worker (which then loads its dictionary)."""


def _analyze_batches(
    tokenizer: Tokenizer,
    passages: Sequence[Passage],
    spans: list[tuple[int, int]],
    workers: int,
    pool: ProcessPoolExecutor | None = None,
) -> Iterator[BatchTokens]:
    """The :class:`BatchTokens` of each span of passages, in order."""
    if workers > 1:
        from concurrent.futures.process import BrokenProcessPool  # only here: 10 ms of imports

        done = 0
        try:
            for batch in _analyze_in_pool(tokenizer.lexicon, passages, spans, workers, pool=pool):
                done += 1
                yield batch
            return
        except (OSError, BrokenProcessPool) as exc:  # no processes here (sandbox, limits): go on alone
            log.warning("indexing in one process: the worker pool failed (%s)", exc)
        spans = spans[done:]
    analyzer = BatchAnalyzer(tokenizer)
    for start, stop in spans:
        yield analyzer.analyze([passage_document_text(p, tokenizer.lexicon.glossary) for p in passages[start:stop]])


def _analyze_in_pool(
    lexicon: Lexicon,
    passages: Sequence[Passage],
    spans: list[tuple[int, int]],
    workers: int,
    pool: ProcessPoolExecutor | None = None,
) -> Iterator[BatchTokens]:
    if pool is None:
        pool = _start_pool(lexicon, workers)
    with pool:
        pending: deque[Future[BatchTokens]] = deque()
        todo = iter(spans)
        for start, stop in itertools.islice(todo, 2 * workers):  # a few tasks ahead, not all
            pending.append(pool.submit(_worker_analyze, [passage_document_text(p, lexicon.glossary) for p in passages[start:stop]]))
        while pending:
            batch = pending.popleft().result()
            nxt = next(todo, None)
            if nxt is not None:
                pending.append(
                    pool.submit(_worker_analyze, [passage_document_text(p, lexicon.glossary) for p in passages[nxt[0] : nxt[1]]])
                )
            yield batch


_WORKER_ANALYZER: BatchAnalyzer | None = None


def _worker_start(lexicon: Lexicon) -> None:
    global _WORKER_ANALYZER
    tokenizer = Tokenizer(lexicon)
    tokenizer.initialize()
    _WORKER_ANALYZER = BatchAnalyzer(tokenizer)
    gc.freeze()  # the dictionary's half a million objects: never garbage, never to be scanned


def _worker_analyze(texts: list[str]) -> BatchTokens:
    assert _WORKER_ANALYZER is not None
    return _WORKER_ANALYZER.analyze(texts)


def _together(text: str, words: list[list[str]], width: int) -> int:
    """The most of ``words`` found within ``width`` characters of ``text`` (from the first one's
    start to the last one's end). Each word is a list of forms: the word, then its pieces
    (the first form found stands for the word)."""
    occ: list[tuple[int, int, int]] = []  # (start, end, which word)
    for k, forms in enumerate(words):
        for form in forms:
            at = text.find(form) if form else -1
            if at != -1:
                while at != -1:
                    occ.append((at, at + len(form), k))
                    at = text.find(form, at + 1)
                break
    occ.sort()
    most = 0
    for lo, (start, _, _) in enumerate(occ):
        inside = set()
        for s, e, k in occ[lo:]:
            if s - start > width:
                break  # sorted by start: nothing further fits
            if e - start <= width:
                inside.add(k)
        most = max(most, len(inside))
    return most


def _pieces(analysis: Analysis) -> dict[str, list[str]]:
    """Each term of 3+ characters → its search-mode sub-words, longest first (各县区 → 各县, 县)."""
    out: dict[str, list[str]] = {}
    for t in analysis.terms:
        if len(t) >= 3:
            # Longest first; equal lengths in the question's order (a set's order would vary
            # from run to run with the hash seed).
            parts = sorted(dict.fromkeys(w for w in analysis.words if w != t and w in t), key=len, reverse=True)
            if parts:
                out[t] = parts
    return out


def _cues(qnorm: str) -> tuple[str, ...]:
    cues = []
    if _TOTAL_CUE.search(qnorm):
        cues.append("total")
    if _NEW_CUE.search(qnorm):
        cues.append("new")
    return tuple(cues)


def _yes_no_statement(qnorm: str) -> bool:
    # 「水塘村是开平市圣堂镇的?」: a statement with 是, a question mark and no question word
    # (what _WH_RE finds, or 吗/呢/么) asks yes or no.
    return "是" in qnorm and qnorm.rstrip().endswith("?") and not _WH_RE.search(qnorm) and not any(ch in qnorm for ch in "吗呢么")


def _marked_followup(qnorm: str) -> bool:
    # A follow-up says so: it opens with 那/那么/还有/另外 or closes with 呢. "今天天气怎么样"
    # after a question about 讲师团 is a new question, not a follow-up.
    return bool(_FOLLOWUP_START_RE.match(qnorm)) or qnorm.rstrip(" ?").endswith("呢")


def passage_document_text(p: Passage, glossary: Sequence[tuple[str, str]] = ()) -> str:
    """What is indexed for a passage: its headings (context), what the abbreviations it uses
    stand for (see ``Lexicon.glossary``), and its text."""
    head = p.context
    if glossary:
        full = [f for abbr, f in glossary if abbr in p.text]
        if full:
            head = " ".join([head, *full]) if head else " ".join(full)
    return f"{head}\n{p.text}" if head else p.text


def _passages_of_kind(passages: Sequence[Passage], kind: str) -> list[list[int]]:
    """The positions of the passages of ``kind`` of each document that has any, in reading order."""
    if isinstance(passages, PassageList):  # saved knowledge: from its columns, no objects made
        import numpy as np

        where = np.flatnonzero(passages.kinds() == KINDS.index(kind))
        docs = passages.documents_of()[where]
        runs = np.flatnonzero(np.diff(docs)) + 1 if len(docs) else np.zeros(0, dtype=np.int64)
        return [part.tolist() for part in np.split(where, runs)] if len(where) else []
    by_doc: dict[str, list[int]] = {}
    for i, p in enumerate(passages):
        if p.kind == kind:
            by_doc.setdefault(p.doc, []).append(i)
    return list(by_doc.values())


def _fingerprint(knowledge: Knowledge) -> str:
    h = hashlib.sha256()
    for p in knowledge.passages:
        h.update(p.id.encode())
        h.update(p.text.encode())
    return h.hexdigest()[:8]


def gold_matches(text: str, gold: str) -> bool:
    """Eval's comparison: ``gold`` in ``text`` after dropping punctuation and white space."""
    return strip_punct(normalize(gold)) in strip_punct(normalize(text))
