"""Route filters read against JSON Schemas: a filter in disjunctive form (alternatives of
conditions on fields), the schema nodes at a field's path, and whether a leaf of a pattern can
match a value those nodes allow. The checks of edac.core.checks.schemas (E404-E410) and the
schema-change gate of edac.core.diff (routes that start matching more) read filters with it.

A schema is read for what it says about fields: `properties` (through `$ref` to local
definitions, `allOf`/`anyOf`/`oneOf`, and array `items`, since a pattern field matches any
element of an array), `type`, `enum` and `const`. A schema that allows other fields
(`additionalProperties` or `patternProperties` given as a schema) admits any field name.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

from edac.core.ir import Route

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


class Schema:
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


def enum_values(nodes: list[dict[str, Any]]) -> list[Any] | None:
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
    enum = enum_values(nodes)
    shown = " or ".join(sorted(allowed)) if allowed else ""
    if not isinstance(leaf, dict):
        kind = _type_of(leaf)
        if not _type_ok(kind, allowed):
            return f"the schema says {shown}, not {kind}"
        if enum is not None and not any(same(leaf, e) for e in enum):
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
            any(same(e, x) for x in excluded) for e in enum
        ):
            return "it excludes every value of the schema's enum"
    return None


def same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b or (a == b and type(a) is type(b))
    return bool(a == b)


# ---------------------------------------------------------------------------------------------
# what a schema change lets a route match


def widened(route: Route, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What a route's filter matches under the `new` schema of one of its event types that it
    did not under the `old` one, a line per field: values the schema now allows and the filter
    takes, a field no longer limited to a list of values.
    (What it stops matching is a dead route or branch: E406, E409, E410 on the new topology.)"""
    if not route.filter:
        return []
    alts = alternatives(route.filter)
    if alts is None:
        return []
    before, after = Schema(old), Schema(new)
    found: list[str] = []
    for cond in (c for alt in alts for c in alt):
        shown = ".".join(cond.field)
        was, _ = before.resolve(cond.field)
        now, _ = after.resolve(cond.field)
        if now is None or was is None:
            continue  # a field no schema has: E404 on that topology
        old_values, new_values = enum_values(was), enum_values(now)
        if new_values is None:
            if old_values is not None:
                found.append(f"`{shown}` is no longer limited to {_listed(old_values)}: the "
                             "filter takes any value it matches")
            continue
        added = [v for v in new_values if old_values is not None
                 and not any(same(v, o) for o in old_values)]
        taken = [v for v in added if _leaf_takes(cond.leaves, v)]
        if taken:
            found.append(f"`{shown}` may now be {_listed(taken)}, which the filter takes")
    return list(dict.fromkeys(found))


def _leaf_takes(leaves: tuple[Any, ...], value: Any) -> bool:
    """Whether a condition's leaves match the field having `value` (by edac's engine)."""
    from edac.patterns import FlatEvent, InvalidEvent, InvalidEventPattern, compile_pattern

    try:
        return compile_pattern({"f": list(leaves)}).matches(FlatEvent({"f": value}))
    except (InvalidEventPattern, InvalidEvent):
        return False


def _listed(values: list[Any]) -> str:
    shown = ", ".join(show(v) for v in values[:5])
    return shown + (f" +{len(values) - 5} more" if len(values) > 5 else "")


def show(leaf: Any) -> str:
    return json.dumps(leaf, ensure_ascii=False)
