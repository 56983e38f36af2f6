"""JSON text as EventBridge reads it.

EventBridge (through Jackson's streaming parser) keeps things a Python ``dict`` loses:
every member of an object, even a repeated key, and the exact text of each number. Text
input is therefore parsed into :class:`JsonObject` and :class:`JsonNumber`; parsed Python
values (``dict``, ``int``, ``float``) are accepted alongside them everywhere.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

_NUMBER_START = frozenset("-0123456789")
_TOKEN_CHARS = re.compile(r"[\w$]*")


class JsonObject:
    """An object parsed from text: its members in order, repeated keys included."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs

    def __repr__(self) -> str:
        return f"JsonObject({self.pairs!r})"


class JsonNumber:
    """A number parsed from text, kept as written (``5.0``, ``1e3``)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"JsonNumber({self.text!r})"


class JsonSyntaxError(ValueError):
    """The text is not JSON; the message follows Jackson's wording."""


def is_object(value: object) -> bool:
    return isinstance(value, (dict, JsonObject))


def is_array(value: object) -> bool:
    return isinstance(value, (list, tuple))


def is_number(value: object) -> bool:
    return isinstance(value, (int, float, JsonNumber)) and not isinstance(value, bool)


def members(value: dict[Any, Any] | JsonObject) -> Iterator[tuple[Any, Any]]:
    """The members of a parsed or textual object, in order."""
    return iter(value.pairs) if isinstance(value, JsonObject) else iter(value.items())


def number_text(value: float | JsonNumber) -> str:
    """The JSON text of a number (``repr`` for floats: the shortest round-trip form)."""
    if isinstance(value, JsonNumber):
        return value.text
    return repr(value) if isinstance(value, float) else str(value)


def non_finite(value: object) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def token_text(value: object) -> str:
    """How Jackson names a token in messages such as ``Invalid member in numeric match``."""
    if isinstance(value, str):
        return value
    if is_object(value):
        return "{"
    if is_array(value):
        return "["
    return to_json(value)


def to_json(value: object, spaced: bool = False) -> str:
    """JSON text of a parsed or textual value, non-ASCII kept.

    Compact (``{"a":[1,2]}``) by default; ``spaced`` gives ``{"a": [1, 2]}`` for messages.
    """
    comma, colon = (", ", ": ") if spaced else (",", ":")
    if isinstance(value, (dict, JsonObject)):
        inner = comma.join(
            f"{to_json(str(key))}{colon}{to_json(item, spaced)}" for key, item in members(value)
        )
        return "{" + inner + "}"
    if isinstance(value, (list, tuple)):
        return "[" + comma.join(to_json(item, spaced) for item in value) + "]"
    if isinstance(value, JsonNumber):
        return value.text
    if non_finite(value):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


def _reject_constant(name: str) -> Any:
    raise JsonSyntaxError(
        f"Non-standard token '{name}': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow"
    )


_DECODER = json.JSONDecoder(
    object_pairs_hook=JsonObject,
    parse_float=JsonNumber,
    parse_int=JsonNumber,
    parse_constant=_reject_constant,
)


# How deep objects and arrays may nest in an event or a pattern edac reads. Jackson's own
# default is 1000 (StreamReadConstraints, jackson-core 2.15+); edac's engine walks a value
# recursively, so it stops well before Python's stack does. Real events nest a few levels.
MAX_NESTING = 200


def _too_deep(depth: int) -> str:
    return (f"Document nesting depth ({depth}) exceeds the maximum edac reads "
            f"({MAX_NESTING})")


def nesting(value: Any, limit: int) -> int:
    """How deep objects and arrays nest in `value` (a scalar: 0), counted without recursion
    and only up to `limit + 1`."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, JsonObject)):
            children: Iterator[Any] = (v for _, v in members(item))
        elif isinstance(item, (list, tuple)):
            children = iter(item)
        else:
            continue
        depth += 1
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        stack.extend((child, depth) for child in children)
    return deepest


def parse_json_text(text: str | bytes, *, first_value_only: bool = False) -> Any:
    """Parse JSON text, raising :class:`JsonSyntaxError` with a Jackson-style message.

    ``first_value_only`` reads the first value and ignores whatever follows it, as
    EventBridge's streaming parser does with a pattern.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonSyntaxError(f"Invalid UTF-8 start byte: {exc.reason}") from None
    start = _skip_space(text, 0)
    if start == len(text):
        raise JsonSyntaxError("No content to map due to end-of-input")
    try:
        value, end = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise JsonSyntaxError(_jackson_message(text, exc)) from None
    except RecursionError:
        raise JsonSyntaxError(_too_deep(MAX_NESTING + 1)) from None
    depth = nesting(value, MAX_NESTING)
    if depth > MAX_NESTING:
        raise JsonSyntaxError(_too_deep(depth))
    end = _skip_space(text, end)
    if end < len(text) and not first_value_only:
        raise JsonSyntaxError(_unexpected(text, end, "expected end-of-input"))
    return value


def first_token_is_object(text: str | bytes) -> bool | None:
    """Whether the text starts with ``{``; ``None`` if it starts with no JSON value at all.

    Jackson reads the first token before anything else, so a text that begins with any
    other JSON value is "not an object" however the rest of it looks.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    start = _skip_space(text, 0)
    if start == len(text):
        return False
    head = text[start]
    if head == "{":
        return True
    if head in '["' or head in _NUMBER_START:
        return False
    word = _TOKEN_CHARS.match(text, start)
    return False if word and word.group() in ("true", "false", "null") else None


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _unexpected(text: str, pos: int, expecting: str) -> str:
    char = text[pos]
    return f"Unexpected character ('{char}' (code {ord(char)})): {expecting}"


def _enclosing(text: str, pos: int) -> str:
    """Whether ``pos`` lies directly inside an object or an array (strings skipped)."""
    stack: list[str] = []
    in_string = escaped = False
    for char in text[:pos]:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            stack.append(char)
        elif char in "]}" and stack:
            stack.pop()
    return "Object" if stack and stack[-1] == "{" else "Array"


def _jackson_message(text: str, exc: json.JSONDecodeError) -> str:
    pos = exc.pos
    if pos >= len(text):
        return f"Unexpected end-of-input: expected close marker for {_enclosing(text, pos)}"
    message = exc.msg
    if message.startswith("Expecting value"):
        word = _TOKEN_CHARS.match(text, pos)
        if word and word.group():
            return (
                f"Unrecognized token '{word.group()}': was expecting (JSON String, Number, "
                "Array, Object or token 'null', 'true' or 'false')"
            )
        return _unexpected(
            text, pos, "expected a valid value (JSON String, Number, Array, Object or token "
            "'null', 'true' or 'false')"
        )
    if message.startswith("Expecting property name"):
        return _unexpected(text, pos, "was expecting double-quote to start field name")
    if message.startswith("Expecting ':'"):
        return _unexpected(text, pos, "was expecting a colon to separate field name and value")
    if message.startswith("Expecting ','"):
        kind = _enclosing(text, pos)
        return _unexpected(text, pos, f"was expecting comma to separate {kind} entries")
    if message.startswith("Invalid control character"):
        return (
            f"Illegal unquoted character ((CTRL-CHAR, code {ord(text[pos])})): has to be "
            "escaped using backslash to be included in string value"
        )
    if message.startswith("Unterminated string"):
        return "Unexpected end-of-input: was expecting closing quote for a string value"
    return message
