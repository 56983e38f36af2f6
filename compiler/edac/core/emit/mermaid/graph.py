"""The graph of a topology: nodes, edges, team subgraphs, and the parts a selection draws."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from edac.core import ir, names
from edac.core.emit.mermaid.labels import clip, route_summary
from edac.core.reach import route_events
from edac.core.text import listing

Shape = Literal["producer", "bus", "route", "queue", "consumer"]
Status = Literal["added", "removed", "changed", "replaced"]
IdKind = names.IdKind


class Ids(names.DiagramIds):
    """The node ids of the elements of one or more topologies (see `edac.core.names`)."""

    @classmethod
    def of(cls, *topologies: ir.Topology | None,
           renamed: Mapping[tuple[IdKind, str], str] | None = None) -> Ids:
        """The ids for these topologies; `renamed` (kind, old name) -> new name: an element
        that was renamed keeps the id of its new name."""
        keys: list[tuple[IdKind, str]] = []
        for topo in topologies:
            if topo is None:
                continue
            keys += [("producer", n) for n in topo.producers]
            keys += [("route", n) for n in topo.routes]
            keys += [("consumer", n) for n in topo.consumers]
            keys += [("team", t) for t in topo.teams]
            keys += [("bus", b) for b in topo.buses]
        moved = renamed or {}
        return cls(k for k in keys if k not in moved)


@dataclass(frozen=True)
class Node:
    id: str
    shape: Shape
    lines: tuple[str, ...]  # label text, unescaped
    group: str | None  # the team subgraph (with several accounts: the team in one account)
    rank: tuple[int, str, int]  # position in the text: (stage, name, part)
    account: str | None = None  # the account subgraph, when the topology has several


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    lines: tuple[str, ...] = ()
    dotted: bool = False


@dataclass(frozen=True)
class Graph:
    nodes: dict[str, Node]
    edges: dict[tuple[str, str], Edge]
    groups: dict[str, str] = field(default_factory=dict)  # team -> subgraph id
    node_status: dict[str, Status] = field(default_factory=dict)
    edge_status: dict[tuple[str, str], Status] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)  # account label -> subgraph id


TEAM_IN_ACCOUNT = "\x1f"  # joins a team and its account in a group key


def team_of(group: str) -> str:
    """The team of a group key."""
    return group.split(TEAM_IN_ACCOUNT, 1)[0]


@dataclass(frozen=True)
class Selection:
    """A part of a topology: these teams, consumers and event types, with the routes that
    reach them (and every consumer those routes reach, so fan-out stays visible)."""

    teams: frozenset[str] = frozenset()
    consumers: frozenset[str] = frozenset()
    events: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.teams or self.consumers or self.events)

    def unknown(self, topo: ir.Topology) -> list[str]:
        """Messages for the names that are not in the topology."""
        problems = []
        for what, given, known in (("team", self.teams, set(topo.teams)),
                                   ("consumer", self.consumers, set(topo.consumers)),
                                   ("event type", self.events, set(topo.events))):
            for name in sorted(given - known):
                problems.append(f"unknown {what} `{name}` (known: {listing(sorted(known), 8)})")
        return problems


EVERYTHING = Selection()  # no selection: the whole topology


@dataclass(frozen=True)
class Index:
    """What drawing (parts of) one topology needs, computed once: ids, and who reaches whom."""

    ids: Ids
    teams: list[str]
    takes: dict[str, set[str]]  # route -> the event types it can take
    by_event: dict[str, list[str]]  # event type -> the routes that can take it
    by_consumer: dict[str, list[str]]  # consumer -> the routes to it
    by_team: dict[str, tuple[list[str], list[str]]]  # team -> (its producers, its consumers)
    emitted: dict[str, list[str]]  # producer -> its event types, sorted

    @classmethod
    def of(cls, topo: ir.Topology, ids: Ids | None = None) -> Index:
        takes = route_events(topo)
        by_event: dict[str, list[str]] = {}
        by_consumer: dict[str, list[str]] = {}
        for route in topo.routes.values():
            for event in takes[route.name]:
                by_event.setdefault(event, []).append(route.name)
            for target in route.to:
                by_consumer.setdefault(target, []).append(route.name)
        teams = topo.teams
        by_team: dict[str, tuple[list[str], list[str]]] = {t: ([], []) for t in teams}
        for p in topo.producers.values():
            if p.team is not None:
                by_team[p.team][0].append(p.name)
        for c in topo.consumers.values():
            by_team[c.team][1].append(c.name)
        emitted: dict[str, list[str]] = {}
        for event in sorted(topo.events):
            emitted.setdefault(topo.events[event].producer, []).append(event)
        return cls(ids or Ids.of(topo), teams, takes, by_event, by_consumer, by_team, emitted)


def selected(topo: ir.Topology, selection: Selection,
             index: Index) -> tuple[set[str], set[str], set[str]]:
    """(producers, routes, consumers) to draw."""
    if not selection:
        return set(topo.producers), set(topo.routes), set(topo.consumers)
    producers = {p for t in selection.teams for p in index.by_team[t][0]}
    consumers = set(selection.consumers) | {c for t in selection.teams
                                            for c in index.by_team[t][1]}
    events = set(selection.events) | {e for p in producers for e in index.emitted.get(p, [])}
    routes = {r for c in consumers for r in index.by_consumer.get(c, [])}
    routes |= {r for e in events for r in index.by_event.get(e, [])}
    # the routes forwarding to a bus of the team's (told when events cannot be forwarded)
    buses = {b.name for b in topo.forwarded if b.team in selection.teams}
    routes |= {r.name for r in topo.routes.values() if buses & set(r.forward)}
    for name in routes:
        consumers |= set(topo.routes[name].to)
        producers |= {topo.events[e].producer for e in index.takes[name]}
    producers |= {topo.events[e].producer for e in selection.events}
    return producers & set(topo.producers), routes, consumers


def build(topo: ir.Topology, index: Index | None = None, selection: Selection = EVERYTHING,
          renamed: Mapping[tuple[IdKind, str], str] | None = None) -> Graph:
    """The graph of a topology (or of the selected part). `renamed` maps (kind, name) to the
    name whose id the element takes (a diff draws a renamed element once)."""
    index = index or Index.of(topo)
    ids = index.ids
    moved = renamed or {}

    def node_id(prefix: str, kind: IdKind, name: str) -> str:
        return prefix + ids.get(kind, moved.get((kind, name), name))

    producers, routes, consumers = selected(topo, selection, index)
    nodes: dict[str, Node] = {}
    edges: dict[tuple[str, str], Edge] = {}
    bus = "bus"
    archive = topo.bus.archive_days
    archive_line = None if archive is None else (
        "archive forever" if archive == 0 else f"archive {archive}d")
    nodes[bus] = Node(bus, "bus", _lines(topo.bus.name, archive_line or ""), None, (1, "", 0))
    for name in sorted(producers):
        p = topo.producers[name]
        pid = node_id("p_", "producer", name)
        team = f"team {p.team}" if p.team else ""
        nodes[pid] = Node(pid, "producer", _lines(name, p.source, team), None, (0, name, 0))
        edges[(pid, bus)] = Edge(pid, bus, _lines(listing(index.emitted.get(name, []))))
    for name in sorted(routes):
        route = topo.routes[name]
        rid = node_id("r_", "route", name)
        extra = f"{len(route.rules)} rules" if len(route.rules) > 1 else ""
        nodes[rid] = Node(rid, "route", _lines(name, *route_summary(route), extra), None,
                          (2, name, 0))
        edges[(bus, rid)] = Edge(bus, rid)
        for target in route.to:
            if target in consumers:
                qid = node_id("q_", "consumer", target)
                edges[(rid, qid)] = Edge(rid, qid)
        for forwarded in route.forward:  # bus to bus: the other domain's rules go on
            b = topo.buses[forwarded]
            fid = node_id("f_", "bus", forwarded)
            account = b.account or ""
            there = topo.account_id(b.account) if b.account else topo.account
            nodes[fid] = Node(fid, "bus", _lines(b.bus_name, f"bus {forwarded}",
                                                 f"account {account} {there or ''}".strip()
                                                 if b.account else ""),
                              None, (4, forwarded, 0))
            edges[(rid, fid)] = Edge(rid, fid, _lines("forwarded"))
    for name in sorted(consumers):
        c = topo.consumers[name]
        qid, did, cid = (node_id(prefix, "consumer", name) for prefix in ("q_", "d_", "c_"))
        fifo = "FIFO" if c.queue.fifo else ""
        nodes[qid] = Node(qid, "queue", _lines(c.queues.main, fifo), c.team, (3, name, 0))
        receives = f"after {c.queue.max_receive_count} receives"
        nodes[did] = Node(did, "queue", _lines(c.queues.dlq, receives), c.team, (3, name, 1))
        if c.lambda_ is not None:
            runs = f"lambda {names.qualified_function(c.lambda_.function)}"
        else:
            assert c.container is not None
            runs = f"container {names.role_name(c.container.role)}"
        nodes[cid] = Node(cid, "consumer", _lines(name, runs), c.team, (3, name, 2))
        edges[(qid, did)] = Edge(qid, did, dotted=True)
        edges[(qid, cid)] = Edge(qid, cid)
    elements: list[ir.Producer | ir.Consumer] = [*topo.producers.values(),
                                                 *topo.consumers.values()]
    if any(topo.remote(e) for e in elements):
        return _by_account(topo, Graph(nodes, edges), ids, node_id)
    teams = {node.group for node in nodes.values() if node.group is not None}
    return Graph(nodes, edges, {team: "sg_" + ids.get("team", team) for team in sorted(teams)})


def account_label(topo: ir.Topology, element: ir.Producer | ir.Consumer | None) -> str:
    """The subgraph label of the account an element (None: the bus) lives in."""
    account = topo.remote(element) if element is not None else None
    if account is None:
        return f"bus account {topo.account}"
    return f"account {element.account if element else ''} {account}"


def _by_account(topo: ir.Topology, graph: Graph, ids: Ids,
                node_id: Callable[[str, IdKind, str], str]) -> Graph:
    """The graph with each node in the subgraph of its account (the bus and the routes in
    the bus's), and the team subgraphs inside them."""
    owner: dict[str, ir.Producer | ir.Consumer] = {}
    for name, p in topo.producers.items():
        owner[node_id("p_", "producer", name)] = p
    for name, c in topo.consumers.items():
        for prefix in ("q_", "d_", "c_"):
            owner[node_id(prefix, "consumer", name)] = c
    nodes: dict[str, Node] = {}
    groups: dict[str, str] = {}
    accounts: dict[str, str] = {}
    for nid, node in graph.nodes.items():
        if nid.startswith("f_"):  # another domain's bus: drawn outside the accounts
            nodes[nid] = node
            continue
        element = owner.get(nid)
        where = account_label(topo, element)
        account = (topo.remote(element) if element is not None else None) or topo.account
        accounts.setdefault(where, f"acc_{account}")
        group = node.group
        if group is not None:
            group = f"{group}{TEAM_IN_ACCOUNT}{account}"
            groups[group] = f"sg_{ids.get('team', node.group or '')}_{account}"
        nodes[nid] = replace(node, group=group, account=where)
    bus_first = dict(sorted(accounts.items(), key=lambda kv: (not kv[0].startswith("bus"),
                                                               kv[1])))
    return Graph(nodes, graph.edges, groups, accounts=bus_first)


def _lines(*texts: str) -> tuple[str, ...]:
    return tuple(clip(t) for t in texts)


def merge(old: Graph, new: Graph) -> Graph:
    """The new graph with what only the old one had, each element marked added, removed or
    changed (a node whose label differs)."""
    nodes = dict(new.nodes)
    status: dict[str, Status] = {}
    for nid, node in new.nodes.items():
        before = old.nodes.get(nid)
        if before is None:
            status[nid] = "added"
        elif before.lines != node.lines:
            status[nid] = "changed"
    for nid, node in old.nodes.items():
        if nid not in nodes:
            nodes[nid] = node
            status[nid] = "removed"
    edges = dict(new.edges)
    edge_status: dict[tuple[str, str], Status] = {
        key: "added" for key in new.edges if key not in old.edges}
    for key, edge in old.edges.items():
        if key not in edges:
            edges[key] = edge
            edge_status[key] = "removed"
    return Graph(nodes, edges, {**old.groups, **new.groups}, status, edge_status,
                 {**old.accounts, **new.accounts})


def neighbourhood(graph: Graph, seeds: set[str]) -> Graph:
    """The seed nodes, their neighbours and the bus, with the edges between them."""
    keep = set(seeds) | {"bus"}
    for src, dst in graph.edges:
        if src in seeds or dst in seeds:
            keep |= {src, dst}
    return Graph(
        {k: v for k, v in graph.nodes.items() if k in keep},
        {k: v for k, v in graph.edges.items() if k[0] in keep and k[1] in keep},
        graph.groups,
        {k: v for k, v in graph.node_status.items() if k in keep},
        {k: v for k, v in graph.edge_status.items() if k[0] in keep and k[1] in keep},
        graph.accounts,
    )


def with_note(graph: Graph, nid: str, note: str) -> Graph:
    """The graph with one more label line on a node."""
    node = graph.nodes[nid]
    nodes = {**graph.nodes, nid: replace(node, lines=(*node.lines, note))}
    return replace(graph, nodes=nodes)
