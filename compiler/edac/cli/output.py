"""How the CLI prints: diagnostics in the chosen `--format`, exit codes, and output files.

Exit codes: 0 clean (warnings allowed), 1 problems in the input (or warnings with
`--warnings-as-errors`, or an environment the user can fix), 2 usage or internal error.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import click

from edac import __version__
from edac.core.diagnostics import (
    EXCERPT_WIDTH,
    Diagnostic,
    Failure,
    SourceCache,
    render_human,
    render_json,
    render_sarif,
    render_short,
    summary,
)

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("human", "short", "json", "sarif")


def report(diagnostics: Sequence[Diagnostic], fmt: str, sources: dict[str, str]) -> None:
    """Diagnostics as `fmt` says: json and sarif on standard output (they are the command's
    result), human and short on standard error."""
    if fmt == "json":
        click.echo(render_json(diagnostics), nl=False)
        return
    if fmt == "sarif":
        root, cwd = sarif_root()
        click.echo(render_sarif(diagnostics, __version__, root, cwd), nl=False)
        return
    text = render_short(diagnostics) if fmt == "short" else render_human(
        diagnostics, SourceCache(sources), _columns())
    if text:
        click.echo(text, nl=False, err=True)
    if diagnostics and fmt == "human":
        click.echo(f"\n{summary(diagnostics)}", err=True)


def _columns() -> int:
    """How wide source excerpts may be: the terminal's width when standard error is one
    (within 60-240 columns), else EXCERPT_WIDTH."""
    import os

    try:
        if sys.stderr.isatty():
            return max(60, min(240, os.get_terminal_size(sys.stderr.fileno()).columns))
    except (OSError, ValueError):
        pass
    return EXCERPT_WIDTH


def exit_code(diagnostics: Sequence[Diagnostic], warnings_as_errors: bool) -> int:
    if any(d.is_error for d in diagnostics):
        return 1
    if warnings_as_errors and diagnostics:
        return 1
    return 0


def note(text: str, fmt: str) -> None:
    """A line for people (standard error), left out of the machine formats."""
    if fmt in ("human", "short"):
        click.echo(text, err=True)


def fail(problem: Failure, fmt: str) -> NoReturn:
    report(problem.diagnostics, fmt, problem.sources)
    sys.exit(problem.exit_code)


@contextmanager
def failures(fmt: str = "human") -> Iterator[None]:
    """Report a Failure raised in the block as `fmt` says, and exit with its code."""
    try:
        yield
    except Failure as problem:
        fail(problem, fmt)


SARIF_ROOT_KEY = "edac.sarif_root"


def sarif_root() -> tuple[str, str]:
    """(the repository root SARIF's URIs are relative to, the working directory): the
    `--sarif-root` given, else the top of the git work tree holding the working directory,
    else the working directory itself."""
    import os
    from pathlib import Path

    from edac.io.git import work_tree

    cwd = os.path.abspath(".")
    ctx = click.get_current_context(silent=True)
    given = ctx.meta.get(SARIF_ROOT_KEY) if ctx is not None else None
    if given:
        return os.path.abspath(given), cwd
    top = work_tree(Path(cwd))
    return (str(top) if top is not None else cwd), cwd


def _keep_sarif_root(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.meta[SARIF_ROOT_KEY] = value


def diagnostics_options(func: F) -> F:
    func = click.option("--sarif-root", metavar="DIR", expose_value=False,
                        callback=_keep_sarif_root,
                        help="With --format sarif: the repository root the file URIs are "
                        "relative to (default: the git work tree's top).")(func)
    func = click.option("--format", "fmt", type=click.Choice(FORMATS), default="human",
                        show_default=True, help="How diagnostics are printed.")(func)
    func = click.option("--warnings-as-errors", is_flag=True,
                        help="Exit 1 when there are warnings.")(func)
    return func


def emit_text(text: str, output: str | None) -> None:
    """Print `text`, or write it to `output` (Failure E901 when it cannot be written)."""
    if output is None:
        click.echo(text, nl=False)
        return
    from pathlib import Path

    from edac.core.diagnostics import failure
    from edac.io.write import write_file

    try:
        write_file(Path(output), text)
    except OSError as exc:
        raise failure("E901", f"cannot write `{output}`: {exc.strerror or exc}") from exc
