"""Validate each file's data against the format models; map pydantic errors back to YAML spans."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from edac.core.diagnostics import Diagnostic, Severity, Span
from edac.core.source import SourceFile
from edac.core.spans import Path_
from edac.core.spec import FileSpec
from edac.core.text import duration

DURATION_FIELDS = frozenset(
    {
        "visibility_timeout",
        "retention",
        "dlq_retention",
        "delay",
        "receive_wait",
        "oldest_message_age",
        "max_age",
        "timeout",
        "batching_window",
        "ttl",
    }
)

_TYPE_NAMES = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "bool_type": "`true` or `false`",
    "bool_parsing": "`true` or `false`",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
}


# what an empty list should hold instead
_EMPTY_HELP = {
    "events": "name the event types to route, e.g. `events: [OrderPlaced]` (or leave `events` "
              "out and write a `pattern`)",
    "to": "name the consumers that receive the events, e.g. `to: [billing]`",
    "principals": "name the roles or accounts allowed to put events, or leave `principals` out",
    "previously": "name the earlier names, or leave `previously` out",
}


def describe_value(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, (int, float)):
        return f"the number `{value}`"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the text `{shown}`"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def dotted(path: Path_) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _unwrap(annotation: Any) -> list[Any]:
    """The member types of an annotation (Optional/Union/Annotated peeled)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        out = []
        for arg in typing.get_args(annotation):
            out.extend(_unwrap(arg))
        return out
    return [annotation]


def model_at(path: Path_) -> type[BaseModel] | None:
    """The format model that describes the mapping at `path`, if any."""
    current: list[Any] = [FileSpec]
    expect_key = False
    for part in path:
        nxt: list[Any] = []
        for ann in current:
            if expect_key:
                nxt.append(ann)
                continue
            if isinstance(ann, type) and issubclass(ann, BaseModel) and isinstance(part, str):
                for name, info in ann.model_fields.items():
                    if (info.alias or name) == part:
                        nxt.extend(_unwrap(info.annotation))
            elif typing.get_origin(ann) is list and isinstance(part, int):
                nxt.extend(_unwrap(typing.get_args(ann)[0]))
        expect_key = False
        resolved: list[Any] = []
        for ann in nxt:
            if typing.get_origin(ann) is dict:
                resolved.extend(_unwrap(typing.get_args(ann)[1]))
                expect_key = True
            else:
                resolved.append(ann)
        current = resolved
        if not current:
            return None
    if expect_key:
        return None
    for ann in current:
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            return ann
    return None


def known_keys(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def did_you_mean(word: str, candidates: list[str] | set[str]) -> str | None:
    """The candidate the user most likely meant: a close spelling, the same name in another
    case, or else the one name that starts with `word` (`email` for `email service`, as
    after a rename that also broke the name's syntax)."""
    matches = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.6)
    if matches:
        return matches[0]
    lowered = {c.lower(): c for c in candidates}
    if word.lower() in lowered:
        return lowered[word.lower()]
    extended = sorted(c for c in candidates if word and c.lower().startswith(word.lower()))
    return extended[0] if len(extended) == 1 else None


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[Path_, Any, bool]:
    """Follow a pydantic location through the data, skipping segments that are not in it
    (union member tags, validator names). Returns the path, the value there, and whether the
    final segment (a missing or extra key) was absent from the data."""
    path: list[str | int] = []
    value = data
    found = True
    for i, seg in enumerate(loc):
        in_dict = isinstance(value, dict) and isinstance(seg, str) and seg in value
        in_list = isinstance(value, list) and isinstance(seg, int) and 0 <= seg < len(value)
        if in_dict or in_list:
            path.append(seg)
            value = value[seg]
        elif i == len(loc) - 1 and isinstance(seg, str) and isinstance(value, dict):
            path.append(seg)
            found = False
            value = None
    return tuple(path), value, found


def _message(err: dict[str, Any], path: Path_, value: Any) -> tuple[str, str, str, str | None]:
    """(code, message, label, help) for one pydantic error."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    where = f"`{dotted(path)}`" if path else "the file"
    field = str(path[-1]) if path else ""
    is_duration = field in DURATION_FIELDS

    if path == ("version",):
        return (
            "E106",
            "missing `version`" if kind == "missing" else
            f"`version` must be the number 1, found {describe_value(value)}",
            "expected `version: 1`",
            "every topology file starts with `version: 1`",
        )
    if kind == "missing":
        parent = dotted(path[:-1])
        owner = f"`{parent}`" if parent else "the file"
        return (
            "E102",
            f"{owner} is missing the required field `{field}`",
            f"`{field}` is required here",
            f"add `{field}:`",
        )
    if kind == "no_target":  # a route with neither `to` nor `forward`
        return ("E102", f"{where} sends its events nowhere: it needs `to` or `forward`",
                "needs `to` or `forward`", "list the consumers that receive the events under "
                "`to:`, or the buses they go on to under `forward:`")
    if kind == "extra_forbidden":
        model = model_at(path[:-1])
        keys = known_keys(model) if model else []
        guess = did_you_mean(field, keys)
        help_text = f"did you mean `{guess}`?" if guess else None
        if help_text is None and keys:
            help_text = "known keys here: " + ", ".join(f"`{k}`" for k in keys)
        return "E101", f"unknown key `{field}`", "not part of the format here", help_text
    if kind in _TYPE_NAMES:
        expected = _TYPE_NAMES[kind]
        help_text = None
        if expected == "text" and isinstance(value, (int, float, bool)):
            help_text = "quote the value to make it text, e.g. `\"1234\"`"
        elif is_duration:
            expected = "a duration"
            help_text = "write seconds (`90`) or a number with a unit (`30s`, `5m`, `1h`, `4d`)"
        return (
            "E103",
            f"{where} must be {expected}, found {describe_value(value)}",
            f"expected {expected}",
            help_text,
        )
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = ctx.get("ge", ctx.get("le", ctx.get("gt", ctx.get("lt"))))
        word = {"greater_than_equal": "at least", "less_than_equal": "at most",
                "greater_than": "more than", "less_than": "less than"}[kind]
        shown = f"{bound}"
        if is_duration and isinstance(bound, int):
            shown = f"{bound} seconds ({duration(bound)})" if bound >= 60 else f"{bound}s"
        return "E104", f"{where} must be {word} {shown}", "out of range", None
    if kind in ("too_short", "too_long"):
        if kind == "too_short" and ctx.get("min_length") == 1:
            return "E104", f"{where} must not be empty", "empty", _EMPTY_HELP.get(field)
        limit = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        word = "at least" if kind == "too_short" else "at most"
        unit = "item" if isinstance(value, list) else "character"
        return (
            "E104",
            f"{where} must have {word} {limit} {unit}{'s' if limit != 1 else ''}",
            "wrong length",
            None,
        )
    if kind == "string_too_short":
        return "E104", f"{where} must not be empty", "empty", None
    if kind == "string_too_long":
        limit = ctx.get("max_length")
        return "E104", f"{where} must have at most {limit} characters", "too long", None
    if kind == "value_error":
        msg = str(ctx.get("error", err["msg"]))
        return "E105", f"{where}: {msg}", "invalid value", None
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        return "E105", f"{where} must be {expected}", "invalid value", None
    return "E105", f"{where}: {err['msg']}", "invalid value", None


def _span_for(source: SourceFile, path: Path_, key_level: bool) -> Span:
    span = source.spans.key(path) if key_level else source.spans.value(path)
    return span or Span.file_start(source.path)


def validate_file(source: SourceFile) -> tuple[FileSpec | None, list[Diagnostic]]:
    data = source.data
    if not isinstance(data, dict):
        return None, [
            Diagnostic(
                "E003",
                Severity.ERROR,
                f"a topology file is a mapping, this one is {describe_value(data)}",
                source.spans.value(()) or Span.file_start(source.path),
                "expected `key: value` lines",
                help="start the file with `version: 1`",
            )
        ]
    try:
        return FileSpec.model_validate(data), []
    except ValidationError as exc:
        errors: list[dict[str, Any]] = [dict(e) for e in exc.errors(include_url=False)]
    # Union members each report their own error at the same place: keep one per data path,
    # preferring the member whose error lies deepest (it got furthest).
    by_path: dict[Path_, tuple[int, dict[str, Any], Any, bool]] = {}
    order: list[Path_] = []
    types_at: dict[Path_, set[str]] = {}  # every error's type at each path (once: linear)
    for err in errors:
        path, value, found = _data_path(data, tuple(err["loc"]))
        types_at.setdefault(path, set()).add(err["type"])
        depth = len(err["loc"])
        if path not in by_path:
            order.append(path)
            by_path[path] = (depth, err, value, found)
        elif _prefer(err, by_path[path][1]):
            by_path[path] = (depth, err, value, found)
    diagnostics = []
    for path in order:
        _, err, value, _found = by_path[path]
        code, message, label, help_text = _message(err, path, value)
        # a union whose members disagree on the type: say what is accepted instead
        union_types = types_at[path]
        if len(union_types & set(_TYPE_NAMES)) > 1:
            accepted = sorted({_TYPE_NAMES[t] for t in union_types if t in _TYPE_NAMES})
            code = "E103"
            message = f"`{dotted(path)}` must be {' or '.join(accepted)}, found " + describe_value(
                value
            )
            label = "wrong type"
        if err["type"] == "missing":
            span = _span_for(source, path[:-1], True) if path[:-1] else Span.file_start(
                source.path
            )
        else:
            span = _span_for(source, path,
                             key_level=err["type"] in ("extra_forbidden", "no_target"))
        diagnostics.append(Diagnostic(code, Severity.ERROR, message, span, label, help_text))
    return None, diagnostics


def _prefer(new: dict[str, Any], old: dict[str, Any]) -> bool:
    """Between two errors at one data path, the more specific one (not a type mismatch)."""
    return old["type"] in _TYPE_NAMES and new["type"] not in _TYPE_NAMES
