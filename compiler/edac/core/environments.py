"""Environments: one topology deployed several times (`environments:` in the format).

The compiled environment's settings are laid over the topology's specs before the IR is built:
a value the environment sets replaces the topology's (mappings field by field, lists whole), and
the IR records where it came from (`Topology.overrides`) so that every diagnostic about it
points at the environment's YAML. What cannot differ between environments (a consumer's kind,
a queue's FIFO-ness and message group) is refused here (E742), and names an environment sets
that the topology does not have are E741.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from edac.core import ir
from edac.core.load import did_you_mean
from edac.core.spans import Path_
from edac.core.spec import EnvironmentSpec

# fields no environment may set: the queue's name and kind follow them, and a standard queue
# cannot become FIFO in place (SQS CreateQueue: FifoQueue is set only when the queue is made)
FIXED = {("queue", "fifo"): ("whether the queue is FIFO",
                             "the queue's name and type follow it, and SQS cannot turn a "
                             "standard queue into a FIFO queue (or back) in place"),
         ("queue", "message_group"): ("the FIFO message group",
                                      "the consumer's code relies on the order it gives")}

Report = Callable[[str, str, str, Path_, str, str | None], None]  # code, message, file, path...


@dataclass
class Overlay:
    """The environment being compiled and what it sets."""

    name: str
    spec: EnvironmentSpec
    origin: ir.Origin  # environments.<name>
    overrides: dict[tuple[str, Path_], ir.Origin] = field(default_factory=dict)

    def at(self, *sub: str | int) -> ir.Origin:
        return ir.Origin(self.origin.file, self.origin.path + sub)

    def lay(self, base: Any, base_origin: ir.Origin, over: BaseModel | None,
            over_origin: ir.Origin) -> Any:
        """`base` (a spec, or None) with what `over` sets laid over it; records each value
        it replaces (and where the environment wrote it)."""
        if over is None:
            return base
        if base is None:
            self.overrides[(base_origin.file, base_origin.path)] = over_origin
            return over
        update: dict[str, Any] = {}
        for name in over.model_fields_set:
            value = getattr(over, name)
            if value is None:
                continue
            key = _alias(over, name)
            here = ir.Origin(over_origin.file, over_origin.path + (key,))
            there = ir.Origin(base_origin.file, base_origin.path + (key,))
            mine = getattr(base, name, None)
            if isinstance(value, BaseModel) and isinstance(mine, BaseModel):
                update[name] = self.lay(mine, there, value, here)
            else:
                update[name] = value
                self.overrides[(there.file, there.path)] = here
        return base.model_copy(update=update)


def _alias(model: BaseModel, name: str) -> str:
    info = type(model).model_fields[name]
    return info.alias or name


def unknown_names(overlay: Overlay, known: dict[str, set[str]], report: Report) -> None:
    """E741: an environment that sets something for a name the topology does not have."""
    singular = {"teams": "team", "producers": "producer", "consumers": "consumer",
                "routes": "route", "buses": "bus"}
    for kind, word in singular.items():
        for name in getattr(overlay.spec, kind):
            if name in known[kind]:
                continue
            guess = did_you_mean(name, known[kind])
            report("E741", f"environment `{overlay.name}` sets {word} `{name}`, which the "
                   f"topology does not have", overlay.origin.file,
                   overlay.origin.path + (kind, name), f"no such {word}",
                   f"did you mean `{guess}`?" if guess else
                   f"an environment only sets the settings of the topology's {kind}")


def fixed_settings(overlay: Overlay, kinds: dict[str, str], report: Report) -> None:
    """E742: what cannot differ between environments (`kinds`: consumer -> lambda or
    container)."""
    for name, over in overlay.spec.consumers.items():
        if name not in kinds:
            continue  # E741
        where = overlay.origin.path + ("consumers", name)
        if over.queue is not None:
            for (part, setting), (what, why) in FIXED.items():
                if setting in over.queue.model_fields_set:
                    report("E742", f"environment `{overlay.name}` changes, for consumer "
                           f"`{name}`, {what}: it is the same in every environment",
                           overlay.origin.file, where + (part, setting), "cannot differ",
                           f"set it on the consumer itself: {why}")
        kind = kinds.get(name)
        for other, key in (("lambda", "lambda_"), ("container", "container")):
            if getattr(over, key) is not None and kind is not None and kind != other:
                report("E742", f"environment `{overlay.name}` gives consumer `{name}` a "
                       f"`{other}`, but it is a {kind} consumer", overlay.origin.file,
                       where + (other,), "a consumer is the same kind everywhere",
                       f"set what differs under `{kind}:`")


def same_kind(over: Any, base: Any) -> Any:
    """`over` without the kind (`lambda` / `container`) the consumer `base` is not (E742)."""
    drop = {key: None for key in ("lambda_", "container")
            if getattr(over, key) is not None and getattr(base, key) is None}
    return over.model_copy(update=drop) if drop else over
