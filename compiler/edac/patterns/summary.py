"""Event patterns summarised for people: one short clause per matched field."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def _scalar(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _condition(value: Any) -> str:
    if isinstance(value, dict) and len(value) == 1:
        op, arg = next(iter(value.items()))
        if op == "numeric" and isinstance(arg, list):
            return " ".join(_scalar(a) for a in arg)
        if op == "exists":
            return "exists" if arg is True else "missing"
        if op == "anything-but":
            return "not " + _conditions(arg)
        return f"{op} {_conditions(arg)}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _scalar(value)


def _conditions(values: Any) -> str:
    items = values if isinstance(values, list) else [values]
    return " or ".join(_condition(v) for v in items)


def pattern_clauses(pattern: Mapping[str, Any], path: str = "") -> list[str]:
    """One readable clause per matched field: `status: confirmed or pending`, `total: >= 50`,
    `source: prefix com.shop.`; `$or` alternatives in parentheses."""
    clauses: list[str] = []
    for key, value in pattern.items():
        if key == "$or" and isinstance(value, list):
            branches = ["; ".join(pattern_clauses(b, path)) for b in value if isinstance(b, dict)]
            clauses.append(" or ".join(f"({b})" for b in branches))
        elif isinstance(value, dict):
            clauses += pattern_clauses(value, f"{path}{key}.")
        else:
            clauses.append(f"{path}{key}: {_conditions(value)}")
    return clauses


def without_detail(pattern: Mapping[str, Any]) -> dict[str, Any]:
    """The pattern's conditions on the envelope only (`detail` dropped, also inside `$or`;
    a `$or` with a branch that only held `detail` conditions is dropped whole)."""
    out: dict[str, Any] = {}
    for key, value in pattern.items():
        if key == "$or" and isinstance(value, list):
            branches = [without_detail(b) for b in value if isinstance(b, dict)]
            if all(branches):
                out[key] = branches
        elif key != "detail":
            out[key] = value
    return out
