"""What to do when an alarm fires: the `edac` commands for a consumer or a route, as the
alarm descriptions and the runbook of `topology.md` give them.

The commands name the topology the way the compile was given it (`Runbook.topology`, made
relative to the working directory by the caller), so that they can be pasted as they are from
the same place, usually the repository's root. Every word goes through `text.command`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from edac.core import ir, names
from edac.core.text import command, duration

# CloudWatch: an alarm description has at most 1,024 characters
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html)
DESCRIPTION_MAX = 1024


@dataclass(frozen=True)
class Runbook:
    """The commands of one compiled topology; `topology`: its paths as the commands take them
    (empty: the current directory)."""

    topology: tuple[str, ...] = ()
    environment: str | None = None  # the compiled environment, when the topology has several
    # where the operations act, as the command being run was told (`--region R`, `--sandbox`)
    target: tuple[str, ...] = ()

    def _edac(self, *words: str) -> str:
        chosen = ("--environment", self.environment) if self.environment else ()
        return command("edac", *words, *chosen, *self.target, *self.topology)

    def status(self) -> str:
        return self._edac("status")

    def dlq_show(self, consumer: str) -> str:
        return self._edac("dlq", "show", consumer)

    def redrive(self, consumer: str, source: str) -> str:
        return self._edac("redrive", consumer, "--from", source)

    def replay_consumer(self, consumer: str) -> str:
        return self._edac("replay", "--consumer", consumer, "--from", "TIME", "--to", "TIME")

    def replay_route(self, route: str, start: str = "TIME", end: str = "TIME") -> str:
        return self._edac("replay", "--route", route, "--from", start, "--to", end)


def _fit(text: str, short: str) -> str:
    """`text`, or `short` (the same without the topology's paths) when AWS would refuse it."""
    return text if len(text) <= DESCRIPTION_MAX else short[:DESCRIPTION_MAX]


def consumer_alarms(topo: ir.Topology, c: ir.Consumer, book: Runbook) -> dict[str, str]:
    """The descriptions of a consumer's three alarms (the keys of its `alarm_names`)."""
    q = c.queues

    def texts(b: Runbook) -> dict[str, str]:
        return {
            "dlq_not_empty": (
                f"Consumer {c.name}: messages failed processing {c.queue.max_receive_count} "
                f"times and were moved from {q.main} to its DLQ {q.dlq}. Look at them: "
                f"{b.dlq_show(c.name)}. After the fix, move them back: "
                f"{b.redrive(c.name, 'dlq')}."),
            "oldest_message_age": (
                f"Consumer {c.name}: the oldest message in {q.main} is older than "
                f"{duration(c.alarms.oldest_message_age)}, so the consumer is behind or "
                f"stopped. Its queues: {b.status()}."),
            "target_dlq_not_empty": (
                f"Consumer {c.name}: EventBridge could not deliver events to {q.main} (queue "
                f"policy, KMS key, or retries exhausted); they are in {q.target_dlq}. Look at "
                f"them: {b.dlq_show(c.name)}. After the fix, deliver them: "
                f"{b.redrive(c.name, 'target-dlq')}."),
        }

    full, short = texts(book), texts(Runbook(environment=book.environment))
    return {k: _fit(full[k], short[k]) for k in full}


def rule_alarms(topo: ir.Topology, route: ir.Route, rule: ir.Rule,
                book: Runbook) -> dict[str, str]:
    """The descriptions of a rule's two alarms (the keys of its `alarm_names`)."""
    targets = ", ".join(rule.targets)
    where = (f"the queue of {targets}; after its retries they go to the consumer's target DLQ"
             if not rule.forwards else
             ", ".join([*(f"the queue of {t}" for t in rule.targets),
                        *(f"bus {b}" for b in rule.forwards)])
             + "; after the retries (the route's for queues, EventBridge's for buses) they go "
             "to each target's dead-letter queue")
    if rule.forwards:
        targets = ", ".join([*rule.targets, *(f"bus {b}" for b in rule.forwards)])

    def texts(b: Runbook) -> dict[str, str]:
        redrives = "; ".join([*(b.redrive(t, "target-dlq") for t in rule.targets),
                              *((f"for those in {topo.buses[f].dlq}, the replay that "
                                 f"forwards them again: {b.dlq_show(names.forward_target(f))}"
                                 if topo.archive else
                                 f"those forwarded to bus {f} are in {topo.buses[f].dlq}")
                                for f in rule.forwards)])
        lost = (f"They are still in the archive {topo.archive}: send them again with "
                f"{b.replay_route(route.name)}." if topo.archive else
                "The bus has no archive to replay them from.")
        return {
            "failed_invocations": (
                f"Route {route.name} (rule {rule.name} on bus {topo.bus.name}): EventBridge "
                f"failed to deliver events to {where}. See: {b.status()}. After the fix: "
                f"{redrives}."),
            "failed_to_dlq": (
                f"Route {route.name} (rule {rule.name} on bus {topo.bus.name}): events that "
                f"could not be delivered to {targets} could not be put into the target DLQ "
                f"either, so no queue holds them. {lost}"),
        }

    full, short = texts(book), texts(Runbook(environment=book.environment))
    return {k: _fit(full[k], short[k]) for k in full}


def again_too(topo: ir.Topology, bus: ir.ForwardBus,
              name: Callable[[str], str] = str) -> str:
    """Who else a replay of the routes forwarding to `bus` sends the events to again: their
    consumers (those without `idempotency:` process them twice) and their other buses;
    "" when nobody. `name` quotes each name (markdown's `code` on a page)."""
    routes = [r for r in topo.routes.values() if bus.name in r.forward]
    consumers = sorted({t for r in routes for t in r.to})
    twice = [c for c in consumers if topo.consumers[c].idempotency_ttl is None]
    buses = sorted({b for r in routes for b in r.forward} - {bus.name})
    parts = []
    if consumers:
        parts.append("delivers them again to " + ", ".join(map(name, consumers))
                     + (f" ({', '.join(map(name, twice))} without idempotency: processed "
                        "twice)" if twice else " (their idempotency drops what they had)"))
    if buses:
        parts.append("forwards them again to bus " + ", ".join(map(name, buses)))
    return " and ".join(parts)


def forward_alarm(topo: ir.Topology, bus: ir.ForwardBus, book: Runbook) -> str:
    """The description of the alarm on the queue of what could not be forwarded to `bus`."""
    routes = sorted(r.name for r in topo.routes.values() if bus.name in r.forward)
    also = again_too(topo, bus)

    def text(b: Runbook) -> str:
        again = (f"After the fix, forward them again from the archive {topo.archive}: "
                 f"{b.dlq_show(bus.target_id)} gives the replay of their time window"
                 + (f" (the replay also {also})" if also else "")
                 + "; delete them from the queue once that domain has them."
                 if topo.archive else
                 "The bus has no archive: the events are in this queue only (14 days).")
        return (f"Bus {bus.name} ({bus.bus_name}): EventBridge could not put events of route "
                f"{', '.join(routes)} on it (its bus policy does not let this bus's forwarding "
                f"role in, or EventBridge's retries ran out); they are in {bus.dlq}. {again}")

    return _fit(text(book), text(Runbook(environment=book.environment)))
