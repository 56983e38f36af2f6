"""Route filters against the JSON Schemas of the events they take.

A typo in a filter field (`stauts`), a value outside an `enum`, or an operator of the wrong
type (a numeric range on a string) makes EventBridge silently drop every event. When the
event types of a route declare a schema for `detail`, these are caught here:

- E404: a filter field that no schema of the route's events has (with did-you-mean);
- E405: a filter value that no schema admits (enum, type);
- E406: a filter that none of the route's events can satisfy as a whole (a dead route).

A schema is read for what it says about fields: `properties` (through `$ref` to local
definitions, `allOf`/`anyOf`/`oneOf`, and array `items`, since a pattern field matches any
element of an array), `type`, `enum` and `const`. A schema that allows other fields
(`additionalProperties` or `patternProperties` given as a schema) admits any field name.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from edac.core.checks._util import diag
from edac.core.checks.patterns import PATTERN_MAX, sent_text
from edac.core.diagnostics import Diagnostic
from edac.core.ir import EventType, Route, Topology
from edac.core.load import did_you_mean

MAX_ALTERNATIVES = 256
_SCALAR_TYPES = {str: "string", bool: "boolean", type(None): "null"}


@dataclass(frozen=True)
class Condition:
    """One field of a filter with its leaf values; `yaml` is its path under the route."""

    field: tuple[str, ...]
    leaves: tuple[Any, ...]
    yaml: tuple[str | int, ...]


def alternatives(fragment: Any, field: tuple[str, ...] = (),
                 yaml: tuple[str | int, ...] = ()) -> list[list[Condition]] | None:
    """The filter in disjunctive form: a list of alternatives, each a list of conditions that
    must all hold. None when the form would exceed MAX_ALTERNATIVES (not analysed)."""
    if not isinstance(fragment, dict):
        return [[]]
    result: list[list[Condition]] = [[]]
    for key, value in fragment.items():
        if key == "$or" and isinstance(value, list):
            options: list[list[Condition]] = []
            for i, branch in enumerate(value):
                sub = alternatives(branch, field, yaml + (key, i))
                if sub is None:
                    return None
                options.extend(sub)
            parts = options
        elif isinstance(value, dict):
            sub = alternatives(value, field + tuple(key.split(".")), yaml + (key,))
            if sub is None:
                return None
            parts = sub
        elif isinstance(value, list):
            parts = [[Condition(field + tuple(key.split(".")), tuple(value), yaml + (key,))]]
        else:
            return [[]]  # not a valid fragment; the pattern check reports it
        result = [a + b for a, b in itertools.product(result, parts)]
        if len(result) > MAX_ALTERNATIVES:
            return None
    return result


# ---------------------------------------------------------------------------------------------
# reading schemas


class _Schema:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root

    def _deref(self, node: Any) -> list[dict[str, Any]]:
        """The node and what it combines with (`$ref`, `allOf`, `anyOf`, `oneOf`), each node
        once, in the order a depth-first walk meets them. Once each: `$ref`s may form a DAG
        (d0 -> d1 twice -> d2 twice ...) whose paths are exponentially many, and cycles."""
        out: list[dict[str, Any]] = []
        met: set[int] = set()
        stack: list[Any] = [node]
        while stack:
            current = stack.pop()
            if not isinstance(current, dict):
                if current is True:
                    out.append({})
                continue
            if id(current) in met:
                continue
            met.add(id(current))
            out.append(current)
            children: list[Any] = []
            ref = current.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/"):
                target: Any = self.root
                for raw in ref[2:].split("/"):
                    part = raw.replace("~1", "/").replace("~0", "~")
                    target = target.get(part) if isinstance(target, dict) else None
                children.append(target)
            for combinator in ("allOf", "anyOf", "oneOf"):
                subs = current.get(combinator)
                if isinstance(subs, list):
                    children.extend(subs)
            stack.extend(reversed(children))
        return out

    def _with_items(self, nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Arrays are transparent to patterns: a field matches any element (each node once)."""
        out: list[dict[str, Any]] = []
        met: set[int] = set()
        pending = list(nodes)
        while pending:
            node = pending.pop(0)
            if id(node) in met:
                continue
            met.add(id(node))
            out.append(node)
            items = node.get("items")
            if isinstance(items, dict):
                pending.extend(self._deref(items))
        return out

    def resolve(self, path: tuple[str, ...]) -> tuple[list[dict[str, Any]] | None, list[str]]:
        """The schema nodes at `path` (None when no node has the field: then also the field
        names known at the deepest level reached, for did-you-mean)."""
        nodes = self._with_items(self._deref(self.root))
        for key in path:
            found: list[dict[str, Any]] = []
            open_ended = False
            known: list[str] = []
            for node in nodes:
                props = node.get("properties")
                if isinstance(props, dict):
                    known += list(props)
                    if key in props:
                        found += self._deref(props[key])
                extra = node.get("additionalProperties")
                if isinstance(extra, dict) or node.get("patternProperties"):
                    open_ended = True
                    if isinstance(extra, dict):
                        found += self._deref(extra)
            if not found and not open_ended:
                return None, list(dict.fromkeys(known))
            nodes = self._with_items(found) if found else [{}]
        return nodes, []


def _types(nodes: list[dict[str, Any]]) -> set[str] | None:
    """The JSON types the nodes allow (None: unconstrained)."""
    allowed: set[str] | None = None
    for node in nodes:
        t = node.get("type")
        if t is None:
            continue
        names = {t} if isinstance(t, str) else set(t) if isinstance(t, list) else set()
        if "number" in names:
            names.add("integer")
        allowed = names if allowed is None else allowed | names
    return allowed


def _enum(nodes: list[dict[str, Any]]) -> list[Any] | None:
    values: list[Any] | None = None
    for node in nodes:
        if "const" in node:
            values = (values or []) + [node["const"]]
        elif isinstance(node.get("enum"), list):
            values = (values or []) + list(node["enum"])
    return values


def _type_of(value: Any) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return _SCALAR_TYPES[type(value)]
    if isinstance(value, int):
        return "integer"
    return "number"


def _type_ok(value_type: str, allowed: set[str] | None) -> bool:
    if allowed is None:
        return True
    if value_type == "integer":
        return bool(allowed & {"integer", "number"})
    if value_type == "number":
        return "number" in allowed or "integer" in allowed
    return value_type in allowed


def _inner_text(value: Any) -> tuple[str | None, bool]:
    """(text, ignore case) of a prefix/suffix operand (plain or equals-ignore-case form)."""
    if isinstance(value, str):
        return value, False
    if isinstance(value, dict) and isinstance(value.get("equals-ignore-case"), str):
        return value["equals-ignore-case"], True
    return None, False


def leaf_problem(leaf: Any, nodes: list[dict[str, Any]]) -> str | None:
    """Why `leaf` can never match a value these schema nodes allow (None: it can)."""
    allowed = _types(nodes)
    enum = _enum(nodes)
    shown = " or ".join(sorted(allowed)) if allowed else ""
    if not isinstance(leaf, dict):
        kind = _type_of(leaf)
        if not _type_ok(kind, allowed):
            return f"the schema says {shown}, not {kind}"
        if enum is not None and not any(_same(leaf, e) for e in enum):
            return "not one of " + ", ".join(f"`{e}`" for e in enum)
        return None
    if len(leaf) != 1:
        return None
    op, operand = next(iter(leaf.items()))
    strings = [e for e in enum if isinstance(e, str)] if enum is not None else None
    if op in ("prefix", "suffix", "equals-ignore-case", "wildcard", "cidr"):
        if not _type_ok("string", allowed):
            return f"`{op}` compares text, and the schema says {shown}"
        if strings is not None and op in ("prefix", "suffix", "equals-ignore-case"):
            text, fold = (operand, True) if op == "equals-ignore-case" else _inner_text(operand)
            if isinstance(text, str):
                def ok(e: str) -> bool:
                    a, b = (e.lower(), text.lower()) if fold else (e, text)
                    if op == "prefix":
                        return a.startswith(b)
                    if op == "suffix":
                        return a.endswith(b)
                    return a == b
                if not any(ok(e) for e in strings):
                    return f"no value of the schema's enum matches `{op}: {text}`"
        return None
    if op == "numeric":
        if not (_type_ok("number", allowed)):
            return f"`numeric` compares numbers, and the schema says {shown}"
        return None
    if op == "anything-but" and enum is not None:
        excluded = operand if isinstance(operand, list) else [operand]
        if all(not isinstance(x, dict) for x in excluded) and all(
            any(_same(e, x) for x in excluded) for e in enum
        ):
            return "it excludes every value of the schema's enum"
    return None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b or (a == b and type(a) is type(b))
    return bool(a == b)


# ---------------------------------------------------------------------------------------------
# the check


def _event_schemas(topo: Topology, route: Route) -> list[tuple[EventType, _Schema]] | None:
    """The schemas of every event the route takes; None when some event has none."""
    out = []
    for name in route.events:
        event = topo.events.get(name)
        if event is None or event.schema is None:
            return None
        out.append((event, _Schema(event.schema)))
    return out


def _condition_ok(cond: Condition, schema: _Schema) -> bool:
    nodes, _ = schema.resolve(cond.field)
    if nodes is None:
        return all(_absent_ok(leaf) for leaf in cond.leaves)
    return any(leaf_problem(leaf, nodes) is None for leaf in cond.leaves)


def _absent_ok(leaf: Any) -> bool:
    """Leaves that match a field that is absent: `exists: false`."""
    return isinstance(leaf, dict) and leaf.get("exists") is False


def filter_schemas(topo: Topology) -> Iterator[Diagnostic]:
    for route in topo.routes.values():
        if not route.filter or not route.rules or route.pattern_problems:
            continue
        if len(sent_text(route.pattern)) > PATTERN_MAX:
            continue  # EventBridge refuses it whole (E403): a diagnostic per value is noise
        schemas = _event_schemas(topo, route)
        if not schemas:
            continue
        alts = alternatives(route.filter)
        if alts is None:
            continue
        names = ", ".join(f"`{e.name}`" for e, _ in schemas)
        reported = False
        seen: set[tuple[str | int, ...]] = set()
        for cond in (c for alt in alts for c in alt):
            if cond.yaml in seen:
                continue
            seen.add(cond.yaml)
            field = "detail." + ".".join(cond.field)
            resolved = [(e, s.resolve(cond.field)) for e, s in schemas]
            if all(nodes is None for _, (nodes, _) in resolved):
                if all(_absent_ok(leaf) for leaf in cond.leaves):
                    continue
                known = sorted({k for _, (_, ks) in resolved for k in ks})
                guess = did_you_mean(cond.field[-1], known)
                reported = True
                inner = cond.field[1:]
                if cond.field[0] == "detail" and inner and any(
                        s.resolve(inner)[0] is not None for _, s in schemas):
                    yield diag(
                        topo, "E404",
                        f"route `{route.name}` filters on `{field}`: `filter` already applies "
                        f"inside the event's `detail`",
                        route.origin, "filter", *cond.yaml[:1], key=True,
                        label="one `detail` level too many",
                        help=f"remove the `detail:` level (filter on `{'.'.join(inner)}`), or "
                        "write a `pattern:` to match on the whole event",
                    )
                    continue
                yield diag(
                    topo, "E404",
                    f"route `{route.name}` filters on `{field}`, a field that no schema of "
                    f"{names} has",
                    route.origin, "filter", *cond.yaml, key=True, label="unknown field",
                    help=f"did you mean `{guess}`?" if guess else
                    ("fields here: " + ", ".join(f"`{k}`" for k in known)) if known else
                    "check the event's schema",
                )
                continue
            for i, leaf in enumerate(cond.leaves):
                problems = [
                    (e, leaf_problem(leaf, nodes))
                    for e, (nodes, _) in resolved
                    if nodes is not None
                ]
                if problems and all(p is not None for _, p in problems):
                    reason = problems[0][1]
                    guess = None
                    if isinstance(leaf, str):
                        nodes0 = resolved[0][1][0] or []
                        enum = [e for e in (_enum(nodes0) or []) if isinstance(e, str)]
                        guess = did_you_mean(leaf, enum)
                    reported = True
                    yield diag(
                        topo, "E405",
                        f"route `{route.name}`: `{_show(leaf)}` can never match `{field}`: "
                        f"{reason}",
                        route.origin, "filter", *cond.yaml, i,
                        label="no event can match this value",
                        help=f"did you mean `{guess}`?" if guess else
                        "fix the value or the event's schema",
                    )
        if reported:
            continue
        alive = [(e, s) for e, s in schemas
                 if any(all(_condition_ok(c, s) for c in alt) for alt in alts)]
        if alive:
            yield from _half_dead(topo, route, alts, schemas, alive)
            continue
        if not alive:
            yield diag(
                topo, "E406",
                f"route `{route.name}` can never match: no event it takes ({names}) can satisfy "
                "its whole filter",
                route.origin, "filter", key=True, label="dead route",
                help="each condition matches some event, but not all of them the same one: "
                "split the route, or use `$or`",
            )


def _half_dead(topo: Topology, route: Route, alts: list[list[Condition]],
               schemas: list[tuple[EventType, _Schema]],
               alive: list[tuple[EventType, _Schema]]) -> Iterator[Diagnostic]:
    """E409 for each event type of a live route that its filter can never match; E410 for
    each `$or` branch that no event the route takes can match."""
    living = {e.name for e, _ in alive}
    for i, name in enumerate(route.events):
        if name in living or len(route.events) < 2:
            continue
        yield diag(topo, "E409", f"route `{route.name}` can never match `{name}`: its filter "
                   "asks for what the schema of that event type rules out",
                   route.origin, "events", i, label="never matched by the filter",
                   help=f"remove `{name}` from `events`, or make the filter match it "
                   "(e.g. with `$or`)")
    branches: dict[tuple[str | int, ...], bool] = {}
    for alt in alts:
        ok = any(all(_condition_ok(c, s) for c in alt) for _, s in schemas)
        for cond in alt:
            for at in range(len(cond.yaml) - 1):
                if cond.yaml[at] == "$or" and isinstance(cond.yaml[at + 1], int):
                    key = cond.yaml[:at + 2]
                    branches[key] = branches.get(key, False) or ok
    for key, ok in sorted(branches.items(), key=lambda kv: [str(p) for p in kv[0]]):
        if ok or any(not branches.get(key[:n], True) for n in range(2, len(key), 2)
                     if key[:n] in branches):
            continue  # alive, or inside a branch already reported
        yield diag(topo, "E410", f"route `{route.name}`: `$or` branch {int(key[-1]) + 1} can never "
                   "match an event the route takes", route.origin, "filter", *key,
                   label="dead branch", help="fix or remove the branch: the schemas of the "
                   "route's events rule it out (with the conditions outside the `$or`)")


def _show(leaf: Any) -> str:
    import json

    return json.dumps(leaf, ensure_ascii=False)


CHECKS = (filter_schemas,)
