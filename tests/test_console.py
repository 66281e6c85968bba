"""The console, driven by a scripted session and checked by its transcript."""

from __future__ import annotations

import io

from bot.console import run_console

SESSION = [
    "/help",
    "讲师团有多少名成员？",
    "市级零工市场枢纽有几个？",
    "那县级的呢？",
    "",
    "/quit",
    "上海有多少常住人口？",  # after /quit: never read
]


def transcript(engine, lines: list[str]) -> tuple[int, list[str]]:
    out = io.StringIO()
    status = run_console(engine, stdin=io.StringIO("".join(f"{line}\n" for line in lines)), stdout=out)
    return status, out.getvalue().splitlines()


def figure_lists(lines: list[str]) -> list[list[str]]:
    """The 关键数字 lines of each answer, in order."""
    blocks, current = [], None
    for line in lines:
        if line == "关键数字：":
            current = []
            blocks.append(current)
        elif current is not None and line.startswith("  · "):
            current.append(line)
        else:
            current = None
    return blocks


def position(lines: list[str], wanted: str, after: int = -1) -> int:
    return next(i for i, line in enumerate(lines) if i > after and line.startswith(wanted))


def test_a_scripted_session(engine):
    status, lines = transcript(engine, SESSION)
    assert status == 0
    assert lines[0] == "已载入 46 段文字：《江门主题教育成效综述》。输入 /help 查看帮助。"
    # /help
    assert lines[1] == "直接输入问题并回车，例如「讲师团有多少名成员？」。可以接着追问，如「那县级的呢？」。"
    assert lines[2] == "命令：/help 帮助  /sources 资料来源  /quit 退出（也可以按 Ctrl-D）"
    # 讲师团有多少名成员？
    first = position(lines, "[1] ", after=2)
    assert lines[first] == "[1] B 聚焦重点精准发力 · 第21段（jiangmen-zhutijiaoyu）"
    assert "组织「88名」市县【讲师团】【成员】宣讲「156场次」" in lines[first + 1]
    # 市级零工市场枢纽有几个？
    second = position(lines, "[1] ", after=first + 1)
    assert lines[second] == "[1] C 知行合一务求实效 · 第33段（jiangmen-zhutijiaoyu）"
    # 那县级的呢？ — answered from the same paragraph
    third = position(lines, "[1] ", after=second + 1)
    assert lines[third] == "[1] C 知行合一务求实效 · 第33段（jiangmen-zhutijiaoyu）"
    figures = figure_lists(lines)
    assert len(figures) == 3
    assert figures[0][0] == "  · 88名（组织88名市县讲师团成员宣讲156场次）"
    assert figures[1][0] == "  · 1个（全市已建成1个市级零工市场枢纽、7个县级零工市场、80个就业驿站）"
    # the empty line asks for a question; /quit says goodbye and stops reading
    empty = position(lines, "请输入一个问题", after=third)
    assert lines.index("再见！") > empty
    assert lines[-1] == "再见！"
    assert not any("上海" in line for line in lines)


def test_a_follow_up_question_swaps_the_level(engine):
    _, lines = transcript(engine, ["市级零工市场枢纽有几个？", "那县级的呢？", "/quit"])
    figures = figure_lists(lines)
    assert figures[0][0] == "  · 1个（全市已建成1个市级零工市场枢纽、7个县级零工市场、80个就业驿站）"
    assert figures[1][0] == "  · 7个（全市已建成1个市级零工市场枢纽、7个县级零工市场、80个就业驿站）"


def test_commands_refusals_and_end_of_input(engine):
    status, lines = transcript(engine, ["/foo", "/sources", "上海有多少常住人口？"])  # no /quit: Ctrl-D
    assert status == 0
    assert lines[1:] == [
        "未知命令 /foo，输入 /help 查看帮助。",
        "· 江门主题教育成效综述 江门日报 黎禹君",
        "抱歉，文章里没有找到能回答「上海有多少常住人口？」的内容。",
        "可以换个问法，或问问这些方面：A 精心谋划周密部署、B 聚焦重点精准发力、C 知行合一务求实效",
        "",
        "",
    ]
