"""Spoken and written forms of one question get one answer (eval/paraphrase_pairs.txt).

People on a phone ask 「长者饭堂一共几多间」 as often as 「长者饭堂有多少家」: the rewrites, synonyms
and question rules must bring both to the same passage and figure.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import Engine

PAIRS = Path(__file__).resolve().parent.parent / "eval" / "paraphrase_pairs.txt"


def _pairs() -> list[tuple[str, str]]:
    lines = PAIRS.read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("|", 1)) for line in lines if "|" in line and not line.startswith("#")]  # type: ignore[misc]


def _gist(engine: Engine, question: str) -> tuple[bool, str | None]:
    a = engine.ask(question)
    if not a.answered:
        return False, None
    return True, a.figures[0].value if a.figures else a.hits[0].passage.id


def test_the_pairs_file_has_pairs() -> None:
    assert len(_pairs()) >= 40


@pytest.mark.parametrize(("written", "spoken"), _pairs())
def test_a_spoken_form_gets_the_written_forms_answer(engine: Engine, written: str, spoken: str) -> None:
    first = _gist(engine, written)
    assert first[0], f"the written form is refused: {written}"
    assert _gist(engine, spoken) == first, spoken
