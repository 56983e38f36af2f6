"""Compiled patterns and matching them against events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import InvalidEvent, InvalidEventPattern
from .event import FlatEvent, Membership, load_event
from .operators import EventValue
from .rule import FieldRule
from .validate import Branch, analyse

_Step = tuple[str, frozenset[str] | None, Callable[[list[EventValue]], bool], bool]
"""How one field is checked: name, the strings if it is a plain string list, the test of
its values, and whether absence satisfies it."""


class CompiledPattern:
    """A validated pattern, ready to match any number of events.

    ``matches`` accepts an event as a ``dict`` (or JSON text) or, to share the flattening
    between many patterns, a :class:`FlatEvent`. It does not ask for the TestEventPattern
    envelope; :func:`edac.patterns.test_event_pattern` does.
    """

    __slots__ = ("_gate", "_plans", "branches")

    def __init__(self, branches: list[Branch]) -> None:
        self.branches = branches
        self._plans = [(_plan(branch), branch) for branch in branches]
        self._gate = _gate(branches)

    def matches(self, event: Any) -> bool:
        flat = event if type(event) is FlatEvent else FlatEvent(load_event(event, False))
        if self._gate is not None:
            found = flat.values.get(self._gate[0])
            if found is None or self._gate[1].isdisjoint(found):
                return False
        return any(follow_plan(plan, branch, flat) for plan, branch in self._plans)


def compile_pattern(pattern: Any) -> CompiledPattern:
    """Validate and compile a pattern (JSON text or parsed); ``InvalidEventPattern`` if bad.

    A pattern compiled already is returned as it is.
    """
    if isinstance(pattern, CompiledPattern):
        return pattern
    analysis = analyse(pattern)
    if analysis.problems:
        raise InvalidEventPattern(analysis.problems)
    return CompiledPattern(analysis.branches)


def _gate(branches: list[Branch]) -> tuple[str, frozenset[str]] | None:
    """A field that every branch needs one of some strings in (``source``, typically).

    Checking it first is much cheaper than following a branch, and most events fail it.
    """
    candidates: dict[str, set[str]] | None = None
    for branch in branches:
        exact = {rule.name: rule.strings for rule in branch if rule.exact_strings_only}
        if candidates is None:
            candidates = {name: set(strings) for name, strings in exact.items()}
        else:
            candidates = {
                name: strings | exact[name]
                for name, strings in candidates.items()
                if name in exact
            }
    if not candidates:
        return None
    chosen = candidates
    name = min(chosen, key=lambda field: (_GATE_PREFERENCE.get(field, 2), len(chosen[field])))
    return name, frozenset(chosen[name])


_GATE_PREFERENCE = {"source": 0, "detail-type": 1}


def _plan(branch: Branch) -> tuple[_Step, ...]:
    """The checks of a branch, plain string lists first: they reject most events fastest."""
    ordered = sorted(branch, key=lambda rule: not rule.exact_strings_only)
    return tuple(
        (rule.name, rule.strings if rule.exact_strings_only else None, rule.any_match, rule.absent)
        for rule in ordered
    )


def branch_matches(branch: Branch, flat: FlatEvent) -> bool:
    """Whether one ``$or`` branch (fields in EventBridge's order) matches the event."""
    return follow_plan(_plan(branch), branch, flat)


def follow_plan(plan: tuple[_Step, ...], branch: Branch, flat: FlatEvent) -> bool:
    """Whether a branch matches, checked in the order of its plan.

    Fields whose values sit in no array element are settled one by one. The others are
    then matched together so that they draw on consistent array elements: field by field
    in EventBridge's order, an ``{"exists": false}`` field counting as absent when no
    value consistent with the elements chosen so far exists.
    """
    values, memberships = flat.values, flat.memberships
    tangled = False
    for name, strings, any_match, absent in plan:
        found = values.get(name)
        if found is None:
            if absent:
                continue
            return False
        inside_arrays = name in memberships
        if strings is not None:
            if strings.isdisjoint(found):
                return False
        elif not (absent and inside_arrays) and not any_match(found):
            return False
        tangled = tangled or inside_arrays
    if not tangled:
        return True
    rules = [rule for rule in branch if rule.name in memberships]
    return _Search(rules, flat).consistent(0, {})


MATCH_BUDGET = 200_000
"""How many candidate values the array-consistency search may try for one branch and event.
With the memo below, real events need a few dozen; a hostile one that would still need more
is refused (`MatchTooComplex`) instead of hanging."""


class MatchTooComplex(InvalidEvent):
    """Matching this event against a branch would try more than `MATCH_BUDGET` candidates."""


class _Search:
    """Which values of the tangled fields can be drawn from consistent array elements.

    A depth-first search field by field, memoised: whether the fields from `index` on can
    be satisfied depends only on the elements chosen in the arrays those fields sit in, so
    the choices in other arrays are projected away before looking the state up. Elements of
    independent arrays (a field's sibling lists) then no longer multiply, which made the plain
    search exponential (each of n lists of k elements: k**n tries)."""

    def __init__(self, rules: list[FieldRule], flat: FlatEvent) -> None:
        self.rules = rules
        self.flat = flat
        self.tries = 0
        self.failed: set[tuple[int, tuple[tuple[int, int], ...]]] = set()
        # the arrays the fields from `index` on sit in
        self.later: list[frozenset[int]] = [frozenset()] * (len(rules) + 1)
        for index in range(len(rules) - 1, -1, -1):
            arrays = {array for membership in flat.memberships[rules[index].name]
                      for array, _ in membership}
            self.later[index] = self.later[index + 1] | arrays

    def consistent(self, index: int, chosen: dict[int, int]) -> bool:
        if index == len(self.rules):
            return True
        relevant = self.later[index]
        key = (index, tuple(sorted(item for item in chosen.items() if item[0] in relevant)))
        if key in self.failed:
            return False
        rule = self.rules[index]
        flat = self.flat
        present = False
        for value, membership in zip(flat.values[rule.name], flat.memberships[rule.name],
                                     strict=False):
            if not _compatible(chosen, membership):
                continue
            present = True
            self.tries += 1
            if self.tries > MATCH_BUDGET:
                raise MatchTooComplex(
                    f"Matching it would try more than {MATCH_BUDGET} combinations of array "
                    "elements; edac stops there.")
            if rule.matches(value) and self.consistent(index + 1, {**chosen, **dict(membership)}):
                return True
        if rule.absent and not present and self.consistent(index + 1, chosen):
            return True
        self.failed.add(key)
        return False


def _compatible(chosen: dict[int, int], membership: Membership) -> bool:
    return all(chosen.get(array, element) == element for array, element in membership)
