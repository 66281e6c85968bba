"""Deterministic synthetic Chinese corpus for ranking benchmarks.

Each passage is a news-like paragraph (~80-200 characters) built from a token stream:

* function words (的/了/在/是/和...) with their own steep Zipf distribution (~35 % of tokens),
* content words drawn from an effectively unbounded Zipf vocabulary (rank r has probability
  ~ r^-S), so new words keep appearing as the corpus grows (Heaps' law); ranks beyond a list of
  real words get deterministic made-up 1-4 character words from common characters,
* topic words: each passage has a topic whose 40 words are boosted, so passages co-occur like
  real text and questions have genuinely better and worse answers,
* numbers with units, tokenised roughly like jieba does: ``114`` ``家``, ``76.4%``,
  ``22`` ``万多名``, ``2023`` ``年``.

Token lists are generated directly (vectorised numpy + a lazily filled string table), so 1M
passages take seconds rather than running jieba over ~140M characters.  ``texts`` joins the
same tokens with Chinese punctuation, for pipelines that tokenise themselves.

Output depends only on ``seed`` and is prefix-stable: the first m passages of ``tokens(n)`` do
not depend on n.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

import numpy as np

# ~700 frequent characters (deduplicated below), source of made-up content words.
_CHARS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后"
    "多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合"
    "还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只"
    "没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边"
    "流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处府研质信记需段研界拉林"
    "律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历"
    "市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火"
    "住调满县局照参红细引听该铁价严首底液官德随病苏失尔死讲配女黄推显谈罪神艺呢席含企望密批营项防举球英氧势告李台"
    "落木帮轮破亚师围注远字材排供河态封另施减树溶怎止案言士均武固叶鱼波视仅费紧爱左章早朝害续轻服试食充兵源判护司"
    "足某练差致板田降黑犯负击范继兴似余坚曲输修故城夫够送笔船占右财吃富春职觉汉画功巴跟虽杂飞检吸助升阳互初创抗考"
    "投坏策古径换未跑留钢曾端责站简述钱副尽帝射草冲承独令限阿宣环双请超微让控州良轴找否纪益依优顶础载倒房突坐粉敌"
    "略客袁冷胜绝析块剂测丝协诉念陈仍罗盐友洋错苦夜刑移频逐靠混母短皮终聚汽村云哪既距卫停烈央察烧迅境若印洲刻括激"
    "孔搞甚室待核校散侵吧甲游久菜味旧模湖货损预阻毫普稳乙妈植息扩银语挥酒守拿序纸医缺雨吗针刘啊急唱误训愿审附获茶"
    "鲜粮斤孩脱硫肥善龙演父渐血欢械掌歌沙刚攻谓盾讨晚粒乱燃矛乎杀药宁鲁贵钟煤读班伯香介迫句丰培握兰担弦蛋沉假穿执"
    "答乐谁顺烟缩征脸喜松脚困异免背星福买染井概慢怕磁倍祖皇促静补评翻肉践尼衣宽扬棉希伤操垂秋宜氢套督振架亮末宪庆"
    "编牛触映雷销诗座居抓裂胞呼娘景威绿晶厚盟衡鸡孙延危胶屋乡临陆顾掉呀灯岁措束耐剧玉赵跳哥季课凯胡额款绍卷齐伟蒸"
)
COMMON_CHARS = "".join(dict.fromkeys(_CHARS))

# Real words for the head of the content vocabulary (rank order = listing order).
REAL_WORDS = (
    "发展 经济 企业 国家 市场 建设 工作 社会 服务 管理 政府 技术 项目 城市 投资 产业 地区 增长 教育 文化 "
    "科技 创新 人才 农业 工业 生产 质量 安全 环境 资源 能源 交通 医疗 健康 学生 学校 大学 科学 数据 信息 "
    "网络 系统 平台 标准 规划 合作 贸易 出口 进口 消费 价格 收入 就业 制造 汽车 电池 新能源 旅游 生态 保护 "
    "改革 政策 研究 历史 人口 农村 乡村 振兴 基础设施 高速 铁路 机场 港口 公路 水利 电力 通信 互联网 人工智能 "
    "芯片 软件 金融 银行 保险 证券 税收 财政 预算 债务 利率 货币 工资 住房 养老 医保 医院 医生 患者 疫苗 "
    "药品 食品 粮食 水稻 小麦 蔬菜 水果 畜牧 渔业 森林 草原 河流 湖泊 海洋 气候 温度 降水 污染 排放 碳 "
    "绿色 低碳 节能 回收 垃圾 治理 社区 居民 群众 家庭 儿童 老人 妇女 青年 志愿者 文物 博物馆 图书馆 体育 "
    "比赛 运动员 冠军 奥运 音乐 电影 电视 新闻 媒体 出版 艺术 展览 节日 传统 非遗 侨乡 华侨 对外 开放 "
    "园区 开发区 高新区 自贸区 集团 公司 工厂 员工 职工 产品 品牌 销售 订单 供应链 物流 仓储 快递 电商 直播 "
    "总量 规模 比重 占比 同比 环比 累计 年度 季度 上半年 下半年 全年 年底 年初 目前 近年 以来 期间 全市 全省 "
    "全国 我国 中国 广东 江门 广州 深圳 北京 上海 珠三角 大湾区 粤港澳 香港 澳门 台湾 亚洲 欧洲 美国 日本 "
    "主题 教育 活动 会议 报告 文件 通知 方案 意见 措施 任务 目标 指标 成果 成效 经验 问题 困难 风险 挑战"
).split()

# Function / very common words and their relative weights (steep: 的 dominates).
FUNCTION_WORDS = (
    "的 了 在 是 和 与 对 为 等 中 也 将 已 有 并 及 其 于 以 到 从 被 而 由 这 该 各 个 上 下 "
    "我 他们 我们 一个 进行 通过 相关 主要 已经 达到 共有 超过 约 左右 其中 同时 此外 不断 进一步 加强 推动 "
    "实现 提高 促进 开展 完成 成为 作为 包括 一批 一系列 重要 重点 积极 全面 持续 有效 稳定 多少 什么 哪些 如何 为什么 是否"
).split()
UNITS = "家 名 个 项 人 所 台 辆 吨 公里 万 亿元 万元 万人 万多名 多家 余个 倍 天 小时 平方米 亩 元 次 户".split()
QUESTION_WORDS = ["多少", "什么", "哪些", "如何", "为什么", "是否", "哪个", "几"]

# Code space: every token is an integer code, turned into a string lazily.
_F = len(FUNCTION_WORDS)
_U_BASE = _F
_INT_BASE = _U_BASE + len(UNITS)  # + 1..99999
_DEC_BASE = _INT_BASE + 100_000  # + tenths 1..9999  -> "0.1".."999.9"
_PCT_BASE = _DEC_BASE + 10_000  # + tenths 1..999   -> "0.1%".."99.9%"
_YEAR_BASE = _PCT_BASE + 1_000  # + 0..99           -> "1950".."2049"
_NIAN = _YEAR_BASE + 99  # the token "年" after a year (years use offsets 50..75 only)
_WORD_BASE = _YEAR_BASE + 100
_V_MAX = 1 << 23  # content ranks; with _S > 1 the effective vocabulary grows ~ n^(1/_S)
_S = 1.18  # Zipf exponent of content words
_N_TOPICS = 5000
_TOPIC_WORDS = 40
_CHUNK = 2048  # passages per independently seeded chunk (prefix stability)

_P_FUNC, _P_TOPIC, _P_NUM = 0.35, 0.17, 0.045  # rest: global content words
_FUNC_P = 1.0 / np.arange(1, _F + 1) ** 1.1
_FUNC_P /= _FUNC_P.sum()
_CHAR_CPS = np.array([ord(c) for c in COMMON_CHARS], dtype=np.uint32)


def _power_law(u: np.ndarray, s: float, lo: int, hi: int) -> np.ndarray:
    """Integers in [lo, hi) with P(x) ~ x^-s: inverse CDF of a continuous power law, floored."""
    if s == 1.0:
        x = lo * (hi / lo) ** u
    else:
        a = 1.0 - s
        x = (lo**a + u * (hi**a - lo**a)) ** (1.0 / a)
    return np.minimum(x.astype(np.int64), hi - 1)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a cheap deterministic hash of uint64 arrays."""
    x = x.astype(np.uint64, copy=True)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


class SyntheticCorpus:
    """Generator of Chinese-like passages; ``tokens(n)``, ``texts(n)``, ``queries(...)``."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = int(seed)
        self._salt = np.uint64((self.seed * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF)
        # code -> compact string id (-1 = not materialised yet); strings[id] is the token.
        self._code_id = np.full(_WORD_BASE + _V_MAX, -1, dtype=np.int32)
        self._strings: list[str] = []
        self._string_arr = np.empty(0, dtype=object)  # same strings, for vectorised lookup
        self._chunks: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._content_stop = set(FUNCTION_WORDS) | set(UNITS)
        # Topic z's words: ranks spread log-uniformly over the content vocabulary, so some
        # topic words are common and some rare.
        h = _mix(np.arange(_N_TOPICS * _TOPIC_WORDS, dtype=np.uint64) ^ self._salt)
        u = (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)
        self._topic_ranks = np.exp(np.log(20) + u * (np.log(400_000) - np.log(20))).astype(np.int64)
        self._topic_ranks = self._topic_ranks.reshape(_N_TOPICS, _TOPIC_WORDS)

    # ------------------------------------------------------------------ public API

    def tokens(self, n: int) -> list[list[str]]:
        """``n`` tokenised passages (punctuation already removed, as a retriever wants)."""
        out: list[list[str]] = []
        for ci in range(-(-n // _CHUNK)):
            codes, offsets = self._chunk(ci)
            flat = self._materialise(codes)
            take = min(_CHUNK, n - ci * _CHUNK)
            off = offsets.tolist()
            out.extend(flat[off[i] : off[i + 1]] for i in range(take))
        return out

    def texts(self, n: int) -> list[str]:
        """``n`` raw paragraphs: the same tokens as ``tokens(n)`` joined with punctuation."""
        rng = np.random.default_rng([self.seed, 0x7E47])
        out = []
        for toks in self.tokens(n):
            clause = rng.integers(5, 13, size=len(toks) // 5 + 2).tolist()
            marks = rng.random(len(clause))
            parts, i, j = [], 0, 0
            while i < len(toks):
                parts.append("".join(toks[i : i + clause[j]]))
                parts.append("；" if marks[j] < 0.08 else "、" if marks[j] < 0.14 else "，")
                i += clause[j]
                j += 1
            if parts:
                parts[-1] = "。"
            out.append("".join(parts))
        return out

    def queries(self, passages: Sequence[Sequence[str]], n: int, seed: int = 1) -> list[list[str]]:
        """``n`` question-like queries of 3-6 tokens, each about a random passage.

        A query takes 1-4 content words from its passage (sometimes a number), usually a question
        word (多少/什么/...) and sometimes a common verb/particle (是/有/的), like a jieba-cut
        question such as ``江门 侨乡 华侨 有 多少``.
        """
        rng = np.random.default_rng([self.seed, seed, 0x0E7])
        common = ["是", "有", "的", "在", "了"]
        out = []
        while len(out) < n:
            p = passages[int(rng.integers(len(passages)))]
            content = list(dict.fromkeys(t for t in p if t not in self._content_stop))
            if not content:
                continue
            size = int(rng.integers(3, 7))
            q: list[str] = []
            if rng.random() < 0.8:
                q.append(QUESTION_WORDS[int(rng.integers(len(QUESTION_WORDS)))])
            if rng.random() < 0.4:
                q.append(common[int(rng.integers(len(common)))])
            n_content = max(1, size - len(q))
            pick = rng.permutation(len(content))[:n_content]
            q[:0] = [content[i] for i in sorted(pick)]
            out.append(q[:6])
        return out

    # ------------------------------------------------------------------ internals

    def _chunk(self, ci: int) -> tuple[np.ndarray, np.ndarray]:
        """Codes of chunk ``ci`` (flat) and passage offsets into them."""
        cached = self._chunks.get(ci)
        if cached is not None:
            return cached
        rng = np.random.default_rng([self.seed, ci])
        m = _CHUNK
        # Target 80-200 characters; ~1.95 characters per slot incl. punctuation and units.
        chars = rng.integers(80, 201, size=m)
        slots = np.maximum(8, np.rint(chars / 2.1)).astype(np.int64)
        total = int(slots.sum())
        passage_of = np.repeat(np.arange(m), slots)
        topic = _power_law(rng.random(m), 1.1, 10, _N_TOPICS + 10) - 10

        kind = rng.random(total)
        codes = np.empty(total, dtype=np.int64)
        second = np.full(total, -1, dtype=np.int64)  # unit after a number, -1 = none

        is_func = kind < _P_FUNC
        codes[is_func] = rng.choice(_F, size=int(is_func.sum()), p=_FUNC_P)

        is_topic = (kind >= _P_FUNC) & (kind < _P_FUNC + _P_TOPIC)
        nt = int(is_topic.sum())
        j = _power_law(rng.random(nt), 1.0, 3, _TOPIC_WORDS + 3) - 3
        codes[is_topic] = _WORD_BASE + self._topic_ranks[topic[passage_of[is_topic]], j]

        is_num = (kind >= _P_FUNC + _P_TOPIC) & (kind < _P_FUNC + _P_TOPIC + _P_NUM)
        codes[is_num], second[is_num] = self._numbers(rng, int(is_num.sum()))

        is_word = kind >= _P_FUNC + _P_TOPIC + _P_NUM
        codes[is_word] = _WORD_BASE + _power_law(rng.random(int(is_word.sum())), _S, 1, _V_MAX + 1) - 1

        # Expand number slots into two tokens (number, unit).
        has2 = second >= 0
        width = 1 + has2
        pos = np.cumsum(width) - width
        flat = np.empty(int(width.sum()), dtype=np.int64)
        flat[pos] = codes
        flat[pos[has2] + 1] = second[has2]
        per_passage = np.bincount(passage_of, weights=width, minlength=m).astype(np.int64)
        offsets = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(per_passage, out=offsets[1:])
        if len(self._chunks) < 4:  # small cache: texts() after tokens() on small corpora
            self._chunks[ci] = (flat, offsets)
        return flat, offsets

    def _numbers(self, rng: np.random.Generator, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Codes for k number slots and their unit codes (-1 where the number has none)."""
        kind = rng.random(k)
        codes = np.empty(k, dtype=np.int64)
        unit = _U_BASE + rng.integers(0, len(UNITS), size=k)
        ints = kind < 0.45  # 114 家, 22 万多名
        magnitude = np.exp(rng.random(int(ints.sum())) * np.log(99_999))  # log-uniform 1..99999
        codes[ints] = _INT_BASE + np.minimum(magnitude, 99_999).astype(np.int64)
        dec = (kind >= 0.45) & (kind < 0.65)  # 3.5 亿元
        codes[dec] = _DEC_BASE + rng.integers(1, 10_000, size=int(dec.sum()))
        pct = (kind >= 0.65) & (kind < 0.85)  # 76.4%
        codes[pct] = _PCT_BASE + rng.integers(1, 1_000, size=int(pct.sum()))
        unit[pct] = -1
        year = kind >= 0.85  # 2023 年
        codes[year] = _YEAR_BASE + rng.integers(50, 76, size=int(year.sum()))
        unit[year] = _NIAN
        return codes, unit

    def _materialise(self, codes: np.ndarray) -> list[str]:
        """Strings for a flat code array, creating new token strings as needed."""
        ids = self._code_id[codes]
        missing = ids < 0
        if missing.any():
            new = np.sort(codes[missing])  # not np.unique: its hash path is very slow here
            new = new[np.concatenate(([True], new[1:] != new[:-1]))]
            self._code_id[new] = np.arange(len(self._strings), len(self._strings) + len(new), dtype=np.int32)
            start = len(self._strings)
            self._strings.extend(self._spell(new))
            if len(self._strings) > len(self._string_arr):
                grown = np.empty(max(len(self._strings), 2 * len(self._string_arr)), dtype=object)
                grown[:start] = self._string_arr[:start]
                self._string_arr = grown
            self._string_arr[start : len(self._strings)] = self._strings[start:]
            ids = self._code_id[codes]
        return self._string_arr[ids].tolist()

    def _spell(self, codes: np.ndarray) -> list[str]:
        out = []
        words = self._spell_words(codes[codes >= _WORD_BASE] - _WORD_BASE)
        wi = 0
        for c in codes.tolist():
            if c < _U_BASE:
                out.append(FUNCTION_WORDS[c])
            elif c < _INT_BASE:
                out.append(UNITS[c - _U_BASE])
            elif c < _DEC_BASE:
                out.append(str(c - _INT_BASE))
            elif c < _PCT_BASE:
                v = c - _DEC_BASE
                out.append(f"{v // 10}.{v % 10}")
            elif c < _YEAR_BASE:
                v = c - _PCT_BASE
                out.append(f"{v // 10}.{v % 10}%")
            elif c < _WORD_BASE:
                v = c - _YEAR_BASE
                out.append("年" if c == _NIAN else str(1950 + v))
            else:
                out.append(words[wi])
                wi += 1
        return out

    def _spell_words(self, ranks: np.ndarray) -> list[str]:
        """Deterministic word for each content rank: real words first, then made-up ones."""
        h = _mix(ranks.astype(np.uint64) ^ self._salt)
        r = (h % np.uint64(100)).astype(np.int64)
        length = np.where(r < 5, 1, np.where(r < 70, 2, np.where(r < 92, 3, 4)))
        nc = len(COMMON_CHARS)
        cps = np.zeros((len(ranks), 4), dtype=np.uint32)  # UCS-4 code points, NUL padded
        g = h
        for i in range(4):
            g = _mix(g + np.uint64(i + 1))
            # Squaring a uniform skews toward the frequent characters at the string's start.
            u = (g >> np.uint64(11)).astype(np.float64) / float(1 << 53)
            cps[:, i] = np.where(i < length, _CHAR_CPS[(u * u * nc).astype(np.int64)], 0)
        # A (n, 4) uint32 array viewed as <U4 is n strings; NUL padding is dropped by tolist().
        out = cps.view("<U4").ravel().tolist()
        for i in np.flatnonzero(ranks < len(REAL_WORDS)).tolist():
            out[i] = REAL_WORDS[int(ranks[i])]
        return out


def main() -> None:
    ap = argparse.ArgumentParser(description="Print statistics of the synthetic corpus.")
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--show", type=int, default=3, help="print this many raw paragraphs")
    args = ap.parse_args()
    gen = SyntheticCorpus(args.seed)
    t0 = time.perf_counter()
    toks = gen.tokens(args.n)
    dt = time.perf_counter() - t0
    n_tok = sum(map(len, toks))
    print(f"{args.n} passages, {n_tok} tokens in {dt:.2f} s")
    for m in (1_000, 10_000, 100_000, 1_000_000):
        if m <= args.n:
            vocab = len(set().union(*map(set, toks[:m])))
            print(f"  first {m:>9,} passages: vocabulary {vocab:,}")
    texts = SyntheticCorpus(args.seed).texts(min(args.n, 2000))
    lens = np.array([len(t) for t in texts])
    print(f"text length: min {lens.min()} p50 {int(np.median(lens))} max {lens.max()} mean {lens.mean():.0f}")
    for t in texts[: args.show]:
        print(t)
    for q in gen.queries(toks, 5):
        print(" ".join(q))


if __name__ == "__main__":
    main()
