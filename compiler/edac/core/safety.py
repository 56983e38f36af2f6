"""Nothing lost across changes: queues (and the messages in them) are never destroyed by a
compile unless the user says so.

The output directory's manifest records the queues each consumer had when edac last wrote it.
Comparing them with the new topology finds every consumer whose queues would be destroyed: a
consumer that left the topology (and is not the `previously:` name of another one), or whose
AWS queue names change (a FIFO switch, a new system name or environment). Each such loss is
an error unless the user chose, per consumer, to destroy the queues (`--allow-destroy NAME`)
or to forget them (`--forget NAME`): Terraform stops managing them and leaves them in AWS,
through a `moved` block to a standalone address and a `removed` block with `destroy = false`
(Terraform accepts `removed` only for whole modules, not for one `for_each` instance).
Forgotten consumers stay in the manifest, so their `removed` blocks are emitted again on
every compile until an apply has taken them into account.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from edac.core.diagnostics import Diagnostic, Severity
from edac.core.ir import Topology


@dataclass(frozen=True)
class QueueLoss:
    consumer: str
    queues: tuple[str, ...]
    replaced_by: tuple[str, ...] | None  # the new names when the queues are replaced


def manifest_data(topo: Topology, forgotten: dict[str, list[str]]) -> dict[str, object]:
    """What the next compile needs to know about this one."""
    return {
        "consumers": {
            name: {"queues": [c.queues.main, c.queues.dlq, c.queues.target_dlq]}
            for name, c in topo.consumers.items()
        },
        "forgotten": dict(sorted(forgotten.items())),
    }


def previous_queues(data: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    consumers = data.get("consumers")
    if not isinstance(consumers, dict):
        return {}
    out = {}
    for name, entry in consumers.items():
        queues = entry.get("queues") if isinstance(entry, dict) else None
        if isinstance(queues, list) and all(isinstance(q, str) for q in queues):
            out[str(name)] = tuple(queues)
    return out


def previously_forgotten(data: dict[str, Any]) -> dict[str, list[str]]:
    forgotten = data.get("forgotten")
    if not isinstance(forgotten, dict):
        return {}
    return {str(k): [str(q) for q in v] for k, v in forgotten.items() if isinstance(v, list)}


def queue_losses(data: dict[str, Any], topo: Topology) -> list[QueueLoss]:
    """Consumers of the previous compile whose queues the new topology would destroy."""
    successors = {old: c for c in topo.consumers.values() for old in c.previously}
    losses = []
    for name, queues in sorted(previous_queues(data).items()):
        current = topo.consumers.get(name) or successors.get(name)
        if current is None:
            losses.append(QueueLoss(name, queues, None))
            continue
        now = (current.queues.main, current.queues.dlq, current.queues.target_dlq)
        if now != queues:
            losses.append(QueueLoss(name, queues, now))
    return losses


def check(
    data: dict[str, Any],
    topo: Topology,
    allow_destroy: set[str],
    forget: set[str],
) -> tuple[list[Diagnostic], dict[str, list[str]]]:
    """Errors for queue losses the user did not choose, and the forgotten consumers to emit
    `removed` blocks for (those forgotten before, plus the new choices)."""
    forgotten = {
        name: queues for name, queues in previously_forgotten(data).items()
        if name not in topo.consumers
    }
    diagnostics = []
    losses = queue_losses(data, topo)
    known = {loss.consumer for loss in losses}
    for name in sorted((allow_destroy | forget) - known):
        diagnostics.append(Diagnostic(
            "E802", Severity.ERROR,
            f"`{name}` was given to --allow-destroy or --forget, but no queue of a consumer "
            f"`{name}` would be destroyed",
            help="the option only applies to consumers whose queues this compile would destroy",
        ))
    for loss in losses:
        if loss.consumer in forget:
            forgotten[loss.consumer] = list(loss.queues)
            continue
        if loss.consumer in allow_destroy:
            continue
        queues = ", ".join(f"`{q}`" for q in loss.queues)
        if loss.replaced_by is None:
            message = (f"consumer `{loss.consumer}` is no longer in the topology: applying "
                       f"would destroy its queues {queues} and every message in them")
            help_text = (f"if it was renamed, add `previously: [{loss.consumer}]` to the new "
                         f"name; otherwise choose: `--forget {loss.consumer}` keeps the queues "
                         f"in AWS (Terraform stops managing them), `--allow-destroy "
                         f"{loss.consumer}` deletes them")
        else:
            message = (f"consumer `{loss.consumer}`: its queues would be replaced "
                       f"({queues} become " + ", ".join(f"`{q}`" for q in loss.replaced_by)
                       + "), destroying every message in them")
            help_text = (f"queue names change with the system name, the environment and "
                         f"`fifo`; to go ahead, `--forget {loss.consumer}` keeps the old queues "
                         f"in AWS, `--allow-destroy {loss.consumer}` deletes them")
        span = None
        if loss.replaced_by is not None:
            current = topo.consumers.get(loss.consumer) or next(
                c for c in topo.consumers.values() if loss.consumer in c.previously)
            span = topo.span(current.origin, key=True)
        diagnostics.append(Diagnostic("E801", Severity.ERROR, message, span,
                                      "its queues would be replaced", help=help_text))
    return diagnostics, forgotten

