"""Three accounts on the emulator (issue 17): `edac sandbox up` of tests/cases/compile/accounts
applies each compiled root with credentials of its own account (the bus's 111111111111 first,
then the payments account 222222222222 and the data account 333333333333), and events put by
the producer's account on the bus ARN reach the queues of all three as routed; `edac sandbox
send`, `status` and `down` work across the accounts (the module's last test). Bus to bus: the
data domain's own topology (tests/cases/compile/forwarded), applied in the data account, takes
the captured payments the pay bus forwards to it; the audit bus, whose policy lets nobody in,
leaves the refunds forwarded to it in the pay bus's forward DLQ.

moto 5.2 knows accounts (a role assumed in account A gives credentials of A) but sends a
cross-account SQS target to a same-named queue of the rule's account, and looks for a bus
ARN of another account in the sender's: the emulator's shims (edac.sandbox.server) restore
AWS's documented behaviour, each named in `SHIMS`. The shim delivers only when the queue's
policy lets the target's role send, so the delivery below also proves that the compiled queue
policy trusts exactly the bus account's delivery role; the same policies are compared with
edac.core.policies, string for string."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from e2e.moto_harness import ROOT, _check, _terraform, require_e2e_tools
from edac import sandbox
from edac.api import compile_paths
from edac.core import ir, policies
from edac.io.write import write_output
from edac.ops import Aws, Target
from edac.ops.status import forwarding_status
from edac.sandbox import APPLY_PARALLELISM, OVERRIDE_FILE, Sandbox, provider_override
from edac.sandbox.aws import create_prerequisites, set_event_source_mappings
from edac.sandbox.emulator import Endpoint
from test_environments import run
from tftools import terraform_env

CASE = ROOT / "tests" / "cases" / "compile" / "accounts" / "input"
FORWARDED = ROOT / "tests" / "cases" / "compile" / "forwarded" / "input"
REGION = "eu-west-1"
BUS, PAYMENTS, DATA = "111111111111", "222222222222", "333333333333"


@dataclass
class Accounts:
    endpoint: Endpoint
    topo: ir.Topology
    out: Path
    outputs: dict[str, dict[str, Any]]  # root -> terraform outputs
    plans: dict[str, int]  # root -> exit code of `plan -detailed-exitcode` after apply
    analytics: ir.Topology | None = None  # the data domain's, whose bus is forwarded to
    box: Sandbox | None = None  # the sandbox the pay topology runs in

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


def _credentials_of(accounts: Accounts, account: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment's AWS credentials: a role assumed in `account`."""
    sts = boto3.client("sts", endpoint_url=accounts.endpoint.url, region_name=REGION,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/edac-sandbox",
                            RoleSessionName="edac-e2e")["Credentials"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", creds["SessionToken"])


def _converged(root: Path) -> tuple[dict[str, Any], int]:
    """A root's outputs, and the exit code of `plan -detailed-exitcode` (0: no change)."""
    env = terraform_env()
    proc = _check(_terraform(["output", "-json", "-no-color"], root, env))
    plan = _terraform(["plan", "-detailed-exitcode", "-input=false", "-no-color",
                       "-lock=false"], root, env)
    return ({k: v.get("value") for k, v in json.loads(proc.stdout).items()}, plan.returncode)


@pytest.fixture(scope="module")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Accounts]:
    """`edac sandbox up` of the pay topology (three accounts), then the data domain's own
    topology applied by hand beside it, in the data account of the same emulator."""
    require_e2e_tools()
    work = tmp_path_factory.mktemp("accounts")
    box = Sandbox(work / "sandbox")
    try:
        report = sandbox.up(box, [str(CASE)], lambda _: None)
        endpoint = box.endpoint()
        assert endpoint is not None
        assert box.state()["accounts"] == [BUS, DATA, PAYMENTS]
        out = box.build
        found = Accounts(endpoint, report.topology, out, {}, {}, box=box)
        # the data domain's own topology: its bus is in the data account
        other = compile_paths([str(FORWARDED)])
        assert other.result.ok and other.result.topology is not None
        found.analytics = other.result.topology
        analytics = work / "analytics"
        write_output(analytics, other.files, other.manifest)
        (analytics / OVERRIDE_FILE).write_text(provider_override(endpoint.url, REGION, DATA))
        create_prerequisites(other.result.topology, endpoint.in_account(DATA, REGION))
        env = terraform_env()
        _check(_terraform(["init", "-input=false", "-no-color"], analytics, env))
        _check(_terraform(["apply", "-auto-approve", "-input=false", "-no-color",
                           f"-parallelism={APPLY_PARALLELISM}"], analytics, env))
        # the audit domain's bus, made by hand: its policy lets nobody of another account in
        found.client("events", DATA).create_event_bus(Name="audit-events")
        # converged: the plans see no change once the Lambda mappings are as terraform made
        # them (the sandbox disables them: moto would run the functions through Docker)
        at = {account: endpoint.in_account(account, REGION) for account in (BUS, DATA,
                                                                             PAYMENTS)}
        for where in at.values():
            set_event_source_mappings(where, enabled=True)
        for name, root in (("bus", out), ("payments", out / "accounts" / PAYMENTS),
                           ("data", out / "accounts" / DATA), ("analytics", analytics)):
            found.outputs[name], found.plans[name] = _converged(root)
        for where in at.values():
            set_event_source_mappings(where, enabled=False)
        yield found
    finally:
        if box.state():
            sandbox.down(box, lambda _: None, destroy=False)  # stops the emulator


def test_each_root_applies_in_its_account_and_converges(accounts: Accounts) -> None:
    assert accounts.plans == {"bus": 0, "payments": 0, "data": 0, "analytics": 0}
    assert set(accounts.outputs["bus"]["consumer_queues"]) == {"notifier"}
    assert set(accounts.outputs["payments"]["consumer_queues"]) == {"ledger"}
    assert set(accounts.outputs["data"]["consumer_queues"]) == {"loader"}
    ledger = accounts.outputs["payments"]["consumer_queues"]["ledger"]
    assert ledger["queue_arn"] == f"arn:aws:sqs:{REGION}:{PAYMENTS}:pay-prod-ledger.fifo"
    # each account holds its own queues only (the data account, its domain's too)
    for account, mine in ((BUS, {"pay-prod-notifier"}), (PAYMENTS, {"pay-prod-ledger.fifo"}),
                          (DATA, {"pay-prod-loader", "analytics-prod-warehouse"})):
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
    role = iam.get_role(RoleName="pay-prod-bus-forwarding")["Role"]
    assert role["AssumeRolePolicyDocument"] == policies.forwarding_trust_policy(topo, where)
    inline = iam.get_role_policy(RoleName="pay-prod-bus-forwarding",
                                 PolicyName="put-events-on-forwarded-buses")
    assert inline["PolicyDocument"] == policies.forwarding_policy(topo, where)
    sqs = accounts.client("sqs", BUS)
    for bus in topo.forwarded:
        applied = sqs.get_queue_attributes(QueueUrl=accounts.queue_url(BUS, bus.dlq),
                                           AttributeNames=["Policy"])["Attributes"]
        assert json.loads(applied["Policy"]) == policies.forward_dlq_policy(topo, bus, where)


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


def test_events_go_on_bus_to_bus_as_the_receiving_bus_lets_them(
        accounts: Accounts, monkeypatch: pytest.MonkeyPatch) -> None:
    """Captured payments reach the data domain's warehouse through its own bus and rule;
    refunds, forwarded to a bus whose policy does not let the forwarding role in, wait in
    the pay bus's forward DLQ, in the bus's account."""
    forwarded = accounts.outputs["bus"]["forwarded_buses"]
    assert forwarded["analytics"]["bus_arn"] == (
        f"arn:aws:events:{REGION}:{DATA}:event-bus/analytics-prod-events")
    statement = json.loads(forwarded["analytics"]["receiving_bus_statement"])
    role = f"arn:aws:iam::{BUS}:role/pay-prod-bus-forwarding"
    assert statement["Principal"] == {"AWS": role}
    assert accounts.outputs["bus"]["forwarding_role_arn"] == role
    # the data domain's bus policy (its topology names the role) lets that role in
    bus = accounts.client("events", DATA).describe_event_bus(Name="analytics-prod-events")
    assert any(s["Principal"] in ({"AWS": role}, {"AWS": [role]})
               for s in json.loads(bus["Policy"])["Statement"])
    bus_arn = f"arn:aws:events:{REGION}:{BUS}:event-bus/pay-prod-events"
    sent = accounts.client("events", PAYMENTS).put_events(Entries=[
        {"Source": "com.acme.payments", "DetailType": kind, "EventBusName": bus_arn,
         "Detail": json.dumps({"forwarded": i})}
        for i, kind in enumerate(["PaymentCaptured", "RefundIssued", "PaymentCaptured"])])
    assert sent["FailedEntryCount"] == 0, sent
    time.sleep(1)
    # (with the captured payments of the test above, forwarded as well)
    got = [e for e in accounts.drain(DATA, "analytics-prod-warehouse")
           if "forwarded" in e["detail"]]
    assert sorted(e["detail"]["forwarded"] for e in got) == [0, 2]
    assert {e["detail-type"] for e in got} == {"PaymentCaptured"}
    assert {e["source"] for e in got} == {"com.acme.payments"}
    # `edac status` in the bus's account shows them waiting, with the bus's alarm
    _credentials_of(accounts, BUS, monkeypatch)
    shown = {f.bus: f for f in forwarding_status(
        accounts.topo, Aws(Target(region=REGION, endpoint_url=accounts.endpoint.url)))}
    assert sorted(shown) == ["analytics", "audit"]
    assert shown["audit"].counts.total >= 1 and shown["audit"].attention
    assert shown["analytics"].counts.total == 0
    assert shown["audit"].alarm != "missing" and shown["audit"].team == "payments"
    # `edac dlq show forward.audit` reads them where they are (the bus has no archive to
    # forward them again from); a redrive of a forward DLQ is refused
    where = ("--endpoint-url", accounts.endpoint.url)
    code, out, err = run("dlq", "show", "forward.audit", str(CASE), *where, "--format", "json")
    assert code == 0, err + out
    shown_dlq = json.loads(out)
    assert shown_dlq["forward_dlq"] == "pay-prod-audit-forward-dlq"
    assert 1 in [m["event"]["detail"].get("forwarded") for m in shown_dlq["messages"]]
    assert shown_dlq["replay"] == []
    code, out, err = run("dlq", "show", "forward.audit", str(CASE), *where)
    assert code == 0 and "the bus has no archive to forward them again from" in out, err + out
    code, out, err = run("redrive", "forward.audit", str(CASE), *where)
    assert code == 1 and "error[E923]" in err, err + out
    lost = [e for e in accounts.drain(BUS, "pay-prod-audit-forward-dlq")
            if "forwarded" in e["detail"]]
    assert [e["detail"]["forwarded"] for e in lost] == [1]
    assert accounts.drain(BUS, "pay-prod-analytics-forward-dlq") == []
    # the money route took all three as well
    for account, queue in ((PAYMENTS, "pay-prod-ledger.fifo"), (DATA, "pay-prod-loader"),
                           (BUS, "pay-prod-notifier")):
        assert len(accounts.drain(account, queue)) == 3, queue


def test_the_operations_act_in_the_account_of_the_credentials(
        accounts: Accounts, monkeypatch: pytest.MonkeyPatch) -> None:
    """`edac status` reads the queues of the credentials' account and names the consumers of
    the others; `dlq show` and `redrive` of a consumer need its account's credentials."""
    where = ("--endpoint-url", accounts.endpoint.url, "--format", "json")
    _credentials_of(accounts, PAYMENTS, monkeypatch)
    code, out, err = run("status", str(CASE), *where)
    assert code == 0, err + out
    doc = json.loads(out)
    assert [c["consumer"] for c in doc["consumers"]] == ["ledger"]
    assert doc["other_accounts"] == {"loader": DATA, "notifier": BUS}
    assert "forwarded_buses" not in doc  # those are the bus account's
    code, out, err = run("dlq", "show", "ledger", str(CASE), *where)
    assert code == 0, err + out
    code, out, err = run("dlq", "show", "notifier", str(CASE), *where)
    assert code == 1 and "E922" in out + err, out + err
    code, out, err = run("dlq", "show", "forward.analytics", str(CASE), *where)
    assert code == 1 and "the forward DLQs are in the bus's account" in out + err, out + err
    _credentials_of(accounts, BUS, monkeypatch)
    code, out, err = run("status", str(CASE), *where)
    assert code == 0, err + out
    doc = json.loads(out)
    assert [c["consumer"] for c in doc["consumers"]] == ["notifier"]
    assert [f["bus"] for f in doc["forwarded_buses"]] == ["analytics", "audit"]
    assert doc["other_accounts"] == {"ledger": PAYMENTS, "loader": DATA}
    code, out, err = run("redrive", "ledger", str(CASE), "--dry-run", *where)
    assert code == 1 and "consumer `ledger`'s queues are in account `payments` " \
        f"({PAYMENTS})" in out + err, out + err
    code, out, err = run("status", str(CASE), "--endpoint-url", accounts.endpoint.url)
    assert code == 0 and "in other accounts (read them with that account's credentials): " \
        f"account `payments` ({PAYMENTS}): ledger; account `data` ({DATA}): loader" in out, out
    assert "forwarded to" in out and "pay-prod-audit-forward-dlq" in out, out


def test_the_sandbox_sends_shows_and_destroys_across_the_accounts(
        accounts: Accounts, tmp_path: Path) -> None:
    """Last in the module: `edac sandbox send` reads the queues of every account (a captured
    payment reaches ledger, loader and notifier, and is forwarded), `status` lists them,
    `--sandbox` alone is E913, `up --forget` of a consumer of another account leaves its
    queues there, and `down` destroys every root."""
    assert accounts.box is not None
    where = ("sandbox", "--dir", str(accounts.box.root))
    event = tmp_path / "captured.json"
    event.write_text(json.dumps({"source": "com.acme.payments",
                                 "detail-type": "PaymentCaptured",
                                 "detail": {"paymentId": "p-1"}}))
    code, out, err = run(*where, "send", str(event), "--format", "json")
    assert code == 0, err + out
    sent = json.loads(out)
    assert sent["agrees"] and sent["received_by"] == ["ledger", "loader", "notifier"], sent
    assert sent["forwarded_to"] == ["analytics"]
    # (the data domain's copy, put on its bus anew, has an id of its own: the emulator's bus
    # to bus, edac.sandbox.server; test_events_go_on_bus_to_bus... follows it there)
    assert set(sent["queues"]) == {"pay-prod-ledger.fifo", "pay-prod-loader",
                                   "pay-prod-notifier"}, sent
    code, out, err = run(*where, "status")
    assert code == 0, err + out
    assert f"accounts: {BUS}, {DATA}, {PAYMENTS} (the bus's first), region {REGION}" in out
    for queue in ("pay-prod-notifier", "pay-prod-ledger.fifo", "pay-prod-loader"):
        assert queue in out, out
    code, out, err = run("status", "--sandbox", "--sandbox-dir", str(accounts.box.root))
    assert code == 2 and "error[E913]" in err, err + out
    # the loader leaves the topology with --forget: the data account's root forgets its
    # queues, which stay there with their messages
    loader = accounts.queue_url(DATA, "pay-prod-loader")
    accounts.client("sqs", DATA).send_message(QueueUrl=loader, MessageBody="kept")
    changed = tmp_path / "topology"
    shutil.copytree(CASE, changed)
    text = (changed / "topology.yaml").read_text()
    text = text.replace("  loader:\n    team: data\n    account: data\n"
                        "    container: {role: warehouse-loader}\n", "")
    (changed / "topology.yaml").write_text(text.replace("to: [ledger, loader, notifier]",
                                                        "to: [ledger, notifier]"))
    code, out, err = run(*where, "up", str(changed), "--forget", "loader")
    assert code == 0, err + out
    data_root = accounts.box.build / "accounts" / DATA
    assert (data_root / "forgotten.tf").is_file()
    listed = _check(_terraform(["state", "list", "-no-color"], data_root, terraform_env()))
    assert "loader" not in listed.stdout, listed.stdout
    got = accounts.client("sqs", DATA).receive_message(QueueUrl=loader).get("Messages", [])
    assert [m["Body"] for m in got] == ["kept"]
    code, out, err = run(*where, "down")
    assert code == 0 and "destroyed" in err + out, err + out
    assert not accounts.box.state()
