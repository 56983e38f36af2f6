"""The diagram of a diff: the new topology's graph with the old one's removed elements, and
what was added, removed, changed, renamed or replaced marked."""

from __future__ import annotations

import dataclasses

from edac.core.diff import Diff
from edac.core.emit.mermaid.graph import Graph, Ids, Index, Status, build, merge, with_note


def diff_graph(diff: Diff) -> Graph:
    """The new topology's graph with the old one's removed elements, marked."""
    ids = Ids.of(diff.old, diff.new, renamed=diff.renamed)
    new = build(diff.new, Index.of(diff.new, ids))
    if diff.old is None:
        old = Graph({}, {})
    else:
        old = build(diff.old, Index.of(diff.old, ids), renamed=diff.renamed)
    merged = merge(old, new)
    status = dict(merged.node_status)

    def mark(nid: str, how: Status) -> None:
        if nid in merged.nodes and status.get(nid) not in ("added", "removed"):
            status[nid] = how

    for change in diff.changes:
        if change.kind in ("route", "pattern") and change.name in diff.new.routes:
            mark("r_" + ids.get("route", change.name), "changed")
        elif (change.kind in ("consumer", "queue") or change.subject == "consumer") and (
                change.name in diff.new.consumers):
            prefix = "q_" if change.kind == "queue" else "c_"
            mark(prefix + ids.get("consumer", change.name), "changed")
        elif (change.kind == "producer" or change.subject == "producer") and (
                change.name in diff.new.producers):
            mark("p_" + ids.get("producer", change.name), "changed")
        elif change.kind == "event" and change.name in diff.new.events:
            mark("p_" + ids.get("producer", diff.new.events[change.name].producer), "changed")
        elif change.kind == "forward" and change.name in diff.new.buses:
            mark("f_" + ids.get("bus", change.name), "changed")
        elif change.kind in ("bus", "system"):
            mark("bus", "changed")
    for loss in diff.destroys:
        if loss.replaced_by and loss.kinds & {"queue", "dlq", "target_dlq"}:
            current = diff.new.consumers.get(loss.consumer) or next(
                (c for c in diff.new.consumers.values() if loss.consumer in c.previously), None)
            if current is not None:
                for prefix in ("q_", "d_"):
                    mark(prefix + ids.get("consumer", current.name), "replaced")
    result = dataclasses.replace(merged, node_status=status)
    for (kind, before), after in sorted(diff.renamed.items()):
        prefix = "r_" if kind == "route" else "c_"
        result = with_note(result, prefix + ids.get(kind, after), f"was {before}")
    return result
