"""Numbers as EventBridge compares them.

Numeric matching works on values between -5.0e9 and 5.0e9 inclusive with at most six
digits after the decimal point (trailing zeros do not count). Such a number is held here
as an exact integer count of millionths; any other number can only match by its text.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .jsontext import JsonNumber, number_text

MAX_DECIMALS = 6
LIMIT = 5_000_000_000
_SCALE = 10**MAX_DECIMALS
_LIMIT_MICROS = LIMIT * _SCALE
RANGE_MESSAGE = "Value must be between -5.0E9 and 5.0E9, inclusive"
DECIMALS_MESSAGE = "Only values upto 6 decimals are supported"


class NumberValue:
    """A number found in an event: its text and, when comparable, its value in millionths."""

    __slots__ = ("micros", "text")

    def __init__(self, text: str, micros: int | None) -> None:
        self.text = text
        self.micros = micros

    def __repr__(self) -> str:
        return self.text


def event_number(value: float | JsonNumber) -> NumberValue:
    if type(value) is int and -LIMIT <= value <= LIMIT:
        return NumberValue(str(value), value * _SCALE)
    text = number_text(value)
    return NumberValue(text, comparable(text))


def comparable(text: str) -> int | None:
    """The number in millionths, or ``None`` if numeric matching cannot use it."""
    try:
        return to_micros(text)
    except ValueError:
        return None


def to_micros(text: str) -> int:
    """The number in millionths; ``ValueError`` with EventBridge's reason if unusable."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"Invalid number: {text}") from None
    if not number.is_finite():
        raise ValueError(f"Invalid number: {text}")
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    if not any(digits):
        return 0
    kept = list(digits)
    while exponent < 0 and kept[-1] == 0:
        kept.pop()
        exponent += 1
    if exponent < -MAX_DECIMALS:
        raise ValueError(DECIMALS_MESSAGE)
    if len(kept) + exponent > 11:
        raise ValueError(RANGE_MESSAGE)
    magnitude = int("".join(map(str, kept)) + "0" * (exponent + MAX_DECIMALS))
    if magnitude > _LIMIT_MICROS:
        raise ValueError(RANGE_MESSAGE)
    return -magnitude if sign else magnitude
