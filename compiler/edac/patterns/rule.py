"""What a compiled pattern requires of one event field."""

from __future__ import annotations

from typing import Any

from .errors import PatternPath
from .numbers import NumberValue
from .operators import EventValue, ValueTest

WildcardGroup = tuple[object, tuple[tuple[str, ...], ...]]
"""The parsed wildcard operands of one operator, with the identity they share when the
complexity of a field's wildcards is measured."""


class FieldRule:
    """What one event field must satisfy: any of the values of its leaf array.

    ``name`` is the flattened field name (``detail.state``). Exact values are kept in
    sets (``strings``; ``micros`` for numbers numeric matching can use, ``texts`` for
    the others; ``true``/``false``/``null``), operators in ``tests``; ``absent`` says
    the field may instead be missing (``{"exists": false}``). ``leaves`` and ``location``
    are the leaf array as written and where it sits in the pattern.
    """

    __slots__ = (
        "absent",
        "false",
        "leaves",
        "location",
        "micros",
        "name",
        "null",
        "strings",
        "tests",
        "texts",
        "true",
        "wildcards",
    )

    def __init__(self, name: str, leaves: list[Any], location: PatternPath) -> None:
        self.name = name
        self.leaves = leaves
        self.location = location
        self.strings: frozenset[str] = frozenset()
        self.micros: frozenset[int] = frozenset()
        self.texts: frozenset[str] = frozenset()
        self.true = self.false = self.null = self.absent = False
        self.tests: tuple[ValueTest, ...] = ()
        self.wildcards: tuple[WildcardGroup, ...] = ()

    def any_match(self, values: list[EventValue]) -> bool:
        """Whether any of the values passes."""
        return any(map(self.matches, values))

    def matches(self, value: EventValue) -> bool:
        """Whether the value passes."""
        if type(value) is str:
            if value in self.strings:
                return True
        elif type(value) is NumberValue:
            if value.micros in self.micros or value.text in self.texts:
                return True
        elif value is None:
            if self.null:
                return True
        elif self.true if value else self.false:
            return True
        return any(test.matches(value) for test in self.tests)

    @property
    def only_absent(self) -> bool:
        """Whether nothing but absence satisfies the rule (``[{"exists": false}]``)."""
        return not (self.strings or self._others())

    @property
    def exact_strings_only(self) -> bool:
        """Whether the rule is a plain list of strings."""
        return bool(self.strings) and not (self.absent or self._others())

    def _others(self) -> bool:
        return bool(
            self.micros or self.texts or self.true or self.false or self.null or self.tests
        )
