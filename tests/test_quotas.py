"""The policies edac emits against AWS's size quotas: topologies grown until the diagnostic
fires, at the YAML that makes the policy grow. (That edac.core.policies renders what
terraform applies, string for string, is checked on the emulator: tests/e2e.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from edac.api import load_topology
from edac.core import policies
from edac.core.checks import quotas

HEADER = """version: 1
name: big
environment: prod
teams:
  t:
    alerts: {email: [oncall@big.example]}
producers:
  p: {source: com.big.p, team: t}
events:
  E: {producer: p}
"""


def validate(tmp_path: Path, text: str) -> list[tuple[str, int, int, str]]:
    (tmp_path / "topology.yaml").write_text(text)
    result = load_topology([str(tmp_path)])
    return [(d.code, d.span.line, d.span.col, d.message) for d in result.diagnostics
            if d.span is not None]


def routes_to_one_consumer(n: int) -> str:
    lines = [HEADER, "consumers:", "  sink: {team: t, container: {role: sink-worker}}",
             "routes:"]
    lines += [f"  route-{i:03}: {{events: [E], filter: {{n: [{i}]}}, to: [sink]}}"
              for i in range(n)]
    return "\n".join(lines) + "\n"


def queue_policy_bytes(tmp_path: Path) -> int:
    topo = load_topology([str(tmp_path)]).topology
    assert topo is not None
    document = policies.queue_policy(topo, topo.consumers["sink"], policies.Where.of(topo))
    return len(policies.encode(document).encode())


def test_a_queue_policy_over_its_quota_is_found_as_the_rules_grow(tmp_path: Path) -> None:
    """One consumer, one more route (one more rule) at a time: warned from 80 % of SQS's
    8,192 bytes, an error past them, always at the consumer the rules feed."""
    sink_line = routes_to_one_consumer(1).splitlines().index(
        "  sink: {team: t, container: {role: sink-worker}}") + 1
    seen_warning = None
    for n in range(60, 130):
        found = validate(tmp_path, routes_to_one_consumer(n))
        size = queue_policy_bytes(tmp_path)
        codes = {code for code, *_ in found}
        if size > quotas.QUEUE_POLICY_BYTES:
            assert "E751" in codes, (n, size)
            (error,) = [f for f in found if f[0] == "E751"
                        and f[3].startswith("the queue policy")]
            assert error[1:3] == (sink_line, 3), error
            assert f"would be {size:,} bytes; AWS allows 8,192" in error[3]
            break
        assert "E751" not in codes, (n, size)
        if size > 0.8 * quotas.QUEUE_POLICY_BYTES:
            seen_warning = seen_warning or n
            assert any(code == "W752" and line == sink_line for code, line, *_ in found)
    else:
        pytest.fail("130 rules never went over the quota")
    assert seen_warning is not None and seen_warning < n
    # the target DLQ admits the same rules: it is over too
    assert any(f[0] == "E751" and "target DLQ policy" in f[3] for f in found)


def test_a_bus_policy_over_its_quota_points_at_the_principals(tmp_path: Path) -> None:
    def producers(n: int, quota: str = "") -> str:
        text = HEADER.replace("  p: {source: com.big.p, team: t}\n", "")
        text = text.replace("events:\n  E: {producer: p}\n", "") + quota
        text += "  small: {source: com.big.small, principals: [\"111111111111\"]}\n"
        text += "  p:\n    source: com.big.p\n    principals:\n"
        text += "".join(f"      - arn:aws:iam::{100000000000 + i}:role/producer-{i:04}\n"
                        for i in range(n))
        text += ("events:\n  E: {producer: p}\nconsumers:\n  c: {team: t, container: "
                 "{role: r}}\nroutes:\n  r: {events: [E], to: [c]}\n")
        return text.replace("producers:\n", "producers:\n", 1)

    assert not [f for f in validate(tmp_path, producers(100)) if f[0] in ("E751", "W752")]
    found = [f for f in validate(tmp_path, producers(300)) if f[0] == "E751"]
    assert len(found) == 1, found
    text = (tmp_path / "topology.yaml").read_text().splitlines()
    assert text[found[0][1] - 1].strip() == "principals:"  # the widest producer's
    assert "the bus policy of `big-prod-events`" in found[0][3]
    assert "AWS allows 10,240" in found[0][3]
    # a raised quota, said in the topology
    raised = producers(300, "bus: {policy_quota: 40000}\n")
    assert not [f for f in validate(tmp_path, raised) if f[0] == "E751"]


def test_the_policies_a_shared_role_collects(tmp_path: Path) -> None:
    """Consumers sharing one role each put an inline policy on it: IAM's 10,240
    non-whitespace characters per role, reported at the consumer that goes over."""
    def shared(n: int) -> str:
        lines = [HEADER, "consumers:"]
        lines += [f"  c{i:03}: {{team: t, container: {{role: shared-worker}}}}"
                  for i in range(n)]
        lines += ["routes:", "  r:", "    events: [E]", "    to: [" +
                  ", ".join(f"c{i:03}" for i in range(min(n, 5))) + "]"]
        lines += [f"  r{i:03}: {{events: [E], to: [c{i:03}]}}" for i in range(5, n)]
        return "\n".join(lines) + "\n"

    for n in range(20, 80):
        found = [f for f in validate(tmp_path, shared(n)) if f[0] == "E751"]
        if found:
            (error,) = found
            assert "role `shared-worker`" in error[3] and f"({n}, the last for consumer" \
                in error[3]
            line = (tmp_path / "topology.yaml").read_text().splitlines()[error[1] - 1]
            assert line.startswith(f"  c{n - 1:03}:") and line[error[2] - 1:].startswith(
                "shared-worker")
            break
    else:
        pytest.fail("80 consumers on one role never went over the quota")


def test_the_examples_are_well_inside_every_quota() -> None:
    root = Path(__file__).resolve().parents[1] / "examples"
    for example in sorted(p for p in root.iterdir() if p.is_dir()):
        result = load_topology([str(example)])
        assert not [d for d in result.diagnostics if d.code in ("E751", "W752")], example
