"""The rule-split scenario on the emulator: a route of 7 consumers (two rules) applied, its
`to:` reordered (the compile must not change a byte, the plan nothing), then an eighth
consumer added first in `to:` while events are put on the bus during the whole apply: every
event must reach every queue that was there (a target moved to another rule would miss the
events put between its delete and its create). Runs in the background with the other
deployments; the tests read what it recorded."""

from __future__ import annotations

import json
import sys
import threading
import time
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from e2e.moto_harness import STATS, _check, _terraform, run_tracked
from edac.sandbox import APPLY_PARALLELISM, OVERRIDE_FILE, provider_override
from edac.sandbox.aws import all_queue_urls, create_prerequisites, drain, put_events_entry
from edac.sandbox.emulator import Endpoint, start_endpoint
from tftools import terraform_env

EDAC = [sys.executable, "-c", "from edac.cli import main; main(prog_name='edac')"]
TIMEOUT = 1500
SOURCE, DETAIL_TYPE, BUS = "com.fan.app", "Ping", "fan-events"
SEVEN = [f"c{i}" for i in range(1, 8)]

TOPOLOGY = """version: 1
name: fan
producers:
  app: {source: com.fan.app}
events:
  Ping: {producer: app}
consumers:
%s
routes:
  wide:
    events: [Ping]
    to: [%s]
"""


@dataclass
class Splits:
    root: Path
    error: str | None = None
    first_rules: dict[str, list[str]] = field(default_factory=dict)
    delivered_v1: dict[str, int] = field(default_factory=dict)
    reorder_same_bytes: bool | None = None
    reorder_plan_exit: int | None = None
    add_plan_actions: dict[str, list[str]] = field(default_factory=dict)
    added_rules: dict[str, list[str]] = field(default_factory=dict)
    sent_during_apply: list[str] = field(default_factory=list)
    received: dict[str, list[str]] = field(default_factory=dict)  # queue -> event ids
    plan_after_apply_exit: int | None = None
    _future: Future[Splits] | None = None
    _endpoint: Endpoint | None = None

    @property
    def topology(self) -> Path:
        return self.root / "topology"

    @property
    def out(self) -> Path:
        return self.root / "build"

    def start(self, pool: ThreadPoolExecutor) -> None:
        if self._future is None:
            self._future = pool.submit(self._run)

    def result(self) -> Splits:
        assert self._future is not None, "the split scenario was not started"
        done = self._future.result(timeout=TIMEOUT)
        assert done.error is None, done.error
        return done

    def close(self) -> None:
        if self._endpoint is not None:
            self._endpoint.stop()

    # -- the scenario ----------------------------------------------------------------------
    def _run(self) -> Splits:
        started = time.monotonic()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self._endpoint = start_endpoint(self.root / "moto.log")
            self._v1()
            self._reorder()
            self._add()
        except BaseException:
            self.error = traceback.format_exc()
        finally:
            STATS.time("rule splits", time.monotonic() - started)
        return self

    def _v1(self) -> None:
        self._write(SEVEN, SEVEN)
        self._compile()
        from edac.api import load_topology

        loaded = load_topology([str(self.topology)])
        assert loaded.topology is not None
        (self.out / OVERRIDE_FILE).write_text(provider_override(self.ep.url))
        create_prerequisites(loaded.topology, self.ep)
        _check(_terraform(["init", "-input=false", "-no-color"], self.out, self.env))
        self._apply()
        self.first_rules = self._rules()
        ids = [self._put() for _ in range(2)]
        self.delivered_v1 = {q: len(v) for q, v in self._read(ids).items()}

    def _reorder(self) -> None:
        before = self._snapshot()
        self._write(SEVEN, list(reversed(SEVEN)))
        self._compile()
        self.reorder_same_bytes = self._snapshot() == before
        proc = _terraform(["plan", "-detailed-exitcode", "-input=false", "-no-color",
                           f"-parallelism={APPLY_PARALLELISM}"], self.out, self.env)
        self.reorder_plan_exit = proc.returncode

    def _add(self) -> None:
        self._write(["c0", *SEVEN], ["c0", *SEVEN])
        self._compile()
        _check(_terraform(["plan", "-input=false", "-no-color", "-out=edac.tfplan",
                           f"-parallelism={APPLY_PARALLELISM}"], self.out, self.env))
        shown = _check(_terraform(["show", "-json", "edac.tfplan"], self.out, self.env))
        for change in json.loads(shown.stdout).get("resource_changes", []):
            if change["change"]["actions"] != ["no-op"]:
                self.add_plan_actions[change["address"]] = change["change"]["actions"]
        # events on the bus for as long as the apply runs
        done = threading.Event()
        sent: list[str] = []

        def keep_sending() -> None:
            while not done.is_set():
                sent.append(self._put())
                time.sleep(0.2)

        sender = threading.Thread(target=keep_sending, name="splits-sender", daemon=True)
        sender.start()
        try:
            _check(_terraform(["apply", "-input=false", "-no-color",
                               f"-parallelism={APPLY_PARALLELISM}", "edac.tfplan"],
                              self.out, self.env))
        finally:
            done.set()
            sender.join(timeout=30)
        sent.append(self._put())  # one after the apply: the new queue gets it too
        self.sent_during_apply = sent
        self.added_rules = self._rules()
        self.received = self._read(sent)
        proc = _terraform(["plan", "-detailed-exitcode", "-input=false", "-no-color",
                           "-lock=false", f"-parallelism={APPLY_PARALLELISM}"],
                          self.out, self.env)
        self.plan_after_apply_exit = proc.returncode

    # -- helpers ---------------------------------------------------------------------------
    @property
    def ep(self) -> Endpoint:
        assert self._endpoint is not None
        return self._endpoint

    @property
    def env(self) -> dict[str, str]:
        return terraform_env()

    def _write(self, consumers: list[str], order: list[str]) -> None:
        body = "\n".join(f"  {c}:\n    container: {{role: fan-worker}}" for c in consumers)
        self.topology.mkdir(parents=True, exist_ok=True)
        (self.topology / "topology.yaml").write_text(TOPOLOGY % (body, ", ".join(order)))

    def _compile(self) -> None:
        proc = run_tracked([*EDAC, "compile", str(self.topology), "-o", str(self.out),
                            "--format", "short"], self.root)
        assert proc.returncode == 0, proc.stdout + proc.stderr

    def _apply(self) -> None:
        _check(_terraform(["apply", "-auto-approve", "-input=false", "-no-color",
                           f"-parallelism={APPLY_PARALLELISM}"], self.out, self.env))

    def _rules(self) -> dict[str, list[str]]:
        events = self.ep.client("events")
        found = {}
        for rule in events.list_rules(EventBusName=BUS)["Rules"]:
            targets = events.list_targets_by_rule(Rule=rule["Name"], EventBusName=BUS)
            found[rule["Name"]] = sorted(t["Id"] for t in targets["Targets"])
        return found

    def _put(self) -> str:
        entry = put_events_entry({"source": SOURCE, "detail-type": DETAIL_TYPE,
                                  "detail": {"n": time.monotonic()}}, BUS)
        response = self.ep.client("events").put_events(Entries=[entry])
        assert response["FailedEntryCount"] == 0, response
        STATS.add(events=1)
        return str(response["Entries"][0]["EventId"])

    def _read(self, ids: list[str]) -> dict[str, list[str]]:
        """Queue name -> the ids of the given events it holds (the queues are emptied)."""
        wanted = set(ids)
        found: dict[str, list[str]] = {}
        for message in drain(self.ep, all_queue_urls(self.ep)):
            event = message.event()
            if event is not None and event.get("id") in wanted:
                found.setdefault(message.queue_name, []).append(str(event["id"]))
        STATS.add(deliveries=len(ids) * len(found))
        return found

    def _snapshot(self) -> dict[str, bytes]:
        return {str(p.relative_to(self.out)): p.read_bytes() for p in sorted(self.out.rglob("*"))
                if p.is_file() and ".terraform" not in p.parts and "tfstate" not in p.name}

