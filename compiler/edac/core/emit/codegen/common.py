"""What the code generators of the consumer kit share: the part of JSON Schema they map, names,
and which event types each consumer receives."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from edac.core import ir
from edac.core.reach import route_events

# keywords the models map; the others are refused (E831) rather than typed looser
TYPED = {"type", "properties", "required", "additionalProperties", "items", "enum", "const",
         "$ref", "$defs", "definitions", "anyOf", "oneOf", "allOf"}
# keywords that constrain values (checked by the producers against the schema itself) or only
# document them
IGNORED = {"$schema", "$id", "$comment", "title", "description", "default", "examples",
           "format", "minLength", "maxLength", "pattern", "minimum", "maximum",
           "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems",
           "uniqueItems", "readOnly", "writeOnly", "deprecated", "minProperties",
           "maxProperties", "contentMediaType", "contentEncoding"}


def pascal(text: str) -> str:
    """`order.placed v2` -> `OrderPlacedV2` (empty when nothing is left)."""
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", text) if w)


def snake(text: str) -> str:
    """`orderId` -> `order_id`, `Order-Placed` -> `order_placed`."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()
    return text


class Unmappable(Exception):
    def __init__(self, message: str, pointer: str) -> None:
        super().__init__(message)
        self.pointer = pointer


def pointer(path: tuple[str | int, ...]) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)


def consumer_events(topo: ir.Topology) -> dict[str, list[str]]:
    """Consumer -> the event types its routes can deliver (sorted)."""
    takes = route_events(topo)
    found: dict[str, set[str]] = {name: set() for name in topo.consumers}
    for route in topo.routes.values():
        for target in route.to:
            found[target] |= takes.get(route.name, set())
    return {name: sorted(events) for name, events in found.items()}


class SchemaTyper:
    """Types of a language for the JSON Schemas of one event: the walk over the schema that
    every generator shares (keywords refused, `$ref`s, enums, unions, arrays), with what the
    language writes left to its subclass."""

    ANY = "Any"
    SCALARS: ClassVar[Mapping[str, str]] = {}

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, str] = {}

    # -- what a language writes ------------------------------------------------------------
    def literals(self, values: list[Any]) -> str:
        raise NotImplementedError

    def union(self, types: list[str]) -> str:
        unique = list(dict.fromkeys(types))
        return self.ANY if self.ANY in unique else " | ".join(unique)

    def array(self, item: str) -> str:
        raise NotImplementedError

    def object(self, schema: Mapping[str, Any], name: str, path: tuple[str | int, ...]) -> str:
        raise NotImplementedError

    def forward(self, name: str) -> str:
        """How a type names itself while it is being written (recursive `$ref`s)."""
        return name

    def alias(self, name: str, typed: str) -> None:
        """Declare `name` for a `$defs` entry that is not an object."""
        raise NotImplementedError

    def valid_name(self, name: str) -> bool:
        return bool(name) and not name[0].isdigit()

    # -- the walk --------------------------------------------------------------------------
    def type_of(self, schema: Any, name: str, path: tuple[str | int, ...]) -> str:
        if schema is True or schema == {}:
            return self.ANY
        if schema is False:
            raise Unmappable("a `false` schema admits no value", pointer(path))
        if not isinstance(schema, Mapping):
            raise Unmappable("a schema is an object", pointer(path))
        unknown = sorted(set(schema) - TYPED - IGNORED)
        if unknown:
            raise Unmappable(f"`{unknown[0]}` is not a keyword the code generator maps",
                             pointer((*path, unknown[0])))
        if "$ref" in schema:
            return self._ref(str(schema["$ref"]), path)
        if "const" in schema:
            return self._literals([schema["const"]], (*path, "const"))
        if "enum" in schema:
            values = schema["enum"]
            if not isinstance(values, list) or not values:
                raise Unmappable("`enum` is a non-empty list", pointer((*path, "enum")))
            return self._literals(values, (*path, "enum"))
        for combinator in ("anyOf", "oneOf"):
            if combinator in schema:
                options = schema[combinator]
                if not isinstance(options, list) or not options:
                    raise Unmappable(f"`{combinator}` is a non-empty list",
                                     pointer((*path, combinator)))
                return self.union([self.type_of(o, f"{name}{i + 1}", (*path, combinator, i))
                                   for i, o in enumerate(options)])
        if "allOf" in schema:
            parts = schema["allOf"]
            if not isinstance(parts, list) or len(parts) != 1:
                raise Unmappable("`allOf` of several schemas is not mapped (merge them into "
                                 "one object)", pointer((*path, "allOf")))
            return self.type_of(parts[0], name, (*path, "allOf", 0))
        kinds = schema.get("type") or ("object" if "properties" in schema else None)
        if kinds is None:
            return self.ANY
        types = []
        for kind in kinds if isinstance(kinds, list) else [kinds]:
            if kind in self.SCALARS:
                types.append(self.SCALARS[kind])
            elif kind == "array":
                items = schema.get("items", True)
                if isinstance(items, list):
                    raise Unmappable("tuple `items` (a list of schemas) is not mapped",
                                     pointer((*path, "items")))
                types.append(self.array(self.type_of(items, f"{name}Item", (*path, "items"))))
            elif kind == "object":
                types.append(self.object(schema, name, path))
            else:
                raise Unmappable(f"unknown type `{kind}`", pointer((*path, "type")))
        return self.union(types)

    def _literals(self, values: list[Any], path: tuple[str | int, ...]) -> str:
        if any(isinstance(v, (float, list, dict)) for v in values):
            raise Unmappable("an `enum`/`const` of numbers with fractions, lists or objects "
                             "is not mapped", pointer(path))
        return self.literals(values)

    def _ref(self, ref: str, path: tuple[str | int, ...]) -> str:
        match = re.fullmatch(r"#/(\$defs|definitions)/([^/]+)", ref)
        section = self.root.get(match[1]) if match else None
        if match is None or not isinstance(section, Mapping) or match[2] not in section:
            raise Unmappable(f"`$ref` to `{ref}`: only local `#/$defs/NAME` references to "
                             "schemas it defines are mapped", pointer((*path, "$ref")))
        if ref not in self.refs:
            name = pascal(match[2])
            if not self.valid_name(name):
                raise Unmappable(f"`{match[2]}` makes no type name", pointer((match[1],
                                                                              match[2])))
            self.refs[ref] = self.forward(name)
            typed = self.type_of(section[match[2]], name, (match[1], match[2]))
            if typed != name:
                self.alias(name, typed)
            self.refs[ref] = name
        return self.refs[ref]
