"""`edac diff`: what a change to a topology does, for pull-request review.

The orders example against a second version of it (a route added, one removed, a consumer
renamed with `previously:`, one removed, a pattern, a queue setting and a permission changed),
from a path and from a git ref. Every diff diagram is checked with the real Mermaid (one batch).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from conftest import ROOT, check_golden, generate_topology
from edac.api import load_topology
from edac.cli import main
from edac.core import ir
from edac.core.diff import Change, Diff, Field, compare
from edac.core.emit import mermaid
from edac.core.emit.mermaid.changes import diff_graph as graph
from edac.core.emit.review import markdown
from mermaid_harness import Result, check_diagrams, require_mermaid

ORDERS = ROOT / "examples" / "orders"
GOLDEN = ROOT / "tests" / "golden" / "diagrams" / "orders-v2.diff.md"
BLESS = "python -m pytest tests/test_diff.py --update-golden"

Edit = Callable[[dict[str, Any]], None]


def version_2(doc: dict[str, Any]) -> None:
    """What a pull request to the orders example might do."""
    consumers, routes = doc["consumers"], doc["routes"]
    consumers["notifications"] = {"previously": ["email"], **consumers.pop("email")}
    del consumers["analytics"]
    consumers["fulfillment"]["queue"]["visibility_timeout"] = "5m"
    confirmed = routes["confirmed-orders"]
    confirmed["to"] = ["fulfillment", "notifications"]
    confirmed["filter"] = {"status": ["confirmed", "pending"]}
    del routes["cancellations"]
    routes["cancelled-to-fulfillment"] = {
        "description": "Stop picking cancelled orders", "events": ["OrderCancelled"],
        "to": ["fulfillment", "notifications"]}
    doc["producers"]["orders"]["principals"].append("arn:aws:iam::111111111111:role/orders-batch")


def edited(tmp_path: Path, name: str, *edits: Edit, source: Path = ORDERS) -> Path:
    """A copy of `source` with its topology.yaml edited."""
    target = tmp_path / name
    shutil.copytree(source, target)
    path = target / "topology.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for edit in edits:
        edit(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return target


def topology(path: Path) -> ir.Topology:
    result = load_topology([str(path)])
    assert result.ok, [d.message for d in result.diagnostics]
    assert result.topology is not None
    return result.topology


def diff_of(tmp_path: Path, *edits: Edit) -> Diff:
    return compare(topology(ORDERS), topology(edited(tmp_path, "new", *edits)))


def fifo_email(doc: dict[str, Any]) -> None:
    doc["consumers"]["email"]["queue"]["fifo"] = True


def rename_route(doc: dict[str, Any]) -> None:
    doc["routes"]["cancelled-orders"] = {"previously": ["cancellations"],
                                         **doc["routes"].pop("cancellations")}


def new_role(doc: dict[str, Any]) -> None:
    doc["consumers"]["analytics"]["container"]["role"] = "arn:aws:iam::123456789012:role/other"


# ---------------------------------------------------------------------------------------------
# all diff diagrams of this module, checked in one batch


@pytest.fixture(scope="module")
def v2(tmp_path_factory: pytest.TempPathFactory) -> Diff:
    tmp = tmp_path_factory.mktemp("v2")
    return compare(topology(ORDERS), topology(edited(tmp, "v2", version_2)))


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Diff:
    """A 300-route topology with one route removed and one consumer's queue changed."""
    old = tmp_path_factory.mktemp("big-old")
    generate_topology(300, old)
    new = tmp_path_factory.mktemp("big-new") / "t"
    shutil.copytree(old, new)
    team = new / "team0007.yaml"
    text = team.read_text(encoding="utf-8")
    text = re.sub(r"  team0007-r3:\n(    .*\n)+", "", text)
    consumer = "  team0007-c1:\n    team: team0007\n"
    assert consumer in text
    team.write_text(text.replace(consumer, consumer + "    queue: {visibility_timeout: 10m}\n"),
                    encoding="utf-8")
    return compare(topology(old), topology(new))


@pytest.fixture(scope="module")
def diagrams(v2: Diff, big: Diff, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("diagrams")
    replaced = compare(topology(ORDERS), topology(edited(tmp, "fifo", fifo_email)))
    return {
        "v2": diagram_of(markdown(v2, "main")),
        "replaced": diagram_of(markdown(replaced, "main")),
        "new": diagram_of(markdown(compare(None, topology(ORDERS)), "main")),
        "big": diagram_of(markdown(big, "main")),
    }


@pytest.fixture(scope="module")
def verdicts(diagrams: dict[str, str]) -> dict[str, dict[str, Result]]:
    require_mermaid()
    texts = {k: v for k, v in diagrams.items() if k != "big"}
    results = dict(zip(texts, check_diagrams(list(texts.values()), labels=True), strict=True))
    [results["big"]] = check_diagrams([diagrams["big"]], render=False)
    return results


def diagram_of(page: str) -> str:
    found = re.search(r"```mermaid\n(.*?)```", page, re.S)
    assert found, page
    return found.group(1)


# ---------------------------------------------------------------------------------------------
# the orders example, version 2


def test_golden_orders_v2(v2: Diff, update_golden: bool) -> None:
    check_golden(GOLDEN, markdown(v2, "main"), update_golden, BLESS)


def test_destroyed_queues_come_first(v2: Diff) -> None:
    assert [(loss.consumer, loss.replaced_by) for loss in v2.destroys] == [("analytics", None)]
    page = markdown(v2, "main")
    caution = page.index("> [!CAUTION]")
    assert caution < page.index("| Change |") < page.index("```mermaid")
    warning = page[caution:page.index("| Change |")]
    for queue in ("shop-prod-analytics", "shop-prod-analytics-dlq",
                  "shop-prod-analytics-target-dlq"):
        assert f"`{queue}`" in warning
    assert "email" not in warning  # renamed with `previously:`: its queues stay


def test_rows_of_the_table(v2: Diff) -> None:
    rows = {(c.kind, c.action, c.name): c.fields for c in v2.changes}
    assert rows[("route", "added", "cancelled-to-fulfillment")] == (
        Field("takes", None, "OrderCancelled"), Field("to", None, "fulfillment, notifications"))
    assert rows[("route", "removed", "cancellations")] == (
        Field("takes", "OrderCancelled", None), Field("to", "email", None))
    # `email` is now `notifications`: not a change of the route's targets
    assert rows[("route", "changed", "confirmed-orders")] == (Field("to", "analytics", None),)
    assert rows[("pattern", "changed", "confirmed-orders")] == (
        Field("pattern", "OrderPlaced; status: confirmed",
              "OrderPlaced; status: confirmed or pending"),)
    assert rows[("consumer", "renamed", "notifications")] == (
        Field("name", "email", "notifications"),)
    assert ("consumer", "removed", "analytics") in rows
    assert rows[("queue", "changed", "fulfillment")] == (
        Field("visibility timeout", "3m", "5m"),)
    assert rows[("permission", "changed", "orders")] == (
        Field("PutEvents principal", None, "arn:aws:iam::111111111111:role/orders-batch"),)
    # the table follows the order routes, patterns, consumers, queues, producers, permissions
    kinds = [c.kind for c in v2.changes]
    assert kinds == sorted(kinds, key=["route", "pattern", "consumer", "queue", "producer",
                                       "event", "permission", "forward", "bus",
                                       "system"].index)
    page = markdown(v2, "main")
    assert ("| 🟢 added | route | `cancelled-to-fulfillment` | takes: + `OrderCancelled`<br>to: "
            "+ `fulfillment, notifications` |") in page
    assert "| 🔴 removed | route | `cancellations` | takes: - `OrderCancelled`<br>to: - `email` |" \
        in page


def test_diagram_marks_what_changed(v2: Diff) -> None:
    g = graph(v2)
    assert g.node_status["r_cancelled_to_fulfillment"] == "added"
    assert g.node_status["r_cancellations"] == "removed"
    assert {g.node_status[n] for n in ("q_analytics", "d_analytics", "c_analytics")} == {"removed"}
    assert g.node_status["r_confirmed_orders"] == "changed"
    assert g.node_status["q_fulfillment"] == "changed"
    assert g.node_status["p_orders"] == "changed"  # a new principal
    # the renamed consumer is drawn once, under its new name, with its old one
    assert "c_email" not in g.nodes
    assert g.nodes["c_notifications"].lines[-1] == "was email"
    assert g.edge_status[("r_cancellations", "q_notifications")] == "removed"
    assert g.edge_status[("r_cancelled_to_fulfillment", "q_notifications")] == "added"
    assert g.edge_status[("r_confirmed_orders", "q_analytics")] == "removed"
    assert ("r_confirmed_orders", "q_notifications") not in g.edge_status  # unchanged


@pytest.mark.mermaid
def test_the_diff_diagram_renders_as_a_reviewer_expects(
        diagrams: dict[str, str], verdicts: dict[str, dict[str, Result]]) -> None:
    text = diagrams["v2"]
    assert "classDef removed" in text and "classDef added" in text
    removed = re.search(r"class (\S+) removed", text)
    assert removed and set(removed.group(1).split(",")) == {
        "c_analytics", "d_analytics", "q_analytics", "r_cancellations"}
    for role, verdict in verdicts["v2"].items():
        assert verdict.ok, f"{role}: {verdict}"
        assert verdict.labels is not None
        nodes = {x.id: x.text for x in verdict.labels if x.kind == "node"}
        assert nodes["r_cancellations"] == "cancellations\nOrderCancelled"
        assert nodes["r_cancelled_to_fulfillment"] == "cancelled-to-fulfillment\nOrderCancelled"
        assert nodes["c_notifications"] == "notifications\nlambda send-order-email\nwas email"
        assert nodes["r_confirmed_orders"] == ("confirmed-orders\nOrderPlaced\n"
                                               "status: confirmed or pending")


@pytest.mark.mermaid
@pytest.mark.parametrize("name", ["replaced", "new", "big"])
def test_other_diff_diagrams_render(name: str, verdicts: dict[str, dict[str, Result]]) -> None:
    for role, verdict in verdicts[name].items():
        assert verdict.ok, f"{name} ({role}): {verdict}"


# ---------------------------------------------------------------------------------------------
# other changes


def test_a_fifo_switch_replaces_the_queues(tmp_path: Path) -> None:
    d = diff_of(tmp_path, fifo_email)
    [loss] = d.destroys
    assert loss.consumer == "email"
    # the target DLQ stays standard and keeps its name: only the queue and its DLQ go
    assert loss.queues == ("shop-prod-email", "shop-prod-email-dlq")
    assert loss.replaced_by == ("shop-prod-email.fifo", "shop-prod-email-dlq.fifo")
    page = markdown(d, "main")
    assert "consumer `email`: its queues are replaced" in page
    g = graph(d)
    assert g.node_status["q_email"] == g.node_status["d_email"] == "replaced"


def test_a_renamed_route_is_not_added_and_removed(tmp_path: Path) -> None:
    d = diff_of(tmp_path, rename_route)
    assert d.changes == (Change("route", "renamed", "cancelled-orders",
                                (Field("name", "cancellations", "cancelled-orders"),)),)
    assert d.destroys == ()
    assert graph(d).nodes["r_cancelled_orders"].lines[-1] == "was cancellations"


def test_a_new_consume_role_is_a_permission_change(tmp_path: Path) -> None:
    d = diff_of(tmp_path, new_role)
    assert d.changes == (Change("permission", "changed", "analytics", (Field(
        "consume permission", "role arn:aws:iam::123456789012:role/analytics-worker",
        "role arn:aws:iam::123456789012:role/other"),), "consumer"),)
    assert graph(d).node_status == {"c_analytics": "changed"}


def test_no_changes() -> None:
    d = compare(topology(ORDERS), topology(ORDERS))
    assert d.empty
    assert markdown(d, "main").endswith("No changes to the topology.\n")


def test_everything_is_new_without_a_base() -> None:
    d = compare(None, topology(ORDERS))
    assert d.destroys == ()
    assert {c.action for c in d.changes} == {"added"}
    assert set(graph(d).node_status.values()) == {"added"}
    assert "all of `shop-prod` is new" in markdown(d, "main")


def test_a_large_diff_draws_the_changed_part(big: Diff, diagrams: dict[str, str]) -> None:
    page = markdown(big, "main")
    assert "Only the changed elements and their neighbours are drawn" in page
    assert len(page) < 65_000
    text = diagrams["big"]
    assert "r_team0007_r3" in text and "class r_team0007_r3 removed" in text
    assert len(text) <= mermaid.MAX_CHARS


# ---------------------------------------------------------------------------------------------
# the command, with a path and with a git ref


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_with_a_path(tmp_path: Path) -> None:
    new = edited(tmp_path, "v2", version_2)
    code, out, _ = invoke("diff", "--base", str(ORDERS), str(new))
    assert code == 0
    assert out == GOLDEN.read_text(encoding="utf-8").replace("against `main`",
                                                             f"against `{ORDERS}`")
    target = tmp_path / "comment.md"
    code, out, err = invoke("diff", "--base", str(ORDERS), str(new), "-o", str(target),
                            "--fail-on-destroy")
    assert code == 1 and out == ""
    assert "error[E801]: consumer `analytics` is no longer in the topology" in err
    assert "--forget analytics" in err
    assert target.read_text(encoding="utf-8").startswith("<!-- edac diff -->\n")


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository: an empty first commit, then the orders example under topology/ (the
    working tree has version 2 of it, not committed)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "commit", "-q", "--allow-empty", "-m", "empty")
    shutil.copytree(ORDERS, root / "topology")
    git(root, "add", "topology")
    git(root, "commit", "-q", "-m", "orders")
    shutil.rmtree(root / "topology")
    edited(root, "topology", version_2)
    monkeypatch.chdir(root)
    return root


def test_cli_with_a_git_ref(repo: Path) -> None:
    code, out, err = invoke("diff", "--base", "main", "topology")
    assert code == 0, err
    assert out == GOLDEN.read_text(encoding="utf-8")
    # the base is read from git, not from the working tree
    code, out, _ = invoke("diff", "--base", "HEAD", "topology/")
    assert code == 0 and "| 🔴 removed | route | `cancellations` |" in out


def test_cli_git_ref_without_the_topology(repo: Path) -> None:
    code, out, _ = invoke("diff", "--base", "HEAD~1", "topology")
    assert code == 0
    assert "all of `shop-prod` is new" in out


def test_cli_git_ref_with_links_out_of_the_repository(repo: Path) -> None:
    """A repository that holds links pointing outside it (to /etc, to a parent): the base is
    still read (the links are left out of the export; the topology does not need them)."""
    (repo / "etc").symlink_to("/etc")
    (repo / "topology" / "up").symlink_to("../../..")
    (repo / "inside").symlink_to("topology")
    git(repo, "add", "etc", "inside", "topology/up")
    git(repo, "commit", "-q", "-m", "links")
    (repo / "topology" / "up").unlink()
    code, out, err = invoke("diff", "--base", "HEAD", "topology")
    assert code == 0, err
    assert "| 🔴 removed | route | `cancellations` |" in out


def test_cli_unknown_base(repo: Path) -> None:
    code, _, err = invoke("diff", "--base", "no-such-branch", "topology")
    assert code == 2
    assert "`no-such-branch` is neither a path nor a git ref" in err


def test_cli_broken_base(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nname: shop\nroutes:\n  r: {events: [Nope], to: [nobody]}\n")
    code, out, err = invoke("diff", "--base", str(broken), str(ORDERS))
    assert code == 1 and out == ""
    assert "the base" in err and "error[E2" in err


def awkward_event(doc: dict[str, Any]) -> None:
    doc["events"]["a|b `x` @octocat <script>"] = {"producer": "orders", "unconsumed": True}


def test_names_in_the_table_are_shown_verbatim(tmp_path: Path) -> None:
    page = markdown(diff_of(tmp_path, awkward_event), "main")
    # a code span (no markdown, HTML or @mention), its `|` escaped for the table
    assert "| 🟢 added | event | ``a\\|b `x` @octocat <script>`` | producer: + `orders` |" in page


def test_cli_errors_of_a_git_base_point_at_the_ref(repo: Path) -> None:
    (repo / "topology" / "topology.yaml").write_text("version: 1\nname: shop\nroutes:\n"
                                                     "  r: {events: [Nope], to: [nobody]}\n")
    git(repo, "commit", "-q", "-am", "broken")
    shutil.rmtree(repo / "topology")
    edited(repo, "topology", version_2)
    code, out, err = invoke("diff", "--base", "HEAD", "topology")
    assert code == 1 and out == ""
    assert "error[E903]: the base `HEAD` has errors" in err
    assert "--> HEAD:topology/topology.yaml:4:" in err


def test_the_schema_gate_names_who_breaks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The orders example with `shipped` added to `status` and `pending` removed: the section
    comes first and names the producer and the readers it breaks; --fail-on-breaking exits
    1; a compatible change (a field no longer required) passes for the producer."""
    import json

    base, head = tmp_path / "base", tmp_path / "head"
    shutil.copytree(ORDERS, base)
    shutil.copytree(ORDERS, head)
    path = head / "schemas" / "order-placed.json"
    schema = json.loads(path.read_text())
    schema["properties"]["status"]["enum"] = ["confirmed", "shipped", "fraud-review"]
    path.write_text(json.dumps(schema))
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke("diff", "--base", "base", "head", "--fail-on-breaking")
    assert code == 1
    assert "breaks its producer and its readers" in err
    section = out.index("### Event schema changes")
    assert section < out.index("| Change | Kind | Name | Details |")
    assert "- 🔴 breaking: event `OrderPlaced` (producer `orders`)" in out
    assert '`` `status` may no longer be "pending" ``' in out
    assert "breaks its readers (`analytics`, `email`, `fulfillment`)" in out
    assert '`` `status` may now be "shipped" ``' in out
    assert "routes that take it: `confirmed-orders`" in out

    schema["properties"]["status"]["enum"] = ["confirmed", "pending", "fraud-review"]
    schema["required"] = [r for r in schema.get("required", []) if r != "currency"]
    path.write_text(json.dumps(schema))
    code, out, err = invoke("diff", "--base", "base", "head")
    assert code == 0
    assert "breaks its producer" not in out
    assert "breaks its readers" in out and "`currency` is no longer required" in out


def test_the_schema_gate_names_routes_that_start_matching_more(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A route on everything but `pending`: `shipped` added to the enum is an event it starts
    to take; an enum dropped from `currency` lets a filter on it take any value. A route on
    `confirmed` only is not named."""
    import json

    base, head = tmp_path / "base", tmp_path / "head"
    shutil.copytree(ORDERS, base)
    for root in (base, head):
        if root is head:
            shutil.copytree(base, head)
            continue
        topology = root / "topology.yaml"
        topology.write_text(topology.read_text().replace(
            "  cancellations:\n", "  open-orders:\n    events: [OrderPlaced]\n"
            "    filter:\n      status: [{anything-but: [pending]}]\n"
            "      currency: [{prefix: E}]\n"
            "    to: [analytics]\n  cancellations:\n"))
    path = head / "schemas" / "order-placed.json"
    schema = json.loads(path.read_text())
    schema["properties"]["status"]["enum"] = ["confirmed", "pending", "fraud-review", "shipped"]
    del schema["properties"]["currency"]["enum"]
    path.write_text(json.dumps(schema))
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke("diff", "--base", "base", "head")
    assert code == 0, err
    line = next(x for x in out.splitlines() if "route `open-orders` starts matching" in x)
    assert '`` `status` may now be "shipped", which the filter takes ``' in line
    assert '`currency` is no longer limited to "EUR", "USD", "GBP"' in line
    assert "route `confirmed-orders` starts" not in out
