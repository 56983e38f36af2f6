"""The intermediate representation: the whole topology, merged, resolved and named.

Frozen data. Every node keeps its `origin` (file and data path) so that checks can point at
the user's YAML. Settings are final (built-in defaults <- `defaults:` <- the element's own), and
AWS names are computed once (by `edac.core.names`) and kept here for every emitter. Emitters
see only this, never YAML.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from edac.core import names
from edac.core.diagnostics import Span
from edac.core.names import Queues
from edac.core.spans import Path_, SpanMap


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an element was written: a file and the data path of its mapping."""

    file: str
    path: Path_


@dataclass(frozen=True, slots=True)
class Team:
    """A team declared under `teams:` and where its alarms go."""

    name: str
    description: str | None
    email: tuple[str, ...]
    https: tuple[str, ...]
    topic: str | None  # an existing SNS topic ARN (then no topic is made for the team)
    origin: Origin

    @property
    def has_alerts(self) -> bool:
        return bool(self.email or self.https or self.topic)


@dataclass(frozen=True, slots=True)
class Producer:
    name: str
    source: str
    team: str | None
    principals: tuple[str, ...]
    description: str | None
    origin: Origin
    organization: str | None = None  # an AWS Organizations id whose principals may put
    account: str | None = None  # the name (under `accounts:`) of the account it runs in


@dataclass(frozen=True, slots=True)
class EventType:
    name: str  # the detail-type
    producer: str
    schema_file: str | None  # as resolved on disk (relative to the working directory)
    schema_ref: str | None  # as written in the topology (relative to its file)
    schema: dict[str, Any] | None = field(compare=False, hash=False)
    description: str | None
    unconsumed: bool
    origin: Origin


@dataclass(frozen=True, slots=True)
class QueueSettings:
    visibility_timeout: int
    retention: int
    max_receive_count: int
    dlq_retention: int
    fifo: bool
    message_group: str | None
    delay: int
    max_message_size: int
    receive_wait: int
    kms_key: str | None  # None: SSE-SQS; "create": a key made by edac; else the user's key
    # data paths of the values the user set, by field name (for diagnostics)
    origins: dict[str, Origin] = field(compare=False, hash=False, default_factory=dict)


@dataclass(frozen=True, slots=True)
class LambdaSettings:
    function: str
    timeout: int
    batch_size: int
    batching_window: int
    max_concurrency: int | None
    role: str | None


@dataclass(frozen=True, slots=True)
class ContainerSettings:
    role: str


@dataclass(frozen=True, slots=True)
class AlarmSettings:
    oldest_message_age: int
    notify: str | None  # SNS topic ARN; None: the team's topic
    origins: dict[str, Origin] = field(compare=False, hash=False, default_factory=dict)


@dataclass(frozen=True, slots=True)
class Consumer:
    name: str
    team: str
    description: str | None
    lambda_: LambdaSettings | None
    container: ContainerSettings | None
    idempotency_ttl: int | None  # None: no idempotency
    queue: QueueSettings
    alarms: AlarmSettings
    previously: tuple[str, ...]
    queues: Queues
    origin: Origin
    account: str | None = None  # the name (under `accounts:`) of the account of its queues

    @property
    def role(self) -> str | None:
        """The role given to consume the queue (name or ARN): the container's, or the Lambda
        function's when set (None: the function's execution role)."""
        if self.container is not None:
            return self.container.role
        return self.lambda_.role if self.lambda_ is not None else None

    @property
    def target_id(self) -> str:
        """The id of the consumer's EventBridge targets: its oldest name, like its queues, so
        that a rename neither replaces the targets nor stops delivery while they are made
        again."""
        return names.oldest(self.name, self.previously)


@dataclass(frozen=True, slots=True)
class Retry:
    attempts: int
    max_age: int


@dataclass(frozen=True, slots=True)
class Rule:
    """One EventBridge rule of a route (a route with more than 5 consumers has several)."""

    name: str  # the AWS rule name
    key: str  # stable key for Terraform addresses: the route name, `-2`, `-3` when split
    pattern: dict[str, Any] = field(compare=False, hash=False)
    targets: tuple[str, ...]  # consumer names
    forwards: tuple[str, ...] = ()  # names (under `buses:`) of the buses it forwards to

    @property
    def target_count(self) -> int:
        return len(self.targets) + len(self.forwards)


@dataclass(frozen=True, slots=True)
class Route:
    name: str
    description: str | None
    events: tuple[str, ...]  # event type names; empty with a raw pattern
    filter: dict[str, Any] | None = field(compare=False, hash=False)
    raw_pattern: dict[str, Any] | None = field(compare=False, hash=False)
    to: tuple[str, ...]
    retry: Retry
    previously: tuple[str, ...]
    rules: tuple[Rule, ...]
    origin: Origin
    forward: tuple[str, ...] = ()  # names of the buses (under `buses:`) it forwards to
    # what EventBridge would reject in the final pattern (edac.patterns.PatternProblem)
    pattern_problems: tuple[Any, ...] = field(compare=False, hash=False, default=())

    @property
    def pattern(self) -> dict[str, Any]:
        """The route's event pattern (the same for all its rules)."""
        return self.rules[0].pattern


@dataclass(frozen=True, slots=True)
class ForwardBus:
    """A bus of another domain that routes forward events to (under `buses:`)."""

    name: str  # its key under `buses:`
    bus_name: str  # the receiving bus's AWS name
    account: str | None  # the name (under `accounts:`) of its account; None: the bus's
    region: str | None  # None: the bus's region
    team: str  # who is told when events cannot be forwarded (its alarm's topic)
    description: str | None
    dlq: str  # the AWS name of the queue the events it could not take go to
    origin: Origin

    @property
    def dlq_alarm(self) -> str:
        return f"{self.dlq}-not-empty"

    @property
    def target_id(self) -> str:
        return names.forward_target(self.name)


@dataclass(frozen=True, slots=True)
class Bus:
    name: str
    archive_days: int | None
    origin: Origin | None
    policy_quota: int | None = None  # a raised quota of the bus policy's size (characters)


@dataclass(frozen=True)
class Topology:
    name: str
    environment: str | None
    prefix: str  # `name` or `name-environment`: starts every AWS name
    tags: dict[str, str]
    bus: Bus
    producers: dict[str, Producer]
    events: dict[str, EventType]
    consumers: dict[str, Consumer]
    routes: dict[str, Route]
    files: tuple[str, ...]
    spans: dict[str, SpanMap] = field(compare=False, repr=False)
    declared_teams: dict[str, Team] = field(default_factory=dict)
    tag_origins: dict[str, Origin] = field(compare=False, repr=False, default_factory=dict)
    # where `name` (first given) and `environment` were written
    setting_origins: dict[str, Origin] = field(compare=False, repr=False, default_factory=dict)
    # the environment compiled, when the topology declares `environments:`: its account and
    # region (None: those of the credentials / the `region` variable's default)
    account: str | None = None
    region: str | None = None
    # every declared environment: name -> (account or None, where it is declared)
    environments: dict[str, tuple[str | None, Origin]] = field(default_factory=dict)
    # values an environment sets over the topology's own: where the topology's value is (or
    # would be) -> where the environment's is written; span() and written() follow them
    overrides: dict[tuple[str, Path_], Origin] = field(compare=False, repr=False,
                                                       default_factory=dict)
    # the named accounts of the compiled environment: name -> (12-digit id, where written)
    accounts: dict[str, tuple[str, Origin]] = field(default_factory=dict)
    # the buses of other domains that routes forward to
    buses: dict[str, ForwardBus] = field(default_factory=dict)

    def account_id(self, name: str | None) -> str | None:
        """The id of a named account (None: the bus's account, or a name not declared)."""
        if name is None:
            return self.account
        found = self.accounts.get(name)
        return found[0] if found is not None else None

    def remote(self, element: Producer | Consumer) -> str | None:
        """The id of the account `element` lives in when it is not the bus's account (None:
        the bus's account, an account named like it, or one not known)."""
        if element.account is None:
            return None
        account = self.account_id(element.account)
        return account if account is not None and account != self.account else None

    @property
    def teams(self) -> list[str]:
        found = {c.team for c in self.consumers.values()}
        found |= {p.team for p in self.producers.values() if p.team}
        return sorted(found)

    @property
    def idempotency_table(self) -> str | None:
        if any(c.idempotency_ttl is not None for c in self.consumers.values()):
            return names.idempotency_table(self.prefix)
        return None

    @property
    def archive(self) -> str | None:
        """The archive's name, when the bus has one."""
        return names.archive(self.prefix) if self.bus.archive_days is not None else None

    def team_topic(self, team: str) -> str:
        """The name of the SNS topic edac makes for a team's alarms."""
        return names.team_topic(self.prefix, team)

    def alarm_topic(self, consumer: Consumer) -> str | None:
        """The existing SNS topic ARN a consumer's alarms go to (its own `alarms.notify`, or
        its team's `alerts.topic`); None: the topic edac makes for its team."""
        if consumer.alarms.notify:
            return consumer.alarms.notify
        team = self.declared_teams.get(consumer.team)
        return team.topic if team is not None else None

    @functools.cached_property
    def forwarded(self) -> tuple[ForwardBus, ...]:
        """The buses some route forwards to, by name (computed once)."""
        wanted = {b for route in self.routes.values() for b in route.forward}
        return tuple(b for name, b in sorted(self.buses.items()) if name in wanted)

    def forward_topic(self, bus: ForwardBus) -> str | None:
        """The existing SNS topic ARN the alarm of a forwarded bus's DLQ goes to (its team's
        `alerts.topic`); None: the topic edac makes for its team."""
        team = self.declared_teams.get(bus.team)
        return team.topic if team is not None else None

    def alerted_teams(self) -> list[str]:
        """The teams whose alarm topic edac makes: a consumer of theirs has alarms that go
        neither to its own topic nor to an existing topic of the team (or a forwarded bus of
        theirs has, in the bus's account; a bus no route forwards to has no alarm)."""
        return sorted({c.team for c in self.consumers.values() if self.alarm_topic(c) is None}
                      | {b.team for b in self.forwarded if self.forward_topic(b) is None})

    def located(self, origin: Origin, *sub: str | int) -> tuple[str, Path_]:
        """Where the value at `sub` below `origin` is written: in the topology's element, or
        in the compiled environment when it sets that value."""
        path = origin.path + sub
        if self.overrides:
            for n in range(len(path), 0, -1):
                moved = self.overrides.get((origin.file, path[:n]))
                if moved is not None:
                    return moved.file, moved.path + path[n:]
        return origin.file, path

    def span(self, origin: Origin | None, *sub: str | int, key: bool = False) -> Span | None:
        if origin is None:
            return None
        file, path = self.located(origin, *sub)
        spans = self.spans.get(file)
        if spans is None:
            return None
        return spans.key(path) if key else spans.value(path)

    def written(self, origin: Origin, *sub: str | int) -> bool:
        """Whether the value at `sub` below `origin` was written in the file (not defaulted)."""
        file, path = self.located(origin, *sub)
        spans = self.spans.get(file)
        return spans is not None and path in spans.values

    def overridden(self, origin: Origin, *sub: str | int) -> bool:
        """Whether the compiled environment sets the value at `sub` below `origin`."""
        return self.located(origin, *sub) != (origin.file, origin.path + sub)

    def rules(self) -> list[tuple[Route, Rule]]:
        return [(route, rule) for route in self.routes.values() for rule in route.rules]

    @functools.cached_property
    def targeting(self) -> dict[str, tuple[Rule, ...]]:
        """rules_by_consumer(), computed once (read-only: for checks that ask per consumer)."""
        return {name: tuple(rules) for name, rules in self.rules_by_consumer().items()}

    def rules_by_consumer(self) -> dict[str, list[Rule]]:
        """The rules that target each consumer, in rule order."""
        found: dict[str, list[Rule]] = {name: [] for name in self.consumers}
        for _, rule in self.rules():
            for target in rule.targets:
                found.setdefault(target, []).append(rule)
        return found
