"""`edac sandbox`: try a topology on a local AWS emulator before deploying it.

    edac sandbox up topology/      start the emulator (moto, on 127.0.0.1), compile, apply
    edac sandbox send event.json   put the event on the bus; print the routes it matches and
                                   the consumer queues that really received it
    edac sandbox status            what is running, and how many messages each queue holds
    edac sandbox down              terraform destroy, stop the emulator

Everything lives in a state directory (default `.edac-sandbox/` in the working directory):
the compiled output (with one added `*_override.tf` that points the AWS provider at the
emulator; the compiled files are those `edac compile` writes), the terraform state, the
emulator's port, pid and log. Needs terraform on the PATH and the `sandbox` extra
(`pip install 'edac[sandbox]'`: boto3 and moto's server).

Lambda consumers are not run: moto would need Docker to run them. Their event source
mappings are created by terraform as in AWS and then disabled, so that what EventBridge
delivered stays in the queues for `send` and `status` to show.

The functions here are also the harness of the e2e tests (tests/e2e).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from edac.core import ir, names

STATE_DIR = ".edac-sandbox"
STATE_FILE = "sandbox.json"
BUILD_DIR = "build"
OVERRIDE_FILE = "edac_sandbox_override.tf"
REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
LAMBDA_ROLE = "edac-sandbox-lambda"  # execution role of the stand-in Lambda functions
SERVICES = ("cloudwatch", "dynamodb", "events", "iam", "kms", "lambda", "sns", "sqs", "sts")
APPLY_PARALLELISM = 64  # each SQS create waits ~25 s in the AWS provider: do them together
TERRAFORM_INSTALL = "https://developer.hashicorp.com/terraform/install"


class SandboxError(click.ClickException):
    """A problem the user can act on; printed as `error: ...`, exit code 2 for a missing
    tool or a sandbox in the wrong state, 1 for a failed terraform or a bad event."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


# --------------------------------------------------------------------------------------------
# Tools
# --------------------------------------------------------------------------------------------

def emulator_missing() -> str | None:
    """Why the local AWS endpoint cannot run here (None when it can)."""
    missing = [name for module, name in (("boto3", "boto3"), ("moto", "moto"),
                                         ("flask", "moto's server (moto[server])"))
               if importlib.util.find_spec(module) is None]
    if missing:
        return (f"the local AWS emulator is not installed (missing: {', '.join(missing)}); "
                "install it with: pip install 'edac[sandbox]'")
    return None


def terraform_missing() -> str | None:
    if shutil.which("terraform") is None:
        return f"terraform is not on the PATH; install it: {TERRAFORM_INSTALL}"
    return None


def require(*reasons: str | None) -> None:
    problems = [r for r in reasons if r]
    if problems:
        raise SandboxError("edac sandbox needs tools that are missing:\n  - "
                           + "\n  - ".join(problems), exit_code=2)


# --------------------------------------------------------------------------------------------
# The local endpoint (moto's server with edac's compatibility shims)
# --------------------------------------------------------------------------------------------

@dataclass
class Endpoint:
    """A running local AWS endpoint."""

    url: str
    pid: int | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def client(self, service: str) -> Any:
        """A boto3 client for the endpoint (one per service, kept: clients are thread-safe,
        creating them is not, and costs a few hundred milliseconds)."""
        import boto3  # type: ignore[import-untyped]
        from botocore.config import Config  # type: ignore[import-untyped]

        with self._lock:
            if service not in self._clients:
                # No retries: a 500 from the emulator retried by botocore would deliver an
                # event twice to the targets that did get it.
                self._clients[service] = boto3.session.Session().client(
                    service, endpoint_url=self.url, region_name=REGION,
                    aws_access_key_id="testing", aws_secret_access_key="testing",
                    config=Config(retries={"total_max_attempts": 1}, connect_timeout=5,
                                  read_timeout=60),
                )
            return self._clients[service]

    def alive(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/moto-api/config", timeout=5):
                return True
        except OSError:
            return False

    def reset(self) -> None:
        """Forget every resource (moto's reset API)."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=30):
            pass

    def stop(self, timeout: float = 10) -> None:
        """Stop the server this object started or recorded (and only that process)."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout)
            return
        if self.pid is not None and _is_our_server(self.pid):
            os.kill(self.pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and _pid_alive(self.pid):
                time.sleep(0.1)
            if _pid_alive(self.pid) and _is_our_server(self.pid):
                os.kill(self.pid, signal.SIGKILL)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (exited, not yet reaped) is not alive
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            return handle.read().split(") ", 1)[-1][:1] != "Z"
    except OSError:
        return True


def _is_our_server(pid: int) -> bool:
    """Whether `pid` is still the emulator we started (pids are reused)."""
    if not _pid_alive(pid):
        return False
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return b"edac.sandbox.server" in handle.read()
    except OSError:
        return True  # no /proc: trust the recorded pid


def start_endpoint(log: Path, detach: bool = False, timeout: float = 60) -> Endpoint:
    """Start `python -m edac.sandbox.server` on 127.0.0.1 and a free port.

    `detach`: in its own session, outliving this process (`edac sandbox up`). Output goes
    to `log`.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    port_file = log.with_name(log.name + ".port")
    port_file.unlink(missing_ok=True)
    env = dict(os.environ)
    env.setdefault("MOTO_ACCOUNT_ID", ACCOUNT)
    # the server must import this edac, wherever it is installed from
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "edac.sandbox.server", "--host", "127.0.0.1", "--port", "0",
             "--port-file", str(port_file)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            start_new_session=detach,
        )
    deadline = time.monotonic() + timeout
    while not port_file.exists():
        if process.poll() is not None:
            raise SandboxError(f"the local AWS emulator did not start:\n{_tail(log)}")
        if time.monotonic() > deadline:
            process.kill()
            raise SandboxError(f"the local AWS emulator did not start within {timeout:.0f} s:"
                               f"\n{_tail(log)}")
        time.sleep(0.05)
    port = int(port_file.read_text().strip())
    return Endpoint(f"http://127.0.0.1:{port}", process.pid, process)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --------------------------------------------------------------------------------------------
# Terraform against the endpoint
# --------------------------------------------------------------------------------------------

def provider_override(endpoint_url: str) -> str:
    """A `*_override.tf` that points every AWS service the output uses at the endpoint.

    Terraform merges it into the compiled `provider "aws"` block (region, default tags
    stay); the compiled files are left as they are.
    """
    width = max(len(s) for s in SERVICES)
    endpoints = "\n".join(f'    {s.ljust(width)} = "{endpoint_url}"' for s in SERVICES)
    return (
        "# Written by edac sandbox (or the e2e tests): the AWS provider talks to a local\n"
        "# emulator. Not part of the compiled output; remove it to deploy for real.\n"
        'provider "aws" {\n'
        f'  region                      = "{REGION}"\n'
        '  access_key                  = "testing"\n'
        '  secret_key                  = "testing"\n'
        "  skip_credentials_validation = true\n"
        "  skip_metadata_api_check     = true\n"
        "  skip_region_validation      = true\n\n"
        "  endpoints {\n"
        f"{endpoints}\n"
        "  }\n"
        "}\n"
    )


def terraform_env(base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.update(CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", TF_INPUT="0")
    # Keep the ~700 MB AWS provider in one shared cache instead of a copy per `up`, unless
    # the user chose a cache (environment or CLI config file).
    if "TF_PLUGIN_CACHE_DIR" not in env and not _config_sets_cache(env):
        cache = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "edac"
        (cache / "terraform-plugins").mkdir(parents=True, exist_ok=True)
        env["TF_PLUGIN_CACHE_DIR"] = str(cache / "terraform-plugins")
    return env


def _config_sets_cache(env: dict[str, str]) -> bool:
    config = env.get("TF_CLI_CONFIG_FILE") or str(Path.home() / ".terraformrc")
    try:
        return "plugin_cache_dir" in Path(config).read_text(errors="replace")
    except OSError:
        return False


def run_terraform(args: Sequence[str], cwd: Path, env: dict[str, str],
                  echo: Callable[[str], None] | None = None,
                  timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    """Run terraform; raise SandboxError with its output when it fails. `echo` receives
    each line of output as it comes (for progress)."""
    command = ["terraform", *args]
    if echo is None:
        proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=timeout)
    else:
        lines: list[str] = []
        with subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) as popen:
            assert popen.stdout is not None
            for line in popen.stdout:
                lines.append(line)
                echo(line.rstrip("\n"))
            popen.wait(timeout)
        proc = subprocess.CompletedProcess(command, popen.returncode, "".join(lines), "")
    if proc.returncode != 0:
        raise SandboxError(
            f"terraform {' '.join(args)} failed (exit {proc.returncode}) in {cwd}:\n"
            f"{(proc.stdout or '')[-6000:]}{(proc.stderr or '')[-6000:]}")
    return proc


# --------------------------------------------------------------------------------------------
# What a topology needs to exist before apply, and what the emulator cannot run
# --------------------------------------------------------------------------------------------

def prerequisites(topo: ir.Topology) -> tuple[list[str], dict[str, str]]:
    """The IAM role names and the Lambda functions (name -> execution role name) that the
    compiled output expects to exist already."""
    roles: set[str] = set()
    functions: dict[str, str] = {}
    for consumer in topo.consumers.values():
        if consumer.container is not None:
            roles.add(names.role_name(consumer.container.role))
        if consumer.lambda_ is not None:
            role = names.role_name(consumer.lambda_.role) if consumer.lambda_.role else LAMBDA_ROLE
            roles.add(role)
            functions[names.function_name(consumer.lambda_.function)] = role
    return sorted(roles), dict(sorted(functions.items()))


_TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})


def _dummy_zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def create_prerequisites(topo: ir.Topology, endpoint: Endpoint) -> tuple[list[str], list[str]]:
    """Create the roles and stand-in Lambda functions the topology references (those that
    exist are kept). A role given as an ARN of another account is created by its name in
    the emulator's account: the compiled output attaches its policy by role name."""
    roles, functions = prerequisites(topo)
    iam = endpoint.client("iam")
    lam = endpoint.client("lambda")
    for role in roles:
        with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
            iam.create_role(RoleName=role, AssumeRolePolicyDocument=_TRUST,
                            Description="stand-in created by edac sandbox")
    code = _dummy_zip()
    for function, role in functions.items():
        with contextlib.suppress(lam.exceptions.ResourceConflictException):
            lam.create_function(FunctionName=function, Runtime="python3.12",
                                Role=f"arn:aws:iam::{ACCOUNT}:role/{role}",
                                Handler="index.handler", Code={"ZipFile": code},
                                Description="stand-in created by edac sandbox")
    return roles, list(functions)


def disable_event_source_mappings(endpoint: Endpoint) -> int:
    """Disable every Lambda event source mapping on the emulator.

    moto runs a mapped function at every message sent to its queue, through Docker; without
    Docker the invocation fails, the message stays, and its receive count rises by one per
    send (so a message could reach the DLQ without anyone consuming it). Disabled, the
    mappings still exist as terraform made them, and the queues hold what was delivered.
    """
    return set_event_source_mappings(endpoint, enabled=False)


def set_event_source_mappings(endpoint: Endpoint, enabled: bool) -> int:
    """Enable or disable every Lambda event source mapping on the emulator; how many changed.
    (Enabling restores what terraform made, before a plan that should see no drift.)"""
    lam = endpoint.client("lambda")
    count = 0
    for page in lam.get_paginator("list_event_source_mappings").paginate():
        for mapping in page["EventSourceMappings"]:
            if (mapping.get("State") != "Disabled") != enabled:
                lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=enabled)
                count += 1
    return count


# --------------------------------------------------------------------------------------------
# Reading queues
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Received:
    queue_url: str
    body: str
    message: dict[str, Any]

    @property
    def queue_name(self) -> str:
        return self.queue_url.rstrip("/").rsplit("/", 1)[-1]

    def event(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.body)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None


def all_queue_urls(endpoint: Endpoint) -> list[str]:
    sqs = endpoint.client("sqs")
    urls: list[str] = []
    for page in sqs.get_paginator("list_queues").paginate():
        urls += page.get("QueueUrls", [])
    return sorted(urls)


def drain(endpoint: Endpoint, urls: Iterable[str], delete: bool = True) -> list[Received]:
    """Every message in the queues. `delete`: take them off the queues (otherwise they are
    received with visibility timeout 0 and stay, their receive count one higher)."""
    sqs = endpoint.client("sqs")
    found: list[Received] = []
    for url in urls:
        seen: set[str] = set()
        while True:
            response = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                VisibilityTimeout=30 if delete else 0, AttributeNames=["All"],
                MessageAttributeNames=["All"])
            messages = [m for m in response.get("Messages", []) if m["MessageId"] not in seen]
            if not messages:
                break
            for message in messages:
                seen.add(message["MessageId"])
                found.append(Received(url, message["Body"], message))
            if delete:
                sqs.delete_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(messages)])
    return found


# --------------------------------------------------------------------------------------------
# The sandbox (state directory)
# --------------------------------------------------------------------------------------------

@dataclass
class Sandbox:
    root: Path

    @property
    def build(self) -> Path:
        return self.root / BUILD_DIR

    @property
    def log(self) -> Path:
        return self.root / "emulator.log"

    def state(self) -> dict[str, Any]:
        try:
            data = json.loads((self.root / STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def save(self, state: dict[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / (STATE_FILE + ".tmp")
        tmp.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        tmp.replace(self.root / STATE_FILE)

    def endpoint(self) -> Endpoint | None:
        """The recorded emulator when it still answers."""
        state = self.state()
        url, pid = state.get("endpoint"), state.get("pid")
        if not isinstance(url, str):
            return None
        endpoint = Endpoint(url, pid if isinstance(pid, int) else None)
        if endpoint.pid is not None and not _is_our_server(endpoint.pid):
            return None
        return endpoint if endpoint.alive() else None


def compile_into(paths: Sequence[str], out: Path) -> ir.Topology:
    """Compile the topology into `out` (files edac did not write, such as the override and
    the terraform state, stay)."""
    from edac.api import compile_paths
    from edac.core.diagnostics import SourceCache, render_human
    from edac.io.write import OutputError, write_output

    compiled = compile_paths(list(paths))
    if not compiled.result.ok or compiled.result.topology is None:
        text = render_human(compiled.result.diagnostics, SourceCache(compiled.result.sources))
        raise SandboxError(f"the topology does not compile:\n{text}")
    try:
        write_output(out, compiled.files, compiled.manifest)
    except (OSError, OutputError) as exc:
        raise SandboxError(f"cannot write the compiled output into {out}: {exc}") from exc
    return compiled.result.topology


def deploy(topo_paths: Sequence[str], out: Path, endpoint: Endpoint,
           env: dict[str, str] | None = None,
           echo: Callable[[str], None] | None = None) -> tuple[ir.Topology, dict[str, Any]]:
    """Compile, point at the endpoint, create the prerequisites, init and apply. Returns the
    topology and terraform's outputs. The Lambda mappings are left enabled (see
    disable_event_source_mappings)."""
    env = terraform_env() if env is None else env
    topo = compile_into(topo_paths, out)
    (out / OVERRIDE_FILE).write_text(provider_override(endpoint.url), encoding="utf-8")
    create_prerequisites(topo, endpoint)
    run_terraform(["init", "-input=false", "-no-color"], out, env)
    run_terraform(["apply", "-auto-approve", "-input=false", "-no-color",
                   f"-parallelism={APPLY_PARALLELISM}"], out, env, echo=echo)
    return topo, outputs(out, env)


def outputs(out: Path, env: dict[str, str]) -> dict[str, Any]:
    proc = run_terraform(["output", "-json", "-no-color"], out, env)
    return {k: v.get("value") for k, v in json.loads(proc.stdout or "{}").items()}


# --------------------------------------------------------------------------------------------
# Sending
# --------------------------------------------------------------------------------------------

def put_events_entry(event: dict[str, Any], bus: str) -> dict[str, Any]:
    """The PutEvents entry for an event (as `edac.core.simulate.as_event` returns it)."""
    entry: dict[str, Any] = {
        "Source": event["source"],
        "DetailType": event["detail-type"],
        "Detail": json.dumps(event.get("detail", {})),
        "EventBusName": bus,
    }
    if event.get("resources"):
        entry["Resources"] = list(event["resources"])
    return entry


def consumer_of_queue(topo: ir.Topology) -> dict[str, tuple[str, str]]:
    """Queue name -> (consumer, which queue: main, dlq or target-dlq)."""
    found: dict[str, tuple[str, str]] = {}
    for consumer in topo.consumers.values():
        found[consumer.queues.main] = (consumer.name, "queue")
        found[consumer.queues.dlq] = (consumer.name, "dlq")
        found[consumer.queues.target_dlq] = (consumer.name, "target-dlq")
    return found


@dataclass
class SendReport:
    event: dict[str, Any]
    event_id: str
    matched_routes: list[tuple[str, tuple[str, ...]]]
    misses: list[tuple[str, tuple[str, ...]]]
    expected: list[str]
    delivered: dict[str, int]  # queue name -> copies of this event
    other_messages: int

    def consumers_delivered(self, topo: ir.Topology) -> list[str]:
        names = consumer_of_queue(topo)
        return sorted({names[q][0] for q in self.delivered if q in names
                       and names[q][1] == "queue"})

    def agrees(self, topo: ir.Topology) -> bool:
        names = consumer_of_queue(topo)
        main = {names[q][0] for q in self.delivered if names.get(q, ("", ""))[1] == "queue"}
        elsewhere = [q for q in self.delivered if names.get(q, ("", ""))[1] != "queue"]
        return (main == set(self.expected) and not elsewhere
                and all(n == 1 for n in self.delivered.values()))


def send(topo: ir.Topology, endpoint: Endpoint, bus: str, event: dict[str, Any],
         keep: bool = False) -> SendReport:
    """Put one event on the bus, read every queue on the emulator, and compare with the
    routes the pattern engine says it matches."""
    from edac.core.simulate import route_event

    outcomes = route_event(topo, event)
    response = endpoint.client("events").put_events(Entries=[put_events_entry(event, bus)])
    entry = response["Entries"][0]
    if response.get("FailedEntryCount") or "EventId" not in entry:
        raise SandboxError(f"PutEvents refused the event: {entry.get('ErrorCode')}: "
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


def render_send(topo: ir.Topology, report: SendReport) -> str:
    names = consumer_of_queue(topo)
    event = report.event
    lines = [f"event {report.event_id}: source `{event.get('source')}`, "
             f"detail-type `{event.get('detail-type')}`"]
    if report.matched_routes:
        lines.append("routes that match (edac's pattern engine):")
        lines += [f"  {route} -> {', '.join(consumers)}"
                  for route, consumers in report.matched_routes]
    else:
        lines.append("routes that match (edac's pattern engine): none")
    if report.delivered:
        lines.append("received by (read from the queues on the emulator):")
        for queue, copies in report.delivered.items():
            consumer, kind = names.get(queue, ("?", "not a queue of this topology"))
            what = consumer if kind == "queue" else f"{consumer} ({kind})"
            times = "" if copies == 1 else f"  ({copies} copies)"
            lines.append(f"  {what}: {queue}{times}")
    else:
        lines.append("received by (read from the queues on the emulator): no queue")
    if report.misses:
        lines.append("routes that do not match:")
        for route, reasons in report.misses:
            lines.append(f"  {route}: {'; '.join(reasons) if reasons else 'no match'}")
    if not report.agrees(topo):
        lines.append(f"warning: the emulator's deliveries differ from the routes "
                     f"(expected exactly once in: {', '.join(report.expected) or 'none'})")
    if report.other_messages:
        lines.append(f"({report.other_messages} other message(s) were in the queues and "
                     "were taken off them)")
    return "\n".join(lines) + "\n"


def send_as_json(topo: ir.Topology, report: SendReport) -> str:
    doc = {
        "event_id": report.event_id,
        "matched_routes": [{"route": r, "consumers": list(c)} for r, c in report.matched_routes],
        "expected_consumers": report.expected,
        "received_by": report.consumers_delivered(topo),
        "queues": report.delivered,
        "agrees": report.agrees(topo),
    }
    return json.dumps(doc, indent=2) + "\n"


# --------------------------------------------------------------------------------------------
# The click group
# --------------------------------------------------------------------------------------------

@click.group(name="sandbox")
@click.option("--dir", "state_dir", default=STATE_DIR, show_default=True,
              envvar="EDAC_SANDBOX_DIR", type=click.Path(file_okay=False),
              help="Where the sandbox keeps its compiled output, state and emulator log.")
@click.pass_context
def sandbox(ctx: click.Context, state_dir: str) -> None:
    """Try a topology on a local AWS emulator (moto): up, send events, down.

    Needs terraform and the sandbox extra: pip install 'edac[sandbox]'.
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
@click.pass_context
def up(ctx: click.Context, paths: tuple[str, ...], verbose: bool) -> None:
    """Start the emulator, compile PATHS and apply them to it (again: update)."""
    require(terraform_missing(), emulator_missing())
    box = _box(ctx)
    state = box.state()
    endpoint = box.endpoint()
    if endpoint is None:
        if state:
            click.echo("the recorded emulator is gone; starting a new one", err=True)
        (box.build / "terraform.tfstate").unlink(missing_ok=True)
        (box.build / "terraform.tfstate.backup").unlink(missing_ok=True)
        endpoint = start_endpoint(box.log, detach=True)
        click.echo(f"local AWS endpoint: {endpoint.url} (pid {endpoint.pid}, log {box.log})",
                   err=True)
    box.save({"endpoint": endpoint.url, "pid": endpoint.pid,
              "paths": [str(Path(p).resolve()) for p in paths], "applied": False})

    done = 0

    def progress(line: str) -> None:
        nonlocal done
        if verbose:
            click.echo(line, err=True)
        elif "Creation complete" in line or "Modifications complete" in line:
            done += 1
            if done % 10 == 0:
                click.echo(f"  {done} resources done", err=True)
        elif line.startswith(("Apply complete", "Error", "│ Error")):
            click.echo(f"  {line}", err=True)

    click.echo("compiling and applying (each SQS queue takes ~25 s to settle in the AWS "
               "provider; about 1-2 minutes in all) ...", err=True)
    started = time.monotonic()
    topo, outs = deploy(paths, box.build, endpoint, echo=progress)
    disabled = disable_event_source_mappings(endpoint)
    box.save({"endpoint": endpoint.url, "pid": endpoint.pid,
              "paths": [str(Path(p).resolve()) for p in paths], "applied": True,
              "bus": outs.get("bus_name"), "outputs": outs})
    click.echo(f"applied in {time.monotonic() - started:.0f} s: bus {outs.get('bus_name')}, "
               f"{len(topo.consumers)} consumer queues, {len(topo.routes)} routes", err=True)
    if disabled:
        click.echo(f"{disabled} Lambda event source mapping(s) disabled: the emulator cannot "
                   "run Lambda functions, so messages stay in the queues", err=True)
    click.echo("next: edac sandbox send EVENT.json   (then: edac sandbox down)", err=True)


def _running(box: Sandbox) -> tuple[Endpoint, dict[str, Any], ir.Topology]:
    from edac.api import load_topology
    from edac.core.diagnostics import SourceCache, render_human

    state = box.state()
    if not state.get("applied"):
        raise SandboxError("no sandbox is up here; run: edac sandbox up TOPOLOGY", exit_code=2)
    endpoint = box.endpoint()
    if endpoint is None:
        raise SandboxError("the sandbox's emulator is not running any more; run "
                           "`edac sandbox up TOPOLOGY` again", exit_code=2)
    result = load_topology(state["paths"])
    if not result.ok or result.topology is None:
        text = render_human(result.diagnostics, SourceCache(result.sources))
        raise SandboxError(f"the topology does not load any more:\n{text}")
    return endpoint, state, result.topology


@sandbox.command(name="send")
@click.argument("event_files", nargs=-1, required=True, type=click.Path(dir_okay=False))
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
    require(emulator_missing())
    from edac.core.simulate import EventError, as_event
    from edac.patterns import InvalidEvent

    endpoint, state, topo = _running(_box(ctx))
    disagreements = 0
    for path in event_files:
        try:
            with open(path, encoding="utf-8") as handle:
                event = as_event(json.load(handle))
            report = send(topo, endpoint, str(state["bus"]), event, keep=keep)
        except OSError as exc:
            raise SandboxError(f"cannot read {path}: {exc.strerror}") from exc
        except (ValueError, EventError, InvalidEvent) as exc:
            raise SandboxError(f"{path} is not a usable event: {exc}") from exc
        click.echo(send_as_json(topo, report) if fmt == "json" else render_send(topo, report),
                   nl=False)
        disagreements += not report.agrees(topo)
    if disagreements:
        sys.exit(1)


@sandbox.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Show the emulator and the messages in each queue."""
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
    require(emulator_missing())
    click.echo(f"bus: {state.get('bus')}")
    sqs = endpoint.client("sqs")
    rows = []
    for url in all_queue_urls(endpoint):
        attrs = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                          "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        rows.append((url.rsplit("/", 1)[-1], attrs.get("ApproximateNumberOfMessages", "0"),
                     attrs.get("ApproximateNumberOfMessagesNotVisible", "0")))
    width = max((len(r[0]) for r in rows), default=5)
    click.echo(f"{'queue'.ljust(width)}  visible  in flight")
    for name, visible, flight in rows:
        click.echo(f"{name.ljust(width)}  {visible:>7}  {flight:>9}")


@sandbox.command()
@click.option("--no-destroy", is_flag=True,
              help="Stop the emulator without terraform destroy (its state is in memory).")
@click.pass_context
def down(ctx: click.Context, no_destroy: bool) -> None:
    """terraform destroy, stop the emulator and remove the sandbox directory."""
    box = _box(ctx)
    state = box.state()
    if not state and not box.root.exists():
        click.echo(f"no sandbox in {box.root}", err=True)
        return
    endpoint = box.endpoint()
    if endpoint is not None and state.get("applied") and not no_destroy:
        require(terraform_missing())
        click.echo("terraform destroy (about a minute) ...", err=True)
        run_terraform(["destroy", "-auto-approve", "-input=false", "-no-color",
                       f"-parallelism={APPLY_PARALLELISM}"], box.build, terraform_env())
        click.echo("destroyed", err=True)
    elif endpoint is None and state:
        click.echo("the emulator was not running: nothing to destroy", err=True)
    if endpoint is not None:
        endpoint.stop()
        click.echo(f"emulator stopped (pid {endpoint.pid})", err=True)
    shutil.rmtree(box.root, ignore_errors=True)
    click.echo(f"removed {box.root}", err=True)
