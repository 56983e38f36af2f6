"""One topology, several environments (`environments:`): `edac compile --environment`, the
lock of each environment, what may and may not differ, and where the diagnostics point."""

from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path

import hcl2
import pytest

from conftest import ROOT
from edac.api import compile_paths, load_topology
from edac.io.write import write_output
from test_lock import edit
from test_lock import run as lock_run
from tftools import require_terraform, run_terraform

MARKET = ROOT / "examples" / "marketplace"  # staging (the default) and prod
ORDERS = ROOT / "examples" / "orders"  # no environments


def run(*args: str) -> tuple[int, str, str]:
    status, stdout, stderr = lock_run(*args)
    assert "Traceback" not in stdout + stderr
    return status, stdout, stderr


@pytest.fixture
def topo(tmp_path: Path) -> Path:
    """A copy of examples/marketplace."""
    return Path(shutil.copytree(MARKET, tmp_path / "topology"))


def compiled(environment: str | None) -> dict[str, str]:
    result = compile_paths([str(MARKET)], environment=environment)
    assert result.result.ok, [d.message for d in result.result.diagnostics]
    assert not result.result.diagnostics, [d.message for d in result.result.diagnostics]
    return result.files


# -- what differs -----------------------------------------------------------------------------

# what prod sets over the topology (examples/marketplace), as it appears in the Terraform: a
# line of the two outputs may differ only by these, once names, account and region agree
PROD_SETS = (
    "cost-center",  # tags
    "archive_retention_days", "archive 90d", "archive 7d",  # bus.archive_days 7 -> 90
    "message_retention_seconds",  # defaults.queue.retention 4d -> 7d
    "oldest_message_age_threshold_seconds",  # defaults.alarms 10m -> 5m
    "older than 5m", "longer than 5m", "older than 10m", "longer than 10m",  # as said
    "maximum_concurrency",  # loyalty's lambda
    "integrations-worker", "integrations#45;worker",  # webhooks' role
    "email", "https", "read by `comms",  # comms' alerts
)


def normalised(text: str) -> str:
    """Prod's text with staging's names, account and --environment."""
    return (text.replace("market-prod", "market-staging").replace("444455556666", "123456789012")
            .replace("--environment prod", "--environment staging")
            .replace("environment prod", "environment staging")
            .replace("market#45;prod", "market#45;staging"))  # Mermaid's escape of `-`


def test_two_environments_differ_only_in_what_differs() -> None:
    staging, prod = compiled(None), compiled("prod")
    assert compiled("staging") == staging  # the default environment, named or not
    assert sorted(prod) == sorted(staging)
    changed = []
    for name in sorted(staging):
        if name.startswith("modules/"):
            assert prod[name] == staging[name], name
            continue
        ours, theirs = staging[name].splitlines(), normalised(prod[name]).splitlines()
        # the same lines, but for the values (a line by line comparison)
        assert len(ours) == len(theirs), "\n".join(difflib.unified_diff(ours, theirs))
        for mine, other in zip(ours, theirs, strict=True):
            if mine != other:
                changed.append(other)
                assert any(t in mine for t in PROD_SETS) and \
                    any(t in other for t in PROD_SETS), (name, mine, other)
    assert len(changed) > 20  # the overrides are there at all
    # and the names and account really are the environment's
    assert 'allowed_account_ids = ["444455556666"]' in prod["providers.tf"]
    assert 'allowed_account_ids = ["123456789012"]' in staging["providers.tf"]
    assert 'default     = "us-east-1"' in prod["variables.tf"]
    assert '"market-prod-bus"' in prod["bus.tf"] and "market-staging" not in prod["bus.tf"]
    assert "edac status --environment prod examples/marketplace" in prod["consumers.tf"]


def test_the_settings_an_environment_sets_are_applied() -> None:
    topo = load_topology([str(MARKET)], environment="prod").topology
    base = load_topology([str(MARKET)]).topology
    assert topo is not None and base is not None
    assert (topo.environment, topo.account, topo.region) == ("prod", "444455556666",
                                                            "us-east-1")
    assert (base.environment, base.account) == ("staging", "123456789012")
    assert (topo.bus.name, topo.bus.archive_days) == ("market-prod-bus", 90)
    assert (base.bus.name, base.bus.archive_days) == ("market-staging-bus", 7)
    assert topo.tags == {"cost-center": "4712", "managed-by": "edac"}
    # defaults: over the topology's defaults, under a consumer's own
    assert topo.consumers["ledger"].queue.retention == 7 * 86400
    assert base.consumers["ledger"].queue.retention == 4 * 86400
    assert topo.consumers["ledger"].alarms.oldest_message_age == 300
    assert topo.consumers["loyalty"].queue.visibility_timeout == 60  # its own, kept
    loyalty = topo.consumers["loyalty"].lambda_
    assert loyalty is not None and loyalty.max_concurrency == 20
    assert loyalty.function == "award-points" and loyalty.batch_size == 25  # kept
    webhooks = topo.consumers["webhooks"].container
    assert webhooks is not None and webhooks.role == "integrations-worker-prod"
    comms = topo.declared_teams["comms"]
    assert comms.email == ("comms-oncall@market.example",)
    assert comms.https == ("https://events.market.example/alerts/comms",)
    assert base.declared_teams["comms"].https == ()


def test_a_diagnostic_about_an_environments_value_points_at_it(topo: Path) -> None:
    """A visibility timeout that prod sets below the function's timeout: E502 at prod's
    line, not the consumer's."""
    edit(topo / "system.yaml", "        lambda: {max_concurrency: 20}",
         "        lambda: {max_concurrency: 20}\n        queue: {visibility_timeout: 2s}")
    status, stdout, _ = run("validate", "--format", "json", str(topo))
    assert status == 1
    found = json.loads(stdout)["diagnostics"]
    e502 = [d for d in found if d["code"] == "E502"]
    assert len(e502) == 1, found
    span = e502[0]["span"]
    assert span["file"].endswith("system.yaml")
    line = (topo / "system.yaml").read_text().splitlines()[span["line"] - 1]
    assert line.strip() == "queue: {visibility_timeout: 2s}"
    assert span["column"] == line.index("2s") + 1
    # only prod has the problem: `--environment staging` is clean
    assert run("validate", "-e", "staging", str(topo))[0] == 0


def test_validate_checks_every_environment_and_says_each_problem_once(topo: Path) -> None:
    edit(topo / "audit.yaml", "    team: catalog\n", "    team: catalog\n    bogus: 1\n")
    status, stdout, _ = run("validate", "--format", "json", str(topo))
    assert status == 1
    codes = [d["code"] for d in json.loads(stdout)["diagnostics"]]
    assert codes == ["E101"]
    # a problem of one environment only is found without naming it
    edit(topo / "audit.yaml", "    bogus: 1\n", "")
    edit(topo / "system.yaml", 'account: "444455556666"', 'account: "44445555666"')
    status, stdout, stderr = run("validate", str(topo))
    assert status == 1 and "error[E744]" in stderr, stderr
    assert run("validate", "-e", "staging", str(topo))[0] == 0


# -- the command line ---------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["human", "json"])
def test_environments_on_the_command_line(topo: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "out"
    # a name the topology does not declare: E904 (usage), with a suggestion
    status, stdout, stderr = run("compile", str(topo), "-e", "prdo", "-o", str(out),
                                 "--format", fmt)
    assert status == 2 and not out.exists()
    text = stdout if fmt == "json" else stderr
    assert "E904" in text and "`prod`" in text
    # no default: E911 names the choices
    edit(topo / "system.yaml", "environment: staging   # compiled", "# compiled")
    status, stdout, stderr = run("compile", str(topo), "-o", str(out), "--format", fmt)
    assert status == 2 and not out.exists()
    text = stdout if fmt == "json" else stderr
    assert "E911" in text and "prod" in text and "staging" in text
    # --environment on a topology without environments: E904
    status, _, _ = run("compile", str(ORDERS), "-e", "prod", "-o", str(out), "--format", fmt)
    assert status == 2 and not out.exists()


def test_each_environment_has_its_own_lock(topo: Path, tmp_path: Path) -> None:
    (topo / "edac.lock").unlink()
    (topo / "edac.prod.lock").unlink()
    assert run("compile", str(topo), "-o", str(tmp_path / "staging"))[0] == 0
    assert run("compile", str(topo), "-e", "prod", "-o", str(tmp_path / "prod"))[0] == 0
    staging_lock = json.loads((topo / "edac.lock").read_text())
    prod_lock = json.loads((topo / "edac.prod.lock").read_text())
    names = {r["name"] for r in prod_lock["resources"]}
    assert "market-prod-sms" in names and not any("staging" in n for n in names)
    assert "market-staging-sms" in {r["name"] for r in staging_lock["resources"]}
    # naming the default environment is the same lock
    assert run("compile", str(topo), "-e", "staging", "-o", str(tmp_path / "staging"))[0] == 0
    assert not (topo / "edac.staging.lock").exists()
    # prod's lock protects prod's queues: a removal is refused in a fresh output
    edit(topo / "notifications.yaml", "  sms:\n    team: comms\n"
         "    lambda: {function: notify-sms, timeout: 10s}\n", "")
    edit(topo / "notifications.yaml", "to: [email, sms, push,", "to: [email, push,")
    status, _, stderr = run("compile", str(topo), "-e", "prod", "-o", str(tmp_path / "new"))
    assert status == 1, stderr
    assert "error[E801]: consumer `sms` is no longer in the topology" in stderr
    assert "`market-prod-sms`" in stderr and "market-staging-sms" not in stderr
    assert not (tmp_path / "new").exists()
    # `edac lock --check` reads the environment's lock too
    status, _, stderr = run("lock", "--check", "-e", "prod", str(topo))
    assert status == 1 and "E801" in stderr


def test_the_committed_environment_locks_are_current() -> None:
    assert (MARKET / "edac.prod.lock").exists()
    for environment in ("prod", "staging"):
        status, _, stderr = run("lock", "--check", "-e", environment, str(MARKET))
        assert status == 0, stderr


def test_the_environments_output_is_valid_terraform(tmp_path: Path) -> None:
    require_terraform()
    out = tmp_path / "prod"
    result = compile_paths([str(MARKET)], environment="prod")
    assert result.result.ok
    write_output(out, result.files, result.manifest)
    providers = hcl2.loads((out / "providers.tf").read_text())["provider"][0]
    (aws,) = providers.values()
    assert [a.strip('"') for a in aws["allowed_account_ids"]] == ["444455556666"]
    run_terraform(["fmt", "-check", "-recursive", "-diff"], out)
    run_terraform(["init", "-backend=false", "-input=false", "-no-color"], out)
    proc = run_terraform(["validate", "-json", "-no-color"], out)
    report = json.loads(proc.stdout)
    assert report["valid"] is True and report["warning_count"] == 0, report


def test_diff_per_environment(topo: Path, tmp_path: Path) -> None:
    base = tmp_path / "base"
    shutil.copytree(topo, base)
    edit(topo / "system.yaml", "      queue: {retention: 7d}", "      queue: {retention: 8d}")
    status, prod, stderr = run("diff", str(topo), "--base", str(base), "-e", "prod")
    assert status == 0, stderr
    assert prod.startswith("<!-- edac diff prod -->\n")
    assert "environment `prod` (account 444455556666, us-east-1)" in prod
    assert "retention: `7d` → `8d`" in prod
    assert "market#45;prod#45;ledger" in prod and "market#45;staging" not in prod
    # staging does not change: its own comment says so
    status, staging, _ = run("diff", str(topo), "--base", str(base))
    assert status == 0
    assert staging.startswith("<!-- edac diff staging -->\n") and "No changes" in staging
    # an environment the base does not have: everything in it is new
    edit(topo / "system.yaml", "  prod:\n", "  qa:\n    account: \"333333333333\"\n"
         "    region: us-east-1\n    bus: {name: market-qa-bus}\n  prod:\n")
    status, qa, _ = run("diff", str(topo), "--base", str(base), "-e", "qa")
    assert status == 0 and "The base has no topology at these paths" in qa
    assert "`market-qa`" in qa


def test_an_organization_id_is_checked(topo: Path) -> None:
    edit(topo / "audit.yaml", "organization: o-m4rk3tpl4c3", "organization: market-org")
    status, stdout, _ = run("validate", "--format", "json", str(topo))
    assert status == 1
    (found,) = json.loads(stdout)["diagnostics"]
    assert found["code"] == "E744" and "`market-org` is not an AWS Organizations id" in \
        found["message"]
    line = (topo / "audit.yaml").read_text().splitlines()[found["span"]["line"] - 1]
    assert line.strip() == "organization: market-org"
