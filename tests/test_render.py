"""The human renderer's source excerpts: lines counted as YAML counts them, the caret under the
right terminal column, nothing from the file reaching the terminal as a control sequence."""

from __future__ import annotations

from edac.core.diagnostics import (
    Diagnostic,
    Severity,
    SourceCache,
    Span,
    display_width,
    one_line,
    render_human,
    source_lines,
)


def excerpt(text: str, line: int, col: int, end_col: int) -> list[str]:
    diag = Diagnostic("E999", Severity.ERROR, "m", Span("f.yaml", line, col, line, end_col), "x")
    return render_human([diag], SourceCache({"f.yaml": text})).splitlines()[2:5]


def test_lines_break_only_at_cr_and_lf() -> None:
    text = "a: 1 # x\u2028y\x85z\x0cw\nb: 2\r\nc: 3\rd: 4\n"
    assert source_lines(text) == ["a: 1 # x\u2028y\x85z\x0cw", "b: 2", "c: 3", "d: 4"]
    assert excerpt(text, 2, 1, 2)[1] == "2 | b: 2"


def test_control_characters_are_shown_as_one_visible_column() -> None:
    _, line, marker = excerpt("description: ab\x07c\x1b[31m\n", 1, 16, 17)
    assert "\x07" not in line and "\x1b" not in line
    assert line == "1 | description: ab\u2407c\u241b[31m"
    assert marker.index("^") == line.index("\u2407")


def test_caret_width_follows_the_terminal_columns() -> None:
    # combining marks take no column, CJK characters two
    text = 'd: "Cafe\u0301 \u4e2d\u6587"\n'
    _, line, marker = excerpt(text, 1, 4, len(text))
    assert marker.count("^") == display_width('"Cafe\u0301 \u4e2d\u6587"') == 11
    assert marker.index("^") == display_width(line[: line.index('"')])


def test_one_line_escapes_c0_c1_and_separators() -> None:
    assert one_line("a\nb\x9bc\u2028d") == "a\\nb\\x9bc\\u2028d"
