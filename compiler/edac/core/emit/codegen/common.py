"""What the code generators of the consumer kit share: the part of JSON Schema they map, names,
and which event types each consumer receives."""

from __future__ import annotations

import re

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
