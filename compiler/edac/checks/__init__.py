"""Checks over the resolved topology, one module per concern. Each check is a function
`(Topology) -> Iterable[Diagnostic]`; `run_checks` runs them all and collects everything."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from edac.checks import graph, names, patterns, queues, schemas, text
from edac.diagnostics import Diagnostic
from edac.ir import Topology

Check = Callable[[Topology], Iterable[Diagnostic]]

CHECKS: tuple[Check, ...] = (
    *names.CHECKS,
    *queues.CHECKS,
    *patterns.CHECKS,
    *schemas.CHECKS,
    *graph.CHECKS,
    *text.CHECKS,
)


def run_checks(topology: Topology) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for check in CHECKS:
        found.extend(check(topology))
    return found
