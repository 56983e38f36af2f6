"""Changes that lose messages when made by hand, made through edac on the local AWS endpoint:
a rename, a removal refused, a removal forgotten, a removal allowed to destroy. The stages run
in the background from the start of the session (tests/e2e/lifecycle.py); each test checks
what one stage saw: the compile, terraform's saved plan (`terraform show -json`), the queues
and their messages after the apply."""

from __future__ import annotations

from typing import Any

import pytest

from e2e.lifecycle import Lifecycle, Stage

pytestmark = pytest.mark.e2e

EMAIL_QUEUES = {"shop-prod-email", "shop-prod-email-dlq", "shop-prod-email-target-dlq"}
ANALYTICS_QUEUES = {"shop-prod-analytics", "shop-prod-analytics-dlq",
                    "shop-prod-analytics-target-dlq"}
FULFILLMENT_QUEUES = {"shop-prod-fulfillment", "shop-prod-fulfillment-dlq",
                      "shop-prod-fulfillment-target-dlq"}
V1_MESSAGES = {"shop-prod-email": 5, "shop-prod-email-dlq": 1, "shop-prod-analytics": 3,
               "shop-prod-fulfillment": 3}  # the other queues are empty
QUEUE_RESOURCES = ("aws_sqs_queue.this", "aws_sqs_queue.dlq", "aws_sqs_queue.target_dlq")


@pytest.fixture(scope="module")
def lifecycle(e2e_registry: Any) -> Lifecycle:
    run: Lifecycle = e2e_registry.start_lifecycle()
    return run.result()


def messages(stage: Stage) -> dict[str, int]:
    return {name: count for name, count in stage.queues.items() if count}


def test_v1_is_applied_with_messages_waiting(lifecycle: Lifecycle) -> None:
    v1 = lifecycle.stage("v1")
    assert v1.error is None, v1.error
    assert v1.compile_exit == 0 and v1.plan_after_apply_exit == 0
    assert set(v1.queues) == EMAIL_QUEUES | ANALYTICS_QUEUES | FULFILLMENT_QUEUES
    assert messages(v1) == V1_MESSAGES


def test_a_rename_destroys_nothing_and_keeps_the_messages(lifecycle: Lifecycle) -> None:
    """`email` -> `mailer` and `cancellations` -> `cancellation-notices`, with `previously`."""
    v1, rename = lifecycle.stage("v1"), lifecycle.stage("rename")
    assert rename.error is None, rename.error
    assert rename.compile_exit == 0, rename.compile_output
    plan = rename.plan
    assert plan is not None
    # nothing created or destroyed: moves, and alarms updated in place because their
    # descriptions name the consumer, the route and the edac commands to run
    assert plan.with_action("create") == plan.with_action("delete") == []
    updated = plan.with_action("update")
    assert all(".aws_cloudwatch_metric_alarm." in a for a in updated), plan.actions
    assert {f'module.consumer["mailer"].aws_cloudwatch_metric_alarm.{name}' for name in (
        "dlq_not_empty", "oldest_message_age", "target_dlq_not_empty")} <= set(updated)
    assert 'module.route["cancellation-notices"].aws_cloudwatch_metric_alarm' \
        '.failed_invocations' in updated
    assert {a: plan.changed[a] for a in updated} == \
        {a: ["alarm_description"] for a in updated}, plan.changed
    assert plan.summary == f"Plan: 0 to add, {len(updated)} to change, 0 to destroy."
    for resource in QUEUE_RESOURCES:
        assert plan.moved[f'module.consumer["mailer"].{resource}'] == \
            f'module.consumer["email"].{resource}'
    assert plan.moved['module.route["cancellation-notices"].aws_cloudwatch_event_rule.this'] \
        == 'module.route["cancellations"].aws_cloudwatch_event_rule.this'
    # the targets keep their ids (the consumer's first name): not replaced either
    assert plan.moved['module.route["cancellation-notices"]'
                      '.aws_cloudwatch_event_target.this["email"]'] == \
        'module.route["cancellations"].aws_cloudwatch_event_target.this["email"]'
    # the consumer's own key moves with its queues (destroyed, every message in them would
    # be lost: nothing could decrypt them)
    for resource in ("aws_kms_key.this", "aws_kms_alias.this"):
        assert plan.moved[f'module.queue_key["mailer"].{resource}'] == \
            f'module.queue_key["email"].{resource}'
    # every move is one of the two renames, resource for resource
    for to, from_ in plan.moved.items():
        renamed = from_.replace('module.consumer["email"]', 'module.consumer["mailer"]') \
            .replace('module.queue_key["email"]', 'module.queue_key["mailer"]') \
            .replace('module.route["cancellations"]', 'module.route["cancellation-notices"]')
        assert to == renamed != from_
    assert len(plan.moved) == 18  # 12 resources of the consumer, 2 of its key, 4 of the route
    assert rename.applied and rename.plan_after_apply_exit == 0
    # the same queues (not made again), the same messages
    assert rename.created == v1.created
    assert messages(rename) == V1_MESSAGES
    assert not any(a.startswith('module.consumer["email"]') for a in rename.state)
    assert 'module.consumer["mailer"].aws_sqs_queue.this' in rename.state
    # and the renamed route still delivers to the renamed consumer's queue
    assert rename.delivered["shop-prod-email"] == V1_MESSAGES["shop-prod-email"] + 1


def test_a_removal_is_refused_and_nothing_is_written(lifecycle: Lifecycle) -> None:
    refuse = lifecycle.stage("refuse")
    assert refuse.error is None, refuse.error
    assert refuse.compile_exit == 1
    assert "error[E801]: consumer `analytics` is no longer in the topology" in \
        refuse.compile_output
    for queue in sorted(ANALYTICS_QUEUES):
        assert f"`{queue}`" in refuse.compile_output
    assert "--forget analytics" in refuse.compile_output
    assert "nothing was written" in refuse.compile_output
    assert refuse.output_unchanged is True
    assert refuse.plan is None and not refuse.applied


def test_forget_keeps_the_queues_and_their_messages(lifecycle: Lifecycle) -> None:
    rename, forget = lifecycle.stage("rename"), lifecycle.stage("forget")
    assert forget.error is None, forget.error
    assert forget.compile_exit == 0, forget.compile_output
    plan = forget.plan
    assert plan is not None
    forgotten = plan.with_action("forget")
    for resource in QUEUE_RESOURCES:
        assert any(a.endswith(resource) and a.startswith("module.forgotten_analytics_")
                   for a in forgotten), forgotten
    assert all(a.startswith("module.forgotten_analytics_") for a in forgotten)
    # the one deletion: the rule's target that sent to the consumer (no queue)
    assert plan.with_action("delete") == [
        'module.route["confirmed-orders"].aws_cloudwatch_event_target.this["analytics"]']
    # the rule's alarms no longer notify the removed consumer's topic
    assert plan.with_action("update") == [
        'module.route["confirmed-orders"].aws_cloudwatch_metric_alarm.failed_invocations',
        'module.route["confirmed-orders"].aws_cloudwatch_metric_alarm'
        '.invocations_failed_to_be_sent_to_dlq']
    assert plan.with_action("create") == []
    assert forget.applied and forget.plan_after_apply_exit == 0
    # still in AWS, untouched, with their messages; out of terraform's state
    assert set(forget.queues) >= ANALYTICS_QUEUES
    assert {q: forget.created[q] for q in ANALYTICS_QUEUES} == \
        {q: rename.created[q] for q in ANALYTICS_QUEUES}
    assert forget.queues["shop-prod-analytics"] == 3
    assert not any("analytics" in address for address in forget.state), forget.state
    assert messages(forget) == {q: n for q, n in rename.delivered.items() if n}


def test_allow_destroy_deletes_exactly_the_chosen_queues(lifecycle: Lifecycle) -> None:
    forget, destroy = lifecycle.stage("forget"), lifecycle.stage("destroy")
    assert destroy.error is None, destroy.error
    assert destroy.compile_exit == 0, destroy.compile_output
    plan = destroy.plan
    assert plan is not None
    deleted_queues = sorted(a for a in plan.with_action("delete")
                            if a.rsplit(".", 2)[-2] == "aws_sqs_queue")
    assert deleted_queues == sorted(f'module.consumer["fulfillment"].{r}'
                                    for r in QUEUE_RESOURCES)
    # everything deleted is the consumer's, its rule target, or its team's alert topic
    # (warehouse has no other consumer)
    for address in plan.with_action("delete"):
        assert address.startswith(('module.consumer["fulfillment"]',
                                   'module.alert_topic["warehouse"]')) or \
            address.endswith('.aws_cloudwatch_event_target.this["fulfillment"]'), address
    assert plan.with_action("create") == []
    assert destroy.applied and destroy.plan_after_apply_exit == 0
    assert not FULFILLMENT_QUEUES & set(destroy.queues)
    # the others, the forgotten ones included, with their messages
    assert set(destroy.queues) == EMAIL_QUEUES | ANALYTICS_QUEUES
    assert {q: destroy.created[q] for q in destroy.queues} == \
        {q: forget.created[q] for q in destroy.queues}
    assert messages(destroy) == {q: n for q, n in messages(forget).items()
                                 if q not in FULFILLMENT_QUEUES}
