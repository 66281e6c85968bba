"""normalize(): the one definition of "the same text" for questions and passages."""

from __future__ import annotations

import pytest

from bot.textnorm import normalize, strip_punct


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # NFKC: full-width letters, digits and punctuation become half-width
        ("ＡＢＣ１２３", "abc123"),
        ("１＋６＋３", "1+6+3"),
        ("讲师团有多少名成员？", "讲师团有多少名成员?"),
        ("，；：！（）", ",;:!()"),
        ("约３０％", "约30%"),
        # 繁 → 简, including phrase-level conversions
        ("長者飯堂一頓飯多少錢？", "长者饭堂一顿饭多少钱?"),
        ("江門建了多少個縣級零工市場", "江门建了多少个县级零工市场"),
        ("頭髮", "头发"),
        # case
        ("Hello World", "hello world"),
        ("ＰＹＴＨＯＮ编程", "python编程"),
        # control and format characters are dropped
        ("讲师\u200b团", "讲师团"),
        ("讲师\x00团\x07", "讲师团"),
        ("\ufeff长者饭堂", "长者饭堂"),
        ("零工\u202e市场", "零工市场"),
        # white space folds to one space and is trimmed
        ("  长者\t饭堂\r\n\n有几家  ", "长者 饭堂 有几家"),
        ("\u3000全角空格\u3000", "全角空格"),
        # already normal text is unchanged
        ("市级零工市场枢纽有几个?", "市级零工市场枢纽有几个?"),
        ("", ""),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize("raw", ["長者飯堂一頓飯多少錢？", "ＡＢＣ　１２３", "讲师\u200b团\x00", "Hello World"])
def test_normalize_is_idempotent(raw):
    assert normalize(normalize(raw)) == normalize(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("33项、229项、498项", "33项229项498项"),
        ("“零工市场+就业驿站”", "零工市场就业驿站"),
        ("县(市、区) 领导", "县市区领导"),
    ],
)
def test_strip_punct_keeps_letters_and_digits_only(raw, expected):
    assert strip_punct(raw) == expected
