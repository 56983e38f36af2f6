"""Diagnostics: frozen data, collected by every phase, rendered by separate formatters.

A diagnostic names what is wrong (`message`), where (`span`, with a short `label` shown under
the underlined text), and how to fix it (`help`). `related` spans point at other places that
take part in the problem (the first definition of a duplicate name, say).
"""

from __future__ import annotations

import enum
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Span:
    """A region of a source file. Lines and columns are 1-based; `end_col` is exclusive."""

    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    @classmethod
    def file_start(cls, file: str) -> Span:
        return cls(file, 1, 1, 1, 1)


@dataclass(frozen=True)
class Related:
    span: Span
    label: str


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span | None = None
    label: str = ""
    help: str | None = None
    related: tuple[Related, ...] = field(default_factory=tuple)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str, str]:
        if self.span is None:
            return ("", 0, 0, self.code, self.message)
        return (self.span.file, self.span.line, self.span.col, self.code, self.message)


class Failure(Exception):
    """What stops a command, as diagnostics: raised by the io layer, the API and the tasks,
    and rendered by the CLI in the chosen `--format`. `sources` holds the texts excerpts come
    from; `exit_code` is 1 for problems in the input or the environment the user can fix,
    2 for usage errors (a name on the command line that does not exist, a missing tool)."""

    def __init__(self, diagnostics: Diagnostic | Sequence[Diagnostic], exit_code: int = 1,
                 sources: dict[str, str] | None = None) -> None:
        found = [diagnostics] if isinstance(diagnostics, Diagnostic) else list(diagnostics)
        super().__init__("; ".join(d.message for d in found))
        self.diagnostics = found
        self.exit_code = exit_code
        self.sources = dict(sources or {})


def failure(code: str, message: str, help: str | None = None, exit_code: int = 1) -> Failure:
    """A Failure of one diagnostic that points at no file (a command-line or environment
    problem)."""
    return Failure(Diagnostic(code, Severity.ERROR, message, help=help), exit_code)


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics in source order, without exact duplicates."""
    seen: set[Diagnostic] = set()
    unique = []
    for diag in diagnostics:
        if diag not in seen:
            seen.add(diag)
            unique.append(diag)
    return sorted(unique, key=Diagnostic.sort_key)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


# ---------------------------------------------------------------------------------------------
# Rendering


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def source_lines(text: str) -> list[str]:
    """The lines as YAML 1.2 and every editor count them: broken at CR LF, CR or LF only
    (str.splitlines also breaks at U+0085, U+2028, form feeds and more)."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


class SourceCache:
    """The source lines the human renderer shows, from the texts that were read (a file that
    was not read renders without excerpt: rendering reads nothing)."""

    def __init__(self, texts: dict[str, str] | None = None) -> None:
        self._texts = dict(texts or {})
        self._lines: dict[str, list[str]] = {}

    def line(self, file: str, number: int) -> str | None:
        if file not in self._lines:
            self._lines[file] = source_lines(self._texts.get(file, ""))
        lines = self._lines[file]
        if 1 <= number <= len(lines):
            return lines[number - 1]
        return None


_CONTROL = ({i: f"\\x{i:02x}" for i in [*range(32), *range(127, 160)]}
            | {10: "\\n", 9: "\\t", 13: "\\r", 0x2028: "\\u2028", 0x2029: "\\u2029"})
# In a source excerpt: one visible column per control character, so the caret stays under it
# (and nothing reaches the terminal as a control sequence).
_PICTURES = ({i: 0x2400 + i for i in range(32)} | {9: " ", 127: 0x2421}
             | {i: 0xFFFD for i in [*range(128, 160), 0x2028, 0x2029]})


def _char_width(char: str) -> int:
    if unicodedata.category(char) in ("Mn", "Me", "Cf"):  # marks on the character before
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Terminal columns `text` takes: combining marks none, wide (CJK) characters two."""
    return sum(_char_width(c) for c in text)


def one_line(text: str) -> str:
    """Text from the user shown inside a one-line message: control characters escaped."""
    return text.translate(_CONTROL)


def _location(span: Span) -> str:
    return f"{span.file}:{span.line}:{span.col}"


# Budgets of the human and short formats, so that output stays in proportion to what a person
# can read whatever the input (a 77 KB line with an error at every value once printed 690 MB):
EXCERPT_WIDTH = 120  # columns of a source line shown; longer lines are cut around the span
MESSAGE_MAX = 1_000  # characters of a message or help (a value echoed whole stops there)
PER_CODE_MAX = 50  # diagnostics shown per code; the rest are counted ("... 9,950 more")


def clip(text: str, limit: int = MESSAGE_MAX) -> str:
    """`text` cut to `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _window(text: str, start: int, end: int, width: int) -> tuple[str, int, int]:
    """The part of `text` to show, at most `width` columns, holding `start` (and as much of
    the span up to `end` as fits), with `…` where it was cut; the span's place in it."""
    if display_width(text) <= width:
        return text, start, end
    budget = width - 2  # room for an ellipsis on each side
    left = max(0, min(start - budget // 4, len(text)))
    right, used = left, 0
    while right < len(text):
        w = _char_width(text[right])
        if used + w > budget:
            break
        used += w
        right += 1
    shown = ("…" if left > 0 else "") + text[left:right] + ("…" if right < len(text) else "")
    shift = (1 if left > 0 else 0) - left
    return shown, start + shift, min(end, right) + shift


def _excerpt(span: Span, label: str, sources: SourceCache, gutter: int,
             columns: int = EXCERPT_WIDTH) -> list[str]:
    text = sources.line(span.file, span.line)
    pad = " " * gutter
    if text is None:
        return []
    text = text.translate(_PICTURES)
    start = span.col - 1
    end = span.end_col - 1 if span.end_line == span.line else len(text)
    text, start, end = _window(text, start, end, max(40, columns - gutter - 3))
    width = max(1, display_width(text[start:end]))
    marker = " " * display_width(text[:start]) + "^" * width
    out = [f"{pad} |", f"{span.line:>{gutter}} | {text}", f"{pad} | {marker}"]
    if label:
        out[-1] += f" {clip(one_line(label), 200)}"
    return out


def capped(diagnostics: Sequence[Diagnostic],
           per_code: int = PER_CODE_MAX) -> tuple[list[Diagnostic], list[str]]:
    """The diagnostics to show (at most `per_code` of each code) and a line for each code
    some were left out of."""
    seen: dict[str, int] = {}
    shown = []
    for diag in diagnostics:
        seen[diag.code] = seen.get(diag.code, 0) + 1
        if seen[diag.code] <= per_code:
            shown.append(diag)
    severity = {d.code: d.severity.value for d in diagnostics}
    notes = [f"... and {count - per_code:,} more {severity[code]}[{code}] not shown "
             "(`--format json` lists every diagnostic)"
             for code, count in sorted(seen.items()) if count > per_code]
    return shown, notes


def render_human(diagnostics: Sequence[Diagnostic], sources: SourceCache | None = None,
                 columns: int = EXCERPT_WIDTH) -> str:
    """Diagnostics for people: each with the source lines it points at (cut to `columns`),
    at most PER_CODE_MAX per code."""
    sources = sources or SourceCache()
    blocks = []
    shown, notes = capped(diagnostics)
    for diag in shown:
        lines = [f"{diag.severity.value}[{diag.code}]: {clip(one_line(diag.message))}"]
        spans = [diag.span] if diag.span else []
        spans += [r.span for r in diag.related]
        gutter = max([len(str(s.line)) for s in spans] + [1])
        pad = " " * gutter
        if diag.span is not None:
            lines.append(f"{pad}--> {_location(diag.span)}")
            lines += _excerpt(diag.span, diag.label, sources, gutter, columns)
        for rel in diag.related:
            lines.append(f"{pad}::: {_location(rel.span)}")
            lines += _excerpt(rel.span, rel.label, sources, gutter, columns)
        if diag.help:
            lines.append(f"{pad} = help: {clip(one_line(diag.help))}")
        blocks.append("\n".join(lines))
    blocks += notes
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def render_short(diagnostics: Sequence[Diagnostic]) -> str:
    """One line a diagnostic (`file:line:col: severity[CODE]: message (help: ...)`), at most
    PER_CODE_MAX per code."""
    lines = []
    shown, notes = capped(diagnostics)
    for diag in shown:
        where = _location(diag.span) if diag.span else "<topology>"
        line = f"{where}: {diag.severity.value}[{diag.code}]: {clip(one_line(diag.message))}"
        if diag.help:
            line += f" (help: {clip(one_line(diag.help))})"
        lines.append(line)
    return "".join(line + "\n" for line in [*lines, *notes])


def _span_json(span: Span | None) -> dict[str, object] | None:
    if span is None:
        return None
    return {
        "file": span.file,
        "line": span.line,
        "column": span.col,
        "end_line": span.end_line,
        "end_column": span.end_col,
    }


def render_json(diagnostics: Sequence[Diagnostic]) -> str:
    items = [
        {
            "code": d.code,
            "severity": d.severity.value,
            "message": d.message,
            "span": _span_json(d.span),
            "label": d.label,
            "help": d.help,
            "related": [{"span": _span_json(r.span), "label": r.label} for r in d.related],
        }
        for d in diagnostics
    ]
    return json.dumps({"diagnostics": items}, indent=2, ensure_ascii=False) + "\n"


SARIF_ROOT = "SRCROOT"  # the uriBaseId of files inside the repository


def uri_path(path: str) -> str:
    """`path` (`/`-separated) as the path of a URI: every byte of its UTF-8 percent-encoded
    except RFC 3986's unreserved characters and `/` (a space is `%20`, `ä` is `%C3%A4`)."""
    safe = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/")
    return "".join(chr(b) if b in safe else f"%{b:02X}" for b in path.encode("utf-8",
                                                                           "surrogatepass"))


def _normalized(path: str) -> str:
    """An absolute `/` path with `.` and `..` resolved as text (no filesystem)."""
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/" + "/".join(parts)


def _artifact(file: str, root: str | None, cwd: str | None) -> dict[str, str]:
    """Where a diagnostic's file is, as SARIF says it: relative to the repository root
    (`uriBaseId` SRCROOT) when it is inside, else an absolute `file://` URI."""
    if root is None or cwd is None:
        return {"uri": uri_path(file.replace("\\", "/"))}
    absolute = _normalized(file if file.startswith("/") else f"{cwd}/{file}")
    top = _normalized(root)
    if absolute.startswith(top.rstrip("/") + "/"):
        return {"uri": uri_path(absolute[len(top.rstrip("/")) + 1:]), "uriBaseId": SARIF_ROOT}
    return {"uri": "file://" + uri_path(absolute)}


def _rule(code: str) -> dict[str, object]:
    """A SARIF reportingDescriptor with what GitHub code scanning shows for a rule: the
    title, the explanation (`edac explain CODE`) as full description and help."""
    from edac.core.codes import CODES

    known = CODES.get(code)
    title = known.title if known else code
    explanation = known.explanation if known else "See `edac explain`."
    level = "error" if code.startswith("E") else "warning"
    return {
        "id": code,
        "name": "".join(w[:1].upper() + w[1:] for w in re.findall(r"[A-Za-z0-9]+", title)),
        "shortDescription": {"text": title},
        "fullDescription": {"text": explanation},
        "help": {"text": f"{explanation}\n\nRun `edac explain {code}` for this text.",
                 "markdown": f"**{code}: {title}**\n\n{explanation}\n\n"
                             f"Run `edac explain {code}` for this text."},
        "defaultConfiguration": {"level": level},
        "properties": {"tags": ["edac", "topology"]},
    }


def render_sarif(diagnostics: Sequence[Diagnostic], version: str, root: str | None = None,
                 cwd: str | None = None) -> str:
    """SARIF 2.1.0 for code scanning (GitHub's ingestion rules: every rule with a full
    description and help; URIs percent-encoded and relative to the repository `root`, given
    with the working directory `cwd` the diagnostics' paths are relative to; columns in
    Unicode code points, as edac counts them)."""
    rules = sorted({d.code for d in diagnostics})
    index = {code: i for i, code in enumerate(rules)}
    results = []
    for d in diagnostics:
        result: dict[str, object] = {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": "error" if d.is_error else "warning",
            "message": {"text": d.message + (f" (help: {d.help})" if d.help else "")},
        }
        spans = ([d.span] if d.span is not None else [])
        if d.span is None:
            # code scanning shows a result only at a place: the first file it is about
            spans = [r.span for r in d.related[:1]]
        if spans:
            span = spans[0]
            result["locations"] = [{"physicalLocation": {
                "artifactLocation": _artifact(span.file, root, cwd),
                "region": {"startLine": span.line, "startColumn": span.col,
                           "endLine": span.end_line, "endColumn": span.end_col},
            }}]
        if d.related:
            result["relatedLocations"] = [
                {"id": i, "message": {"text": r.label or "related"}, "physicalLocation": {
                    "artifactLocation": _artifact(r.span.file, root, cwd),
                    "region": {"startLine": r.span.line, "startColumn": r.span.col,
                               "endLine": r.span.end_line, "endColumn": r.span.end_col}}}
                for i, r in enumerate(d.related)]
        results.append(result)
    run: dict[str, object] = {
        "tool": {"driver": {"name": "edac", "version": version, "semanticVersion": version,
                            "rules": [_rule(code) for code in rules]}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if root is not None:
        run["originalUriBaseIds"] = {
            SARIF_ROOT: {"uri": "file://" + uri_path(_normalized(root).rstrip("/") + "/")}}
    doc = {"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
           "runs": [run]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def summary(diagnostics: Sequence[Diagnostic]) -> str:
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = len(diagnostics) - errors
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return ", ".join(parts)
