"""The knowledge folder: the bundled article kept verbatim, its structure, and how folders load."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import BUNDLED_KNOWLEDGE
from bot.errors import KnowledgeError
from bot.knowledge import load_knowledge, parse_markdown, parse_text
from bot.models import Section

# The newspaper text, one paragraph a line: shared/ lies beside the checkout (CI) or at /work/shared.
ARTICLE = next(
    (p for p in (Path(__file__).resolve().parents[2] / "shared/knowledge/article.txt", Path("/work/shared/knowledge/article.txt")) if p.is_file()),
    Path("/work/shared/knowledge/article.txt"),
)
DOC = "jiangmen-zhutijiaoyu"


@pytest.fixture(scope="module")
def bundled():
    return load_knowledge(BUNDLED_KNOWLEDGE)


# ------------------------------------------------------------------ the bundled article
@pytest.mark.skipif(not ARTICLE.is_file(), reason=f"{ARTICLE} is not on this machine")
def test_every_line_of_the_article_is_in_the_knowledge_verbatim(bundled):
    lines = [line.strip() for line in ARTICLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) == 60
    headings = {h for d in bundled.documents for s in d.sections for h in (s.title, s.subtitle) if h}
    missing = [
        line
        for line in lines
        if line not in headings and not any(line in p.text or line in p.context for p in bundled.passages)
    ]
    assert missing == []


@pytest.mark.skipif(not ARTICLE.is_file(), reason=f"{ARTICLE} is not on this machine")
def test_the_knowledge_adds_no_text_of_its_own(bundled):
    lines = {line.strip() for line in ARTICLE.read_text(encoding="utf-8").splitlines()}
    added = [part for p in bundled.passages for part in p.text.split("\n") if part not in lines]
    assert added == []


def test_the_bundled_folder_holds_one_document_with_its_metadata(bundled):
    assert [d.id for d in bundled.documents] == [DOC]
    doc = bundled.documents[0]
    assert doc.title == "江门主题教育成效综述"
    assert doc.meta["title"] == "江门主题教育成效综述"
    assert doc.meta["source"] == "江门日报"
    assert doc.meta["author"] == "黎禹君"
    assert doc.meta["intern"] == "王乐怡"
    assert [f.name for f in bundled.files] == [f"{DOC}.md"]


def test_the_article_opens_with_three_captions_a_lead_and_two_bylines(bundled):
    passages = bundled.passages
    assert [p.kind for p in passages[:6]] == ["caption", "caption", "caption", "lead", "byline", "byline"]
    assert [p.kind for p in passages].count("caption") == 3
    assert [p.kind for p in passages].count("lead") == 1
    assert [p.kind for p in passages].count("byline") == 2
    assert {p.kind for p in passages[6:-3]} == {"paragraph"}
    assert [p.kind for p in passages[-3:]] == ["heading"] * 3
    assert passages[1].text.endswith("陈素敏 摄")
    assert passages[2].text.endswith("陈敏锐 摄")
    assert passages[3].text.startswith("“坚持用马克思主义中国化时代化最新成果武装全党")
    assert [p.text for p in passages[4:6]] == ["文/图 江门日报记者 黎禹君", "实习生 王乐怡 (除署名外)"]
    assert all(p.section is None and p.context == "" for p in passages[:6])


def test_the_article_has_sections_a_b_c_with_subtitles(bundled):
    assert bundled.documents[0].sections == (
        Section("A 精心谋划周密部署", "有力推动主题教育走深走实"),
        Section("B 聚焦重点精准发力", "全面抓细抓实主题教育各项工作"),
        Section("C 知行合一务求实效", "推动主题教育取得明显成效"),
    )
    first_in_section = {}
    for p in bundled.passages:
        first_in_section.setdefault(p.section, p.text)
    assert first_in_section["A 精心谋划周密部署"] == "这是一次坚定信念的精神洗礼,更是一次触及灵魂的政治淬炼。"
    assert first_in_section["B 聚焦重点精准发力"].startswith("习近平总书记指出:")
    assert first_in_section["C 知行合一务求实效"].startswith("临近春节,来自重庆的刘女士")


def test_passage_ids_are_doc_hash_number_in_reading_order(bundled):
    passages = bundled.passages
    assert len(passages) == 46 + 3  # the paragraphs, then the three sections' headings
    assert [p.id for p in passages] == [f"{DOC}#{n}" for n in range(1, 50)]
    assert [p.number for p in passages] == list(range(1, 50))
    assert {p.doc for p in passages} == {DOC}


def test_headings_are_context_of_paragraphs_and_passages_of_their_own(bundled):
    doc = bundled.documents[0]
    headings = [h for s in doc.sections for h in (s.title, s.subtitle)]
    body = [p for p in bundled.passages if p.kind != "heading"]
    for p in body:
        assert p.kind in ("caption", "lead", "byline", "paragraph")
        for heading in headings:
            assert heading not in p.text, f"{p.id} shows the heading {heading!r}"
    # Each section's title and subtitle are one passage, after the paragraphs.
    assert [(p.section, p.text) for p in bundled.passages if p.kind == "heading"] == [
        (s.title, f"{s.title}\n{s.subtitle}") for s in doc.sections
    ]
    for p in body[6:]:
        section = next(s for s in doc.sections if s.title == p.section)
        assert p.context.startswith(f"{section.title} {section.subtitle}")
    # A "#### …——" lead-in is context for every paragraph up to the next heading.
    def passage_with(phrase: str):
        return next(p for p in bundled.passages if phrase in p.text)

    assert "坚持理论学习打头" in passage_with("发布每月组织生活清单是江门").context
    assert "坚持大兴调查研究" in passage_with("调研成果转化分别为").context
    assert "坚持大兴调查研究" not in passage_with("长者饭堂解决了我们的吃饭问题").context


# ------------------------------------------------------------------ loading folders
def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("第一段第一行\n第一段第二行\n\n第二段\n", ["第一段第一行第一段第二行", "第二段"]),
        ("第一段\n   \n第二段\r\n\r\n第三段", ["第一段", "第二段", "第三段"]),
        ("每行一段\n第二行也是一段\n第三行\n", ["每行一段", "第二行也是一段", "第三行"]),
        ("只有一行", ["只有一行"]),
    ],
    ids=["blank-line-separated", "crlf-and-spaces", "one-paragraph-a-line", "single-line"],
)
def test_plain_text_paragraphs(text, expected):
    doc, passages = parse_text(text, "notes")
    assert [p.text for p in passages] == expected
    assert [p.id for p in passages] == [f"notes#{n}" for n in range(1, len(expected) + 1)]
    assert {(p.kind, p.section, p.doc) for p in passages} == {("paragraph", None, "notes")}
    assert doc.id == doc.title == "notes"


def test_every_file_in_the_folder_is_a_document_in_a_deterministic_order(tmp_path):
    write(
        tmp_path,
        {
            "b.md": "# 乙\n\n乙文第一段。\n",
            "a.txt": "甲文第一段。\n\n甲文第二段。\n",
            "sub/c.txt": "丙文。\n",
            "lexicon/dictionary.txt": "长者饭堂 2000 n\n",
            "lexicon/stopwords.txt": "多少\n",
            "lexicon/synonyms.txt": "长者 老人\n",
        },
    )
    first = load_knowledge(tmp_path)
    assert [d.id for d in first.documents] == ["a", "b", "sub/c"]
    assert [p.id for p in first.passages] == ["a#1", "a#2", "b#1", "b#2", "sub/c#1"]
    assert [p.text for p in first.passages] == ["甲文第一段。", "甲文第二段。", "乙文第一段。", "乙", "丙文。"]
    assert first.passages[3].kind == "heading"  # b.md's "# 乙"
    assert [f.relative_to(tmp_path).as_posix() for f in first.files] == ["a.txt", "b.md", "sub/c.txt"]
    # lexicon/ holds word lists, not documents.
    assert not any("长者饭堂" in p.text or "多少" in p.text for p in first.passages)
    again = load_knowledge(tmp_path)
    assert [p.id for p in again.passages] == [p.id for p in first.passages]


def test_markdown_conventions():
    text = (
        "---\ntitle: 小报\nsource: 测试日报\n---\n\n"
        "> 图片说明。 某某 摄\n\n"
        "导语第一行\n导语第二行\n\n"
        "*文 记者 某某*\n\n"
        "## 甲 第一部分\n\n### 副标题\n\n"
        "正文一。\n\n"
        "#### 引题——\n\n"
        "正文二。\n\n正文三。\n"
    )
    doc, passages = parse_markdown(text, "paper")
    assert (doc.title, doc.meta["source"]) == ("小报", "测试日报")
    assert doc.sections == (Section("甲 第一部分", "副标题"),)
    assert [(p.id, p.kind, p.section) for p in passages] == [
        ("paper#1", "caption", None),
        ("paper#2", "lead", None),
        ("paper#3", "byline", None),
        ("paper#4", "paragraph", "甲 第一部分"),
        ("paper#5", "paragraph", "甲 第一部分"),
        ("paper#6", "paragraph", "甲 第一部分"),
        ("paper#7", "heading", "甲 第一部分"),
    ]
    assert passages[6].text == "甲 第一部分\n副标题" and passages[6].context == ""
    assert [p.text for p in passages[:4]] == ["图片说明。 某某 摄", "导语第一行导语第二行", "文 记者 某某", "正文一。"]
    assert passages[3].context == "甲 第一部分 副标题"
    assert passages[5].text == "正文三。"
    assert passages[5].context == "甲 第一部分 副标题 引题——"


def test_a_gbk_encoded_document_is_an_error_naming_the_file(tmp_path):
    write(tmp_path, {"good.txt": "好的文档。", "bad.txt": "长者饭堂有多少家".encode("gbk")})
    with pytest.raises(KnowledgeError, match=r"bad\.txt: not UTF-8"):
        load_knowledge(tmp_path)


def test_a_missing_folder_is_an_error_naming_it(tmp_path):
    with pytest.raises(KnowledgeError, match="nowhere: no such knowledge folder"):
        load_knowledge(tmp_path / "nowhere")
