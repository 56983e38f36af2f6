"""Saying why an event does not match a pattern."""

from __future__ import annotations

from typing import Any

from .event import FlatEvent, load_event
from .jsontext import to_json
from .match import branch_matches, compile_pattern
from .numbers import NumberValue
from .operators import EventValue
from .rule import FieldRule


def explain_mismatch(pattern: Any, event: Any) -> list[str]:
    """Why ``event`` does not match ``pattern``: one line per failing field.

    Empty if it matches. With several ``$or`` branches each line names its branch
    (``$or branch 2: ...``). Raises ``InvalidEventPattern`` / ``InvalidEvent`` as
    :func:`edac.patterns.test_event_pattern` does (without requiring the envelope).
    """
    compiled = compile_pattern(pattern)
    flat = event if isinstance(event, FlatEvent) else FlatEvent(load_event(event, False))
    if compiled.matches(flat):
        return []
    several = len(compiled.branches) > 1
    lines: list[str] = []
    for number, branch in enumerate(compiled.branches, 1):
        reasons = [reason for rule in branch if (reason := _field_reason(rule, flat))]
        if not reasons and not branch_matches(branch, flat):
            names = ", ".join(rule.name for rule in branch if rule.name in flat.memberships)
            reasons = [f"{names}: the matching values are in different elements of an array"]
        lines.extend(f"$or branch {number}: {reason}" if several else reason for reason in reasons)
    return lines


def _field_reason(rule: FieldRule, flat: FlatEvent) -> str | None:
    values = flat.values.get(rule.name)
    if values is None:
        return None if rule.absent else f"{rule.name}: is missing (expected {_leaves(rule)})"
    if any(map(rule.matches, values)) or (rule.absent and rule.name in flat.memberships):
        return None
    if rule.absent and rule.only_absent:
        return f"{rule.name}: is present, but the pattern requires it to be absent"
    shown = [_value(value) for value in values]
    exact = rule.exact_strings_only
    if len(shown) == 1:
        verb = "is not one of" if exact else "does not match"
        return f"{rule.name}: {shown[0]} {verb} {_leaves(rule)}"
    verb = "is one of" if exact else "matches"
    return f"{rule.name}: none of [{', '.join(shown)}] {verb} {_leaves(rule)}"


def _leaves(rule: FieldRule) -> str:
    return to_json(rule.leaves, spaced=True)


def _value(value: EventValue) -> str:
    return value.text if isinstance(value, NumberValue) else to_json(value)
