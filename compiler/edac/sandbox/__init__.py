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
from edac.sandbox.emulator import REGION, Endpoint, start_endpoint
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
            "role_arn": f"arn:aws:iam::{account}:role/edac-sandbox"}, indent=1))
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
    from edac.core.emit.terraform import account_roots

    others = account_roots(result.topology)
    if others:
        raise failure("E913", "the sandbox runs one account, and this "
                      "topology has elements in others ("
                      + ", ".join(f"{r.alias} {r.account}" for r in others) + ")",
                      help="compile an environment whose accounts are all the bus's, or "
                      "deploy the roots of `edac compile` to the emulator as "
                      "tests/e2e/test_e2e_accounts.py does")
    return result.topology


def deploy(topo_paths: Sequence[str], out: Path, endpoint: Endpoint,
           env: dict[str, str] | None = None,
           echo: Callable[[str], None] | None = None,
           allow_destroy: Set[str] = frozenset(),
           forget: Set[str] = frozenset()) -> tuple[ir.Topology, dict[str, Any]]:
    """Compile, then `apply_compiled`. Returns the topology and terraform's outputs."""
    topo = compile_into(topo_paths, out, allow_destroy, forget)
    return topo, apply_compiled(topo, out, endpoint, env, echo)


def apply_compiled(topo: ir.Topology, out: Path, endpoint: Endpoint,
                   env: dict[str, str] | None = None,
                   echo: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Point the compiled output at the endpoint, create the prerequisites, init and apply.
    Returns terraform's outputs. The Lambda mappings are left enabled (see
    `aws.disable_event_source_mappings`)."""
    env = terraform.environment() if env is None else env
    (out / OVERRIDE_FILE).write_text(provider_override(endpoint.url), encoding="utf-8")
    create_prerequisites(topo, endpoint)
    terraform.run(["init", "-input=false", "-no-color"], out, env)
    terraform.run(["apply", "-auto-approve", "-input=false", "-no-color",
                   f"-parallelism={APPLY_PARALLELISM}"], out, env, echo=echo)
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
    sandbox and apply them (again: update)."""
    require(terraform.missing(), emulator_missing())
    box.claim()
    state = box.state()
    endpoint = box.endpoint()
    if endpoint is None:
        if state:
            echo("the recorded emulator is gone; starting a new one")
        # a new emulator holds nothing: what the sandbox compiled and applied before is gone
        # with the old one (only the sandbox's own build directory is removed)
        box.forget_build()
        endpoint = start_endpoint(box.log, detach=True)
        echo(f"local AWS endpoint: {endpoint.url} (pid {endpoint.pid}, log {box.log})")
        box.save({"endpoint": endpoint.url, "pid": endpoint.pid, "applied": False})
    resolved = [str(Path(p).resolve()) for p in paths]
    # compiled first: a change refused (a queue loss, say) leaves the sandbox as it was
    topo = compile_into(paths, box.build, allow_destroy, forget)
    box.save({"endpoint": endpoint.url, "pid": endpoint.pid, "paths": resolved,
              "applied": False})
    echo("applying (each SQS queue takes ~25 s to settle in the AWS provider; about 1-2 "
         "minutes in all) ...")
    started = time.monotonic()
    outs = apply_compiled(topo, box.build, endpoint, echo=progress)
    disabled = disable_event_source_mappings(endpoint)
    box.save({"endpoint": endpoint.url, "pid": endpoint.pid, "paths": resolved,
              "applied": True, "bus": outs.get("bus_name"), "outputs": outs})
    return UpReport(topo, outs, time.monotonic() - started, disabled)


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
         keep: bool = False) -> SendReport:
    """Put one event on the bus, read every queue on the emulator, and compare with the
    routes the pattern engine says it matches."""
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
    for received in drain(endpoint, all_queue_urls(endpoint), delete=not keep):
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


def queue_counts(endpoint: Endpoint) -> list[tuple[str, str, str]]:
    """(queue name, visible, in flight) of every queue on the emulator."""
    sqs = endpoint.client("sqs")
    rows = []
    for url in all_queue_urls(endpoint):
        attrs = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                          "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        rows.append((url.rsplit("/", 1)[-1], attrs.get("ApproximateNumberOfMessages", "0"),
                     attrs.get("ApproximateNumberOfMessagesNotVisible", "0")))
    return rows


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
