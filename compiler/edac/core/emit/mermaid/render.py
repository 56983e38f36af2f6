"""Mermaid text of a graph, within Mermaid's limits."""

from __future__ import annotations

from edac.core import ir
from edac.core.emit.mermaid.graph import (
    EVERYTHING,
    Edge,
    Graph,
    Node,
    Selection,
    Shape,
    Status,
    build,
    team_of,
)
from edac.core.emit.mermaid.labels import label

MAX_CHARS = 50_000  # Mermaid's maxTextSize
MAX_EDGES = 500  # Mermaid's maxEdges


# opening and closing of each node shape, around the quoted label
_SHAPES: dict[Shape, tuple[str, str]] = {
    "producer": ("([", "])"),
    "bus": ("{{", "}}"),
    "route": ("[", "]"),
    "queue": ("[(", ")]"),
    "consumer": ("(", ")"),
}
# how elements of a diff are drawn (GitHub's light palette, dark text for dark mode too)
STYLES: dict[Status, str] = {
    "added": "fill:#dafbe1,stroke:#1a7f37,stroke-width:2px,color:#1f2328",
    "removed": "fill:#ffebe9,stroke:#cf222e,stroke-width:2px,stroke-dasharray:5 5,color:#82071e",
    "changed": "fill:#fff8c5,stroke:#9a6700,stroke-width:2px,color:#1f2328",
    "replaced": "fill:#ffe2cc,stroke:#bc4c00,stroke-width:3px,color:#1f2328",
}
_LINK_STYLES: dict[Status, str] = {
    "added": "stroke:#1a7f37,stroke-width:2px",
    "removed": "stroke:#cf222e,stroke-width:2px,stroke-dasharray:5 5",
}
LEGEND = ("green: added; red, dashed: removed; yellow: changed; orange: queue replaced "
          "(its messages are lost)")


class DiagramTooLarge(Exception):
    """The diagram is over Mermaid's limits: show a part of it (`Selection`)."""

    def __init__(self, chars: int, edges: int) -> None:
        over = []
        if edges > MAX_EDGES:
            over.append(f"{edges} edges (Mermaid draws at most {MAX_EDGES})")
        if chars > MAX_CHARS:
            over.append(f"{chars} characters (Mermaid draws at most {MAX_CHARS})")
        super().__init__("the diagram has " + " and ".join(over))
        self.chars = chars
        self.edges = edges


def _node_line(node: Node) -> str:
    text = label(node.lines)
    if not text:
        return node.id
    opening, closing = _SHAPES[node.shape]
    return f'{node.id}{opening}"{text}"{closing}'


def _edge_line(edge: Edge, status: Status | None) -> str:
    arrow = "-.->" if edge.dotted or status == "removed" else "==>" if status == "added" else "-->"
    text = label(edge.lines)
    return f'{edge.src} {arrow}|"{text}"| {edge.dst}' if text else f"{edge.src} {arrow} {edge.dst}"


def _grouped(graph: Graph, members: list[Node], indent: str) -> list[str]:
    """The nodes, those of a team in its subgraph."""
    lines: list[str] = []
    by_group: dict[str | None, list[Node]] = {}
    for node in members:
        by_group.setdefault(node.group, []).append(node)
    for group in sorted(g for g in by_group if g is not None):
        title = label(["team " + team_of(group)])
        lines.append(f'{indent}subgraph {graph.groups[group]}["{title}"]')
        lines += [f"{indent}  {_node_line(n)}" for n in sorted(by_group[group],
                                                               key=lambda n: n.rank)]
        lines.append(f"{indent}end")
    lines += [f"{indent}{_node_line(n)}" for n in sorted(by_group.get(None, []),
                                                          key=lambda n: n.rank)]
    return lines


def render(graph: Graph) -> str:
    """Mermaid text of the graph (raises DiagramTooLarge over Mermaid's limits)."""
    if len(graph.edges) > MAX_EDGES:  # before the work of writing it
        raise DiagramTooLarge(0, len(graph.edges))
    lines = ["flowchart LR"]
    if graph.accounts:  # several accounts: each a subgraph, its teams inside
        for where, sid in graph.accounts.items():
            inside = [n for n in graph.nodes.values() if n.account == where]
            if not inside:
                continue
            lines.append(f'  subgraph {sid}["{label([where])}"]')
            lines += _grouped(graph, inside, "    ")
            lines.append("  end")
        lines += _grouped(graph, [n for n in graph.nodes.values()
                                  if n.account not in graph.accounts], "  ")
    else:
        lines += _grouped(graph, list(graph.nodes.values()), "  ")
    ranks = {nid: node.rank for nid, node in graph.nodes.items()}
    ordered = sorted(graph.edges.values(), key=lambda e: (ranks[e.src], ranks[e.dst]))
    lines += [f"  {_edge_line(e, graph.edge_status.get((e.src, e.dst)))}" for e in ordered]
    for status, style in STYLES.items():
        members = sorted(nid for nid, s in graph.node_status.items() if s == status)
        if members:
            lines.append(f"  classDef {status} {style}")
            lines.append(f"  class {','.join(members)} {status}")
    for status, style in _LINK_STYLES.items():
        indexes = [str(i) for i, e in enumerate(ordered)
                   if graph.edge_status.get((e.src, e.dst)) == status]
        if indexes:
            lines.append(f"  linkStyle {','.join(indexes)} {style}")
    text = "\n".join(lines) + "\n"
    if len(text) > MAX_CHARS:
        raise DiagramTooLarge(len(text), len(ordered))
    return text


def flowchart(topo: ir.Topology, selection: Selection = EVERYTHING) -> str:
    """The Mermaid flowchart of a topology, or of the selected part of it."""
    return render(build(topo, selection=selection))


def fenced(text: str) -> str:
    return f"```mermaid\n{text}```\n"
