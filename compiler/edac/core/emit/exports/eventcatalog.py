"""An EventCatalog (https://www.eventcatalog.dev) in the layout its SDK (`@eventcatalog/sdk`)
writes and reads: `domains/<team>/index.mdx` (a domain per team) with the team's services
under `domains/<team>/services/<name>/` (a service per producer and consumer, with its AsyncAPI
document as a specification), `events/<type>/index.mdx` with `schema.json`, `channels/<id>/`
for the bus and each consumer queue, `teams/<team>.mdx`. Each page is YAML front matter (the
SDK's fields: `sends` to the bus channel, `receives` from the queue channel, `owners`,
`schemaPath`, `routes` from the bus to the queues) and an MDX body whose user text goes
through `prose`.

Every resource has an id unique across kinds (the SDK's resolver reports a `type-collision`
otherwise): a detail-type, a producer or consumer name and an AWS queue or bus name keep
theirs; a domain or team whose name is taken gets `-domain` / `-team`.
"""

from __future__ import annotations

import json
from typing import Any

from edac.core import ir
from edac.core.emit.exports import Flows, Ids, Options, asyncapi, yaml_text
from edac.core.text import prose

_ID = r"[A-Za-z0-9][A-Za-z0-9._-]*"


def _page(front: dict[str, Any], body: list[str]) -> str:
    """An MDX page: YAML front matter (quoted by the YAML emitter) and the body."""
    head = yaml_text(front)
    return f"---\n{head}---\n\n" + "\n".join(body).rstrip("\n") + "\n"


class Catalog:
    def __init__(self, topo: ir.Topology, options: Options) -> None:
        self.topo, self.options, self.version = topo, options, options.version
        self.flows = Flows.of(topo)
        self.ids = ids = Ids(_ID, 100)
        ids.add("event", sorted(topo.events))
        ids.add("service", sorted([*topo.producers, *topo.consumers]))
        ids.add("channel", [topo.bus.name, *sorted(c.queues.main
                                                   for c in topo.consumers.values())])
        self.teams = sorted({*topo.teams, *topo.declared_teams})
        ids.add("domain", self.teams)
        ids.add("team", self.teams)
        self.files: dict[str, str] = {}
        self.dropped: list[str] = []

    def pointer(self, kind: str, name: str) -> dict[str, str]:
        return {"id": self.ids.get(kind, name), "version": self.version}

    def owners(self, team: str | None) -> list[str]:
        return [self.ids.get("team", team)] if team else []

    def build(self) -> dict[str, str]:
        for team in self.teams:
            self.team(team)
        for event in sorted(self.topo.events.values(), key=lambda e: e.name):
            self.event(event)
        self.bus()
        for consumer in sorted(self.topo.consumers.values(), key=lambda c: c.name):
            self.queue(consumer)
        for name in sorted({*self.topo.producers, *self.topo.consumers}):
            self.service(name)
        return self.files

    def _services_of(self, team: str) -> list[str]:
        """The services in the team's domain: its consumers, and its producers that no
        consumer of another team shares a name with."""
        consumers = self.topo.consumers
        return sorted({c.name for c in consumers.values() if c.team == team}
                      | {p.name for p in self.topo.producers.values() if p.team == team
                         and (p.name not in consumers or consumers[p.name].team == team)})

    def team(self, team: str) -> None:
        declared = self.topo.declared_teams.get(team)
        front: dict[str, Any] = {"id": self.ids.get("team", team), "name": team}
        body: list[str] = []
        if declared is not None:
            if declared.description:
                front["summary"] = " ".join(declared.description.split())
                body.append(prose(declared.description))
            if declared.email:
                front["email"] = declared.email[0]
        self.files[f"teams/{front['id']}.mdx"] = _page(front, body or [prose(
            f"The {team} team.")])
        services = self._services_of(team)
        if not services:
            return
        domain = self.ids.get("domain", team)
        front = {"id": domain, "name": team, "version": self.version,
                 "summary": " ".join((declared.description if declared and
                                      declared.description else f"What {team} runs").split()),
                 "owners": self.owners(team),
                 "services": [self.pointer("service", s) for s in services]}
        self.files[f"domains/{domain}/index.mdx"] = _page(front, [
            prose(f"The producers and consumers of the {team} team in {self.topo.prefix}."),
            "", "<NodeGraph />"])

    def event(self, event: ir.EventType) -> None:
        eid = self.ids.get("event", event.name)
        producer = self.topo.producers.get(event.producer)
        front: dict[str, Any] = {"id": eid, "name": event.name, "version": self.version}
        if event.description:
            front["summary"] = " ".join(event.description.split())
        front["owners"] = self.owners(producer.team if producer else None)
        readers = self.flows.readers.get(event.name, [])
        # the bus it is put on, and the queues its readers receive it from
        front["channels"] = [self.pointer("channel", self.topo.bus.name)] + [
            self.pointer("channel", self.topo.consumers[r].queues.main) for r in readers]
        body = [prose(event.description), ""] if event.description else []
        body.append(prose(f"Sent by {event.producer}"
                          + (f" with source {producer.source}" if producer else "")
                          + ". Received by " + (", ".join(readers) or "no consumer") + "."))
        if event.schema is not None:
            front["schemaPath"] = "schema.json"
            self.files[f"events/{eid}/schema.json"] = json.dumps(
                event.schema, indent=2, ensure_ascii=False) + "\n"
            body += ["", "<SchemaViewer file=\"schema.json\" />"]
        self.files[f"events/{eid}/index.mdx"] = _page(front, body)

    def bus(self) -> None:
        topo = self.topo
        cid = self.ids.get("channel", topo.bus.name)
        front = {"id": cid, "name": topo.bus.name, "version": self.version,
                 "summary": f"The EventBridge bus of {topo.prefix}",
                 "address": topo.bus.name, "protocols": ["eventbridge"],
                 "deliveryGuarantee": "at-least-once",
                 "routes": [self.pointer("channel", c.queues.main)
                            for c in sorted(topo.consumers.values(), key=lambda c: c.name)
                            if self.flows.receives.get(c.name)]}
        archive = (f" Its archive keeps every event for {topo.bus.archive_days} days."
                   if topo.bus.archive_days else "")
        self.files[f"channels/{cid}/index.mdx"] = _page(front, [prose(
            f"Producers put their events on the custom bus {topo.bus.name}; its rules send "
            f"each to the queues of the consumers its routes name.{archive}")])

    def queue(self, consumer: ir.Consumer) -> None:
        q, names = consumer.queue, consumer.queues
        cid = self.ids.get("channel", names.main)
        front: dict[str, Any] = {
            "id": cid, "name": names.main, "version": self.version,
            "summary": f"The {'FIFO ' if q.fifo else ''}SQS queue of {consumer.name}",
            "owners": self.owners(consumer.team), "address": names.main,
            "protocols": ["sqs"], "deliveryGuarantee": "at-least-once"}
        self.files[f"channels/{cid}/index.mdx"] = _page(front, [prose(
            f"Messages {consumer.name} fails to process {q.max_receive_count} times move to "
            f"the dead-letter queue {names.dlq}, kept {q.dlq_retention // 86400} days; events "
            f"EventBridge cannot deliver go to {names.target_dlq}.")])

    def service(self, name: str) -> None:
        """A producer, a consumer, or both under one name: one service, in the domain of its
        consumer's team (else its producer's), owned by both teams."""
        topo = self.topo
        producer, consumer = topo.producers.get(name), topo.consumers.get(name)
        teams = list(dict.fromkeys(t for t in (consumer.team if consumer else None,
                                               producer.team if producer else None) if t))
        sid = self.ids.get("service", name)
        folder = (f"domains/{self.ids.get('domain', teams[0])}/services/{sid}" if teams
                  else f"services/{sid}")
        front: dict[str, Any] = {"id": sid, "name": name, "version": self.version}
        descriptions = list(dict.fromkeys(e.description for e in (producer, consumer)
                                          if e is not None and e.description))
        if descriptions:
            front["summary"] = " ".join(" ".join(descriptions).split())
        body = [x for d in descriptions for x in (prose(d), "")]
        if producer is not None:
            bus = [self.pointer("channel", topo.bus.name)]
            front["sends"] = [{**self.pointer("event", e), "to": bus}
                              for e in self.flows.sends.get(name, [])]
            body += [prose(f"Puts events with source {producer.source} on {topo.bus.name}."),
                     ""]
        if consumer is not None:
            queue = [self.pointer("channel", consumer.queues.main)]
            front["receives"] = [{**self.pointer("event", e), "from": queue}
                                 for e in self.flows.received(name)]
            how = (f"the AWS Lambda function {consumer.lambda_.function}"
                   if consumer.lambda_ is not None
                   else f"a container with the role {consumer.role}")
            receipts = self.flows.receives.get(name, [])
            body.append(prose(f"Runs as {how} and reads the queue {consumer.queues.main}. "
                              + ("Its routes:" if receipts else "No route delivers to it.")))
            if receipts:
                body += ["", *(f"- {prose(r.summary)}" for r in receipts)]
            body.append("")
        front["owners"] = [self.ids.get("team", t) for t in teams]
        front["specifications"] = [{"type": "asyncapi", "path": "asyncapi.yaml",
                                    "name": f"{name} (AsyncAPI)"}]
        document = asyncapi.service_document(self.flows, self.options, name)
        self.dropped += document.dropped
        self.files[f"{folder}/asyncapi.yaml"] = asyncapi.dump(document)
        self.files[f"{folder}/index.mdx"] = _page(front, [*body, "<NodeGraph />"])


def catalog(topo: ir.Topology, options: Options) -> tuple[dict[str, str], list[str]]:
    """{file: text} of the catalog, and what draft-07 could not say of the event schemas in
    the AsyncAPI documents."""
    built = Catalog(topo, options)
    files = built.build()
    return files, sorted(set(built.dropped))
