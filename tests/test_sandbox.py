"""`edac sandbox` without the emulator: what it says when tools are missing or no sandbox is
up, the provider override, the prerequisites it creates. (Up, send and down for real: the
e2e suite, tests/e2e.)"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from edac import sandbox as sb
from edac.api import load_topology
from edac.cli.sandbox import sandbox as sandbox_cli
from edac.core import names
from edac.io import terraform
from edac.sandbox import aws

ROOT = Path(__file__).resolve().parents[1]


def invoke(*args: str, tmp_path: Path) -> Any:
    return CliRunner().invoke(sandbox_cli, ["--dir", str(tmp_path / "box"), *args],
                              catch_exceptions=False)


def test_up_says_when_terraform_is_missing(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    monkeypatch.setattr(terraform.shutil, "which", lambda name: None)
    result = invoke("up", str(ROOT / "examples" / "orders"), tmp_path=tmp_path)
    assert result.exit_code == 2
    assert "terraform is not on the PATH" in result.output
    assert "https://developer.hashicorp.com/terraform/install" in result.output
    assert not (tmp_path / "box").exists()


def test_up_says_when_the_emulator_is_missing(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(sb.importlib.util, "find_spec",
                        lambda name, *a: None if name in ("moto", "flask") else real(name, *a))
    monkeypatch.setattr(terraform.shutil, "which", lambda name: "/usr/bin/terraform")
    result = invoke("up", str(ROOT / "examples" / "orders"), tmp_path=tmp_path)
    assert result.exit_code == 2
    assert "the local AWS emulator is not installed" in result.output
    assert "error[E907]" in result.output
    assert "pip install '.[sandbox]'" in result.output


def test_send_and_status_without_a_sandbox(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text('{"source": "a", "detail-type": "b", "detail": {}}')
    result = invoke("send", str(event), tmp_path=tmp_path)
    assert result.exit_code == 2
    assert "error[E908]: no sandbox is up in" in result.output
    assert "help: run: edac sandbox up TOPOLOGY" in result.output
    status = invoke("status", tmp_path=tmp_path)
    assert status.exit_code == 0 and "no sandbox in" in status.output
    down = invoke("down", tmp_path=tmp_path)
    assert down.exit_code == 0 and "no sandbox in" in down.output


def test_send_when_the_emulator_is_gone(tmp_path: Path) -> None:
    box = sb.Sandbox(tmp_path / "box")
    # a recorded emulator that no longer answers (nothing listens on port 9 here)
    box.save({"endpoint": "http://127.0.0.1:9", "pid": None, "applied": True,
              "paths": [str(ROOT / "examples" / "orders")], "bus": "shop-prod-events"})
    event = tmp_path / "event.json"
    event.write_text('{"source": "a", "detail-type": "b", "detail": {}}')
    result = invoke("send", str(event), tmp_path=tmp_path)
    assert result.exit_code == 2
    assert "emulator is not running any more" in result.output
    down = invoke("down", tmp_path=tmp_path)
    assert down.exit_code == 0 and "nothing to destroy" in down.output
    assert not (tmp_path / "box").exists()


def test_down_leaves_a_directory_that_holds_no_sandbox(tmp_path: Path) -> None:
    box = tmp_path / "box"
    (box / "build").mkdir(parents=True)
    (box / "notes.txt").write_text("mine")
    (box / "build" / "terraform.tfstate").write_text("{}")
    down = invoke("down", tmp_path=tmp_path)
    assert down.exit_code == 0 and "no sandbox in" in down.output
    assert (box / "notes.txt").read_text() == "mine"
    assert (box / "build" / "terraform.tfstate").read_text() == "{}"


def test_down_removes_only_what_the_sandbox_made(tmp_path: Path) -> None:
    box = sb.Sandbox(tmp_path / "box")
    box.claim()
    box.save({"endpoint": "http://127.0.0.1:9", "pid": None, "applied": True, "paths": []})
    (box.root / "build").mkdir()
    (box.root / "emulator.log").write_text("log")
    (box.root / "mine.txt").write_text("mine")
    down = invoke("down", tmp_path=tmp_path)
    assert down.exit_code == 0, down.output
    assert sorted(p.name for p in box.root.iterdir()) == ["mine.txt"]
    assert "kept what it did not make there: mine.txt" in " ".join(down.output.split())


def test_up_refuses_a_directory_that_is_not_a_sandbox(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    monkeypatch.setattr(terraform.shutil, "which", lambda name: "/usr/bin/terraform")
    box = tmp_path / "box"
    (box / "build").mkdir(parents=True)
    state = box / "build" / "terraform.tfstate"
    state.write_text("{}")
    result = invoke("up", str(ROOT / "examples" / "orders"), tmp_path=tmp_path)
    assert result.exit_code == 2, result.output
    assert "error[E908]" in result.output and "holds files and no sandbox" in result.output
    assert state.read_text() == "{}"
    assert sorted(p.name for p in box.iterdir()) == ["build"]


def test_state_is_not_written_through_a_planted_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    box = sb.Sandbox(tmp_path / "box")
    box.claim()
    import os

    os.symlink(victim, box.root / f".sandbox.json.{os.getpid()}.tmp")
    box.save({"applied": False})
    assert victim.read_text() == "keep"
    assert box.state()["applied"] is False


def test_provider_override_points_every_service_at_the_endpoint() -> None:
    text = sb.provider_override("http://127.0.0.1:4566")
    for service in ("cloudwatch", "dynamodb", "events", "iam", "kms", "lambda", "sns", "sqs",
                    "sts"):
        assert f'{service} = "http://127.0.0.1:4566"' in " ".join(text.split())
    assert 'region                      = "us-east-1"' in text
    assert "default_tags" not in text  # merged with the compiled provider block, not replaced


def test_prerequisites_of_the_examples() -> None:
    topo = load_topology([str(ROOT / "examples" / "orders")]).topology
    assert topo is not None
    roles, functions = aws.prerequisites(topo)
    assert roles == ["analytics-worker", aws.LAMBDA_ROLE]
    assert functions == {"fulfil-order": aws.LAMBDA_ROLE, "send-order-email": aws.LAMBDA_ROLE}


def test_function_names_from_arns() -> None:
    assert names.function_name("arn:aws:lambda:us-east-1:123456789012:function:f:live") == "f"
    assert names.function_name("f") == "f"


def test_a_topology_of_several_accounts_gets_a_root_per_account(tmp_path: Path) -> None:
    """The sandbox applies each root in its account of an emulator of several accounts, in
    the bus's region, the bus's root first; each account gets the roles and stand-in
    functions of its own root (its consumers', its producers' roles). Applied on the
    emulator by tests/e2e/test_e2e_accounts.py."""
    from edac.sandbox import compile_into, roots
    from edac.sandbox.emulator import Endpoint

    case = Path(__file__).resolve().parent / "cases" / "compile" / "accounts" / "input"
    topology = tmp_path / "topology"
    shutil.copytree(case, topology)
    topo = compile_into([str(topology)], tmp_path / "build")
    found = roots(topo, tmp_path / "build", Endpoint("http://127.0.0.1:9"))
    assert [(path.relative_to(tmp_path).as_posix(), at.account, at.region)
            for path, at in found] == [
        ("build", "111111111111", "eu-west-1"),  # then by the accounts' names
        ("build/accounts/333333333333", "333333333333", "eu-west-1"),  # data
        ("build/accounts/222222222222", "222222222222", "eu-west-1")]  # payments
    assert all((path / "main.tf").is_file() or (path / "consumers.tf").is_file()
               for path, _ in found)
    assert aws.prerequisites(topo, "222222222222") == (
        ["edac-sandbox-lambda", "payments-api"], {"ledger-writer": aws.LAMBDA_ROLE})
    assert aws.prerequisites(topo, "333333333333") == (["warehouse-loader"], {})
    assert aws.prerequisites(topo, "111111111111") == (
        ["edac-sandbox-lambda"], {"payment-notifier": aws.LAMBDA_ROLE})
    # the loader moves to the bus's account: the data account's root, left with
    # `vacated.tf` for one compile, is applied too (its resources go as they go in AWS)
    text = (topology / "topology.yaml").read_text()
    (topology / "topology.yaml").write_text(text.replace(
        "  loader:\n    team: data\n    account: data\n", "  loader:\n    team: data\n"))
    moved = compile_into([str(topology)], tmp_path / "build", allow_destroy={"loader"})
    assert [(path.relative_to(tmp_path).as_posix(), at.account) for path, at in roots(
        moved, tmp_path / "build", Endpoint("http://127.0.0.1:9"))] == [
        ("build", "111111111111"), ("build/accounts/222222222222", "222222222222"),
        ("build/accounts/333333333333", "333333333333")]
    assert (tmp_path / "build" / "accounts" / "333333333333" / "vacated.tf").is_file()
    # one account: the build itself, as the endpoint acts
    one = compile_into([str(ROOT / "examples" / "orders")], tmp_path / "one")
    endpoint = Endpoint("http://127.0.0.1:9")
    assert roots(one, tmp_path / "one", endpoint) == [(tmp_path / "one", endpoint)]


def test_a_send_agrees_only_with_what_the_routes_say() -> None:
    """The judgement of `edac sandbox send` over what the queues held (review of the sandbox
    of several accounts): a forwarded event may wait in the forward DLQ of a bus it is
    forwarded to, once per route forwarding there; any other queue is a misdelivery."""
    from edac.sandbox.report import SendReport

    case = Path(__file__).resolve().parent / "cases" / "compile" / "accounts" / "input"
    topo = load_topology([str(case)]).topology
    assert topo is not None
    mains = {"pay-prod-ledger.fifo": 1, "pay-prod-loader": 1, "pay-prod-notifier": 1}

    def report(delivered: dict[str, int]) -> SendReport:
        return SendReport({}, "e-1", [("captured-to-analytics", ()),
                                      ("money", ("ledger", "loader", "notifier"))], [],
                          ["ledger", "loader", "notifier"], delivered, 0)

    assert report(mains).agrees(topo)
    assert report({**mains, "pay-prod-analytics-forward-dlq": 1}).agrees(topo)
    assert not report({**mains, "pay-prod-analytics-forward-dlq": 2}).agrees(topo)
    assert not report({**mains, "pay-prod-audit-forward-dlq": 1}).agrees(topo)  # not routed
    assert not report({**mains, "someone-elses-queue": 1}).agrees(topo)
    assert not report({**mains, "pay-prod-loader": 2}).agrees(topo)
    assert not report({"pay-prod-ledger.fifo": 1, "pay-prod-loader": 1}).agrees(topo)
