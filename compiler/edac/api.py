"""The library API: the one entry point of the CLI, the sandbox and the tests.

Phases: read -> load (spans) -> validate (pydantic) -> resolve (IR) -> check -> emit -> write.
Each phase collects all its diagnostics; a later phase runs only when the earlier ones found
no error, except that what one file can judge alone (the syntax and length of names) is also
reported when references between files fail. The pure phases are in `edac.core`; this module
adds what touches the world (files, the cache, git, the output directory) around them.

Problems in the input come back as diagnostics in the results; what stops a command (an
output that cannot be written, a base that cannot be read, a name on the command line that
does not exist) is raised as `edac.core.diagnostics.Failure`, also as diagnostics.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from edac.core import ir, safety
from edac.core.checks import run_checks, run_local_checks
from edac.core.diagnostics import (
    Diagnostic,
    Failure,
    Span,
    failure,
    has_errors,
    sorted_diagnostics,
)
from edac.core.load import validate_file
from edac.core.resolve import resolve
from edac.core.schemas import schema_paths
from edac.io import cache as facts
from edac.io import files as io_files

__all__ = [
    "Compiled",
    "Failure",
    "Result",
    "codes",
    "compile_into",
    "compile_paths",
    "diagram",
    "diff",
    "explain",
    "json_schema",
    "load_topology",
    "route",
    "test_event_pattern",
]


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
    sources, diagnostics = io_files.read_files(list(paths))
    texts = {s.path: s.text for s in sources}
    validated = []
    for source in sources:
        spec, diags = validate_file(source)
        diagnostics.extend(diags)
        if spec is not None:
            validated.append((source, spec))
    if has_errors(diagnostics) or not validated:
        return Result(None, sorted_diagnostics(diagnostics), texts)
    schemas = io_files.read_texts(schema_paths(validated))
    trusted = facts.trusted_schemas(t for t in schemas.values() if isinstance(t, str))
    resolved = resolve(validated, schemas, trusted)
    facts.remember_schemas(resolved.checked_schemas)
    diagnostics.extend(resolved.diagnostics)
    topology = resolved.topology
    if topology is None:
        return Result(None, sorted_diagnostics(diagnostics), texts)
    if has_errors(diagnostics):
        # what each element says about itself (its name) is worth reporting with the rest
        diagnostics.extend(run_local_checks(topology))
        return Result(None, sorted_diagnostics(diagnostics), texts)
    diagnostics.extend(run_checks(topology))
    return Result(topology, sorted_diagnostics(diagnostics), texts)


def _loaded(paths: Sequence[str]) -> ir.Topology:
    """The topology at `paths`, or Failure with its diagnostics."""
    result = load_topology(paths)
    if not result.ok or result.topology is None:
        raise Failure(result.diagnostics, sources=result.sources)
    return result.topology


# ---------------------------------------------------------------------------------------------
# compile


@dataclass
class Compiled:
    result: Result
    files: dict[str, str]
    manifest: dict[str, object] = field(default_factory=dict)


@cache
def _templates() -> Any:
    from edac.core.emit.terraform import Templates

    return Templates(facts.template_bytecode())


def compile_paths(
    paths: Sequence[str],
    previous: dict[str, Any] | None = None,
    allow_destroy: Set[str] = frozenset(),
    forget: Set[str] = frozenset(),
) -> Compiled:
    """Load a topology and, when it has no errors, emit the Terraform root module (in memory).

    `previous` is the manifest data of the last compile into the same output: queues it had
    that this compile would destroy are errors unless named in `allow_destroy` or `forget`.
    """
    from edac.core.emit import terraform
    from edac.core.emit.mermaid import page

    result = load_topology(paths)
    if not result.ok:
        return Compiled(result, {})
    topology = result.topology
    assert topology is not None
    losses, forgotten = safety.check(previous or {}, topology, set(allow_destroy), set(forget))
    if losses:
        result.diagnostics.extend(losses)
        return Compiled(result, {})
    files = terraform.emit(topology, forgotten, _templates())
    files.update(io_files.module_files(terraform.MODULES))
    files["topology.md"] = page.markdown(topology)
    return Compiled(result, files, safety.manifest_data(topology, forgotten))


@dataclass
class Written:
    """A compile into an output directory: `compiled.files` were written when `ok`."""

    compiled: Compiled
    output: Path
    removed: list[str] = field(default_factory=list)  # stale generated files removed

    @property
    def ok(self) -> bool:
        return self.compiled.result.ok and bool(self.compiled.files)


def compile_into(paths: Sequence[str], output: str | Path,
                 allow_destroy: Set[str] = frozenset(),
                 forget: Set[str] = frozenset(),
                 warnings_as_errors: bool = False) -> Written:
    """Compile and write the output directory atomically (nothing is written when the topology
    has errors, or when the compile would destroy queues the last compile into `output`
    made and the user did not choose to `forget` or `allow_destroy`; with
    `warnings_as_errors`, when there is any diagnostic). Raises Failure (E901)
    when the output cannot be written."""
    from edac.io.write import Manifest, OutputError, write_output

    out = Path(output)
    if out.exists() and not out.is_dir():
        raise failure("E901", f"the output `{out}` is a file, not a directory",
                      help="give a directory (edac writes a whole Terraform root module)")
    previous = Manifest.read(out)
    compiled = compile_paths(paths, previous.data if previous else None, allow_destroy, forget)
    written = Written(compiled, out)
    if not written.ok or (warnings_as_errors and compiled.result.diagnostics):
        compiled.files = {}
        return written
    try:
        written.removed = write_output(out, compiled.files, compiled.manifest)
    except OutputError as exc:
        raise failure("E901", str(exc)) from exc
    except OSError as exc:
        raise failure("E901", f"cannot write `{exc.filename or out}`: "
                      f"{exc.strerror or exc}") from exc
    return written


# ---------------------------------------------------------------------------------------------
# route


@dataclass(frozen=True)
class Routed:
    topology: ir.Topology
    event: dict[str, Any]
    outcomes: list[Any]  # edac.core.simulate.RouteOutcome


def read_event(event_file: str) -> dict[str, Any]:
    """The event in a JSON file (as delivered, or a PutEvents entry); Failure (E906)."""
    from edac.core.simulate import EventError, as_event
    from edac.patterns import InvalidEvent

    try:
        with open(event_file, encoding="utf-8") as handle:
            return as_event(json.load(handle))
    except OSError as exc:
        raise failure("E906", f"cannot read the event file `{event_file}`: "
                      f"{exc.strerror}") from exc
    except (ValueError, EventError, InvalidEvent) as exc:
        raise failure("E906", f"`{event_file}` is not a usable event: {exc}") from exc


def route(event_file: str, paths: Sequence[str]) -> Routed:
    """Which routes and consumer queues the event in `event_file` reaches, and why the other
    routes miss it."""
    from edac.core.simulate import route_event
    from edac.patterns import InvalidEvent

    topology = _loaded(paths)
    event = read_event(event_file)
    try:
        outcomes = route_event(topology, event)
    except InvalidEvent as exc:
        raise failure("E906", f"`{event_file}` is not a usable event: {exc}") from exc
    return Routed(topology, event, list(outcomes))


# ---------------------------------------------------------------------------------------------
# diagram


def diagram(paths: Sequence[str], teams: Set[str] = frozenset(),
            consumers: Set[str] = frozenset(), events: Set[str] = frozenset(),
            markdown: bool = False) -> str:
    """The Mermaid flowchart (or its markdown page) of the topology or of the selected part.
    Failure: an unknown name (E904, exit 2), too large for Mermaid (E905, exit 2)."""
    from edac.core.emit.mermaid import page
    from edac.core.emit.mermaid.graph import Selection
    from edac.core.emit.mermaid.render import DiagramTooLarge, flowchart
    from edac.core.text import listing

    topology = _loaded(paths)
    selection = Selection(frozenset(teams), frozenset(consumers), frozenset(events))
    unknown = selection.unknown(topology)
    if unknown:
        raise Failure([failure("E904", problem).diagnostics[0] for problem in unknown],
                      exit_code=2)
    try:
        if markdown:
            return page.markdown(topology, selection)
        return flowchart(topology, selection)
    except DiagramTooLarge as exc:
        raise failure("E905", str(exc), exit_code=2,
                      help="draw a part of it with --team, --consumer or --event (teams: "
                      f"{listing(topology.teams, 8)})") from exc


# ---------------------------------------------------------------------------------------------
# diff


@dataclass(frozen=True)
class Compared:
    diff: Any  # edac.core.diff.Diff
    base: str

    def markdown(self) -> str:
        from edac.core.emit.review import markdown

        return markdown(self.diff, self.base)

    def destroy_diagnostics(self) -> list[Diagnostic]:
        """The E801 errors `edac compile` would give for the queues this change destroys."""
        if self.diff.old is None:
            return []
        losses, _ = safety.check(safety.manifest_data(self.diff.old, {}), self.diff.new,
                                 set(), set())
        return losses


def load_base(base: str, paths: Sequence[str]) -> Result | None:
    """The base topology: `base` is a path (file or directory) or else a git ref, whose tree
    at `paths` is loaded (paths taken relative to the working directory). None when the ref
    has none of the paths (the topology is new). Failure (E902) when it is neither."""
    from edac.io import git

    if os.path.exists(base):
        return load_topology([base])
    with git.tree_at(base, paths) as (found, prefix):
        if not found:
            return None
        return _relabel(load_topology(found), prefix, f"{base}:")


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


def diff(paths: Sequence[str], base: str) -> Compared:
    """What changes from the base (a path or a git ref) to the topology at `paths`. Failure:
    the topology has errors; the base cannot be read (E902) or has errors (E903)."""
    from edac.core.diff import compare

    topology = _loaded(paths)
    before = load_base(base, paths)
    if before is not None and not before.ok:
        head = failure("E903", f"the base `{base}` has errors; cannot compare with it",
                       help="its diagnostics follow").diagnostics
        raise Failure(head + before.diagnostics, sources=before.sources)
    return Compared(compare(before.topology if before else None, topology), base)


# ---------------------------------------------------------------------------------------------
# the format, the codes, patterns


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the topology format (schemas/topology.v1.schema.json)."""
    from edac.core.spec import json_schema as schema

    return schema()


def codes() -> list[Any]:
    """Every diagnostic code (edac.core.codes.Code: code, title, explanation), in order."""
    from edac.core.codes import CODES

    return list(CODES.values())


def explain(code: str) -> Any:
    """The catalogue entry of a diagnostic code; Failure (E904, exit 2) for an unknown one."""
    from edac.core.codes import explain as lookup

    found = lookup(code)
    if found is None:
        raise failure("E904", f"unknown code `{code}`", help="`edac explain` lists them all",
                      exit_code=2)
    return found


def test_event_pattern(pattern: Any, event: Any) -> bool:
    """Whether `event` matches `pattern` (JSON text or parsed), as AWS TestEventPattern says;
    raises edac.patterns.InvalidEventPattern / InvalidEvent with AWS's reason."""
    from edac.patterns import test_event_pattern as match

    return match(pattern, event)
