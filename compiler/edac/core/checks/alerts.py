"""Alarms that reach people: every team with alarms has somewhere to send them, and what
`teams: ... alerts:` lists is something SNS can deliver to."""

from __future__ import annotations

import re
from collections.abc import Iterator

from edac.core.checks._util import diag
from edac.core.checks.aws_names import NAME, SNS_ARN
from edac.core.diagnostics import Diagnostic
from edac.core.ir import Consumer, Topology
from edac.core.load import did_you_mean

# an address SNS can mail: one `@`, a dotted domain, no spaces or angle brackets
EMAIL = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
# an https URL: a host name (or IPv4 address), an optional port, then any path and query
# without spaces (the core parses text by itself: no urllib here, see the layering contracts)
HTTPS = re.compile(r"^https://(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*"
                   r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?::\d{1,5})?(?:[/?#]\S*)?$",
                   )
# endpoints are kept to 2,048 characters, far below what SNS refuses
ENDPOINT_MAX = 2048


def _https_problem(url: str) -> str | None:
    if len(url) > ENDPOINT_MAX:
        return f"longer than {ENDPOINT_MAX} characters"
    if url[:7].lower() == "http://":
        return "plain http: SNS would send the alarms unencrypted"
    if not HTTPS.fullmatch(url):
        return "not an https:// URL with a host"
    return None


def endpoints(topo: Topology) -> Iterator[Diagnostic]:
    for team in topo.declared_teams.values():
        if not NAME.fullmatch(team.name):
            yield diag(topo, "E601", f"team `{team.name}` is not usable in an SNS topic name",
                       team.origin, key=True, label="invalid team name",
                       help="letters, digits, `-` and `_`")
        if team.topic is not None:
            if not SNS_ARN.fullmatch(team.topic):
                yield diag(topo, "E607", f"`{team.topic}` is not an SNS topic ARN", team.origin,
                           "alerts", "topic", label="not an SNS topic ARN",
                           help="e.g. `arn:aws:sns:us-east-1:123456789012:payments-oncall`")
            if team.email or team.https:
                yield diag(topo, "E712", f"the alerts of team `{team.name}` name an existing "
                           "topic and subscriptions", team.origin, "alerts", "topic",
                           label="topic and subscriptions",
                           help="edac subscribes email and https endpoints to the topic it "
                           "makes for the team; subscribe them to your own topic yourself, "
                           "or drop `topic:` to let edac make one")
        seen: set[tuple[str, str]] = set()
        for kind, values in (("email", team.email), ("https", team.https)):
            for i, value in enumerate(values):
                if kind == "email":
                    problem = None if EMAIL.fullmatch(value) else "not an email address"
                else:
                    problem = _https_problem(value)
                if problem is not None:
                    yield diag(topo, "E713", f"`{value}` cannot receive alarms: {problem}",
                               team.origin, "alerts", kind, i, label=f"invalid {kind} endpoint",
                               help="e.g. `oncall@example.com`" if kind == "email" else
                               "e.g. `https://events.example.com/integration/alarms`")
                elif (kind, value.lower()) in seen:
                    yield diag(topo, "E713", f"`{value}` is listed twice", team.origin,
                               "alerts", kind, i, label="listed twice",
                               help="each endpoint is subscribed once; remove one")
                seen.add((kind, value.lower()))


def _first_consumer(topo: Topology, team: str) -> Consumer:
    return next(c for c in topo.consumers.values() if c.team == team)


def nowhere(topo: Topology) -> Iterator[Diagnostic]:
    """W711: a team whose consumers have alarms that go to the topic edac makes for it, when
    nobody is subscribed to that topic."""
    receiving = [t.name for t in topo.declared_teams.values() if t.has_alerts]
    for team in topo.alerted_teams():
        declared = topo.declared_teams.get(team)
        if declared is not None and declared.has_alerts:
            continue
        owned = sorted(c.name for c in topo.consumers.values()
                       if c.team == team and topo.alarm_topic(c) is None)
        buses = sorted(b.name for b in topo.forwarded
                       if b.team == team and topo.forward_topic(b) is None)
        what = (f"the alarms of consumer `{owned[0]}`" if len(owned) == 1
                else f"the alarms of {len(owned)} consumers ({', '.join(f'`{n}`' for n in owned)})"
                if owned else "the alarm on the events that cannot be forwarded to bus "
                + ", ".join(f"`{n}`" for n in buses))
        message = (f"{what} go to the topic of team `{team}`, and nobody receives it")
        example = (f"`teams: {{{team}: {{alerts: {{email: [oncall@example.com]}}}}}}` (or "
                   "`https:` endpoints, or an existing `topic:` ARN)")
        guess = did_you_mean(team, [t for t in receiving if t != team])
        help = (f"did you mean team `{guess}`? Otherwise add {example}" if guess
                else f"add {example}, or set `alarms.notify` of the consumers")
        if declared is not None:
            yield diag(topo, "W711", message, declared.origin, key=True,
                       label="no alerts", help=help)
            continue
        if not owned:
            bus = topo.buses[buses[0]]
            written = topo.written(bus.origin, "team")
            yield diag(topo, "W711", message, bus.origin, *(("team",) if written else ()),
                       key=not written, label="nobody receives this alarm", help=help)
            continue
        first = _first_consumer(topo, team)
        written = topo.written(first.origin, "team")
        if not written and len(owned) == 1:
            message = (f"consumer `{first.name}` has no `team:`, so its alarms go to the topic "
                       f"of team `{team}`, and nobody receives it")
        yield diag(topo, "W711", message, first.origin, *(("team",) if written else ()),
                   key=not written, label="nobody receives these alarms", help=help)


def unused_teams(topo: Topology) -> Iterator[Diagnostic]:
    owners = {c.team for c in topo.consumers.values()}
    owners |= {p.team for p in topo.producers.values() if p.team}
    owners |= {b.team for b in topo.buses.values()}
    for team in topo.declared_teams.values():
        if team.name in owners:
            continue
        guess = did_you_mean(team.name, owners)
        yield diag(topo, "W714", f"team `{team.name}` owns no producer or consumer",
                   team.origin, key=True, label="unused team",
                   help=f"did you mean `{guess}`? The `team:` of producers and consumers names "
                   "it" if guess else "set it as the `team:` of its producers and consumers, "
                   "or remove it")


CHECKS = (endpoints, nowhere, unused_teams)
