"""Mermaid label text: `escape`, the one quoting function of Mermaid, and what goes in labels."""

from __future__ import annotations

from collections.abc import Iterable

from edac.core import ir
from edac.core.text import LIST_MAX, listing
from edac.patterns.summary import pattern_clauses

LINE_MAX = 60  # characters of one label line (before escaping)

_ENTITIES = {c: f"#{c};" for c in range(128) if not (chr(c).isalnum() or c == ord(" "))}


def escape(text: str) -> str:
    """Label text as Mermaid shows it verbatim: whitespace runs collapsed to one space, every
    ASCII character but letters, digits and space written as `#<code>;` (non-ASCII stays)."""
    return " ".join(text.split()).translate(_ENTITIES)


def label(lines: Iterable[str]) -> str:
    """Escaped lines, one per line of text; blank lines dropped ("" when nothing is left)."""
    return "\n".join(e for e in (escape(line) for line in lines) if e)


def clip(text: str, width: int = LINE_MAX) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def route_summary(route: ir.Route) -> list[str]:
    """What a route takes, in a few short lines: its event types and filter, or its pattern."""
    if route.raw_pattern is not None:
        clauses = pattern_clauses(route.raw_pattern)
        head: list[str] = []
    else:
        clauses = pattern_clauses(route.filter or {})
        head = [listing(route.events)]
    room = LIST_MAX - len(head)
    if len(clauses) > room:
        clauses = clauses[: room - 1] + [f"+{len(clauses) - room + 1} more conditions"]
    return head + clauses
