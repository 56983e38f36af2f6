"""The `edac` command line: options, `--format`, exit codes. It calls `edac.api` (and the
sandbox task) and renders what comes back; it decides nothing else.

Exit codes: 0 clean, 1 input errors (or warnings with --warnings-as-errors), 2 usage or
internal error.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from edac import __version__
from edac.cli.output import (
    diagnostics_options,
    emit_text,
    exit_code,
    failures,
    note,
    report,
)

# Process-wide settings of the command line, all here (the library changes none of them):
# - the CLI uses no pydantic plugins; looking for them costs a scan of every installed
#   package at start-up (a third of edac's own start-up time). Library users keep theirs.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "1")
# - a command is one short pass over acyclic data: the cyclic garbage collector would only
#   rescan the growing heap (a quarter of the time on large topologies). Off during a
#   command, back on after it (`main`).


# the operations commands (edac.cli.ops), loaded only when asked for, like `sandbox`
_OPERATIONS = ("dlq", "redrive", "replay", "status")


class _Group(click.Group):
    """Turns unexpected exceptions into exit 2 with a request for a report; loads the
    `sandbox` and operations commands only when asked for (they are not needed to
    compile)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), "sandbox", *_OPERATIONS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "sandbox":
            from edac.cli.sandbox import sandbox

            return sandbox
        if cmd_name in _OPERATIONS:
            from edac.cli.ops import COMMANDS

            return COMMANDS[cmd_name]
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except Exception:
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            click.echo(
                "error: internal error in edac; please report it with the input that caused it"
                + ("" if ctx.obj and ctx.obj.get("debug") else " (run with --debug for details)"),
                err=True,
            )
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="edac")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """edac: compile event-driven topologies (YAML) into EventBridge + SQS Terraform."""
    ctx.obj = {"debug": debug}
    # text from the input may hold what no encoding can write (a lone surrogate from a
    # `\ud800` escape): it is printed as a backslash escape, never a crash
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    if gc.isenabled():
        gc.disable()
        ctx.call_on_close(gc.enable)


def environment_option(func: Any) -> Any:
    return click.option(
        "-e", "--environment", "environment", metavar="NAME", default=None,
        help="A declared environment (default: the topology's `environment:`).")(func)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("-e", "--environment", "environment", metavar="NAME", default=None,
              help="Check this declared environment only (default: every one).")
@diagnostics_options
def validate(paths: tuple[str, ...], environment: str | None, fmt: str,
             warnings_as_errors: bool) -> None:
    """Check a topology (files or directories) and report every problem, in each of the
    environments it declares."""
    from edac.api import validate_all

    with failures(fmt):
        result = validate_all(paths, environment)
    report(result.diagnostics, fmt, result.sources)
    code = exit_code(result.diagnostics, warnings_as_errors)
    if fmt == "human" and code == 0:
        topo = result.topology
        assert topo is not None
        click.echo(
            f"ok: {len(topo.producers)} producers, {len(topo.events)} event types, "
            f"{len(topo.consumers)} consumers, {len(topo.routes)} routes", err=True)
    sys.exit(code)


@main.command()
def schema() -> None:
    """Print the JSON Schema of the topology format."""
    from edac.api import json_schema

    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


@main.command()
@click.argument("code", required=False)
def explain(code: str | None) -> None:
    """Explain a diagnostic code (or list them all)."""
    from edac import api

    if code is None:
        for c in api.codes():
            click.echo(f"{c.code}  {c.title}")
        return
    with failures():
        found = api.explain(code)
    click.echo(f"{found.code}: {found.title}\n\n{found.explanation}")


@main.command(name="compile")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", "output", required=True, metavar="DIR",
              help="Output directory (a Terraform root module); edac only touches its own files.")
@click.option("--allow-destroy", "allow_destroy", multiple=True, metavar="CONSUMER",
              help="Let this compile destroy the queues of a removed or replaced consumer.")
@click.option("--forget", "forget", multiple=True, metavar="CONSUMER",
              help="Stop managing the queues of a removed or replaced consumer, keeping them.")
@click.option("--lock", "lock", metavar="FILE",
              help="The lock file (default: edac.lock beside the topology).")
@click.option("--locked", is_flag=True,
              help="Fail (E806) instead of changing the lock: for CI, where the committed "
                   "lock must already say everything.")
@environment_option
@diagnostics_options
def compile_(paths: tuple[str, ...], output: str, allow_destroy: tuple[str, ...],
             forget: tuple[str, ...], lock: str | None, locked: bool,
             environment: str | None, fmt: str, warnings_as_errors: bool) -> None:
    """Compile a topology into a Terraform root module, and update its lock (edac.lock).

    What holds data (queues, keys, the archive, the idempotency table) is recorded in the
    lock: when a change would destroy or replace any of it, edac refuses unless told per
    owner (a consumer, `bus.archive`, `idempotency.table`) to --forget or --allow-destroy it.
    The decision is recorded in the lock; commit it with the topology.
    """
    from edac.api import compile_into

    with failures(fmt):
        written = compile_into(paths, output, set(allow_destroy), set(forget),
                               warnings_as_errors, lock=lock, locked=locked,
                               environment=environment)
    diagnostics = written.compiled.result.diagnostics
    code = exit_code(diagnostics, warnings_as_errors)
    report(diagnostics, fmt, written.compiled.result.sources)
    if not written.ok:
        note("error: nothing was written", fmt)
        sys.exit(code or 1)
    for rel in written.removed:
        note(f"removed stale {rel}", fmt)
    note(f"wrote {len(written.compiled.files)} files to {output}", fmt)
    if written.lock_written:
        origin = " (seeded from the output's .edac-manifest.json)" if written.seeded else ""
        note(f"wrote the lock {written.lock_path}{origin}: commit it with the topology", fmt)
    sys.exit(code)


@main.command(name="lock")
@click.argument("paths", nargs=-1, required=True)
@click.option("--check", "check", is_flag=True, required=True,
              help="Exit 1 (E806) when `edac compile` would change the lock.")
@click.option("--lock", "lock", metavar="FILE",
              help="The lock file (default: edac.lock beside the topology).")
@environment_option
@diagnostics_options
def lock_(paths: tuple[str, ...], check: bool, lock: str | None, environment: str | None,
          fmt: str, warnings_as_errors: bool) -> None:
    """Check that the lock says what `edac compile` would record (as `compile --locked`,
    without an output directory): the CI gate for a committed lock."""
    from edac.api import check_lock

    with failures(fmt):
        written = check_lock(paths, lock, environment)
    diagnostics = written.compiled.result.diagnostics
    report(diagnostics, fmt, written.compiled.result.sources)
    code = exit_code(diagnostics, warnings_as_errors)
    if code == 0 and written.ok:
        note(f"the lock {written.lock_path} is up to date", fmt)
    sys.exit(code or (0 if written.ok else 1))


@main.command(name="generate")
@click.argument("language", type=click.Choice(("python", "typescript")))
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", "output", required=True, metavar="DIR",
              help="The directory the package <system>_events goes into (e.g. src/).")
@click.option("--lock", "lock", metavar="FILE",
              help="The lock file (default: edac.lock beside the topology).")
@environment_option
@diagnostics_options
def generate_(language: str, paths: tuple[str, ...], output: str, lock: str | None,
              environment: str | None, fmt: str, warnings_as_errors: bool) -> None:
    """Generate the consumer kit: typed events, producer clients and consumer apps (Lambda
    handler with partial batch responses and idempotency, or a container poller)."""
    from edac.api import generate

    with failures(fmt):
        generated = generate(paths, output, language, lock, environment)
    diagnostics = generated.result.diagnostics
    report(diagnostics, fmt, generated.result.sources)
    code = exit_code(diagnostics, warnings_as_errors)
    if not generated.ok:
        note("error: nothing was written", fmt)
        sys.exit(code or 1)
    note(f"wrote {len(generated.files)} files to {Path(output) / str(generated.package)}", fmt)
    sys.exit(code)


JSON_FILE_MAX = 4 << 20  # bytes of an `@file` argument read (an event is at most 256 KB)


def _json_argument(value: str, what: str) -> str | bytes:
    """JSON given inline or as `@file` (returned as bytes: the parser reports bad UTF-8 as
    AWS does); parsed by the caller. A file over JSON_FILE_MAX (`/dev/zero`) is refused."""
    if value.startswith("@"):
        try:
            with open(value[1:], "rb") as handle:
                data = handle.read(JSON_FILE_MAX + 1)
        except OSError as exc:
            click.echo(f"error: {what}: cannot read {value[1:]}: {exc.strerror}", err=True)
            sys.exit(1)
        if len(data) > JSON_FILE_MAX:
            click.echo(f"error: {what}: {value[1:]} is larger than {JSON_FILE_MAX >> 20} MiB",
                       err=True)
            sys.exit(1)
        return data
    return value


@main.command(name="test-event-pattern")
@click.option("--event-pattern", "pattern", required=True, help="The pattern: JSON or @file.")
@click.option("--event", "event", required=True, help="The event: JSON or @file.")
def test_event_pattern_(pattern: str, event: str) -> None:
    """Test an event against a pattern, as `aws events test-event-pattern` does (and with its
    messages: `Event pattern is not valid. Reason: ...`, exit 1)."""
    from edac.api import test_event_pattern
    from edac.patterns import InvalidEvent, InvalidEventPattern

    pattern_text = _json_argument(pattern, "--event-pattern")
    event_text = _json_argument(event, "--event")
    try:
        result = test_event_pattern(pattern_text, event_text)
    except (InvalidEventPattern, InvalidEvent) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(json.dumps({"Result": result}, indent=4))


@main.command(name="route")
@click.argument("event_file")
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(("human", "json")), default="human",
              show_default=True)
def route_(event_file: str, paths: tuple[str, ...], fmt: str) -> None:
    """Show which routes and consumer queues an event reaches, and why others miss it."""
    from edac.api import route
    from edac.core.simulate import as_json, render, schema_problems

    with failures(fmt):
        routed = route(event_file, paths)
    click.echo(as_json(routed.outcomes, schema_problems(routed.topology, routed.event))
               if fmt == "json"
               else render(routed.topology, routed.event, routed.outcomes), nl=False)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(("mermaid", "markdown")), default="mermaid",
              show_default=True, help="Mermaid text, or markdown with a ```mermaid block.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False),
              help="Write to this file instead of standard output.")
@click.option("--team", "teams", multiple=True, metavar="TEAM",
              help="Only the routes to and from this team, or to its buses (and all their "
                   "consumers).")
@click.option("--consumer", "consumers", multiple=True, metavar="CONSUMER",
              help="Only the routes to this consumer (and all their consumers).")
@click.option("--event", "events", multiple=True, metavar="EVENT_TYPE",
              help="Only the routes that take this event type (and all their consumers).")
def diagram(paths: tuple[str, ...], fmt: str, output: str | None, teams: tuple[str, ...],
            consumers: tuple[str, ...], events: tuple[str, ...]) -> None:
    """Draw the topology as a Mermaid flowchart: producers, bus, routes, queues, consumers.

    Mermaid draws at most 500 edges and 50,000 characters: for a larger topology, draw a
    part of it with --team, --consumer or --event (repeatable; together they add up).
    """
    from edac.api import diagram as draw

    with failures():
        text = draw(paths, set(teams), set(consumers), set(events), markdown=fmt == "markdown")
        emit_text(text, output)


@main.command(name="diff")
@click.argument("paths", nargs=-1, required=True)
@click.option("--base", "base", required=True, metavar="REF_OR_PATH",
              help="The topology before the change: a git ref (`origin/main`) or a path.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False),
              help="Write to this file instead of standard output.")
@click.option("--fail-on-destroy", is_flag=True,
              help="Exit 1 when applying the change would destroy what holds data (queues, "
                   "keys, the archive, the table) without a decision recorded in the lock.")
@click.option("--fail-on-breaking", is_flag=True,
              help="Exit 1 when an event schema changes in a way that breaks its producer "
                   "or the consumers that receive it.")
@click.option("--lock", "lock", metavar="FILE",
              help="The lock file (default: edac.lock beside the topology).")
@environment_option
def diff_(paths: tuple[str, ...], base: str, output: str | None, fail_on_destroy: bool,
          fail_on_breaking: bool, lock: str | None, environment: str | None) -> None:
    """Compare a topology with its base, as markdown for a pull-request comment.

    Queues the change would destroy come first, then a table of the changes, then the
    diagram of the new topology with added, removed and changed elements marked. With a git
    ref, the same PATHS are read from that commit. With --environment, that environment's
    names and lock (one comment per environment: run it per environment in a matrix).
    """
    from edac.api import diff

    with failures():
        compared = diff(paths, base, lock, environment)
        emit_text(compared.markdown(), output)
    failed = False
    if fail_on_destroy:
        losses = compared.destroy_diagnostics()
        if losses:
            report(losses, "human", {})
            failed = True
    if fail_on_breaking and compared.diff.breaking:
        for change in compared.diff.breaking:
            who = [w for w, why in (("its producer", change.producers),
                                    ("its readers", change.consumers)) if why]
            click.echo(f"error: the schema change of event `{change.event}` breaks "
                       f"{' and '.join(who)}", err=True)
        failed = True
    if failed:
        sys.exit(1)


@main.command(name="examples")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", "output", required=True, metavar="DIR",
              help="The directory of the example events (replaced as a whole).")
@click.option("--route", "routes", multiple=True, metavar="ROUTE",
              help="Only this route's examples (repeatable).")
def examples_(paths: tuple[str, ...], output: str, routes: tuple[str, ...]) -> None:
    """Write example events per route: ROUTE/match-*.json must match it, ROUTE/miss-*.json
    are near misses that must not. Built from the event schemas and checked with edac's
    pattern engine; each is a whole event, for contract tests, `edac route` and
    `edac sandbox send`."""
    from edac.api import examples

    with failures():
        written = examples(paths, output, routes)
    matches = sum(1 for e in written.examples if e.matches)
    click.echo(f"wrote {matches} matching events and {len(written.examples) - matches} near "
               f"misses for {len({e.route for e in written.examples})} routes to {output}",
               err=True)


@main.command(name="export")
@click.argument("kind", type=click.Choice(["asyncapi", "eventcatalog", "backstage"]),
                metavar="asyncapi|eventcatalog|backstage")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", "output", required=True, metavar="DIR",
              help="The directory of the export (replaced as a whole).")
@environment_option
@click.option("--version", "version", default="1.0.0", show_default=True, metavar="VERSION",
              help="The version the documents and catalog resources carry.")
@click.option("--owner", "owner", default=None, metavar="GROUP",
              help="backstage: the group owning the System and what has no team "
              "(default: the topology's `owner` tag).")
@click.option("--lifecycle", "lifecycle", default="production", show_default=True,
              metavar="STAGE", help="backstage: the lifecycle of components and APIs.")
def export_(kind: str, paths: tuple[str, ...], output: str, environment: str | None,
            version: str, owner: str | None, lifecycle: str) -> None:
    """Export the topology for the tools kept beside it: AsyncAPI 3.0 documents (one per
    producer and consumer), an EventCatalog (domains per team, services, events with their
    schemas, channels), or Backstage entities (System, Components, APIs, Resources)."""
    from edac.api import export
    from edac.core.text import count

    with failures():
        written = export(kind, paths, output, environment, version, owner, lifecycle)
    for dropped in written.dropped:
        click.echo(f"warning: {dropped} has no JSON Schema draft-07 form: the exported "
                   "payload leaves it out (it accepts more)", err=True)
    click.echo(f"wrote {count(len(written.files), 'file')} ({kind}) to {output}", err=True)


if __name__ == "__main__":
    main()
