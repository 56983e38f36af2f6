"""`edac replay`: events from the bus's archive sent again, only to the rules of one route or
one consumer (StartReplay with Destination.FilterArns), bounded by time.

EventBridge replays the events whose time lies in [from, to) to the bus, and to the rules named
only; a replayed event carries `replay-name`. A rule delivers to all its targets, so the other
consumers of the same rules receive the events again too; the report names them. See
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-replay-archived-event.html (at most
10 replays at once per account and region).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from dataclasses import dataclass, field
from typing import Any

from edac.core import ir
from edac.core.diagnostics import failure
from edac.core.runbook import Runbook
from edac.core.spec import parse_duration
from edac.ops.aws import Aws, NotFound, not_deployed

REPLAY_NAME_MAX = 64  # [\.\-_A-Za-z0-9]+ (API_StartReplay)
TERMINAL = ("COMPLETED", "CANCELLED", "FAILED")
_RELATIVE = re.compile(r"^-\s*(\d+\s*[smhd]?)$")


def parse_time(text: str, now: dt.datetime, option: str) -> dt.datetime:
    """`now`, `-2h` (before now), or ISO 8601 (`2026-12-01T10:00:00Z`, a date; without a
    zone, UTC)."""
    value = text.strip()
    if value.lower() == "now":
        return now
    relative = _RELATIVE.match(value)
    if relative:
        return now - dt.timedelta(seconds=int(parse_duration(relative.group(1))))
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise failure("E923", f"{option} `{text}` is not a time",
                      help="write `now`, `-2h` (before now) or ISO 8601 such as "
                      "`2026-12-01T10:00:00Z`") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


@dataclass
class Report:
    replay_name: str
    state: str
    archive: str
    start: str
    end: str
    rules: list[str]
    also_delivered_to: list[str] = field(default_factory=list)
    # the buses of other domains these rules forward to (under `buses:`): they get the events
    # again, whether a route or one consumer is replayed
    also_forwarded_to: list[str] = field(default_factory=list)
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def rules_for(topo: ir.Topology, route: str | None, consumer: str | None) -> list[ir.Rule]:
    if route is not None:
        return list(topo.routes[route].rules)
    assert consumer is not None
    return topo.rules_by_consumer().get(consumer, [])


def also_reached(rules: list[ir.Rule], consumer: str | None) -> tuple[list[str], list[str]]:
    """Who else the replayed rules deliver the events to again: the other consumers on the
    rules of one replayed consumer (a replayed route is asked for whole), and the buses of
    other domains the rules forward to, which a replay reaches either way."""
    others = (sorted({t for r in rules for t in r.targets} - {consumer})
              if consumer is not None else [])
    return others, sorted({b for r in rules for b in r.forwards})


def forward_again(topo: ir.Topology, bus: str, events: list[dict[str, Any]],
                  book: Runbook | None = None,
                  now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The replays that put the events of a forward DLQ on `bus` again: per route forwarding
    to it, over the window of the events' times (to the second after the last; from no
    earlier than the archive keeps), with the consumers and other buses that route delivers
    them to again. [] when the bus has no archive or no event has a time."""
    times = []
    for e in events:
        try:
            times.append(dt.datetime.fromisoformat(str(e["time"]).replace("Z", "+00:00")))
        except (KeyError, ValueError):
            continue
    if topo.archive is None or not times:
        return []
    first, last = min(times), max(times)
    kept = None
    if topo.bus.archive_days:  # 0: forever
        kept = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=topo.bus.archive_days)
        first = max(first, kept)
    start, end = _iso(first), _iso(max(last, first) + dt.timedelta(seconds=1))
    past = sum(1 for t in times if kept is not None and t < kept)
    book = book or Runbook()
    steps = []
    for route in sorted((r for r in topo.routes.values() if bus in r.forward),
                        key=lambda r: r.name):
        again = sorted(set(route.to))
        steps.append({
            "route": route.name, "from": start, "to": end,
            "command": book.replay_route(route.name, start, end),
            "also_delivered_to": again,
            # consumers without `idempotency:` would process those events twice
            "not_idempotent": [c for c in again if topo.consumers[c].idempotency_ttl is None],
            "also_forwarded_to": sorted(set(route.forward) - {bus}),
            "past_retention": past})
    return steps


def replay_name(topo: ir.Topology, what: str, start: dt.datetime) -> str:
    name = re.sub(r"[^.\-_A-Za-z0-9]", "-", f"{topo.prefix}-{what}-{start:%Y%m%dT%H%M%S}")
    if len(name) > REPLAY_NAME_MAX:
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        name = f"{name[:REPLAY_NAME_MAX - 9]}-{digest}"
    return name


def check_window(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> None:
    """E923: a window the wrong way round, or ending in the future."""
    if start >= end:
        raise failure("E923", f"the window runs the wrong way: --from {_iso(start)} is not "
                      f"before --to {_iso(end)}", help="give the earlier time to --from")
    if end > now:
        raise failure("E923", f"--to {_iso(end)} is in the future",
                      help="replay up to now at the latest (`--to now`)")


def check_replayable(topo: ir.Topology, route: str | None, consumer: str | None) -> None:
    """E924 without an archive; E923 when no rule feeds the consumer."""
    if topo.archive is None:
        raise failure("E924", f"the bus `{topo.bus.name}` has no archive to replay from",
                      help="set `bus.archive_days` (0 keeps events forever); only events "
                      "archived after that can be replayed")
    if not rules_for(topo, route, consumer):
        what = f"route `{route}`" if route is not None else f"consumer `{consumer}`"
        raise failure("E923", f"no rule feeds {what}: there is nothing to replay to",
                      help="add the consumer to a route's `to:`")


def replay(topo: ir.Topology, aws: Aws, start: dt.datetime, end: dt.datetime,
           route: str | None = None, consumer: str | None = None, wait: bool = False,
           now: dt.datetime | None = None) -> Report:
    now = now or dt.datetime.now(dt.UTC)
    check_window(start, end, now)
    check_replayable(topo, route, consumer)
    assert topo.archive is not None
    rules = rules_for(topo, route, consumer)
    what = f"route `{route}`" if route is not None else f"consumer `{consumer}`"
    events = aws.client("events")
    try:
        with aws.calls(f"read the archive `{topo.archive}`"):
            archive = events.describe_archive(ArchiveName=topo.archive)
    except NotFound:
        raise not_deployed(f"the archive `{topo.archive}`", aws) from None
    retention = int(archive.get("RetentionDays") or 0)
    if retention and start < now - dt.timedelta(days=retention):
        raise failure("E924", f"--from {_iso(start)} is before what the archive keeps: it "
                      f"holds {retention} day(s) of events, since "
                      f"{_iso(now - dt.timedelta(days=retention))}",
                      help="start the window within the archive's retention")
    arns = []
    for rule in rules:
        try:
            with aws.calls(f"find the rule `{rule.name}`"):
                arns.append(str(events.describe_rule(Name=rule.name,
                                                     EventBusName=topo.bus.name)["Arn"]))
        except NotFound:
            raise not_deployed(f"the rule `{rule.name}` on bus `{topo.bus.name}`", aws) from None
    others, buses = also_reached(rules, consumer)
    name = replay_name(topo, route if route is not None else str(consumer), now)
    bus_arn = aws.arn("events", f"event-bus/{topo.bus.name}")
    with aws.calls(f"start the replay `{name}`"):
        started = events.start_replay(
            ReplayName=name, Description=f"edac replay of {what}"[:512],
            EventSourceArn=archive["ArchiveArn"], EventStartTime=start, EventEndTime=end,
            Destination={"Arn": bus_arn, "FilterArns": arns})
    report = Report(name, str(started.get("State", "STARTING")), topo.archive, _iso(start),
                    _iso(end), arns, others, buses)
    while wait and report.state not in TERMINAL:
        time.sleep(1)
        with aws.calls(f"follow the replay `{name}`"):
            found = events.describe_replay(ReplayName=name)
        report.state = str(found.get("State", report.state))
        report.reason = found.get("StateReason") or report.reason
    return report


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
