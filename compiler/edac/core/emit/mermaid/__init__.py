"""IR -> a Mermaid flowchart of the topology, for READMEs and pull requests. Pure, deterministic.

Producers -> the bus -> routes (with a short summary of their pattern) -> consumer queues (with
their dead-letter queues) -> consumers; each team's queues and consumers sit in a subgraph, so a
route's fan-out across teams shows at a glance. Producers stay in the first column (their team
in their label): in a team's subgraph they would stretch it across the whole diagram.

Safe for any name:
- node ids are generated: a kind prefix (`p_`, `r_`, `q_`, `d_`, `c_`, `sg_`, and `bus`) and the
  name reduced to `[A-Za-z0-9_]`, with a short hash of the name when two names reduce to the
  same id; the same topology always gives the same ids;
- every label is quoted and goes through ONE function, `escape`, which writes every ASCII
  character other than letters, digits and space as a Mermaid entity (`#35;`): none of
  Mermaid's syntax, markdown, HTML or `$$` math survives in a label;
- lines of a label are separated by a newline inside the quotes, never `<br>`: after a `<br>`
  Mermaid decodes the entities before it reads markdown (11.x draws escaped backticks as code,
  `**` as bold; 11.x and 12.x draw `$$` as math), and `#10;` breaks no line in 11.x.

Mermaid draws nothing over 50,000 characters or 500 edges: `render` raises `DiagramTooLarge`
beyond them, and a `Selection` (teams, consumers, event types) draws a part of the topology.

The parts: `labels` (escaping and label text), `graph` (nodes, edges, selections),
`render` (Mermaid text), `page` (the markdown page), `changes` (the diagram of a diff).
"""

from __future__ import annotations

from edac.core.emit.mermaid.graph import (
    Edge,
    Graph,
    IdKind,
    Ids,
    Index,
    Node,
    Selection,
    Shape,
    Status,
    build,
    merge,
    neighbourhood,
    selected,
    with_note,
)
from edac.core.emit.mermaid.labels import LINE_MAX, clip, escape, label, route_summary
from edac.core.emit.mermaid.page import HEADER, PAGE_BUDGET, edge_count, markdown
from edac.core.emit.mermaid.render import (
    LEGEND,
    MAX_CHARS,
    MAX_EDGES,
    STYLES,
    DiagramTooLarge,
    fenced,
    flowchart,
    render,
)

__all__ = [
    "HEADER", "LEGEND", "LINE_MAX", "MAX_CHARS", "MAX_EDGES", "PAGE_BUDGET", "STYLES",
    "DiagramTooLarge", "Edge", "Graph", "IdKind", "Ids", "Index", "Node", "Selection", "Shape",
    "Status", "build", "clip", "edge_count", "escape", "fenced", "flowchart", "label",
    "markdown", "merge", "neighbourhood", "render", "route_summary", "selected", "with_note",
]
