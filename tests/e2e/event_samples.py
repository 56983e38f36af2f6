"""Events to send through a deployed topology, and where each must arrive.

Derived from the compiled IR (routes, their rules' patterns and targets), not hard-coded:
for every route, events that match it (one per event type it takes and per `$or` branch)
and events that must not (another source, another detail-type, each filter value off).
Where an event must arrive is decided by edac's pattern engine (edac.patterns, checked
against AWS's event-ruler by its conformance corpus) over ALL rules of the topology: an
event built for one route may rightly also match another (an audit route on a source
prefix, say). The e2e test then checks that the emulator delivered exactly that.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from edac.core import ir
from edac.patterns import compile_pattern

ACCOUNT = "123456789012"
REGION = "us-east-1"
OTHER_SOURCE = "e2e.unknown-source"
OTHER_DETAIL_TYPE = "E2E Unknown Type"
SETTABLE = {"source", "detail-type", "resources", "detail"}  # what PutEvents sets


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING = _Missing()


@dataclass
class Sample:
    """An event to put on the bus, why it was made, and which consumers must get it."""

    source: str
    detail_type: str
    detail: dict[str, Any]
    resources: list[str] = field(default_factory=list)
    why: str = ""  # what it was built for (several reasons when samples coincide)
    expected: frozenset[str] = frozenset()  # consumers, from the pattern engine over all rules

    def envelope(self, event_id: str = "00000000-0000-0000-0000-000000000000") -> dict[str, Any]:
        """The event as EventBridge delivers it (what patterns are matched against)."""
        return {
            "version": "0", "id": event_id, "detail-type": self.detail_type,
            "source": self.source, "account": ACCOUNT, "time": "2024-01-01T00:00:00Z",
            "region": REGION, "resources": list(self.resources), "detail": self.detail,
        }

    def entry(self, bus: str) -> dict[str, Any]:
        entry: dict[str, Any] = {"Source": self.source, "DetailType": self.detail_type,
                                 "Detail": json.dumps(self.detail), "EventBusName": bus}
        if self.resources:
            entry["Resources"] = list(self.resources)
        return entry

    def key(self) -> str:
        return json.dumps([self.source, self.detail_type, self.detail, self.resources],
                          sort_keys=True)


def _matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    return compile_pattern(pattern).matches(event)


def _leaf_accepts(leaf: list[Any], value: Any) -> bool:
    event = {} if value is MISSING else {"f": value}
    return _matches({"f": leaf}, event)


def _positive_candidates(leaf: list[Any]) -> list[Any]:
    found: list[Any] = []
    for element in leaf:
        if not isinstance(element, dict):
            found.append(element)
            continue
        for op, arg in element.items():
            if op == "prefix":
                text = arg.get("equals-ignore-case") if isinstance(arg, dict) else arg
                found += [f"{text}e2e", text]
            elif op == "suffix":
                text = arg.get("equals-ignore-case") if isinstance(arg, dict) else arg
                found += [f"e2e{text}", text]
            elif op == "equals-ignore-case":
                found += [arg.swapcase(), arg] if isinstance(arg, str) else []
            elif op == "wildcard" and isinstance(arg, str):
                found += [arg.replace("*", "e2e"), arg.replace("*", "")]
            elif op == "numeric" and isinstance(arg, list):
                bounds = [v for v in arg if isinstance(v, (int, float))]
                if len(bounds) == 2:
                    found.append((bounds[0] + bounds[1]) / 2)
                for v in bounds:
                    found += [v, v + 1, v - 1, v + 0.5, v - 0.5]
            elif op == "exists":
                found.append("e2e" if arg else MISSING)
            elif op == "anything-but":
                found += ["e2e-anything-else", 987654321]
            elif op == "cidr" and isinstance(arg, str):
                import ipaddress

                network = ipaddress.ip_network(arg, strict=False)
                found.append(str(next(iter(network.hosts()), network.network_address)))
    return found + ["e2e", 1, 0, True, MISSING]


def _negative_candidates(leaves: list[list[Any]]) -> list[Any]:
    """Values to try, those closest to the pattern's own values first (a numeric bound
    itself, one off it), generic ones last."""
    found: list[Any] = []
    for leaf in leaves:
        for element in leaf:
            if isinstance(element, dict):
                for op, arg in element.items():
                    if op == "anything-but":
                        values = arg if isinstance(arg, list) else [arg]
                        found += [v for v in values if not isinstance(v, dict)]
                        for v in values:
                            if isinstance(v, dict) and isinstance(v.get("prefix"), str):
                                found.append(v["prefix"] + "e2e")
                    elif op == "numeric" and isinstance(arg, list):
                        bounds = [v for v in arg if isinstance(v, (int, float))]
                        for v in bounds:
                            found += [v, v - 1, v + 1, v - 1000, v + 1000]
                    elif op == "exists":
                        found.append("e2e" if not arg else MISSING)
            else:
                if isinstance(element, str):
                    found.append(element + "-off")
                elif isinstance(element, (int, float)) and not isinstance(element, bool):
                    found.append(element + 1000)
    return [*found, "e2e-off-value", -987654.5, 987654321, MISSING, False]


def _constrained_paths(pattern: dict[str, Any], prefix: tuple[str, ...] = ()
                       ) -> dict[tuple[str, ...], list[list[Any]]]:
    """Every field the pattern constrains (in every `$or` branch), with its leaves."""
    found: dict[tuple[str, ...], list[list[Any]]] = {}
    for key, value in pattern.items():
        if key == "$or":
            for branch in value:
                for path, leaves in _constrained_paths(branch, prefix).items():
                    found.setdefault(path, []).extend(leaves)
        elif isinstance(value, dict):
            for path, leaves in _constrained_paths(value, prefix + (key,)).items():
                found.setdefault(path, []).extend(leaves)
        elif isinstance(value, list):
            found.setdefault(prefix + (key,), []).append(value)
    return found


def _compatible(branch: dict[str, Any], pinned: dict[tuple[str, ...], Any]) -> bool:
    paths = _constrained_paths(branch)
    return all(all(_leaf_accepts(leaf, pinned[p]) for leaf in leaves)
               for p, leaves in paths.items() if p in pinned)


def _set(document: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        document = document.setdefault(key, {})
    if value is not MISSING:
        document[path[-1]] = value


def positive_event(pattern: dict[str, Any], choice: int,
                   pinned: dict[tuple[str, ...], Any]) -> dict[str, Any]:
    """An event (envelope fields and detail) meant to match `pattern`: the `choice`-th
    branch of each `$or` (among those that accept the pinned values), pinned values where
    the pattern accepts them."""
    event: dict[str, Any] = {}

    def walk(node: dict[str, Any], prefix: tuple[str, ...]) -> None:
        for key, value in node.items():
            if key == "$or":
                rel = {p[len(prefix):]: v for p, v in pinned.items() if p[:len(prefix)] == prefix}
                branches = [b for b in value if _compatible(b, rel)] or list(value)
                walk(branches[choice % len(branches)], prefix)
            elif isinstance(value, dict):
                walk(value, prefix + (key,))
            elif isinstance(value, list):
                path = prefix + (key,)
                candidates = ([pinned[path]] if path in pinned else []) + \
                    _positive_candidates(value)
                chosen = next((c for c in candidates if _leaf_accepts(value, c)), MISSING)
                _set(event, path, chosen)

    walk(pattern, ())
    for path, value in pinned.items():  # what the pattern does not constrain
        if _get(event, path) is MISSING:
            _set(event, path, value)
    return event


def _get(document: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = document
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return MISSING
        node = node[key]
    return node


def off_detail(pattern: dict[str, Any], detail: dict[str, Any]) -> dict[str, Any] | None:
    """`detail` with every field the pattern's detail constrains set to a value that fails
    all the leaves on that field (or removed); None when the pattern has no detail part."""
    paths = {p: leaves for p, leaves in _constrained_paths(pattern).items()
             if p[0] == "detail" and len(p) > 1}
    if not paths:
        return None
    result = json.loads(json.dumps(detail))
    for path, leaves in paths.items():
        value = next((c for c in _negative_candidates(leaves)
                      if not any(_leaf_accepts(leaf, c) for leaf in leaves)), None)
        sub = path[1:]
        if value is None or value is MISSING:
            parent = _get(result, sub[:-1]) if len(sub) > 1 else result
            if isinstance(parent, dict):
                parent.pop(sub[-1], None)
        else:
            _set(result, sub, value)
    return result


def _or_width(pattern: Any) -> int:
    if isinstance(pattern, dict):
        widths = [len(v) if k == "$or" else 1 for k, v in pattern.items()]
        nested = [_or_width(b) for k, v in pattern.items() for b in (v if k == "$or" else [v])]
        return max([*widths, *nested, 1])
    return 1


class CannotBuild(Exception):
    pass


def _sample_from(event: dict[str, Any], **kw: Any) -> Sample:
    unsupported = set(event) - SETTABLE
    if unsupported:
        raise CannotBuild(f"the pattern constrains {sorted(unsupported)}, which PutEvents "
                          "cannot set")
    detail = event.get("detail", {})
    resources = event.get("resources", [])
    return Sample(source=str(event.get("source", OTHER_SOURCE)),
                  detail_type=str(event.get("detail-type", OTHER_DETAIL_TYPE)),
                  detail=detail if isinstance(detail, dict) else {},
                  resources=resources if isinstance(resources, list) else [resources], **kw)


def route_samples(topo: ir.Topology, route: ir.Route) -> tuple[list[Sample], list[Sample]]:
    """Events that match `route` and events that must not: (positives, negatives)."""
    pattern = route.pattern
    pins: list[dict[tuple[str, ...], Any]] = []
    for name in route.events or ():
        event_type = topo.events[name]
        pins.append({("source",): topo.producers[event_type.producer].source,
                     ("detail-type",): name})
    if not pins:
        pins.append({})
    positives: dict[str, Sample] = {}
    for pin in pins:
        for choice in range(_or_width(pattern)):
            built = positive_event(pattern, choice, pin)
            sample = _sample_from(built, why=f"matches {route.name}")
            if _matches(pattern, sample.envelope()):
                positives.setdefault(sample.key(), sample)
    if not positives:
        raise CannotBuild(f"could not build an event that matches route {route.name}: "
                          f"{json.dumps(pattern)}; add a hand-written one")

    negatives: dict[str, Sample] = {}
    own_types = set(route.events)
    for base in positives.values():
        variants: list[tuple[str, dict[str, Any]]] = [
            (f"{route.name}: other source", dict(source=OTHER_SOURCE)),
            (f"{route.name}: other detail-type", dict(detail_type=OTHER_DETAIL_TYPE)),
        ]
        # the producer's other event types, which this route does not take
        for name, event_type in topo.events.items():
            producer = topo.producers.get(event_type.producer)
            if producer and producer.source == base.source and name not in own_types:
                variants.append((f"{route.name}: {name} (not taken)", dict(detail_type=name)))
        off = off_detail(pattern, base.detail)
        if off is not None:
            variants.append((f"{route.name}: filter value off", dict(detail=off)))
        for why, change in variants:
            sample = replace(base, why=why, **change)
            if not _matches(pattern, sample.envelope()):
                negatives.setdefault(sample.key(), sample)
    return list(positives.values()), list(negatives.values())


def expected_consumers(topo: ir.Topology, sample: Sample) -> frozenset[str]:
    """The consumers whose queue must receive `sample` once: the targets of every rule whose
    pattern matches it."""
    event = sample.envelope()
    return frozenset(target for _, rule in topo.rules()
                     if _matches(rule.pattern, event) for target in rule.targets)


def all_samples(topo: ir.Topology) -> list[Sample]:
    """Positives and negatives for every route, each with its expected consumers."""
    found: dict[str, Sample] = {}
    for route in topo.routes.values():
        if not route.rules:
            continue
        positives, negatives = route_samples(topo, route)
        for sample in positives + negatives:
            same = found.setdefault(sample.key(), sample)
            if same is not sample:
                same.why += f"; {sample.why}"
    samples = list(found.values())
    for sample in samples:
        sample.expected = expected_consumers(topo, sample)
    return samples
