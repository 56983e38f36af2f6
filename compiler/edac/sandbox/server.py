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
import time
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

    _message_move_tasks()
    _replay_filters()
    _cross_account_targets()
    _cross_account_put_events()

    SHIMS.extend([
        "events: PutEvents onto the bus ARN of another account, let in by that bus's policy "
        "(a statement for the sender's account, with the entry's source when it names one): "
        "the event reaches that bus's rules with the sender's account (moto 5.2 looks for "
        "the bus in the sender's account)",
        "events: an SQS target in another account is delivered to that account's queue, "
        "same Region only, as its RoleArn, when the queue policy lets that role send (moto "
        "5.2 sends to a queue of the same name in the rule's account, and ignores RoleArn)",
        "events: an event bus target in another account is put there as its RoleArn, when "
        "that role of the rule's account may put events on the bus and the bus's policy "
        "lets it in, else into the target's dead-letter queue (moto 5.2 puts it there "
        "unchecked, as an event of the receiving account)",
        "sqs: StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask (moto 5.2 has "
        "none): a DLQ's messages moved back to their source queue, or a given queue, as new "
        "messages, at most MaxNumberOfMessagesPerSecond",
        "events: StartReplay replays only the events of its time window, to the rules of "
        "Destination.FilterArns (moto 5.2 replays the whole archive to every rule)",
        "sqs: RedriveAllowPolicy stored and returned (removed when set to empty)",
        "sqs: SetQueueAttributes keeps the attributes it does not name (Policy)",
        "sqs: RedrivePolicy returned as compact JSON",
        "events: `account` in the envelope delivered to targets",
        "events: parsed JSONPath expressions cached (speed)",
    ])
    return SHIMS


# -- sqs: message move tasks (the DLQ redrive API) -----------------------------------------
# From https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html
# and the developer guide's "Configuring a dead-letter queue redrive": the source must be a
# DLQ of another SQS queue; without DestinationArn the messages go back to their source queue;
# at most 500 messages per second; one active task per source queue; a redriven message is a
# new message (new id, new enqueue time); ListMessageMoveTasks returns the latest 10 tasks.


class _MoveTask:
    def __init__(self, handle: str, source: Any, destination: Any, destination_arn: str | None,
                 rate: int | None, to_move: int) -> None:
        self.handle = handle
        self.source = source
        self.destination = destination
        self.destination_arn = destination_arn
        self.rate = rate
        self.to_move = to_move
        self.moved = 0
        self.status = "RUNNING"
        self.failure: str | None = None
        self.started = int(time.time() * 1000)
        self.cancel = threading.Event()

    def run(self, backend: Any) -> None:
        try:
            while not self.cancel.is_set():
                with self.source._messages_lock:
                    waiting = [m for m in self.source._messages if m.visible and not m.delayed]
                    message = waiting[0] if waiting else None
                    if message is not None:
                        self.source._messages.remove(message)
                if message is None:
                    break
                backend.send_message(
                    self.destination.name, message.body,
                    message_attributes=message.message_attributes or None,
                    group_id=message.group_id if self.destination.fifo_queue else None,
                    # AWS gives a message moved into a FIFO DLQ its own id as deduplication
                    # id; moto keeps the original's, which the source queue may still hold
                    deduplication_id=message.id if self.destination.fifo_queue else None)
                self.moved += 1
                if self.rate:
                    time.sleep(1 / self.rate)
            self.status = "CANCELLED" if self.cancel.is_set() else "COMPLETED"
        except Exception as exc:  # the task fails as AWS's would, with a reason
            self.status = "FAILED"
            self.failure = str(exc)

    def describe(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "Status": self.status, "SourceArn": self.source.queue_arn,
            "ApproximateNumberOfMessagesMoved": self.moved,
            "ApproximateNumberOfMessagesToMove": self.to_move,
            "StartedTimestamp": self.started,
        }
        if self.status == "RUNNING":
            found["TaskHandle"] = self.handle
        if self.destination_arn:
            found["DestinationArn"] = self.destination_arn
        if self.rate:
            found["MaxNumberOfMessagesPerSecond"] = self.rate
        if self.failure:
            found["FailureReason"] = self.failure
        return found


_TASKS: list[_MoveTask] = []


def _message_move_tasks() -> None:
    import uuid

    from moto.core.responses import ActionResult
    from moto.sqs.exceptions import InvalidParameterValue, QueueDoesNotExist
    from moto.sqs.responses import SQSResponse

    def _queue_of(backend: Any, arn: str, what: str) -> Any:
        try:
            return backend.get_queue(arn.rsplit(":", 1)[-1])
        except QueueDoesNotExist:
            raise InvalidParameterValue(f"The {what} queue {arn} does not exist.") from None

    def start_message_move_task(self: Any) -> Any:
        backend = self.sqs_backend
        source = _queue_of(backend, self._get_param("SourceArn"), "source")
        sources = [q for q in backend.queues.values() if q.dead_letter_queue is source]
        if not sources:
            raise InvalidParameterValue("Source queue must be configured as a Dead Letter "
                                        "Queue.")
        rate = self._get_param("MaxNumberOfMessagesPerSecond")
        if rate is not None and not 1 <= int(rate) <= 500:
            raise InvalidParameterValue("MaxNumberOfMessagesPerSecond must be 1-500.")
        destination_arn = self._get_param("DestinationArn")
        destination = (_queue_of(backend, destination_arn, "destination") if destination_arn
                       else sources[0])
        if destination.fifo_queue != source.fifo_queue:
            raise InvalidParameterValue("The destination queue must be of the same type as "
                                        "the source queue.")
        if any(t.source is source and t.status == "RUNNING" for t in _TASKS):
            raise InvalidParameterValue("There is already a task running. Only one active "
                                        "task is allowed for a source queue arn at a given "
                                        "time.")
        with source._messages_lock:
            waiting = sum(1 for m in source._messages if m.visible and not m.delayed)
        task = _MoveTask(str(uuid.uuid4()), source, destination, destination_arn,
                         int(rate) if rate is not None else None, waiting)
        _TASKS.append(task)
        threading.Thread(target=task.run, args=(backend,), daemon=True).start()
        return ActionResult({"TaskHandle": task.handle})

    def list_message_move_tasks(self: Any) -> Any:
        source = _queue_of(self.sqs_backend, self._get_param("SourceArn"), "source")
        limit = int(self._get_param("MaxResults") or 1)
        mine = [t for t in _TASKS if t.source is source][::-1][:min(limit, 10)]
        return ActionResult({"Results": [t.describe() for t in mine]})

    def cancel_message_move_task(self: Any) -> Any:
        handle = self._get_param("TaskHandle")
        for task in _TASKS:
            if task.handle == handle and task.status == "RUNNING":
                task.cancel.set()
                return ActionResult({"ApproximateNumberOfMessagesMoved": task.moved})
        raise InvalidParameterValue("Task does not exist or is not running.")

    SQSResponse.start_message_move_task = start_message_move_task  # type: ignore[attr-defined]
    SQSResponse.list_message_move_tasks = list_message_move_tasks  # type: ignore[attr-defined]
    SQSResponse.cancel_message_move_task = cancel_message_move_task  # type: ignore[attr-defined]


# -- events: replays ------------------------------------------------------------------------
# From https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_StartReplay.html and
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-replay-archived-event.html: only
# events whose time lies in [EventStartTime, EventEndTime) are replayed, to the bus, and with
# Destination.FilterArns only to those rules; replayed events carry `replay-name`.


def _replay_filters() -> None:
    import copy

    from moto.events.models import Replay, ReplayState, events_backends
    from moto.moto_api._internal import mock_random as random

    def replay_events(self: Any, archive: Any) -> None:
        bus_name = self.destination["Arn"].split("/")[-1]
        only = set(self.destination.get("FilterArns") or [])
        start, end = float(self.event_start_time), float(self.event_end_time)
        bus = events_backends[self.account_id][self.region].describe_event_bus(bus_name)
        for event in list(archive.events):
            if not start <= float(event.get("time", 0)) < end:
                continue
            for rule in bus.rules.values():
                if only and rule.arn not in only:
                    continue
                replayed = copy.deepcopy(event)
                replayed.update({"id": str(random.uuid4()), "replay-name": self.name})
                rule.send_to_targets(replayed, transform_input=False)
        self.state = ReplayState.COMPLETED
        self.end_time = time.time()

    Replay.replay_events = replay_events  # type: ignore[method-assign]


# From https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-cross-account.html:
# EventBridge sends to an SQS queue of another account of the same Region by assuming the
# target's execution role (RoleArn, a role of the bus's account); the queue's resource policy
# must let that role send. From
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html: an event that
# cannot be delivered goes to the target's dead-letter queue (which may be in another
# account), when it has one. From
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html: a rule
# whose target is an event bus of another account puts the event there as the target's role
# (RoleArn), which the receiving bus's resource policy must let in.


def _cross_account_targets() -> None:
    from moto.core.utils import iso_8601_datetime_without_milliseconds, utcfromtimestamp
    from moto.events.models import Rule, events_backends
    from moto.events.utils import EventTemplateParser
    from moto.iam.models import iam_backends
    from moto.sqs.models import sqs_backends
    from moto.utilities.arns import parse_arn

    original = Rule.send_to_targets
    lock = threading.Lock()

    def elsewhere(rule: Any, target: dict[str, Any]) -> bool:
        arn = parse_arn(target["Arn"])
        # (moto's archive target is an `events` ARN too, without a resource type)
        shimmed = arn.service == "sqs" or (arn.service == "events"
                                           and arn.resource_type == "event-bus")
        return bool(shimmed and arn.account != rule.account_id)

    def may_put(rule: Any, role: str | None, bus: str) -> bool:
        """Whether `role`, of the rule's account, may put events on `bus` (its inline
        policies: the ones edac attaches)."""
        if not role or parse_arn(role).account != rule.account_id:
            return False
        try:
            found = iam_backends[rule.account_id]["global"].get_role_by_arn(role)
        except Exception:  # no such role
            return False
        for document in found.policies.values():
            for statement in json.loads(document).get("Statement", []):
                actions = statement.get("Action", [])
                actions = actions if isinstance(actions, list) else [actions]
                resources = statement.get("Resource", [])
                resources = resources if isinstance(resources, list) else [resources]
                if (statement.get("Effect") == "Allow" and "events:PutEvents" in actions
                        and bus in resources):
                    return True
        return False

    def to_dlq(target: dict[str, Any], body: dict[str, Any]) -> None:
        dlq = (target.get("DeadLetterConfig") or {}).get("Arn")
        if dlq:  # not delivered: to the target's dead-letter queue, where it is
            where = parse_arn(dlq)
            sqs_backends[where.account][where.region].send_message(
                queue_name=where.resource_id, message_body=json.dumps(body))

    def put_on_bus(rule: Any, target: dict[str, Any], event: dict[str, Any]) -> None:
        """Bus to bus: PutEvents on the target bus's ARN from the rule's account, as the
        target's role (the put_events shim below checks the receiving bus's policy)."""
        entry = {"Source": event["source"], "DetailType": event["detail-type"],
                 "Detail": json.dumps(event["detail"]), "EventBusName": target["Arn"],
                 "Resources": event.get("resources", [])}
        if may_put(rule, target.get("RoleArn"), target["Arn"]):
            sent = events_backends[rule.account_id][rule.region_name].put_events([entry])
            if sent and "EventId" in sent[0]:
                return
        to_dlq(target, event)

    def allows(queue: Any, role: str | None) -> bool:
        policy = getattr(queue, "_policy_json", None) or {}
        if isinstance(policy, str):
            policy = json.loads(policy)
        for statement in policy.get("Statement", []):
            actions = statement.get("Action", [])
            actions = actions if isinstance(actions, list) else [actions]
            principals = (statement.get("Principal") or {})
            aws = principals.get("AWS", []) if isinstance(principals, dict) else []
            aws = aws if isinstance(aws, list) else [aws]
            if (statement.get("Effect") == "Allow" and role in aws
                    and {"sqs:SendMessage", "sqs:*"} & set(actions)):
                return True
        return False

    def send(rule: Any, target: dict[str, Any], event: dict[str, Any]) -> None:
        arn = parse_arn(target["Arn"])
        if arn.service == "events":
            put_on_bus(rule, target, event)
            return
        if arn.region != rule.region_name:
            return  # AWS delivers to other accounts in the same Region only
        # the whole event, as moto's default template writes it (no input transformer)
        body = EventTemplateParser.parse(input_template=None,  # type: ignore[arg-type]
                                         input_paths_map={}, event=event)  # type: ignore[arg-type]
        if "time" in body:
            body["time"] = iso_8601_datetime_without_milliseconds(
                utcfromtimestamp(float(body["time"])))  # type: ignore[arg-type]
        group = target.get("SqsParameters", {}).get("MessageGroupId")
        backend = sqs_backends[arn.account][arn.region]
        queue = backend.queues.get(arn.resource_id)
        if queue is not None and allows(queue, target.get("RoleArn")):
            backend.send_message(queue_name=arn.resource_id, message_body=json.dumps(body),
                                 group_id=group)
            return
        to_dlq(target, body)

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        mine = [t for t in self.targets if elsewhere(self, t)]
        if not mine:
            return original(self, original_event, transform_input)
        if not self.event_pattern.matches_event(original_event):
            return None
        with lock:  # the other targets as moto sends them
            kept = self.targets
            self.targets = [t for t in kept if not elsewhere(self, t)]
            try:
                original(self, original_event, transform_input)
            finally:
                self.targets = kept
        for target in mine:  # edac's targets have no input transformer: the whole event
            send(self, target, dict(original_event))
        return None

    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]


# From https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html: a
# principal of another account puts events on a bus by its ARN when the bus's resource policy
# allows it; the event's `account` is the sender's.


def _cross_account_put_events() -> None:
    import copy

    from moto.core.utils import unix_time
    from moto.events.models import EventsBackend, events_backends
    from moto.moto_api._internal import mock_random as random
    from moto.utilities.arns import parse_arn

    original = EventsBackend.put_events

    def let_in(bus: Any, account: str, source: str) -> bool:
        for statement in json.loads(bus.policy or "{}").get("Statement", []):
            principal = statement.get("Principal")
            aws = principal.get("AWS", []) if isinstance(principal, dict) else []
            aws = aws if isinstance(aws, list) else [aws]
            accounts = {a if a.isdigit() else a.split(":")[4] for a in aws if a}
            wanted = (statement.get("Condition", {}).get("StringEquals", {})
                      .get("events:source"))
            if (statement.get("Effect") == "Allow" and account in accounts
                    and wanted in (None, source)):
                return True
        return False

    def put_events(self: Any, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        def elsewhere(entry: dict[str, Any]) -> bool:
            name = entry.get("EventBusName") or ""
            return name.startswith("arn:") and parse_arn(name).account != self.account_id

        if not any(elsewhere(e) for e in events):
            return original(self, events)
        entries = []
        for entry in events:
            if not elsewhere(entry):
                entries += original(self, [entry])
                continue
            arn = parse_arn(entry["EventBusName"])
            bus = events_backends[arn.account][arn.region].event_buses.get(
                arn.resource_id.split("/")[-1])
            if bus is None or not let_in(bus, self.account_id, entry.get("Source", "")):
                entries.append({"ErrorCode": "AccessDeniedException", "ErrorMessage":
                                f"{self.account_id} may not put events on {arn}"})
                continue
            event_id = str(random.uuid4())
            entries.append({"EventId": event_id})
            for rule in bus.rules.values():
                message = {"version": "0", "id": event_id,
                           "detail-type": entry["DetailType"], "source": entry["Source"],
                           "account": self.account_id, "time": entry.get("Time", unix_time()),
                           "region": arn.region, "resources": entry.get("Resources", []),
                           "detail": json.loads(entry["Detail"]),
                           "ingestion-time": unix_time()}
                rule.send_to_targets(copy.deepcopy(message))  # type: ignore[arg-type]
        return entries

    EventsBackend.put_events = put_events  # type: ignore[method-assign]


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
