"""What `edac sandbox send` says: the routes an event matches (edac's pattern engine) beside
the queues that really received it on the emulator."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from edac.core import ir


def consumer_of_queue(topo: ir.Topology) -> dict[str, tuple[str, str]]:
    """Queue name -> (consumer, which queue: main, dlq or target-dlq)."""
    found: dict[str, tuple[str, str]] = {}
    for consumer in topo.consumers.values():
        found[consumer.queues.main] = (consumer.name, "queue")
        found[consumer.queues.dlq] = (consumer.name, "dlq")
        found[consumer.queues.target_dlq] = (consumer.name, "target-dlq")
    return found


@dataclass
class SendReport:
    event: dict[str, Any]
    event_id: str
    matched_routes: list[tuple[str, tuple[str, ...]]]
    misses: list[tuple[str, tuple[str, ...]]]
    expected: list[str]
    delivered: dict[str, int]  # queue name -> copies of this event
    other_messages: int

    def consumers_delivered(self, topo: ir.Topology) -> list[str]:
        names = consumer_of_queue(topo)
        return sorted({names[q][0] for q in self.delivered if q in names
                       and names[q][1] == "queue"})

    def agrees(self, topo: ir.Topology) -> bool:
        names = consumer_of_queue(topo)
        main = {names[q][0] for q in self.delivered if names.get(q, ("", ""))[1] == "queue"}
        elsewhere = [q for q in self.delivered if names.get(q, ("", ""))[1] != "queue"]
        return (main == set(self.expected) and not elsewhere
                and all(n == 1 for n in self.delivered.values()))


def render_send(topo: ir.Topology, report: SendReport) -> str:
    names = consumer_of_queue(topo)
    event = report.event
    from edac.core.simulate import schema_problems

    lines = [f"event {report.event_id}: source `{event.get('source')}`, "
             f"detail-type `{event.get('detail-type')}`"]
    problems = schema_problems(topo, event)
    if problems:
        lines.append(f"warning: the event breaks the schema of `{event.get('detail-type')}` "
                     "(its producer would send no such event):")
        lines += [f"  {p}" for p in problems]
    if report.matched_routes:
        lines.append("routes that match (edac's pattern engine):")
        lines += [f"  {route} -> {', '.join(consumers)}"
                  for route, consumers in report.matched_routes]
    else:
        lines.append("routes that match (edac's pattern engine): none")
    if report.delivered:
        lines.append("received by (read from the queues on the emulator):")
        for queue, copies in report.delivered.items():
            consumer, kind = names.get(queue, ("?", "not a queue of this topology"))
            what = consumer if kind == "queue" else f"{consumer} ({kind})"
            times = "" if copies == 1 else f"  ({copies} copies)"
            lines.append(f"  {what}: {queue}{times}")
    else:
        lines.append("received by (read from the queues on the emulator): no queue")
    if report.misses:
        lines.append("routes that do not match:")
        for route, reasons in report.misses:
            lines.append(f"  {route}: {'; '.join(reasons) if reasons else 'no match'}")
    if not report.agrees(topo):
        lines.append(f"warning: the emulator's deliveries differ from the routes "
                     f"(expected exactly once in: {', '.join(report.expected) or 'none'})")
    if report.other_messages:
        lines.append(f"({report.other_messages} other message(s) were in the queues and "
                     "were taken off them)")
    return "\n".join(lines) + "\n"


def send_as_json(topo: ir.Topology, report: SendReport) -> str:
    from edac.core.simulate import schema_problems

    doc = {
        "event_id": report.event_id,
        "matched_routes": [{"route": r, "consumers": list(c)} for r, c in report.matched_routes],
        "expected_consumers": report.expected,
        "received_by": report.consumers_delivered(topo),
        "queues": report.delivered,
        "agrees": report.agrees(topo),
        "schema_problems": schema_problems(topo, report.event),
    }
    return json.dumps(doc, indent=2) + "\n"
