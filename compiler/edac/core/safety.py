"""Nothing lost across changes: what holds data (queues and their messages, customer keys and
what they encrypt, the archive and its events, the idempotency table and its records) is never
destroyed by a compile unless the user says so.

The lock (`edac.core.lock`) records the stateful resources the last compile emitted. Comparing
them with the new topology finds every owner whose resources would be destroyed or replaced:
a consumer that left the topology (and is not the `previously:` name of another one), or
whose AWS names change (a FIFO switch, a new system name or environment), a consumer that no
longer asks for its key, the archive, the idempotency table. Each such loss is an error unless
the user chose, per owner, `--allow-destroy NAME` or `--forget NAME` (Terraform stops
managing the resources and leaves them in AWS: a `moved` block to a standalone address and a
`removed` block with `destroy = false`, since Terraform accepts `removed` only for whole
modules). The choice is recorded in the lock as a decision: the next compile, anywhere, needs
no flag, and forgotten resources get their `removed` blocks again on every compile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from edac.core.diagnostics import Diagnostic, Severity, Span
from edac.core.ir import Topology
from edac.core.lock import ARCHIVE, FORWARD, TABLE, Decision, Lock, Resource, inventory

OWNERS_HELP = (f"a consumer's name, `{ARCHIVE}` (the bus's archive), `{TABLE}` (the "
               f"idempotency table) or `{FORWARD}BUS` (the forward DLQ of a bus under "
               "`buses:`)")


@dataclass(frozen=True)
class Loss:
    """What applying the change destroys of one owner."""

    owner: str  # a consumer's name (as it was), ARCHIVE or TABLE
    resources: tuple[Resource, ...]
    replaced_by: tuple[str, ...] | None  # the new AWS names when the owner stays

    @property
    def consumer(self) -> str:
        return self.owner

    @property
    def queues(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.resources)

    @property
    def kinds(self) -> set[str]:
        return {r.kind for r in self.resources}


def losses(previous: Lock, topo: Topology) -> list[Loss]:
    """Owners of the previous compile whose resources the new topology would destroy."""
    now = inventory(topo)
    present = {r.identity for r in now}
    successors = {old: c for c in topo.consumers.values() for old in c.previously}
    by_owner: dict[str, list[Resource]] = {}
    for r in previous.resources:
        if r.identity not in present:
            by_owner.setdefault(r.owner, []).append(r)
    found = []
    for owner, gone in sorted(by_owner.items()):
        if owner in (ARCHIVE, TABLE):
            kind = "archive" if owner == ARCHIVE else "idempotency_table"
            again = tuple(r.name for r in now if r.kind == kind)
            found.append(Loss(owner, tuple(gone), again or None))
            continue
        if owner.startswith(FORWARD):
            again = tuple(r.name for r in now if r.owner == owner)
            found.append(Loss(owner, tuple(gone), again or None))
            continue
        current = topo.consumers.get(owner) or successors.get(owner)
        if current is None:
            found.append(Loss(owner, tuple(gone), None))
            continue
        kinds = {r.kind for r in gone}
        again = tuple(r.name for r in now if r.owner == current.name and r.kind in kinds)
        found.append(Loss(owner, tuple(gone), again))
    return found


def check(
    previous: Lock,
    topo: Topology,
    allow_destroy: set[str],
    forget: set[str],
    where: Mapping[str, Span] | None = None,
) -> tuple[list[Diagnostic], dict[str, Decision]]:
    """Errors for losses the user did not choose, and the decisions in force after this
    compile (those recorded before whose owner is still gone, plus the new choices).
    `where`: the lock's span of each owner's entries, for owners gone from the topology."""
    where = where or {}
    decisions = {owner: d for owner, d in previous.decisions.items()
                 if _still_gone(owner, d, topo)}
    found = losses(previous, topo)
    diagnostics = []
    known = {loss.owner for loss in found} | set(decisions)
    for name in sorted((allow_destroy | forget) - known):
        diagnostics.append(Diagnostic(
            "E802", Severity.ERROR,
            f"`{name}` was given to --allow-destroy or --forget, but this compile would destroy "
            f"nothing of `{name}`",
            help=f"the options name what this compile would destroy: {OWNERS_HELP}"))
    for loss in found:
        recorded = decisions.get(loss.owner)
        if recorded is not None and set(loss.queues) <= set(recorded.resources):
            continue
        if loss.owner in forget:
            problem = _cannot_forget(loss, topo)
            if problem:
                diagnostics.append(problem)
                continue
            held = {r.account for r in loss.resources if r.account}
            decisions[loss.owner] = Decision("forget", loss.queues,
                                             held.pop() if held else None)
            continue
        if loss.owner in allow_destroy:
            held = {r.account for r in loss.resources if r.account}
            decisions[loss.owner] = Decision("allow-destroy", loss.queues,
                                             held.pop() if len(held) == 1 else None)
            continue
        diagnostics.append(_refusal(loss, topo, where.get(loss.owner)))
    return diagnostics, dict(sorted(decisions.items()))


def _still_gone(owner: str, decision: Decision, topo: Topology) -> bool:
    """Whether a decision's owner is still absent (a consumer back under its name, its key,
    the table or the archive made again: the decision no longer applies)."""
    if owner == TABLE:  # the bus account's (decisions are made there: E802 elsewhere)
        return not any(c.idempotency_ttl is not None and topo.remote(c) is None
                       for c in topo.consumers.values())
    if owner == ARCHIVE:
        return topo.archive is None
    if owner.startswith(FORWARD):
        return not any(r.owner == owner for r in inventory(topo))
    current = topo.consumers.get(owner)
    if current is None:
        return True
    if decision.account is not None:
        # decided in another account's root: while the consumer lives elsewhere, that root
        # is kept, with the blocks that make it forget (it would destroy them otherwise), or
        # empty (applying it destroys what it still holds, whenever that is applied)
        return topo.remote(current) != decision.account
    key_only = all(name.startswith("alias/") for name in decision.resources)
    return key_only and current.queue.kms_key != "create"


def _cannot_forget(loss: Loss, topo: Topology) -> Diagnostic | None:
    if loss.owner.startswith(FORWARD):
        return Diagnostic(
            "E802", Severity.ERROR, f"`--forget {loss.owner}`: Terraform cannot leave one "
            "forward DLQ behind while the others stay under the same resource",
            help="move its messages elsewhere first (AWS's console or `aws sqs "
            f"start-message-move-task`), then `--allow-destroy {loss.owner}`")
    elsewhere = sorted({r.account for r in loss.resources if r.account})
    if len(elsewhere) > 1 or (elsewhere and loss.owner == TABLE):
        return Diagnostic(
            "E802", Severity.ERROR, f"`--forget {loss.owner}`: its resources are in the roots "
            f"of account {', '.join(elsewhere)} (under accounts/), and edac makes Terraform "
            "forget what one consumer (or the bus account's table) holds in one root",
            help=f"remove them from those roots' state yourself (`terraform state rm`), or "
            f"`--allow-destroy {loss.owner}`")
    if loss.owner == ARCHIVE:
        return Diagnostic(
            "E802", Severity.ERROR, f"`--forget {ARCHIVE}`: Terraform cannot leave the archive "
            "behind while the bus module declares it",
            help=f"keep `archive_days` to keep the archive, or `--allow-destroy {ARCHIVE}` "
            "to delete it and its events")
    current = topo.consumers.get(loss.owner) or next(
        (c for c in topo.consumers.values() if loss.owner in c.previously), None)
    moved = current is not None and elsewhere != [a for a in [topo.remote(current)] if a]
    if loss.replaced_by and loss.kinds & {"queue", "dlq", "target_dlq"} and not moved:
        # (a consumer moving to another account's root leaves its old root: that root
        # forgets them while the new one makes its queues)
        return Diagnostic(
            "E802", Severity.ERROR, f"`--forget {loss.owner}`: the queues of `{loss.owner}` are "
            "replaced, not removed; Terraform cannot stop managing them while the consumer "
            "keeps its address",
            help=f"to keep the old queues, give the consumer a new name (so that `{loss.owner}` "
            f"is removed and can be forgotten), or `--allow-destroy {loss.owner}`")
    return None


def _names(items: tuple[str, ...]) -> str:
    return ", ".join(f"`{n}`" for n in items)


def _refusal(loss: Loss, topo: Topology, lock_span: Span | None) -> Diagnostic:
    owner = loss.owner
    elsewhere = sorted({r.account for r in loss.resources if r.account})
    choice = (f"`--forget {owner}` keeps them in AWS (Terraform stops managing them"
              + (f": in account {', '.join(elsewhere)}, whose root forgets them"
                 if elsewhere else "") + f"), `--allow-destroy {owner}` deletes them"
              if len(elsewhere) <= 1 and not (elsewhere and owner == TABLE) else
              f"`--allow-destroy {owner}` deletes them (in accounts {', '.join(elsewhere)})")
    if owner == ARCHIVE:
        what = loss.queues[0]
        message = (f"the bus no longer has an archive: applying would delete the archive "
                   f"`{what}` and every event in it" if loss.replaced_by is None else
                   f"the archive `{what}` would be replaced by `{loss.replaced_by[0]}`, "
                   "deleting every event in it")
        return Diagnostic("E803", Severity.ERROR, message,
                          topo.span(topo.bus.origin) if topo.bus.origin else lock_span,
                          "its archive would be deleted",
                          help=f"keep `archive_days` (events can only be replayed from the "
                          f"archive), or `--allow-destroy {ARCHIVE}` to delete it")
    if owner.startswith(FORWARD):
        bus = owner[len(FORWARD):]
        what = loss.queues[0]
        message = (f"no route forwards to bus `{bus}` any more: applying would delete its "
                   f"forward DLQ `{what}` and the events in it" if loss.replaced_by is None
                   else f"the forward DLQ `{what}` of bus `{bus}` would be replaced by "
                   f"`{loss.replaced_by[0]}`, deleting the events in it")
        return Diagnostic("E801", Severity.ERROR, message, lock_span,
                          "recorded in the lock" if lock_span else "",
                          help="move its events elsewhere first (the events that could not "
                          "be forwarded), then `--allow-destroy " + owner + "` deletes it")
    if owner == TABLE and elsewhere:
        return Diagnostic("E804", Severity.ERROR,
                          f"no consumer of account {', '.join(elsewhere)} asks for idempotency "
                          f"any more: applying its root would delete the idempotency table "
                          f"`{loss.queues[0]}` there and its records", lock_span, "its records",
                          help=f"`--allow-destroy {TABLE}` deletes it (edac cannot make "
                          "Terraform forget resources of another account's root)")
    if owner == TABLE:
        what = loss.queues[0]
        message = (f"no consumer asks for idempotency any more: applying would delete the "
                   f"idempotency table `{what}` and its records (duplicates of events "
                   "already processed would be processed again)" if loss.replaced_by is None
                   else f"the idempotency table `{what}` would be replaced by "
                   f"`{loss.replaced_by[0]}`, losing its records")
        return Diagnostic("E804", Severity.ERROR, message, lock_span, "its records",
                          help=f"choose: `--forget {TABLE}` keeps the table in AWS, "
                          f"`--allow-destroy {TABLE}` deletes it")
    current = topo.consumers.get(owner) or next(
        (c for c in topo.consumers.values() if owner in c.previously), None)
    queues = tuple(r.name for r in loss.resources if r.kind != "kms_key")
    keys = tuple(r.name for r in loss.resources if r.kind == "kms_key")
    if current is None:
        held = [f"its queues {_names(queues)} and every message in them"] if queues else []
        if keys:
            held.append(f"its key {_names(keys)}")
        message = (f"consumer `{owner}` is no longer in the topology: applying would destroy "
                   + " and ".join(held))
        return Diagnostic("E801", Severity.ERROR, message, lock_span,
                          "recorded in the lock" if lock_span else "",
                          help=f"if it was renamed, add `previously: [{owner}]` to the new "
                          f"name; otherwise choose: {choice}")
    if not queues:
        return Diagnostic(
            "E805", Severity.ERROR,
            f"consumer `{owner}` no longer asks for `kms_key: create`: applying would delete "
            f"its key {_names(keys)} (after the key's waiting period), and the messages still "
            "encrypted with it could not be read any more",
            topo.span(current.origin, key=True), "its key would be deleted",
            help=f"keep `kms_key: create`; or `--forget {owner}` keeps the key in AWS, "
            f"`--allow-destroy {owner}` deletes it")
    new = loss.replaced_by or ()
    moved = {r.account for r in loss.resources} != {topo.remote(current) or ""}
    if moved:
        there = topo.remote(current)
        return Diagnostic(
            "E801", Severity.ERROR,
            f"consumer `{owner}` moves to {f'account {there}' if there else 'the bus account'}"
            f": applying would destroy its queues {_names(queues)} where they are, and every "
            "message in them (queues do not move between accounts)",
            topo.span(current.origin, "account") if topo.written(current.origin, "account")
            else topo.span(current.origin, key=True),
            "its queues would be made again elsewhere",
            help="let the consumer empty them first (`edac status` shows what is left); "
            f"then {choice}")
    message = (f"consumer `{owner}`: its queues would be replaced ({_names(queues)} become "
               f"{_names(tuple(n for n in new if not n.startswith('alias/')))}), destroying "
               "every message in them")
    return Diagnostic("E801", Severity.ERROR, message, topo.span(current.origin, key=True),
                      "its queues would be replaced",
                      help=f"queue names change with the system name, the environment and "
                      f"`fifo`; to go ahead, `--allow-destroy {owner}` deletes the old queues")
