"""Operating a deployed topology on the emulator (the examples, applied by the harness):

- a poison message reaches the DLQ after max_receive_count; `status` shows it; `dlq show`
  decodes it and leaves it there; `redrive` (SQS's StartMessageMoveTask, restored by the
  sandbox's shim) puts it back on its queue: the count before = the count after;
- messages placed in target DLQs in the shape EventBridge writes them are redriven into the
  right consumer's queue (a standard and a FIFO consumer: its message group, the event id as
  deduplication id); a FIFO redrive into a queue that holds messages is refused;
- `edac redrive` killed (SIGKILL) in the middle loses nothing: every message is in the DLQ or
  the queue, and a second run moves the rest;
- `replay` sends a StartReplay that botocore's model accepts, with FilterArns = the rules of
  the route (or those feeding the consumer), and the replayed events arrive;
- a topology not deployed where the command looks: E921, exit 1.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from e2e.event_samples import ACCOUNT, REGION, all_samples
from e2e.moto_harness import Deployment
from edac.core import ir
from edac.core.diagnostics import Failure
from edac.ops import Aws, Target
from edac.ops.messages import show
from edac.ops.queues import counts, locate
from edac.ops.redrive import redrive
from edac.ops.replay import replay
from edac.ops.status import status
from edac.sandbox.aws import all_queue_urls, drain

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def aws_of(deployment: Deployment) -> Aws:
    return Aws(Target(endpoint_url=deployment.ep.url, sandbox=True))


def clear(deployment: Deployment) -> None:
    drain(deployment.ep, all_queue_urls(deployment.ep))


def put(deployment: Deployment, consumer: str) -> str:
    """One event routed to `consumer` (and whoever else its route feeds): its id."""
    sample = next(s for s in all_samples(deployment.topology) if consumer in s.expected)
    response = deployment.client("events").put_events(
        Entries=[sample.entry(deployment.topology.bus.name)])
    assert response["FailedEntryCount"] == 0, response
    return str(response["Entries"][0]["EventId"])


def as_eventbridge_wrote_it(topo: ir.Topology, consumer: ir.Consumer, n: int) -> dict[str, Any]:
    """A target DLQ message as EventBridge writes one: the event as the body, and its reason
    in message attributes (https://docs.aws.amazon.com/eventbridge/latest/userguide/rule-dlq.html)."""
    event = {"version": "0", "id": str(uuid.uuid4()), "detail-type": "PaymentCaptured",
             "source": "com.market.payments", "account": ACCOUNT,
             "time": f"2026-12-02T10:00:{n:02d}Z", "region": REGION, "resources": [],
             "detail": {"n": n}}
    rule = topo.rules_by_consumer()[consumer.name][0].name
    text = {
        "RULE_ARN": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{topo.bus.name}/{rule}",
        "TARGET_ARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{consumer.queues.main}",
        "ERROR_CODE": "SQS_PERMISSION_DENIED",
        "ERROR_MESSAGE": "Access to the resource is denied.",
        "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts",
        "RETRY_ATTEMPTS": "8",
    }
    return {"MessageBody": json.dumps(event),
            "MessageAttributes": {k: {"DataType": "String", "StringValue": v}
                                  for k, v in text.items()}}


def fill_target_dlq(deployment: Deployment, consumer: ir.Consumer, n: int) -> set[str]:
    sqs = deployment.client("sqs")
    url = deployment.queue_url(consumer.queues.target_dlq)
    ids = set()
    for start in range(0, n, 10):
        entries = [as_eventbridge_wrote_it(deployment.topology, consumer, i)
                   for i in range(start, min(n, start + 10))]
        ids |= {json.loads(e["MessageBody"])["id"] for e in entries}
        sent = sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), **e} for i, e in enumerate(entries)])
        assert not sent.get("Failed"), sent
    return ids


def ids_in(deployment: Deployment, queue: str) -> list[str]:
    return [json.loads(m.body)["id"] for m in drain(deployment.ep,
                                                    [deployment.queue_url(queue)])]


# -- the poison message ----------------------------------------------------------------------

@pytest.mark.parametrize("example", ["orders"])
def test_a_poison_message_goes_round(deployment: Deployment) -> None:
    topo, aws = deployment.topology, aws_of(deployment)
    c = topo.consumers["fulfillment"]
    sqs = deployment.client("sqs")
    with deployment.lock:
        clear(deployment)
        event_id = put(deployment, "fulfillment")
        url = deployment.queue_url(c.queues.main)
        for _ in range(4 * c.queue.max_receive_count):  # the consumer fails every time
            sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
            if counts(aws, locate(aws, c)["dlq"]).visible:
                break
        (now,) = status(topo, aws, ["fulfillment"])
        assert (now.queues["queue"][1].total, now.queues["dlq"][1].visible) == (0, 1)
        assert now.attention and set(now.alarms) == {
            c.queues.dlq_alarm, c.queues.target_dlq_alarm, c.queues.oldest_message_alarm}
        assert "missing" not in now.alarms.values()

        (message,) = show(aws, locate(aws, c), 10)
        assert message.queue == "dlq" and message.event is not None
        assert message.event["id"] == event_id and message.event["source"] == "com.shop.orders"
        assert message.receive_count >= c.queue.max_receive_count
        before = counts(aws, locate(aws, c)["dlq"])
        assert before.visible == 1, "dlq show consumed the message"

        report = redrive(topo, aws, "fulfillment", "dlq", wait=True)
        assert (report.how, report.task_status, report.moved, report.left) == (
            "move task", "COMPLETED", 1, 0)
        queues = locate(aws, c)
        assert counts(aws, queues["dlq"]).total == 0
        assert ids_in(deployment, c.queues.main) == [event_id]  # 1 before, 1 after
        clear(deployment)


# -- target DLQs -----------------------------------------------------------------------------

@pytest.mark.parametrize("example", ["marketplace"])
def test_target_dlqs_are_delivered_as_eventbridge_would(deployment: Deployment) -> None:
    topo, aws = deployment.topology, aws_of(deployment)
    sqs = deployment.client("sqs")
    fifo = next(c for c in topo.consumers.values() if c.queue.fifo)
    standard = next(c for c in topo.consumers.values()
                    if not c.queue.fifo and topo.rules_by_consumer()[c.name])
    with deployment.lock:
        clear(deployment)
        for c in (standard, fifo):
            ids = fill_target_dlq(deployment, c, 12)
            shown = show(aws, locate(aws, c), 100)
            assert {m.event["id"] for m in shown if m.event} == ids
            assert all(m.queue == "target-dlq" and m.failure["ERROR_CODE"] ==
                       "SQS_PERMISSION_DENIED" and m.failure["RETRY_ATTEMPTS"] == "8"
                       for m in shown)
            if c.queue.fifo:  # the queue holds a newer message of the group: refused
                sqs.send_message(QueueUrl=deployment.queue_url(c.queues.main),
                                 MessageBody="{}", MessageGroupId="x",
                                 MessageDeduplicationId="newer")
                with pytest.raises(Failure) as refused:
                    redrive(topo, aws, c.name, "target-dlq")
                assert [d.code for d in refused.value.diagnostics] == ["E923"]
                assert counts(aws, locate(aws, c)["target-dlq"]).visible == 12
                drain(deployment.ep, [deployment.queue_url(c.queues.main)])
            report = redrive(topo, aws, c.name, "target-dlq")
            assert (report.how, report.moved, report.failed, report.left) == ("edac", 12, 0, 0)
            got = drain(deployment.ep, [deployment.queue_url(c.queues.main)])
            assert sorted(json.loads(m.body)["id"] for m in got) == sorted(ids)
            for m in got:  # the body as EventBridge delivers it, without the DLQ's attributes
                assert json.loads(m.body)["source"] == "com.market.payments"
                assert not m.message.get("MessageAttributes")
                if c.queue.fifo:
                    assert m.message["Attributes"]["MessageGroupId"] == c.queue.message_group
                    assert m.message["Attributes"]["MessageDeduplicationId"] == json.loads(
                        m.body)["id"]
            if c.queue.fifo:  # in event time order
                times = [json.loads(m.body)["time"] for m in got]
                assert times == sorted(times)
        clear(deployment)


@pytest.mark.parametrize("example", ["marketplace"])
def test_a_killed_redrive_loses_nothing(deployment: Deployment, tmp_path: Path) -> None:
    topo, aws = deployment.topology, aws_of(deployment)
    c = next(c for c in topo.consumers.values()
             if not c.queue.fifo and topo.rules_by_consumer()[c.name])
    queues = locate(aws, c)
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_REGION": "us-east-1"}
    command = [sys.executable, "-m", "edac.cli", "redrive", c.name, str(deployment.example),
               "--from", "target-dlq", "--rate", "5", "--endpoint-url", deployment.ep.url]
    with deployment.lock:
        clear(deployment)
        ids = fill_target_dlq(deployment, c, 30)
        process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while counts(aws, queues["queue"]).visible < 5 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert process.poll() is None, process.communicate()
            process.send_signal(signal.SIGKILL)  # in the middle of the next batches
        finally:
            process.wait(10)
        moved = counts(aws, queues["queue"]).visible
        assert 5 <= moved < 30
        deadline = time.monotonic() + 60  # the messages it held come back to the DLQ
        while counts(aws, queues["target-dlq"]).in_flight and time.monotonic() < deadline:
            time.sleep(0.5)
        with_dlq = [m.event["id"] for m in show(aws, queues, 100) if m.event]
        in_queue = [json.loads(m.body)["id"] for m in drain(
            deployment.ep, [queues["queue"].url], delete=False)]
        assert set(with_dlq) | set(in_queue) == ids, "a message is in neither queue"
        # a second run moves the rest: every event once at least, none lost
        again = subprocess.run(command[:-4] + ["--endpoint-url", deployment.ep.url],
                               env=env, cwd=tmp_path, capture_output=True, text=True,
                               timeout=120)
        assert again.returncode == 0, again.stderr
        assert "failed 0" in again.stdout
        assert set(ids_in(deployment, c.queues.main)) == ids
        assert counts(aws, queues["target-dlq"]).total == 0
        clear(deployment)


# -- replay ----------------------------------------------------------------------------------

@pytest.mark.parametrize("example", ["orders"])
def test_replay_to_one_route_or_consumer(deployment: Deployment) -> None:
    topo, aws = deployment.topology, aws_of(deployment)
    events = deployment.client("events")
    with deployment.lock:
        clear(deployment)
        start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=2)
        placed = put(deployment, "fulfillment")  # confirmed-orders: fulfillment, analytics, email
        cancelled = next(s for s in all_samples(topo)
                         if s.expected == frozenset({"email"}))
        response = events.put_events(Entries=[cancelled.entry(topo.bus.name)])
        cancelled_id = response["Entries"][0]["EventId"]
        clear(deployment)  # delivered once; now only the archive has them
        time.sleep(1.1)
        end = dt.datetime.now(dt.UTC)

        report = replay(topo, aws, start, end, route="cancellations", wait=True)
        assert report.state == "COMPLETED"
        expected = sorted(deployment.rule_arn(r.name) for r in topo.routes["cancellations"].rules)
        assert sorted(report.rules) == expected
        described = events.describe_replay(ReplayName=report.replay_name)
        assert sorted(described["Destination"]["FilterArns"]) == expected
        got = {q.rsplit("/", 1)[-1]: [json.loads(m.body) for m in drain(deployment.ep, [q])]
               for q in all_queue_urls(deployment.ep)}
        email = topo.consumers["email"].queues.main
        assert [e["detail-type"] for e in got[email]] == [cancelled.detail_type]
        assert got[email][0]["replay-name"] == report.replay_name
        assert all(not v for k, v in got.items() if k != email), got

        report = replay(topo, aws, start, end, consumer="analytics", wait=True)
        assert sorted(report.rules) == sorted(
            deployment.rule_arn(r.name) for r in topo.rules_by_consumer()["analytics"])
        assert report.also_delivered_to == ["email", "fulfillment"]
        got = {q.rsplit("/", 1)[-1]: [json.loads(m.body) for m in drain(deployment.ep, [q])]
               for q in all_queue_urls(deployment.ep)}
        for name in ("analytics", "email", "fulfillment"):
            assert [e["detail-type"] for e in got[topo.consumers[name].queues.main]] == [
                "OrderPlaced"], name
        assert placed and cancelled_id
        clear(deployment)


@pytest.mark.parametrize("example", ["orders"])
def test_a_topology_not_deployed_there(deployment: Deployment) -> None:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_REGION": "us-east-1"}
    for fmt in ("human", "json"):
        proc = subprocess.run(
            [sys.executable, "-m", "edac.cli", "status", str(ROOT / "examples" / "marketplace"),
             "--endpoint-url", deployment.ep.url, "--format", fmt],
            env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 1, proc.stderr
        assert "Traceback" not in proc.stderr + proc.stdout
        text = proc.stdout if fmt == "json" else proc.stderr
        assert "E921" in text and "market-staging-" in text and "does not exist" in text


@pytest.mark.parametrize("example", ["orders"])
def test_credentials_of_another_environments_account(deployment: Deployment) -> None:
    """examples/marketplace's prod is in account 444455556666; the emulator's credentials are
    of 123456789012: refused before any queue is read (E922), naming both accounts."""
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_REGION": "us-east-1"}
    proc = subprocess.run(
        [sys.executable, "-m", "edac.cli", "status", str(ROOT / "examples" / "marketplace"),
         "-e", "prod", "--endpoint-url", deployment.ep.url],
        env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "error[E922]" in proc.stderr and "444455556666" in proc.stderr
    assert ACCOUNT in proc.stderr
