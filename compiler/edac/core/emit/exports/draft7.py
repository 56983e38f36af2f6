"""Event schemas said in JSON Schema draft-07, for the formats that take only draft-07: AsyncAPI
3.0 payloads (`application/schema+json;version=draft-07`).

A schema is read in the draft it declares (`$schema`; none: 2020-12, as edac reads it) and
rewritten to the draft-07 form that means the same:

- 2020-12: `prefixItems` + `items` -> `items` (a list) + `additionalItems`;
  `dependentRequired` / `dependentSchemas` -> `dependencies`; `$anchor` -> a `$id` fragment;
  a `$ref` with other keywords beside it (draft-07 ignores those) -> the `$ref` appended to
  `allOf`; `additionalItems` and `dependencies`, which 2020-12 ignores, left out;
- 2019-09: the same, except that `items` (a list) and `additionalItems` mean what they mean
  in draft-07;
- draft-04: a boolean `exclusiveMinimum` / `exclusiveMaximum` -> the number, `id` -> `$id`;
- draft-06 and draft-07: as written.

What draft-07 has no way to say (`unevaluatedProperties`, `minContains`, `$dynamicRef`, a
`$ref` to another file ...) is left out so that the result accepts more, never less: where
leaving a keyword out would make it stricter (under `not`, in the `if` of a conditional, in a
branch of `oneOf`), the enclosing keyword goes instead (`not` and `if`/`then`/`else` are left
out, `oneOf` becomes `anyOf`); `dropped` names each one and where.

`$defs` become `definitions` (where draft-07 finds the `$id`s an `$anchor` becomes), unless
the schema has both; a `$ref` is a JSON pointer into the document, whatever keyword holds
its target, so `$defs` left beside `definitions` still resolve. A `$ref` to an `$anchor`
becomes the pointer of its schema (AsyncAPI's parser follows pointers only), and a data value
holding a `$ref` key (a `const`, say) is left out (the parser would take it for a reference).
`nest` puts a schema inside another document (the `detail` of an event envelope, itself in
an AsyncAPI document) by prefixing the local pointers of its `$ref`s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DRAFT7 = "http://json-schema.org/draft-07/schema#"

# keywords with no draft-07 equivalent, from the release notes of 2019-09 and 2020-12
# (https://json-schema.org/draft/2019-09/release-notes,
# https://json-schema.org/draft/2020-12/release-notes)
UNSAYABLE = frozenset({
    "unevaluatedProperties", "unevaluatedItems", "maxContains", "$dynamicRef",
    "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor", "$vocabulary", "contentSchema",
})
# keywords whose value is one schema, a list of schemas, or a map of names to schemas
_ONE = frozenset({"additionalProperties", "propertyNames", "contains", "not", "if", "then",
                  "else", "additionalItems", "items"})
_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_MAP = frozenset({"properties", "patternProperties", "$defs", "definitions",
                  "dependentSchemas"})


@dataclass
class Downlevelled:
    schema: Any
    dropped: list[str] = field(default_factory=list)  # `keyword` at /json/pointer


def draft_of(schema: Any) -> str:
    """`2020-12`, `2019-09`, `draft-07`, `draft-06` or `draft-04`, from `$schema`."""
    declared = schema.get("$schema", "") if isinstance(schema, dict) else ""
    for draft in ("2019-09", "draft-07", "draft-06", "draft-04"):
        if isinstance(declared, str) and draft in declared:
            return draft
    return "2020-12"


def downlevel(schema: Any) -> Downlevelled:
    """`schema` in draft-07, with `$schema` set to draft-07 at the top."""
    out = Downlevelled(None)
    draft = draft_of(schema)
    if draft in ("draft-07", "draft-06"):
        converted = schema
    elif draft == "draft-04":
        converted = _walk(schema, lambda node, _: _from_draft4(node))
    else:
        converted, _ = _Converter(draft, out.dropped, schema).schema(schema, "")
    converted = _walk(converted, _without_data_refs(out.dropped))
    if isinstance(converted, dict):
        converted = {"$schema": DRAFT7, **{k: v for k, v in converted.items() if k != "$schema"}}
    out.schema = converted
    return out


_DATA = ("const", "enum", "default", "examples")


def _holds_ref(value: Any) -> bool:
    if isinstance(value, dict):
        return "$ref" in value or any(_holds_ref(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_ref(v) for v in value)
    return False


def _without_data_refs(dropped: list[str]) -> Callable[[dict[str, Any], str], dict[str, Any]]:
    """For `_walk`: a subschema without the data values (`const`, `enum`, `default`,
    `examples`) that hold an object with a `$ref` key: an AsyncAPI document is read as JSON
    references throughout, so such a value would be taken for a reference (leaving
    `const`/`enum` out accepts more)."""
    def drop(node: dict[str, Any], where: str) -> dict[str, Any]:
        out = {}
        for key, value in node.items():
            if key in _DATA and _holds_ref(value):
                dropped.append(f"`{key}` (a value with `$ref`) at {where or '/'}")
            else:
                out[key] = value
        return out

    return drop


def nest(schema: Any, at: tuple[str, ...], base: str = "") -> Any:
    """A draft-07 `schema` placed at the JSON pointer `at` of another, itself at the pointer
    `base` of its document (AsyncAPI resolves a payload's `$ref`s against the whole
    document): its local pointers gain that prefix; `$schema` and a top `$id` (which would
    make them relative to itself) go."""
    if not isinstance(schema, dict):
        return schema
    prefix = base + "".join("/" + _escape(s) for s in at)

    def moved(node: dict[str, Any], _: str) -> dict[str, Any]:
        ref = node.get("$ref")
        if isinstance(ref, str) and (ref == "#" or ref.startswith("#/")):
            return {**node, "$ref": "#" + prefix + ref[1:]}
        return node

    body = {k: v for k, v in schema.items() if k not in ("$schema", "$id")}
    return _walk(body, moved)


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def _walk(node: Any, fn: Callable[[dict[str, Any], str], dict[str, Any]],
          where: str = "") -> Any:
    """`node` with `fn` applied to every subschema (a dict in a schema position) and its
    JSON pointer, inside out; values of `const`, `enum`, `default`, `examples` are data, not
    walked."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        here = f"{where}/{_escape(key)}"
        if key in _ONE or (key in _LIST and isinstance(value, list)):
            out[key] = ([_walk(v, fn, f"{here}/{i}") for i, v in enumerate(value)]
                        if isinstance(value, list) else _walk(value, fn, here))
        elif (key in _MAP or key == "dependencies") and isinstance(value, dict):
            out[key] = {k: _walk(v, fn, f"{here}/{_escape(k)}") for k, v in value.items()}
        else:
            out[key] = value
    return fn(out, where)


def _from_draft4(node: dict[str, Any]) -> dict[str, Any]:
    out = dict(node)
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(exclusive), bool) and out.pop(exclusive) and bound in out:
            out[exclusive] = out.pop(bound)
    if isinstance(out.get("id"), str) and "$id" not in out:
        out["$id"] = out.pop("id")
    return out


class _Converter:
    """2020-12 or 2019-09 -> draft-07, noting what is left out."""

    def __init__(self, draft: str, dropped: list[str], root: Any = None) -> None:
        self.draft = draft
        self.dropped = dropped
        self.root = root
        # `$anchor` name -> the JSON pointer of its schema (AsyncAPI's parser resolves
        # pointers only: a `$ref` to an anchor is written as the pointer)
        self.anchors: dict[str, str] = {}

        def record(node: dict[str, Any], where: str) -> dict[str, Any]:
            anchor = node.get("$anchor")
            if isinstance(anchor, str) and "$id" not in node:
                self.anchors.setdefault(anchor, where)
            return node

        _walk(root, record)

    def drop(self, what: str, where: str) -> None:
        self.dropped.append(f"`{what}` at {where or '/'}")

    def schema(self, node: Any, where: str) -> tuple[Any, bool]:
        """(the draft-07 form of `node`, whether it accepts more than the original)."""
        if self.root is None:
            self.root = node
        if not isinstance(node, dict):
            return node, False
        out: dict[str, Any] = {}
        loose: dict[str, bool] = {}  # keyword -> whether its subschemas accept more now
        looser = False
        tuple_items = self.draft == "2019-09" and isinstance(node.get("items"), list)
        for key, value in node.items():
            here = f"{where}/{_escape(key)}"
            if key in UNSAYABLE:
                self.drop(key, where)
                looser = True
            elif key == "$ref" and isinstance(value, str):
                if value.startswith("#"):
                    out[key] = self.pointer(value)
                else:  # another document: not bundled
                    self.drop(f"$ref: {value}", where)
                    looser = True
            elif key == "minContains":
                # left out, `contains` asks for one match; with 0 it asked for none
                self.drop(key if value != 0 else "contains", where)
                looser = True
            elif key == "dependencies" or (key == "additionalItems" and not tuple_items):
                continue  # 2020-12 ignores both (2019-09 `dependencies`): they meant nothing
            elif key in _ONE or key in _LIST or key in _MAP:
                out[key], loose[key] = self.sub(key, value, here)
            else:
                out[key] = value
        if node.get("minContains") == 0:
            out.pop("contains", None)
        if "$defs" in out and "definitions" not in node:  # where draft-07 indexes `$id`s
            out["definitions"] = out.pop("$defs")
        if loose.get("not"):  # a looser `not` refuses more: the whole `not` goes
            out.pop("not")
            self.drop("not", where)
        if loose.get("if"):  # a looser `if` applies `then` to more: the conditional goes
            for key in ("if", "then", "else"):
                out.pop(key, None)
            self.drop("if", where)
        if loose.get("oneOf"):  # a looser branch may make two match: `anyOf` accepts that
            branches = out.pop("oneOf")
            if "anyOf" in out:
                out["allOf"] = [*out.get("allOf", []), {"anyOf": branches}]
            else:
                out["anyOf"] = branches
            self.drop("oneOf` (kept as `anyOf", where)
        looser |= any(loose.values())
        if "prefixItems" in out:
            rest = out.pop("items", None)
            out["items"] = out.pop("prefixItems")
            if rest is not None:
                out["additionalItems"] = rest
        required = out.pop("dependentRequired", None)
        schemas = out.pop("dependentSchemas", None)
        if isinstance(required, dict) or isinstance(schemas, dict):
            deps: dict[str, Any] = dict(required) if isinstance(required, dict) else {}
            for name, sub in (schemas if isinstance(schemas, dict) else {}).items():
                deps[name] = ({"allOf": [sub, {"required": deps[name]}]} if name in deps
                              else sub)
            out["dependencies"] = deps
        if "$anchor" in out:
            anchor = out.pop("$anchor")
            if "$id" not in out and isinstance(anchor, str):
                out["$id"] = "#" + anchor
            else:
                self.drop("$anchor", where)
                looser = True
        if "$ref" in out and len(out) > 1:  # draft-07 ignores what is beside a $ref
            ref = {"$ref": out.pop("$ref")}
            out["allOf"] = [*out.get("allOf", []), ref]
        return out, looser

    def sub(self, key: str, value: Any, here: str) -> tuple[Any, bool]:
        """A keyword's subschemas converted, and whether any accepts more now."""
        if isinstance(value, list):
            results = [self.schema(v, f"{here}/{i}") for i, v in enumerate(value)]
            return [r[0] for r in results], any(r[1] for r in results)
        if key in _MAP and isinstance(value, dict):
            named = {k: self.schema(v, f"{here}/{_escape(k)}") for k, v in value.items()}
            return {k: r[0] for k, r in named.items()}, any(r[1] for r in named.values())
        return self.schema(value, here)

    def pointer(self, ref: str) -> str:
        """A local `$ref` pointer into the draft-07 form: `prefixItems/N` -> `items/N`,
        `items` beside `prefixItems` -> `additionalItems`, `dependentSchemas` ->
        `dependencies`; other pointers (into `$defs` too) as written."""
        if ref.startswith("#") and ref[1:] in self.anchors:
            ref = "#" + self.anchors[ref[1:]]
            if ref == "#":
                return ref
        if not ref.startswith("#/"):
            return ref
        segments = [s.replace("~1", "/").replace("~0", "~") for s in ref[2:].split("/")]
        out: list[str] = []
        node = self.root
        i = 0
        while i < len(segments):
            key = segments[i]
            renamed = {"prefixItems": "items", "dependentSchemas": "dependencies"}.get(key, key)
            if key == "items" and isinstance(node, dict) and "prefixItems" in node:
                renamed = "additionalItems"
            if key == "$defs" and isinstance(node, dict) and "definitions" not in node:
                renamed = "definitions"
            out.append(renamed)
            node = node.get(key) if isinstance(node, dict) else None
            i += 1
            if (key in _MAP or key in _LIST) and i < len(segments):
                name = segments[i]
                out.append(name)
                if isinstance(node, dict):
                    node = node.get(name)
                elif isinstance(node, list) and name.isdigit() and int(name) < len(node):
                    node = node[int(name)]
                else:
                    node = None
                i += 1
        return "#/" + "/".join(_escape(s) for s in out)
