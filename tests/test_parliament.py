"""parliament (the IAM policy linter, pinned in the test extra) over every policy edac emits,
as terraform sends it (edac.core.policies; compared with the applied state in tests/e2e): the
examples in each environment, a topology with customer keys, and roles of other accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT
from edac.api import load_topology
from edac.core import ir, policies
from tftools import require_tool

try:
    import parliament  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - the test extra installs it
    parliament = None


@pytest.fixture(autouse=True)
def _needs_parliament() -> None:
    require_tool(None if parliament is not None else
                 "parliament is not installed (pip install -e '.[test]')")

CASES = [
    ("orders", ROOT / "examples" / "orders", None),
    ("marketplace-staging", ROOT / "examples" / "marketplace", "staging"),
    ("marketplace-prod", ROOT / "examples" / "marketplace", "prod"),
    ("encrypted", ROOT / "tests" / "cases" / "compile" / "encrypted" / "input", None),
    ("accounts", ROOT / "tests" / "cases" / "compile" / "accounts" / "input", None),
    ("accounts-staging", ROOT / "tests" / "cases" / "compile" / "accounts" / "input",
     "staging"),
]


def documents(topo: ir.Topology) -> list[tuple[str, dict[str, Any]]]:
    where = policies.Where(region=topo.region or "us-east-1",
                           account=topo.account or "123456789012")
    found: list[tuple[str, dict[str, Any]]] = []
    for c in topo.consumers.values():
        found += [(f"queue policy of {c.name}", policies.queue_policy(topo, c, where)),
                  (f"target DLQ policy of {c.name}", policies.target_dlq_policy(topo, c, where)),
                  (f"consume policy of {c.name}", policies.consume_policy(topo, c, where))]
        if c.queue.kms_key == "create":
            found.append((f"key policy of {c.name}", policies.key_policy(topo, c, where)))
    bus = policies.bus_policy(topo, where)
    if bus is not None:
        found.append(("bus policy", bus))
    found += [(f"policy of producer {p.name}", policies.producer_policy(topo, p, where))
              for p in topo.producers.values()]
    if policies.remote_consumers(topo):  # the bus's role for the queues of other accounts
        found += [("trust policy of the delivery role",
                   policies.delivery_trust_policy(topo, where)),
                  ("policy of the delivery role", policies.delivery_policy(topo, where))]
    if topo.forwarded:  # bus to bus: the forwarding role, DLQs, receiving buses
        found += [("trust policy of the forwarding role",
                   policies.forwarding_trust_policy(topo, where)),
                  ("policy of the forwarding role", policies.forwarding_policy(topo, where))]
        for b in topo.forwarded:
            found += [(f"forward DLQ policy of {b.name}",
                       policies.forward_dlq_policy(topo, b, where)),
                      (f"receiving bus policy of {b.name}",
                       {"Version": "2012-10-17",
                        "Statement": [policies.receiving_bus_statement(topo, b, where)]})]
    return found


def findings(name: str, document: dict[str, Any]) -> list[tuple[str, Any]]:
    report = parliament.analyze_policy_string(policies.encode(document))
    found = [(f.issue, f.detail) for f in report.findings]
    if name.startswith("key policy"):
        # In a key policy, Resource "*" is the key itself, and KMS requires it there
        # (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html):
        # parliament, which reads it as an identity policy, says RESOURCE_STAR
        found = [f for f in found if f[0] != "RESOURCE_STAR"]
    if name.startswith("trust policy"):
        # A role's trust policy names who may assume the role and has no Resource: the role
        # is it (https://repost.aws/knowledge-center/iam-principal-policy shows one);
        # parliament reads every document as an identity policy, which needs one
        found = [f for f in found if f != ("MALFORMED",
                                           "Statement contains neither Resource nor "
                                           "NotResource")]
    return found


@pytest.mark.parametrize(("label", "path", "environment"), CASES, ids=[c[0] for c in CASES])
def test_parliament_finds_nothing(label: str, path: Path, environment: str | None) -> None:
    topo = load_topology([str(path)], environment=environment).topology
    assert topo is not None
    checked = documents(topo)
    assert len(checked) >= 8
    problems = {name: found for name, doc in checked if (found := findings(name, doc))}
    assert problems == {}


def test_parliament_is_not_blind() -> None:
    """The same call on a policy with an unknown action and a made-up condition key."""
    bad = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sqs:ReceiveMessages", "Resource": "*"},
        {"Effect": "Allow", "Action": "events:PutEvents", "Resource": "*",
         "Condition": {"StringEquals": {"events:sauce": "x"}}}]}
    issues = {issue for issue, _ in findings("identity", bad)}
    assert "UNKNOWN_ACTION" in issues and "UNKNOWN_CONDITION_FOR_ACTION" in issues
