"""The graph as a whole: unused elements and previous names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from edac.core.checks._util import diag
from edac.core.diagnostics import Diagnostic
from edac.core.ir import Topology
from edac.patterns import test_event_pattern


def unused(topo: Topology) -> Iterator[Diagnostic]:
    emitting = {e.producer for e in topo.events.values()}
    for p in topo.producers.values():
        if p.name not in emitting:
            yield diag(topo, "W701", f"producer `{p.name}` emits no event type", p.origin,
                       key=True, label="unused producer",
                       help="declare its events under `events:` with `producer: "
                       f"{p.name}`, or remove it")
    routed = {e for r in topo.routes.values() for e in r.events}
    raw = [r.raw_pattern for r in topo.routes.values() if r.raw_pattern is not None and r.rules]
    for e in topo.events.values():
        if e.name in routed or e.unconsumed:
            continue
        producer = topo.producers.get(e.producer)
        if producer is not None and any(_may_take(p, producer.source, e.name) for p in raw):
            continue
        yield diag(topo, "W702", f"no route takes event type `{e.name}`", e.origin, key=True,
                   label="unconsumed event type",
                   help="route it to a consumer, or mark it `unconsumed: true`")
    targeted = {t for r in topo.routes.values() for t in r.to}
    for c in topo.consumers.values():
        if c.name not in targeted:
            yield diag(topo, "W703", f"no route sends events to consumer `{c.name}`", c.origin,
                       key=True, label="unused consumer",
                       help="add it to the `to:` list of a route, or remove it")


def _may_take(pattern: dict[str, Any], source: str, detail_type: str) -> bool:
    """Whether a raw pattern may match events of this source and detail-type: its envelope
    conditions (`source`, `detail-type`) are tested; conditions on other fields may hold."""
    envelope = {k: v for k, v in pattern.items() if k in ("source", "detail-type")}
    if "$or" in pattern or not envelope:
        return True
    try:
        return test_event_pattern(envelope, {"source": source, "detail-type": detail_type})
    except ValueError:
        return True


def previous_names(topo: Topology) -> Iterator[Diagnostic]:
    for kind, table in (("consumer", topo.consumers), ("route", topo.routes)):
        claimed: dict[str, str] = {}
        for element in table.values():
            for i, old in enumerate(element.previously):
                if old in table:
                    yield diag(topo, "E208", f"{kind} `{element.name}` was previously `{old}`, "
                               f"but `{old}` is still a {kind}", element.origin, "previously", i,
                               label="name still in use",
                               help=f"remove `{old}` from `previously`, or rename the {kind}")
                elif old in claimed:
                    yield diag(topo, "E208", f"{kind}s `{claimed[old]}` and `{element.name}` "
                               f"both claim the previous name `{old}`", element.origin,
                               "previously", i, label="claimed twice",
                               help="a previous name belongs to one element")
                else:
                    claimed[old] = element.name


CHECKS = (unused, previous_names)
