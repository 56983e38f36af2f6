"""Reading what a topology is made of: its YAML files (directories expanded) and the event
schema files they name. Everything the core parses comes through here as text."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from importlib import resources
from pathlib import Path

from edac.core.diagnostics import Diagnostic, Severity, Span
from edac.core.source import SourceFile, parse_text
from edac.io.git import work_tree


def display_path(path: Path) -> str:
    """The path as the user would type it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def discover(paths: list[str]) -> tuple[list[Path], list[Diagnostic]]:
    """Expand directories into their YAML files (recursively, sorted, hidden entries skipped)."""
    files: list[Path] = []
    diagnostics: list[Diagnostic] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            try:
                found = sorted(_walk_yaml(p))
            except _OutsideLink as link:
                diagnostics.append(Diagnostic(
                    "E004", Severity.ERROR, f"`{display_path(link.args[0])}` is a link to a "
                    f"file outside `{raw}`: edac reads a directory's own files only",
                    Span.file_start(display_path(link.args[0])),
                    help="copy the file into the directory, or name it on the command line"))
                continue
            if not found:
                diagnostics.append(
                    Diagnostic(
                        "E004",
                        Severity.ERROR,
                        f"no topology files (*.yaml, *.yml) in directory `{raw}`",
                        help="give a directory holding topology files, or a file",
                    )
                )
            files.extend(found)
        elif p.exists():  # a file (what is not a regular one is refused when read)
            files.append(p)
        else:
            diagnostics.append(
                Diagnostic(
                    "E004",
                    Severity.ERROR,
                    f"no such file or directory: `{raw}`",
                    help="check the path; edac reads YAML files and directories of them",
                )
            )
    unique: dict[Path, None] = {}
    for f in files:
        unique.setdefault(f.resolve(), None)
    return [Path(display_path(f)) for f in unique], diagnostics


class _OutsideLink(Exception):
    pass


def _walk_yaml(root: Path) -> Iterator[Path]:
    """The YAML files under `root`; a link is followed only to a file inside `root` (a
    directory from a pull request cannot make edac read `/etc/passwd` as a topology file)."""
    inside = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if not name.startswith(".") and name.endswith((".yaml", ".yml")):
                path = Path(dirpath) / name
                if path.is_symlink() and not path.resolve().is_relative_to(inside):
                    raise _OutsideLink(path)
                yield path


TOPOLOGY_FILE_MAX = 16 << 20  # bytes of one topology file


class _TooBig(OSError):
    """A file edac will not read: not a regular file, or over its size limit."""


def _read_bounded(path: Path, limit: int, shown: str | None = None) -> str:
    """A regular file's UTF-8 text, opened without blocking (a FIFO) and read no further
    than `limit` bytes (`/dev/zero`); _TooBig (an OSError saying which) otherwise."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise _TooBig(0, "it is not a regular file", shown or str(path))
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise _TooBig(0, f"it is larger than {limit // 1024} KiB", shown or str(path))
    return data.decode("utf-8")


def read_files(paths: list[str]) -> tuple[list[SourceFile], list[Diagnostic]]:
    files, diagnostics = discover(paths)
    sources = []
    for path in files:
        name = str(path)
        try:
            text = _read_bounded(path, TOPOLOGY_FILE_MAX)
        except _TooBig:
            diagnostics.append(Diagnostic(
                "E004", Severity.ERROR, f"`{name}` is not a regular file of at most "
                f"{TOPOLOGY_FILE_MAX >> 20} MiB", Span.file_start(name),
                help="a topology file is YAML text; split a larger one into several"))
            continue
        except UnicodeDecodeError as exc:
            diagnostics.append(
                Diagnostic(
                    "E004",
                    Severity.ERROR,
                    f"`{name}` is not UTF-8 text (byte {exc.start})",
                    Span.file_start(name),
                    help="save the file as UTF-8",
                )
            )
            continue
        except OSError as exc:
            diagnostics.append(
                Diagnostic("E004", Severity.ERROR, f"cannot read `{name}`: {exc.strerror}",
                           Span.file_start(name))
            )
            continue
        source, diags = parse_text(text, name)
        diagnostics.extend(diags)
        if source is not None:
            sources.append(source)
    return sources, diagnostics


SCHEMA_MAX_BYTES = 1 << 20  # 1 MiB: four times what a PutEvents call carries (256 KB, the kit)


def schema_roots(paths: Iterable[str]) -> list[Path]:
    """Where the schema files of a topology may be: in each directory given (a file's own
    directory), in the git work tree holding it (found by its `.git`), and in the directories
    `EDAC_SCHEMA_PATH` lists (separated by `:`), links followed."""
    roots = [Path(extra).resolve()
             for extra in os.environ.get("EDAC_SCHEMA_PATH", "").split(os.pathsep) if extra]
    for raw in paths:
        start = Path(raw).resolve()
        if not start.is_dir():
            start = start.parent
        roots.append(start)
        top = work_tree(start)
        if top is not None:
            roots.append(top)
    return sorted(set(roots))


def _refused(path: str, why: str) -> OSError:
    return OSError(0, why, path)


def read_texts(paths: Iterable[str], roots: Sequence[Path] | None = None,
               limit: int = SCHEMA_MAX_BYTES) -> dict[str, str | OSError | UnicodeDecodeError]:
    """Each file's UTF-8 text, or why it could not be read (the caller reports it where the
    file is named). With `roots` (see `schema_roots`) a file is read only when it is a regular
    file inside one of them (links followed) of at most `limit` bytes: a topology from a pull
    request cannot make edac read `/etc/passwd`, `/proc/self/environ`, a device or a FIFO
    (opened without blocking, checked before a byte is read)."""
    found: dict[str, str | OSError | UnicodeDecodeError] = {}
    for path in paths:
        if path in found:
            continue
        try:
            found[path] = _read_text(path, roots, limit) if roots is not None \
                else Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            found[path] = exc
    return found


def _read_text(path: str, roots: Sequence[Path], limit: int) -> str:
    real = Path(path).resolve()
    if not any(real == root or real.is_relative_to(root) for root in roots):
        raise _refused(path, "it is outside the topology's directory and its git work tree "
                       "(schema files are read only from there, and from the directories "
                       "EDAC_SCHEMA_PATH lists)")
    return _read_bounded(real, limit, path)


@cache
def module_files(names: tuple[str, ...]) -> dict[str, str]:
    """Copies of the Terraform modules shipped with edac, as `modules/<name>/<file>` (read
    once per process). `edac/_modules` links to the project's top-level `modules/`."""
    out: dict[str, str] = {}
    root = Path(str(resources.files("edac"))) / "_modules"
    for name in names:
        base = root / name
        for path in sorted(base.rglob("*")):
            rel = path.relative_to(base)
            if path.is_file() and _is_module_file(rel):
                out[f"modules/{name}/{rel.as_posix()}"] = path.read_text(encoding="utf-8")
    return out


def _is_module_file(rel: Path) -> bool:
    """What a module copy holds: its Terraform and README (its tests are `.tftest.hcl`)."""
    return rel.suffix in (".tf", ".md") and not any(p.startswith(".") for p in rel.parts)


def kit_runtime(language: str) -> str:
    """The shared runtime of a generated consumer kit, shipped with edac."""
    return (resources.files("edac.core.emit.codegen") / "kit" / f"runtime.{_SUFFIX[language]}.txt"
            ).read_text(encoding="utf-8")


_SUFFIX = {"python": "py", "typescript": "ts"}
