"""What `edac sandbox send` says: the routes an event matches (edac's pattern engine) beside
the queues that really received it on the emulator."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from edac.core import ir


def consumer_of_queue(topo: ir.Topology) -> dict[str, tuple[str, str]]:
    """Queue name -> (consumer, which queue: main, dlq or target-dlq; or the bus a forward
    DLQ is of, "forward-dlq")."""
    found: dict[str, tuple[str, str]] = {}
    for consumer in topo.consumers.values():
        found[consumer.queues.main] = (consumer.name, "queue")
        found[consumer.queues.dlq] = (consumer.name, "dlq")
        found[consumer.queues.target_dlq] = (consumer.name, "target-dlq")
    for bus in topo.forwarded:
        found[bus.dlq] = (bus.name, "forward-dlq")
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

    def forwarded_to(self, topo: ir.Topology) -> list[str]:
        """The buses of other domains the matched routes forward the event to."""
        return sorted({b for route, _ in self.matched_routes
                       for b in topo.routes[route].forward})

    def agrees(self, topo: ir.Topology) -> bool:
        """Each expected consumer's queue received the event once, and no other queue did,
        but the forward DLQ of a bus it is forwarded to (at most once per route forwarding
        there: the bus is not on the emulator, or its policy refuses). An event the other
        bus took is put there anew, with an id of its own, as the emulator does it."""
        names = consumer_of_queue(topo)
        forwards = Counter(b for route, _ in self.matched_routes
                           for b in topo.routes[route].forward)

        def kind(queue: str) -> str:
            return names.get(queue, ("", ""))[1]

        main = {names[q][0] for q in self.delivered if kind(q) == "queue"}
        elsewhere = [q for q, n in self.delivered.items() if kind(q) != "queue"
                     and not (kind(q) == "forward-dlq" and n <= forwards[names[q][0]])]
        return (main == set(self.expected) and not elsewhere
                and all(n == 1 for q, n in self.delivered.items() if kind(q) == "queue"))


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
            what = (consumer if kind == "queue" else
                    f"bus {consumer}'s forward DLQ (the bus is not on the emulator, or its "
                    "policy does not let the forwarding role in)" if kind == "forward-dlq"
                    else f"{consumer} ({kind})")
            times = "" if copies == 1 else f"  ({copies} copies)"
            lines.append(f"  {what}: {queue}{times}")
    else:
        lines.append("received by (read from the queues on the emulator): no queue")
    if report.misses:
        lines.append("routes that do not match:")
        for route, reasons in report.misses:
            lines.append(f"  {route}: {'; '.join(reasons) if reasons else 'no match'}")
    if report.forwarded_to(topo):
        lines.append("forwarded to bus(es): " + ", ".join(report.forwarded_to(topo)))
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
        "forwarded_to": report.forwarded_to(topo),
        "queues": report.delivered,
        "agrees": report.agrees(topo),
        "schema_problems": schema_problems(topo, report.event),
    }
    return json.dumps(doc, indent=2) + "\n"
