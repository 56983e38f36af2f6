"""A diff as a pull-request comment (markdown): the queues the change destroys first, a table of
the changes, then the diagram of the new topology with the changes marked. Text from the
topology reaches the markdown only through `edac.core.text.code` (and `|` escaped in
table cells)."""

from __future__ import annotations

from edac.core.diff import Change, Diff, Field, Kind
from edac.core.emit.mermaid.changes import diff_graph
from edac.core.emit.mermaid.graph import neighbourhood
from edac.core.emit.mermaid.render import LEGEND, DiagramTooLarge, fenced, render
from edac.core.lock import ARCHIVE, FORWARD, TABLE
from edac.core.safety import Loss
from edac.core.text import code, count

MARKS = {"added": "🟢 added", "removed": "🔴 removed", "changed": "🟡 changed",
         "renamed": "🔵 renamed"}
COMMENT_MAX = 65_000  # GitHub refuses comments over 65,536 characters
MARKER = "<!-- edac diff -->"  # lets a workflow find (and update) its earlier comment


def code_comment(name: str) -> str:
    """An environment's name inside the HTML comment of the marker (a checked AWS name; any
    `-->` or `<` is dropped all the same)."""
    return "".join(ch for ch in name if ch.isalnum() or ch in "-_.")



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


def _held(loss: Loss) -> str:
    """What a loss destroys, in words."""
    names = ", ".join(code(r.name) for r in loss.resources)
    if loss.owner == ARCHIVE:
        return f"the archive {names} and every event in it"
    if loss.owner == TABLE:
        return f"the idempotency table {names} and its records"
    return names


def _loss_line(loss: Loss) -> str:
    owner = code(loss.owner)
    queues = ", ".join(code(r.name) for r in loss.resources if r.kind != "kms_key")
    keys = ", ".join(code(r.name) for r in loss.resources if r.kind == "kms_key")
    if loss.owner == ARCHIVE:
        return (f"> - the archive is removed: {_held(loss)}." if loss.replaced_by is None else
                f"> - the archive is replaced: {_held(loss)} become "
                f"{', '.join(code(n) for n in loss.replaced_by)}.")
    if loss.owner == TABLE:
        return f"> - {_held(loss)} are deleted (no consumer asks for idempotency any more)."
    if loss.owner.startswith(FORWARD):
        bus = code(loss.owner[len(FORWARD):])
        return (f"> - the forward DLQ of bus {bus} is deleted, with the events that could not "
                f"be forwarded: {queues}." if loss.replaced_by is None else
                f"> - the forward DLQ of bus {bus} is replaced: {queues} become "
                f"{', '.join(code(n) for n in loss.replaced_by)}.")
    if loss.replaced_by is None:
        line = f"> - consumer {owner} is removed: {queues}"
        if keys:
            line += f" and its key {keys}" if queues else f"its key {keys}"
        return (line + f". If it was renamed, list {owner} under `previously:` of its new "
                "name.")
    if not queues:
        return (f"> - consumer {owner} no longer asks for `kms_key: create`: its key {keys} "
                "is deleted, and what it encrypted can no longer be read.")
    after = ", ".join(code(q) for q in loss.replaced_by if not q.startswith("alias/"))
    return f"> - consumer {owner}: its queues are replaced ({queues} become {after})."


def _destroy_lines(diff: Diff) -> list[str]:
    lines: list[str] = []
    if diff.destroys:
        queues = sum(1 for loss in diff.destroys for r in loss.resources
                     if r.kind in ("queue", "dlq", "target_dlq"))
        held = [f"{count(queues, 'queue')} and every message in them"] if queues else []
        held += [_held(loss) for loss in diff.destroys if loss.owner in (ARCHIVE, TABLE)]
        keys = sum(1 for loss in diff.destroys for r in loss.resources if r.kind == "kms_key")
        if keys:
            held.append(f"{count(keys, 'customer key')} (and what they encrypt)")
        lines += ["> [!CAUTION]",
                  f"> **Applying this change destroys {', '.join(held)}.**"]
        lines += [_loss_line(loss) for loss in diff.destroys]
        lines.append("> ")
        forwards = [loss.owner for loss in diff.destroys if loss.owner.startswith(FORWARD)]
        told = []
        if len(forwards) < len(diff.destroys):
            told.append("per consumer, `--forget NAME` (keep the queues in AWS) or "
                        "`--allow-destroy NAME`"
                        + (f" (`{ARCHIVE}`, `{TABLE}` for the archive and the table)"
                           if any(loss.owner in (ARCHIVE, TABLE) for loss in diff.destroys)
                           else ""))
        if forwards:  # one resource holds every forward DLQ: none can be forgotten (E802)
            told.append(", ".join(f"`--allow-destroy {owner}`" for owner in forwards)
                        + " once the events in " + ("it are" if len(forwards) == 1 else
                                                    "them are")
                        + " moved elsewhere (a forward DLQ cannot be forgotten)")
        lines.append("> `edac compile` refuses this until told: " + "; ".join(told) + ".")
        lines.append("")
    if diff.decided:
        lines.append("> [!NOTE]")
        lines.append("> Decided in the lock (`edac.lock`):")
        for loss, decision in diff.decided:
            if decision.choice == "forget":
                what = "kept in AWS, no longer managed by Terraform"
            else:
                what = "deleted by the next apply"
            lines.append(f"> - {code(loss.owner)}: `--{decision.choice}`, {what}: "
                         f"{_held(loss)}.")
        lines.append("")
    if diff.moved_targets:
        lines.append("> [!WARNING]")
        lines.append("> **Targets move to another rule of their route**: while the change is "
                     "applied, events for them can be refused or lost.")
        lines += [f"> - {code(m.consumer)} of route {code(m.route)}: {code(m.before)} → "
                  f"{code(m.after)}" for m in diff.moved_targets]
        lines.append("")
    return lines


def _root_lines(diff: Diff) -> list[str]:
    """Which roots' plans change, when either side has roots for other accounts (none
    listed otherwise: see edac.core.diff.changed_roots)."""
    if not diff.roots:
        return []
    shown = [f"{code(root)}" + (f" (account {code(account)})" if account else "")
             for root, account in diff.roots]
    return ["Terraform roots whose plan changes: " + ", ".join(shown) + ".", ""]


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


def _schema_lines(diff: Diff) -> list[str]:
    """First in the comment: each event schema that changed, who it breaks and why."""
    if not diff.schemas:
        return []
    lines = ["### Event schema changes", ""]
    for change in diff.schemas:
        head = (f"- {MARKS['changed'] if not change.breaking else '🔴 breaking'}: event "
                f"{code(change.event)} (producer {code(change.producer)})")
        lines.append(head)
        if change.producers:
            lines.append(f"  - breaks its producer {code(change.producer)}: events it sends "
                         "today would be invalid: "
                         + "; ".join(code(r) for r in change.producers[:5]))
        if change.consumers:
            readers = ", ".join([*(code(c) for c in change.readers),
                                 *(f"the domain behind bus {code(b)}"
                                   for b in change.forwarded_to)]) or "no consumer yet"
            lines.append(f"  - breaks its readers ({readers}): they may now receive what "
                         "they were not written for: "
                         + "; ".join(code(r) for r in change.consumers[:5]))
        if not change.breaking:
            lines.append("  - compatible for the producer and for every reader")
        for route, why in change.widened:
            lines.append(f"  - route {code(route)} starts matching more events: "
                         + "; ".join(code(w) for w in why[:5]))
        if change.routes:
            lines.append("  - routes that take it: " + ", ".join(code(r) for r in change.routes))
    return [*lines, ""]


def markdown(diff: Diff, base: str) -> str:
    """The pull-request comment: destroyed queues first, the changes, then the diagram."""
    topo = diff.new
    if topo.environments and topo.environment is not None:
        # one comment per environment: each job of a matrix finds (and updates) its own
        where = ", ".join(x for x in (f"account {topo.account}" if topo.account else "",
                                      topo.region or "") if x)
        title = (f"## edac: topology changes in environment {code(topo.environment)}"
                 + (f" ({where})" if where else "") + f" against {code(base)}")
        marker = f"<!-- edac diff {code_comment(topo.environment)} -->"
    else:
        title, marker = f"## edac: topology changes against {code(base)}", MARKER
    lines = [marker, title, ""]
    if diff.old is None:
        lines += [f"The base has no topology at these paths: all of {code(diff.new.prefix)} "
                  "is new.", ""]
    if diff.empty:
        return "\n".join([*lines, "No changes to the topology."]) + "\n"
    lines += _schema_lines(diff)
    lines += _destroy_lines(diff)
    lines += _root_lines(diff)
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
