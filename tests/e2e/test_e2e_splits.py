"""Stable rule splits on the local AWS endpoint (tests/e2e/splits.py runs the scenario in the
background): a 7-consumer route reordered changes nothing; an eighth consumer joins the free
slot of the second rule, no existing target moves, and no event put during the apply is lost."""

from __future__ import annotations

from typing import Any

import pytest

from e2e.splits import SEVEN, Splits

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def splits(e2e_registry: Any) -> Splits:
    run: Splits = e2e_registry.start_splits()
    return run.result()


def test_seven_consumers_make_two_rules(splits: Splits) -> None:
    assert splits.first_rules == {"fan-wide": SEVEN[:5], "fan-wide-2": SEVEN[5:]}
    assert splits.delivered_v1 == {f"fan-{c}": 2 for c in SEVEN}


def test_reordering_to_changes_nothing(splits: Splits) -> None:
    assert splits.reorder_same_bytes is True
    assert splits.reorder_plan_exit == 0  # terraform plan -detailed-exitcode: no changes


def test_an_eighth_consumer_moves_no_target(splits: Splits) -> None:
    assert splits.added_rules == {"fan-wide": SEVEN[:5], "fan-wide-2": ["c0", *SEVEN[5:]]}
    actions = splits.add_plan_actions
    assert not [a for a, acts in actions.items() if "delete" in acts], actions
    targets = {a: acts for a, acts in actions.items() if "aws_cloudwatch_event_target" in a}
    assert targets == {'module.route["wide-2"].aws_cloudwatch_event_target.this["c0"]':
                       ["create"]}, targets
    # nothing of the seven consumers changes: their queues, policies and rules stay as they are
    touched = [a for a in actions if not a.startswith('module.consumer["c0"]')
               and "c0" not in a]
    assert all(a.startswith('module.route["wide-2"]') for a in touched), touched
    assert splits.plan_after_apply_exit == 0


def test_no_event_put_during_the_apply_is_lost(splits: Splits) -> None:
    sent = splits.sent_during_apply
    assert len(sent) >= 5, "the apply was too quick for the test to mean anything"
    for consumer in SEVEN:
        got = splits.received.get(f"fan-{consumer}", [])
        assert sorted(got) == sorted(sent), f"{consumer}: {len(got)} of {len(sent)} events"
    # the new consumer gets what was put once its target existed, the last event at least
    assert sent[-1] in splits.received.get("fan-c0", [])
