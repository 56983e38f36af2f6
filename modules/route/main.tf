resource "aws_cloudwatch_event_rule" "this" {
  name           = var.name
  event_bus_name = var.bus_name
  description    = var.description
  event_pattern  = var.event_pattern
  state          = "ENABLED"
  tags           = var.tags

  lifecycle {
    precondition {
      condition     = length(var.event_pattern) <= var.event_pattern_max_length
      error_message = "event_pattern is ${length(var.event_pattern)} characters, over the event pattern size quota of ${var.event_pattern_max_length} (EventBridge's default quota is 2048; it can be raised to 4096 through Service Quotas, then set event_pattern_max_length)."
    }
  }
}

resource "aws_cloudwatch_event_target" "this" {
  for_each = var.targets

  # The target must name the same bus as its rule, or AWS looks for the rule
  # on the default bus ("Rule ... does not exist on EventBus default").
  event_bus_name = aws_cloudwatch_event_rule.this.event_bus_name
  rule           = aws_cloudwatch_event_rule.this.name
  target_id      = each.key
  arn            = each.value.queue_arn
  # a queue of another account: EventBridge sends as this role of the bus's account
  # (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-cross-account.html)
  role_arn = each.value.role_arn

  # Explicit retries: the default (185 attempts / 24 h) then silently drops the event.
  retry_policy {
    maximum_retry_attempts       = each.value.maximum_retry_attempts
    maximum_event_age_in_seconds = each.value.maximum_event_age_in_seconds
  }

  dead_letter_config {
    arn = each.value.dead_letter_arn
  }

  dynamic "sqs_target" {
    for_each = each.value.message_group_id == null ? [] : [each.value.message_group_id]
    content {
      message_group_id = sqs_target.value
    }
  }
}

# Event buses (of other domains) the rule forwards to: always as an execution role, which
# EventBridge recommends for every event bus target and needs for one of another account
# (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html).
# No retry_policy: AWS's CDK states "Retry policy is not supported for Event bus targets"
# (https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_events_targets.EventBusProps.html),
# so EventBridge's default applies, 24 hours and 185 attempts, then the DLQ
# (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html).
resource "aws_cloudwatch_event_target" "bus" {
  for_each = var.bus_targets

  event_bus_name = aws_cloudwatch_event_rule.this.event_bus_name
  rule           = aws_cloudwatch_event_rule.this.name
  target_id      = each.key
  arn            = each.value.bus_arn
  role_arn       = each.value.role_arn

  dead_letter_config {
    arn = each.value.dead_letter_arn
  }
}

locals {
  alarm_descriptions = var.alarm_descriptions != null ? var.alarm_descriptions : {
    failed_invocations = "Rule ${var.name} on bus ${var.bus_name} failed to deliver events to a target; they go to the target DLQ after retries."
    failed_to_dlq      = "Rule ${var.name} on bus ${var.bus_name} could not put failed events into the target DLQ: those events are lost."
  }
}

# Both dimensions: with RuleName alone the metric is the default bus's.
resource "aws_cloudwatch_metric_alarm" "failed_invocations" {
  alarm_name          = var.alarm_names.failed_invocations
  alarm_description   = local.alarm_descriptions.failed_invocations
  namespace           = "AWS/Events"
  metric_name         = "FailedInvocations"
  dimensions          = { EventBusName = var.bus_name, RuleName = aws_cloudwatch_event_rule.this.name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "invocations_failed_to_be_sent_to_dlq" {
  alarm_name          = var.alarm_names.failed_to_dlq
  alarm_description   = local.alarm_descriptions.failed_to_dlq
  namespace           = "AWS/Events"
  metric_name         = "InvocationsFailedToBeSentToDlq"
  dimensions          = { EventBusName = var.bus_name, RuleName = aws_cloudwatch_event_rule.this.name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  tags                = var.tags
}
