"""The operations commands (`status`, `dlq show`, `redrive`, `replay`) on bad input, where no
AWS is needed to refuse: each is a coded diagnostic with the right exit code, never a
traceback, in both formats, and nothing is asked of AWS. What they do on a deployment is
tested on the emulator (tests/e2e/test_e2e_operations.py)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import ROOT
from edac.api import deployed_topology
from edac.core.diagnostics import Failure
from edac.ops import Aws, Target
from edac.ops.messages import decode
from edac.ops.replay import parse_time, replay, replay_name
from test_environments import run

ORDERS = str(ROOT / "examples" / "orders")
# a port nothing listens on: a test that reached AWS would fail with E922, not pass
NOWHERE = Target(endpoint_url="http://127.0.0.1:9", sandbox=True)


def no_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """No credentials, region or instance metadata anywhere."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/edac-test")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/edac-test")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.mark.parametrize(("env", "region", "expected"), [
    ({"AWS_REGION": "eu-west-1"}, None, "eu-west-1"),
    ({"AWS_DEFAULT_REGION": "eu-central-1"}, None, "eu-central-1"),
    ({"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-central-1"}, None, "eu-west-1"),
    ({"AWS_REGION": "eu-west-1"}, "ap-south-1", "ap-south-1"),
])
def test_the_region_follows_the_sdks_order(monkeypatch: pytest.MonkeyPatch,
                                           env: dict[str, str], region: str | None,
                                           expected: str) -> None:
    """--region, then AWS_REGION, then AWS_DEFAULT_REGION (boto3 alone ignores AWS_REGION)."""
    pytest.importorskip("boto3")
    no_aws(monkeypatch)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert Aws(Target(region=region)).region == expected


@pytest.mark.parametrize(("args", "code", "exit_code"), [
    (["redrive", "fulfillment", ORDERS, "--max", "0"], "E923", 1),
    (["redrive", "fulfillment", ORDERS, "--rate", "501"], "E923", 1),
    (["redrive", "fulfilment", ORDERS, "--region", "eu-west-1"], "E904", 2),
    (["dlq", "show", "nobody", ORDERS, "--region", "eu-west-1"], "E904", 2),
    (["status", ORDERS, "--consumer", "emial", "--region", "eu-west-1"], "E904", 2),
    (["replay", ORDERS, "--consumer", "email", "--from", "now", "--to", "-1h"], "E923", 1),
    (["replay", ORDERS, "--consumer", "email", "--from", "-1h", "--to", "2999-01-01T00:00Z"],
     "E923", 1),
    (["replay", ORDERS, "--consumer", "email", "--from", "yesterday", "--to", "now"], "E923",
     1),
    (["replay", ORDERS, "--from", "-1h", "--to", "now"], "E904", 2),
    (["replay", ORDERS, "--route", "nope", "--from", "-1h", "--to", "now",
      "--region", "eu-west-1"], "E904", 2),
    (["status", ORDERS, "--region", "eu-west-1"], "E922", 1),  # no credentials
    (["status", ORDERS], "E922", 1),  # no region
    (["status", ORDERS, "--profile", "nope"], "E922", 1),
])
@pytest.mark.parametrize("fmt", ["human", "json"])
def test_refused_with_a_code(monkeypatch: pytest.MonkeyPatch, args: list[str], code: str,
                             exit_code: int, fmt: str) -> None:
    no_aws(monkeypatch)
    status, stdout, stderr = run(*args, "--format", fmt)
    assert status == exit_code, stderr + stdout
    if fmt == "json":
        (diagnostic,) = json.loads(stdout)["diagnostics"]
        assert diagnostic["code"] == code
    else:
        assert f"error[{code}]" in stderr


def test_unknown_consumer_suggests_the_name(monkeypatch: pytest.MonkeyPatch) -> None:
    no_aws(monkeypatch)
    status, _, stderr = run("dlq", "show", "fulfilment", ORDERS, "--region", "eu-west-1")
    assert status == 2 and "did you mean `fulfillment`?" in stderr


def test_no_sandbox_up(tmp_path: Path) -> None:
    status, _, stderr = run("status", "--sandbox", "--sandbox-dir", str(tmp_path / "none"))
    assert status == 2 and "error[E908]" in stderr


def test_a_replay_without_archive_is_refused_before_aws(tmp_path: Path) -> None:
    text = (ROOT / "examples" / "orders" / "topology.yaml").read_text(encoding="utf-8")
    assert "bus:\n  archive_days: 30\n" in text
    (tmp_path / "topology.yaml").write_text(text.replace("bus:\n  archive_days: 30\n", ""))
    shutil.copytree(ROOT / "examples" / "orders" / "schemas", tmp_path / "schemas")
    topo = deployed_topology([str(tmp_path)])
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(Failure) as refused:
        replay(topo, Aws(NOWHERE), now - dt.timedelta(hours=1), now, consumer="email")
    assert [d.code for d in refused.value.diagnostics] == ["E924"]


def test_times() -> None:
    now = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)
    assert parse_time("now", now, "--to") == now
    assert parse_time("-2h", now, "--from") == now - dt.timedelta(hours=2)
    assert parse_time("-90", now, "--from") == now - dt.timedelta(seconds=90)
    assert parse_time("2026-12-01T10:00:00Z", now, "--from") == dt.datetime(
        2026, 12, 1, 10, tzinfo=dt.UTC)
    assert parse_time("2026-12-01", now, "--from") == dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    assert parse_time("2026-12-01T12:00:00+02:00", now, "--from") == dt.datetime(
        2026, 12, 1, 10, tzinfo=dt.UTC)


def test_replay_names_fit_eventbridge() -> None:
    topo = deployed_topology([ORDERS])
    now = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)
    assert replay_name(topo, "email", now) == "shop-prod-email-20261202T120000"
    long = replay_name(topo, "x" * 100, now)
    assert len(long) == 64 and long.replace("-", "").replace(".", "").replace("_", "").isalnum()


def test_a_target_dlq_message_is_decoded() -> None:
    event = {"version": "0", "id": "e-1", "detail-type": "OrderPlaced",
             "source": "com.shop.orders", "account": "123456789012",
             "time": "2026-12-02T10:00:00Z", "region": "us-east-1", "resources": [],
             "detail": {"orderId": "o-1"}}
    raw = {"MessageId": "m-1", "Body": json.dumps(event),
           "Attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1764669600000"},
           "MessageAttributes": {
               "ERROR_CODE": {"DataType": "String", "StringValue": "SQS_PERMISSION_DENIED"},
               "RULE_ARN": {"DataType": "String", "StringValue": "arn:aws:events:r"},
               "OTHER": {"DataType": "String", "StringValue": "not EventBridge's"}}}
    message = decode(raw, "target-dlq")
    assert message.event == {k: event[k] for k in ("source", "detail-type", "id", "time",
                                                   "detail")}
    assert message.failure == {"ERROR_CODE": "SQS_PERMISSION_DENIED",
                               "RULE_ARN": "arn:aws:events:r"}
    assert message.receive_count == 2 and message.sent == "2025-12-02T10:00:00Z"
    not_an_event = decode({"MessageId": "m-2", "Body": "hello"}, "dlq")
    assert not_an_event.event is None and not_an_event.body == "hello"
