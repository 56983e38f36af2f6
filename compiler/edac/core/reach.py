"""Which event types each route can take, from the IR (for diagrams and diffs)."""

from __future__ import annotations

from typing import Any

from edac.core import ir
from edac.patterns import FlatEvent, InvalidEventPattern, compile_pattern
from edac.patterns.summary import without_detail


def route_events(topo: ir.Topology) -> dict[str, set[str]]:
    """Route -> the event types it can take: its `events`, or for a raw pattern those whose
    source and detail-type it admits (its conditions on `detail` are not considered)."""
    found = {}
    for route in topo.routes.values():
        if route.raw_pattern is None:
            found[route.name] = set(route.events)
            continue
        found[route.name] = set(topo.events)
        envelope = without_detail(route.raw_pattern)
        try:
            compiled = compile_pattern(envelope) if envelope else None
        except InvalidEventPattern:
            compiled = None
        if compiled is not None:
            found[route.name] = {e.name for e in topo.events.values()
                                 if compiled.matches(FlatEvent(_envelope(topo, e)))}
    return found


def _envelope(topo: ir.Topology, event: ir.EventType) -> dict[str, Any]:
    producer = topo.producers.get(event.producer)
    return {"source": producer.source if producer else "", "detail-type": event.name,
            "detail": {}}
