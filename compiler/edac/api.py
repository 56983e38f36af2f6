"""The library API: what the CLI and the tests call.

Phases: read -> load (spans) -> validate (pydantic) -> resolve (IR) -> check. Each phase
collects all its diagnostics; the next one runs only when the earlier ones found no error.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from typing import Any

from edac.core import ir
from edac.core.checks import run_checks
from edac.core.diagnostics import Diagnostic, has_errors, sorted_diagnostics
from edac.core.load import validate_file
from edac.core.resolve import resolve
from edac.core.source import read_files


@dataclass
class Result:
    topology: ir.Topology | None
    diagnostics: list[Diagnostic]
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.topology is not None and not has_errors(self.diagnostics)


def load_topology(paths: Sequence[str]) -> Result:
    """Read, validate, resolve and check a topology given as files and/or directories."""
    sources, diagnostics = read_files(list(paths))
    texts = {s.path: s.text for s in sources}
    validated = []
    for source in sources:
        spec, diags = validate_file(source)
        diagnostics.extend(diags)
        if spec is not None:
            validated.append((source, spec))
    if has_errors(diagnostics) or not validated:
        return Result(None, sorted_diagnostics(diagnostics), texts)
    topology, diags = resolve(validated)
    diagnostics.extend(diags)
    if topology is None or has_errors(diagnostics):
        return Result(None, sorted_diagnostics(diagnostics), texts)
    diagnostics.extend(run_checks(topology))
    return Result(topology, sorted_diagnostics(diagnostics), texts)


@dataclass
class Compiled:
    result: Result
    files: dict[str, str]
    manifest: dict[str, object] = field(default_factory=dict)


def compile_paths(
    paths: Sequence[str],
    previous: dict[str, Any] | None = None,
    allow_destroy: Set[str] = frozenset(),
    forget: Set[str] = frozenset(),
) -> Compiled:
    """Load a topology and, when it has no errors, emit the Terraform root module.

    `previous` is the manifest data of the last compile into the same output: queues it had
    that this compile would destroy are errors unless named in `allow_destroy` or `forget`.
    """
    from edac.core import safety
    from edac.core.emit import mermaid, terraform

    result = load_topology(paths)
    if not result.ok:
        return Compiled(result, {})
    topology = result.topology
    assert topology is not None
    losses, forgotten = safety.check(previous or {}, topology, set(allow_destroy), set(forget))
    if losses:
        result.diagnostics.extend(losses)
        return Compiled(result, {})
    files = terraform.emit(topology, forgotten)
    files["topology.md"] = mermaid.markdown(topology)
    return Compiled(result, files, safety.manifest_data(topology, forgotten))
