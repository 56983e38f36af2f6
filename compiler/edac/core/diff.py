"""What a change to a topology does: `edac diff`, for pull-request review.

`compare(old, new)` lists the queues that applying the change would destroy (a consumer
removed without a `previously:` successor, or whose AWS queue names change: the same test as
`edac compile`'s safety check) and every other change to producers, event types, consumers,
queues, routes, patterns, permissions, the bus and the system settings. `markdown` renders it
as a pull-request comment: the destroyed queues first, a table of changes, and the diagram of
the new topology with what was added, removed and changed drawn differently.

The base topology comes from a path or a git ref (`load_base`): the ref's tree is exported
with `git archive` and the same paths are loaded from it.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from edac.api import Result, load_topology
from edac.core import ir
from edac.core.diagnostics import Diagnostic, Span
from edac.core.emit import mermaid
from edac.core.emit.mermaid import code, duration
from edac.core.safety import QueueLoss, manifest_data, queue_losses

Action = Literal["added", "removed", "changed", "renamed"]
Kind = Literal["route", "pattern", "consumer", "queue", "producer", "event", "permission", "bus",
               "system"]
KINDS: tuple[Kind, ...] = ("route", "pattern", "consumer", "queue", "producer", "event",
                           "permission", "bus", "system")
MARKS: dict[Action, str] = {"added": "🟢 added", "removed": "🔴 removed", "changed": "🟡 changed",
                            "renamed": "🔵 renamed"}
COMMENT_MAX = 65_000  # GitHub refuses comments over 65,536 characters
MARKER = "<!-- edac diff -->"  # lets a workflow find (and update) its earlier comment


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
class Diff:
    old: ir.Topology | None  # None: the base has no topology (everything is new)
    new: ir.Topology
    destroys: tuple[QueueLoss, ...]
    changes: tuple[Change, ...]
    renamed: dict[tuple[mermaid.IdKind, str], str]  # (kind, old name) -> new name

    @property
    def empty(self) -> bool:
        return not self.destroys and not self.changes


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
    if e.schema_file is None:
        return None
    return Path(os.path.relpath(e.schema_file, Path(e.origin.file).parent)).as_posix()


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


def _pattern_text(route: ir.Route) -> str:
    """The route's pattern, readable (`; `-separated clauses), for the table."""
    clauses = mermaid.pattern_clauses(route.raw_pattern) if route.raw_pattern is not None else [
        ", ".join(route.events), *mermaid.pattern_clauses(route.filter or {})]
    return "; ".join(clauses)


def _route_fields(a: ir.Route | None, b: ir.Route | None,
                  moved: dict[str, str]) -> tuple[Field, ...]:
    """`moved`: consumers renamed (old -> new name), not a change of the route's targets."""
    if a is None or b is None:
        return _fields([("takes", a and _pattern_text(a), b and _pattern_text(b)),
                        ("to", a and a.to, b and b.to)])
    fields = _fields([
        ("description", a.description, b.description),
        ("retry attempts", a.retry.attempts, b.retry.attempts),
        ("retry max age", duration(a.retry.max_age), duration(b.retry.max_age)),
        ("EventBridge rules", len(a.rules), len(b.rules)),
    ])
    return _members("to", [moved.get(t, t) for t in a.to], b.to) + fields


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


def compare(old: ir.Topology | None, new: ir.Topology) -> Diff:
    """Everything that changes from `old` to `new` (`old` None: a new topology)."""
    if old is None:
        old = dataclasses.replace(new, producers={}, events={}, consumers={}, routes={})
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

    destroys = () if first else tuple(queue_losses(manifest_data(old, {}), new))
    changes.sort(key=lambda c: KINDS.index(c.kind))
    renamed: dict[tuple[mermaid.IdKind, str], str] = {
        **{("consumer", a): b for a, b in moved_consumers.items()},
        **{("route", a): b for a, b in moved_routes.items()},
    }
    return Diff(None if first else old, new, destroys, tuple(changes), renamed)


def _archive(bus: ir.Bus) -> str:
    if bus.archive_days is None:
        return "none"
    return "forever" if bus.archive_days == 0 else f"{bus.archive_days}d"


# ---------------------------------------------------------------------------------------------
# the diagram of a diff


def graph(diff: Diff) -> mermaid.Graph:
    """The new topology's graph with the old one's removed elements, marked."""
    ids = mermaid.Ids.of(diff.old, diff.new, renamed=diff.renamed)
    new = mermaid.build(diff.new, mermaid.Index.of(diff.new, ids))
    if diff.old is None:
        old = mermaid.Graph({}, {})
    else:
        old = mermaid.build(diff.old, mermaid.Index.of(diff.old, ids), renamed=diff.renamed)
    merged = mermaid.merge(old, new)
    status = dict(merged.node_status)

    def mark(nid: str, how: mermaid.Status) -> None:
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
        elif change.kind in ("bus", "system"):
            mark("bus", "changed")
    for loss in diff.destroys:
        if loss.replaced_by is not None:
            current = diff.new.consumers.get(loss.consumer) or next(
                c for c in diff.new.consumers.values() if loss.consumer in c.previously)
            for prefix in ("q_", "d_"):
                mark(prefix + ids.get("consumer", current.name), "replaced")
    result = dataclasses.replace(merged, node_status=status)
    for (kind, before), after in sorted(diff.renamed.items()):
        prefix = "r_" if kind == "route" else "c_"
        result = mermaid.with_note(result, prefix + ids.get(kind, after), f"was {before}")
    return result


# ---------------------------------------------------------------------------------------------
# markdown


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
    count = sum(len(loss.queues) for loss in diff.destroys)
    lines = ["> [!CAUTION]",
             f"> **Applying this change destroys {mermaid.count(count, 'queue')} and every "
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
    parts = [mermaid.count(n, kind) for kind, n in counts.items()]
    return f"{mermaid.count(len(diff.changes), 'change')}: " + ", ".join(parts) + "."


def _diagram(diff: Diff, budget: int) -> list[str]:
    """The diagram section: the whole graph, else the changed elements and their neighbours,
    else a note (Mermaid's limits, and what is left of the comment's size)."""
    whole = graph(diff)
    changed = set(whole.node_status) | {n for key in whole.edge_status for n in key}
    attempts = [("", whole)]
    if changed:
        attempts.append(("Only the changed elements and their neighbours are drawn (the whole "
                         "topology is too large for Mermaid).",
                         mermaid.neighbourhood(whole, changed)))
    problem = ""
    for note, part in attempts:
        try:
            text = mermaid.render(part)
        except mermaid.DiagramTooLarge as exc:
            problem = str(exc)
            continue
        if len(text) + 500 > budget:
            problem = "the comment would be too long"
            continue
        lines = ["### Diagram", "", mermaid.LEGEND + ".", ""]
        if note:
            lines += [note, ""]
        return lines + [mermaid.fenced(text).rstrip("\n")]
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


# ---------------------------------------------------------------------------------------------
# the base


class BaseError(Exception):
    """The base cannot be read (not a path, not a git ref, git failed)."""


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError as exc:
        raise BaseError(f"cannot run git: {exc.strerror}") from exc
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BaseError(f"git {args[0]} failed: {message[-1] if message else proc.returncode}")
    return proc.stdout


def load_base(base: str, paths: Sequence[str]) -> Result | None:
    """The base topology: `base` is a path (file or directory) or else a git ref, whose tree
    at `paths` is loaded (paths taken relative to the working directory). None when the ref
    has none of the paths (the topology is new)."""
    if os.path.exists(base):
        return load_topology([base])
    cwd = Path.cwd()
    top = Path(_git(["rev-parse", "--show-toplevel"], cwd).decode().strip())
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"], cwd)
    except BaseError as exc:
        raise BaseError(f"`{base}` is neither a path nor a git ref") from exc
    with tempfile.TemporaryDirectory(prefix="edac-base-") as tmp:
        archive = _git(["archive", "--format=tar", f"{base}^{{tree}}"], top)
        if archive.strip(b"\0"):  # else an empty tree: only the end-of-archive blocks
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(tmp, filter="data")
        found = [str(p) for p in _inside(Path(tmp), top, paths) if p.exists()]
        if not found:
            return None
        result = load_topology(found)
    return _relabel(result, f"{tmp}{os.sep}", f"{base}:")


def _inside(root: Path, top: Path, paths: Sequence[str]) -> list[Path]:
    """The paths as they are under `root`, a copy of the repository at `top`."""
    out = []
    for path in paths:
        try:
            out.append(root / Path(path).resolve().relative_to(top.resolve()))
        except ValueError as exc:
            raise BaseError(f"`{path}` is not inside the git repository {top}") from exc
    return out


def _relabel(result: Result, prefix: str, label: str) -> Result:
    """The base's diagnostics and sources with its temporary paths shown as `REF:path`."""
    def name(file: str) -> str:
        return label + file[len(prefix):] if file.startswith(prefix) else file

    def where(s: Span) -> Span:
        return dataclasses.replace(s, file=name(s.file))

    def diag(d: Diagnostic) -> Diagnostic:
        related = tuple(dataclasses.replace(r, span=where(r.span)) for r in d.related)
        return dataclasses.replace(d, span=d.span and where(d.span), related=related)

    return Result(result.topology, [diag(d) for d in result.diagnostics],
                  {name(k): v for k, v in result.sources.items()})
