"""What the sandbox does on the emulator through the AWS APIs: the roles and stand-in functions
a topology expects before apply, the Lambda mappings moto cannot run, reading queues, and
PutEvents entries."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from edac.core import ir, names, policies
from edac.sandbox.emulator import ACCOUNT, Endpoint

LAMBDA_ROLE = "edac-sandbox-lambda"  # execution role of the stand-in Lambda functions


def prerequisites(topo: ir.Topology,
                  account: str | None = None) -> tuple[list[str], dict[str, str]]:
    """The IAM role names and the Lambda functions (name -> execution role name) that the
    compiled output expects to exist already. `account`: those of the root of that account
    (its consumers', and the roles of its producers that get a policy there); None: all
    consumers' (one account)."""
    roles: set[str] = set()
    functions: dict[str, str] = {}
    if account is not None:  # a root attaches PutEvents policies to its account's roles
        roles |= {names.role_name(arn) for p in topo.producers.values()
                  for arn in policies.producer_roles(p) if names.arn_account(arn) == account}
    for consumer in topo.consumers.values():
        if account is not None and (topo.remote(consumer) or topo.account) != account:
            continue
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
    exist are kept), in the endpoint's account (`endpoint.account`: those of that account's
    root). A role given as an ARN of another account is created by its name in the
    emulator's account: the compiled output attaches its policy by role name."""
    roles, functions = prerequisites(topo, endpoint.account)
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
                                Role=f"arn:aws:iam::{endpoint.account or ACCOUNT}:role/{role}",
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
