"""The schema-change gate's verdicts (edac.core.compat) against an independent checker,
jsoncompat 0.3.1 (pinned in the test extra), on a generated corpus of schema pairs in both
roles: producers (writers) break when old ⊄ new, which is jsoncompat's `deserializer` role
(the new schema must read every old value); consumers (readers) break when new ⊄ old, its
`serializer` role (every new value must be readable by the old schema).

The corpus: each base event schema of the examples (and a few written for this) under every
mutation below, and pairs of mutations, old -> new and new -> old. Every disagreement must be
one of KNOWN (none at the time of writing); the test prints the count of pairs compared.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT
from edac.core.compat import breaks

jsoncompat = pytest.importorskip("jsoncompat", reason="jsoncompat is in the test extra")

Schema = dict[str, Any]

BASES: list[Schema] = [
    *(json.loads(p.read_text()) for p in sorted((ROOT / "examples").glob("*/schemas/*.json"))),
    {"type": "object", "required": ["id"], "additionalProperties": False,
     "properties": {"id": {"type": "string", "maxLength": 36},
                    "count": {"type": "integer", "minimum": 0, "maximum": 100},
                    "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 5}}},
    {"type": "object", "properties": {"kind": {"const": "a"}, "n": {"type": ["number", "null"]},
                                      "inner": {"type": "object", "required": ["v"],
                                                "properties": {"v": {"enum": [1, 2, 3]}}}}},
]


def _props(s: Schema) -> dict[str, Any]:
    props: dict[str, Any] = s.setdefault("properties", {})
    return props


def _first(s: Schema, kind: str | None = None) -> str | None:
    for name, sub in _props(s).items():
        if kind is None or (isinstance(sub, dict) and (sub.get("type") == kind
                                                       or kind in (sub.get("type") or []))):
            return name
    return None


def add_required(s: Schema) -> None:
    _props(s)["added"] = {"type": "string"}
    s["required"] = [*s.get("required", []), "added"]


def add_optional(s: Schema) -> None:
    _props(s)["optional"] = {"type": "integer"}


def drop_property(s: Schema) -> None:
    name = _first(s)
    if name:
        del _props(s)[name]
        s["required"] = [r for r in s.get("required", []) if r != name]
        if not s["required"]:
            del s["required"]


def drop_required(s: Schema) -> None:
    s.pop("required", None)


def require_all(s: Schema) -> None:
    s["required"] = sorted(_props(s))


def close(s: Schema) -> None:
    s["additionalProperties"] = False


def open_(s: Schema) -> None:
    s.pop("additionalProperties", None)


def _enum_field(s: Schema) -> dict[str, Any] | None:
    for sub in _props(s).values():
        if isinstance(sub, dict) and isinstance(sub.get("enum"), list):
            return sub
    return None


def enum_add(s: Schema) -> None:
    sub = _enum_field(s)
    if sub is not None:
        sub["enum"] = [*sub["enum"], "added-value"]


def enum_remove(s: Schema) -> None:
    sub = _enum_field(s)
    if sub is not None and len(sub["enum"]) > 1:
        sub["enum"] = sub["enum"][1:]


def string_to_enum(s: Schema) -> None:
    name = _first(s, "string")
    if name:
        _props(s)[name] = {"type": "string", "enum": ["x", "y"]}


def widen_type(s: Schema) -> None:
    name = _first(s, "string")
    if name:
        _props(s)[name] = {**_props(s)[name], "type": ["string", "null"]}


def narrow_number(s: Schema) -> None:
    for sub in _props(s).values():
        if isinstance(sub, dict) and sub.get("type") == "number":
            sub["type"] = "integer"
            return


def tighten_bounds(s: Schema) -> None:
    for sub in _props(s).values():
        if isinstance(sub, dict) and sub.get("type") in ("number", "integer"):
            sub["minimum"] = sub.get("minimum", 0) + 1
            sub["maximum"] = 1000
            return


def max_length(s: Schema) -> None:
    name = _first(s, "string")
    if name:
        _props(s)[name] = {**_props(s)[name], "maxLength": 8}


def items_change(s: Schema) -> None:
    for sub in _props(s).values():
        if isinstance(sub, dict) and sub.get("type") == "array":
            sub["items"] = {"type": "integer"}
            return


def retype(s: Schema) -> None:
    name = _first(s, "string")
    if name:
        _props(s)[name] = {"type": "integer"}


MUTATIONS: list[Callable[[Schema], None]] = [
    add_required, add_optional, drop_property, drop_required, require_all, close, open_,
    enum_add, enum_remove, string_to_enum, widen_type, narrow_number, tighten_bounds,
    max_length, items_change, retype]

# (mutation names, direction) -> why edac and jsoncompat may differ there
KNOWN: dict[tuple[str, ...], str] = {}


def _mutated(base: Schema, steps: tuple[Callable[[Schema], None], ...]) -> Schema:
    out = copy.deepcopy(base)
    for step in steps:
        step(out)
    return out


def corpus() -> list[tuple[str, Schema, Schema]]:
    pairs = []
    for b, base in enumerate(BASES):
        for steps in [*((m,) for m in MUTATIONS), *itertools.combinations(MUTATIONS[:8], 2)]:
            new = _mutated(base, steps)
            if new == base:
                continue
            name = f"base{b}:" + "+".join(m.__name__ for m in steps)
            pairs.append((name, base, new))
            pairs.append((name + ":reversed", new, base))
    return pairs


def test_the_gate_agrees_with_jsoncompat() -> None:
    pairs = corpus()
    assert len(pairs) >= 200, len(pairs)
    disagreements = []
    for name, old, new in pairs:
        producers, consumers = breaks(old, new)
        oracle_producers = not jsoncompat.check_compat(json.dumps(old), json.dumps(new),
                                                       "deserializer")
        oracle_consumers = not jsoncompat.check_compat(json.dumps(old), json.dumps(new),
                                                       "serializer")
        for role, ours, theirs, why in (("producers", bool(producers), oracle_producers,
                                         producers),
                                        ("consumers", bool(consumers), oracle_consumers,
                                         consumers)):
            if ours != theirs and (name, role) not in KNOWN:
                disagreements.append(f"{name} [{role}]: edac says "
                                     f"{'breaking' if ours else 'compatible'} {why}, "
                                     f"jsoncompat {'breaking' if theirs else 'compatible'}")
    print(f"{len(pairs)} schema pairs, both roles: {len(disagreements)} disagreements")
    assert disagreements == [], "\n".join(disagreements[:40])


def test_reasons_read_as_the_change() -> None:
    placed = json.loads((ROOT / "examples" / "orders" / "schemas" / "order-placed.json")
                        .read_text())
    new = copy.deepcopy(placed)
    new["properties"]["status"]["enum"] = ["confirmed", "shipped", "fraud-review"]
    producers, consumers = breaks(placed, new)
    assert producers == ['`status` may no longer be "pending"']
    assert consumers == ['`status` may now be "shipped"']
    added = copy.deepcopy(placed)
    add_required(added)
    producers, consumers = breaks(placed, added)
    assert "`added` is now required" in producers and consumers == []
    assert breaks(placed, copy.deepcopy(placed)) == ([], [])


def test_what_it_cannot_compare_is_not_passed() -> None:
    old = {"type": "object", "properties": {"a": {"type": "string"}}}
    new = {"type": "object", "properties": {"a": {"type": "string", "if": {"const": "x"}}}}
    producers, _ = breaks(old, new)
    assert producers and "does not compare" in producers[0]


def test_corpus_files_are_the_examples() -> None:
    assert len(BASES) >= 6
    assert all(isinstance(b, dict) for b in BASES)
    assert Path(ROOT / "examples").is_dir()


def test_a_declared_policy_limits_what_breaks() -> None:
    old = {"type": "object", "properties": {"s": {"enum": ["a", "b"]}}}
    new = {"type": "object", "properties": {"s": {"enum": ["a", "c"]}}}
    assert breaks(old, new) == (['`s` may no longer be "b"'], ['`s` may now be "c"'])
    assert breaks(old, {**new, "x-edac-compatibility": "backward"}) == \
        (['`s` may no longer be "b"'], [])
    assert breaks(old, {**new, "x-edac-compatibility": "forward"}) == \
        ([], ['`s` may now be "c"'])
    assert breaks(old, {**new, "x-edac-compatibility": "none"}) == ([], [])
