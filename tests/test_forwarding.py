"""Bus to bus (issue 17): routes that forward events to the buses of other domains (`buses:`,
`forward:`). The compile case tests/cases/compile/accounts forwards captured payments to the
data domain's bus (tests/cases/compile/forwarded is that domain) and refunds to an audit bus;
its roots pass terraform validate (tests/test_terraform.py), checkov (tests/test_checkov.py)
and parliament (tests/test_parliament.py); tests/e2e/test_e2e_accounts.py applies both
domains on the emulator and sends events through. The catalogue cases 180-183 are the
diagnostics of the YAML."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

from conftest import ROOT
from edac.api import compile_paths, load_topology
from edac.core import policies, simulate
from edac.core.checks import quotas
from edac.ops.replay import also_reached, rules_for
from test_environments import run

CASE = ROOT / "tests" / "cases" / "compile" / "accounts" / "input"
FORWARDED = ROOT / "tests" / "cases" / "compile" / "forwarded" / "input"

HEAD = """version: 1
name: shop
environment: prod
environments:
  prod: {account: "111111111111", region: eu-west-1}
accounts: {analytics: "333333333333"}
teams:
  data:
    alerts: {email: [data-oncall@shop.example]}
producers:
  orders: {source: com.shop.orders, team: data}
events:
  OrderPlaced: {producer: orders}
"""


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "topology.yaml").write_text(text)
    return tmp_path


def test_the_bus_root_forwards_as_its_role_with_a_dlq_per_bus() -> None:
    files = compile_paths([str(CASE)]).files
    forwarding = files["forwarding.tf"]
    assert '"arn:aws:events:eu-west-1:333333333333:event-bus/analytics-prod-events"' in \
        forwarding
    assert 'name               = "pay-prod-bus-forwarding"' in forwarding
    assert '"aws:SourceAccount": "111111111111"' in forwarding
    for bus in ("analytics", "audit"):
        assert f'dlq                     = "pay-prod-{bus}-forward-dlq"' in forwarding
    # the rule of each forwarding route puts on the bus as the role, its DLQ the bus's
    routes = files["routes.tf"]
    assert '"forward.analytics" = "analytics"' in routes
    assert "role_arn        = aws_iam_role.bus_forwarding.arn" in routes
    assert "dead_letter_arn = aws_sqs_queue.forward_dlq[bus].arn" in routes
    # nothing of it in the roots of other accounts: the receiving bus is the other domain's
    assert not any("forward" in text for rel, text in files.items()
                   if rel.startswith("accounts/"))
    # a topology without buses compiles as before: no forwarding, no bus targets
    plain = compile_paths([str(ROOT / "examples" / "orders")]).files
    assert "forwarding.tf" not in plain and "bus_targets" not in plain["routes.tf"]


def test_the_policies_name_exactly_the_forwarding_rules_and_buses() -> None:
    topo = load_topology([str(CASE)]).topology
    assert topo is not None
    where = policies.Where.of(topo)
    assert policies.forwarding_policy(topo, where)["Statement"] == [
        {"Sid": "PutEventsOnForwardedBuses", "Effect": "Allow", "Action": "events:PutEvents",
         "Resource": ["arn:aws:events:eu-west-1:333333333333:event-bus/analytics-prod-events",
                      "arn:aws:events:eu-west-1:333333333333:event-bus/audit-events"]}]
    dlq = policies.forward_dlq_policy(topo, topo.buses["analytics"], where)
    assert dlq["Statement"][0]["Condition"] == {"ArnEquals": {"aws:SourceArn": [
        "arn:aws:events:eu-west-1:111111111111:rule/pay-prod-events/"
        "pay-prod-captured-to-analytics"]}}
    statement = policies.receiving_bus_statement(topo, topo.buses["analytics"], where)
    assert statement["Principal"] == {"AWS": "arn:aws:iam::111111111111:role/"
                                             "pay-prod-bus-forwarding"}
    # the receiving domain's topology lets exactly that role in, with the events' source
    other = load_topology([str(FORWARDED)]).topology
    assert other is not None
    bus_policy = policies.bus_policy(other, policies.Where.of(other))
    assert bus_policy is not None
    assert [s["Principal"] for s in bus_policy["Statement"]] == [
        {"AWS": [statement["Principal"]["AWS"]]}]
    assert bus_policy["Statement"][0]["Condition"] == {
        "StringEquals": {"events:source": "com.acme.payments"}}


def test_an_environment_names_the_receiving_bus_of_its_own() -> None:
    """In staging, the data account is the bus's: the analytics bus is in the same account,
    under the name the environment gives it."""
    topo = load_topology([str(CASE)], environment="staging").topology
    assert topo is not None
    where = policies.Where.of(topo)
    assert policies.forward_bus_arn(topo, topo.buses["analytics"], where) == \
        "arn:aws:events:eu-west-1:444444444444:event-bus/analytics-staging-events"
    assert policies.forward_bus_arn(topo, topo.buses["audit"], where) == \
        "arn:aws:events:eu-west-1:444444444444:event-bus/audit-events"


def test_a_route_forwards_and_delivers_within_five_targets(tmp_path: Path) -> None:
    """Buses count with consumers against the 5 targets of a rule."""
    text = HEAD + "consumers:\n" + "".join(
        f"  c{i}: {{team: data, container: {{role: worker}}}}\n" for i in range(5)) + """
buses:
  analytics: {name: analytics-events, account: analytics, team: data}
routes:
  placed:
    events: [OrderPlaced]
    to: [c0, c1, c2, c3, c4]
    forward: [analytics]
"""
    topo = load_topology([str(_write(tmp_path, text))]).topology
    assert topo is not None
    rules = topo.routes["placed"].rules
    assert [(rule.targets, rule.forwards) for rule in rules] == [
        (("c0", "c1", "c2", "c3", "c4"), ()), ((), ("analytics",))]


def test_who_gets_an_event_names_the_buses_it_goes_on_to() -> None:
    topo = load_topology([str(CASE)]).topology
    assert topo is not None
    event = {"source": "com.acme.payments", "detail-type": "PaymentCaptured", "detail": {}}
    outcomes = simulate.route_event(topo, event)
    text = simulate.render(topo, event, outcomes)
    assert "  captured-to-analytics -> bus analytics" in text
    assert "  analytics: analytics-prod-events" in text
    doc = json.loads(simulate.as_json(outcomes))
    assert doc["buses"] == ["analytics"]
    assert {"route": "captured-to-analytics", "consumers": [], "buses": ["analytics"]} in \
        doc["matched"]


def test_no_longer_forwarding_is_refused_until_decided(tmp_path: Path) -> None:
    """The forward DLQ holds the events that could not be forwarded: a compile that would
    delete it needs --allow-destroy, recorded in the lock; --forget cannot leave it."""
    topo = tmp_path / "topology"
    shutil.copytree(CASE, topo)
    text = (topo / "topology.yaml").read_text()
    text = text.replace("  refunds-to-audit:\n    events: [RefundIssued]\n    forward: [audit]"
                        "\n", "")
    (topo / "topology.yaml").write_text(text)
    out = tmp_path / "out"
    code, _, err = run("compile", str(topo), "-o", str(out))
    assert code == 1 and not out.exists()
    assert ("error[E801]: no route forwards to bus `audit` any more: applying would delete "
            "its forward DLQ `pay-prod-audit-forward-dlq` and the events in it") in err
    assert "warning[W715]: no route forwards to bus `audit`" in err
    # the review says so, and what decides it
    code, page, err = run("diff", "--base", str(CASE), str(topo))
    assert code == 0, err
    assert ("> - the forward DLQ of bus `audit` is deleted, with the events that could not be "
            "forwarded: `pay-prod-audit-forward-dlq`.") in page, page
    assert ("> `edac compile` refuses this until told: `--allow-destroy forward.audit` once "
            "the events in it are moved elsewhere (a forward DLQ cannot be forgotten).") in page
    code, _, err = run("compile", str(topo), "-o", str(out), "--forget", "forward.audit")
    assert code == 1 and "error[E802]: `--forget forward.audit`" in err
    code, _, err = run("compile", str(topo), "-o", str(out), "--allow-destroy",
                       "forward.audit")
    assert code == 0, err
    lock = json.loads((topo / "edac.lock").read_text())
    assert lock["decisions"]["forward.audit"] == {
        "choice": "allow-destroy", "resources": ["pay-prod-audit-forward-dlq"]}
    assert "pay-prod-audit-forward-dlq" not in (out / "forwarding.tf").read_text()
    # the decision stands: the next compile needs no flag
    code, _, err = run("compile", str(topo), "-o", str(out))
    assert code == 0, err


def test_the_diff_names_what_a_route_forwards_to(tmp_path: Path) -> None:
    base = tmp_path / "a"
    base.mkdir()
    _write(base, HEAD + """
consumers:
  billing: {team: data, container: {role: worker}}
buses:
  analytics: {name: analytics-events, account: analytics, team: data}
routes:
  placed: {events: [OrderPlaced], to: [billing]}
  kept: {events: [OrderPlaced], forward: [analytics]}
""")
    head = tmp_path / "b"
    head.mkdir()
    _write(head, (base / "topology.yaml").read_text().replace(
        "placed: {events: [OrderPlaced], to: [billing]}",
        "placed: {events: [OrderPlaced], to: [billing], forward: [analytics]}"))
    code, out, err = run("diff", "--base", str(base), str(head))
    assert code == 0, err
    row = next(line for line in out.splitlines() if "`placed`" in line)
    assert "forward: + `analytics`" in row, out
    # the receiving bus renamed: its row says so
    (head / "topology.yaml").write_text((head / "topology.yaml").read_text().replace(
        "name: analytics-events", "name: analytics-v2"))
    code, out, err = run("diff", "--base", str(base), str(head))
    assert code == 0, err
    assert "| forward | `analytics` | receiving bus: `analytics-events` → `analytics-v2` |" \
        in out
    # the diagram of the change marks that bus, not ours
    marked = re.search(r"^  class (\S+) changed$", out, re.M)
    assert marked and "f_analytics" in marked.group(1).split(","), out
    assert "bus" not in marked.group(1).split(","), out


def test_forwarding_needs_the_bus_account_and_a_known_account(tmp_path: Path) -> None:
    text = HEAD.replace('environments:\n  prod: {account: "111111111111", region: eu-west-1}\n',
                        "") + """
buses:
  analytics: {name: analytics-events, account: analytics, team: data}
  typo: {name: other-events, account: analitycs, team: data}
routes:
  placed: {events: [OrderPlaced], forward: [analytics, typo]}
"""
    result = load_topology([str(_write(tmp_path, text))])
    found = {(d.code, d.span.line if d.span else None) for d in result.diagnostics}
    lines = text.splitlines()
    assert ("E748", lines.index("  analytics: {name: analytics-events, account: analytics, "
                                "team: data}") + 1) in found
    assert ("E746", lines.index("  typo: {name: other-events, account: analitycs, team: "
                                "data}") + 1) in found
    assert "did you mean `analytics`?" in " ".join(d.help or "" for d in result.diagnostics)


def test_bad_buses_are_found_at_their_lines(tmp_path: Path) -> None:
    text = HEAD + """
consumers:
  a-forward: {team: data, container: {role: worker}}
buses:
  "a b": {name: x-events, team: data}
  a: {name: "no/slash", team: data}
  far: {name: far-events, region: Europe, team: "data team"}
  """ + "l" * 70 + """: {name: long-events, team: data}
routes:
  placed: {events: [OrderPlaced], to: [a-forward], forward: ["a b", a, far, """ + "l" * 70 \
        + "]}\n"
    result = load_topology([str(_write(tmp_path, text))])
    codes = sorted((d.code, d.message) for d in result.diagnostics)
    assert ("E601", "bus `a b` is not usable in queue names") in codes
    assert ("E604", "`no/slash` is not a valid event bus name") in codes
    assert ("E744", "bus `far`: `Europe` is not an AWS region") in codes
    assert not [m for c, m in codes if c == "E750"]  # no partition for a region that is none
    assert ("E601", "team `data team` is not usable in an SNS topic name") in codes
    assert any(c == "E602" and "is 92 characters; SQS allows 80" in m for c, m in codes)
    # the forward DLQ of bus `a` is shop-prod-a-forward-dlq, the DLQ of consumer `a-forward`
    assert ("E602", "the forward DLQ of bus `a` and a queue of consumer `a-forward` are both "
            "named `shop-prod-a-forward-dlq`") in codes


def test_the_forward_dlq_policy_grows_until_the_diagnostic_fires(tmp_path: Path) -> None:
    """Each route that forwards to a bus adds its rule to the bus's forward DLQ policy: from
    80 % of SQS's 8,192 bytes a warning, past them an error, at the bus under `buses:`."""
    seen = set()
    for n in (40, 90, 100):
        text = HEAD + """buses:
  analytics: {name: analytics-events, account: analytics, team: data}
routes:
""" + "".join(f"  r{i:03}: {{events: [OrderPlaced], filter: {{n: [{i}]}}, "
              "forward: [analytics]}\n" for i in range(n))
        result = load_topology([str(_write(tmp_path, text))])
        topo = result.topology
        assert topo is not None
        size = len(policies.encode(policies.forward_dlq_policy(
            topo, topo.buses["analytics"], policies.Where.of(topo))).encode())
        found = [(d.code, d.span.line if d.span else None) for d in result.diagnostics
                 if "forward DLQ policy" in d.message]
        line = text.splitlines().index("  analytics: {name: analytics-events, account: "
                                       "analytics, team: data}") + 1
        if size > quotas.QUEUE_POLICY_BYTES:
            assert found == [("E751", line)], (n, size, found)
            seen.add("E751")
        elif size > quotas.QUEUE_POLICY_BYTES * quotas.NEAR:
            assert found == [("W752", line)], (n, size, found)
            seen.add("W752")
        else:
            assert found == [], (n, size)
    assert seen == {"W752", "E751"}


def test_the_forwarding_role_policy_grows_until_the_diagnostic_fires(tmp_path: Path) -> None:
    """Each forwarded bus adds its ARN to the forwarding role's policy (IAM's 10,240
    characters), at the `name` of the last bus."""
    seen = set()
    for n in (60, 90, 120):
        text = HEAD + "buses:\n" + "".join(
            f"  b{i:03}: {{name: b{i:03}-{'x' * 40}, account: analytics, team: data}}\n"
            for i in range(n)) + "routes:\n" + "".join(
            f"  r{i:03}: {{events: [OrderPlaced], forward: [b{i:03}]}}\n" for i in range(n))
        result = load_topology([str(_write(tmp_path, text))])
        topo = result.topology
        assert topo is not None
        size = len("".join(policies.encode(policies.forwarding_policy(
            topo, policies.Where.of(topo))).split()))
        found = [(d.code, d.span.line if d.span else None) for d in result.diagnostics
                 if "bus-forwarding" in d.message]
        line = next(i for i, t in enumerate(text.splitlines(), 1)
                    if t.startswith(f"  b{n - 1:03}:"))
        if size > quotas.ROLE_INLINE_CHARS:
            assert found == [("E751", line)], (n, size, found)
            seen.add("E751")
        elif size > quotas.ROLE_INLINE_CHARS * quotas.NEAR:
            assert found == [("W752", line)], (n, size, found)
            seen.add("W752")
        else:
            assert found == [], (n, size)
    assert seen == {"W752", "E751"}


def test_names_aws_refuses_are_found_before_terraform(tmp_path: Path) -> None:
    """The names edac derives for forwarding and for delivery to other accounts: a target id
    over 64, IAM roles over 64, a previous name that is no queue name (review of issue 17)."""
    long = "payments-settlement-and-reconciliation-platform"  # + -prod-...: over 64
    text = HEAD.replace("name: shop", f"name: {long}") + """
consumers:
  billing: {team: data, account: analytics, previously: [bill.ing],
            container: {role: "arn:aws:iam::333333333333:role/worker"}}
  ledger: {team: data, account: analytics,
           container: {role: "arn:aws:iam::333333333333:role/worker"}}
buses:
  """ + "k" * 57 + """: {name: data-events, account: analytics, team: data}
routes:
  r: {events: [OrderPlaced], to: [billing, ledger], forward: [""" + "k" * 57 + "]}\n"
    result = load_topology([str(_write(tmp_path, text))])
    messages = {d.message for d in result.diagnostics if d.code in ("E601", "E602")}
    assert f"IAM role name `{long}-prod-cross-account-delivery` is 75 characters; IAM allows " \
        "64" in messages
    assert f"IAM role name `{long}-prod-bus-forwarding` is 67 characters; IAM allows 64" in \
        messages
    assert f"bus key `{'k' * 57}` makes the target id `forward.{'k' * 57}` of 65 characters; " \
        "EventBridge allows 64" in messages
    assert "consumer `billing` was previously `bill.ing`, which is not usable in queue names" \
        in messages
    # one character less of each and they are gone (a 56-character key at a short prefix:
    # the forward DLQ's 80 characters bound the key more at a long one)
    shorter = text.replace(long, long[:-11]).replace("k" * 57, "k" * 26).replace("bill.ing",
                                                                                   "bill-ing")
    result = load_topology([str(_write(tmp_path, shorter))])
    assert not [d.message for d in result.diagnostics if d.code in ("E601", "E602")]
    for key, found in (("k" * 56, False), ("k" * 57, True)):
        short = text.replace(long, "s").replace("k" * 57, key)
        result = load_topology([str(_write(tmp_path, short))])
        assert any("makes the target id" in d.message for d in result.diagnostics) is found


def test_a_replay_says_which_buses_get_the_events_again() -> None:
    """A replayed route or consumer whose rules forward: the other domain gets them again."""
    topo = compile_paths([str(CASE)]).result.topology
    assert topo is not None
    assert also_reached(rules_for(topo, "captured-to-analytics", None), None) == (
        [], ["analytics"])
    assert also_reached(rules_for(topo, "money", None), None) == ([], [])
    assert also_reached(rules_for(topo, None, "ledger"), "ledger") == (
        ["loader", "notifier"], [])


def test_a_bus_no_route_forwards_to_makes_nothing(tmp_path: Path) -> None:
    """No forward DLQ, alarm or alert topic for it, and no W711 for its team: W715 says it."""
    text = HEAD + """
consumers:
  billing: {team: data, lambda: {function: billing}}
buses:
  analytics: {name: analytics-events, account: analytics, team: nobody}
routes:
  placed: {events: [OrderPlaced], to: [billing]}
"""
    result = compile_paths([str(_write(tmp_path, text))])
    assert result.result.ok
    assert [d.code for d in result.result.diagnostics] == ["W715"]
    assert result.result.topology is not None
    assert result.result.topology.alerted_teams() == ["data"]  # billing's
    made = [rel for rel, text in result.files.items() if not rel.startswith("modules/") and
            any(n in text for n in ("nobody-alarms", "forward-dlq", "bus-forwarding"))]
    assert made == []
    # forwarded, the bus's alarm goes to team `nobody`, whom nobody hears
    forwarded = text.replace("to: [billing]}", "to: [billing], forward: [analytics]}")
    result = compile_paths([str(_write(tmp_path, forwarded))])
    assert [d.code for d in result.result.diagnostics] == ["W711"]
    assert result.result.topology is not None
    assert result.result.topology.alerted_teams() == ["data", "nobody"]


def test_a_breaking_schema_change_names_the_buses_it_is_forwarded_to(tmp_path: Path) -> None:
    """The consumers behind a forwarded bus read the event too: the review names that bus."""
    schema = {"type": "object", "required": ["orderId"],
              "properties": {"orderId": {"type": "string"}}}
    text = HEAD.replace("OrderPlaced: {producer: orders}",
                        "OrderPlaced: {producer: orders, schema: placed.json}") + """
buses:
  analytics: {name: analytics-events, account: analytics, team: data}
routes:
  placed: {events: [OrderPlaced], forward: [analytics]}
"""
    for side in ("a", "b"):
        (tmp_path / side).mkdir()
        _write(tmp_path / side, text)
        (tmp_path / side / "placed.json").write_text(json.dumps(schema))
    schema["required"] = []
    (tmp_path / "b" / "placed.json").write_text(json.dumps(schema))
    code, out, err = run("diff", "--base", str(tmp_path / "a"), str(tmp_path / "b"))
    assert code == 0, err
    assert "breaks its readers (the domain behind bus `analytics`)" in out, out


def test_what_could_not_be_forwarded_is_forwarded_again_over_its_window(
        tmp_path: Path) -> None:
    """The forward DLQ's events give the replay window; the replay names who else gets
    them again; the alarm and topology.md point at `edac dlq show forward.BUS`."""
    from edac.core.runbook import Runbook
    from edac.ops.replay import forward_again

    topo_dir = tmp_path / "topology"
    shutil.copytree(CASE, topo_dir)
    text = (topo_dir / "topology.yaml").read_text()
    (topo_dir / "topology.yaml").write_text(text.replace("teams:\n", "bus:\n  archive_days: 7\n"
                                                         "\nteams:\n", 1))
    compiled = compile_paths([str(topo_dir)])
    topo = compiled.result.topology
    assert topo is not None and topo.archive == "pay-prod-archive"
    events = [{"time": "2026-12-02T10:00:00Z"}, {"time": "2026-12-02T09:59:00Z"}, {},
              {"time": "not a time"}]
    now = dt.datetime(2026, 12, 3, tzinfo=dt.UTC)
    steps = forward_again(topo, "analytics", events, Runbook(("topology",), None,
                                                             ("--region", "eu-west-1")), now)
    assert steps == [{
        "route": "captured-to-analytics", "from": "2026-12-02T09:59:00Z",
        "to": "2026-12-02T10:00:01Z",
        "command": "edac replay --route captured-to-analytics --from 2026-12-02T09:59:00Z "
                   "--to 2026-12-02T10:00:01Z --region eu-west-1 topology",
        "also_delivered_to": [], "not_idempotent": [], "also_forwarded_to": [],
        "past_retention": 0}]
    assert forward_again(topo, "analytics", [{}]) == []
    # a week later the archive (7 days) no longer has the first: the window starts with it
    later = forward_again(topo, "analytics", events, None,
                          dt.datetime(2026, 12, 9, 9, 59, 30, tzinfo=dt.UTC))
    assert later[0]["from"] == "2026-12-02T09:59:30Z" and later[0]["past_retention"] == 1
    alarm = compiled.files["forwarding.tf"]
    assert "edac dlq show forward.analytics" in alarm
    page = compiled.files["topology.md"]
    assert "`edac dlq show forward.audit" in page and "over that window" in page
    # without an archive there is nothing to replay from
    plain = compile_paths([str(CASE)]).result.topology
    assert plain is not None and forward_again(plain, "analytics", events) == []


def test_a_teams_diagram_has_the_routes_forwarding_to_its_buses() -> None:
    """`edac diagram --team data`: the analytics bus is the data team's (its alarm goes to
    them), so the route forwarding there is drawn; the audit bus is the payments team's."""
    code, out, err = run("diagram", str(CASE), "--team", "data")
    assert code == 0, err
    assert "r_captured_to_analytics -->|\"forwarded\"| f_analytics" in out
    assert "f_audit" not in out and "r_refunds_to_audit" not in out


def test_the_runbook_names_who_else_a_replay_reaches(tmp_path: Path) -> None:
    """A route forwarding to two buses and delivering to a consumer without idempotency: the
    alarm of one bus's forward DLQ and topology.md say the replay reaches the other bus and
    that consumer, which processes the events twice."""
    text = HEAD + """bus: {archive_days: 7}
consumers:
  bill_ing: {team: data, lambda: {function: billing}}
buses:
  analytics: {name: analytics-events, account: analytics, team: data}
  audit: {name: audit-events, account: analytics, team: data}
routes:
  placed: {events: [OrderPlaced], to: [bill_ing], forward: [analytics, audit]}
"""
    compiled = compile_paths([str(_write(tmp_path, text))])
    assert compiled.result.ok, [d.message for d in compiled.result.diagnostics]
    alarm = compiled.files["forwarding.tf"]
    assert ("(the replay also delivers them again to bill_ing (bill_ing without idempotency: "
            "processed twice) and forwards them again to bus audit)") in alarm
    page = compiled.files["topology.md"]
    assert ("(and also delivers them again to `bill_ing` (`bill_ing` without idempotency: "
            "processed twice) and forwards them again to bus `audit`)") in page
