"""HCL literals. Every string that reaches HCL goes through `quote` (or `heredoc_json`), so
text from the YAML always comes out literally: no interpolation, no template directive, no
early end of a string, comment or block. Layout follows `terraform fmt` (aligned `=` within
runs of single-line attributes), so generated files are fmt-clean as written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from edac.core import names

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
INDENT = "  "

_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}


def _escape_char(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    code = ord(ch)
    if code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0 or ch in "\u2028\u2029":
        return f"\\u{code:04x}"
    return ch


def _escape_templates(text: str) -> str:
    """`${` and `%{` start interpolations and directives in HCL strings and heredocs."""
    return text.replace("${", "$${").replace("%{", "%%{")


_SPECIAL = re.compile(r'[\\"\x00-\x1f\x7f-\x9f\u2028\u2029]|[$%]\{')


def quote(text: str) -> str:
    """A quoted HCL string whose value is exactly `text`."""
    if _SPECIAL.search(text) is None:
        return '"' + text + '"'
    escaped = "".join(_escape_char(ch) for ch in text)
    return '"' + _escape_templates(escaped) + '"'


class Heredoc:
    """A JSON document written as an indented heredoc (readable in pull requests)."""

    def __init__(self, value: Any) -> None:
        self.value = value


def address(where: names.Address) -> str:
    """`module.<call>["<key>"]`, the key quoted."""
    if where.key is None:
        return f"module.{where.call}"
    return f"module.{where.call}[{quote(where.key)}]"


# words HCL reads as something else at the start of an object key: the literals, and `for`,
# which opens a for expression (`{ for = 1 }` does not parse); quoted, they are plain keys
KEYWORDS = frozenset({"null", "true", "false", "for", "in", "if"})


def key(name: str) -> str:
    """An object key: bare when it is an identifier HCL takes as written, else quoted."""
    return name if IDENTIFIER.match(name) and name not in KEYWORDS else quote(name)


def heredoc_json(value: Any, indent: int) -> str:
    """`<<-EOT` heredoc holding `value` as pretty JSON. JSON escapes newlines inside strings,
    so no content line can be the delimiter; `${`/`%{` are escaped; heredocs do not process
    backslashes, so JSON escapes pass through as written."""
    pad = INDENT * (indent + 1)
    text = pretty_json(value).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    # split on newlines only: str.splitlines would also break at U+0085, U+001C-1E...
    body = "\n".join(pad + line for line in _escape_templates(text).split("\n"))
    return f"<<-EOT\n{body}\n{INDENT * indent}EOT"


def pretty_json(value: Any, indent: int = 0, width: int = 72) -> str:
    """JSON with one key per line and short lists of scalars kept on one line."""
    if isinstance(value, dict) and value:
        pad = "  " * (indent + 1)
        items = [
            f"{pad}{json.dumps(k, ensure_ascii=False)}: {pretty_json(v, indent + 1, width)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"
    if isinstance(value, list) and value:
        inline = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
        if len(inline) <= width:
            return inline
        pad = "  " * (indent + 1)
        items = [pad + pretty_json(v, indent + 1, width) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + "  " * indent + "]"
    return json.dumps(value, ensure_ascii=False)


def _is_multiline(value: Any) -> bool:
    if isinstance(value, Heredoc):
        return False  # terraform fmt aligns a heredoc's opening line with its neighbours
    if isinstance(value, Mapping):
        return bool(value)
    return False


def value(v: Any, indent: int = 0) -> str:
    """An HCL expression for a Python value."""
    kind = type(v)
    if kind is str:
        return quote(v)
    if kind is int:
        return str(v)
    if kind is list:
        return "[" + ", ".join([value(item, indent) for item in v]) + "]"
    if isinstance(v, Heredoc):
        return heredoc_json(v.value, indent)
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return quote(v)
    if isinstance(v, Mapping):
        return obj(v, indent)
    if isinstance(v, Sequence):
        return "[" + ", ".join(value(item, indent) for item in v) + "]"
    raise TypeError(f"no HCL form for {type(v).__name__}")


def attributes(items: Mapping[str, Any], indent: int) -> str:
    """Lines of `key = value` at `indent`, aligned the way `terraform fmt` aligns them."""
    pad = INDENT * indent
    rows = [(key(k), v) for k, v in items.items()]
    lines: list[str] = []
    group: list[tuple[str, Any]] = []

    def flush() -> None:
        width = max((len(k) for k, _ in group), default=0)
        for k, v in group:
            lines.append(f"{pad}{k.ljust(width)} = {value(v, indent)}")
        group.clear()

    for k, v in rows:
        if _is_multiline(v):
            flush()
            lines.append(f"{pad}{k} = {value(v, indent)}")
        else:
            group.append((k, v))
    flush()
    return "\n".join(lines)


def block(kind: str, labels: Sequence[str], items: Mapping[str, Any],
          blocks: Sequence[str] = (), indent: int = 0) -> str:
    """A block: `kind "label" ... {`, its attributes (aligned as `terraform fmt` does), a blank
    line, then nested blocks (already rendered at `indent + 1`), and `}`; labels quoted."""
    pad = INDENT * indent
    head = " ".join([kind, *(quote(label) for label in labels)])
    body = [attributes(items, indent + 1)] if items else []
    parts = "\n\n".join([*body, *(b.rstrip("\n") for b in blocks)])
    return f"{pad}{head} {{\n{parts}\n{pad}}}\n" if parts else f"{pad}{head} {{}}\n"


def comment(text: str, indent: int = 0) -> str:
    """`# ` comment lines holding `text`, one per line of it: a newline in the text starts a
    new comment line, and every other control or line-separating character is written as an
    escape, so nothing in the text can end the comment early."""
    pad = INDENT * indent
    lines = text.split("\n")
    return "\n".join(f"{pad}# " + "".join(
        _escape_char(ch) if ch not in "\\\"\t" else ch for ch in line) for line in lines)


def obj(items: Mapping[str, Any], indent: int = 0) -> str:
    if not items:
        return "{}"
    return "{\n" + attributes(items, indent + 1) + "\n" + INDENT * indent + "}"
