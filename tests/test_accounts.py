"""Producers and consumers in accounts of their own (issue 17): one Terraform root for the bus's
account and one per other account, wired by ARNs (tests/cases/compile/accounts; its golden
output is in tests/golden/cases/accounts, its roots pass terraform validate in
tests/test_terraform.py, checkov in tests/test_checkov.py, parliament in
tests/test_parliament.py; the catalogue cases 176-179 are its diagnostics)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from conftest import ROOT
from edac.api import compile_paths, load_topology
from edac.core import lock as lockfile
from edac.core import policies
from edac.core.checks import quotas
from test_environments import run
from tftools import require_terraform, run_terraform

CASE = ROOT / "tests" / "cases" / "compile" / "accounts" / "input"


def test_each_account_gets_its_own_root_wired_by_arns() -> None:
    files = compile_paths([str(CASE)]).files
    roots = sorted({rel.split("/")[1] for rel in files if rel.startswith("accounts/")})
    assert roots == ["222222222222", "333333333333"]  # by id: names of accounts may change
    # the bus's account: the bus, the rules, the local consumer, the delivery role
    assert "    notifier = {" in files["consumers.tf"]
    assert "ledger" not in files["consumers.tf"] and "loader" not in files["consumers.tf"]
    delivery = files["delivery.tf"]
    assert '"arn:aws:sqs:eu-west-1:222222222222:pay-prod-ledger.fifo"' in delivery
    assert '"arn:aws:sqs:eu-west-1:333333333333:pay-prod-loader"' in delivery
    assert '"aws:SourceAccount": "111111111111"' in delivery
    assert "role_arn                     = aws_iam_role.cross_account_delivery.arn" in \
        files["routes.tf"]
    # the payments account: its consumer (with its key and table) and its producer's policy
    payments = {rel.split("/", 2)[2]: text for rel, text in files.items()
                if rel.startswith("accounts/222222222222/")}
    assert sorted(payments) == ["account.tf", "alarms.tf", "consumers.tf", "idempotency.tf",
                                "keys.tf", "outputs.tf", "producers.tf", "providers.tf",
                                "variables.tf", "versions.tf"]
    assert 'allowed_account_ids = ["222222222222"]' in payments["providers.tf"]
    assert ('delivery_role_arn = "arn:aws:iam::111111111111:role/'
            'pay-prod-cross-account-delivery"') in payments["account.tf"]
    assert 'source   = "../../modules/consumer"' in payments["consumers.tf"]
    assert "eventbridge_role_arn = local.delivery_role_arn" in payments["keys.tf"]
    assert '"payments arn:aws:iam::222222222222:role/payments-api"' in payments["producers.tf"]
    # a module is copied once, at the top
    assert not any(rel.startswith("accounts/") and "/modules/" in rel for rel in files)


def test_an_account_named_like_the_bus_is_the_bus_root() -> None:
    """In staging, `data` is the bus's account: the loader's queues are in the bus's root,
    and only payments has a root of its own."""
    files = compile_paths([str(CASE)], environment="staging").files
    assert sorted({rel.split("/")[1] for rel in files if rel.startswith("accounts/")}) == \
        ["555555555555"]
    assert "    loader = {" in files["consumers.tf"]
    assert '"arn:aws:sqs:eu-west-1:555555555555:pay-staging-ledger.fifo"' in \
        files["delivery.tf"]


def test_the_policies_follow_the_accounts() -> None:
    topo = load_topology([str(CASE)]).topology
    assert topo is not None
    where = policies.Where.of(topo)
    ledger = topo.consumers["ledger"]
    queue = policies.queue_policy(topo, ledger, where)
    sids = [s["Sid"] for s in queue["Statement"]]
    assert sids == ["AllowTheBusAccountsEventBridgeRole", "DenyInsecureTransport"]
    assert queue["Statement"][0]["Principal"] == {
        "AWS": "arn:aws:iam::111111111111:role/pay-prod-cross-account-delivery"}
    assert queue["Statement"][0]["Resource"] == \
        "arn:aws:sqs:eu-west-1:222222222222:pay-prod-ledger.fifo"
    # the target DLQ takes EventBridge's dead letters from the bus account's rule
    dlq = policies.target_dlq_policy(topo, ledger, where)
    assert dlq["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"] == [
        "arn:aws:events:eu-west-1:111111111111:rule/pay-prod-events/pay-prod-money"]
    key = policies.key_policy(topo, ledger, where)
    assert key["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::222222222222:root"}
    assert key["Statement"][2]["Condition"] == {
        "StringEquals": {"kms:ViaService": "sqs.eu-west-1.amazonaws.com"}}
    consume = policies.consume_policy(topo, ledger, where)
    assert consume["Statement"][1]["Resource"] == \
        "arn:aws:dynamodb:eu-west-1:222222222222:table/pay-prod-idempotency"
    # the local consumer is as before
    notifier = policies.queue_policy(topo, topo.consumers["notifier"], where)
    assert notifier["Statement"][0]["Sid"] == "AllowEventBridgeRules"


def test_the_delivery_role_policy_grows_until_the_diagnostic_fires(tmp_path: Path) -> None:
    """Each consumer of another account adds its queue to the delivery role's policy: from
    80 % of IAM's 10,240 characters a warning, past them an error, at the `account:` of the
    last of them."""
    head = """version: 1
name: big
environment: prod
accounts: {other: "222222222222"}
environments:
  prod: {account: "111111111111", region: eu-west-1}
teams:
  t:
    alerts: {email: [oncall@big.example]}
producers:
  p: {source: com.big.p, team: t}
events:
  E: {producer: p}
consumers:
"""
    seen = set()
    for n in (120, 170, 220):
        lines = [head]
        lines += [f"  c{i:03}: {{team: t, account: other, container: {{role: w}}}}"
                  for i in range(n)]
        lines += ["routes:"]
        lines += [f"  r{i:03}: {{events: [E], filter: {{n: [{i}]}}, to: [c{i:03}]}}"
                  for i in range(n)]
        text = "\n".join(lines) + "\n"
        (tmp_path / "topology.yaml").write_text(text)
        result = load_topology([str(tmp_path)])
        topo = result.topology
        found = [(d.code, d.span.line if d.span else None) for d in result.diagnostics
                 if "delivery" in d.message]
        assert topo is not None
        size = len("".join(policies.encode(policies.delivery_policy(
            topo, policies.Where("eu-west-1", "111111111111"))).split()))
        last_line = text.splitlines().index(f"  c{n - 1:03}: {{team: t, account: other, "
                                            "container: {role: w}}") + 1
        if size > quotas.ROLE_INLINE_CHARS:
            assert ("E751", last_line) in found, (n, size, found)
            seen.add("E751")
        elif size > quotas.ROLE_INLINE_CHARS * quotas.NEAR:
            assert ("W752", last_line) in found, (n, size, found)
            seen.add("W752")
        else:
            assert found == [], (n, size)
    assert seen == {"W752", "E751"}


def test_a_consumer_moving_to_another_account_is_refused(tmp_path: Path) -> None:
    topo = tmp_path / "topology"
    shutil.copytree(CASE, topo)
    text = (topo / "topology.yaml").read_text()
    (topo / "topology.yaml").write_text(text.replace("    team: data\n    account: data\n",
                                                     "    team: data\n"))
    code, _, err = run("compile", str(topo), "-o", str(tmp_path / "out"))
    assert code == 1 and not (tmp_path / "out").exists()
    assert "error[E801]: consumer `loader` moves to the bus account" in err
    assert ("`--forget loader` keeps them in AWS (Terraform stops managing them: in account "
            "333333333333, whose root forgets them)") in err
    # --forget: the data account's root keeps the blocks that make its state forget them,
    # in every compile while the consumer lives elsewhere (the decision is in the lock)
    kept = tmp_path / "kept"
    shutil.copytree(topo, kept)
    for _ in range(2):
        code, _, err = run("compile", str(kept), "-o", str(tmp_path / "kept-out"),
                           *(["--forget", "loader"] if _ == 0 else []))
        assert code == 0, err
        root = tmp_path / "kept-out" / "accounts" / "333333333333"
        forgotten = (root / "forgotten.tf").read_text()
        assert 'from = module.consumer["loader"]' in forgotten
        assert 'required_version = ">= 1.7"' in (root / "versions.tf").read_text()
    assert json.loads((kept / "edac.lock").read_text())["decisions"]["loader"] == {
        "account": "333333333333", "choice": "forget",
        "resources": ["pay-prod-loader", "pay-prod-loader-dlq", "pay-prod-loader-target-dlq"]}
    require_terraform()
    run_terraform(["init", "-backend=false", "-input=false", "-no-color"], root)
    assert json.loads(run_terraform(["validate", "-json", "-no-color"], root).stdout)[
        "valid"] is True
    code, _, err = run("compile", str(topo), "-o", str(tmp_path / "out"), "--allow-destroy",
                       "loader")
    assert code == 0, err
    # the data account keeps a root without resources: applying it destroys the old queues
    emptied = tmp_path / "out" / "accounts" / "333333333333"
    assert sorted(p.name for p in emptied.glob("*.tf")) == [
        "providers.tf", "vacated.tf", "variables.tf", "versions.tf"]
    assert 'allowed_account_ids = ["333333333333"]' in (emptied / "providers.tf").read_text()
    require_terraform()
    run_terraform(["init", "-backend=false", "-input=false", "-no-color"], emptied)
    assert json.loads(run_terraform(["validate", "-json", "-no-color"], emptied).stdout)[
        "valid"] is True
    # the next compiles write it too, while the lock's decision for that account stands:
    # compiled twice before an apply, the old queues are still destroyed when it is applied
    assert json.loads((topo / "edac.lock").read_text())["decisions"]["loader"]["account"] \
        == "333333333333"
    for _ in range(2):
        code, _, err = run("compile", str(topo), "-o", str(tmp_path / "out"))
        assert code == 0, err
        assert sorted(p.name for p in emptied.glob("*.tf")) == [
            "providers.tf", "vacated.tf", "variables.tf", "versions.tf"]
    # the loader back in the data account (a move again, from the bus's account): that
    # decision ends, the data account's root holds the loader again
    (topo / "topology.yaml").write_text(text)
    code, _, err = run("compile", str(topo), "-o", str(tmp_path / "out"), "--allow-destroy",
                       "loader")
    assert code == 0, err
    decision = json.loads((topo / "edac.lock").read_text())["decisions"]["loader"]
    assert "account" not in decision  # the bus account's queues it destroys now
    assert not (emptied / "vacated.tf").exists() and (emptied / "consumers.tf").is_file()


def test_the_lock_records_the_account_of_what_is_elsewhere() -> None:
    doc = json.loads((CASE / "edac.lock").read_text())
    accounts = {(r["owner"], r["kind"]): r.get("account") for r in doc["resources"]}
    assert accounts[("ledger", "queue")] == "222222222222"
    assert accounts[("ledger", "kms_key")] == "222222222222"
    assert accounts[("loader", "queue")] == "333333333333"
    assert accounts[("notifier", "queue")] is None  # the bus's account: not written
    tables = [r.get("account") for r in doc["resources"] if r["kind"] == "idempotency_table"]
    assert tables == ["222222222222"]
    # a lock without accounts (every lock before) reads as the bus's account
    old, problems = lockfile.parse((ROOT / "examples" / "orders" / "edac.lock").read_text(),
                                   "edac.lock")
    assert problems == [] and old is not None
    assert {r.account for r in old.resources} == {""}
    bad = doc | {"resources": [doc["resources"][0] | {"account": "12"}]}
    _, problems = lockfile.parse(json.dumps(bad), "edac.lock")
    assert [p.code for p in problems] == ["E812"]


def test_the_diff_names_the_roots_whose_plan_changes(tmp_path: Path,
                                                     monkeypatch: Any) -> None:
    base, head = tmp_path / "base", tmp_path / "head"
    shutil.copytree(CASE, base)
    shutil.copytree(CASE, head)
    text = (head / "topology.yaml").read_text()
    (head / "topology.yaml").write_text(text.replace(
        "visibility_timeout: 90s, kms_key: create}", "visibility_timeout: 120s, kms_key: create}"))
    monkeypatch.chdir(tmp_path)
    code, out, err = run("diff", "--base", "base", "head")
    assert code == 0, err
    assert "Terraform roots whose plan changes: `accounts/222222222222` (account " \
        "`222222222222`)." in out
    # a route's retries: the bus account's rules only
    (head / "topology.yaml").write_text(text.replace("retry: {attempts: 20, max_age: 6h}",
                                                     "retry: {attempts: 10, max_age: 6h}"))
    code, out, err = run("diff", "--base", "base", "head")
    assert "Terraform roots whose plan changes: `.` (account `111111111111`)." in out
    # a topology of one account says nothing of roots
    code, out, _ = run("diff", "--base", str(ROOT / "examples" / "orders"),
                       str(ROOT / "examples" / "orders"))
    assert "Terraform roots" not in out


def _variant(tmp_path: Path, name: str, *edits: tuple[str, str]) -> Path:
    topo = tmp_path / name
    if not topo.exists():
        shutil.copytree(CASE, topo)
    text = (topo / "topology.yaml").read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    (topo / "topology.yaml").write_text(text)
    return topo


def test_renaming_an_account_keeps_its_root(tmp_path: Path) -> None:
    """Roots are named by account id: a new name for the payments account (or a second
    name for it) changes no path, so no root is parted from its state."""
    topo = _variant(tmp_path, "t")
    out = tmp_path / "out"
    assert run("compile", str(topo), "-o", str(out))[0] == 0
    before = sorted(p.relative_to(out).as_posix() for p in (out / "accounts").rglob("*.tf"))
    _variant(tmp_path, "t", ('  payments: "222222222222"', '  pay: "222222222222"'),
             ("    account: payments\n", "    account: pay\n"))
    code, _, err = run("compile", str(topo), "-o", str(out), "--warnings-as-errors")
    assert code == 0, err  # and no W807: the output's manifest agrees with the lock
    after = sorted(p.relative_to(out).as_posix() for p in (out / "accounts").rglob("*.tf"))
    assert after == before


def test_a_forgotten_table_stays_forgotten_while_another_account_has_one(
        tmp_path: Path) -> None:
    topo = _variant(tmp_path, "t", ("  notifier:\n    team: payments\n",
                                    "  notifier:\n    team: payments\n    idempotency: true\n"))
    out = tmp_path / "out"
    assert run("compile", str(topo), "-o", str(out))[0] == 0
    _variant(tmp_path, "t", ("    idempotency: true\n    lambda: {function: payment-notifier",
                             "    lambda: {function: payment-notifier"))
    code, _, err = run("compile", str(topo), "-o", str(out))
    assert code == 1 and "error[E804]" in err
    assert run("compile", str(topo), "-o", str(out), "--forget", "idempotency.table")[0] == 0
    assert (out / "forgotten.tf").is_file()
    code, _, err = run("compile", str(topo), "-o", str(out))  # the decision holds
    assert code == 0, err
    assert (out / "forgotten.tf").is_file()
    assert run("lock", "--check", str(topo))[0] == 0


def test_a_key_of_another_account_is_given_by_arn(tmp_path: Path) -> None:
    topo = _variant(tmp_path, "t", ("kms_key: create}", "kms_key: alias/ledger}"))
    code, _, err = run("validate", str(topo), "--format", "short")
    assert code == 1
    assert "error[E607]: consumer `ledger` lives in account `payments`: its queue key " \
        "`alias/ledger` must be given as a key ARN" in err


def test_an_account_name_reaches_hcl_only_as_a_comment(tmp_path: Path) -> None:
    import io

    import hcl2

    name = 'pay\\nresource \\"aws_iam_user\\" \\"x\\" {}\\n#'
    topo = _variant(tmp_path, "t", ('  payments: "222222222222"', f'  "{name}": "222222222222"'),
                    ("    account: payments\n", f'    account: "{name}"\n'))
    files = compile_paths([str(topo)]).files
    text = files["accounts/222222222222/account.tf"]
    parsed = hcl2.load(io.StringIO(text))
    assert set(parsed) - {"__comments__"} == {"locals"}  # no resource came in with the name
    assert all(line.startswith("#") or 'resource "aws_iam_user"' not in line
               for line in text.splitlines())
