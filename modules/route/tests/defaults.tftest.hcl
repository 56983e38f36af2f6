mock_provider "aws" {
  override_during = plan
}

override_resource {
  target          = aws_cloudwatch_event_rule.this
  override_during = plan
  values = {
    arn = "arn:aws:events:eu-west-1:111122223333:rule/shop/order-placed"
  }
}

variables {
  name          = "order-placed"
  bus_name      = "shop"
  alarm_names   = { failed_invocations = "shop-order-placed-failed-invocations", failed_to_dlq = "shop-order-placed-invocations-failed-to-dlq" }
  description   = "Orders placed in the web shop"
  event_pattern = "{\"source\":[\"shop.orders\"],\"detail-type\":[\"OrderPlaced\"]}"
  targets = {
    billing = {
      queue_arn                    = "arn:aws:sqs:eu-west-1:111122223333:billing-orders"
      dead_letter_arn              = "arn:aws:sqs:eu-west-1:111122223333:billing-orders-target-dlq"
      maximum_retry_attempts       = 10
      maximum_event_age_in_seconds = 3600
    }
    ledger = {
      queue_arn                    = "arn:aws:sqs:eu-west-1:111122223333:ledger.fifo"
      dead_letter_arn              = "arn:aws:sqs:eu-west-1:111122223333:ledger-target-dlq"
      message_group_id             = "orders"
      maximum_retry_attempts       = 0
      maximum_event_age_in_seconds = 60
    }
  }
  alarm_actions = ["arn:aws:sns:eu-west-1:111122223333:team-shop-alerts"]
  tags          = { team = "shop" }
}

run "rule_on_the_bus" {
  command = plan

  assert {
    condition     = aws_cloudwatch_event_rule.this.name == "order-placed" && aws_cloudwatch_event_rule.this.event_bus_name == "shop" && aws_cloudwatch_event_rule.this.state == "ENABLED"
    error_message = "rule must be enabled on the given bus"
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.this.event_pattern) == jsondecode(var.event_pattern)
    error_message = "rule must carry the event pattern"
  }

  assert {
    condition     = aws_cloudwatch_event_rule.this.tags["team"] == "shop" && aws_cloudwatch_metric_alarm.failed_invocations.tags["team"] == "shop"
    error_message = "tags must reach the rule and alarms"
  }

  assert {
    condition     = output.rule_arn == "arn:aws:events:eu-west-1:111122223333:rule/shop/order-placed" && output.rule_name == "order-placed"
    error_message = "outputs wrong"
  }
}

run "targets" {
  command = plan

  assert {
    condition     = length(aws_cloudwatch_event_target.this) == 2 && alltrue([for t in aws_cloudwatch_event_target.this : t.event_bus_name == "shop" && t.rule == "order-placed"])
    error_message = "every target must name the rule's bus (otherwise AWS looks on the default bus)"
  }

  assert {
    condition     = aws_cloudwatch_event_target.this["billing"].target_id == "billing" && aws_cloudwatch_event_target.this["billing"].arn == "arn:aws:sqs:eu-west-1:111122223333:billing-orders"
    error_message = "target id / arn wrong"
  }

  assert {
    condition     = aws_cloudwatch_event_target.this["billing"].retry_policy[0].maximum_retry_attempts == 10 && aws_cloudwatch_event_target.this["billing"].retry_policy[0].maximum_event_age_in_seconds == 3600
    error_message = "explicit retry policy expected"
  }

  assert {
    condition     = aws_cloudwatch_event_target.this["ledger"].retry_policy[0].maximum_retry_attempts == 0 && aws_cloudwatch_event_target.this["ledger"].retry_policy[0].maximum_event_age_in_seconds == 60
    error_message = "retry policy lower bounds must pass through"
  }

  assert {
    condition     = aws_cloudwatch_event_target.this["billing"].dead_letter_config[0].arn == "arn:aws:sqs:eu-west-1:111122223333:billing-orders-target-dlq"
    error_message = "target DLQ expected"
  }

  assert {
    condition     = length(aws_cloudwatch_event_target.this["billing"].sqs_target) == 0
    error_message = "no sqs_target for a standard queue without a group id"
  }

  assert {
    condition     = aws_cloudwatch_event_target.this["ledger"].sqs_target[0].message_group_id == "orders"
    error_message = "FIFO target needs its message group id"
  }
}

run "alarms_have_both_dimensions" {
  command = plan

  assert {
    condition     = aws_cloudwatch_metric_alarm.failed_invocations.dimensions == tomap({ EventBusName = "shop", RuleName = "order-placed" })
    error_message = "FailedInvocations alarm needs EventBusName AND RuleName"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.invocations_failed_to_be_sent_to_dlq.dimensions == tomap({ EventBusName = "shop", RuleName = "order-placed" })
    error_message = "InvocationsFailedToBeSentToDlq alarm needs EventBusName AND RuleName"
  }

  assert {
    condition = alltrue([for a in [aws_cloudwatch_metric_alarm.failed_invocations, aws_cloudwatch_metric_alarm.invocations_failed_to_be_sent_to_dlq] :
      a.namespace == "AWS/Events" && a.threshold == 0 && a.comparison_operator == "GreaterThanThreshold" && a.statistic == "Sum" &&
      a.treat_missing_data == "notBreaching" && a.alarm_actions == toset(["arn:aws:sns:eu-west-1:111122223333:team-shop-alerts"])
    ])
    error_message = "route alarms must be > 0, Sum, notBreaching, notifying the team"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.failed_invocations.metric_name == "FailedInvocations" && aws_cloudwatch_metric_alarm.invocations_failed_to_be_sent_to_dlq.metric_name == "InvocationsFailedToBeSentToDlq"
    error_message = "metric names wrong"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.failed_invocations.alarm_name == "shop-order-placed-failed-invocations" && aws_cloudwatch_metric_alarm.invocations_failed_to_be_sent_to_dlq.alarm_name == "shop-order-placed-invocations-failed-to-dlq"
    error_message = "alarm names are the root's"
  }
}

run "alarm_descriptions_from_the_root" {
  command = plan

  variables {
    alarm_descriptions = {
      failed_invocations = "after the fix: edac redrive billing --from target-dlq"
      failed_to_dlq      = "replay: edac replay --route order-placed --from TIME --to TIME"
    }
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.failed_invocations.alarm_description == "after the fix: edac redrive billing --from target-dlq" && aws_cloudwatch_metric_alarm.invocations_failed_to_be_sent_to_dlq.alarm_description == "replay: edac replay --route order-placed --from TIME --to TIME"
    error_message = "each alarm carries the root's description"
  }
}

run "alarm_descriptions_default_name_the_rule" {
  command = plan

  assert {
    condition     = strcontains(aws_cloudwatch_metric_alarm.failed_invocations.alarm_description, "Rule order-placed on bus shop")
    error_message = "without descriptions from the root, the module's own name the rule"
  }
}

run "alarm_names_over_255_rejected" {
  command = plan

  variables {
    alarm_names = { failed_invocations = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", failed_to_dlq = "ok" }
  }

  expect_failures = [var.alarm_names]
}
