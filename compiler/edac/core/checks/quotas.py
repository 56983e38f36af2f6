"""The policies edac emits, measured against AWS's quotas (edac.core.policies renders them as
terraform sends them): over a quota is E751 at the YAML that makes the policy grow, from 80 %
of it W752."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from edac.core import names, policies
from edac.core.checks._util import diag
from edac.core.diagnostics import Diagnostic
from edac.core.ir import Consumer, Origin, Topology
from edac.core.text import listing

# SQS: a queue policy has at most 8,192 bytes and 20 statements
# (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-policies.html)
QUEUE_POLICY_BYTES = 8192
QUEUE_POLICY_STATEMENTS = 20
# EventBridge: the bus policy has at most 10,240 characters by default (adjustable)
# (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html)
BUS_POLICY_CHARS = 10_240
# IAM: a role's inline policies together have at most 10,240 characters, whitespace not
# counted (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html)
ROLE_INLINE_CHARS = 10_240
# KMS: a key policy has at most 32 KB
# (https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html)
KEY_POLICY_BYTES = 32_768
NEAR = 0.8


def _size(document: object, unit: str) -> int:
    text = policies.encode(document)
    if unit == "bytes":
        return len(text.encode("utf-8"))
    return len("".join(text.split())) if unit == "non-whitespace characters" else len(text)


def _measure(topo: Topology, what: str, size: int, quota: int, unit: str, origin: Origin,
             *sub: str | int, grows: str, fix: str, key: bool = False) -> Iterator[Diagnostic]:
    if size > quota:
        yield diag(topo, "E751", f"{what} would be {size:,} {unit}; AWS allows {quota:,}",
                   origin, *sub, key=key, label=grows,
                   help=fix + " (measured on the JSON terraform sends"
                   + ("" if topo.account and topo.region else
                      ", with the longest account and region") + ")")
    elif size > quota * NEAR:
        yield diag(topo, "W752", f"{what} would be {size:,} {unit}, {100 * size // quota} % "
                   f"of the {quota:,} AWS allows", origin, *sub, key=key, label=grows,
                   help=fix)


def _routes_of(topo: Topology, c: Consumer) -> list[str]:
    return sorted(r.name for r in topo.routes.values() if c.name in r.to)


def queue_policies(topo: Topology) -> Iterator[Diagnostic]:
    where = policies.Where.of(topo)
    by_consumer = topo.targeting
    for c in topo.consumers.values():
        measured = [
            (f"the queue policy of consumer `{c.name}`", policies.queue_policy(topo, c, where),
             QUEUE_POLICY_BYTES),
            (f"the target DLQ policy of consumer `{c.name}`",
             policies.target_dlq_policy(topo, c, where), QUEUE_POLICY_BYTES),
            *([(f"the key policy of consumer `{c.name}`", policies.key_policy(topo, c, where),
                KEY_POLICY_BYTES)] if c.queue.kms_key == "create" else []),
        ]
        for what, document, quota in measured:
            # the modules' queue policies have at most 3 statements, far below 20
            assert len(document["Statement"]) <= QUEUE_POLICY_STATEMENTS, what
            size = _size(document, "bytes")
            if size <= quota * NEAR:
                continue
            routes = _routes_of(topo, c)
            fix = (f"the policy admits every rule that feeds the consumer (routes "
                   f"{listing(routes, 4)}): fewer rules feed it when routes to it are merged "
                   "(one route with several event types is one rule), or when the consumer "
                   "is split")
            yield from _measure(topo, what, size, quota, "bytes", c.origin,
                                grows=f"fed by {len(by_consumer.get(c.name, ()))} rules",
                                fix=fix, key=True)


def forward_dlq_policies(topo: Topology) -> Iterator[Diagnostic]:
    """The policy of each forward DLQ admits every rule that forwards to its bus."""
    where = policies.Where.of(topo)
    for bus in topo.forwarded:
        document = policies.forward_dlq_policy(topo, bus, where)
        assert len(document["Statement"]) <= QUEUE_POLICY_STATEMENTS
        rules = policies.forwarding_rule_arns(topo, bus, where)
        routes = sorted(r.name for r in topo.routes.values() if bus.name in r.forward)
        yield from _measure(
            topo, f"the forward DLQ policy of bus `{bus.name}`", _size(document, "bytes"),
            QUEUE_POLICY_BYTES, "bytes", bus.origin, key=True,
            grows=f"forwarded to by {len(rules)} rules",
            fix=f"the policy admits every rule that forwards to the bus (routes "
            f"{listing(routes, 4)}): fewer rules forward to it when those routes are merged "
            "(one route with several event types is one rule)")


def bus_policy(topo: Topology) -> Iterator[Diagnostic]:
    document = policies.bus_policy(topo, policies.Where.of(topo))
    if document is None:
        return
    quota = topo.bus.policy_quota or BUS_POLICY_CHARS
    size = _size(document, "characters")
    widest = max((p for p in topo.producers.values() if p.principals),
                 key=lambda p: (len(p.principals), p.name))
    total = sum(len(p.principals) for p in topo.producers.values())
    adjustable = ("" if topo.bus.policy_quota else
                  "; the quota can be raised in Service Quotas (then give it as "
                  "`bus.policy_quota`)")
    yield from _measure(
        topo, f"the bus policy of `{topo.bus.name}`", size, quota, "characters",
        widest.origin, "principals", key=True, grows=f"{total} principals in all",
        fix="a statement per producer lists its principals: grant whole accounts (the "
        "account id instead of each of its roles), or the whole organization "
        "(`organization: o-...`, one short statement)" + adjustable)


def role_policies(topo: Topology) -> Iterator[Diagnostic]:
    """The inline policies edac puts on each role, together: on the roles of the bus's
    account, and of each account a consumer or producer lives in (the role of a name is the
    element's account's)."""
    where = policies.Where.of(topo)
    on_role: dict[tuple[str, str], list[tuple[int, str, Origin, tuple[str | int, ...]]]] = \
        defaultdict(list)
    for c in sorted(topo.consumers.values(), key=lambda c: c.name):
        here = where.of_element(topo, c)
        if c.role is None or policies.other_account_role(c, here) is not None:
            continue  # the function's own role (unknown here), or another account's role
        size = _size(policies.consume_policy(topo, c, where), "non-whitespace characters")
        sub: tuple[str | int, ...] = (("container", "role") if c.container is not None
                                      else ("lambda", "role"))
        on_role[(here.account, names.role_name(c.role))].append(
            (size, f"consumer `{c.name}`", c.origin, sub))
    for p in sorted(topo.producers.values(), key=lambda p: p.name):
        account = topo.remote(p) or topo.account
        if account is None:
            continue  # the producers' roles of a known account get a policy
        known = set(policies.producer_roles(p))
        roles = [arn for arn in dict.fromkeys(p.principals)  # in the order written
                 if arn in known and arn.split(":")[4] == account]
        if not roles:
            continue
        size = _size(policies.producer_policy(topo, p, where), "non-whitespace characters")
        for arn in roles:  # one policy per distinct role, as modules/bus puts them
            on_role[(account, names.role_name(arn))].append(
                (size, f"producer `{p.name}`", p.origin,
                 ("principals", p.principals.index(arn))))
    remote = policies.remote_consumers(topo)
    if remote:  # the delivery role of the bus's account: one queue ARN per such consumer
        size = _size(policies.delivery_policy(topo, where), "non-whitespace characters")
        newest = remote[-1]
        on_role[(where.account, names.delivery_role(topo.prefix))].append(
            (size, f"{len(remote)} consumers of other accounts, the last `{newest.name}`",
             newest.origin, ("account",)))
    forwarded = topo.forwarded
    if forwarded:  # the forwarding role of the bus's account: one bus ARN per forwarded bus
        size = _size(policies.forwarding_policy(topo, where), "non-whitespace characters")
        on_role[(where.account, names.forwarding_role(topo.prefix))].append(
            (size, f"{len(forwarded)} forwarded buses, the last `{forwarded[-1].name}`",
             forwarded[-1].origin, ("name",)))
    for (_, role), parts in sorted(on_role.items()):
        total = sum(size for size, *_ in parts)
        *_, (_, last, origin, path) = parts
        yield from _measure(
            topo, f"the inline policies edac puts on role `{role}` ({len(parts)}, the last "
            f"for {last})", total, ROLE_INLINE_CHARS, "non-whitespace characters", origin,
            *path, grows=f"{len(parts)} policies on this role",
            fix="each consumer (and producer) using the role adds a policy to it: give "
            "some of them a role of their own")


CHECKS = (queue_policies, forward_dlq_policies, bus_policy, role_policies)
