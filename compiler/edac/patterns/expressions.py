"""Match expressions: the objects in a leaf array (``{"prefix": "us-"}`` ...).

Each is checked in the order EventBridge checks it, with the reason it gives.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from .anything_but import anything_but
from .cidr import cidr_range
from .errors import PatternPath
from .jsontext import is_object, members
from .numeric import TOO_MANY, numeric
from .operands import Reject, require_string
from .operators import Exists, IgnoreCase, InIpRange, Prefix, Suffix, ValueTest, Wildcard
from .rule import WildcardGroup
from .wildcard import parse_wildcard

Outcome = ValueTest | str | int | None
"""A test; or an exact string (``exactly``), a number in millionths (``numeric =``), or
``None`` for ``{"exists": false}``, which the leaf keeps apart."""

_ONE_KEY = "Only one key allowed in match expression"
_Handler = Callable[[Any, PatternPath, list[WildcardGroup]], Outcome]


def expression(expr: Any, path: PatternPath, wildcards: list[WildcardGroup]) -> Outcome:
    """Compile the match expression ``expr`` found at ``path``.

    Wildcard operands are also recorded in ``wildcards`` for the complexity check.
    """
    pairs = list(members(expr))
    if not pairs:
        raise Reject(path, "Match expression name not found")
    name, value = pairs[0]
    here = (*path, name)
    handler = _HANDLERS.get(name)
    if handler is None:
        raise Reject(here, f"Unrecognized match type {name}")
    outcome = handler(value, here, wildcards)
    if len(pairs) > 1:
        raise Reject((*path, pairs[1][0]), TOO_MANY if name in _NUMERIC_STYLE else _ONE_KEY)
    return outcome


_NUMERIC_STYLE = ("numeric", "anything-but")
"""Operators whose extra keys EventBridge reports as too many numeric elements."""


def _exactly(value: Any, path: PatternPath, _: list[WildcardGroup]) -> Outcome:
    return require_string(value, path, "exact match pattern must be a string")


def _affix(kind: Literal["prefix", "suffix"]) -> _Handler:
    """The ``prefix`` or ``suffix`` operator, plain or with equals-ignore-case."""
    label = kind.capitalize()

    def handler(value: Any, path: PatternPath, _: list[WildcardGroup]) -> Outcome:
        if not is_object(value):
            text = require_string(value, path, f"{kind} match pattern must be a string")
            return Prefix(text) if kind == "prefix" else Suffix(text)
        pairs = list(members(value))
        if not pairs:
            raise Reject(path, f"{label} expression name not found")
        form, operand = pairs[0]
        if form != "equals-ignore-case":
            raise Reject((*path, form), f"Unsupported {kind} pattern: {form}")
        text = require_string(
            operand, (*path, form), "equals-ignore-case match pattern must be a string"
        )
        if len(pairs) > 1:
            raise Reject((*path, pairs[1][0]), _ONE_KEY)
        return IgnoreCase(text, kind)

    return handler


def _numeric(value: Any, path: PatternPath, _: list[WildcardGroup]) -> Outcome:
    return numeric(value, path)


def _exists(value: Any, path: PatternPath, _: list[WildcardGroup]) -> Outcome:
    if not isinstance(value, bool):
        raise Reject(path, "exists match pattern must be either true or false.")
    return Exists() if value else None


def _cidr(value: Any, path: PatternPath, _: list[WildcardGroup]) -> Outcome:
    text = require_string(value, path, "prefix match pattern must be a string")
    try:
        return InIpRange(cidr_range(text))
    except ValueError as error:
        raise Reject(path, str(error)) from None


def _equals_ignore_case(value: Any, path: PatternPath, _: list[WildcardGroup]) -> Outcome:
    text = require_string(value, path, "equals-ignore-case match pattern must be a string")
    return IgnoreCase(text, "equals")


def _wildcard(value: Any, path: PatternPath, wildcards: list[WildcardGroup]) -> Outcome:
    text = require_string(value, path, "wildcard match pattern must be a string")
    try:
        segments = parse_wildcard(text)
    except ValueError as error:
        raise Reject(path, str(error)) from None
    wildcards.append((("wildcard", text), (segments,)))
    return Wildcard(segments)


_HANDLERS: dict[str, _Handler] = {
    "exactly": _exactly,
    "prefix": _affix("prefix"),
    "suffix": _affix("suffix"),
    "numeric": _numeric,
    "anything-but": anything_but,
    "exists": _exists,
    "cidr": _cidr,
    "equals-ignore-case": _equals_ignore_case,
    "wildcard": _wildcard,
}
