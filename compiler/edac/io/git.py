"""The base of a diff read from git: the tree of a ref exported to a temporary directory."""

from __future__ import annotations

import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from edac.core.diagnostics import Failure, failure


def work_tree(start: Path) -> Path | None:
    """The root of the git work tree holding `start` (a directory with `.git`), or None.
    Read from the filesystem: git itself need not be installed."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError as exc:
        raise failure("E902", f"cannot run git: {exc.strerror}",
                      help="install git, or give the base as a path", exit_code=2) from exc
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise failure("E902", f"git {args[0]} failed: "
                      f"{message[-1] if message else proc.returncode}", exit_code=2)
    return proc.stdout


def _kept(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
    """tarfile's `data` filter, except that what it refuses (a link pointing outside the
    repository, say) is left out instead of failing the export: the topology cannot need it."""
    try:
        return tarfile.data_filter(member, dest)
    except tarfile.FilterError:
        return None


def _export(ref: str, top: Path, dest: Path) -> None:
    """The tree of `ref` written into `dest`, streamed from `git archive` (the tree is never
    held in memory; links out of it are left out). Failure (E902) when git fails."""
    try:
        proc = subprocess.Popen(["git", "archive", "--format=tar", f"{ref}^{{tree}}"], cwd=top,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        raise failure("E902", f"cannot run git: {exc.strerror}",
                      help="install git, or give the base as a path", exit_code=2) from exc
    assert proc.stdout is not None and proc.stderr is not None
    try:
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
            tar.extractall(dest, filter=_kept)
    except tarfile.ReadError:
        pass  # an empty tree: git writes only the end-of-archive blocks
    finally:
        while proc.stdout.read(1 << 16):
            pass  # the padding after the end-of-archive blocks (git would die of SIGPIPE)
        proc.stdout.close()
        error = proc.stderr.read().decode("utf-8", "replace").strip().splitlines()
        proc.stderr.close()
        code = proc.wait()
    if code != 0:
        raise failure("E902", f"git archive failed: {error[-1] if error else code}",
                      exit_code=2)


@contextmanager
def tree_at(ref: str, paths: Sequence[str]) -> Iterator[tuple[list[Path], str]]:
    """The files and directories of `paths` (relative to the working directory) as they are
    at `ref`, in a temporary copy of the repository that lasts as long as the `with` block:
    (each path's place in the copy, in order, whether it exists there or not; the copy's path
    prefix). Raises Failure (E902) when `ref` is not a git ref or a path lies outside the
    repository."""
    cwd = Path.cwd()
    try:
        top = Path(_git(["rev-parse", "--show-toplevel"], cwd).decode().strip())
        _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd)
    except Failure as exc:
        raise failure("E902", f"`{ref}` is neither a path nor a git ref",
                      help="give a branch, tag or commit (e.g. `origin/main`), or the path "
                      "of the base topology", exit_code=2) from exc
    with tempfile.TemporaryDirectory(prefix="edac-base-") as tmp:
        _export(ref, top, Path(tmp))
        inside = []
        for path in paths:
            try:
                inside.append(Path(tmp) / Path(path).resolve().relative_to(top.resolve()))
            except ValueError as exc:
                raise failure("E902", f"`{path}` is not inside the git repository {top}",
                              help="run edac diff from inside the repository that holds "
                              "the topology", exit_code=2) from exc
        yield inside, f"{tmp}/"
