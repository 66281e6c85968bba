"""An optional curated FAQ: question wordings → a passage, matched before BM25.

``knowledge/faq.yaml``::

    faq:
      - q: [这篇报道是谁写的, 记者是谁]
        passage: jiangmen-zhutijiaoyu#5

Wordings are compared after normalisation with punctuation and white space dropped, so
繁體, full-width and “？” variants all match.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.errors import KnowledgeError
from bot.knowledge import Knowledge
from bot.store import PassageList, passage_position
from bot.textnorm import normalize, strip_punct

FAQ_FILE = "faq.yaml"


@dataclass(frozen=True)
class Faq:
    """Normalised wording → passage id."""

    entries: tuple[tuple[str, str], ...]

    def match(self, normalized_question: str) -> str | None:
        key = strip_punct(normalized_question)
        for wording, passage_id in self.entries:
            if wording == key:
                return passage_id
        return None


def load_faq(knowledge_dir: Path, knowledge: Knowledge) -> Faq:
    """Read ``faq.yaml`` if present; every entry must name an existing passage."""
    path = knowledge_dir / FAQ_FILE
    if not path.is_file():
        return Faq(())
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{path}: cannot read the FAQ ({str(exc).splitlines()[0]})") from exc
    items = (data or {}).get("faq", []) if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise KnowledgeError(f"{path}: expected 'faq:' followed by a list of entries")
    passages = knowledge.passages
    ids = None if isinstance(passages, PassageList) else {p.id for p in passages}
    entries = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or "q" not in item or "passage" not in item:
            raise KnowledgeError(f"{path}: entry {n} needs 'q' (a wording or a list) and 'passage'")
        pid = str(item["passage"])
        if (pid not in ids) if ids is not None else passage_position(passages, pid) is None:
            raise KnowledgeError(f"{path}: entry {n} names passage '{pid}', which does not exist")
        wordings = item["q"] if isinstance(item["q"], list) else [item["q"]]
        for w in wordings:
            key = strip_punct(normalize(str(w)))
            if key:
                entries.append((key, pid))
    return Faq(tuple(entries))
