"""A diff as a pull-request comment (markdown): the queues the change destroys first, a table of
the changes, then the diagram of the new topology with the changes marked. Text from the
topology reaches the markdown only through `edac.core.text.code` (and `|` escaped in
table cells)."""

from __future__ import annotations

from edac.core.diff import Change, Diff, Field, Kind
from edac.core.emit.mermaid.changes import diff_graph
from edac.core.emit.mermaid.graph import neighbourhood
from edac.core.emit.mermaid.render import LEGEND, DiagramTooLarge, fenced, render
from edac.core.text import code, count

MARKS = {"added": "🟢 added", "removed": "🔴 removed", "changed": "🟡 changed",
         "renamed": "🔵 renamed"}
COMMENT_MAX = 65_000  # GitHub refuses comments over 65,536 characters
MARKER = "<!-- edac diff -->"  # lets a workflow find (and update) its earlier comment



def _value(text: str | None) -> str:
    return code(text) if text else "(none)"


def _field_text(f: Field) -> str:
    if f.old is None and f.new is None:
        return f.what
    if f.old is None:
        return f"{f.what}: + {_value(f.new)}"
    if f.new is None:
        return f"{f.what}: - {_value(f.old)}"
    return f"{f.what}: {_value(f.old)} → {_value(f.new)}"


def _row(change: Change) -> str:
    details = "<br>".join(_field_text(f) for f in change.fields)
    cells = [MARKS[change.action], change.kind, code(change.name), details]
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def _destroy_lines(diff: Diff) -> list[str]:
    if not diff.destroys:
        return []
    total = sum(len(loss.queues) for loss in diff.destroys)
    lines = ["> [!CAUTION]",
             f"> **Applying this change destroys {count(total, 'queue')} and every "
             "message in them.**"]
    for loss in diff.destroys:
        queues = ", ".join(code(q) for q in loss.queues)
        if loss.replaced_by is None:
            lines.append(f"> - consumer {code(loss.consumer)} is removed: {queues}. If it was "
                         f"renamed, list {code(loss.consumer)} under `previously:` of its new "
                         f"name.")
        else:
            after = ", ".join(code(q) for q in loss.replaced_by)
            lines.append(f"> - consumer {code(loss.consumer)}: its queues are replaced "
                         f"({queues} become {after}).")
    lines.append("> ")
    lines.append("> `edac compile` refuses this until told, per consumer, `--forget NAME` "
                 "(keep the queues in AWS) or `--allow-destroy NAME`.")
    return lines + [""]


def _summary(diff: Diff) -> str:
    counts: dict[Kind, int] = {}
    for change in diff.changes:
        counts[change.kind] = counts.get(change.kind, 0) + 1
    parts = [count(n, kind) for kind, n in counts.items()]
    return f"{count(len(diff.changes), 'change')}: " + ", ".join(parts) + "."


def _diagram(diff: Diff, budget: int) -> list[str]:
    """The diagram section: the whole graph, else the changed elements and their neighbours,
    else a note (Mermaid's limits, and what is left of the comment's size)."""
    whole = diff_graph(diff)
    changed = set(whole.node_status) | {n for key in whole.edge_status for n in key}
    attempts = [("", whole)]
    if changed:
        attempts.append(("Only the changed elements and their neighbours are drawn (the whole "
                         "topology is too large for Mermaid).",
                         neighbourhood(whole, changed)))
    problem = ""
    for note, part in attempts:
        try:
            text = render(part)
        except DiagramTooLarge as exc:
            problem = str(exc)
            continue
        if len(text) + 500 > budget:
            problem = "the comment would be too long"
            continue
        lines = ["### Diagram", "", LEGEND + ".", ""]
        if note:
            lines += [note, ""]
        return lines + [fenced(text).rstrip("\n")]
    return ["### Diagram", "", f"Not drawn: {problem}. Run `edac diagram` with `--team`, "
            "`--consumer` or `--event` to see a part of the topology."]


def markdown(diff: Diff, base: str) -> str:
    """The pull-request comment: destroyed queues first, the changes, then the diagram."""
    lines = [MARKER, f"## edac: topology changes against {code(base)}", ""]
    if diff.old is None:
        lines += [f"The base has no topology at these paths: all of {code(diff.new.prefix)} "
                  "is new.", ""]
    if diff.empty:
        return "\n".join([*lines, "No changes to the topology."]) + "\n"
    lines += _destroy_lines(diff)
    lines += [_summary(diff), "", "| Change | Kind | Name | Details |", "|---|---|---|---|"]
    rows = [_row(c) for c in diff.changes]
    used = sum(len(line) + 1 for line in lines)
    for n, row in enumerate(rows):
        if used + len(row) > COMMENT_MAX // 2:
            lines.append(f"| … | | | {len(rows) - n} more changes: run `edac diff` locally |")
            break
        lines.append(row)
        used += len(row) + 1
    lines.append("")
    lines += _diagram(diff, COMMENT_MAX - used)
    return "\n".join(lines) + "\n"
