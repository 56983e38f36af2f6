"""Event schemas (JSON Schema 2020-12, as edac reads them) said in draft-07, for the formats
that take only draft-07: AsyncAPI 3.0 payloads (`application/schema+json;version=draft-07`).

What 2020-12 says differently is rewritten to the draft-07 form that means the same:
`$defs` -> `definitions`, `prefixItems` + `items` -> `items` (a list) + `additionalItems`,
`dependentRequired` / `dependentSchemas` -> `dependencies`, `$anchor` -> a `$id` fragment, and
a `$ref` with other keywords beside it (draft-07 ignores those) -> `allOf` of the `$ref` and
the rest. Local `$ref` pointers follow the keywords they walk through. What draft-07 has no
way to say (`unevaluatedProperties`, `minContains`, `$dynamicRef`, ...) is left out, so the
result accepts more, never less; `dropped` names each keyword left out and where.

`nest` puts a schema under another one (the `detail` of an event envelope): its definitions
move to the top and its pointers gain the path they were moved to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DRAFT7 = "http://json-schema.org/draft-07/schema#"

# 2020-12 keywords with no draft-07 equivalent (https://json-schema.org/draft/2020-12/release-notes
# and https://json-schema.org/draft/2019-09/release-notes list what was added after draft-07)
UNSAYABLE = frozenset({
    "unevaluatedProperties", "unevaluatedItems", "minContains", "maxContains",
    "$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor", "$vocabulary",
    "contentSchema",
})
# keywords whose value is one schema, a list of schemas, or a map of names to schemas
_ONE = frozenset({"additionalProperties", "propertyNames", "contains", "not", "if", "then",
                  "else", "additionalItems"})
_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_MAP = frozenset({"properties", "patternProperties", "$defs", "definitions",
                  "dependentSchemas"})


@dataclass
class Downlevelled:
    schema: Any
    dropped: list[str] = field(default_factory=list)  # `keyword` at /json/pointer


def downlevel(schema: Any) -> Downlevelled:
    """`schema` (2020-12) in draft-07, with `$schema` set to draft-07 at the top."""
    out = Downlevelled(None)
    converted = _schema(schema, "", out.dropped, schema)
    if isinstance(converted, dict):
        converted = {"$schema": DRAFT7, **{k: v for k, v in converted.items() if k != "$schema"}}
    out.schema = converted
    return out


def nest(schema: Any, at: tuple[str, ...], base: str = "") -> tuple[Any, dict[str, Any]]:
    """A draft-07 `schema` to be placed at the JSON pointer `at` of another, itself at the
    pointer `base` of its document (AsyncAPI resolves a payload's `$ref`s against the whole
    document): (the schema without its `definitions` and `$schema`, its pointers rewritten;
    the definitions to put at the top of the other)."""
    if not isinstance(schema, dict):
        return schema, {}
    prefix = base + "".join("/" + _escape(s) for s in at)
    definitions = schema.get("definitions", {})
    body = {k: v for k, v in schema.items() if k not in ("definitions", "$schema")}

    def moved(node: Any) -> Any:
        if isinstance(node, dict):
            out = {k: moved(v) for k, v in node.items()}
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                out["$ref"] = "#" + (base if _under(ref, "definitions") else prefix) + ref[1:]
            return out
        if isinstance(node, list):
            return [moved(v) for v in node]
        return node

    return moved(body), moved(definitions) if isinstance(definitions, dict) else {}


def _under(ref: str, keyword: str) -> bool:
    return ref == f"#/{keyword}" or ref.startswith(f"#/{keyword}/")


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def _unescape(segment: str) -> str:
    return segment.replace("~1", "/").replace("~0", "~")


def _schema(node: Any, where: str, dropped: list[str], root: Any) -> Any:
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        here = f"{where}/{_escape(key)}"
        if key in UNSAYABLE:
            dropped.append(f"`{key}` at {where or '/'}")
        elif key in _ONE:
            out[key] = _schema(value, here, dropped, root)
        elif key in _LIST and isinstance(value, list):
            out[key] = [_schema(v, f"{here}/{i}", dropped, root) for i, v in enumerate(value)]
        elif key in _MAP and isinstance(value, dict):
            out[key] = {k: _schema(v, f"{here}/{_escape(k)}", dropped, root)
                        for k, v in value.items()}
        elif key == "items":
            out[key] = _schema(value, here, dropped, root)
        elif key == "$ref" and isinstance(value, str):
            out[key] = _pointer(value, root)
        else:
            out[key] = value
    if "$defs" in out:
        out["definitions"] = {**out.get("definitions", {}), **out.pop("$defs")}
    if "prefixItems" in out:
        rest = out.pop("items", None)
        out["items"] = out.pop("prefixItems")
        if rest is not None:
            out["additionalItems"] = rest
    dependencies = {**out.pop("dependentRequired", {}), **out.pop("dependentSchemas", {})}
    if dependencies:
        out["dependencies"] = dependencies
    if "$anchor" in out:
        anchor = out.pop("$anchor")
        if "$id" not in out and isinstance(anchor, str):
            out["$id"] = "#" + anchor
    if "$ref" in out and len(out) > 1:
        ref = {"$ref": out.pop("$ref")}
        out["allOf"] = [ref, *out.get("allOf", [])]
    return out


def _pointer(ref: str, root: Any) -> str:
    """A local `$ref` pointer of the 2020-12 `root` into its draft-07 form: each keyword it
    walks through renamed as `_schema` renames it (`$defs` -> `definitions`, `prefixItems/N`
    -> `items/N`, `items` beside `prefixItems` -> `additionalItems`, `dependentRequired` /
    `dependentSchemas` -> `dependencies`)."""
    if not ref.startswith("#/"):
        return ref
    segments = [_unescape(s) for s in ref[2:].split("/")]
    out: list[str] = []
    node = root
    i = 0
    while i < len(segments):
        key = segments[i]
        named = key in _MAP or key in _LIST or key == "dependentRequired"
        renamed = {"$defs": "definitions", "dependentSchemas": "dependencies",
                   "dependentRequired": "dependencies", "prefixItems": "items"}.get(key, key)
        if key == "items" and isinstance(node, dict) and "prefixItems" in node:
            renamed = "additionalItems"
        out.append(renamed)
        node = node.get(key) if isinstance(node, dict) else None
        i += 1
        if named and i < len(segments):
            out.append(segments[i])
            if isinstance(node, dict):
                node = node.get(segments[i])
            elif isinstance(node, list) and segments[i].isdigit() and int(segments[i]) < len(node):
                node = node[int(segments[i])]
            else:
                node = None
            i += 1
    return "#/" + "/".join(_escape(s) for s in out)
