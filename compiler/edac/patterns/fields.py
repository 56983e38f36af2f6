"""Reading a pattern's fields and its size, for checks made by the compiler."""

from __future__ import annotations

from typing import Any, NamedTuple

from .errors import InvalidEventPattern, PatternPath
from .jsontext import is_array, is_object, members, to_json
from .validate import OR, load_pattern


class FieldRef(NamedTuple):
    """A field a pattern filters on.

    ``path`` is the event field as a tuple of keys (dotted pattern keys split, ``$or``
    left out), ``leaves`` the leaf array as written and ``location`` the path of that
    array inside the pattern (keys and indices as written, ``$or`` included).
    """

    path: tuple[str, ...]
    leaves: list[Any]
    location: PatternPath


def field_refs(pattern: Any) -> list[FieldRef]:
    """Every leaf array of ``pattern``, in document order, ``$or`` branches included.

    Parts that are not objects or arrays are skipped, so this also works on an otherwise
    invalid pattern; ``InvalidEventPattern`` only if the pattern is not a JSON object.
    """
    document, problem = load_pattern(pattern)
    if problem is not None:
        raise InvalidEventPattern([problem])
    found: list[FieldRef] = []
    _collect(document, (), (), found)
    return found


def fields_of(pattern: Any) -> list[tuple[tuple[str, ...], list[Any]]]:
    """``(field path, leaf array)`` for every field of ``pattern``; see :func:`field_refs`."""
    return [(ref.path, ref.leaves) for ref in field_refs(pattern)]


def _collect(
    document: Any, path: tuple[str, ...], location: PatternPath, found: list[FieldRef]
) -> None:
    for key, value in members(document):
        here = (*location, key)
        if key == OR and is_array(value):
            for index, alternative in enumerate(value):
                if is_object(alternative):
                    _collect(alternative, path, (*here, index), found)
        elif is_object(value):
            _collect(value, (*path, *str(key).split(".")), here, found)
        elif is_array(value):
            found.append(FieldRef((*path, *str(key).split(".")), list(value), here))


def pattern_size(pattern: Any) -> int:
    """Characters in the pattern's compact JSON text, the measure of EventBridge's quota."""
    document, problem = load_pattern(pattern)
    if problem is not None:
        raise InvalidEventPattern([problem])
    return len(to_json(document))
