"""Example events per route (`edac examples`): events that must match it and near misses
that must not, built from the event types' JSON Schemas and the route's filter, and kept only
when edac's pattern engine and the schema agree with what each claims. They serve as contract
fixtures and as `edac sandbox send` / `edac route` input.

For each event type the route takes, a minimal valid `detail` (its required fields, the first
`enum`/`const` value, the lower bounds) is given, for each alternative of the filter (each
`$or` branch), the values that satisfy every condition. A near miss changes one condition's
field so that it fails (a value outside the list, a number outside the range, the field taken
away) and stays valid under the schema where it can; an event of another detail-type is one
too. An operator edac cannot build a value for is left out, never guessed.
"""

from __future__ import annotations

import copy
import ipaddress
import json
from dataclasses import dataclass
from typing import Any

from edac.core import ir
from edac.core.fields import Condition, alternatives
from edac.patterns import compile_pattern

ENVELOPE = {"version": "0", "id": "00000000-0000-0000-0000-000000000000",
            "account": "123456789012", "time": "2024-01-01T00:00:00Z",
            "region": "us-east-1", "resources": []}
_MAX_DEPTH = 16


@dataclass(frozen=True)
class Example:
    route: str
    name: str  # file name without .json: match-<event>-<n> / miss-<event>-<n>-<why>
    matches: bool
    why: str
    event: dict[str, Any]

    def text(self) -> str:
        return json.dumps(self.event, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _resolve(root: Any, node: Any, depth: int = 0) -> Any:
    if not isinstance(node, dict) or depth > _MAX_DEPTH:
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for raw in ref[2:].split("/"):
            target = target.get(raw.replace("~1", "/").replace("~0", "~")) \
                if isinstance(target, dict) else None
        merged = {**(_resolve(root, target, depth + 1) or {}),
                  **{k: v for k, v in node.items() if k != "$ref"}}
        return merged
    if isinstance(node.get("allOf"), list):
        merged = {k: v for k, v in node.items() if k != "allOf"}
        for raw_part in node["allOf"]:
            part = _resolve(root, raw_part, depth + 1)
            if isinstance(part, dict):
                for key, value in part.items():
                    if key == "properties":
                        merged["properties"] = {**merged.get("properties", {}), **value}
                    elif key == "required":
                        merged["required"] = sorted(set(merged.get("required", [])) | set(value))
                    else:
                        merged.setdefault(key, value)
        return merged
    return node


def minimal(root: Any, node: Any, depth: int = 0) -> Any:
    """A small value the schema `node` admits (None when edac cannot tell one)."""
    node = _resolve(root, node, depth)
    if node is True or node == {} or not isinstance(node, dict) or depth > _MAX_DEPTH:
        return "example"
    if "const" in node:
        return node["const"]
    if isinstance(node.get("enum"), list) and node["enum"]:
        return node["enum"][0]
    for key in ("anyOf", "oneOf"):
        if isinstance(node.get(key), list) and node[key]:
            return minimal(root, node[key][0], depth + 1)
    kind = node.get("type", "object" if "properties" in node else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), kind[0] if kind else "string")
    if kind == "object":
        props = node.get("properties") or {}
        return {name: minimal(root, props.get(name, True), depth + 1)
                for name in node.get("required") or [] if isinstance(name, str)}
    if kind == "array":
        count = node.get("minItems") or 0
        return [minimal(root, node.get("items", True), depth + 1) for _ in range(count)]
    if kind in ("integer", "number"):
        low = node.get("minimum", node.get("exclusiveMinimum"))
        value = 0 if low is None else low + (1 if "exclusiveMinimum" in node else 0)
        return int(value) if kind == "integer" else value
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    text = "example"
    size = node.get("minLength") or 0
    return text + "x" * max(0, size - len(text))


def _satisfying(leaf: Any) -> tuple[bool, Any] | None:
    """(present, a value that satisfies the leaf); None when edac cannot build one."""
    if not isinstance(leaf, dict):
        return True, leaf
    if len(leaf) != 1:
        return None
    op, operand = next(iter(leaf.items()))
    if op == "prefix":
        text = operand.get("equals-ignore-case") if isinstance(operand, dict) else operand
        return (True, f"{text}x") if isinstance(text, str) else None
    if op == "suffix":
        text = operand.get("equals-ignore-case") if isinstance(operand, dict) else operand
        return (True, f"x{text}") if isinstance(text, str) else None
    if op == "equals-ignore-case":
        return (True, operand) if isinstance(operand, str) else None
    if op == "wildcard":
        return (True, operand.replace("*", "x")) if isinstance(operand, str) else None
    if op == "exists":
        return (False, None) if operand is False else None  # present: any value will do
    if op == "cidr":
        try:
            return True, str(ipaddress.ip_network(operand, strict=False).network_address)
        except ValueError:
            return None
    if op == "numeric" and isinstance(operand, list):
        low, high = float("-inf"), float("inf")
        for i in range(0, len(operand) - 1, 2):
            sign, number = operand[i], operand[i + 1]
            if not isinstance(number, (int, float)):
                return None
            if sign in (">", ">="):
                low = max(low, number + (1e-6 if sign == ">" else 0))
            elif sign in ("<", "<="):
                high = min(high, number - (1e-6 if sign == "<" else 0))
            elif sign == "=":
                low = high = number
        if low > high:
            return None
        value = low if low != float("-inf") else (high if high != float("inf") else 0)
        return True, int(value) if float(value).is_integer() else value
    return None  # anything-but and the rest: left out rather than guessed


def _failing(leaves: tuple[Any, ...], schema_values: list[Any] | None) -> tuple[bool, Any] | None:
    """(present, a value no leaf matches): an enum value outside the list, or a made-up one."""
    plain = [leaf for leaf in leaves if not isinstance(leaf, dict)]
    if len(leaves) == 1 and isinstance(leaves[0], dict) and \
            isinstance(leaves[0].get("numeric"), list) and len(leaves[0]) == 1:
        operand = leaves[0]["numeric"]
        numbers = [n for n in operand[1::2] if isinstance(n, (int, float))]
        signs = operand[0::2]
        if numbers and signs[0] in (">", ">=", "="):
            return True, numbers[0] - 1  # below the lower bound
        if numbers and signs[0] in ("<", "<="):
            return True, numbers[0] + 1  # above the upper bound
    if len(plain) != len(leaves):
        return False, None  # operators: the field taken away fails them (unless exists:false)
    for value in schema_values or []:
        if value not in plain:
            return True, value
    if all(isinstance(v, str) for v in plain):
        return True, "not-" + "-".join(str(v) for v in plain)[:40]
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in plain):
        return True, max(plain) + 1
    return False, None


def _set(detail: dict[str, Any], path: tuple[str, ...], present: bool, value: Any) -> None:
    node = detail
    for key in path[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    if present:
        node[path[-1]] = value
    else:
        node.pop(path[-1], None)


def _enum_at(root: Any, schema: Any, path: tuple[str, ...]) -> list[Any] | None:
    node = _resolve(root, schema)
    for key in path:
        props = node.get("properties") if isinstance(node, dict) else None
        if not isinstance(props, dict) or key not in props:
            return None
        node = _resolve(root, props[key])
        if isinstance(node, dict) and node.get("type") == "array":
            node = _resolve(root, node.get("items", {}))
    if isinstance(node, dict):
        if isinstance(node.get("enum"), list):
            return list(node["enum"])
        if "const" in node:
            return [node["const"]]
    return None


def _valid(schema: Any, detail: Any) -> bool:
    import jsonschema

    if schema is None:
        return True
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return bool(cls(schema).is_valid(detail))


def for_route(topo: ir.Topology, route: ir.Route) -> list[Example]:
    """The examples of one route (none for a raw pattern or a route without rules)."""
    if route.raw_pattern is not None or not route.rules:
        return []
    matcher = compile_pattern(route.pattern)
    alts = alternatives(route.filter or {}) or [[]]
    found: list[Example] = []
    for event_name in route.events:
        event_type = topo.events.get(event_name)
        if event_type is None or event_type.producer not in topo.producers:
            continue
        schema = event_type.schema
        base = minimal(schema, schema) if schema is not None else {}
        if not isinstance(base, dict):
            base = {}
        envelope = {**ENVELOPE, "source": topo.producers[event_type.producer].source,
                    "detail-type": event_name}
        seen: set[str] = set()
        for alt in alts:
            detail = copy.deepcopy(base)
            if not _fill(detail, alt):
                continue
            event = {**envelope, "detail": detail}
            key = json.dumps(detail, sort_keys=True)
            if key in seen or not matcher.matches(event) or not _valid(schema, detail):
                continue
            seen.add(key)
            n = len([e for e in found if e.matches and f"-{event_name}-" in e.name]) + 1
            found.append(Example(route.name, f"match-{event_name}-{n}", True,
                                 "satisfies " + (", ".join(".".join(c.field) for c in alt)
                                                 or "the route's event types"), event))
            found += _misses(route, matcher, schema, envelope, detail, alt, event_name, found)
        other = next((e for e in topo.events.values() if e.name not in route.events
                      and e.producer == event_type.producer), None)
        if other is not None and seen:
            event = {**envelope, "detail-type": other.name,
                     "detail": json.loads(next(iter(seen)))}
            if not matcher.matches(event):
                found.append(Example(route.name, f"miss-{event_name}-other-type", False,
                                     f"detail-type `{other.name}` is not one the route takes",
                                     event))
    return found


def _fill(detail: dict[str, Any], alt: list[Condition]) -> bool:
    for cond in alt:
        built = next((b for b in map(_satisfying, cond.leaves) if b is not None), None)
        if built is None:
            return False
        present, value = built
        if present and value is None and isinstance(cond.leaves[0], dict) \
                and "exists" in cond.leaves[0]:
            value = "example"
        if isinstance(cond.leaves[0], dict) and cond.leaves[0].get("exists") is True:
            current: Any = detail
            for key in cond.field:
                current = current.get(key) if isinstance(current, dict) else None
            if current is not None:
                continue
            present, value = True, "example"
        _set(detail, cond.field, present, value)
    return True


def _misses(route: ir.Route, matcher: Any, schema: Any, envelope: dict[str, Any],
            detail: dict[str, Any], alt: list[Condition], event_name: str,
            found: list[Example]) -> list[Example]:
    out: list[Example] = []
    for cond in alt:
        failing = _failing(cond.leaves, _enum_at(schema, schema, cond.field)
                           if schema is not None else None)
        if failing is None:
            continue
        present, value = failing
        changed = copy.deepcopy(detail)
        _set(changed, cond.field, present, value)
        event = {**envelope, "detail": changed}
        if matcher.matches(event):
            continue  # another branch still takes it: not a near miss
        field = ".".join(cond.field)
        why = (f"detail.{field} is {json.dumps(value, ensure_ascii=False)}" if present
               else f"detail.{field} is missing")
        if not _valid(schema, changed):
            why += " (which its schema does not allow either)"
        n = len([e for e in [*found, *out] if not e.matches and f"-{event_name}-" in e.name]) + 1
        out.append(Example(route.name, f"miss-{event_name}-{n}", False, why, event))
    return out


def examples(topo: ir.Topology, routes: list[str] | None = None) -> list[Example]:
    """The examples of every route (or of those named), in route order."""
    chosen = [r for r in topo.routes.values() if routes is None or r.name in routes]
    return [e for route in chosen for e in for_route(topo, route)]
