"""Reading a DLQ without consuming it, and what its messages say.

Both DLQs hold EventBridge events as the consumer's queue would have: the body is the event
(`source`, `detail-type`, `id`, `time`, `detail`, ...). A target DLQ's messages also carry
EventBridge's reasons as message attributes (RULE_ARN, TARGET_ARN, ERROR_CODE,
ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION, RETRY_ATTEMPTS:
https://docs.aws.amazon.com/eventbridge/latest/userguide/rule-dlq.html).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from edac.ops.aws import Aws, NotFound, not_deployed
from edac.ops.queues import Queue

FAILURE_ATTRIBUTES = ("ERROR_CODE", "ERROR_MESSAGE", "RULE_ARN", "TARGET_ARN",
                      "EXHAUSTED_RETRY_CONDITION", "RETRY_ATTEMPTS")
ENVELOPE = ("source", "detail-type", "id", "time", "detail")
# how long a message read by `dlq show` stays hidden from others before its visibility is
# given back (right after reading; this is only the bound if edac is killed meanwhile)
PEEK_VISIBILITY = 30
BODY_SHOWN = 4096  # characters of a body that is not an event


@dataclass(frozen=True)
class Message:
    queue: str  # "dlq" or "target-dlq"
    message_id: str
    receive_count: int
    sent: str | None  # ISO 8601, UTC
    event: dict[str, Any] | None  # the EventBridge envelope fields, or None if not an event
    body: str | None  # the body when it is not an event (cut to BODY_SHOWN characters)
    failure: dict[str, str]  # a target DLQ's EventBridge attributes
    group: str | None  # FIFO message group

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"queue": self.queue, "message_id": self.message_id,
                                 "receive_count": self.receive_count, "sent": self.sent}
        if self.event is not None:
            found["event"] = self.event
        else:
            found["body"] = self.body
        if self.failure:
            found["failure"] = self.failure
        if self.group is not None:
            found["message_group"] = self.group
        return found


def event_of(body: str) -> dict[str, Any] | None:
    """The EventBridge event a message body holds, or None."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or not {"source", "detail-type", "id"} <= data.keys():
        return None
    return data


def decode(raw: dict[str, Any], kind: str) -> Message:
    body = str(raw.get("Body", ""))
    event = event_of(body)
    attributes = raw.get("Attributes", {})
    sent = attributes.get("SentTimestamp")
    failure = {name: str(value.get("StringValue", value.get("BinaryValue", "")))
               for name, value in raw.get("MessageAttributes", {}).items()
               if name in FAILURE_ATTRIBUTES}
    return Message(
        queue=kind,
        message_id=str(raw.get("MessageId", "")),
        receive_count=int(attributes.get("ApproximateReceiveCount", 0)),
        sent=_iso(int(sent)) if sent else None,
        event={k: event[k] for k in ENVELOPE if k in event} if event is not None else None,
        body=None if event is not None else body[:BODY_SHOWN],
        failure=failure,
        group=attributes.get("MessageGroupId"),
    )


def _iso(millis: int) -> str:
    return dt.datetime.fromtimestamp(millis / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def receive(aws: Aws, queue: Queue, most: int, visibility: int) -> list[dict[str, Any]]:
    """Up to `most` (<= 10) messages, hidden for `visibility` seconds; [] when none is there
    (long polling for a second, so that every SQS server is asked)."""
    try:
        with aws.calls(f"read messages from `{queue.name}`"):
            found = aws.client("sqs").receive_message(
                QueueUrl=queue.url, MaxNumberOfMessages=max(1, min(10, most)),
                VisibilityTimeout=visibility, WaitTimeSeconds=1,
                AttributeNames=["All"], MessageAttributeNames=["All"])
    except NotFound:
        raise not_deployed(f"the queue `{queue.name}`", aws) from None
    return list(found.get("Messages", []))


def release(aws: Aws, queue: Queue, messages: list[dict[str, Any]]) -> None:
    """Make messages visible again at once (they stay in the queue)."""
    sqs = aws.client("sqs")
    for start in range(0, len(messages), 10):
        batch = messages[start:start + 10]
        with aws.calls(f"give back the messages of `{queue.name}`"):
            sqs.change_message_visibility_batch(QueueUrl=queue.url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for i, m in enumerate(batch)])


@contextlib.contextmanager
def peeking(aws: Aws, queue: Queue, limit: int) -> Iterator[list[dict[str, Any]]]:
    """Up to `limit` messages of the queue, read without being consumed: their visibility is
    given back when the block ends (whatever happens in it; if edac is killed, after
    PEEK_VISIBILITY seconds). Reading raises each message's receive count by one."""
    held: list[dict[str, Any]] = []
    try:
        while len(held) < limit:
            batch = receive(aws, queue, limit - len(held), PEEK_VISIBILITY)
            if not batch:
                break
            held.extend(batch)
        yield held
    finally:
        if held:
            release(aws, queue, held)


def show(aws: Aws, queues: dict[str, Queue], limit: int) -> list[Message]:
    """The messages of the dead-letter queues among `queues` (a consumer's two, or a forward
    DLQ), each up to `limit`, decoded, all left where they were."""
    out = []
    for kind in (k for k in ("dlq", "target-dlq", "forward-dlq") if k in queues):
        with peeking(aws, queues[kind], limit) as raw:
            out += [decode(m, kind) for m in raw]
    return out
