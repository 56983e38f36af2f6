"""`edac compile`: golden Terraform for every example and golden case, invariants on each."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import hcl2
import pytest

from conftest import ROOT, check_golden, example_dirs
from edac.api import compile_paths
from edac.core.emit.terraform import HEADER, MODULES

GOLDEN = ROOT / "tests" / "golden"
CASES = ROOT / "tests" / "cases" / "compile"


def compile_inputs() -> list[tuple[str, Path]]:
    """(golden name, input dir) for every example and compile case."""
    found = [(f"examples/{p.name}", p) for p in example_dirs()]
    if CASES.is_dir():
        found += [(f"cases/{p.name}", p / "input") for p in sorted(CASES.iterdir()) if p.is_dir()]
    return found


INPUTS = compile_inputs()
IDS = [name for name, _ in INPUTS]


def compiled(path: Path) -> dict[str, str]:
    result = compile_paths([str(path)])
    assert result.result.ok, [d.message for d in result.result.diagnostics]
    return result.files


def root_files(files: dict[str, str]) -> dict[str, str]:
    """The root module's Terraform files (topology.md is checked by tests/test_diagram.py)."""
    return {k: v for k, v in files.items() if not k.startswith("modules/") and k.endswith(".tf")}


@pytest.mark.parametrize(("name", "path"), INPUTS, ids=IDS)
def test_golden_terraform(name: str, path: Path, update_golden: bool) -> None:
    files = root_files(compiled(path))
    golden_dir = GOLDEN / name
    if update_golden and golden_dir.exists():
        shutil.rmtree(golden_dir)
    # the root of the bus's account, and each other account's under accounts/
    expected_names = sorted(str(p.relative_to(golden_dir)) for p in golden_dir.rglob("*.tf")
                            if p.is_file()) if golden_dir.exists() else []
    if not update_golden:
        assert sorted(files) == expected_names, "the set of generated root files changed"
    for rel, text in sorted(files.items()):
        check_golden(golden_dir / rel, text, update_golden,
                     "python -m pytest tests/test_compile.py --update-golden")


@pytest.mark.parametrize(("name", "path"), INPUTS, ids=IDS)
def test_examples_compile_without_diagnostics(name: str, path: Path) -> None:
    result = compile_paths([str(path)])
    if name.startswith("examples/"):
        assert result.result.diagnostics == []


@pytest.mark.parametrize(("name", "path"), INPUTS, ids=IDS)
def test_every_file_parses_and_has_the_header(name: str, path: Path) -> None:
    for rel, text in compiled(path).items():
        if not rel.endswith(".tf"):
            continue
        hcl2.load(io.StringIO(text))
        if not rel.startswith("modules/"):
            assert text.startswith(HEADER + "\n"), rel
            assert text.endswith("\n") and not text.endswith("\n\n"), rel


MULTI_FILE = [(n, p) for n, p in INPUTS if len(list(p.glob("*.yaml"))) > 1]


@pytest.mark.parametrize(("name", "path"), MULTI_FILE, ids=[n for n, _ in MULTI_FILE])
def test_output_does_not_depend_on_file_order(name: str, path: Path, tmp_path: Path) -> None:
    files = sorted(path.glob("*.yaml"))
    # the same files, given in reverse order and from a clone of the repository elsewhere (the
    # commands in alarm descriptions name the topology relative to the work tree's root)
    clone = tmp_path / "clone"
    (clone / ".git").mkdir(parents=True)
    copy = clone / path.relative_to(ROOT)
    shutil.copytree(path, copy)
    reordered = [str(copy / f.name) for f in reversed(files)]
    again = compile_paths(reordered)
    assert again.result.ok
    assert again.files == compile_paths([str(f) for f in files]).files


def test_modules_are_copied_verbatim() -> None:
    files = compiled(example_dirs()[0])
    copied = {k for k in files if k.startswith("modules/")}
    for module in MODULES:
        for source in (ROOT / "modules" / module).glob("*.tf"):
            rel = f"modules/{module}/{source.name}"
            assert rel in copied
            assert files[rel] == source.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# structure of the root module, read back with python-hcl2


def parsed(files: dict[str, str], rel: str) -> dict[str, Any]:
    result: dict[str, Any] = hcl2.load(io.StringIO(files[rel]))
    return result


def hcl_str(value: Any) -> Any:
    """The value of an HCL literal as python-hcl2 returns it (quotes and heredoc markers kept):
    strings unquoted, HCL escapes (`$${`, `%%{`) undone, heredocs dedented."""
    if isinstance(value, str) and value.startswith('"<<-EOT\n') and value.endswith('EOT"'):
        lines = value[len('"<<-EOT\n'):-len('EOT"')].rstrip(" ").split("\n")[:-1]
        margin = min(len(line) - len(line.lstrip(" ")) for line in lines if line.strip())
        text = "".join(line[margin:] + "\n" for line in lines)
        return text.replace("$${", "${").replace("%%{", "%{")
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return json.loads(value).replace("$${", "${").replace("%%{", "%{")
    if isinstance(value, list):
        return [hcl_str(v) for v in value]
    if isinstance(value, dict):
        return {hcl_str(k): hcl_str(v) for k, v in value.items()}
    return value


def locals_of(files: dict[str, str], rel: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for block in parsed(files, rel).get("locals", []):
        merged.update(hcl_str(block))
    return merged


@pytest.mark.parametrize(("name", "path"), INPUTS, ids=IDS)
def test_rules_and_queue_policies_agree(name: str, path: Path) -> None:
    from edac.api import load_topology

    topo = load_topology([str(path)]).topology
    assert topo is not None
    files = compiled(path)
    # the consumers of every root: the bus's account's and each other account's
    consumers = {}
    for rel in sorted(files):
        if rel == "consumers.tf" or (rel.startswith("accounts/") and
                                     rel.endswith("/consumers.tf")):
            consumers.update(locals_of(files, rel)["consumers"])
    rules = locals_of(files, "routes.tf")["rules"]
    for rule in rules.values():  # one map of targets, whichever root has their queues
        remote = rule.pop("remote_targets", {})
        assert not set(remote) & set(rule["targets"])
        rule["targets"] = {**rule["targets"], **remote}
        for target in remote.values():  # in another account than the bus's
            assert topo.remote(topo.consumers[target]) is not None
    # no rule has more than 5 targets, queues and buses together; every target is a declared
    # consumer, or a bus under `buses:` (whose target id cannot be a consumer's)
    for rule in rules.values():
        buses = rule.get("bus_targets", {})
        assert not set(buses) & set(rule["targets"])
        assert 1 <= len(rule["targets"]) + len(buses) <= 5
        assert set(rule["targets"].values()) <= set(consumers)
        assert set(buses.values()) <= set(topo.buses)
        for target_id, bus in buses.items():
            assert target_id == topo.buses[bus].target_id
        # target ids are the consumers' oldest names, kept across renames
        for target_id, cname in rule["targets"].items():
            assert target_id == topo.consumers[cname].target_id
    # each queue's policy admits exactly the rules that target it
    for cname, consumer in consumers.items():
        targeting = sorted(r["name"] for r in rules.values() if cname in r["targets"].values())
        assert sorted(consumer["rules"]) == targeting, cname
    # every route's rules carry the route's pattern and together reach all its consumers
    for route in topo.routes.values():
        mine = [rules[rule.key] for rule in route.rules]
        assert [r["name"] for r in mine] == [rule.name for rule in route.rules]
        reached = [t for r in mine for t in r["targets"].values()]
        assert sorted(set(reached)) == sorted(route.to)
        forwarded = [b for r in mine for b in r.get("bus_targets", {}).values()]
        assert sorted(set(forwarded)) == sorted(route.forward)
        for r in mine:
            assert json.loads(r["event_pattern"]) == route.pattern
    # queues: DLQ keeps messages longer; alarms go somewhere
    for consumer in consumers.values():
        assert consumer["dlq_message_retention_seconds"] > consumer["message_retention_seconds"]
        assert consumer["alarm_topics"] or consumer["alarm_teams"]
        assert len(consumer["alarm_topics"]) + len(consumer["alarm_teams"]) <= 5
    for rule in rules.values():
        assert 1 <= len(rule["alarm_topics"]) + len(rule["alarm_teams"]) <= 5


def test_multi_producer_routes_do_not_cross_sources() -> None:
    path = ROOT / "examples" / "marketplace"
    rules = locals_of(compiled(path), "routes.tf")["rules"]
    pattern = json.loads(rules["customer-notifications"]["event_pattern"])
    assert "source" not in pattern and "detail-type" not in pattern
    branches = {b["source"][0]: sorted(b["detail-type"]) for b in pattern["$or"]}
    assert branches == {
        "com.market.orders": ["OrderCancelled", "OrderPlaced"],
        "com.market.payments": ["PaymentFailed", "RefundIssued"],
    }


def test_a_route_with_six_consumers_is_split_in_order() -> None:
    """Without a recorded split, the first five of `to:` make the first rule (listed sorted)."""
    path = ROOT / "examples" / "marketplace"
    rules = locals_of(compiled(path), "routes.tf")["rules"]
    assert list(rules["customer-notifications"]["targets"].values()) == [
        "crm", "email", "push", "sms", "webhooks"]
    assert list(rules["customer-notifications-2"]["targets"].values()) == ["loyalty"]
    assert rules["customer-notifications-2"]["name"] == "market-staging-customer-notifications-2"


def test_fifo_consumer_wiring() -> None:
    path = ROOT / "examples" / "marketplace"
    consumers = locals_of(compiled(path), "consumers.tf")["consumers"]
    ledger = consumers["ledger"]
    assert ledger["fifo"] is True
    assert ledger["message_group_id"] == "ledger"
    assert ledger["lambda"]["batch_size"] <= 10
    assert ledger["lambda"]["maximum_batching_window_in_seconds"] is None
