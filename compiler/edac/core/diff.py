"""What a change to a topology does, compared as two IRs: `edac diff`.

`compare(old, new)` lists the queues that applying the change would destroy (a consumer
removed without a `previously:` successor, or whose AWS queue names change: the same test as
`edac compile`'s safety check) and every other change to producers, event types, consumers,
queues, routes, patterns, permissions, the bus and the system settings. The pull-request
comment is `edac.core.emit.review`; the diagram of a diff `edac.core.emit.mermaid.changes`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal

from edac.core import ir, names
from edac.core import lock as lockfile
from edac.core.diagnostics import Diagnostic
from edac.core.safety import Loss, check, losses
from edac.core.text import duration
from edac.patterns.summary import pattern_clauses

Action = Literal["added", "removed", "changed", "renamed"]
# "forward": a bus of another domain that routes forward to (under `buses:`); "bus": our own
Kind = Literal["route", "pattern", "consumer", "queue", "producer", "event", "permission",
               "forward", "bus", "system"]
KINDS: tuple[Kind, ...] = ("route", "pattern", "consumer", "queue", "producer", "event",
                           "permission", "forward", "bus", "system")


@dataclass(frozen=True)
class Field:
    """One changed value: `old` None when it appeared, `new` None when it went away."""

    what: str
    old: str | None
    new: str | None


Subject = Literal["producer", "consumer"]


@dataclass(frozen=True)
class Change:
    kind: Kind
    action: Action
    name: str
    fields: tuple[Field, ...] = ()
    subject: Subject | None = None  # whose permission changed (kind "permission")


@dataclass(frozen=True)
class MovedTarget:
    """A consumer that is a target of another rule of its route after the change: between
    the two applies' steps, events for it can be refused or lost."""

    route: str
    consumer: str
    before: str  # the rule names
    after: str


@dataclass(frozen=True)
class SchemaChange:
    """An event type whose JSON Schema changed, judged for its producer (writers: every old
    event must stay valid) and for the consumers that receive it (readers: every new event
    must have been valid before); see edac.core.compat."""

    event: str
    producer: str
    producers: tuple[str, ...]  # why the producer's events would break (empty: compatible)
    consumers: tuple[str, ...]  # why its readers would break (empty: compatible)
    readers: tuple[str, ...]  # the consumers that receive the event
    routes: tuple[str, ...]  # the routes that take it
    # route -> what its filter matches now that it did not (edac.core.checks.schemas.widened)
    widened: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # the buses of other domains its routes forward it to: their consumers read it too
    forwarded_to: tuple[str, ...] = ()

    @property
    def breaking(self) -> bool:
        return bool(self.producers or self.consumers)


def schema_changes(old: ir.Topology, new: ir.Topology) -> tuple[SchemaChange, ...]:
    """Every event type of both topologies whose schema changed (a schema added or removed
    is a change of the event type, not judged here)."""
    from edac.core.compat import breaks
    from edac.core.fields import widened

    found = []
    for name in sorted(set(old.events) & set(new.events)):
        a, b = old.events[name].schema, new.events[name].schema
        if a is None or b is None or a == b:
            continue
        producers, consumers = breaks(a, b)
        routes = sorted(r.name for r in new.routes.values() if name in r.events)
        readers = sorted({c for r in routes for c in new.routes[r].to})
        more = tuple((r, tuple(lines)) for r in routes
                     if (lines := widened(new.routes[r], a, b)))
        buses = sorted({b for r in routes for b in new.routes[r].forward})
        found.append(SchemaChange(name, new.events[name].producer, tuple(producers),
                                  tuple(consumers), tuple(readers), tuple(routes), more,
                                  tuple(buses)))
    return tuple(found)


@dataclass(frozen=True)
class Diff:
    old: ir.Topology | None  # None: the base has no topology (everything is new)
    new: ir.Topology
    destroys: tuple[Loss, ...]  # not covered by a decision of the new lock
    changes: tuple[Change, ...]
    renamed: dict[tuple[names.IdKind, str], str]  # (kind, old name) -> new name
    decided: tuple[tuple[Loss, lockfile.Decision], ...] = ()  # destroys the new lock decided
    moved_targets: tuple[MovedTarget, ...] = ()
    refusals: tuple[Diagnostic, ...] = ()  # what `edac compile` says of `destroys`
    schemas: tuple[SchemaChange, ...] = ()  # event schemas that changed, judged
    # the Terraform roots whose configuration changes: (`.` or `accounts/ACCOUNT-ID`, account id)
    roots: tuple[tuple[str, str | None], ...] = ()

    @property
    def empty(self) -> bool:
        return (not self.destroys and not self.changes and not self.decided
                and not self.moved_targets and not self.schemas)

    @property
    def breaking(self) -> tuple[SchemaChange, ...]:
        return tuple(c for c in self.schemas if c.breaking)


# ---------------------------------------------------------------------------------------------
# comparing


def _fields(pairs: Sequence[tuple[str, Any, Any]]) -> tuple[Field, ...]:
    return tuple(Field(what, _text(a), _text(b)) for what, a, b in pairs if a != b)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value) or None
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return str(value)


def _members(what: str, old: Sequence[str], new: Sequence[str]) -> tuple[Field, ...]:
    """Items that appeared and went away, one field each."""
    return (tuple(Field(what, None, v) for v in new if v not in old)
            + tuple(Field(what, v, None) for v in old if v not in new))


def _successors(old: dict[str, Any], new: dict[str, Any]) -> dict[str, str]:
    """Old name -> new name for elements renamed with `previously:`."""
    found = {}
    for name, element in sorted(new.items()):
        for before in element.previously:
            if before in old and before not in new and before not in found:
                found[before] = name
    return found


def _producer_fields(a: ir.Producer | None, b: ir.Producer | None) -> tuple[Field, ...]:
    if a is None or b is None:
        return _fields([("source", a and a.source, b and b.source),
                        ("team", a and a.team, b and b.team)])
    return _fields([("source", a.source, b.source), ("team", a.team, b.team),
                    ("description", a.description, b.description)])


def _schema_ref(e: ir.EventType) -> str | None:
    """The schema file as written (relative to the topology file that names it)."""
    return None if e.schema_ref is None else PurePosixPath(e.schema_ref).as_posix()


def _event_fields(a: ir.EventType | None, b: ir.EventType | None) -> tuple[Field, ...]:
    if a is None or b is None:
        return _fields([("producer", a and a.producer, b and b.producer)])
    fields = _fields([
        ("producer", a.producer, b.producer),
        ("schema", _schema_ref(a), _schema_ref(b)),
        ("description", a.description, b.description),
        ("unconsumed", a.unconsumed, b.unconsumed),
    ])
    if a.schema != b.schema and _schema_ref(a) == _schema_ref(b):
        fields += (Field("schema content changed", None, None),)
    return fields


def _runs(c: ir.Consumer) -> str:
    if c.lambda_ is not None:
        return f"lambda {c.lambda_.function}"
    assert c.container is not None
    return "container"


def _consume_role(c: ir.Consumer) -> str:
    """Who gets permission to consume the queue."""
    if c.lambda_ is not None:
        return f"role {c.lambda_.role}" if c.lambda_.role else f"the role of {c.lambda_.function}"
    assert c.container is not None
    return f"role {c.container.role}"


def _consumer_fields(a: ir.Consumer | None, b: ir.Consumer | None) -> tuple[Field, ...]:
    if a is None or b is None:
        return _fields([("team", a and a.team, b and b.team),
                        ("runs", a and _runs(a), b and _runs(b))])
    la, lb = a.lambda_, b.lambda_
    return _fields([
        ("team", a.team, b.team),
        ("runs", _runs(a), _runs(b)),
        ("lambda timeout", la and duration(la.timeout), lb and duration(lb.timeout)),
        ("batch size", la and la.batch_size, lb and lb.batch_size),
        ("batching window", la and duration(la.batching_window),
         lb and duration(lb.batching_window)),
        ("max concurrency", la and la.max_concurrency, lb and lb.max_concurrency),
        ("idempotency", _ttl(a.idempotency_ttl), _ttl(b.idempotency_ttl)),
        ("alarm: oldest message", duration(a.alarms.oldest_message_age),
         duration(b.alarms.oldest_message_age)),
        ("alarm topic", a.alarms.notify or f"team {a.team}", b.alarms.notify or f"team {b.team}"),
        ("description", a.description, b.description),
    ])


def _ttl(ttl: int | None) -> str:
    return "off" if ttl is None else f"records kept {duration(ttl)}"


def _queue_fields(a: ir.Consumer | None, b: ir.Consumer | None) -> tuple[Field, ...]:
    if a is None or b is None:  # an added or removed consumer: its queue's name says enough
        return _fields([("queue", a and a.queues.main, b and b.queues.main)])
    qa, qb = a.queue, b.queue
    return _fields([
        ("queue", a.queues.main, b.queues.main),
        ("FIFO", qa.fifo, qb.fifo),
        ("message group", qa.message_group, qb.message_group),
        ("visibility timeout", duration(qa.visibility_timeout), duration(qb.visibility_timeout)),
        ("retention", duration(qa.retention), duration(qb.retention)),
        ("receives before the DLQ", qa.max_receive_count, qb.max_receive_count),
        ("DLQ retention", duration(qa.dlq_retention), duration(qb.dlq_retention)),
        ("delay", duration(qa.delay), duration(qb.delay)),
        ("max message size", qa.max_message_size, qb.max_message_size),
        ("receive wait", duration(qa.receive_wait), duration(qb.receive_wait)),
        ("encryption", qa.kms_key or "SSE-SQS", qb.kms_key or "SSE-SQS"),
    ])


def _forward_fields(a: ir.ForwardBus | None, b: ir.ForwardBus | None) -> tuple[Field, ...]:
    return _fields([("receiving bus", a and a.bus_name, b and b.bus_name),
                    ("account", a and a.account, b and b.account),
                    ("region", a and a.region, b and b.region),
                    ("team", a and a.team, b and b.team)])


def _pattern_text(route: ir.Route) -> str:
    """The route's pattern, readable (`; `-separated clauses), for the table."""
    clauses = pattern_clauses(route.raw_pattern) if route.raw_pattern is not None else [
        ", ".join(route.events), *pattern_clauses(route.filter or {})]
    return "; ".join(clauses)


def _route_fields(a: ir.Route | None, b: ir.Route | None,
                  moved: dict[str, str]) -> tuple[Field, ...]:
    """`moved`: consumers renamed (old -> new name), not a change of the route's targets."""
    if a is None or b is None:
        return _fields([("takes", a and _pattern_text(a), b and _pattern_text(b)),
                        ("to", a and a.to, b and b.to),
                        ("forward", (a.forward or None) if a else None,
                         (b.forward or None) if b else None)])
    fields = _fields([
        ("description", a.description, b.description),
        ("retry attempts", a.retry.attempts, b.retry.attempts),
        ("retry max age", duration(a.retry.max_age), duration(b.retry.max_age)),
        ("EventBridge rules", len(a.rules), len(b.rules)),
    ])
    return (_members("to", [moved.get(t, t) for t in a.to], b.to)
            + _members("forward", a.forward, b.forward) + fields)


def _pattern_fields(a: ir.Route, b: ir.Route) -> tuple[Field, ...]:
    if a.pattern == b.pattern:
        return ()
    before, after = _pattern_text(a), _pattern_text(b)
    if before == after:  # the summaries agree where the patterns do not: show them whole
        before, after = _text(a.pattern) or "", _text(b.pattern) or ""
    return (Field("pattern", before, after),)


def _principals(p: ir.Producer | None) -> tuple[str, ...]:
    return p.principals if p else ()


def _action(old: object | None, new: object | None) -> Action:
    return "added" if old is None else "removed" if new is None else "changed"


def _pair_changes(
    kind: Kind,
    old: dict[str, Any],
    new: dict[str, Any],
    moved: dict[str, str],
    compare: Callable[[Any, Any], tuple[Field, ...]],
) -> Iterator[tuple[str, Any, Any, Change | None]]:
    """For every element of either side: (name, old element, new element, its own row)."""
    previous = {moved.get(name, name): element for name, element in old.items()}
    back = {b: a for a, b in moved.items()}
    for name in sorted(set(previous) | set(new)):
        a, b = previous.get(name), new.get(name)
        fields = compare(a, b)
        row: Change | None = None
        if a is None or b is None:
            row = Change(kind, _action(a, b), name, fields)
        elif name in back:
            row = Change(kind, "renamed", name, (Field("name", back[name], name), *fields))
        elif fields:
            row = Change(kind, "changed", name, fields)
        yield name, a, b, row


def compare(old: ir.Topology | None, new: ir.Topology, old_lock: lockfile.Lock | None = None,
            new_lock: lockfile.Lock | None = None) -> Diff:
    """Everything that changes from `old` to `new` (`old` None: a new topology). `old_lock`:
    the base's lock (what was deployed; without one, what `old` compiles to); `new_lock`: the
    lock of the change, whose decisions cover what it destroys."""
    if old is None:
        old = dataclasses.replace(new, producers={}, events={}, consumers={}, routes={},
                                  buses={})
        first = True
    else:
        first = False
    changes: list[Change] = []
    add = changes.append

    if not first:
        system = _fields([("name", old.name, new.name),
                          ("environment", old.environment, new.environment),
                          ("tags", old.tags, new.tags)])
        if system:
            add(Change("system", "changed", new.prefix, system))
        bus = _fields([("name", old.bus.name, new.bus.name),
                       ("archive", _archive(old.bus), _archive(new.bus))])
        if bus:
            add(Change("bus", "changed", new.bus.name, bus))
    for _, _, _, row in _pair_changes("forward", old.buses, new.buses, {}, _forward_fields):
        if row:  # the buses of other domains that routes forward to
            add(row)

    for name, a, b, row in _pair_changes("producer", old.producers, new.producers, {},
                                         _producer_fields):
        if row:
            add(row)
        granted = _members("PutEvents principal", _principals(a), _principals(b))
        if granted:
            add(Change("permission", _action(a, b), name, granted, "producer"))

    for _, _, _, row in _pair_changes("event", old.events, new.events, {}, _event_fields):
        if row:
            add(row)

    moved_consumers = _successors(old.consumers, new.consumers)
    for name, a, b, row in _pair_changes("consumer", old.consumers, new.consumers,
                                         moved_consumers, _consumer_fields):
        if row:
            add(row)
        queue = _queue_fields(a, b)
        if queue:
            add(Change("queue", _action(a, b), name, queue))
        role = _fields([("consume permission", a and _consume_role(a), b and _consume_role(b))])
        if role:
            add(Change("permission", _action(a, b), name, role, "consumer"))

    moved_routes = _successors(old.routes, new.routes)

    def route_fields(a: ir.Route | None, b: ir.Route | None) -> tuple[Field, ...]:
        return _route_fields(a, b, moved_consumers)

    for name, a, b, row in _pair_changes("route", old.routes, new.routes, moved_routes,
                                         route_fields):
        if row:
            add(row)
        pattern = () if a is None or b is None else _pattern_fields(a, b)
        if pattern:
            add(Change("pattern", "changed", name, pattern))

    destroys: tuple[Loss, ...] = ()
    decided: list[tuple[Loss, lockfile.Decision]] = []
    refusals: list[Diagnostic] = []
    moved: tuple[MovedTarget, ...] = ()
    if not first:
        base = old_lock if old_lock is not None else lockfile.of(old, {})
        if old_lock is not None:  # resources the base compiled to, beyond its lock's record
            known = {r.identity for r in old_lock.resources}
            extra = tuple(r for r in lockfile.inventory(old) if r.identity not in known)
            base = dataclasses.replace(old_lock, resources=(*old_lock.resources, *extra))
        recorded = new_lock.decisions if new_lock is not None else {}
        open_losses = []
        for loss in losses(base, new):
            decision = recorded.get(loss.owner)
            if decision is not None and set(loss.queues) <= set(decision.resources):
                decided.append((loss, decision))
            else:
                open_losses.append(loss)
        destroys = tuple(open_losses)
        refusals, _ = check(dataclasses.replace(base, decisions=dict(recorded)), new, set(),
                            set())
        moved = moved_targets(old, new)
    changes.sort(key=lambda c: KINDS.index(c.kind))
    renamed: dict[tuple[names.IdKind, str], str] = {
        **{("consumer", a): b for a, b in moved_consumers.items()},
        **{("route", a): b for a, b in moved_routes.items()},
    }
    return Diff(None if first else old, new, destroys, tuple(changes), renamed, tuple(decided),
                moved, tuple(refusals), () if first else schema_changes(old, new),
                changed_roots(None if first else old, new))


def changed_roots(old: ir.Topology | None, new: ir.Topology
                  ) -> tuple[tuple[str, str | None], ...]:
    """The roots of the compiled output (the bus account's `.`, each other account's
    `accounts/ACCOUNT-ID`) whose files differ between the two topologies: the plans to look
    at. Empty when neither side has a root for another account (there is one plan)."""
    from edac.core.emit.terraform import account_roots, emit

    def by_root(topo: ir.Topology | None) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        for path, text in (emit(topo) if topo is not None else {}).items():
            parts = path.split("/")
            root = "/".join(parts[:2]) if parts[0] == "accounts" and len(parts) > 2 else "."
            found.setdefault(root, {})[path] = text
        return found

    accounts = {r.path: r.account for r in account_roots(new)}
    if old is not None:
        accounts = {**{r.path: r.account for r in account_roots(old)}, **accounts}
    if not accounts:  # one root on both sides: nothing to tell apart (and nothing to emit)
        return ()
    before, after = by_root(old), by_root(new)
    return tuple((root, new.account if root == "." else accounts.get(root))
                 for root in sorted(set(before) | set(after))
                 if before.get(root) != after.get(root))


def moved_targets(old: ir.Topology, new: ir.Topology) -> tuple[MovedTarget, ...]:
    """Consumers (by their first names) whose rule changes within a route that stays."""
    before = _rule_of(old)
    after = _rule_of(new)
    found = []
    for (route, consumer), rule in sorted(after.items()):
        was = before.get((route, consumer))
        if was is not None and was[0] != rule[0]:
            found.append(MovedTarget(rule[1], rule[2], was[0], rule[0]))
    return tuple(found)


def _rule_of(topo: ir.Topology) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(route first name, consumer first name) -> (rule name, route name, consumer name)."""
    found = {}
    for route in topo.routes.values():
        first = names.oldest(route.name, route.previously)
        for rule in route.rules:
            for target in rule.targets:
                consumer = topo.consumers[target]
                found[(first, consumer.target_id)] = (rule.name, route.name, consumer.name)
    return found


def _archive(bus: ir.Bus) -> str:
    if bus.archive_days is None:
        return "none"
    return "forever" if bus.archive_days == 0 else f"{bus.archive_days}d"
