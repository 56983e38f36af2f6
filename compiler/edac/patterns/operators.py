"""The value tests a compiled pattern applies to one event value.

Event values are ``str``, ``bool``, ``None`` or :class:`NumberValue`. String operators
(prefix, suffix, wildcard, equals-ignore-case, cidr) only ever match strings, numeric
operators only comparable numbers, and every ``anything-but`` form matches any value its
positive form does not match, including numbers, booleans and null.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import Literal

from .cidr import IpRange, parse_ip
from .numbers import NumberValue
from .wildcard import wildcard_matches

EventValue = str | bool | None | NumberValue


class ValueTest(ABC):
    """A test of one event value."""

    __slots__ = ()

    @abstractmethod
    def matches(self, value: EventValue) -> bool:
        """Whether the value passes."""


class Prefix(ValueTest):
    __slots__ = ("prefix",)

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def matches(self, value: EventValue) -> bool:
        return type(value) is str and value.startswith(self.prefix)


class Suffix(ValueTest):
    __slots__ = ("suffix",)

    def __init__(self, suffix: str) -> None:
        self.suffix = suffix

    def matches(self, value: EventValue) -> bool:
        return type(value) is str and value.endswith(self.suffix)


class IgnoreCase(ValueTest):
    """``equals-ignore-case``, alone (``mode`` "equals") or under ``prefix``/``suffix``.

    Each pattern character matches its lower-case or its upper-case form (full Unicode
    mappings, so ``ß`` also matches ``SS``), as EventBridge compares them.
    """

    __slots__ = ("_regex", "_reversed")

    def __init__(self, text: str, mode: Literal["equals", "prefix", "suffix"]) -> None:
        self._reversed = mode == "suffix"
        chars = reversed(text) if self._reversed else iter(text)
        parts = []
        for char in chars:
            forms = {char.lower(), char.upper()}
            if self._reversed:
                forms = {form[::-1] for form in forms}
            ordered = sorted(forms, key=lambda form: (-len(form), form))
            parts.append("(?:" + "|".join(re.escape(form) for form in ordered) + ")")
        body = "".join(parts)
        self._regex = re.compile(body if mode != "equals" else body + r"\Z", re.DOTALL)

    def matches(self, value: EventValue) -> bool:
        if type(value) is not str:
            return False
        return self._regex.match(value[::-1] if self._reversed else value) is not None


class Wildcard(ValueTest):
    __slots__ = ("segments",)

    def __init__(self, segments: tuple[str, ...]) -> None:
        self.segments = segments

    def matches(self, value: EventValue) -> bool:
        return type(value) is str and wildcard_matches(self.segments, value)


class NumericRange(ValueTest):
    """A numeric comparison; bounds are in millionths, ``None`` for an open end."""

    __slots__ = ("high", "high_open", "low", "low_open")

    def __init__(self, low: int | None, low_open: bool, high: int | None, high_open: bool):
        self.low, self.low_open, self.high, self.high_open = low, low_open, high, high_open

    def matches(self, value: EventValue) -> bool:
        if type(value) is not NumberValue or value.micros is None:
            return False
        micros = value.micros
        if self.low is not None and (micros <= self.low if self.low_open else micros < self.low):
            return False
        if self.high is None:
            return True
        return micros < self.high if self.high_open else micros <= self.high


class InIpRange(ValueTest):
    """``cidr``, and an exact-match string that is an IP address (any spelling matches)."""

    __slots__ = ("range",)

    def __init__(self, ip_range: IpRange) -> None:
        self.range = ip_range

    def matches(self, value: EventValue) -> bool:
        return type(value) is str and self.range.contains(parse_ip(value))


class Exists(ValueTest):
    """``{"exists": true}``: any value at all (null included; ``[]`` has no value)."""

    __slots__ = ()

    def matches(self, value: EventValue) -> bool:
        return True


class AnythingBut(ValueTest):
    """``anything-but`` a string or number, or a list of them."""

    __slots__ = ("micros", "strings")

    def __init__(self, strings: frozenset[str], micros: frozenset[int]) -> None:
        self.strings, self.micros = strings, micros

    def matches(self, value: EventValue) -> bool:
        if type(value) is str:
            return value not in self.strings
        if type(value) is NumberValue:
            return value.micros is None or value.micros not in self.micros
        return True


class AnythingButAny(ValueTest):
    """``anything-but`` with prefix, suffix, equals-ignore-case or wildcard operands."""

    __slots__ = ("tests",)

    def __init__(self, tests: tuple[ValueTest, ...]) -> None:
        self.tests = tests

    def matches(self, value: EventValue) -> bool:
        return not any(test.matches(value) for test in self.tests)
