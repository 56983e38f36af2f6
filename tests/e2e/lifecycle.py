"""A topology's life on the local AWS endpoint: applied, messages waiting in its queues, then
changed the ways that lose messages when done by hand, each compiled with `edac compile` (the
CLI, as a user runs it, into the same output directory) and planned and applied by terraform.

Stages (the orders example, copied; consumer `email` with `kms_key: create`):
  v1      compiled and applied; 3 confirmed orders and 2 cancellations put on the bus, one
          poison message parked in a DLQ;
  rename  consumer `email` -> `mailer` (`previously: [email]`) and route `cancellations` ->
          `cancellation-notices` (`previously: [cancellations]`): planned (must destroy
          nothing), applied, then a new cancellation still reaches the same queue;
  refuse  consumer `analytics` removed: `edac compile` must refuse (E801) and write nothing;
  forget  the same with `--forget analytics`: planned (nothing destroyed, the queues
          forgotten), applied: the queues and their messages stay in AWS, out of the state;
  destroy consumer `fulfillment` removed with `--allow-destroy fulfillment`: planned (its three
          queues and nothing else's), applied: exactly those queues are gone.

The scenario runs in the background (from session start, with the examples' applies) and
records what it saw per stage; tests/e2e/test_e2e_lifecycle.py asserts on the records. A stage
that fails records its error, and the stages after it are not run.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
import traceback
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from e2e.moto_harness import EXAMPLES, STATS, _check, _terraform, run_tracked
from edac.sandbox import APPLY_PARALLELISM, OVERRIDE_FILE, provider_override
from edac.sandbox.aws import (
    all_queue_urls,
    create_prerequisites,
    disable_event_source_mappings,
    put_events_entry,
    set_event_source_mappings,
)
from edac.sandbox.emulator import Endpoint, start_endpoint
from tftools import terraform_env

EDAC = [sys.executable, "-c", "from edac.cli import main; main(prog_name='edac')"]
STAGES = ("v1", "rename", "refuse", "forget", "destroy")
TIMEOUT = 1500  # seconds, the whole scenario


@dataclass
class Plan:
    """What `terraform show -json` says a saved plan does."""

    actions: dict[str, list[str]]  # address -> actions (no-op left out)
    moved: dict[str, str]  # address -> previous address
    summary: str  # terraform's own "Plan: ..." line
    changed: dict[str, list[str]] = field(default_factory=dict)  # update -> attributes it sets

    @classmethod
    def read(cls, data: dict[str, Any], text: str) -> Plan:
        actions: dict[str, list[str]] = {}
        moved: dict[str, str] = {}
        changed: dict[str, list[str]] = {}
        for change in data.get("resource_changes", []):
            acts = change["change"]["actions"]
            if acts != ["no-op"]:
                actions[change["address"]] = acts
            if acts == ["update"]:
                before = change["change"].get("before") or {}
                after = change["change"].get("after") or {}
                changed[change["address"]] = sorted(
                    k for k in set(before) | set(after) if before.get(k) != after.get(k))
            if change.get("previous_address"):
                moved[change["address"]] = change["previous_address"]
        line = next((ln.strip() for ln in text.splitlines()
                     if ln.strip().startswith(("Plan:", "No changes."))), "")
        return cls(actions, moved, line, changed)

    def with_action(self, action: str) -> list[str]:
        return sorted(a for a, acts in self.actions.items() if action in acts)

    def counts(self) -> Counter[str]:
        return Counter(act for acts in self.actions.values() for act in acts)


@dataclass
class Stage:
    name: str
    compile_exit: int | None = None
    compile_output: str = ""
    plan: Plan | None = None
    applied: bool = False
    plan_after_apply_exit: int | None = None
    queues: dict[str, int] = field(default_factory=dict)  # name -> messages, after the stage
    created: dict[str, str] = field(default_factory=dict)  # name -> CreatedTimestamp
    state: list[str] = field(default_factory=list)  # terraform state list, after the stage
    output_unchanged: bool | None = None  # refuse: the output directory byte for byte
    delivered: dict[str, int] = field(default_factory=dict)  # events sent after the stage
    error: str | None = None
    seconds: float = 0.0


class Lifecycle:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.topology = root / "topology"
        self.out = root / "build"
        self.endpoint: Endpoint | None = None
        self.stages: dict[str, Stage] = {}
        self._future: Future[Lifecycle] | None = None

    # -- running ---------------------------------------------------------------------------
    def start(self, pool: ThreadPoolExecutor) -> None:
        if self._future is None:
            self._future = pool.submit(self._run)

    def result(self) -> Lifecycle:
        assert self._future is not None, "lifecycle not started"
        return self._future.result(timeout=TIMEOUT)

    def stage(self, name: str) -> Stage:
        self.result()
        if name not in self.stages:
            failed = [s for s in self.stages.values() if s.error]
            raise AssertionError(f"stage {name} did not run: an earlier stage failed:\n"
                                 + (failed[0].error if failed else "(no record)"))
        return self.stages[name]

    def close(self) -> None:
        if self.endpoint is not None:
            self.endpoint.stop()

    def _run(self) -> Lifecycle:
        shutil.copytree(EXAMPLES / "orders", self.topology)
        self.endpoint = start_endpoint(self.root / "moto.log")
        for name in STAGES:
            stage = self.stages[name] = Stage(name)
            started = time.monotonic()
            try:
                getattr(self, f"_{name}")(stage)
            except BaseException:  # recorded, for the stage's test to show
                stage.error = traceback.format_exc()
                return self
            finally:
                stage.seconds = time.monotonic() - started
                STATS.time(f"lifecycle {name}", stage.seconds)
        return self

    # -- stages ----------------------------------------------------------------------------
    def _v1(self, stage: Stage) -> None:
        # email's queues are encrypted with a key of its own: a rename must move the key with
        # the queues, or no message already in them could be decrypted again
        self._edit("    idempotency: {ttl: 24h}\n    queue: {visibility_timeout: 1m}",
                   "    idempotency: {ttl: 24h}\n    queue: {visibility_timeout: 1m, "
                   "kms_key: create}")
        self._compile(stage)
        assert stage.compile_exit == 0, stage.compile_output
        from edac.api import load_topology

        loaded = load_topology([str(self.topology)])
        assert loaded.topology is not None
        (self.out / OVERRIDE_FILE).write_text(provider_override(self.ep.url))
        create_prerequisites(loaded.topology, self.ep)
        _check(_terraform(["init", "-input=false", "-no-color"], self.out, self.env))
        self._apply(stage)
        self._put("OrderPlaced", {"orderId": "o-1", "status": "confirmed"}, 3)
        self._put("OrderCancelled", {"orderId": "o-2"}, 2)
        # a poison message waiting in a DLQ for someone to look at: the worst one to lose
        self._sqs.send_message(QueueUrl=self._url("shop-prod-email-dlq"),
                               MessageBody='{"poison": true}')
        self._observe(stage)

    def _rename(self, stage: Stage) -> None:
        self._edit("  email:\n    team: growth",
                   "  mailer:\n    previously: [email]\n    team: growth")
        self._edit("to: [fulfillment, analytics, email]", "to: [fulfillment, analytics, mailer]")
        self._edit("  cancellations:\n",
                   "  cancellation-notices:\n    previously: [cancellations]\n")
        self._edit("to: [email]", "to: [mailer]")
        self._compile(stage)
        assert stage.compile_exit == 0, stage.compile_output
        self._plan(stage)
        self._apply(stage)
        self._observe(stage)
        # the renamed consumer's queue is still the one its route delivers to
        self._put("OrderCancelled", {"orderId": "o-3"}, 1)
        stage.delivered = self._counts()

    def _refuse(self, stage: Stage) -> None:
        self._drop_consumer("analytics")
        before = self._snapshot()
        self._compile(stage)
        stage.output_unchanged = self._snapshot() == before
        self._observe(stage)

    def _forget(self, stage: Stage) -> None:
        self._compile(stage, "--forget", "analytics")
        assert stage.compile_exit == 0, stage.compile_output
        self._plan(stage)
        self._apply(stage)
        self._observe(stage)

    def _destroy(self, stage: Stage) -> None:
        self._drop_consumer("fulfillment")
        self._compile(stage, "--allow-destroy", "fulfillment")
        assert stage.compile_exit == 0, stage.compile_output
        self._plan(stage)
        self._apply(stage)
        self._observe(stage)

    # -- helpers ---------------------------------------------------------------------------
    @property
    def ep(self) -> Endpoint:
        assert self.endpoint is not None
        return self.endpoint

    @property
    def env(self) -> dict[str, str]:
        return terraform_env()

    @property
    def _sqs(self) -> Any:
        return self.ep.client("sqs")

    def _url(self, queue: str) -> str:
        return str(self._sqs.get_queue_url(QueueName=queue)["QueueUrl"])

    def _edit(self, old: str, new: str) -> None:
        path = self.topology / "topology.yaml"
        text = path.read_text()
        assert text.count(old) == 1, f"{old!r} is not in the topology once"
        path.write_text(text.replace(old, new))

    def _drop_consumer(self, name: str) -> None:
        """Remove a consumer's block and its name from the route's `to:` list."""
        path = self.topology / "topology.yaml"
        lines = path.read_text().splitlines(keepends=True)
        start = lines.index(f"  {name}:\n")
        end = start + 1
        while end < len(lines) and lines[end].startswith("    "):
            end += 1
        del lines[start:end]
        text = "".join(lines)
        text = re.sub(r"to: \[([^\]]*)\]", lambda m: "to: [" + ", ".join(
            c for c in m[1].split(", ") if c != name) + "]", text)
        assert f"  {name}:\n" not in text and not re.search(rf"to: \[.*\b{name}\b", text), text
        path.write_text(text)

    def _compile(self, stage: Stage, *options: str) -> None:
        proc = run_tracked([*EDAC, "compile", str(self.topology), "-o", str(self.out),
                            "--format", "short", *options], self.root)
        stage.compile_exit, stage.compile_output = proc.returncode, proc.stdout + proc.stderr

    def _plan(self, stage: Stage) -> None:
        set_event_source_mappings(self.ep, enabled=True)  # as terraform left them
        proc = _check(_terraform(["plan", "-input=false", "-no-color", "-out=edac.tfplan",
                                  f"-parallelism={APPLY_PARALLELISM}"], self.out, self.env))
        shown = _check(_terraform(["show", "-json", "edac.tfplan"], self.out, self.env))
        stage.plan = Plan.read(json.loads(shown.stdout), proc.stdout)

    def _apply(self, stage: Stage) -> None:
        planned = self.out / "edac.tfplan"
        # a planned stage applies exactly the plan its test looks at
        what = [planned.name] if stage.plan is not None else ["-auto-approve"]
        _check(_terraform(["apply", "-input=false", "-no-color",
                           f"-parallelism={APPLY_PARALLELISM}", *what], self.out, self.env))
        planned.unlink(missing_ok=True)
        stage.applied = True
        # converged: nothing left to do (before the harness disables the Lambda mappings)
        proc = _terraform(["plan", "-detailed-exitcode", "-input=false", "-no-color",
                           "-lock=false", f"-parallelism={APPLY_PARALLELISM}"], self.out, self.env)
        stage.plan_after_apply_exit = proc.returncode
        disable_event_source_mappings(self.ep)

    def _put(self, detail_type: str, detail: dict[str, Any], times: int) -> None:
        entries = [put_events_entry({"source": "com.shop.orders", "detail-type": detail_type,
                                     "detail": detail}, "shop-prod-events")] * times
        response = self.ep.client("events").put_events(Entries=entries)
        assert response["FailedEntryCount"] == 0, response
        STATS.add(events=times)

    def _queue_attributes(self) -> dict[str, dict[str, str]]:
        """Every queue on the endpoint: its message count and creation time, by name."""
        return {url.rsplit("/", 1)[-1]: self._sqs.get_queue_attributes(
                    QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                                  "CreatedTimestamp"])["Attributes"]
                for url in all_queue_urls(self.ep)}

    def _counts(self) -> dict[str, int]:
        return {name: int(attributes["ApproximateNumberOfMessages"])
                for name, attributes in self._queue_attributes().items()}

    def _observe(self, stage: Stage) -> None:
        queues = self._queue_attributes()
        stage.queues = {n: int(a["ApproximateNumberOfMessages"]) for n, a in queues.items()}
        stage.created = {n: a["CreatedTimestamp"] for n, a in queues.items()}
        proc = _terraform(["state", "list"], self.out, self.env)
        stage.state = proc.stdout.split() if proc.returncode == 0 else []

    def _snapshot(self) -> dict[str, bytes]:
        return {str(p.relative_to(self.out)): p.read_bytes() for p in sorted(self.out.rglob("*"))
                if p.is_file() and ".terraform" not in p.parts}
