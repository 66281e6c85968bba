"""Typed results shared by the core and the front ends.

Everything here is a frozen dataclass: front ends read these, they never build them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Section:
    """A section heading of a document, with its optional subtitle."""

    title: str
    subtitle: str | None = None


@dataclass(frozen=True)
class Document:
    """One file of the knowledge folder."""

    id: str
    path: str
    title: str
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    sections: tuple[Section, ...] = ()


@dataclass(frozen=True)
class Passage:
    """One paragraph of a document: the unit that is ranked and shown.

    ``context`` holds the headings above the paragraph (section, subtitle, lead-in); it is
    indexed with the paragraph. Section titles and subtitles are never part of ``text``; a
    lead-in line (``#### …——``) opens the text of the first paragraph under it, as printed.
    """

    id: str  # "<doc id>#<number>"
    doc: str
    section: str | None
    kind: str  # paragraph | caption | lead | byline | heading
    number: int  # 1-based paragraph number within the document
    text: str
    context: str = ""


@dataclass(frozen=True)
class Figure:
    """A number in a passage, as written, with its unit and the clause around it."""

    value: str  # as written, with unit and qualifiers: "114家", "超500项", "第6个"
    unit: str  # "家", "%", "亿元", "" when there is none
    context: str  # the clause the figure belongs to
    passage_id: str
    kind: str = "count"  # count | percent | money | ordinal | date | year
    start: int = 0  # character offset of the figure in the passage text


@dataclass(frozen=True)
class Hit:
    """A passage chosen for a question, with why it was chosen."""

    passage: Passage
    score: float
    matched: tuple[str, ...] = ()  # question terms found in the passage (normalised)
    coverage: float = 0.0  # share of the question's weight that the passage matched


@dataclass(frozen=True)
class Answer:
    """What the engine says to one question. ``answered=False`` means: not in the knowledge."""

    question: str
    answered: bool
    hits: tuple[Hit, ...] = ()
    figures: tuple[Figure, ...] = ()
    reason: str = ""  # why it refused, or a note for --explain
    kind: str = "question"  # question | greeting | empty | invalid
    effective_question: str = ""  # the question after follow-up resolution
    explain: dict[str, Any] | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The public JSON contract of ``ask --json``."""
        return {
            "question": self.question,
            "answered": self.answered,
            "passages": [
                {
                    "id": h.passage.id,
                    "doc": h.passage.doc,
                    "section": h.passage.section,
                    "kind": h.passage.kind,
                    "text": h.passage.text,
                    "score": round(float(h.score), 6),
                }
                for h in self.hits
            ],
            "figures": [
                {"value": f.value, "unit": f.unit, "context": f.context, "passage_id": f.passage_id}
                for f in self.figures
            ],
        }
