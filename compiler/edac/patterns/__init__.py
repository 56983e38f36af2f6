"""The EventBridge event-pattern engine: validation, matching and explanations.

``test_event_pattern`` answers as AWS EventBridge's TestEventPattern does; the other
functions serve the compiler (``validate_pattern``, ``pattern_size``, ``fields_of``) and
simulation (``compile_pattern``, ``explain_mismatch``).
"""

from __future__ import annotations

from typing import Any

from .errors import InvalidEvent, InvalidEventPattern, PatternProblem, format_path
from .event import ENVELOPE, FlatEvent, load_event
from .explain import explain_mismatch
from .fields import FieldRef, field_refs, fields_of, pattern_size
from .match import CompiledPattern, compile_pattern
from .validate import analyse

__all__ = [
    "ENVELOPE",
    "CompiledPattern",
    "FieldRef",
    "FlatEvent",
    "InvalidEvent",
    "InvalidEventPattern",
    "PatternProblem",
    "compile_pattern",
    "explain_mismatch",
    "field_refs",
    "fields_of",
    "format_path",
    "pattern_size",
    "test_event_pattern",
    "validate_pattern",
]


def test_event_pattern(pattern: Any, event: Any, *, require_envelope: bool | None = None) -> bool:
    """Whether ``event`` matches ``pattern``, as AWS TestEventPattern would answer.

    Both may be JSON text (``str``/``bytes``, read exactly as AWS reads it: repeated keys
    and number spellings count) or parsed JSON. Raises :class:`InvalidEventPattern` for a
    pattern AWS rejects and :class:`InvalidEvent` for an event it rejects.

    TestEventPattern requires the envelope fields (:data:`ENVELOPE`). ``require_envelope``
    defaults to checking them when the event is given as text, the form TestEventPattern
    receives; a parsed event is taken as the event body to match, envelope or not.
    """
    compiled = compile_pattern(pattern)
    if require_envelope is None:
        require_envelope = isinstance(event, (str, bytes))
    return compiled.matches(FlatEvent(load_event(event, require_envelope)))


test_event_pattern.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def validate_pattern(pattern: Any) -> list[PatternProblem]:
    """Every problem AWS would find in ``pattern`` (JSON text or parsed), in document order.

    An empty list means the pattern is valid. Each problem carries the ``path`` into the
    pattern where it lies and the ``reason`` AWS gives.
    """
    return analyse(pattern).problems
