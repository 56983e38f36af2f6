"""The base of a diff read from git: the tree of a ref exported to a temporary directory."""

from __future__ import annotations

import io
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
        archive = _git(["archive", "--format=tar", f"{ref}^{{tree}}"], top)
        if archive.strip(b"\0"):  # else an empty tree: only the end-of-archive blocks
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(tmp, filter="data")
        inside = []
        for path in paths:
            try:
                inside.append(Path(tmp) / Path(path).resolve().relative_to(top.resolve()))
            except ValueError as exc:
                raise failure("E902", f"`{path}` is not inside the git repository {top}",
                              help="run edac diff from inside the repository that holds "
                              "the topology", exit_code=2) from exc
        yield inside, f"{tmp}/"
