"""Figures: every number in a passage with its unit and clause, and ranking them for a question.

Extraction is pure regex over the passage text as published (``value`` is the figure exactly as
written). Each figure carries a *focus* — the words right around it, up to the neighbouring
figure — and for "A、B、C 分别为 X、Y、Z" lists the focus is the matching subject, so a question
about B picks Y.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.models import Figure

# Longest first: the regex alternation takes the first that matches.
_UNITS = sorted(
    """% ‰ 亿元 万元 千元 元钱 元 块钱 块 美元 港元 欧元 公顷 公里 千米 平方公里 平方千米 平方米 立方米 亩 米 厘米
    毫米 吨 千克 公斤 克 升 千瓦时 千瓦 兆瓦 度 万人次 人次 万餐次 餐次 场次 架次 周年 岁 小时 分钟 秒 个月 周 季度
    个 名 项 家 场 次 所 件 户 棵 株 天 年 月 日 位 处 条 批 村 镇 倍 间 套 座 期 届 人 种 类 支 台 辆 份 篇 张 部
    册 本 艘 只 头 匹 例 起 宗 笔 门 首 集 轮 栋 层 床 员 名次 分 万 亿""".split(),
    key=len,
    reverse=True,
)
_UNIT_RE = "|".join(re.escape(u) for u in _UNITS)
# Dates, and recurring days ("每月第1个工作日", "每月10日": when something happens each month).
_DATE_RE = (
    r"(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月|\d{1,2}月\d{1,2}日|\d{1,2}月(?:初|底|中旬|上旬|下旬)"
    r"|每[个]?月第\d{1,2}个工作日|每[个]?月\d{1,2}[日号])"
)
_NUM_RE = rf"""
    (?P<date>{_DATE_RE})
  | (?P<prefix>第|超过|超|约|近|逾|不少于|不到|达)?
    (?P<num>\d+(?:\.\d+)?|(?<=第)[二三四五六七八九十][一二三四五六七八九十]{{0,2}}(?=[\u4e00-\u9fff])
      # 「过千亿元」, 「超百亿元」, 「上万元」: a magnitude without digits, of money only
      # (「万亩千亿」 is a slogan).
      |(?<![\d一二三四五六七八九十两百千万])(?:过|上)?[十百千](?=[万亿]元))
    (?P<mult>万|亿|千|百)?
    (?P<approx>多|余)?
    (?P<unit>{_UNIT_RE})?
    (?P<suffix>以上|以下|左右)?
"""
_FIGURE_RE = re.compile(_NUM_RE, re.X)
# Every character a figure can start with (a date's digit or 每, a prefix's first character, a
# digit, or 二…十 after 第). ``re`` tries the whole alternation of units at every position of
# a text; finding these first and matching only there is ~4x faster and finds the same matches.
_FIGURE_START_RE = re.compile(r"[\d每第超约近逾不达过上二三四五六七八九十百千]")


# 「两荤两素一汤一饭」: a meal counted in dishes (「一顿有几个菜」 asks it). The same groups as
# _FIGURE_RE (the empty ones match nothing), so a match reads like any other figure's; its unit
# is 菜 (_unit_name), which only a question about dishes asks for.
_DISH_RE = re.compile(
    r"(?P<num>[一二两三四五六七八九十](?P<unit>荤)[一二两三四五六七八九十]素)"
    r"(?P<date>)(?P<prefix>)(?P<mult>)(?P<approx>)(?P<suffix>)"
)
# 「几个菜」, 「几道菜」, 「几个餸」: the question counts dishes.
_DISH_ASKED_RE = re.compile(r"(?:多少|几)[个道样款]?(?:菜|餸)")


def _figures_in(text: str) -> list[re.Match[str]]:
    """``list(_FIGURE_RE.finditer(text))``, trying the pattern only where a figure can start;
    and the dish counts of :data:`_DISH_RE`."""
    out = []
    search, match = _FIGURE_START_RE.search, _FIGURE_RE.match
    pos = 0
    while (s := search(text, pos)) is not None:
        at = s.start()
        m = match(text, at)  # a look-behind still sees text before ``at``, as in finditer
        if m is not None and m.end() > at:
            out.append(m)
            pos = m.end()
        else:
            pos = at + 1
    if "荤" in text:  # rare: other texts pay one substring test
        dishes = [d for d in _DISH_RE.finditer(text) if not any(m.start() < d.end() and d.start() < m.end() for m in out)]
        if dishes:
            out = sorted(out + dishes, key=lambda m: m.start())
    return out


def _blank_figures(text: str, matches: list[re.Match[str]] | None = None) -> str:
    """``_FIGURE_RE.sub(" ", text)``, with the matches of :func:`_figures_in` (given, or found)."""
    if matches is None:
        matches = _figures_in(text)
    if not matches:
        return text
    parts = []
    last = 0
    for m in matches:
        parts.append(text[last : m.start()])
        last = m.end()
    parts.append(text[last:])
    return " ".join(parts)
_CLAUSE_SPLIT_RE = re.compile(r"[,，;；。!！?？:：…]+|——")
_LIST_SEP_RE = re.compile(r"、|以及|及|和")
_SENTENCE_END_RE = re.compile(r"[。!！?？]")
_MONEY_UNITS = {"亿元", "万元", "千元", "元", "元钱", "块钱", "块"}
_TOTAL_WORDS = re.compile(r"总数|总量|总计|合计|累计|(?<![公总])共(?![同建享])|达(?![成到])")  # not 公共, 共同, 达成
_NEW_WORDS = re.compile(r"新增|新建|增加")
# A clause that opens with the verb of a share or a change has the previous clause's subject:
# 「完成民生支出347.3亿元,占一般公共预算支出的76.4%」 — the 76.4% is of 民生支出.
_SUBJECTLESS_RE = re.compile(r"\s*(?:占|同比|比上年|较上年)")
# The longest verbatim run of the question around a figure counts 1/RUN_SCALE per character.
RUN_SCALE = 6.0
_SHOWN_PREFIXES = {"第", "超过", "超", "约", "近", "逾", "不少于", "不到"}


@dataclass(frozen=True)
class _Found:
    figure: Figure
    focus: str  # the words that say what the figure counts
    inherited: str = ""  # the previous clause, for a clause with no subject of its own
    before: str = ""  # the focus words before the figure, up to the previous figure
    # The words between the figure and the next figure of its list segment, if one follows:
    # "部署的179项任务完成…161项" -- a verb there is the next figure's (完成161项), not this one's.
    leads_to: str = ""


def kind_matches(wanted: str, kind: str, value: str) -> bool:
    """Whether a figure of ``kind`` answers a question asking for ``wanted``: a recurring day
    (每月第1个工作日, a date) also answers 第几个工作日 (an ordinal); a date with its year
    (2023年9月19日) answers 哪一年."""
    return (
        kind == wanted
        or (wanted == "ordinal" and kind == "date" and "第" in value)
        or (wanted == "year" and kind == "date" and "年" in value)
    )


def _kind(prefix: str, unit: str, is_date: bool, num: str) -> str:
    if is_date:
        return "date"
    if prefix == "第":
        return "ordinal"
    if unit in ("%", "‰"):
        return "percent"
    if unit in _MONEY_UNITS:
        return "money"
    if len(num) == 4 and num.startswith(("19", "20")) and unit in ("年", ""):
        return "year"
    return "count"


def _unit_name(unit: str, mult: str) -> str:
    if unit in ("元钱", "块钱", "块"):
        return "元"
    if unit == "荤":
        return "菜"  # 两荤两素: dishes
    if unit in ("万", "亿") and not mult:
        return unit
    return unit


def _inside_quotes(text: str, pos: int) -> bool:
    """Whether ``pos`` is inside “…” — slogans such as “1310” and “1+6+3” are names, not figures."""
    opened = text.rfind("“", 0, pos)
    return opened != -1 and text.rfind("”", 0, pos) < opened


def _clauses(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _CLAUSE_SPLIT_RE.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if b > a]


def clause_at(text: str, pos: int) -> str:
    """The clause of ``text`` (split as figures' clauses are) that holds position ``pos``."""
    for start, end in _clauses(text):
        if start <= pos < end:
            return text[start:end]
    return ""


def _list_commas(clause: str) -> list[int]:
    """Positions of 、 outside brackets."""
    if "、" not in clause:
        return []  # most clauses: no character-by-character walk
    out, depth = [], 0
    for i, ch in enumerate(clause):
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth = max(0, depth - 1)
        elif ch == "、" and depth == 0:
            out.append(i)
    return out


def _segment_start(clause: str, pos: int) -> int:
    return max([i + 1 for i in _list_commas(clause) if i < pos], default=0)


def _segment_end(clause: str, pos: int) -> int:
    return min([i for i in _list_commas(clause) if i >= pos], default=len(clause))


def _split_list(text: str) -> list[str]:
    """Split "A、B(市、区)以及C" on list separators outside brackets."""
    parts, depth, last = [], 0, 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth = max(0, depth - 1)
        elif depth == 0:
            m = _LIST_SEP_RE.match(text, i)
            if m:
                parts.append(text[last:i])
                last = i = m.end()
                continue
        i += 1
    parts.append(text[last:])
    return [p.strip() for p in parts if p.strip()]


def extract_figures(text: str, passage_id: str) -> list[Figure]:
    """Every figure in ``text``, in reading order."""
    return [f.figure for f in _extract(text, passage_id)]


def figure_spans(text: str) -> list[tuple[int, str, str, str]]:
    """``(start, value, unit, kind)`` of every figure :func:`extract_figures` finds, without the
    clause and focus work (what ranking passages needs; several times faster).

    One scan of the whole text finds the same matches as one scan per clause: no match can
    contain a clause separator.
    """
    out = []
    n = len(text)
    for m in _figures_in(text):
        date, num = m.group("date"), m.group("num")
        if not (date or num):
            continue
        pos, end = m.start(), m.end()
        before = text[pos - 1] if pos > 0 else ""
        after = text[end] if end < n else ""
        if (before and before in "+.") or after == "+" or (before.isascii() and before.isalnum()):
            continue  # part of "1+6+3", a version, or a word such as "G20"
        raw_unit = m.group("unit") or ""
        mult = m.group("mult") or ""
        if num and not raw_unit and not mult and _inside_quotes(text, pos):
            continue
        if date:
            out.append((pos, date.strip(), "", "date"))
            continue
        prefix = m.group("prefix") or ""
        start = m.start("prefix") if prefix in _SHOWN_PREFIXES else m.start("num")
        unit = _unit_name(raw_unit, mult)
        if unit == "元" and mult:
            unit = mult + "元"
        out.append((pos, text[start:end].strip(), unit, _kind(prefix, raw_unit, False, num)))
    return out


def _extract(text: str, passage_id: str) -> list[_Found]:
    found: list[_Found] = []
    previous = ""
    # Parallel clauses leave out the object they share: "市领导班子成员领办民生实事54项,7个县
    # (市、区)领导班子成员领办237项" — 237项 are 民生实事 too. The text before each counted
    # figure of the sentence so far, with its unit.
    seen: list[tuple[str, str]] = []
    clauses = _clauses(text)
    for ci, (c_start, c_end) in enumerate(clauses):
        clause = text[c_start:c_end]
        if ci and _SENTENCE_END_RE.search(text, clauses[ci - 1][1], c_start):
            # A new sentence: "时间回溯。2023年9月19日,市领导…读书班开班" — the date's subject
            # is what follows it, not the sentence before.
            seen = []
            previous = ""
        raw = _figures_in(clause)
        if not raw:
            previous = clause  # no figure: nothing below applies (most clauses)
            continue
        matches = []
        for m in raw:
            if not m.group(0) or not (m.group("date") or m.group("num")):
                continue
            pos = c_start + m.start()
            before = text[pos - 1] if pos > 0 else ""
            after = text[c_start + m.end()] if c_start + m.end() < len(text) else ""
            if (before and before in "+.") or after == "+" or (before.isascii() and before.isalnum()):
                continue  # part of "1+6+3", a version, or a word such as "G20"
            unit = m.group("unit") or ""
            if m.group("num") and not unit and not m.group("mult") and _inside_quotes(text, pos):
                continue
            matches.append(m)
        spans = [(m.start(), m.end()) for m in matches]
        # "江门新增长者饭堂48家,总数达114家": a clause with (almost) nothing but its figure
        # talks about the previous clause's subject — Chinese topic chaining.
        bare = "".join(clause[a:b] for a, b in zip([0] + [e for _, e in spans], [s for s, _ in spans] + [len(clause)]))
        inherited = ""
        if matches and (len(bare.strip()) <= 4 or _SUBJECTLESS_RE.match(clause)):
            # "2月初,恩平市…种上了300棵": a bare clause opening a sentence belongs to the next one.
            if previous:
                inherited = previous
            elif ci + 1 < len(clauses):
                inherited = _blank_figures(text[clauses[ci + 1][0] : clauses[ci + 1][1]])
        previous = _blank_figures(clause, raw)
        for i, m in enumerate(matches):
            if m.group("date"):
                value, unit, kind = m.group("date"), "", "date"
            else:
                prefix = m.group("prefix") or ""
                shown = prefix if prefix in _SHOWN_PREFIXES else ""
                start = m.start("prefix") if shown else m.start("num")
                value = clause[start : m.end()]
                unit = _unit_name(m.group("unit") or "", m.group("mult") or "")
                if unit == "元" and m.group("mult"):
                    unit = m.group("mult") + "元"  # 347.3亿元 is counted in 亿元
                kind = _kind(prefix, m.group("unit") or "", False, m.group("num"))
            # The focus stops at the neighbouring figure and at list commas (、) outside
            # brackets: in "1个市级…枢纽、7个县级…市场" the 7 is about 县级, not 市级.
            seg_end = _segment_end(clause, m.end())
            lo = max(spans[i - 1][1] if i > 0 else 0, _segment_start(clause, m.start()))
            hi = min(spans[i + 1][0] if i + 1 < len(spans) else len(clause), seg_end)
            # "鹤山及6个镇60个村入选…": the words after the last figure of a chain are the
            # predicate of every figure in it.
            last = max((j for j, (a, _) in enumerate(spans) if a < seg_end), default=i)
            tail = clause[spans[last][1] : seg_end] if last > i else ""
            focus = clause[lo : m.start()] + " " + clause[m.end() : hi] + " " + tail
            if kind == "count" and unit:
                focus += _shared_object(clause[lo : m.start()], unit, seen)
            fig = Figure(value.strip(), unit, clause.strip(), passage_id, kind, c_start + m.start())
            leads_to = clause[m.end() : hi] if i + 1 < len(spans) and spans[i + 1][0] <= seg_end else ""
            before = clause[lo : m.start()]
            if i and not before.strip() and clause[: m.start()].rstrip().endswith("、"):
                # 「已建成1个市级零工市场枢纽、7个县级零工市场、80个就业驿站」: an item of a
                # list has the verb that opens the list.
                before = found[-1].before
            found.append(_Found(fig, focus, inherited, before, leads_to))
        _respectively(clause, matches, found)
    return found


def _shared_object(before: str, unit: str, seen: list[tuple[str, str]]) -> str:
    """The object a parallel clause leaves out (see ``seen`` in :func:`_extract`): when the
    figure follows its verb directly (…领办237项), what followed the same verb before an
    earlier figure of the unit in the sentence (…领办民生实事54项). ``before`` is the text from
    the previous figure or the clause start to this figure; it is added to ``seen``."""
    out = ""
    verb = before[-2:]
    if len(verb) == 2 and _ALL_HAN_RE.fullmatch(verb):
        for earlier, earlier_unit in reversed(seen):
            at = earlier.rfind(verb, 0, len(earlier) - 2)
            obj = earlier[at + 2 :] if at != -1 and earlier_unit == unit else ""
            if 0 < len(obj) <= 8 and _ALL_HAN_RE.fullmatch(obj):
                out = " " + obj
                break
    seen.append((before, unit))
    return out


def _respectively(clause: str, matches: list[re.Match[str]], found: list[_Found]) -> None:
    """Give each figure of "A、B、C…分别为X、Y、Z" its own subject as focus."""
    at = clause.find("分别")
    if at == -1:
        return
    tail = [m for m in matches if m.start() > at]
    if len(tail) < 2:
        return
    subjects = _split_list(clause[:at])
    if len(subjects) != len(tail):
        return
    # The shared predicate hangs on the last subject ("市直单位领导调研成果转化"): cut it where
    # an earlier subject's ending (领导) recurs, and give the predicate to every subject.
    last, predicate = subjects[-1], ""
    for other in subjects[:-1]:
        end = other[-2:]
        cut = last.rfind(end)
        if len(end) == 2 and 0 < cut and cut + 2 < len(last):
            last, predicate = last[: cut + 2], last[cut + 2 :]
            break
    subjects[-1] = last
    first = len(found) - len(matches) + matches.index(tail[0])
    for k, subject in enumerate(subjects):
        f = found[first + k]
        found[first + k] = _Found(f.figure, f"{subject} {predicate}", f.inherited, f.before)


@dataclass(frozen=True)
class FigureQuery:
    """What a question asks for: a unit (名, 个, 元 …) and/or a kind (money, percent, date …).

    ``verb`` is the word right before 多少/几 ("完成了多少项" → 完成): the figure it asks for
    usually follows that verb in the text ("完成161项").
    """

    unit: str = ""
    kind: str = ""
    wants_number: bool = False
    verb: str = ""
    nouns: tuple[str, ...] = ()  # what is counted: "几个镇" → (镇,)
    stated: str = ""  # 「新增的长者饭堂是48家吗」: the figure the question asks to confirm


# Counters people use but the article does not (几趟, 几回, 多少餐): see _UNIT_ALIASES and
# _unit_matches (餐 starts 餐次).
_ASK_ONLY_UNITS = "|趟|回|遍|顿|餐"
_UNIT_AFTER_MULT_RE = re.compile(rf"(?:{_UNIT_RE})")
# Not 哪几个 (which ones), 第几 (an ordinal), 排老几, 这几件事 (these few), 好几条 (several), 几乎.
_ASK_UNIT_RE = re.compile(rf"(?:多少|(?<![哪第老这那好])几(?!乎)|若干)(?P<unit>{_UNIT_RE}{_ASK_ONLY_UNITS})?")
# A money cue that asks for an amount. 「…的钱一共有多少」: money asked with 钱 before 多少 (the
# words before 的钱 only say which).
_MONEY_AMOUNT = r"多少钱|几块|几元|价格|价钱|多少元|花了?多少(?![时天年月小分])|费用|收费|钱(?:一共|总共|总计|加起来)?(?:有|要|是|花了?)?多少"
_MONEY_AMOUNT_RE = re.compile(_MONEY_AMOUNT)
_KIND_CUES = [
    # ... or an adjective of price (多贵, 便宜), which may only describe what is counted
    ("money", re.compile(_MONEY_AMOUNT + r"|多贵|便宜")),
    ("percent", re.compile(r"比例|百分之|占比|百分比|比重|多少%|几成|百分点|(?<!效)率(?:到底|究竟|大概|大约|目前|现在)?(?:是|为|有|达|多|怎|如何|\?|$)")),
    ("time", re.compile(r"几点|几时开|什么时间开|营业时间|开门时间|几点开|几点关")),
    ("ordinal", re.compile(r"第几|排第|排名|排多少|名次|排老几|老几")),
    ("year", re.compile(r"哪年|哪一年|那年|几几年|哪个年份|什么年份")),
    ("date", re.compile(r"哪天|哪一天|几号|什么时候|何时|哪个月|几月|日期|什么时间")),
]


# Compiled once (re.search with a pattern string looks it up in re's cache on every call).
_AGE_RE = re.compile(r"多大年纪|年纪多大|多少岁|几岁|岁数|多大了|年龄")
_LENGTH_RE = re.compile(r"多长|多远|多少公里|长度|距离")
_AREA_RE = re.compile(r"多大面积|面积多大|面积有多|多少面积|多少亩|多少公顷|多少平方")
_WANTS_RE = re.compile(r"多大|多长|多远|多高|多久|(?<![哪这那好])几(?!乎)|多不多|多吗")
_ALL_HAN_RE = re.compile(r"[\u4e00-\u9fff]+")
# A question that is only what it counts: 「讲师团宣讲场次？」, 「长者饭堂总数」.
_COUNT_NOUNS = "场次|人次|餐次|次数|人数|户数|个数|件数|项数"  # a count named by its counter
_TERSE_COUNT_RE = re.compile(rf"({_COUNT_NOUNS}|数量|总数)\s*[?!。]*\s*$")
# 「宣讲的场次是多少」: the counter named right before 多少 says which figure, as 多少场 would.
_COUNTER_BEFORE_RE = re.compile(rf"({_COUNT_NOUNS})(?:一共|总共|共|大概|大约|到底)?(?:是|有|为|达到?)?$")
_TERSE_UNITS = {"次数": "次", "人数": "人", "户数": "户", "个数": "个", "件数": "件", "项数": "项", "数量": "", "总数": ""}


def figure_query(question: str, tokens: Sequence[str] = (), nouns: Sequence[str] = (), confirm: bool | None = None) -> FigureQuery:
    """Detect from the (normalised) question what kind of figure it wants.

    ``tokens`` is the question's plain jieba cut (for the verb before 多少); ``nouns`` is what
    it counts, if the caller knows (the tokenizer's ``asked_noun``). ``confirm``: whether the
    question asks to confirm what it states (吗, 是不是 …), if the caller knows it from the words
    as asked (a question's normal form has dropped them).
    """
    kind = ""
    for name, cue in _KIND_CUES:
        if cue.search(question):
            kind = name
            break
    unit = ""
    m = _ASK_UNIT_RE.search(question)
    if m:
        unit = _unit_name(m.group("unit") or "", "")
        if unit in ("万", "亿"):
            # 「多少万件」 counts 件 (56.4万件): the multiplier is part of the number.
            after = _UNIT_AFTER_MULT_RE.match(question, m.end())
            if after:
                unit = _unit_name(after.group(0), "")
        if not unit and question[m.end() - 1 : m.end()] == "个":
            unit = "个"
        if unit == "个" and (question[m.end() : m.end() + 2].lstrip()[:1] == "人" or (nouns and nouns[-1][-1:] == "员")):
            unit = "人"  # 「讲师团几个人」, 「成员有几多个」 count people (88名), not things
        if not unit:
            named = _COUNTER_BEFORE_RE.search(question, 0, m.start())
            if named:
                unit = _TERSE_UNITS.get(named.group(1), named.group(1))
        if unit in ("年", "月", "日", "天") and kind in ("date", "year"):
            unit = ""
    if unit == "镇" and m and m.group("unit") == unit:
        # 「鹤山有多少镇入选」: the article counts towns with 个 (6个镇). (Not 村: 「多少村集体收入
        # 超百万」 is answered by a share, 50%以上.)
        unit, nouns = "个", (tuple(nouns) or (m.group("unit"),))
    if _DISH_ASKED_RE.search(question):
        unit = "菜"
    if kind == "ordinal":
        unit = ""  # "第几名": 名 is part of the ordinal, not a counter
    if kind == "money" and unit and not unit_matches("元", unit) and not _MONEY_AMOUNT_RE.search(question):
        kind = ""  # 「便宜食堂新开了多少家」: 便宜 describes what is counted (家), it asks no price
    if kind == "money":
        unit = unit or "元"
    if kind == "percent":
        unit = "%"
    if not unit and not kind:
        # 「绿化了多长」 asks for a length, 「多大面积」 for an area, 「多大年纪」 an age: the unit
        # says which figure.
        if _AGE_RE.search(question):
            unit = "岁"
        elif _LENGTH_RE.search(question):
            unit = "公里"
        elif _AREA_RE.search(question):
            unit = "公顷"
    terse = None if m or kind else _TERSE_COUNT_RE.search(question)
    if terse and not unit:
        # 「讲师团宣讲场次？」: a count named by its counter, with no 多少.
        unit = _TERSE_UNITS.get(terse.group(1), terse.group(1))
    wants = bool(m) or bool(kind) or bool(terse) or bool(_WANTS_RE.search(question))
    stated = ""
    if not m and (CONFIRM_RE.search(question) if confirm is None else confirm):
        # 「…是48家吗」, 「我记得有98万餐次,对不对」: the figure to confirm (or correct) is the
        # last one the question states; its unit is the unit asked.
        spans = [sp for sp in figure_spans(question) if sp[3] not in ("date", "year")]
        if spans:
            # The one after the last 是/有 (「是不是全省第5个…过千亿元的地市」 checks 第5个).
            cue = max((c.end() for c in _CONFIRM_VERB_RE.finditer(question)), default=0)
            _, stated, stated_unit, stated_kind = next((sp for sp in spans if sp[0] >= cue), spans[-1])
            if stated_kind == "ordinal":
                kind, unit = kind or "ordinal", ""
            else:
                unit = unit or stated_unit
                if not kind and stated_kind in ("money", "percent"):
                    kind = stated_kind
                elif not kind and re.search(re.escape(stated) + r"\s*点(?:钟|半)?(?![0-9])", question):
                    kind = "time"  # 「是中午11点开饭的吧」 states a time of day, which only a time confirms
            wants = True
    verb = ""
    toks = [t for t in tokens if t.strip()]
    for i, tok in enumerate(toks):
        if tok.startswith(("多少", "几")):
            j = i - 1
            while j >= 0 and toks[j] in ("了", "过", "出"):
                j -= 1
            if j >= 1 and toks[j] in ("有", "是", "共有", "一共有", "总共有") and toks[j - 1] == "的":
                j -= 2  # 「完成或阶段性完成的有多少项」: those that were done (完成161项)
            if j >= 0 and len(toks[j]) >= 2 and toks[j] not in _WEAK_VERBS and _ALL_HAN_RE.fullmatch(toks[j]):
                verb = toks[j]
            else:
                # 「有多少项已经完成」: an adverb after the count marks the verb that follows it.
                k = i + 1
                if k < len(toks) and _unit_name(toks[k], ""):
                    k += 1
                if k + 1 < len(toks) and toks[k] in _PREDICATE_ADVERBS:
                    nxt = toks[k + 1]
                    if len(nxt) >= 2 and nxt not in _WEAK_VERBS and _ALL_HAN_RE.fullmatch(nxt):
                        verb = nxt
            break
    return FigureQuery(unit, kind, wants, verb, tuple(nouns), stated)


# A yes/no check of something stated: 吗, 对吗, 对不对, 是不是, 没错吧, 没记错吧, 真的吗, 是否.
_CONFIRM_VERB_RE = re.compile(r"是不是|是|有|达到?")
CONFIRM_RE = re.compile(r"吗|对不对|是不是|是否|没错吧|没记错吧|对吧|是吧|不是吧|真的假的|吧\s*[?？]?\s*$")


_PREDICATE_ADVERBS = {"已经", "已", "都", "都已", "均", "被", "已被", "都已经"}
_WEAK_VERBS = {"一共", "总共", "共有", "一共有", "总共有", "现在", "目前", "已经", "到底", "究竟", "大概", "大约", "差不多", "能有", "还有"}


def share_of(asked: str, kind: str, text: str, start: int, value: str) -> bool:
    """Whether a percentage at ``start`` is a share of the asked counted noun: "50%以上村集体经营性
    收入超100万元" answers 「多少村…」 (the article gives the share, not the count)."""
    if kind != "percent" or not asked or asked in _MONEY_UNITS:
        return False
    at = text.find(value, start)
    if at == -1:
        return False
    end = at + len(value)
    return text.startswith(asked, end) or text.startswith("的" + asked, end)


def unit_matches(asked: str, unit: str) -> bool:
    """Whether a figure's unit answers the asked one (场 ~ 场次, 元 ~ 亿元, 个 ~ 万个)."""
    known = _UNIT_MATCHES.get((asked, unit))
    if known is None:
        known = _unit_matches(asked, unit)
        if len(_UNIT_MATCHES) >= 65536:
            _UNIT_MATCHES.clear()
        _UNIT_MATCHES[(asked, unit)] = known
    return known


_UNIT_MATCHES: dict[tuple[str, str], bool] = {}  # (asked, unit) -> unit_matches: few units, many figures


def _unit_matches(asked: str, unit: str) -> bool:
    if not asked or not unit:
        return False
    for a in (asked, *_UNIT_ALIASES.get(asked, ())):
        if a == "人" and unit.endswith("人次"):
            continue  # 250万人次 are visits: 「多少人」 asks for people
        if a == unit or unit.endswith(a) or unit.startswith(a) or (a == "元" and "元" in unit):
            return True
    return False


# Counters people use for the article's own (来了几趟 → 13次, 多少条措施 → 119项, 多少人 → 22万多名).
_UNIT_ALIASES = {
    "趟": ("次",),
    "回": ("次",),
    "遍": ("次",),
    "条": ("项",),
    "人": ("名", "位"),
    "位": ("名",),
    "间": ("家", "所"),  # 幾多間飯堂 (Cantonese) → 114家, 几间学校 → 15所
    "家": ("所",),  # institutions: 多少家幼儿园 → 15所 (所 stays strict: 多少所学校 is not 48家饭堂)
    "顿": ("餐次",),
    "份": ("餐次",),  # 「端出去多少份饭」: a portion served is a meal served
    "人次": ("餐次",),  # 「服务了多少人次」: a meal served is a person served once
    "日": ("天",),  # 幾多日 (Cantonese, and written Chinese) → 7天
    "公里": ("米",),  # 千米, 米: any length
    "公顷": ("亩", "平方米", "平方公里", "平方千米"),  # any area
}


def _longest_common_run(a: str, b: str) -> int:
    """Length of the longest common substring of ``a`` and ``b`` (0 below 2).

    The size ``SequenceMatcher(None, a, b, autojunk=False).find_longest_match`` reports, found
    with one substring test per start in ``a``: the best length so far only grows when the run
    starting there is longer.
    """
    return _longest_run_from(a, range(len(a)), b)


def _longest_run_from(a: str, starts: Iterable[int], b: str) -> int:
    """:func:`_longest_common_run` looking only at the runs of ``a`` that begin at ``starts``
    (ascending). The same answer when ``starts`` holds every start whose two characters are
    in ``b``: a run of 2 or more begins at one of them (and a shorter one counts 0)."""
    best = 0
    n = len(a)
    for i in starts:
        if i + best >= n:
            break  # no later start has room for a longer run
        while i + best < n and a[i : i + best + 1] in b:
            best += 1
    return best if best >= 2 else 0


@dataclass(frozen=True)
class PreparedFigure:
    """A figure with what ranking reads of its passage (independent of the question)."""

    figure: Figure
    focus: str  # normalised focus and inherited clause
    clause: str  # normalised clause and inherited clause
    before: str  # the focus words before the figure
    leads_to: str  # the words up to the next figure of its list segment (see _Found)
    end: int  # offset just after the figure's value in the passage text
    respectively: bool  # "分别" in its clause
    total: bool  # its (raw) focus says 总数/累计…
    new: bool  # its (raw) focus says 新增…


@dataclass(frozen=True)
class PreparedPassage:
    """Every figure of a passage, prepared for :func:`rank_prepared`."""

    passage_id: str
    text: str
    figures: tuple[PreparedFigure, ...]
    searchable: str  # every focus and clause, NUL-separated: a term in none of them scores nothing


def prepare_figures(text: str, passage_id: str, normalize_fn: Callable[[str], str]) -> PreparedPassage:
    """The question-independent half of :func:`rank_figures` for one passage (cacheable)."""
    out = []
    for found in _extract(text, passage_id):
        fig = found.figure
        out.append(
            PreparedFigure(
                fig,
                normalize_fn(f"{found.focus} {found.inherited}"),
                normalize_fn(f"{fig.context} {found.inherited}"),
                found.before,
                found.leads_to,
                fig.start + len(fig.value),
                "分别" in fig.context,
                bool(_TOTAL_WORDS.search(found.focus)),
                bool(_NEW_WORDS.search(found.focus)),
            )
        )
    searchable = "\x00".join(s for f in out for s in (f.focus, f.clause))
    return PreparedPassage(passage_id, text, tuple(out), searchable)


def rank_figures(
    passages: list[tuple[str, str, float]],
    query: FigureQuery,
    terms: set[str],
    bigrams: set[str],
    normalize_fn: Callable[[str], str],
    limit: int,
    cues: tuple[str, ...] = (),
    question_text: str = "",
) -> list[Figure]:
    """Figures of the given (passage id, text, weight) list, best first for the question."""
    prepared = [(prepare_figures(text, pid, normalize_fn), weight) for pid, text, weight in passages]
    return rank_prepared(prepared, query, terms, bigrams, limit, cues, question_text)


def rank_prepared(
    passages: Sequence[tuple[PreparedPassage, float]],
    query: FigureQuery,
    terms: set[str],
    bigrams: set[str],
    limit: int,
    cues: tuple[str, ...] = (),
    question_text: str = "",
    pieces: Mapping[str, Sequence[str]] | None = None,
) -> list[Figure]:
    """:func:`rank_figures` over prepared passages (with their weights). ``pieces``: the
    dictionary sub-words of a term (各县区 → 各县, 县), which count in a passage where the whole
    term is not found (县(市、区)领导班子…)."""
    scored: list[tuple[float, int, Figure]] = []
    order = 0
    unit, kind, verb, nouns = query.unit, query.kind, query.verb, query.nouns
    total, new = "total" in cues, "new" in cues
    for prep, weight in passages:
        if not prep.figures:
            continue
        text = prep.text
        # Only words found around some figure of the passage can count for any of them.
        p_terms = [t for t in terms if t and t in prep.searchable]
        if pieces:
            for t, parts in pieces.items():
                if t in terms and t not in prep.searchable:
                    p_terms += [w for w in parts if w in prep.searchable and w not in p_terms][:1]
        p_bigrams = [b for b in bigrams if b in prep.searchable]
        # Where a run of 2+ characters of the question shared with a figure's focus can begin
        # (every focus is part of ``searchable``): the run search skips the other starts.
        starts = [i for i in range(len(question_text) - 1) if question_text[i : i + 2] in prep.searchable]
        for found in prep.figures:
            fig = found.figure
            focus = found.focus
            if p_terms or p_bigrams:
                clause = found.clause
                s_focus = len([t for t in p_terms if t in focus]) + 0.5 * len([b for b in p_bigrams if b in focus])
                s_clause = len([t for t in p_terms if t in clause]) + 0.5 * len([b for b in p_bigrams if b in clause])
            else:
                s_focus = s_clause = 0.0
            # The longest run of the question found verbatim around the figure: "县(市、区)领导班子
            # 成员领办" singles out 237项 where word overlap alone ties with 54项.
            run = _longest_run_from(question_text, starts, focus) if starts else 0
            score = weight * (1.0 + 2.0 * s_focus + s_clause) * (1.0 + run / RUN_SCALE)
            if query.stated and (fig.value in query.stated or query.stated in fig.value):
                # 「…是48家吗」: the figure that confirms it. Not in a 分别 list, where each figure
                # has its own subject (「市直单位领导…是229项吧」: 229项 is 7个县's, 498项 is theirs).
                score *= 1.0 if found.respectively else 3.0
            elif question_text and fig.value in question_text:
                score *= 0.1  # 「第四巡回督导组来了几趟」: what the question says is not its answer
            right_unit = not unit or unit_matches(unit, fig.unit) or share_of(unit, fig.kind, text, fig.start, fig.value)
            if unit:
                score *= 4.0 if right_unit else 0.5
            if kind:
                score *= 3.0 if kind_matches(kind, fig.kind, fig.value) else 0.4
            elif query.wants_number and fig.kind in ("date", "year", "ordinal"):
                score *= 0.5  # "多少" asks for a count, rarely for when or which place (第四)
            if "分别" in found.focus and not (nouns and any(text.startswith(n, found.end) for n in nouns)):
                score *= 0.5  # "7个县…分别为33项、229项": 7个 names a subject; the answers follow 分别
            if verb and not found.respectively and verb in found.before:
                score *= 2.0  # "完成了多少项" → "完成161项", "领办了几项实事" → "领办民生实事54项"
            elif verb and verb in found.leads_to:
                score *= 0.5  # "完成了多少项": not 部署的179项, which comes before 任务完成…161项
            # "几个镇" → "6个镇". (The counted noun right before a figure, 民生实事54项, is no
            # clue: it is as often the topic of the clause's next figures, 7个县…领办237项.)
            if nouns and any([text.startswith(n, found.end) for n in nouns]):
                score *= 2.0
            elif len(nouns) > 1 and len(nouns[-1]) > 1 and nouns[-1] in text[max(0, fig.start - len(nouns[-1]) - 2) : fig.start]:
                # 「长者饭堂服务量是多少」: the head of the compound names the figure that follows
                # it (服务量约89万餐次), not the one its first word counts (长者饭堂…总数达114家,
                # which has the topic's words and the total's bonus besides).
                score *= 3.0
            # "一共/总数" wants the total, "新增" the increase: 新增48家, 总数达114家 -- among
            # the figures of the asked unit ("一共多少餐次" is not answered by 总数达114家).
            if total and right_unit:
                if found.total:
                    score *= 3.0
                elif found.new:
                    score *= 0.5
            if new and right_unit:
                score *= 2.0 if found.new else 1.0
            elif not total and right_unit and found.total:
                score *= 1.5  # "长者饭堂有多少家": how many there are (总数达114家), not how many were added
            scored.append((score, order, fig))
            order += 1
    scored.sort(key=lambda x: (-x[0], x[1]))
    seen: set[tuple[str, int]] = set()
    out: list[Figure] = []
    for _, _, fig in scored:
        key = (fig.passage_id, fig.start)
        if key not in seen:
            seen.add(key)
            out.append(fig)
        if len(out) >= limit:
            break
    return out
