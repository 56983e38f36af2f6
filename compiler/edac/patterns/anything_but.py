"""The ``anything-but`` operator and its prefix, suffix, equals-ignore-case and wildcard
forms."""

from __future__ import annotations

from typing import Any

from .errors import PatternPath
from .jsontext import is_array, is_number, is_object, members
from .numeric import TOO_MANY
from .operands import Reject, micros_operand, require_string
from .operators import AnythingBut, AnythingButAny, IgnoreCase, Prefix, Suffix, ValueTest, Wildcard
from .rule import WildcardGroup
from .wildcard import parse_wildcard

_NOT_STRING = {
    "equals-ignore-case": (
        "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not "
        "supported."
    ),
    "wildcard": "wildcard match pattern must be a string",
    "prefix": "prefix/suffix match pattern must be a string",
    "suffix": "prefix/suffix match pattern must be a string",
}
"""The forms ``anything-but`` takes an object for, with the reason for a non-string."""
_NOT_A_VALUE = "Value of anything-but must be an array or single string/number value."


def anything_but(value: Any, path: PatternPath, wildcards: list[WildcardGroup]) -> ValueTest:
    """Compile an ``anything-but`` operand (``value``, found at ``path``)."""
    form = None
    operand, where = value, path
    extra: PatternPath | None = None
    if is_object(value):
        pairs = list(members(value))
        if not pairs:
            raise Reject(path, "Anything-But expression name not found")
        form, operand = pairs[0]
        where = (*path, form)
        if form not in _NOT_STRING:
            raise Reject(where, f"Unsupported anything-but pattern: {form}")
        if len(pairs) > 1:
            extra = (*path, pairs[1][0])
    listed = is_array(operand)
    if not (listed or isinstance(operand, str) or is_number(operand)):
        raise Reject(where, _NOT_A_VALUE)
    items = list(operand) if listed else [operand]
    places = [(*where, index) for index in range(len(items))] if listed else [where]
    if form is None:
        test = _values(items, places, where, listed)
    else:
        test = _form(form, items, places, wildcards)
    if extra is not None:
        raise Reject(extra, TOO_MANY)
    return test


def _values(
    items: list[Any], places: list[PatternPath], where: PatternPath, listed: bool
) -> ValueTest:
    strings: set[str] = set()
    micros: set[int] = set()
    for item, place in zip(items, places, strict=False):
        if isinstance(item, str):
            strings.add(item)
        elif is_number(item):
            micros.add(micros_operand(item, place))
        else:
            raise Reject(place, "Inside anything but list, start|null|boolean is not supported.")
    if listed and bool(strings) == bool(micros):
        raise Reject(
            where,
            "Inside anything but list, either all values are number or string, mixed type is "
            "not supported",
        )
    return AnythingBut(frozenset(strings), frozenset(micros))


def _form(
    form: str, items: list[Any], places: list[PatternPath], wildcards: list[WildcardGroup]
) -> ValueTest:
    tests: list[ValueTest] = []
    texts: list[str] = []
    for item, place in zip(items, places, strict=False):
        text = require_string(item, place, _NOT_STRING[form])
        texts.append(text)
        if form in ("prefix", "suffix"):
            if not text:
                raise Reject(place, "Null prefix/suffix not allowed")
            tests.append(Prefix(text) if form == "prefix" else Suffix(text))
        elif form == "equals-ignore-case":
            tests.append(IgnoreCase(text, "equals"))
        else:
            try:
                tests.append(Wildcard(parse_wildcard(text)))
            except ValueError as error:
                raise Reject(place, str(error)) from None
    if form == "wildcard":
        operands = tuple(test.segments for test in tests if isinstance(test, Wildcard))
        wildcards.append((("anything-but", tuple(sorted(set(texts)))), operands))
    return AnythingButAny(tuple(tests))
