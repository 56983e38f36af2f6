"""`edac sandbox`: try a topology on a local AWS emulator before deploying it.

    edac sandbox up topology/      start the emulator (moto, on 127.0.0.1), compile, apply
    edac sandbox send event.json   put the event on the bus; print the routes it matches and
                                   the consumer queues that really received it
    edac sandbox status            what is running, and how many messages each queue holds
    edac sandbox down              terraform destroy, stop the emulator

Everything lives in a state directory (default `.edac-sandbox/` in the working directory):
the compiled output (with one added `*_override.tf` that points the AWS provider at the
emulator; the compiled files are those `edac compile` writes, through the same
`edac.api.compile_into`, so a change that would destroy queues is refused here too), the
terraform state, the emulator's port, pid and log. The sandbox only ever removes what it
made there. Needs terraform on the PATH and the `sandbox` extra (boto3 and moto's server).

A topology with Terraform roots for other accounts (`account:`) runs on an emulator of several
accounts, in the bus's region: the bus's root is applied in the bus's account, then each other
root in its own (as the role `edac-sandbox` assumed there); `send` and `status` read the queues
of every account, `down` destroys the other roots first.

Lambda consumers are not run: moto would need Docker to run them. Their event source
mappings are created by terraform as in AWS and then disabled, so that what EventBridge
delivered stays in the queues for `send` and `status` to show.

The parts: `emulator` (the endpoint process), `aws` (prerequisites, mappings, queues),
`state` (the directory), `report` (what `send` says), `server` (moto with its shims). The
functions here are the task the CLI runs, and the harness of the e2e tests (tests/e2e).
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edac.core import ir
from edac.core.diagnostics import Failure, failure
from edac.core.emit import hcl
from edac.io import terraform
from edac.sandbox.aws import (
    all_queue_urls,
    create_prerequisites,
    disable_event_source_mappings,
    drain,
    put_events_entry,
)
from edac.sandbox.emulator import ACCOUNT_ROLE, REGION, Endpoint, start_endpoint
from edac.sandbox.report import SendReport
from edac.sandbox.state import STATE_DIR, Sandbox

__all__ = ["STATE_DIR", "Sandbox", "SendReport", "down", "running", "send", "up"]

OVERRIDE_FILE = "edac_sandbox_override.tf"
SERVICES = ("cloudwatch", "dynamodb", "events", "iam", "kms", "lambda", "sns", "sqs", "sts")
APPLY_PARALLELISM = 64  # each SQS create waits ~25 s in the AWS provider: do them together


def emulator_missing() -> str | None:
    """Why the local AWS endpoint cannot run here (None when it can)."""
    missing = [name for module, name in (("boto3", "boto3"), ("moto", "moto"),
                                         ("flask", "moto's server (moto[server])"))
               if importlib.util.find_spec(module) is None]
    if missing:
        return (f"the local AWS emulator is not installed (missing: {', '.join(missing)}); "
                "install it from a clone of edac with: pip install '.[sandbox]'")
    return None


def require(*reasons: str | None) -> None:
    """Failure (E907, exit 2) naming every missing tool."""
    problems = [r for r in reasons if r]
    if problems:
        raise Failure([failure("E907", f"edac sandbox needs {problem}",
                               exit_code=2).diagnostics[0] for problem in problems],
                      exit_code=2)


def provider_override(endpoint_url: str, region: str = REGION,
                      account: str | None = None) -> str:
    """A `*_override.tf` that points every AWS service the output uses at the endpoint.

    Terraform merges it into the compiled `provider "aws"` block (region, default tags
    stay); the compiled files are left as they are. `account`: act in that account of the
    emulator (through an assumed role: the emulator makes the credentials of the role's
    account), for the root of another account than the default one.
    """
    settings: dict[str, Any] = {
        "region": region,
        "access_key": "testing",
        "secret_key": "testing",
        "skip_credentials_validation": True,
        "skip_metadata_api_check": True,
        "skip_region_validation": True,
    }
    endpoints = hcl.block("endpoints", (), {s: endpoint_url for s in SERVICES}, indent=1)
    blocks = [endpoints]
    if account is not None:
        blocks.append(hcl.block("assume_role", (), {
            "role_arn": f"arn:aws:iam::{account}:role/{ACCOUNT_ROLE}"}, indent=1))
    return (hcl.comment("Written by edac sandbox (or the e2e tests): the AWS provider talks to "
                        "a local\nemulator. Not part of the compiled output; remove it to "
                        "deploy for real.") + "\n"
            + hcl.block("provider", ("aws",), settings, blocks))


def compile_into(paths: Sequence[str], out: Path, allow_destroy: Set[str] = frozenset(),
                 forget: Set[str] = frozenset()) -> ir.Topology:
    """Compile the topology into `out` as `edac compile` does (the same refusal of losses,
    the same atomic write; files edac did not write, such as the override and the terraform
    state, stay). The sandbox keeps its own lock beside `out`, started from the project's
    (so that its rule splits are the deployed ones); the project's lock is only read.
    Failure with the diagnostics when it does not compile."""
    from edac.api import compile_into as compile_output
    from edac.api import default_lock_path

    written = compile_output(paths, out, allow_destroy, forget,
                             lock=out.parent / f"{out.name}.edac.lock",
                             lock_seed=default_lock_path(paths), for_sandbox=True)
    result = written.compiled.result
    if not written.ok or result.topology is None:
        raise Failure(result.diagnostics, sources=result.sources)
    return result.topology


def deploy(topo_paths: Sequence[str], out: Path, endpoint: Endpoint,
           env: dict[str, str] | None = None,
           echo: Callable[[str], None] | None = None,
           allow_destroy: Set[str] = frozenset(),
           forget: Set[str] = frozenset()) -> tuple[ir.Topology, dict[str, Any]]:
    """Compile, then `apply_compiled`. Returns the topology and terraform's outputs."""
    topo = compile_into(topo_paths, out, allow_destroy, forget)
    return topo, apply_compiled(topo, out, endpoint, env, echo)


def roots(topo: ir.Topology, out: Path, endpoint: Endpoint) -> list[tuple[Path, Endpoint]]:
    """The compiled roots in `out` and the endpoint acting in each one's account: the bus's
    root first. One account: `out` and `endpoint` itself. Several (roots under
    `accounts/ID/`): each in its account of an emulator of several accounts, in the bus's
    region (EventBridge delivers to another account in its own region only)."""
    from edac.core.emit.terraform import account_roots

    others = account_roots(topo)
    if not others:
        return [(out, endpoint)]
    assert topo.account is not None and topo.region is not None  # E748 otherwise
    found = [(out, endpoint.in_account(topo.account, topo.region))] + [
        (out / r.path, endpoint.in_account(r.account, topo.region)) for r in others]
    # an account the topology has left: its root (`vacated.tf` for one compile, then
    # `forgotten.tf` while a --forget there stands) is applied too, so that its resources go
    # (or stay, forgotten) as they do in AWS
    under, known = out / "accounts", {r.account for r in others}
    if under.is_dir() and not under.is_symlink():
        found += [(root, endpoint.in_account(root.name, topo.region))
                  for root in sorted(under.iterdir())
                  if root.name not in known and root.is_dir() and not root.is_symlink()
                  and ((root / "vacated.tf").is_file() or (root / "forgotten.tf").is_file())]
    return found


def several_accounts(topo: ir.Topology) -> bool:
    from edac.core.emit.terraform import account_roots

    return bool(account_roots(topo))


def apply_compiled(topo: ir.Topology, out: Path, endpoint: Endpoint,
                   env: dict[str, str] | None = None,
                   echo: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Point each compiled root at the endpoint (in its account), create the prerequisites,
    init and apply: the bus's root first (the other accounts' queue and key policies name
    its role), then the others together. Returns the bus root's terraform outputs. The Lambda
    mappings are left enabled (see `aws.disable_event_source_mappings`)."""
    env = terraform.environment() if env is None else env

    def apply(root: Path, where: Endpoint) -> None:
        (root / OVERRIDE_FILE).write_text(
            provider_override(endpoint.url, where.region, where.account), encoding="utf-8")
        create_prerequisites(topo, where)
        terraform.run(["init", "-input=false", "-no-color"], root, env)
        terraform.run(["apply", "-auto-approve", "-input=false", "-no-color",
                       f"-parallelism={APPLY_PARALLELISM}"], root, env, echo=echo)

    (first, where), *others = roots(topo, out, endpoint)
    apply(first, where)
    if others:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(len(others)) as pool:
            running = [pool.submit(apply, root, at) for root, at in others]
        failed = [f.exception() for f in running if f.exception() is not None]
        if failed:  # every root's failure, not only the first
            raise Failure([d for e in failed for d in
                           (e.diagnostics if isinstance(e, Failure) else
                            [failure("E909", f"{type(e).__name__}: {e}").diagnostics[0]])])
    return outputs(out, env)


def outputs(out: Path, env: dict[str, str]) -> dict[str, Any]:
    import json

    proc = terraform.run(["output", "-json", "-no-color"], out, env)
    return {k: v.get("value") for k, v in json.loads(proc.stdout or "{}").items()}


# --------------------------------------------------------------------------------------------
# the task's steps, as the CLI runs them


@dataclass(frozen=True)
class UpReport:
    topology: ir.Topology
    outputs: dict[str, Any]
    seconds: float
    disabled_mappings: int


def up(box: Sandbox, paths: Sequence[str], echo: Callable[[str], None],
       progress: Callable[[str], None] | None = None,
       allow_destroy: Set[str] = frozenset(), forget: Set[str] = frozenset()) -> UpReport:
    """Start the emulator (unless the recorded one still runs), compile PATHS into the
    sandbox and apply them (again: update). A topology with roots for other accounts runs
    on an emulator of several accounts, each root applied in its own."""
    from edac.api import load_topology

    require(terraform.missing(), emulator_missing())
    box.claim()
    state = box.state()
    endpoint = box.endpoint()
    loaded = load_topology(paths)
    # (a topology that does not load fails in the compile below, with its diagnostics)
    several = loaded.topology is not None and several_accounts(loaded.topology)
    if endpoint is not None and loaded.topology is not None \
            and bool(state.get("accounts")) != several:
        raise failure("E913", "the sandbox's emulator was started for "
                      + ("one account, and this topology has roots for several"
                         if several else "several accounts, and this topology has one"),
                      help="run `edac sandbox down`, then `edac sandbox up` again")
    if endpoint is None:
        if state:
            echo("the recorded emulator is gone; starting a new one")
        # a new emulator holds nothing: what the sandbox compiled and applied before is gone
        # with the old one (only the sandbox's own build directory is removed)
        box.forget_build()
    resolved = [str(Path(p).resolve()) for p in paths]
    # compiled first: a change refused (a queue loss, say) leaves the sandbox as it was
    topo = compile_into(paths, box.build, allow_destroy, forget)
    if endpoint is None:
        endpoint = start_endpoint(box.log, detach=True, accounts=several)
        echo(f"local AWS endpoint: {endpoint.url} (pid {endpoint.pid}, log {box.log})")
    where = roots(topo, box.build, endpoint)
    recorded = {"endpoint": endpoint.url, "pid": endpoint.pid, "paths": resolved}
    if several:
        recorded |= {"accounts": [str(at.account) for _, at in where], "region": topo.region}
    box.save({**recorded, "applied": False})
    echo("applying (each SQS queue takes ~25 s to settle in the AWS provider; about 1-2 "
         "minutes in all"
         + (f"; the bus's account first, then {len(where) - 1} other account(s)"
            if several else "") + ") ...")
    started = time.monotonic()
    outs = apply_compiled(topo, box.build, endpoint, echo=progress)
    disabled = sum(disable_event_source_mappings(at) for _, at in where)
    box.save({**recorded, "applied": True, "bus": outs.get("bus_name"), "outputs": outs})
    return UpReport(topo, outs, time.monotonic() - started, disabled)


def endpoints(state: dict[str, Any], endpoint: Endpoint) -> list[Endpoint]:
    """The endpoint in each account the sandbox applied a root in, the bus's first (one
    account: the endpoint itself)."""
    accounts, region = state.get("accounts"), state.get("region")
    if not accounts or not isinstance(region, str):
        return [endpoint]
    return [endpoint.in_account(str(a), region) for a in accounts]


def running(box: Sandbox) -> tuple[Endpoint, dict[str, Any], ir.Topology]:
    """The sandbox's emulator, state and topology; Failure (E908) when none is up."""
    from edac.api import load_topology

    state = box.state()
    if not state.get("applied"):
        raise failure("E908", f"no sandbox is up in {box.root}",
                      help="run: edac sandbox up TOPOLOGY", exit_code=2)
    endpoint = box.endpoint()
    if endpoint is None:
        raise failure("E908", "the sandbox's emulator is not running any more",
                      help="run `edac sandbox up TOPOLOGY` again", exit_code=2)
    result = load_topology(state["paths"])
    if not result.ok or result.topology is None:
        raise Failure(result.diagnostics, sources=result.sources)
    return endpoint, state, result.topology


def send(topo: ir.Topology, endpoint: Endpoint, bus: str, event: dict[str, Any],
         keep: bool = False, readers: Sequence[Endpoint] = ()) -> SendReport:
    """Put one event on the bus (`endpoint`: in the bus's account), read every queue on the
    emulator (of each of `readers`, the accounts' endpoints; none: `endpoint`'s), and
    compare with the routes the pattern engine says it matches."""
    from edac.core.simulate import route_event

    outcomes = route_event(topo, event)
    response = endpoint.client("events").put_events(Entries=[put_events_entry(event, bus)])
    entry = response["Entries"][0]
    if response.get("FailedEntryCount") or "EventId" not in entry:
        raise failure("E910", f"PutEvents refused the event: {entry.get('ErrorCode')}: "
                      f"{entry.get('ErrorMessage')}")
    event_id = entry["EventId"]
    delivered: dict[str, int] = {}
    others = 0
    taken = [received for at in (readers or [endpoint])
             for received in drain(at, all_queue_urls(at), delete=not keep)]
    for received in taken:
        body = received.event()
        if body is not None and body.get("id") == event_id:
            delivered[received.queue_name] = delivered.get(received.queue_name, 0) + 1
        else:
            others += 1
    return SendReport(
        event=event, event_id=event_id,
        matched_routes=[(o.route, o.consumers) for o in outcomes if o.matched],
        misses=[(o.route, o.reasons) for o in outcomes if not o.matched],
        expected=sorted({c for o in outcomes if o.matched for c in o.consumers}),
        delivered=dict(sorted(delivered.items())), other_messages=others,
    )


def queue_counts(*at: Endpoint) -> list[tuple[str, str, str]]:
    """(queue name, visible, in flight) of every queue on the emulator (in each account of
    `at`, the accounts' endpoints)."""
    return [row for endpoint in at for row in _queue_counts(endpoint)]


def _queue_counts(endpoint: Endpoint) -> list[tuple[str, str, str]]:
    sqs = endpoint.client("sqs")
    rows = []
    for url in all_queue_urls(endpoint):
        attrs = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                          "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        rows.append((url.rsplit("/", 1)[-1], attrs.get("ApproximateNumberOfMessages", "0"),
                     attrs.get("ApproximateNumberOfMessagesNotVisible", "0")))
    return rows


def _account_roots_applied(box: Sandbox) -> list[Path]:
    """The roots of other accounts under the sandbox's build that hold its override and a
    terraform state (plain files, no links)."""
    under = box.build / "accounts"
    if not under.is_dir() or under.is_symlink():
        return []
    return [root for root in sorted(under.iterdir()) if box.applied_here(OVERRIDE_FILE, root)]


def down(box: Sandbox, echo: Callable[[str], None], destroy: bool = True) -> None:
    """terraform destroy, stop the emulator, and remove what the sandbox made in its
    directory (nothing else: a directory that holds no sandbox is left alone)."""
    state = box.state()
    if not state:
        echo(f"no sandbox in {box.root}")
        return
    endpoint = box.endpoint()
    if endpoint is not None and state.get("applied") and destroy \
            and box.applied_here(OVERRIDE_FILE):
        require(terraform.missing())
        echo("terraform destroy (about a minute) ...")
        # the other accounts' roots first (their policies name the bus account's role),
        # each only where the sandbox applied it
        for root in _account_roots_applied(box):
            terraform.run(["destroy", "-auto-approve", "-input=false", "-no-color",
                           f"-parallelism={APPLY_PARALLELISM}"], root)
        terraform.run(["destroy", "-auto-approve", "-input=false", "-no-color",
                       f"-parallelism={APPLY_PARALLELISM}"], box.build)
        echo("destroyed")
    elif endpoint is None:
        echo("the emulator was not running: nothing to destroy")
    if endpoint is not None:
        endpoint.stop()
        echo(f"emulator stopped (pid {endpoint.pid})")
    left = box.remove()
    if left:
        echo(f"removed the sandbox from {box.root}; kept what it did not make there: "
             + ", ".join(left))
    else:
        echo(f"removed {box.root}")
