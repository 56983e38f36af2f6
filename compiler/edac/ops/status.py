"""`edac status`: per consumer, what its queues hold and the state of its alarms; per bus of
another domain that routes forward to, what its forward DLQ holds and its alarm."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from edac.core import ir
from edac.ops.aws import Aws
from edac.ops.queues import KINDS, Counts, counts, forward_dlq, locate


@dataclass(frozen=True)
class ConsumerStatus:
    consumer: str
    team: str
    queues: dict[str, tuple[str, Counts]]  # kind -> (queue name, counts)
    oldest_age: int | None  # seconds (CloudWatch ApproximateAgeOfOldestMessage); None: no data
    alarms: dict[str, str]  # alarm name -> OK | ALARM | INSUFFICIENT_DATA | missing

    @property
    def attention(self) -> bool:
        """Something to look at: failed messages, or an alarm firing."""
        return (self.queues["dlq"][1].total > 0 or self.queues["target-dlq"][1].total > 0
                or "ALARM" in self.alarms.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "consumer": self.consumer, "team": self.team,
            "queues": {kind: {"name": name, **c.as_dict()} for kind, (name, c)
                       in self.queues.items()},
            "oldest_message_age_seconds": self.oldest_age,
            "alarms": self.alarms,
            "attention": self.attention,
        }


def status(topo: ir.Topology, aws: Aws, only: list[str] | None = None) -> list[ConsumerStatus]:
    chosen = [topo.consumers[n] for n in only] if only else list(topo.consumers.values())
    alarm_names = [a for c in chosen for a in (c.queues.dlq_alarm, c.queues.target_dlq_alarm,
                                               c.queues.oldest_message_alarm)]
    states = _alarm_states(aws, alarm_names)
    out = []
    for c in chosen:
        queues = locate(aws, c)
        out.append(ConsumerStatus(
            consumer=c.name, team=c.team,
            queues={kind: (queues[kind].name, counts(aws, queues[kind])) for kind in KINDS},
            oldest_age=_oldest_age(aws, c.queues.main),
            alarms={a: states.get(a, "missing") for a in (
                c.queues.dlq_alarm, c.queues.target_dlq_alarm, c.queues.oldest_message_alarm)},
        ))
    return out


@dataclass(frozen=True)
class ForwardStatus:
    bus: str  # its name under `buses:`
    team: str
    dlq: str
    counts: Counts
    alarm: str  # OK | ALARM | INSUFFICIENT_DATA | missing

    @property
    def attention(self) -> bool:
        """Events that could not be forwarded, or the alarm firing."""
        return self.counts.total > 0 or self.alarm == "ALARM"

    def as_dict(self) -> dict[str, Any]:
        return {"bus": self.bus, "team": self.team,
                "forward_dlq": {"name": self.dlq, **self.counts.as_dict()},
                "alarm": self.alarm, "attention": self.attention}


def forwarding_status(topo: ir.Topology, aws: Aws) -> list[ForwardStatus]:
    """The forward DLQ of every bus routes forward to (in the bus's account, as the rules)."""
    buses = topo.forwarded
    if not buses:
        return []
    states = _alarm_states(aws, [b.dlq_alarm for b in buses])
    return [ForwardStatus(b.name, b.team, b.dlq, counts(aws, forward_dlq(aws, b)),
                          states.get(b.dlq_alarm, "missing")) for b in buses]


def _alarm_states(aws: Aws, names: list[str]) -> dict[str, str]:
    states: dict[str, str] = {}
    cloudwatch = aws.client("cloudwatch")
    for start in range(0, len(names), 100):  # DescribeAlarms takes at most 100 names
        with aws.calls("read the alarms"):
            pages = cloudwatch.get_paginator("describe_alarms").paginate(
                AlarmNames=names[start:start + 100], AlarmTypes=["MetricAlarm"])
            for page in pages:
                for alarm in page.get("MetricAlarms", []):
                    states[alarm["AlarmName"]] = alarm["StateValue"]
    return states


def _oldest_age(aws: Aws, queue: str) -> int | None:
    """The latest ApproximateAgeOfOldestMessage (SQS publishes it every minute), or None when
    CloudWatch has no data for the last 15 minutes."""
    now = dt.datetime.now(dt.UTC)
    with aws.calls(f"read the age of the oldest message of `{queue}`"):
        found = aws.client("cloudwatch").get_metric_statistics(
            Namespace="AWS/SQS", MetricName="ApproximateAgeOfOldestMessage",
            Dimensions=[{"Name": "QueueName", "Value": queue}],
            StartTime=now - dt.timedelta(minutes=15), EndTime=now, Period=60,
            Statistics=["Maximum"])
    points = sorted(found.get("Datapoints", []), key=lambda p: p["Timestamp"])
    return int(points[-1]["Maximum"]) if points else None
