"""The JSON Schemas of event types: where their files are, and what makes one usable (JSON, and
valid against the meta-schema of its draft). The files themselves are read by `edac.io.files`
and given here as text; remembering valid ones across runs is `edac.io.cache`'s."""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any

from edac.core.source import SourceFile
from edac.core.spec import FileSpec
from edac.patterns.jsontext import nesting

SchemaText = str | OSError | UnicodeDecodeError  # a schema file's text, or why it is unreadable
# How deep a schema's JSON may nest (an event schema nests a few dozen levels at most): the
# meta-schema check and edac's own walks recurse about three calls a level.
MAX_SCHEMA_NESTING = 100


def schema_paths(files: list[tuple[SourceFile, FileSpec]]) -> list[str]:
    """The schema files the topology names, as paths to read (sorted, once each)."""
    found = {schema_path(src.path, event.schema_)
             for src, spec in files for event in spec.events.values()
             if event.schema_ is not None}
    return sorted(found)


def is_yaml(path: str) -> bool:
    """A schema file written in YAML (by its name), read as the JSON it stands for."""
    return path.lower().endswith((".yaml", ".yml"))


def schema_path(topology_file: str, relative: str) -> str:
    """Where a schema named in a topology file is: relative to that file."""
    return str(PurePath(topology_file).parent / relative)


def parse_schema(path: str, text: SchemaText | None,
                 checked: bool = False) -> tuple[dict[str, Any] | None, tuple[str, str] | None]:
    """(the schema, None) or (None, (code, message)) for the file at `path` whose text (or why
    it could not be read) is `text`. `checked`: the text is known valid (not checked again)."""
    if not isinstance(text, str):
        if isinstance(text, UnicodeDecodeError):
            reason = "not UTF-8 text"
        else:
            reason = (text.strerror if text is not None else None) or "cannot be read"
        return None, ("E301", f"cannot read the schema file `{path}`: {reason}")
    if is_yaml(path):
        from edac.core.source import parse_text

        source, problems = parse_text(text, path)
        if source is None or problems:
            first = problems[0] if problems else None
            where = f" at line {first.span.line} column {first.span.col}" \
                if first is not None and first.span is not None else ""
            return None, ("E302", f"`{path}` is not valid YAML{where}: "
                          + (first.message if first is not None else "no document"))
        schema = source.data
    else:
        try:
            schema = json.loads(text)
        except json.JSONDecodeError as exc:
            return None, ("E302", f"`{path}` is not valid JSON: {exc.msg} at line {exc.lineno} "
                          f"column {exc.colno}")
        except RecursionError:
            schema = None
    if schema is None or nesting(schema, MAX_SCHEMA_NESTING) > MAX_SCHEMA_NESTING:
        return None, ("E302", f"`{path}` nests objects and arrays more than "
                      f"{MAX_SCHEMA_NESTING} deep: edac reads no deeper")
    if not checked:
        problem = schema_problem(schema)
        if problem is not None:
            return None, ("E302", f"`{path}` is not a valid JSON Schema: {problem}")
    return schema, None


def schema_problem(schema: Any) -> str | None:
    """Why `schema` is not a valid JSON Schema (None: it is), checked against the meta-schema
    of the draft it declares (2020-12 by default). This costs milliseconds per schema: the
    caller remembers valid schema texts across runs (`edac.io.cache`)."""
    if not isinstance(schema, (dict, bool)):
        return "a JSON Schema is an object"
    import jsonschema  # imported only when a topology has schemas: it is slow to import

    try:
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        if cls is jsonschema.Draft202012Validator and reads_the_same_in_draft7(schema):
            cls = jsonschema.Draft7Validator  # same verdict, ~5x faster (see below)
        cls.check_schema(schema)  # type: ignore[arg-type]  # booleans are schemas too
    except jsonschema.exceptions.SchemaError as exc:
        location = "/".join(str(p) for p in exc.absolute_path)
        return f"{exc.message}" + (f" (at `{location}`)" if location else "")
    return None


# Checking a schema against the 2020-12 meta-schema takes jsonschema ~3 ms (it follows
# `$dynamicRef`s through seven vocabulary documents), which hundreds of event schemas pay on
# every machine without edac's cache, such as a fresh CI runner. A schema that only uses
# keywords whose meta-schema rules are the same in draft 7 (the usual shape of an event
# schema) is checked against draft 7's meta-schema instead, ~5x faster, with the same verdict
# (tests/test_schema_checks.py compares both on generated schemas).
_SAME_IN_DRAFT7 = frozenset({
    "type", "enum", "const", "title", "description", "$comment", "default", "examples",
    "readOnly", "format", "pattern", "minLength", "maxLength", "minimum",
    "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "required",
    "minProperties", "maxProperties", "minItems", "maxItems", "uniqueItems",
    "properties", "patternProperties", "additionalProperties", "propertyNames", "items",
    "contains", "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "$schema",
})
_SCHEMA_VALUED = frozenset({"additionalProperties", "propertyNames", "items", "contains",
                            "not", "if", "then", "else"})


def reads_the_same_in_draft7(schema: Any) -> bool:
    """Whether draft 7's meta-schema judges `schema` exactly as 2020-12's does: only the
    keywords of _SAME_IN_DRAFT7, in the shapes both drafts share (`items` a single schema,
    `$schema` the 2020-12 one), in every subschema."""
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, dict):
        return False
    for key, value in schema.items():
        if key not in _SAME_IN_DRAFT7:
            return False
        if key == "$schema":
            if value != "https://json-schema.org/draft/2020-12/schema":
                return False
        elif key in _SCHEMA_VALUED:
            if not reads_the_same_in_draft7(value):
                return False
        elif key in ("properties", "patternProperties"):
            if not isinstance(value, dict) or not all(
                    reads_the_same_in_draft7(v) for v in value.values()):
                return False
        elif key in ("allOf", "anyOf", "oneOf") and (not isinstance(value, list) or not all(
                reads_the_same_in_draft7(v) for v in value)):
            return False
    return True
