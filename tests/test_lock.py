"""The lock file: nothing that holds data is destroyed by a compile into a fresh output (a CI
runner), rule splits stay put, decisions are recorded and read back, `--locked` and
`edac lock --check` gate CI, and a broken lock is a diagnostic at its line."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest
from click.testing import CliRunner

from conftest import ROOT
from edac.cli import main
from edac.core import lock as lockfile

ORDERS = ROOT / "examples" / "orders"
MARKETPLACE = ROOT / "examples" / "marketplace"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def topo(tmp_path: Path) -> Path:
    target = tmp_path / "topology"
    shutil.copytree(ORDERS, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def remove_analytics(topo: Path) -> None:
    path = topo / "topology.yaml"
    text = path.read_text()
    start, end = text.index("  analytics:\n"), text.index("  email:\n")
    path.write_text(text[:start] + text[end:])
    edit(path, "to: [fulfillment, analytics, email]", "to: [fulfillment, email]")


def tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in path.rglob("*") if p.is_file()}


# -- the committed locks are current ------------------------------------------------------

@pytest.mark.parametrize("path", [ORDERS, MARKETPLACE,
                                  *sorted((ROOT / "tests" / "cases" / "compile").glob("*/input"))],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_the_committed_locks_are_current(path: Path) -> None:
    code, _, err = run("lock", "--check", str(path))
    assert code == 0, err
    assert "is up to date" in err


# -- a fresh output directory, as on a CI runner ------------------------------------------

def test_a_removal_is_refused_in_a_fresh_output(topo: Path, tmp_path: Path) -> None:
    assert run("compile", str(topo), "-o", str(tmp_path / "first"))[0] == 0
    lock_before = (topo / "edac.lock").read_bytes()
    remove_analytics(topo)
    fresh = tmp_path / "fresh"
    code, _, err = run("compile", str(topo), "-o", str(fresh))
    assert code == 1, err
    assert "error[E801]: consumer `analytics` is no longer in the topology" in err
    assert "edac.lock:" in err  # pointed at the lock's record of it
    assert not fresh.exists()
    assert (topo / "edac.lock").read_bytes() == lock_before


def test_forget_is_recorded_and_needs_no_flag_again(topo: Path, tmp_path: Path) -> None:
    assert run("compile", str(topo), "-o", str(tmp_path / "first"))[0] == 0
    remove_analytics(topo)
    code, _, err = run("compile", str(topo), "-o", str(tmp_path / "a"), "--forget", "analytics")
    assert code == 0, err
    lock = json.loads((topo / "edac.lock").read_text())
    assert lock["decisions"] == {"analytics": {
        "choice": "forget",
        "resources": ["shop-prod-analytics", "shop-prod-analytics-dlq",
                      "shop-prod-analytics-target-dlq"]}}
    assert not any(r["owner"] == "analytics" for r in lock["resources"])
    # another fresh output, no flag: the decision comes from the lock
    code, _, err = run("compile", str(topo), "-o", str(tmp_path / "b"))
    assert code == 0, err
    for out in ("a", "b"):
        blocks = hcl2.load(io.StringIO((tmp_path / out / "forgotten.tf").read_text()))
        (moved,) = blocks["moved"]
        assert moved["from"] == '${module.consumer["analytics"]}'
        assert blocks["removed"][0]["lifecycle"][0]["destroy"] is False
    assert (tmp_path / "a" / "forgotten.tf").read_bytes() == \
        (tmp_path / "b" / "forgotten.tf").read_bytes()
    # naming it again is not an error (a re-run of the same command)
    assert run("compile", str(topo), "-o", str(tmp_path / "c"), "--forget", "analytics")[0] == 0


def test_allow_destroy_is_recorded(topo: Path, tmp_path: Path) -> None:
    run("compile", str(topo), "-o", str(tmp_path / "first"))
    remove_analytics(topo)
    code, _, err = run("compile", str(topo), "-o", str(tmp_path / "a"), "--allow-destroy",
                       "analytics")
    assert code == 0, err
    lock = json.loads((topo / "edac.lock").read_text())
    assert lock["decisions"]["analytics"]["choice"] == "allow-destroy"
    assert not (tmp_path / "a" / "forgotten.tf").exists()
    assert run("compile", str(topo), "-o", str(tmp_path / "b"))[0] == 0


# -- every stateful resource is guarded ----------------------------------------------------

def test_removing_the_archive_is_refused(topo: Path, tmp_path: Path) -> None:
    run("compile", str(topo), "-o", str(tmp_path / "first"))
    edit(topo / "topology.yaml", "bus:\n  archive_days: 30\n", "")
    code, _, err = run("compile", str(topo), "-o", str(tmp_path / "a"))
    assert code == 1
    assert "error[E803]: the bus no longer has an archive: applying would delete the archive " \
           "`shop-prod-archive` and every event in it" in err
    code, _, err = run("compile", str(topo), "-o", str(tmp_path / "a"), "--forget",
                       "bus.archive")
    assert code == 1 and "error[E802]" in err and "cannot leave the archive" in err
    code, _, err = run("compile", str(topo), "-o", str(tmp_path / "a"), "--allow-destroy",
                       "bus.archive")
    assert code == 0, err


def test_removing_the_last_idempotent_consumer_is_refused(topo: Path, tmp_path: Path) -> None:
    run("compile", str(topo), "-o", str(tmp_path / "first"))
    path = topo / "topology.yaml"
    edit(path, "    idempotency: true\n", "")
    edit(path, "    idempotency: {ttl: 24h}\n", "")
    code, _, err = run("compile", str(topo), "-o", str(tmp_path / "a"))
    assert code == 1
    assert "error[E804]: no consumer asks for idempotency any more: applying would delete " \
           "the idempotency table `shop-prod-idempotency`" in err
    code, _, err = run("compile", str(topo), "-o", str(tmp_path / "a"), "--forget",
                       "idempotency.table")
    assert code == 0, err
    blocks = hcl2.load(io.StringIO((tmp_path / "a" / "forgotten.tf").read_text()))
    assert blocks["removed"][0]["from"] == "${module.idempotency_table}"
    assert "moved" not in blocks
    assert not (tmp_path / "a" / "idempotency.tf").exists()
    # idempotency back: the decision no longer applies, the table is managed again
    edit(path, "    queue: {visibility_timeout: 1m}\n",
         "    idempotency: {ttl: 24h}\n    queue: {visibility_timeout: 1m}\n")
    assert run("compile", str(topo), "-o", str(tmp_path / "b"))[0] == 0
    assert not (tmp_path / "b" / "forgotten.tf").exists()
    assert json.loads((topo / "edac.lock").read_text())["decisions"] == {}


def test_a_customer_key_is_guarded_and_moves_with_a_rename(tmp_path: Path) -> None:
    topo = tmp_path / "encrypted"
    shutil.copytree(ROOT / "tests" / "cases" / "compile" / "encrypted" / "input", topo)
    text = (topo / "topology.yaml").read_text()
    assert "kms_key: create" in text
    run("compile", str(topo), "-o", str(tmp_path / "first"))
    keyed = [r for r in json.loads((topo / "edac.lock").read_text())["resources"]
             if r["kind"] == "kms_key"]
    assert keyed, "the case has a consumer with kms_key: create"
    owner = keyed[0]["owner"]
    # a rename moves the key with the consumer (it was replaced: every message lost)
    renamed = tmp_path / "renamed"
    shutil.copytree(topo, renamed)
    path = renamed / "topology.yaml"
    text = path.read_text()
    text = text.replace(f"  {owner}:\n", f"  {owner}-v2:\n    previously: [{owner}]\n", 1)
    text = "\n".join(re.sub(rf"\b{owner}\b", f"{owner}-v2", line)
                     if line.strip().startswith("to:") else line for line in text.split("\n"))
    path.write_text(text)
    code, _, err = run("compile", str(renamed), "-o", str(tmp_path / "renamed-out"))
    assert code == 0, err
    moved = hcl2.load(io.StringIO((tmp_path / "renamed-out" / "moved.tf").read_text()))["moved"]
    assert {"from": f'${{module.queue_key["{owner}"]}}',
            "to": f'${{module.queue_key["{owner}-v2"]}}'} in [
        {"from": m["from"], "to": m["to"]} for m in moved]
    # dropping `kms_key: create` would delete the key
    edit(topo / "topology.yaml", "kms_key: create", "kms_key: alias/team-key")
    code, _, err = run("compile", str(topo), "-o", str(tmp_path / "a"))
    assert code == 1 and "error[E805]" in err, err
    code, _, err = run("compile", str(topo), "-o", str(tmp_path / "a"), "--forget", owner)
    assert code == 0, err
    blocks = hcl2.load(io.StringIO((tmp_path / "a" / "forgotten.tf").read_text()))
    assert blocks["moved"][0]["from"] == f'${{module.queue_key["{owner}"]}}'


# -- stable rule splits --------------------------------------------------------------------

SEVEN = """version: 1
name: fan
producers:
  app: {source: com.fan.app}
events:
  Ping: {producer: app}
consumers:
%s
routes:
  wide:
    events: [Ping]
    to: [%s]
"""


def fan(path: Path, consumers: list[str], order: list[str]) -> None:
    body = "\n".join(f"  {c}:\n    container: {{role: worker}}" for c in consumers)
    path.mkdir(parents=True, exist_ok=True)
    (path / "topology.yaml").write_text(SEVEN % (body, ", ".join(order)))


def rule_targets(out: Path) -> dict[str, list[str]]:
    rules = hcl2.load(io.StringIO((out / "routes.tf").read_text()))["locals"][0]["rules"]
    return {key.strip('"'): sorted(v.strip('"') for v in rule["targets"].values())
            for key, rule in rules.items()}


def test_reordering_to_changes_no_byte(tmp_path: Path) -> None:
    names = [f"c{i}" for i in range(1, 8)]
    topo = tmp_path / "fan"
    fan(topo, names, names)
    assert run("compile", str(topo), "-o", str(tmp_path / "a"))[0] == 0
    assert rule_targets(tmp_path / "a") == {"wide": names[:5], "wide-2": names[5:]}
    fan(topo, names, list(reversed(names)))
    assert run("compile", str(topo), "-o", str(tmp_path / "b"))[0] == 0
    first, second = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert first == second


def test_adding_and_removing_consumers_moves_no_target(tmp_path: Path) -> None:
    names = [f"c{i}" for i in range(1, 8)]
    topo = tmp_path / "fan"
    fan(topo, names, names)
    run("compile", str(topo), "-o", str(tmp_path / "a"))
    before = rule_targets(tmp_path / "a")
    # an eighth consumer, put first in `to:`: it fills the free slot of the second rule
    fan(topo, ["c0", *names], ["c0", *names])
    assert run("compile", str(topo), "-o", str(tmp_path / "b"))[0] == 0
    after = rule_targets(tmp_path / "b")
    assert after == {"wide": before["wide"], "wide-2": sorted([*before["wide-2"], "c0"])}
    # a consumer of the first rule goes (allowed): nobody moves into its place but new ones
    fan(topo, ["c0", *names[1:]], ["c0", *names[1:]])
    code, _, err = run("compile", str(topo), "-o", str(tmp_path / "c"), "--allow-destroy", "c1")
    assert code == 0, err
    assert rule_targets(tmp_path / "c") == {"wide": names[1:5],
                                             "wide-2": sorted([*names[5:], "c0"])}


def test_the_split_is_in_the_lock_and_diff_reports_a_moved_target(tmp_path: Path) -> None:
    names = [f"c{i}" for i in range(1, 8)]
    topo = tmp_path / "fan"
    fan(topo, names, names)
    run("compile", str(topo), "-o", str(tmp_path / "a"))
    lock = json.loads((topo / "edac.lock").read_text())
    assert lock["rules"] == {"wide": [names[:5], names[5:]]}
    base = tmp_path / "base"
    shutil.copytree(topo, base)
    # a hand-edited split (as a merge of two branches might leave it): the targets move
    lock["rules"]["wide"] = [names[2:7], names[:2]]
    (topo / "edac.lock").write_text(json.dumps(lock))
    code, out, err = run("diff", "--base", str(base), str(topo))
    assert code == 0, err
    assert "Targets move to another rule" in out
    assert "`c1` of route `wide`: `fan-wide` → `fan-wide-2`" in out


# -- CI: --locked and lock --check ---------------------------------------------------------

def test_locked_fails_when_the_lock_would_change(topo: Path, tmp_path: Path) -> None:
    assert run("compile", str(topo), "-o", str(tmp_path / "a"), "--locked")[0] == 0
    edit(topo / "topology.yaml", "to: [fulfillment, analytics, email]",
         "to: [fulfillment, analytics, email, shipping-stub]")
    edit(topo / "topology.yaml", "routes:\n", "  shipping-stub:\n    container: {role: worker}\n"
         "routes:\n")
    before = (topo / "edac.lock").read_bytes()
    for fmt in ("human", "json"):
        code, out, err = run("compile", str(topo), "-o", str(tmp_path / "b"), "--locked",
                             "--format", fmt)
        assert code == 1
        assert "E806" in (out if fmt == "json" else err)
    assert not (tmp_path / "b").exists()
    assert (topo / "edac.lock").read_bytes() == before
    code, _, err = run("lock", "--check", str(topo))
    assert code == 1 and "error[E806]" in err
    assert run("compile", str(topo), "-o", str(tmp_path / "b"))[0] == 0
    assert run("compile", str(topo), "-o", str(tmp_path / "c"), "--locked")[0] == 0
    assert run("lock", "--check", str(topo))[0] == 0


def test_locked_needs_a_lock(tmp_path: Path) -> None:
    topo = tmp_path / "t"
    shutil.copytree(ORDERS, topo)
    (topo / "edac.lock").unlink()
    code, _, err = run("compile", str(topo), "-o", str(tmp_path / "o"), "--locked")
    assert code == 1 and "error[E806]" in err and "does not exist" in err


def test_lock_option_places_the_lock(topo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "locks" / "shop.lock"
    elsewhere.parent.mkdir()
    code, _, err = run("compile", str(topo), "-o", str(tmp_path / "o"), "--lock",
                       str(elsewhere))
    assert code == 0, err
    assert lockfile.parse(elsewhere.read_text(), str(elsewhere))[0] is not None


# -- migration and disagreement -----------------------------------------------------------

def test_an_output_manifest_seeds_a_missing_lock(topo: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    run("compile", str(topo), "-o", str(out))
    (topo / "edac.lock").unlink()  # as if compiled by an edac without locks
    remove_analytics(topo)
    code, _, err = run("compile", str(topo), "-o", str(out))
    assert code == 1 and "error[E801]: consumer `analytics`" in err
    assert not (topo / "edac.lock").exists()
    code, _, err = run("compile", str(topo), "-o", str(out), "--forget", "analytics")
    assert code == 0, err
    assert "seeded from the output's .edac-manifest.json" in err
    assert json.loads((topo / "edac.lock").read_text())["decisions"]["analytics"]["choice"] \
        == "forget"


def test_a_lock_and_a_manifest_that_disagree(topo: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    run("compile", str(topo), "-o", str(out))
    manifest = json.loads((out / ".edac-manifest.json").read_text())
    manifest["data"]["consumers"]["ghost"] = {"queues": ["g", "g-dlq", "g-target-dlq"]}
    (out / ".edac-manifest.json").write_text(json.dumps(manifest))
    code, _, err = run("compile", str(topo), "-o", str(out))
    assert code == 0, err
    assert "warning[W807]" in err and "queue `g` of `ghost`" in err and "the lock wins" in err


# -- a broken lock ------------------------------------------------------------------------

BROKEN = {
    "truncated": (lambda t: t[: len(t) // 2], "E811", "not valid JSON"),
    "not-json": (lambda t: "edac lock\n", "E811", "not valid JSON"),
    "newer": (lambda t: t.replace('"format": 1', '"format": 7'), "E813", "newer edac"),
    "bad-kind": (lambda t: t.replace('"kind": "dlq"', '"kind": "bucket"', 1), "E812",
                 "unknown resource kind `bucket`"),
    "bad-decision": (lambda t: t.replace('"decisions": {}',
                                         '"decisions": {"x": {"choice": "keep"}}'), "E812",
                     "the decision for `x`"),
    "bad-decision-account": (lambda t: t.replace(
        '"decisions": {}', '"decisions": {"x": {"choice": "forget", "resources": ["q"], '
        '"account": "data"}}'), "E812", "its 12-digit `account`"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
@pytest.mark.parametrize("fmt", ["short", "json"])
def test_a_broken_lock_is_a_diagnostic_at_its_line(topo: Path, tmp_path: Path, case: str,
                                                   fmt: str) -> None:
    change, code_, words = BROKEN[case]
    lock = topo / "edac.lock"
    text = change(lock.read_text())
    lock.write_text(text)
    code, out, err = run("compile", str(topo), "-o", str(tmp_path / "o"), "--format", fmt)
    assert code == 1
    assert not (tmp_path / "o").exists() and lock.read_text() == text
    if fmt == "json":
        (d,) = json.loads(out)["diagnostics"]
        assert d["code"] == code_ and words in d["message"], d
        assert d["span"]["file"].endswith("edac.lock") and d["span"]["line"] >= 1
    else:
        assert "edac.lock:" in err and f"error[{code_}]" in err and words in err, err
        assert "Traceback" not in err


def test_a_lock_naming_what_the_topology_never_had(topo: Path, tmp_path: Path) -> None:
    lock = json.loads((topo / "edac.lock").read_text())
    lock["resources"].append({"owner": "ghost", "kind": "queue", "name": "shop-prod-ghost",
                              "address": 'module.consumer["ghost"].aws_sqs_queue.this'})
    (topo / "edac.lock").write_text(json.dumps(lock, indent=2, sort_keys=True))
    code, _, err = run("compile", str(topo), "-o", str(tmp_path / "o"), "--format", "short")
    assert code == 1
    line = next(line for line in err.splitlines() if "E801" in line)
    assert "edac.lock:" in line and "consumer `ghost`" in line


# -- diff reads both locks, from two git revisions ----------------------------------------

def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                          text=True).stdout


def test_fail_on_destroy_knows_the_recorded_decision(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(ORDERS, repo / "topology")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "t")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    git(repo, "switch", "-q", "-c", "change")
    monkeypatch.chdir(repo)
    remove_analytics(repo / "topology")
    # removed without a decision: diff fails
    code, out, err = run("diff", "--base", "main", "topology", "--fail-on-destroy")
    assert code == 1 and "error[E801]" in err
    assert "[!CAUTION]" in out
    # the author chose --forget; the lock they commit says so: diff passes
    assert run("compile", "topology", "-o", str(tmp_path / "out"), "--forget",
               "analytics")[0] == 0
    git(repo, "commit", "-qam", "remove analytics, keep its queues")
    code, out, err = run("diff", "--base", "main", "topology", "--fail-on-destroy")
    assert code == 0, err
    assert "[!CAUTION]" not in out
    assert "Decided in the lock" in out and "`--forget`, kept in AWS" in out
    # what the reviewer sees comes from the two revisions only: a stray local output is not
    # read (there is none in the repository)
    assert "out" not in git(repo, "ls-files")
