"""The local AWS endpoint: moto's server with edac's compatibility shims (`server.py`), run on
127.0.0.1 as its own process, and found again through the sandbox's state."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edac.core.diagnostics import failure
from edac.io.processes import alive

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
# the role a root of another account is applied as there (moto does not check it exists)
ACCOUNT_ROLE = "edac-sandbox"


@dataclass
class Endpoint:
    """A running local AWS endpoint."""

    url: str
    pid: int | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    # an emulator of several accounts (`start_endpoint(accounts=True)`): the clients act in
    # this account (through the role ACCOUNT_ROLE assumed there) and region
    account: str | None = None
    region: str = REGION
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def in_account(self, account: str, region: str) -> Endpoint:
        """The same emulator, its clients acting in `account` and `region` (the object does
        not own the process: `stop` on it stops nothing)."""
        return Endpoint(self.url, account=account, region=region)

    def client(self, service: str) -> Any:
        """A boto3 client for the endpoint (one per service, kept: clients are thread-safe,
        creating them is not, and costs a few hundred milliseconds)."""
        import boto3  # type: ignore[import-untyped]
        from botocore.config import Config  # type: ignore[import-untyped]

        with self._lock:
            if service not in self._clients:
                keys = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
                if self.account is not None:  # moto gives credentials of the role's account
                    sts = boto3.session.Session().client(
                        "sts", endpoint_url=self.url, region_name=self.region, **keys)
                    got = sts.assume_role(
                        RoleArn=f"arn:aws:iam::{self.account}:role/{ACCOUNT_ROLE}",
                        RoleSessionName="edac-sandbox")["Credentials"]
                    keys = {"aws_access_key_id": got["AccessKeyId"],
                            "aws_secret_access_key": got["SecretAccessKey"],
                            "aws_session_token": got["SessionToken"]}
                # No retries: a 500 from the emulator retried by botocore would deliver an
                # event twice to the targets that did get it.
                self._clients[service] = boto3.session.Session().client(
                    service, endpoint_url=self.url, region_name=self.region, **keys,
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
        if self.pid is not None and is_our_server(self.pid):
            os.kill(self.pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and alive(self.pid):
                time.sleep(0.1)
            if alive(self.pid) and is_our_server(self.pid):
                os.kill(self.pid, signal.SIGKILL)


def is_our_server(pid: int) -> bool:
    """Whether `pid` is still the emulator we started (pids are reused)."""
    if not alive(pid):
        return False
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return b"edac.sandbox.server" in handle.read()
    except OSError:
        return True  # no /proc: trust the recorded pid


def start_endpoint(log: Path, detach: bool = False, timeout: float = 60,
                   accounts: bool = False) -> Endpoint:
    """Start `python -m edac.sandbox.server` on 127.0.0.1 and a free port.

    `detach`: in its own session, outliving this process (`edac sandbox up`). Output goes
    to `log`. `accounts`: several accounts (a role assumed in an account gives credentials
    of that account); otherwise every request acts in ACCOUNT (MOTO_ACCOUNT_ID, which moto
    prefers to the credentials).
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    port_file = log.with_name(log.name + ".port")
    port_file.unlink(missing_ok=True)
    env = dict(os.environ)
    if accounts:
        env.pop("MOTO_ACCOUNT_ID", None)  # the account of each request's credentials
    else:
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
            raise failure("E910", f"the local AWS emulator did not start:\n{_tail(log)}")
        if time.monotonic() > deadline:
            process.kill()
            raise failure("E910", f"the local AWS emulator did not start within "
                          f"{timeout:.0f} s:\n{_tail(log)}")
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
