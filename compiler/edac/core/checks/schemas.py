"""Route filters against the JSON Schemas of the events they take.

A typo in a filter field (`stauts`), a value outside an `enum`, or an operator of the wrong
type (a numeric range on a string) makes EventBridge silently drop every event. When the
event types of a route declare a schema for `detail`, these are caught here:

- E404: a filter field that no schema of the route's events has (with did-you-mean);
- E405: a filter value that no schema admits (enum, type);
- E406: a filter that none of the route's events can satisfy as a whole (a dead route).

How a schema is read for what it says about fields: edac.core.fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from edac.core.checks._util import diag
from edac.core.checks.patterns import PATTERN_MAX, sent_text
from edac.core.diagnostics import Diagnostic
from edac.core.fields import Condition, Schema, alternatives, enum_values, leaf_problem, show
from edac.core.ir import EventType, Route, Topology
from edac.core.load import did_you_mean

# ---------------------------------------------------------------------------------------------
# the check


def _event_schemas(topo: Topology, route: Route) -> list[tuple[EventType, Schema]] | None:
    """The schemas of every event the route takes; None when some event has none."""
    out = []
    for name in route.events:
        event = topo.events.get(name)
        if event is None or event.schema is None:
            return None
        out.append((event, Schema(event.schema)))
    return out


def _condition_ok(cond: Condition, schema: Schema) -> bool:
    nodes, _ = schema.resolve(cond.field)
    if nodes is None:
        return all(_absent_ok(leaf) for leaf in cond.leaves)
    return any(leaf_problem(leaf, nodes) is None for leaf in cond.leaves)


def _absent_ok(leaf: Any) -> bool:
    """Leaves that match a field that is absent: `exists: false`."""
    return isinstance(leaf, dict) and leaf.get("exists") is False


def filter_schemas(topo: Topology) -> Iterator[Diagnostic]:
    for route in topo.routes.values():
        if not route.filter or not route.rules or route.pattern_problems:
            continue
        if len(sent_text(route.pattern)) > PATTERN_MAX:
            continue  # EventBridge refuses it whole (E403): a diagnostic per value is noise
        schemas = _event_schemas(topo, route)
        if not schemas:
            continue
        alts = alternatives(route.filter)
        if alts is None:
            continue
        names = ", ".join(f"`{e.name}`" for e, _ in schemas)
        reported = False
        seen: set[tuple[str | int, ...]] = set()
        for cond in (c for alt in alts for c in alt):
            if cond.yaml in seen:
                continue
            seen.add(cond.yaml)
            field = "detail." + ".".join(cond.field)
            resolved = [(e, s.resolve(cond.field)) for e, s in schemas]
            if all(nodes is None for _, (nodes, _) in resolved):
                if all(_absent_ok(leaf) for leaf in cond.leaves):
                    continue
                known = sorted({k for _, (_, ks) in resolved for k in ks})
                guess = did_you_mean(cond.field[-1], known)
                reported = True
                inner = cond.field[1:]
                if cond.field[0] == "detail" and inner and any(
                        s.resolve(inner)[0] is not None for _, s in schemas):
                    yield diag(
                        topo, "E404",
                        f"route `{route.name}` filters on `{field}`: `filter` already applies "
                        f"inside the event's `detail`",
                        route.origin, "filter", *cond.yaml[:1], key=True,
                        label="one `detail` level too many",
                        help=f"remove the `detail:` level (filter on `{'.'.join(inner)}`), or "
                        "write a `pattern:` to match on the whole event",
                    )
                    continue
                yield diag(
                    topo, "E404",
                    f"route `{route.name}` filters on `{field}`, a field that no schema of "
                    f"{names} has",
                    route.origin, "filter", *cond.yaml, key=True, label="unknown field",
                    help=f"did you mean `{guess}`?" if guess else
                    ("fields here: " + ", ".join(f"`{k}`" for k in known)) if known else
                    "check the event's schema",
                )
                continue
            for i, leaf in enumerate(cond.leaves):
                problems = [
                    (e, leaf_problem(leaf, nodes))
                    for e, (nodes, _) in resolved
                    if nodes is not None
                ]
                if problems and all(p is not None for _, p in problems):
                    reason = problems[0][1]
                    guess = None
                    if isinstance(leaf, str):
                        nodes0 = resolved[0][1][0] or []
                        enum = [e for e in (enum_values(nodes0) or []) if isinstance(e, str)]
                        guess = did_you_mean(leaf, enum)
                    reported = True
                    yield diag(
                        topo, "E405",
                        f"route `{route.name}`: `{show(leaf)}` can never match `{field}`: "
                        f"{reason}",
                        route.origin, "filter", *cond.yaml, i,
                        label="no event can match this value",
                        help=f"did you mean `{guess}`?" if guess else
                        "fix the value or the event's schema",
                    )
        if reported:
            continue
        alive = [(e, s) for e, s in schemas
                 if any(all(_condition_ok(c, s) for c in alt) for alt in alts)]
        if alive:
            yield from _half_dead(topo, route, alts, schemas, alive)
            continue
        if not alive:
            yield diag(
                topo, "E406",
                f"route `{route.name}` can never match: no event it takes ({names}) can satisfy "
                "its whole filter",
                route.origin, "filter", key=True, label="dead route",
                help="each condition matches some event, but not all of them the same one: "
                "split the route, or use `$or`",
            )


def _half_dead(topo: Topology, route: Route, alts: list[list[Condition]],
               schemas: list[tuple[EventType, Schema]],
               alive: list[tuple[EventType, Schema]]) -> Iterator[Diagnostic]:
    """E409 for each event type of a live route that its filter can never match; E410 for
    each `$or` branch that no event the route takes can match."""
    living = {e.name for e, _ in alive}
    for i, name in enumerate(route.events):
        if name in living or len(route.events) < 2:
            continue
        yield diag(topo, "E409", f"route `{route.name}` can never match `{name}`: its filter "
                   "asks for what the schema of that event type rules out",
                   route.origin, "events", i, label="never matched by the filter",
                   help=f"remove `{name}` from `events`, or make the filter match it "
                   "(e.g. with `$or`)")
    branches: dict[tuple[str | int, ...], bool] = {}
    for alt in alts:
        ok = any(all(_condition_ok(c, s) for c in alt) for _, s in schemas)
        for cond in alt:
            for at in range(len(cond.yaml) - 1):
                if cond.yaml[at] == "$or" and isinstance(cond.yaml[at + 1], int):
                    key = cond.yaml[:at + 2]
                    branches[key] = branches.get(key, False) or ok
    for key, ok in sorted(branches.items(), key=lambda kv: [str(p) for p in kv[0]]):
        if ok or any(not branches.get(key[:n], True) for n in range(2, len(key), 2)
                     if key[:n] in branches):
            continue  # alive, or inside a branch already reported
        yield diag(topo, "E410", f"route `{route.name}`: `$or` branch {int(key[-1]) + 1} can never "
                   "match an event the route takes", route.origin, "filter", *key,
                   label="dead branch", help="fix or remove the branch: the schemas of the "
                   "route's events rule it out (with the conditions outside the `$or`)")


CHECKS = (filter_schemas,)
