"""The e2e harness: a local AWS endpoint per example, the compiled output applied to it.

The endpoint is moto's server run as `python -m edac.sandbox.server` (the server `edac
sandbox` runs too): it carries the compatibility shims for moto 5.2's gaps, each commented
there with the AWS behaviour it restores (compiler/edac/sandbox/server.py):
  - SQS RedriveAllowPolicy stored and returned, and removed when set to "" (without it,
    apply of aws_sqs_queue_redrive_allow_policy waits ~20 minutes and fails, and its
    destroy spins);
  - SetQueueAttributes keeps the attributes it does not name (moto wipes the queue policy);
  - RedrivePolicy returned compact (otherwise a diff on every plan);
  - `account` in the envelope EventBridge delivers to targets;
  - (speed only) moto's parsed JSONPath expressions cached: PutEvents 10-50x faster.
The compiled output is applied unchanged, plus one `*_override.tf` pointing the provider at
the endpoint (edac.sandbox.provider_override).

Lambda functions and IAM roles the topology references are created first (stand-ins). After
apply, the Lambda event source mappings are disabled: moto would run the function through
Docker at every message sent to the queue; there is no Docker, the invocation fails and
raises the message's receive count by one per send, which would move messages to the DLQ
behind the test's back and make "exactly once in the queue" unobservable. Disabling keeps
the mappings as terraform made them (their settings are checked) and leaves delivered
messages in the queues.

Examples deploy concurrently (apply time is the AWS provider waiting ~25 s per SQS resource,
not CPU), each on its own endpoint, so one example's reset or destroy never touches another.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edac.core import ir
from edac.sandbox import (
    APPLY_PARALLELISM,
    OVERRIDE_FILE,
    compile_into,
    emulator_missing,
    provider_override,
)
from edac.sandbox.aws import create_prerequisites, disable_event_source_mappings
from edac.sandbox.emulator import Endpoint, start_endpoint
from tftools import require_tool, terraform_env, terraform_missing

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
DEPLOY_TIMEOUT = 1200  # seconds; an apply takes ~100 s here
MAX_CONCURRENT = 6  # scenarios at once: 3 deployments, the sandbox, the lifecycle, the rule
# splits (the provider takes ~600 MB per terraform run)


# golden compile cases deployed too, for what the examples do not have
GOLDEN_CASES = {"case-encrypted": ROOT / "tests" / "cases" / "compile" / "encrypted" / "input"}


def sources() -> dict[str, Path]:
    """Every example under examples/ (picked up automatically), then the chosen golden cases."""
    found = {p.name: p for p in sorted(EXAMPLES.iterdir()) if p.is_dir()}
    found.update(GOLDEN_CASES)
    return found


def example_names() -> list[str]:
    return list(sources())


def require_e2e_tools() -> None:
    """Skip (or fail, with EDAC_REQUIRE_TOOLS=1) when terraform or the emulator is missing."""
    require_tool(terraform_missing())
    require_tool(emulator_missing())


@dataclass
class Stats:
    """What the suite did, for the summary at the end of the run."""

    events_sent: int = 0
    deliveries_checked: int = 0  # (event, queue) pairs checked: present once, or absent
    timings: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, events: int = 0, deliveries: int = 0) -> None:
        with self.lock:
            self.events_sent += events
            self.deliveries_checked += deliveries

    def time(self, name: str, seconds: float) -> None:
        with self.lock:
            self.timings[name] = seconds


STATS = Stats()


class Deployment:
    """One example, compiled and applied to its own local endpoint (in the background)."""

    def __init__(self, name: str, workdir: Path) -> None:
        self.name = name
        self.example = sources()[name]
        self.workdir = workdir
        self.out = workdir / "build"
        self.endpoint: Endpoint | None = None
        self.topo: ir.Topology | None = None
        self.outputs: dict[str, Any] = {}
        self.plan_exit_code: int | None = None
        self.plan_output = ""
        self.roles: list[str] = []
        self.functions: list[str] = []
        self._deployed: Future[Deployment] | None = None
        self._destroyed: Future[Deployment] | None = None
        self.lock = threading.Lock()  # tests of one example share its queues

    # -- deploy ----------------------------------------------------------------------------
    def start(self, pool: ThreadPoolExecutor) -> None:
        if self._deployed is None:
            self._deployed = pool.submit(self._deploy)

    def _deploy(self) -> Deployment:
        started = time.monotonic()
        self.endpoint = start_endpoint(self.workdir / "moto.log")
        env = terraform_env()
        # as `edac sandbox up` does (edac.sandbox.deploy), with the processes tracked
        self.topo = compile_into([str(self.example)], self.out)
        (self.out / OVERRIDE_FILE).write_text(provider_override(self.endpoint.url))
        self.roles, self.functions = create_prerequisites(self.topo, self.endpoint)
        _check(_terraform(["init", "-input=false", "-no-color"], self.out, env))
        _check(_terraform(["apply", "-auto-approve", "-input=false", "-no-color",
                           f"-parallelism={APPLY_PARALLELISM}"], self.out, env))
        proc = _check(_terraform(["output", "-json", "-no-color"], self.out, env))
        self.outputs = {k: v.get("value") for k, v in json.loads(proc.stdout).items()}
        STATS.time(f"{self.name}: compile + init + apply", time.monotonic() - started)
        # A plan right after apply must be empty: the emitted configuration converges
        # (no attribute the provider rewrites on every run). Before the mappings are
        # disabled, which is drift made by the harness.
        begun = time.monotonic()
        proc = _terraform(["plan", "-detailed-exitcode", "-input=false", "-no-color",
                           "-lock=false", f"-parallelism={APPLY_PARALLELISM}"], self.out, env)
        self.plan_exit_code, self.plan_output = proc.returncode, proc.stdout + proc.stderr
        STATS.time(f"{self.name}: plan after apply", time.monotonic() - begun)
        disable_event_source_mappings(self.endpoint)
        return self

    def ready(self) -> Deployment:
        assert self._deployed is not None, "deployment not started"
        return self._deployed.result(timeout=DEPLOY_TIMEOUT)

    # -- destroy ---------------------------------------------------------------------------
    def start_destroy(self, pool: ThreadPoolExecutor) -> None:
        if self._destroyed is None and self._deployed is not None:
            self._destroyed = pool.submit(self._destroy)

    def _destroy(self) -> Deployment:
        self.ready()
        started = time.monotonic()
        proc = _terraform(["destroy", "-auto-approve", "-input=false", "-no-color",
                           f"-parallelism={APPLY_PARALLELISM}"], self.out, terraform_env())
        _check(proc)
        STATS.time(f"{self.name}: destroy", time.monotonic() - started)
        return self

    def destroyed(self) -> Deployment:
        assert self._destroyed is not None, "destroy not started"
        return self._destroyed.result(timeout=DEPLOY_TIMEOUT)

    def close(self) -> None:
        if self.endpoint is not None:
            self.endpoint.stop()

    # -- helpers for tests -----------------------------------------------------------------
    @property
    def ep(self) -> Endpoint:
        assert self.endpoint is not None
        return self.endpoint

    @property
    def topology(self) -> ir.Topology:
        assert self.topo is not None
        return self.topo

    def client(self, service: str) -> Any:
        return self.ep.client(service)

    def queue_url(self, queue_name: str) -> str:
        return self.client("sqs").get_queue_url(QueueName=queue_name)["QueueUrl"]

    def queue_arn(self, queue_name: str) -> str:
        return f"arn:aws:sqs:us-east-1:{ACCOUNT_ID}:{queue_name}"

    def rule_arn(self, rule_name: str) -> str:
        return f"arn:aws:events:us-east-1:{ACCOUNT_ID}:rule/{self.topology.bus.name}/{rule_name}"


ACCOUNT_ID = os.environ.get("MOTO_ACCOUNT_ID", "123456789012")

_RUNNING: set[subprocess.Popen[str]] = set()  # terraform processes started by the harness
_RUNNING_LOCK = threading.Lock()


def _terraform(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_tracked(["terraform", *args], cwd, env)


def run_tracked(command: list[str], cwd: Path, env: dict[str, str] | None = None
                ) -> subprocess.CompletedProcess[str]:
    """Run a command in its own process group, remembering it so that the end of the
    session can stop it (the endpoint it talks to is about to go: the AWS provider would
    retry for minutes)."""
    with subprocess.Popen(command, cwd=cwd, env=env, text=True, start_new_session=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as popen:
        with _RUNNING_LOCK:
            _RUNNING.add(popen)
        try:
            stdout, stderr = popen.communicate(timeout=DEPLOY_TIMEOUT)
        finally:
            with _RUNNING_LOCK:
                _RUNNING.discard(popen)
    return subprocess.CompletedProcess(popen.args, popen.returncode, stdout, stderr)


def _check(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    if proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, proc.args))} failed ({proc.returncode}):\n"
            f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def stop_terraform_processes(grace: float = 20) -> None:
    """Interrupt the harness's running terraform processes (only those), then kill them."""
    with _RUNNING_LOCK:
        running = [p for p in _RUNNING if p.poll() is None]
    for popen in running:  # each in the process group it leads (started by us)
        with suppress(ProcessLookupError):
            os.killpg(popen.pid, signal.SIGINT)
    deadline = time.monotonic() + grace
    for popen in running:
        try:
            popen.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(popen.pid, signal.SIGKILL)


SANDBOX_CLI = "from edac.cli.sandbox import sandbox; sandbox(prog_name='edac sandbox')"


class SandboxRun:
    """`edac sandbox` run as a user would (a subprocess per command), in its own directory.
    `up` starts in the background with the examples' applies."""

    def __init__(self, root: Path, topology: Path) -> None:
        self.root = root
        self.dir = root / ".edac-sandbox"
        self.topology = topology
        self._up: Future[subprocess.CompletedProcess[str]] | None = None

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-c", SANDBOX_CLI, "--dir", str(self.dir), *args]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        self.root.mkdir(parents=True, exist_ok=True)
        return run_tracked(self.command(*args), self.root, terraform_env())

    def edac(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A top-level `edac` command (e.g. `status --sandbox`) against this sandbox."""
        self.root.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-c", "from edac.cli import main; main(prog_name='edac')",
                   *args, "--sandbox", "--sandbox-dir", str(self.dir)]
        return run_tracked(command, self.root, terraform_env())

    def start_up(self, pool: ThreadPoolExecutor) -> None:
        if self._up is None:
            self._up = pool.submit(self.run, "up", str(self.topology))

    def up_result(self) -> subprocess.CompletedProcess[str]:
        assert self._up is not None, "sandbox up not started"
        return self._up.result(timeout=DEPLOY_TIMEOUT)

    def close(self) -> None:
        """Stop the sandbox's emulator if a test left it running (no destroy: it is all in
        the emulator's memory)."""
        if self.dir.exists():
            subprocess.run(self.command("down", "--no-destroy"), cwd=self.root,
                           capture_output=True, timeout=60, check=False)


class Registry:
    """The deployments of a session: started together, destroyed together."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pool = ThreadPoolExecutor(max_workers=MAX_CONCURRENT, thread_name_prefix="e2e")
        self.deployments: dict[str, Deployment] = {}
        self.pending: dict[str, int] = {}  # selected tests not yet run, per example
        self.destroy_wanted: set[str] = set()
        self.sandbox: SandboxRun | None = None
        self.lifecycle: Any = None  # e2e.lifecycle.Lifecycle, when its tests are selected
        self.splits: Any = None  # e2e.splits.Splits, when its tests are selected

    def start_sandbox(self, example: str) -> SandboxRun:
        if self.sandbox is None:
            self.sandbox = SandboxRun(self.root / "sandbox", EXAMPLES / example)
            self.sandbox.start_up(self.pool)
        return self.sandbox

    def start_splits(self) -> Any:
        if self.splits is None:
            from e2e.splits import Splits

            self.splits = Splits(self.root / "splits")
            self.splits.start(self.pool)
        return self.splits

    def start_lifecycle(self) -> Any:
        if self.lifecycle is None:
            from e2e.lifecycle import Lifecycle

            self.lifecycle = Lifecycle(self.root / "lifecycle")
            self.lifecycle.start(self.pool)
        return self.lifecycle

    def get(self, name: str) -> Deployment:
        if name not in self.deployments:
            deployment = Deployment(name, self.root / name)
            deployment.start(self.pool)
            self.deployments[name] = deployment
        return self.deployments[name]

    def start_all(self, names: list[str]) -> None:
        for name in names:
            self.get(name)

    def finished_test(self, name: str) -> None:
        """A test of `name` is done; once all but its destroy test are, destroy it in the
        background while other examples' tests run."""
        if name not in self.pending:
            return
        self.pending[name] -= 1
        if self.pending[name] <= 0 and name in self.destroy_wanted and name in self.deployments:
            self.deployments[name].start_destroy(self.pool)

    def close(self) -> None:
        # a destroy started in the background whose test never ran (-x, -k): not needed,
        # the endpoint goes anyway
        stop_terraform_processes()
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.sandbox is not None:
            with suppress(Exception):
                self.sandbox.close()
        if self.lifecycle is not None:
            with suppress(Exception):
                self.lifecycle.close()
        if self.splits is not None:
            with suppress(Exception):
                self.splits.close()
        for deployment in self.deployments.values():
            with suppress(Exception):  # best effort at the end of the session
                deployment.close()


def read_json(text: str | None) -> Any:
    return json.loads(text) if text else None


# -- plain helpers (also used by tests/e2e/test_e2e.py) ---------------------------------------

def moto_missing() -> str | None:
    """Why the local AWS endpoint cannot run here (None when it can)."""
    return emulator_missing()


@contextmanager
def moto_server(workdir: Path | None = None) -> Iterator[str]:
    """A local AWS endpoint (moto's server with edac's shims) for the duration; its URL."""
    with tempfile.TemporaryDirectory(prefix="edac-moto-") as tmp:
        endpoint = start_endpoint((workdir or Path(tmp)) / "moto.log")
        try:
            yield endpoint.url
        finally:
            endpoint.stop()


_ENDPOINTS: dict[str, Endpoint] = {}


def client(service: str, endpoint_url: str) -> Any:
    """A boto3 client for the endpoint, retries off (kept per endpoint and service)."""
    return _ENDPOINTS.setdefault(endpoint_url, Endpoint(endpoint_url)).client(service)


def reset(endpoint_url: str) -> None:
    """Forget every resource on the endpoint (POST /moto-api/reset)."""
    Endpoint(endpoint_url).reset()

