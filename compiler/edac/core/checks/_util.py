"""Small helpers shared by the checks."""

from __future__ import annotations

from edac.core.diagnostics import Diagnostic, Related, Severity
from edac.core.ir import Origin, Topology


def diag(
    topo: Topology,
    code: str,
    message: str,
    origin: Origin | None,
    *sub: str | int,
    label: str = "",
    help: str | None = None,
    key: bool = False,
    related: tuple[Related, ...] = (),
) -> Diagnostic:
    severity = Severity.WARNING if code.startswith("W") else Severity.ERROR
    return Diagnostic(code, severity, message, topo.span(origin, *sub, key=key), label, help,
                      related)
