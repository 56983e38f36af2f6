"""No queue is destroyed by a compile unless the user says so (removals, replacements,
renames), and forgotten queues stay forgotten."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import hcl2
import pytest
from click.testing import CliRunner

from conftest import ROOT
from edac.cli import main
from edac.io.write import Manifest

ORDERS = ROOT / "examples" / "orders"


@pytest.fixture
def topo(tmp_path: Path) -> Path:
    target = tmp_path / "topology"
    shutil.copytree(ORDERS, target)
    return target


def edit(topo: Path, old: str, new: str) -> None:
    path = topo / "topology.yaml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def compile_(topo: Path, out: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["compile", str(topo), "-o", str(out), *extra])
    return result.exit_code, result.stderr


def remove_email(topo: Path) -> None:
    edit(topo, "to: [fulfillment, analytics, email]", "to: [fulfillment, analytics]")
    edit(topo, """  cancellations:
    description: Customers hear about cancellations
    events: [OrderCancelled]
    to: [email]
""", "")
    text = (topo / "topology.yaml").read_text()
    start = text.index("  email:\n")
    end = text.index("\nroutes:")
    (topo / "topology.yaml").write_text(text[:start] + text[end + 1:])
    edit(topo, "    schema: schemas/order-cancelled.json\n",
         "    schema: schemas/order-cancelled.json\n    unconsumed: true\n")


def test_removing_a_consumer_is_refused_and_nothing_is_written(topo: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    assert compile_(topo, out)[0] == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    remove_email(topo)
    code, err = compile_(topo, out)
    assert code == 1
    assert "error[E801]: consumer `email` is no longer in the topology" in err
    assert "`shop-prod-email`, `shop-prod-email-dlq`, `shop-prod-email-target-dlq`" in err
    assert "--forget email" in err and "--allow-destroy email" in err
    assert "nothing was written" in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_allow_destroy_lets_the_queues_go(topo: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    compile_(topo, out)
    remove_email(topo)
    assert compile_(topo, out, "--allow-destroy", "email")[0] == 0
    assert not (out / "forgotten.tf").exists()
    assert "email" not in (out / "consumers.tf").read_text()
    # the choice is made: the next compile does not ask again
    assert compile_(topo, out)[0] == 0


def test_forget_emits_moved_and_removed_blocks_and_remembers(topo: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    compile_(topo, out)
    remove_email(topo)
    assert compile_(topo, out, "--forget", "email")[0] == 0
    forgotten = hcl2.load(io.StringIO((out / "forgotten.tf").read_text()))
    (moved,) = forgotten["moved"]
    (removed,) = forgotten["removed"]
    assert moved["from"] == '${module.consumer["email"]}'
    assert moved["to"] == removed["from"]
    assert removed["lifecycle"][0]["destroy"] is False
    assert '">= 1.7"' in (out / "versions.tf").read_text()
    # later compiles keep the blocks until the consumer comes back
    assert compile_(topo, out)[0] == 0
    assert (out / "forgotten.tf").exists()
    manifest = Manifest.read(out)
    assert manifest is not None and "email" in manifest.data["forgotten"]  # type: ignore[operator]


def test_a_rename_with_previously_is_not_a_loss(topo: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    compile_(topo, out)
    edit(topo, "  email:\n    team: growth", "  mailer:\n    previously: [email]\n    team: growth")
    edit(topo, "to: [fulfillment, analytics, email]", "to: [fulfillment, analytics, mailer]")
    edit(topo, "to: [email]", "to: [mailer]")
    code, err = compile_(topo, out)
    assert code == 0, err
    (moved,) = hcl2.load(io.StringIO((out / "moved.tf").read_text()))["moved"]
    assert (moved["from"], moved["to"]) == ('${module.consumer["email"]}',
                                            '${module.consumer["mailer"]}')
    consumers = (out / "consumers.tf").read_text()
    # the same queues and alarms, under the new name
    assert re.search(r'mailer = \{\n\s+queue_names = \{\n\s+queue\s+= "shop-prod-email"\n'
                     r'\s+dlq\s+= "shop-prod-email-dlq"\n', consumers), consumers[:600]
    assert '"shop-prod-email-oldest-message-age"' in consumers


def test_a_fifo_switch_replaces_the_queues_and_is_refused(topo: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    compile_(topo, out)
    edit(topo, "queue: {fifo: false}", "queue: {fifo: true}")
    code, err = compile_(topo, out, "--format", "short")
    assert code == 1
    assert "error[E801]: consumer `analytics`: its queues would be replaced" in err
    assert "`shop-prod-analytics.fifo`" in err
    assert "topology.yaml:" in err.split("E801")[0]  # points at the consumer


def test_a_new_environment_replaces_every_queue(topo: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    compile_(topo, out)
    edit(topo, "environment: prod", "environment: production")
    code, err = compile_(topo, out, "--format", "short")
    assert code == 1
    assert err.count("error[E801]") == 3


def test_options_naming_nothing_to_destroy_are_errors(topo: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    compile_(topo, out)
    code, err = compile_(topo, out, "--allow-destroy", "fulfilment")
    assert code == 1 and "error[E802]" in err


HOSTILE = [
    'evil\noutput "pwned" {\n  value = "yes"\n}\n#',
    "${file(\"/etc/passwd\")}",
    "%{ for x in [1] }x%{ endfor }",
    "*/ } resource \"null\" \"x\" { /*",
    'quote " and \\ backslash',
    "line\rbreak\u2028and\u0085more",
]


def test_a_hostile_manifest_cannot_change_what_terraform_does(topo: Path,
                                                              tmp_path: Path) -> None:
    """Names read back from `.edac-manifest.json` (forgotten consumers and their queues) reach
    forgotten.tf only through the HCL quoting and comment functions: no block appears that
    the topology did not ask for, and terraform validates the output."""
    from tftools import require_terraform, run_terraform

    out = tmp_path / "build"
    assert compile_(topo, out)[0] == 0
    manifest = Manifest.read(out)
    assert manifest is not None
    forgotten = {name: [*HOSTILE, name] for name in HOSTILE}
    data = {**manifest.data, "forgotten": forgotten}
    raw = json.loads((out / ".edac-manifest.json").read_text())
    raw["data"] = data
    (out / ".edac-manifest.json").write_text(json.dumps(raw))
    (topo / "edac.lock").unlink()  # no lock yet: the manifest seeds it, hostile names and all
    code, err = compile_(topo, out)
    assert code == 0, err
    text = (out / "forgotten.tf").read_text()
    parsed = hcl2.load(io.StringIO(text))
    assert set(parsed) - {"__comments__"} == {"moved", "removed"}, parsed.keys()
    assert len(parsed["moved"]) == len(parsed["removed"]) == len(HOSTILE)
    sources = sorted(block["from"] for block in parsed["moved"])
    assert all(s.startswith("${module.consumer[") for s in sources), sources
    for line in text.splitlines():  # every line is a comment, a block line or blank
        assert line == "" or line.startswith(("#", "moved {", "removed {", "  ", "}")), line
    require_terraform()
    run_terraform(["init", "-backend=false", "-input=false", "-no-color"], out)
    proc = run_terraform(["validate", "-json", "-no-color"], out)
    assert json.loads(proc.stdout)["valid"] is True
    every = {p.name for p in out.glob("*.tf")}
    assert "pwned" not in "".join((out / name).read_text() for name in every
                                  if name != "forgotten.tf")
