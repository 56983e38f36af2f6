"""A local AWS endpoint for `edac sandbox` and the e2e tests: moto's server, on 127.0.0.1,
with a few compatibility shims where moto 5.2 differs from AWS in ways the AWS provider trips
over.

Run it as ``python -m edac.sandbox.server [--port N]``; it prints ``listening on HOST:PORT`` on
its first line of output (port 0 picks a free port) and serves until it is stopped (SIGTERM or
SIGINT).

Each shim restores an AWS behaviour (one only makes moto faster); none changes what edac
emits. They patch moto in this process only.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from typing import Any

SHIMS: list[str] = []  # what was applied, for `edac sandbox status` and the tests


def apply_shims() -> list[str]:
    """Patch moto (idempotent). Returns the names of the shims applied."""
    if SHIMS:
        return SHIMS
    from moto.sqs.models import Queue

    original_set = Queue._set_attributes
    original_attributes = Queue.attributes.fget  # type: ignore[attr-defined]

    # The queue attribute names AWS accepts in GetQueueAttributes; moto 5.2 lacks
    # RedriveAllowPolicy and answers InvalidAttributeName when it is asked for by name.
    if "RedriveAllowPolicy" not in Queue.BASE_ATTRIBUTES:
        Queue.BASE_ATTRIBUTES = [*Queue.BASE_ATTRIBUTES, "RedriveAllowPolicy"]
    Queue.redrive_allow_policy = None  # type: ignore[attr-defined]

    def _set_attributes(self: Any, attributes: dict[str, Any], now: float | None = None) -> None:
        attributes = dict(attributes)
        # AWS: SetQueueAttributes changes only the attributes it names. moto 5.2 resets the
        # queue policy to empty on every call that does not carry `Policy` (for example the
        # SetQueueAttributes of aws_sqs_queue_redrive_allow_policy on a DLQ whose policy
        # aws_sqs_queue_policy has just set).
        keep_policy = None
        if "Policy" not in attributes and hasattr(self, "_policy_json"):
            keep_policy = self._policy_json
        # AWS: RedriveAllowPolicy is stored and returned by GetQueueAttributes. moto 5.2
        # drops it, so aws_sqs_queue_redrive_allow_policy waits ~20 minutes for the value
        # to appear and then fails. And AWS removes an attribute set to "" (how the provider
        # deletes it; its delete waiter waits for the attribute to disappear, and would spin
        # on a stored "").
        if "RedriveAllowPolicy" in attributes:
            value = attributes.pop("RedriveAllowPolicy")
            self.redrive_allow_policy = _compact_json(value) if value else None
        original_set(self, attributes, now)
        if keep_policy is not None:
            self._policy_json = keep_policy

    def _attributes(self: Any) -> dict[str, Any]:
        result: dict[str, Any] = original_attributes(self)
        # AWS returns RedrivePolicy as compact JSON with a numeric maxReceiveCount; moto 5.2
        # adds spaces (json.dumps defaults), which the provider shows as a diff on every plan.
        if result.get("RedrivePolicy"):
            result["RedrivePolicy"] = _compact_json(result["RedrivePolicy"])
        if not result.get("RedriveAllowPolicy"):
            result.pop("RedriveAllowPolicy", None)
        return result

    Queue._set_attributes = _set_attributes  # type: ignore[method-assign]
    Queue.attributes = property(_attributes)  # type: ignore[assignment,method-assign]

    # AWS: an event delivered to a target without an input transformer is the whole event,
    # envelope included: version, id, detail-type, source, account, time, region, resources,
    # detail. moto 5.2's default template leaves out `account`.
    from moto.events.utils import EventTemplateParser

    EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE = (
        '{"version": "0", "id": "<id>", "detail-type": "<detail-type>", "source": "<source>", '
        '"account": "<account>", "time": <time>, "region": "<region>", '
        '"resources": <resources>, "detail": <detail>}'
    )
    # Speed only, no behaviour: for every target of every event, moto parses the same
    # JSONPath expressions of its input template anew with jsonpath_ng (~40 ms each, eight
    # per target): a PutEvents of 10 events fanned out to 8 queues took 10-20 s. Parsed
    # expressions are immutable; keep them.
    import functools
    import importlib

    ext = vars(importlib.import_module("jsonpath_ng.ext"))
    if not hasattr(ext["parse"], "cache_info"):
        ext["parse"] = functools.lru_cache(maxsize=1024)(ext["parse"])

    SHIMS.extend([
        "sqs: RedriveAllowPolicy stored and returned (removed when set to empty)",
        "sqs: SetQueueAttributes keeps the attributes it does not name (Policy)",
        "sqs: RedrivePolicy returned as compact JSON",
        "events: `account` in the envelope delivered to targets",
        "events: parsed JSONPath expressions cached (speed)",
    ])
    return SHIMS


def _compact_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.dumps(json.loads(value), separators=(",", ":"))
        except ValueError:
            return value
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return value


def serve(host: str = "127.0.0.1", port: int = 0, port_file: str | None = None) -> None:
    """Serve until SIGTERM/SIGINT; print the address first (and write the port to
    `port_file`, for a caller that runs the server in the background)."""
    apply_shims()
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    print(f"listening on {bound_host}:{bound_port}", flush=True)
    if port_file:
        tmp = f"{port_file}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(f"{bound_port}\n")
        os.replace(tmp, port_file)  # the reader never sees a half-written file

    stop = threading.Event()

    def _stop(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    stop.wait()
    server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edac.sandbox.server",
                                     description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; keep it local)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: a free one)")
    parser.add_argument("--port-file", help="write the port to this file once listening")
    args = parser.parse_args(argv)
    try:
        serve(args.host, args.port, args.port_file)
    except ImportError as exc:
        print(f"moto's server is not installed ({exc}); pip install 'edac[sandbox]'",
              file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
