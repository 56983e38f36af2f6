"""Three accounts on the emulator (issue 17): the compiled roots of tests/cases/compile/accounts,
each applied with credentials of its own account (the bus's 111111111111 first, then the
payments account 222222222222 and the data account 333333333333), and events put by the
producer's account on the bus ARN reach the queues of all three as routed.

moto 5.2 knows accounts (a role assumed in account A gives credentials of A) but sends a
cross-account SQS target to a same-named queue of the rule's account, and looks for a bus
ARN of another account in the sender's: the emulator's shims (edac.sandbox.server) restore
AWS's documented behaviour, each named in `SHIMS`. The shim delivers only when the queue's
policy lets the target's role send, so the delivery below also proves that the compiled queue
policy trusts exactly the bus account's delivery role; the same policies are compared with
edac.core.policies, string for string."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from e2e.moto_harness import ROOT, _check, _terraform, require_e2e_tools
from edac.api import compile_paths
from edac.core import ir, policies
from edac.io.write import write_output
from edac.sandbox import APPLY_PARALLELISM, OVERRIDE_FILE, provider_override
from edac.sandbox.aws import _TRUST, _dummy_zip, prerequisites
from edac.sandbox.emulator import Endpoint, start_endpoint
from tftools import terraform_env

CASE = ROOT / "tests" / "cases" / "compile" / "accounts" / "input"
REGION = "eu-west-1"
BUS, PAYMENTS, DATA = "111111111111", "222222222222", "333333333333"


@dataclass
class Accounts:
    endpoint: Endpoint
    topo: ir.Topology
    out: Path
    outputs: dict[str, dict[str, Any]]  # root -> terraform outputs
    plans: dict[str, int]  # root -> exit code of `plan -detailed-exitcode` after apply

    def client(self, service: str, account: str) -> Any:
        """A client acting in `account` (a role assumed there)."""
        sts = boto3.client("sts", endpoint_url=self.endpoint.url, region_name=REGION,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/edac-sandbox",
                                RoleSessionName="edac-e2e")["Credentials"]
        return boto3.client(service, endpoint_url=self.endpoint.url, region_name=REGION,
                            aws_access_key_id=creds["AccessKeyId"],
                            aws_secret_access_key=creds["SecretAccessKey"],
                            aws_session_token=creds["SessionToken"])

    def queue_url(self, account: str, name: str) -> str:
        return str(self.client("sqs", account).get_queue_url(QueueName=name)["QueueUrl"])

    def drain(self, account: str, name: str) -> list[dict[str, Any]]:
        sqs = self.client("sqs", account)
        found: list[dict[str, Any]] = []
        for _ in range(5):
            got = sqs.receive_message(QueueUrl=self.queue_url(account, name),
                                      MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                break
            found += [json.loads(m["Body"]) for m in got]
            for m in got:
                sqs.delete_message(QueueUrl=self.queue_url(account, name),
                                   ReceiptHandle=m["ReceiptHandle"])
        return found


def _prepare(accounts: Accounts, account: str) -> None:
    """The roles and stand-in functions the compiled roots expect, in `account`."""
    roles, functions = prerequisites(accounts.topo)
    iam = accounts.client("iam", account)
    for role in [*roles, "payments-api"]:
        with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
            iam.create_role(RoleName=role, AssumeRolePolicyDocument=_TRUST)
    lam = accounts.client("lambda", account)
    for function, role in functions.items():
        with contextlib.suppress(lam.exceptions.ResourceConflictException):
            lam.create_function(FunctionName=function, Runtime="python3.12",
                                Role=f"arn:aws:iam::{account}:role/{role}",
                                Handler="index.handler", Code={"ZipFile": _dummy_zip()})


def _apply(root: Path) -> tuple[dict[str, Any], int]:
    env = terraform_env()
    _check(_terraform(["init", "-input=false", "-no-color"], root, env))
    _check(_terraform(["apply", "-auto-approve", "-input=false", "-no-color",
                       f"-parallelism={APPLY_PARALLELISM}"], root, env))
    proc = _check(_terraform(["output", "-json", "-no-color"], root, env))
    plan = _terraform(["plan", "-detailed-exitcode", "-input=false", "-no-color",
                       "-lock=false"], root, env)
    return ({k: v.get("value") for k, v in json.loads(proc.stdout).items()}, plan.returncode)


@pytest.fixture(scope="module")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Accounts]:
    require_e2e_tools()
    work = tmp_path_factory.mktemp("accounts")
    endpoint = start_endpoint(work / "moto.log", accounts=True)
    try:
        compiled = compile_paths([str(CASE)])
        assert compiled.result.ok and compiled.result.topology is not None
        out = work / "build"
        write_output(out, compiled.files, compiled.manifest)
        roots = {BUS: out, PAYMENTS: out / "accounts" / PAYMENTS,
                 DATA: out / "accounts" / DATA}
        found = Accounts(endpoint, compiled.result.topology, out, {}, {})
        for account, root in roots.items():
            (root / OVERRIDE_FILE).write_text(provider_override(endpoint.url, REGION, account))
            _prepare(found, account)
        # the bus's account first: the other accounts' queue and key policies name its role
        found.outputs["bus"], found.plans["bus"] = _apply(out)
        with ThreadPoolExecutor(2) as pool:
            done = {name: pool.submit(_apply, roots[account])
                    for name, account in (("payments", PAYMENTS), ("data", DATA))}
            for name, future in done.items():
                found.outputs[name], found.plans[name] = future.result()
        yield found
    finally:
        endpoint.stop()


def test_each_root_applies_in_its_account_and_converges(accounts: Accounts) -> None:
    assert accounts.plans == {"bus": 0, "payments": 0, "data": 0}
    assert set(accounts.outputs["bus"]["consumer_queues"]) == {"notifier"}
    assert set(accounts.outputs["payments"]["consumer_queues"]) == {"ledger"}
    assert set(accounts.outputs["data"]["consumer_queues"]) == {"loader"}
    ledger = accounts.outputs["payments"]["consumer_queues"]["ledger"]
    assert ledger["queue_arn"] == f"arn:aws:sqs:{REGION}:{PAYMENTS}:pay-prod-ledger.fifo"
    # each account holds its own queues only
    for account, mine in ((BUS, {"pay-prod-notifier"}), (PAYMENTS, {"pay-prod-ledger.fifo"}),
                          (DATA, {"pay-prod-loader"})):
        urls = accounts.client("sqs", account).list_queues().get("QueueUrls", [])
        mains = {u.rsplit("/", 1)[1] for u in urls if not u.endswith("dlq")
                 and not u.endswith("dlq.fifo")}
        assert mains == mine, account


def test_the_applied_policies_are_the_ones_edac_measures(accounts: Accounts) -> None:
    topo = accounts.topo
    where = policies.Where.of(topo)
    for consumer, account in (("ledger", PAYMENTS), ("loader", DATA), ("notifier", BUS)):
        c = topo.consumers[consumer]
        sqs = accounts.client("sqs", account)
        for queue, expected in ((c.queues.main, policies.queue_policy(topo, c, where)),
                                (c.queues.target_dlq,
                                 policies.target_dlq_policy(topo, c, where))):
            applied = sqs.get_queue_attributes(QueueUrl=accounts.queue_url(account, queue),
                                               AttributeNames=["Policy"])["Attributes"]
            assert json.loads(applied["Policy"]) == expected, (consumer, queue)
    iam = accounts.client("iam", BUS)
    role = iam.get_role(RoleName="pay-prod-cross-account-delivery")["Role"]
    assert role["AssumeRolePolicyDocument"] == policies.delivery_trust_policy(topo, where)
    inline = iam.get_role_policy(RoleName="pay-prod-cross-account-delivery",
                                 PolicyName="send-to-queues-of-other-accounts")
    assert inline["PolicyDocument"] == policies.delivery_policy(topo, where)


def test_events_from_the_producers_account_reach_every_account_as_routed(
        accounts: Accounts) -> None:
    bus_arn = f"arn:aws:events:{REGION}:{BUS}:event-bus/pay-prod-events"
    events = accounts.client("events", PAYMENTS)
    sent = events.put_events(Entries=[
        {"Source": "com.acme.payments", "DetailType": kind, "EventBusName": bus_arn,
         "Detail": json.dumps({"n": i})}
        for i, kind in enumerate(["PaymentCaptured", "RefundIssued", "PaymentCaptured"])])
    assert sent["FailedEntryCount"] == 0, sent
    ids = [e["EventId"] for e in sent["Entries"]]
    time.sleep(1)
    for account, queue in ((PAYMENTS, "pay-prod-ledger.fifo"), (DATA, "pay-prod-loader"),
                           (BUS, "pay-prod-notifier")):
        got = accounts.drain(account, queue)
        assert sorted(e["id"] for e in got) == sorted(ids), (account, queue)
        assert {e["account"] for e in got} == {PAYMENTS}  # the sender's account
        if queue.endswith(".fifo"):  # in the order sent, in its message group
            assert [e["id"] for e in got] == ids
    # nothing went to a delivery dead-letter queue
    for account, queue in ((PAYMENTS, "pay-prod-ledger-target-dlq"),
                           (DATA, "pay-prod-loader-target-dlq")):
        assert accounts.drain(account, queue) == []


def test_the_bus_policy_keeps_out_other_accounts_and_sources(accounts: Accounts) -> None:
    bus_arn = f"arn:aws:events:{REGION}:{BUS}:event-bus/pay-prod-events"
    entry = {"Source": "com.acme.payments", "DetailType": "PaymentCaptured",
             "EventBusName": bus_arn, "Detail": "{}"}
    refused = accounts.client("events", DATA).put_events(Entries=[entry])
    assert refused["FailedEntryCount"] == 1
    other_source = accounts.client("events", PAYMENTS).put_events(
        Entries=[entry | {"Source": "com.acme.other"}])
    assert other_source["FailedEntryCount"] == 1
    time.sleep(0.5)
    assert accounts.drain(PAYMENTS, "pay-prod-ledger.fifo") == []
