"""End to end, for every example under examples/ (picked up automatically) and the golden
case `encrypted` (customer-managed KMS keys):

1. a local AWS endpoint (moto's server, 127.0.0.1, a free port) per example;
2. the example compiled, plus a provider override file (the compiled files unchanged),
   `terraform init` and `apply` (and a plan right after it must be empty);
3. events put on the bus with PutEvents: for every route, events that match it and events
   that must not (another source, another detail-type, the producer's other event types,
   filter values off), fan-out and multi-producer routes included, plus hand-written ones;
4. every queue on the endpoint read: each event is in exactly the consumer queues the
   topology routes it to, once, with its EventBridge envelope intact, and nowhere else;
5. a message received without being deleted more than maxReceiveCount times lands in its
   queue's DLQ (every consumer);
6. the idempotency table exists, keyed on `id`, with TTL on `expiration`;
7. `terraform destroy` leaves nothing behind.
Also the wiring as applied (rules, patterns, targets with their DLQ, retry policy and FIFO
group, queue policies, redrive policies, Lambda mappings), which moto stores but does not
enforce.

Where an event must arrive comes from the compiled IR (see event_samples.py); the
hand-written expectations below make sure that cannot be vacuous.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from e2e.event_samples import ACCOUNT, REGION, Sample, all_samples
from e2e.moto_harness import ACCOUNT_ID, STATS, Deployment, example_names
from edac.api import command_paths
from edac.core import ir
from edac.patterns import compile_pattern
from edac.sandbox.aws import all_queue_urls, drain

pytestmark = pytest.mark.e2e

EXAMPLES = example_names()

# Hand-written: (source, detail-type, detail) -> exactly these consumers. The topology must
# say the same (checked with the pattern engine) and the deployed bus must do it.
HAND_WRITTEN: dict[str, list[tuple[str, str, dict[str, Any], set[str]]]] = {
    "orders": [
        ("com.shop.orders", "OrderPlaced", {"orderId": "o-1", "status": "confirmed",
                                            "total": 20}, {"fulfillment", "analytics", "email"}),
        ("com.shop.orders", "OrderPlaced", {"orderId": "o-2", "status": "pending"}, set()),
        ("com.shop.orders", "OrderPlaced", {"orderId": "o-3"}, set()),
        ("com.shop.orders", "OrderCancelled", {"orderId": "o-4", "status": "confirmed"},
         {"email"}),
        ("com.shop.other", "OrderPlaced", {"status": "confirmed"}, set()),
        ("com.shop.orders", "OrderShipped", {"status": "confirmed"}, set()),
    ],
    "marketplace": [
        ("com.market.orders", "OrderPlaced", {"total": 60, "delivery": "standard"},
         {"shipping", "email", "sms", "push", "webhooks", "crm", "loyalty", "audit"}),
        ("com.market.orders", "OrderPlaced", {"total": 10, "delivery": "standard"},
         {"email", "sms", "push", "webhooks", "crm", "loyalty", "audit"}),
        ("com.market.orders", "OrderPlaced", {"total": 10, "delivery": "express"},
         {"shipping", "email", "sms", "push", "webhooks", "crm", "loyalty", "audit"}),
        ("com.market.payments", "PaymentCaptured", {"amount": 5}, {"ledger", "audit"}),
        ("com.market.payments", "PaymentFailed", {"amount": 0},
         {"email", "sms", "push", "webhooks", "crm", "loyalty", "audit"}),
        ("com.market.payments", "PaymentFailed", {"amount": 5},
         {"fraud", "email", "sms", "push", "webhooks", "crm", "loyalty", "audit"}),
        ("com.market.catalog", "Product Updated", {"sku": "a-1"}, {"audit"}),
        ("org.other", "OrderPlaced", {"total": 99, "delivery": "express"}, set()),
        ("com.market.orders", "PaymentFailed", {"amount": 5}, {"audit"}),
    ],
}

ENVELOPE_KEYS = {"version", "id", "detail-type", "source", "account", "time", "region",
                 "resources", "detail"}
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def hand_written(example: str, topo: ir.Topology) -> list[Sample]:
    samples = []
    for source, detail_type, detail, consumers in HAND_WRITTEN.get(example, []):
        unknown = consumers - set(topo.consumers)
        assert not unknown, f"hand-written expectation names unknown consumers {unknown}"
        samples.append(Sample(source, detail_type, detail, why="hand-written",
                              expected=frozenset(consumers)))
    return samples


def put_all(deployment: Deployment, samples: list[Sample]) -> dict[str, Sample]:
    """PutEvents in batches of 10; event id -> sample."""
    events = deployment.client("events")
    bus = deployment.topology.bus.name
    sent: dict[str, Sample] = {}
    for start in range(0, len(samples), 10):
        batch = samples[start:start + 10]
        response = events.put_events(Entries=[s.entry(bus) for s in batch])
        assert response["FailedEntryCount"] == 0, response["Entries"]
        for sample, entry in zip(batch, response["Entries"], strict=True):
            sent[entry["EventId"]] = sample
    STATS.add(events=len(sent))
    return sent


def read_everything(deployment: Deployment) -> list[Any]:
    return drain(deployment.ep, all_queue_urls(deployment.ep))


# -- 2. apply -------------------------------------------------------------------------------

@pytest.mark.parametrize("example", EXAMPLES)
def test_applies_and_a_plan_after_it_is_empty(deployment: Deployment) -> None:
    topo = deployment.topology
    assert deployment.outputs["bus_name"] == topo.bus.name
    assert deployment.outputs["bus_arn"].endswith(f":event-bus/{topo.bus.name}")
    queues = deployment.outputs["consumer_queues"]
    assert set(queues) == set(topo.consumers)
    for name, consumer in topo.consumers.items():
        assert queues[name]["queue_url"].endswith(f"/{consumer.queues.main}")
        assert queues[name]["dlq_url"].endswith(f"/{consumer.queues.dlq}")
        assert queues[name]["queue_arn"] == deployment.queue_arn(consumer.queues.main)
        assert queues[name]["dlq_arn"] == deployment.queue_arn(consumer.queues.dlq)
    # the environment each consumer's code reads: the TTL of `idempotency: {ttl: ...}` too
    environment = deployment.outputs["consumer_environment"]
    assert set(environment) == set(topo.consumers)
    for name, consumer in topo.consumers.items():
        env = environment[name]
        assert env["EDAC_QUEUE_URL"] == queues[name]["queue_url"]
        assert env["EDAC_DLQ_URL"] == queues[name]["dlq_url"]
        if consumer.idempotency_ttl is None:
            assert "EDAC_IDEMPOTENCY_TABLE" not in env
        else:
            assert env["EDAC_IDEMPOTENCY_TABLE"] == topo.idempotency_table
            assert env["EDAC_IDEMPOTENCY_TTL_SECONDS"] == str(consumer.idempotency_ttl)
    if topo.prefix == "shop-prod":
        assert environment["email"]["EDAC_IDEMPOTENCY_TTL_SECONDS"] == "86400"  # ttl: 24h
    # what the accounts of other-account roles must attach to them
    grants = deployment.outputs["cross_account_role_policies"]
    assert set(grants) == {n for n, c in topo.consumers.items() if other_account_role(c)}
    for name, policy in grants.items():
        (statement,) = json.loads(policy)["Statement"]
        assert statement["Resource"] == deployment.queue_arn(topo.consumers[name].queues.main)
        assert sorted(statement["Action"]) == CONSUME_ACTIONS
    assert deployment.plan_exit_code == 0, (
        f"a plan right after apply is not empty (exit {deployment.plan_exit_code}):\n"
        f"{deployment.plan_output[-6000:]}")


@pytest.mark.parametrize("example", EXAMPLES)
def test_alarms_reach_the_teams(deployment: Deployment) -> None:
    """Every team with alerts has its subscriptions on the endpoint; the outputs carry each
    team's topic and every target DLQ; each alarm notifies its team's topic and says what to
    run."""
    topo = deployment.topology
    sns = deployment.client("sns")
    topics = deployment.outputs["alert_topics"]
    made = set(topo.alerted_teams())
    assert made, "the example has teams whose topic edac makes"
    existing = {t.name: t.topic for t in topo.declared_teams.values() if t.topic}
    assert set(topics) == made | set(existing)
    for team, arn in existing.items():
        assert topics[team] == arn
    listed = {t["TopicArn"] for t in sns.list_topics()["Topics"]}
    for team in made:
        arn = topics[team]
        assert arn in listed and arn.endswith(f":{topo.team_topic(team)}")
        declared = topo.declared_teams.get(team)
        email, https = (declared.email, declared.https) if declared else ((), ())
        subs = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
        assert sorted((s["Protocol"], s["Endpoint"]) for s in subs) == sorted(
            [("email", e) for e in email] + [("https", u) for u in https])
        assert set(deployment.outputs["alert_subscriptions"][team]) == (
            {f"email:{e}" for e in email} | {f"https:{u}" for u in https})
    if deployment.name in ("orders", "marketplace"):  # they say where every alarm goes
        assert all(topo.declared_teams[t].has_alerts for t in made)
    where = " ".join(command_paths([str(deployment.example)]))
    if topo.environments:  # the commands name the environment they are about
        where = f"--environment {topo.environment} {where}"
    queues = deployment.outputs["consumer_queues"]
    alarms = {a["AlarmName"]: a for a in deployment.client("cloudwatch").describe_alarms()[
        "MetricAlarms"]}
    for name, c in topo.consumers.items():
        assert queues[name]["target_dlq_url"].endswith(f"/{c.queues.target_dlq}")
        assert queues[name]["target_dlq_arn"] == deployment.queue_arn(c.queues.target_dlq)
        topic = topo.alarm_topic(c) or topics[c.team]
        for alarm in (c.queues.dlq_alarm, c.queues.target_dlq_alarm, c.queues.oldest_message_alarm):
            assert alarms[alarm]["AlarmActions"] == [topic], alarm
            assert alarms[alarm]["AlarmDescription"].startswith(f"Consumer {name}: "), alarm
        assert f"edac redrive {name} --from dlq {where}" in alarms[
            c.queues.dlq_alarm]["AlarmDescription"]
        assert f"edac dlq show {name} {where}" in alarms[
            c.queues.target_dlq_alarm]["AlarmDescription"]


# -- 3 + 4. routing -------------------------------------------------------------------------

@pytest.mark.parametrize("example", EXAMPLES)
def test_events_reach_exactly_the_routed_queues(example: str, deployment: Deployment) -> None:
    topo = deployment.topology
    generated = all_samples(topo)
    manual = hand_written(example, topo)
    for sample in manual:  # the topology says what the test says
        engine = {t for _, rule in topo.rules() for t in rule.targets
                  if compile_pattern(rule.pattern).matches(sample.envelope())}
        assert engine == set(sample.expected), (sample, sorted(engine))
    samples = generated + manual
    # not vacuous: some events must arrive somewhere, some nowhere; every route is exercised
    # by an event that must reach all of its consumers
    assert any(s.expected for s in samples) and any(not s.expected for s in samples)
    for route in topo.routes.values():
        assert any(set(route.to) <= s.expected
                   and compile_pattern(route.pattern).matches(s.envelope())
                   for s in samples), f"no event exercises route {route.name}"
    fifo = {c.queues.main: c.queue.message_group for c in topo.consumers.values()
            if c.queue.fifo}
    consumer_by_queue = {c.queues.main: c.name for c in topo.consumers.values()}

    with deployment.lock:
        assert read_everything(deployment) == [], "queues not empty before the test"
        sent = put_all(deployment, samples)
        received = read_everything(deployment)

    problems: list[str] = []
    found: dict[str, Counter[str]] = {event_id: Counter() for event_id in sent}
    for message in received:
        body = message.event()
        event_id = body.get("id") if body else None
        if event_id not in sent:
            problems.append(f"unexpected message in {message.queue_name}: {message.body[:300]}")
            continue
        found[event_id][message.queue_name] += 1
        sample = sent[event_id]
        assert body is not None
        envelope = {
            "version": "0", "id": event_id, "detail-type": sample.detail_type,
            "source": sample.source, "account": ACCOUNT, "region": REGION,
            "resources": sample.resources, "detail": sample.detail,
        }
        if set(body) != ENVELOPE_KEYS or any(body.get(k) != v for k, v in envelope.items()) \
                or not TIME.match(str(body.get("time"))):
            problems.append(f"envelope not intact in {message.queue_name}: {body}")
        group = fifo.get(message.queue_name)
        if group is not None and message.message["Attributes"].get("MessageGroupId") != group:
            problems.append(f"{message.queue_name}: message group "
                            f"{message.message['Attributes'].get('MessageGroupId')!r}, "
                            f"expected {group!r}")
    checked = 0
    queue_names = [url.rsplit("/", 1)[-1] for url in all_queue_urls(deployment.ep)]
    for event_id, sample in sent.items():
        want = {topo.consumers[c].queues.main: 1 for c in sample.expected}
        got = dict(found[event_id])
        checked += len(queue_names)
        if got != want:
            got_consumers = {consumer_by_queue.get(q, q): n for q, n in got.items()}
            problems.append(
                f"{sample.source} / {sample.detail_type} / {json.dumps(sample.detail)} "
                f"({sample.why}): expected once in {sorted(sample.expected)}, got "
                f"{got_consumers}")
    STATS.add(deliveries=checked)
    assert not problems, "\n".join(problems)


# -- 5. redrive to the DLQ ------------------------------------------------------------------

@pytest.mark.parametrize("example", EXAMPLES)
def test_message_moves_to_dlq_after_max_receives(deployment: Deployment) -> None:
    topo = deployment.topology
    samples = all_samples(topo)
    sqs = deployment.client("sqs")
    for consumer in topo.consumers.values():
        sample = next((s for s in samples if consumer.name in s.expected), None)
        assert sample is not None, f"no event reaches {consumer.name}"
        queue_url = deployment.queue_url(consumer.queues.main)
        dlq_url = deployment.queue_url(consumer.queues.dlq)
        max_receives = consumer.queue.max_receive_count
        with deployment.lock:
            (event_id,) = put_all(deployment, [sample])
            for attempt in range(1, max_receives + 1):
                messages = sqs.receive_message(
                    QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                    VisibilityTimeout=0, AttributeNames=["ApproximateReceiveCount"],
                ).get("Messages", [])
                ours = [m for m in messages if json.loads(m["Body"])["id"] == event_id]
                assert len(ours) == 1, (consumer.name, attempt, messages)
                assert ours[0]["Attributes"]["ApproximateReceiveCount"] == str(attempt)
                body = ours[0]["Body"]
            again = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                        WaitTimeSeconds=0, VisibilityTimeout=0)
            assert again.get("Messages", []) == [], (
                f"{consumer.queues.main}: still delivered after {max_receives} receives")
            dead = drain(deployment.ep, [dlq_url])
            assert [m.body for m in dead] == [body], (consumer.name, dead)
            read_everything(deployment)  # the copies other consumers got


# -- 6. idempotency table -------------------------------------------------------------------

@pytest.mark.parametrize("example", EXAMPLES)
def test_idempotency_table(deployment: Deployment) -> None:
    topo = deployment.topology
    # an output whose value is null is not in `terraform output -json` at all
    table = deployment.outputs.get("idempotency_table")
    assert table == topo.idempotency_table
    dynamodb = deployment.client("dynamodb")
    if table is None:
        assert dynamodb.list_tables()["TableNames"] == []
        return
    described = dynamodb.describe_table(TableName=table)["Table"]
    assert described["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert described["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiration"}
    backups = dynamodb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


# -- the wiring as applied (moto stores it, does not enforce it) ------------------------------

@pytest.mark.parametrize("example", EXAMPLES)
def test_wiring_as_applied(deployment: Deployment) -> None:
    topo = deployment.topology
    events = deployment.client("events")
    sqs = deployment.client("sqs")
    bus = topo.bus.name
    # rules EventBridge manages itself (an archive's rule) are not ours
    rules = {r["Name"]: r for r in events.list_rules(EventBusName=bus)["Rules"]
             if not r.get("ManagedBy")}
    assert set(rules) == {rule.name for _, rule in topo.rules()}
    for route, rule in topo.rules():
        assert json.loads(rules[rule.name]["EventPattern"]) == rule.pattern, rule.name
        assert rules[rule.name]["State"] == "ENABLED"
        targets = events.list_targets_by_rule(Rule=rule.name, EventBusName=bus)["Targets"]
        by_arn = {t["Arn"]: t for t in targets}
        assert set(by_arn) == {deployment.queue_arn(topo.consumers[c].queues.main)
                               for c in rule.targets}, rule.name
        for name in rule.targets:
            consumer = topo.consumers[name]
            target = by_arn[deployment.queue_arn(consumer.queues.main)]
            assert target["DeadLetterConfig"] == {
                "Arn": deployment.queue_arn(consumer.queues.target_dlq)}, (rule.name, name)
            assert target["RetryPolicy"] == {
                "MaximumRetryAttempts": route.retry.attempts,
                "MaximumEventAgeInSeconds": route.retry.max_age}, (rule.name, name)
            if consumer.queue.fifo:
                assert target["SqsParameters"] == {
                    "MessageGroupId": consumer.queue.message_group}, (rule.name, name)
    by_consumer = topo.rules_by_consumer()
    for name, consumer in topo.consumers.items():
        rule_arns = sorted(deployment.rule_arn(rule.name) for rule in by_consumer[name])
        main = sqs.get_queue_attributes(QueueUrl=deployment.queue_url(consumer.queues.main),
                                        AttributeNames=["All"])["Attributes"]
        assert json.loads(main["RedrivePolicy"]) == {
            "deadLetterTargetArn": deployment.queue_arn(consumer.queues.dlq),
            "maxReceiveCount": consumer.queue.max_receive_count}
        assert int(main["VisibilityTimeout"]) == consumer.queue.visibility_timeout
        assert main.get("FifoQueue", "false") == str(consumer.queue.fifo).lower()
        dlq = sqs.get_queue_attributes(QueueUrl=deployment.queue_url(consumer.queues.dlq),
                                       AttributeNames=["All"])["Attributes"]
        assert json.loads(dlq["RedriveAllowPolicy"]) == {
            "redrivePermission": "byQueue",
            "sourceQueueArns": [deployment.queue_arn(consumer.queues.main)]}
        for queue in (consumer.queues.main, consumer.queues.dlq, consumer.queues.target_dlq):
            check_encryption(deployment, consumer, queue, rule_arns)
        for queue in (consumer.queues.main, consumer.queues.target_dlq):
            attributes = sqs.get_queue_attributes(QueueUrl=deployment.queue_url(queue),
                                                  AttributeNames=["Policy"])["Attributes"]
            statements = json.loads(attributes["Policy"])["Statement"]
            allows = [s for s in statements if s["Effect"] == "Allow"]
            other = other_account_role(consumer)
            if other is not None and queue == consumer.queues.main:
                # a role of another account: let in by the queue policy, to consume only
                (role,) = [s for s in allows if s["Sid"] == "ConsumeFromRoleAccount"]
                assert role["Principal"] == {"AWS": other}
                assert sorted(role["Action"]) == CONSUME_ACTIONS
                assert role["Resource"] == deployment.queue_arn(queue)
                allows.remove(role)
            assert len(allows) == 1, (queue, statements)
            assert allows[0]["Principal"] == {"Service": "events.amazonaws.com"}
            assert allows[0]["Action"] == "sqs:SendMessage"
            assert allows[0]["Resource"] == deployment.queue_arn(queue)
            arns = allows[0]["Condition"]["ArnEquals"]["aws:SourceArn"]
            assert sorted([arns] if isinstance(arns, str) else arns) == rule_arns, queue
            assert any(s["Effect"] == "Deny" and s["Condition"] == {
                "Bool": {"aws:SecureTransport": "false"}} for s in statements), queue
    mappings = deployment.client("lambda").list_event_source_mappings()["EventSourceMappings"]
    by_source = {m["EventSourceArn"]: m for m in mappings}
    lambdas = [c for c in topo.consumers.values() if c.lambda_ is not None]
    assert len(mappings) == len(lambdas)
    for consumer in lambdas:
        assert consumer.lambda_ is not None
        mapping = by_source[deployment.queue_arn(consumer.queues.main)]
        assert mapping["FunctionArn"].endswith(f":function:{consumer.lambda_.function}")
        assert mapping["BatchSize"] == consumer.lambda_.batch_size
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


CONSUME_ACTIONS = ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage",
                   "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage"]


def other_account_role(consumer: ir.Consumer) -> str | None:
    """The consumer's role ARN when it is in another account than the deploying one."""
    role = consumer.role
    if role and role.startswith("arn:") and role.split(":")[4] != ACCOUNT_ID:
        return role
    return None


def check_encryption(deployment: Deployment, consumer: ir.Consumer, queue: str,
                     rule_arns: list[str]) -> None:
    """SSE-SQS by default; with `kms_key: create`, a customer key EventBridge may use for
    the consumer's rules; else the user's key."""
    attributes = deployment.client("sqs").get_queue_attributes(
        QueueUrl=deployment.queue_url(queue), AttributeNames=["All"])["Attributes"]
    key = consumer.queue.kms_key
    if key is None:
        assert attributes.get("SqsManagedSseEnabled") == "true", (queue, attributes)
        assert not attributes.get("KmsMasterKeyId"), (queue, attributes)
        return
    if key != "create":
        assert attributes["KmsMasterKeyId"] == key, queue
        return
    kms = deployment.client("kms")
    metadata = kms.describe_key(KeyId=attributes["KmsMasterKeyId"])["KeyMetadata"]
    assert metadata["KeyManager"] == "CUSTOMER" and metadata["Enabled"], metadata
    policy = json.loads(kms.get_key_policy(KeyId=metadata["KeyId"],
                                           PolicyName="default")["Policy"])
    (events,) = [s for s in policy["Statement"]
                 if s.get("Principal") == {"Service": "events.amazonaws.com"}]
    assert sorted(events["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"], events
    arns = events["Condition"]["ArnEquals"]["aws:SourceArn"]
    assert sorted([arns] if isinstance(arns, str) else arns) == rule_arns, events


# -- least privilege, every policy as applied ------------------------------------------------

def applied_policies(deployment: Deployment) -> list[tuple[str, str, dict[str, Any]]]:
    """(resource type, address, policy document) for every policy terraform applied, read
    from the state (the documents as sent, after every variable and reference resolved)."""
    state = json.loads((deployment.out / "terraform.tfstate").read_text())
    found = []
    for resource in state["resources"]:
        if resource["mode"] != "managed":
            continue
        for instance in resource["instances"]:
            text = instance["attributes"].get("policy")
            # (queues and topics repeat their policy resources' documents)
            if text and resource["type"] not in ("aws_sqs_queue", "aws_sns_topic"):
                address = f"{resource.get('module', '')}.{resource['type']}.{resource['name']}"
                found.append((resource["type"], address, json.loads(text)))
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_measured_policies_are_those_applied(deployment: Deployment) -> None:
    """edac.core.policies renders each policy as terraform sends it (what the quota checks
    measure): the documents in the state, and their size. (The state keeps a document as
    the service returns it, keys in its own order: IAM puts `Version` first.)"""
    from edac.core import policies

    topo = deployment.topology
    where = policies.Where(region=REGION, account=ACCOUNT_ID)
    state = json.loads((deployment.out / "terraform.tfstate").read_text())
    applied: dict[tuple[str, str, str], str] = {}
    for resource in state["resources"]:
        for instance in resource["instances"] if resource["mode"] == "managed" else []:
            text = instance["attributes"].get("policy")
            if text:
                key = (resource.get("module", ""), resource["type"], resource["name"])
                applied[key] = text
    expected: dict[tuple[str, str, str], str] = {}
    for c in topo.consumers.values():
        module = f'module.consumer["{c.name}"]'
        expected[(module, "aws_sqs_queue_policy", "this")] = policies.encode(
            policies.queue_policy(topo, c, where))
        expected[(module, "aws_sqs_queue_policy", "target_dlq")] = policies.encode(
            policies.target_dlq_policy(topo, c, where))
        if (module, "aws_iam_role_policy", "consume") in applied:
            expected[(module, "aws_iam_role_policy", "consume")] = policies.encode(
                policies.consume_policy(topo, c, where))
        if c.queue.kms_key == "create":  # the key's id is known once it is made
            key = (f'module.queue_key["{c.name}"]', "aws_kms_key", "this")
            expected[key] = policies.encode(policies.key_policy(topo, c, where))
    bus = policies.bus_policy(topo, where)
    if bus is not None:
        expected[("module.bus", "aws_cloudwatch_event_bus_policy", "this")] = \
            policies.encode(bus)
    assert expected
    for key, text in sorted(expected.items()):
        assert key in applied, key
        got = applied[key]
        if policies.KEY_ID in text:  # a key made by the topology: its id is AWS's
            got = re.sub(r"key/[0-9a-f-]{36}", "key/" + policies.KEY_ID, got)
        assert json.loads(got) == json.loads(text), key
        assert len("".join(got.split())) == len("".join(text.split())), key


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_applied_policy_is_least_privilege(deployment: Deployment) -> None:
    """Over every policy document in the state: no Allow on `*` (resource or principal)
    without a condition scoping it; every queue denies non-TLS access; producers may only
    PutEvents with their own source; consumers may only touch their own queue, the
    idempotency table and their queue's key; queues admit only their rules."""
    topo = deployment.topology
    policies = applied_policies(deployment)
    by_type: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for kind, address, document in policies:
        by_type.setdefault(kind, []).append((address, document))
        for statement in document["Statement"]:
            if statement["Effect"] != "Allow":
                continue
            principal = statement.get("Principal")
            wildcard_principal = principal == "*" or "*" in as_list(
                (principal or {}).get("AWS", []) if isinstance(principal, dict) else [])
            # in a key policy, Resource "*" is the key itself (AWS's key policy semantics)
            wildcard_resource = kind != "aws_kms_key" and any(
                "*" in r for r in as_list(statement.get("Resource", "*")))
            if wildcard_principal or wildcard_resource:
                assert statement.get("Condition"), (address, statement)
            if kind == "aws_kms_key" and "Condition" not in statement:
                # the one unconditioned key statement: the account's own administration
                assert principal == {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, statement

    # every queue: a policy, which denies anything over plain HTTP
    queues = {q for c in topo.consumers.values()
              for q in (c.queues.main, c.queues.dlq, c.queues.target_dlq)}
    denied: set[str] = set()
    for address, document in by_type.get("aws_sqs_queue_policy", []):
        for statement in document["Statement"]:
            resource = statement["Resource"]
            if statement["Effect"] == "Deny":
                assert statement == {"Sid": "DenyInsecureTransport", "Effect": "Deny",
                                     "Principal": "*", "Action": "sqs:*", "Resource": resource,
                                     "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                denied.add(resource.rsplit(":", 1)[-1])
            elif statement["Sid"] == "ConsumeFromRoleAccount":  # checked below
                continue
            else:  # only EventBridge, only for the rules that target the queue
                assert statement["Principal"] == {"Service": "events.amazonaws.com"}, address
                assert statement["Action"] == "sqs:SendMessage", address
                assert as_list(statement["Condition"]["ArnEquals"]["aws:SourceArn"]), address
    assert denied == queues

    # producers: a statement each for their principals, and one for their organization:
    # PutEvents on this bus, only with their own source (an organization: only its principals)
    expected = {p.source: sorted(set(p.principals)) for p in topo.producers.values()
                if p.principals}
    expected_orgs = {p.source: p.organization for p in topo.producers.values()
                     if p.organization}
    statements = [s for _, d in by_type.get("aws_cloudwatch_event_bus_policy", [])
                  for s in d["Statement"]]
    seen: dict[str, list[str]] = {}
    seen_orgs: dict[str, str] = {}
    for statement in statements:
        assert statement["Effect"] == "Allow" and statement["Action"] == "events:PutEvents"
        assert statement["Resource"] == \
            f"arn:aws:events:{REGION}:{ACCOUNT_ID}:event-bus/{topo.bus.name}"
        assert list(statement["Condition"]) == ["StringEquals"], statement
        condition = statement["Condition"]["StringEquals"]
        (source,) = as_list(condition["events:source"])
        if statement["Principal"] == "*":
            assert set(condition) == {"aws:PrincipalOrgID", "events:source"}, statement
            seen_orgs[source] = condition["aws:PrincipalOrgID"]
        else:
            assert set(condition) == {"events:source"}, statement
            seen[source] = sorted(as_list(statement["Principal"]["AWS"]))
    assert seen == expected and seen_orgs == expected_orgs

    # consumers: their own queue, the idempotency table, their queue's key; nothing else
    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/"
    role_policies = {d_address: d for d_address, d in by_type.get("aws_iam_role_policy", [])}
    queue_policies = dict(by_type.get("aws_sqs_queue_policy", []))
    consumers_with_roles = []
    for consumer in topo.consumers.values():
        other = other_account_role(consumer)
        if other is None:
            consumers_with_roles.append(consumer)
            continue
        # a role of another account: no inline policy here (it would land on a same-named
        # role of this account); the main queue's policy lets exactly that role consume
        assert not any(a.startswith(f'module.consumer["{consumer.name}"].')
                       for a in role_policies), consumer.name
        document = queue_policies[f'module.consumer["{consumer.name}"].'
                                  'aws_sqs_queue_policy.this']
        (grant,) = [s for s in document["Statement"] if s["Sid"] == "ConsumeFromRoleAccount"]
        assert grant == {"Sid": "ConsumeFromRoleAccount", "Effect": "Allow",
                         "Principal": {"AWS": other}, "Action": CONSUME_ACTIONS,
                         "Resource": deployment.queue_arn(consumer.queues.main)}
    assert any(other_account_role(c) for c in topo.consumers.values()) == \
        (deployment.name == "marketplace")  # the example that has one
    assert len(role_policies) == len(consumers_with_roles)
    for consumer in consumers_with_roles:
        (document,) = [d for a, d in role_policies.items()
                       if a.startswith(f'module.consumer["{consumer.name}"].')]
        for statement in document["Statement"]:
            assert statement["Effect"] == "Allow" and "Condition" not in statement
            (resource,) = as_list(statement["Resource"])
            actions = as_list(statement["Action"])
            if resource == deployment.queue_arn(consumer.queues.main):
                assert sorted(actions) == CONSUME_ACTIONS
            elif resource.startswith(table):
                assert consumer.idempotency_ttl is not None, consumer.name
                assert sorted(actions) == ["dynamodb:DeleteItem", "dynamodb:GetItem",
                                           "dynamodb:PutItem", "dynamodb:UpdateItem"]
            else:  # only with a customer key on the queue
                assert consumer.queue.kms_key is not None, consumer.name
                assert actions == ["kms:Decrypt"] and ":key/" in resource, statement


# -- edac sandbox, as a user runs it ----------------------------------------------------------

def test_sandbox_cli(e2e_registry: Any) -> None:
    """`edac sandbox up examples/orders` (run in the background with the examples' applies),
    `send` (JSON and human output), `status`, `down`."""
    from e2e.conftest import SANDBOX_EXAMPLE

    run = e2e_registry.start_sandbox(SANDBOX_EXAMPLE)
    up = run.up_result()
    assert up.returncode == 0, up.stdout + up.stderr
    assert "local AWS endpoint: http://127.0.0.1:" in up.stderr
    assert "Lambda event source mapping(s) disabled" in up.stderr
    state = json.loads((run.dir / "sandbox.json").read_text())
    assert state["applied"] is True and state["bus"] == "shop-prod-events"
    assert (run.dir / "build" / "edac_sandbox_override.tf").exists()

    events = {
        "placed.json": {"source": "com.shop.orders", "detail-type": "OrderPlaced",
                        "detail": {"orderId": "o-1", "status": "confirmed"}},
        "pending.json": {"Source": "com.shop.orders", "DetailType": "OrderPlaced",
                         "Detail": json.dumps({"status": "pending"})},
        "cancelled.json": {"source": "com.shop.orders", "detail-type": "OrderCancelled",
                           "detail": {"orderId": "o-1"}},
    }
    for name, event in events.items():
        (run.root / name).write_text(json.dumps(event))
    expected = {"placed.json": (["confirmed-orders"], ["analytics", "email", "fulfillment"]),
                "pending.json": ([], []),
                "cancelled.json": (["cancellations"], ["email"])}
    for name, (routes, consumers) in expected.items():
        sent = run.run("send", "--format", "json", name)
        assert sent.returncode == 0, sent.stdout + sent.stderr
        report = json.loads(sent.stdout)
        assert [r["route"] for r in report["matched_routes"]] == routes, report
        assert report["received_by"] == consumers, report
        assert report["expected_consumers"] == consumers and report["agrees"] is True
    STATS.add(events=len(expected), deliveries=9 * len(expected))

    human = run.run("send", "placed.json")
    assert human.returncode == 0, human.stdout + human.stderr
    assert "confirmed-orders -> fulfillment, analytics, email" in human.stdout
    assert "  email: shop-prod-email" in human.stdout
    assert "cancellations: detail-type" in human.stdout  # why the other route missed

    kept = run.run("send", "--keep", "cancelled.json")
    assert kept.returncode == 0, kept.stdout + kept.stderr
    status = run.run("status")
    assert status.returncode == 0, status.stdout + status.stderr
    assert re.search(r"^shop-prod-email +1 +0$", status.stdout, re.M), status.stdout
    assert re.search(r"^shop-prod-fulfillment-dlq +0 +0$", status.stdout, re.M), status.stdout
    # the operations commands find the sandbox the same way
    ops = run.edac("status", str(run.topology), "--format", "json")
    assert ops.returncode == 0, ops.stdout + ops.stderr
    queues = {c["consumer"]: c["queues"] for c in json.loads(ops.stdout)["consumers"]}
    assert queues["email"]["queue"] == {"name": "shop-prod-email", "visible": 1,
                                        "in_flight": 0, "delayed": 0}, queues
    assert all(q["visible"] == 0 for name, qs in queues.items() for kind, q in qs.items()
               if (name, kind) != ("email", "queue")), queues

    # an update that removes a consumer is refused as `edac compile` refuses it, and then
    # applied with --forget: the queue stays on the emulator with its message
    edited = run.root / "edited"
    shutil.copytree(Path(__file__).resolve().parents[2] / "examples" / SANDBOX_EXAMPLE, edited)
    text = (edited / "topology.yaml").read_text()
    start, end = text.index("  analytics:\n"), text.index("  email:\n")
    text = text[:start] + text[end:]
    text = text.replace("to: [fulfillment, analytics, email]", "to: [fulfillment, email]")
    (edited / "topology.yaml").write_text(text)
    manifest = (run.dir / "build" / ".edac-manifest.json").read_bytes()
    refused = run.run("up", str(edited))
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "error[E801]: consumer `analytics` is no longer in the topology" in refused.stderr
    assert "--forget analytics" in refused.stderr
    assert (run.dir / "build" / ".edac-manifest.json").read_bytes() == manifest
    (run.root / "analytics.json").write_text(json.dumps(events["placed.json"]))
    assert run.run("send", "--keep", "analytics.json").returncode == 0
    forgot = run.run("up", "--forget", "analytics", str(edited))
    assert forgot.returncode == 0, forgot.stdout + forgot.stderr
    after = run.run("status")
    assert re.search(r"^shop-prod-analytics +1 +0$", after.stdout, re.M), after.stdout

    pid = state["pid"]
    down = run.run("down")
    assert down.returncode == 0, down.stdout + down.stderr
    assert "destroyed" in down.stderr and f"emulator stopped (pid {pid})" in down.stderr
    assert not run.dir.exists()
    gone = run.run("status")
    assert "no sandbox" in gone.stdout


# -- 6b. the consumer kit on the applied orders example -------------------------------------

KIT_APP = '''
import pathlib
import sys
import time

from shop_events.consumers.analytics import app
from shop_events.models import OrderPlaced

out = pathlib.Path(sys.argv[1])


@app.on(OrderPlaced)
def placed(event: OrderPlaced) -> None:
    (out / f"{event.id}.started").write_text("")
    if event.detail.order_id == "slow":
        time.sleep(4)
    (out / event.id).write_text(event.detail.order_id)


app.poll(wait_seconds=1, visibility_seconds=2)
'''


class LambdaContext:
    """What the Lambda runtime passes a handler as its context (Powertools reads these)."""

    function_name = "send-order-email"
    function_version = "$LATEST"
    invoked_function_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:send-order-email"
    memory_limit_in_mb = 128
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/send-order-email"
    log_stream_name = "stream"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event a Lambda event source mapping gives the function for these messages."""
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m.get("Attributes", {}), "messageAttributes": {},
        "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs", "eventSourceARN": queue_arn,
        "awsRegion": "us-east-1"} for m in messages]}


@pytest.fixture
def shop_kit(deployment: Deployment, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Any:
    """The orders example's generated kit, imported, talking to the deployment's endpoint."""
    import importlib
    import sys

    from edac.api import generate

    assert generate([str(Path(__file__).resolve().parents[2] / "examples" / "orders")],
                    tmp_path / "src").ok
    for name, value in {"AWS_ENDPOINT_URL": deployment.ep.url, "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                        "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
                        **deployment.outputs["consumer_environment"]["email"]}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    yield importlib
    for name in [m for m in sys.modules if m == "shop_events" or m.startswith("shop_events.")]:
        del sys.modules[name]


@pytest.mark.parametrize("example", ["orders"])
def test_kit_lambda_handler(deployment: Deployment, shop_kit: Any) -> None:
    """Events put by the generated producer, read from the email queue and handed to the
    generated Lambda handler as Lambda would: a duplicate runs the business function once,
    a failing record is the only one reported and reaches the DLQ, the record keeps the
    topology's TTL."""
    import time

    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    producers = shop_kit.import_module("shop_events.producers")
    models = shop_kit.import_module("shop_events.models")
    email = shop_kit.import_module("shop_events.consumers.email")
    topo = deployment.topology
    consumer = topo.consumers["email"]
    sqs = deployment.client("sqs")
    url, dlq = deployment.queue_url(consumer.queues.main), deployment.queue_url(
        consumer.queues.dlq)
    drain(deployment.ep, [url, dlq])
    calls: Counter[str] = Counter()

    @email.app.on(models.OrderCancelled)
    def cancelled(event: Any) -> None:
        calls[event.id] += 1
        if event.detail.order_id == "poison":
            raise ValueError("cannot handle this one")

    orders = producers.OrdersProducer()
    good = orders.order_cancelled({"orderId": "o-1", "reason": "customer"})
    poison = orders.order_cancelled({"orderId": "poison", "reason": "customer"})
    STATS.add(events=2)
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0,
                                   AttributeNames=["All"])["Messages"]
    by_event = {json.loads(m["Body"])["id"]: m for m in received}
    assert set(by_event) == {good, poison}
    # EventBridge delivering the same event again: a new SQS message, the same event id
    sqs.send_message(QueueUrl=url, MessageBody=by_event[good]["Body"])
    batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0,
                                AttributeNames=["All"])["Messages"]
    assert sorted(json.loads(m["Body"])["id"] for m in batch) == sorted([good, good, poison])
    started = time.time()
    response = email.app.handler(
        sqs_event(batch, deployment.queue_arn(consumer.queues.main)), LambdaContext())
    poison_ids = [m["MessageId"] for m in batch if json.loads(m["Body"])["id"] == poison]
    assert response == {"batchItemFailures": [{"itemIdentifier": i} for i in poison_ids]}
    assert calls[good] == 1  # twice delivered, handled once
    # the mapping deletes what succeeded; the poison message is received again until the DLQ
    for m in batch:
        if m["MessageId"] not in poison_ids:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    for _ in range(consumer.queue.max_receive_count + 1):
        again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0,
                                    AttributeNames=["All"]).get("Messages", [])
        if again:
            # every record of the batch failed: Powertools fails the invocation, and Lambda
            # returns the whole batch to the queue (its default, raise_on_entire_batch_failure)
            with pytest.raises(BatchProcessingError):
                email.app.handler(sqs_event(again, deployment.queue_arn(consumer.queues.main)),
                                  LambdaContext())
    parked = drain(deployment.ep, [dlq])
    assert [json.loads(m.body)["id"] for m in parked] == [poison]
    assert drain(deployment.ep, [url]) == []
    # the idempotency record of the handled event keeps the topology's TTL (24 h)
    items = deployment.client("dynamodb").scan(TableName=topo.idempotency_table)["Items"]
    done = [i for i in items if i.get("status", {}).get("S") == "COMPLETED"]
    assert len(done) == 1, items
    expires = int(done[0]["expiration"]["N"])
    assert abs(expires - (started + consumer.idempotency_ttl)) < 120, (expires, started)


@pytest.mark.parametrize("example", ["orders"])
def test_kit_container_poller(deployment: Deployment, shop_kit: Any, tmp_path: Path) -> None:
    """The generated poller as a real process: handles what arrives, and stopped by SIGTERM
    while working on a message it finishes that message (deleted, not lost) and exits."""
    import os
    import signal
    import subprocess
    import sys
    import time

    producers = shop_kit.import_module("shop_events.producers")
    topo = deployment.topology
    analytics = topo.consumers["analytics"]
    url = deployment.queue_url(analytics.queues.main)
    others = [deployment.queue_url(topo.consumers[c].queues.main)
              for c in ("fulfillment", "email")]
    drain(deployment.ep, [url, *others])
    done = tmp_path / "done"
    done.mkdir()
    (tmp_path / "consumer_app.py").write_text(KIT_APP)
    env = {**os.environ, "EDAC_QUEUE_URL": url,
           "PYTHONPATH": os.pathsep.join([str(tmp_path / "src"), os.environ.get(
               "PYTHONPATH", "")])}
    worker = subprocess.Popen([sys.executable, str(tmp_path / "consumer_app.py"), str(done)],
                              cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        orders = producers.OrdersProducer()
        detail = {"status": "confirmed", "total": 1, "currency": "EUR"}
        first = orders.order_placed({"orderId": "o-1", **detail})
        deadline = time.monotonic() + 60
        while not (done / first).exists():
            assert time.monotonic() < deadline and worker.poll() is None, worker.stdout
            time.sleep(0.1)
        slow = orders.order_placed({"orderId": "slow", **detail})
        STATS.add(events=2)
        while not (done / f"{slow}.started").exists():
            assert time.monotonic() < deadline and worker.poll() is None, worker.stdout
            time.sleep(0.05)
        worker.send_signal(signal.SIGTERM)  # while the slow one is being worked on (4 s)
        assert worker.wait(timeout=60) == 0, worker.stdout.read() if worker.stdout else ""
    finally:
        if worker.poll() is None:
            worker.kill()
    assert (done / slow).read_text() == "slow"  # finished, not lost
    attributes = deployment.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"  # deleted after it
    assert drain(deployment.ep, [deployment.queue_url(analytics.queues.dlq)]) == []
    drain(deployment.ep, others)


# -- 7. destroy -----------------------------------------------------------------------------

@pytest.mark.parametrize("example", EXAMPLES)
def test_destroy_leaves_nothing(deployment: Deployment, e2e_registry: Any) -> None:
    """Runs last for each example (its destroy started in the background as soon as the
    example's other tests were done)."""
    deployment.start_destroy(e2e_registry.pool)
    deployment.destroyed()
    ep = deployment
    assert ep.client("sqs").list_queues().get("QueueUrls", []) == []
    events = ep.client("events")
    assert [b["Name"] for b in events.list_event_buses()["EventBuses"]] == ["default"]
    assert events.list_rules()["Rules"] == []
    assert events.list_archives()["Archives"] == []
    assert ep.client("dynamodb").list_tables()["TableNames"] == []
    assert ep.client("sns").list_topics()["Topics"] == []
    assert ep.client("cloudwatch").describe_alarms()["MetricAlarms"] == []
    assert ep.client("lambda").list_event_source_mappings()["EventSourceMappings"] == []
    iam = ep.client("iam")
    for role in deployment.roles:  # the stand-ins stay; the policies edac attached go
        assert iam.list_role_policies(RoleName=role)["PolicyNames"] == [], role
    kms = ep.client("kms")
    # AWS-managed keys (alias/aws/...) are made by the services, not by the topology (moto
    # makes alias/aws/dynamodb for an encrypted table, and reports it as a customer key)
    aws_managed = {a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]
                   if a["AliasName"].startswith("alias/aws/")}
    for key in kms.list_keys()["Keys"]:
        metadata = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if metadata["KeyManager"] == "CUSTOMER" and key["KeyId"] not in aws_managed:
            assert metadata["KeyState"] == "PendingDeletion", metadata
