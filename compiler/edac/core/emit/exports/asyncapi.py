"""AsyncAPI 3.0 documents (https://www.asyncapi.com/docs/reference/specification/v3.0.0), one
per service: a producer's document sends its event types to the bus channel; a consumer's
receives, on its queue's channel, what each of its routes delivers (one operation per route,
its filter as the summary). Queue channels carry the SQS channel binding 0.2.0 (the version
the AsyncAPI 3.0 schema of the official parser takes) with the redrive dead-letter queue.
Payloads are the event as the queue gets it (the EventBridge envelope), in JSON Schema
draft-07 (`application/schema+json;version=draft-07`).
"""

from __future__ import annotations

from typing import Any

from edac.core import ir
from edac.core.emit.exports import Flows, Ids, Options, envelope_schema, yaml_text
from edac.core.text import prose

ASYNCAPI = "3.0.0"
SQS_BINDING = "0.2.0"
DRAFT7_FORMAT = "application/schema+json;version=draft-07"
# keys of channels, operations and components: ^[a-zA-Z0-9\.\-_]+$ (AsyncAPI 3.0 schema)
_KEY = r"[A-Za-z0-9._-]+"


class Document:
    """The parts of one AsyncAPI document as they are added."""

    def __init__(self, flows: Flows, options: Options, title: str, description: str) -> None:
        self.flows, self.topo = flows, flows.topo
        self.keys = Ids(_KEY, 100)
        self.keys.add("event", sorted(self.topo.events))
        self.messages: dict[str, Any] = {}
        self.channels: dict[str, Any] = {}
        self.operations: dict[str, Any] = {}
        self.dropped: list[str] = []
        self.info: dict[str, Any] = {"title": title, "version": options.version,
                                     "description": description}

    def message(self, event: str) -> str:
        key = self.keys.get("event", event)
        if key not in self.messages:
            e = self.topo.events[event]
            payload, dropped = envelope_schema(
                self.topo, e, f"/components/messages/{key}/payload/schema")
            self.dropped += [f"event type `{event}`: {d}" for d in dropped]
            message: dict[str, Any] = {"name": event, "title": event,
                                       "contentType": "application/json"}
            if e.description:
                message["summary"] = " ".join(e.description.split())
            message["payload"] = {"schemaFormat": DRAFT7_FORMAT, "schema": payload}
            self.messages[key] = message
        return key

    def channel(self, key: str, body: dict[str, Any], events: list[str]) -> None:
        keys = [self.message(e) for e in events]
        self.channels[key] = {**body, "messages": {
            k: {"$ref": f"#/components/messages/{k}"} for k in keys}}

    def operation(self, key: str, action: str, channel: str, events: list[str],
                  **fields: Any) -> None:
        refs = [{"$ref": f"#/channels/{channel}/messages/{self.keys.get('event', e)}"}
                for e in events]
        self.operations[key] = {"action": action, "channel": {"$ref": f"#/channels/{channel}"},
                                **fields, "messages": refs}

    def body(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"asyncapi": ASYNCAPI, "info": self.info,
                               "defaultContentType": "application/json",
                               "channels": self.channels, "operations": self.operations,
                               "components": {"messages": self.messages}}
        return doc


def bus_channel(topo: ir.Topology) -> dict[str, Any]:
    return {"address": topo.bus.name, "title": f"EventBridge bus {topo.bus.name}",
            "description": prose(f"The custom EventBridge bus of {topo.prefix}; its rules "
                                 "route each event to the queues of its consumers.")}


def queue_channel(topo: ir.Topology, consumer: ir.Consumer) -> dict[str, Any]:
    q, names = consumer.queue, consumer.queues
    queue: dict[str, Any] = {
        "name": names.main, "fifoQueue": q.fifo, "deliveryDelay": q.delay,
        "visibilityTimeout": q.visibility_timeout, "receiveMessageWaitTime": q.receive_wait,
        "messageRetentionPeriod": q.retention,
        "redrivePolicy": {"deadLetterQueue": {"name": names.dlq},
                          "maxReceiveCount": q.max_receive_count},
        "tags": dict(topo.tags),
    }
    dlq = {"name": names.dlq, "fifoQueue": q.fifo, "messageRetentionPeriod": q.dlq_retention,
           "tags": dict(topo.tags)}
    return {
        "address": names.main,
        "title": f"SQS queue {names.main}",
        "description": prose(f"The queue of {consumer.name}: messages it fails to process "
                             f"{q.max_receive_count} times move to {names.dlq}; events "
                             f"EventBridge cannot deliver go to {names.target_dlq}."),
        "bindings": {"sqs": {"queue": queue, "deadLetterQueue": dlq,
                             "bindingVersion": SQS_BINDING}},
        "x-edac-delivery-dead-letter-queue": names.target_dlq,
    }


def _sends(doc: Document, flows: Flows, producer: ir.Producer) -> None:
    events = flows.sends.get(producer.name, [])
    doc.channel("bus", bus_channel(flows.topo), events)
    for event in events:
        readers = flows.readers.get(event, [])
        doc.operation(f"send-{doc.keys.get('event', event)}", "send", "bus", [event],
                      summary=f"Put {event} events on the bus",
                      description=prose("Received by " + (", ".join(readers) or "no consumer")
                                        + "."))


def _receives(doc: Document, flows: Flows, consumer: ir.Consumer) -> None:
    doc.channel("queue", queue_channel(flows.topo, consumer), flows.received(consumer.name))
    route_keys = Ids(_KEY, 90)
    # a route that takes no declared event type has no message to name: no operation (an
    # operation without messages would say it receives nothing)
    receipts = [r for r in flows.receives.get(consumer.name, []) if r.events]
    route_keys.add("route", [r.route.name for r in receipts])
    for receipt in receipts:
        fields: dict[str, Any] = {"summary": receipt.summary[:1000]}
        if receipt.route.description:
            fields["description"] = prose(receipt.route.description)
        fields["x-edac-retry"] = {"attempts": receipt.route.retry.attempts,
                                  "maxAgeSeconds": receipt.route.retry.max_age}
        doc.operation(f"receive-{route_keys.get('route', receipt.route.name)}", "receive",
                      "queue", list(receipt.events), **fields)


def service_document(flows: Flows, options: Options, name: str) -> Document:
    """The document of a service: a producer, a consumer, or both (one name)."""
    topo = flows.topo
    producer, consumer = topo.producers.get(name), topo.consumers.get(name)
    parts: list[str] = []
    for element in (producer, consumer):
        if element is not None and element.description and \
                element.description not in parts:
            parts.append(element.description)
    if producer is not None:
        parts.append(f"Sends events with source {producer.source} to the EventBridge bus "
                     f"{topo.bus.name}")
    if consumer is not None:
        how = (f"AWS Lambda function {consumer.lambda_.function}"
               if consumer.lambda_ is not None else f"a container with the role {consumer.role}")
        parts.append(f"Runs as {how}, reading the SQS queue {consumer.queues.main}")
    doc = Document(flows, options, name, prose(". ".join(p.rstrip(".") for p in parts) + "."))
    if producer is not None:
        _sends(doc, flows, producer)
    if consumer is not None:
        _receives(doc, flows, consumer)
    return doc


def event_document(flows: Flows, options: Options, event: ir.EventType) -> Document:
    """The document of one event type (Backstage's API entity): its producer sends it to the
    bus."""
    topo = flows.topo
    producer = topo.producers[event.producer]
    text = (event.description + ". " if event.description else "") + \
        f"Sent by {producer.name} (source {producer.source}) to the EventBridge bus " \
        f"{topo.bus.name}; received by " + \
        (", ".join(flows.readers.get(event.name, [])) or "no consumer") + "."
    doc = Document(flows, options, event.name, prose(text))
    doc.channel("bus", bus_channel(topo), [event.name])
    doc.operation(f"send-{doc.keys.get('event', event.name)}", "send", "bus", [event.name],
                  summary=f"{producer.name} puts {event.name} events on the bus")
    return doc


def dump(doc: Document) -> str:
    """The document as YAML (text quoted by the YAML emitter)."""
    return yaml_text(doc.body())


def documents(topo: ir.Topology, options: Options) -> tuple[dict[str, str], list[str]]:
    """{file: AsyncAPI YAML}, one per service (a producer, a consumer, or both under one
    name), and what draft-07 could not say of the event schemas (left out of the payloads,
    which then accept more)."""
    flows = Flows.of(topo)
    services = sorted({*topo.producers, *topo.consumers})
    files = Ids(r"[A-Za-z0-9][A-Za-z0-9._-]*", 100)
    files.add("service", services)
    out: dict[str, str] = {}
    dropped: list[str] = []
    for name in services:
        doc = service_document(flows, options, name)
        out[f"{files.get('service', name)}.asyncapi.yaml"] = dump(doc)
        dropped += doc.dropped
    return out, sorted(set(dropped))
