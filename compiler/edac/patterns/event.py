"""Events: reading them as TestEventPattern does and flattening them for matching.

Flattening turns an event into dotted field names, each with the list of its values
(an array contributes one value per element, nested arrays included, and an empty array
or object contributes nothing). Every value also records which element of which array
it came from, for objects and arrays inside arrays: a pattern's fields must match values
from the same element of such an array ("array consistency").
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .errors import InvalidEvent
from .jsontext import JsonNumber, JsonObject, JsonSyntaxError, is_object, members, parse_json_text
from .numbers import NumberValue, comparable, event_number
from .operators import EventValue

ENVELOPE = ("id", "account", "source", "time", "region", "detail-type")
"""Fields TestEventPattern requires in every event."""

Membership = tuple[tuple[int, int], ...]
"""(array number, element index) for every array a value sits in an element of."""


class FlatEvent:
    """An event flattened once so that many patterns can be matched against it.

    ``values`` maps each field name to its values; ``memberships`` holds, aligned with
    ``values``, the array elements of each value, only for the fields that have any.
    """

    __slots__ = ("_arrays", "memberships", "values")

    def __init__(self, event: Mapping[str, Any] | JsonObject) -> None:
        self.values: dict[str, list[EventValue]] = {}
        self.memberships: dict[str, list[Membership]] = {}
        self._arrays = 0
        self._object(event, "", ())

    def _add(self, name: str, value: Any, membership: Membership) -> None:
        values = self.values.setdefault(name, [])
        if membership or name in self.memberships:
            self.memberships.setdefault(name, [()] * len(values)).append(membership)
        values.append(_scalar(value, name))

    def _object(self, document: Any, prefix: str, membership: Membership) -> None:
        for key, value in members(document):
            if not isinstance(key, str):
                raise InvalidEvent(f"Field name {key!r} at {prefix or 'the top'} is not a string.")
            name = prefix + key
            if isinstance(value, (dict, JsonObject)):
                self._object(value, name + ".", membership)
            elif isinstance(value, (list, tuple)):
                self._array(value, name, membership)
            else:
                self._add(name, value, membership)

    def _array(self, items: list[Any] | tuple[Any, ...], name: str, membership: Membership) -> None:
        self._arrays += 1
        array = self._arrays
        for index, item in enumerate(items):
            if isinstance(item, (dict, JsonObject)):
                self._object(item, name + ".", (*membership, (array, index)))
            elif isinstance(item, (list, tuple)):
                self._array(item, name, (*membership, (array, index)))
            else:
                self._add(name, item, membership)


def _scalar(value: Any, name: str) -> EventValue:
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, (int, float, JsonNumber)):
        return event_number(value)
    if isinstance(value, Decimal):
        return NumberValue(str(value), comparable(str(value)))
    raise InvalidEvent(f"Field {name} holds a {type(value).__name__}, which is not JSON.")


def load_event(event: Any, require_envelope: bool) -> Mapping[str, Any] | JsonObject:
    """The event as a JSON object; ``InvalidEvent`` if TestEventPattern would refuse it."""
    if isinstance(event, (str, bytes)):
        try:
            event = parse_json_text(event)
        except JsonSyntaxError as error:
            raise InvalidEvent(f"Event is not valid JSON: {error}") from None
    if not is_object(event):
        raise InvalidEvent("Event must be a JSON object.")
    if require_envelope:
        present = {key for key, _ in members(event)}
        missing = [field for field in ENVELOPE if field not in present]
        if missing:
            raise InvalidEvent(f"Event is missing required field(s): {', '.join(missing)}.")
    return event  # type: ignore[no-any-return]
