"""The curated FAQ layer: wordings → a passage, matched after normalisation, before ranking."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import Engine
from bot.errors import KnowledgeError

DOC = """---
title: 测试
---
## 一 服务
图书馆全年开放365天。

读者凭身份证即可借书。
"""


def _folder(tmp_path: Path, faq: str) -> Path:
    (tmp_path / "doc.md").write_text(DOC, encoding="utf-8")
    (tmp_path / "faq.yaml").write_text(faq, encoding="utf-8")
    return tmp_path


def test_a_curated_wording_answers_with_its_passage(tmp_path: Path) -> None:
    engine = Engine.build(_folder(tmp_path, "faq:\n  - q: [要带什么证件, 借书要带啥]\n    passage: doc#2\n"))
    for wording in ("要带什么证件？", "要帶什麼證件", "借书要带啥 ！", "借书要带啥?"):
        answer = engine.ask(wording)
        assert answer.answered, wording
        assert answer.hits[0].passage.id == "doc#2"
        assert answer.reason == "faq"


def test_other_wordings_go_through_ranking(tmp_path: Path) -> None:
    engine = Engine.build(_folder(tmp_path, "faq:\n  - q: 要带什么证件\n    passage: doc#2\n"))
    answer = engine.ask("图书馆一年开放多少天？")
    assert answer.answered and answer.reason != "faq"
    assert answer.figures[0].value == "365天"


@pytest.mark.parametrize(
    ("faq", "message"),
    [
        ("faq:\n  - q: 要带什么证件\n    passage: doc#9\n", "doc#9"),
        ("faq:\n  - q: 要带什么证件\n", "entry 1"),
        ("faq: [\n", "faq.yaml"),
        ("- 1\n", "faq.yaml"),
    ],
)
def test_a_broken_faq_names_the_file_and_entry(tmp_path: Path, faq: str, message: str) -> None:
    with pytest.raises(KnowledgeError, match="faq.yaml") as err:
        Engine.build(_folder(tmp_path, faq))
    assert message in str(err.value)
