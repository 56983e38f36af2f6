"""Checks over the resolved topology that the broken-topology catalogue does not show alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from edac.api import load_topology

BASE = """\
version: 1
name: shop
producers:
  p: {source: com.shop.p}
events:
  E: {producer: p}
consumers:
  c:
    container: {role: worker}
    queue: {kms_key: KEY}
routes:
  r: {events: [E], to: [c]}
teams:
  default: {alerts: {email: [oncall@shop.example]}}
"""


def codes_for(tmp_path: Path, text: str) -> list[tuple[str, int]]:
    path = tmp_path / "t.yaml"
    path.write_text(text)
    result = load_topology([str(path)])
    return [(d.code, d.span.line if d.span else 0) for d in result.diagnostics]


@pytest.mark.parametrize(
    "key",
    ["alias/aws/sqs", "arn:aws:kms:us-east-1:123456789012:alias/aws/sqs", "alias/aws/lambda"],
)
def test_aws_managed_keys_are_refused(tmp_path: Path, key: str) -> None:
    assert codes_for(tmp_path, BASE.replace("KEY", f'"{key}"')) == [("E609", 10)]


@pytest.mark.parametrize(
    "key",
    ["create", "alias/orders-queues", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd"
     "-56ef-1234567890ab", "1234abcd-12ab-34cd-56ef-1234567890ab"],
)
def test_customer_keys_are_accepted(tmp_path: Path, key: str) -> None:
    assert codes_for(tmp_path, BASE.replace("KEY", f'"{key}"')) == []


def test_a_key_that_is_not_a_key(tmp_path: Path) -> None:
    assert codes_for(tmp_path, BASE.replace("KEY", '"my key"')) == [("E607", 10)]


def test_defaults_apply_and_point_at_the_defaults(tmp_path: Path) -> None:
    text = BASE.replace("    queue: {kms_key: KEY}\n", "").replace(
        "producers:", "defaults:\n  queue: {kms_key: alias/aws/sqs}\nproducers:")
    assert codes_for(tmp_path, text) == [("E609", 4)]


def test_split_rule_names_cannot_collide_with_another_route(tmp_path: Path) -> None:
    consumers = "".join(f"  c{i}: {{container: {{role: w}}}}\n" for i in range(6))
    text = f"""\
version: 1
name: shop
producers:
  p: {{source: com.shop.p}}
events:
  E: {{producer: p}}
consumers:
{consumers}routes:
  r: {{events: [E], to: [c0, c1, c2, c3, c4, c5]}}
  r-2: {{events: [E], to: [c0]}}
teams:
  default: {{alerts: {{email: [oncall@shop.example]}}}}
"""
    found = codes_for(tmp_path, text)
    assert found == [("E602", 16)]  # at `r-2`, whose rule name `r` took first
