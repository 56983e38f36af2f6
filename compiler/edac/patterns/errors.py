"""Exceptions and problem records raised or returned by the pattern engine."""

from __future__ import annotations

from dataclasses import dataclass

PathElement = str | int
"""One step into a pattern: an object key or an array index."""

PatternPath = tuple[PathElement, ...]

PATTERN_ERROR_PREFIX = "Event pattern is not valid. Reason: "
EVENT_ERROR_MESSAGE = "Parameter Event is not valid."


@dataclass(frozen=True)
class PatternProblem:
    """One reason a pattern is invalid, located inside the pattern.

    ``path`` walks from the top of the pattern to the offending element with the keys and
    array indices exactly as written (``("detail", "state", 0, "prefix")``), so a caller
    that knows where each key came from (a YAML file) can point at the line.
    """

    path: PatternPath
    reason: str

    def __str__(self) -> str:
        where = format_path(self.path)
        return f"{where}: {self.reason}" if where else self.reason


def format_path(path: PatternPath) -> str:
    """Render a pattern path as ``detail.state[0].prefix``."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


class InvalidEventPattern(ValueError):
    """The pattern is one AWS EventBridge rejects.

    The message reads exactly like AWS's (``Event pattern is not valid. Reason: ...``);
    ``reason`` and ``path`` describe the first problem, ``problems`` lists them all.
    """

    def __init__(self, problems: list[PatternProblem]) -> None:
        first = problems[0]
        super().__init__(PATTERN_ERROR_PREFIX + first.reason)
        self.reason = first.reason
        self.path = first.path
        self.problems = problems


class InvalidEvent(ValueError):
    """The event is one AWS TestEventPattern rejects (``Parameter Event is not valid.``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{EVENT_ERROR_MESSAGE} {reason}")
        self.reason = reason
