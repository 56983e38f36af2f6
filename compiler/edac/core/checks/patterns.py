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


# The fields of every event on a custom bus: PutEvents sets these and nothing else at the top
# (https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html).
ENVELOPE = ("version", "id", "detail-type", "source", "account", "time", "region",
            "resources", "detail")


def raw_pattern_reach(topo: Topology) -> Iterator[Diagnostic]:
    """Raw patterns that can never match on this bus: a top-level field no event has
    (E407, `detailType` for `detail-type`), a `source` no producer has or a `detail-type` no
    event type of those sources has (E408). Only the producers' events reach the bus."""
    from edac.core.load import did_you_mean
    from edac.patterns import InvalidEventPattern, compile_pattern

    for route in topo.routes.values():
        pattern = route.raw_pattern
        if not isinstance(pattern, dict) or route.pattern_problems:
            continue
        for key in pattern:
            if key == "$or" or key in ENVELOPE:
                continue
            guess = did_you_mean(key, list(ENVELOPE))
            yield diag(topo, "E407", f"route `{route.name}`: no event has a top-level field "
                       f"`{key}`, so the pattern never matches", route.origin, "pattern", key,
                       key=True, label="not a field of the event envelope",
                       help=f"did you mean `{guess}`?" if guess else "the envelope's fields: "
                       + ", ".join(f"`{f}`" for f in ENVELOPE) + "; match `detail` fields "
                       "under `detail:`")
        dead_source = False
        sources = sorted({p.source for p in topo.producers.values()})
        # the event types of the producers whose source the pattern admits
        types = sorted({e.name for e in topo.events.values()
                        if _admits(pattern, "source", topo.producers[e.producer].source)})
        for field, candidates, what in (("source", sources, "producer"),
                                        ("detail-type", types, "event type")):
            if field not in pattern or dead_source:
                continue
            try:
                compile_pattern({field: pattern[field]})
            except InvalidEventPattern:
                continue
            if any(_admits(pattern, field, c) for c in candidates):
                continue
            dead_source = field == "source"
            shown = ", ".join(f"`{c}`" for c in candidates[:8]) or "none"
            written = [v for v in pattern[field] if isinstance(v, str)] \
                if isinstance(pattern[field], list) else []
            guess = next((g for g in (did_you_mean(v, candidates) for v in written) if g), None)
            yield diag(topo, "E408", f"route `{route.name}`: no {what} of the topology has a "
                       f"`{field}` this pattern matches, so it never matches", route.origin,
                       "pattern", field, label=f"no {what} matches",
                       help=(f"did you mean `{guess}`? " if guess else "")
                       + f"the {what}s' {field}s: {shown}; only the producers' events "
                       "reach this bus")


def _admits(pattern: dict[str, Any], field: str, value: str) -> bool:
    """Whether the pattern's condition on `field` (a top-level string field) admits `value`."""
    from edac.patterns import InvalidEventPattern, compile_pattern

    if field not in pattern:
        return True
    try:
        return compile_pattern({field: pattern[field]}).matches({field: value})
    except InvalidEventPattern:
        return True


CHECKS = (route_patterns, raw_pattern_reach)
