"""`edac status`, `edac dlq show`, `edac redrive`, `edac replay`: the command line of the
operations task (`edac.ops`). Every command takes the topology (PATHS) to know the names,
and acts where it is deployed: the usual AWS configuration (`--region`, `--profile`), or
the sandbox (`--sandbox`, where PATHS may be left out)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from edac.cli.output import failures
from edac.core.diagnostics import failure

F = TypeVar("F", bound=Callable[..., Any])


def _target_options(func: F) -> F:
    func = click.option("--format", "fmt", type=click.Choice(("human", "json")),
                        default="human", show_default=True,
                        help="`json`: the result on standard output, for scripts.")(func)
    func = click.option("--sandbox-dir", "sandbox_dir", default=None, metavar="DIR",
                        envvar="EDAC_SANDBOX_DIR",
                        help="The sandbox's directory (default: that of `edac sandbox`).")(func)
    func = click.option("--sandbox", "use_sandbox", is_flag=True,
                        help="Act on the topology running in `edac sandbox` instead of "
                             "AWS.")(func)
    func = click.option("--endpoint-url", "endpoint_url", default=None, metavar="URL",
                        help="An AWS-compatible endpoint instead of AWS's own (a VPC "
                             "endpoint, a local emulator).")(func)
    func = click.option("--profile", default=None, help="The AWS profile to use.")(func)
    func = click.option("--region", default=None,
                        help="The AWS region of the deployment (default: the environment's, "
                             "else the configured one).")(func)
    func = click.option("-e", "--environment", default=None, metavar="NAME",
                        expose_value=False, callback=_remember_environment,
                        help="The declared environment deployed there (default: the "
                             "topology's `environment:`).")(func)
    return func


def _remember_environment(ctx: click.Context, _param: Any, value: str | None) -> None:
    ctx.meta["edac.environment"] = value


def _say(text: str) -> None:
    click.echo(text, err=True)


def _context(paths: tuple[str, ...], region: str | None, profile: str | None,
             endpoint_url: str | None, use_sandbox: bool, sandbox_dir: str | None,
             check: Callable[[Any], object] = lambda _: None) -> tuple[Any, Any]:
    """(topology, Aws) for a command; Failure when either cannot be had. `check` judges the
    names on the command line against the topology before AWS is asked anything; then the
    credentials are tried first."""
    from edac.api import deployed_topology
    from edac.ops import Aws, Target

    if use_sandbox:
        from edac.sandbox import STATE_DIR, Sandbox

        box = Sandbox(Path(sandbox_dir or STATE_DIR))
        endpoint = box.endpoint()
        state = box.state()
        if endpoint is None or not state.get("applied"):
            raise failure("E908", f"no sandbox is up in {box.root}",
                          help="run: edac sandbox up TOPOLOGY", exit_code=2)
        if state.get("accounts"):  # the credentials say which account a command acts in
            raise failure("E913", "the sandbox runs several accounts: --sandbox cannot say "
                          "which one to act in",
                          help=f"give --endpoint-url {endpoint.url} and the credentials of a "
                          "role assumed in the account (`aws sts assume-role --role-arn "
                          "arn:aws:iam::ACCOUNT:role/edac-sandbox ...` against that "
                          "endpoint)", exit_code=2)
        if not paths:
            paths = tuple(state["paths"])
        target = Target(endpoint_url=endpoint.url, sandbox=True)
    else:
        target = Target(region=region, profile=profile, endpoint_url=endpoint_url)
    if not paths:
        raise failure("E904", "no topology given", help="give the topology's files or "
                      "directory, as the alarm's description says", exit_code=2)
    environment = click.get_current_context().meta.get("edac.environment")
    topology = deployed_topology(paths, environment)
    check(topology)
    if not use_sandbox and region is None and topology.region is not None:
        target = Target(region=topology.region, profile=profile, endpoint_url=endpoint_url)
    aws = Aws(target)
    aws.where()  # the account: no usable credentials is said before anything else
    if not use_sandbox and topology.account is not None and aws.account not in _homes(topology):
        others = sorted(set(_homes(topology)) - {topology.account})
        raise failure("E922", f"the credentials are for account {aws.account}, but "
                      f"environment `{topology.environment}` is deployed to account "
                      f"{topology.account}"
                      + (f" (and its consumers' accounts {', '.join(others)})" if others
                         else ""),
                      help="use credentials (or a --profile) of that account, or give the "
                      "--environment deployed in this one")
    return topology, aws


def _homes(topo: Any) -> dict[str, str]:
    """The accounts the topology's queues are in (id -> how to say it): the bus's, and the
    named accounts its consumers live in."""
    found = {topo.account: f"the bus's account {topo.account}"}
    for c in topo.consumers.values():
        account = topo.remote(c)
        if account is not None:
            found.setdefault(account, f"account `{c.account}` ({account})")
    return found


def _here(topo: Any, aws: Any, consumer: str | None = None) -> bool:
    """Whether the credentials are of the account `consumer`'s queues are in (None: the
    bus's), when the topology says where it is deployed (the sandbox is one account)."""
    if topo.account is None or aws.target.sandbox:
        return True
    c = topo.consumers[consumer] if consumer is not None else None
    return bool(aws.account == ((topo.remote(c) if c is not None else None) or topo.account))


def _in_account_of(topo: Any, aws: Any, consumer: str | None, doing: str,
                   held: str = "the bus and its archive are") -> None:
    """E922 unless the credentials are of the account `consumer`'s queues (None: what the
    bus's account holds, `held`) are in."""
    if _here(topo, aws, consumer):
        return
    c = topo.consumers[consumer] if consumer is not None else None
    account = (topo.remote(c) if c is not None else None) or topo.account
    what = (f"consumer `{consumer}`'s queues are in {_homes(topo)[account]}" if consumer
            else f"{held} in the bus's account {account}")
    raise failure("E922", f"{doing}: {what}, and the credentials are for account "
                  f"{aws.account}", help="use credentials (or a --profile) of that account")


def _consumer(topo: Any, name: str) -> str:
    from edac.api import unknown_name

    if name not in topo.consumers:
        raise unknown_name("consumer", name, list(topo.consumers))
    return name


def _json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


# -- status ----------------------------------------------------------------------------------

@click.command(name="status")
@click.argument("paths", nargs=-1)
@click.option("--consumer", "consumers", multiple=True, metavar="CONSUMER",
              help="Only this consumer (repeatable).")
@_target_options
def status_(paths: tuple[str, ...], consumers: tuple[str, ...], region: str | None,
            profile: str | None, endpoint_url: str | None, use_sandbox: bool,
            sandbox_dir: str | None, fmt: str) -> None:
    """Per consumer: messages in its queue (visible, in flight), its DLQ and target DLQ, the
    age of the oldest message, and its alarms; per bus that routes forward to (without
    --consumer): its forward DLQ and alarm."""
    from edac.ops.status import forwarding_status, status

    with failures(fmt):
        topo, aws = _context(paths, region, profile, endpoint_url, use_sandbox,
                             sandbox_dir, lambda t: [_consumer(t, c) for c in consumers])
        for name in consumers:
            _in_account_of(topo, aws, name, "edac status")
        # the consumers whose queues are in the credentials' account; the others are read
        # with their accounts' credentials
        elsewhere = sorted(c for c in topo.consumers if not _here(topo, aws, c))
        mine = list(consumers) or [c for c in topo.consumers if c not in elsewhere]
        found = status(topo, aws, mine) if mine else []
        forwards = [] if consumers or not _here(topo, aws) else forwarding_status(topo, aws)
        where = aws.where()
    if fmt == "json":
        _json({"topology": topo.prefix, "where": where,
               "consumers": [s.as_dict() for s in found],
               **({"forwarded_buses": [f.as_dict() for f in forwards]} if forwards else {}),
               **({"other_accounts": {c: topo.remote(topo.consumers[c]) or topo.account
                                      for c in elsewhere}}
                  if elsewhere and not consumers else {})})
        return
    click.echo(f"{topo.prefix} in {where}")
    header = ("consumer", "team", "queue", "in flight", "DLQ", "target DLQ", "oldest",
              "alarms")
    rows = [header]
    for s in found:
        queue = s.queues["queue"][1]
        firing = [name for name, state in s.alarms.items() if state == "ALARM"]
        missing = [name for name, state in s.alarms.items() if state == "missing"]
        alarms = (f"{len(firing)} in ALARM" if firing else
                  f"{len(missing)} missing" if missing else "ok")
        rows.append((("! " if s.attention else "  ") + s.consumer, s.team, str(queue.visible),
                     str(queue.in_flight), str(s.queues["dlq"][1].total),
                     str(s.queues["target-dlq"][1].total),
                     "-" if s.oldest_age is None else f"{s.oldest_age}s", alarms))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for r in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    look = [s.consumer for s in found if s.attention]
    if look:
        click.echo(f"\nneeds a look: {', '.join(look)} (edac dlq show CONSUMER ...)")
    if elsewhere and not consumers:
        homes = _homes(topo)
        by_account: dict[str, list[str]] = {}
        for c in elsewhere:
            by_account.setdefault(topo.remote(topo.consumers[c]) or topo.account, []).append(c)
        click.echo("\nin other accounts (read them with that account's credentials): "
                   + "; ".join(f"{homes[a]}: {', '.join(cs)}"
                               for a, cs in sorted(by_account.items())))
    if forwards:
        table: list[tuple[str, ...]] = [("forwarded to", "team", "forward DLQ", "events",
                                         "alarm")]
        table += [(("! " if f.attention else "  ") + f.bus, f.team, f.dlq,
                   str(f.counts.total), f.alarm) for f in forwards]
        widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
        click.echo("")
        for line in table:
            click.echo("  ".join(cell.ljust(w) for cell, w in zip(line, widths,
                                                                  strict=True)).rstrip())
        lost = [f.bus for f in forwards if f.attention]
        if lost:
            click.echo(f"\nnot forwarded: {', '.join(lost)} (their events wait in the forward "
                       "DLQ: see topology.md's runbook)")


# -- dlq show --------------------------------------------------------------------------------

@click.group(name="dlq")
def dlq() -> None:
    """A consumer's dead-letter queues."""


@dlq.command(name="show")
@click.argument("consumer")
@click.argument("paths", nargs=-1)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000),
              help="At most this many messages of each DLQ.")
@_target_options
def dlq_show(consumer: str, paths: tuple[str, ...], limit: int, region: str | None,
             profile: str | None, endpoint_url: str | None, use_sandbox: bool,
             sandbox_dir: str | None, fmt: str) -> None:
    """The messages in both DLQs of CONSUMER, decoded, left where they are (each read
    raises its receive count by one).

    The DLQ holds what the consumer failed to process; the target DLQ what EventBridge could
    not deliver to its queue, with EventBridge's reason. `forward.BUS`: the forward DLQ of
    a bus under `buses:` (what could not be put on it), and the replay that sends it again."""
    from edac.core.names import forwarded_bus
    from edac.core.runbook import Runbook
    from edac.ops.messages import show
    from edac.ops.queues import counts, forward_dlq, locate

    bus = forwarded_bus(consumer)
    with failures(fmt):
        topo, aws = _context(paths, region, profile, endpoint_url, use_sandbox, sandbox_dir,
                             lambda t: _consumer(t, consumer) if bus is None else _bus(t, bus))
        _in_account_of(topo, aws, None if bus is not None else consumer,
                       f"edac dlq show {consumer}", "the forward DLQs are")
        if bus is not None:
            queue = forward_dlq(aws, topo.buses[bus])
            waiting = counts(aws, queue).visible
            # the replay's window is that of every event waiting (up to WINDOW_READ), not
            # only of those shown: SQS returns them in no order
            read = list({m.message_id: m for m in show(
                aws, {"forward-dlq": queue}, max(limit, WINDOW_READ))}.values())
        else:
            queues = locate(aws, topo.consumers[consumer])
            found = show(aws, queues, limit)
    if bus is not None:
        target = (("--sandbox",) + (("--sandbox-dir", sandbox_dir) if sandbox_dir else ())
                  if use_sandbox else
                  tuple(w for option, value in (("--region", region), ("--profile", profile),
                                                ("--endpoint-url", endpoint_url))
                        if value for w in (option, value)))
        book = Runbook(paths, click.get_current_context().meta.get("edac.environment"),
                       target)
        _show_forwarded(topo, bus, queue.name, read[:limit], read, waiting, fmt, book)
        return
    if fmt == "json":
        _json({"consumer": consumer, "dlq": queues["dlq"].name,
               "target_dlq": queues["target-dlq"].name,
               "messages": [m.as_dict() for m in found]})
        return
    for kind, label in (("dlq", "DLQ (processing failures)"),
                        ("target-dlq", "target DLQ (EventBridge could not deliver)")):
        mine = [m for m in found if m.queue == kind]
        click.echo(f"{label} {queues[kind].name}: {len(mine)} message(s) shown")
        _echo_messages(mine)
    if found:
        click.echo(f"\nafter the fix: edac redrive {consumer} --from dlq|target-dlq ...")


def _bus(topo: Any, name: str) -> str:
    """A bus some route forwards to (E904 otherwise)."""
    from edac.api import unknown_name

    if name not in {b.name for b in topo.forwarded}:
        raise unknown_name("forwarded bus", name, [b.name for b in topo.forwarded])
    return name


def _echo_messages(messages: list[Any]) -> None:
    for m in messages:
        click.echo(f"  message {m.message_id}, received {m.receive_count} time(s), "
                   f"sent {m.sent or '?'}" + (f", group {m.group}" if m.group else ""))
        if m.event is not None:
            e = m.event
            click.echo(f"    event {e.get('id')}: {e.get('source')} / "
                       f"{e.get('detail-type')} at {e.get('time')}")
            click.echo(f"    detail: {json.dumps(e.get('detail'), ensure_ascii=False)}")
        else:
            click.echo(f"    body (not an EventBridge event): {m.body}")
        for name, value in m.failure.items():
            click.echo(f"    {name}: {value}")


def _show_forwarded(topo: Any, bus: str, queue: str, shown: list[Any], read: list[Any],
                    waiting: int, fmt: str, book: Any) -> None:
    """A forward DLQ's messages, and the replay that forwards them again: the window of the
    times of the events read (all that wait, up to WINDOW_READ), per route forwarding to the
    bus, with what else it delivers to."""
    from edac.ops.replay import forward_again

    again = forward_again(topo, bus, [m.event for m in read if m.event is not None], book)
    if fmt == "json":
        _json({"bus": bus, "forward_dlq": queue, "waiting": waiting, "read": len(read),
               "messages": [m.as_dict() for m in shown], "replay": again})
        return
    click.echo(f"forward DLQ {queue} (EventBridge could not put these on bus {bus}): "
               f"{len(shown)} of about {max(waiting, len(read))} message(s) shown")
    _echo_messages(shown)
    if not read:
        return
    if topo.archive is None:
        click.echo("\nthe bus has no archive to forward them again from: they are in this "
                   "queue only")
        return
    if not again:
        click.echo("\nno event with a time to replay")
        return
    partial = (f" (the window of the {len(read)} read; about {waiting} wait: run again "
               "once these are forwarded)" if waiting > len(read) else "")
    click.echo(f"\nafter the fix, forward them again from the archive{partial}; they stay in "
               f"the forward DLQ: delete them there once bus {bus}'s domain has them:")
    for step in again:
        click.echo("  " + step["command"])
        if step["also_delivered_to"]:
            twice = step["not_idempotent"]
            click.echo("    also delivers them again to " + ", ".join(step["also_delivered_to"])
                       + (f" ({', '.join(twice)} without `idempotency:`: processed twice)"
                          if twice else " (their idempotency drops what they had)"))
        if step["also_forwarded_to"]:
            click.echo("    and forwards them again to bus(es) "
                       + ", ".join(step["also_forwarded_to"]))
        if step["past_retention"]:
            click.echo(f"    {step['past_retention']} of them are older than the archive keeps: "
                       "it cannot send those again")


WINDOW_READ = 1000  # at most this many messages of a forward DLQ are read for the window


# -- redrive ---------------------------------------------------------------------------------

@click.command(name="redrive")
@click.argument("consumer")
@click.argument("paths", nargs=-1)
@click.option("--from", "source", type=click.Choice(("dlq", "target-dlq")), default="dlq",
              show_default=True, help="`dlq`: processing failures (SQS moves them back); "
                                      "`target-dlq`: EventBridge's delivery failures.")
@click.option("--max", "most", type=int, default=None,
              help="Move at most this many messages (edac moves them itself).")
@click.option("--rate", type=int, default=None, help="At most this many messages per second "
                                                     "(1-500).")
@click.option("--dry-run", is_flag=True, help="Say what would move; move nothing.")
@click.option("--wait", is_flag=True, help="Follow SQS's move task to its end.")
@click.option("--allow-reorder", is_flag=True,
              help="FIFO: redrive even though the queue holds newer messages.")
@_target_options
def redrive_(consumer: str, paths: tuple[str, ...], source: str, most: int | None,
             rate: int | None, dry_run: bool, wait: bool, allow_reorder: bool,
             region: str | None, profile: str | None, endpoint_url: str | None,
             use_sandbox: bool, sandbox_dir: str | None, fmt: str) -> None:
    """Move CONSUMER's failed messages back to its queue, once the cause is fixed.

    A message leaves the DLQ only after it is safely in the queue: killed at any moment,
    every message is in one of them (or both)."""
    from edac.core.names import forwarded_bus
    from edac.ops.redrive import check_options, redrive

    with failures(fmt):
        check_options(most, rate)
        bus = forwarded_bus(consumer)

        def known(topo: Any) -> None:
            if bus is None:
                _consumer(topo, consumer)
                return
            _bus(topo, bus)  # only the receiving bus's policy could let anyone put them back
            raise failure("E923", f"`{consumer}` is the forward DLQ of bus `{bus}`: its events "
                          "go back on that bus only as this bus's forwarding role, by a replay "
                          "from the archive", help=f"see the replay: edac dlq show {consumer}")

        topo, aws = _context(paths, region, profile, endpoint_url, use_sandbox,
                             sandbox_dir, known)
        _in_account_of(topo, aws, consumer, f"edac redrive {consumer}")
        report = redrive(topo, aws, consumer, source, most, rate, dry_run,
                         wait, allow_reorder, progress=_say if fmt == "human" else _quiet)
    if fmt == "json":
        _json(report.as_dict())
        return
    if report.dry_run:
        click.echo(f"dry run: {report.waiting} message(s) in {report.source_queue} would move "
                   f"to {report.destination_queue}"
                   + (f" (at most {most})" if most else "")
                   + f", by {report.how}; nothing moved")
        return
    if report.how == "move task":
        click.echo(f"move task {report.task_handle}: {report.task_status}, "
                   f"{report.moved} of {report.waiting} moved from {report.source_queue} to "
                   f"{report.destination_queue}")
        if report.task_status == "RUNNING":
            click.echo("it goes on in SQS; follow it with --wait, or `edac status`")
    else:
        click.echo(f"moved {report.moved}, left {report.left}, failed {report.failed}: "
                   f"{report.source_queue} -> {report.destination_queue}")
    for reason in report.failures:
        click.echo(f"  refused: {reason}", err=True)
    if report.failed or report.task_status == "FAILED":
        raise SystemExit(1)


def _quiet(_: str) -> None:
    pass


# -- replay ----------------------------------------------------------------------------------

@click.command(name="replay")
@click.argument("paths", nargs=-1)
@click.option("--route", default=None, metavar="ROUTE", help="Replay to this route's rules.")
@click.option("--consumer", default=None, metavar="CONSUMER",
              help="Replay to the rules that feed this consumer.")
@click.option("--from", "start", required=True, metavar="TIME",
              help="Start of the window: ISO 8601 (`2026-12-01T10:00:00Z`), `-2h`, `now`.")
@click.option("--to", "end", required=True, metavar="TIME", help="End of the window (not "
                                                                   "included).")
@click.option("--wait", is_flag=True, help="Wait until the replay has ended.")
@_target_options
def replay_(paths: tuple[str, ...], route: str | None, consumer: str | None, start: str,
            end: str, wait: bool, region: str | None, profile: str | None,
            endpoint_url: str | None, use_sandbox: bool, sandbox_dir: str | None,
            fmt: str) -> None:
    """Send the archived events of a time window again, only to the rules of one route
    (--route) or of one consumer (--consumer)."""
    import datetime as dt

    from edac.api import unknown_name
    from edac.ops.replay import check_replayable, check_window, parse_time, replay

    with failures(fmt):
        if (route is None) == (consumer is None):
            raise failure("E904", "give exactly one of --route and --consumer",
                          help="edac replay --consumer NAME --from -2h --to now PATHS",
                          exit_code=2)
        now = dt.datetime.now(dt.UTC)
        window = parse_time(start, now, "--from"), parse_time(end, now, "--to")
        check_window(*window, now)

        def names(topo: Any) -> None:
            if route is not None and route not in topo.routes:
                raise unknown_name("route", route, list(topo.routes))
            if consumer is not None:
                _consumer(topo, consumer)
            check_replayable(topo, route, consumer)

        topo, aws = _context(paths, region, profile, endpoint_url, use_sandbox,
                             sandbox_dir, names)
        _in_account_of(topo, aws, None, "edac replay")
        report = replay(topo, aws, window[0], window[1], route, consumer, wait, now)
    if fmt == "json":
        _json(report.as_dict())
        return
    click.echo(f"replay {report.replay_name}: {report.state}, events of {report.start} to "
               f"{report.end} from {report.archive} to {len(report.rules)} rule(s)")
    for arn in report.rules:
        click.echo(f"  {arn}")
    if report.also_delivered_to:
        click.echo("these rules also deliver to " + ", ".join(report.also_delivered_to)
                   + ": they receive the events again too")
    if report.also_forwarded_to:
        click.echo("these rules also forward to bus(es) " + ", ".join(report.also_forwarded_to)
                   + ": the domains behind them receive the events again too")
    if report.reason:
        click.echo(f"reason: {report.reason}")
    if report.state == "FAILED":
        raise SystemExit(1)


COMMANDS = {"status": status_, "dlq": dlq, "redrive": redrive_, "replay": replay_}
