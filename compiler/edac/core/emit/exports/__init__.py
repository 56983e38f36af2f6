"""Documents exported from the topology for the tools teams keep beside it (`edac export`):
AsyncAPI 3.0 documents, an EventCatalog, Backstage catalog entities. Pure: each exporter takes
the IR and gives {relative path: text}; `edac.api.export` writes them.

What the exporters share is here: who sends and who receives which event type, over which
route, and the event as an SQS consumer gets it (the EventBridge envelope with the event type's
`detail` schema, in draft-07).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from edac.core import ir
from edac.core.emit.exports.draft7 import DRAFT7, downlevel, nest
from edac.core.reach import route_events
from edac.patterns.summary import pattern_clauses


@dataclass(frozen=True)
class Options:
    version: str = "1.0.0"  # the version every exported document and resource carries
    owner: str | None = None  # Backstage: the owner of the System and of team-less elements
    lifecycle: str = "production"  # Backstage: spec.lifecycle of components and APIs


@dataclass(frozen=True)
class Receipt:
    """A route delivering event types to a consumer."""

    route: ir.Route
    events: tuple[str, ...]

    @property
    def summary(self) -> str:
        """The route's filter in one line: `confirmed-orders: OrderPlaced where status:
        confirmed`."""
        route = self.route
        clauses = pattern_clauses(route.raw_pattern if route.raw_pattern is not None
                                  else route.filter or {})
        what = ", ".join(self.events) or "no declared event type"
        text = f"route {route.name}: {what}"
        if clauses:
            text += ("; pattern " if route.raw_pattern is not None else " where ") + \
                "; ".join(clauses)
        return text


@dataclass
class Flows:
    """Who sends and who receives what, for every exporter."""

    topo: ir.Topology
    sends: dict[str, list[str]] = field(default_factory=dict)  # producer -> event types
    receives: dict[str, list[Receipt]] = field(default_factory=dict)  # consumer -> receipts
    readers: dict[str, list[str]] = field(default_factory=dict)  # event type -> consumers

    @classmethod
    def of(cls, topo: ir.Topology) -> Flows:
        flows = cls(topo)
        for producer in topo.producers:
            flows.sends[producer] = sorted(e.name for e in topo.events.values()
                                           if e.producer == producer)
        taken = route_events(topo)
        for consumer in topo.consumers:
            flows.receives[consumer] = []
        for route in topo.routes.values():
            events = tuple(e for e in sorted(taken.get(route.name, ())) if e in topo.events)
            for consumer in route.to:
                if consumer in flows.receives:
                    flows.receives[consumer].append(Receipt(route, events))
                    for event in events:
                        readers = flows.readers.setdefault(event, [])
                        if consumer not in readers:
                            readers.append(consumer)
        return flows

    def received(self, consumer: str) -> list[str]:
        """The event types a consumer receives, by any route, sorted."""
        return sorted({e for r in self.receives.get(consumer, []) for e in r.events})


class _Dumper(yaml.SafeDumper):
    """YAML without anchors and aliases: each value written out where it is used (tools that
    read these files do not all follow aliases, and people read them)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def yaml_text(data: Any) -> str:
    """`data` as YAML: every text quoted by the YAML emitter, keys in the order given."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def envelope_schema(topo: ir.Topology, event: ir.EventType,
                    base: str = "") -> tuple[dict[str, Any], list[str]]:
    """The event as EventBridge delivers it to an SQS queue, in draft-07: the envelope
    (https://docs.aws.amazon.com/eventbridge/latest/ref/events-structure.html) with
    `detail-type` and `source` fixed and `detail` the event type's schema; and what draft-07
    could not say of that schema (left out). `base`: the JSON pointer of the schema in its
    document, which its `$ref`s start with (empty: the schema is a document of its own)."""
    producer = topo.producers.get(event.producer)
    detail: Any = {"type": "object"}
    dropped: list[str] = []
    if event.schema is not None:
        converted = downlevel(event.schema)
        dropped = converted.dropped
        detail = nest(converted.schema, ("properties", "detail"), base)
    schema: dict[str, Any] = {
        "$schema": DRAFT7,
        "title": f"{event.name} event",
        "type": "object",
        "required": ["version", "id", "detail-type", "source", "account", "time", "region",
                     "resources", "detail"],
        "properties": {
            "version": {"type": "string"},
            "id": {"type": "string"},
            "detail-type": {"const": event.name},
            "source": {"const": producer.source} if producer else {"type": "string"},
            "account": {"type": "string", "pattern": "^[0-9]{12}$"},
            "time": {"type": "string", "format": "date-time"},
            "region": {"type": "string"},
            "resources": {"type": "array", "items": {"type": "string"}},
            "detail": detail,
        },
    }
    return schema, dropped


class Ids:
    """Identifiers for a format that allows only some characters and lengths: a name that is
    already valid stays as it is; another one is reduced to the allowed characters and given
    a short hash of the name, so that two names never share an id; a name taken by an earlier
    kind gets the kind as a suffix."""

    def __init__(self, allowed: str, max_length: int, separator: str = "-") -> None:
        self._allowed = re.compile(allowed)
        self._max = max_length
        self._sep = separator
        self._ids: dict[tuple[str, str], str] = {}
        self._folded: set[str] = set()

    def _valid(self, text: str) -> bool:
        return len(text) <= self._max and self._allowed.fullmatch(text) is not None

    def _reduced(self, name: str) -> str:
        digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
        slug = re.sub(r"[^A-Za-z0-9]+", self._sep, name).strip(self._sep)
        slug = slug[: self._max - len(digest) - 1].strip(self._sep)
        return f"{slug}{self._sep}{digest}" if slug else f"x{self._sep}{digest}"

    def add(self, kind: str, names: Iterable[str]) -> None:
        for name in names:
            if (kind, name) in self._ids:
                continue
            candidate = name if self._valid(name) else self._reduced(name)
            if candidate.lower() in self._folded:
                candidate = self._fit(f"{candidate}{self._sep}{kind}")
            n = 1
            unique = candidate
            while unique.lower() in self._folded:
                n += 1
                unique = self._fit(f"{candidate}{self._sep}{n}")
            self._ids[(kind, name)] = unique
            self._folded.add(unique.lower())

    def _fit(self, text: str) -> str:
        return text if len(text) <= self._max else self._reduced(text)

    def fit(self, name: str) -> str:
        """`name` as an id of this format (reduced and hashed when it is not one)."""
        return name if self._valid(name) else self._reduced(name)

    def get(self, kind: str, name: str) -> str:
        return self._ids[(kind, name)]
