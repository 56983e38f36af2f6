"""The buses of other domains that routes forward events to (`buses:`, a route's `forward:`).

- E601 / E602: a bus key that cannot name its forward DLQ, or whose DLQ is too long or has the
  name of a consumer's queue;
- E604: a receiving bus name EventBridge refuses;
- E744: a region that is not a region code;
- E746: an `account:` that names no declared account;
- E748: forwarding while the bus's account or region is not known (the receiving bus's policy
  names this bus's forwarding role by its ARN);
- E749: a route that forwards to its own bus (every event would go round again);
- E750: a bus in another partition (no role crosses one), or one bus under two keys (every
  event forwarded twice);
- W715: a bus under `buses:` that no route forwards to;
- W716: `retry:` on a route that only forwards (event bus targets take no retry policy).
"""

from __future__ import annotations

from collections.abc import Iterator

from edac.core import policies
from edac.core.checks._util import diag
from edac.core.checks.aws_names import (
    _CHARSET_HELP,
    BUS_MAX,
    BUS_NAME,
    NAME,
    QUEUE_MAX,
    RULE_MAX,
)
from edac.core.checks.environments import REGION
from edac.core.diagnostics import Diagnostic
from edac.core.ir import Topology
from edac.core.load import did_you_mean


def names_and_regions(topo: Topology) -> Iterator[Diagnostic]:
    taken = {q: c.name for c in topo.consumers.values() for q in c.queues.all}
    for bus in topo.buses.values():
        if not NAME.fullmatch(bus.name):
            yield diag(topo, "E601", f"bus `{bus.name}` is not usable in queue names",
                       bus.origin, key=True, label="invalid name",
                       help=_CHARSET_HELP + " (it names the bus's forward DLQ)")
        elif len(bus.dlq) > QUEUE_MAX:
            yield diag(topo, "E602", f"queue name `{bus.dlq}` is {len(bus.dlq)} characters; "
                       f"SQS allows {QUEUE_MAX}", bus.origin, key=True, label="name too long",
                       help="shorten the key of the bus under `buses:` (or the system "
                       "name/environment)")
        elif bus.dlq in taken:
            yield diag(topo, "E602", f"the forward DLQ of bus `{bus.name}` and a queue of "
                       f"consumer `{taken[bus.dlq]}` are both named `{bus.dlq}`", bus.origin,
                       key=True, label="queue name taken",
                       help="rename the bus's key under `buses:` or the consumer")
        if NAME.fullmatch(bus.name) and len(bus.target_id) > RULE_MAX:
            yield diag(topo, "E602", f"bus key `{bus.name}` makes the target id "
                       f"`{bus.target_id}` of {len(bus.target_id)} characters; EventBridge "
                       f"allows {RULE_MAX}", bus.origin, key=True, label="name too long",
                       help=f"shorten the key of the bus under `buses:` to at most "
                       f"{RULE_MAX - len(bus.target_id) + len(bus.name)} characters")
        if not BUS_NAME.fullmatch(bus.bus_name) or len(bus.bus_name) > BUS_MAX:
            yield diag(topo, "E604", f"`{bus.bus_name}` is not a valid event bus name",
                       bus.origin, "name", label="invalid bus name",
                       help=f"1-{BUS_MAX} letters, digits, `.`, `-` and `_`")
        if bus.region is not None and not REGION.fullmatch(bus.region):
            yield diag(topo, "E744", f"bus `{bus.name}`: `{bus.region}` is not an AWS region",
                       bus.origin, "region", label="not a region code",
                       help="a region code such as `eu-west-1`")


def accounts(topo: Topology) -> Iterator[Diagnostic]:
    """E746, E748, E749 and E750."""
    seen: dict[tuple[str, str, str], str] = {}
    for bus in topo.forwarded:
        if bus.account is not None and bus.account not in topo.accounts:
            guess = did_you_mean(bus.account, set(topo.accounts))
            yield diag(topo, "E746", f"bus `{bus.name}` is in account `{bus.account}`, which "
                       "is not declared", bus.origin, "account", label="no such account",
                       help=f"did you mean `{guess}`?" if guess else
                       "declare it under `accounts:` (name: 12-digit id), or leave `account:` "
                       "out (the bus's account)")
            continue
        if topo.account is None or topo.region is None:
            missing = " and ".join(w for w, v in (("account", topo.account),
                                                  ("region", topo.region)) if v is None)
            where = (f"environment `{topo.environment}`" if topo.environment
                     in topo.environments else "the topology")
            yield diag(topo, "E748", f"routes forward to bus `{bus.name}`, but {where} gives "
                       f"no bus {missing}", bus.origin, key=True, label="forwarded to",
                       help="declare the environment with its `account:` and `region:` (the "
                       "bus's): the receiving bus's policy lets this bus's forwarding role in "
                       "by its ARN, and the forward DLQ's ARN is made from them")
            continue
        account = topo.account_id(bus.account) or topo.account
        if (account, bus.region or topo.region, bus.bus_name) == (topo.account, topo.region,
                                                                   topo.bus.name):
            yield diag(topo, "E749", f"bus `{bus.name}` is this topology's own bus "
                       f"`{topo.bus.name}`: forwarding to it sends every event round again",
                       bus.origin, "name", label="the bus itself",
                       help="forward to another domain's bus, or route the events to "
                       "consumers with `to:`")
            continue
        region = bus.region or topo.region
        if not REGION.fullmatch(region):
            continue  # E744 says it
        if policies.partition(region) != policies.partition(topo.region):
            # Partitions are isolated: a role of one cannot act on a bus of another
            # (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/
            # partitions.html).
            yield diag(topo, "E750", f"bus `{bus.name}` is in region `{region}`, in another AWS "
                       f"partition (`{policies.partition(region)}`) than this bus "
                       f"(`{policies.partition(topo.region)}`)", bus.origin,
                       *(("region",) if bus.region else ()), key=bus.region is None,
                       label="another partition",
                       help="EventBridge forwards within a partition only: have a producer of "
                       "that partition publish to it")
            continue
        other = seen.setdefault((account, region, bus.bus_name), bus.name)
        if other != bus.name:
            yield diag(topo, "E750", f"buses `{other}` and `{bus.name}` are the same bus "
                       f"`{bus.bus_name}` (account {account}, {region})", bus.origin, key=True,
                       label="declared twice",
                       help=f"forward to `{other}` only: a rule forwarding to both would put "
                       "every event on that bus twice, and its failures would be split over two "
                       "forward DLQs")


def unused(topo: Topology) -> Iterator[Diagnostic]:
    """W715: a bus under `buses:` that no route forwards to (nothing is made for it)."""
    used = {b.name for b in topo.forwarded}
    for bus in topo.buses.values():
        if bus.name in used:
            continue
        yield diag(topo, "W715", f"no route forwards to bus `{bus.name}`", bus.origin,
                   key=True, label="unused bus",
                   help="add it to the `forward:` of a route, or remove it")


def retries(topo: Topology) -> Iterator[Diagnostic]:
    """W716: `retry:` on a route that only forwards: event bus targets take no retry policy
    (AWS's CDK: "Retry policy is not supported for Event bus targets"), so EventBridge's
    default (24 hours, 185 attempts) holds for them."""
    for route in topo.routes.values():
        if route.forward and not route.to and topo.written(route.origin, "retry"):
            yield diag(topo, "W716", f"route `{route.name}` only forwards, and event bus "
                       "targets take no retry policy: its `retry:` changes nothing",
                       route.origin, "retry", label="no consumer to retry for",
                       help="remove `retry:`; EventBridge retries an event bus target for 24 "
                       "hours and 185 attempts, then puts the event in the forward DLQ")


CHECKS = (names_and_regions, accounts, unused, retries)
