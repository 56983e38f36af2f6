"""Backstage catalog entities (https://backstage.io/docs/features/software-catalog/descriptor-format)
in one `catalog-info.yaml`: a System for the topology; a Component per producer and consumer
(it provides the API of each event type it sends, consumes those it receives, and depends on
the bus or its queues); an API per event type (`asyncapi`, its definition the AsyncAPI document
of the event); a Resource for the bus and for each queue edac makes (the consumer's queue, its
redrive dead-letter queue and the dead-letter queue of EventBridge's deliveries).

Owners are the teams, as `group:<team>` references: the groups are the organisation's (from its
directory), not made here. The System, and what has no team, belong to `Options.owner`.
Names follow Backstage's rule (letters and digits separated by one `-`, `_` or `.`, at most 63
characters): a name that breaks it is reduced and given a short hash; `title` keeps the name.
"""

from __future__ import annotations

from typing import Any

from edac.core import ir
from edac.core.defaults import DEFAULT_TEAM
from edac.core.emit.exports import Flows, Ids, Options, asyncapi, yaml_text

API_VERSION = "backstage.io/v1alpha1"
NAME = r"[A-Za-z0-9]+([-_.][A-Za-z0-9]+)*"
NAME_MAX = 63


class NoOwner(ValueError):
    """The System needs an owner and none was given."""


class Entities:
    def __init__(self, topo: ir.Topology, options: Options) -> None:
        if not options.owner:
            raise NoOwner("the System entity needs an owner")
        self.topo, self.options = topo, options
        self.flows = Flows.of(topo)
        self.ids = {kind: Ids(NAME, NAME_MAX) for kind in
                    ("system", "component", "api", "resource", "group")}
        self.ids["system"].add("system", [topo.prefix])
        self.ids["component"].add("component", sorted([*topo.producers, *topo.consumers]))
        self.ids["api"].add("api", sorted(topo.events))
        self.ids["group"].add("group", sorted(topo.teams))
        # the owner as given: a group's name, or an entity reference (`group:platform`,
        # `user:default/jane`) kept as written
        self.owner_ref = options.owner if ":" in options.owner else \
            f"group:{Ids(NAME, NAME_MAX).fit(options.owner)}"
        self.ids["resource"].add("resource", [topo.bus.name, *sorted(
            n for c in topo.consumers.values() for n in c.queues.all)])
        self.system = self.ids["system"].get("system", topo.prefix)
        self.dropped: list[str] = []

    def ref(self, kind: str, name: str) -> str:
        return f"{kind}:{self.ids[kind].get(kind, name)}"

    def owner(self, team: str | None) -> str:
        return self.ref("group", team) if team else self.owner_ref

    def entity(self, kind: str, name: str, title: str, description: str | None,
               spec: dict[str, Any]) -> dict[str, Any]:
        metadata: dict[str, Any] = {"name": name}
        if title != name:
            metadata["title"] = title
        if description:
            metadata["description"] = " ".join(description.split())
        return {"apiVersion": API_VERSION, "kind": kind, "metadata": metadata, "spec": spec}

    def component(self, name: str, common: dict[str, Any]) -> dict[str, Any]:
        """A producer, a consumer, or both under one name: one Component."""
        topo = self.topo
        producer, consumer = topo.producers.get(name), topo.consumers.get(name)
        spec: dict[str, Any] = {"type": "service", **common,
                                "owner": self.owner(self._team(consumer) or
                                                    (producer.team if producer else None))}
        depends: list[str] = []
        if producer is not None:
            spec["providesApis"] = [self.ref("api", e) for e in self.flows.sends.get(name, [])]
            depends.append(self.ref("resource", topo.bus.name))
        if consumer is not None:
            spec["consumesApis"] = [self.ref("api", e) for e in self.flows.received(name)]
            depends += [self.ref("resource", n) for n in consumer.queues.all]
        spec["dependsOn"] = depends
        description = " ".join(dict.fromkeys(e.description for e in (producer, consumer)
                                             if e is not None and e.description))
        if not description and producer is not None:
            description = f"Producer of {producer.source}"
        return self.entity("Component", self.ids["component"].get("component", name), name,
                           description or None, spec)

    def _team(self, consumer: ir.Consumer | None) -> str | None:
        """A consumer's team; None for the built-in default team (no `team:` given) unless
        the topology declares a team of that name."""
        if consumer is None:
            return None
        if consumer.team == DEFAULT_TEAM and DEFAULT_TEAM not in self.topo.declared_teams:
            return None
        return consumer.team

    def build(self) -> list[dict[str, Any]]:
        topo, out = self.topo, []
        out.append(self.entity("System", self.system, topo.prefix,
                               f"The event-driven system {topo.prefix}: its producers, "
                               "consumers, event types and queues",
                               {"owner": self.owner(None)}))
        common = {"lifecycle": self.options.lifecycle, "system": self.system}
        for name in sorted({*topo.producers, *topo.consumers}):
            out.append(self.component(name, common))
        for event in sorted(topo.events.values(), key=lambda e: e.name):
            document = asyncapi.event_document(self.flows, self.options, event)
            self.dropped += document.dropped
            producer = topo.producers.get(event.producer)
            out.append(self.entity(
                "API", self.ids["api"].get("api", event.name), event.name, event.description,
                {"type": "asyncapi", **common,
                 "owner": self.owner(producer.team if producer else None),
                 "definition": asyncapi.dump(document)}))
        out.append(self.entity("Resource", self.ids["resource"].get("resource", topo.bus.name),
                               topo.bus.name, f"The EventBridge bus of {topo.prefix}",
                               {"type": "eventbridge-bus", "owner": self.owner(None),
                                "system": self.system}))
        for consumer in sorted(topo.consumers.values(), key=lambda c: c.name):
            names = consumer.queues
            for queue, what in ((names.main, f"The SQS queue of {consumer.name}"),
                                (names.dlq, f"Messages {consumer.name} failed to process"),
                                (names.target_dlq, "Events EventBridge could not deliver "
                                 f"to {consumer.name}'s queue")):
                out.append(self.entity(
                    "Resource", self.ids["resource"].get("resource", queue), queue, what,
                    {"type": "sqs-queue" if queue == names.main else "sqs-dead-letter-queue",
                     "owner": self.owner(self._team(consumer)), "system": self.system}))
        return out


def entities(topo: ir.Topology, options: Options) -> tuple[dict[str, str], list[str]]:
    """{`catalog-info.yaml`: the entities as YAML documents}, and what draft-07 could not say
    of the event schemas in the APIs' definitions. NoOwner without `options.owner`."""
    built = Entities(topo, options)
    docs = built.build()
    text = "".join(("---\n" if i else "") + yaml_text(d) for i, d in enumerate(docs))
    return {"catalog-info.yaml": text}, sorted(set(built.dropped))

