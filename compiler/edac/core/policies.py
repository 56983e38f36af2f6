"""The policy documents the compiled Terraform sends to AWS, rendered here as the modules'
`jsonencode` renders them (keys sorted, no whitespace, `<`, `>` and `&` escaped), so that the
checks can measure them against AWS's quotas before anything is applied.

They mirror modules/consumer (the queue policies and the consume policy), modules/queue_key
(the key policy) and modules/bus (the bus policy and the producers' policies); the e2e suite
compares them, string for string, with what terraform applied. Where the account or region is
not known at compile time (no environment declares it), they are measured with the longest
ones AWS has, so that a measure is never below what is applied.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from edac.core import ir, names

# an account id is 12 digits; the longest region codes have 14 characters (ap-southeast-5)
LONGEST_REGION = "xx-xxxxxxxxx-1"
SOME_ACCOUNT = "000000000000"
KEY_ID = "00000000-0000-0000-0000-000000000000"  # a KMS key id is a UUID
CONSUME_ACTIONS = ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage",
                   "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage"]
TABLE_ACTIONS = ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem",
                 "dynamodb:UpdateItem"]
KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/")
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")


def partition(region: str) -> str:
    """The partition of a region (https://docs.aws.amazon.com/whitepapers/latest/
    aws-fault-isolation-boundaries/partitions.html)."""
    return "aws-cn" if region.startswith("cn-") else \
        "aws-us-gov" if region.startswith("us-gov-") else "aws"


@dataclass(frozen=True)
class Where:
    """The partition, region and account the policies are rendered for."""

    region: str = LONGEST_REGION
    account: str = SOME_ACCOUNT
    partition: str = "aws"

    @classmethod
    def of(cls, topo: ir.Topology) -> Where:
        region = topo.region or LONGEST_REGION
        return cls(region=region, account=topo.account or SOME_ACCOUNT,
                   partition=partition(region))

    def arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"

    def of_element(self, topo: ir.Topology, element: ir.Producer | ir.Consumer) -> Where:
        """Where `element`'s own resources are: its account when it is not the bus's (self is
        the bus's)."""
        remote = topo.remote(element)
        return Where(self.region, remote, self.partition) if remote is not None else self


def delivery_role_arn(topo: ir.Topology, where: Where) -> str:
    """The execution role the bus's rules send to the queues of other accounts as."""
    return f"arn:{where.partition}:iam::{where.account}:role/{names.delivery_role(topo.prefix)}"


def encode(document: Any) -> str:
    """As terraform's jsonencode writes it."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _deny_insecure(resource: str) -> dict[str, Any]:
    return {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
            "Action": "sqs:*", "Resource": resource,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def rule_arns(topo: ir.Topology, c: ir.Consumer, where: Where) -> list[str]:
    rules = topo.targeting.get(c.name, ())
    return sorted({where.arn("events", f"rule/{topo.bus.name}/{r.name}") for r in rules})


def _admits_rules(resource: str, arns: list[str]) -> list[dict[str, Any]]:
    if not arns:
        return []
    return [{"Sid": "AllowEventBridgeRules", "Effect": "Allow",
             "Principal": {"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage",
             "Resource": resource, "Condition": {"ArnEquals": {"aws:SourceArn": arns}}}]


def other_account_role(c: ir.Consumer, where: Where) -> str | None:
    """The consuming role's ARN when it is in another account than `where`'s (the queue
    policy lets it in; its account attaches the consume policy)."""
    arn = names.role_arn(c.role) if c.role else None
    # an unknown account (SOME_ACCOUNT) is no role's: the larger policy is measured
    return arn if arn is not None and arn.split(":")[4] != where.account else None


def queue_policy(topo: ir.Topology, c: ir.Consumer, where: Where) -> dict[str, Any]:
    here = where.of_element(topo, c)
    queue = here.arn("sqs", c.queues.main)
    if here is where:
        statements = _admits_rules(queue, rule_arns(topo, c, where))
    else:  # the bus is in another account: its rules send as its delivery role
        statements = [{"Sid": "AllowTheBusAccountsEventBridgeRole", "Effect": "Allow",
                       "Principal": {"AWS": delivery_role_arn(topo, where)},
                       "Action": "sqs:SendMessage", "Resource": queue}]
    role = other_account_role(c, here)
    if role is not None:
        statements.append({"Sid": "ConsumeFromRoleAccount", "Effect": "Allow",
                           "Principal": {"AWS": role}, "Action": CONSUME_ACTIONS,
                           "Resource": queue})
    statements.append(_deny_insecure(queue))
    return {"Version": "2012-10-17", "Statement": statements}


def target_dlq_policy(topo: ir.Topology, c: ir.Consumer, where: Where) -> dict[str, Any]:
    queue = where.of_element(topo, c).arn("sqs", c.queues.target_dlq)
    return {"Version": "2012-10-17",
            "Statement": [*_admits_rules(queue, rule_arns(topo, c, where)),
                          _deny_insecure(queue)]}


def key_policy(topo: ir.Topology, c: ir.Consumer, where: Where) -> dict[str, Any]:
    """The policy of the key edac makes for a consumer's queues (`kms_key: create`)."""
    here = where.of_element(topo, c)
    statements: list[dict[str, Any]] = [
        {"Sid": "AccountAdministersTheKey", "Effect": "Allow",
         "Principal": {"AWS": f"arn:{here.partition}:iam::{here.account}:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "EventBridgeEncryptsForItsRules", "Effect": "Allow",
         "Principal": {"Service": "events.amazonaws.com"},
         "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": "*",
         "Condition": {"ArnEquals": {"aws:SourceArn": rule_arns(topo, c, where)}}},
    ]
    if here is not where:
        statements.append(
            {"Sid": "TheBusAccountsEventBridgeRoleEncrypts", "Effect": "Allow",
             "Principal": {"AWS": delivery_role_arn(topo, where)},
             "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": "*",
             "Condition": {"StringEquals": {
                 "kms:ViaService": f"sqs.{where.region}.amazonaws.com"}}})
    return {"Version": "2012-10-17", "Statement": statements}


def consume_policy(topo: ir.Topology, c: ir.Consumer, where: Where) -> dict[str, Any]:
    """The inline policy put on the consuming role."""
    where = where.of_element(topo, c)
    statements: list[dict[str, Any]] = [
        {"Sid": "ConsumeQueue", "Effect": "Allow", "Action": CONSUME_ACTIONS,
         "Resource": where.arn("sqs", c.queues.main)}]
    table = topo.idempotency_table
    if c.idempotency_ttl is not None and table is not None:  # the table of its account
        statements.append({"Sid": "IdempotencyTable", "Effect": "Allow",
                           "Action": TABLE_ACTIONS,
                           "Resource": where.arn("dynamodb", f"table/{table}")})
    key = c.queue.kms_key
    key_arn = (where.arn("kms", f"key/{KEY_ID}") if key == "create"
               else key if key is not None and KEY_ARN.match(key) else None)
    if key_arn is not None:
        statements.append({"Sid": "DecryptQueueMessages", "Effect": "Allow",
                           "Action": "kms:Decrypt", "Resource": key_arn})
    return {"Version": "2012-10-17", "Statement": statements}


def bus_policy(topo: ir.Topology, where: Where) -> dict[str, Any] | None:
    """The bus's resource policy (None: no producer names principals)."""
    bus = where.arn("events", f"event-bus/{topo.bus.name}")
    producers = sorted(topo.producers.values(), key=lambda p: p.name)
    statements = [
        {"Sid": "PutEvents" + _NOT_ALNUM.sub("", p.name)[:55], "Effect": "Allow",
         "Principal": {"AWS": sorted(set(p.principals))}, "Action": "events:PutEvents",
         "Resource": bus, "Condition": {"StringEquals": {"events:source": p.source}}}
        for p in producers if p.principals]
    # a whole organization: Principal "*" with its id as the condition (PutPermission:
    # https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutPermission.html)
    statements += [
        {"Sid": "OrgPutEvents" + _NOT_ALNUM.sub("", p.name)[:52], "Effect": "Allow",
         "Principal": "*", "Action": "events:PutEvents", "Resource": bus,
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": p.organization,
                                        "events:source": p.source}}}
        for p in producers if p.organization]
    return {"Version": "2012-10-17", "Statement": statements} if statements else None


def producer_policy(topo: ir.Topology, p: ir.Producer, where: Where) -> dict[str, Any]:
    """The inline policy put on each role of a producer."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "PutEventsOwnSource", "Effect": "Allow", "Action": "events:PutEvents",
         "Resource": where.arn("events", f"event-bus/{topo.bus.name}"),
         "Condition": {"StringEquals": {"events:source": p.source}}}]}


def remote_consumers(topo: ir.Topology) -> list[ir.Consumer]:
    """The consumers whose queues are in another account than the bus's."""
    return [c for c in topo.consumers.values() if topo.remote(c) is not None]


def delivery_trust_policy(topo: ir.Topology, where: Where) -> dict[str, Any]:
    """Who may assume the delivery role: EventBridge, for the rules of this bus only
    (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-cross-account.html:
    the execution role is in the bus's account)."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "EventBridgeRulesOfTheBus", "Effect": "Allow",
         "Principal": {"Service": "events.amazonaws.com"}, "Action": "sts:AssumeRole",
         "Condition": {"StringEquals": {"aws:SourceAccount": where.account},
                       "ArnLike": {"aws:SourceArn": where.arn(
                           "events", f"rule/{topo.bus.name}/*")}}}]}


def delivery_policy(topo: ir.Topology, where: Where) -> dict[str, Any]:
    """What the delivery role may do: send to the queues of other accounts, and encrypt
    for them with their keys (a key edac makes there: any key of that account, through SQS
    only; its key policy names this role)."""
    remote = remote_consumers(topo)
    queues = sorted({where.of_element(topo, c).arn("sqs", c.queues.main) for c in remote})
    statements: list[dict[str, Any]] = [
        {"Sid": "SendToQueuesOfOtherAccounts", "Effect": "Allow",
         "Action": "sqs:SendMessage", "Resource": queues}]
    given = sorted({c.queue.kms_key for c in remote
                    if c.queue.kms_key and KEY_ARN.match(c.queue.kms_key)})
    made = sorted({where.of_element(topo, c).arn("kms", "key/*") for c in remote
                   if c.queue.kms_key == "create"})
    if given:
        statements.append({"Sid": "EncryptWithTheirKeys", "Effect": "Allow",
                           "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                           "Resource": given})
    if made:
        statements.append({"Sid": "EncryptWithKeysEdacMakesThere", "Effect": "Allow",
                           "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": made,
                           "Condition": {"StringEquals": {
                               "kms:ViaService": f"sqs.{where.region}.amazonaws.com"}}})
    return {"Version": "2012-10-17", "Statement": statements}


def producer_roles(p: ir.Producer) -> list[str]:
    """The role ARNs among a producer's principals."""
    return sorted({a for a in p.principals if re.match(r"^arn:aws[a-z-]*:iam::\d{12}:role/", a)})


# -- bus to bus: routes that forward to the buses of other domains (`buses:`) ------------------
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html: "We
# recommend always using IAM roles when the target of a rule is an event bus"; the role is in
# the sending bus's account, and the receiving bus's resource policy must let it put events
# (https://docs.aws.amazon.com/eventbridge/latest/userguide/eventbridge-cross-account-event-delivery.html).


def forward_bus_arn(topo: ir.Topology, bus: ir.ForwardBus, where: Where) -> str:
    account = topo.account_id(bus.account) if bus.account is not None else where.account
    region = bus.region or where.region
    return (f"arn:{partition(region)}:events:{region}:{account or where.account}:"
            f"event-bus/{bus.bus_name}")


def forwarding_role_arn(topo: ir.Topology, where: Where) -> str:
    return (f"arn:{where.partition}:iam::{where.account}:role/"
            f"{names.forwarding_role(topo.prefix)}")


def forwarding_rule_arns(topo: ir.Topology, bus: ir.ForwardBus, where: Where) -> list[str]:
    """The rules that forward to `bus`."""
    return sorted({where.arn("events", f"rule/{topo.bus.name}/{rule.name}")
                   for _, rule in topo.rules() if bus.name in rule.forwards})


def forwarding_trust_policy(topo: ir.Topology, where: Where) -> dict[str, Any]:
    """Who may assume the forwarding role: EventBridge, for the rules of this bus only."""
    return delivery_trust_policy(topo, where)


def forwarding_policy(topo: ir.Topology, where: Where) -> dict[str, Any]:
    """What the forwarding role may do: put events on the buses routes forward to."""
    buses = sorted({forward_bus_arn(topo, b, where) for b in topo.forwarded})
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "PutEventsOnForwardedBuses", "Effect": "Allow", "Action": "events:PutEvents",
         "Resource": buses}]}


def forward_dlq_policy(topo: ir.Topology, bus: ir.ForwardBus, where: Where) -> dict[str, Any]:
    """The policy of the queue that holds what could not be forwarded to `bus`: EventBridge
    puts there for the rules that forward to it."""
    queue = where.arn("sqs", bus.dlq)
    return {"Version": "2012-10-17",
            "Statement": [*_admits_rules(queue, forwarding_rule_arns(topo, bus, where)),
                          _deny_insecure(queue)]}


def receiving_bus_statement(topo: ir.Topology, bus: ir.ForwardBus,
                            where: Where) -> dict[str, Any]:
    """The statement the receiving bus's policy needs: this bus's forwarding role may put
    events there (the other domain adds it to its bus's policy)."""
    return {"Sid": "PutEventsFrom" + _NOT_ALNUM.sub("", topo.bus.name)[:51], "Effect": "Allow",
            "Principal": {"AWS": forwarding_role_arn(topo, where)},
            "Action": "events:PutEvents", "Resource": forward_bus_arn(topo, bus, where)}
