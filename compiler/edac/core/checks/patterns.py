"""Every route's final event pattern is validated as EventBridge would, size included."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from edac.core import defaults
from edac.core.checks._util import diag
from edac.core.diagnostics import Diagnostic
from edac.core.ir import Topology

PATTERN_MAX = defaults.EVENT_PATTERN_MAX


def route_patterns(topo: Topology) -> Iterator[Diagnostic]:
    for route in topo.routes.values():
        if not route.rules:
            continue
        pattern = route.pattern
        raw = route.raw_pattern is not None
        for problem in route.pattern_problems:
            path = tuple(problem.path)
            if raw:
                sub: tuple[str | int, ...] = ("pattern", *path)
                code = "E402"
            elif path[:1] == ("detail",):
                sub = ("filter", *path[1:])
                code = "E401"
            else:
                sub = ("events",)
                code = "E402"
            help_text = "see `edac explain " + code + "` for the pattern syntax"
            if "must be an object or an array" in problem.reason and path:
                leaf = _leaf_of(pattern, path)
                if not isinstance(leaf, (dict, list)):
                    help_text = (f"values are always a list: write `{path[-1]}: "
                                 f"[{json.dumps(leaf, ensure_ascii=False)}]`")
            yield diag(topo, code, f"route `{route.name}`: {problem.reason}", route.origin, *sub,
                       label="EventBridge rejects this", help=help_text)
        size = len(sent_text(pattern))
        if size > PATTERN_MAX:
            yield diag(topo, "E403", f"route `{route.name}`: the event pattern is {size} "
                       f"characters; EventBridge accepts {PATTERN_MAX} by default",
                       route.origin, "pattern" if raw else "filter", label="pattern too large",
                       help="split the route into several, or simplify the filter")


def _leaf_of(pattern: Any, path: tuple[Any, ...]) -> Any:
    node = pattern
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def sent_text(pattern: Any) -> str:
    """The pattern as the compiled Terraform sends it: `jsonencode` output, i.e. compact JSON
    with sorted keys and `<`, `>`, `&` written as unicode escapes."""
    text = json.dumps(pattern, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    for ch, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                       ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, escape)
    return text


CHECKS = (route_patterns,)
