"""Knowledge files → documents and passages.

A knowledge folder holds documents (``*.md``, ``*.markdown``, ``*.txt``; sorted by relative path,
so the order is deterministic) and the word lists in ``lexicon/``. Markdown documents:

- optional YAML front matter between ``---`` lines (``title``, ``source``, ``author`` …);
- ``## 标题`` a section, ``### 副标题`` its subtitle: context of the paragraphs under them,
  and together one passage of kind ``heading`` (numbered after the paragraphs);
- ``#### …——`` a lead-in line: shown at the top of the next paragraph, and context for every
  paragraph up to the next heading;
- ``> 文字`` a photo caption; a whole line in ``*…*`` a byline; the first plain paragraph before
  any section is the lead; every other block of text is a paragraph.

Plain text: blank-line separated blocks are paragraphs, or every line when there are no blank lines.
Parsing (:func:`parse_markdown`, :func:`parse_text`) is pure; :func:`load_knowledge` does the I/O.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.errors import KnowledgeError
from bot.lexicon import LEXICON_DIR
from bot.models import Document, Passage, Section

log = logging.getLogger(__name__)

DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt")
MAX_DOCUMENT_BYTES = 50_000_000
_FRONT_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_BYLINE_RE = re.compile(r"^\*([^*].*[^*]|[^*])\*$")


@dataclass(frozen=True)
class Knowledge:
    """All documents and their passages, in a stable order."""

    documents: tuple[Document, ...]
    passages: tuple[Passage, ...]
    files: tuple[Path, ...]  # the document files read, for the index cache key


def _front_matter(text: str, name: str) -> tuple[dict[str, Any], str]:
    m = _FRONT_RE.match(text)
    if not m:
        if text.startswith("---\n") or text.startswith("---\r\n"):
            raise KnowledgeError(f"{name}: front matter opened with '---' but never closed")
        return {}, text
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{name}: front matter is not valid YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(meta, dict):
        raise KnowledgeError(f"{name}: front matter must be a mapping of keys (title: …)")
    return {str(k): v for k, v in meta.items()}, text[m.end() :]


def _blocks(body: str) -> list[str]:
    """Markdown blocks: headings, quotes and bylines are always single lines; text splits on blanks."""
    blocks: list[str] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append("".join(para).strip())
            para.clear()

    for raw in body.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#") or line.startswith(">") or _BYLINE_RE.match(line):
            flush()
            blocks.append(line)
        else:
            # Chinese text wraps without spaces; joining lines with "" keeps words whole.
            para.append(line)
    flush()
    return [b for b in blocks if b]


def parse_markdown(text: str, doc_id: str, name: str = "") -> tuple[Document, list[Passage]]:
    """Parse one Markdown document (see the module docstring for the conventions)."""
    meta, body = _front_matter(text, name or doc_id)
    sections: list[Section] = []
    passages: list[Passage] = []
    section: str | None = None
    subtitle: str | None = None
    lead_in: str | None = None
    lead_in_pending = False
    seen_lead = False
    for block in _blocks(body):
        heading = re.match(r"^(#{1,6})\s*(.*?)\s*#*$", block)
        if heading:
            level, title = len(heading.group(1)), heading.group(2)
            if not title:
                continue
            if level <= 2:
                section, subtitle, lead_in = title, None, None
                sections.append(Section(title))
            elif level == 3 and sections and sections[-1].subtitle is None and section is not None:
                subtitle = title
                sections[-1] = Section(section, title)
                lead_in = None
            else:
                lead_in, lead_in_pending = title, True
            continue
        if block.startswith(">"):
            kind, content = "caption", block.lstrip(">").strip()
        elif _BYLINE_RE.match(block):
            kind, content = "byline", block[1:-1].strip()
        elif section is None and not seen_lead:
            kind, content, seen_lead = "lead", block, True
        else:
            kind, content = "paragraph", block
        if not content:
            continue
        if lead_in_pending and kind == "paragraph":
            content = f"{lead_in}\n{content}"
            lead_in_pending = False
        context = " ".join(x for x in (section, subtitle, lead_in) if x)
        number = len(passages) + 1
        passages.append(Passage(f"{doc_id}#{number}", doc_id, section, kind, number, content, context))
    # Each section's title and subtitle, as one passage of kind "heading" after the paragraphs
    # (so that the paragraphs keep their numbers): 「第一部分的副标题是啥」 is answered by it. It
    # is a candidate only for questions about headings or a part by position (see Engine).
    for s in sections:
        number = len(passages) + 1
        text = f"{s.title}\n{s.subtitle}" if s.subtitle else s.title
        passages.append(Passage(f"{doc_id}#{number}", doc_id, s.title, "heading", number, text))
    title = str(meta.get("title") or doc_id)
    return Document(doc_id, name or doc_id, title, meta, tuple(sections)), passages


def parse_text(text: str, doc_id: str, name: str = "") -> tuple[Document, list[Passage]]:
    """Parse a plain-text document: blank-line separated blocks, else one paragraph a line."""
    text = text.replace("\r\n", "\n")
    if re.search(r"\n[ \t]*\n", text.strip()):
        # A printable block has no line boundary at all (every one splitlines() knows is a
        # control or separator character): just strip it, the usual case and 3x faster.
        blocks = [
            b.strip() if b.isprintable() else "".join(line.strip() for line in b.splitlines())
            for b in re.split(r"\n[ \t]*\n", text)
        ]
    else:
        blocks = [line.strip() for line in text.splitlines()]
    passages = []
    for block in blocks:
        if block:
            number = len(passages) + 1
            passages.append(Passage(f"{doc_id}#{number}", doc_id, None, "paragraph", number, block))
    return Document(doc_id, name or doc_id, doc_id, {}), passages


def read_document_text(path: Path) -> str:
    """Read a document as UTF-8, naming the file when it is not."""
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise KnowledgeError(f"{path}: too large ({size} bytes; the limit is {MAX_DOCUMENT_BYTES})")
        data = path.read_bytes()
    except OSError as exc:
        raise KnowledgeError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise KnowledgeError(
            f"{path}: not UTF-8 ({exc.reason} at byte {exc.start}); save it as UTF-8 (e.g. iconv -f GBK -t UTF-8)"
        ) from exc


def document_files(root: Path) -> list[Path]:
    """The document files under ``root`` (a folder or a single file), in a stable order."""
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise KnowledgeError(f"{root}: no such knowledge folder or file")
    files = []
    for path in sorted(root.rglob("*"), key=lambda p: p.relative_to(root).as_posix()):
        rel = path.relative_to(root)
        if not path.is_file() or rel.parts[0] == LEXICON_DIR or any(p.startswith((".", "_")) for p in rel.parts):
            continue
        if path.suffix.lower() in DOCUMENT_SUFFIXES:
            if path.name.lower() == "readme.md":
                continue  # a folder's README describes the folder; it is not an article
            files.append(path)
        elif path.suffix.lower() not in (".yaml", ".yml"):
            log.warning("knowledge: skipping %s (documents are %s files)", path, ", ".join(DOCUMENT_SUFFIXES))
    return files


def _doc_id(root: Path, path: Path) -> str:
    rel = path.name if root.is_file() else path.relative_to(root).as_posix()
    return rel.rsplit(".", 1)[0]


def load_knowledge(root: Path, on_file: Callable[[int, int], None] | None = None) -> Knowledge:
    """Load every document under ``root``; any unreadable document is an error naming it.
    ``on_file(done, total)`` is called after each document."""
    files = document_files(root)
    documents: list[Document] = []
    passages: list[Passage] = []
    for done, path in enumerate(files, 1):
        text = read_document_text(path)
        doc_id = _doc_id(root, path)
        parse = parse_text if path.suffix.lower() == ".txt" else parse_markdown
        doc, doc_passages = parse(text, doc_id, str(path))
        if not doc_passages:
            log.warning("knowledge: %s has no paragraphs", path)
        documents.append(doc)
        passages.extend(doc_passages)
        if on_file is not None:
            on_file(done, len(files))
    if not passages:
        raise KnowledgeError(f"{root}: no passages found (add .md or .txt documents)")
    return Knowledge(tuple(documents), tuple(passages), tuple(files))
