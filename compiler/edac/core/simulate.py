"""Which routes an event takes, and why the others do not: `edac route`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from edac.core import ir
from edac.patterns import FlatEvent, compile_pattern, explain_mismatch

_PUT_EVENTS_KEYS = {"Source", "DetailType", "Detail"}


class EventError(ValueError):
    """The event file is not an event."""


def as_event(data: Any) -> dict[str, Any]:
    """An EventBridge event from what users have at hand: an event as delivered (`source`,
    `detail-type`, `detail`) or a PutEvents entry (`Source`, `DetailType`, `Detail` text)."""
    if not isinstance(data, dict):
        raise EventError("an event is a JSON object")
    if _PUT_EVENTS_KEYS & set(data):
        detail = data.get("Detail", "{}")
        try:
            parsed = json.loads(detail) if isinstance(detail, str) else detail
        except json.JSONDecodeError as exc:
            raise EventError(f"`Detail` is not JSON text: {exc.msg}") from exc
        event: dict[str, Any] = {
            "version": "0",
            "id": "00000000-0000-0000-0000-000000000000",
            "detail-type": data.get("DetailType"),
            "source": data.get("Source"),
            "account": "123456789012",
            "time": data.get("Time", "2024-01-01T00:00:00Z"),
            "region": "us-east-1",
            "resources": data.get("Resources", []),
            "detail": parsed,
        }
        return event
    if "source" not in data or "detail-type" not in data:
        raise EventError("the event needs `source` and `detail-type` (or a PutEvents entry "
                         "with `Source`, `DetailType` and `Detail`)")
    return data


@dataclass(frozen=True)
class RouteOutcome:
    route: str
    matched: bool
    consumers: tuple[str, ...]
    reasons: tuple[str, ...]
    buses: tuple[str, ...] = ()  # the buses of other domains it forwards the event to


def route_event(topo: ir.Topology, event: dict[str, Any]) -> list[RouteOutcome]:
    flat = FlatEvent(event)
    outcomes = []
    for route in topo.routes.values():
        if not route.rules:
            continue
        pattern = route.pattern
        matched = compile_pattern(pattern).matches(flat)
        reasons = () if matched else tuple(explain_mismatch(pattern, event))
        outcomes.append(RouteOutcome(route.name, matched, route.to, reasons, route.forward))
    return outcomes


SCHEMA_PROBLEMS_SHOWN = 5


def schema_problems(topo: ir.Topology, event: dict[str, Any]) -> list[str]:
    """How the event's `detail` breaks the JSON Schema of its event type (the type with its
    `detail-type` whose producer has its `source`), at most SCHEMA_PROBLEMS_SHOWN, each as
    `detail.path: reason`. Empty when it fits, or its type has no schema or is unknown."""
    import jsonschema

    kinds = [e for e in topo.events.values() if e.name == event.get("detail-type")
             and e.schema is not None and e.producer in topo.producers
             and topo.producers[e.producer].source == event.get("source")]
    if not kinds:
        return []
    schema = kinds[0].schema
    assert schema is not None
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    found = []
    errors = sorted(cls(schema).iter_errors(event.get("detail")),
                    key=lambda e: [str(p) for p in e.absolute_path])
    for error in errors[:SCHEMA_PROBLEMS_SHOWN]:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        message = error.message if len(error.message) <= 200 else error.message[:199] + "…"
        found.append(f"detail{where}: {message}")
    if len(errors) > SCHEMA_PROBLEMS_SHOWN:
        found.append(f"... and {len(errors) - SCHEMA_PROBLEMS_SHOWN} more")
    return found


def _schema_lines(topo: ir.Topology, event: dict[str, Any]) -> list[str]:
    problems = schema_problems(topo, event)
    if not problems:
        return []
    return [f"warning: the event breaks the schema of `{event.get('detail-type')}` (its "
            "producer would send no such event; routes are matched anyway):",
            *(f"  {p}" for p in problems)]


def render(topo: ir.Topology, event: dict[str, Any], outcomes: list[RouteOutcome]) -> str:
    lines = [f"event: source `{event.get('source')}`, detail-type `{event.get('detail-type')}`"]
    lines += _schema_lines(topo, event)
    matched = [o for o in outcomes if o.matched]
    if matched:
        lines.append("matched routes:")
        for o in matched:
            lines.append(f"  {o.route} -> "
                         + ", ".join([*o.consumers, *(f"bus {b}" for b in o.buses)]))
        queues = sorted({c for o in matched for c in o.consumers})
        if queues:
            lines.append("consumer queues that receive it (once each):")
        for name in queues:
            lines.append(f"  {name}: {topo.consumers[name].queues.main}")
        buses = sorted({b for o in matched for b in o.buses})
        if buses:
            lines.append("buses of other domains it is forwarded to (their rules route it "
                         "on):")
        for name in buses:
            lines.append(f"  {name}: {topo.buses[name].bus_name}")
    else:
        lines.append("matched routes: none (no consumer receives this event)")
    misses = sorted((o for o in outcomes if not o.matched), key=lambda o: (len(o.reasons),
                                                                           o.route))
    if misses:
        lines.append("routes that did not match, and why:")
        for o in misses:
            lines.append(f"  {o.route}:")
            lines += [f"    - {reason}" for reason in o.reasons]
    return "\n".join(lines) + "\n"


def as_json(outcomes: list[RouteOutcome], schema_problems: list[str] | None = None) -> str:
    doc: dict[str, Any] = {
        "matched": [{"route": o.route, "consumers": list(o.consumers),
                     **({"buses": list(o.buses)} if o.buses else {})}
                    for o in outcomes if o.matched],
        "consumers": sorted({c for o in outcomes if o.matched for c in o.consumers}),
        **({"buses": buses} if (buses := sorted({b for o in outcomes if o.matched
                                                 for b in o.buses})) else {}),
        "not_matched": [{"route": o.route, "reasons": list(o.reasons)} for o in outcomes
                        if not o.matched],
    }
    if schema_problems is not None:
        doc["schema_problems"] = schema_problems
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
