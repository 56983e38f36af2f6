"""Every name edac gives to something outside itself, derived here and nowhere else: AWS resource
names, Terraform addresses, Mermaid node ids, and the parts read back out of ARNs.

The resolver calls these once and stores the results in the IR; emitters, checks, `diff`, the
sandbox and the Terraform modules (which take final names as inputs) all read them from there.
A renamed element keeps the AWS names of its oldest name (`previously:`), so renaming never
replaces a queue or a rule.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

# ---------------------------------------------------------------------------------------------
# AWS names


def prefix(system: str, environment: str | None) -> str:
    """What every AWS name of the system starts with."""
    return f"{system}-{environment}" if environment else system


def bus(prefix_: str) -> str:
    """The custom bus, unless the topology names it."""
    return f"{prefix_}-events"


def archive(prefix_: str) -> str:
    return f"{prefix_}-archive"


def idempotency_table(prefix_: str) -> str:
    return f"{prefix_}-idempotency"


def delivery_role(prefix_: str) -> str:
    """The IAM role the bus's rules send to the queues of other accounts as."""
    return f"{prefix_}-cross-account-delivery"


def forwarding_role(prefix_: str) -> str:
    """The IAM role the bus's rules put events on the buses of other domains as."""
    return f"{prefix_}-bus-forwarding"


def forward_dlq(prefix_: str, bus: str) -> str:
    """The dead-letter queue of the events the bus could not forward to `bus`."""
    return f"{prefix_}-{bus}-forward-dlq"


_FORWARD = "forward."  # no consumer name has a dot: target ids of buses never clash


def forward_target(bus: str) -> str:
    """The target id of a forwarded bus (under `buses:`) on the rules that forward to it."""
    return _FORWARD + bus


def forwarded_bus(target_id: str) -> str | None:
    """The bus a target id forwards to (None: the target is a consumer's)."""
    return target_id[len(_FORWARD):] if target_id.startswith(_FORWARD) else None


def team_topic(prefix_: str, team: str) -> str:
    """The SNS topic of a team's alarms."""
    return f"{prefix_}-{team}-alarms"


@dataclass(frozen=True, slots=True)
class Queues:
    """The AWS names of a consumer's three queues and their alarms, all from `base`."""

    base: str
    main: str
    dlq: str
    target_dlq: str  # always standard: EventBridge refuses a FIFO dead-letter queue

    @property
    def all(self) -> tuple[str, str, str]:
        return (self.main, self.dlq, self.target_dlq)

    @property
    def dlq_alarm(self) -> str:
        return f"{self.dlq}-not-empty"

    @property
    def oldest_message_alarm(self) -> str:
        return f"{self.main}-oldest-message-age"

    @property
    def target_dlq_alarm(self) -> str:
        return f"{self.target_dlq}-not-empty"


def queues(prefix_: str, consumer: str, previously: tuple[str, ...], fifo: bool) -> Queues:
    """A consumer's queues, named after its oldest name (`previously` lists the most recent
    first), so that a rename never replaces a queue full of messages."""
    base = f"{prefix_}-{oldest(consumer, previously)}"
    suffix = ".fifo" if fifo else ""
    return Queues(base, base + suffix, f"{base}-dlq{suffix}", f"{base}-target-dlq")


def oldest(name: str, previously: tuple[str, ...]) -> str:
    """The first name of a renamed element (`previously` lists the most recent first)."""
    return previously[-1] if previously else name


def rule(prefix_: str, route_first_name: str, part: int) -> str:
    """The EventBridge rule of the `part`-th group of 5 targets of a route (from 1)."""
    return f"{prefix_}-{route_first_name}{rule_suffix(part)}"


def rule_suffix(part: int) -> str:
    return "" if part == 1 else f"-{part}"


def rule_alarms(bus_name: str, rule_name: str) -> tuple[str, str]:
    """(FailedInvocations alarm, InvocationsFailedToBeSentToDlq alarm) of a rule. Alarm names
    are unique per account and region, at most 255 characters: the bus name is cut to 150."""
    base = f"{bus_name[:150]}-{rule_name}"
    return f"{base}-failed-invocations", f"{base}-invocations-failed-to-dlq"


# ---------------------------------------------------------------------------------------------
# ARNs


def arn_account(arn: str) -> str | None:
    """The account id of an ARN (None when `arn` is a plain name or names no account)."""
    parts = arn.split(":")
    if len(parts) < 6 or parts[0] != "arn":
        return None
    return parts[4] or None


def role_name(role: str) -> str:
    """The IAM role name of a role given as a name or an ARN (path stripped)."""
    return role.rsplit("/", 1)[-1] if role.startswith("arn:") else role


def role_arn(role: str) -> str | None:
    """The role's ARN when it was given as one."""
    return role if role.startswith("arn:") else None


def function_name(function: str) -> str:
    """The Lambda function name of a name or an ARN
    (`arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`)."""
    if function.startswith("arn:"):
        parts = function.split(":")
        return parts[6] if len(parts) > 6 else parts[-1]
    return function


def qualified_function(function: str) -> str:
    """`NAME` or `NAME:QUALIFIER` (an alias or version) of a function name or ARN."""
    return function.rsplit(":function:", 1)[-1]


# ---------------------------------------------------------------------------------------------
# Terraform addresses


@dataclass(frozen=True, slots=True)
class Address:
    """A module instance address: `module.<call>["<key>"]` (`key` None: no for_each key).
    Rendered by `edac.core.emit.hcl.address`, which quotes the key."""

    call: str
    key: str | None = None


def consumer_address(name: str) -> Address:
    return Address("consumer", name)


def route_address(rule_key: str) -> Address:
    return Address("route", rule_key)


def forgotten_address(consumer: str) -> Address:
    """A standalone module address for a consumer removed with `--forget`: stable, a valid
    identifier, and unique (the name reduced to `[A-Za-z0-9_]` plus a hash of the name)."""
    safe = re.sub(r"[^A-Za-z0-9_]", "_", consumer)
    digest = hashlib.sha256(consumer.encode("utf-8")).hexdigest()[:8]
    return Address(f"forgotten_{safe}_{digest}")


def forgotten_key_address(consumer: str) -> Address:
    """The standalone address of a consumer's customer key kept with `--forget`."""
    return Address("forgotten_key_" + forgotten_address(consumer).call[len("forgotten_"):])


# ---------------------------------------------------------------------------------------------
# Mermaid node ids


IdKind = Literal["producer", "route", "consumer", "team", "bus"]


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", name)[:40]


def _hashed(name: str) -> str:
    return f"{_slug(name)}_{hashlib.sha256(name.encode('utf-8')).hexdigest()[:6]}"


class DiagramIds:
    """Node ids of the elements of one or more topologies (a diff draws two with one set):
    the name reduced to `[A-Za-z0-9_]`, or that plus a short hash of the name when another
    name reduces to the same, or the name was cut short; a counter settles what is left."""

    def __init__(self, keys: Iterable[tuple[IdKind, str]]) -> None:
        by_slug: dict[tuple[IdKind, str], list[str]] = {}
        for kind, name in sorted(set(keys)):
            by_slug.setdefault((kind, _slug(name)), []).append(name)
        self._ids: dict[tuple[IdKind, str], str] = {}
        hashed: list[tuple[IdKind, str]] = []
        for (kind, slug), names in by_slug.items():
            if len(names) == 1 and len(names[0]) <= len(slug):
                self._ids[(kind, names[0])] = slug
            else:
                hashed += [(kind, name) for name in names]
        used = {(kind, slug) for (kind, _), slug in self._ids.items()}
        for kind, name in sorted(hashed):
            candidate = unique = _hashed(name)
            n = 1
            while (kind, unique) in used:
                n += 1
                unique = f"{candidate}_{n}"
            used.add((kind, unique))
            self._ids[(kind, name)] = unique

    def get(self, kind: IdKind, name: str) -> str:
        return self._ids[(kind, name)]
