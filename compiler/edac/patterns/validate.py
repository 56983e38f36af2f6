"""Checking a whole pattern and expanding it into its ``$or`` branches.

The walk follows EventBridge: fields are joined into dotted names (so ``{"a.b": ..}`` and
``{"a": {"b": ..}}`` name the same field), a later leaf for the same name replaces an
earlier one, and each ``$or`` multiplies the branches built so far by its alternatives,
fields written after it joining every branch. ``$or`` is the operator only when followed
by an array; followed by an object it is an ordinary field name, as EventBridge keeps it
for patterns written before ``$or`` existed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import PatternPath, PatternProblem
from .jsontext import (
    JsonSyntaxError,
    first_token_is_object,
    is_array,
    is_object,
    members,
    parse_json_text,
    to_json,
)
from .leaf import compile_leaf
from .rule import FieldRule, WildcardGroup
from .wildcard import MAX_COMPLEXITY, TOO_COMPLEX, wildcard_complexity

OR = "$or"
RESERVED_IN_OR = frozenset(
    {
        "exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists",
        "wildcard", "numeric", "cidr", "=", "<", "<=", ">", ">=", "regex", "not-wildcard",
        "not-equals-ignore-case", "date-after", "date-on-or-after", "date-before",
        "date-on-or-before", "in-date-range", "ip-address-in-range", "ip-address-not-in-range",
    }
)
NOT_AN_OBJECT = "Filter is not an object"
MAX_BRANCHES = 10_000
"""edac's own limit on how many branches the ``$or`` operators of a pattern may expand to
(EventBridge's is not documented); it keeps a pathological pattern from exhausting memory."""

Branch = tuple[FieldRule, ...]
"""One ``$or`` alternative: every field it constrains, in EventBridge's field order."""


@dataclass(frozen=True)
class Analysis:
    """Every problem found in a pattern and, when there are none, its branches."""

    problems: list[PatternProblem]
    branches: list[Branch]


def field_order(name: str) -> bytes:
    """Sort key putting field names in EventBridge's (UTF-16 code unit) order."""
    return name.encode("utf-16-be", "surrogatepass")


def load_pattern(pattern: Any) -> tuple[Any, PatternProblem | None]:
    """The pattern as a JSON object, or the problem that prevents reading it as one."""
    if isinstance(pattern, (str, bytes)):
        opens = first_token_is_object(pattern)
        if opens is False:
            return None, PatternProblem((), NOT_AN_OBJECT)
        try:
            pattern = parse_json_text(pattern, first_value_only=True)
        except JsonSyntaxError as error:
            return None, PatternProblem((), str(error))
    if not is_object(pattern):
        return None, PatternProblem((), NOT_AN_OBJECT)
    return pattern, None


def analyse(pattern: Any) -> Analysis:
    """Validate a pattern (JSON text or parsed) and compile its branches."""
    document, problem = load_pattern(pattern)
    if problem is not None:
        return Analysis([problem], [])
    walker = _Walker()
    rules: list[dict[str, FieldRule]] = []
    walker.walk_object(document, (), "", rules, inside_or=False)
    branches = [tuple(sorted(rule.values(), key=lambda f: field_order(f.name))) for rule in rules]
    if not walker.problems:
        walker.problems.extend(_complexity_problems(branches))
    return Analysis(walker.problems, [] if walker.problems else branches)


class _Walker:
    def __init__(self) -> None:
        self.problems: list[PatternProblem] = []
        self.exploded = False

    def report(self, path: PatternPath, reason: str) -> None:
        self.problems.append(PatternProblem(path, reason))

    def walk_object(
        self,
        document: Any,
        location: PatternPath,
        prefix: str,
        rules: list[dict[str, FieldRule]],
        inside_or: bool,
    ) -> None:
        pairs = list(members(document))
        if not pairs:
            self.report(location, "Empty objects are not allowed")
        for key, value in pairs:
            if not isinstance(key, str):
                self.report(location, f"Field name {key!r} is not a string")
                continue
            here = (*location, key)
            if key == OR and is_array(value):
                self.walk_or(value, here, prefix, rules)
            elif inside_or and key in RESERVED_IN_OR:
                self.report(
                    here, f"{key} is Ruler reserved fieldName which cannot be used inside {OR}."
                )
            elif is_object(value):
                self.walk_object(value, here, f"{prefix}{key}.", rules, inside_or)
            elif is_array(value):
                name = prefix + key
                rule = compile_leaf(name, list(value), here, self.problems)
                if not rules:
                    rules.append({})
                for branch in rules:
                    branch[name] = rule
            else:
                self.report(here, f'"{key}" must be an object or an array')

    def walk_or(
        self, value: Any, location: PatternPath, prefix: str, rules: list[dict[str, FieldRule]]
    ) -> None:
        before = [dict(rule) for rule in rules]
        rules.clear()
        for index, alternative in enumerate(value):
            here = (*location, index)
            if not is_object(alternative):
                self.report(here, f"Only JSON object is allowed in array of {OR} relationship.")
                continue
            forked = [dict(rule) for rule in before] or [{}]
            self.walk_object(alternative, here, prefix, forked, inside_or=True)
            rules.extend(forked)
            if len(rules) > MAX_BRANCHES:
                del rules[MAX_BRANCHES:]
                if not self.exploded:
                    self.exploded = True
                    self.report(here, f"The pattern has more than {MAX_BRANCHES} $or combinations")
                return
        if len(value) < 2:
            self.report(location, f"There must have at least 2 Objects in {OR} relationship.")


def _complexity_problems(branches: list[Branch]) -> list[PatternProblem]:
    """Fields whose wildcards are too complex, judged per shared matching machine.

    Branches share a field's machine when every field before it (in field order) is the
    same with the same values, as EventBridge's state machine shares it.
    """
    if not any(rule.wildcards for branch in branches for rule in branch):
        return []
    machines: dict[tuple[object, ...], tuple[PatternPath, dict[object, WildcardGroup]]] = {}
    for branch in branches:
        before: tuple[object, ...] = ()
        for rule in branch:
            key = (*before, rule.name)
            if rule.wildcards:
                location, groups = machines.setdefault(key, (rule.location, {}))
                for group in rule.wildcards:
                    groups[group[0]] = group
            before = (*before, rule.name, to_json(rule.leaves))
    problems = []
    for location, groups in machines.values():
        if wildcard_complexity(groups.values()) > MAX_COMPLEXITY:
            problems.append(PatternProblem(location, TOO_COMPLEX))
    return problems
