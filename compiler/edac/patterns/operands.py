"""Reading operator operands, and the exception that reports a bad one."""

from __future__ import annotations

import math
from typing import Any

from .errors import PatternPath
from .jsontext import non_finite, number_text
from .numbers import to_micros


class Reject(Exception):
    """The pattern element at ``path`` is invalid for ``reason``."""

    def __init__(self, path: PatternPath, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason


def require_string(value: Any, path: PatternPath, reason: str) -> str:
    if not isinstance(value, str):
        raise Reject(path, reason)
    return value


def number_operand(value: Any, path: PatternPath) -> str:
    """The text of a number operand; a NaN or infinity is not JSON."""
    if non_finite(value):
        name = "NaN" if math.isnan(value) else ("-Infinity" if value < 0 else "Infinity")
        raise Reject(
            path,
            f"Non-standard token '{name}': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` "
            "to allow",
        )
    return number_text(value)


def micros_operand(value: Any, path: PatternPath) -> int:
    """A number operand numeric matching must be able to use, in millionths."""
    try:
        return to_micros(number_operand(value, path))
    except ValueError as error:
        raise Reject(path, str(error)) from None
