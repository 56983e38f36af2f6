"""Checks over the resolved topology, one module per concern. Each check is a function
`(Topology) -> Iterable[Diagnostic]`; `run_checks` runs them all and collects everything."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable

from edac.core.checks import (
    accounts,
    alerts,
    aws_names,
    buses,
    environments,
    graph,
    patterns,
    queues,
    quotas,
    schemas,
    text,
)
from edac.core.diagnostics import Diagnostic
from edac.core.ir import Topology

Check = Callable[[Topology], Iterable[Diagnostic]]

CHECKS: tuple[Check, ...] = (
    *aws_names.CHECKS,
    *alerts.CHECKS,
    *environments.CHECKS,
    *accounts.CHECKS,
    *buses.CHECKS,
    *queues.CHECKS,
    *patterns.CHECKS,
    *schemas.CHECKS,
    *graph.CHECKS,
    *quotas.CHECKS,
    *text.CHECKS,
)


_PER_CONSUMER = re.compile(r"consumer `([^`]+)`: (.*)", re.S)


# what each element says about itself (names, charsets, lengths, its own settings): reported
# even when references between files fail, so a bad name shows at its own line
LOCAL_CHECKS: tuple[Check, ...] = (*aws_names.CHECKS, buses.names_and_regions,
                                   alerts.endpoints, *queues.CHECKS,
                                   *text.CHECKS)


def run_checks(topology: Topology) -> list[Diagnostic]:
    return _run(CHECKS, topology)


def run_local_checks(topology: Topology) -> list[Diagnostic]:
    """The checks of LOCAL_CHECKS, for a topology whose references did not all resolve."""
    return _run(LOCAL_CHECKS, topology)


def _run(checks: tuple[Check, ...], topology: Topology) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for check in checks:
        found.extend(check(topology))
    return _merge_shared_settings(found)


def _merge_shared_settings(found: list[Diagnostic]) -> list[Diagnostic]:
    """One diagnostic where several consumers inherit the same faulty setting (from
    `defaults`): same code, place and text but for the consumer's name."""
    groups: dict[tuple[object, ...], list[tuple[int, str]]] = {}
    for index, d in enumerate(found):
        match = _PER_CONSUMER.fullmatch(d.message)
        if match and d.span is not None:
            groups.setdefault((d.code, d.span, match[2], d.help), []).append((index, match[1]))
    merged: dict[int, Diagnostic] = {}
    dropped: set[int] = set()
    for (_, _, rest, _), members in groups.items():
        if len(members) < 2:
            continue
        names = ", ".join(f"`{name}`" for _, name in members)
        first = members[0][0]
        merged[first] = dataclasses.replace(found[first], message=f"consumers {names}: {rest}")
        dropped.update(index for index, _ in members[1:])
    return [merged.get(i, d) for i, d in enumerate(found) if i not in dropped]
