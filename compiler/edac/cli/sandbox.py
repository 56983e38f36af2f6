"""`edac sandbox up|send|status|down`: the command line of the sandbox task (`edac.sandbox`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from edac.cli.output import failures
from edac.sandbox import STATE_DIR, Sandbox


def _say(text: str) -> None:
    click.echo(text, err=True)


@click.group(name="sandbox")
@click.option("--dir", "state_dir", default=STATE_DIR, show_default=True,
              envvar="EDAC_SANDBOX_DIR", type=click.Path(file_okay=False),
              help="The sandbox's own directory (new or empty at the first `up`): its compiled "
                   "output, state and emulator log.")
@click.pass_context
def sandbox(ctx: click.Context, state_dir: str) -> None:
    """Try a topology on a local AWS emulator (moto): up, send events, down.

    Needs terraform and the sandbox extra: pip install '.[sandbox]' (from a clone of edac).
    """
    ctx.ensure_object(dict)
    ctx.obj["sandbox"] = Sandbox(Path(state_dir))


def _box(ctx: click.Context) -> Sandbox:
    box = ctx.obj["sandbox"]
    assert isinstance(box, Sandbox)
    return box


@sandbox.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("-v", "--verbose", is_flag=True, help="Show terraform's whole output.")
@click.option("--allow-destroy", "allow_destroy", multiple=True, metavar="CONSUMER",
              help="Let this update destroy the queues of a removed or replaced consumer.")
@click.option("--forget", "forget", multiple=True, metavar="CONSUMER",
              help="Stop managing the queues of a removed or replaced consumer, keeping them.")
@click.pass_context
def up(ctx: click.Context, paths: tuple[str, ...], verbose: bool,
       allow_destroy: tuple[str, ...], forget: tuple[str, ...]) -> None:
    """Start the emulator, compile PATHS and apply them to it (again: update).

    An update that would destroy queues is refused as `edac compile` refuses it (E801),
    unless told per consumer to --forget or --allow-destroy them.
    """
    from edac import sandbox as task

    done = 0

    def progress(line: str) -> None:
        nonlocal done
        if verbose:
            _say(line)
        elif "Creation complete" in line or "Modifications complete" in line:
            done += 1
            if done % 10 == 0:
                _say(f"  {done} resources done")
        elif line.startswith(("Apply complete", "Error", "│ Error")):
            _say(f"  {line}")

    with failures():
        report = task.up(_box(ctx), paths, _say, progress, set(allow_destroy), set(forget))
    bus = report.outputs.get("bus_name")
    _say(f"applied in {report.seconds:.0f} s: bus {bus}, "
         f"{len(report.topology.consumers)} consumer queues, "
         f"{len(report.topology.routes)} routes")
    if report.disabled_mappings:
        _say(f"{report.disabled_mappings} Lambda event source mapping(s) disabled: the "
             "emulator cannot run Lambda functions, so messages stay in the queues")
    _say("next: edac sandbox send EVENT.json   (then: edac sandbox down)")


@sandbox.command(name="send")
@click.argument("event_files", nargs=-1, required=True)
@click.option("--keep", is_flag=True,
              help="Leave the messages in the queues (each read counts as a receive, "
                   "towards maxReceiveCount).")
@click.option("--format", "fmt", type=click.Choice(("human", "json")), default="human",
              show_default=True)
@click.pass_context
def send_(ctx: click.Context, event_files: tuple[str, ...], keep: bool, fmt: str) -> None:
    """Put events on the bus; show the routes they match and the queues that received them.

    An event file holds an event as delivered (`source`, `detail-type`, `detail`) or a
    PutEvents entry (`Source`, `DetailType`, `Detail`). Messages read from the queues are
    taken off them (unless --keep).
    """
    from edac import sandbox as task
    from edac.api import read_event
    from edac.sandbox.report import render_send, send_as_json

    disagreements = 0
    with failures(fmt):
        task.require(task.emulator_missing())
        endpoint, state, topo = task.running(_box(ctx))
        readers = task.endpoints(state, endpoint)  # the bus's account first
        events = [read_event(path) for path in event_files]
        for event in events:
            report = task.send(topo, readers[0], str(state["bus"]), event, keep=keep,
                               readers=readers)
            click.echo(send_as_json(topo, report) if fmt == "json"
                       else render_send(topo, report), nl=False)
            disagreements += not report.agrees(topo)
    if disagreements:
        sys.exit(1)


@sandbox.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Show the emulator and the messages in each queue."""
    from edac import sandbox as task

    box = _box(ctx)
    state = box.state()
    if not state:
        click.echo(f"no sandbox in {box.root} (start one: edac sandbox up TOPOLOGY)")
        return
    endpoint = box.endpoint()
    click.echo(f"state: {box.root}")
    click.echo(f"topology: {' '.join(state.get('paths', []))}")
    if endpoint is None:
        click.echo("emulator: not running (edac sandbox up starts a new one; "
                   "edac sandbox down cleans up)")
        return
    click.echo(f"emulator: {endpoint.url} (pid {endpoint.pid})")
    if not state.get("applied"):
        click.echo("applied: no (the last up did not finish)")
        return
    with failures():
        task.require(task.emulator_missing())
        rows = task.queue_counts(*task.endpoints(state, endpoint))
    click.echo(f"bus: {state.get('bus')}")
    if state.get("accounts"):
        click.echo(f"accounts: {', '.join(map(str, state['accounts']))} (the bus's first), "
                   f"region {state.get('region')}")
    width = max((len(r[0]) for r in rows), default=5)
    click.echo(f"{'queue'.ljust(width)}  visible  in flight")
    for name, visible, flight in rows:
        click.echo(f"{name.ljust(width)}  {visible:>7}  {flight:>9}")


@sandbox.command()
@click.option("--no-destroy", is_flag=True,
              help="Stop the emulator without terraform destroy (its state is in memory).")
@click.pass_context
def down(ctx: click.Context, no_destroy: bool) -> None:
    """terraform destroy, stop the emulator, and remove what the sandbox made in its
    directory (a directory that holds no sandbox is left as it is)."""
    from edac import sandbox as task

    with failures():
        task.down(_box(ctx), _say, destroy=not no_destroy)
