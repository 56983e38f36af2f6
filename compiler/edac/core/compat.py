"""Whether a change of an event's JSON Schema breaks its producers or its consumers.

A schema is read as the set of `detail` values it admits. A change is
- compatible for **producers** (writers) when every event they sent under the old schema is
  still valid under the new one: old ⊆ new (a required field added, an enum value removed,
  a type narrowed, `additionalProperties` closed break them);
- compatible for **consumers** (readers) when every event valid under the new schema was
  valid under the old one, so code written against the old schema can read it: new ⊆ old (an
  enum value added, a type widened, a field no longer required, a field's schema dropped
  break them).

`not_within(a, b)` says why a ⊄ b, one line per reason, over the keywords event schemas
use: `type`, `enum`/`const`, `properties`/`required`/`additionalProperties`, `items`, the
numeric, length and size bounds, local `$ref`s and `allOf`. Where it cannot decide (other
keywords, `anyOf`/`oneOf` that differ) it says so, as a reason: a gate should not pass what
it could not check. tests/test_compat.py compares its verdicts with jsoncompat's.
"""

from __future__ import annotations

import json
from typing import Any

_TYPES = ("null", "boolean", "object", "array", "number", "string", "integer")
_UNDERSTOOD = frozenset({
    "$schema", "$id", "$comment", "title", "description", "examples", "default", "deprecated",
    "readOnly", "writeOnly", "format", "$defs", "definitions", "$ref", "allOf", "type", "enum",
    "const", "properties", "required", "additionalProperties", "items", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems",
    "pattern", "multipleOf", "anyOf", "oneOf",
})
_MAX_DEPTH = 64


class _Schema:
    def __init__(self, root: Any) -> None:
        self.root = root

    def flat(self, node: Any, seen: frozenset[str] = frozenset()) -> Any:
        """`node` with local `$ref`s and `allOf` merged in (as one conjunctive schema)."""
        if not isinstance(node, dict):
            return node
        out = {k: v for k, v in node.items() if k not in ("$ref", "allOf")}
        parts: list[Any] = []
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/") and ref not in seen:
            target: Any = self.root
            for raw in ref[2:].split("/"):
                target = target.get(raw.replace("~1", "/").replace("~0", "~")) \
                    if isinstance(target, dict) else None
            parts.append(self.flat(target, seen | {ref}))
        if isinstance(node.get("allOf"), list):
            parts += [self.flat(p, seen) for p in node["allOf"]]
        for part in parts:
            if part is False:
                return False
            if isinstance(part, dict):
                out = _conjoin(out, part)
        return out


def _conjoin(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for key, value in b.items():
        if key not in out:
            out[key] = value
        elif key == "required":
            out[key] = sorted(set(out[key]) | set(value))
        elif key == "properties":
            props = dict(out[key])
            for name, sub in value.items():
                props[name] = sub if name not in props else {"allOf": [props[name], sub]}
            out[key] = props
        elif key == "type":
            left = set(_types(out) or _TYPES)
            right = set(_types(b) or _TYPES)
            out[key] = sorted(_with_integer(left) & _with_integer(right))
        elif out[key] != value:
            out.setdefault("allOf", []).append({key: value})
    return out


def _types(node: dict[str, Any]) -> set[str] | None:
    t = node.get("type")
    if t is None:
        return None
    return {t} if isinstance(t, str) else {x for x in t if isinstance(x, str)}


def _with_integer(types: set[str]) -> set[str]:
    return types | {"integer"} if "number" in types else types


def _allowed_types(node: dict[str, Any]) -> set[str]:
    found = _types(node)
    if "enum" in node or "const" in node:
        values = node["enum"] if "enum" in node else [node["const"]]
        kinds = {_type_of(v) for v in values if isinstance(values, list)}
        found = kinds if found is None else {k for k in kinds if k in _with_integer(found)
                                             or (k == "integer" and "number" in found)}
    return set(_TYPES) if found is None else _with_integer(found)


def _type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _where(path: str) -> str:
    return f"`{path}`" if path else "the detail"


def not_within(a: Any, b: Any, forward: bool = True) -> list[str]:
    """Why some value valid under `a` is not valid under `b` (empty: a ⊆ b), for whole
    schemas (their `$ref`s resolved in each). `forward`: `a` is the old schema and `b` the
    new one (the reasons say what the new one no longer allows); else the other way round
    (they say what the new one now allows)."""
    return _Check(_Schema(a), _Schema(b), forward).within(a, b, "", 0)


class _Check:
    def __init__(self, a: _Schema, b: _Schema, forward: bool) -> None:
        self.a, self.b, self.forward = a, b, forward

    def bounds(self, tightened: list[str]) -> list[str]:
        """Reasons about bounds (`_bounds`, `_sizes`), as the change reads."""
        return [self.say(r, f"{r} no more (the bound was relaxed)") for r in tightened]

    def say(self, tightened: str, loosened: str) -> str:
        """The reason as the change reads: `b` tightened what `a` allowed (forward), or the
        new `a` loosened what the old `b` allowed."""
        return tightened if self.forward else loosened

    def within(self, x: Any, y: Any, path: str, depth: int) -> list[str]:
        if depth > _MAX_DEPTH:
            return [f"{_where(path)} nests too deep to compare"]
        x, y = self.a.flat(x), self.b.flat(y)
        if x is False or y is True or y == {}:
            return []
        if y is False:
            return [self.say(f"{_where(path)} is no longer allowed at all",
                             f"{_where(path)} is now allowed")]
        if x is True:
            x = {}
        if not isinstance(x, dict) or not isinstance(y, dict):
            return [f"{_where(path)}: a schema that is not an object"]
        unknown = sorted(k for k in (set(x) | set(y)) - _UNDERSTOOD if not k.startswith("x-"))
        if unknown:
            return [f"{_where(path)} uses {', '.join(unknown)}, which edac does not compare"]
        for combinator in ("anyOf", "oneOf"):
            if combinator in x or combinator in y:
                if x.get(combinator) == y.get(combinator):
                    continue
                return [f"{_where(path)}: its `{combinator}` changed, which edac does not "
                        "compare"]
        finite = [x["const"]] if "const" in x else x.get("enum")
        if isinstance(finite, list):  # a finite set: each value either fits `y` or not
            out = [v for v in finite if not self._admits(y, v)]
            return [self.say(f"{_where(path)} may no longer be {_show(v)}",
                             f"{_where(path)} may now be {_show(v)}") for v in out]
        reasons: list[str] = []
        tx, ty = _allowed_types(x), _allowed_types(y)
        lost = sorted(t for t in tx - ty if not (t == "integer" and "number" in ty))
        if "number" in tx and "number" not in ty and "integer" in ty:
            lost = sorted(set(lost) | {"number"})
        if lost:
            reasons.append(self.say(f"{_where(path)} may no longer be {' or '.join(lost)}",
                                    f"{_where(path)} may now be {' or '.join(lost)}"))
        reasons += self._values(x, y, path)
        kept = tx & ty
        if kept & {"number", "integer"}:
            reasons += self.bounds(_bounds(x, y, path, ("minimum", "exclusiveMinimum"),
                                           ("maximum", "exclusiveMaximum")))
            if y.get("multipleOf") not in (None, x.get("multipleOf")):
                reasons.append(self.say(f"{_where(path)} must now be a multiple of "
                                        f"{y['multipleOf']}", f"{_where(path)} need no "
                                        f"longer be a multiple of {y['multipleOf']}"))
        if "string" in kept:
            reasons += self.bounds(_sizes(x, y, path, "minLength", "maxLength", "characters"))
            if y.get("pattern") not in (None, x.get("pattern")):
                reasons.append(self.say(f"{_where(path)} must now match the pattern "
                                        f"`{y['pattern']}`", f"{_where(path)} need no longer "
                                        f"match the pattern `{y['pattern']}`"))
        if "array" in kept:
            reasons += self.bounds(_sizes(x, y, path, "minItems", "maxItems", "items"))
            if "items" in y or "items" in x:
                reasons += self.within(x.get("items", True), y.get("items", True),
                                       f"{path}[]", depth + 1)
        if "object" in kept:
            reasons += self._object(x, y, path, depth)
        return reasons

    def _admits(self, y: dict[str, Any], value: Any) -> bool:
        """Whether the (flattened) schema `y` of `b` admits `value`."""
        import jsonschema

        root = self.b.root if isinstance(self.b.root, dict) else {}
        schema = {**y, **{k: root[k] for k in ("$defs", "definitions") if k in root}}
        try:
            return jsonschema.Draft202012Validator(schema).is_valid(value)
        except jsonschema.exceptions.SchemaError:
            return False

    def _values(self, x: dict[str, Any], y: dict[str, Any], path: str) -> list[str]:
        def values(node: dict[str, Any]) -> list[Any] | None:
            if "const" in node:
                return [node["const"]]
            return list(node["enum"]) if isinstance(node.get("enum"), list) else None

        vy = values(y)
        if vy is None:
            return []
        vx = values(x)
        if vx is None:
            listed = ", ".join(_show(v) for v in vy)
            return [self.say(f"{_where(path)} is now limited to {listed}",
                             f"{_where(path)} is no longer limited to {listed}")]
        gone = [v for v in vx if not any(_show(v) == _show(w) for w in vy)
                and _type_of(v) in _allowed_types(y)]
        return [self.say(f"{_where(path)} may no longer be {_show(v)}",
                         f"{_where(path)} may now be {_show(v)}") for v in gone]

    def _object(self, x: dict[str, Any], y: dict[str, Any], path: str,
                depth: int) -> list[str]:
        reasons: list[str] = []
        px: dict[str, Any] = x.get("properties") or {}
        py: dict[str, Any] = y.get("properties") or {}
        rx, ry = set(x.get("required") or []), set(y.get("required") or [])
        for name in sorted(ry - rx):
            reasons.append(self.say(f"`{_join(path, name)}` is now required",
                                    f"`{_join(path, name)}` is no longer required"))
        extra_x = x.get("additionalProperties", True)
        extra_y = y.get("additionalProperties", True)
        for name in sorted(set(px) | set(py)):
            inner = _join(path, name)
            if name in py:
                reasons += self.within(px.get(name, extra_x), py[name], inner, depth + 1)
            elif extra_y is not True:
                reasons += self.within(px[name], extra_y, inner, depth + 1)
        if extra_y is not True and extra_x is not False:
            if extra_y is False or extra_x is True or extra_x == {}:
                reasons.append(self.say(
                    f"{_where(path)} no longer allows fields it does not list "
                    "(`additionalProperties` closed)",
                    f"{_where(path)} now allows fields it does not list "
                    "(`additionalProperties` opened)"))
            else:
                reasons += self.within(extra_x, extra_y, f"{path}.*" if path else "*",
                                       depth + 1)
        return reasons


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _bound(node: dict[str, Any], keys: tuple[str, str], low: bool) -> tuple[float, bool] | None:
    """(bound, exclusive) of the lower (`low`) or upper bound."""
    inclusive, exclusive = keys
    found: list[tuple[float, bool]] = []
    if isinstance(node.get(inclusive), (int, float)) and not isinstance(node[inclusive], bool):
        found.append((float(node[inclusive]), False))
    if isinstance(node.get(exclusive), (int, float)) and not isinstance(node[exclusive], bool):
        found.append((float(node[exclusive]), True))
    if not found:
        return None
    if low:
        return max(found, key=lambda b: (b[0], b[1]))
    return min(found, key=lambda b: (b[0], not b[1]))


def _bounds(x: dict[str, Any], y: dict[str, Any], path: str, low: tuple[str, str],
            high: tuple[str, str]) -> list[str]:
    reasons = []
    lx, ly = _bound(x, low, True), _bound(y, low, True)
    if ly is not None and (lx is None or (ly[0], ly[1]) > (lx[0], lx[1])):
        reasons.append(f"{_where(path)} must now be {'above' if ly[1] else 'at least'} "
                       f"{ly[0]:g}")
    hx, hy = _bound(x, high, False), _bound(y, high, False)
    if hy is not None and (hx is None or (hy[0], not hy[1]) < (hx[0], not hx[1])):
        reasons.append(f"{_where(path)} must now be {'below' if hy[1] else 'at most'} "
                       f"{hy[0]:g}")
    return reasons


def _sizes(x: dict[str, Any], y: dict[str, Any], path: str, low: str, high: str,
           unit: str) -> list[str]:
    reasons = []
    if isinstance(y.get(low), int) and y[low] > (x.get(low) or 0):
        reasons.append(f"{_where(path)} must now have at least {y[low]} {unit}")
    if isinstance(y.get(high), int) and (not isinstance(x.get(high), int) or y[high] < x[high]):
        reasons.append(f"{_where(path)} may now have at most {y[high]} {unit}")
    return reasons


POLICY = "x-edac-compatibility"
# what a schema's declared policy holds it to (Confluent's names): `backward` — every old event
# stays valid (the producer's check; readers may upgrade first); `forward` — every new event
# was valid before (the readers' check); `full` — both (the default); `none` — not judged
POLICIES = {"backward": (True, False), "forward": (False, True), "full": (True, True),
            "none": (False, False)}


def breaks(old: Any, new: Any) -> tuple[list[str], list[str]]:
    """(why producers break: old ⊄ new, why consumers break: new ⊄ old), as far as the new
    schema's `x-edac-compatibility` policy asks (default `full`)."""
    policy = new.get(POLICY, "full") if isinstance(new, dict) else "full"
    producers, consumers = POLICIES.get(policy, POLICIES["full"])
    return (not_within(old, new) if producers else [],
            not_within(new, old, forward=False) if consumers else [])
