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
from edac.core import lock as lockfile
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
from edac.core.runbook import Runbook
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


@dataclass
class Read:
    """A topology's files read and validated, each alone (before resolving)."""

    sources: dict[str, str]
    validated: list[tuple[Any, Any]]  # (SourceFile, FileSpec)
    diagnostics: list[Diagnostic]

    @property
    def environments(self) -> list[str]:
        """The environments declared under `environments:` (in any file)."""
        return sorted({n for _, spec in self.validated for n in (spec.environments or {})})

    @property
    def default_environment(self) -> str | None:
        """The topology's `environment:` (compiled when no --environment is given)."""
        return next((spec.environment for _, spec in sorted(self.validated,
                                                            key=lambda v: v[0].path)
                     if spec.environment is not None), None)


def read_topology(paths: Sequence[str]) -> Read:
    """Read and validate each file of a topology (files and/or directories)."""
    sources, diagnostics = io_files.read_files(list(paths))
    sources = _without_schema_files(sources)
    validated = []
    for source in sources:
        spec, diags = validate_file(source)
        diagnostics.extend(diags)
        if spec is not None:
            validated.append((source, spec))
    return Read({s.path: s.text for s in sources}, validated, diagnostics)


def _without_schema_files(sources: list[Any]) -> list[Any]:
    """The topology files: a YAML file that an event type names as its `schema:` (a JSON
    Schema written in YAML, beside the topology) is not one, unless it says it is (a
    `version:` at its top)."""
    named = set()
    for source in sources:
        events = source.data.get("events") if isinstance(source.data, dict) else None
        for event in (events.values() if isinstance(events, dict) else ()):
            schema = event.get("schema") if isinstance(event, dict) else None
            if isinstance(schema, str) and schema.lower().endswith((".yaml", ".yml")):
                named.add(os.path.normpath(os.path.join(os.path.dirname(
                    os.path.abspath(source.path)), schema)))
    return [s for s in sources if os.path.normpath(os.path.abspath(s.path)) not in named
            or (isinstance(s.data, dict) and "version" in s.data)]


def choose_environment(read: Read, requested: str | None, required: bool = True) -> str | None:
    """The environment to compile: `requested` (E904, exit 2, when the topology does not
    declare it), else the topology's `environment:`. `required`: a topology that declares
    environments and names no default needs --environment (E911, exit 2)."""
    declared = read.environments
    if requested is not None:
        if requested not in declared:
            if not declared:
                raise failure("E904", f"unknown environment `{requested}`: the topology "
                              "declares no environments",
                              help="declare them under `environments:` (see the format "
                              "reference), or leave out --environment", exit_code=2)
            raise unknown_name("environment", requested, declared)
        return requested
    default = read.default_environment
    if declared and required and default is None:
        from edac.core.text import listing

        raise failure("E911", "the topology declares environments "
                      f"{listing(declared, 8)}: say which one",
                      help=f"give --environment {declared[0]} (or set `environment:` to the "
                      "one compiled by default)", exit_code=2)
    return default


def lock_name(read: Read, environment: str | None) -> str:
    """The lock of an environment: `edac.lock` for the topology's default environment (and a
    topology without environments), `edac.<environment>.lock` for each other one."""
    if environment is None or environment == read.default_environment:
        return lockfile.FILE_NAME
    return f"edac.{environment}.lock"


def load_topology(paths: Sequence[str], lock: lockfile.Lock | None = None,
                  environment: str | None = None, read: Read | None = None) -> Result:
    """Read, validate, resolve and check a topology given as files and/or directories.
    `lock`: the lock whose rule split the routes keep (None: the split of `to:`);
    `environment`: a declared environment to compile (None: the topology's default);
    `read`: the files already read (read_topology)."""
    read = read or read_topology(paths)
    texts = read.sources
    diagnostics = list(read.diagnostics)
    validated = read.validated
    if has_errors(diagnostics) or not validated:
        return Result(None, sorted_diagnostics(diagnostics), texts)
    schemas = io_files.read_texts(schema_paths(validated), io_files.schema_roots(paths))
    trusted = facts.trusted_schemas(t for t in schemas.values() if isinstance(t, str))
    resolved = resolve(validated, schemas, trusted, lock.rules if lock else None, environment)
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


def validate_all(paths: Sequence[str], environment: str | None = None) -> Result:
    """`edac validate`: the topology in `environment`, or (none given) in every environment
    it declares, each diagnostic once. The result's topology is the default environment's
    (or the first declared), when every environment is clean."""
    read = read_topology(paths)
    if environment is not None or not read.environments or has_errors(read.diagnostics):
        chosen = choose_environment(read, environment, required=False)
        return load_topology(paths, environment=chosen, read=read)
    results = [load_topology(paths, environment=e, read=read) for e in read.environments]
    seen: dict[tuple[Any, ...], Diagnostic] = {}
    for r in results:
        for d in r.diagnostics:
            seen.setdefault((d.code, d.message, d.span), d)
    default = read.default_environment
    pick = next((r for r, e in zip(results, read.environments, strict=True) if e == default),
                results[0])
    ok = all(r.ok for r in results)
    return Result(pick.topology if ok else None, sorted_diagnostics(list(seen.values())),
                  read.sources)


def _loaded(paths: Sequence[str], lock: lockfile.Lock | None = None,
            environment: str | None = None, read: Read | None = None) -> ir.Topology:
    """The topology at `paths`, or Failure with its diagnostics."""
    result = load_topology(paths, lock, environment, read)
    if not result.ok or result.topology is None:
        raise Failure(result.diagnostics, sources=result.sources)
    return result.topology


def deployed_topology(paths: Sequence[str], environment: str | None = None) -> ir.Topology:
    """The topology as its last compile for `environment` made it: with the rule split its
    lock records (rule names follow it), for the commands that act on the deployment.
    Failure with the diagnostics of the topology or of its lock."""
    read = read_topology(paths)
    if has_errors(read.diagnostics):
        raise Failure(sorted_diagnostics(read.diagnostics), sources=read.sources)
    chosen = choose_environment(read, environment)
    lock = read_lock(default_lock_path(paths, lock_name(read, chosen)))
    if lock.diagnostics:
        raise Failure(lock.diagnostics, sources={str(lock.path): lock.text or ""})
    return _loaded(paths, lock.lock, chosen, read)


def unknown_name(kind: str, name: str, known: Sequence[str]) -> Failure:
    """E904 (exit 2): a name on the command line the topology does not have."""
    from edac.core.load import did_you_mean
    from edac.core.text import listing

    guess = did_you_mean(name, list(known))
    return failure("E904", f"unknown {kind} `{name}`",
                   help=f"did you mean `{guess}`?" if guess else
                   f"the topology's {kind}{'es' if kind.endswith('s') else 's'}: "
                   f"{listing(sorted(known), 8) or 'none'}",
                   exit_code=2)


# ---------------------------------------------------------------------------------------------
# the lock


def default_lock_path(paths: Sequence[str], name: str = lockfile.FILE_NAME) -> Path:
    """Where the lock of a topology lives: `edac.lock` (or the environment's, `name`) in the
    first directory given, or beside the first file given."""
    first = Path(paths[0]) if paths else Path(".")
    return (first if first.is_dir() else first.parent) / name


@dataclass
class LockRead:
    path: Path
    lock: lockfile.Lock | None  # None: no lock file (or a broken one: see diagnostics)
    text: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)


def read_lock(path: Path) -> LockRead:
    """The lock at `path` (absent: LockRead with lock None and no diagnostics)."""
    from edac.core.diagnostics import Severity

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return LockRead(path, None)
    except (OSError, UnicodeDecodeError) as exc:
        reason = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else exc.strerror
        return LockRead(path, None, None, [Diagnostic(
            "E811", Severity.ERROR, f"cannot read the lock file `{path}`: {reason}",
            Span.file_start(str(path)))])
    lock, diagnostics = lockfile.parse(text, str(path))
    return LockRead(path, lock, text, diagnostics)


def _owner_spans(read: LockRead) -> dict[str, Span]:
    """Where each owner's first resource is in the lock text (for diagnostics about owners
    that are no longer in the topology): one pass over the lines edac wrote."""
    import json as _json

    if read.text is None or read.lock is None:
        return {}
    found: dict[str, Span] = {}
    for n, line in enumerate(read.text.split("\n")):
        key, _, value = line.strip().partition(": ")
        if key != '"owner"':
            continue
        try:
            owner = _json.loads(value.rstrip(","))
        except ValueError:
            continue
        if isinstance(owner, str) and owner not in found:
            start = len(line) - len(line.lstrip()) + 1
            found[owner] = Span(str(read.path), n + 1, start, n + 1, len(line) + 1)
    return found


# ---------------------------------------------------------------------------------------------
# compile


@dataclass
class Compiled:
    result: Result
    files: dict[str, str]
    manifest: dict[str, object] = field(default_factory=dict)
    lock: lockfile.Lock | None = None  # the lock this compile leaves (None: it failed)


@cache
def _templates() -> Any:
    from edac.core.emit.terraform import Templates

    return Templates()  # no bytecode cache: compiled templates are code (see edac.io.cache)


def command_paths(paths: Sequence[str]) -> tuple[str, ...]:
    """The topology's paths as the printed commands give them (alarm descriptions, the
    runbook): relative to the root of the git work tree they are in, where such commands are
    run, so that they do not change with the directory a compile ran in; outside a work tree,
    relative to the working directory (when below it). Sorted: the order given is no
    matter."""
    from edac.io.git import work_tree

    cwd = Path.cwd()
    out = set()
    for p in paths:
        path = Path(os.path.abspath(p))
        base = work_tree(path if path.is_dir() else path.parent) or cwd
        out.add(path.relative_to(base).as_posix() if path.is_relative_to(base) else p)
    return tuple(sorted(out))


def compile_paths(
    paths: Sequence[str],
    previous: lockfile.Lock | None = None,
    allow_destroy: Set[str] = frozenset(),
    forget: Set[str] = frozenset(),
    where: dict[str, Span] | None = None,
    environment: str | None = None,
    read: Read | None = None,
) -> Compiled:
    """Load a topology and, when it has no errors, emit the Terraform root module (in memory).

    `previous` is the lock of the last compile: what it recorded that this compile would
    destroy is an error unless named in `allow_destroy` or `forget` (or decided before);
    its rule split is kept. `where`: the lock's spans of its owners, for diagnostics.
    `environment`: the declared environment to compile (None: the topology's default).
    """
    from edac.core.emit import terraform
    from edac.core.emit.mermaid import page

    previous = previous or lockfile.Lock()
    result = load_topology(paths, previous, environment, read)
    if not result.ok:
        return Compiled(result, {})
    topology = result.topology
    assert topology is not None
    losses, decisions = safety.check(previous, topology, set(allow_destroy), set(forget), where)
    if losses:
        result.diagnostics.extend(losses)
        result.diagnostics[:] = sorted_diagnostics(result.diagnostics)
        return Compiled(result, {})
    forgotten = {o: d for o, d in decisions.items() if d.choice == "forget"}
    book = Runbook(command_paths(paths),
                   topology.environment if topology.environments else None)
    # the accounts the last compile had resources in, and those a decision was made in (its
    # root stays while the decision stands: it destroys, or forgets, whenever it is applied)
    vacated = ({r.account for r in previous.resources if r.account}
               | {d.account for d in decisions.values() if d.account})
    files = terraform.emit(topology, forgotten, _templates(), book, vacated)
    files.update(io_files.module_files(terraform.MODULES))
    files["topology.md"] = page.markdown(topology, book=book)
    lock = lockfile.of(topology, decisions)
    return Compiled(result, files, _manifest_data(lock), lock)


def _manifest_data(lock: lockfile.Lock) -> dict[str, object]:
    """What the output's manifest keeps besides its files, as older edac versions kept it
    (the queues of each consumer, the consumers forgotten); the lock is what edac reads."""
    consumers: dict[str, list[str]] = {}
    for r in lock.resources:
        if r.kind in ("queue", "dlq", "target_dlq"):
            consumers.setdefault(r.owner, []).append(r.name)
    order = {"queue": 0, "dlq": 1, "target_dlq": 2}
    kinds = {r.name: r.kind for r in lock.resources}
    return {
        "consumers": {name: {"queues": sorted(qs, key=lambda q: order[kinds[q]])}
                      for name, qs in sorted(consumers.items())},
        "forgotten": {o: list(d.resources) for o, d in sorted(lock.forgotten().items())
                      if o not in (lockfile.ARCHIVE, lockfile.TABLE)},
    }


@dataclass
class Written:
    """A compile into an output directory: `compiled.files` were written when `ok`."""

    compiled: Compiled
    output: Path
    lock_path: Path
    removed: list[str] = field(default_factory=list)  # stale generated files removed
    lock_written: bool = False  # the lock changed and was written
    seeded: bool = False  # the lock was new, seeded from the output's manifest

    @property
    def ok(self) -> bool:
        return self.compiled.result.ok and bool(self.compiled.files)


def compile_into(paths: Sequence[str], output: str | Path,
                 allow_destroy: Set[str] = frozenset(),
                 forget: Set[str] = frozenset(),
                 warnings_as_errors: bool = False,
                 lock: str | Path | None = None,
                 locked: bool = False,
                 lock_seed: str | Path | None = None,
                 environment: str | None = None, for_sandbox: bool = False) -> Written:
    """Compile, write the output directory atomically and update the lock.

    Nothing is written when the topology or its lock has errors, when the compile would
    destroy what the lock records and the user did not choose to `forget` or
    `allow_destroy` it, with `warnings_as_errors` when there is any diagnostic, and with
    `locked` when the lock would change (E806). `lock`: the lock file (default: `edac.lock`
    beside the topology); a missing lock is seeded from the output's manifest (an older
    edac's record), or from `lock_seed` (the sandbox starts from the project's lock).
    `environment`: the declared environment to compile (its lock: `lock_name`).
    The output is held (`edac.io.write.output_lock`) from the manifest's reading to the
    lock's writing. `for_sandbox`: the sandbox compiling into its own directory (any other
    compile into a sandbox's directory is E901).
    Raises Failure (E901) when the output or the lock cannot be written, E904/E911 (exit 2)
    for an environment the topology does not declare or one it needs and was not given."""
    from edac.io.write import OutputError, output_lock

    _check_output_place(output, paths, for_sandbox)
    out = Path(output)
    if out.exists() and not out.is_dir():
        raise failure("E901", f"the output `{out}` is a file, not a directory",
                      help="give a directory (edac writes a whole Terraform root module)")
    try:
        with output_lock(out.resolve() if out.is_symlink() else out):
            return _compile_locked(paths, out, allow_destroy, forget, warnings_as_errors,
                                   lock, locked, lock_seed, environment)
    except OutputError as exc:
        raise failure("E901", str(exc)) from exc


def _compile_locked(paths: Sequence[str], out: Path, allow_destroy: Set[str],
                    forget: Set[str], warnings_as_errors: bool, lock: str | Path | None,
                    locked: bool, lock_seed: str | Path | None,
                    environment: str | None) -> Written:
    from edac.core.diagnostics import Severity
    from edac.io.write import Manifest, OutputError, write_file, write_output

    topology_read = read_topology(paths)
    chosen = (choose_environment(topology_read, environment)
              if not has_errors(topology_read.diagnostics) else None)
    lock_path = (Path(lock) if lock is not None
                 else default_lock_path(paths, lock_name(topology_read, chosen)))
    read = read_lock(lock_path)
    manifest = Manifest.read(out)
    notes: list[Diagnostic] = []
    previous = read.lock
    seeded = False
    if not read.diagnostics and previous is None:
        if lock_seed is not None:
            seed = read_lock(Path(lock_seed))
            read.diagnostics += seed.diagnostics
            previous = seed.lock
        if previous is None and manifest is not None:
            previous, seeded = lockfile.from_manifest(manifest.data), True
    elif previous is not None and manifest is not None and not locked:
        disagree = lockfile.differences(previous, lockfile.from_manifest(manifest.data))
        if disagree:
            notes.append(Diagnostic(
                "W807", Severity.WARNING,
                f"the output's manifest records what the lock `{lock_path}` does not: "
                + ", ".join(disagree[:5]) + (" ..." if len(disagree) > 5 else "")
                + "; the lock wins", Span.file_start(str(lock_path)),
                help="the lock is the record edac keeps; the output was compiled from "
                "another lock (or by an older edac)"))
    if read.diagnostics:
        result = Result(None, read.diagnostics, {str(lock_path): read.text or ""})
        return Written(Compiled(result, {}), out, lock_path)
    compiled = compile_paths(paths, previous, allow_destroy, forget, _owner_spans(read),
                             chosen, topology_read)
    compiled.result.diagnostics[:] = sorted_diagnostics([*compiled.result.diagnostics, *notes])
    if read.text is not None:
        compiled.result.sources[str(lock_path)] = read.text
    written = Written(compiled, out, lock_path, seeded=seeded)
    if not written.ok or (warnings_as_errors and compiled.result.diagnostics):
        compiled.files = {}
        return written
    assert compiled.lock is not None
    text = lockfile.render(compiled.lock)
    if locked and text != read.text:
        compiled.result.diagnostics.append(Diagnostic(
            "E806", Severity.ERROR,
            f"the lock `{lock_path}` " + ("does not exist" if read.text is None
                                          else "would change") + " (--locked)",
            Span.file_start(str(lock_path)) if read.text is not None else None,
            help="run `edac compile` without --locked, review the lock's change and commit it"))
        compiled.files = {}
        return written
    try:
        written.removed = write_output(out, compiled.files, compiled.manifest)
        if text != read.text:
            write_file(lock_path, text)
            written.lock_written = True
    except OutputError as exc:
        raise failure("E901", str(exc)) from exc
    except OSError as exc:
        raise failure("E901", f"cannot write `{exc.filename or out}`: "
                      f"{exc.strerror or exc}") from exc
    return written


def _check_output_place(output: str | Path, paths: Sequence[str],
                        for_sandbox: bool = False) -> None:
    """E901 for an output edac cannot own: none given, the working directory or one of its
    parents (it is replaced as a whole, from a sibling), a directory the topology is in, or
    a sandbox's directory (or inside one) unless the sandbox itself compiles there."""
    from edac.io.write import holds_sandbox

    out = Path(output)
    if str(output).strip() == "":
        raise failure("E901", "no output directory given (`-o` is empty)",
                      help="give the directory of the Terraform root module, e.g. -o build")
    if not for_sandbox:
        absolute = Path(os.path.abspath(out))
        for place in (absolute, *absolute.parents):
            if holds_sandbox(place):
                raise failure("E901", f"the output `{out}` is inside the sandbox directory "
                              f"`{place}`: the sandbox's files are its own",
                              help="compile into a directory of your own, e.g. -o build; "
                              "`edac sandbox up` compiles into the sandbox")
    where = Path(os.path.abspath(out))
    cwd = Path(os.path.abspath("."))
    if cwd == where or cwd.is_relative_to(where):
        raise failure("E901", f"the output `{out}` is the working directory or holds it",
                      help="edac replaces its output directory as a whole: give a directory "
                      "of its own below this one, e.g. -o build")
    for p in paths:
        inside = Path(os.path.abspath(p))
        if inside == where or inside.is_relative_to(where):
            raise failure("E901", f"the output `{out}` holds the topology `{p}`",
                          help="give the Terraform root module a directory of its own, "
                          "e.g. -o build next to the topology")


def check_lock(paths: Sequence[str], lock: str | Path | None = None,
               environment: str | None = None) -> Written:
    """What `compile --locked` would say, without an output directory: diagnostics (E806
    when the lock would change, the refusals of `compile`); nothing is written."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="edac-lock-check-") as tmp:
        written = compile_into(paths, Path(tmp) / "out", lock=lock, locked=True,
                               environment=environment)
        if written.ok:
            # compile_into wrote into the temporary output only (the lock was unchanged)
            written.removed = []
        return written


# ---------------------------------------------------------------------------------------------
# route


@dataclass(frozen=True)
class Routed:
    topology: ir.Topology
    event: dict[str, Any]
    outcomes: list[Any]  # edac.core.simulate.RouteOutcome


EVENT_FILE_MAX = 4 << 20  # bytes of an event file read


def _not_json(name: str) -> Any:
    raise ValueError(f"`{name}` is not JSON (EventBridge refuses it)")


def read_event(event_file: str) -> dict[str, Any]:
    """The event in a JSON file (as delivered, or a PutEvents entry); Failure (E906)."""
    from edac.core.simulate import EventError, as_event
    from edac.patterns import InvalidEvent
    from edac.patterns.jsontext import MAX_NESTING, nesting

    try:
        with open(event_file, "rb") as handle:
            data = handle.read(EVENT_FILE_MAX + 1)
        if len(data) > EVENT_FILE_MAX:
            raise failure("E906", f"`{event_file}` is larger than {EVENT_FILE_MAX >> 20} MiB: "
                          "no event is (PutEvents takes 256 KB a call)")
        value = json.loads(data.decode("utf-8"), parse_constant=_not_json)
        if nesting(value, MAX_NESTING) > MAX_NESTING:
            raise RecursionError
        return as_event(value)
    except RecursionError:
        raise failure("E906", f"`{event_file}` nests objects and arrays more than "
                      f"{MAX_NESTING} deep: edac reads no deeper") from None
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


def _replace_output(out: Path, files: dict[str, str], data: dict[str, object]) -> list[str]:
    """edac.io.write.write_output, its refusals and the filesystem's errors as E901; the
    stale generated files it removed."""
    from edac.io.write import OutputError, write_output

    try:
        return write_output(out, files, data)
    except OutputError as exc:
        raise failure("E901", str(exc)) from exc
    except OSError as exc:
        raise failure("E901", f"cannot write `{exc.filename or out}`: "
                      f"{exc.strerror or exc}") from exc


# ---------------------------------------------------------------------------------------------
# examples


@dataclass
class Examples:
    examples: list[Any]  # edac.core.examples.Example
    files: dict[str, str]
    removed: list[str]


def examples(paths: Sequence[str], output: str | Path,
             routes: Sequence[str] = ()) -> Examples:
    """Write example events of every route (or of `routes`) into `output`:
    `<route>/match-*.json` (they must match) and `<route>/miss-*.json` (near misses that must
    not), replaced atomically. Failure: errors in the topology, an unknown route (E904)."""
    from edac.core.examples import examples as build

    topology = _loaded(paths)
    unknown = [r for r in routes if r not in topology.routes]
    if unknown:
        raise unknown_name("route", unknown[0], sorted(topology.routes))
    found = build(topology, list(routes) or None)
    files = {f"{e.route}/{e.name}.json": e.text() for e in found}
    index = [{"file": f"{e.route}/{e.name}.json", "route": e.route, "matches": e.matches,
              "why": e.why} for e in found]
    files["index.json"] = json.dumps(index, indent=2, ensure_ascii=False) + "\n"
    return Examples(found, files, _replace_output(Path(output), files,
                                                  {"examples": len(found)}))


# ---------------------------------------------------------------------------------------------
# export

EXPORT_FORMATS = ("asyncapi", "eventcatalog", "backstage")


@dataclass
class Exported:
    files: dict[str, str]
    removed: list[str]
    # what JSON Schema draft-07 (AsyncAPI's payload format) could not say of an event schema:
    # left out of the exported payloads, which then accept more
    dropped: list[str]


def export(kind: str, paths: Sequence[str], output: str | Path, environment: str | None = None,
           version: str = "1.0.0", owner: str | None = None,
           lifecycle: str = "production") -> Exported:
    """Write the topology as AsyncAPI documents, an EventCatalog or Backstage entities into
    `output`, replaced atomically. `owner`: the Backstage group owning the System (default:
    the topology's `owner` tag). Failure: errors in the topology, an unknown format or
    environment (E904, exit 2), no owner for Backstage (E912, exit 2), unwritable (E901)."""
    from edac.core.emit.exports import Options, asyncapi, backstage, eventcatalog

    exporters = {"asyncapi": asyncapi.documents, "eventcatalog": eventcatalog.catalog,
                 "backstage": backstage.entities}
    if kind not in exporters:
        raise unknown_name("export format", kind, list(EXPORT_FORMATS))
    topology = deployed_topology(paths, environment)
    options = Options(version=version, owner=owner or topology.tags.get("owner"),
                      lifecycle=lifecycle)
    try:
        files, dropped = exporters[kind](topology, options)
    except backstage.NoOwner as exc:
        raise failure("E912", "the Backstage System entity needs an owner", exit_code=2,
                      help="give --owner GROUP (a group of your Backstage catalog), or tag "
                      "the topology with `owner`") from exc
    return Exported(files, _replace_output(Path(output), files, {"export": kind}), dropped)


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
        """The errors `edac compile` would give for what this change destroys and no decision
        recorded in the new lock covers (E801, E803-E805)."""
        return list(self.diff.refusals)


@dataclass
class Base:
    result: Result | None  # None: the base has no topology at these paths
    lock: lockfile.Lock | None


def load_base(base: str, paths: Sequence[str], environment: str | None = None) -> Base:
    """The base topology and its lock: `base` is a path (file or directory) or else a git ref,
    whose tree at `paths` is loaded (paths taken relative to the working directory), with
    the lock where the topology's lock is. `environment`: the one compared (a base that
    does not have it has no topology for it). Failure (E902) when it is neither."""
    from edac.io import git

    def loaded(found: Sequence[str], lock_of: Any) -> Base:
        read = read_topology(found)
        has = environment in read.environments or environment == read.default_environment
        if environment is not None and not has and not has_errors(read.diagnostics):
            return Base(None, None)  # the environment is new
        chosen = environment if environment in read.environments else None
        lock = lock_of(lock_name(read, chosen if chosen is not None else environment))
        if lock.diagnostics:
            raise Failure(lock.diagnostics, sources={str(lock.path): lock.text or ""})
        return Base(load_topology(found, lock.lock, chosen, read), lock.lock)

    if os.path.exists(base):
        return loaded([base], lambda name: read_lock(default_lock_path([base], name)))
    names = [lockfile.FILE_NAME] + ([f"edac.{environment}.lock"] if environment else [])
    locks = [str(default_lock_path(paths, n)) for n in names]
    with git.tree_at(base, [*paths, *locks]) as (inside, prefix):
        topology, copies = inside[:len(paths)], inside[len(paths):]
        found = [str(p) for p in topology if p.exists()]
        if not found:
            return Base(None, None)

        def lock_of(name: str) -> LockRead:
            read = read_lock(copies[names.index(name)])
            read.diagnostics = [_relabel_diagnostic(d, prefix, f"{base}:")
                                for d in read.diagnostics]
            return read

        try:
            got = loaded(found, lock_of)
        except Failure as exc:
            raise Failure(exc.diagnostics) from None
        if got.result is not None:
            got = Base(_relabel(got.result, prefix, f"{base}:"), got.lock)
        return got


def _relabel_diagnostic(d: Diagnostic, prefix: str, label: str) -> Diagnostic:
    def name(file: str) -> str:
        return label + file[len(prefix):] if file.startswith(prefix) else file

    def where(s: Span) -> Span:
        return dataclasses.replace(s, file=name(s.file))

    related = tuple(dataclasses.replace(r, span=where(r.span)) for r in d.related)
    return dataclasses.replace(d, span=d.span and where(d.span), related=related)


def _relabel(result: Result, prefix: str, label: str) -> Result:
    """The base's diagnostics and sources with its temporary paths shown as `REF:path`."""
    def name(file: str) -> str:
        return label + file[len(prefix):] if file.startswith(prefix) else file

    return Result(result.topology,
                  [_relabel_diagnostic(d, prefix, label) for d in result.diagnostics],
                  {name(k): v for k, v in result.sources.items()})


def diff(paths: Sequence[str], base: str, lock: str | Path | None = None,
         environment: str | None = None) -> Compared:
    """What changes from the base (a path or a git ref) to the topology at `paths`, reading
    both locks: the base's (what it had, its rule split) and the new one (the decisions that
    cover what the change destroys). Failure: the topology or a lock has errors; the base
    cannot be read (E902) or has errors (E903)."""
    from edac.core.diff import compare

    now = read_topology(paths)
    if has_errors(now.diagnostics):
        raise Failure(sorted_diagnostics(now.diagnostics), sources=now.sources)
    chosen = choose_environment(now, environment)
    read = read_lock(Path(lock) if lock is not None
                     else default_lock_path(paths, lock_name(now, chosen)))
    if read.diagnostics:
        raise Failure(read.diagnostics, sources={str(read.path): read.text or ""})
    topology = _loaded(paths, read.lock, chosen, now)
    # a base without the declared environment has no topology for it (it is new)
    before = load_base(base, paths, chosen if now.environments else None)
    if before.result is not None and not before.result.ok:
        head = failure("E903", f"the base `{base}` has errors; cannot compare with it",
                       help="its diagnostics follow").diagnostics
        raise Failure(head + before.result.diagnostics, sources=before.result.sources)
    old = before.result.topology if before.result else None
    return Compared(compare(old, topology, before.lock, read.lock), base)


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


# ---------------------------------------------------------------------------------------------
# the consumer kit


@dataclass
class Generated:
    """The consumer kit written (when `ok`) into `output`/`package`."""

    result: Result
    output: Path
    package: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.result.ok and self.package is not None


def generate(paths: Sequence[str], output: str | Path, language: str = "python",
             lock: str | Path | None = None, environment: str | None = None) -> Generated:
    """Generate the consumer kit of the topology (typed events, producer clients, consumer
    apps) as a package in `output`, replaced atomically (nothing is written when the topology
    or its schemas cannot be generated). Failure (E901) when it cannot be written."""
    from edac.core.emit.codegen import python, typescript

    generators = {"python": python.generate, "typescript": typescript.generate}
    if language not in generators:
        raise failure("E904", f"unknown language `{language}`",
                      help="`python` or `typescript`", exit_code=2)
    out = Path(output)
    if out.exists() and not out.is_dir():
        raise failure("E901", f"the output `{out}` is a file, not a directory",
                      help="give the directory the package goes into (e.g. `src/`)")
    now = read_topology(paths)
    chosen = (choose_environment(now, environment) if not has_errors(now.diagnostics)
              else None)
    read = read_lock(Path(lock) if lock is not None
                     else default_lock_path(paths, lock_name(now, chosen)))
    result = load_topology(paths, read.lock, chosen, now)
    result.diagnostics[:] = sorted_diagnostics([*read.diagnostics, *result.diagnostics])
    generated = Generated(result, out)
    if not result.ok or result.topology is None or read.diagnostics:
        return generated
    kit, problems = generators[language](result.topology, io_files.kit_runtime(language))
    if kit is None:
        result.diagnostics[:] = sorted_diagnostics([*result.diagnostics, *problems])
        return generated
    generated.removed = _replace_output(out / kit.package, kit.files, {"kit": language})
    generated.package, generated.files = kit.package, kit.files
    return generated
