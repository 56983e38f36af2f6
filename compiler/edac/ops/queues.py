"""A consumer's three queues where the topology is deployed: found by the names edac gave them
(`edac.core.names`), with their message counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from edac.core import ir
from edac.ops.aws import Aws, NotFound, not_deployed

KINDS = ("queue", "dlq", "target-dlq")


@dataclass(frozen=True)
class Queue:
    kind: str  # "queue", "dlq" (processing failures), "target-dlq" (delivery failures)
    name: str
    url: str
    arn: str
    fifo: bool


@dataclass(frozen=True)
class Counts:
    visible: int
    in_flight: int
    delayed: int

    @property
    def total(self) -> int:
        return self.visible + self.in_flight + self.delayed

    def as_dict(self) -> dict[str, int]:
        return {"visible": self.visible, "in_flight": self.in_flight, "delayed": self.delayed}


def names_of(c: ir.Consumer) -> dict[str, str]:
    return {"queue": c.queues.main, "dlq": c.queues.dlq, "target-dlq": c.queues.target_dlq}


def locate(aws: Aws, c: ir.Consumer, kinds: tuple[str, ...] = KINDS) -> dict[str, Queue]:
    """The consumer's queues; E921 naming the first one that is not there."""
    found = {}
    sqs = aws.client("sqs")
    for kind in kinds:
        name = names_of(c)[kind]
        try:
            with aws.calls(f"find the queue `{name}`"):
                url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except NotFound:
            raise not_deployed(f"the {_WHAT[kind]} `{name}` of consumer `{c.name}`",
                               aws) from None
        found[kind] = Queue(kind, name, url, aws.arn("sqs", name), name.endswith(".fifo"))
    return found


def forward_dlq(aws: Aws, bus: ir.ForwardBus) -> Queue:
    """The queue of what could not be forwarded to `bus` (in the bus's account); E921 when
    it is not there."""
    try:
        with aws.calls(f"find the queue `{bus.dlq}`"):
            url = aws.client("sqs").get_queue_url(QueueName=bus.dlq)["QueueUrl"]
    except NotFound:
        raise not_deployed(f"the forward DLQ `{bus.dlq}` of bus `{bus.name}`", aws) from None
    return Queue("forward-dlq", bus.dlq, url, aws.arn("sqs", bus.dlq), False)


_WHAT = {"queue": "queue", "dlq": "DLQ", "target-dlq": "target DLQ"}


def counts(aws: Aws, queue: Queue) -> Counts:
    attributes = _attributes(aws, queue, ["ApproximateNumberOfMessages",
                                          "ApproximateNumberOfMessagesNotVisible",
                                          "ApproximateNumberOfMessagesDelayed"])
    return Counts(int(attributes.get("ApproximateNumberOfMessages", 0)),
                  int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
                  int(attributes.get("ApproximateNumberOfMessagesDelayed", 0)))


def _attributes(aws: Aws, queue: Queue, names: list[str]) -> dict[str, Any]:
    try:
        with aws.calls(f"read the attributes of `{queue.name}`"):
            found = aws.client("sqs").get_queue_attributes(QueueUrl=queue.url,
                                                           AttributeNames=names)
    except NotFound:
        raise not_deployed(f"the queue `{queue.name}`", aws) from None
    return dict(found.get("Attributes", {}))
