"""Read topology files: YAML text -> plain data plus a map from data paths to source spans.

PyYAML composes a node tree that keeps marks; we convert it to plain Python data ourselves so
that every mapping key and value keeps its span, duplicate keys are reported at both places,
and a few YAML 1.1 surprises are switched off: `yes`/`no`/`on`/`off` stay strings (only
`true`/`false` are booleans) and dates stay strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from edac.core.diagnostics import Diagnostic, Related, Severity, Span, source_lines
from edac.core.spans import Marks, Path_, SpanMap

_BaseLoader: type[yaml.SafeLoader]
try:
    _BaseLoader = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - libyaml missing
    _BaseLoader = yaml.SafeLoader


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader with YAML 1.2 booleans and no implicit timestamps."""


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))

_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_MAX_NODES = 200_000
_MAX_DEPTH = 64


@dataclass
class SourceFile:
    path: str
    text: str
    data: Any
    spans: SpanMap


class _TooLarge(Exception):
    pass


class _BadScalar(Exception):
    """A tagged scalar that cannot be constructed; args[0] is its diagnostic."""


class _Converter:
    def __init__(self, file: str) -> None:
        self.file = file
        self.spans = SpanMap(file)
        self.diagnostics: list[Diagnostic] = []
        self.count = 0

    def span(self, node: yaml.Node) -> Span:
        return self.spans.span_of(self.marks(node))

    @staticmethod
    def marks(node: yaml.Node) -> Marks:
        start, end = node.start_mark, node.end_mark
        return (start.line, start.column, end.line, end.column)

    def convert(self, node: yaml.Node, path: Path_, depth: int = 0) -> Any:
        self.count += 1
        if self.count > _MAX_NODES or depth > _MAX_DEPTH:
            raise _TooLarge(self.span(node))
        self.spans.values[path] = self.marks(node)
        if isinstance(node, yaml.ScalarNode):
            if node.tag == "tag:yaml.org,2002:timestamp":
                return node.value
            constructor = _CONSTRUCTOR.yaml_constructors.get(node.tag)
            if constructor is None:
                return node.value
            try:
                return constructor(_CONSTRUCTOR, node)
            except (yaml.YAMLError, ValueError, TypeError) as exc:
                # a scalar its tag cannot construct, e.g. `!!int 20s` or a bad `!!binary`
                tag = "!!" + node.tag.rsplit(":", 1)[-1]
                raise _BadScalar(Diagnostic(
                    "E001", Severity.ERROR,
                    f"invalid YAML value: `{node.value}` cannot be read as `{tag}`",
                    self.span(node), f"not a valid `{tag}`",
                    help=f"remove the `{tag}` tag, or write a value of that type")) from exc
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.MappingNode)
        return self.mapping(node, path, depth)

    def mapping(self, node: yaml.MappingNode, path: Path_, depth: int) -> dict[str, Any]:
        # merges expand mappings without `convert`: the same budgets hold here (a mapping that
        # merges itself, or merge chains that double at each level, stop at them)
        self.count += 1
        if self.count > _MAX_NODES or depth > _MAX_DEPTH:
            raise _TooLarge(self.span(node))
        result: dict[str, Any] = {}
        # `<<:` merge keys first, so that the mapping's own keys (and their spans) win
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                result.update(self.merge_source(key_node, value_node, path, depth))
        first_seen: dict[str, Marks] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key_marks = self.marks(key_node)
            if not isinstance(key_node, yaml.ScalarNode):
                self.diagnostics.append(
                    Diagnostic(
                        "E005",
                        Severity.ERROR,
                        "a mapping key must be a plain name, not a list or mapping",
                        self.spans.span_of(key_marks),
                        "this key is a collection",
                        help="write the key as a single word, e.g. `name:`",
                    )
                )
                continue
            key = str(key_node.value)
            if key in first_seen:
                self.diagnostics.append(
                    Diagnostic(
                        "E002",
                        Severity.ERROR,
                        f"duplicate key `{key}`",
                        self.spans.span_of(key_marks),
                        "defined again here",
                        help="YAML keeps only one of them: remove or rename one",
                        related=(
                            Related(self.spans.span_of(first_seen[key]), "first defined here"),
                        ),
                    )
                )
                continue
            first_seen[key] = key_marks
            self.spans.keys[path + (key,)] = key_marks
            result[key] = self.convert(value_node, path + (key,), depth + 1)
        return result

    def merge_source(self, key: yaml.Node, node: yaml.Node, path: Path_,
                     depth: int) -> dict[str, Any]:
        """The mappings named by a `<<:` merge key; earlier mappings in a list win."""
        nodes = node.value if isinstance(node, yaml.SequenceNode) else [node]
        out: dict[str, Any] = {}
        for item in reversed(nodes):
            if isinstance(item, yaml.MappingNode):
                out.update(self.mapping(item, path, depth + 1))
            else:
                # an alias is the node it names: its marks are the anchor's, so the
                # diagnostic stands at the `<<` and points back at what it names
                self.diagnostics.append(
                    Diagnostic(
                        "E005",
                        Severity.ERROR,
                        "a `<<` merge key must name a mapping",
                        self.span(key),
                        "merges something that is not a mapping",
                        help="merge an anchored mapping, e.g. `base: &base {team: x}` then "
                        "`<<: *base`",
                        related=(Related(self.span(item), "this is what it names"),),
                    )
                )
        return out


def _mark_span(file: str, mark: yaml.Mark) -> Span:
    return Span(file, mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 2)


def _yaml_error(file: str, exc: yaml.YAMLError, text: str = "") -> Diagnostic:
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    mark = problem_mark or context_mark
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"invalid YAML: {problem}"
    if context:
        message += f" ({context})"
    lines = source_lines(text)
    if (context and context.startswith("while parsing a flow") and context_mark is not None
            and problem_mark is not None and problem_mark.line > context_mark.line):
        # an unclosed `[` or `{`: the parser notices lines later (often at the end of the
        # file); the place to fix is where it was opened
        closer = "]" if "sequence" in context else "}"
        opener = "[" if closer == "]" else "{"
        related: tuple[Related, ...] = ()
        if problem_mark.line < len(lines):
            related = (Related(_mark_span(file, problem_mark),
                               "the list or mapping was still open here"),)
        return Diagnostic("E001", Severity.ERROR,
                          f"invalid YAML: this `{opener}` is never closed",
                          _mark_span(file, context_mark), "opened here",
                          help=f"close it with `{closer}` (and separate the items with `, `)",
                          related=related)
    span = _mark_span(file, mark) if mark is not None else None
    help_text = None
    at_tab = mark is not None and mark.line < len(lines) and "\t" in lines[mark.line][
        : mark.column + 1]
    if at_tab or " tab" in problem.lower():
        help_text = "YAML indentation must use spaces, not tabs"
    elif "mapping values are not allowed" in problem:
        help_text = "a value containing `: ` must be quoted"
    elif "found character '@'" in problem or "found character '`'" in problem:
        help_text = "values starting with `@` or a backtick must be quoted"
    return Diagnostic("E001", Severity.ERROR, message, span, "here", help=help_text)


# Characters YAML does not allow in a file (PyYAML's reader refuses them, without a line), and
# the three that YAML 1.1 readers take for line breaks while YAML 1.2 and editors do not
# (PyYAML then reports errors on the wrong line, or turns U+0085 into a space in a quoted
# string): refused up front, at their line and column, with the escape that keeps them.
_NOT_PRINTABLE = re.compile(
    "[\u2028\u2029]|[^\x09\x0a\x0d\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ESCAPES = {"\x85": "\\N", "\u2028": "\\L", "\u2029": "\\P"}


def _character_problem(text: str, file: str) -> Diagnostic | None:
    match = _NOT_PRINTABLE.search(text, 1 if text.startswith("\ufeff") else 0)
    if match is None:
        return None
    char = match.group()
    start = match.start()
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    name = f"U+{ord(char):04X}"
    if char in _ESCAPES:
        message = f"invalid YAML: the line separator {name} is not allowed in a topology file"
        help_text = (f"YAML readers disagree on whether it ends a line: delete it, or write "
                     f"it as the escape `{_ESCAPES[char]}` inside a double-quoted string")
    else:
        message = f"invalid YAML: the control character {name} is not allowed"
        help_text = (f"delete it; to keep it in a value, write it as the escape "
                     f"`\\x{ord(char):02x}` inside a double-quoted string"
                     if ord(char) < 0x100 else "delete it")
    span = Span(file, line, column, line, column + 1)
    return Diagnostic("E001", Severity.ERROR, message, span, "here", help=help_text)


def parse_text(text: str, file: str) -> tuple[SourceFile | None, list[Diagnostic]]:
    """Parse one YAML document; returns the file (None on fatal errors) and diagnostics."""
    problem = _character_problem(text, file)
    if problem is not None:
        return None, [problem]
    try:
        documents = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        return None, [_yaml_error(file, exc, text)]
    except (ValueError, RecursionError) as exc:
        # libyaml reports some malformed input as ValueError, and deep nesting may recurse
        return None, [Diagnostic("E001", Severity.ERROR, f"invalid YAML: {exc}",
                                 Span.file_start(file))]
    documents = [d for d in documents if d is not None]
    if not documents:
        return None, [
            Diagnostic(
                "E003",
                Severity.ERROR,
                "the file is empty",
                Span.file_start(file),
                help="a topology file starts with `version: 1`",
            )
        ]
    if len(documents) > 1:
        second = documents[1]
        return None, [
            Diagnostic(
                "E003",
                Severity.ERROR,
                "a topology file holds one YAML document, this one holds several",
                _Converter(file).span(second),
                "second document starts here",
                help="split the documents into separate files, or remove the `---` separator",
            )
        ]
    converter = _Converter(file)
    try:
        data = converter.convert(documents[0], ())
    except _TooLarge as exc:
        return None, [
            Diagnostic(
                "E005",
                Severity.ERROR,
                "the YAML is too large or too deeply nested (recursive or exploding aliases?)",
                exc.args[0],
                "expansion stopped here",
                help=f"a topology file holds at most {_MAX_NODES} values, nested at most "
                f"{_MAX_DEPTH} deep",
            )
        ]
    except _BadScalar as exc:
        return None, [exc.args[0]]
    except (yaml.YAMLError, ValueError, TypeError) as exc:  # pragma: no cover - defensive
        return None, [Diagnostic("E001", Severity.ERROR, f"invalid YAML value: {exc}",
                                 Span.file_start(file))]
    return SourceFile(file, text, data, converter.spans), converter.diagnostics
