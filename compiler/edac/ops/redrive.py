"""`edac redrive`: failed messages back to the consumer's queue, never deleted before they are
safely there.

- From the redrive DLQ (processing failures) SQS itself moves them, with StartMessageMoveTask
  to the consumer's queue (the task's handle and progress are reported; `--wait` follows it
  to the end). With `--max N` edac moves exactly N itself, as below.
- From the target DLQ (EventBridge's delivery failures: it has no SQS source queue, so
  StartMessageMoveTask cannot return them) edac moves them: receive, send to the consumer's
  queue exactly as EventBridge would have delivered the event (the same body; on a FIFO
  queue the consumer's message group and the event id as deduplication id), and only after
  the send succeeded, delete from the DLQ. Killed at any point, every message is in the DLQ
  (visible again after MOVE_VISIBILITY seconds), in the queue, or in both; never in neither.

A FIFO consumer's order would break if redriven messages were put behind newer messages of
the same groups, so a FIFO redrive is refused while the consumer's queue holds messages
(`--allow-reorder` to do it anyway; SQS interleaves redriven and new messages:
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue-redrive.html).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from edac.core import ir
from edac.core.diagnostics import failure
from edac.ops.aws import Aws, NotFound, not_deployed
from edac.ops.messages import event_of, receive, release
from edac.ops.queues import Queue, counts, locate

MAX_RATE = 500  # StartMessageMoveTask's MaxNumberOfMessagesPerSecond at most
# how long a message being moved stays hidden in the DLQ: a batch is sent and deleted well
# within it; if edac is killed, the message shows again in the DLQ after it
MOVE_VISIBILITY = 30
TERMINAL = ("COMPLETED", "CANCELLED", "FAILED")


@dataclass
class Report:
    consumer: str
    source: str  # "dlq" or "target-dlq"
    source_queue: str
    destination_queue: str
    how: str  # "move task" (SQS's StartMessageMoveTask) or "edac" (receive, send, delete)
    dry_run: bool = False
    waiting: int = 0  # messages in the source before
    moved: int = 0
    failed: int = 0  # sends refused: left in the DLQ
    left: int = 0  # messages in the source after
    task_handle: str | None = None
    task_status: str | None = None
    failures: list[str] = field(default_factory=list)  # why sends were refused

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def check_options(most: int | None, rate: int | None) -> None:
    if most is not None and most < 1:
        raise failure("E923", f"--max {most} moves nothing", help="give --max 1 or more")
    if rate is not None and not 1 <= rate <= MAX_RATE:
        raise failure("E923", f"--rate {rate} is outside 1-{MAX_RATE} messages per second",
                      help=f"SQS moves at most {MAX_RATE} messages per second")


def redrive(topo: ir.Topology, aws: Aws, consumer: str, source: str, most: int | None = None,
            rate: int | None = None, dry_run: bool = False, wait: bool = False,
            allow_reorder: bool = False,
            progress: Callable[[str], None] = lambda _: None) -> Report:
    check_options(most, rate)
    c = topo.consumers[consumer]
    queues = locate(aws, c)
    src, dst = queues[source], queues["queue"]
    how = "move task" if source == "dlq" and most is None else "edac"
    report = Report(consumer, source, src.name, dst.name, how, dry_run)
    report.waiting = counts(aws, src).visible
    if dst.fifo and not allow_reorder:
        busy = counts(aws, dst)
        if busy.total:
            raise failure("E923", f"consumer `{consumer}` is FIFO and its queue `{dst.name}` "
                          f"holds {busy.total} message(s): the redriven ones would come after "
                          "newer messages of the same groups", help="let the consumer empty "
                          "its queue first (edac status), or accept the new order with "
                          "--allow-reorder")
    if dry_run or (report.waiting == 0 and how == "edac"):
        report.left = report.waiting
        return report
    if how == "move task":
        _move_task(aws, src, dst, rate, wait, report, progress)
    else:
        _move_by_hand(aws, c, src, dst, most, rate, report, progress)
    report.left = counts(aws, src).visible
    return report


def _move_task(aws: Aws, src: Queue, dst: Queue, rate: int | None, wait: bool, report: Report,
               progress: Callable[[str], None]) -> None:
    sqs = aws.client("sqs")
    request: dict[str, Any] = {"SourceArn": src.arn, "DestinationArn": dst.arn}
    if rate is not None:
        request["MaxNumberOfMessagesPerSecond"] = rate
    try:
        with aws.calls(f"start moving the messages of `{src.name}`"):
            report.task_handle = sqs.start_message_move_task(**request)["TaskHandle"]
    except NotFound:
        raise not_deployed(f"the queue `{src.name}`", aws) from None
    report.task_status = "RUNNING"
    while True:
        with aws.calls(f"follow the move task of `{src.name}`"):
            tasks = sqs.list_message_move_tasks(SourceArn=src.arn, MaxResults=10)["Results"]
        task = next((t for t in tasks if t.get("TaskHandle") == report.task_handle), None)
        if task is None:  # a finished task no longer shows its handle: the latest is ours
            task = tasks[0] if tasks else {}
        report.task_status = str(task.get("Status", report.task_status))
        report.moved = int(task.get("ApproximateNumberOfMessagesMoved", report.moved))
        if task.get("FailureReason"):
            report.failures = [str(task["FailureReason"])]
        if report.task_status in TERMINAL or not wait:
            return
        progress(f"  {report.moved} of {task.get('ApproximateNumberOfMessagesToMove', '?')} "
                 "moved")
        time.sleep(1)


def _move_by_hand(aws: Aws, c: ir.Consumer, src: Queue, dst: Queue, most: int | None,
                  rate: int | None, report: Report, progress: Callable[[str], None]) -> None:
    sqs = aws.client("sqs")
    remaining = most if most is not None else None
    per_batch = min(10, rate or 10)
    while remaining is None or remaining > 0:
        started = time.monotonic()
        batch = receive(aws, src, min(per_batch, remaining or per_batch), MOVE_VISIBILITY)
        if not batch:
            break
        # oldest events first, so that a FIFO queue gets them in the order they happened
        batch.sort(key=lambda m: (str((event_of(m.get("Body", "")) or {}).get("time", "")),
                                  int(m.get("Attributes", {}).get("SentTimestamp", 0))))
        entries = [_entry(c, src, dst, i, m) for i, m in enumerate(batch)]
        with aws.calls(f"send the messages to `{dst.name}`"):
            sent = sqs.send_message_batch(QueueUrl=dst.url, Entries=entries)
        ok = {int(e["Id"]) for e in sent.get("Successful", [])}
        refused = [batch[int(e["Id"])] for e in sent.get("Failed", [])]
        report.failures += [f"{e.get('Code')}: {e.get('Message')}" for e in sent.get("Failed", [])]
        done = [batch[i] for i in sorted(ok)]
        if done:  # only what is safely in the queue leaves the DLQ
            with aws.calls(f"delete the moved messages from `{src.name}`"):
                sqs.delete_message_batch(QueueUrl=src.url, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(done)])
        if refused:
            release(aws, src, refused)
        report.moved += len(done)
        report.failed += len(refused)
        if remaining is not None:
            remaining -= len(batch)
        progress(f"  {report.moved} moved")
        if refused and not done:
            break  # every send refused: trying again would refuse them again
        if rate:
            time.sleep(max(0.0, len(batch) / rate - (time.monotonic() - started)))


def _entry(c: ir.Consumer, src: Queue, dst: Queue, i: int, m: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"Id": str(i), "MessageBody": m["Body"]}
    attributes = m.get("Attributes", {})
    if src.kind == "dlq" and m.get("MessageAttributes"):
        entry["MessageAttributes"] = m["MessageAttributes"]
    if dst.fifo:
        event = event_of(m["Body"])
        if src.kind == "target-dlq":  # as the rule target would have: its group, the event id
            entry["MessageGroupId"] = c.queue.message_group or c.name
            entry["MessageDeduplicationId"] = str(event["id"]) if event else m["MessageId"]
        else:
            entry["MessageGroupId"] = attributes.get("MessageGroupId") or (
                c.queue.message_group or c.name)
            # the DLQ message's own id: new for every message the DLQ receives, so SQS
            # drops only a second send of this very message (a run killed between send and
            # delete, then run again); the original's deduplication id could still be in the
            # queue's 5-minute window, and the message would be dropped, then deleted here
            entry["MessageDeduplicationId"] = m["MessageId"]
    return entry
