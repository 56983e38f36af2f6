"""Where things were written: data paths into a YAML file and the spans they map to. Kept apart
from the YAML reader (`source`) so that the IR, the checks and the emitters know spans without
knowing YAML."""

from __future__ import annotations

from dataclasses import dataclass, field

from edac.core.diagnostics import Span

Path_ = tuple[str | int, ...]
Marks = tuple[int, int, int, int]


@dataclass
class SpanMap:
    """Spans of the values and keys of one file, by data path."""

    file: str
    # 0-based (line, column, end line, end column) as PyYAML marks them; made into Spans only
    # when a diagnostic asks (a large topology has hundreds of thousands of them)
    values: dict[Path_, Marks] = field(default_factory=dict)
    keys: dict[Path_, Marks] = field(default_factory=dict)

    def span_of(self, marks: Marks) -> Span:
        line, col, end_line, end_col = marks
        return Span(self.file, line + 1, col + 1, end_line + 1, end_col + 1)

    def value(self, path: Path_) -> Span | None:
        """The span of the value at `path`, or of its nearest ancestor that has one."""
        while True:
            marks = self.values.get(path)
            if marks is not None:
                return self.span_of(marks)
            if not path:
                return None
            path = path[:-1]

    def key(self, path: Path_) -> Span | None:
        """The span of the key naming `path` (falls back to the value's)."""
        marks = self.keys.get(path)
        return self.span_of(marks) if marks is not None else self.value(path)
