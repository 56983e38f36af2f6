"""The ``numeric`` operator: ``["=", 5]``, ``[">", 0]``, ``[">=", 0, "<", 10]`` ..."""

from __future__ import annotations

from typing import Any

from .errors import PatternPath
from .jsontext import is_array, is_number, token_text
from .operands import Reject, micros_operand
from .operators import NumericRange

TOO_MANY = "Too many elements in numeric expression"


def numeric(value: Any, path: PatternPath) -> NumericRange | int:
    """The range an operand describes, or the number ``=`` asks for (in millionths)."""
    if not is_array(value):
        raise Reject(path, "Value of numeric must be an array.")
    terms = list(value)

    def number_at(index: int, operator: str) -> Any:
        if index >= len(terms) or not is_number(terms[index]):
            label = "equals" if operator == "=" else operator
            raise Reject((*path, min(index, len(terms))), f"Value of {label} must be numeric")
        return terms[index]

    if not terms or not isinstance(terms[0], str):
        shown = token_text(terms[0]) if terms else "]"
        raise Reject((*path, 0), f"Invalid member in numeric match: {shown}")
    operator = terms[0]
    if operator not in ("=", "<", "<=", ">", ">="):
        raise Reject((*path, 0), f"Unrecognized numeric range operator: {operator}")
    first = number_at(1, operator)
    if operator in ("=", "<", "<=") or len(terms) == 2:
        if len(terms) > 2:
            raise Reject((*path, 2), TOO_MANY)
        bound = micros_operand(first, (*path, 1))
        if operator == "=":
            return bound
        if operator in ("<", "<="):
            return NumericRange(None, False, bound, operator == "<")
        return NumericRange(bound, operator == ">", None, False)
    upper = terms[2]
    if not isinstance(upper, str):
        raise Reject((*path, 2), f"Bad value in numeric range: {token_text(upper)}")
    if upper not in ("<", "<="):
        raise Reject((*path, 2), f"Bad numeric range operator: {upper}")
    second = number_at(3, upper)
    if len(terms) > 4:
        raise Reject((*path, 4), "Too many terms in numeric range expression")
    low, high = micros_operand(first, (*path, 1)), micros_operand(second, (*path, 3))
    if low >= high:
        raise Reject(path, "Bottom must be less than top")
    return NumericRange(low, operator == ">", high, upper == "<")
